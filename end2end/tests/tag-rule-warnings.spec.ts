import { test, expect } from '@playwright/test';
import { server, signInAsAdmin, waitForHydration } from './state';

// Runs after auth.spec.ts, which creates the admin. It adds one rule (CostCentre on instance
// profiles in dev) and removes it at the end, so the specs after it see no warnings.
test.describe.configure({ mode: 'serial' });

test('a create form warns as the admin types, and the item is created anyway', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await page.goto(`${baseUrl}/tag-rules`);
  await waitForHydration(page);
  await page.locator('#rule-key').fill('CostCentre');
  await page.locator('#rule-kinds').fill('instance-profile');
  await page.locator('#rule-accounts').fill('dev');
  await page.locator('#rule-allowed').selectOption('pattern');
  await page.locator('#rule-values').fill('CC-????');
  await page.locator('#rule-spellings').fill('costcenter');
  await page.locator('#rule-add').click();
  await expect(page.locator('#tag-rules tr[data-key="CostCentre"]')).toContainText('required');

  await page.goto(`${baseUrl}/instance-profiles/new`);
  await waitForHydration(page);
  const warning = page.locator('#profile-tags-rules li[data-rule-key="CostCentre"]');
  await page.locator('#profile-target').selectOption('prod/global');
  await page.locator('#profile-tags').fill('Owner=e2e@example.com');
  await expect(warning).toHaveCount(0);
  await page.locator('#profile-target').selectOption('dev/global');
  await expect(warning).toHaveText('CostCentre is required but missing.');
  await page.locator('#profile-tags').fill('Owner=e2e@example.com\ncostcenter=CC-0042');
  await expect(warning).toHaveText('costcenter should be spelled CostCentre.');
  await expect(warning).toHaveAttribute('data-violation', 'misspelled');
  await page.locator('#profile-tags').fill('Owner=e2e@example.com\nCostCentre=marketing');
  await expect(warning).toContainText('CostCentre=marketing is not allowed');
  await page.screenshot({ path: 'end2end/artifacts/tag-rule-warning-create.png', fullPage: true });

  await page.locator('#profile-name').fill('e2e-warned');
  await page.getByRole('button', { name: 'Create instance profile' }).click();
  await expect(page).toHaveURL(`${baseUrl}/resources/instance-profile/dev/global/e2e-warned`);
  await expect(page.locator('tr[data-tag="CostCentre"]')).toContainText('marketing');
  await expect(page.locator('#tag-rule-warnings li[data-rule-key="CostCentre"]')).toContainText('CostCentre=marketing is not allowed');
  await waitForHydration(page);

  // The tag editor warns of what the edit would newly break, and sets the tag anyway.
  const editWarning = page.locator('#tag-edit-warnings li[data-rule-key="CostCentre"]');
  await page.locator('#tag-key').fill('costcenter');
  await page.locator('#tag-value').fill('CC-0042');
  await expect(editWarning).toHaveText('costcenter should be spelled CostCentre.');
  await page.locator('#tag-key').fill('CostCentre');
  await expect(editWarning).toHaveCount(0);
  await page.locator('#tag-value').fill('nope');
  await expect(editWarning).toContainText('CostCentre=nope is not allowed');
  await page.screenshot({ path: 'end2end/artifacts/tag-rule-warning-editor.png', fullPage: true });
  await page.locator('#tag-value').fill('CC-0042');
  await page.getByRole('button', { name: 'Set tag' }).click();
  await expect(page.locator('tr[data-tag="CostCentre"]')).toContainText('CC-0042');
  await expect(page.locator('#tag-rule-warnings')).toHaveCount(0);

  await page.locator('#delete-confirm').fill('e2e-warned');
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(`${baseUrl}/instance-profiles`);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the item page lists what the new item breaks, until its tags are fixed', async ({ page }) => {
    const { baseUrl } = server();
    await signInAsAdmin(page, false);
    await page.goto(`${baseUrl}/instance-profiles/new`);
    await page.locator('#profile-target').selectOption('dev/global');
    await page.locator('#profile-name').fill('nojs-warned');
    await page.locator('#profile-tags').fill('Owner=nojs@example.com');
    await page.getByRole('button', { name: 'Create instance profile' }).click();
    await expect(page).toHaveURL(`${baseUrl}/resources/instance-profile/dev/global/nojs-warned`);
    await expect(page.locator('#flash')).toContainText('Instance profile created.');
    await expect(page.locator('#tag-rule-warnings li[data-rule-key="CostCentre"]')).toHaveText('CostCentre is required but missing.');

    await page.locator('#tag-key').fill('CostCentre');
    await page.locator('#tag-value').fill('CC-0042');
    await page.getByRole('button', { name: 'Set tag' }).click();
    await expect(page.locator('tr[data-tag="CostCentre"]')).toContainText('CC-0042');
    await expect(page.locator('#tag-rule-warnings')).toHaveCount(0);

    await page.locator('#delete-confirm').fill('nojs-warned');
    await page.getByRole('button', { name: 'Delete' }).click();
    await expect(page).toHaveURL(`${baseUrl}/instance-profiles`);

    await page.goto(`${baseUrl}/tag-rules`);
    await page.locator('#tag-rules tr[data-key="CostCentre"] button[data-delete-rule]').click();
    await expect(page.locator('#flash')).toHaveText('Rule for CostCentre removed.');
    await expect(page.locator('#tag-rules tr[data-key="CostCentre"]')).toHaveCount(0);
  });
});
