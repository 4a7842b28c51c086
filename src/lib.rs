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
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod validate;
mod yaml;

use std::path::{Path, PathBuf};

pub use build::{BuildOptions, BuildReport, build};
pub use check::{CheckOptions, CheckReport, check};
use config::SiteConfig;
use content::Content;
use diag::{Diagnostic, Severity};
use render::facts::Facts;
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

/// A site loaded, its guides' facts extracted, validated: what `check` sees.
pub struct Analysis {
    pub config: SiteConfig,
    pub content: Content,
    /// One per guide of `content.guides`, in the same order.
    pub facts: Vec<Facts>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Runs every offline rule over the guides.
    pub fn validate(&self) -> Vec<Diagnostic> {
        let content = &self.content;
        let links = SiteLinks::new(&self.config.base_url, &content.guides, &content.assets);
        let pages: Vec<_> = content.guides.iter().zip(&self.facts).collect();
        validate::validate(&self.config, &pages, &links)
    }
}

/// How many diagnostics have `severity`.
pub fn count(diagnostics: &[Diagnostic], severity: Severity) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .count()
}

/// Loads every guide, drafts included, and extracts its facts in the same
/// parallel task, handing them to `on_facts` at once (`check` starts
/// requests with them); then validates, unless `validate` is false (`check`
/// validates online while the network works).
pub fn analyse(
    root: &Path,
    config: SiteConfig,
    validate: bool,
    on_facts: &(dyn Fn(&Facts) + Sync),
) -> Result<Analysis, Error> {
    let renderer = MarkdownRenderer::default();
    let (mut content, facts) = content::load_with(root, &config, |guide| {
        let facts = render::facts(guide, &renderer);
        on_facts(&facts);
        facts
    })?;
    let diagnostics = std::mem::take(&mut content.diagnostics);
    let mut analysis = Analysis {
        config,
        content,
        facts,
        diagnostics,
    };
    if validate {
        let mut found = analysis.validate();
        analysis.diagnostics.append(&mut found);
        validate::sort(&mut analysis.diagnostics);
    }
    Ok(analysis)
}

pub(crate) fn ensure_root(root: &Path) -> Result<(), Error> {
    if root.is_dir() {
        Ok(())
    } else {
        Err(Error::Root(root.to_path_buf()))
    }
}
