//! The site root as the boundary of everything guidesite reads: a file or
//! link under `content/` or `themes/` that resolves outside it is never read,
//! so a pull request cannot publish `/etc/passwd` through a symlink.

use std::path::{Path, PathBuf};

/// What every refusal of such a path says it does.
pub const LEADS_OUTSIDE: &str = "leads outside the site root or into a hidden file or folder";

/// Whether the existing `path` resolves inside the site at `root`, as
/// [`SiteRoot::contains`] judges; false when the root cannot be resolved.
/// For a single path: a walk resolves its root once with [`SiteRoot::new`].
pub fn resolves_inside(root: &Path, path: &Path) -> bool {
    SiteRoot::new(root).is_ok_and(|root| root.contains(path))
}

/// A site root, resolved once (links and `..` followed).
#[derive(Debug, Clone)]
pub struct SiteRoot {
    real: PathBuf,
}

/// What a walk below the root meets.
pub enum Visit<'a> {
    /// A regular file (possibly through links that stay inside the root),
    /// and its depth below the walked folder (1 for its own entries).
    File { path: &'a Path, depth: usize },
    /// A link, or a folder reached through one, that resolves outside the
    /// root: not read, not descended into.
    Outside { path: &'a Path },
}

/// Whether a walk visits hidden files and folders (their own, not links
/// into hidden places, which are always [`Visit::Outside`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    /// Content: `.env`, `.DS_Store`, an editor's `.x.md.swp` are not guides
    /// or images, as in Hugo.
    Skip,
    /// A theme's static files: `.nojekyll` or `.well-known/` are published.
    Keep,
}

/// Why a walk stopped.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {source}", path.display())]
pub struct WalkError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

impl SiteRoot {
    pub fn new(root: &Path) -> std::io::Result<SiteRoot> {
        Ok(SiteRoot {
            real: root.canonicalize()?,
        })
    }

    /// Whether `path` exists and resolves to a place inside the root that
    /// is not hidden: a link into `.git/` (where CI keeps its token) or to a
    /// `.env` file is as much a leak as one to `/etc/passwd`.
    pub fn contains(&self, path: &Path) -> bool {
        path.canonicalize().is_ok_and(|p| {
            p.strip_prefix(&self.real)
                .is_ok_and(|inside| !inside.components().any(|c| is_hidden(c.as_os_str())))
        })
    }

    /// Visits every file below `dir` in file-name order, following links
    /// that stay inside the root. Only links cost a lookup: whatever is
    /// reached without one is inside the root when `dir` is.
    pub fn walk<E: From<WalkError>>(
        &self,
        dir: &Path,
        hidden: Hidden,
        mut visit: impl FnMut(Visit) -> Result<(), E>,
    ) -> Result<(), E> {
        if !dir.is_dir() {
            return Ok(());
        }
        if !self.contains(dir) {
            return visit(Visit::Outside { path: dir });
        }
        let mut entries = walkdir::WalkDir::new(dir)
            .min_depth(1)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| hidden == Hidden::Keep || !is_hidden(e.file_name()));
        while let Some(entry) = entries.next() {
            let entry = match entry {
                Ok(entry) => entry,
                // A link to a folder above it (`content/tmp` → `/tmp`) is
                // seen as a loop before it can be judged as a link.
                Err(e)
                    if e.loop_ancestor().is_some() && !self.contains(e.path().unwrap_or(dir)) =>
                {
                    visit(Visit::Outside {
                        path: e.path().unwrap_or(dir),
                    })?;
                    continue;
                }
                Err(e) => {
                    return Err(WalkError {
                        path: e.path().unwrap_or(dir).to_path_buf(),
                        source: e
                            .into_io_error()
                            .unwrap_or_else(|| std::io::Error::other("filesystem loop")),
                    }
                    .into());
                }
            };
            // Links were followed, so a link still seen as one points nowhere:
            // an error naming it rather than a silently missing page.
            if entry.file_type().is_symlink() {
                return Err(WalkError {
                    path: entry.into_path(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "symbolic link to a missing file",
                    ),
                }
                .into());
            }
            if entry.path_is_symlink() && !self.contains(entry.path()) {
                if entry.file_type().is_dir() {
                    entries.skip_current_dir();
                }
                visit(Visit::Outside { path: entry.path() })?;
                continue;
            }
            if entry.file_type().is_file() {
                visit(Visit::File {
                    path: entry.path(),
                    depth: entry.depth(),
                })?;
            }
        }
        Ok(())
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().starts_with(b".")
}

/// The first of `root/a`, `root/a/b`, … (for `parts` `[a, b, …]`) that is a
/// symbolic link: a cache found through one would be read and written
/// wherever it leads, outside the site.
pub fn first_link(root: &Path, parts: &[&str]) -> Option<PathBuf> {
    (1..=parts.len())
        .map(|n| root.join(parts[..n].iter().collect::<PathBuf>()))
        .find(|p| p.is_symlink())
}

/// Replaces the cache file at `path` whole with what `write` writes: into
/// a temporary file beside it, renamed over it (the rename replaces a link
/// there, never follows it), so a process killed mid-write leaves the old
/// file or the new one, never a part.
pub fn replace_cache_file(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    write(tmp.as_file_mut())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_inside_are_followed_and_links_outside_are_not() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "s").unwrap();
        let site = tempfile::tempdir().unwrap();
        let content = site.path().join("content");
        std::fs::create_dir_all(content.join("a")).unwrap();
        std::fs::write(content.join("a/shot.png"), "p").unwrap();
        symlink(content.join("a"), content.join("b")).unwrap();
        symlink(outside.path(), content.join("c")).unwrap();
        symlink(outside.path().join("secret"), content.join("d.md")).unwrap();
        symlink("/proc/self/environ", content.join("e.md")).unwrap();
        std::fs::create_dir(site.path().join(".git")).unwrap();
        std::fs::write(site.path().join(".git/config"), "token").unwrap();
        symlink("../../.git", content.join("a/git")).unwrap();
        symlink("../.git/config", content.join("f.md")).unwrap();
        std::fs::write(content.join("a/.env"), "SECRET=1").unwrap();

        let root = SiteRoot::new(site.path()).unwrap();
        let (mut files, mut refused) = (Vec::new(), Vec::new());
        root.walk(&content, Hidden::Skip, |visit| {
            match visit {
                Visit::File { path, .. } => {
                    files.push(path.strip_prefix(&content).unwrap().to_owned())
                }
                Visit::Outside { path } => {
                    refused.push(path.strip_prefix(&content).unwrap().to_owned())
                }
            }
            Ok::<_, WalkError>(())
        })
        .unwrap();
        let names = |v: Vec<PathBuf>| {
            v.into_iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(files), ["a/shot.png", "b/shot.png"]);
        assert_eq!(
            names(refused),
            ["a/git", "b/git", "c", "d.md", "e.md", "f.md"]
        );
    }
}
