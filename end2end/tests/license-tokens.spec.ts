import { test, expect } from '@playwright/test';
import { server, signInAsAdmin, waitForHydration, refreshFromAws } from './state';

// Runs after auth.spec.ts, which creates the admin; the server is in demo mode.
test.describe.configure({ mode: 'serial' });

test('license tokens with JavaScript: the JWT is shown once', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await page.goto(`${baseUrl}/license-tokens`);
  await waitForHydration(page);
  await refreshFromAws(page);
  await expect(page.locator('#inventory-count')).toContainText('20 License Manager tokens');
  await page.screenshot({ path: 'end2end/artifacts/license-tokens.png', fullPage: true });

  await page.goto(`${baseUrl}/license-tokens/new`);
  await waitForHydration(page);
  await page.locator('#license-token-roles').fill('arn:aws:iam::123456789012:role/license-consumer');
  await page.locator('#license-token-expiration_in_days').fill('0');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.locator('#license-token-expiration_in_days-error')).toContainText('1 to 730');
  await page.locator('#license-token-expiration_in_days').fill('');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page).toHaveURL(/\/shown-once\?once=/);
  // Opening the page shows nothing: the button reveals the JWT (and the server forgets it).
  await expect(page.locator('#license-jwt')).toHaveCount(0);
  await page.getByRole('button', { name: 'Reveal the secret' }).click();
  await expect(page.locator('#license-jwt')).toHaveValue(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  await expect(page.getByRole('alert')).toContainText('will not show it again');
  await page.screenshot({ path: 'end2end/artifacts/license-token-created.png', fullPage: true });

  const detail = await page.locator('#secret-next').getAttribute('href');
  const onceUrl = page.url();

  // A second visit no longer shows it (a reload of the answer would post again).
  await page.goto(onceUrl);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Reveal the secret' }).click();
  await expect(page.getByRole('alert')).toContainText('shown already');

  // The token is in the inventory (without its JWT) and can be deleted.
  await page.goto(`${baseUrl}${detail}`);
  await waitForHydration(page);
  await expect(page.locator('body')).not.toContainText('eyJ');
  const id = (await page.locator('#resource-id').textContent()) ?? '';
  await page.locator('#delete-confirm').fill(id);
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(`${baseUrl}/license-tokens`);
  await expect(page.locator(`tr[data-id="${id}"]`)).toHaveCount(0);
});

test('an expired token is renewed from its page: the form starts from its license, roles and properties', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await page.goto(`${baseUrl}/license-tokens?status=expired&sort=expiry`);
  await waitForHydration(page);
  await page.locator('#inventory tbody a').first().click();
  await waitForHydration(page);
  const oldPage = page.url();
  const license = await page.locator('dd[data-field="License ARN"]').textContent();
  const roles = ((await page.locator('dd[data-field="Role ARNs"]').textContent()) ?? '').split(', ').filter((r) => r);
  await expect(page.locator('#renew')).toContainText('It expired');
  await page.locator('#renew-item').click();

  await expect(page).toHaveURL(/\/license-tokens\/new\?renew_account=/);
  await waitForHydration(page);
  await expect(page.locator('#renewal-note')).toContainText('Renewing');
  await expect(page.locator('#renewal-note a')).toHaveAttribute('href', new URL(oldPage).pathname);
  const chosen = await page.locator('#license-token-license').inputValue();
  expect(chosen.endsWith(`/${license}`)).toBe(true);
  await expect(page.locator('#license-token-roles')).toHaveValue(roles.join('\n'));
  await expect(page.locator('#license-token-expiration_in_days')).toHaveValue('');
  await page.screenshot({ path: 'end2end/artifacts/license-token-renewal.png', fullPage: true });
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page).toHaveURL(/\/shown-once\?once=/);
  await page.getByRole('button', { name: 'Reveal the secret' }).click();
  await expect(page.locator('#license-jwt')).toHaveValue(/^[\w-]+\.[\w-]+\.[\w-]+$/);

  // The new token renews the old one; its page offers to retire it.
  await page.locator('#secret-next').click();
  await waitForHydration(page);
  const renews = page.locator('#renews');
  await expect(renews).toContainText('to renew');
  await expect(renews.locator('a[data-linked]')).toHaveAttribute('href', new URL(oldPage).pathname);
  await expect(page.locator('#retire-offer')).toBeVisible();
  await page.screenshot({ path: 'end2end/artifacts/renewal-successor.png', fullPage: true });
  await page.getByRole('button', { name: 'Leave it to expire' }).click();
  await expect(page.locator('#retired')).toContainText('left to expire');
  await expect(page.locator('#retire-offer')).toHaveCount(0);

  // The old token says what renews it, and offers no second renewal.
  await page.goto(oldPage);
  await expect(page.locator('#renewed-by')).toContainText('Renewed by');
  await expect(page.locator('#renewed-by')).toContainText('It is left to expire.');
  await expect(page.locator('#renew-item')).toHaveCount(0);
});
