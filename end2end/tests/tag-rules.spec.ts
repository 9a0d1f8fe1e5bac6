import { test, expect } from '@playwright/test';
import { navigate, server, signInAsAdmin, waitForHydration } from './state';

// Runs after auth.spec.ts, which creates the admin; the demo's first sync fills the cache.
test.describe.configure({ mode: 'serial' });

test('an admin adds a tag rule and the Compliance page lists what breaks it', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await navigate(page, 'Governance', 'Tag rules');
  await expect(page).toHaveURL(`${baseUrl}/tag-rules`);
  await waitForHydration(page);
  await page.locator('#rule-key').fill('DataClass');
  await page.locator('#rule-kinds').fill('server-certificate');
  await page.locator('#rule-allowed').selectOption('list');
  await page.locator('#rule-values').fill('public\ninternal');
  await page.locator('#rule-add').click();
  await expect(page.locator('#tag-rules tr[data-key="DataClass"]')).toContainText('required');
  await page.screenshot({ path: 'end2end/artifacts/tag-rules.png', fullPage: true });

  await navigate(page, 'Governance', 'Compliance');
  await expect(page).toHaveURL(`${baseUrl}/compliance`);
  const rule = page.locator('section[data-rule]').filter({ hasText: 'DataClass' });
  await expect(async () => {
    await page.reload();
    const total = Number(await rule.getAttribute('data-total', { timeout: 1000 }));
    expect(total).toBeGreaterThan(0);
  }).toPass({ timeout: 30_000 });
  await expect(rule.locator('li[data-id]').first()).toContainText('DataClass is required but missing.');
  await page.screenshot({ path: 'end2end/artifacts/compliance.png', fullPage: true });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the rules and the report render, and a rule is removed with a plain form', async ({ page }) => {
    const { baseUrl } = server();
    await signInAsAdmin(page, false);
    await page.goto(`${baseUrl}/compliance`);
    await expect(page.locator('section[data-rule]').filter({ hasText: 'DataClass' })).toBeVisible();
    await page.goto(`${baseUrl}/tag-rules`);
    await page.locator('#tag-rules tr[data-key="DataClass"] button[data-delete-rule]').click();
    await expect(page.locator('#flash')).toHaveText('Rule for DataClass removed.');
    await expect(page.locator('#tag-rules tr[data-key="DataClass"]')).toHaveCount(0);
  });
});
