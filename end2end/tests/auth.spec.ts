import { test, expect, Page } from '@playwright/test';
import { ADMIN, ADMIN_PASSWORD, navigate, server, waitForHydration } from './state';

// One server for the whole run: the setup link works once, so the first test uses it and the
// others sign in with the admin it created.
test.describe.configure({ mode: 'serial' });

async function signIn(page: Page) {
  await page.getByLabel('Username').fill(ADMIN);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('#current-user')).toHaveText(ADMIN);
}

test('first admin from the setup link, then sign out and in again (JavaScript on)', async ({ page }) => {
  const { setupUrl, baseUrl } = server();
  await page.goto(setupUrl);
  await waitForHydration(page);
  await page.getByLabel('Username').fill(ADMIN);
  await page.getByLabel('Password', { exact: true }).fill('too short');
  await page.getByLabel('Password again').fill('too short');
  await page.getByRole('button', { name: 'Create admin and sign in' }).click();
  // Validation comes back beside the field, and nothing reloads.
  await expect(page.locator('#setup-password-error')).toContainText('at least 12 characters');
  await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await page.getByLabel('Password again').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Create admin and sign in' }).click();
  await expect(page).toHaveURL(`${baseUrl}/`);
  await expect(page.locator('#current-user')).toHaveText(ADMIN);
  // The suite runs the server as README command 1 does: in demo mode, against the emulator.
  await expect(page.locator('#demo-banner')).toContainText('Demo — emulated AWS');
  await page.screenshot({ path: 'end2end/artifacts/dashboard.png', fullPage: true });
  // The system's cards are on the About page, one click away in the sidebar.
  await navigate(page, 'Console', 'About');
  await expect(page.locator('#about-user')).toHaveText(ADMIN);
  await expect(page.locator('#db-status')).toHaveText('OK');
  await expect(page.locator('#aws-endpoint')).toContainText('http://127.0.0.1:');
  await expect(page.locator('#aws-demo')).toContainText('210987654321 (dev)');
  await page.goto(`${baseUrl}/`);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.locator('#current-user')).toHaveCount(0);

  await page.goto(`${baseUrl}/`);
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
  await waitForHydration(page);
  await page.getByLabel('Username').fill(ADMIN);
  await page.getByLabel('Password').fill('wrong password entirely');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong username or password.');
  await signIn(page);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('sign in, see the dashboard, sign out', async ({ page }) => {
    const { baseUrl } = server();
    await page.goto(`${baseUrl}/audit`);
    await expect(page).toHaveURL(/\/login\?next=%2Faudit$/);
    await page.getByLabel('Username').fill(ADMIN);
    await page.getByLabel('Password').fill('not it either, sorry');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toContainText('Wrong username or password.');

    await page.getByLabel('Username').fill(ADMIN);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(`${baseUrl}/audit`);
    await expect(page.locator('#audit-table')).toContainText('auth.login');

    await page.goto(`${baseUrl}/`);
    await expect(page.locator('#current-user')).toHaveText(ADMIN);
    await page.screenshot({ path: 'end2end/artifacts/dashboard-no-js.png', fullPage: true });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login/);
    await expect(page.locator('#flash')).toHaveText('You are signed out.');
  });

  test('an admin adds a viewer with a plain form', async ({ page }) => {
    const { baseUrl } = server();
    await page.goto(`${baseUrl}/login`);
    await page.getByLabel('Username').fill(ADMIN);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(`${baseUrl}/users`);
    await page.locator('#add-user-username').fill('viewer.nojs');
    await page.locator('#add-user-password').fill('viewer password 1');
    await page.locator('#add-user-password_confirm').fill('viewer password 2');
    await page.getByRole('button', { name: 'Add user' }).click();
    await expect(page.locator('#add-user-password_confirm-error')).toContainText('The two passwords differ');

    await page.locator('#add-user-username').fill('viewer.nojs');
    await page.locator('#add-user-password').fill('viewer password 1');
    await page.locator('#add-user-password_confirm').fill('viewer password 1');
    await page.getByRole('button', { name: 'Add user' }).click();
    await expect(page.locator('#flash')).toHaveText('User viewer.nojs added.');
    await expect(page.locator('tr[data-username="viewer.nojs"]')).toContainText('viewer');
  });
});

test('users and audit pages with JavaScript: add, change role, disable', async ({ page }) => {
  const { baseUrl } = server();
  await page.goto(`${baseUrl}/login`);
  await waitForHydration(page);
  await signIn(page);
  await navigate(page, 'Console', 'Users');
  await expect(page).toHaveURL(`${baseUrl}/users`);
  await page.locator('#add-user-username').fill('vera');
  await page.locator('#add-user-password').fill('vera password 123');
  await page.locator('#add-user-password_confirm').fill('vera password 123');
  await page.getByRole('button', { name: 'Add user' }).click();
  const row = page.locator('tr[data-username="vera"]');
  await expect(row).toBeVisible();
  await row.getByLabel('Role of vera').selectOption('admin');
  await row.getByRole('button', { name: 'Change role' }).click();
  await expect(row.getByLabel('Role of vera')).toHaveValue('admin');
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(row.locator('[data-status]')).toHaveText('disabled');

  await navigate(page, 'Console', 'Audit');
  await expect(page.locator('#audit-table tbody tr').first()).toHaveAttribute('data-action', 'user.disable');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Verify the hash chain' }).click();
  await expect(page.locator('#chain-status')).toContainText('Chain intact');
});
