//! `guidesite build`: validate, then render into a temporary folder that
//! replaces the output folder only when everything succeeded.

use std::path::{Path, PathBuf};

use crate::config::SiteConfig;
use crate::diag::{Diagnostic, Severity};
use crate::render::{self, MarkdownRenderer, SiteLinks};
use crate::site::{self, SiteRenderer, Theme, output::OutputError};
use crate::{Error, content, count, ensure_root, validate};

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
    /// False when validation errors stopped the build: `out` is untouched.
    pub written: bool,
    pub guides: usize,
    /// Advice that is not a diagnostic of any guide.
    pub notes: Vec<String>,
}

/// Why the staged output is thrown away.
enum Stop {
    /// The guides have errors: a normal outcome, reported as diagnostics.
    Invalid,
    Failed(Error),
}

impl From<OutputError> for Stop {
    fn from(e: OutputError) -> Self {
        Stop::Failed(Error::Site(e.into()))
    }
}

/// Validates and renders the site into `out` atomically. Guides are
/// rendered once, written into the staging folder as they are rendered, and
/// validated from their facts in the same task; with errors the staging
/// folder is discarded and `out` is untouched.
pub fn build(options: &BuildOptions) -> Result<BuildReport, Error> {
    let root = &options.root;
    let out = safe_output_dir(root, &options.out)?;
    let config = SiteConfig::load(root)?.with_base_url(options.base_url.as_deref());
    let theme = Theme::load(root, &config.theme)?;
    let mut content = content::load(root, &config)?;
    if !options.drafts {
        content.guides.retain(|g| !g.front.draft);
    }
    let mut diagnostics: Vec<Diagnostic> = std::mem::take(&mut content.diagnostics);
    let markdown = MarkdownRenderer::default();
    let links = SiteLinks::new(&config.base_url, &content.guides, &content.assets);
    let renderer = SiteRenderer::new(&config, &theme);
    // Each guide is validated in the task that renders it; only what the
    // rules comparing guides need is kept until all are done.
    let site = validate::SiteFacts { links: &links };
    let inspect = |guide: &content::Guide, facts: &render::facts::Facts| {
        options.validate.then(|| {
            (
                validate::guide_diagnostics(&config, guide, facts, &site),
                validate::GuideSummary::new(facts, &links),
            )
        })
    };
    let approve = |inspections: Vec<(&content::Guide, Option<_>)>| {
        let mut pages = Vec::with_capacity(inspections.len());
        for (guide, inspection) in inspections {
            if let Some((found, summary)) = inspection {
                diagnostics.extend(found);
                pages.push((guide, summary));
            }
        }
        if options.validate {
            let pages: Vec<_> = pages.iter().map(|(g, s)| (*g, s)).collect();
            diagnostics.extend(validate::site_diagnostics(&config, &pages));
        }
        validate::sort(&mut diagnostics);
        count(&diagnostics, Severity::Error) == 0
    };
    let written = site::output::write_atomically(&out, |sink| {
        let render = |guide: &content::Guide| render::render(guide, &markdown, &links);
        let content_root = root.join("content");
        match site::write_site(
            &renderer,
            &content,
            &content_root,
            render,
            inspect,
            approve,
            sink,
        ) {
            Ok(true) => Ok(()),
            Ok(false) => Err(Stop::Invalid),
            Err(e) => Err(Stop::Failed(e.into())),
        }
    });
    let written = match written {
        Ok(()) => true,
        Err(Stop::Invalid) => false,
        Err(Stop::Failed(e)) => return Err(e),
    };
    let mut notes = Vec::new();
    if !(config.base_url.starts_with("https://") || config.base_url.starts_with("http://")) {
        notes.push(format!(
            "base_url is `{}`: the manifest, the embeds and the sitemap hold root-relative URLs, \
             which the portal resolves against its own address; set `base_url` in site.yaml \
             (or --base-url) to the help site's public address",
            config.base_url
        ));
    }
    Ok(BuildReport {
        diagnostics,
        written,
        guides: content.guides.len(),
        notes,
    })
}

/// `root.join(out)`, unless it is or holds the site's sources. Whether an
/// existing folder there may be replaced is decided by the output stage,
/// under its lock.
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
    Ok(path)
}
