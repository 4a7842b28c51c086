// The contract with the portal: two embeds share a portal page without an id
// collision and their in-guide links stay within them, and the manifest's
// JSON Schema types a TypeScript client (examples/portal/portal.ts) that
// `tsc --strict` compiles. Servers listen on 127.0.0.1 only.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { compileFromFile } from 'json-schema-to-typescript';
import { artifacts, axeViolations, build, htmlErrors, open, repo, serve, work } from './harness.mjs';

const tiktok = fs.readFileSync(path.join(repo, 'content', 'tiktok.md'), 'utf8');

/**
 * A second guide with TikTok's headings (so, unprefixed, the same ids), a
 * heading whose id is the portal's own `onboard`, a footnote and in-guide links.
 */
const meta = tiktok
  .replace('source: tiktok', 'source: meta')
  .replace(/^title: .*$/m, 'title: Meta access')
  .replace('platform: TikTok', 'platform: Meta')
  .replace('order: 10', 'order: 20')
  + '\n## Onboard\n\nSee [the first steps](#add-the-agency-as-a-member-of-your-tiktok-business-center), [this](#onboard) and why[^why].\n\n[^why]: Both guides have the same headings.\n';

/** The built site, once for the whole file. */
let built;
function site() {
  built ??= build('contract', { guides: { 'meta.md': meta } });
  return built;
}

/** A portal page holding both embeds and its own `#onboard`; its file path. */
function portalPage() {
  const out = site();
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  const embed = (source) => fs.readFileSync(path.join(out, 'embed', `${source}.html`), 'utf8');
  const dir = path.join(work, 'contract-portal');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'index.html');
  fs.writeFileSync(file, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>Two guides · example portal</title>
<link rel="stylesheet" href="${manifest.stylesheet}">
</head>
<body>
<header><p id="onboard">Onboard your ad accounts. <a href="#onboard">This paragraph</a>.</p></header>
<main>
<section id="tiktok" aria-label="TikTok guide">
${embed('tiktok')}
</section>
<section id="meta" aria-label="Meta guide">
${embed('meta')}
</section>
<div style="height: 150vh"></div>
</main>
</body>
</html>
`);
  return file;
}

test('two embeds and the portal share a page: no duplicate id, every in-guide link jumps within its embed', async () => {
  const file = portalPage();
  const server = await serve({ '/': site(), '/portal/': path.dirname(file) });
  const page = await open(`${server.base}/portal/`, { height: 700 });
  const duplicates = await page.evaluate(() => {
    const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
    return ids.filter((id, i) => ids.indexOf(id) !== i);
  });
  assert.deepEqual(duplicates, []);

  for (const embed of ['tiktok', 'meta']) {
    const links = page.locator(`#${embed} a[href^="#"]`);
    const count = await links.count();
    assert.ok(count >= (embed === 'meta' ? 6 : 2), `${embed} has ${count} in-guide links`);
    for (let i = 0; i < count; i += 1) {
      const link = links.nth(i);
      const href = await link.getAttribute('href');
      assert.ok(href.startsWith(`#gs-${embed}-`), href);
      await link.click();
      const jump = await page.evaluate((embedId) => {
        const target = document.querySelector(':target');
        const top = target?.getBoundingClientRect().top;
        return { hash: location.hash, within: !!target && document.getElementById(embedId).contains(target), top };
      }, embed);
      assert.equal(jump.hash, href);
      assert.ok(jump.within, `${href} jumps out of the ${embed} embed`);
      assert.ok(jump.top >= -1 && jump.top < 700, `${href} is not scrolled into view (top ${jump.top})`);
    }
  }
  await page.locator('header a[href="#onboard"]').click();
  assert.equal(await page.evaluate(() => document.querySelector(':target')?.closest('header') !== null), true, "the portal's own #onboard is its own");
  assert.deepEqual(page.problems, []);
  await page.screenshot({ path: path.join(artifacts, 'portal-two-embeds.png'), fullPage: true });
  assert.deepEqual(await axeViolations(page), []);
  await page.close();
  await server.close();
  assert.deepEqual(htmlErrors([file]), []);
});

test('the TypeScript client compiles with tsc --strict against types generated from manifest.schema.json', async () => {
  const dir = path.join(work, 'contract-types');
  fs.mkdirSync(dir, { recursive: true });
  const types = await compileFromFile(path.join(site(), 'manifest.schema.json'), { bannerComment: '' });
  fs.writeFileSync(path.join(dir, 'manifest.d.ts'), types);
  // What the schema must say precisely: each expected error proves a constraint is typed.
  fs.writeFileSync(path.join(dir, 'precise.ts'), `import type { Manifest, ManifestField } from './manifest.js';
// @ts-expect-error: version is the constant 2
export const version: Manifest['version'] = 1;
// @ts-expect-error: a field type is one the theme renders
export const kind: ManifestField['type'] = 'date';
`);
  const portal = path.join(repo, 'examples', 'portal');
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler',
      lib: ['es2022', 'dom', 'dom.iterable'], types: [], rootDirs: [portal, dir],
    },
    files: [path.join(portal, 'portal.ts'), path.join(dir, 'precise.ts'), path.join(dir, 'manifest.d.ts')],
  }));
  const tsc = path.join(import.meta.dirname, 'node_modules', '.bin', 'tsc');
  const run = spawnSync(tsc, ['--strict', '--noEmit', '-p', path.join(dir, 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(run.status, 0, `tsc failed:\n${run.stdout}${run.stderr}`);
});
