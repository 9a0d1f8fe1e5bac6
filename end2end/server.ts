// Starts the real trustdesk binary in demo mode (as README command 1 does) on a free loopback port
// with a fresh data directory, reads the address and the one-time setup link from its output,
// and stops it (by its PID) afterwards.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** A loopback port nothing listens on at the moment of asking. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => done(port));
    });
  });
}

async function listening(port: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1', () => { socket.end(); done(true); });
      socket.once('error', () => done(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the SMTP server did not listen on ${port}`);
}

/** The test OpenID provider (end2end/oidc-idp/idp.mjs, npm's oidc-provider) and its issuer. */
async function startIdp(root: string, appUrl: string) {
  const idp = spawn(process.execPath, [join(root, 'end2end', 'oidc-idp', 'idp.mjs')], {
    env: {
      ...process.env,
      IDP_PORT: '0',
      IDP_CLIENTS: JSON.stringify([{
        client_id: 'trustdesk-demo',
        client_secret: SSO_SECRET,
        redirect_uris: [`${appUrl}/auth/sso/callback`],
        post_logout_redirect_uris: [`${appUrl}/login`],
      }]),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const issuer = await new Promise<string>((done, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`the identity provider did not start in 15 s: ${out}`)), 15_000);
    idp.on('exit', (code) => fail(new Error(`the identity provider exited with ${code}: ${out}`)));
    idp.stdout!.on('data', (chunk) => {
      out += chunk;
      const line = out.match(/^listening (http:\/\/127\.0\.0\.1:\d+)$/m);
      if (line) {
        clearTimeout(timer);
        done(line[1]);
      }
    });
  });
  return { idp, issuer };
}

const SSO_SECRET = 'e2e-sso-client-secret-0123456789';

export default async function globalSetup() {
  const root = resolve(__dirname, '..');
  const binary = process.env.TRUSTDESK_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug', 'trustdesk');
  const dataDir = mkdtempSync(join(tmpdir(), 'trustdesk-e2e-'));
  // A real SMTP server (aiosmtpd, from the test virtualenv) that stores what it receives as
  // JSON files the specs read.
  const mailDir = join(dataDir, 'received');
  mkdirSync(mailDir);
  const smtpPort = await freePort();
  const python = join(process.env.TRUSTDESK_VENV ?? join(homedir(), '.cache', 'trustdesk', 'venv'), 'bin', 'python');
  const smtp = spawn(python, [join(root, 'server', 'tests', 'smtp_sink.py'), 'serve', `127.0.0.1:${smtpPort}`, mailDir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await listening(smtpPort, 15_000);
  // Single sign-on as the demo has it: the test provider with alice (admins), bob (viewers)
  // and carol (no role). trustdesk's address is chosen first: the provider must know where it
  // sends users back to.
  const appPort = await freePort();
  const appUrl = `http://127.0.0.1:${appPort}`;
  const { idp, issuer } = await startIdp(root, appUrl);
  const config = join(dataDir, 'trustdesk.toml');
  writeFileSync(config, [
    `public_url = "${appUrl}"`,
    '',
    '[sso]',
    `issuer = "${issuer}"`,
    'client_id = "trustdesk-demo"',
    'client_secret_env = "TRUSTDESK_DEMO_SSO_SECRET"',
    'scopes = ["openid", "email", "profile", "groups"]',
    'admin_groups = ["td-admins"]',
    'viewer_groups = ["td-viewers"]',
    'button = "Sign in with the demo identity provider"',
    '',
  ].join('\n'));
  const server = spawn(binary, ['--config', config, 'serve', '--demo', '--listen', `127.0.0.1:${appPort}`, '--data-dir', dataDir], {
    cwd: root,
    env: {
      ...process.env,
      TRUSTDESK_SITE_DIR: join(root, 'target', 'site'),
      // One admin walks every form in a few minutes, far faster than a person: the per-user
      // limit on AWS reads (30 a minute) is for people.
      TRUSTDESK_AWS_READS_PER_MINUTE: '1000',
      TRUSTDESK_SMTP_HOST: '127.0.0.1',
      TRUSTDESK_SMTP_PORT: String(smtpPort),
      TRUSTDESK_SMTP_SECURITY: 'none',
      TRUSTDESK_SMTP_FROM: 'trustdesk@example.com',
      TRUSTDESK_DEMO_SSO_SECRET: SSO_SECRET,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  server.stderr.on('data', (chunk) => { log += chunk; });
  const stop = async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    if (smtp.exitCode === null) {
      smtp.kill('SIGTERM');
      await new Promise((r) => smtp.once('exit', r));
    }
    if (idp.exitCode === null) {
      idp.kill('SIGTERM');
      await new Promise((r) => idp.once('exit', r));
    }
    rmSync(dataDir, { recursive: true, force: true });
    // Secrets typed into forms (the trust-provider client secret) and License Manager JWTs
    // (whose header always encodes to "eyJhbGciOi") must never reach the server's log.
    for (const secret of ['e2e-secret', 'eyJhbGciOi']) {
      if (log.includes(secret)) throw new Error(`the server log contains a secret (${secret})`);
    }
  };
  try {
    const started = await startedFrom(server, () => log);
    mkdirSync(join(__dirname, 'artifacts'), { recursive: true });
    // Playwright hands globalSetup's environment to the test workers.
    process.env.TRUSTDESK_E2E_URL = started.baseUrl;
    process.env.TRUSTDESK_E2E_SETUP_URL = started.setupUrl;
    process.env.TRUSTDESK_E2E_MAIL_DIR = mailDir;
    process.env.TRUSTDESK_E2E_IDP_URL = issuer;
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}

function startedFrom(server: ReturnType<typeof spawn>, log: () => string) {
  return new Promise<{ baseUrl: string; setupUrl: string }>((done, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`trustdesk did not start in 30 s:\n${out}\n${log()}`)), 30_000);
    server.on('exit', (code) => fail(new Error(`trustdesk exited with ${code}:\n${out}\n${log()}`)));
    server.stdout!.on('data', (chunk) => {
      out += chunk;
      const listening = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const setup = out.split('\n').find((line) => /^http:\/\/\S+\/setup\?token=\S+$/.test(line.trim()));
      if (listening && setup) {
        clearTimeout(timer);
        done({ baseUrl: listening[1], setupUrl: setup.trim() });
      }
    });
  });
}
