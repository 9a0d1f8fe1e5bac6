import { test, expect } from '@playwright/test';
import { server, signInAsAdmin, waitForHydration, refreshFromAws, fillTags } from './state';

// Runs after auth.spec.ts, which creates the admin; the server is in demo mode.
test.describe.configure({ mode: 'serial' });

test('identity sources with JavaScript: create, change a tag, delete', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await page.goto(`${baseUrl}/identity-sources`);
  await waitForHydration(page);
  await refreshFromAws(page);
  await expect(page.locator('#inventory-count')).toContainText('4 Multi-party approval identity sources');
  await page.screenshot({ path: 'end2end/artifacts/identity-sources.png', fullPage: true });

  await page.goto(`${baseUrl}/identity-sources/new`);
  await waitForHydration(page);
  await page.locator('#source-target').selectOption('dev/us-east-1');
  await page.locator('#source-instance_arn').fill('arn:aws:sso:::instance/ssoins-short');
  await page.locator('#source-instance_region').fill('us-east-1');
  await fillTags(page, 'source-tags', 'Owner=e2e@example.com');
  await page.getByRole('button', { name: 'Create identity source' }).click();
  await expect(page.locator('#source-instance_arn-error')).toContainText('16 characters');
  await page.locator('#source-instance_arn').fill('arn:aws:sso:::instance/ssoins-e2e0123456789abc');
  await page.getByRole('button', { name: 'Create identity source' }).click();
  await expect(page).toHaveURL(/\/resources\/identity-source\/dev\/us-east-1\/[0-9a-f-]+$/);
  await expect(page.locator('tr[data-tag="Owner"]')).toContainText('e2e@example.com');
  await waitForHydration(page);

  await page.locator('#tag-key').fill('Owner');
  await page.locator('#tag-value').fill('changed@example.com');
  await page.getByRole('button', { name: 'Set tag' }).click();
  await expect(page.locator('tr[data-tag="Owner"]')).toContainText('changed@example.com');

  const id = (await page.locator('#resource-id').textContent()) ?? '';
  await page.locator('#delete-confirm').fill(id);
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(`${baseUrl}/identity-sources`);
  await expect(page.locator(`tr[data-id="${id}"]`)).toHaveCount(0);
});
