#!/usr/bin/env node
// trustdesk test OpenID Connect provider.
//
// A real OpenID Provider for tests, built on the `oidc-provider` npm package
// (panva's certified implementation, pinned in /package.json). The Rust
// integration-test harness and Playwright start it as a child process; it is
// never part of a production build.
//
// Start:   node end2end/oidc-idp/idp.mjs
// Ready:   it prints exactly one line to stdout, `listening http://127.0.0.1:<port>`;
//          that URL is the issuer. Everything else (warnings, logs) goes to stderr.
// Stop:    SIGTERM (or SIGINT) closes the server and exits 0.
//
// Environment:
//   IDP_PORT             port on 127.0.0.1; 0 or unset = a free port.
//   IDP_CLIENTS          JSON array of {client_id, client_secret, redirect_uris: [...],
//                        post_logout_redirect_uris: [...]}. Default: one client
//                        `trustdesk` / `trustdesk-test-secret-0123456789`, redirect
//                        `http://127.0.0.1/never`. Clients authenticate at /token with
//                        client_secret_basic or client_secret_post (both accepted).
//   IDP_ID_TOKEN_TTL     ID token lifetime in seconds (default 3600, must be >= 1).
//   IDP_CLOCK_SKEW       initial clock skew in seconds (default 0), see /_control/clock.
//   IDP_DEBUG            `1` logs every request to stderr.
//
// Users (fixed): alice / alice-pass (groups ["td-admins"]), bob / bob-pass
// (["td-viewers"]), carol / carol-pass (["other"]). Emails <name>@example.com.
// Scopes: openid, email, profile, groups. Claims land in the ID token
// (conformIdTokenClaims: false): sub; email, email_verified; name,
// preferred_username; groups.
//
// Flow: authorization code only, PKCE (S256) required for every client.
// Login page:  GET /interaction/<uid>, a plain HTML form (POST to
//              /interaction/<uid>/login) with inputs id/name `login` and `password`
//              and a submit button "Sign in". A wrong password re-shows the form
//              (HTTP 401) with `<p role="alert" id="error">Invalid username or
//              password.</p>`. A second form has a "Cancel" button (POST
//              /interaction/<uid>/abort), which ends the flow with error=access_denied.
//              Consent is granted automatically for whatever was requested.
// Logout:      RP-initiated logout at /session/end (end_session_endpoint). It shows a
//              confirmation page (not auto-submitted) with the buttons
//              "Yes, sign me out" (name=logout value=yes) and "No, stay signed in",
//              both submitting form id `op.logoutForm` (hidden `xsrf`) to
//              POST /session/end/confirm; then it redirects to the
//              post_logout_redirect_uri (with state) or shows "Signed out".
//              With no provider session there is nothing to confirm: oidc-provider
//              then answers with a page whose inline script auto-submits
//              (xsrf, logout=yes) to the same confirm URL. An id_token_hint must
//              verify against the current JWKS (after a plain rotate it does not:
//              400 invalid_request; use client_id then, or rotate with keep_previous).
//
// Test controls (no authentication; loopback only):
//   POST /_control/rotate   body optional {"keep_previous": true}. Replaces the signing
//                           key with a fresh RS256 key (new kid); by default the old
//                           key leaves the JWKS at once, so an RP must re-fetch
//                           /jwks. Answers {"kid": new, "kids": [...published]}.
//   POST /_control/clock    body {"skew_seconds": N, "id_token_ttl_seconds": T} (both
//                           optional). Shifts the provider's clock by N seconds (it
//                           overrides Date.now for the whole process, so iat, exp,
//                           auth_time and its own expiry checks all move together) and
//                           sets the ID token lifetime. An already-expired ID token:
//                           {"skew_seconds": -600, "id_token_ttl_seconds": 60} then run a
//                           login; the token's exp is about 540 s in the past by real
//                           time. Set it before starting a flow, not in the middle.
//                           Keep |N| under a day: cookie expiry follows the shifted clock.
//   POST /_control/groups   body {"user": "alice", "groups": ["td-viewers"]}. Changes a
//                           user's groups for the ID tokens issued from now on (a user moved
//                           between groups at the provider). Answers {"user", "groups"}.
//   POST /_control/audience body {"id_token_audience": "other-app"} (null or absent resets).
//                           The token endpoint's ID tokens then name that audience instead
//                           of the client that asked, signed with the current key as usual:
//                           a genuine token for another client, which an RP must refuse.
//   GET  /_control/state    {"issuer", "kids", "skew_seconds", "id_token_ttl_seconds",
//                           "id_token_audience"}.
//
// The issuer is plain http on 127.0.0.1: oidc-provider accepts that (no `proxy`
// setting needed); its cookies simply are not marked Secure.
// oidc-provider 9 wants Node 22 LTS and prints "Unsupported runtime" on stderr
// under Node 20; everything used here works on Node 20.
// Self-test: node end2end/oidc-idp/selftest.mjs

import * as crypto from 'node:crypto';
import * as http from 'node:http';

// oidc-provider prints notices with console.info (stdout); the harness reads stdout
// for the `listening` line only, so every console log goes to stderr.
console.log = console.error;
console.info = console.error;

// A shiftable clock. Must be installed before oidc-provider runs: it reads Date.now().
const realNow = Date.now.bind(Date);
let skewSeconds = intFromEnv('IDP_CLOCK_SKEW', 0);
Date.now = () => realNow() + skewSeconds * 1000;

let idTokenTtl = intFromEnv('IDP_ID_TOKEN_TTL', 3600);
// When set, the token endpoint's ID tokens are issued for this audience (see /_control/audience).
let idTokenAudience = null;
if (idTokenTtl < 1) fail('IDP_ID_TOKEN_TTL must be >= 1');

const { default: Provider } = await import('oidc-provider');

const DEBUG = process.env.IDP_DEBUG === '1';

function fail(message) {
  process.stderr.write(`idp: ${message}\n`);
  process.exit(2);
}

function intFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) fail(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return value;
}

// ---------------------------------------------------------------- users

const USERS = {
  alice: { password: 'alice-pass', name: 'Alice', email: 'alice@example.com', groups: ['td-admins'] },
  bob: { password: 'bob-pass', name: 'Bob', email: 'bob@example.com', groups: ['td-viewers'] },
  carol: { password: 'carol-pass', name: 'Carol', email: 'carol@example.com', groups: ['other'] },
};

function checkPassword(login, password) {
  const user = Object.hasOwn(USERS, login) ? USERS[login] : undefined;
  if (!user) return false;
  const a = Buffer.from(String(password));
  const b = Buffer.from(user.password);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

async function findAccount(_ctx, id) {
  const user = Object.hasOwn(USERS, id) ? USERS[id] : undefined;
  if (!user) return undefined;
  return {
    accountId: id,
    async claims() {
      return {
        sub: id,
        email: user.email,
        email_verified: true,
        name: user.name,
        preferred_username: id,
        groups: [...user.groups],
      };
    },
  };
}

// ---------------------------------------------------------------- clients

function loadClients() {
  const raw = process.env.IDP_CLIENTS;
  let list;
  if (raw === undefined || raw.trim() === '') {
    list = [{
      client_id: 'trustdesk',
      client_secret: 'trustdesk-test-secret-0123456789',
      redirect_uris: ['http://127.0.0.1/never'],
      post_logout_redirect_uris: [],
    }];
  } else {
    try {
      list = JSON.parse(raw);
    } catch (err) {
      fail(`IDP_CLIENTS is not JSON: ${err.message}`);
    }
    if (!Array.isArray(list) || list.length === 0) fail('IDP_CLIENTS must be a non-empty JSON array');
  }
  return list.map((c, i) => {
    if (!c || typeof c.client_id !== 'string' || typeof c.client_secret !== 'string'
      || !Array.isArray(c.redirect_uris) || c.redirect_uris.length === 0) {
      fail(`IDP_CLIENTS[${i}] needs client_id, client_secret and a non-empty redirect_uris`);
    }
    return {
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris,
      post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      // A client registered for client_secret_basic may also use client_secret_post.
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    };
  });
}

const clients = loadClients();

// ---------------------------------------------------------------- keys

function newSigningKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  const kid = `td-test-${crypto.randomBytes(8).toString('hex')}`;
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}

// Newest first: oidc-provider signs with the first matching key.
let signingKeys = [newSigningKey()];

// ---------------------------------------------------------------- storage

// One in-memory store for every Provider instance of this process. oidc-provider's
// own memory adapter keeps a store per Provider, and /_control/rotate builds a new
// Provider (the keystore is fixed at construction), so its own adapter would drop
// every session, interaction and code on rotation. Expiry follows the shifted clock.
const store = new Map(); // `${model}:${id}` -> { payload, expiresAt (ms) }
const grantMembers = new Map(); // grantId -> Set of store keys
const sessionUids = new Map(); // session uid -> session id
const userCodes = new Map(); // device user code -> id

let upserts = 0;
function sweep() {
  upserts += 1;
  if (upserts % 500 !== 0) return;
  const now = Date.now();
  for (const [key, entry] of store) if (entry.expiresAt <= now) store.delete(key);
  const live = (model, id) => store.has(`${model}:${id}`);
  for (const [uid, id] of sessionUids) if (!live('Session', id)) sessionUids.delete(uid);
  for (const [grantId, keys] of grantMembers) {
    for (const key of keys) if (!store.has(key)) keys.delete(key);
    if (keys.size === 0) grantMembers.delete(grantId);
  }
  for (const [code, id] of userCodes) if (![...store.keys()].some((k) => k.endsWith(`:${id}`))) userCodes.delete(code);
}

class SharedMemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    sweep();
    const key = this.key(id);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    store.set(key, { payload, expiresAt });
    if (this.model === 'Session' && payload.uid) sessionUids.set(payload.uid, id);
    if (payload.userCode) userCodes.set(payload.userCode, id);
    if (payload.grantId) {
      if (!grantMembers.has(payload.grantId)) grantMembers.set(payload.grantId, new Set());
      grantMembers.get(payload.grantId).add(key);
    }
  }

  async find(id) {
    if (id === undefined) return undefined;
    const key = this.key(id);
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) {
    return this.find(sessionUids.get(uid));
  }

  async findByUserCode(userCode) {
    return this.find(userCodes.get(userCode));
  }

  async consume(id) {
    const payload = await this.find(id);
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of grantMembers.get(grantId) ?? []) store.delete(key);
    grantMembers.delete(grantId);
  }
}

// ---------------------------------------------------------------- pages

function esc(value) {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

// Self-contained pages: no external fonts or scripts.
function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin-top:.75rem}
input{display:block;width:100%;box-sizing:border-box;padding:.4rem}
button{margin-top:1rem;padding:.5rem 1rem}
#error{color:#a00}
</style>
</head>
<body>
${body}
</body>
</html>`;
}

function loginPage(uid, clientId, { login = '', error = false } = {}) {
  return page('Sign in - test identity provider', `<h1>Test identity provider</h1>
<p>Sign in to continue to <strong>${esc(clientId)}</strong>.</p>
${error ? '<p role="alert" id="error">Invalid username or password.</p>' : ''}
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<label for="login">Username</label>
<input id="login" name="login" type="text" autocomplete="username" value="${esc(login)}" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${esc(uid)}/abort">
<button type="submit">Cancel</button>
</form>`);
}

async function logoutSource(ctx, form) {
  ctx.type = 'html';
  ctx.body = page('Sign out - test identity provider', `<h1>Sign out of the test identity provider?</h1>
${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = page('Signed out - test identity provider', '<h1>Signed out</h1><p>You have been signed out of the test identity provider.</p>');
}

async function renderError(ctx, out) {
  ctx.type = 'html';
  ctx.body = page('Error - test identity provider', `<h1>Error</h1>
${Object.entries(out).map(([k, v]) => `<p><strong>${esc(k)}</strong>: <span class="${esc(k)}">${esc(v)}</span></p>`).join('\n')}`);
}

// ---------------------------------------------------------------- provider

function buildProvider(issuer) {
  const provider = new Provider(issuer, {
    adapter: SharedMemoryAdapter,
    clients,
    findAccount,
    jwks: { keys: signingKeys.map((k) => ({ ...k })) },
    cookies: { keys: ['trustdesk-test-idp-cookie-key-0123456789'] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    clientBasedCORS: () => false,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    renderError,
    ttl: {
      IdToken: () => idTokenTtl,
      // Long enough that a shifted clock does not expire the interaction cookie.
      Interaction: () => 86400,
      AccessToken: () => 3600,
      Grant: () => 14 * 86400,
      Session: () => 14 * 86400,
    },
  });
  // Reissues the token endpoint's ID token for another audience, when the control asks.
  provider.use(async (ctx, next) => {
    await next();
    if (idTokenAudience !== null && ctx.path === '/token' && ctx.body && typeof ctx.body.id_token === 'string') {
      ctx.body = { ...ctx.body, id_token: withAudience(ctx.body.id_token, idTokenAudience) };
    }
  });
  for (const event of ['server_error', 'authorization.error', 'grant.error', 'end_session.error', 'interaction.error']) {
    provider.on(event, (_ctx, err) => {
      process.stderr.write(`idp: ${event}: ${err?.name}: ${err?.message}${err?.error_description ? ` (${err.error_description})` : ''}\n`);
    });
  }
  return provider;
}

// The same token with `aud` replaced, signed again (RS256) with the key its header names.
function withAudience(jwt, audience) {
  const [head, body] = jwt.split('.');
  const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  payload.aud = audience;
  if (payload.azp !== undefined) payload.azp = audience;
  const jwk = signingKeys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`no signing key ${header.kid}`);
  const key = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  const signed = `${head}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = crypto.sign('sha256', Buffer.from(signed), key).toString('base64url');
  return `${signed}.${signature}`;
}

let provider;
let providerCallback;

function installProvider(issuer) {
  provider = buildProvider(issuer);
  providerCallback = provider.callback();
}

// ---------------------------------------------------------------- interactions

async function readBody(req, limit = 64 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error('body too large'), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res, status, type, body, headers = {}) {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

const sendJson = (res, status, value) => send(res, status, 'application/json', `${JSON.stringify(value)}\n`);
const sendHtml = (res, status, html) => send(res, status, 'text/html; charset=utf-8', html);

async function grantConsent(details) {
  const { prompt: { details: missing }, params, session } = details;
  let grant;
  if (details.grantId) {
    grant = await provider.Grant.find(details.grantId);
  } else {
    grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  }
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  const grantId = await grant.save();
  return details.grantId ? {} : { grantId };
}

async function handleInteraction(req, res, uid, action) {
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    sendHtml(res, 400, page('Error - test identity provider', `<h1>Error</h1><p>${esc(err.message)}</p>`));
    return;
  }
  if (details.uid !== uid) {
    sendHtml(res, 400, page('Error - test identity provider', '<h1>Error</h1><p>interaction mismatch</p>'));
    return;
  }
  const promptName = details.prompt.name;

  if (req.method === 'GET' && action === '') {
    if (promptName === 'login') {
      sendHtml(res, 200, loginPage(uid, details.params.client_id));
      return;
    }
    if (promptName === 'consent') {
      const consent = await grantConsent(details);
      await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
      return;
    }
    sendHtml(res, 400, page('Error', `<h1>Error</h1><p>unsupported prompt ${esc(promptName)}</p>`));
    return;
  }

  if (req.method === 'POST' && action === 'login') {
    if (promptName !== 'login') {
      sendHtml(res, 400, page('Error', '<h1>Error</h1><p>not a login prompt</p>'));
      return;
    }
    const form = new URLSearchParams(await readBody(req));
    const login = form.get('login') ?? '';
    const password = form.get('password') ?? '';
    if (!checkPassword(login, password)) {
      sendHtml(res, 401, loginPage(uid, details.params.client_id, { login, error: true }));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    return;
  }

  if (req.method === 'POST' && action === 'abort') {
    await readBody(req);
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
    return;
  }

  sendHtml(res, 405, page('Error', '<h1>Method not allowed</h1>'));
}

// ---------------------------------------------------------------- controls

async function readJson(req) {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  const value = JSON.parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
  return value;
}

function state(issuer) {
  return {
    issuer,
    kids: signingKeys.map((k) => k.kid),
    skew_seconds: skewSeconds,
    id_token_ttl_seconds: idTokenTtl,
    id_token_audience: idTokenAudience,
  };
}

async function handleControl(req, res, name, issuer) {
  if (name === 'state' && req.method === 'GET') {
    sendJson(res, 200, state(issuer));
    return;
  }
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: 'method not allowed' });
    return;
  }
  let body;
  try {
    body = await readJson(req);
  } catch (err) {
    sendJson(res, 400, { error: err.message });
    return;
  }
  if (name === 'rotate') {
    const key = newSigningKey();
    signingKeys = body.keep_previous ? [key, ...signingKeys] : [key];
    // Sessions, grants and codes live in SharedMemoryAdapter's store, so a fresh
    // Provider with the new keystore keeps them.
    installProvider(issuer);
    process.stderr.write(`idp: rotated signing key, now ${signingKeys.map((k) => k.kid).join(', ')}\n`);
    sendJson(res, 200, { kid: key.kid, ...state(issuer) });
    return;
  }
  if (name === 'clock') {
    if (body.skew_seconds !== undefined) {
      if (!Number.isSafeInteger(body.skew_seconds)) {
        sendJson(res, 400, { error: 'skew_seconds must be an integer' });
        return;
      }
      skewSeconds = body.skew_seconds;
    }
    if (body.id_token_ttl_seconds !== undefined) {
      if (!Number.isSafeInteger(body.id_token_ttl_seconds) || body.id_token_ttl_seconds < 1) {
        sendJson(res, 400, { error: 'id_token_ttl_seconds must be an integer >= 1' });
        return;
      }
      idTokenTtl = body.id_token_ttl_seconds;
    }
    process.stderr.write(`idp: clock skew ${skewSeconds}s, id token ttl ${idTokenTtl}s\n`);
    sendJson(res, 200, state(issuer));
    return;
  }
  if (name === 'groups') {
    const user = typeof body.user === 'string' && Object.hasOwn(USERS, body.user) ? USERS[body.user] : undefined;
    if (!user || !Array.isArray(body.groups) || !body.groups.every((g) => typeof g === 'string')) {
      sendJson(res, 400, { error: 'expected {"user": a known user, "groups": [strings]}' });
      return;
    }
    user.groups = [...body.groups];
    process.stderr.write(`idp: ${body.user} now in ${JSON.stringify(user.groups)}\n`);
    sendJson(res, 200, { user: body.user, groups: user.groups });
    return;
  }
  if (name === 'audience') {
    const audience = body.id_token_audience ?? null;
    if (audience !== null && (typeof audience !== 'string' || audience === '')) {
      sendJson(res, 400, { error: 'id_token_audience must be a non-empty string or null' });
      return;
    }
    idTokenAudience = audience;
    process.stderr.write(`idp: id token audience ${audience ?? '(the client)'}\n`);
    sendJson(res, 200, state(issuer));
    return;
  }
  sendJson(res, 404, { error: 'unknown control' });
}

// ---------------------------------------------------------------- server

const port = intFromEnv('IDP_PORT', 0);
if (port < 0 || port > 65535) fail('IDP_PORT must be 0..65535');

let issuer;

const server = http.createServer(async (req, res) => {
  if (DEBUG) process.stderr.write(`idp: ${req.method} ${req.url}\n`);
  try {
    const { pathname } = new URL(req.url, 'http://127.0.0.1');
    let m = /^\/_control\/([a-z]+)$/.exec(pathname);
    if (m) {
      await handleControl(req, res, m[1], issuer);
      return;
    }
    m = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/.exec(pathname);
    if (m) {
      await handleInteraction(req, res, m[1], m[2] ?? '');
      return;
    }
    if (!providerCallback) {
      send(res, 503, 'text/plain', 'starting\n');
      return;
    }
    providerCallback(req, res);
  } catch (err) {
    process.stderr.write(`idp: error handling ${req.method} ${req.url}: ${err.stack || err}\n`);
    if (!res.headersSent) sendHtml(res, err.status || 500, page('Error', `<h1>Error</h1><p>${esc(err.message)}</p>`));
    else res.destroy();
  }
});

server.on('error', (err) => fail(`server error: ${err.message}`));

server.listen(port, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  installProvider(issuer);
  process.stdout.write(`listening ${issuer}\n`);
});

function shutdown(signal) {
  process.stderr.write(`idp: ${signal}, shutting down\n`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
