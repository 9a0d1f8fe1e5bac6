import { test, expect } from '@playwright/test';
import { navigate, server, signInAsAdmin, waitForHydration, refreshFromAws, fillTags } from './state';

// Runs after auth.spec.ts, which creates the admin; the server is in demo mode.
test.describe.configure({ mode: 'serial' });

const DOCUMENT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::e2e-bucket/*' }],
});

test('managed policies with JavaScript: filter, create with a checked document, read it, tag, delete', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await waitForHydration(page);
  await navigate(page, 'IAM', 'Managed policies');
  await expect(page).toHaveURL(`${baseUrl}/managed-policies`);
  await refreshFromAws(page);
  await expect(page.locator('#inventory-count')).toContainText('14 IAM managed policies');
  await expect(page.locator('#inventory tbody td[data-status="attached"]').first()).toContainText(/attached\s*\d+ entit/);
  await page.screenshot({ path: 'end2end/artifacts/managed-policies.png', fullPage: true });

  // The unattached ones: two in each account.
  await page.locator('#filter-status').selectOption('unattached');
  await expect(page).toHaveURL(/status=unattached/);
  await expect(page.locator('#inventory-count')).toContainText('4 IAM managed policies');
  await expect(page.locator('#inventory tbody td[data-status="attached"]')).toHaveCount(0);

  await page.goto(`${baseUrl}/managed-policies/new`);
  await waitForHydration(page);
  await page.locator('#policy-target').selectOption('dev/global');
  await page.locator('#policy-name').fill('e2e-reader');
  await page.locator('#policy-path').fill('/e2e/');
  await page.locator('#policy-description').fill('Reads the e2e bucket');
  await page.locator('#policy-document').fill('{"Version": "2012-10-17"}');
  await fillTags(page, 'policy-tags', 'Owner=e2e@example.com');
  await page.getByRole('button', { name: 'Create managed policy' }).click();
  await expect(page.locator('#policy-document-error')).toContainText('needs a "Statement"');
  await page.locator('#policy-document').fill(DOCUMENT);
  await page.getByRole('button', { name: 'Create managed policy' }).click();
  await expect(page).toHaveURL(`${baseUrl}/resources/managed-policy/dev/global/e2e%2Fe2e-reader`);
  await expect(page.locator('#resource-status')).toHaveText('unattached');
  await expect(page.locator('[data-field="Description"]')).toHaveText('Reads the e2e bucket');
  await expect(page.locator('#policy-document')).toContainText('"Resource": "arn:aws:s3:::e2e-bucket/*"');
  await expect(page.locator('#policy-default-version')).toHaveText('v1');
  await waitForHydration(page);

  await page.locator('#tag-key').fill('Owner');
  await page.locator('#tag-value').fill('changed@example.com');
  await page.getByRole('button', { name: 'Set tag' }).click();
  await expect(page.locator('tr[data-tag="Owner"]')).toContainText('changed@example.com');
  await page.screenshot({ path: 'end2end/artifacts/managed-policy-detail.png', fullPage: true });

  await page.locator('#delete-confirm').fill('e2e/e2e-reader');
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page).toHaveURL(`${baseUrl}/managed-policies`);
  await expect(page.locator('tr[data-id="e2e/e2e-reader"]')).toHaveCount(0);
});

test('an attached policy: AWS refuses the delete and the page says what to do', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await page.goto(`${baseUrl}/resources/managed-policy/prod/global/s3-backup-writer`);
  await waitForHydration(page);
  await expect(page.locator('#policy-delete-hint')).toContainText('Attached to 1 entity');
  await expect(page.locator('#policy-versions li')).toHaveCount(3);
  await page.locator('#delete-confirm').fill('s3-backup-writer');
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'detach it from every one first' })).toBeVisible();
  // Non-default versions are deleted here, one at a time.
  await page.getByRole('button', { name: 'Delete version v1' }).click();
  await expect(page.locator('#policy-versions li')).toHaveCount(2);
  await expect(page.getByRole('button', { name: 'Delete version v3' })).toHaveCount(0);
  await page.screenshot({ path: 'end2end/artifacts/managed-policy-attached.png', fullPage: true });
});

test('AWS managed policies: listed live from the inventory, read-only with their document', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await page.goto(`${baseUrl}/managed-policies`);
  await page.locator('#aws-managed-inventory-link').click();
  await expect(page).toHaveURL(`${baseUrl}/managed-policies/new?aws=all`);
  await expect(page.locator('#aws-count')).toContainText('8 AWS managed policies');
  await page.locator('#aws-attached').click();
  await expect(page.locator('#aws-count')).toContainText('3 AWS managed policies attached to something');
  await page.locator('#aws-q').fill('readonly');
  await page.locator('#aws-apply').click();
  await expect(page.locator('#aws-count')).toContainText('2 AWS managed policies attached to something whose name contains "readonly"');
  await page.screenshot({ path: 'end2end/artifacts/aws-managed-policies.png', fullPage: true });
  await page.getByRole('link', { name: 'ReadOnlyAccess', exact: true }).click();
  await expect(page.locator('#policy-document')).toContainText('"Version"');
  await expect(page.locator('body')).toContainText('arn:aws:iam::aws:policy/ReadOnlyAccess');
  await expect(page.locator('#delete-confirm')).toHaveCount(0);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a policy is created with the plain form, its document shown, and deleted', async ({ page }) => {
    await signInAsAdmin(page, false);
    const { baseUrl } = server();
    await page.goto(`${baseUrl}/managed-policies/new`);
    await page.locator('#policy-target').selectOption('prod/global');
    await page.locator('#policy-name').fill('nojs-policy');
    await page.locator('#policy-document').fill(DOCUMENT);
    await page.getByRole('button', { name: 'Create managed policy' }).click();
    await expect(page).toHaveURL(`${baseUrl}/resources/managed-policy/prod/global/nojs-policy`);
    await expect(page.locator('#flash')).toContainText('Managed policy created.');
    await expect(page.locator('#policy-document')).toContainText('e2e-bucket');
    await page.locator('#delete-confirm').fill('nojs-policy');
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(page).toHaveURL(`${baseUrl}/managed-policies`);
    await expect(page.locator('tr[data-id="nojs-policy"]')).toHaveCount(0);
  });
});
