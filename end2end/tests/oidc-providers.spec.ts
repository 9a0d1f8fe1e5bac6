import { test, expect } from '@playwright/test';
import { navigate, server, signInAsAdmin, waitForHydration, refreshFromAws, fillTags } from './state';

// Runs after auth.spec.ts, which creates the admin; the server is in demo mode.
test.describe.configure({ mode: 'serial' });

test('OIDC providers with JavaScript: create, change thumbprints and client ids, tag, delete', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await waitForHydration(page);
  await navigate(page, 'IAM', 'OIDC providers');
  await expect(page).toHaveURL(`${baseUrl}/oidc-providers`);
  await refreshFromAws(page);
  await expect(page.locator('#inventory-count')).toContainText('IAM OIDC providers');
  await page.screenshot({ path: 'end2end/artifacts/oidc-providers.png', fullPage: true });

  await page.goto(`${baseUrl}/oidc-providers/new`);
  await waitForHydration(page);
  await page.locator('#oidc-target').selectOption('dev/global');
  await page.locator('#oidc-url').fill('https://e2e.example.com/id/CLUSTER1');
  await page.locator('#oidc-client_ids').fill('sts.amazonaws.com');
  await page.locator('#oidc-thumbprints').fill('not-a-thumbprint');
  await fillTags(page, 'oidc-tags', 'Owner=e2e@example.com');
  await page.getByRole('button', { name: 'Create OIDC provider' }).click();
  await expect(page.locator('#oidc-thumbprints-error')).toContainText('40 hexadecimal');
  await page.locator('#oidc-thumbprints').fill('6938fd4d98bab03faadb97b34396831e3780aea1');
  await page.getByRole('button', { name: 'Create OIDC provider' }).click();
  await expect(page).toHaveURL(`${baseUrl}/resources/oidc-provider/dev/global/e2e.example.com%2Fid%2FCLUSTER1`);
  await expect(page.locator('#resource-id')).toHaveText('e2e.example.com/id/CLUSTER1');
  await waitForHydration(page);

  await page.locator('#oidc-add-client_id').fill('app-e2e');
  await page.getByRole('button', { name: 'Add client ID' }).click();
  await expect(page.locator('li[data-client-id="app-e2e"]')).toBeVisible();
  await page.getByRole('button', { name: 'Remove client ID sts.amazonaws.com' }).click();
  await expect(page.locator('li[data-client-id="sts.amazonaws.com"]')).toHaveCount(0);
  await page.locator('#oidc-thumbprints').fill(`${'a'.repeat(40)}\n${'b'.repeat(40)}`);
  await page.getByRole('button', { name: 'Replace thumbprints' }).click();
  await expect(page.locator('[data-field="Thumbprints"]')).toHaveText(`${'a'.repeat(40)}, ${'b'.repeat(40)}`);

  await page.locator('#tag-key').fill('Owner');
  await page.locator('#tag-value').fill('changed@example.com');
  await page.getByRole('button', { name: 'Set tag' }).click();
  await expect(page.locator('tr[data-tag="Owner"]')).toContainText('changed@example.com');
  await page.screenshot({ path: 'end2end/artifacts/oidc-provider-detail.png', fullPage: true });

  await page.locator('#delete-confirm').fill('e2e.example.com/id/CLUSTER1');
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(`${baseUrl}/oidc-providers`);
  await expect(page.locator('tr[data-id="e2e.example.com/id/CLUSTER1"]')).toHaveCount(0);
});
