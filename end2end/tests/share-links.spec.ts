import { test, expect, type Browser, type Page } from '@playwright/test';
import { navigate, server, signInAsAdmin, waitForHydration } from './state';

// Runs after auth.spec.ts, which creates the admin; the demo's first sync fills the inventories.
test.describe.configure({ mode: 'serial' });

/** The ids of the rows an inventory page lists, once the sync has filled it. */
async function inventoryIds(page: Page, url: string): Promise<string[]> {
  await expect(async () => {
    await page.goto(url);
    await expect(page.locator('#inventory tbody tr[data-id]').first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  return page.locator('#inventory tbody tr[data-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id') ?? ''));
}

/** Opens `url` in a browser context of its own: no cookies, no session, JavaScript as asked. */
async function asStranger(browser: Browser, url: string, javaScriptEnabled: boolean) {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  const response = await page.goto(url);
  return { context, page, status: response?.status() };
}

test('an admin shares a filtered inventory; a stranger sees exactly it, with and without JavaScript, until it is revoked', async ({ page, browser }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  const all = await inventoryIds(page, `${baseUrl}/server-certificates`);
  const dev = await inventoryIds(page, `${baseUrl}/server-certificates?account=dev`);
  const prod = all.filter((id) => !dev.includes(id));
  expect(dev.length).toBeGreaterThan(0);
  expect(prod.length).toBeGreaterThan(0);

  await waitForHydration(page);
  await page.locator('#share-view').click();
  await expect(page).toHaveURL(/\/shares\/new\?scope=inventory&kind=server-certificate&account=dev/);
  await waitForHydration(page);
  await expect(page.locator('#share-preview')).toContainText(`${dev.length} items now`);
  await page.locator('#share-label').fill('External auditor (Acme LLP)');
  await page.locator('#share-lifetime').selectOption('24');
  await page.locator('#share-create').click();
  // The link is a secret: shown once, on the page that reveals it.
  await expect(page).toHaveURL(/\/shown-once\?once=/);
  await page.locator('#reveal-secret').click();
  const urlField = page.locator('#share-url');
  await expect(urlField).toBeVisible();
  const url = await urlField.inputValue();
  expect(url).toMatch(new RegExp(`^${baseUrl}/s/[A-Za-z0-9_-]{43}$`));
  await page.screenshot({ path: 'end2end/artifacts/share-created.png', fullPage: true });

  for (const javaScript of [true, false]) {
    const stranger = await asStranger(browser, url, javaScript);
    expect(stranger.status).toBe(200);
    await expect(stranger.page.locator('#share-for')).toHaveText('External auditor (Acme LLP)');
    await expect(stranger.page.locator('#shared-items tbody tr[data-id]')).toHaveCount(dev.length);
    const shown = await stranger.page.locator('#shared-items tbody tr[data-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id') ?? ''));
    expect(shown.sort()).toEqual([...dev].sort());
    for (const id of prod) await expect(stranger.page.locator(`tr[data-id="${id}"]`)).toHaveCount(0);
    // Nothing leads into the console, and nothing can be changed.
    await expect(stranger.page.locator('form')).toHaveCount(0);
    await expect(stranger.page.locator('a[href="/"], a[href^="/resources/"], a[href^="/login"]')).toHaveCount(0);
    expect(await stranger.context.cookies()).toEqual([]);
    await stranger.page.screenshot({ path: `end2end/artifacts/share-view${javaScript ? '' : '-no-js'}.png`, fullPage: true });
    await stranger.page.locator('#shared-items tbody tr[data-id] a').first().click();
    await expect(stranger.page.locator('#shared-item')).toBeVisible();
    await stranger.page.screenshot({ path: `end2end/artifacts/share-item${javaScript ? '' : '-no-js'}.png`, fullPage: true });
    await stranger.context.close();
  }

  await navigate(page, 'Console', 'Share links');
  await expect(page).toHaveURL(`${baseUrl}/shares`);
  await waitForHydration(page);
  const row = page.locator('#share-links tbody tr[data-state="active"]').filter({ hasText: 'External auditor (Acme LLP)' });
  await expect(row).toContainText(' view');
  await page.screenshot({ path: 'end2end/artifacts/share-links.png', fullPage: true });
  await row.locator('button[data-revoke]').click();
  await expect(page.locator('#share-links tbody tr[data-state="revoked"]').filter({ hasText: 'External auditor (Acme LLP)' })).toHaveCount(1);

  const after = await asStranger(browser, url, true);
  expect(after.status).toBe(410);
  await expect(after.page.locator('h1')).toHaveText('This share link was revoked');
  await after.page.screenshot({ path: 'end2end/artifacts/share-revoked.png', fullPage: true });
  await after.context.close();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('an admin shares one item with a plain form and sees the link once', async ({ page, browser }) => {
    const { baseUrl } = server();
    await signInAsAdmin(page, false);
    const dev = await inventoryIds(page, `${baseUrl}/server-certificates?account=dev`);
    await page.locator('#inventory tbody tr[data-id] a').first().click();
    await page.locator('#share-item').click();
    await expect(page).toHaveURL(/\/shares\/new\?scope=item/);
    await page.locator('#share-label').fill('Certificate owner');
    await page.locator('#share-create').click();
    await expect(page).toHaveURL(/\/shown-once\?once=/);
    await page.locator('#reveal-secret').click();
    const url = await page.locator('#share-url').inputValue();
    expect(url).toMatch(new RegExp(`^${baseUrl}/s/`));

    const stranger = await asStranger(browser, url, false);
    expect(stranger.status).toBe(200);
    await expect(stranger.page.locator('#shared-item')).toContainText(dev[0]);
    await stranger.context.close();
  });
});

test('"New share link" explains what can be shared, each a step away', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await page.goto(`${baseUrl}/shares`);
  await page.locator('#new-share-link').click();
  await expect(page).toHaveURL(`${baseUrl}/shares/new`);
  const choices = page.locator('#share-choices');
  await expect(choices).toContainText('The expiry list');
  await choices.getByRole('link', { name: 'IAM · Server certificates' }).click();
  await expect(page).toHaveURL(`${baseUrl}/shares/new?scope=inventory&kind=server-certificate`);
  await expect(page.locator('#share-preview')).toContainText('items now');
});
