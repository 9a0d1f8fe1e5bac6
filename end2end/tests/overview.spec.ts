import { test, expect } from '@playwright/test';
import { navigate, server, signInAsAdmin, waitForHydration } from './state';

// Runs after auth.spec.ts, which creates the admin; the demo syncs on its own at start.
test.describe.configure({ mode: 'serial' });

test('the dashboard opens on the expiry overview: counts link to filtered inventories, the chart lists a bar', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await page.goto(`${baseUrl}/`);
  await waitForHydration(page);
  // The first sync fills the overview; reload until it has.
  await expect(async () => {
    await page.reload();
    await expect(page.locator('#expiry-by-kind tr[data-kind="server-certificate"]')).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await waitForHydration(page);
  await expect(page.locator('#expiry-timeline')).toBeVisible();
  const expired = page.locator('#expiry-by-kind tr[data-kind="server-certificate"] a[data-urgency="expired"]');
  const count = Number(await expired.textContent());
  expect(count).toBeGreaterThan(0);

  // "Needs action" comes first: expired or due within 7 days and not silenced, most overdue
  // first, its count at least the expired server certificates'.
  const needsAction = page.locator('#needs-action');
  await expect(page.locator('#expiry-overview > :nth-child(2)')).toHaveAttribute('id', 'needs-action');
  expect(Number(await page.locator('#needs-action-count').textContent())).toBeGreaterThanOrEqual(count);
  const listed = await needsAction.locator('li [data-expiry-days]').evaluateAll((cells) =>
    cells.map((cell) => Number(cell.getAttribute('data-expiry-days'))));
  expect(listed.length).toBeGreaterThan(0);
  expect(listed.every((days) => days <= 7)).toBe(true);
  expect(listed).toEqual([...listed].sort((a, b) => a - b));

  const firstBar = page.locator('#expiry-timeline g[data-bar="0"]');
  await firstBar.hover();
  await expect(page.locator('#timeline-items')).toContainText('already expired');
  await expect(page.locator('#timeline-items li').first()).toBeVisible();
  await page.screenshot({ path: 'end2end/artifacts/expiry-overview.png', fullPage: true });

  await expired.click();
  await expect(page).toHaveURL(`${baseUrl}/server-certificates?expires=expired`);
  await expect(page.locator('#inventory-count')).toContainText(`${count} `);
  await expect(page.locator('#inventory tbody tr[data-id]')).toHaveCount(count);
});

test('the Sync page shows every scope, and Sync now runs a new sync with progress', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await waitForHydration(page);
  await navigate(page, 'Console', 'Sync');
  await expect(page).toHaveURL(`${baseUrl}/sync`);
  await waitForHydration(page);
  // The demo organization's prod, dev and sandbox: 4 regional kinds × 2 regions and 6 IAM kinds each.
  await expect(page.locator('#sync-scopes tbody tr[data-scope]')).toHaveCount(42);
  // Its Organization card: the account whose role is missing says why, the suspended one is not read.
  const organization = page.locator('#organization');
  await expect(organization.locator('tr[data-state="managed"]')).toHaveCount(3);
  await expect(organization.locator('tr[data-org-account="444444444444"]')).toContainText('not authorized to perform: sts:AssumeRole');
  await expect(organization.locator('tr[data-org-account="555555555555"]')).toHaveAttribute('data-state', 'not active');
  await organization.screenshot({ path: 'end2end/artifacts/sync-organization.png' });
  const before = await page.locator('#sync-scopes tbody tr[data-scope="saml-provider/prod/global"] time').getAttribute('datetime');
  await page.locator('#sync-now').click();
  await expect(page.locator('#sync-state')).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  await expect(async () => {
    const after = await page.locator('#sync-scopes tbody tr[data-scope="saml-provider/prod/global"] time').getAttribute('datetime');
    expect(after).not.toBe(before);
  }).toPass({ timeout: 30_000 });
  await expect(page.locator('#sync-scopes tr[data-outcome="ok"]')).toHaveCount(42);
  await page.screenshot({ path: 'end2end/artifacts/sync.png', fullPage: true });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the overview chart and the Sync page render, and Sync now posts as a plain form', async ({ page }) => {
    const { baseUrl } = server();
    await signInAsAdmin(page, false);
    await page.goto(`${baseUrl}/`);
    await expect(page.locator('#expiry-timeline g[data-bar]')).toHaveCount(27);
    await expect(page.locator('#expiry-timeline g[data-bar="0"] title')).toContainText('already expired');
    await page.goto(`${baseUrl}/sync`);
    await page.locator('#sync-now').click();
    // Back on the page the form was posted from (leptos' redirect may end the URL with "?").
    await expect(page).toHaveURL(/\/sync\??$/);
    await expect(page.getByText('Sync requested')).toBeVisible();
  });
});
