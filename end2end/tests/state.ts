export function server(): { baseUrl: string; setupUrl: string } {
  const baseUrl = process.env.TRUSTDESK_E2E_URL;
  const setupUrl = process.env.TRUSTDESK_E2E_SETUP_URL;
  if (!baseUrl || !setupUrl) throw new Error('the global setup (server.ts) did not start trustdesk');
  return { baseUrl, setupUrl };
}

export const ADMIN = 'admin';
export const ADMIN_PASSWORD = 'e2e admin password';

import { expect, type Page } from '@playwright/test';

/** Resolves once the wasm bundle has hydrated the page (lib.rs sets the flag). */
export async function waitForHydration(page: Page) {
  await page.waitForFunction(() => (window as any).__trustdeskHydrated === true);
}

/** Signs the admin in through the sign-in page, with or without JavaScript. */
export async function signInAsAdmin(page: Page, javaScript: boolean) {
  const { baseUrl } = server();
  await page.goto(`${baseUrl}/login`);
  if (javaScript) await waitForHydration(page);
  await page.getByLabel('Username').fill(ADMIN);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('#current-user')).toHaveText(ADMIN);
}

/** Follows a link of the main navigation: opens its group's menu, then clicks the link. */
/** Follows a link of the sidebar's group (a service, Governance or Console), opening the
 *  drawer first on a phone's width. */
export async function navigate(page: Page, group: string, link: string) {
  const sidebar = page.locator('nav[aria-label="Main"]');
  if (!(await sidebar.isVisible())) {
    await page.locator('#nav-drawer > summary').click();
  }
  await page
    .locator(`details[data-nav-group="${group}"]`)
    .getByRole('link', { name: new RegExp(`^${link}\\b`) })
    .click();
}

/** "Refresh from AWS" on an inventory page, done once the page says so (with JavaScript the
 *  form is sent from the page, which then loads again). */
export async function refreshFromAws(page: Page) {
  await page.locator('#refresh').click();
  await expect(page.locator('#flash')).toContainText('Refreshed');
}

/** Types a create form's tags (one `Key=Value` a line): into its key and value rows when
 *  JavaScript shows them, else into the textarea the form sends. */
export async function fillTags(page: Page, textareaId: string, text: string) {
  const textarea = page.locator(`#${textareaId}`);
  const rows = textarea.locator('xpath=..').locator('[data-tag-rows]');
  if (!(await rows.isVisible())) {
    await textarea.fill(text);
    return;
  }
  const remove = rows.locator('[data-tag-row] button');
  while ((await remove.count()) > 0) await remove.first().click();
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    const [key, value] = at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
    await rows.locator('[data-add-tag]').click();
    const row = rows.locator('[data-tag-row]').last();
    await row.getByLabel('Tag key').fill(key);
    await row.getByLabel(/^Value of tag/).fill(value);
  }
  await expect(textarea).toHaveValue(text);
}
