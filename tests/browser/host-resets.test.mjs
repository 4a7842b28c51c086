// The embed inside a portal whose page carries a CSS reset: Tailwind's
// preflight (v4 and v3) or Bootstrap's reboot, vendored under fixtures/ and
// loaded after guidesite's stylesheet, the order in which a tie in
// specificity goes to the reset. Both ways: the guide stays readable
// (numbered steps, bold headings, bordered form controls, a visible button,
// callouts, tables, links) and the portal's own elements next to it keep
// exactly the styles the reset gave them. The guides are the repository's
// TikTok guide (steps and the onboard form) and fixtures/dv360.md
// (callouts, a table, code). axe-core checks each whole host page.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { artifacts, axeViolations, build, open, serve, work } from './harness.mjs';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const resets = [
  { name: 'tailwind', file: 'tailwind-preflight.css', title: 'Tailwind preflight 4' },
  { name: 'tailwind3', file: 'tailwind3-preflight.css', title: 'Tailwind preflight 3' },
  { name: 'bootstrap', file: 'bootstrap-reboot.css', title: 'Bootstrap reboot 5' },
];
const timeout = 2000;

/** The portal's own elements beside the embeds: what the reset makes of them must not change. */
const portalMarkup = `<nav id="portal" aria-labelledby="portal-heading">
<h2 id="portal-heading">Data sources</h2>
<ol id="portal-list"><li><a id="portal-link" href="/">TikTok</a></li><li>DV360</li></ol>
<p id="portal-text">Pick a source. <code id="portal-code">source_ids</code></p>
<label id="portal-label" for="portal-input">Search</label> <input id="portal-input">
<button id="portal-button" type="submit">Refresh</button>
<table id="portal-table"><tr><th id="portal-th">Client</th><td id="portal-td">OMD</td></tr></table>
<aside id="portal-aside">Need help?</aside>
</nav>`;

/** The properties compared on the portal's elements, with and without guidesite's stylesheet. */
const portalProps = ['listStyleType', 'marginTop', 'marginBottom', 'paddingLeft', 'fontWeight', 'fontSize', 'fontFamily', 'lineHeight', 'color',
  'textDecorationLine', 'borderTopWidth', 'borderTopStyle', 'backgroundColor', 'display', 'boxSizing', 'appearance'];

let site;
before(async () => {
  const guide = fs.readFileSync(path.join(fixtures, 'dv360.md'), 'utf8');
  const dist = build('resets', { guides: { 'dv360.md': guide } });
  const manifest = JSON.parse(fs.readFileSync(path.join(dist, 'manifest.json'), 'utf8'));
  const embeds = ['tiktok', 'dv360'].map((source) => fs.readFileSync(path.join(dist, 'embed', `${source}.html`), 'utf8'));
  const hosts = path.join(work, 'hosts');
  for (const reset of resets) {
    writeHost(path.join(hosts, reset.name), reset, { stylesheet: manifest.stylesheet, embeds });
    writeHost(path.join(hosts, `${reset.name}-alone`), reset, {});
  }
  site = await serve({ '/': dist, '/hosts/': hosts, '/fixtures/': fixtures });
});

/** A portal page with `reset`; with the embeds and guidesite's stylesheet when given them. */
function writeHost(dir, reset, { stylesheet, embeds = [] }) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>Portal with ${reset.title}</title>
${stylesheet ? `<link rel="stylesheet" href="${stylesheet}">` : ''}
<link rel="stylesheet" href="/fixtures/${reset.file}">
</head>
<body><main>
${portalMarkup}
${embeds.map((embed, i) => `<section aria-label="Guide ${i + 1}">\n${embed}\n</section>`).join('\n')}
</main></body></html>
`);
}

/** The computed `portalProps` of every `#portal` element, by id. */
const portalStyles = (page) => page.$$eval('#portal, #portal [id]', (els, props) => Object.fromEntries(els.map((el) => {
  const style = getComputedStyle(el);
  return [el.id, Object.fromEntries(props.map((p) => [p, style[p]]))];
})), portalProps);

/** Chromium's list markers in each embedded guide, as a screen reader gets them ("1. ", "2. " …): none where a reset hid them. */
async function listMarkers(page) {
  const cdp = await page.context().newCDPSession(page);
  const markers = [];
  for (let i = 0; i < await page.locator('.guidesite-guide').count(); i += 1) {
    const { result } = await cdp.send('Runtime.evaluate', { expression: `document.querySelectorAll('.guidesite-guide')[${i}]` });
    const { nodes } = await cdp.send('Accessibility.queryAXTree', { objectId: result.objectId, role: 'ListMarker' });
    markers.push(...nodes.map((n) => n.name?.value ?? ''));
  }
  await cdp.detach();
  return markers;
}

/** What makes each embedded guide readable, read from computed styles. */
const readability = (page) => page.$$eval('.guidesite-guide', (guides) => guides.map((guide) => {
  const css = (el, pseudo) => getComputedStyle(el, pseudo);
  const px = (value) => parseFloat(value) || 0;
  const all = (selector) => [...guide.querySelectorAll(selector)];
  const transparent = (colour) => colour === 'transparent' || /rgba\(.*, 0\)$/.test(colour);
  const bodyText = px(css(guide.querySelector('.guidesite-body p')).fontSize);
  const border = (s, side) => ({ width: px(s[`border${side}Width`]), style: s[`border${side}Style`], visible: !transparent(s[`border${side}Color`]) });
  return {
    source: guide.dataset.source,
    bodyText,
    steps: all('.guidesite-body > ol').map((ol) => {
      const s = css(ol);
      const items = [...ol.children];
      return {
        type: s.listStyleType,
        position: s.listStylePosition,
        roomForMarker: s.listStylePosition === 'inside' || px(s.paddingLeft) >= 16,
        marginBottom: px(s.marginBottom),
        items: items.length,
        listItems: items.filter((li) => css(li).display === 'list-item' && css(li, '::marker').display !== 'none').length,
      };
    }),
    headings: all('h1, h2, h3').map((h) => ({ tag: h.tagName, text: h.textContent.trim(), weight: Number(css(h).fontWeight), size: px(css(h).fontSize), marginBottom: px(css(h).marginBottom) })),
    paragraphs: all('.guidesite-body > p').map((p) => px(css(p).marginBottom)),
    links: all('.guidesite-body a[href]:not(.guidesite-button)').map((a) => ({ color: css(a).color, underline: css(a).textDecorationLine.includes('underline') })),
    controls: all('.guidesite-field input, .guidesite-field select, .guidesite-field textarea').map((c) => {
      const s = css(c);
      return { name: c.name, border: border(s, 'Top'), background: s.backgroundColor, height: c.getBoundingClientRect().height, padding: px(s.paddingLeft) };
    }),
    buttons: all('.guidesite-button').map((b) => {
      const s = css(b);
      const box = b.getBoundingClientRect();
      return { visible: b.checkVisibility() && box.width > 40 && box.height > 24, background: s.backgroundColor, color: s.color, padding: px(s.paddingLeft), underline: s.textDecorationLine.includes('underline') };
    }),
    callouts: all('.guidesite-callout').map((c) => ({ border: border(css(c), 'Left'), background: css(c).backgroundColor, padding: px(css(c).paddingLeft) })),
    cells: all('.guidesite-body td, .guidesite-body th').map((c) => ({ border: border(css(c), 'Top'), padding: px(css(c).paddingLeft) })),
    code: all('.guidesite-body code').map((c) => css(c).backgroundColor),
  };
}));

/** Asserts every guide on `page` is readable; `reset` names the host page in messages. */
async function assertReadable(page, reset) {
  const guides = await readability(page);
  assert.deepEqual(guides.map((g) => g.source), ['tiktok', 'dv360'], 'both embeds are on the page');
  const transparent = (colour) => colour === 'transparent' || /rgba\(.*, 0\)$/.test(colour);
  for (const g of guides) {
    const where = `${reset}, ${g.source}`;
    assert.ok(g.bodyText >= 15, `${where}: body text is ${g.bodyText}px`);
    for (const ol of g.steps) {
      assert.deepEqual(ol, { ...ol, type: 'decimal', roomForMarker: true, listItems: ol.items }, `${where}: steps are numbered, with room for the number`);
      assert.ok(ol.marginBottom > 0, `${where}: a list has a margin below it`);
    }
    for (const h of g.headings) {
      assert.ok(h.weight >= 600, `${where}: ${h.tag} "${h.text}" is bold (weight ${h.weight})`);
      if (h.tag !== 'H3') assert.ok(h.size > g.bodyText, `${where}: ${h.tag} "${h.text}" (${h.size}px) is larger than body text (${g.bodyText}px)`);
      assert.ok(h.marginBottom > 0, `${where}: ${h.tag} "${h.text}" has a margin below it`);
    }
    assert.ok(g.paragraphs.every((m) => m > 0), `${where}: paragraphs keep their margins`);
    assert.ok(g.links.length > 0, `${where}: the guide has links`);
    for (const link of g.links) assert.deepEqual(link, { color: 'rgb(11, 79, 179)', underline: true }, `${where}: links are blue and underlined`);
    for (const c of g.code) assert.ok(!transparent(c), `${where}: code has its tint`);
  }
  const [tiktok, dv360] = guides;
  assert.ok(tiktok.steps.length >= 3, `${reset}: the TikTok guide's three lists of steps`);
  assert.ok(tiktok.paragraphs.length > 0, `${reset}: the TikTok guide's paragraphs`);
  assert.deepEqual(tiktok.controls.map((c) => c.name), ['source_ids', 'account_id'], `${reset}: the form's controls`);
  for (const c of tiktok.controls) {
    assert.ok(c.border.width >= 1 && c.border.style === 'solid' && c.border.visible, `${reset}: ${c.name} has a visible border (${JSON.stringify(c.border)})`);
    assert.ok(c.height >= 32 && c.padding >= 6 && !transparent(c.background), `${reset}: ${c.name} is a padded, filled box (${JSON.stringify(c)})`);
  }
  assert.equal(tiktok.buttons.length, 1, `${reset}: the form has its button`);
  for (const b of tiktok.buttons) {
    assert.ok(b.visible && b.padding >= 8, `${reset}: the button is visible (${JSON.stringify(b)})`);
    assert.equal(b.background, 'rgb(11, 79, 179)', `${reset}: the button is filled`);
    assert.equal(b.color, 'rgb(255, 255, 255)', `${reset}: the button's label is white`);
  }
  assert.equal(dv360.callouts.length, 11, `${reset}: the DV360 guide's callouts`);
  for (const c of dv360.callouts) {
    assert.ok(c.border.width >= 3 && c.border.style === 'solid' && c.border.visible, `${reset}: a callout keeps its left border (${JSON.stringify(c.border)})`);
    assert.ok(!transparent(c.background) && c.padding > 8, `${reset}: a callout keeps its tint and padding`);
  }
  assert.ok(dv360.cells.length > 0, `${reset}: the DV360 guide's table`);
  for (const c of dv360.cells) assert.ok(c.border.width >= 1 && c.border.style === 'solid' && c.padding > 4, `${reset}: table cells keep borders and padding (${JSON.stringify(c)})`);
}

for (const reset of resets) {
  test(`under ${reset.title} the embeds stay readable and the portal's own elements keep the reset's styles`, async () => {
    const [page, alone] = await Promise.all([reset.name, `${reset.name}-alone`].map((host) => open(`${site.base}/hosts/${host}/`, { timeout })));
    await assertReadable(page, reset.title);
    const markers = await listMarkers(page);
    const steps = await page.$$eval('.guidesite-body > ol > li', (lis) => lis.length);
    assert.deepEqual(markers.filter((m) => /^\d+\. $/.test(m)).length, steps, `${reset.title}: a screen reader hears every step's number (${markers.join('|')})`);

    assert.deepEqual(await portalStyles(page), await portalStyles(alone), `${reset.title}: the portal's elements look as the reset alone made them`);
    await alone.close();
    assert.deepEqual(await axeViolations(page), [], `${reset.title}: axe-core finds no critical or serious violation`);
    assert.deepEqual(page.problems, []);
    if (reset.name !== 'tailwind3') await page.screenshot({ path: path.join(artifacts, `host-${reset.name}.png`), fullPage: true });
    await page.close();
  });
}

test("the reset's own rules still reach the portal: the test pages really carry them", async () => {
  const page = await open(`${site.base}/hosts/tailwind/`, { timeout });
  const tailwind = await page.$eval('#portal-list', (ol) => getComputedStyle(ol).listStyleType);
  const heading = await page.$eval('#portal-heading', (h) => getComputedStyle(h).fontWeight);
  assert.deepEqual([tailwind, heading], ['none', '400'], 'Tailwind: the portal list has no numbers and its heading inherits its weight');
  await page.close();
  const bootstrap = await open(`${site.base}/hosts/bootstrap/`, { timeout });
  assert.equal(await bootstrap.$eval('#portal-heading', (h) => getComputedStyle(h).fontWeight), '500', 'Bootstrap: the portal heading keeps reboot\'s weight');
  await bootstrap.close();
});
