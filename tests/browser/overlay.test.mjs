// What an author sees in `guidesite serve`'s error overlay, in Chromium:
// each diagnostic's source line with the caret under the character it points
// at, whatever comes before it on the line (ASCII, CJK, tabs), the location
// as a link to the editor URL of `editor:` (VS Code by default), and the
// guide's own HTML shown as text, never run.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { artifacts, binary, open, work } from './harness.mjs';

const guide = `---
source: acme
title: Acme access guide
platform: Acme
summary: Grant Analyst access to your Acme ad account.
access:
  grantee: data@example.com
  role: Analyst
contacts: [ops@example.com]
onboard:
  portal: https://portal.example.com/onboard
  fields:
    - { name: account_id, label: Account Id, type: text, required: true, help: The id of your ad account }
---
## Grant access

1. Open the **Members** page, then TODO.
2. Invite [data@example.com](mailto:data@example.com) as a member.
3. Give the member the **Analyst** role.

日本語の説明 TODO ここ。

Note:\tsee\tTODO here.

<img src=x onerror=alert(1)> TODO too.
`;

/** Where the `TODO` of the line with `needle` is, as the overlay says it (`content/acme.md:17:36`). */
function todoOn(needle) {
  const lines = guide.split('\n');
  const index = lines.findIndex((l) => l.includes(needle));
  // Columns count characters, all of them in the BMP here.
  return `content/acme.md:${index + 1}:${lines[index].indexOf('TODO') + 1}`;
}

let root;
let base;
let server;
let log = '';

before(async () => {
  root = path.join(work, 'overlay-site');
  fs.mkdirSync(path.join(root, 'content'), { recursive: true });
  fs.writeFileSync(path.join(root, 'content', 'acme.md'), guide);
  server = spawn(binary, ['--root', root, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderr.on('data', (chunk) => { log += chunk; });
  const line = await new Promise((resolve, reject) => {
    readline.createInterface({ input: server.stdout }).once('line', resolve);
    server.once('exit', (code) => reject(new Error(`guidesite serve exited with ${code}: ${log}`)));
  });
  base = line.match(/http:\/\/[^/\s]+/)[0];
});

after(() => server?.kill());

/**
 * For the overlay item at `location`: the href of its location link, its
 * source lines as shown, and where the first caret and the first `token` of
 * the source line are drawn (left and right edges, in pixels).
 */
function measure(page, location, token) {
  return page.evaluate(({ location, token }) => {
    const item = [...document.querySelectorAll('#guidesite-overlay li')]
      .find((li) => li.querySelector('a code')?.textContent === location);
    if (!item) return null;
    const pre = item.querySelector('pre');
    const text = pre.textContent;
    // The pre reads: an empty gutter line, `N | line`, then the caret line.
    const sourceStart = text.indexOf('\n') + 1;
    const caretLineStart = text.indexOf('\n', sourceStart) + 1;
    const tokenAt = text.indexOf(token, sourceStart);
    const caretAt = text.indexOf('^', caretLineStart);
    const caretEnd = text.lastIndexOf('^') + 1;
    /** The drawn box of the characters from..to of the pre's text. */
    const box = (from, to) => {
      const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      let seen = 0;
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const length = node.data.length;
        if (from >= seen && from < seen + length) range.setStart(node, from - seen);
        if (to > seen && to <= seen + length) range.setEnd(node, to - seen);
        seen += length;
      }
      const rect = range.getBoundingClientRect();
      return { left: rect.left, right: rect.right };
    };
    return {
      href: item.querySelector('a').getAttribute('href'),
      text,
      target: box(tokenAt, tokenAt + token.length),
      caret: box(caretAt, caretEnd),
    };
  }, { location, token });
}

test('the caret is drawn under the character it points at, after ASCII, CJK and tabs', async () => {
  const page = await open(`${base}/acme/`, { timeout: 5000 });
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.locator('#guidesite-overlay pre').first().waitFor();
  const file = fs.realpathSync(path.join(root, 'content', 'acme.md'));
  const cases = [
    ['ASCII', todoOn('Members')],
    ['CJK', todoOn('日本語')],
    ['tabs', todoOn('Note:')],
  ];
  for (const [what, location] of cases) {
    const seen = await measure(page, location, 'TODO');
    assert.ok(seen, `${what}: no overlay item with a linked location ${location}\n${log}`);
    const [, line, column] = location.split(':');
    assert.equal(seen.href, `vscode://file${file}:${line}:${column}`, what);
    assert.ok(Math.abs(seen.caret.left - seen.target.left) < 1,
      `${what}: the caret starts at ${seen.caret.left}px, TODO at ${seen.target.left}px:\n${seen.text}`);
    assert.ok(Math.abs(seen.caret.right - seen.target.right) < 1,
      `${what}: the caret ends at ${seen.caret.right}px, TODO at ${seen.target.right}px:\n${seen.text}`);
  }

  const hostile = await measure(page, todoOn('<img'), 'TODO');
  assert.match(hostile.text, /<img src=x onerror=alert\(1\)> TODO too\./, 'the guide\'s HTML is shown as text');
  assert.equal(await page.locator('#guidesite-overlay img').count(), 0, 'and never becomes an element');
  assert.deepEqual(dialogs, [], 'nothing in the overlay runs');
  await page.locator('#guidesite-overlay').screenshot({ path: path.join(artifacts, 'overlay.png') });
  await page.close();
});
