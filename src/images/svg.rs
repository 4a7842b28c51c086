//! SVG screenshots and diagrams: whether one may be published, and its size.
//!
//! An SVG is a document, not pixels: it can carry script, event handlers and
//! references that make a browser fetch other files. Those are refused
//! ([`SvgError::Unsafe`], reported as `html/dropped`); what remains is drawn
//! markup whose intrinsic size the page writes on its `<img>`.
//!
//! The checks read the parsed tree (entities expanded, CDATA merged), so they
//! see what a browser sees, and lean to refusing: a false refusal costs the
//! author a re-export, a false pass publishes script.

use std::collections::HashMap;
use std::fmt;

use roxmltree::{Attribute, Document, Node, NodeType, ParsingOptions};

use crate::diag::LineIndex;

const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";

/// Longest run of the file's text a message quotes.
const MAX_QUOTED_CHARS: usize = 60;

/// Bytes the DTD's entities may add when expanded. Real exports declare a few
/// namespace URIs (Illustrator) or none; a "billion laughs" file adds gigabytes.
const MAX_ENTITY_EXPANSION: usize = 1 << 20;

/// Bound on roxmltree's attribute bookkeeping (see [`attribute_work`]): a
/// fixed allowance plus so much per byte of the file. Real exports use about
/// one unit per byte (a dozen attributes on an element of a hundred bytes).
const ATTRIBUTE_WORK_ALLOWANCE: usize = 1 << 20;
const ATTRIBUTE_WORK_PER_BYTE: usize = 16;

/// Bound on roxmltree's namespace bookkeeping (see [`namespace_work`]);
/// real exports declare a handful of prefixes.
const MAX_NAMESPACE_WORK: usize = 1 << 24;

/// Elements that run script or show other documents (`handler` is SVG Tiny
/// 1.2's script).
const UNSAFE_ELEMENTS: [&str; 6] = [
    "script",
    "handler",
    "foreignObject",
    "iframe",
    "embed",
    "object",
];

/// The raster images an `<image>` may embed as a `data:` URL.
const EMBEDDABLE_RASTERS: [&str; 4] = [
    "data:image/png;base64,",
    "data:image/jpeg;base64,",
    "data:image/gif;base64,",
    "data:image/webp;base64,",
];

/// CSS functions that fetch what they name: `url()`, and the image functions
/// that also take a bare string.
const CSS_FETCHING_FUNCTIONS: [&str; 4] = ["url(", "image(", "image-set(", "src("];

/// What an SVG that may be published tells the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvgFacts {
    /// Intrinsic width in CSS pixels, when the file states one absolutely.
    pub width: Option<u32>,
    /// Intrinsic height in CSS pixels, when the file states one absolutely.
    pub height: Option<u32>,
}

/// Why an SVG is not published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SvgError {
    /// Not an SVG at all: not UTF-8, not well-formed XML (with where, in
    /// words), a root that is not `<svg>` in the SVG namespace, or a file
    /// built to exhaust the parser.
    Unreadable(String),
    /// Would run script or fetch something when shown: refused, never published.
    Unsafe {
        /// 1-based line in the SVG file.
        line: u32,
        /// 1-based column (in characters) in the SVG file.
        column: u32,
        /// What was found, e.g. "a <script> element", "an onload handler".
        what: String,
    },
}

impl fmt::Display for SvgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SvgError::Unreadable(why) => write!(f, "not a readable SVG: {why}"),
            SvgError::Unsafe { line, column, what } => write!(
                f,
                "the SVG has {what} at line {line}, column {column}: SVGs are published only without script and external references"
            ),
        }
    }
}

impl std::error::Error for SvgError {}

/// Reads an SVG file: its intrinsic size when it may be published, else why not.
pub fn inspect(bytes: &[u8]) -> Result<SvgFacts, SvgError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        SvgError::Unreadable(format!(
            "byte {} is not UTF-8 (save the SVG as UTF-8)",
            e.valid_up_to() + 1
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.trim_start_matches(is_xml_space).starts_with('<') {
        return Err(SvgError::Unreadable(
            "not XML: the file does not begin with '<'".to_owned(),
        ));
    }
    refuse_parser_bombs(text)?;
    let options = ParsingOptions {
        // Illustrator and Inkscape exports carry a DOCTYPE; entity expansion
        // is bounded by `refuse_parser_bombs` before this parse.
        allow_dtd: true,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options)
        .map_err(|e| SvgError::Unreadable(describe_xml_error(&e)))?;
    let root = doc.root_element();
    check_root(root)?;
    if let Some(finding) = first_unsafe(&doc, text) {
        return Err(finding.locate(text));
    }
    Ok(intrinsic_size(root))
}

/// Something unsafe, at a byte offset of the file's text.
struct Finding {
    offset: usize,
    what: String,
}

impl Finding {
    fn locate(self, text: &str) -> SvgError {
        let (line, column) = LineIndex::new(text).line_col(text, self.offset);
        SvgError::Unsafe {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            what: self.what,
        }
    }
}

/// Refuses what would make the parse itself blow up, before parsing: entity
/// expansion ("billion laughs", quadratic blowup), external entities, and
/// namespaces nested so deep, and elements with so many attributes, that
/// roxmltree's bookkeeping crawls.
fn refuse_parser_bombs(text: &str) -> Result<(), SvgError> {
    let entities = declared_entities(text).map_err(|finding| finding.locate(text))?;
    if !entities.is_empty() && entity_expansion(text, &entities) > MAX_ENTITY_EXPANSION {
        return Err(SvgError::Unreadable(format!(
            "its <!ENTITY> declarations expand to more than {MAX_ENTITY_EXPANSION} bytes"
        )));
    }
    if namespace_work(text) > MAX_NAMESPACE_WORK {
        return Err(SvgError::Unreadable(
            "it declares too many XML namespaces (xmlns:…) to read".to_owned(),
        ));
    }
    let attribute_budget = text
        .len()
        .saturating_mul(ATTRIBUTE_WORK_PER_BYTE)
        .saturating_add(ATTRIBUTE_WORK_ALLOWANCE);
    if attribute_work(text) > attribute_budget {
        return Err(SvgError::Unreadable(
            "its elements carry too many attributes to read".to_owned(),
        ));
    }
    Ok(())
}

/// The literal value of every `<!ENTITY>` in the text, by name (the longest
/// when a name repeats). Every occurrence counts, even inside a comment: an
/// over-estimate only makes the expansion bound stricter. An external entity
/// is a reference to another file: unsafe.
fn declared_entities(text: &str) -> Result<HashMap<&str, &str>, Finding> {
    let mut entities: HashMap<&str, &str> = HashMap::new();
    for (start, keyword) in text.match_indices("<!ENTITY") {
        let rest = text.get(start + keyword.len()..).unwrap_or_default();
        let rest = rest.trim_start_matches(is_xml_space);
        // Parameter entities share roxmltree's one table of names.
        let rest = rest
            .strip_prefix('%')
            .map_or(rest, |r| r.trim_start_matches(is_xml_space));
        let name_end = rest
            .find(|c: char| is_xml_space(c) || matches!(c, '"' | '\'' | '>' | '<'))
            .unwrap_or(rest.len());
        let (name, rest) = rest.split_at(name_end);
        let rest = rest.trim_start_matches(is_xml_space);
        if rest.starts_with("SYSTEM") || rest.starts_with("PUBLIC") {
            return Err(Finding {
                offset: start,
                what: format!(
                    "an external entity ({})",
                    quoted(rest.split('>').next().unwrap_or(rest))
                ),
            });
        }
        let Some(quote) = rest.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
            continue;
        };
        let body = rest.get(1..).unwrap_or_default();
        if let Some(end) = body.find(quote) {
            let value = body.get(..end).unwrap_or_default();
            let known = entities.entry(name).or_insert(value);
            if value.len() > known.len() {
                *known = value;
            }
        }
    }
    Ok(entities)
}

/// An upper bound of the bytes expanding every entity reference in the text
/// adds (saturating), each entity's expansion computed once.
fn entity_expansion(text: &str, entities: &HashMap<&str, &str>) -> usize {
    let mut expanded = HashMap::new();
    entity_references(text)
        .map(|name| expanded_len(name, entities, &mut expanded, 0))
        .fold(0, usize::saturating_add)
}

/// Bytes one entity expands to. A loop, or nesting deeper than roxmltree
/// follows, counts as unbounded.
fn expanded_len<'a>(
    name: &'a str,
    entities: &HashMap<&'a str, &'a str>,
    expanded: &mut HashMap<&'a str, usize>,
    depth: u8,
) -> usize {
    const MAX_DEPTH: u8 = 10;
    let Some(value) = entities.get(name) else {
        return 0; // predefined (&amp;) or a character reference
    };
    if let Some(&len) = expanded.get(name) {
        return len;
    }
    if depth > MAX_DEPTH {
        return usize::MAX;
    }
    // Marked unbounded while in progress, so a loop ends at once.
    expanded.insert(name, usize::MAX);
    let len = entity_references(value)
        .map(|inner| expanded_len(inner, entities, expanded, depth + 1))
        .fold(value.len(), usize::saturating_add);
    expanded.insert(name, len);
    len
}

/// The names of `&name;` and `%name;` references, wherever they stand.
fn entity_references(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices(['&', '%']).filter_map(|(start, _)| {
        let rest = text.get(start + 1..)?;
        let end = rest.find(|c: char| {
            c == ';' || is_xml_space(c) || matches!(c, '&' | '%' | '<' | '"' | '\'')
        })?;
        rest[end..].starts_with(';').then(|| &rest[..end])
    })
}

/// An upper bound of roxmltree's attribute work: it looks for a duplicate
/// among an element's earlier attributes, quadratic in their number. Sums the
/// squares of each tag's `=` signs outside quotes between its `<` and `>`
/// (attribute values cannot contain `<`, so each scan stops at the next one
/// and the whole is linear).
fn attribute_work(text: &str) -> usize {
    text.as_bytes()
        .split(|&b| b == b'<')
        .skip(1)
        .map(|tag| {
            let mut quote = None;
            let mut equals = 0;
            for &b in tag {
                match (quote, b) {
                    (None, b'>') => break,
                    (None, b'"' | b'\'') => quote = Some(b),
                    (None, b'=') => equals += 1,
                    (Some(open), _) if b == open => quote = None,
                    _ => {}
                }
            }
            equals * equals
        })
        .fold(0, usize::saturating_add)
}

/// An upper bound of roxmltree's namespace work: an element that declares
/// a namespace gets a copy of those in scope, each checked against the
/// others (quadratic in the distinct prefixes), and every prefix is looked up
/// among those in scope. Declarations × (distinct prefixes + 1)² bounds the
/// first and keeps the second linear; every `xmlns` in the text counts.
fn namespace_work(text: &str) -> usize {
    let mut declarations = 0_usize;
    let mut prefixes = std::collections::HashSet::new();
    for (at, keyword) in text.match_indices("xmlns") {
        declarations += 1;
        let rest = text.get(at + keyword.len()..).unwrap_or_default();
        let prefix = rest.strip_prefix(':').map_or("", |name| {
            let end = name
                .find(|c: char| {
                    is_xml_space(c) || matches!(c, '=' | ':' | '<' | '>' | '/' | '"' | '\'')
                })
                .unwrap_or(name.len());
            name.get(..end).unwrap_or(name)
        });
        prefixes.insert(prefix);
    }
    let scope = prefixes.len() + 1;
    declarations.saturating_mul(scope.saturating_mul(scope))
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// roxmltree's error, in words, with the line and column when it has them.
fn describe_xml_error(error: &roxmltree::Error) -> String {
    use roxmltree::Error as E;
    let what = match error {
        E::UnexpectedCloseTag(expected, actual, _) => {
            format!("</{}> closes <{}>", quoted(actual), quoted(expected))
        }
        E::UnknownEntityReference(name, _) => {
            format!("&{}; is not a declared entity", quoted(name))
        }
        E::MalformedEntityReference(_) => "a bare '&' (write &amp;)".to_owned(),
        E::EntityReferenceLoop(_) => "entities refer to each other in a loop".to_owned(),
        E::UnknownNamespace(prefix, _) => {
            let prefix = quoted(prefix);
            format!("the prefix {prefix}: is not declared (xmlns:{prefix}=\"…\")")
        }
        E::DuplicatedAttribute(name, _) => {
            format!("attribute {} is given twice", quoted(name))
        }
        E::InvalidAttributeValue(_) => "an attribute value contains '<' (write &lt;)".to_owned(),
        E::InvalidComment(_) => "a comment contains '--'".to_owned(),
        E::NonXmlChar(c, _) => format!("the character {c:?} is not allowed in XML"),
        E::NoRootNode => return "not XML: there is no element at all".to_owned(),
        E::UnclosedRootNode | E::UnexpectedEndOfStream => {
            return "not well-formed XML: the file ends before its root element is closed"
                .to_owned();
        }
        _ => "the markup is malformed".to_owned(),
    };
    let pos = error.pos();
    format!(
        "not well-formed XML at line {}, column {}: {what}",
        pos.row, pos.col
    )
}

fn check_root(root: Node) -> Result<(), SvgError> {
    let name = root.tag_name();
    if name.name() != "svg" {
        return Err(SvgError::Unreadable(format!(
            "the root element is <{}>, not <svg>",
            quoted(name.name())
        )));
    }
    if name.namespace() != Some(SVG_NAMESPACE) {
        return Err(SvgError::Unreadable(format!(
            "the root <svg> is not in the SVG namespace (add xmlns=\"{SVG_NAMESPACE}\")"
        )));
    }
    Ok(())
}

/// The first thing, in document order, that would run script or fetch
/// something: an element before its attributes, attributes before children.
fn first_unsafe(doc: &Document, text: &str) -> Option<Finding> {
    doc.descendants().find_map(|node| match node.node_type() {
        NodeType::Element => unsafe_element(node, text),
        NodeType::PI => node
            .pi()
            .filter(|pi| pi.target.eq_ignore_ascii_case("xml-stylesheet"))
            .map(|_| Finding {
                offset: node.range().start,
                what: "an <?xml-stylesheet?> instruction".to_owned(),
            }),
        _ => None,
    })
}

fn unsafe_element(element: Node, text: &str) -> Option<Finding> {
    let name = element.tag_name().name();
    if UNSAFE_ELEMENTS.iter().any(|u| u.eq_ignore_ascii_case(name)) {
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
            "an"
        } else {
            "a"
        };
        return Some(Finding {
            offset: element.range().start,
            what: format!("{article} <{}> element", quoted(name)),
        });
    }
    let is_image = name.eq_ignore_ascii_case("image");
    let in_attribute = element.attributes().find_map(|attribute| {
        let what = unsafe_attribute(&attribute, is_image, text)?;
        Some(Finding {
            offset: attribute.range().start,
            what,
        })
    });
    in_attribute.or_else(|| {
        name.eq_ignore_ascii_case("style")
            .then(|| unsafe_stylesheet(element))?
    })
}

fn unsafe_attribute(attribute: &Attribute, on_image: bool, text: &str) -> Option<String> {
    let name = attribute.name();
    let value = attribute.value();
    // As written (`xlink:href`, `href`), for the message.
    let written = text.get(attribute.range_qname()).unwrap_or(name);
    let reference = || {
        format!(
            "an external reference ({}=\"{}\")",
            quoted(written),
            quoted(value)
        )
    };
    if starts_with_ignore_case(name, "on") {
        return Some(format!("an {} handler", quoted(name)));
    }
    if mentions_javascript_url(value) {
        return Some(format!(
            "a javascript: URL ({}=\"{}\")",
            quoted(written),
            quoted(value)
        ));
    }
    if name.eq_ignore_ascii_case("href") || name.eq_ignore_ascii_case("src") {
        let embedded = on_image && is_embedded_raster(value);
        return (!is_same_document(value) && !embedded).then(reference);
    }
    if name == "attributeName" && animates_reference_or_handler(value) {
        return Some(format!("an animation of {}", quoted(value.trim())));
    }
    if name == "style" && attribute.namespace().is_none() {
        return css_hazard(value).map(|what| format!("{what} in a style attribute"));
    }
    // Presentation attributes take CSS values too: fill="url(…)", filter="url(…)".
    external_css_reference(value).map(|what| format!("{what} in {}", quoted(written)))
}

/// The CSS of a `<style>` element: its text children joined, as browsers
/// read it, so a comment cannot split `@import` in two.
fn unsafe_stylesheet(style: Node) -> Option<Finding> {
    let css: String = style
        .children()
        .filter(|child| child.is_text())
        .filter_map(|child| child.text())
        .collect();
    let what = css_hazard(&css)?;
    Some(Finding {
        offset: style.range().start,
        what: format!("{what} in a <style> element"),
    })
}

/// `@import`, a fetching function, or a backslash: CSS escapes can spell
/// `url(` or `@import` in ways a plain search misses, and screenshots' CSS
/// never needs them, so any escape is refused.
fn css_hazard(css: &str) -> Option<String> {
    if css.contains('\\') {
        return Some("a CSS escape (\\)".to_owned());
    }
    if let Some(at) = css.to_ascii_lowercase().find("@import") {
        return Some(format!(
            "an external reference ({})",
            quoted(css.get(at..).unwrap_or(css))
        ));
    }
    external_css_reference(css)
}

/// A `url(…)` (or another fetching function) that names anything but an
/// element of this document (`url(#gradient)`).
fn external_css_reference(css: &str) -> Option<String> {
    if !css.contains('(') {
        return None;
    }
    let lower = css.to_ascii_lowercase();
    CSS_FETCHING_FUNCTIONS.iter().find_map(|function| {
        lower.match_indices(function).find_map(|(at, _)| {
            let argument = lower.get(at + function.len()..).unwrap_or_default();
            let argument = argument.trim_start_matches(is_css_space);
            let argument = argument.strip_prefix(['"', '\'']).unwrap_or(argument);
            (!argument.starts_with('#')).then(|| {
                format!(
                    "an external reference ({})",
                    quoted(css.get(at..).unwrap_or(css))
                )
            })
        })
    })
}

fn is_css_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\x0c')
}

/// `javascript:` with browsers' leniency: case, and whitespace or control
/// characters inside the scheme, which URL parsers drop.
fn mentions_javascript_url(value: &str) -> bool {
    value.contains(':')
        && value
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .flat_map(char::to_lowercase)
            .collect::<String>()
            .contains("javascript:")
}

/// `#id` or empty (the document itself): nothing is fetched.
fn is_same_document(reference: &str) -> bool {
    let reference = reference.trim();
    reference.is_empty() || reference.starts_with('#')
}

fn is_embedded_raster(reference: &str) -> bool {
    let reference = reference.trim_start();
    EMBEDDABLE_RASTERS
        .iter()
        .any(|prefix| starts_with_ignore_case(reference, prefix))
}

/// `<animate attributeName="href">` and the like swap in a reference or a
/// handler after the checks above have passed the static value.
fn animates_reference_or_handler(attribute_name: &str) -> bool {
    let local = attribute_name.trim();
    let local = local.rsplit(':').next().unwrap_or(local);
    local.eq_ignore_ascii_case("href")
        || local.eq_ignore_ascii_case("src")
        || starts_with_ignore_case(local, "on")
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// Text copied from the file into a message: at most [`MAX_QUOTED_CHARS`]
/// characters, control characters (newlines) as spaces.
fn quoted(text: &str) -> String {
    let mut chars = text.chars();
    let mut quoted: String = chars
        .by_ref()
        .take(MAX_QUOTED_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if chars.next().is_some() {
        quoted.push('…');
    }
    quoted
}

/// `width`/`height` on the root when unitless or `px`; the viewBox fills in
/// what they leave out: its size when both are absent, its aspect ratio when
/// one is absolute and the other absent or relative (as browsers size it).
fn intrinsic_size(root: Node) -> SvgFacts {
    let width_attr = root.attribute("width");
    let height_attr = root.attribute("height");
    let width = width_attr.and_then(css_pixels);
    let height = height_attr.and_then(css_pixels);
    let view_box = root.attribute("viewBox").and_then(view_box_size);
    let (width, height) = match (width, height, view_box) {
        (Some(w), None, Some((vw, vh))) => (Some(w), Some(w * vh / vw)),
        (None, Some(h), Some((vw, vh))) => (Some(h * vw / vh), Some(h)),
        (None, None, Some((vw, vh))) if width_attr.is_none() && height_attr.is_none() => {
            (Some(vw), Some(vh))
        }
        _ => (width, height),
    };
    SvgFacts {
        width: width.and_then(whole_pixels),
        height: height.and_then(whole_pixels),
    }
}

/// A length in CSS pixels: a positive number, unitless or in `px`.
fn css_pixels(length: &str) -> Option<f64> {
    let length = length.trim();
    let number = length
        .len()
        .checked_sub(2)
        .filter(|&end| length.is_char_boundary(end))
        .and_then(|end| {
            let (number, unit) = length.split_at(end);
            unit.eq_ignore_ascii_case("px").then_some(number)
        })
        .unwrap_or(length);
    positive_number(number)
}

/// The width and height of `viewBox="min-x min-y width height"`.
fn view_box_size(view_box: &str) -> Option<(f64, f64)> {
    let mut numbers = view_box
        .split(|c: char| is_xml_space(c) || c == ',')
        .filter(|part| !part.is_empty());
    let (_, _, width, height) = (
        numbers.next()?,
        numbers.next()?,
        numbers.next()?,
        numbers.next()?,
    );
    if numbers.next().is_some() {
        return None;
    }
    Some((positive_number(width)?, positive_number(height)?))
}

fn positive_number(text: &str) -> Option<f64> {
    text.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n > 0.0)
}

/// Rounded to the nearest pixel, at least one.
fn whole_pixels(length: f64) -> Option<u32> {
    let rounded = length.round().max(1.0);
    (rounded <= f64::from(u32::MAX)).then_some(rounded as u32)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use proptest::collection::vec;
    use proptest::prelude::*;

    use super::*;

    /// An SVG document around `body`, with the xlink prefix bound.
    fn svg(body: &str) -> String {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">{body}</svg>"#
        )
    }

    fn passes(body: &str) {
        let file = svg(body);
        assert!(
            inspect(file.as_bytes()).is_ok(),
            "refused: {file}\n{:?}",
            inspect(file.as_bytes())
        );
    }

    /// What the refusal of `file` says; fails the test when it is not unsafe.
    fn unsafe_in(file: &str) -> (u32, u32, String) {
        match inspect(file.as_bytes()) {
            Err(SvgError::Unsafe { line, column, what }) => (line, column, what),
            other => panic!("expected unsafe, got {other:?} for {file}"),
        }
    }

    fn refused(body: &str) -> String {
        unsafe_in(&svg(body)).2
    }

    fn unreadable(bytes: &[u8]) -> String {
        match inspect(bytes) {
            Err(SvgError::Unreadable(why)) => why,
            other => panic!("expected unreadable, got {other:?}"),
        }
    }

    fn size(root_attributes: &str) -> (Option<u32>, Option<u32>) {
        let file = format!(r#"<svg xmlns="http://www.w3.org/2000/svg" {root_attributes}/>"#);
        let facts = inspect(file.as_bytes()).expect("a plain SVG passes");
        (facts.width, facts.height)
    }

    fn finishes_quickly(file: &[u8]) -> Result<SvgFacts, SvgError> {
        let started = Instant::now();
        let result = inspect(file);
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "took {:?}",
            started.elapsed()
        );
        result
    }

    #[test]
    fn script_elements_are_refused_in_any_namespace() {
        assert_eq!(refused("<script>alert(1)</script>"), "a <script> element");
        assert_eq!(
            refused(r#"<h:script xmlns:h="http://www.w3.org/1999/xhtml">x()</h:script>"#),
            "a <script> element"
        );
        passes("<g><rect width='1' height='1'/></g>");
    }

    #[test]
    fn event_handlers_are_refused_in_any_case() {
        assert_eq!(refused(r#"<rect onload="x()"/>"#), "an onload handler");
        assert_eq!(refused(r#"<rect ONCLICK="x()"/>"#), "an ONCLICK handler");
        passes(r#"<rect opacity="0.5"/><stop offset="0"/><path d="M0 0" orient="auto"/>"#);
    }

    #[test]
    fn embedding_elements_are_refused() {
        assert_eq!(
            refused("<foreignObject><p/></foreignObject>"),
            "a <foreignObject> element"
        );
        assert_eq!(refused("<iframe/>"), "an <iframe> element");
        assert_eq!(refused("<embed/>"), "an <embed> element");
        assert_eq!(refused("<object/>"), "an <object> element");
        assert_eq!(refused("<handler/>"), "a <handler> element");
        passes("<g/><text>object embed iframe script</text>");
    }

    #[test]
    fn references_pass_only_within_the_document() {
        passes(r##"<use href="#a"/><use xlink:href=" #b"/><a href="">x</a>"##);
        assert_eq!(
            refused(r#"<use href="https://x/a.svg#b"/>"#),
            r#"an external reference (href="https://x/a.svg#b")"#
        );
        assert_eq!(
            refused(r#"<use xlink:href="other.svg"/>"#),
            r#"an external reference (xlink:href="other.svg")"#
        );
        // Any prefix bound to the xlink namespace.
        assert_eq!(
            refused(r#"<use xmlns:l="http://www.w3.org/1999/xlink" l:href="b.svg"/>"#),
            r#"an external reference (l:href="b.svg")"#
        );
        assert_eq!(
            refused(r#"<image src="https://x/a.png"/>"#),
            r#"an external reference (src="https://x/a.png")"#
        );
    }

    #[test]
    fn images_may_embed_only_raster_data_urls() {
        passes(r#"<image href="data:image/png;base64,iVBORw0KGgo="/>"#);
        passes(r#"<image xlink:href="DATA:image/JPEG;base64,/9j/4AAQ"/>"#);
        passes(
            r#"<image href="data:image/gif;base64,R0lG"/><image href="data:image/webp;base64,UklG"/>"#,
        );
        assert!(
            refused(r#"<image href="data:image/svg+xml;base64,PHN2Zz4="/>"#)
                .starts_with("an external reference")
        );
        assert!(
            refused(r#"<use href="data:image/png;base64,iVBORw0KGgo="/>"#)
                .starts_with("an external reference")
        );
    }

    #[test]
    fn animating_a_reference_or_a_handler_is_refused() {
        assert_eq!(
            refused(r##"<a><set attributeName="href" to="#b"/></a>"##),
            "an animation of href"
        );
        assert_eq!(
            refused(r##"<a><animate attributeName=" xlink:href " values="#a;#b"/></a>"##),
            "an animation of xlink:href"
        );
        assert_eq!(
            refused(r#"<rect><set attributeName="onclick" to="x"/></rect>"#),
            "an animation of onclick"
        );
        passes(
            r#"<rect><animate attributeName="opacity" values="0;1"/><animateMotion path="M0 0"/></rect>"#,
        );
    }

    #[test]
    fn css_may_only_name_elements_of_the_document() {
        passes(
            r##"<rect style="fill: url(#g); stroke:URL( '#h' )"/><style>rect { fill: url( "#g" ) }</style>"##,
        );
        assert_eq!(
            refused(r#"<rect style="fill:URL(https://x/p.png)"/>"#),
            "an external reference (URL(https://x/p.png)) in a style attribute"
        );
        assert_eq!(
            refused(r#"<style>@IMPORT "https://x/a.css";</style>"#),
            r#"an external reference (@IMPORT "https://x/a.css";) in a <style> element"#
        );
        assert_eq!(
            refused(r#"<style><![CDATA[ rect { fill: url( "https://x/a.svg#g" ) } ]]></style>"#),
            r#"an external reference (url( "https://x/a.svg#g" ) } ) in a <style> element"#
        );
        assert!(
            refused(r#"<style>a { background: image-set("x.png" 1x) }</style>"#)
                .starts_with("an external reference")
        );
    }

    #[test]
    fn css_escapes_and_comments_cannot_hide_a_fetch() {
        assert_eq!(
            refused(r#"<style>@\69mport "x.css";</style>"#),
            r"a CSS escape (\) in a <style> element"
        );
        assert_eq!(
            refused(r#"<rect style="fill:\75rl(x.png)"/>"#),
            r"a CSS escape (\) in a style attribute"
        );
        assert!(
            refused(r#"<style>@im<!-- -->port "x.css";</style>"#)
                .starts_with("an external reference (@import")
        );
        // A backslash outside CSS (Inkscape's Windows paths) is not CSS.
        passes(
            r#"<rect xmlns:s="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" s:absref="C:\shots\a.png"/>"#,
        );
    }

    #[test]
    fn presentation_attributes_may_only_name_elements_of_the_document() {
        passes(r##"<rect fill="url(#g)" filter="url( #f )"/>"##);
        assert_eq!(
            refused(r#"<rect fill="url(https://x/a.svg#g)"/>"#),
            "an external reference (url(https://x/a.svg#g)) in fill"
        );
    }

    #[test]
    fn javascript_urls_are_refused_in_any_attribute() {
        assert_eq!(
            refused(r#"<set attributeName="fill" to="Java&#9;Script:alert(1)"/>"#),
            "a javascript: URL (to=\"Java Script:alert(1)\")"
        );
        passes(r#"<text class="javascript tips: none">javascript:</text>"#);
    }

    #[test]
    fn stylesheet_instructions_and_external_entities_are_refused() {
        let file = format!("<?xml-stylesheet href=\"a.css\"?>\n{}", svg(""));
        assert_eq!(
            unsafe_in(&file),
            (1, 1, "an <?xml-stylesheet?> instruction".to_owned())
        );
        let file = format!(
            "<!DOCTYPE svg [\n <!ENTITY x SYSTEM \"https://x/e.xml\">\n]>\n{}",
            svg("")
        );
        assert_eq!(
            unsafe_in(&file),
            (
                2,
                2,
                "an external entity (SYSTEM \"https://x/e.xml\")".to_owned()
            )
        );
    }

    #[test]
    fn the_first_unsafe_thing_in_document_order_is_reported() {
        let (_, _, what) = unsafe_in(&svg(r#"<g onclick="a()"><script/></g><use href="x.svg"/>"#));
        assert_eq!(what, "an onclick handler");
        let (_, _, what) = unsafe_in(&svg(r#"<script onload="a()"/>"#));
        assert_eq!(what, "a <script> element");
    }

    #[test]
    fn line_and_column_count_characters_after_multibyte_text() {
        let file = "<svg xmlns=\"http://www.w3.org/2000/svg\">\n<text>Mitglieder hinzufügen ✓ 日本</text>\n  <rect x=\"1\" onclick=\"x()\"/>\n</svg>";
        assert_eq!(unsafe_in(file), (3, 15, "an onclick handler".to_owned()));
        let file = "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>é✓</text><script/></svg>";
        assert_eq!(unsafe_in(file), (1, 56, "a <script> element".to_owned()));
    }

    #[test]
    fn inkscape_and_illustrator_exports_with_a_doctype_pass() {
        let inkscape = r##"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) -->
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:svg="http://www.w3.org/2000/svg"
   xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
   xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
   xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
   width="210mm" height="297mm" viewBox="0 0 210 297" version="1.1"
   sodipodi:docname="members.svg" inkscape:version="1.3">
  <sodipodi:namedview id="base" pagecolor="#ffffff" inkscape:zoom="0.35"/>
  <defs><linearGradient id="g"><stop offset="0" style="stop-color:#fff"/></linearGradient></defs>
  <g inkscape:label="Layer 1" inkscape:groupmode="layer"><rect style="fill:url(#g)" width="10" height="10"/></g>
</svg>"##;
        // mm is not px: no width or height stated in pixels.
        assert_eq!(
            inspect(inkscape.as_bytes()),
            Ok(SvgFacts {
                width: None,
                height: None
            })
        );
        let illustrator = r##"<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [
	<!ENTITY ns_extend "http://ns.adobe.com/Extensibility/1.0/">
	<!ENTITY ns_ai "http://ns.adobe.com/AdobeIllustrator/10.0/">
]>
<svg version="1.1" xmlns:x="&ns_extend;" xmlns:i="&ns_ai;" xmlns="http://www.w3.org/2000/svg"
	 x="0px" y="0px" width="640px" height="480px" viewBox="0 0 640 480">
<rect x="0" y="0" width="10" height="10" fill="#ff0000"/>
</svg>"##;
        assert_eq!(
            inspect(illustrator.as_bytes()),
            Ok(SvgFacts {
                width: Some(640),
                height: Some(480)
            })
        );
    }

    #[test]
    fn a_byte_order_mark_passes() {
        let file = format!("\u{feff}{}", svg("<rect/>"));
        assert_eq!(
            inspect(file.as_bytes()),
            Ok(SvgFacts {
                width: Some(10),
                height: Some(10)
            })
        );
    }

    #[test]
    fn entity_bombs_are_refused_fast() {
        let mut laughs = String::from("<!DOCTYPE svg [\n<!ENTITY lol \"lol\">\n");
        for level in 1..=9 {
            let previous = if level == 1 {
                "lol".to_owned()
            } else {
                format!("lol{}", level - 1)
            };
            laughs += &format!(
                "<!ENTITY lol{level} \"{}\">\n",
                format!("&{previous};").repeat(10)
            );
        }
        laughs += "]>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><text>&lol9;</text></svg>";
        assert!(unreadable_quickly(laughs.as_bytes()).contains("expand to more than"));

        let blowup = format!(
            "<!DOCTYPE svg [<!ENTITY a \"{}\">]><svg xmlns=\"http://www.w3.org/2000/svg\"><text>{}</text></svg>",
            "x".repeat(10_000),
            "&a;".repeat(1_000)
        );
        assert!(unreadable_quickly(blowup.as_bytes()).contains("expand to more than"));

        let looping = "<!DOCTYPE svg [<!ENTITY a \"&b;\"><!ENTITY b \"&a;\">]><svg xmlns=\"http://www.w3.org/2000/svg\">&a;</svg>";
        assert!(unreadable_quickly(looping.as_bytes()).contains("expand to more than"));
    }

    fn unreadable_quickly(file: &[u8]) -> String {
        match finishes_quickly(file) {
            Err(SvgError::Unreadable(why)) => why,
            other => panic!("expected unreadable, got {other:?}"),
        }
    }

    #[test]
    fn elements_with_attributes_by_the_thousand_are_refused_fast() {
        let attributes: String = (0..100_000).map(|i| format!(" a{i}=\"{i}\"")).collect();
        let file = svg(&format!("<rect{attributes}/>"));
        assert!(unreadable_quickly(file.as_bytes()).contains("too many attributes"));
        // Many elements of a thousand attributes: each alone would pass.
        let attributes: String = (0..1000).map(|i| format!(" a{i}=''")).collect();
        let file = svg(&format!("<g{attributes}/>").repeat(300));
        assert!(unreadable_quickly(file.as_bytes()).contains("too many attributes"));
        let attributes: String = (0..1000).map(|i| format!(" a{i}=\"{i}\"")).collect();
        passes(&format!("<rect{attributes}/>"));
    }

    #[test]
    fn what_is_not_an_svg_is_unreadable_with_a_reason() {
        assert_eq!(
            unreadable(b"hello"),
            "not XML: the file does not begin with '<'"
        );
        assert_eq!(
            unreadable(b"<!-- -->"),
            "not XML: there is no element at all"
        );
        assert_eq!(
            unreadable(b"\x89PNG\r\n\x1a\n\0\0"),
            "byte 1 is not UTF-8 (save the SVG as UTF-8)"
        );
        assert_eq!(
            unreadable(b"<svg xmlns=\"http://www.w3.org/2000/svg\">\n  <g>\n  </svg>"),
            "not well-formed XML at line 3, column 3: </svg> closes <g>"
        );
        assert_eq!(
            unreadable(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><g>"),
            "not well-formed XML: the file ends before its root element is closed"
        );
        assert_eq!(
            unreadable(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><text>a & b</text></svg>"),
            "not well-formed XML at line 1, column 49: a bare '&' (write &amp;)"
        );
        assert_eq!(
            unreadable(b"<html><body/></html>"),
            "the root element is <html>, not <svg>"
        );
        assert_eq!(
            unreadable(b"<svg width=\"10\"/>"),
            "the root <svg> is not in the SVG namespace (add xmlns=\"http://www.w3.org/2000/svg\")"
        );
    }

    #[test]
    fn size_from_unitless_or_px_width_and_height() {
        assert_eq!(size(r#"width="100" height="50""#), (Some(100), Some(50)));
        assert_eq!(
            size(r#"width=" 100px " height="50.6PX""#),
            (Some(100), Some(51))
        );
        assert_eq!(size(r#"width="0.2" height="1e2""#), (Some(1), Some(100)));
    }

    #[test]
    fn relative_or_other_units_give_no_size() {
        assert_eq!(size(r#"width="100%" height="2em""#), (None, None));
        assert_eq!(size(r#"width="10cm" height="-5""#), (None, None));
        assert_eq!(size(r#"width="0" height="NaN""#), (None, None));
        assert_eq!(
            size(r#"width="100%" height="100%" viewBox="0 0 300 150""#),
            (None, None)
        );
        assert_eq!(size(""), (None, None));
    }

    #[test]
    fn size_from_the_view_box_when_width_and_height_are_absent() {
        assert_eq!(size(r#"viewBox="0 0 300 150""#), (Some(300), Some(150)));
        assert_eq!(
            size(r#"viewBox="-5,-5,300.4,150.5""#),
            (Some(300), Some(151))
        );
        assert_eq!(
            size(r#"viewBox=" 0, 0  ,300 , 150 ""#),
            (Some(300), Some(150))
        );
        assert_eq!(size(r#"viewBox="0 0 300""#), (None, None));
        assert_eq!(size(r#"viewBox="0 0 0 150""#), (None, None));
    }

    #[test]
    fn one_side_and_a_view_box_give_the_other_by_aspect_ratio() {
        assert_eq!(
            size(r#"width="600" viewBox="0 0 300 150""#),
            (Some(600), Some(300))
        );
        assert_eq!(
            size(r#"height="75px" viewBox="0 0 300 150""#),
            (Some(150), Some(75))
        );
        assert_eq!(
            size(r#"width="600" height="100%" viewBox="0 0 300 150""#),
            (Some(600), Some(300))
        );
        assert_eq!(size(r#"width="600""#), (Some(600), None));
    }

    #[test]
    fn quoted_text_is_cut_at_sixty_characters_on_a_char_boundary() {
        let what = refused(&format!(r#"<use href="https://x/{}"/>"#, "é".repeat(100)));
        let value = format!("https://x/{}…", "é".repeat(50));
        assert_eq!(what, format!(r#"an external reference (href="{value}")"#));
    }

    const VALID: &str = r##"<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY n "10">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="&n;" viewBox="0 0 10 5">
<style><![CDATA[rect{fill:url(#g)}]]></style>
<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>
<use xlink:href="#g" style="fill:url(#g)"/><text>héllo ✓</text></svg>"##;

    const SOUP: [&str; 24] = [
        "<svg xmlns=\"http://www.w3.org/2000/svg\">",
        "</svg>",
        "<!DOCTYPE svg [",
        "]>",
        "<!ENTITY",
        " % ",
        " a ",
        "\"",
        "'",
        "&a;",
        "%a;",
        "&",
        ";",
        "<",
        ">",
        "=",
        " xmlns:",
        "url(",
        "#",
        "é✓",
        "<style>",
        "\\",
        "<![CDATA[",
        "SYSTEM",
    ];

    #[test]
    fn the_fuzzing_seed_passes() {
        assert_eq!(
            inspect(VALID.as_bytes()),
            Ok(SvgFacts {
                width: Some(10),
                height: Some(5)
            })
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..512)) {
            let _ = inspect(&bytes);
        }

        #[test]
        fn mutated_svgs_never_panic(edits in vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..12)) {
            let mut bytes = VALID.as_bytes().to_vec();
            for (at, kind, byte) in edits {
                let at = at.index(bytes.len() + 1);
                match kind {
                    0 => bytes.insert(at, byte),
                    1 if at < bytes.len() => { bytes.remove(at); }
                    _ if at < bytes.len() => bytes[at] = byte,
                    _ => {}
                }
            }
            let _ = inspect(&bytes);
        }

        /// Soups of the pieces the pre-parse scanners look for.
        #[test]
        fn token_soups_never_panic(tokens in vec(prop::sample::select(SOUP.to_vec()), 0..64)) {
            let _ = inspect(tokens.concat().as_bytes());
        }
    }

    #[test]
    fn deep_nesting_and_many_paths_cost_linear_time() {
        let deep = svg(&format!(
            "{}{}",
            "<g>".repeat(100_000),
            "</g>".repeat(100_000)
        ));
        let started = Instant::now();
        assert!(inspect(deep.as_bytes()).is_ok());
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "100,000 levels took {:?}",
            started.elapsed()
        );
        let path = r##"<path d="M 10.5 20.25 L 30 40 C 1 2 3 4 5 6 Z" style="fill:url(#g)" fill="url(#g)"/>"##;
        let paths = svg(&path.repeat(2_000_000 / path.len()));
        let started = Instant::now();
        assert!(inspect(paths.as_bytes()).is_ok());
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "2 MB took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn namespaces_nested_by_the_thousand_are_refused_fast() {
        let open: String = (0..2_000)
            .map(|i| format!("<g xmlns:p{i}=\"urn:p\">"))
            .collect();
        let nested = svg(&format!("{open}{}", "</g>".repeat(2_000)));
        assert!(unreadable_quickly(nested.as_bytes()).contains("too many XML namespaces"));
        // A sprite of icons, each declaring the same few namespaces, passes.
        let icon = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><g>"#;
        passes(&format!(
            "{}{}",
            icon.repeat(2_000),
            "</g></svg>".repeat(2_000)
        ));
    }
}
