// What a reader of the help site gets besides the text (issue 16): steps as
// numbered blocks, a 60–80 character measure, a highlighted deep-linked
// step, a dark theme (system preference, or the header's toggle, persisted
// and applied before first paint; an embed follows the portal's
// `guidesite-dark` class instead), a print stylesheet, "Copy" buttons beside
// e-mail addresses and permalinks on headings and steps (both added by
// guidesite-reader.js, on the page only). The site is the repository's;
// screenshots at 390 and 1280 px, light and dark, land in
// target/browser-artifacts/reader-*.png.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { artifacts, axeViolations, build, newPage, open, serve, work } from './harness.mjs';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const timeout = 3000;
const grantee = 'data_extract@annalect-data.info';
const contact = 'omd-dk@annalect-data.info';
const deepStep = 'give-the-member-the-analyst-permission-step-4';

let site;
let dist;
before(async () => {
  dist = build('reader');
  const manifest = JSON.parse(fs.readFileSync(path.join(dist, 'manifest.json'), 'utf8'));
  const embed = fs.readFileSync(path.join(dist, 'embed', 'tiktok.html'), 'utf8');
  const hosts = path.join(work, 'reader-hosts');
  // A portal page, plain or with Tailwind's preflight; `dark` puts the class on an ancestor of the embed.
  const host = (name, { reset, dark }) => {
    fs.mkdirSync(path.join(hosts, name), { recursive: true });
    fs.writeFileSync(path.join(hosts, name, 'index.html'), `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Portal</title>
<link rel="stylesheet" href="${manifest.stylesheet}">
${reset ? `<link rel="stylesheet" href="/fixtures/${reset}">` : ''}
<style>body { margin: 0; padding: 1rem; } .portal-dark { background: #111; color: #eee; }</style>
</head><body${dark ? ' class="portal-dark guidesite-dark"' : ''}><main>
<section aria-label="Guide">
${embed}
</section>
</main></body></html>
`);
  };
  host('plain', {});
  host('dark', { dark: true });
  host('tailwind', { reset: 'tailwind-preflight.css' });
  site = await serve({ '/': dist, '/hosts/': hosts, '/fixtures/': fixtures });
});

/** Relative luminance (WCAG) of a computed `rgb()`/`rgba()` colour. */
function luminance(colour) {
  const [r, g, b] = colour.match(/[\d.]+/g).slice(0, 3).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a, b) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};
const transparent = (colour) => colour === 'transparent' || /rgba\(.*, 0\)$/.test(colour);

/** The colours a reader sees: the page's, the guide's, its text and its links. */
const colours = (page) => page.evaluate(() => {
  const css = (selector) => getComputedStyle(document.querySelector(selector));
  return {
    body: css('body').backgroundColor,
    guide: css('.guidesite-guide').backgroundColor,
    text: css('.guidesite-guide .guidesite-body p').color,
    link: css('.guidesite-guide .guidesite-body a').color,
  };
});

function assertDark(c, where) {
  assert.ok(luminance(c.guide) < 0.05, `${where}: the guide's background is dark (${c.guide})`);
  assert.ok(contrast(c.text, c.guide) >= 7, `${where}: its text is light on it (${c.text} on ${c.guide})`);
  assert.ok(contrast(c.link, c.guide) >= 4.5, `${where}: its links are readable on it (${c.link} on ${c.guide})`);
}
function assertLight(c, where) {
  assert.ok(luminance(c.guide) > 0.9, `${where}: the guide's background is light (${c.guide})`);
  assert.ok(contrast(c.text, c.guide) >= 7, `${where}: its text is dark on it (${c.text} on ${c.guide})`);
}

/** The step discs: how each top-level list item's `::before` is drawn. */
const stepDiscs = (page) => page.$$eval('.guidesite-body > ol > li', (lis) => lis.map((li) => {
  const s = getComputedStyle(li, '::before');
  return { content: s.content, display: s.display, position: s.position, width: parseFloat(s.width), height: parseFloat(s.height),
    background: s.backgroundColor, color: s.color, weight: Number(s.fontWeight), size: parseFloat(s.fontSize) };
}));

function assertDiscs(discs, where) {
  assert.equal(discs.length, 15, `${where}: the TikTok guide's 15 steps`);
  for (const d of discs) {
    assert.match(d.content, /counter\(list-item\)/, `${where}: the number is the list's own`);
    assert.deepEqual([d.display, d.position], ['block', 'absolute'], `${where}: the number is a block beside the step`);
    assert.ok(d.width >= 28 && d.height >= 28 && d.size >= 16 && d.weight >= 700, `${where}: a large bold number (${JSON.stringify(d)})`);
    assert.ok(!transparent(d.background) && contrast(d.color, d.background) >= 4.5, `${where}: on a filled disc it contrasts with (${JSON.stringify(d)})`);
  }
}

test('steps are numbered blocks on the page and in a portal under Tailwind preflight', async () => {
  const page = await open(`${site.base}/tiktok/`, { width: 1280, timeout });
  assertDiscs(await stepDiscs(page), 'the page');
  const spacing = await page.$eval('.guidesite-body > ol > li', (li) => parseFloat(getComputedStyle(li).marginBottom));
  assert.ok(spacing >= 12, `steps are spaced apart (${spacing}px)`);
  await page.close();
  const portal = await open(`${site.base}/hosts/tailwind/`, { width: 1280, timeout });
  assert.equal(await portal.$eval('.guidesite-body > ol', (ol) => getComputedStyle(ol).listStyleType), 'decimal', 'the reset is overruled');
  assertDiscs(await stepDiscs(portal), 'Tailwind preflight');
  assert.deepEqual(portal.problems, []);
  await portal.close();
});

test("a body paragraph's lines are 60 to 80 characters long at 1280 px", async () => {
  const page = await open(`${site.base}/tiktok/`, { width: 1280, timeout });
  // Characters per rendered line of the longest paragraph, from a Range over each character.
  const lines = await page.evaluate(() => {
    const p = [...document.querySelectorAll('.guidesite-body > p')].sort((a, b) => b.textContent.length - a.textContent.length)[0];
    const tops = new Map();
    const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.length; i += 1) {
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect) continue;
        const top = Math.round(rect.top);
        tops.set(top, (tops.get(top) ?? 0) + 1);
      }
    }
    return [...tops.entries()].sort((a, b) => a[0] - b[0]).map(([, count]) => count);
  });
  const full = lines.slice(0, -1);
  assert.ok(full.length >= 1, `the paragraph wraps (${lines})`);
  for (const count of full) assert.ok(count >= 60 && count <= 80, `a line holds ${count} characters (lines: ${lines})`);
  await page.close();
});

for (const colorScheme of ['light', 'dark']) {
  test(`a deep link to a step highlights it visibly (${colorScheme})`, async () => {
    const page = await open(`${site.base}/tiktok/#${deepStep}`, { colorScheme, timeout });
    const looks = await page.$$eval('.guidesite-body > ol > li', (lis) => lis.map((li) => ({ id: li.id, background: getComputedStyle(li).backgroundColor, color: getComputedStyle(li).color, shadow: getComputedStyle(li).boxShadow })));
    const surface = await page.$eval('.guidesite-guide', (g) => getComputedStyle(g).backgroundColor);
    const target = looks.find((l) => l.id === deepStep);
    assert.ok(!transparent(target.background) && target.background !== surface, `the step has a background of its own (${target.background} on ${surface})`);
    assert.match(target.shadow, /inset/, 'and a bar at its edge');
    assert.ok(contrast(target.color, target.background) >= 7, `its text stays readable (${target.color} on ${target.background})`);
    assert.ok(colorScheme === 'light' ? luminance(target.background) > 0.7 : luminance(target.background) < 0.1, `the highlight suits the ${colorScheme} theme (${target.background})`);
    for (const other of looks.filter((l) => l.id !== deepStep)) assert.ok(transparent(other.background), `${other.id} is not highlighted`);
    await page.close();
  });
}

test('the system preference picks the theme, with or without script', async () => {
  for (const javaScriptEnabled of [true, false]) {
    for (const colorScheme of ['light', 'dark']) {
      const page = await open(`${site.base}/tiktok/`, { colorScheme, javaScriptEnabled, timeout });
      const c = await colours(page);
      const where = `${colorScheme}, script ${javaScriptEnabled ? 'on' : 'off'}`;
      if (colorScheme === 'dark') {
        assertDark(c, where);
        assert.ok(luminance(c.body) < 0.05, `${where}: the page's background is dark (${c.body})`);
      } else {
        assertLight(c, where);
      }
      assert.equal(await page.locator('.guidesite-theme-toggle').isVisible(), javaScriptEnabled, `${where}: the toggle shows only where it works`);
      await page.close();
    }
  }
});

test('the toggle picks light, dark or auto, persists across reloads and applies before first paint', async () => {
  const page = await newPage({ colorScheme: 'light', timeout });
  // The theme <html> carries when <body> is parsed, i.e. before anything of the page is painted.
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (!document.body) return;
      window.themeAtBody = document.documentElement.dataset.guidesiteTheme ?? 'auto';
      window.guideAtBody = null;
      observer.disconnect();
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(`${site.base}/tiktok/`, { waitUntil: 'networkidle' });
  const toggle = page.getByRole('button', { name: /^Theme:/ });
  assert.equal(await toggle.textContent(), 'Theme: auto');
  assertLight(await colours(page), 'auto under a light system');
  await toggle.click();
  assert.equal(await toggle.textContent(), 'Theme: light');
  await toggle.click();
  assert.equal(await toggle.textContent(), 'Theme: dark');
  assertDark(await colours(page), 'dark picked');

  await page.reload({ waitUntil: 'networkidle' });
  assert.equal(await page.evaluate(() => window.themeAtBody), 'dark', 'the stored theme is on <html> before <body> exists');
  assert.equal(await toggle.textContent(), 'Theme: dark');
  assertDark(await colours(page), 'dark after a reload');
  await page.goto(`${site.base}/`, { waitUntil: 'networkidle' });
  assert.ok(luminance(await page.$eval('body', (b) => getComputedStyle(b).backgroundColor)) < 0.05, 'and on the other pages');

  await page.emulateMedia({ colorScheme: 'dark' });
  await toggle.click();
  assert.equal(await toggle.textContent(), 'Theme: auto');
  assert.equal(await page.evaluate(() => localStorage.getItem('guidesite-theme')), null, 'auto forgets the choice');
  await page.goto(`${site.base}/tiktok/`, { waitUntil: 'networkidle' });
  assertDark(await colours(page), 'auto under a dark system');
  await page.emulateMedia({ colorScheme: 'light' });
  assertLight(await colours(page), 'auto under a light system again');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("an embed follows the portal's guidesite-dark class, not the system or the site's toggle", async () => {
  const page = await open(`${site.base}/hosts/plain/`, { colorScheme: 'dark', timeout });
  // The help site's stored choice is on this origin too: the embed must ignore it.
  await page.evaluate(() => localStorage.setItem('guidesite-theme', 'dark'));
  await page.reload({ waitUntil: 'networkidle' });
  assertLight(await colours(page), 'a portal without the class, system dark');
  assert.equal(await page.locator('.guidesite-copy, .guidesite-permalink, .guidesite-theme-toggle, script').count(), 0, 'the embed gains no script, button or permalink');
  await page.close();

  for (const colorScheme of ['light', 'dark']) {
    const dark = await open(`${site.base}/hosts/dark/`, { colorScheme, timeout });
    assertDark(await colours(dark), `a portal with guidesite-dark, system ${colorScheme}`);
    assert.deepEqual(await axeViolations(dark), [], 'axe-core: the dark embed');
    assert.deepEqual(dark.problems, []);
    await dark.close();
  }
});

for (const colorScheme of ['light', 'dark']) {
  test(`axe-core finds no violation on the index and the TikTok guide (${colorScheme})`, async () => {
    for (const url of ['/', '/tiktok/', `/tiktok/#${deepStep}`]) {
      const page = await open(`${site.base}${url}`, { colorScheme, timeout });
      // The permalinks and copy buttons are shown, as on hover and focus.
      await page.addStyleTag({ content: '.guidesite-permalink { opacity: 1 !important }' });
      assert.deepEqual(await axeViolations(page), [], `${url} (${colorScheme})`);
      assert.deepEqual(page.problems, []);
      await page.close();
    }
  });
}

/** Whether each of `selectors` has a visible element on `page`. */
const visible = (page, selectors) => page.evaluate((list) => Object.fromEntries(list.map((s) => [s, [...document.querySelectorAll(s)].some((el) => el.checkVisibility())])), selectors);
/** The `::after` content of links: what print adds after each. */
const linkSuffixes = (page) => page.$$eval('.guidesite-body a[href]', (links) => links.map((a) => ({ href: a.getAttribute('href'), text: a.textContent, after: getComputedStyle(a, '::after').content })));

test('print shows the guide alone, light, with the address of each web link', async () => {
  const page = await open(`${site.base}/tiktok/`, { colorScheme: 'dark', timeout });
  const chrome = ['.guidesite-header', '.guidesite-footer', '.guidesite-breadcrumbs', '.guidesite-theme-toggle', '.guidesite-copy', '.guidesite-form input:not([type=hidden])', '.guidesite-form .guidesite-button'];
  const onScreen = await visible(page, [...chrome, '.guidesite-guide']);
  assert.ok(Object.values(onScreen).every(Boolean), `on screen all of it shows (${JSON.stringify(onScreen)})`);
  assert.ok((await linkSuffixes(page)).every((l) => l.after === 'none'), 'on screen no link shows its address');

  await page.emulateMedia({ media: 'print' });
  const printed = await visible(page, [...chrome, '.guidesite-permalink', '.guidesite-guide', '.guidesite-contacts']);
  for (const s of [...chrome, '.guidesite-permalink']) assert.equal(printed[s], false, `${s} is not printed`);
  assert.ok(printed['.guidesite-guide'] && printed['.guidesite-contacts'], 'the guide and its contacts are printed');
  assertLight(await colours(page), 'printed under a dark system');
  const suffixes = await linkSuffixes(page);
  const web = suffixes.filter((l) => l.href.startsWith('http') && l.text !== l.href);
  assert.ok(web.length > 0, 'the guide has a web link whose text is not its address');
  for (const l of web) assert.equal(l.after, `" (${l.href})"`, `${l.text} prints its address`);
  for (const l of suffixes.filter((s) => !web.includes(s))) assert.equal(l.after, 'none', `${l.href} prints no address (its text, an in-page or mailto link)`);
  await page.pdf({ path: path.join(artifacts, 'reader-tiktok-print.pdf') });
  await page.close();
});

test('a Copy button beside each address copies it, says so, works from the keyboard, and needs script', async () => {
  const page = await open(`${site.base}/tiktok/`, { permissions: ['clipboard-read', 'clipboard-write'], timeout });
  const mailtos = await page.$$eval('.guidesite-body a[href^="mailto:"]', (links) => links.map((a) => a.getAttribute('href').slice(7)));
  assert.deepEqual(mailtos, [grantee, contact, contact], 'the grantee in a step, the contact in a step and in the form');
  const buttons = page.getByRole('button', { name: /^Copy / });
  assert.deepEqual(await buttons.evaluateAll((bs) => bs.map((b) => [b.previousElementSibling.getAttribute('href').slice(7), b.textContent, b.getAttribute('aria-label')])),
    mailtos.map((m) => [m, 'Copy', `Copy ${m}`]), 'one button right after each address');

  await page.getByRole('button', { name: `Copy ${grantee}` }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), grantee);
  await page.getByRole('status').filter({ hasText: `Copied ${grantee}` }).waitFor();
  assert.equal(await buttons.first().textContent(), 'Copied');

  await page.evaluate(() => navigator.clipboard.writeText(''));
  await buttons.last().focus();
  await page.keyboard.press('Enter');
  await page.getByRole('status').filter({ hasText: `Copied ${contact}` }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), contact, 'Enter on the focused button copies');
  assert.deepEqual(page.problems, []);
  await page.close();

  // Where the Clipboard API is missing, the address is copied from a selection.
  const old = await newPage({ timeout });
  await old.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });
    document.addEventListener('copy', (e) => { window.copied = e.target.value ?? String(getSelection()); });
  });
  await old.goto(`${site.base}/tiktok/`, { waitUntil: 'networkidle' });
  await old.getByRole('button', { name: `Copy ${grantee}` }).click();
  await old.getByRole('status').filter({ hasText: `Copied ${grantee}` }).waitFor();
  assert.equal(await old.evaluate(() => window.copied), grantee);
  await old.close();

  const noScript = await open(`${site.base}/tiktok/`, { javaScriptEnabled: false, timeout });
  assert.equal(await noScript.locator('.guidesite-copy').count(), 0, 'no button without script');
  assert.equal(await noScript.locator(`a[href="mailto:${grantee}"]`).count(), 1, 'the address stays a link');
  await noScript.close();
});

test('headings and steps get permalinks shown on hover and focus, on the page only', async () => {
  const page = await open(`${site.base}/tiktok/`, { timeout });
  const targets = await page.$$eval('.guidesite-body :is(h2, h3, h4)[id], .guidesite-body > ol > li[id]', (els) => els.map((el) => ({
    id: el.id,
    links: [...el.querySelectorAll(':scope > .guidesite-permalink')].map((a) => [a.getAttribute('href'), a.getAttribute('aria-label')]),
    step: el.tagName === 'LI',
  })));
  assert.ok(targets.filter((t) => t.step).length === 15 && targets.filter((t) => !t.step).length >= 4, `the headings and steps (${targets.length})`);
  for (const t of targets) assert.deepEqual(t.links, [[`#${t.id}`, t.step ? 'Link to this step' : 'Link to this section']], t.id);

  const heading = page.locator('h2[id="give-the-member-the-analyst-permission"]');
  const permalink = heading.getByRole('link', { name: 'Link to this section' });
  const opacity = () => permalink.evaluate((a) => getComputedStyle(a).opacity);
  assert.equal(await opacity(), '0', 'hidden at rest');
  await heading.hover();
  assert.equal(await opacity(), '1', 'shown on hover');
  await page.mouse.move(0, 0);
  assert.equal(await opacity(), '0');
  await permalink.focus();
  assert.equal(await opacity(), '1', 'shown on focus');
  await page.keyboard.press('Enter');
  await page.waitForURL(/#give-the-member-the-analyst-permission$/);
  assert.deepEqual(page.problems, []);
  await page.close();

  const noScript = await open(`${site.base}/tiktok/`, { javaScriptEnabled: false, timeout });
  assert.equal(await noScript.locator('.guidesite-permalink').count(), 0, 'none without script');
  await noScript.close();
  const embed = fs.readFileSync(path.join(dist, 'embed', 'tiktok.html'), 'utf8');
  assert.doesNotMatch(embed, /guidesite-permalink|guidesite-copy|guidesite-theme|<script|<button(?![^>]*type="submit")/, 'the embed has none of it');
});

test('screenshots of the index and the TikTok guide at 390 and 1280 px, light and dark', async () => {
  for (const [name, url] of [['index', '/'], ['tiktok', '/tiktok/']]) {
    for (const width of [390, 1280]) {
      for (const colorScheme of ['light', 'dark']) {
        const page = await open(`${site.base}${url}`, { width, height: 900, colorScheme, timeout });
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
        assert.ok(overflow <= 0, `${name} at ${width} px does not scroll sideways (${overflow}px)`);
        await page.screenshot({ path: path.join(artifacts, `reader-${name}-${width}-${colorScheme}.png`), fullPage: true });
        await page.close();
      }
    }
  }
});
