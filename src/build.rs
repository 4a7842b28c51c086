//! `guidesite build`: the pipeline writes into a temporary folder that
//! replaces the output folder only when everything succeeded.

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::error::{Error, ensure_root};
use crate::pipeline::{Pipeline, Settings};
use crate::site::{self, output::OutputError};

/// What `guidesite build` was asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Relative paths are relative to `root`.
    pub out: PathBuf,
    pub base_url: Option<String>,
    pub drafts: bool,
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

/// Validates and renders the site into `out` atomically: the pipeline
/// writes into a staging folder that replaces `out` only when the guides
/// have no errors; otherwise `out` is untouched.
pub fn build(options: &BuildOptions) -> Result<BuildReport, Error> {
    let out = safe_output_dir(&options.root, &options.out)?;
    let settings = Settings {
        base_url: options.base_url.clone(),
        drafts: options.drafts,
        make_variants: true,
    };
    let mut pipeline = Pipeline::load(&options.root, &settings)?;
    let written = site::output::write_atomically(&out, |sink| match pipeline.write(sink) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Stop::Invalid),
        Err(e) => Err(Stop::Failed(e)),
    });
    let written = match written {
        Ok(()) => true,
        Err(Stop::Invalid) => false,
        Err(Stop::Failed(e)) => return Err(e),
    };
    let base_url = &pipeline.config().base_url;
    let mut notes = Vec::new();
    if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
        notes.push(format!(
            "base_url is `{base_url}`: the manifest, the embeds and the sitemap hold root-relative URLs, \
             which the portal resolves against its own address; set `base_url` in site.yaml \
             (or --base-url) to the help site's public address"
        ));
    }
    Ok(BuildReport {
        diagnostics: pipeline.diagnostics(),
        written,
        guides: pipeline.guide_count(),
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
