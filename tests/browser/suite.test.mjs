// A real-browser suite over the session and hybrid examples (issue 14, part 1).
//
// Debian's Chromium (`/usr/bin/chromium`, or CHROMIUM) driven by playwright-core: nothing is
// downloaded at run time. The suite starts the example binaries itself (EXAMPLES_BIN, else
// $CARGO_TARGET_DIR/debug, else target/debug; build them with `cargo build -p examples --bins`)
// on free loopback ports, in memory, and always stops them. A screenshot per step goes into
// target/browser-screenshots/ (or SCREENSHOTS), printed at the end.
//
// Run: `npm test --prefix tests/browser` (node --test). Bounded: every wait has a timeout and
// the whole run is killed after 170 s.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = process.env.EXAMPLES_BIN
  ?? path.join(process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target'), 'debug');
const SHOTS = process.env.SCREENSHOTS ?? path.join(ROOT, 'target', 'browser-screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const STEP_TIMEOUT = 10_000;
const RUN_DEADLINE = 170_000;

const children = new Set();
let browser;
const servers = [];
const checked = [];

// Whatever happens (a failed assertion, a hung wait, Ctrl-C), the examples die with us.
function killAll() {
  for (const child of children) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  children.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => { killAll(); process.exit(130); });
}
const deadline = setTimeout(() => {
  console.error(`browser suite: over ${RUN_DEADLINE / 1000} s, killing everything`);
  killAll();
  process.exit(1);
}, RUN_DEADLINE);
deadline.unref();

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Start example `name` on a free port, in memory; resolves once it listens. */
async function startExample(name, extraEnv = {}) {
  const port = await freePort();
  const exe = path.join(BIN, name);
  assert.ok(fs.existsSync(exe), `${exe} is missing: run cargo build -p examples --bins`);
  const env = { ...process.env, PORT: String(port), RUST_LOG: 'warn', ...extraEnv };
  // In memory: CI exports these for the service tests.
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const child = spawn(exe, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  child.on('exit', () => children.delete(child));
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${log}`);
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() - started > STEP_TIMEOUT) throw new Error(`${name} did not listen on ${port}: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A page on another origin that POSTs to `?target=` with a form (`/form`) or a credentialed
 *  fetch (`/fetch`). Served on 127.0.0.1 and, as `localhost`, on another site. */
async function startOtherOrigin() {
  const port = await freePort();
  const srv = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    const target = JSON.stringify(u.searchParams.get('target') ?? '');
    let body;
    if (u.pathname === '/form') {
      body = `<h1>other origin: form POST</h1><form method="post" action=${target}>
<input name="username" value="mallory"><input name="password" value="x"></form>
<script>document.forms[0].submit()</script>`;
    } else if (u.pathname === '/fetch') {
      body = `<h1>other origin: credentialed fetch</h1><pre id="out">pending</pre><script>
fetch(${target}, { method: 'POST', credentials: 'include', mode: 'no-cors',
  headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=mallory&password=x' })
  .then(r => { document.getElementById('out').textContent = 'done (opaque ' + r.type + ')'; },
        e => { document.getElementById('out').textContent = 'error ' + e; });
</script>`;
    } else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><body>${body}</body></html>`);
  });
  await new Promise((r) => srv.listen(port, '127.0.0.1', r));
  servers.push(srv);
  return port;
}

let shotIndex = 0;
async function shot(page, name) {
  shotIndex += 1;
  const file = path.join(SHOTS, `${String(shotIndex).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: STEP_TIMEOUT });
}

function note(line) {
  checked.push(line);
}

async function newContext() {
  const ctx = await browser.newContext();
  ctx.setDefaultTimeout(STEP_TIMEOUT);
  ctx.setDefaultNavigationTimeout(STEP_TIMEOUT);
  return ctx;
}

async function login(page, base, user, password) {
  await page.goto(`${base}/`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Sign in")')]);
}

async function cookieNamed(ctx, base, name) {
  return (await ctx.cookies(base)).find((c) => c.name === name);
}

/** GET `path` from the page's own origin (a same-origin fetch with its cookie). */
async function getJson(page, url) {
  return fetchJson(page, url, 'GET');
}

/** POST to `path` from the page's own origin, as the page's script would (no GET changes state). */
async function postJson(page, url) {
  return fetchJson(page, url, 'POST');
}

async function fetchJson(page, url, method) {
  return page.evaluate(async ([u, m]) => {
    const r = await fetch(u, { method: m });
    const text = await r.text();
    let body;
    try { body = JSON.parse(text); } catch { body = text; }
    return { status: r.status, body };
  }, [url, method]);
}

before(async () => {
  fs.rmSync(SHOTS, { recursive: true, force: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  // launch() gives every run a fresh temporary profile (its own --user-data-dir).
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  for (const srv of servers) srv.close();
  killAll();
  console.log('\nbrowser suite checked:');
  for (const line of checked) console.log(`  - ${line}`);
  console.log(`screenshots: ${SHOTS} (${fs.readdirSync(SHOTS).length} files)`);
});

test('session example', async (t) => {
  const app = await startExample('session');
  const otherPort = await startOtherOrigin();
  t.after(() => app.stop());
  const base = app.url;

  const ctx = await newContext();
  const page = await ctx.newPage();
  let loggedInCookie;

  await t.test('login through the form: cookie attributes, a new value, invisible to JS', async () => {
    // An anonymous session first (the counter, a POST, writes one), so login has a value to
    // replace.
    await page.goto(`${base}/`);
    const anon = await postJson(page, `${base}/api/counter`);
    assert.equal(anon.status, 200);
    assert.equal(anon.body.subject, null);
    const before = await cookieNamed(ctx, base, 'session');
    assert.ok(before, 'an anonymous session cookie before login');
    await shot(page, 'session-login-form');

    await login(page, base, 'alice', 'wonderland');
    await page.waitForSelector('text=Signed in as alice');
    await shot(page, 'session-signed-in');
    const c = await cookieNamed(ctx, base, 'session');
    assert.ok(c, 'a cookie named "session" after login');
    assert.equal(c.httpOnly, true, 'HttpOnly');
    assert.equal(c.sameSite, 'Lax', 'SameSite=Lax');
    assert.equal(c.path, '/', 'Path=/');
    assert.equal(c.domain, '127.0.0.1', 'host-only');
    assert.notEqual(c.value, before.value, 'a new value at login');
    const visible = await page.evaluate(() => document.cookie);
    assert.ok(!visible.includes('session') && !visible.includes(c.value), `document.cookie is ${JSON.stringify(visible)}`);
    // The pre-login value does not carry the login (fixation).
    const fixation = await newContext();
    await fixation.addCookies([{ ...before }]);
    const fp = await fixation.newPage();
    await fp.goto(`${base}/`);
    const replayed = await postJson(fp, `${base}/api/counter`);
    assert.equal(replayed.body.subject, null);
    await fixation.close();
    loggedInCookie = c;
    note('session: login form sets "session" HttpOnly, SameSite=Lax, Path=/, host-only, a new value at login (the old one stays anonymous), absent from document.cookie');
  });

  await t.test('another origin (same site and cross site): form POST and credentialed fetch refused, state unchanged', async () => {
    const start = await postJson(page, `${base}/api/counter`);
    assert.equal(start.body.subject, 'alice');
    const n = start.body.counter;
    const attacker = await ctx.newPage();
    const refused = [];
    for (const [site, host] of [['same-site', '127.0.0.1'], ['cross-site', 'localhost']]) {
      for (const target of ['/logout-everywhere', '/logout', '/login']) {
        for (const how of ['form', 'fetch']) {
          const url = `${base}${target}`;
          const response = attacker.waitForResponse((r) => r.url() === url && r.request().method() === 'POST');
          await attacker.goto(`http://${host}:${otherPort}/${how}?target=${encodeURIComponent(url)}`);
          const r = await response;
          const headers = await r.request().allHeaders();
          assert.equal(headers['sec-fetch-site'], site, `${how} ${target} from ${host}: Sec-Fetch-Site`);
          assert.equal(r.status(), 403, `${how} POST ${target} from http://${host}:${otherPort} (${site})`);
          if (target === '/logout-everywhere') await shot(attacker, `session-${site}-${how}-refused`);
          refused.push(`${how} ${target} ${site}`);
        }
      }
    }
    await attacker.close();
    const after = await postJson(page, `${base}/api/counter`);
    assert.equal(after.body.subject, 'alice', 'still signed in');
    assert.equal(after.body.counter, n + 1, 'the counter went on from where it was');
    assert.equal((await cookieNamed(ctx, base, 'session')).value, loggedInCookie.value, 'the cookie did not change');
    await page.reload();
    await shot(page, 'session-after-other-origin');
    note(`session: from another port (same site) and from localhost (another site), ${refused.length} POSTs (form and credentialed fetch to /logout-everywhere, /logout, /login) all 403; still alice, counter ${n} -> ${n + 1}, cookie unchanged`);
  });

  await t.test('logout: cookie gone, back shows nothing private, the old cookie is anonymous', async () => {
    const privatePage = await page.goto(`${base}/sessions`);
    const privateCaching = (await privatePage.allHeaders())['cache-control'] ?? '(none)';
    await page.waitForSelector('text=(this one)');
    await shot(page, 'session-devices-before-logout');
    await page.goto(`${base}/`);
    await page.waitForSelector('text=Signed in as alice');
    const old = await cookieNamed(ctx, base, 'session');
    await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Log out")')]);
    await page.waitForSelector('button:has-text("Sign in")');
    await shot(page, 'session-logged-out');
    assert.equal(await cookieNamed(ctx, base, 'session'), undefined, 'the cookie is gone');

    const leaks = [];
    for (const step of ['back to /', 'back to /sessions']) {
      await page.goBack({ waitUntil: 'load' });
      const text = await page.textContent('body');
      await shot(page, `session-${step.replace(/[^a-z]+/g, '-')}`);
      if (/Signed in|this one|Revoke|last active/.test(text)) leaks.push(`${step} (${page.url()}): ${text.slice(0, 80).replace(/\s+/g, ' ')}`);
    }

    const fresh = await newContext();
    await fresh.addCookies([{ ...old }]);
    const fp = await fresh.newPage();
    await fp.goto(`${base}/`);
    await fp.waitForSelector('button:has-text("Sign in")');
    const me = await getJson(fp, `${base}/api/me`);
    assert.equal(me.status, 401, 'the replayed cookie gets a 401 from /api/me');
    await shot(fp, 'session-old-cookie-replayed');
    await fresh.close();
    assert.deepEqual(leaks, [], `the back button shows private content after logout (the signed-in /sessions page was served with Cache-Control: ${privateCaching})`);
    note('session: logout clears the cookie; back (to / and to /sessions) shows nothing private; the old cookie replayed in a fresh context is anonymous (login form, /api/me 401)');
  });
  await ctx.close();

  await t.test('two contexts as one user: revoke one from the other\'s devices page', async () => {
    const a = await newContext();
    const b = await newContext();
    const pa = await a.newPage();
    const pb = await b.newPage();
    await login(pa, base, 'bob', 'builder');
    await login(pb, base, 'bob', 'builder');
    await pb.waitForSelector('text=Signed in as bob');
    await pa.goto(`${base}/sessions`);
    const rows = pa.locator('li');
    assert.equal(await rows.count(), 2, 'two sessions listed');
    for (const text of await rows.allTextContents()) {
      // The browser and address recorded at login, and the last activity in words.
      assert.match(text, /^Chrome on Linux, 127\.0\.0\.1, last active just now/, `a devices row: ${text}`);
    }
    await shot(pa, 'session-devices-two');
    const other = pa.locator('li', { hasNotText: 'this one' });
    await Promise.all([pa.waitForLoadState('load'), other.locator('button:has-text("Revoke")').click()]);
    await pa.waitForSelector('text=(this one)');
    assert.equal(await pa.locator('li').count(), 1, 'one session left');
    await shot(pa, 'session-devices-revoked');
    await pb.reload();
    await pb.waitForSelector('button:has-text("Sign in")');
    assert.ok(!(await pb.textContent('body')).includes('Signed in'));
    await shot(pb, 'session-revoked-context');
    await pa.goto(`${base}/`);
    await pa.waitForSelector('text=Signed in as bob');
    await a.close();
    await b.close();
    note('session: two contexts as bob, the devices page lists 2 ("Chrome on Linux, 127.0.0.1, last active just now"), revoking the other leaves 1; the revoked context is anonymous on its next request, the revoking one still signed in');
  });
});

test('hybrid example: the page\'s bearer token dies with a logout elsewhere', async (t) => {
  const app = await startExample('hybrid');
  t.after(() => app.stop());
  const base = app.url;
  const ctx = await newContext();
  const page = await ctx.newPage();
  await login(page, base, 'alice', 'wonderland');
  await page.waitForSelector('text=Signed in as alice');
  assert.ok(page.url().endsWith('/account'));
  await shot(page, 'hybrid-account');

  // The page's JavaScript gets a token bound to its session (POST /account/token, as the
  // account page's button does) and calls the API with it, no cookie.
  const callApi = () => page.evaluate(async () => {
    const r = await fetch('/api/notes', { credentials: 'omit', headers: { authorization: `Bearer ${window.__token}` } });
    return { status: r.status, challenge: r.headers.get('www-authenticate'), body: await r.text() };
  });
  const issued = await page.evaluate(async () => {
    const r = await fetch('/account/token', { method: 'POST' });
    const body = await r.json();
    window.__token = body.access_token;
    return { status: r.status, type: body.token_type, length: (body.access_token ?? '').length };
  });
  assert.equal(issued.status, 200);
  assert.equal(issued.type, 'Bearer');
  const ok = await callApi();
  assert.equal(ok.status, 200, `bearer call before logout: ${ok.body}`);
  assert.match(ok.body, /buy milk/);
  await page.evaluate((s) => document.body.insertAdjacentHTML('beforeend', `<pre>bearer /api/notes: ${s}</pre>`), ok.status);
  await shot(page, 'hybrid-bearer-ok');

  // Logout elsewhere: another tab of the same browser.
  const other = await ctx.newPage();
  await other.goto(`${base}/`);
  await Promise.all([other.waitForLoadState('load'), other.click('button:has-text("Log out")')]);
  await other.waitForSelector('button:has-text("Sign in")');
  await shot(other, 'hybrid-logged-out-elsewhere');

  const refused = await callApi();
  assert.equal(refused.status, 401, `bearer call after logout: ${refused.body}`);
  assert.match(refused.challenge ?? '', /^Bearer .*invalid_token/);
  await page.evaluate((s) => document.body.insertAdjacentHTML('beforeend', `<pre>after logout elsewhere: ${s}</pre>`), `${refused.status} ${refused.challenge}`);
  await shot(page, 'hybrid-bearer-refused');
  await ctx.close();
  note(`hybrid: the page's JS gets a token from POST /account/token and calls /api/notes with it (200); after a logout in another tab the same call is 401 (${refused.challenge})`);
});

test('production cookie (SECURE_COOKIE=1) on http://localhost', async (t) => {
  const app = await startExample('session', { SECURE_COOKIE: '1' });
  t.after(() => app.stop());
  const base = `http://localhost:${app.port}`;
  const ctx = await newContext();
  const page = await ctx.newPage();
  await login(page, base, 'alice', 'wonderland');
  await page.waitForSelector('text=Signed in as alice');
  await shot(page, 'secure-cookie-signed-in');
  const c = await cookieNamed(ctx, base, '__Host-session');
  assert.ok(c, `__Host-session set; cookies: ${JSON.stringify((await ctx.cookies()).map((x) => x.name))}`);
  assert.equal(c.secure, true, 'Secure');
  assert.equal(c.httpOnly, true, 'HttpOnly');
  assert.equal(c.sameSite, 'Lax');
  assert.equal(c.path, '/');
  assert.equal(c.domain, 'localhost', 'host-only');
  const me = await getJson(page, `${base}/api/me`);
  assert.equal(me.status, 200);
  assert.equal(me.body.subject, 'alice');
  await page.reload();
  await page.waitForSelector('text=counted 0 time');
  await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Count")')]);
  await page.waitForSelector('text=counted 1 time');
  await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Log out")')]);
  await page.waitForSelector('button:has-text("Sign in")');
  assert.equal(await cookieNamed(ctx, base, '__Host-session'), undefined);
  await shot(page, 'secure-cookie-logged-out');
  await ctx.close();
  note('production cookie on http://localhost: __Host-session, Secure, HttpOnly, SameSite=Lax, Path=/, host-only; signed-in pages and /api/me work; logout clears it');
});
