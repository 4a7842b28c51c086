// An example portal page embedding guidesite guides. Documentation for the
// portal's developers as much as a test fixture: no framework, no build step.

const manifestUrl = document.currentScript?.dataset.manifest
  ?? document.querySelector('script[data-manifest]').dataset.manifest;

// What the portal knows about the signed-in client; invented for the example.
const client = {
  sourceIds: { tiktok: ['7012345678901234567', '7098765432109876543'] },
  pendingRequests: [],
};

const list = document.getElementById('guides');
const slot = document.getElementById('guide');
const status = document.getElementById('status');

async function sha256Hex(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function useStylesheet(href) {
  if (!document.querySelector(`link[data-guidesite][href="${CSS.escape(href)}"]`)) {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    link.dataset.guidesite = '';
    document.head.append(link);
  }
}

async function show(guide) {
  const response = await fetch(guide.embed_url);
  if (!response.ok) throw new Error(`${guide.embed_url}: HTTP ${response.status}`);
  const html = await response.text();
  // The hash lets the portal cache embeds; a mismatch means a stale manifest.
  if ((await sha256Hex(html)) !== guide.hash) {
    status.textContent = `The ${guide.platform} guide changed since the manifest was read.`;
  }
  // guidesite sanitises guides at build time; the fragment holds no script.
  slot.innerHTML = html;
  for (const select of slot.querySelectorAll('select[data-portal-options]')) {
    for (const value of client.sourceIds[guide.source] ?? []) {
      select.append(new Option(value, value));
    }
  }
  // The guide's words when a value does not match its pattern, instead of
  // the browser's "match the requested format".
  for (const input of slot.querySelectorAll('input[data-pattern-message]')) {
    const explain = () => input.setCustomValidity(input.validity.patternMismatch ? input.dataset.patternMessage : '');
    input.addEventListener('input', explain);
    explain();
  }
  const pending = slot.querySelector('[data-pending-requests]');
  if (pending && client.pendingRequests.length > 0) {
    pending.replaceChildren(...client.pendingRequests.map((r) => Object.assign(document.createElement('p'), { textContent: r })));
  }
}

async function main() {
  const manifest = await (await fetch(manifestUrl)).json();
  if (manifest.version !== 2) throw new Error(`unsupported manifest version ${manifest.version}`);
  useStylesheet(manifest.stylesheet);
  list.replaceChildren(...manifest.guides.map((guide) => {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = guide.platform;
    button.addEventListener('click', () => show(guide).catch((e) => { status.textContent = e.message; }));
    item.append(button);
    return item;
  }));
}

main().catch((e) => { status.textContent = `Cannot load the guides: ${e.message}`; });
