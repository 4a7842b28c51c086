//! Writing a rendered site: into a temporary sibling of the output directory,
//! swapped in only when every file was written, so a failed build leaves the
//! previous output exactly as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where rendered files go; `Sync` so guides can be written in parallel.
pub trait Sink: Sync {
    /// Opens `path` (relative, `/`-separated) for writing, for large files
    /// that are streamed rather than built in memory.
    fn create(&self, path: &str) -> std::io::Result<Box<dyn Write + Send + '_>>;

    /// Writes `bytes` at `path`.
    fn write(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        let mut file = self.create(path)?;
        file.write_all(bytes)?;
        file.flush()
    }

    /// Writes the bytes of the file at `from` at `path`.
    fn copy(&self, path: &str, from: &Path) -> std::io::Result<()> {
        self.write(path, &std::fs::read(from)?)
    }
}

/// A sink writing below a directory.
pub struct DirSink {
    dir: PathBuf,
}

impl DirSink {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DirSink { dir: dir.into() }
    }
}

impl DirSink {
    /// Creates the file at `path`, and its folders only when they are missing:
    /// most files go into a folder that exists, and a build writes thousands.
    fn open(&self, path: &str) -> std::io::Result<std::fs::File> {
        let target = self.dir.join(path);
        match std::fs::File::create(&target) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::File::create(&target)
            }
            result => result,
        }
    }
}

impl Sink for DirSink {
    fn create(&self, path: &str) -> std::io::Result<Box<dyn Write + Send + '_>> {
        Ok(Box::new(std::io::BufWriter::new(self.open(path)?)))
    }

    fn write(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.open(path)?.write_all(bytes)
    }

    /// The kernel copies (`copy_file_range`, a reflink where the file
    /// system can): screenshots and their variants never pass through
    /// guidesite's memory.
    fn copy(&self, path: &str, from: &Path) -> std::io::Result<()> {
        let mut to = self.open(path)?;
        std::io::copy(&mut std::fs::File::open(from)?, &mut to).map(|_| ())
    }
}

/// The file every build leaves at the root of its output: a folder holding
/// it is an earlier build, which the next build may replace whole.
pub const BUILD_MARKER: &str = ".guidesite-build";
const MARKER_TEXT: &str =
    "Written by `guidesite build`; the next build replaces this folder whole.\n";

/// Why the output directory could not be replaced.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "another guidesite build is writing to {} right now: run this one again when it has finished",
        .0.display()
    )]
    Busy(PathBuf),
    #[error(
        "refusing to build into {}: it is not empty and is not an earlier guidesite build \
         (no {BUILD_MARKER} file); choose another --out, or empty it yourself",
        .0.display()
    )]
    NotABuild(PathBuf),
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + use<> {
    let path = path.to_path_buf();
    move |source| OutputError::Io { path, source }
}

/// Runs `render` against a fresh staging sibling of `out`, then swaps it in.
///
/// `out` is replaced only when it is missing, empty, or an earlier build
/// (it holds [`BUILD_MARKER`]); anything else is refused untouched. One build
/// at a time writes beside `out` (a lock on its parent folder, which the
/// kernel releases when a build dies), and it first removes the staging
/// folders that killed builds left. On Linux the swap is one atomic
/// exchange, so a build killed at any instant leaves `out` holding the
/// complete old or the complete new site. On any error the staging folder
/// is removed and `out` is untouched.
pub fn write_atomically<E: From<OutputError>>(
    out: &Path,
    render: impl FnOnce(&DirSink) -> Result<(), E>,
) -> Result<(), E> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io_error(&parent))?;
    let _lock = lock_parent(&parent, out)?;
    let name = out
        .file_name()
        .map_or("dist".into(), |n| n.to_string_lossy().into_owned());
    let prefix = format!(".{name}.new-");
    remove_stale_staging(&parent, &prefix);
    ensure_replaceable(out)?;

    let staging = tempfile::Builder::new()
        .prefix(&prefix)
        .tempdir_in(&parent)
        .map_err(io_error(&parent))?;
    // The marker comes first, so a staging folder a killed build left is
    // recognisable as ours whatever it holds by then.
    std::fs::write(staging.path().join(BUILD_MARKER), MARKER_TEXT)
        .map_err(io_error(staging.path()))?;
    render(&DirSink::new(staging.path()))?;
    // Temporary directories are private (0700); published output is not.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(staging.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(io_error(staging.path()))?;
    }
    let staged = staging.keep();
    match swap_in(&staged, out) {
        // The previous output, if any, now sits at a staging name: deleted
        // here, or by the next build when this one dies first.
        Ok(previous) => previous.iter().for_each(|p| remove_previous(p)),
        Err(e) => {
            remove_previous(&staged);
            return Err(e.into());
        }
    }
    Ok(())
}

/// Takes the lock that one build at a time holds on the output's parent.
/// Held through the returned handle; released when it drops or the process
/// dies, so a killed build never blocks the next one.
fn lock_parent(parent: &Path, out: &Path) -> Result<std::fs::File, OutputError> {
    let handle = std::fs::File::open(parent).map_err(io_error(parent))?;
    match handle.try_lock() {
        Ok(()) => Ok(handle),
        Err(std::fs::TryLockError::WouldBlock) => Err(OutputError::Busy(out.to_path_buf())),
        Err(std::fs::TryLockError::Error(source)) => Err(OutputError::Io {
            path: parent.to_path_buf(),
            source,
        }),
    }
}

/// Refuses an existing `out` that is neither empty nor an earlier build.
fn ensure_replaceable(out: &Path) -> Result<(), OutputError> {
    let Ok(meta) = std::fs::symlink_metadata(out) else {
        return Ok(());
    };
    // A link to a folder is judged by that folder; only the link is replaced.
    let is_dir = meta.is_dir() || (meta.is_symlink() && out.is_dir());
    if is_dir && (is_build(out) || is_empty_dir(out)) {
        Ok(())
    } else {
        Err(OutputError::NotABuild(out.to_path_buf()))
    }
}

fn is_build(dir: &Path) -> bool {
    dir.join(BUILD_MARKER).is_file()
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

/// Removes the staging folders (`.dist.new-XXXXXX`) that killed builds left
/// beside the output: only those that are empty, links, or carry the marker,
/// so nothing guidesite did not write is touched. Called under the lock, so
/// no running build's staging folder is among them.
fn remove_stale_staging(parent: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(prefix) {
            continue;
        }
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_symlink() => {
                let _ = std::fs::remove_file(&path);
            }
            Ok(kind) if kind.is_dir() && (is_build(&path) || is_empty_dir(&path)) => {
                remove_previous(&path);
            }
            _ => {}
        }
    }
}

/// Puts `staged` at `out`, and says where the previous output went. Where
/// the kernel can, the two are exchanged in one step; elsewhere the previous
/// output is first renamed aside (`.dist.old-…`), a window of one rename
/// without `out`; a build that dies there, or fails to put it back, leaves
/// the old site at that name, which no later build deletes.
fn swap_in(staged: &Path, out: &Path) -> Result<Option<PathBuf>, OutputError> {
    if std::fs::symlink_metadata(out).is_err() {
        std::fs::rename(staged, out).map_err(io_error(out))?;
        return Ok(None);
    }
    if exchange(staged, out).map_err(io_error(out))? {
        return Ok(Some(staged.to_path_buf()));
    }
    // Not a staging name: were the restore below to fail, or the build to
    // die between the renames, the next build must not delete the only copy.
    let staged_name = staged.file_name().unwrap_or_default().to_string_lossy();
    let aside = staged.with_file_name(staged_name.replacen(".new-", ".old-", 1));
    std::fs::rename(out, &aside).map_err(io_error(out))?;
    if let Err(source) = std::fs::rename(staged, out) {
        let _ = std::fs::rename(&aside, out);
        return Err(OutputError::Io {
            path: out.to_path_buf(),
            source,
        });
    }
    Ok(Some(aside))
}

/// Exchanges two paths atomically (`renameat2(RENAME_EXCHANGE)`); `false`
/// where the file system or kernel cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<bool> {
    Ok(false)
}

/// Deletes a previous output or a stale staging folder: a link is only
/// unlinked; a folder's entries go in parallel (a site of 10,000 guides is
/// 20,000 files, and deleting them one by one took a third of a rebuild),
/// the marker last, so a build killed halfway leaves a folder the next build
/// still recognises as its own to finish deleting.
fn remove_previous(path: &Path) {
    use rayon::prelude::*;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    if !meta.is_dir() {
        let _ = std::fs::remove_file(path);
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    let entries: Vec<_> = entries
        .flatten()
        .filter(|e| e.file_name() != BUILD_MARKER)
        .collect();
    entries.par_iter().for_each(|entry| {
        let path = entry.path();
        let _ = match entry.file_type() {
            Ok(kind) if kind.is_dir() => std::fs::remove_dir_all(path),
            _ => std::fs::remove_file(path),
        };
    });
    let _ = std::fs::remove_file(path.join(BUILD_MARKER));
    let _ = std::fs::remove_dir(path);
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The swap's atomicity rests on the exchange: a silent fall back to two
    /// renames would reopen the window without an output folder.
    #[test]
    fn the_swap_exchanges_in_one_step_on_linux() {
        let dir = tempfile::tempdir().unwrap();
        let (staged, out) = (dir.path().join(".dist.new-x"), dir.path().join("dist"));
        std::fs::create_dir(&staged).unwrap();
        std::fs::create_dir(&out).unwrap();
        std::fs::write(staged.join("new"), "").unwrap();
        std::fs::write(out.join("old"), "").unwrap();
        assert!(exchange(&staged, &out).unwrap(), "no RENAME_EXCHANGE here");
        assert!(out.join("new").is_file() && staged.join("old").is_file());
    }
}
