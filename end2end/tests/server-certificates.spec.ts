import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { navigate, server, signInAsAdmin, waitForHydration, refreshFromAws, fillTags } from './state';

// Runs after auth.spec.ts, which creates the admin; the server is in demo mode.
test.describe.configure({ mode: 'serial' });

/** A self-signed certificate and its key made by the openssl CLI, and a second, unrelated key. */
function makeCertificate(commonName: string) {
  const dir = mkdtempSync(join(tmpdir(), 'trustdesk-cert-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '20',
    '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=DNS:${commonName}`);
  run('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'other-key.pem');
  return {
    certFile: join(dir, 'cert.pem'),
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    otherKey: readFileSync(join(dir, 'other-key.pem'), 'utf8'),
  };
}

test('server certificates with JavaScript: a mismatched key refused, checked, uploaded, tagged, deleted', async ({ page }) => {
  const { baseUrl } = server();
  const made = makeCertificate('e2e.example.com');

  await signInAsAdmin(page, true);
  await waitForHydration(page);
  await navigate(page, 'IAM', 'Server certificates');
  await expect(page).toHaveURL(`${baseUrl}/server-certificates`);
  await refreshFromAws(page);
  await expect(page.locator('#inventory-count')).toContainText('IAM server certificates');
  await page.screenshot({ path: 'end2end/artifacts/server-certificates.png', fullPage: true });

  await page.locator('#new-resource').click();
  await expect(page).toHaveURL(`${baseUrl}/server-certificates/new`);
  await waitForHydration(page);
  await page.locator('#certificate-target').selectOption('dev/global');
  await page.locator('#certificate-name').fill('e2e-cert');
  await page.locator('#certificate-body-file').setInputFiles(made.certFile);
  await expect(page.locator('#certificate-body')).toHaveValue(/BEGIN CERTIFICATE/);
  await page.locator('#certificate-private_key').fill(made.otherKey);
  await fillTags(page, 'certificate-tags', 'Owner=e2e@example.com');
  await page.getByRole('button', { name: 'Upload certificate' }).click();
  await expect(page.locator('#certificate-private_key-error')).toContainText('does not belong to the certificate');
  await expect(page).toHaveURL(`${baseUrl}/server-certificates/new`);

  await page.locator('#certificate-private_key').fill(made.key);
  await page.getByRole('button', { name: 'Check certificate' }).click();
  // The check answers beside the form, which keeps the certificate and key as they are.
  const check = page.locator('[data-form-notice]');
  await expect(check).toContainText('The key matches. CN=e2e.example.com issued by');
  await expect(check).toContainText('e2e.example.com');
  await expect(check).toContainText('RSA 2048-bit');
  await expect(page.locator('#certificate-private_key')).toHaveValue(made.key);
  await expect(page.locator('#certificate-private_key-error')).toHaveText('');

  await page.getByRole('button', { name: 'Upload certificate' }).click();
  await expect(page).toHaveURL(`${baseUrl}/resources/server-certificate/dev/global/e2e-cert`);
  await expect(page.locator('[data-field="Subject"]')).toHaveText('CN=e2e.example.com');
  await expect(page.locator('[data-field="Key"]')).toHaveText('RSA 2048-bit');
  await expect(page.locator('tr[data-tag="Owner"]')).toContainText('e2e@example.com');
  await expect(page.locator('body')).not.toContainText('PRIVATE KEY');
  await waitForHydration(page);

  await page.locator('#tag-key').fill('Owner');
  await page.locator('#tag-value').fill('changed@example.com');
  await page.getByRole('button', { name: 'Set tag' }).click();
  await expect(page.locator('tr[data-tag="Owner"]')).toContainText('changed@example.com');
  await page.screenshot({ path: 'end2end/artifacts/server-certificate-detail.png', fullPage: true });

  await page.goto(`${baseUrl}/server-certificates`);
  await expect(page.locator('tr[data-id="e2e-cert"]')).toHaveCount(1);
  await page.goto(`${baseUrl}/resources/server-certificate/dev/global/e2e-cert`);
  await waitForHydration(page);
  await page.locator('#delete-confirm').fill('e2e-cert');
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(`${baseUrl}/server-certificates`);
  await expect(page.locator('tr[data-id="e2e-cert"]')).toHaveCount(0);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a server certificate is checked and uploaded with the plain form', async ({ page }) => {
    const made = makeCertificate('nojs.example.com');
    await signInAsAdmin(page, false);
    const { baseUrl } = server();
    await page.goto(`${baseUrl}/server-certificates/new`);
    await expect(page.locator('#certificate-body-file')).toHaveCount(0);
    const fill = async () => {
      await page.locator('#certificate-target').selectOption('prod/global');
      await page.locator('#certificate-name').fill('nojs-cert');
      await page.locator('#certificate-body').fill(readFileSync(made.certFile, 'utf8'));
      await page.locator('#certificate-private_key').fill(made.key);
    };
    await fill();
    await page.getByRole('button', { name: 'Check certificate' }).click();
    await expect(page.locator('#flash')).toContainText('The key matches. CN=nojs.example.com issued by CN=nojs.example.com');
    await expect(page).not.toHaveURL(/PRIVATE/);
    await fill();
    await page.getByRole('button', { name: 'Upload certificate' }).click();
    await expect(page).toHaveURL(`${baseUrl}/resources/server-certificate/prod/global/nojs-cert`);
    await expect(page.locator('#flash')).toContainText('Server certificate uploaded.');
    await expect(page.locator('[data-field="Subject"]')).toHaveText('CN=nojs.example.com');
  });
});

test('an expiring certificate is renewed from the overview and the old one deleted from its successor', async ({ page }) => {
  const { baseUrl } = server();
  const made = makeCertificate('renewed.example.com');
  await signInAsAdmin(page, true);
  await page.goto(`${baseUrl}/`);
  await waitForHydration(page);
  // The overview's Renew links lead to a successor's prefilled form.
  const renewLink = page.locator('a[data-renew][href*="/new?renew_"]').first();
  await expect(renewLink).toBeVisible();
  // Its count of certificates due within 7 days leads to them.
  await page.locator('#expiry-by-kind a[href="/server-certificates?expires=7d"]').click();
  await waitForHydration(page);
  await page.locator('#inventory tbody a').first().click();
  await waitForHydration(page);
  const oldPage = new URL(page.url()).pathname;
  const oldId = (await page.locator('#resource-id').textContent()) ?? '';
  const oldName = oldPage.split('/').pop() ?? '';
  await expect(page.locator('#renew')).toContainText('It expires in');
  await page.locator('#renew-item').click();

  await expect(page).toHaveURL(/\/server-certificates\/new\?renew_account=/);
  await waitForHydration(page);
  await expect(page.locator('#renewal-note')).toContainText('Renewing');
  await expect(page.locator('#certificate-name')).toHaveValue(`${decodeURIComponent(oldName)}-2`);
  await page.locator('#certificate-body-file').setInputFiles(made.certFile);
  await page.locator('#certificate-private_key').fill(made.key);
  await page.getByRole('button', { name: 'Upload certificate' }).click();
  await expect(page).toHaveURL(new RegExp(`/resources/server-certificate/.+/global/.+-2$`));
  await waitForHydration(page);
  const successorPage = new URL(page.url()).pathname;
  await expect(page.locator('#renews a[data-linked]')).toHaveAttribute('href', oldPage);

  // Retire the old one: deleted, and back on the successor's page.
  await page.locator('#retire-confirm').fill(oldId);
  await page.getByRole('button', { name: 'Delete the old one' }).click();
  await expect(page).toHaveURL(`${baseUrl}${successorPage}`);
  await expect(page.locator('#retired')).toContainText('The old one was deleted.');
});
