import { test, expect, type Page } from '@playwright/test';
import { navigate, server, signInAsAdmin, waitForHydration } from './state';

// The surfaces an admin uses every day: the sidebar, the search across every kind, breadcrumbs,
// page sizes, an item's history and the phone's layout. Runs after auth.spec.ts (the admin) in
// demo mode; the demo syncs by itself at start.
test.describe.configure({ mode: 'serial' });

/** Waits until the first sync has cached the server certificates. */
async function synced(page: Page) {
  const { baseUrl } = server();
  await expect(async () => {
    await page.goto(`${baseUrl}/server-certificates`);
    await expect(page.locator('#inventory tbody tr[data-id]').first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
}

test('the sidebar lists every kind with its count and a badge of the urgent ones', async ({ page }) => {
  const { baseUrl } = server();
  await page.setViewportSize({ width: 1440, height: 900 });
  await signInAsAdmin(page, true);
  await synced(page);
  const sidebar = page.locator('nav[aria-label="Main"]');
  await expect(sidebar).toBeVisible();
  const link = sidebar.locator('a[href="/server-certificates"]');
  await expect(link).toHaveAttribute('aria-current', 'page');
  // The count agrees with the inventory's, the badge with its expired and 7-day filters.
  const count = Number(await link.locator('[data-count]').getAttribute('data-count'));
  const inventory = await page.locator('#inventory-count').textContent();
  expect(inventory).toMatch(new RegExp(`^${count} `));
  const urgent = Number((await link.locator('[data-urgent]').getAttribute('data-urgent')) ?? '0');
  let expected = 0;
  for (const window of ['expired', '7d']) {
    await page.goto(`${baseUrl}/server-certificates?expires=${window}`);
    expected += Number((await page.locator('#inventory-count').textContent())!.split(' ')[0]);
  }
  expect(urgent).toBe(expected);
  expect(urgent).toBeGreaterThan(0);
  // Compliance, Bulk edits and Audit are one click away.
  for (const [group, name, path] of [
    ['Governance', 'Compliance', '/compliance'],
    ['Governance', 'Bulk tag edits', '/bulk'],
    ['Console', 'Audit', '/audit'],
  ]) {
    await navigate(page, group, name);
    await expect(page).toHaveURL(`${baseUrl}${path}`);
  }
  // A group folds.
  const iam = page.locator('details[data-nav-group="IAM"]');
  await iam.locator('summary').click();
  await expect(iam.locator('a[href="/server-certificates"]')).toBeHidden();
  await page.screenshot({ path: 'end2end/artifacts/sidebar.png' });
});

test('the skip link leads to the page itself', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await page.goto(`${baseUrl}/sync`);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.locator('#main')).toBeFocused();
});

test('/ focuses the search across every kind; results come grouped by kind', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await synced(page);
  await page.goto(`${baseUrl}/`);
  await waitForHydration(page);
  await page.keyboard.press('/');
  await expect(page.locator('#global-search')).toBeFocused();
  // An account id is in every item: every kind with items answers.
  await page.keyboard.type('210987654321');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(`${baseUrl}/search?q=210987654321`);
  const groups = page.locator('[data-search-group]');
  expect(await groups.count()).toBeGreaterThan(3);
  const certificates = page.locator('[data-search-group="server-certificate"]');
  const shown = Number(await certificates.locator('[data-search-count]').textContent());
  await page.screenshot({ path: 'end2end/artifacts/search.png' });
  // The group's link leads to the inventory with the same search, which counts the same.
  await certificates.locator('h2 a').click();
  await expect(page).toHaveURL(`${baseUrl}/server-certificates?q=210987654321`);
  await expect(page.locator('#inventory-count')).toHaveText(new RegExp(`^${shown} `));

  // A fragment of a name finds the item; a word too short for the index says so.
  await page.goto(`${baseUrl}/search?q=${encodeURIComponent('zz-no-such-thing')}`);
  await expect(page.locator('#search-summary')).toContainText('Nothing in the cache matches');
  await page.goto(`${baseUrl}/search?q=ab`);
  await expect(page.locator('#search-summary')).toContainText('at least 3 characters');
});

test('breadcrumbs, page size, and an item page with its History card and danger zone', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await synced(page);
  await expect(page.locator('#breadcrumbs')).toHaveText(/IAM\s*›\s*Server certificates/);
  await waitForHydration(page);
  await page.locator('#filter-size').selectOption('50');
  await expect(page).toHaveURL(`${baseUrl}/server-certificates?size=50`);
  const rows = await page.locator('#inventory tbody tr[data-id]').count();
  const total = Number((await page.locator('#inventory-count').textContent())!.split(' ')[0]);
  expect(rows).toBe(Math.min(total, 50));

  const first = page.locator('#inventory tbody tr[data-id] a.item-link').first();
  const name = (await first.textContent())!;
  await first.click();
  await expect(page.locator('#breadcrumbs a[href="/server-certificates"]')).toHaveText('Server certificates');
  await expect(page.locator('#breadcrumbs [aria-current="page"]')).toContainText(name);
  // A tag change shows up in the item's history, newest first.
  await waitForHydration(page);
  await page.locator('#tag-key').fill('HistoryCheck');
  await page.locator('#tag-value').fill('yes');
  await page.getByRole('button', { name: 'Set tag' }).click();
  await expect(page.locator('#tags')).toContainText('HistoryCheck');
  // With JavaScript the change's notice floats as a toast, with a link to its audit row.
  const toast = page.locator('[data-toast]');
  await expect(toast).toHaveClass(/toast-floating/);
  const auditLink = await toast.locator('[data-toast-audit]').getAttribute('href');
  expect(auditLink).toMatch(/^\/audit\/\d+$/);
  await toast.getByRole('button', { name: 'Dismiss' }).click();
  await expect(toast).toHaveCount(0);
  await page.reload();
  const newest = page.locator('#history [data-history-row]').first();
  await expect(newest).toContainText('ok');
  await expect(newest).toContainText('admin');
  await newest.locator('a').click();
  await expect(page).toHaveURL(`${baseUrl}${auditLink}`);
  await page.goBack();
  // Delete waits at the bottom, in the danger zone.
  await expect(page.locator('#danger-zone')).toContainText('Danger zone');
  await page.screenshot({ path: 'end2end/artifacts/item-page.png' });
});

test('on a phone: filters behind "Filters (n)", rows as cards with the expiry first, no sideways scroll', async ({ page }) => {
  const { baseUrl } = server();
  await page.setViewportSize({ width: 390, height: 844 });
  await signInAsAdmin(page, true);
  await synced(page);
  await expect(page.locator('.filters-toggle')).toHaveText('Filters (0)');
  await expect(page.locator('#filter-q')).toBeHidden();
  await page.goto(`${baseUrl}/server-certificates?account=prod`);
  await expect(page.locator('.filters-toggle')).toHaveText('Filters (1)');
  await expect(page.locator('#filter-account')).toBeVisible();
  const row = page.locator('#inventory tbody tr[data-id]').first();
  // The expiry cell comes first in the card.
  const expiryTop = await row.locator('[data-expiry-days]').evaluate((cell) => cell.getBoundingClientRect().top);
  const nameTop = await row.locator('a.item-link').evaluate((cell) => cell.getBoundingClientRect().top);
  expect(expiryTop).toBeLessThan(nameTop);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: 'end2end/artifacts/inventory-phone.png', fullPage: true });
});

test("an item's notices offer only what applies to their state", async ({ page }) => {
  await signInAsAdmin(page, true);
  await synced(page);
  await page.locator('#inventory tbody tr[data-id] a.item-link').first().click();
  await waitForHydration(page);
  const notices = page.locator('#notices');
  await expect(notices.locator('#silence')).toHaveAttribute('data-state', 'none');
  await expect(notices.getByRole('button', { name: 'Resume notices' })).toHaveCount(0);
  await notices.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(notices.locator('#silence')).toHaveAttribute('data-state', 'ack');
  await expect(notices.getByRole('button', { name: 'Acknowledge' })).toHaveCount(0);
  await expect(notices.getByRole('button', { name: 'Snooze' })).toHaveCount(0);
  await notices.getByRole('button', { name: 'Resume notices' }).click();
  await expect(notices.locator('#silence')).toHaveAttribute('data-state', 'none');
  await notices.getByRole('button', { name: 'Snooze' }).click();
  await expect(notices.locator('#silence')).toHaveAttribute('data-state', 'snooze');
  await expect(notices.getByRole('button', { name: 'Resume notices' })).toBeVisible();
  await expect(notices.getByRole('button', { name: 'Acknowledge' })).toBeVisible();
  await expect(notices.getByRole('button', { name: 'Snooze' })).toBeVisible();
  await notices.getByRole('button', { name: 'Resume notices' }).click();
  await expect(notices.locator('#silence')).toHaveAttribute('data-state', 'none');
});

test('a create form takes tags as key and value rows, suggesting the keys the rules require', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await page.goto(`${baseUrl}/instance-profiles/new`);
  await waitForHydration(page);
  // No account is chosen for the admin.
  await expect(page.locator('#profile-target')).toHaveValue('');
  const rows = page.locator('[data-tag-rows]');
  await expect(rows).toBeVisible();
  await expect(page.locator('#profile-tags')).toBeHidden();
  const required = rows.locator('[data-required-key]');
  expect(await required.count()).toBeGreaterThan(0);
  const key = (await required.first().getAttribute('data-required-key'))!;
  await required.first().click();
  const row = rows.locator('[data-tag-row]').last();
  await expect(row.getByLabel('Tag key')).toHaveValue(key);
  await row.getByLabel(`Value of tag ${key}`).fill('e2e-value');
  await rows.locator('[data-tag-row]').first().getByLabel('Tag key').fill('Stage');
  await rows.locator('[data-tag-row]').first().getByLabel('Value of tag Stage').fill('test');
  // The rows write the field the form sends.
  await expect(page.locator('#profile-tags')).toHaveValue(`Stage=test\n${key}=e2e-value`);
  await rows.locator('[data-tag-row]').first().getByRole('button', { name: 'Remove tag Stage' }).click();
  await expect(page.locator('#profile-tags')).toHaveValue(`${key}=e2e-value`);
});
