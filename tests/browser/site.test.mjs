// The built help site in Debian's headless Chromium: the onboard form, the
// embed inside the example portal, script injection, HTML validity (Nu Html
// Checker) and accessibility (axe-core). Servers listen on 127.0.0.1 only.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { artifacts, axeViolations, build, htmlErrors, open, repo, serve, work, wrapEmbed } from './harness.mjs';

const validity = (page, selector) => page.$eval(selector, (el) => ({ valid: el.checkValidity(), patternMismatch: el.validity?.patternMismatch, valueMissing: el.validity?.valueMissing }));

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

  // On the help site the source ids are the portal's to fill: that select
  // is hidden and left out (form.test.mjs), the rest is validated and sent.
  const submit = page.locator('form.guidesite-form button[type=submit]');
  await submit.click();
  await page.fill('[name=account_id]', '12ab');
  await submit.click();
  await page.waitForTimeout(300);
  assert.equal(site.posts.length, 0, 'the browser refused to submit invalid fields');

  await page.fill('[name=account_id]', '123456789');
  await Promise.all([page.waitForURL(/\/onboard$/), submit.click()]);
  assert.equal(site.posts.length, 1);
  const posted = Object.fromEntries(site.posts[0]);
  assert.deepEqual(posted, { source: 'tiktok', account_id: '123456789' });
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
  portal: https://portal.agency.test/
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
  const embed = wrapEmbed(fs.readFileSync(path.join(out, 'embed', 'tiktok.html'), 'utf8'), path.join(work, 'embed-wrapped.html'));
  const files = ['index.html', path.join('tiktok', 'index.html'), '404.html'].map((f) => path.join(out, f)).concat(embed);
  assert.deepEqual(htmlErrors(files), []);
});

test('the guide page has no critical or serious accessibility violations (axe-core)', async () => {
  const site = await serve({ '/': build('axe') });
  for (const url of ['/tiktok/', '/']) {
    const page = await open(`${site.base}${url}`);
    assert.deepEqual(await axeViolations(page), [], url);
    await page.close();
  }
  await site.close();
});
