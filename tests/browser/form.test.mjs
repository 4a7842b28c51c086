// The onboard form standing alone on the help site and embedded in the
// example portal, in Debian's headless Chromium. The guide page holds what
// only the portal can fill back and sends the reader to the portal; the embed
// keeps it for the portal. The guide's `pattern_message` is the validation
// message on the page (a small script) and in the portal (its own script; the
// embed holds none). Servers listen on 127.0.0.1 only.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { artifacts, build, open, repo, serve } from './harness.mjs';

/** content/tiktok.md's `pattern_message` for the account id. */
const message = 'An account id is 6 to 20 digits';
const portalOnly = ['select[data-portal-options]', '[data-pending-requests]'];
const border = (page, selector) => page.$eval(selector, (el) => getComputedStyle(el).borderTopColor);
const red = 'rgb(179, 38, 30)';

/** The guide page of a build of the repository, without its script when `script` is false. */
async function guidePage(server, { script = true } = {}) {
  const page = await open('about:blank');
  if (!script) await page.route('**/guidesite-form.js', (route) => route.abort());
  await page.goto(`${server.base}/tiktok/`, { waitUntil: 'networkidle' });
  return page;
}

test('on the guide page, what only the portal can fill gives way to a sentence sending the reader there, with or without script', async () => {
  const server = await serve({ '/': build('form-page') });
  for (const script of [true, false]) {
    const page = await guidePage(server, { script });
    assert.equal(await page.$eval('select[data-portal-options]', (s) => s.disabled), script, 'the script ran, or did not');
    for (const selector of portalOnly) {
      assert.equal(await page.locator(selector).isVisible(), false, `${selector} is hidden (script: ${script})`);
    }
    const text = await page.locator('main').innerText();
    assert.doesNotMatch(text, /There are no pending requests/, `a static page cannot know that (script: ${script})`);
    const note = page.locator('.guidesite-portal-note');
    assert.ok(await note.isVisible(), `the sentence is shown (script: ${script})`);
    assert.match(await note.innerText(), /portal/);
    assert.equal(await note.locator('a[href="https://campaignmapping.annalect.com/"]').count(), 1, 'it links to the portal');
    if (script) assert.deepEqual(page.problems, []);
    await page.close();
  }
  await server.close();
});

test('on the guide page the hidden select never blocks the form: the page posts what the reader can type', async () => {
  const site = await serve({});
  site.mount('/', build('form-endpoint', { siteYaml: `onboard:\n  endpoint: ${site.base}/onboard\n` }));
  const page = await guidePage(site);
  assert.equal(await page.$eval('select[data-portal-options]', (s) => s.willValidate), false, 'the hidden select is out of validation');
  await page.fill('[name=account_id]', '123456789');
  await Promise.all([page.waitForURL(/\/onboard$/), page.click('form.guidesite-form button[type=submit]')]);
  assert.deepEqual(Object.fromEntries(site.posts[0]), { source: 'tiktok', account_id: '123456789' });
  await page.close();
  await site.close();
});

test('no field is shown invalid before the reader has touched it, with or without script', async () => {
  const server = await serve({ '/': build('form-untouched') });
  for (const script of [true, false]) {
    const page = await guidePage(server, { script });
    const input = '[name=account_id]';
    assert.equal(await page.$eval(input, (el) => el.validity.valueMissing), true, 'required and empty: invalid');
    assert.notEqual(await border(page, input), red, `not red before it is touched (script: ${script})`);
    await page.fill(input, 'abc');
    await page.press(input, 'Tab');
    assert.equal(await border(page, input), red, `red once the reader typed a bad value and left (script: ${script})`);
    await page.close();
  }
  await server.close();
});

test("on the guide page the field's pattern_message is its validation message", async () => {
  const server = await serve({ '/': build('form-message') });
  const page = await guidePage(server);
  const input = '[name=account_id]';
  const state = () => page.$eval(input, (el) => ({ message: el.validationMessage, patternMismatch: el.validity.patternMismatch, valid: el.checkValidity() }));
  await page.fill(input, 'abc123');
  assert.deepEqual(await state(), { message, patternMismatch: true, valid: false });
  await page.fill(input, '12345678');
  assert.deepEqual(await state(), { message: '', patternMismatch: false, valid: true });
  await page.fill(input, '12');
  assert.equal((await state()).message, message, 'again after a valid value');
  assert.deepEqual(page.problems, []);
  await page.screenshot({ path: path.join(artifacts, 'guide-page-form.png'), fullPage: true });
  await page.close();
  await server.close();
});

test('the embed holds no script, keeps what the portal fills, and carries pattern_message for the portal, which uses it', async () => {
  const site = await serve({ '/portal/': path.join(repo, 'examples', 'portal') });
  const out = build('form-portal', { siteYaml: `onboard:\n  endpoint: ${site.base}/onboard\n` });
  site.mount('/', out);
  const embed = fs.readFileSync(path.join(out, 'embed', 'tiktok.html'), 'utf8');
  assert.doesNotMatch(embed, /<script/i, 'the embed holds no script');

  const page = await open(`${site.base}/portal/`);
  await page.getByRole('button', { name: 'TikTok' }).click();
  await page.waitForSelector('#guide .guidesite-guide');
  const input = '#guide [name=account_id]';
  assert.deepEqual(await page.$eval(input, (el) => [el.title, el.dataset.patternMessage]), [message, message]);
  for (const selector of portalOnly) {
    assert.ok(await page.locator(`#guide ${selector}`).isVisible(), `${selector} is shown in the portal`);
  }
  assert.equal(await page.locator('#guide .guidesite-portal-note').isVisible(), false, 'no sentence sending the reader to the portal they are in');
  assert.notEqual(await border(page, input), red, 'not red before it is touched');

  await page.selectOption('#guide [name=source_ids]', '7098765432109876543');
  await page.fill(input, '1234');
  assert.equal(await page.$eval(input, (el) => el.validationMessage), message, "the portal shows the guide's message");
  await page.click('#guide button[type=submit]');
  await page.waitForTimeout(300);
  assert.equal(site.posts.length, 0, 'the pattern is enforced');
  await page.fill(input, '987654321');
  assert.equal(await page.$eval(input, (el) => el.validationMessage), '');
  await Promise.all([page.waitForURL(/\/onboard$/), page.click('#guide button[type=submit]')]);
  assert.deepEqual(Object.fromEntries(site.posts[0]), { source: 'tiktok', source_ids: '7098765432109876543', account_id: '987654321' });
  assert.deepEqual(page.problems, []);
  await page.close();
  await site.close();
});
