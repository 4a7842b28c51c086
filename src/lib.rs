//! guidesite compiles onboarding guides (Markdown with YAML front matter) into a
//! checked static help site, embeddable fragments and a manifest for the portal.
//!
//! Data flows one way: [`config`] → [`content`] → [`render`] → [`validate`] →
//! [`site`]. The binary is a thin shell over [`build`] and [`check`].

pub mod build;
pub mod check;
pub mod cli;
pub mod config;
pub mod content;
pub mod diag;
pub mod email_domains;
pub mod links;
pub mod render;
pub mod report;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod site_root;
pub mod validate;
mod yaml;

use std::path::{Path, PathBuf};

pub use build::{BuildOptions, BuildReport, build};
pub use check::{CheckOptions, CheckReport, check};
use config::SiteConfig;
use content::{Content, Guide};
use diag::{Diagnostic, Severity};
use render::{MarkdownRenderer, SiteLinks};

/// Anything that stops a command before it can report diagnostics.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Load(#[from] content::LoadError),
    #[error(transparent)]
    Theme(#[from] site::ThemeError),
    #[error(transparent)]
    Site(#[from] site::SiteError),
    #[error(transparent)]
    Links(#[from] links::LinkError),
    #[error(transparent)]
    Resolver(#[from] email_domains::ResolverError),
    #[error("site root {} is not a folder", .0.display())]
    Root(PathBuf),
    #[error("refusing to build into {}: {reason}", path.display())]
    UnsafeOut { path: PathBuf, reason: &'static str },
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// A site loaded: what `check` validates and reports on.
pub struct Analysis {
    pub config: SiteConfig,
    pub content: Content,
    /// Front matter problems found while loading.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Loads every guide, drafts included; `then` sees each guide as soon as
    /// it is read, in the task that read it (`check` starts requests from
    /// its links), and its results come back in the order of the guides.
    pub fn load<T: Send>(
        root: &Path,
        config: SiteConfig,
        then: impl Fn(&Guide) -> T + Sync,
    ) -> Result<(Analysis, Vec<T>), Error> {
        let (mut content, results) = content::load_with(root, &config, then)?;
        let diagnostics = std::mem::take(&mut content.diagnostics);
        let analysis = Analysis {
            config,
            content,
            diagnostics,
        };
        Ok((analysis, results))
    }

    /// Runs every offline rule over the guides. Each guide's facts are
    /// extracted, validated and dropped in one task: kept for 10,000 guides
    /// they were a quarter of a gigabyte, and faulting that memory in cost
    /// more than extracting the facts.
    pub fn validate(&self, markdown: &MarkdownRenderer) -> Vec<Diagnostic> {
        let content = &self.content;
        let links = SiteLinks::new(&self.config.base_url, &content.guides, &content.assets);
        validate::validate(&self.config, &content.guides, &links, |guide| {
            render::facts(guide, markdown)
        })
    }
}

/// How many diagnostics have `severity`.
pub fn count(diagnostics: &[Diagnostic], severity: Severity) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .count()
}

pub(crate) fn ensure_root(root: &Path) -> Result<(), Error> {
    if root.is_dir() {
        Ok(())
    } else {
        Err(Error::Root(root.to_path_buf()))
    }
}
