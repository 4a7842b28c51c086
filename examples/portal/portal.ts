// The example portal's client (portal.js) as typed TypeScript: the types come
// from the manifest's JSON Schema, generated beside this file with
//   npx json2ts dist/manifest.schema.json > manifest.d.ts
// so a change to the manifest's shape fails `tsc --strict` here, not in
// production. The browser tests compile it against the schema they build.

import type { Manifest, ManifestGuide } from './manifest.js';

/** The manifest version this client understands. */
const MANIFEST_VERSION = 2;

/** The manifest, refused when its version is not the one this client was typed against. */
export async function loadManifest(url: string): Promise<Manifest> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const manifest = (await response.json()) as Manifest;
  if (manifest.version !== MANIFEST_VERSION) {
    throw new Error(`unsupported manifest version ${String(manifest.version)}`);
  }
  return manifest;
}

/** The guide of data source `source`, if the help site has one. */
export function pickGuide(manifest: Manifest, source: string): ManifestGuide | undefined {
  return manifest.guides.find((guide) => guide.source === source);
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Loads the embeds' stylesheet once (every rule is scoped to `.guidesite-*`). */
export function useStylesheet(manifest: Manifest): void {
  if (document.querySelector(`link[data-guidesite][href="${CSS.escape(manifest.stylesheet)}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = manifest.stylesheet;
  link.dataset.guidesite = '';
  document.head.append(link);
}

/** The guide's embed, and whether its bytes match the manifest's `hash` (a mismatch: a stale manifest). */
export async function fetchEmbed(guide: ManifestGuide): Promise<{ html: string; current: boolean }> {
  const response = await fetch(guide.embed_url);
  if (!response.ok) throw new Error(`${guide.embed_url}: HTTP ${response.status}`);
  const html = await response.text();
  return { html, current: (await sha256Hex(html)) === guide.hash };
}

/**
 * Inserts an embed into `slot` and fills what only the portal knows: the
 * client's source ids. guidesite sanitises guides at build time; the
 * fragment holds no script. Its ids are prefixed `gs-<source>-`, so several
 * embeds can share a page; a step's anchor in it is `step.embed_id`.
 */
export function insertEmbed(slot: HTMLElement, html: string, sourceIds: readonly string[]): void {
  slot.innerHTML = html;
  for (const select of slot.querySelectorAll<HTMLSelectElement>('select[data-portal-options]')) {
    for (const value of sourceIds) select.append(new Option(value, value));
  }
}

/** Shows `source`'s guide in `slot`; `stepId`, a step's `embed_id`, is scrolled into view. */
export async function showGuide(manifest: Manifest, source: string, slot: HTMLElement, sourceIds: readonly string[], stepId?: string): Promise<void> {
  const guide = pickGuide(manifest, source);
  if (!guide) throw new Error(`no guide for ${source}`);
  const { html, current } = await fetchEmbed(guide);
  if (!current) console.warn(`The ${guide.platform} guide changed since the manifest was read.`);
  insertEmbed(slot, html, sourceIds);
  const step = guide.steps.find((s) => s.embed_id === stepId);
  if (step) document.getElementById(step.embed_id)?.scrollIntoView();
}
