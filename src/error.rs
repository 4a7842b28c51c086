//! What stops a command before it can report diagnostics.

use std::path::{Path, PathBuf};

use crate::{config, content, email_domains, links, site};

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

/// `Ok` when `root` is a folder to load a site from.
pub(crate) fn ensure_root(root: &Path) -> Result<(), Error> {
    if root.is_dir() {
        Ok(())
    } else {
        Err(Error::Root(root.to_path_buf()))
    }
}
