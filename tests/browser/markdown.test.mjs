// What the Markdown extensions look like to a reader in Chromium: a wide
// table scrolls inside its own region instead of widening the page or a
// portal column; every callout is a `note` with a name in the accessibility
// tree, shows its title and a glyph that is not read out, and differs from
// the other kinds by more than colour. The guide is fixtures/dv360.md: one
// callout of each kind in both spellings and a 12-column table.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { artifacts, axeViolations, build, htmlErrors, open, serve, work, wrapEmbed } from './harness.mjs';

const guide = fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'dv360.md'), 'utf8');

/** The callouts of fixtures/dv360.md in document order: kind, accessible name, visible title. */
const callouts = [
  ['note', 'Note', 'Note'],
  ['tip', 'Tip', 'Tip'],
  ['important', 'Important', 'Important'],
  ['warning', 'Warning', 'Warning'],
  ['caution', 'Caution', 'Caution'],
  ['note', 'Note', 'Note'],
  ['tip', 'Tip', 'Several partners?'],
  ['info', 'Info', 'Info'],
  ['warning', 'Warning', 'Before you save'],
  ['caution', 'Caution', 'Caution'],
  ['danger', 'Danger', 'Never share an admin login'],
];

/** The wide table's header alignment classes, as the renderer writes them from the delimiter row. */
const headerAlignment = ['left', 'left', 'center', 'center', 'right', 'right', 'right', 'center', 'center', 'right', 'right', null];

// Waits for an element are short: a shape the renderer does not emit fails in
// two seconds with the message below, instead of timing out.
const timeout = 2000;
const notRendered = (what) => `${what}: the renderer does not emit the issue-12 HTML shape (see themes/default/static/guidesite.css)`;

let site;
let dist;
before(async () => {
  dist = build('markdown', { guides: { 'dv360.md': guide } });
  site = await serve({ '/': dist, '/host/': writeHost(dist) });
});

/**
 * A portal-like host page with the dv360 embed in a 320-px flex column. The
 * column is an `aside` styled by bare element rules, as host pages' are:
 * neither may reach the guide's callouts (which are asides too).
 */
function writeHost(out) {
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  const embed = fs.readFileSync(path.join(out, 'embed', 'dv360.html'), 'utf8');
  const dir = path.join(work, 'host');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>Host portal</title>
<link rel="stylesheet" href="${manifest.stylesheet}">
<style>
  body { margin: 0; font: 15px/1.5 Georgia, serif; }
  main { display: flex; gap: 1rem; padding: 1rem; }
  section { flex: 1 1 auto; }
  aside { flex: 0 0 320px; box-sizing: border-box; padding: .5rem; float: right; width: 40%; background: #2d2a4a; color: #fff; }
</style></head>
<body><main><section><h1>Campaign mapping</h1><p>Your data sources.</p></section>
<aside id="column" aria-label="How to connect DV360">
${embed}
</aside></main></body></html>
`);
  return dir;
}

/** How the first `.guidesite-table` in `scope` fits and scrolls. */
async function tableRegion(page, scope) {
  const region = page.locator(`${scope} .guidesite-table`);
  assert.equal(await region.count(), 1, notRendered(`no .guidesite-table in ${scope}`));
  return region.evaluate((el) => {
    const fits = el.getBoundingClientRect().width <= el.parentElement.getBoundingClientRect().width + 0.5;
    const scrollable = el.scrollWidth > el.clientWidth;
    el.scrollLeft = 200;
    return { role: el.getAttribute('role'), fits, scrollable, scrolledTo: el.scrollLeft };
  });
}

const pageScrollsSideways = (page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

/** The names of the accessibility tree's `note` nodes, and every name in it, as Chromium exposes them to a screen reader. */
async function accessibilityTree(page) {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  await cdp.detach();
  const shown = nodes.filter((n) => !n.ignored);
  return {
    notes: shown.filter((n) => n.role?.value === 'note').map((n) => n.name?.value ?? ''),
    names: shown.map((n) => n.name?.value ?? '').filter((name) => name !== ''),
  };
}

/** Each callout's kind, title, visibility, glyph and left border, read from the rendered page. */
const calloutLooks = (page, scope) => page.$$eval(`${scope} .guidesite-callout`, (asides) => asides.map((aside) => {
  const title = aside.querySelector('.guidesite-callout-title');
  const border = getComputedStyle(aside);
  const glyph = title && getComputedStyle(title, '::before').content.match(/^"([^"]+)"/)?.[1];
  return {
    kind: [...aside.classList].find((c) => c.startsWith('guidesite-callout-'))?.slice('guidesite-callout-'.length),
    title: title?.innerText.trim(),
    titleVisible: Boolean(title?.checkVisibility()) && title.getBoundingClientRect().height > 0,
    glyph: glyph ? [...glyph][0] : null,
    border: `${border.borderLeftWidth} ${border.borderLeftStyle} ${border.borderLeftColor}`,
    background: border.backgroundColor,
  };
}));

/** Asserts the callouts in `scope` are announced and look as they should. */
async function assertCallouts(page, scope) {
  const looks = await calloutLooks(page, scope);
  assert.equal(looks.length, callouts.length, notRendered(`${looks.length} .guidesite-callout in ${scope}, expected ${callouts.length}`));
  const tree = await accessibilityTree(page);
  assert.deepEqual(tree.notes, callouts.map(([, name]) => name), 'each callout is a `note` named by its kind in the accessibility tree');
  assert.deepEqual(looks.map((l) => [l.kind, l.title, l.titleVisible]), callouts.map(([kind, , title]) => [kind, title, true]), 'kind classes and visible titles');

  const byKind = new Map(looks.map((l) => [l.kind, l]));
  for (const [kind, look] of byKind) {
    assert.ok(look.glyph, `${kind}: a glyph before the title (::before content)`);
    assert.match(look.border, /^[3-9]px solid /, `${kind}: a left border`);
    assert.ok(!tree.names.some((name) => name.includes(look.glyph)), `${kind}: the glyph ${look.glyph} is not read out (empty alternative text)`);
  }
  const distinct = (key) => new Set([...byKind.values()].map((l) => l[key])).size;
  assert.equal(distinct('glyph'), byKind.size, 'every kind has its own glyph, not only its own colour');
  assert.equal(distinct('border'), byKind.size, 'every kind has its own border colour');
  assert.equal(distinct('background'), byKind.size, 'every kind has its own tint');
}

for (const width of [390, 1280]) {
  test(`at ${width} px the guide page does not scroll sideways: its wide table scrolls in its own region`, async () => {
    const page = await open(`${site.base}/dv360/`, { width, height: 900, timeout });
    const region = await tableRegion(page, '.guidesite-body');
    assert.equal(await pageScrollsSideways(page), false, 'the page is no wider than the viewport');
    assert.deepEqual(region, { role: 'region', fits: true, scrollable: true, scrolledTo: 200 }, 'the table region fits its container and scrolls');
    await page.screenshot({ path: path.join(artifacts, `markdown-guide-${width}.png`), fullPage: true });
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}

test('table columns keep their alignment, and the focused table region shows a focus ring', async () => {
  const page = await open(`${site.base}/dv360/`, { width: 390, timeout });
  const headers = await page.$$eval('.guidesite-body .guidesite-table th', (ths) => ths.map((th) => [th.className || null, getComputedStyle(th).textAlign]));
  assert.equal(headers.length, headerAlignment.length, notRendered('the wide table has no header row in .guidesite-table'));
  assert.deepEqual(headers, headerAlignment.map((a) => [a && `guidesite-align-${a}`, a ?? 'left']));

  await page.keyboard.press('Tab'); // keyboard use, so that focus() below is :focus-visible
  const ring = await page.locator('.guidesite-body .guidesite-table').evaluate((el) => {
    el.focus();
    const style = getComputedStyle(el);
    return { focused: document.activeElement === el, visible: el.matches(':focus-visible'), outline: `${style.outlineStyle} ${style.outlineWidth}` };
  });
  assert.deepEqual(ring, { focused: true, visible: true, outline: 'solid 3px' });
  await page.close();
});

test('in a 320-px portal column the embed keeps the column narrow and its table scrolls inside it', async () => {
  const page = await open(`${site.base}/host/`, { width: 900, timeout });
  const column = await page.$eval('#column', (el) => el.getBoundingClientRect().width);
  const region = await tableRegion(page, '#column');
  assert.equal(column, 320, 'the embed does not widen the column');
  assert.equal(await pageScrollsSideways(page), false, 'the host page is no wider than the viewport');
  assert.deepEqual(region, { role: 'region', fits: true, scrollable: true, scrolledTo: 200 }, 'the table region fits the column and scrolls');
  await page.screenshot({ path: path.join(artifacts, 'markdown-embed-320.png'), fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('every callout is a named note with a visible title and a glyph that is not read out, on the page', async () => {
  const page = await open(`${site.base}/dv360/`, { width: 390, timeout });
  await assertCallouts(page, '.guidesite-body');
  await page.close();
});

test("every callout is a named note in the embed too, and the host's `aside` rules do not restyle it", async () => {
  const page = await open(`${site.base}/host/`, { width: 900, timeout });
  await assertCallouts(page, '#column');
  const leaked = await page.$$eval('#column .guidesite-callout', (asides) => asides
    .map((a) => getComputedStyle(a))
    .filter((s) => s.float !== 'none' || s.backgroundColor === 'rgb(45, 42, 74)' || s.color === 'rgb(255, 255, 255)').length);
  assert.equal(leaked, 0, 'no callout floats or takes the host aside colours');
  await page.close();
});

test('the page and the embed with callouts and tables have no critical or serious accessibility violations (axe-core)', async () => {
  for (const [url, scope] of [['/dv360/', undefined], ['/host/', '#column']]) {
    const page = await open(`${site.base}${url}`, { width: 390, timeout });
    assert.ok(await page.locator('.guidesite-callout').count() > 0, notRendered(`no .guidesite-callout at ${url}`));
    assert.deepEqual(await axeViolations(page, scope), [], url);
    await page.close();
  }
});

test('the page and the embed with callouts and tables are valid HTML (Nu Html Checker)', () => {
  const embed = wrapEmbed(fs.readFileSync(path.join(dist, 'embed', 'dv360.html'), 'utf8'), path.join(work, 'dv360-embed.html'));
  assert.deepEqual(htmlErrors([path.join(dist, 'dv360', 'index.html'), embed]), []);
});
