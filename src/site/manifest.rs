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

// `G` is `ManifestGuide` for the schema, and the entries already serialised
// (`Entry`) when it is written.
/// `dist/manifest.json`.
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
    /// The message shown when the value does not match `pattern`; the embed
    /// carries it as `title` and `data-pattern-message` for the portal to use.
    pub pattern_message: Option<&'a str>,
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
