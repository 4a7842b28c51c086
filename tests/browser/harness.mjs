// What every browser test file shares: the guidesite binary, Debian's
// headless Chromium, temporary sites and loopback servers. Importing this
// module registers the hooks that launch the browser before the file's tests
// and clean up after them (node runs each test file in its own process).

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const require = createRequire(import.meta.url);
export const repo = path.resolve(import.meta.dirname, '..', '..');
export const binary = process.env.GUIDESITE_BIN ?? path.join(repo, 'target', 'debug', 'guidesite');
export const artifacts = path.join(repo, 'target', 'browser-artifacts');
export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
/**
 * Flags for every Chromium the tests start (each with a fresh temporary
 * profile): no network beyond loopback: every other name fails at once
 * instead of waiting on a resolver (an offline CI machine's can take a minute
 * per name).
 */
export const chromiumArgs = ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

export const work = fs.mkdtempSync(path.join(os.tmpdir(), 'guidesite-browser-'));
let browser;
/** Every test server still listening: a failed test's is closed after all, so node can exit. */
const servers = new Set();

before(async () => {
  if (!fs.existsSync(binary)) execFileSync('cargo', ['build', '--quiet'], { cwd: repo, stdio: 'inherit' });
  fs.mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
});

after(async () => {
  await Promise.all([...servers].map((close) => close()));
  await browser?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Builds the site at `root` (default: the repository) into a fresh folder. */
export function build(name, { root = repo, siteYaml, guides = {} } = {}) {
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

const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.svg': 'image/svg+xml', '.js': 'text/javascript', '.json': 'application/json', '.xml': 'application/xml', '.png': 'image/png', '.webp': 'image/webp' };

/** Serves `mounts` ({ '/': dir, '/portal/': dir }; more via `mount`) and records POSTs to /onboard. */
export async function serve(mounts) {
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

/**
 * A page that records console errors and uncaught exceptions. Waits are
 * bounded by `timeout`: a missing element fails the test in seconds, not
 * after Playwright's default 30.
 */
export async function open(url, options) {
  const page = await newPage(options);
  await page.goto(url, { waitUntil: 'networkidle' });
  return page;
}

/**
 * A blank page as `open` makes one, for a test that must listen or add scripts before navigating.
 * Other options go to its browser context (`javaScriptEnabled`, `permissions`, `colorScheme` …).
 */
export async function newPage({ width = 1100, height = 900, deviceScaleFactor = 1, timeout = 30_000, ...context } = {}) {
  const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor, ...context });
  page.setDefaultTimeout(timeout);
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(m.text()); });
  page.on('pageerror', (e) => page.problems.push(e.message));
  return page;
}

/** axe-core's critical and serious violations on `page`, within `context` (a selector; the whole page by default). */
export async function axeViolations(page, context) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const results = await page.evaluate((ctx) => window.axe.run(ctx ?? document), context);
  return results.violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** The Nu Html Checker's errors in `files` (whole HTML documents), as `file:line: message`. */
export function htmlErrors(files) {
  const vnu = require.resolve('vnu-jar/build/dist/vnu.jar');
  const run = spawnSync('java', ['-jar', vnu, '--errors-only', '--format', 'json', ...files], { encoding: 'utf8' });
  const messages = JSON.parse(run.stderr || '{"messages":[]}').messages;
  assert.ok(messages.length > 0 || run.status === 0, `the Nu Html Checker failed: ${run.stderr}`);
  return messages.map((m) => `${path.basename(m.url ?? '')}:${m.lastLine}: ${m.message}`);
}

/** Wraps an embed fragment in the smallest valid document, as the Nu Html Checker needs one. */
export function wrapEmbed(embed, file) {
  fs.writeFileSync(file, `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Embed</title></head><body>\n${embed}\n</body></html>\n`);
  return file;
}
