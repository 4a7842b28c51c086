//! Front matter: splitting it from the body, its strict, span-keeping
//! schema, and reading what can be read of a block with mistakes in it.

use std::borrow::Cow;
use std::ops::Range;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::yaml::YamlError;

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
    // Required, but defaulted here so that one missing key does not hide
    // the rest: `missing()` says which are absent.
    #[serde(default = "absent")]
    pub source: Spanned<String>,
    #[serde(default = "absent")]
    pub title: Spanned<String>,
    #[serde(default = "absent")]
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
                    ("pattern_message", f.pattern_message.as_deref()),
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
    /// What the reader is told when the value does not match `pattern`
    /// (the browser's own message says only "match the requested format").
    #[serde(default)]
    pub pattern_message: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub help: Option<String>,
    /// Choices of a `select`; each is both the submitted value and its label.
    #[serde(default)]
    pub options: Vec<String>,
}

fn default_field_type() -> Spanned<String> {
    unwritten("text")
}

/// A value not written in the file, which has no place there.
fn unwritten(value: &str) -> Spanned<String> {
    Spanned::new(
        value.to_string(),
        serde_saphyr::Location::UNKNOWN,
        serde_saphyr::Location::UNKNOWN,
    )
}

fn absent() -> Spanned<String> {
    unwritten("")
}

impl FrontMatter {
    /// The required keys the block does not hold.
    pub fn missing(&self) -> impl Iterator<Item = &'static str> {
        [
            ("source", &self.source),
            ("title", &self.title),
            ("platform", &self.platform),
        ]
        .into_iter()
        .filter(|(_, value)| value.referenced == serde_saphyr::Location::UNKNOWN)
        .map(|(key, _)| key)
    }
}

/// How many mistakes [`read`] steps over before it gives up on a block.
const MAX_REPAIRS: usize = 8;

/// The front matter in `yaml`, as much of it as can be read, and what is
/// wrong with it (positions relative to `yaml`). Each entry the parser
/// stumbles on is blanked out (its line and the lines indented under it,
/// byte for byte, so every other span stays true) and the block read
/// again; the first error and every unknown key found on the way are
/// reported (a later syntax error could be the blanking's own doing).
pub fn read(yaml: &str) -> (FrontMatter, Vec<YamlError>) {
    let mut errors = Vec::new();
    let mut text = Cow::Borrowed(yaml);
    for _ in 0..MAX_REPAIRS {
        match crate::yaml::parse::<FrontMatter>(&text) {
            Ok(front) => return (front, errors),
            Err(error) => {
                let line = error.line;
                if errors.is_empty() || error.unknown_key {
                    errors.push(error);
                }
                if !blank_entry(text.to_mut(), line) {
                    break;
                }
            }
        }
    }
    let nothing = crate::yaml::parse::<FrontMatter>("{}").expect("every key has a default");
    (nothing, errors)
}

/// Blanks the 1-based `line` of `text` and the lines indented deeper under
/// it; false when there is nothing left there to blank.
fn blank_entry(text: &mut String, line: usize) -> bool {
    let mut bytes = std::mem::take(text).into_bytes();
    let mut start = 0;
    let mut indent_of_entry = None;
    let mut blanked = false;
    for (number, piece) in bytes.clone().split_inclusive(|&b| b == b'\n').enumerate() {
        let end = start + piece.len();
        let content = piece.iter().take_while(|&&b| b != b'\n' && b != b'\r');
        let indent = piece
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let blank_line = piece.iter().all(|b| b.is_ascii_whitespace());
        let inside = match indent_of_entry {
            None => number + 1 == line,
            Some(entry) => blank_line || indent > entry,
        };
        if number + 1 > line && !inside {
            break;
        }
        if inside {
            indent_of_entry.get_or_insert(indent);
            let length = content.count();
            for b in &mut bytes[start..start + length] {
                blanked |= *b != b' ';
                *b = b' ';
            }
        }
        start = end;
    }
    // Whole lines were overwritten byte for byte with spaces: still UTF-8.
    *text = String::from_utf8(bytes).unwrap_or_default();
    blanked
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

    /// A front matter whose one form field is `field`.
    const ONE_FIELD: &str =
        "source: a\ntitle: A\nplatform: A\nonboard:\n  portal: https://p.test/\n  fields:\n    - ";

    #[test]
    fn a_field_carries_its_pattern_message_and_it_is_checked_as_front_matter_text() {
        let yaml = format!(
            "{ONE_FIELD}{{ name: id, label: Id, pattern: '[0-9]+', pattern_message: Digits only }}\n"
        );
        let (front, errors) = read(&yaml);
        assert!(errors.is_empty(), "{errors:?}");
        let field = &front.onboard.as_ref().unwrap().fields[0].value;
        assert_eq!(field.pattern_message.as_deref(), Some("Digits only"));
        // Placeholder checks read every text: the message is one of them.
        assert!(
            front
                .texts(0)
                .iter()
                .any(|&(key, text, _)| key == "pattern_message" && text == "Digits only")
        );
    }

    #[test]
    fn a_misspelt_pattern_message_is_an_unknown_key_with_a_suggestion() {
        let yaml = format!("{ONE_FIELD}{{ name: id, label: Id, pattern_mesage: Digits only }}\n");
        let (_, errors) = read(&yaml);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].unknown_key);
        assert!(
            errors[0].message.contains("pattern_message"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn split_errors() {
        assert_eq!(split("# no front matter"), Err(SplitError::Missing));
        assert_eq!(split("---\nsource: a\n"), Err(SplitError::Unterminated));
    }

    mod proptests {
        use proptest::collection::vec;
        use proptest::prelude::*;
        use proptest::sample::select;

        use super::super::*;

        /// Front matter lines right and wrong: keys, typos, tabs, quotes,
        /// flow collections, non-Latin values.
        const LINES: &[&str] = &[
            "source: meta",
            "title: Meta",
            "platform: Meta",
            "sumary: x",
            "summary: a: b",
            "access:",
            "  grantee: a@b.test",
            "  role: Analyst",
            "\trole: x",
            "contacts: [a@b.test",
            "contacts: [a@b.test]",
            "- x",
            "title: \"open",
            "title: 日本語 #1",
            "onboard:",
            "  fields:",
            "    - { name: a, label: b, help: c, d }",
            "  portal: https://x.test/",
            "order: first",
            "draft: maybe",
            "",
            "  ",
            "title: 'ok'",
            "&a x",
            "*a",
        ];

        proptest! {
            /// Never a panic, whatever the block; what was read keeps spans
            /// inside the block as written; errors point inside it.
            #[test]
            fn reading_recovers_without_panicking(lines in vec(select(LINES), 0..16)) {
                let yaml: String = lines.iter().map(|l| format!("{l}\n")).collect();
                let (front, errors) = read(&yaml);
                for (_, _, span) in front.texts(0) {
                    prop_assert!(span.end <= yaml.len(), "{:?} in {:?}", span, yaml);
                }
                let line_count = yaml.lines().count().max(1);
                for error in &errors {
                    prop_assert!(error.line >= 1 && error.line <= line_count + 1, "{:?}", error);
                }
            }
        }
    }
}
