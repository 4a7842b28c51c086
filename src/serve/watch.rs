//! File-system events → what changed, in site terms.

use std::path::Path;

pub use crate::pipeline::changes::Change;

/// What a changed path means; `None` for paths the site does not read
/// (editor swap files, `dist/`, `.git/` …).
pub fn classify(root: &Path, path: &Path) -> Option<Change> {
    let relative = path.strip_prefix(root).ok()?;
    let mut parts = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy());
    let first = parts.next()?;
    let rest: Vec<_> = parts.collect();
    let name = relative.file_name()?.to_string_lossy();
    // Editors write temporaries next to the file: `.x.md.swp`, `x.md~`, `#x.md#`.
    if name.starts_with('.') || name.ends_with('~') || name.starts_with('#') {
        return None;
    }
    match (first.as_ref(), rest.len()) {
        // `content/` itself appearing or going: everything may change.
        ("site.yaml" | "content", 0) => Some(Change::Config),
        ("themes", _) => Some(Change::Theme),
        ("content", 1) if name.ends_with(".md") => Some(Change::Guide(path.to_path_buf())),
        // Anything else under `content/`: an asset, or a folder of them moved
        // or deleted whole (one event, not one per file); the assets are
        // listed again, so a stray `content/notes.txt` costs only that.
        ("content", _) => Some(Change::Asset(path.to_path_buf())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_site_paths() {
        let root = Path::new("/site");
        let c = |p: &str| classify(root, &root.join(p));
        assert_eq!(c("site.yaml"), Some(Change::Config));
        assert_eq!(c("content"), Some(Change::Config));
        assert_eq!(c("themes"), Some(Change::Theme));
        assert_eq!(c("themes/default/templates/base.html"), Some(Change::Theme));
        assert_eq!(
            c("content/meta.md"),
            Some(Change::Guide(root.join("content/meta.md")))
        );
        assert_eq!(
            c("content/meta/shot.png"),
            Some(Change::Asset(root.join("content/meta/shot.png")))
        );
        assert_eq!(c("content/.meta.md.swp"), None);
        assert_eq!(c("content/meta.md~"), None);
        assert_eq!(c("dist/index.html"), None);
        assert_eq!(
            c("content/meta"),
            Some(Change::Asset(root.join("content/meta"))),
            "a folder moved away whole"
        );
        assert_eq!(classify(root, Path::new("/elsewhere/x.md")), None);
    }
}
