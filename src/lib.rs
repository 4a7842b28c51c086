//! guidesite compiles onboarding guides (Markdown with YAML front matter) into a
//! checked static help site, embeddable fragments and a manifest for the portal.
//!
//! Data flows one way: [`config`] → [`content`] → [`render`] → [`validate`] →
//! [`site`]. The binary is a thin shell over [`build`] and [`check`].

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
        .map(|guide| render::render(guide, &renderer, &links))
        .collect();
    let pages: Vec<_> = content
        .guides
        .iter()
        .zip(rendered.iter().map(|r| &r.facts))
        .collect();
    let mut diagnostics = if validate {
        validate::validate(&config, &pages, &links)
    } else {
        Vec::new()
    };
    diagnostics.append(&mut content.diagnostics);
    validate::sort(&mut diagnostics);
    Ok(Analysis {
        config,
        content,
        rendered,
        diagnostics,
    })
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
    let analysis = analyse(root, config, options.drafts, options.validate)?;
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

fn ensure_root(root: &Path) -> Result<(), Error> {
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

/// What `guidesite check` was asked to do.
pub struct CheckOptions {
    pub root: PathBuf,
    /// Skip everything that needs the network.
    pub offline: bool,
    /// Neither read nor trust cached link results.
    pub no_cache: bool,
    /// Shown while links are checked; hidden when not on a terminal.
    pub progress: indicatif::ProgressBar,
}

/// The outcome of `check`.
pub struct CheckReport {
    pub diagnostics: Vec<Diagnostic>,
    /// Present when external links were checked.
    pub links: Option<links::Report>,
}

/// All validation of the site, drafts included; the network unless offline.
pub fn check(options: &CheckOptions) -> Result<CheckReport, Error> {
    ensure_root(&options.root)?;
    let config = SiteConfig::load(&options.root)?;
    let mut analysis = analyse(&options.root, config, true, true)?;
    if options.offline {
        return Ok(CheckReport {
            diagnostics: analysis.diagnostics,
            links: None,
        });
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let report = check_links(&analysis, options, &runtime)?;
    let mut findings = Vec::new();
    for (guide, rendered) in analysis.content.guides.iter().zip(&analysis.rendered) {
        for link in rendered.facts.links.iter().filter(|l| is_external(&l.dest)) {
            let url = links::request_url(&link.dest);
            let (code, message) = match report.outcomes.get(url) {
                Some(links::status::Outcome::Unreachable(reason)) => (
                    diag::Code::LinkUnreachable,
                    format!("`{url}` is unreachable: {reason}"),
                ),
                Some(links::status::Outcome::Unverifiable(reason)) => (
                    diag::Code::LinkUnverifiable,
                    format!("`{url}` could not be verified: {reason}"),
                ),
                Some(links::status::Outcome::Redirected { to }) => (
                    diag::Code::LinkRedirect,
                    format!("`{url}` permanently redirects to `{to}`: link there directly"),
                ),
                _ => continue,
            };
            findings.push(guide.diagnostic(
                diag::Finding::new(code, link.span.clone(), message),
                &analysis.config,
            ));
        }
    }
    if analysis.config.emails.check_domains {
        findings.extend(check_email_domains(&analysis, &runtime)?);
    }
    findings.retain(|d| d.severity != Severity::Allow);
    analysis.diagnostics.append(&mut findings);
    validate::sort(&mut analysis.diagnostics);
    Ok(CheckReport {
        diagnostics: analysis.diagnostics,
        links: Some(report),
    })
}

/// `http(s)://` destinations, the only ones requested.
fn is_external(dest: &str) -> bool {
    let lower = dest.get(..8).unwrap_or(dest).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// `email/unreachable` and `email/unverifiable` at every place an address appears.
fn check_email_domains(
    analysis: &Analysis,
    runtime: &tokio::runtime::Runtime,
) -> Result<Vec<Diagnostic>, Error> {
    let places: Vec<(&content::Guide, String, std::ops::Range<usize>)> = analysis
        .content
        .guides
        .iter()
        .zip(&analysis.rendered)
        .flat_map(|(guide, rendered)| {
            validate::email::addresses(guide, &rendered.facts)
                .into_iter()
                .map(move |(address, span)| (guide, address, span))
        })
        .collect();
    let domain_of = |address: &str| {
        address
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .to_lowercase()
    };
    let domains = places
        .iter()
        .map(|(_, address, _)| domain_of(address))
        .collect();
    let config = &analysis.config;
    let timeout = std::time::Duration::from_secs(config.links.timeout_secs.max(1));
    let statuses = runtime.block_on(email_domains::check(
        domains,
        &config.emails.resolver,
        timeout,
    ))?;
    Ok(places
        .into_iter()
        .filter_map(|(guide, address, span)| {
            let (code, message) = match statuses.get(&domain_of(&address))? {
                email_domains::DomainStatus::AcceptsMail => return None,
                email_domains::DomainStatus::Unreachable(reason) => (
                    diag::Code::EmailUnreachable,
                    format!("mail to `{address}` cannot be delivered: {reason}"),
                ),
                email_domains::DomainStatus::Unverifiable(reason) => (
                    diag::Code::EmailUnverifiable,
                    format!("could not verify that `{address}` takes mail: {reason}"),
                ),
            };
            Some(guide.diagnostic(diag::Finding::new(code, span, message), config))
        })
        .collect())
}

fn check_links(
    analysis: &Analysis,
    options: &CheckOptions,
    runtime: &tokio::runtime::Runtime,
) -> Result<links::Report, Error> {
    let urls: Vec<String> = analysis
        .rendered
        .iter()
        .flat_map(|r| &r.facts.links)
        .filter(|l| is_external(&l.dest))
        .map(|l| links::request_url(&l.dest).to_string())
        .collect();
    let config = &analysis.config.links;
    let mut warnings = Vec::new();
    let cache = (!options.no_cache && config.cache_ttl_secs > 0).then(|| {
        let ttl = std::time::Duration::from_secs(config.cache_ttl_secs);
        let (cache, warning) =
            links::cache::LinkCache::load(links::cache::LinkCache::path_in(&options.root), ttl);
        warnings.extend(warning);
        cache
    });
    let mut report = runtime.block_on(links::check(urls, config, cache, &options.progress))?;
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok(report)
}
