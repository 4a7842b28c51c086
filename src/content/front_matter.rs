//! Front matter: splitting it from the body, and its strict, span-keeping schema.

use std::ops::Range;

use serde::Deserialize;
use serde_saphyr::Spanned;

/// Where the YAML and the body sit in a guide's text (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub yaml: Range<usize>,
    pub body_offset: usize,
}

/// Why a file has no usable front matter block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The file does not start with a `---` line.
    Missing,
    /// The opening `---` has no closing `---` line.
    Unterminated,
}

/// Finds the `---` fenced YAML block at the very start of `text`.
pub fn split(text: &str) -> Result<Split, SplitError> {
    // Editors on Windows may start the file with a byte order mark.
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let after_open = ["---\n", "---\r\n"]
        .iter()
        .find_map(|fence| text[bom..].strip_prefix(fence).map(|_| bom + fence.len()))
        .ok_or(SplitError::Missing)?;
    let mut line_start = after_open;
    for line in text[after_open..].split_inclusive('\n') {
        if line.trim_end_matches(['\n', '\r']) == "---" {
            return Ok(Split {
                yaml: after_open..line_start,
                body_offset: line_start + line.len(),
            });
        }
        line_start += line.len();
    }
    Err(SplitError::Unterminated)
}

/// A guide's front matter, exactly as DESIGN.md specifies it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub source: Spanned<String>,
    pub title: Spanned<String>,
    pub platform: Spanned<String>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub order: Option<i64>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub access: Option<Access>,
    #[serde(default)]
    pub contacts: Vec<Spanned<String>>,
    #[serde(default)]
    pub onboard: Option<Onboard>,
}

impl FrontMatter {
    /// Every text value with its key and its place in the file: its own
    /// span where it has one, else its form field's, else the block's start.
    pub fn texts(&self, yaml_offset: usize) -> Vec<(&'static str, &str, Range<usize>)> {
        let at = |v: &Spanned<String>| file_span(v, yaml_offset);
        let block = yaml_offset..yaml_offset;
        let mut texts = vec![
            ("source", self.source.value.as_str(), at(&self.source)),
            ("title", &self.title.value, at(&self.title)),
            ("platform", &self.platform.value, at(&self.platform)),
            ("summary", &self.summary, block),
        ];
        if let Some(access) = &self.access {
            texts.push(("grantee", &access.grantee.value, at(&access.grantee)));
            texts.push(("role", &access.role.value, at(&access.role)));
        }
        texts.extend(
            self.contacts
                .iter()
                .map(|c| ("contacts", c.value.as_str(), at(c))),
        );
        if let Some(onboard) = &self.onboard {
            texts.push(("portal", &onboard.portal.value, at(&onboard.portal)));
            for field in &onboard.fields {
                let span = file_span(field, yaml_offset);
                let f = &field.value;
                texts.push(("name", &f.name, span.clone()));
                texts.push(("label", &f.label, span.clone()));
                texts.push(("type", &f.kind.value, span.clone()));
                let optional = [
                    ("placeholder", f.placeholder.as_deref()),
                    ("pattern", f.pattern.as_ref().map(|p| p.value.as_str())),
                    ("help", f.help.as_deref()),
                ];
                for (key, value) in optional {
                    texts.extend(value.map(|v| (key, v, span.clone())));
                }
                texts.extend(
                    f.options
                        .iter()
                        .map(|o| ("options", o.as_str(), span.clone())),
                );
            }
        }
        texts
    }
}

/// What the advertiser grants, and to whom.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Access {
    pub grantee: Spanned<String>,
    pub role: Spanned<String>,
}

/// The portal form of this data source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Onboard {
    pub portal: Spanned<String>,
    #[serde(default)]
    pub fields: Vec<Spanned<Field>>,
}

/// One form control.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    pub label: String,
    #[serde(rename = "type", default = "default_field_type")]
    pub kind: Spanned<String>,
    #[serde(default)]
    pub placeholder: Option<String>,
    #[serde(default)]
    pub pattern: Option<Spanned<String>>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub help: Option<String>,
    /// Choices of a `select`; each is both the submitted value and its label.
    #[serde(default)]
    pub options: Vec<String>,
}

fn default_field_type() -> Spanned<String> {
    Spanned::new(
        "text".to_string(),
        serde_saphyr::Location::UNKNOWN,
        serde_saphyr::Location::UNKNOWN,
    )
}

/// The field types the theme knows how to render.
pub const FIELD_TYPES: &[&str] = &[
    "text", "email", "number", "url", "tel", "select", "textarea",
];

/// Byte range in the whole file of a spanned front matter value.
pub fn file_span<T>(value: &Spanned<T>, yaml_offset: usize) -> Range<usize> {
    let span = value.referenced.span();
    let start = yaml_offset + span.byte_offset().unwrap_or(0) as usize;
    start..start + span.byte_len().unwrap_or(0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_finds_yaml_and_body() {
        let text = "---\nsource: a\n---\n# Body\n";
        let s = split(text).unwrap();
        assert_eq!(&text[s.yaml.clone()], "source: a\n");
        assert_eq!(&text[s.body_offset..], "# Body\n");
    }

    #[test]
    fn split_handles_crlf_and_empty_yaml() {
        let text = "---\r\n---\r\nbody";
        let s = split(text).unwrap();
        assert!(s.yaml.is_empty());
        assert_eq!(&text[s.body_offset..], "body");
    }

    #[test]
    fn split_skips_a_byte_order_mark() {
        let text = "\u{feff}---\nsource: a\n---\nbody";
        let s = split(text).unwrap();
        assert_eq!(&text[s.yaml.clone()], "source: a\n");
    }

    #[test]
    fn split_errors() {
        assert_eq!(split("# no front matter"), Err(SplitError::Missing));
        assert_eq!(split("---\nsource: a\n"), Err(SplitError::Unterminated));
    }
}
