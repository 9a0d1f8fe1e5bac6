import { test, expect } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { navigate, server, signInAsAdmin, waitForHydration } from './state';

// Runs after auth.spec.ts (files run in name order); the server sends mail to a real SMTP server (see server.ts).
test.describe.configure({ mode: 'serial' });

type Received = { rcpt_tos: string[]; subject: string | null; text: string | null };

function received(): Received[] {
  const dir = process.env.TRUSTDESK_E2E_MAIL_DIR!;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
}

test('an admin changes the alert rules and a test email reaches the SMTP server', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await waitForHydration(page);
  await navigate(page, 'Console', 'Alerts');
  await expect(page).toHaveURL(`${baseUrl}/alerts`);
  await waitForHydration(page);
  await page.locator('#alerts-thresholds').fill('30, 7, soon');
  await page.locator('#save-rules').click();
  await expect(page.locator('#alerts-thresholds-error')).toContainText('"soon" is not a whole number');
  await page.locator('#alerts-thresholds').fill('45, 30, 7, 1');
  await page.locator('#alerts-global').fill('security@example.com');
  await page.locator('#save-rules').click();
  await expect(page.getByText('Alert rules saved.')).toBeVisible();
  await page.reload();
  await expect(page.locator('#alerts-thresholds')).toHaveValue('45, 30, 7, 1');
  await page.screenshot({ path: 'end2end/artifacts/alert-rules.png', fullPage: true });

  await waitForHydration(page);
  await page.locator('#test-to').fill('tester@example.com');
  await page.locator('#send-test').click();
  await expect(page.getByText('Test email queued')).toBeVisible();
  await expect(async () => {
    expect(received().some((m) => m.rcpt_tos.includes('tester@example.com') && m.subject === '[trustdesk] Test email')).toBe(true);
  }).toPass({ timeout: 30_000 });
  await navigate(page, 'Console', 'Outbox');
  await expect(page.locator('#outbox tr[data-state="sent"]').first()).toBeVisible();
});

test('an owner acknowledges an item from the link in their digest, once', async ({ browser }) => {
  let digest: Received | undefined;
  await expect(async () => {
    digest = received().find((m) => m.rcpt_tos.includes('priya.raman@example.com'));
    expect(digest).toBeDefined();
  }).toPass({ timeout: 30_000 });
  const line = digest!.text!.split('\n').find((l) => l.trim().startsWith('Acknowledge: '))!;
  const link = line.trim().slice('Acknowledge: '.length);
  // The recipient is not signed in: a fresh browser context.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await waitForHydration(page);
  await expect(page.locator('#alert-link')).toContainText('priya.raman@example.com');
  await page.locator('#confirm-link').click();
  await expect(page.getByText('Acknowledged: no further notices')).toBeVisible();
  await page.screenshot({ path: 'end2end/artifacts/alert-link.png', fullPage: true });
  await page.goto(link);
  await expect(page.getByRole('alert')).toContainText('used already');
  await context.close();
});

test('notices and a test post reach the demo chat channel, and the Outbox marks them as posts', async ({ page }) => {
  await signInAsAdmin(page, true);
  await waitForHydration(page);
  await navigate(page, 'Console', 'Alerts');
  await waitForHydration(page);
  const hook = page.locator('#webhooks li[data-webhook="demo-chat"]');
  await expect(hook).toContainText('Slack-compatible chat');
  await expect(page.locator('input[name="rules[webhooks][demo-chat]"]')).toBeChecked();
  await hook.locator('[data-test-webhook="demo-chat"]').click();
  await expect(page.locator('[data-toast]')).toContainText('Test post to demo-chat queued');
  const chat = await page.locator('#demo-chat a').getAttribute('href');
  expect(chat).toMatch(/\/_emulator\/chat$/);

  await navigate(page, 'Console', 'Outbox');
  await expect(page.locator('#outbox-chat a')).toHaveAttribute('href', chat!);
  const posts = page.locator('#outbox td[data-channel="webhook"]');
  await expect(posts.first()).toContainText('demo-chat');

  // The channel as its members see it: the run's notices and the test, newest first.
  await expect(async () => {
    await page.goto(chat!);
    await expect(page.locator('article').first()).toContainText('This is a test from trustdesk', { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  const notice = page.locator('article', { hasText: '[trustdesk] ' }).last();
  await expect(notice.locator('strong').first()).toContainText('[trustdesk] ');
  await expect(notice.locator('a').first()).toHaveAttribute('href', /\/resources\//);
  await expect(notice.getByRole('link', { name: 'Acknowledge' })).toHaveCount(0);
  await page.screenshot({ path: 'end2end/artifacts/demo-chat.png', fullPage: true });
});
