import { test, expect } from '@playwright/test';
import { server, signInAsAdmin, waitForHydration, fillTags } from './state';

// Runs after auth.spec.ts, which creates the admin. It adds one rule (Tier on instance profiles
// in dev) and removes it at the end, so the specs after it see no warnings of it; the items it
// creates carry the demo's required Owner and CostCentre, so only its own rule warns.
test.describe.configure({ mode: 'serial' });

test('a create form warns as the admin types, and the item is created anyway', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await page.goto(`${baseUrl}/tag-rules`);
  await waitForHydration(page);
  await page.locator('#rule-key').fill('Tier');
  await page.locator('#rule-kinds').fill('instance-profile');
  await page.locator('#rule-accounts').fill('dev');
  await page.locator('#rule-allowed').selectOption('pattern');
  await page.locator('#rule-values').fill('T?');
  await page.locator('#rule-spellings').fill('tierlevel');
  await page.locator('#rule-add').click();
  await expect(page.locator('#tag-rules tr[data-key="Tier"]')).toContainText('required');

  await page.goto(`${baseUrl}/instance-profiles/new`);
  await waitForHydration(page);
  const warning = page.locator('#profile-tags-rules li[data-rule-key="Tier"]');
  await page.locator('#profile-target').selectOption('prod/global');
  await fillTags(page, 'profile-tags', 'Owner=e2e@example.com\nCostCentre=CC-0042');
  await expect(warning).toHaveCount(0);
  await page.locator('#profile-target').selectOption('dev/global');
  await expect(warning).toHaveText('Tier is required but missing.');
  await fillTags(page, 'profile-tags', 'Owner=e2e@example.com\nCostCentre=CC-0042\ntierlevel=T1');
  await expect(warning).toHaveText('tierlevel should be spelled Tier.');
  await expect(warning).toHaveAttribute('data-violation', 'misspelled');
  await fillTags(page, 'profile-tags', 'Owner=e2e@example.com\nCostCentre=CC-0042\nTier=gold');
  await expect(warning).toContainText('Tier=gold is not allowed');
  await page.screenshot({ path: 'end2end/artifacts/tag-rule-warning-create.png', fullPage: true });

  await page.locator('#profile-name').fill('e2e-warned');
  await page.getByRole('button', { name: 'Create instance profile' }).click();
  await expect(page).toHaveURL(`${baseUrl}/resources/instance-profile/dev/global/e2e-warned`);
  await expect(page.locator('tr[data-tag="Tier"]')).toContainText('gold');
  await expect(page.locator('#tag-rule-warnings li[data-rule-key="Tier"]')).toContainText('Tier=gold is not allowed');
  await waitForHydration(page);

  // The tag editor warns of what the edit would newly break, and sets the tag anyway.
  const editWarning = page.locator('#tag-edit-warnings li[data-rule-key="Tier"]');
  await page.locator('#tag-key').fill('tierlevel');
  await page.locator('#tag-value').fill('T1');
  await expect(editWarning).toHaveText('tierlevel should be spelled Tier.');
  await page.locator('#tag-key').fill('Tier');
  await expect(editWarning).toHaveCount(0);
  await page.locator('#tag-value').fill('nope');
  await expect(editWarning).toContainText('Tier=nope is not allowed');
  await page.screenshot({ path: 'end2end/artifacts/tag-rule-warning-editor.png', fullPage: true });
  await page.locator('#tag-value').fill('T1');
  await page.getByRole('button', { name: 'Set tag' }).click();
  await expect(page.locator('tr[data-tag="Tier"]')).toContainText('T1');
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
    await fillTags(page, 'profile-tags', 'Owner=nojs@example.com\nCostCentre=CC-0042');
    await page.getByRole('button', { name: 'Create instance profile' }).click();
    await expect(page).toHaveURL(`${baseUrl}/resources/instance-profile/dev/global/nojs-warned`);
    await expect(page.locator('#flash')).toContainText('Instance profile created.');
    await expect(page.locator('#tag-rule-warnings li[data-rule-key="Tier"]')).toHaveText('Tier is required but missing.');

    await page.locator('#tag-key').fill('Tier');
    await page.locator('#tag-value').fill('T2');
    await page.getByRole('button', { name: 'Set tag' }).click();
    await expect(page.locator('tr[data-tag="Tier"]')).toContainText('T2');
    await expect(page.locator('#tag-rule-warnings')).toHaveCount(0);

    await page.locator('#delete-confirm').fill('nojs-warned');
    await page.getByRole('button', { name: 'Delete' }).click();
    await expect(page).toHaveURL(`${baseUrl}/instance-profiles`);

    await page.goto(`${baseUrl}/tag-rules`);
    await page.locator('#tag-rules tr[data-key="Tier"] button[data-delete-rule]').click();
    await expect(page.locator('#flash')).toHaveText('Rule for Tier removed.');
    await expect(page.locator('#tag-rules tr[data-key="Tier"]')).toHaveCount(0);
  });
});
