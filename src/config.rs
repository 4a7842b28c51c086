//! `site.yaml`: every key optional, defaults in one place, unknown keys refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{Code, Severity};
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
            lints: BTreeMap::new(),
        }
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
}
