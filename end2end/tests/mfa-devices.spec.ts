import { test, expect } from '@playwright/test';
import { navigate, server, signInAsAdmin, waitForHydration, refreshFromAws, fillTags } from './state';

// Runs after auth.spec.ts, which creates the admin; the server is in demo mode.
test.describe.configure({ mode: 'serial' });

test('virtual MFA devices with JavaScript: create, the seed and QR code once, filter, tag, delete', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await waitForHydration(page);
  await navigate(page, 'IAM', 'MFA devices');
  await expect(page).toHaveURL(`${baseUrl}/mfa-devices`);
  await refreshFromAws(page);
  await expect(page.locator('#inventory-count')).toContainText('8 IAM virtual MFA devices');
  await page.screenshot({ path: 'end2end/artifacts/mfa-devices.png', fullPage: true });

  // Filtered by assignment status: alice-phone is enabled for alice in both accounts.
  // With JavaScript a filter applies as it changes, to an address without empty fields.
  await page.locator('#filter-status').selectOption('assigned');
  await expect(page).toHaveURL(`${baseUrl}/mfa-devices?status=assigned`);
  await expect(page.locator('#inventory-count')).toContainText('2 IAM virtual MFA devices');
  await expect(page.locator('#inventory tbody tr td[data-status="unassigned"]')).toHaveCount(0);
  await expect(page.locator('#inventory tbody tr').first()).toContainText('user alice');
  await waitForHydration(page);
  await page.locator('#filter-status').selectOption('unassigned');
  await expect(page).toHaveURL(`${baseUrl}/mfa-devices?status=unassigned`);
  await expect(page.locator('#inventory-count')).toContainText('6 IAM virtual MFA devices');

  await page.goto(`${baseUrl}/mfa-devices/new`);
  await waitForHydration(page);
  await page.locator('#mfa-target').selectOption('dev/global');
  await page.locator('#mfa-name').fill('e2e phone');
  await page.locator('#mfa-path').fill('/e2e/');
  await fillTags(page, 'mfa-tags', 'Owner=e2e@example.com');
  await page.getByRole('button', { name: 'Create MFA device' }).click();
  await expect(page.locator('#mfa-name-error')).toContainText('cannot contain');
  await page.locator('#mfa-name').fill('e2e-phone');
  await page.getByRole('button', { name: 'Create MFA device' }).click();

  // Shown once, when revealed: the QR code as an image and the seed with a copy button and a
  // warning.
  await expect(page).toHaveURL(/\/shown-once\?once=/);
  await expect(page.locator('#mfa-seed')).toHaveCount(0);
  await page.getByRole('button', { name: 'Reveal the secret' }).click();
  await expect(page.locator('#secret-image')).toBeVisible();
  await expect(page.locator('#secret-image')).toHaveAttribute('src', /^data:image\/png;base64,iVBORw0KGgo/);
  await expect(page.locator('#mfa-seed')).toHaveValue(/^[A-Z2-7]{32,}=*$/);
  await expect(page.locator('#copy-mfa-seed')).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('will not show them again');
  const seed = await page.locator('#mfa-seed').inputValue();
  await page.screenshot({ path: 'end2end/artifacts/mfa-device-created.png', fullPage: true });
  const detail = await page.locator('#secret-next').getAttribute('href');
  const onceUrl = page.url();

  // A second visit no longer shows them (a reload of the answer would post again).
  await page.goto(onceUrl);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Reveal the secret' }).click();
  await expect(page.getByRole('alert')).toContainText('shown already');
  await expect(page.locator('#secret-image')).toHaveCount(0);
  await page.goto(onceUrl);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Reveal the secret' }).click();
  await expect(page.getByRole('alert')).toContainText('shown already');
  await expect(page.locator('body')).not.toContainText(seed);

  // In the inventory, unassigned, without its seed.
  await page.goto(`${baseUrl}/mfa-devices?status=unassigned&account=dev`);
  await expect(page.locator('tr[data-id="e2e/e2e-phone"]')).toContainText('unassigned');
  await page.goto(`${baseUrl}${detail}`);
  await waitForHydration(page);
  await expect(page.locator('#resource-id')).toHaveText('e2e/e2e-phone');
  await expect(page.locator('[data-field="Path"]')).toHaveText('/e2e/');
  await expect(page.locator('body')).not.toContainText(seed);
  await expect(page.locator('tr[data-tag="Owner"]')).toContainText('e2e@example.com');
  await page.locator('#tag-key').fill('Owner');
  await page.locator('#tag-value').fill('changed@example.com');
  await page.getByRole('button', { name: 'Set tag' }).click();
  await expect(page.locator('tr[data-tag="Owner"]')).toContainText('changed@example.com');
  await page.screenshot({ path: 'end2end/artifacts/mfa-device-detail.png', fullPage: true });

  await page.locator('#delete-confirm').fill('e2e/e2e-phone');
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(`${baseUrl}/mfa-devices`);
  await expect(page.locator('tr[data-id="e2e/e2e-phone"]')).toHaveCount(0);
});

test('an assigned device: the page says who has it and what to do before deleting', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await page.goto(`${baseUrl}/resources/mfa-device/prod/global/alice-phone`);
  await waitForHydration(page);
  await expect(page.locator('#mfa-user')).toHaveText('alice');
  await expect(page.locator('#mfa-delete-hint')).toContainText('deactivate it for alice first');
  await page.locator('#delete-confirm').fill('alice-phone');
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Deactivate it for its user first' })).toBeVisible();
  await page.screenshot({ path: 'end2end/artifacts/mfa-device-assigned.png', fullPage: true });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a device is created with the plain form and its secret shown once', async ({ page }) => {
    await signInAsAdmin(page, false);
    const { baseUrl } = server();
    await page.goto(`${baseUrl}/mfa-devices/new`);
    await page.locator('#mfa-target').selectOption('prod/global');
    await page.locator('#mfa-name').fill('nojs-phone');
    await fillTags(page, 'mfa-tags', 'Owner=nojs@example.com');
    await page.getByRole('button', { name: 'Create MFA device' }).click();
    await expect(page).toHaveURL(/\/shown-once\?once=/);
    const onceUrl = page.url();
    await expect(page.locator('#mfa-seed')).toHaveCount(0);
    await page.getByRole('button', { name: 'Reveal the secret' }).click();
    await expect(page.locator('#secret-image')).toBeVisible();
    await expect(page.locator('#mfa-seed')).toHaveValue(/^[A-Z2-7]{32,}=*$/);
    await page.goto(onceUrl);
    await page.getByRole('button', { name: 'Reveal the secret' }).click();
    await expect(page.getByRole('alert')).toContainText('shown already');
    await expect(page.locator('#mfa-seed')).toHaveCount(0);

    await page.goto(`${baseUrl}/resources/mfa-device/prod/global/nojs-phone`);
    await page.locator('#delete-confirm').fill('nojs-phone');
    await page.getByRole('button', { name: 'Delete' }).click();
    await expect(page).toHaveURL(`${baseUrl}/mfa-devices`);
    await expect(page.locator('tr[data-id="nojs-phone"]')).toHaveCount(0);
  });
});
