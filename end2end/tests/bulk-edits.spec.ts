import { test, expect, Page } from '@playwright/test';
import { navigate, server, signInAsAdmin, waitForHydration } from './state';

// Runs right after auth.spec.ts (which creates the admin), while the demo's seeded tag
// violations are all there is to fix; the demo's first sync fills the cache.
test.describe.configure({ mode: 'serial' });

/// The Compliance page's total for each rule, once the first sync has filled the cache.
async function complianceTotals(page: Page): Promise<Record<string, number>> {
  await page.goto(`${server().baseUrl}/compliance`);
  const sections = page.locator('section[data-rule]');
  await expect(sections.first()).toBeVisible();
  const totals: Record<string, number> = {};
  for (const section of await sections.all()) {
    const key = (await section.locator('h2 .font-mono').textContent()) ?? '';
    totals[key] = Number(await section.getAttribute('data-total'));
  }
  return totals;
}

/// Waits on the result page until the edit has finished (the page reloads itself meanwhile).
async function finished(page: Page) {
  await expect(page.locator('#bulk-edit')).toHaveAttribute('data-state', 'finished', { timeout: 30_000 });
}

test('an admin fixes the demo\'s tag violations: one kind by filter, then the rest in one reviewed edit', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  let totals: Record<string, number> = {};
  await expect(async () => {
    totals = await complianceTotals(page);
    expect(totals['CostCentre']).toBeGreaterThan(0);
    expect(totals['Owner']).toBeGreaterThan(0);
  }).toPass({ timeout: 30_000 });
  await page.screenshot({ path: 'end2end/artifacts/compliance-before-bulk-edit.png', fullPage: true });

  // Select by filter: the trust providers still spelling the key costcenter.
  await navigate(page, 'EC2', 'Trust providers');
  await waitForHydration(page);
  await page.locator('#filter-tag').fill('costcenter');
  await page.locator('#filter-tag').press('Enter');
  await expect(page).toHaveURL(/\/trust-providers\?tag=costcenter$/);
  const matching = await page.locator('#inventory tbody tr[data-id]').count();
  expect(matching).toBeGreaterThan(0);
  await page.locator('#bulk-edit-all').click();
  await expect(page).toHaveURL(/\/bulk\/new\?kind=trust-provider&tag=costcenter/);
  await expect(page.locator('#bulk-selected')).toHaveAttribute('data-count', String(matching));
  await waitForHydration(page);
  await page.locator('#bulk-op-0-op').selectOption('rename');
  await page.locator('#bulk-op-0-key').fill('costcenter');
  await page.locator('#bulk-op-0-value').fill('CostCentre');
  await page.locator('#bulk-preview').click();
  await expect(page).toHaveURL(/\/bulk\/[A-Za-z0-9_-]+$/);
  await expect(page.locator('#bulk-edit')).toHaveAttribute('data-state', 'previewed');
  const pending = page.locator('#bulk-items tr[data-status="pending"]');
  await expect(pending).toHaveCount(matching);
  await expect(pending.first().locator('[data-tag="removed"]')).toContainText('costcenter=');
  await expect(pending.first().locator('[data-tag="added"]')).toContainText('+CostCentre=');
  await expect(pending.first().locator('[data-rule="fixed"]')).toContainText('costcenter should be spelled CostCentre.');
  await page.screenshot({ path: 'end2end/artifacts/bulk-preview.png', fullPage: true });
  await waitForHydration(page);
  await page.locator('#bulk-apply').click();
  await finished(page);
  await expect(page.locator('#bulk-items tr[data-status="done"]')).toHaveCount(matching);
  await page.screenshot({ path: 'end2end/artifacts/bulk-results.png', fullPage: true });

  const afterOne = await complianceTotals(page);
  expect(afterOne['CostCentre']).toBe(totals['CostCentre'] - matching);

  // Everything else, across kinds, from the Compliance page: the fixes come prefilled, and
  // the admin fills in the values no rule can guess.
  await page.locator('#compliance-fix-all').click();
  await expect(page).toHaveURL(`${baseUrl}/bulk/new?rule=all`);
  await expect(page.locator('#bulk-suggested')).toBeVisible();
  await waitForHydration(page);
  for (const row of await page.locator('#bulk-form fieldset[data-row]').all()) {
    const key = await row.locator('input[name$="[key]"]').inputValue();
    const value = row.locator('input[name$="[value]"]');
    if (key === '' || (await value.inputValue()) !== '') continue;
    await value.fill(key === 'Owner' ? 'security@example.com' : 'CC-1200');
  }
  await page.screenshot({ path: 'end2end/artifacts/bulk-fix-all.png', fullPage: true });
  await page.locator('#bulk-preview').click();
  await expect(page.locator('#bulk-edit')).toHaveAttribute('data-state', 'previewed');
  await expect(page.locator('#bulk-items tr[data-status="refused"]')).toHaveCount(0);
  await expect(page.locator('#bulk-items [data-rule="breaks"]')).toHaveCount(0);
  const kinds = new Set(await page.locator('#bulk-items tr[data-kind]').evaluateAll(rows => rows.map(r => r.getAttribute('data-kind'))));
  expect(kinds.size).toBeGreaterThanOrEqual(5);
  await waitForHydration(page);
  await page.locator('#bulk-apply').click();
  await finished(page);
  await expect(page.locator('#bulk-counts [data-count="failed"]')).toHaveCount(0);

  const after = await complianceTotals(page);
  for (const [key, total] of Object.entries(after)) {
    expect(total, key).toBe(0);
  }
  await page.screenshot({ path: 'end2end/artifacts/compliance-after-bulk-edit.png', fullPage: true });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('picked items are previewed and applied with plain forms, the page reloading until done', async ({ page }) => {
    const { baseUrl } = server();
    await signInAsAdmin(page, false);
    await page.goto(`${baseUrl}/instance-profiles?account=prod`);
    const first = page.locator('#inventory tbody tr[data-id]').first();
    const id = await first.getAttribute('data-id');
    await first.locator('input[data-pick]').check();
    await page.locator('#bulk-edit-selected').click();
    await expect(page.locator('#bulk-selected')).toHaveAttribute('data-count', '1');
    await page.locator('#bulk-op-0-op').selectOption('set');
    await page.locator('#bulk-op-0-key').fill('Reviewed');
    await page.locator('#bulk-op-0-value').fill('2026-12');
    await page.locator('#bulk-preview').click();
    await expect(page.locator('#bulk-edit')).toHaveAttribute('data-state', 'previewed');
    await expect(page.locator(`#bulk-items tr[data-id="${id}"] [data-tag="added"]`)).toHaveText('+Reviewed=2026-12');
    await page.locator('#bulk-apply').click();
    await finished(page);
    await expect(page.locator(`#bulk-items tr[data-id="${id}"]`)).toHaveAttribute('data-status', 'done');
    await page.goto(`${baseUrl}/instance-profiles?account=prod&tag=Reviewed%3D2026-12`);
    await expect(page.locator('#inventory tbody tr[data-id]')).toHaveCount(1);
  });
});
