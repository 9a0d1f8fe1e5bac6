import { test, expect } from '@playwright/test';
import { navigate, server, signInAsAdmin, waitForHydration, refreshFromAws, fillTags } from './state';

// Runs after auth.spec.ts, which creates the admin; the server is in demo mode.
test.describe.configure({ mode: 'serial' });

test('verification tokens with JavaScript: refresh, check, create, tag, delete', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await navigate(page, 'EC2', 'Verification tokens');
  await expect(page).toHaveURL(`${baseUrl}/verification-tokens`);
  await waitForHydration(page);
  await refreshFromAws(page);
  await expect(page.locator('#inventory-count')).toContainText('20 IPAM verification tokens');
  await expect(page.locator('#inventory tbody tr').first().locator('[data-status]')).toHaveText('expired');
  await page.screenshot({ path: 'end2end/artifacts/verification-tokens.png', fullPage: true });

  // The filter lives in the URL and applies as it changes, to an address without empty fields.
  await page.locator('#filter-account').selectOption('dev');
  await expect(page).toHaveURL(`${baseUrl}/verification-tokens?account=dev`);
  await waitForHydration(page);
  await page.locator('#filter-region').selectOption('eu-west-1');
  await expect(page).toHaveURL(`${baseUrl}/verification-tokens?account=dev&region=eu-west-1`);
  await expect(page.locator('#inventory-count')).toContainText('5 IPAM verification tokens');
  // Column headers sort the view, keep its filter, and say how it is sorted.
  await expect(page.locator('#inventory th[aria-sort="ascending"]')).toContainText('Expires');
  await page.locator('#inventory thead').getByRole('link', { name: 'Name / ID' }).click();
  await expect(page).toHaveURL(`${baseUrl}/verification-tokens?account=dev&region=eu-west-1&sort=name`);
  await expect(page.locator('#inventory th[aria-sort="ascending"]')).toContainText('Name / ID');
  const names = await page.locator('#inventory tbody tr[data-id] td a.item-link').allTextContents();
  // As SQLite's NOCASE orders them: ASCII letters folded, then code units.
  const folded = (name: string) => name.replace(/[A-Z]/g, (c) => c.toLowerCase());
  expect(names.length).toBeGreaterThan(1);
  expect(names).toEqual([...names].sort((a, b) => (folded(a) < folded(b) ? -1 : folded(a) > folded(b) ? 1 : 0)));
  await page.locator('#inventory thead').getByRole('link', { name: 'Name / ID' }).click();
  await expect(page).toHaveURL(/sort=-name$/);
  await expect(page.locator('#inventory th[aria-sort="descending"]')).toContainText('Name / ID');

  await page.goto(`${baseUrl}/verification-tokens/new`);
  await waitForHydration(page);
  const prodIpam = page.locator('#token-ipam option', { hasText: 'prod · us-east-1' });
  await page.locator('#token-ipam').selectOption(await prodIpam.getAttribute('value') ?? '');
  await fillTags(page, 'token-tags', 'aws:owner=nope');
  await page.locator('#create-token').click();
  await expect(page.locator('#token-tags-error')).toContainText('aws:');
  await fillTags(page, 'token-tags', 'Owner=e2e@example.com\nName=e2e range');
  await page.locator('#check-permissions').click();
  // A check answers beside the form, which keeps what was typed.
  await expect(page.locator('[data-form-notice]')).toContainText('Allowed');
  await page.locator('#create-token').click();
  await expect(page).toHaveURL(/\/resources\/verification-token\/prod\/us-east-1\/ipam-ext-res-ver-token-[0-9a-f]+\?created=1$/);
  await expect(page.locator('#ownership-proof')).toContainText('Token created.');
  await expect(page.locator('#token-value')).not.toBeEmpty();
  await waitForHydration(page);

  await page.locator('#tag-key').fill('Ticket');
  await page.locator('#tag-value').fill('E2E-1');
  await page.getByRole('button', { name: 'Set tag' }).click();
  await expect(page.locator('tr[data-tag="Ticket"]')).toContainText('E2E-1');
  await page.getByRole('button', { name: 'Remove tag Owner' }).click();
  await expect(page.locator('tr[data-tag="Owner"]')).toHaveCount(0);
  await page.screenshot({ path: 'end2end/artifacts/verification-token-detail.png', fullPage: true });

  const id = (await page.locator('#resource-id').textContent()) ?? '';
  await page.locator('#delete-confirm').fill('not the id');
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page.locator('#delete-confirm-error')).toContainText('Type');
  await page.locator('#delete-confirm').fill(id);
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(`${baseUrl}/verification-tokens`);
  await expect(page.locator(`tr[data-id="${id}"]`)).toHaveCount(0);

  await page.goto(`${baseUrl}/audit`);
  await expect(page.locator('#audit-table')).toContainText('verification-token.delete');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a verification token is created with the plain form', async ({ page }) => {
    await signInAsAdmin(page, false);
    const { baseUrl } = server();
    await page.goto(`${baseUrl}/verification-tokens/new`);
    const devIpam = page.locator('#token-ipam option', { hasText: 'dev · eu-west-1' });
    await page.locator('#token-ipam').selectOption(await devIpam.getAttribute('value') ?? '');
    await fillTags(page, 'token-tags', 'Owner=nojs@example.com');
    await page.locator('#create-token').click();
    await expect(page).toHaveURL(/\/resources\/verification-token\/dev\/eu-west-1\/ipam-ext-res-ver-token-/);
    await expect(page.locator('#ownership-proof')).toBeVisible();
    await expect(page.locator('tr[data-tag="Owner"]')).toContainText('nojs@example.com');
  });
});
