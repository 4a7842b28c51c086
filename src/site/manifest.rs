//! What the portal consumes. The JSON Schema is generated from these types.

use schemars::JsonSchema;
use serde::Serialize;

/// Bumped on any incompatible change to the manifest's shape.
pub const MANIFEST_VERSION: u32 = 1;

/// `dist/manifest.json`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub version: u32,
    /// Every URL below starts with it.
    pub base_url: String,
    /// CSS that styles the embeds; every selector is scoped to a `guidesite-` class.
    pub stylesheet: String,
    /// Ordered as on the index: by `order`, then title.
    pub guides: Vec<ManifestGuide>,
}

/// One data source's guide.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestGuide {
    pub source: String,
    pub title: String,
    pub platform: String,
    pub summary: String,
    pub order: Option<i64>,
    /// The full guide page.
    pub url: String,
    /// The embeddable fragment (no `<html>`/`<head>`).
    pub embed_url: String,
    /// SHA-256 (hex) of the embed fragment's bytes, to cache by.
    pub hash: String,
    pub access: Option<ManifestAccess>,
    /// Addresses that must have access before onboarding.
    pub contacts: Vec<String>,
    pub onboard: Option<ManifestOnboard>,
    pub steps: Vec<ManifestStep>,
    /// Every distinct link of the guide as an absolute URL (or `mailto:`), in
    /// order; destinations the sanitiser drops (`javascript:` …) are left out.
    pub links: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestAccess {
    pub grantee: String,
    pub role: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestOnboard {
    /// The portal page where onboarding happens.
    pub portal: String,
    /// Where the form posts, when `site.yaml` sets `onboard.endpoint`.
    pub endpoint: Option<String>,
    pub fields: Vec<ManifestField>,
}

/// One form control, as the theme renders it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestField {
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub placeholder: Option<String>,
    /// An HTML `pattern` (the browser anchors it).
    pub pattern: Option<String>,
    pub required: bool,
    pub help: Option<String>,
    pub options: Vec<String>,
}

/// One step of the guide.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestStep {
    /// The heading the step sits under.
    pub section: Option<String>,
    pub number: u64,
    pub text: String,
}

/// Writes `manifest.json`, pretty-printed, streamed: at 10,000 guides it is
/// tens of megabytes, better not held in memory whole.
pub fn write_json(manifest: &Manifest, mut out: impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut out, manifest)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// `dist/manifest.schema.json`, pretty-printed.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Manifest);
    let mut json = serde_json::to_string_pretty(&schema).expect("a schema always serialises");
    json.push('\n');
    json
}
