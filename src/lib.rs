//! guidesite compiles onboarding guides (Markdown with YAML front matter) into a
//! checked static help site, embeddable fragments and a manifest for the portal.
//!
//! Data flows one way: [`config`] → [`content`] → [`render`] → [`validate`] →
//! [`site`], wired once in [`pipeline`], which [`build`], [`check`] and
//! [`serve`] drive; [`report`] prints for all of them. The binary is a thin
//! shell over those.

pub mod build;
pub mod check;
pub mod cli;
pub mod config;
pub mod content;
pub mod diag;
pub mod email_domains;
pub mod links;
pub mod pipeline;
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
use diag::{Diagnostic, Severity};

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
