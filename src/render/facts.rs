//! Facts a guide's Markdown states, each with its byte span in the file.
//! Rendering extracts them once; validation rules and the manifest read them.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

pub use super::callout::CalloutProblem;

/// What looks like an e-mail address in text, for the facts and the e-mail
/// rules alike. Deliberately loose (a stray backslash is kept): the rules
/// decide what is well-formed.
pub static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+\-\\]+@[A-Za-z0-9.\-_]*[A-Za-z0-9]").expect("valid regex")
});

/// Everything the rules and the manifest need to know about a guide's body.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub headings: Vec<Heading>,
    pub steps: Vec<Step>,
    pub links: Vec<Link>,
    pub emails: Vec<EmailMention>,
    /// Plain text runs (not code), for word-level rules.
    pub texts: Vec<TextRun>,
    /// Every id an in-page `#fragment` may name: headings and steps.
    pub anchors: Vec<String>,
    /// How many ordered lists hold steps; steps name theirs by index.
    pub step_lists: usize,
    /// What the author wrote that does not render as meant.
    pub markup: Vec<Markup>,
    /// Whether `{{ onboard_form() }}` placed the form.
    pub form_placed: bool,
    /// The site's measured images the page shows, in order.
    pub images: Vec<ShownImage>,
}

/// An image of the site shown with its size reserved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownImage {
    /// Its URL as published.
    pub url: String,
    pub width: u32,
    pub height: u32,
    /// SHA-256 of its bytes.
    pub hash: String,
}

/// Something written that the page cannot show as the author meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markup {
    pub fault: MarkupFault,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkupFault {
    /// A `:::` line shown as written.
    Callout(CalloutProblem),
    /// Markdown in an HTML block, which CommonMark shows as plain text:
    /// what it is ("bold text"), and the tag that opened the block.
    MarkdownInHtml {
        what: &'static str,
        opened_by: Option<String>,
    },
    /// What the sanitiser removes, in plain words.
    Dropped(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub id: String,
    pub span: Range<usize>,
}

/// An item of a top-level ordered list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The heading the step sits under (an index into `Facts::headings`).
    pub section: Option<usize>,
    /// The number a reader sees (the list's start plus the item's position).
    pub number: u64,
    /// The number written in the source before `.` or `)`.
    pub written_number: Option<u64>,
    /// Plain text of the item, nested lists included, whitespace collapsed.
    pub text: String,
    /// True when the item shows an image even if it has no text.
    pub has_image: bool,
    /// Which step list (0-based) the item belongs to.
    pub list: usize,
    /// The item's id on the guide page (also in `anchors`).
    pub id: String,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// `[text](url)`, `[text][ref]`, `<url>` and the like.
    Markdown,
    Image,
    /// An `href` or `src` inside raw HTML.
    Html,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The destination as written.
    pub dest: String,
    /// What the published page links to: site-relative links resolved,
    /// `None` for destinations sanitising removes (`javascript:`, `data:` …).
    pub href: Option<String>,
    /// Visible text (for images, the alt text).
    pub text: String,
    pub kind: LinkKind,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailContext {
    /// Running text.
    Text,
    /// Inside inline or block code: an example, not an address to contact.
    Code,
}

/// Something in the body that looks like an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailMention {
    pub address: String,
    pub context: EmailContext,
    /// Inside a link's visible text, where the link rules judge it.
    pub in_link: bool,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextRun {
    /// `None` when the run is the source at `span` verbatim (the usual case:
    /// no copy is kept); the text itself when escapes or entities changed it.
    pub rewritten: Option<String>,
    pub span: Range<usize>,
}

impl TextRun {
    /// The run's text, given the file it came from.
    pub fn text<'a>(&'a self, file_text: &'a str) -> &'a str {
        self.rewritten
            .as_deref()
            .unwrap_or(&file_text[self.span.clone()])
    }
}
