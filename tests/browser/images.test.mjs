// Screenshots as a reader's browser sees them (issue 15): a guide with
// full-HD and smaller UI screenshots does not move while its images arrive
// late (Chromium's layout-shift entries sum to exactly 0, and the same page
// without width/height does shift, so the measure can fail); on a phone the
// srcset picks the 800-px WebP variant and never fetches the original, on a
// 2x desktop a larger one; each image links to its full-size original; axe-core
// and the Nu Html Checker stay clean on the page and the embed. The PNGs are
// drawn here (UI-like: bars, panels, lines of text-like strokes).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { artifacts, axeViolations, build, htmlErrors, newPage, serve, work, wrapEmbed } from './harness.mjs';

/** How long the delaying server holds every image back. */
const imageDelayMs = 1500;
/** The longest wait for a page or an element: a missing one fails in seconds, not Playwright's 30. */
const timeout = 10_000;

/** The guide's screenshots: file name, size, seed of its drawing. */
const screenshots = [
  { file: 'members.png', width: 1920, height: 1080, seed: 1 },
  { file: 'invite.png', width: 1200, height: 700, seed: 2 },
  { file: 'role.png', width: 1920, height: 1080, seed: 3 },
  { file: 'confirm.png', width: 1200, height: 700, seed: 4 },
];

const guide = `---
source: shots
title: Screenshots access
platform: Screenshots
summary: Invite the agency's reporting user as an Analyst, step by step with screenshots.
access:
  grantee: data_extract@annalect-data.info
  role: Analyst
---
Every step below shows the screen you should see.

## Invite the reporting user

1. Open **Settings** and then **Members**.

   ![The Members page, with the Invite button at the top right](shots/members.png)

   The page lists everyone who can see the ad account.

2. Click **Invite** and enter data_extract@annalect-data.info in the **E-mail** field.

   ![The Invite dialog with the e-mail field filled in](shots/invite.png)

   The address must be typed exactly; copy it from this page.

3. Choose **Analyst** as the role and click **Send**.

   ![The role menu open on Analyst](shots/role.png)

   Analyst can read reports and change nothing.

## Check the invitation

![The Members page showing the pending invitation](shots/confirm.png)

The invitation shows as pending until it is accepted, usually within the hour.
`;

let dist;
/** The built site, served as built. */
let site;
/** The same, with every image response held back `imageDelayMs`. */
let slow;
let slowServer;

before(async () => {
  const root = path.join(work, 'images-src');
  fs.mkdirSync(path.join(root, 'content', 'shots'), { recursive: true });
  fs.writeFileSync(path.join(root, 'content', 'shots.md'), guide);
  for (const s of screenshots) fs.writeFileSync(path.join(root, 'content', 'shots', s.file), screenshotPng(s));
  dist = build('images', { root });
  site = await serve({ '/': dist, '/control/': writeUnsizedControl(dist), '/host/': writeHost(dist) });
  slowServer = await delayImages(site.base, imageDelayMs);
  slow = { base: `http://127.0.0.1:${slowServer.address().port}` };
});

after(() => {
  slowServer?.closeAllConnections();
  slowServer?.close();
});

// ---------------------------------------------------------------------------
// A tiny PNG encoder and UI-like drawings.

/** An 8-bit RGB PNG of `rgb` (width × height × 3 bytes), filter 0 on every row. */
function encodePng(width, height, rgb) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) rgb.copy(raw, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, filter 0, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A deterministic pseudo-random generator (mulberry32), so every run draws the same pictures. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A screenshot of an imaginary admin UI: top bar, sidebar menu, cards of text lines, a button. */
function screenshotPng({ width, height, seed }) {
  const rgb = Buffer.alloc(width * height * 3);
  const next = random(seed);
  const fill = (x0, y0, w, h, [r, g, b]) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++) {
      for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) rgb.set([r, g, b], (y * width + x) * 3);
    }
  };
  /** A line of "text": words of glyph-like 1-px strokes, 11 px tall. */
  const text = (x0, y0, maxWidth, colour) => {
    let x = x0;
    while (x < x0 + maxWidth - 60) {
      const letters = 2 + Math.floor(next() * 8);
      for (let i = 0; i < letters; i++) {
        fill(x, y0 + (next() < 0.3 ? 0 : 3), 1, next() < 0.3 ? 11 : 8, colour);
        fill(x + 1, y0 + 3, 4, 1, colour);
        if (next() < 0.5) fill(x + 1, y0 + 10, 4, 1, colour);
        fill(x + 5, y0 + 3, 1, 8, colour);
        x += 8;
      }
      x += 6;
    }
  };
  const accent = [[37, 99, 235], [219, 39, 119], [5, 150, 105], [217, 119, 6]][seed % 4];
  fill(0, 0, width, height, [243, 244, 246]);
  fill(0, 0, width, 56, [17, 24, 39]);
  text(24, 22, 260, [255, 255, 255]);
  const sidebar = Math.round(width / 8);
  fill(0, 56, sidebar, height - 56, [255, 255, 255]);
  for (let y = 90; y < height - 40; y += 40) text(20, y, sidebar - 20, [55, 65, 81]);
  for (let card = 0, y = 88; y < height - 120; card++) {
    const h = 100 + Math.floor(next() * 160);
    fill(sidebar + 32, y, width - sidebar - 64, Math.min(h, height - y - 32), [255, 255, 255]);
    text(sidebar + 56, y + 20, 420, [17, 24, 39]);
    for (let line = y + 52; line < y + h - 24 && line < height - 56; line += 22) text(sidebar + 56, line, width - sidebar - 140, [75, 85, 99]);
    if (card === 0) fill(width - 200, y + 16, 120, 36, accent);
    y += h + 24;
  }
  return encodePng(width, height, rgb);
}

// ---------------------------------------------------------------------------
// Servers and pages.

/** A loopback proxy in front of `upstream` that holds every image response back `ms`; HTML and CSS come at once. */
async function delayImages(upstream, ms) {
  const server = http.createServer((req, res) => {
    const forward = () => http.get(`${upstream}${req.url}`, (reply) => {
      res.writeHead(reply.statusCode, reply.headers);
      reply.pipe(res);
    }).on('error', () => res.writeHead(502).end());
    if (/\.(png|webp|jpe?g|gif)$/i.test(new URL(req.url, upstream).pathname)) setTimeout(forward, ms);
    else forward();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** The control: the guide page as built, but its images without width and height. */
function writeUnsizedControl(out) {
  const html = fs.readFileSync(path.join(out, 'shots', 'index.html'), 'utf8');
  const unsized = html.replace(/<img\b[^>]*>/g, (img) => img.replace(/ (width|height)="\d+"/g, ''));
  const dir = path.join(work, 'images-control');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), unsized);
  return dir;
}

/** The embed in the smallest host document, as the portal would show it. */
function writeHost(out) {
  const dir = path.join(work, 'images-host');
  fs.mkdirSync(dir, { recursive: true });
  return path.dirname(wrapEmbed(fs.readFileSync(path.join(out, 'embed', 'shots.html'), 'utf8'), path.join(dir, 'index.html')));
}

/** Sums Chromium's layout-shift entries from the first paint on (installed before navigation). */
function recordLayoutShifts() {
  window.layoutShift = { total: 0, entries: [] };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      window.layoutShift.total += entry.value;
      window.layoutShift.entries.push({
        value: entry.value,
        moved: entry.sources.map((s) => `${s.node?.nodeName ?? '?'} ${s.previousRect.y}→${s.currentRect.y}`),
      });
    }
  }).observe({ type: 'layout-shift', buffered: true });
}

/**
 * Scrolls down the page a part of a viewport at a time and, at each stop,
 * waits until every image in view has loaded, so each lazy image arrives
 * while what follows it is on screen (where a shift is counted); then waits
 * for all images.
 */
async function scrollThroughImages(page) {
  for (;;) {
    await page.waitForFunction(() => [...document.images].every((img) => {
      const box = img.getBoundingClientRect();
      return img.complete || box.bottom < 0 || box.top > window.innerHeight;
    }));
    const moved = await page.evaluate(() => {
      const before = window.scrollY;
      window.scrollBy(0, Math.round(window.innerHeight * 0.6));
      return window.scrollY !== before;
    });
    if (!moved) break;
  }
  await page.waitForFunction(() => [...document.images].every((img) => img.complete));
  const broken = await page.evaluate(() => [...document.images].filter((img) => img.naturalWidth === 0).map((img) => img.currentSrc));
  assert.deepEqual(broken, [], 'every image loaded');
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** Opens `url` in a fresh page that records layout shifts and every request, and loads all its images. */
async function openLoaded(url, options) {
  const page = await newPage({ timeout, ...options });
  await page.addInitScript(recordLayoutShifts);
  page.requested = [];
  page.on('request', (request) => page.requested.push(new URL(request.url()).pathname));
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  page.imagesPendingAtFirstLayout = await page.evaluate(() => [...document.images].filter((img) => !img.complete).length);
  await scrollThroughImages(page);
  return page;
}

const layoutShift = (page) => page.evaluate(() => window.layoutShift);

/** Each guide image's src, srcset and the source the browser chose. */
const imagesOf = (page) => page.$$eval('.guidesite-body img', (imgs) => imgs.map((img) => ({
  src: new URL(img.getAttribute('src'), location.href).pathname,
  srcset: img.getAttribute('srcset'),
  current: new URL(img.currentSrc).pathname,
})));

// ---------------------------------------------------------------------------

test('images arriving 1.5 s late shift nothing (layout shift exactly 0); the same page without width/height does shift', async (t) => {
  const measure = async (url, viewport) => {
    const page = await openLoaded(url, viewport);
    const shifts = await layoutShift(page);
    assert.equal(page.imagesPendingAtFirstLayout, screenshots.length, `${url}: the page was laid out before any image arrived`);
    assert.deepEqual(page.problems, []);
    await page.close();
    return shifts;
  };
  const control = await measure(`${slow.base}/control/`, { width: 1280, height: 900 });
  t.diagnostic(`layout shift without width/height: ${control.total}`);
  assert.ok(control.total > 0, `the control without width/height must shift, or the measure proves nothing: ${JSON.stringify(control)}`);
  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const shifts = await measure(`${slow.base}/shots/`, viewport);
    assert.equal(shifts.total, 0, `at ${viewport.width} px, layout shifts while images loaded: ${JSON.stringify(shifts.entries)}`);
  }
});

test('on a 390-px phone at 1x every large screenshot is its 800w WebP variant, and no original is fetched', async () => {
  const page = await openLoaded(`${site.base}/shots/`, { width: 390, height: 844, deviceScaleFactor: 1 });
  const images = await imagesOf(page);
  assert.equal(images.length, screenshots.length);
  for (const img of images) {
    assert.ok(img.srcset, `${img.src} has a srcset`);
    const stem = img.src.replace(/\.png$/, '');
    assert.match(img.current, new RegExp(`^${stem}\\.[0-9a-f]{12}\\.800w\\.webp$`), `${img.src} shows its own 800w variant`);
    assert.ok(!page.requested.includes(img.src), `${img.src}: the original was not fetched (${page.requested.join(', ')})`);
  }
  await page.screenshot({ path: path.join(artifacts, 'images-guide-390.png'), fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('on a 1280-px desktop at 2x a larger candidate than 800w is chosen (1600w or the original)', async () => {
  const page = await openLoaded(`${site.base}/shots/`, { width: 1280, height: 900, deviceScaleFactor: 2 });
  const images = await imagesOf(page);
  assert.equal(images.length, screenshots.length);
  for (const img of images) {
    assert.ok(img.srcset, `${img.src} has a srcset`);
    assert.ok(/\.1600w\.webp$/.test(img.current) || img.current === img.src, `${img.src} shows ${img.current}`);
  }
  await page.screenshot({ path: path.join(artifacts, 'images-guide-1280.png'), fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('every image URL in the page and the embed (src, srcset, full-size link) names a file in the output', () => {
  const attribute = (tag, name) => tag.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1];
  const fileOf = (url) => path.join(dist, decodeURIComponent(new URL(url, 'http://127.0.0.1/').pathname));
  for (const file of [path.join('shots', 'index.html'), path.join('embed', 'shots.html')]) {
    const html = fs.readFileSync(path.join(dist, file), 'utf8');
    const images = [...html.matchAll(/<a class="guidesite-zoom" href="([^"]+)"><img\b[^>]*>/g)];
    assert.equal(images.length, screenshots.length, `${file}: each screenshot is an image in a full-size link`);
    for (const [[tag, href], shot] of images.map((m, i) => [[m[0], m[1]], screenshots[i]])) {
      const src = attribute(tag, 'src');
      const candidates = (attribute(tag, 'srcset') ?? '').split(',').filter(Boolean).map((c) => c.trim().split(/\s+/));
      const widths = [800, 1600].filter((w) => w < shot.width).concat(shot.width);
      assert.deepEqual(candidates.map(([, w]) => w), widths.map((w) => `${w}w`), `${file}: ${shot.file}'s srcset widths`);
      assert.equal(href, src, `${file}: ${shot.file} links to its original`);
      const urls = [src, ...candidates.map(([url]) => url)];
      assert.match(src, new RegExp(`/shots/${shot.file}$`));
      assert.deepEqual(urls.filter((url) => !fs.existsSync(fileOf(url))), [], `${file} names files that are not in the output`);
    }
  }
});

test('clicking a screenshot opens its full-size original', async () => {
  const page = await newPage({ width: 1280, height: 900, timeout });
  await page.goto(`${site.base}/shots/`, { waitUntil: 'load' });
  const zoom = page.locator('a.guidesite-zoom').nth(1);
  const href = await zoom.getAttribute('href');
  assert.match(href, /\/shots\/invite\.png$/);
  await zoom.scrollIntoViewIfNeeded();
  const opened = page.waitForResponse((r) => r.request().isNavigationRequest() && r.url().endsWith('/shots/invite.png'));
  await zoom.click();
  const response = await opened;
  await page.waitForURL((url) => url.pathname === '/shots/invite.png');
  assert.equal(response.headers()['content-type'], 'image/png');
  const size = await page.evaluate(() => ({ width: document.images[0]?.naturalWidth, height: document.images[0]?.naturalHeight }));
  assert.deepEqual(size, { width: 1200, height: 700 });
  await page.close();
});

test('the image guide and its embed have no critical or serious accessibility violations (axe-core) and are valid HTML (Nu Html Checker)', async () => {
  for (const url of ['/shots/', '/host/']) {
    const page = await newPage({ width: 390, height: 844, timeout });
    await page.goto(`${site.base}${url}`, { waitUntil: 'load' });
    assert.equal(await page.locator('a.guidesite-zoom img[srcset]').count(), screenshots.length, `${url}: linked, responsive images`);
    assert.deepEqual(await axeViolations(page), [], url);
    await page.close();
  }
  assert.deepEqual(htmlErrors([path.join(dist, 'shots', 'index.html'), path.join(work, 'images-host', 'index.html')]), []);
});
