import { test, expect } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { navigate, server, signInAsAdmin, waitForHydration, refreshFromAws, fillTags } from './state';

// Runs after auth.spec.ts, which creates the admin; the server is in demo mode.
test.describe.configure({ mode: 'serial' });

/** SAML 2.0 IdP metadata valid until `validUntil`, padded past IAM's 1,000 characters. */
function metadata(entityId: string, validUntil: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}" validUntil="${validUntil}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${entityId}/sso"/>
  </md:IDPSSODescriptor>
  <!-- ${'signing certificate '.repeat(60)} -->
</md:EntityDescriptor>
`;
}

test('SAML providers with JavaScript: create from a file, replace the metadata, tag, delete', async ({ page }) => {
  const { baseUrl } = server();
  const dir = mkdtempSync(join(tmpdir(), 'trustdesk-saml-'));
  const file = join(dir, 'idp-metadata.xml');
  writeFileSync(file, metadata('https://idp.e2e.example.com', '2030-01-01T00:00:00Z'));

  await signInAsAdmin(page, true);
  await waitForHydration(page);
  await navigate(page, 'IAM', 'SAML providers');
  await expect(page).toHaveURL(`${baseUrl}/saml-providers`);
  await refreshFromAws(page);
  await expect(page.locator('#inventory-count')).toContainText('IAM SAML providers');
  await expect(page.locator('tr[data-id="Okta"]')).toHaveCount(2);
  await page.screenshot({ path: 'end2end/artifacts/saml-providers.png', fullPage: true });

  await page.locator('#new-resource').click();
  await expect(page).toHaveURL(`${baseUrl}/saml-providers/new`);
  await waitForHydration(page);
  await page.locator('#saml-target').selectOption('dev/global');
  await page.locator('#saml-name').fill('E2E IdP');
  // Service-provider metadata is not an identity provider's: refused beside the field.
  await page.locator('#saml-metadata').fill(metadata('https://sp.example.com', '2030-01-01T00:00:00Z').replaceAll('IDPSSODescriptor', 'SPSSODescriptor'));
  await fillTags(page, 'saml-tags', 'Owner=e2e@example.com');
  await page.getByRole('button', { name: 'Create SAML provider' }).click();
  await expect(page.locator('#saml-name-error')).toContainText('cannot contain');
  await expect(page.locator('#saml-metadata-error')).toContainText('no IDPSSODescriptor');

  await page.locator('#saml-name').fill('E2E-IdP');
  await page.locator('#saml-metadata-file').setInputFiles(file);
  await expect(page.locator('[data-read-status]')).toContainText('characters from the file');
  await expect(page.locator('#saml-metadata')).toHaveValue(/idp\.e2e\.example\.com/);
  await page.getByRole('button', { name: 'Create SAML provider' }).click();
  await expect(page).toHaveURL(`${baseUrl}/resources/saml-provider/dev/global/E2E-IdP`);
  await expect(page.locator('[data-field="Entity ID"]')).toHaveText('https://idp.e2e.example.com');
  await expect(page.locator('[data-field="Valid until"] time')).toHaveAttribute('datetime', '2030-01-01T00:00:00.000Z');
  await expect(page.locator('tr[data-tag="Owner"]')).toContainText('e2e@example.com');
  await waitForHydration(page);

  // Renewal: the new metadata's validUntil shows afterwards.
  await page.locator('#saml-new-metadata').fill(metadata('https://idp.e2e.example.com', '2032-03-04T05:06:07Z'));
  await page.getByRole('button', { name: 'Replace metadata' }).click();
  await expect(page.locator('[data-field="Valid until"] time')).toHaveAttribute('datetime', '2032-03-04T05:06:07.000Z');

  await page.locator('#tag-key').fill('Owner');
  await page.locator('#tag-value').fill('changed@example.com');
  await page.getByRole('button', { name: 'Set tag' }).click();
  await expect(page.locator('tr[data-tag="Owner"]')).toContainText('changed@example.com');
  await page.screenshot({ path: 'end2end/artifacts/saml-provider-detail.png', fullPage: true });

  await page.locator('#delete-confirm').fill('E2E-IdP');
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(`${baseUrl}/saml-providers`);
  await expect(page.locator('tr[data-id="E2E-IdP"]')).toHaveCount(0);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a SAML provider is created from pasted metadata with the plain form', async ({ page }) => {
    await signInAsAdmin(page, false);
    const { baseUrl } = server();
    await page.goto(`${baseUrl}/saml-providers/new`);
    // Without JavaScript there is no file picker (it would post only a file name): paste.
    await expect(page.locator('#saml-metadata-file')).toHaveCount(0);
    await page.locator('#saml-target').selectOption('prod/global');
    await page.locator('#saml-name').fill('NoJsIdP');
    await page.locator('#saml-metadata').fill(metadata('https://nojs.example.com', '2031-01-01T00:00:00Z'));
    await page.getByRole('button', { name: 'Create SAML provider' }).click();
    await expect(page).toHaveURL(`${baseUrl}/resources/saml-provider/prod/global/NoJsIdP`);
    await expect(page.locator('#flash')).toContainText('SAML provider created.');
    await expect(page.locator('[data-field="Valid until"] time')).toHaveAttribute('datetime', '2031-01-01T00:00:00.000Z');
  });
});
