import { test, expect, Page } from '@playwright/test';
import { navigate, server, waitForHydration } from './state';

// Single sign-on as the demo has it (server.ts): the test OpenID provider (npm's
// oidc-provider) with alice in td-admins, bob in td-viewers and carol in neither.
test.describe.configure({ mode: 'serial' });

function idp(): string {
  const url = process.env.TRUSTDESK_E2E_IDP_URL;
  if (!url) throw new Error('the global setup (server.ts) did not start the identity provider');
  return url;
}

/** From trustdesk's sign-in page through the provider's form, as `user`. */
async function signInAtProvider(page: Page, user: string, javaScript: boolean) {
  const { baseUrl } = server();
  await page.goto(`${baseUrl}/login`);
  if (javaScript) await waitForHydration(page);
  await page.getByRole('link', { name: 'Sign in with the demo identity provider' }).click();
  await expect(page).toHaveURL(new RegExp(`^${idp()}/interaction/`));
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(`${user}-pass`);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('an admin signs in through the identity provider and out of both', async ({ page }) => {
  const { baseUrl } = server();
  await page.goto(`${baseUrl}/login`);
  await waitForHydration(page);
  await expect(page.locator('#sso-sign-in')).toHaveText('Sign in with the demo identity provider');
  await page.screenshot({ path: 'end2end/artifacts/sso-sign-in.png', fullPage: true });

  await signInAtProvider(page, 'alice', true);
  await expect(page).toHaveURL(`${baseUrl}/`);
  await expect(page.locator('#current-user')).toHaveText('alice');
  // An admin: the Users page is theirs, and lists them as signing in with the provider.
  await navigate(page, 'Console', 'Users');
  const row = page.locator('#users-table tr[data-username="alice"]');
  await expect(row).toContainText('single sign-on');
  await expect(row.locator('[data-role]')).toHaveText('admin');
  await page.screenshot({ path: 'end2end/artifacts/sso-users.png', fullPage: true });

  // Sign-out ends trustdesk's session, then the provider's, which sends the browser back.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(new RegExp(`^${idp()}/session/end`));
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await expect(page).toHaveURL(`${baseUrl}/login`);
  await expect(page.locator('#current-user')).toHaveCount(0);
  // The provider forgot alice too: signing in again asks for her password.
  await page.getByRole('link', { name: 'Sign in with the demo identity provider' }).click();
  await expect(page.getByLabel('Password')).toBeVisible();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a viewer signs in and gets a viewer\'s console', async ({ page }) => {
    const { baseUrl } = server();
    await signInAtProvider(page, 'bob', false);
    await expect(page).toHaveURL(`${baseUrl}/`);
    await expect(page.locator('#current-user')).toHaveText('bob');
    await page.goto(`${baseUrl}/users`);
    await expect(page.locator('main')).toContainText('Only admins');
    // A plain form's sign-out reaches the provider too (the pages' form-action names it).
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(new RegExp(`^${idp()}/session/end`));
    await page.goto(`${baseUrl}/`);
    await expect(page).toHaveURL(/\/login\?next=%2F$/);
  });

  test('a user in no mapped group is refused with the reason', async ({ page }) => {
    const { baseUrl } = server();
    await signInAtProvider(page, 'carol', false);
    await expect(page).toHaveURL(`${baseUrl}/login`);
    await expect(page.locator('#flash')).toContainText('none of the groups trustdesk gives a role to');
    await expect(page.locator('#current-user')).toHaveCount(0);
  });
});
