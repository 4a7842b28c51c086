//! guidesite compiles onboarding guides (Markdown with YAML front matter) into a
//! checked static help site, embeddable fragments and a manifest for the portal.
//!
//! Data flows one way: [`config`] → [`content`] → [`render`] → [`validate`] →
//! [`site`]. The binary is a thin shell over [`build`] and [`check`].

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

pub use check::{CheckOptions, CheckReport, check};
use config::SiteConfig;
use content::Content;
use diag::{Diagnostic, Severity};
use render::{MarkdownRenderer, Rendered, SiteLinks};
use site::{Page, Theme};

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
    pub fn error_count(&self) -> usize {
        count(&self.diagnostics, Severity::Error)
    }

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
/// `validate: false` exists for the benchmark that prices validation.
pub fn analyse(
    root: &Path,
    config: SiteConfig,
    drafts: bool,
    validate: bool,
    output: render::Output,
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
        .map(|guide| render::render(guide, &renderer, &links, output))
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

/// What `guidesite build` was asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Relative paths are relative to `root`.
    pub out: PathBuf,
    pub base_url: Option<String>,
    pub drafts: bool,
    /// Off only in benchmarks; a real build always validates.
    pub validate: bool,
}

/// The outcome of a build that ran to the end.
pub struct BuildReport {
    pub diagnostics: Vec<Diagnostic>,
    /// False when validation errors stopped the build before any write.
    pub written: bool,
    pub guides: usize,
}

/// Validates, then renders the site into `out` atomically.
pub fn build(options: &BuildOptions) -> Result<BuildReport, Error> {
    let root = &options.root;
    let out = safe_output_dir(root, &options.out)?;
    let config = SiteConfig::load(root)?.with_base_url(options.base_url.as_deref());
    let theme = Theme::load(root, &config.theme)?;
    let analysis = analyse(
        root,
        config,
        options.drafts,
        options.validate,
        render::Output::Html,
    )?;
    let mut report = BuildReport {
        written: false,
        guides: analysis.content.guides.len(),
        diagnostics: Vec::new(),
    };
    if analysis.error_count() == 0 {
        let pages: Vec<Page> = analysis
            .content
            .guides
            .iter()
            .zip(&analysis.rendered)
            .map(|(guide, rendered)| Page { guide, rendered })
            .collect();
        site::output::write_atomically(&out, |sink| {
            site::write_site(
                &analysis.config,
                &theme,
                &analysis.content,
                &pages,
                &root.join("content"),
                sink,
            )
            .map(|_| ())
        })?;
        report.written = true;
    }
    report.diagnostics = analysis.diagnostics;
    Ok(report)
}

pub(crate) fn ensure_root(root: &Path) -> Result<(), Error> {
    if root.is_dir() {
        Ok(())
    } else {
        Err(Error::Root(root.to_path_buf()))
    }
}

/// `root.join(out)`, unless replacing it could destroy the site's sources or
/// anything that is not an earlier build (the swap deletes the old folder).
fn safe_output_dir(root: &Path, out: &Path) -> Result<PathBuf, Error> {
    ensure_root(root)?;
    let root = std::path::absolute(root).map_err(|_| Error::Root(root.to_path_buf()))?;
    let mut path = PathBuf::new();
    for part in root.join(out).components() {
        match part {
            std::path::Component::ParentDir => {
                path.pop();
            }
            std::path::Component::CurDir => {}
            other => path.push(other),
        }
    }
    let refuse = |reason| {
        Err(Error::UnsafeOut {
            path: path.clone(),
            reason,
        })
    };
    if root.starts_with(&path) {
        return refuse("it holds the site itself");
    }
    if ["content", "themes", "site.yaml", ".git"]
        .iter()
        .any(|p| path.starts_with(root.join(p)))
    {
        return refuse("it holds the site's sources");
    }
    if path.exists() && !path.is_dir() {
        return refuse("it is not a folder");
    }
    let is_empty = || {
        std::fs::read_dir(&path)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false)
    };
    if path.is_dir() && !path.join("manifest.json").is_file() && !is_empty() {
        return refuse("it is not empty and holds no earlier build (no manifest.json)");
    }
    Ok(path)
}
