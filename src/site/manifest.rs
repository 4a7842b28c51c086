//! What the portal consumes. The JSON Schema is generated from these types.
//!
//! The types borrow from the guides: an entry is built, serialised and
//! dropped in the task that renders its guide, so a large site never holds
//! its manifest as a tree of small strings.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::content::front_matter::FIELD_TYPES;

/// Bumped on any incompatible change to the manifest's shape (2: steps
/// carry `id` and `embed_id`, and the embeds' ids are prefixed).
pub const MANIFEST_VERSION: u32 = 2;

// `G` is `ManifestGuide` for the schema, and the entries already serialised
// (`Entry`) when it is written.
/// `dist/manifest.json`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Manifest")]
pub struct Manifest<'a, G> {
    /// The manifest's format; it changes on any incompatible change to its shape.
    #[schemars(schema_with = "version_schema")]
    pub version: u32,
    /// The help site's URL, ending in `/` (`site.yaml` `base_url`, or `--base-url`). Every URL of the site in this manifest starts with it: they are absolute when it is absolute (`https://…/`), root-relative when it starts with `/` (the default, `/`).
    pub base_url: &'a str,
    /// The CSS that styles the embeds (`base_url` followed by the stylesheet's path); every selector is scoped to a `guidesite-` class, so it cannot restyle the portal's own page.
    pub stylesheet: &'a str,
    /// Every guide, ordered as on the help site's index: by `order` (guides without one last), then title, then source.
    pub guides: &'a [G],
}

/// One guide's manifest entry, serialised (compact JSON).
pub type Entry = Box<RawValue>;

/// One data source's guide.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestGuide<'a> {
    /// The data source's id (`[a-z0-9][a-z0-9-]*`), the guide's file name `content/<source>.md`.
    pub source: &'a str,
    /// The guide's title (front matter `title`).
    pub title: &'a str,
    /// The ad platform's name as readers know it (front matter `platform`).
    pub platform: &'a str,
    /// One sentence on what the guide achieves (front matter `summary`); may be empty.
    pub summary: &'a str,
    /// The guide's place on the index (front matter `order`), or null when it has none.
    pub order: Option<i64>,
    /// The full guide page: `base_url` followed by `<source>/`.
    pub url: String,
    /// The guide as an HTML fragment for the portal (no `<html>`/`<head>`, no script): `base_url` followed by `embed/<source>.html`. Every id in it, and every in-guide `#fragment` link, is prefixed with `gs-<source>-`.
    pub embed_url: String,
    /// The SHA-256 (lowercase hex) of the embed's bytes: it changes exactly when the embed does, so the portal can cache the embed by it.
    pub hash: String,
    /// Who must be given access and with which role (front matter `access`), or null.
    pub access: Option<ManifestAccess<'a>>,
    /// The e-mail addresses that must have access before onboarding is requested, in front matter order.
    pub contacts: Vec<&'a str>,
    /// The onboarding form (front matter `onboard`), or null when the guide has none.
    pub onboard: Option<ManifestOnboard<'a>>,
    /// The numbered steps of the guide (items of its top-level ordered lists), in order.
    pub steps: Vec<ManifestStep<'a>>,
    /// Every distinct link of the guide, in the order first linked, as published on the guide page: external links as written (`https://…`, `mailto:…`); links within the help site (to this guide's own headings too) are `base_url` followed by the path, so absolute when `base_url` is absolute and root-relative when it starts with `/`. Destinations the sanitiser drops (`javascript:` …) are left out.
    pub links: Vec<Cow<'a, str>>,
    /// Every distinct image of the site the guide shows, in order, so that the portal can preload them.
    pub images: Vec<ManifestImage<'a>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestAccess<'a> {
    /// The e-mail address to which access is granted.
    pub grantee: &'a str,
    /// The role it must be given on the platform (e.g. `Analyst`).
    pub role: &'a str,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestOnboard<'a> {
    /// The portal page where onboarding happens, as written in front matter `onboard.portal`: an absolute http(s) URL unless `lints:` lowers the error `form/invalid`.
    pub portal: &'a str,
    /// Where the form posts (`site.yaml` `onboard.endpoint`), or null when unset: then the form links to `portal` instead.
    pub endpoint: Option<&'a str>,
    /// The form's controls, in order.
    pub fields: Vec<ManifestField<'a>>,
}

/// One form control, as the theme renders it.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestField<'a> {
    /// The control's `name`, the key of its value in the submitted form.
    pub name: &'a str,
    /// The control's visible label.
    pub label: &'a str,
    /// The kind of control: an `<input>` of this `type`, or a `<select>` or `<textarea>`.
    #[serde(rename = "type")]
    #[schemars(schema_with = "field_type_schema")]
    pub kind: &'a str,
    /// The placeholder shown while the control is empty, or null.
    pub placeholder: Option<&'a str>,
    /// An HTML `pattern` the value must match (the browser anchors it: the whole value must match), or null.
    pub pattern: Option<&'a str>,
    /// The message shown when the value does not match `pattern`; the embed
    /// carries it as `title` and `data-pattern-message` for the portal to use.
    pub pattern_message: Option<&'a str>,
    /// Whether the form cannot be sent without a value.
    pub required: bool,
    /// A sentence shown under the control (its accessible description), or null.
    pub help: Option<&'a str>,
    /// A `select`'s choices; empty for other types, and for a `select` the portal fills (its options are marked `data-portal-options` in the embed).
    pub options: &'a [String],
}

/// An image the guide shows.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestImage<'a> {
    /// Its URL: `base_url` followed by its path, so absolute when `base_url` is absolute.
    pub url: &'a str,
    /// Its intrinsic width in pixels.
    pub width: u32,
    /// Its intrinsic height in pixels.
    pub height: u32,
    /// The SHA-256 (lowercase hex) of its bytes.
    pub hash: &'a str,
}

/// One step of the guide.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestStep<'a> {
    /// The text of the heading the step sits under, or null before any heading.
    pub section: Option<&'a str>,
    /// The number a reader sees (the list's start plus the item's position).
    pub number: u64,
    /// The step's plain text, whitespace collapsed.
    pub text: &'a str,
    /// The step's id on the guide page: `url` followed by `#` and it links to the step.
    pub id: &'a str,
    /// The step's id in the embed (`gs-<source>-` followed by `id`): unique on a portal page that shows several embeds.
    pub embed_id: String,
}

/// `version` is exactly [`MANIFEST_VERSION`].
fn version_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "const": MANIFEST_VERSION })
}

/// A field's `type` is one the theme renders.
fn field_type_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": FIELD_TYPES })
}

/// Serialises one entry, to be placed in the manifest by [`ManifestWriter`].
pub fn entry(guide: &ManifestGuide) -> Entry {
    serde_json::value::to_raw_value(guide).expect("a manifest entry always serialises")
}

/// Writes `manifest.json` (compact: at 10,000 guides it is tens of
/// megabytes that only programs read) entry by entry, in index order, so no
/// more than a batch of entries is ever held.
pub struct ManifestWriter<W: std::io::Write> {
    out: W,
    first: bool,
}

/// What follows the last entry: the end of `guides`, the end of the manifest.
const TAIL: &str = "]}";

impl<W: std::io::Write> ManifestWriter<W> {
    /// Writes everything before the first entry.
    pub fn new(base_url: &str, stylesheet: &str, mut out: W) -> std::io::Result<Self> {
        // The manifest without guides, cut where its entries go: its shape
        // stays the one the schema is generated from (`guides` comes last).
        let empty = serde_json::to_string(&Manifest::<Entry> {
            version: MANIFEST_VERSION,
            base_url,
            stylesheet,
            guides: &[],
        })?;
        let head = empty
            .strip_suffix(TAIL)
            .filter(|head| head.ends_with('['))
            .expect("`guides` is the manifest's last field");
        out.write_all(head.as_bytes())?;
        Ok(ManifestWriter { out, first: true })
    }

    pub fn push(&mut self, entry: &RawValue) -> std::io::Result<()> {
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        self.out.write_all(entry.get().as_bytes())
    }

    /// Writes the end and returns the writer, flushed.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.write_all(TAIL.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// `dist/manifest.schema.json`, pretty-printed.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Manifest<'static, ManifestGuide<'static>>);
    let mut json = serde_json::to_string_pretty(&schema).expect("a schema always serialises");
    json.push('\n');
    json
}
