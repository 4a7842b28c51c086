//! `site.yaml`: every key optional, defaults in one place, unknown keys refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;

use crate::diag::{Code, Severity, did_you_mean};
use crate::{site_root, yaml};

/// The whole site configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    /// Absolute URL (or `/`) that every generated URL starts with; ends with `/`.
    pub base_url: String,
    pub theme: String,
    pub language: String,
    pub onboard: OnboardConfig,
    pub links: LinkConfig,
    pub emails: EmailConfig,
    pub images: ImagesConfig,
    /// Where `serve`'s overlay links a diagnostic's location.
    pub editor: EditorPattern,
    /// The portal's origin, when it is not the help site's: the written
    /// `_headers` let it fetch the manifest, the embeds and the stylesheet.
    pub portal_origin: Option<Origin>,
    pub lints: BTreeMap<Code, Severity>,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            title: "Data source onboarding".into(),
            base_url: "/".into(),
            theme: "default".into(),
            language: "en".into(),
            onboard: OnboardConfig::default(),
            links: LinkConfig::default(),
            emails: EmailConfig::default(),
            images: ImagesConfig::default(),
            editor: EditorPattern::default(),
            portal_origin: None,
            lints: BTreeMap::new(),
        }
    }
}

/// `images:`: what a published image may weigh, and the widths of its
/// resized variants.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImagesConfig {
    /// `image/too-large` above this many bytes.
    pub max_bytes: u64,
    pub widths: VariantWidths,
}

impl Default for ImagesConfig {
    fn default() -> Self {
        ImagesConfig {
            max_bytes: 800_000,
            widths: VariantWidths(vec![800, 1600]),
        }
    }
}

/// `images.widths`: the widths, in pixels, of the variants made of wider
/// images; ascending, each once. Empty turns variants off.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Vec<u32>")]
pub struct VariantWidths(Vec<u32>);

impl VariantWidths {
    /// A width below this is no screen's, and above it no screenshot's.
    const RANGE: std::ops::RangeInclusive<u32> = 16..=8192;
    /// Each width is a file per image: a few cover every screen.
    const MOST: usize = 8;

    pub fn as_slice(&self) -> &[u32] {
        &self.0
    }
}

impl TryFrom<Vec<u32>> for VariantWidths {
    type Error = String;

    fn try_from(mut widths: Vec<u32>) -> Result<Self, String> {
        if let Some(bad) = widths.iter().find(|w| !Self::RANGE.contains(w)) {
            return Err(format!(
                "images.widths: {bad} is not a width between {} and {} pixels",
                Self::RANGE.start(),
                Self::RANGE.end()
            ));
        }
        widths.sort_unstable();
        widths.dedup();
        if widths.len() > Self::MOST {
            return Err(format!(
                "images.widths: {} widths; at most {} (each is one more file per image)",
                widths.len(),
                Self::MOST
            ));
        }
        Ok(VariantWidths(widths))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OnboardConfig {
    /// Where forms post; unset means the form links to the guide's portal instead.
    pub endpoint: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkConfig {
    pub timeout_secs: u64,
    pub retries: u32,
    pub concurrency: usize,
    pub per_host: usize,
    pub retry_after_max_secs: u64,
    /// Statuses counted as reachable; empty means every 2xx.
    pub accept: Vec<u16>,
    pub exclude: Vec<String>,
    pub cache_ttl_secs: u64,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            timeout_secs: 10,
            retries: 2,
            concurrency: 32,
            per_host: 4,
            retry_after_max_secs: 30,
            accept: Vec::new(),
            exclude: Vec::new(),
            cache_ttl_secs: 86_400,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailConfig {
    pub allowed_domains: Vec<String>,
    pub check_domains: bool,
    pub resolver: String,
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            allowed_domains: Vec::new(),
            check_domains: true,
            resolver: "system".into(),
        }
    }
}

/// `editor:`, a URL pattern that opens a file at a line in the author's
/// editor: `{path}` (the file's absolute path), `{line}` and `{column}`
/// (1-based) are filled in. Checked when read, so a typo is a config error
/// rather than a dead link, and a pattern that would run script in the page
/// (`javascript:`) is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditorPattern(Vec<EditorPart>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum EditorPart {
    Text(String),
    Path,
    Line,
    Column,
}

/// What `{path}` may leave unencoded: the path's `/` and URL-safe
/// punctuation; everything else (space, `#`, `?`, `%`, `&`, non-ASCII) is
/// percent-encoded, so the path stays one piece of the URL wherever the
/// pattern puts it.
const PATH_KEEPS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Schemes whose URLs run in the page instead of opening an application.
const SCRIPT_SCHEMES: [&str; 3] = ["javascript", "vbscript", "data"];

impl EditorPattern {
    const DEFAULT: &str = "vscode://file/{path}:{line}:{column}";
    const PLACEHOLDERS: [&str; 3] = ["{path}", "{line}", "{column}"];

    /// The URL that opens `path` (absolute) at `line` and `column`. A `/`
    /// right before `{path}` stands for the absolute path's own leading `/`:
    /// `vscode://file/{path}` gives `vscode://file/home/me/a.md` (a doubled
    /// slash would make VS Code read `home` as a network host).
    pub fn url(&self, path: &Path, line: usize, column: usize) -> String {
        let mut url = String::new();
        for part in &self.0 {
            match part {
                EditorPart::Text(text) => url.push_str(text),
                EditorPart::Line => url.push_str(&line.to_string()),
                EditorPart::Column => url.push_str(&column.to_string()),
                EditorPart::Path => {
                    let bytes = path.as_os_str().as_encoded_bytes();
                    let bytes = match bytes.strip_prefix(b"/") {
                        Some(rest) if url.ends_with('/') => rest,
                        _ => bytes,
                    };
                    url.extend(percent_encoding::percent_encode(bytes, PATH_KEEPS));
                }
            }
        }
        url
    }
}

impl Default for EditorPattern {
    fn default() -> Self {
        Self::DEFAULT.parse().expect("the default pattern is valid")
    }
}

impl FromStr for EditorPattern {
    type Err = String;

    /// Splits a pattern into text and placeholders; the error says what is
    /// wrong in the author's words.
    fn from_str(pattern: &str) -> Result<Self, Self::Err> {
        check_editor_scheme(pattern)?;
        let mut parts = Vec::new();
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(EditorPart::Text(rest[..open].to_string()));
            }
            let Some(close) = rest[open..].find('}').map(|i| open + i + 1) else {
                return Err(format!(
                    "`{{` without `}}` in `editor`: the placeholders are {}",
                    placeholder_list()
                ));
            };
            parts.push(match &rest[open..close] {
                "{path}" => EditorPart::Path,
                "{line}" => EditorPart::Line,
                "{column}" => EditorPart::Column,
                unknown => return Err(unknown_placeholder(unknown)),
            });
            rest = &rest[close..];
        }
        if !rest.is_empty() {
            parts.push(EditorPart::Text(rest.to_string()));
        }
        if !parts.contains(&EditorPart::Path) {
            return Err(format!(
                "`editor` has no `{{path}}`: it could not say which file to open (the default is `{}`)",
                Self::DEFAULT
            ));
        }
        Ok(EditorPattern(parts))
    }
}

fn unknown_placeholder(unknown: &str) -> String {
    let hint = did_you_mean(unknown, &EditorPattern::PLACEHOLDERS);
    let hint = if hint.is_empty() {
        format!(": the placeholders are {}", placeholder_list())
    } else {
        hint
    };
    format!("unknown placeholder `{unknown}` in `editor`{hint}")
}

fn placeholder_list() -> String {
    EditorPattern::PLACEHOLDERS
        .map(|p| format!("`{p}`"))
        .join(", ")
}

/// An editor pattern starts with a scheme (`vscode:`, `idea:`, `http:` …)
/// that is not one of [`SCRIPT_SCHEMES`], and has no whitespace or control
/// characters (which browsers drop from a URL: `java\tscript:` runs).
fn check_editor_scheme(pattern: &str) -> Result<(), String> {
    if pattern.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("`editor` is a URL: it may not contain spaces or control characters".into());
    }
    let scheme = pattern
        .split_once(':')
        .map(|(scheme, _)| scheme)
        .filter(|s| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
        .ok_or_else(|| {
            format!(
                "`editor` must start with a URL scheme such as `vscode:` (the default is `{}`)",
                EditorPattern::DEFAULT
            )
        })?;
    if SCRIPT_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) {
        return Err(format!(
            "`editor` may not be a `{scheme}:` URL, which would run in the page instead of opening an editor"
        ));
    }
    Ok(())
}

impl<'de> Deserialize<'de> for EditorPattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pattern = String::deserialize(d)?;
        pattern.parse().map_err(serde::de::Error::custom)
    }
}

/// A web origin, `https://portal.example.com` or `http://127.0.0.1:3000`:
/// exactly what a browser sends as `Origin` and compares
/// `Access-Control-Allow-Origin` with (a path or a trailing `/` never matches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(String);

impl Origin {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Origin {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // Schemes and hosts compare without case; browsers send them lowercase.
        let origin = text.strip_suffix('/').unwrap_or(text).to_ascii_lowercase();
        let usage = || {
            format!(
                "`{text}` is not an origin: write the scheme and host (and port) the portal is \
                 served from, nothing after them, such as `https://portal.example.com`"
            )
        };
        let (scheme, host) = origin.split_once("://").ok_or_else(usage)?;
        let host_chars = |c: char| c.is_ascii_alphanumeric() || "-.:[]".contains(c);
        let valid =
            matches!(scheme, "http" | "https") && !host.is_empty() && host.chars().all(host_chars);
        if valid {
            Ok(Origin(origin))
        } else {
            Err(usage())
        }
    }
}

impl<'de> Deserialize<'de> for Origin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let origin = String::deserialize(d)?;
        origin.parse().map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// `site.yaml` could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

impl SiteConfig {
    /// Parses configuration text; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        if text.trim().is_empty() {
            return Ok(SiteConfig::default());
        }
        let mut config: SiteConfig = yaml::parse(text).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: e.line,
            column: e.column,
            message: e.message,
        })?;
        if !config.base_url.ends_with('/') {
            config.base_url.push('/');
        }
        Ok(config)
    }

    /// Reads `<root>/site.yaml`; a missing file means all defaults.
    pub fn load(root: &Path) -> Result<Self, ConfigError> {
        let path = root.join("site.yaml");
        if path.is_symlink() && !site_root::resolves_inside(root, &path) {
            let message = format!("it {}, and is not read", site_root::LEADS_OUTSIDE);
            return Err(ConfigError::Read {
                path,
                source: std::io::Error::other(message),
            });
        }
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, Path::new("site.yaml")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SiteConfig::default()),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// The severity of `code` after `lints:` overrides.
    pub fn severity(&self, code: Code) -> Severity {
        self.lints
            .get(&code)
            .copied()
            .unwrap_or(code.default_severity())
    }

    /// Replaces the base URL (the `--base-url` flag), keeping the trailing `/`.
    pub fn with_base_url(mut self, base_url: Option<&str>) -> Self {
        if let Some(url) = base_url {
            self.base_url = url.to_string();
            if !self.base_url.ends_with('/') {
                self.base_url.push('/');
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_all_defaults() {
        let c = SiteConfig::parse("", Path::new("site.yaml")).unwrap();
        assert_eq!(c.base_url, "/");
        assert_eq!(c.severity(Code::LinkInsecure), Severity::Warn);
    }

    #[test]
    fn lints_override_severity() {
        let c =
            SiteConfig::parse("lints:\n  link/insecure: error\n", Path::new("site.yaml")).unwrap();
        assert_eq!(c.severity(Code::LinkInsecure), Severity::Error);
    }

    #[test]
    fn unknown_lint_code_is_an_error_with_suggestion() {
        let err = SiteConfig::parse("lints:\n  link/insecur: error\n", Path::new("site.yaml"))
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("site.yaml:2:"), "{msg}");
        assert!(msg.contains("did you mean `link/insecure`"), "{msg}");
    }

    #[test]
    fn unknown_key_is_an_error_with_suggestion() {
        let err = SiteConfig::parse("titel: x\n", Path::new("site.yaml")).unwrap_err();
        assert!(err.to_string().contains("did you mean `title`"), "{err}");
    }

    fn editor(yaml: &str) -> Result<EditorPattern, String> {
        SiteConfig::parse(yaml, Path::new("site.yaml"))
            .map(|c| c.editor)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_default_editor_opens_vscode_at_the_line_and_column() {
        let url = EditorPattern::default().url(Path::new("/home/me/site/content/meta.md"), 12, 5);
        assert_eq!(url, "vscode://file/home/me/site/content/meta.md:12:5");
    }

    #[test]
    fn the_editor_path_is_percent_encoded_and_keeps_its_slashes() {
        let pattern = editor("editor: idea://open?file={path}&line={line}\n").unwrap();
        let url = pattern.url(Path::new("/tmp/my site/#1 100%?&é/a.md"), 3, 9);
        assert_eq!(
            url,
            "idea://open?file=/tmp/my%20site/%231%20100%25%3F%26%C3%A9/a.md&line=3"
        );
    }

    #[test]
    fn an_unknown_editor_placeholder_is_a_config_error_with_a_suggestion() {
        let err = editor("title: x\neditor: vscode://file/{pth}:{line}\n").unwrap_err();
        assert!(err.starts_with("site.yaml:2:"), "{err}");
        assert!(
            err.contains("unknown placeholder `{pth}` in `editor`, did you mean `{path}`?"),
            "{err}"
        );
        let err = editor("editor: x://{path}?at={offset}\n").unwrap_err();
        assert!(
            err.contains(
                "`{offset}` in `editor`: the placeholders are `{path}`, `{line}`, `{column}`"
            ),
            "{err}"
        );
        let err = editor("editor: x://{path}:{line\n").unwrap_err();
        assert!(err.contains("`{` without `}`"), "{err}");
        let err = editor("editor: x://open?line={line}\n").unwrap_err();
        assert!(err.contains("no `{path}`"), "{err}");
    }

    #[test]
    fn an_editor_pattern_that_would_run_script_is_refused() {
        // As YAML values: a tab inside the scheme or a leading space are
        // dropped by browsers, so they must not slip past the check.
        for bad in [
            "javascript:alert({path})",
            "JavaScript:alert({path})",
            "data:text/html,{path}",
            "vbscript:x({path})",
            r#""java\tscript:alert({path})""#,
            r#"" javascript:alert({path})""#,
            "/open?file={path}",
        ] {
            let err = editor(&format!("editor: {bad}\n")).unwrap_err();
            assert!(err.starts_with("site.yaml:1:"), "{bad}: {err}");
        }
        assert!(editor("editor: http://localhost:63342/api/file/{path}:{line}\n").is_ok());
    }
}
