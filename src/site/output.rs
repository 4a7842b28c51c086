//! Writing a rendered site: into a temporary sibling of the output directory,
//! swapped in only when every file was written, so a failed build leaves the
//! previous output exactly as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where rendered files go; `Sync` so guides can be written in parallel.
pub trait Sink: Sync {
    /// Opens `path` (relative, `/`-separated) for writing, for large files
    /// that are streamed rather than built in memory.
    fn create(&self, path: &str) -> std::io::Result<Box<dyn Write + '_>>;

    /// Writes `bytes` at `path`.
    fn write(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        let mut file = self.create(path)?;
        file.write_all(bytes)?;
        file.flush()
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
    fn create(&self, path: &str) -> std::io::Result<Box<dyn Write + '_>> {
        Ok(Box::new(std::io::BufWriter::new(self.open(path)?)))
    }

    fn write(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.open(path)?.write_all(bytes)
    }
}

/// Why the output directory could not be replaced.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct OutputError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Runs `render` against a fresh temporary sibling of `out`, then swaps it in.
/// On any error the temporary directory is removed and `out` is untouched.
pub fn write_atomically<E: From<OutputError>>(
    out: &Path,
    render: impl FnOnce(&DirSink) -> Result<(), E>,
) -> Result<(), E> {
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| OutputError { path, source }
    };
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    let name = out
        .file_name()
        .map_or("dist".into(), |n| n.to_string_lossy().into_owned());
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.new-"))
        .tempdir_in(&parent)
        .map_err(io_err(&parent))?;
    render(&DirSink::new(staging.path()))?;

    // Move the old output aside rather than deleting it first, so that the
    // window without an output directory is two renames long.
    let old = tempfile::Builder::new()
        .prefix(&format!(".{name}.old-"))
        .tempdir_in(&parent)
        .map_err(io_err(&parent))?;
    let old_out = old.path().join("out");
    let had_old = out.exists();
    if had_old {
        std::fs::rename(out, &old_out).map_err(io_err(out))?;
    }
    let staged = staging.keep();
    // Temporary directories are private (0700); published output is not.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o755))
            .map_err(io_err(&staged))?;
    }
    if let Err(source) = std::fs::rename(&staged, out) {
        if had_old {
            // Put the previous output back; the new one stays for inspection.
            let _ = std::fs::rename(&old_out, out);
        }
        let _ = std::fs::remove_dir_all(&staged);
        return Err(OutputError {
            path: out.to_path_buf(),
            source,
        }
        .into());
    }
    // Only a real folder: when the output was a link, the link moved aside
    // and its target (someone else's folder) must stay as it is.
    let old_is_folder = std::fs::symlink_metadata(&old_out).is_ok_and(|m| m.is_dir());
    if old_is_folder {
        remove_in_parallel(&old_out);
    }
    Ok(())
}

/// Deletes the previous output, its top-level entries in parallel: a site of
/// 10,000 guides is 20,000 files, and deleting them one by one took a third
/// of a rebuild. Best effort, as the `TempDir` holding it cleans up the rest.
fn remove_in_parallel(dir: &Path) {
    use rayon::prelude::*;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let entries: Vec<_> = entries.flatten().collect();
    entries.par_iter().for_each(|entry| {
        let path = entry.path();
        let _ = match entry.file_type() {
            Ok(kind) if kind.is_dir() => std::fs::remove_dir_all(path),
            _ => std::fs::remove_file(path),
        };
    });
}
