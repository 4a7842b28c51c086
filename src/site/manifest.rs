//! What the portal consumes. The JSON Schema is generated from these types.
//!
//! The types borrow from the guides: an entry is built, serialised and
//! dropped in the task that renders its guide, so a large site never holds
//! its manifest as a tree of small strings.

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::value::RawValue;

/// Bumped on any incompatible change to the manifest's shape.
pub const MANIFEST_VERSION: u32 = 1;

/// `dist/manifest.json`. `G` is [`ManifestGuide`] for the schema, and the
/// entries already serialised ([`Entry`]) when it is written.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Manifest")]
pub struct Manifest<'a, G> {
    pub version: u32,
    /// Every URL below starts with it.
    pub base_url: &'a str,
    /// CSS that styles the embeds; every selector is scoped to a `guidesite-` class.
    pub stylesheet: &'a str,
    /// Ordered as on the index: by `order`, then title.
    pub guides: &'a [G],
}

/// One guide's manifest entry, serialised (compact JSON).
pub type Entry = Box<RawValue>;

/// One data source's guide.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestGuide<'a> {
    pub source: &'a str,
    pub title: &'a str,
    pub platform: &'a str,
    pub summary: &'a str,
    pub order: Option<i64>,
    /// The full guide page.
    pub url: String,
    /// The embeddable fragment (no `<html>`/`<head>`).
    pub embed_url: String,
    /// SHA-256 (hex) of the embed fragment's bytes, to cache by.
    pub hash: String,
    pub access: Option<ManifestAccess<'a>>,
    /// Addresses that must have access before onboarding.
    pub contacts: Vec<&'a str>,
    pub onboard: Option<ManifestOnboard<'a>>,
    pub steps: Vec<ManifestStep<'a>>,
    /// Every distinct link of the guide as an absolute URL (or `mailto:`), in
    /// order; destinations the sanitiser drops (`javascript:` …) are left out.
    pub links: Vec<Cow<'a, str>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestAccess<'a> {
    pub grantee: &'a str,
    pub role: &'a str,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestOnboard<'a> {
    /// The portal page where onboarding happens.
    pub portal: &'a str,
    /// Where the form posts, when `site.yaml` sets `onboard.endpoint`.
    pub endpoint: Option<&'a str>,
    pub fields: Vec<ManifestField<'a>>,
}

/// One form control, as the theme renders it.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestField<'a> {
    pub name: &'a str,
    pub label: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub placeholder: Option<&'a str>,
    /// An HTML `pattern` (the browser anchors it).
    pub pattern: Option<&'a str>,
    pub required: bool,
    pub help: Option<&'a str>,
    pub options: &'a [String],
}

/// One step of the guide.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestStep<'a> {
    /// The heading the step sits under.
    pub section: Option<&'a str>,
    pub number: u64,
    pub text: &'a str,
}

/// Serialises one entry, to be placed in the manifest by [`write_json`].
pub fn entry(guide: &ManifestGuide) -> Entry {
    serde_json::value::to_raw_value(guide).expect("a manifest entry always serialises")
}

/// Writes `manifest.json` (compact: at 10,000 guides it is tens of
/// megabytes that only programs read) from entries in index order.
pub fn write_json(
    base_url: &str,
    stylesheet: &str,
    guides: &[impl Serialize],
    mut out: impl std::io::Write,
) -> std::io::Result<()> {
    let manifest = Manifest {
        version: MANIFEST_VERSION,
        base_url,
        stylesheet,
        guides,
    };
    serde_json::to_writer(&mut out, &manifest)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// `dist/manifest.schema.json`, pretty-printed.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Manifest<'static, ManifestGuide<'static>>);
    let mut json = serde_json::to_string_pretty(&schema).expect("a schema always serialises");
    json.push('\n');
    json
}
