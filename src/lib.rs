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

use rayon::prelude::*;

pub use build::{BuildOptions, BuildReport, build};
pub use check::{CheckOptions, CheckReport, check};
use config::SiteConfig;
use content::Content;
use diag::{Diagnostic, Severity};
use render::{MarkdownRenderer, Rendered, SiteLinks};

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

/// A site loaded, rendered in memory and validated.
pub struct Analysis {
    pub config: SiteConfig,
    pub content: Content,
    /// One per guide of `content.guides`, in the same order.
    pub rendered: Vec<Rendered>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Runs every offline rule over the rendered guides.
    pub fn validate(&self) -> Vec<Diagnostic> {
        let content = &self.content;
        let links = SiteLinks::new(&self.config.base_url, &content.guides, &content.assets);
        let pages: Vec<_> = content
            .guides
            .iter()
            .zip(self.rendered.iter().map(|r| &r.facts))
            .collect();
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

/// Loads, renders (in parallel) and validates a site; drafts only if asked.
/// `on_rendered` sees each guide's facts as soon as they exist (`check`
/// starts requests with them).
pub fn analyse(
    root: &Path,
    config: SiteConfig,
    drafts: bool,
    validate: bool,
    output: render::Output,
    on_rendered: &(dyn Fn(&render::facts::Facts) + Sync),
) -> Result<Analysis, Error> {
    let mut content = content::load(root, &config)?;
    if !drafts {
        content.guides.retain(|g| !g.front.draft);
    }
    let renderer = MarkdownRenderer::default();
    let links = SiteLinks::new(&config.base_url, &content.guides, &content.assets);
    let rendered: Vec<Rendered> = content
        .guides
        .par_iter()
        .map(|guide| {
            let rendered = render::render(guide, &renderer, &links, output);
            on_rendered(&rendered.facts);
            rendered
        })
        .collect();
    drop(links);
    let diagnostics = std::mem::take(&mut content.diagnostics);
    let mut analysis = Analysis {
        config,
        content,
        rendered,
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
