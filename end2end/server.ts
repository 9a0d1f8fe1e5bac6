// Starts the real trustdesk binary in demo mode (as README command 1 does) on a free loopback port
// with a fresh data directory, reads the address and the one-time setup link from its output,
// and stops it (by its PID) afterwards.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
  const server = spawn(binary, ['serve', '--demo', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
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
