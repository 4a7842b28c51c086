//! `guidesite new`: a guide to fill in, whose every `TODO` `check` points at.

use std::path::{Path, PathBuf};

use crate::content::is_valid_source_id;
use crate::site_root;

const TEMPLATE: &str = include_str!("scaffold.md");

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error(
        "invalid source id `{0}`: use lowercase letters, digits and `-`, starting with a letter or digit"
    )]
    InvalidSource(String),
    #[error("{} already exists; edit it, or choose another source id", .0.display())]
    Exists(PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The scaffold text for a data source.
pub fn guide_text(source: &str, platform: &str) -> String {
    TEMPLATE
        .replace("{source}", source)
        .replace("{platform}", platform)
}

/// Writes `content/<source>.md`, never over an existing file.
pub fn create(root: &Path, source: &str, platform: Option<&str>) -> Result<PathBuf, ScaffoldError> {
    if !is_valid_source_id(source) {
        return Err(ScaffoldError::InvalidSource(source.to_string()));
    }
    let platform = platform.map_or_else(|| title_case(source), str::to_string);
    let path = root.join("content").join(format!("{source}.md"));
    let write_error = |source| ScaffoldError::Write {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(root.join("content")).map_err(write_error)?;
    // A `content/` that links elsewhere would have the guide written there.
    if !site_root::resolves_inside(root, &root.join("content")) {
        let message = format!("content/ {}", site_root::LEADS_OUTSIDE);
        return Err(write_error(std::io::Error::other(message)));
    }
    // `create_new` refuses atomically if the file appeared meanwhile.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => ScaffoldError::Exists(path.clone()),
            _ => write_error(e),
        })?;
    std::io::Write::write_all(&mut file, guide_text(source, &platform).as_bytes())
        .map_err(write_error)?;
    Ok(path)
}

/// `google-ads` → `Google Ads`.
fn title_case(source: &str) -> String {
    source
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_defaults_to_the_title_cased_source() {
        assert_eq!(title_case("google-ads"), "Google Ads");
        assert!(guide_text("meta", "Meta").starts_with("---\nsource: meta\ntitle: Meta API"));
    }
}
