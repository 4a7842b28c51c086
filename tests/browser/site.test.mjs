// The built help site in Debian's headless Chromium: the onboard form, the
// embed inside the example portal, script injection, HTML validity (Nu Html
// Checker) and accessibility (axe-core). Servers listen on 127.0.0.1 only.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const repo = path.resolve(import.meta.dirname, '..', '..');
const binary = process.env.GUIDESITE_BIN ?? path.join(repo, 'target', 'debug', 'guidesite');
const artifacts = path.join(repo, 'target', 'browser-artifacts');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'guidesite-browser-'));
let browser;
/** Every test server still listening: a failed test's is closed after all, so node can exit. */
const servers = new Set();

before(async () => {
  if (!fs.existsSync(binary)) execFileSync('cargo', ['build', '--quiet'], { cwd: repo, stdio: 'inherit' });
  fs.mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    // A fresh temporary profile per launch; no network beyond loopback: every
    // other name fails at once instead of waiting on a resolver (an offline CI
    // machine's can take a minute per name).
    args: ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
});

after(async () => {
  await Promise.all([...servers].map((close) => close()));
  await browser?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Builds the site at `root` (default: the repository) into a fresh folder. */
function build(name, { root = repo, siteYaml, guides = {} } = {}) {
  let siteRoot = root;
  if (siteYaml !== undefined || Object.keys(guides).length > 0) {
    siteRoot = path.join(work, `${name}-site`);
    fs.cpSync(path.join(root, 'content'), path.join(siteRoot, 'content'), { recursive: true });
    if (siteYaml !== undefined) fs.writeFileSync(path.join(siteRoot, 'site.yaml'), siteYaml);
    for (const [file, text] of Object.entries(guides)) fs.writeFileSync(path.join(siteRoot, 'content', file), text);
  }
  const out = path.join(work, `${name}-dist`);
  const run = spawnSync(binary, ['--root', siteRoot, 'build', '--out', out], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return out;
}

const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.svg': 'image/svg+xml', '.js': 'text/javascript', '.json': 'application/json', '.xml': 'application/xml', '.png': 'image/png' };

/** Serves `mounts` ({ '/': dir, '/portal/': dir }; more via `mount`) and records POSTs to /onboard. */
async function serve(mounts) {
  mounts = { ...mounts };
  const posts = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname === '/onboard') {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        posts.push(new URLSearchParams(body));
        // An icon of its own: the browser would otherwise ask for /favicon.ico.
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!DOCTYPE html><link rel="icon" href="data:,"><title>Thanks</title><p>Received.</p>');
      });
      return;
    }
    const prefix = Object.keys(mounts).sort((a, b) => b.length - a.length).find((p) => url.pathname.startsWith(p));
    let file = path.join(mounts[prefix], decodeURIComponent(url.pathname.slice(prefix.length)));
    if (!file.startsWith(mounts[prefix])) return res.writeHead(400).end();
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) return res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const mount = (prefix, dir) => { mounts[prefix] = dir; };
  const close = () => {
    servers.delete(close);
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  servers.add(close);
  return { base, posts, mount, close };
}

/** A page that records console errors and uncaught exceptions. */
async function open(url) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(m.text()); });
  page.on('pageerror', (e) => page.problems.push(e.message));
  await page.goto(url, { waitUntil: 'networkidle' });
  return page;
}

const validity = (page, selector) => page.$eval(selector, (el) => ({ valid: el.checkValidity(), patternMismatch: el.validity?.patternMismatch, valueMissing: el.validity?.valueMissing }));

/** Fills the portal-provided options as the portal does (see examples/portal). */
const providePortalOptions = (page) => page.$$eval('select[data-portal-options]', (selects) => {
  for (const s of selects) s.append(new Option('7012345678901234567', '7012345678901234567'));
});

test('without an endpoint the form links to the portal and the browser validates it', async () => {
  const server = await serve({ '/': build('plain') });
  const page = await open(`${server.base}/tiktok/`);
  const form = 'form.guidesite-form';
  assert.equal(await page.locator(`${form} [type=submit]`).count(), 0, 'no submit button');
  assert.ok(await page.locator(`${form} a[href="https://campaignmapping.annalect.com/"]`).isVisible(), 'a link to the portal');
  assert.equal((await validity(page, form)).valid, false, 'empty required fields make it invalid');
  assert.equal((await validity(page, '[name=source_ids]')).valueMissing, true);
  await page.fill('[name=account_id]', 'abc123');
  assert.equal((await validity(page, '[name=account_id]')).patternMismatch, true);
  await page.fill('[name=account_id]', '12345678');
  assert.equal((await validity(page, '[name=account_id]')).valid, true);
  assert.deepEqual(page.problems, []);
  await page.screenshot({ path: path.join(artifacts, 'guide-page.png'), fullPage: true });
  await page.close();
  await server.close();
});

test('with an endpoint the form refuses bad input and posts what was typed', async () => {
  // The endpoint is the test server's own /onboard, so it must exist before the build.
  const site = await serve({});
  site.mount('/', build('endpoint', { siteYaml: `onboard:\n  endpoint: ${site.base}/onboard\n` }));
  const page = await open(`${site.base}/tiktok/`);
  await providePortalOptions(page);

  const submit = page.locator('form.guidesite-form button[type=submit]');
  await submit.click();
  await page.fill('[name=account_id]', '12ab');
  await page.selectOption('[name=source_ids]', '7012345678901234567');
  await submit.click();
  await page.waitForTimeout(300);
  assert.equal(site.posts.length, 0, 'the browser refused to submit invalid fields');

  await page.fill('[name=account_id]', '123456789');
  await Promise.all([page.waitForURL(/\/onboard$/), submit.click()]);
  assert.equal(site.posts.length, 1);
  const posted = Object.fromEntries(site.posts[0]);
  assert.deepEqual(posted, { source: 'tiktok', source_ids: '7012345678901234567', account_id: '123456789' });
  await page.close();
  await site.close();
});

test('the example portal embeds a guide with its styles and a working form', async () => {
  const site = await serve({ '/portal/': path.join(repo, 'examples', 'portal') });
  site.mount('/', build('portal', { siteYaml: `onboard:\n  endpoint: ${site.base}/onboard\n` }));
  const page = await open(`${site.base}/portal/`);
  await page.getByRole('button', { name: 'TikTok' }).click();
  await page.waitForSelector('#guide .guidesite-guide');
  assert.equal(await page.locator('#guide h1').textContent(), 'TikTok API and Access Integration');
  const styled = await page.$eval('#guide .guidesite-onboard', (el) => getComputedStyle(el).backgroundColor);
  assert.equal(styled, 'rgb(245, 248, 254)', 'the guide stylesheet applies inside the portal');
  const header = await page.$eval('#guide .guidesite-guide-header', (el) => getComputedStyle(el).backgroundColor);
  assert.equal(header, 'rgba(0, 0, 0, 0)', "the portal's own `header` rule does not reach the embed");
  const portalFont = await page.$eval('body > header', (el) => getComputedStyle(el).fontFamily);
  assert.match(portalFont, /Georgia/, 'the portal keeps its own styles');
  assert.equal(await page.locator('#status').textContent(), '', 'the embed matches its manifest hash');

  await page.selectOption('#guide [name=source_ids]', '7098765432109876543');
  await page.fill('#guide [name=account_id]', '1234');
  await page.click('#guide button[type=submit]');
  await page.waitForTimeout(300);
  assert.equal(site.posts.length, 0, 'pattern enforced inside the portal');
  await page.screenshot({ path: path.join(artifacts, 'portal-embed.png'), fullPage: true });
  await page.fill('#guide [name=account_id]', '987654321');
  await Promise.all([page.waitForURL(/\/onboard$/), page.click('#guide button[type=submit]')]);
  assert.deepEqual(Object.fromEntries(site.posts[0]), { source: 'tiktok', source_ids: '7098765432109876543', account_id: '987654321' });
  assert.deepEqual(page.problems, [], 'no console errors');
  await page.close();
  await site.close();
});

const evil = `---
source: evil
title: "<script>window.__pwned = 'title'</script> Evil <b>bold</b>"
platform: "<img src=x onerror=\\"window.__pwned='platform'\\">"
summary: "\\"><svg onload=\\"window.__pwned='summary'\\">"
access:
  grantee: data@agency.example
  role: Analyst
contacts: [ops@agency.example]
onboard:
  portal: https://portal.example.com/
  fields:
    - { name: account_id, label: "<i onmouseover=alert(1)>Id</i>", type: text, required: true, help: "<script>window.__pwned='help'</script>" }
---
## Grant access

1. Invite [data@agency.example](mailto:data@agency.example) as **Analyst**.
2. Visible text stays. <script>window.__pwned = 'body'</script>
3. <img src="https://img.example.invalid/x.png" onerror="window.__pwned = 'img'"> Click [here](javascript:window.__pwned='link').

<a href="javascript:window.__pwned='html-link'" id="evil-link">html link</a>

<iframe src="javascript:window.__pwned='iframe'"></iframe>
`;

/** Clicks whatever `locator` matches now; none is fine (the sanitiser may have removed the link). */
async function clickAll(locator) {
  for (const link of await locator.all()) await link.click({ timeout: 2000 }).catch(() => {});
}

test('script in a guide never runs, on the page or in the portal', async () => {
  const out = build('evil', { guides: { 'evil.md': evil } });
  const site = await serve({ '/': out, '/portal/': path.join(repo, 'examples', 'portal') });
  const page = await open(`${site.base}/evil/`);
  await clickAll(page.locator('a', { hasText: /here|html link/ }));
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  const text = await page.locator('main').innerText();
  assert.match(text, /Visible text stays/);
  assert.match(text, /<script>window.__pwned = 'title'<\/script> Evil <b>bold<\/b>/, 'front matter shown as text');
  await page.close();

  const portal = await open(`${site.base}/portal/`);
  await portal.getByRole('button', { name: /img src=x/ }).click();
  await portal.waitForSelector('#guide .guidesite-guide');
  await clickAll(portal.locator('#guide a', { hasText: 'here' }));
  await portal.waitForTimeout(300);
  assert.equal(await portal.evaluate(() => window.__pwned), undefined);
  await portal.close();
  await site.close();
});

test('every page guidesite writes is valid HTML (Nu Html Checker)', () => {
  const out = build('vnu');
  const embed = fs.readFileSync(path.join(out, 'embed', 'tiktok.html'), 'utf8');
  const wrapped = path.join(work, 'embed-wrapped.html');
  fs.writeFileSync(wrapped, `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Embed</title></head><body>\n${embed}\n</body></html>\n`);
  const files = ['index.html', path.join('tiktok', 'index.html'), '404.html'].map((f) => path.join(out, f)).concat(wrapped);
  const vnu = require.resolve('vnu-jar/build/dist/vnu.jar');
  const run = spawnSync('java', ['-jar', vnu, '--errors-only', '--format', 'json', ...files], { encoding: 'utf8' });
  const messages = JSON.parse(run.stderr || '{"messages":[]}').messages;
  assert.deepEqual(messages.map((m) => `${path.basename(m.url ?? '')}:${m.lastLine}: ${m.message}`), []);
  assert.equal(run.status, 0);
});

test('the guide page has no critical or serious accessibility violations (axe-core)', async () => {
  const site = await serve({ '/': build('axe') });
  for (const url of ['/tiktok/', '/']) {
    const page = await open(`${site.base}${url}`);
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const results = await page.evaluate(() => window.axe.run());
    const bad = results.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious');
    assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), [], url);
    await page.close();
  }
  await site.close();
});
