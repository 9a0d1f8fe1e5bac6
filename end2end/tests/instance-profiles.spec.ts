import { test, expect } from '@playwright/test';
import { navigate, server, signInAsAdmin, waitForHydration, refreshFromAws, fillTags } from './state';

// Runs after auth.spec.ts, which creates the admin; the server is in demo mode.
test.describe.configure({ mode: 'serial' });

test('instance profiles with JavaScript: create, add and remove a role, tag, delete', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await waitForHydration(page);
  await navigate(page, 'IAM', 'Instance profiles');
  await expect(page).toHaveURL(`${baseUrl}/instance-profiles`);
  await refreshFromAws(page);
  await expect(page.locator('#inventory-count')).toContainText('IAM instance profiles');
  await expect(page.locator('#filter-region option[value="global"]')).toHaveCount(1);
  await page.screenshot({ path: 'end2end/artifacts/instance-profiles.png', fullPage: true });

  await page.locator('#new-resource').click();
  await expect(page).toHaveURL(`${baseUrl}/instance-profiles/new`);
  await waitForHydration(page);
  await page.locator('#profile-target').selectOption('dev/global');
  await page.locator('#profile-name').fill('e2e profile');
  await fillTags(page, 'profile-tags', 'Owner=e2e@example.com');
  await page.getByRole('button', { name: 'Create instance profile' }).click();
  await expect(page.locator('#profile-name-error')).toContainText('cannot contain');
  await page.locator('#profile-name').fill('e2e-profile');
  await page.getByRole('button', { name: 'Create instance profile' }).click();
  await expect(page).toHaveURL(`${baseUrl}/resources/instance-profile/dev/global/e2e-profile`);
  await expect(page.locator('tr[data-tag="Owner"]')).toContainText('e2e@example.com');
  await waitForHydration(page);

  // A role goes in, and must come out before AWS deletes the profile.
  await page.getByRole('button', { name: 'Add the role' }).click();
  await expect(page.locator('#profile-role')).not.toBeEmpty();
  await page.locator('#delete-confirm').fill('e2e-profile');
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'must remove roles' })).toBeVisible();
  await page.screenshot({ path: 'end2end/artifacts/instance-profile-detail.png', fullPage: true });
  await page.getByRole('button', { name: 'Remove the role' }).click();
  await expect(page.getByRole('button', { name: 'Add the role' })).toBeVisible();

  await page.locator('#tag-key').fill('Owner');
  await page.locator('#tag-value').fill('changed@example.com');
  await page.getByRole('button', { name: 'Set tag' }).click();
  await expect(page.locator('tr[data-tag="Owner"]')).toContainText('changed@example.com');

  await page.locator('#delete-confirm').fill('e2e-profile');
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(`${baseUrl}/instance-profiles`);
  await expect(page.locator('tr[data-id="e2e-profile"]')).toHaveCount(0);
});

test('on a phone the sidebar is a drawer behind Menu; Escape closes it', async ({ page }) => {
  const { baseUrl } = server();
  await page.setViewportSize({ width: 390, height: 844 });
  await signInAsAdmin(page, true);
  await waitForHydration(page);
  const sidebar = page.locator('nav[aria-label="Main"]');
  await expect(sidebar).toBeHidden();
  await page.locator('#nav-drawer > summary').click();
  await expect(sidebar).toBeVisible();
  await page.screenshot({ path: 'end2end/artifacts/navigation-phone.png' });
  await page.keyboard.press('Escape');
  await expect(sidebar).toBeHidden();
  await expect(page.locator('#nav-drawer > summary')).toBeFocused();
  await navigate(page, 'IAM', 'Instance profiles');
  await expect(page).toHaveURL(`${baseUrl}/instance-profiles`);
  await expect(sidebar).toBeHidden();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('an instance profile is created with the plain form', async ({ page }) => {
    await signInAsAdmin(page, false);
    const { baseUrl } = server();
    await page.goto(`${baseUrl}/instance-profiles/new`);
    await page.locator('#profile-target').selectOption('prod/global');
    await page.locator('#profile-name').fill('nojs-profile');
    await page.locator('#profile-path').fill('/nojs/');
    await fillTags(page, 'profile-tags', 'Owner=nojs@example.com');
    await page.getByRole('button', { name: 'Create instance profile' }).click();
    await expect(page).toHaveURL(`${baseUrl}/resources/instance-profile/prod/global/nojs-profile`);
    await expect(page.locator('#flash')).toContainText('Instance profile created.');
    await expect(page.locator('[data-field="Path"]')).toHaveText('/nojs/');
  });
});
