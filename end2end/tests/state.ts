export function server(): { baseUrl: string; setupUrl: string } {
  const baseUrl = process.env.TRUSTDESK_E2E_URL;
  const setupUrl = process.env.TRUSTDESK_E2E_SETUP_URL;
  if (!baseUrl || !setupUrl) throw new Error('the global setup (server.ts) did not start trustdesk');
  return { baseUrl, setupUrl };
}

export const ADMIN = 'admin';
export const ADMIN_PASSWORD = 'e2e admin password';
