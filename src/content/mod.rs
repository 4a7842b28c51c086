//! Loading a site's content: guides with parsed front matter, and asset paths.
//! This is the only stage besides output that reads the disk.

pub mod front_matter;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diag::{Code, Diagnostic, Finding, LineIndex};
use crate::site_root::{Hidden, LEADS_OUTSIDE, SiteRoot, Visit, WalkError};
use front_matter::{FrontMatter, Split, SplitError, file_span};

/// One guide whose front matter parsed.
#[derive(Debug, Clone)]
pub struct Guide {
    /// Path relative to the site root, `/`-separated: `content/tiktok.md`.
    pub file: String,
    /// The file name without `.md`, which relative links name.
    pub stem: String,
    pub text: String,
    pub index: LineIndex,
    pub yaml_offset: usize,
    pub body_offset: usize,
    /// As much of the front matter as could be read.
    pub front: FrontMatter,
    /// What is wrong with the front matter as written (each an error: the
    /// guide is checked, never published, until they are fixed).
    pub front_problems: Vec<Finding>,
}

impl Guide {
    pub fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }

    pub fn source(&self) -> &str {
        &self.front.source.value
    }

    /// Locates a finding in this guide's file.
    pub fn diagnostic(&self, finding: Finding) -> Diagnostic {
        Diagnostic::locate(finding, &self.file, &self.text, &self.index)
    }
}

/// Everything under `content/`.
#[derive(Debug, Default)]
pub struct Content {
    /// Sorted by file name.
    pub guides: Vec<Guide>,
    /// Asset paths relative to `content/`, `/`-separated: `tiktok/members.png`.
    pub assets: BTreeSet<String>,
    /// Front matter problems of files that could not become guides.
    pub diagnostics: Vec<Diagnostic>,
}

impl From<WalkError> for LoadError {
    fn from(e: WalkError) -> Self {
        LoadError::Io {
            path: e.path,
            source: e.source,
        }
    }
}

/// A content file that could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}:{line}:{column}: not valid UTF-8; save the file as UTF-8")]
    NotUtf8 {
        file: String,
        line: usize,
        column: usize,
    },
}

/// Reads every `content/*.md` guide (in parallel) and lists the assets.
pub fn load(root: &Path) -> Result<Content, LoadError> {
    load_with(root, |_| ()).map(|(content, _)| content)
}

/// What a walk of `content/` finds, before any file is read.
#[derive(Debug, Default)]
pub struct Listing {
    /// `content/*.md`, in walk order.
    pub guide_paths: Vec<PathBuf>,
    /// Asset paths relative to `content/`, `/`-separated.
    pub assets: BTreeSet<String>,
    /// `content/outside-root` for every file or link that leads outside the site.
    pub outside: Vec<Diagnostic>,
}

/// Walks `content/` (hidden files skipped, nothing outside the root followed).
pub fn list(root: &Path) -> Result<Listing, LoadError> {
    let content_dir = root.join("content");
    let mut listing = Listing::default();
    if !content_dir.is_dir() {
        return Ok(listing);
    }
    let site_root = SiteRoot::new(root).map_err(|source| LoadError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    site_root.walk(&content_dir, Hidden::Skip, |visit| {
        match visit {
            Visit::File { path, depth } => {
                let relative = relative_slash_path(&content_dir, path);
                if depth == 1 && relative.ends_with(".md") {
                    listing.guide_paths.push(path.to_path_buf());
                } else if depth > 1 {
                    listing.assets.insert(relative);
                }
            }
            Visit::Outside { path } => listing.outside.push(outside_root(root, path)),
        }
        Ok::<_, LoadError>(())
    })?;
    Ok(listing)
}

/// Like [`load`], and applies `then` to each guide as soon as it is read, in
/// the same parallel task (so `check` can start requests before the last
/// file is read). The results are in the order of `Content::guides`.
pub fn load_with<T: Send>(
    root: &Path,
    then: impl Fn(&Guide) -> T + Sync,
) -> Result<(Content, Vec<T>), LoadError> {
    let Listing {
        guide_paths,
        assets,
        outside,
    } = list(root)?;
    let parsed: Vec<Result<(Parsed, Option<T>), LoadError>> = guide_paths
        .par_iter()
        .map(|path| {
            let parsed = read_guide(root, path)?;
            let result = match &parsed {
                Parsed::Guide(guide) => Some(then(guide)),
                Parsed::Invalid(_) => None,
            };
            Ok((parsed, result))
        })
        .collect();
    let mut content = Content {
        assets,
        diagnostics: outside,
        ..Content::default()
    };
    let mut results = Vec::new();
    for item in parsed {
        match item? {
            (Parsed::Guide(guide), Some(result)) => {
                content.guides.push(*guide);
                results.push(result);
            }
            (Parsed::Invalid(diagnostic), _) => content.diagnostics.push(diagnostic),
            (Parsed::Guide(_), None) => unreachable!("every guide has a result"),
        }
    }
    Ok((content, results))
}

/// The error for a file or link under `content/` that resolves outside the
/// site root; it is neither read nor published.
pub fn outside_root(root: &Path, path: &Path) -> Diagnostic {
    let file = relative_slash_path(root, path);
    let target = std::fs::read_link(path).unwrap_or_else(|_| path.to_path_buf());
    let message = format!(
        "`{file}` {LEADS_OUTSIDE} (to {target:?}): it is not read or published; \
         copy what it should show into the site instead"
    );
    whole_file(Code::ContentOutsideRoot, file, message)
}

/// A diagnostic about a file as a whole, at its start, with no line shown:
/// none of it was read.
pub fn whole_file(code: Code, file: String, message: String) -> Diagnostic {
    let finding = Finding::new(code, 0..0, message);
    Diagnostic {
        excerpt: None,
        ..Diagnostic::locate(finding, &file, "", &LineIndex::new(""))
    }
}

/// `path` relative to `base`, `/`-separated whatever the platform.
pub(crate) fn relative_slash_path(base: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(base).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A guide file, read: a guide, or the one diagnostic why it is not one.
pub enum Parsed {
    Guide(Box<Guide>),
    Invalid(Diagnostic),
}

/// The largest guide read. Real guides are a few kilobytes; rendering one
/// costs about twenty times its size in memory (its page, embed and manifest
/// entry are each as large), so a runaway file is refused unread instead.
pub const MAX_GUIDE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads and parses one guide file.
pub fn read_guide(root: &Path, path: &Path) -> Result<Parsed, LoadError> {
    let file = relative_slash_path(root, path);
    let io_error = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Read at most one byte past the limit: what a file claims to hold is no
    // bound (it may grow, or be a device), what is read is.
    let handle = std::fs::File::open(path).map_err(io_error)?;
    // Sized up front, as `fs::read` does: growing by doubling cost 10% of
    // `check` in copies and fresh pages.
    let claimed = handle.metadata().map_or(0, |m| m.len());
    let mut bytes = Vec::with_capacity(claimed.min(MAX_GUIDE_BYTES) as usize + 1);
    handle
        .take(MAX_GUIDE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > MAX_GUIDE_BYTES {
        let size = claimed.max(bytes.len() as u64);
        let message = format!(
            "this guide is {:.1} MiB, over the {} MiB a guide may be, and was not read: \
             a guide is a few kilobytes of steps; split it, or move data out of it",
            size as f64 / 1024.0 / 1024.0,
            MAX_GUIDE_BYTES / 1024 / 1024
        );
        return Ok(Parsed::Invalid(whole_file(
            Code::ContentTooLarge,
            file,
            message,
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // The valid prefix is UTF-8 by definition, so positions in it are exact.
        let prefix = std::str::from_utf8(valid).unwrap_or_default();
        let (line, column) = LineIndex::new(prefix).line_col(prefix, prefix.len());
        LoadError::NotUtf8 {
            file: file.clone(),
            line,
            column,
        }
    })?;
    let name = file.trim_start_matches("content/");
    let stem = name.strip_suffix(".md").unwrap_or(name).to_string();
    Ok(parse_guide(file, stem, text))
}

/// Parses a guide's text. A file whose front matter has mistakes is still
/// a guide, with what could be read of it and its `front_problems`, so that
/// its body is checked in the same run; only an unclosed block, which leaves
/// no body to check, refuses the file.
fn parse_guide(file: String, stem: String, text: String) -> Parsed {
    let index = LineIndex::new(&text);
    let split = match front_matter::split(&text) {
        Ok(split) => split,
        Err(SplitError::Missing) => {
            let problem = Finding::new(
                Code::FrontmatterMissing,
                0..0,
                "no front matter: a guide starts with a `---` line, its YAML, and another `---` line",
            );
            let (front, _) = front_matter::read("");
            let whole_body = Split {
                yaml: 0..0,
                body_offset: 0,
            };
            return guide(file, stem, text, index, whole_body, front, vec![problem]);
        }
        Err(SplitError::Unterminated) => {
            return Parsed::Invalid(Diagnostic::locate(
                Finding::new(
                    Code::FrontmatterInvalid,
                    0..3,
                    "front matter is not closed: add a `---` line after the YAML",
                ),
                &file,
                &text,
                &index,
            ));
        }
    };
    let yaml = &text[split.yaml.clone()];
    let (front, errors) = front_matter::read(yaml);
    let yaml_start_line = index.line_col(&text, split.yaml.start).0;
    let mut problems: Vec<Finding> = errors
        .into_iter()
        .map(|e| {
            let offset = index.offset(&text, yaml_start_line + e.line - 1, e.column);
            let code = if e.unknown_key {
                Code::FrontmatterUnknownKey
            } else {
                Code::FrontmatterInvalid
            };
            // An empty block reports at the opening fence rather than past it.
            let offset = if yaml.trim().is_empty() { 0 } else { offset };
            Finding::new(code, offset..offset, e.message)
        })
        .collect();
    let block_start = split.yaml.start..split.yaml.start;
    // A key is missing as written only if no line of the block starts
    // with it (a blanked entry is not missing) and no problem names it
    // (`platfrom` is already "did you mean `platform`?").
    let missing_as_written = |key: &&str| {
        let named = format!("`{key}`");
        !yaml.lines().any(|line| {
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        }) && !problems.iter().any(|p| p.message.contains(&named))
    };
    let missing: Vec<&str> = front.missing().filter(missing_as_written).collect();
    problems.extend(missing.into_iter().map(|key| {
        Finding::new(
            Code::FrontmatterInvalid,
            block_start.clone(),
            format!("missing required key `{key}`"),
        )
    }));
    problems.extend(value_problems(&text, &front, split.yaml.start));
    guide(file, stem, text, index, split, front, problems)
}

/// What is wrong with the values of front matter that parsed: a source id
/// that cannot be a URL, an empty title or platform, a control character.
fn value_problems(text: &str, front: &FrontMatter, yaml_offset: usize) -> Vec<Finding> {
    let mut problems = Vec::new();
    let written = |key: &str| !front.missing().any(|missing| missing == key);
    if written("source") && !is_valid_source_id(&front.source.value) {
        problems.push(Finding::new(
            Code::FrontmatterInvalid,
            file_span(&front.source, yaml_offset),
            format!(
                "invalid source id `{}`: use lowercase letters, digits and `-`, starting with a letter or digit",
                front.source.value
            ),
        ));
    }
    // Required means present and said: a blank title or platform would
    // publish a page with an empty heading.
    for (key, value) in [("title", &front.title), ("platform", &front.platform)] {
        if written(key) && value.value.trim().is_empty() {
            let mut span = file_span(value, yaml_offset);
            if span.is_empty() {
                // An empty block scalar (`title: |`) sits where the next
                // line starts: point at the end of its own line instead.
                let end = text[..span.start].trim_end().len();
                span = end..end;
            }
            problems.push(Finding::new(
                Code::FrontmatterInvalid,
                span,
                format!("required key `{key}` is empty"),
            ));
        }
    }
    // The parser refuses them written raw, but an escape in a quoted value
    // (`"\x01"`) writes one, and front matter goes to the page and the portal.
    for (key, value, span) in front.texts(yaml_offset) {
        if let Some(c) = value.chars().find(|&c| is_control(c)) {
            problems.push(Finding::new(
                Code::FrontmatterInvalid,
                span,
                format!(
                    "`{key}` holds the control character U+{:04X}, which would reach the page \
                     and the portal: remove the escape that writes it",
                    u32::from(c)
                ),
            ));
        }
    }
    problems
}

/// A guide from its parts. Front matter with problems gets a source id
/// that is safe in a URL (the file name's, else `guide`), so that serve
/// can still show its body.
fn guide(
    file: String,
    stem: String,
    text: String,
    index: LineIndex,
    split: Split,
    mut front: FrontMatter,
    front_problems: Vec<Finding>,
) -> Parsed {
    if !is_valid_source_id(&front.source.value) {
        let fallback = if is_valid_source_id(&stem) {
            &stem
        } else {
            "guide"
        };
        front.source.value = fallback.to_string();
    }
    Parsed::Guide(Box::new(Guide {
        file,
        stem,
        yaml_offset: split.yaml.start,
        body_offset: split.body_offset,
        index,
        text,
        front,
        front_problems,
    }))
}

/// Whether `c` is a control character that must not reach the output:
/// C0 but tab, line feed and carriage return, DEL, and C1 (U+0080–U+009F,
/// mostly Windows-1252 text decoded as Latin-1). HTML calls them all
/// parse errors and shows nothing or a box for them.
pub fn is_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// `[a-z0-9][a-z0-9-]*`: safe in URLs, file names and manifest keys.
pub fn is_valid_source_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_ids() {
        assert!(is_valid_source_id("tiktok"));
        assert!(is_valid_source_id("google-ads2"));
        assert!(!is_valid_source_id("-x"));
        assert!(!is_valid_source_id("TikTok"));
        assert!(!is_valid_source_id(""));
        assert!(!is_valid_source_id("a/b"));
    }
}
