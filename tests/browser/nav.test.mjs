// Issue 16's navigation on a guide page in Debian's headless Chromium: the
// list of all guides (a sidebar at 1280 px, a menu at 390 px that opens by
// keyboard) loaded from the shared guide-list.html with the current guide
// marked, the table of contents scrolling to its sections, and the page
// clean for axe-core and the Nu Html Checker. Servers listen on 127.0.0.1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, axeViolations, build, htmlErrors, newPage, serve } from './harness.mjs';

/** A guide that passes every offline rule, titled after `platform`. */
const guide = (source, platform, order) => `---
source: ${source}
title: ${platform} access guide
platform: ${platform}
order: ${order}
access:
  grantee: data@agency.test
  role: Analyst
---
## Grant access

1. Open the **Members** page of your ad account.
2. Invite [data@agency.test](mailto:data@agency.test) as a member.
3. Give the member the **Analyst** role.
`;

// The repository's TikTok guide (order 10) between two others.
const out = build('nav', { guides: { 'meta.md': guide('meta', 'Meta', 5), 'snapchat.md': guide('snapchat', 'Snapchat', 20) } });
const listed = ['/meta/', '/tiktok/', '/snapchat/'];

/** The hrefs of the "All guides" list, once the shared list replaced the neighbours. */
async function loadedList(page) {
  const links = page.locator('.guidesite-guides-nav .guidesite-guide-list a');
  await page.waitForFunction((n) => document.querySelectorAll('.guidesite-guides-nav .guidesite-guide-list a').length === n, listed.length);
  return links.evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
}

const current = (page) => page.locator('.guidesite-guides-nav [aria-current="page"]').evaluateAll((as) => as.map((a) => new URL(a.href).pathname));

test('at 1280 px the list of guides is a sidebar beside the guide, the current one marked', async () => {
  const site = await serve({ '/': out });
  const page = await newPage({ width: 1280, height: 900 });
  await page.goto(`${site.base}/tiktok/`, { waitUntil: 'networkidle' });
  assert.equal(await page.locator('.guidesite-guides').evaluate((d) => d.open), true, 'open as a sidebar');
  assert.equal(await page.locator('.guidesite-guides-toggle').isVisible(), false, 'no menu button');
  assert.deepEqual(await loadedList(page), listed);
  assert.deepEqual(await current(page), ['/tiktok/']);
  const sidebar = await page.locator('.guidesite-guides').boundingBox();
  const guide = await page.locator('article.guidesite-guide').boundingBox();
  assert.ok(sidebar.x + sidebar.width <= guide.x, `the sidebar is beside the guide: ${JSON.stringify({ sidebar, guide })}`);
  assert.ok(sidebar.y < 400, 'at the top of the page');
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.problems, []);
  await page.screenshot({ path: path.join(artifacts, 'nav-1280.png') });
  await page.close();
  await site.close();
});

test('at 390 px the list of guides is a menu that opens by keyboard', async () => {
  const site = await serve({ '/': out });
  const page = await newPage({ width: 390, height: 844 });
  await page.goto(`${site.base}/tiktok/`, { waitUntil: 'networkidle' });
  const menu = page.locator('.guidesite-guides');
  assert.equal(await menu.evaluate((d) => d.open), false, 'closed at first');
  assert.equal(await page.locator('.guidesite-guides-nav').isVisible(), false);
  // Tab from the top of the page to the menu's button, then Enter.
  let focused = '';
  for (let i = 0; i < 10 && focused !== 'guidesite-guides-toggle'; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.className ?? '');
  }
  assert.equal(focused, 'guidesite-guides-toggle', 'the menu is reached by Tab');
  await page.keyboard.press('Enter');
  assert.equal(await menu.evaluate((d) => d.open), true, 'Enter opens it');
  assert.deepEqual(await loadedList(page), listed);
  assert.ok(await page.locator('.guidesite-guides-nav a[href="/meta/"]').isVisible());
  assert.deepEqual(await current(page), ['/tiktok/']);
  assert.deepEqual(await axeViolations(page), []);
  await page.screenshot({ path: path.join(artifacts, 'nav-390-menu.png') });
  await page.keyboard.press('Enter');
  assert.equal(await menu.evaluate((d) => d.open), false, 'Enter closes it again');
  assert.deepEqual(page.problems, []);
  await page.close();
  await site.close();
});

test('the table of contents links scroll to their sections', async () => {
  const site = await serve({ '/': out });
  const page = await newPage({ width: 390, height: 844 });
  await page.goto(`${site.base}/tiktok/`, { waitUntil: 'networkidle' });
  const links = page.locator('.guidesite-toc a');
  assert.equal(await links.count(), 3, 'the TikTok guide has three sections');
  for (const i of [2, 0, 1]) {
    const href = await links.nth(i).getAttribute('href');
    await links.nth(i).click();
    await page.waitForFunction((id) => {
      const top = document.getElementById(id)?.getBoundingClientRect().top;
      return location.hash === `#${id}` && top !== undefined && Math.abs(top) < 40;
    }, href.slice(1));
  }
  assert.deepEqual(page.problems, []);
  await page.close();
  await site.close();
});

test('a guide page with its navigation is valid HTML (Nu Html Checker)', () => {
  const pages = ['tiktok', 'meta', 'snapchat'].map((source) => path.join(out, source, 'index.html'));
  assert.deepEqual(htmlErrors(pages), []);
});
