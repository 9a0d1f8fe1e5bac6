#!/usr/bin/env node
// Self-test for the test OpenID provider in idp.mjs: starts it as a child process
// (as the Rust harness and Playwright do), drives it over plain HTTP with fetch and
// a tiny cookie jar, and checks discovery, JWKS, the authorization code flow with
// PKCE, wrong passwords, cancel, code replay, key rotation, the clock control (an already
// expired ID token) and RP-initiated logout. Needs only Node and `npm install`.
//
// Run: node end2end/oidc-idp/selftest.mjs     (ends with "N passed, N failed")

import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import * as readline from 'node:readline';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENT = { id: 'rp', secret: 'rp-secret-0123456789abcdef', redirect: 'http://127.0.0.1:9/cb', postLogout: 'http://127.0.0.1:9/bye' };

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ''}`);
  }
}

// ------------------------------------------------------------ start the provider

const child = spawn(process.execPath, [path.join(here, 'idp.mjs')], {
  env: {
    ...process.env,
    IDP_PORT: '0',
    IDP_CLIENTS: JSON.stringify([{
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
      redirect_uris: [CLIENT.redirect],
      post_logout_redirect_uris: [CLIENT.postLogout],
    }]),
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let stderr = '';
child.stderr.on('data', (d) => { stderr += d; });
const firstLine = await Promise.race([
  new Promise((resolve) => readline.createInterface({ input: child.stdout }).once('line', resolve)),
  new Promise((_, reject) => setTimeout(() => reject(new Error(`no listening line; stderr:\n${stderr}`)), 10000)),
]);
const m = /^listening (http:\/\/127\.0\.0\.1:(\d+))$/.exec(firstLine);
check('prints "listening http://127.0.0.1:<port>"', m, firstLine);
const ISSUER = m[1];

// ------------------------------------------------------------ helpers

class Jar {
  cookies = new Map();

  store(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v] = a.split('=');
        return k.trim().toLowerCase() === 'expires' && Date.parse(v) <= Date.now();
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

async function req(jar, url, init = {}) {
  const res = await fetch(new URL(url, ISSUER), {
    redirect: 'manual',
    ...init,
    headers: { ...(init.headers || {}), cookie: jar.header() },
  });
  jar.store(res);
  return res;
}

// Follows redirects on the provider; stops at the client's URIs or a non-redirect.
async function follow(jar, res) {
  while (res.status >= 300 && res.status < 400) {
    const loc = new URL(res.headers.get('location'), ISSUER);
    if (!loc.href.startsWith(ISSUER)) return { res, location: loc };
    res = await req(jar, loc.href);
  }
  return { res, location: null };
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function authUrl({ nonce, state, challenge, scope = 'openid email profile groups' }) {
  const u = new URL('/auth', ISSUER);
  u.search = new URLSearchParams({
    client_id: CLIENT.id,
    redirect_uri: CLIENT.redirect,
    response_type: 'code',
    scope,
    state,
    nonce,
    ...(challenge ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
  });
  return u.href;
}

// Runs /auth -> login form -> POST credentials -> consent (automatic) -> redirect.
async function login(jar, user, password) {
  const verifier = b64url(crypto.randomBytes(32));
  const challenge = b64url(crypto.createHash('sha256').update(verifier).digest());
  const nonce = b64url(crypto.randomBytes(12));
  const state = b64url(crypto.randomBytes(12));
  let { res, location } = await follow(jar, await req(jar, authUrl({ nonce, state, challenge })));
  if (location) return { location, verifier, nonce, state, skippedLogin: true };
  const html = await res.text();
  const action = /<form method="post" action="([^"]+\/login)"/.exec(html)?.[1];
  const body = new URLSearchParams({ login: user, password });
  res = await req(jar, action, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  if (res.status === 401) return { rejected: true, html: await res.text(), action };
  ({ res, location } = await follow(jar, res));
  return { loginHtml: html, location, verifier, nonce, state };
}

async function token(code, verifier, { post = false } = {}) {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CLIENT.redirect, code_verifier: verifier });
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (post) {
    body.set('client_id', CLIENT.id);
    body.set('client_secret', CLIENT.secret);
  } else {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT.id)}:${encodeURIComponent(CLIENT.secret)}`).toString('base64')}`;
  }
  const res = await fetch(new URL('/token', ISSUER), { method: 'POST', body, headers });
  return { status: res.status, json: await res.json() };
}

async function jwks() {
  return (await (await fetch(new URL('/jwks', ISSUER))).json()).keys;
}

async function verifyJwt(jwt) {
  const [h, p, s] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  const jwk = (await jwks()).find((k) => k.kid === header.kid);
  const ok = !!jwk && crypto.verify('RSA-SHA256', Buffer.from(`${h}.${p}`), crypto.createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  return { header, payload, signatureOk: ok };
}

const control = async (name, body) => (await fetch(new URL(`/_control/${name}`, ISSUER), {
  method: 'POST', body: JSON.stringify(body ?? {}), headers: { 'content-type': 'application/json' },
})).json();

// ------------------------------------------------------------ checks

try {
  const disco = await (await fetch(new URL('/.well-known/openid-configuration', ISSUER))).json();
  check('discovery issuer is the http URL', disco.issuer === ISSUER, disco.issuer);
  check('discovery has end_session_endpoint', disco.end_session_endpoint === `${ISSUER}/session/end`);
  check('discovery: PKCE S256 only', JSON.stringify(disco.code_challenge_methods_supported) === '["S256"]');
  check('discovery: groups scope and claim', disco.scopes_supported.includes('groups') && disco.claims_supported.includes('groups'));
  check('discovery: RS256', disco.id_token_signing_alg_values_supported.includes('RS256'));

  const keys0 = await jwks();
  check('jwks has one RS256 key', keys0.length === 1 && keys0[0].alg === 'RS256' && keys0[0].kty === 'RSA' && !keys0[0].d);

  // Missing PKCE is refused.
  {
    const jar = new Jar();
    const res = await req(jar, authUrl({ nonce: 'n', state: 's' }));
    const loc = new URL(res.headers.get('location') || '/', ISSUER);
    check('authorization request without PKCE refused', loc.href.startsWith(CLIENT.redirect) && loc.searchParams.get('error') === 'invalid_request', loc.href);
  }

  // Wrong password.
  {
    const jar = new Jar();
    const r = await login(jar, 'alice', 'wrong');
    check('wrong password refused with the form again', r.rejected && /role="alert" id="error">Invalid username or password/.test(r.html) && /name="password"/.test(r.html), JSON.stringify(r).slice(0, 200));
    const r2 = await login(new Jar(), 'mallory', 'alice-pass');
    check('unknown user refused', r2.rejected);
  }

  // Alice, client_secret_basic.
  const aliceJar = new Jar();
  let aliceIdToken;
  {
    const r = await login(aliceJar, 'alice', 'alice-pass');
    check('login form has fields login/password and "Sign in"', /<input id="login" name="login"/.test(r.loginHtml) && /<input id="password" name="password" type="password"/.test(r.loginHtml) && />Sign in<\/button>/.test(r.loginHtml));
    const code = r.location?.searchParams.get('code');
    check('alice gets redirected with code and state', r.location?.href.startsWith(CLIENT.redirect) && code && r.location.searchParams.get('state') === r.state, r.location?.href);
    check('redirect carries iss', r.location?.searchParams.get('iss') === ISSUER);
    const bad = await token(code, b64url(crypto.randomBytes(32)));
    check('wrong code_verifier refused (invalid_grant)', bad.status === 400 && bad.json.error === 'invalid_grant', JSON.stringify(bad.json));
    const r2 = await login(aliceJar, 'alice', 'alice-pass');
    check('second /auth reuses the session (no login form)', r2.skippedLogin === true);
    const code2 = r2.location.searchParams.get('code');
    const t = await token(code2, r2.verifier);
    check('token endpoint (client_secret_basic) returns id_token', t.status === 200 && typeof t.json.id_token === 'string', JSON.stringify(t.json));
    aliceIdToken = t.json.id_token;
    const { header, payload, signatureOk } = await verifyJwt(t.json.id_token);
    check('id_token RS256 signed by a JWKS key', header.alg === 'RS256' && signatureOk && header.kid === keys0[0].kid);
    check('id_token iss/aud/sub/nonce', payload.iss === ISSUER && payload.aud === CLIENT.id && payload.sub === 'alice' && payload.nonce === r2.nonce, JSON.stringify(payload));
    check('id_token groups ["td-admins"]', JSON.stringify(payload.groups) === '["td-admins"]', JSON.stringify(payload));
    check('id_token email and name', payload.email === 'alice@example.com' && payload.name === 'Alice');
    const now = Math.floor(Date.now() / 1000);
    check('id_token exp ~ now + 3600', Math.abs(payload.exp - now - 3600) < 10 && Math.abs(payload.iat - now) < 10);
    const replay = await token(code2, r2.verifier);
    check('code replay refused (invalid_grant)', replay.status === 400 && replay.json.error === 'invalid_grant', JSON.stringify(replay.json));
  }

  // Cancel on the login page.
  {
    const jar = new Jar();
    const res = await follow(jar, await req(jar, authUrl({ nonce: 'n', state: 'cancel', challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' })));
    const action = /<form method="post" action="([^"]+\/abort)"/.exec(await res.res.text())?.[1];
    const { location } = await follow(jar, await req(jar, action, { method: 'POST' }));
    check('"Cancel" ends the flow with access_denied', location?.searchParams.get('error') === 'access_denied' && location.searchParams.get('state') === 'cancel', location?.href);
  }

  // Bob via client_secret_post.
  {
    const r = await login(new Jar(), 'bob', 'bob-pass');
    const t = await token(r.location.searchParams.get('code'), r.verifier, { post: true });
    const { payload } = await verifyJwt(t.json.id_token);
    check('bob via client_secret_post, groups ["td-viewers"]', t.status === 200 && JSON.stringify(payload.groups) === '["td-viewers"]', JSON.stringify(t.json));
  }

  // Key rotation.
  {
    const out = await control('rotate');
    const keys1 = await jwks();
    check('rotate: JWKS has only a new kid', keys1.length === 1 && keys1[0].kid === out.kid && out.kid !== keys0[0].kid, JSON.stringify(out));
    const r = await login(new Jar(), 'carol', 'carol-pass');
    const t = await token(r.location.searchParams.get('code'), r.verifier);
    const { header, payload, signatureOk } = await verifyJwt(t.json.id_token);
    check('after rotate: id_token signed with the new kid', header.kid === out.kid && signatureOk && JSON.stringify(payload.groups) === '["other"]');
    const out2 = await control('rotate', { keep_previous: true });
    const keys2 = await jwks();
    check('rotate keep_previous publishes both', keys2.length === 2 && keys2[0].kid === out2.kid && keys2[1].kid === out.kid);
  }

  // Expired ID token via the clock control.
  {
    const st = await control('clock', { skew_seconds: -600, id_token_ttl_seconds: 60 });
    check('clock control answers state', st.skew_seconds === -600 && st.id_token_ttl_seconds === 60, JSON.stringify(st));
    const r = await login(new Jar(), 'alice', 'alice-pass');
    const t = await token(r.location?.searchParams.get('code'), r.verifier);
    const { payload } = await verifyJwt(t.json.id_token ?? 'a.e30.a');
    const now = Math.floor(Date.now() / 1000);
    check('skewed clock issues an already-expired id_token', payload.exp < now - 500 && payload.exp > now - 580, `exp-now=${payload.exp - now}`);
    await control('clock', { skew_seconds: 0, id_token_ttl_seconds: 3600 });
  }

  // A user moved between groups.
  {
    const out = await control('groups', { user: 'bob', groups: ['td-admins'] });
    check('groups control answers the new groups', JSON.stringify(out.groups) === '["td-admins"]', JSON.stringify(out));
    const r = await login(new Jar(), 'bob', 'bob-pass');
    const t = await token(r.location.searchParams.get('code'), r.verifier);
    const { payload } = await verifyJwt(t.json.id_token);
    check('groups control: the next id_token carries them', JSON.stringify(payload.groups) === '["td-admins"]', JSON.stringify(payload));
    await control('groups', { user: 'bob', groups: ['td-viewers'] });
  }

  // Another audience via the audience control: still signed by the provider's key.
  {
    const st = await control('audience', { id_token_audience: 'other-app' });
    check('audience control answers state', st.id_token_audience === 'other-app', JSON.stringify(st));
    const r = await login(new Jar(), 'alice', 'alice-pass');
    const t = await token(r.location.searchParams.get('code'), r.verifier);
    const { payload, signatureOk } = await verifyJwt(t.json.id_token);
    check('audience control: id_token for other-app, validly signed', payload.aud === 'other-app' && signatureOk, JSON.stringify(payload));
    await control('audience', { id_token_audience: null });
    const r2 = await login(new Jar(), 'alice', 'alice-pass');
    const t2 = await token(r2.location.searchParams.get('code'), r2.verifier);
    const { payload: back } = await verifyJwt(t2.json.id_token);
    check('audience control reset: id_token for the client again', back.aud === CLIENT.id, JSON.stringify(back));
  }

  // RP-initiated logout.
  {
    const endUrl = (params) => {
      const u = new URL('/session/end', ISSUER);
      u.search = new URLSearchParams(params);
      return u.href;
    };
    // aliceIdToken was signed with the first key, rotated away since.
    let res = await req(aliceJar, endUrl({ id_token_hint: aliceIdToken, post_logout_redirect_uri: CLIENT.postLogout }));
    check('end_session refuses a hint signed by a rotated-away key', res.status === 400);
    await res.text();
    // A fresh ID token for the same browser session (no password asked again).
    const r = await login(aliceJar, 'alice', 'alice-pass');
    const hint = (await token(r.location.searchParams.get('code'), r.verifier)).json.id_token;
    res = await req(aliceJar, endUrl({ id_token_hint: hint, post_logout_redirect_uri: CLIENT.postLogout, state: 'bye-state' }));
    const html = await res.text();
    check('logout page has "Yes, sign me out" and "No, stay signed in"', res.status === 200 && />Yes, sign me out<\/button>/.test(html) && />No, stay signed in<\/button>/.test(html), `${res.status} ${html.slice(0, 300)}`);
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(html)?.[1];
    check('logout form posts to /session/end/confirm', action === `${ISSUER}/session/end/confirm`, action);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    res = await req(aliceJar, action, { method: 'POST', body: new URLSearchParams({ xsrf, logout: 'yes' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const { location } = await follow(aliceJar, res);
    check('logout redirects to post_logout_redirect_uri with state', location?.href === `${CLIENT.postLogout}?state=bye-state`, location?.href);
    const again = await login(aliceJar, 'alice', 'alice-pass');
    check('after logout, /auth asks for the password again', again.loginHtml && !again.skippedLogin);
    // Without a session there is nothing to confirm: an auto-submitting form.
    res = await req(new Jar(), endUrl({ client_id: CLIENT.id, post_logout_redirect_uri: CLIENT.postLogout }));
    const auto = await res.text();
    check('logout without a session auto-submits', res.status === 200 && /document\.forms\[0\]\.submit\(\)/.test(auto) && /name="logout" value="yes"/.test(auto), auto.slice(0, 400));
  }
} catch (err) {
  check('no exception', false, err.stack);
}

// ------------------------------------------------------------ stop

child.kill('SIGTERM');
const [code, signal] = await once(child, 'exit');
check('SIGTERM: clean exit 0', code === 0, `code=${code} signal=${signal}`);
if (failed) process.stderr.write(`provider stderr:\n${stderr}\n`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
