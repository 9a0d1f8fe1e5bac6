import { test, expect } from '@playwright/test';
import { server, signInAsAdmin, waitForHydration, refreshFromAws } from './state';

// Runs after auth.spec.ts, which creates the admin; the server is in demo mode.
test.describe.configure({ mode: 'serial' });

test('trust providers with JavaScript: the fields follow the type; create, modify, delete', async ({ page }) => {
  const { baseUrl } = server();
  await signInAsAdmin(page, true);
  await page.goto(`${baseUrl}/trust-providers`);
  await waitForHydration(page);
  await refreshFromAws(page);
  await expect(page.locator('#inventory-count')).toContainText('16 Verified Access trust providers');
  await page.screenshot({ path: 'end2end/artifacts/trust-providers.png', fullPage: true });

  await page.goto(`${baseUrl}/trust-providers/new`);
  await waitForHydration(page);
  // Device options appear only for device providers.
  await expect(page.locator('#provider-device_tenant_id')).toBeHidden();
  await page.locator('#provider-trust_provider_type').selectOption('device');
  await expect(page.locator('#provider-device_tenant_id')).toBeVisible();
  await expect(page.locator('#provider-oidc_issuer')).toBeHidden();
  await page.locator('#provider-trust_provider_type').selectOption('user');

  await page.locator('#provider-target').selectOption('dev/eu-west-1');
  await page.locator('#provider-policy_reference_name').fill('e2e_idp');
  await page.locator('#provider-oidc_issuer').fill('https://idp.example.com');
  await page.locator('#provider-oidc_authorization_endpoint').fill('https://idp.example.com/authorize');
  await page.locator('#provider-oidc_token_endpoint').fill('http://not-https.example.com/token');
  await page.locator('#provider-oidc_user_info_endpoint').fill('https://idp.example.com/userinfo');
  await page.locator('#provider-oidc_client_id').fill('e2e-client');
  await page.locator('#provider-oidc_client_secret').fill('e2e-secret');
  await page.locator('#create-provider').click();
  await expect(page.locator('#provider-oidc_token_endpoint-error')).toContainText('https://');
  await page.locator('#provider-oidc_token_endpoint').fill('https://idp.example.com/token');
  await page.locator('#provider-oidc_client_secret').fill('e2e-secret');
  await page.locator('#check-permissions').click();
  // A check answers beside the form, which keeps what was typed.
  await expect(page.locator('[data-form-notice]')).toContainText('Allowed');
  await page.locator('#create-provider').click();
  await expect(page).toHaveURL(/\/resources\/trust-provider\/dev\/eu-west-1\/vatp-[0-9a-f]+$/);
  await expect(page.locator('#resource-status')).toHaveText('user: oidc');
  await expect(page.locator('body')).not.toContainText('e2e-secret');
  await waitForHydration(page);

  await page.locator('#provider-description').fill('Modified in e2e');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('[data-field="Description"]')).toHaveText('Modified in e2e');
  await page.locator('#tag-key').fill('Owner');
  await page.locator('#tag-value').fill('identity@example.com');
  await page.getByRole('button', { name: 'Set tag' }).click();
  await expect(page.locator('tr[data-tag="Owner"]')).toContainText('identity@example.com');
  await page.screenshot({ path: 'end2end/artifacts/trust-provider-detail.png', fullPage: true });

  const id = (await page.locator('#resource-id').textContent()) ?? '';
  await page.locator('#delete-confirm').fill(id);
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(`${baseUrl}/trust-providers`);
  await expect(page.locator(`tr[data-id="${id}"]`)).toHaveCount(0);
});
