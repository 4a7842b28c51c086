//! The one pulldown-cmark setup: parse a guide body once, give headings and
//! steps stable ids, rewrite relative links, extract the facts, split the body
//! where the onboard form goes, and sanitise the HTML.

use std::borrow::Borrow;
use std::cell::Cell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;

use pulldown_cmark::{
    Alignment, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
    TextMergeWithOffset,
};
use pulldown_cmark_escape::{FmtWriter, escape_href, escape_html};

use super::autolink;
use super::callout::{self, CalloutKind, Fence, Prepared};
use super::facts::{
    ADDRESS, EmailContext, EmailMention, Facts, Heading, Link, LinkKind, Markup, MarkupFault,
    ShownImage, Step, TextRun,
};
use super::raw_html::{self, Attr, HtmlScanner, HtmlToken};
use super::sanitise;
use super::slug::{Ids, slugify};
use super::{Body, Rendered, SiteLinks};
use crate::content::is_control;

/// What an author writes on a line of its own to place the onboard form.
pub const FORM_MARKER: &str = "{{ onboard_form() }}";

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_GFM
}

/// Holds what is expensive to build once: the sanitiser.
pub struct MarkdownRenderer {
    sanitizer: ammonia::Builder<'static>,
}

impl Default for MarkdownRenderer {
    fn default() -> Self {
        let sanitizer = super::sanitise::sanitizer();
        // The scanners are compiled here, on the thread that makes the
        // renderer, not by the first render worker to need one: that leaves
        // the 10,000-guide build's peak memory 5 MB lower (measured).
        LazyLock::force(&ADDRESS);
        MarkdownRenderer { sanitizer }
    }
}

impl MarkdownRenderer {
    /// Renders `body`, whose first byte sits at `body_offset` in its file;
    /// a first `# Title` the same as `title` is left out (the page shows
    /// the title already).
    ///
    /// The events stream through the walker into the HTML writer.
    pub fn render(&self, source: Source, links: Option<&SiteLinks>) -> Rendered {
        let prepared = Prepared::new(source.body);
        let (plan, events) = planned_events(&prepared.text, source.title);
        let mut walker = Walker::new(&prepared, source.body_offset, links, plan);
        let written = Cell::new(0);
        let mut html = String::new();
        let sink = CountingWriter {
            html: &mut html,
            written: &written,
        };
        pulldown_cmark::html::write_html_fmt(sink, walker.emit(events, &written))
            .expect("writing to a String never fails");
        let split = walker
            .form_byte
            .or(walker.steps_end_byte)
            .unwrap_or(html.len());
        let after = html.split_off(split);
        Rendered {
            body: Body {
                before_form: self.to_safe_html(html, walker.has_raw_html),
                after_form: self.to_safe_html(after, walker.has_raw_html),
            },
            facts: walker.facts,
        }
    }

    /// Only the facts: what `check` needs, without the HTML and sanitising
    /// that cost most of rendering.
    pub fn facts(&self, source: Source, links: Option<&SiteLinks>) -> Facts {
        let prepared = Prepared::new(source.body);
        let (plan, events) = planned_events(&prepared.text, source.title);
        let mut walker = Walker::new(&prepared, source.body_offset, links, plan);
        walker.keep_output = false;
        for (at, (event, range)) in events.enumerate() {
            walker.handle(at, event, range);
        }
        walker.finish();
        walker.facts
    }

    /// HTML from events. Markdown alone renders safely by construction: the
    /// writer escapes text and attributes, the walker drops unsafe URLs and
    /// heading attributes. Raw HTML from the author goes through ammonia.
    fn to_safe_html(&self, html: String, has_raw_html: bool) -> String {
        if has_raw_html {
            // The sanitiser decodes the author's `&#1;` back into a character.
            let clean = self.sanitizer.clean(&html).to_string();
            without_controls(&clean).unwrap_or(clean)
        } else {
            html
        }
    }
}

/// A guide body to render: its Markdown, where it starts in its file, and
/// the title the page shows above it.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub body: &'a str,
    pub body_offset: usize,
    pub title: Option<&'a str>,
}

/// A guide body's events: parsed, text runs merged, control characters removed.
fn events(body: &str) -> impl Iterator<Item = (Event<'_>, Range<usize>)> {
    let parser = Parser::new_ext(body, options()).into_offset_iter();
    // Only a control character in the source, or a character reference,
    // can put one in an event: most bodies need no event looked at.
    let clean = may_hold_controls(body) || body.contains("&#");
    TextMergeWithOffset::new(parser).map(move |(event, range)| {
        let event = if clean {
            without_controls_in(event)
        } else {
            event
        };
        (event, range)
    })
}

/// The `String` the HTML writer appends to, and how long it is so far.
struct CountingWriter<'s> {
    html: &'s mut String,
    written: &'s Cell<usize>,
}

impl fmt::Write for CountingWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.html.push_str(s);
        self.written.set(self.html.len());
        Ok(())
    }
}

/// Bodies up to this size (a guide is a few kilobytes) are parsed once and
/// their events kept for the walk; larger ones are parsed twice rather than
/// hold all their events (about 80 bytes per word: half a gigabyte for a
/// 50 MB guide).
const KEEP_EVENTS_UP_TO: usize = 256 << 10;

type Events<'a> = Box<dyn Iterator<Item = (Event<'a>, Range<usize>)> + 'a>;

/// What the walk must know before it starts.
#[derive(Debug, Default, PartialEq, Eq)]
struct Plan {
    /// The id each heading wants, in order.
    wanted_ids: Vec<String>,
    /// The event where the form marker's paragraph starts.
    form_marker: Option<usize>,
    /// The event where a first `# Title` that repeats the page's title starts.
    title_heading: Option<usize>,
    /// The events where list items that start with `[ ]` or `[x]` start.
    task_items: HashSet<usize>,
    /// How deep the Markdown's elements nest at most.
    max_depth: usize,
}

/// The plan of `body` and its events to walk.
fn planned_events<'b>(body: &'b str, title: Option<&str>) -> (Plan, Events<'b>) {
    if body.len() <= KEEP_EVENTS_UP_TO {
        let kept: Vec<_> = events(body).collect();
        let plan = look_ahead(kept.iter().map(|(event, _)| event), title);
        (plan, Box::new(kept.into_iter()))
    } else {
        let plan = look_ahead(events(body).map(|(event, _)| event), title);
        (plan, Box::new(events(body)))
    }
}

/// The [`Plan`] from a first pass over the events (the first form marker
/// counts).
fn look_ahead<'e>(
    events: impl Iterator<Item = impl Borrow<Event<'e>>>,
    title: Option<&str>,
) -> Plan {
    let mut wanted = Vec::new();
    let mut title_heading = None;
    let mut task_items = HashSet::new();
    // The item just started, while only its paragraph's start follows it.
    let mut item_start = None;
    let mut headings_seen = 0;
    let (mut depth, mut max_depth) = (0usize, 0);
    // (where it started, its level, its explicit id, its text)
    let mut heading: Option<(usize, HeadingLevel, Option<String>, String)> = None;
    let mut form_marker = None;
    // (where a paragraph started, whether the marker followed right away)
    let mut paragraph: Option<(usize, bool)> = None;
    for (at, event) in events.enumerate() {
        let event = event.borrow();
        paragraph = match (event, paragraph) {
            (Event::Start(Tag::Paragraph), _) => Some((at, false)),
            (Event::Text(text), Some((start, false)))
                if at == start + 1 && text.trim() == FORM_MARKER =>
            {
                Some((start, true))
            }
            (Event::End(TagEnd::Paragraph), Some((start, true))) if at == start + 2 => {
                form_marker = form_marker.or(Some(start));
                None
            }
            _ => None,
        };
        match event {
            Event::Start(_) => {
                depth += 1;
                max_depth = max_depth.max(depth);
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        item_start = match (event, item_start) {
            (Event::Start(Tag::Item), _) => Some(at),
            (Event::Start(Tag::Paragraph), Some(item)) => Some(item),
            (Event::TaskListMarker(_), Some(item)) => {
                task_items.insert(item);
                None
            }
            _ => None,
        };
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((
                    at,
                    *level,
                    id.as_ref().map(|i| i.to_string()),
                    String::new(),
                ))
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((.., text)) = heading.as_mut() {
                    text.push_str(t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((start, level, explicit, text)) = heading.take() else {
                    continue;
                };
                headings_seen += 1;
                let repeats_title = headings_seen == 1
                    && level == HeadingLevel::H1
                    && title.is_some_and(|title| same_words(title, &text));
                if repeats_title {
                    title_heading = Some(start);
                } else {
                    wanted.push(explicit.unwrap_or_else(|| slugify(&text)));
                }
            }
            _ => {}
        }
    }
    Plan {
        wanted_ids: wanted,
        form_marker,
        title_heading,
        task_items,
        max_depth,
    }
}

/// Whether two titles say the same, ignoring case, punctuation and spacing
/// (`TikTok: Access & Integration` is `Tiktok access integration`).
fn same_words(a: &str, b: &str) -> bool {
    let words = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let a = words(a);
    !a.is_empty() && a == words(b)
}

/// False only when `text` holds no URL for [`autolink::find`]: most runs of
/// text hold none, and skip the search.
fn may_hold_url(text: &str) -> bool {
    text.contains("://") || text.contains("www.")
}

/// `text` without control characters, or `None` when it holds none.
fn without_controls(text: &str) -> Option<String> {
    (may_hold_controls(text) && text.chars().any(is_control))
        .then(|| text.chars().filter(|&c| !is_control(c)).collect())
}

/// False only when `text` holds no control character (a byte scan: C1
/// characters all start with the byte 0xC2, as do some others).
fn may_hold_controls(text: &str) -> bool {
    text.bytes()
        .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f || b == 0xc2)
}

fn clean(text: CowStr<'_>) -> CowStr<'_> {
    without_controls(&text).map_or(text, CowStr::from)
}

/// `event` with control characters removed from everything of it that
/// reaches the page or the facts (text, raw HTML, URLs, titles, ids, a code
/// block's language), so neither the HTML nor the manifest ever holds one.
/// Spans stay those of the source.
fn without_controls_in(event: Event<'_>) -> Event<'_> {
    match event {
        Event::Text(text) => Event::Text(clean(text)),
        Event::Code(code) => Event::Code(clean(code)),
        Event::Html(html) => Event::Html(clean(html)),
        Event::InlineHtml(html) => Event::InlineHtml(clean(html)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: clean(dest_url),
            title: clean(title),
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: clean(dest_url),
            title: clean(title),
            id,
        }),
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level,
            id: id.map(clean),
            classes,
            attrs,
        }),
        Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(clean(info))))
        }
        other => other,
    }
}

struct ListFrame {
    next_number: u64,
    step_list: Option<usize>,
}

struct OpenLink {
    dest: String,
    href: Option<String>,
    kind: LinkKind,
    span: Range<usize>,
    text: String,
    /// An image of the site whose size is known: written here, with it,
    /// once its alt text is complete.
    sized: Option<SizedImage>,
}

struct SizedImage {
    title: String,
    width: u32,
    height: u32,
    hash: String,
    /// Its narrower variants and itself, when it has variants.
    srcset: Option<String>,
}

/// How wide a guide's images show, for the browser to pick a variant from
/// `srcset` before the stylesheet arrives: the theme's content column
/// (`.guidesite-main`, 52rem less 1rem padding each side), or the screen
/// less that padding.
const IMAGE_SIZES: &str = "(min-width: 52rem) 50rem, calc(100vw - 2rem)";

/// A callout still open, and how many containers (list items, block
/// quotes, footnotes) held it when it opened: a container that closes
/// closes the callouts opened inside it, so the HTML always nests.
struct OpenCallout {
    docusaurus: bool,
    depth: usize,
}

/// An HTML block being walked: the tag that opened it, and whether
/// Markdown left as text in it was said already.
#[derive(Default)]
struct HtmlBlock {
    opened_by: Option<String>,
    warned: bool,
}

/// The table being walked: its columns' alignment, given as classes
/// (a `style` would not survive the sanitiser).
struct OpenTable {
    alignments: Vec<Alignment>,
    in_head: bool,
    cell: usize,
}

/// One pass over the events: transformed events out, facts collected.
struct Walker<'a> {
    /// The body as parsed (fence lines of admonitions set apart).
    body: &'a str,
    prepared: &'a Prepared<'a>,
    offset: usize,
    /// `None` leaves site-relative links as written (nothing is published).
    links: Option<&'a SiteLinks<'a>>,
    ids: Ids,
    /// Each heading's id, in order, given before any step's.
    heading_ids: std::vec::IntoIter<String>,
    /// The event index where the form marker's paragraph starts.
    form_marker: Option<usize>,
    /// The event index where a heading repeating the page title starts.
    title_heading: Option<usize>,
    task_items: HashSet<usize>,
    /// False when the Markdown alone nests deeper than the sanitiser can
    /// afford: raw HTML is then shown as written.
    raw_html_allowed: bool,
    /// Source events still to drop (the rest of the form marker's paragraph).
    skip: usize,
    /// Drop source events up to and including this end (a fence line's
    /// paragraph, the repeated title).
    skip_until: Option<TagEnd>,
    callouts: Vec<OpenCallout>,
    /// How many list items, block quotes and footnotes are open.
    depth: usize,
    /// Whether the last event was walked.
    finished: bool,
    /// Images being written whole at their end (their inner events are not).
    sized_images_open: usize,
    /// How many images with a reserved size the page shows so far.
    images_written: usize,
    table: Option<OpenTable>,
    /// Footnote labels, numbered in the order first met.
    footnotes: HashMap<String, usize>,
    /// The ids of the footnote definitions open (their lists are no steps).
    footnotes_open: Vec<String>,
    /// Output events not yet handed to the writer.
    out: VecDeque<Event<'a>>,
    /// False when only the facts are wanted: no output is queued.
    keep_output: bool,
    /// How many output events were handed to the writer.
    emitted: usize,
    facts: Facts,
    lists: Vec<ListFrame>,
    /// Whether a heading is open: text goes to its fact.
    in_heading: bool,
    step: Option<Step>,
    open_links: Vec<OpenLink>,
    in_code_block: bool,
    /// Reads the author's raw HTML, chunk after chunk.
    html: HtmlScanner,
    /// The HTML block being walked, if any.
    html_block: Option<HtmlBlock>,
    /// An element the sanitiser removes with its content, while inside it.
    removed_element: Option<String>,
    /// How many elements the author's raw HTML left open, about.
    html_depth: usize,
    /// Whether the source holds raw HTML, the only part that needs sanitising.
    has_raw_html: bool,
    /// Index of the last heading closed, which steps that follow sit under.
    section: Option<usize>,
    /// Output event positions where the form may go, and the byte offsets in
    /// the HTML they became.
    form_at: Option<usize>,
    last_step_list_end: Option<usize>,
    form_byte: Option<usize>,
    steps_end_byte: Option<usize>,
}

impl<'a> Walker<'a> {
    fn new(
        prepared: &'a Prepared<'a>,
        offset: usize,
        links: Option<&'a SiteLinks<'a>>,
        plan: Plan,
    ) -> Self {
        let mut ids = Ids::default();
        let heading_ids: Vec<String> = plan.wanted_ids.iter().map(|w| ids.unique(w)).collect();
        let mut facts = Facts {
            form_placed: plan.form_marker.is_some(),
            ..Facts::default()
        };
        facts.markup = prepared
            .problems
            .iter()
            .map(|(range, problem)| Markup {
                fault: MarkupFault::Callout(problem.clone()),
                span: offset + range.start..offset + range.end,
            })
            .collect();
        Walker {
            body: &prepared.text,
            prepared,
            offset,
            links,
            ids,
            heading_ids: heading_ids.into_iter(),
            form_marker: plan.form_marker,
            title_heading: plan.title_heading,
            task_items: plan.task_items,
            raw_html_allowed: plan.max_depth <= MAX_HTML_DEPTH,
            skip: 0,
            skip_until: None,
            callouts: Vec::new(),
            depth: 0,
            finished: false,
            sized_images_open: 0,
            images_written: 0,
            table: None,
            footnotes: HashMap::new(),
            footnotes_open: Vec::new(),
            out: VecDeque::new(),
            keep_output: true,
            emitted: 0,
            facts,
            lists: Vec::new(),
            in_heading: false,
            step: None,
            open_links: Vec::new(),
            in_code_block: false,
            html: HtmlScanner::default(),
            html_block: None,
            removed_element: None,
            html_depth: 0,
            has_raw_html: false,
            section: None,
            form_at: None,
            last_step_list_end: None,
            form_byte: None,
            steps_end_byte: None,
        }
    }

    /// The walk as a stream of output events for the HTML writer, which
    /// reports in `written` how many bytes it wrote so far: where the form
    /// goes becomes a byte offset in the HTML.
    fn emit<'w>(
        &'w mut self,
        events: impl Iterator<Item = (Event<'a>, Range<usize>)> + 'w,
        written: &'w Cell<usize>,
    ) -> impl Iterator<Item = Event<'a>> + 'w {
        let mut events = events.enumerate();
        std::iter::from_fn(move || {
            loop {
                // The writer has written every event handed out so far.
                if self.form_at == Some(self.emitted) {
                    self.form_byte = Some(written.get());
                }
                if self.last_step_list_end == Some(self.emitted) {
                    self.steps_end_byte = Some(written.get());
                }
                if let Some(event) = self.out.pop_front() {
                    self.emitted += 1;
                    return Some(event);
                }
                let Some((at, (event, range))) = events.next() else {
                    if self.finished {
                        return None;
                    }
                    self.finish();
                    continue;
                };
                self.handle(at, event, range);
            }
        })
    }

    fn push(&mut self, event: Event<'a>) {
        // Inside an image written whole at its end, the writer sees nothing.
        if self.keep_output && self.sized_images_open == 0 {
            self.out.push_back(event);
        }
    }

    /// The position the next output event will have.
    fn position(&self) -> usize {
        self.emitted + self.out.len()
    }

    /// The URL to publish for a destination as written.
    /// Whether `dest` names an SVG that is not published (`html/dropped`).
    fn refused_image(&self, dest: &str) -> bool {
        self.links
            .is_some_and(|links| links.refused_image(dest).is_some())
    }

    fn resolve(&self, dest: &str) -> String {
        self.links
            .and_then(|links| links.resolve(dest))
            .unwrap_or_else(|| dest.to_string())
    }

    fn file_span(&self, range: &Range<usize>) -> Range<usize> {
        self.offset + self.prepared.to_body(range.start)
            ..self.offset + self.prepared.to_body(range.end)
    }

    /// One source event: facts collected, output events queued.
    fn handle(&mut self, at: usize, event: Event<'a>, range: Range<usize>) {
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        if !matches!(event, Event::Html(_)) {
            self.html_block = None;
        }
        if let Some(until) = &self.skip_until {
            if matches!(&event, Event::End(end) if end == until) {
                self.skip_until = None;
            }
            return;
        }
        match event {
            Event::Start(Tag::Paragraph) if Some(at) == self.form_marker => {
                // The marker's text and the paragraph's end go too.
                self.skip = 2;
                self.form_at = Some(self.position());
            }
            Event::Start(Tag::Paragraph) if self.prepared.fence_at(range.start).is_some() => {
                self.skip_until = Some(TagEnd::Paragraph);
                self.fence(range.start);
            }
            Event::Start(Tag::Heading { level, .. }) if Some(at) == self.title_heading => {
                self.skip_until = Some(TagEnd::Heading(level));
            }
            Event::TaskListMarker(done) => self.push(Event::Html(CowStr::from(if done {
                "<span class=\"guidesite-task-box\" role=\"img\" aria-label=\"done\">☑</span> "
            } else {
                "<span class=\"guidesite-task-box\" role=\"img\" aria-label=\"not done\">☐</span> "
            }))),
            Event::FootnoteReference(label) => self.footnote_reference(&label),
            Event::Start(tag) => self.start(at, tag, range),
            Event::End(end) => self.end(end),
            Event::Text(text) => self.text(text, range),
            Event::Code(code) => self.code(code, range),
            Event::Html(html) => self.raw_html(html, range, true),
            Event::InlineHtml(html) => self.raw_html(html, range, false),
            Event::SoftBreak | Event::HardBreak => {
                self.append_text(" ");
                self.push(event);
            }
            other => self.push(other),
        }
    }

    /// A start tag: the ones that state facts are looked at, the rest pass.
    fn start(&mut self, at: usize, tag: Tag<'a>, range: Range<usize>) {
        match tag {
            Tag::Heading { level, .. } => self.start_heading(level, range),
            Tag::List(start) => self.start_list(start),
            Tag::Item => {
                self.depth += 1;
                self.start_item(at, range)
            }
            Tag::BlockQuote(kind) => {
                self.depth += 1;
                match kind {
                    Some(kind) => self.open_callout(CalloutKind::from_alert(kind), None, false),
                    None => self.push(Event::Start(Tag::BlockQuote(None))),
                }
            }
            Tag::FootnoteDefinition(label) => {
                self.depth += 1;
                self.start_footnote(&label);
            }
            Tag::Table(alignments) => self.start_table(alignments),
            Tag::TableHead => {
                if let Some(table) = self.table.as_mut() {
                    table.in_head = true;
                }
                self.push(Event::Start(Tag::TableHead));
            }
            Tag::TableRow => {
                if let Some(table) = self.table.as_mut() {
                    table.cell = 0;
                }
                self.push(Event::Start(Tag::TableRow));
            }
            Tag::TableCell => self.table_cell(true),
            Tag::CodeBlock(kind) => {
                self.in_code_block = true;
                self.append_text(" ");
                self.push(Event::Start(Tag::CodeBlock(kind)));
            }
            // A step's paragraphs are words apart, not run together:
            // "…enter data@x.test." then "The address…" must not read as
            // "data@x.test.The".
            Tag::Paragraph => {
                self.append_text(" ");
                self.push(Event::Start(Tag::Paragraph));
            }
            Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            } => self.start_link(link_type, dest_url, title, id, range),
            Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            } => self.start_image(link_type, dest_url, title, id, range),
            other => self.push(Event::Start(other)),
        }
    }

    /// An end tag: closes what [`start`](Self::start) opened.
    fn end(&mut self, end: TagEnd) {
        match end {
            TagEnd::Heading(_) => self.end_heading(end),
            TagEnd::List(_) => self.end_list(end),
            TagEnd::Item => {
                self.end_container();
                self.end_item()
            }
            TagEnd::BlockQuote(kind) => {
                // An alert is a callout, closed with the container.
                self.end_container();
                if kind.is_none() {
                    self.push(Event::End(end));
                }
            }
            TagEnd::FootnoteDefinition => {
                self.end_container();
                let id = self.footnotes_open.pop().unwrap_or_default();
                // Back to where the note is referred to, as GitHub does.
                self.push(Event::Html(CowStr::from(format!(
                    "<a href=\"#fnref-{id}\" class=\"guidesite-fnback\" aria-label=\"Back to the text\">↩</a>\n</div>\n"
                ))));
            }
            TagEnd::TableHead => {
                if let Some(table) = self.table.as_mut() {
                    table.in_head = false;
                }
                self.push(Event::End(end));
            }
            TagEnd::TableCell => self.table_cell(false),
            TagEnd::Table => {
                self.table = None;
                self.push(Event::End(end));
                self.push(Event::Html(CowStr::from("</div>\n")));
            }
            TagEnd::CodeBlock => {
                self.in_code_block = false;
                self.push(Event::End(end));
            }
            TagEnd::Link | TagEnd::Image => self.end_link(end),
            other => self.push(Event::End(other)),
        }
    }

    /// `{.class key=value}` heading attributes could carry event handlers:
    /// only the id is kept.
    fn start_heading(&mut self, level: HeadingLevel, range: Range<usize>) {
        let id = self.heading_ids.next().unwrap_or_default();
        self.in_heading = true;
        self.facts.anchors.push(id.clone());
        self.facts.headings.push(Heading {
            level: level as u8,
            text: String::new(),
            id: id.clone(),
            span: self.file_span(&range),
        });
        self.push(Event::Start(Tag::Heading {
            level,
            id: Some(CowStr::from(id)),
            classes: Vec::new(),
            attrs: Vec::new(),
        }));
    }

    /// The steps that follow sit in the section of the heading just closed.
    fn end_heading(&mut self, end: TagEnd) {
        if self.in_heading
            && let Some(heading) = self.facts.headings.last_mut()
        {
            heading.text = collapse_whitespace(&heading.text);
            self.section = Some(self.facts.headings.len() - 1);
        }
        self.in_heading = false;
        self.push(Event::End(end));
    }

    /// An ordered list at the top level is a list of steps; one in a
    /// callout or footnote is an aside's.
    fn start_list(&mut self, start: Option<u64>) {
        let top_level =
            self.lists.is_empty() && self.callouts.is_empty() && self.footnotes_open.is_empty();
        let step_list = (start.is_some() && top_level).then(|| {
            self.facts.step_lists += 1;
            self.facts.step_lists - 1
        });
        self.lists.push(ListFrame {
            next_number: start.unwrap_or(1),
            step_list,
        });
        self.push(Event::Start(Tag::List(start)));
    }

    fn end_list(&mut self, end: TagEnd) {
        let frame = self.lists.pop();
        self.push(Event::End(end));
        if frame.is_some_and(|f| f.step_list.is_some()) {
            self.last_step_list_end = Some(self.position());
        }
    }

    fn end_item(&mut self) {
        if self.lists.len() == 1
            && let Some(mut step) = self.step.take()
        {
            step.text = collapse_whitespace(&step.text);
            self.facts.steps.push(step);
        }
        self.push(Event::End(TagEnd::Item));
    }

    /// A fence line of an admonition (its paragraph is dropped): opens a
    /// callout, or closes the admonition opened in the same container.
    fn fence(&mut self, at: usize) {
        match self.prepared.fence_at(at) {
            Some(Fence::Open { kind, title }) => {
                let title = title.clone();
                self.open_callout(*kind, title.as_deref(), true);
            }
            Some(Fence::Close)
                if self
                    .callouts
                    .last()
                    .is_some_and(|open| open.docusaurus && open.depth == self.depth) =>
            {
                self.callouts.pop();
                self.push(Event::Html(CowStr::from(callout::CLOSE_HTML)));
            }
            Some(Fence::Close) | None => {}
        }
    }

    fn open_callout(&mut self, kind: CalloutKind, title: Option<&str>, docusaurus: bool) {
        self.callouts.push(OpenCallout {
            docusaurus,
            depth: self.depth,
        });
        self.push(Event::Html(CowStr::from(callout::open_html(kind, title))));
    }

    /// After the last event: what the author left open closes, so the HTML
    /// nests and an `<a href>` never closed is still a link to check.
    fn finish(&mut self) {
        self.finished = true;
        self.close_callouts_within(0);
        while !self.open_links.is_empty() {
            self.close_link();
        }
    }

    /// Closes the callouts opened at `depth` or deeper.
    fn close_callouts_within(&mut self, depth: usize) {
        while self.callouts.last().is_some_and(|open| open.depth >= depth) {
            self.callouts.pop();
            self.push(Event::Html(CowStr::from(callout::CLOSE_HTML)));
        }
    }

    /// The end of a list item, block quote or footnote: what opened inside
    /// it closes with it.
    fn end_container(&mut self) {
        self.close_callouts_within(self.depth);
        self.depth = self.depth.saturating_sub(1);
    }

    /// The number a footnote label shows, given in the order labels are met.
    fn footnote_number(&mut self, label: &str) -> usize {
        let next = self.footnotes.len() + 1;
        *self.footnotes.entry(label.to_string()).or_insert(next)
    }

    fn footnote_reference(&mut self, label: &str) {
        let number = self.footnote_number(label);
        let id = slugify(label);
        // A note referred to twice: the second reference's id is `-1`'d,
        // as GitHub does (the note links back to the first).
        let reference = self.ids.unique(&format!("fnref-{id}"));
        self.facts.anchors.push(reference.clone());
        self.push(Event::Html(CowStr::from(format!(
            "<sup class=\"guidesite-fnref\"><a href=\"#fn-{id}\" id=\"{reference}\">{number}</a></sup>"
        ))));
    }

    fn start_footnote(&mut self, label: &str) {
        let number = self.footnote_number(label);
        let id = slugify(label);
        self.facts.anchors.push(format!("fn-{id}"));
        self.footnotes_open.push(id.clone());
        self.push(Event::Html(CowStr::from(format!(
            "<div class=\"guidesite-footnote\" id=\"fn-{id}\">\n<sup>{number}</sup>\n"
        ))));
    }

    /// A table scrolls in its own box, so a wide one never widens the page.
    fn start_table(&mut self, alignments: Vec<Alignment>) {
        self.push(Event::Html(CowStr::from(
            "<div class=\"guidesite-table\" role=\"region\" aria-label=\"Table\" tabindex=\"0\">\n",
        )));
        self.table = Some(OpenTable {
            alignments,
            in_head: false,
            cell: 0,
        });
        // The writer would align by `style`: the cells are written here.
        self.push(Event::Start(Tag::Table(Vec::new())));
    }

    /// A cell's start or end tag, aligned by class.
    fn table_cell(&mut self, start: bool) {
        let Some(table) = self.table.as_mut() else {
            return;
        };
        let element = if table.in_head { "th" } else { "td" };
        let html = if start {
            match table.alignments.get(table.cell) {
                Some(Alignment::Left) => format!("<{element} class=\"guidesite-align-left\">"),
                Some(Alignment::Center) => format!("<{element} class=\"guidesite-align-center\">"),
                Some(Alignment::Right) => format!("<{element} class=\"guidesite-align-right\">"),
                Some(Alignment::None) | None => format!("<{element}>"),
            }
        } else {
            table.cell += 1;
            format!("</{element}>")
        };
        self.push(Event::Html(CowStr::from(html)));
    }

    /// A link is noted as written and published resolved; a `javascript:`
    /// link keeps its text but loses the link.
    fn start_link(
        &mut self,
        link_type: LinkType,
        dest_url: CowStr<'a>,
        title: CowStr<'a>,
        id: CowStr<'a>,
        range: Range<usize>,
    ) {
        let dest = if link_type == LinkType::Email {
            format!("mailto:{dest_url}")
        } else {
            dest_url.to_string()
        };
        let href = self.resolve(&dest);
        let published = publishable(&href);
        self.open_links.push(OpenLink {
            href: published.then(|| href.clone()),
            dest,
            kind: LinkKind::Markdown,
            span: self.file_span(&range),
            text: String::new(),
            sized: None,
        });
        // The writer adds `mailto:` itself to e-mail autolinks.
        let dest_url = if link_type == LinkType::Email {
            dest_url
        } else {
            CowStr::from(href)
        };
        if published {
            self.push(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }));
        }
    }

    /// An image is a link too, and shows in the step it sits in.
    fn start_image(
        &mut self,
        link_type: LinkType,
        dest_url: CowStr<'a>,
        title: CowStr<'a>,
        id: CowStr<'a>,
        range: Range<usize>,
    ) {
        let href = self.resolve(&dest_url);
        let sized = self.sized_image(&dest_url, &title);
        let written_at_end = sized.is_some();
        // An SVG refused for its script is not published: its alt text shows.
        let published = publishable(&href) && !self.refused_image(&dest_url);
        self.open_links.push(OpenLink {
            href: published.then(|| href.clone()),
            dest: dest_url.to_string(),
            kind: LinkKind::Image,
            span: self.file_span(&range),
            text: String::new(),
            sized,
        });
        if let Some(step) = self.step.as_mut() {
            step.has_image = true;
        }
        if written_at_end {
            self.sized_images_open += 1;
        } else if published {
            self.push(Event::Start(Tag::Image {
                link_type,
                dest_url: CowStr::from(href),
                title,
                id,
            }));
        }
    }

    /// The end of a link or image: its fact is complete, with its text.
    fn end_link(&mut self, end: TagEnd) {
        if let Some(open) = self.open_links.pop_if(|open| open.sized.is_some()) {
            self.sized_images_open -= 1;
            let html = self.sized_image_html(&open);
            self.push(Event::Html(CowStr::from(html)));
            self.open_links.push(open);
            self.close_link();
            return;
        }
        let published = self
            .open_links
            .last()
            .is_none_or(|open| open.href.is_some());
        if published {
            self.push(Event::End(end));
        }
        self.close_link();
    }

    /// An `<img>` that reserves its space before it loads (`width`,
    /// `height`), after the page's first loads only when near, and offers
    /// its narrower variants; one with variants links to itself at full
    /// size, unless a link of the author's holds it.
    fn sized_image_html(&mut self, open: &OpenLink) -> String {
        let Some(sized) = &open.sized else {
            return String::new();
        };
        let src = open.href.as_deref().unwrap_or("");
        // The image's own link is taken off already: any open one holds it.
        let zoom = sized.srcset.is_some() && self.open_links.is_empty();
        let mut html = String::new();
        if zoom {
            html.push_str("<a class=\"guidesite-zoom\" href=\"");
            escape_href(FmtWriter(&mut html), src).expect("writing to a String");
            html.push_str("\">");
        }
        html.push_str("<img src=\"");
        escape_href(FmtWriter(&mut html), src).expect("writing to a String");
        html.push_str("\" alt=\"");
        escape_html(FmtWriter(&mut html), &collapse_whitespace(&open.text))
            .expect("writing to a String");
        html.push('"');
        if !sized.title.is_empty() {
            html.push_str(" title=\"");
            escape_html(FmtWriter(&mut html), &sized.title).expect("writing to a String");
            html.push('"');
        }
        html.push_str(&self.shown_image(sized, src, &[]));
        html.push('>');
        if zoom {
            html.push_str("</a>");
        }
        html
    }

    /// The site's measured image a destination names, if it names one.
    fn sized_image(&self, dest: &str, title: &str) -> Option<SizedImage> {
        let links = self.links?;
        let (path, facts) = links.image(dest)?;
        Some(SizedImage {
            title: title.to_string(),
            width: facts.width,
            height: facts.height,
            hash: facts.hash.clone(),
            srcset: links.srcset(&path, facts),
        })
    }

    /// The attributes that size a measured image shown at `src`, load it
    /// late (after the page's first) and offer its variants, but for those
    /// in `written` (an author's raw `<img>` keeps its own); the image is a
    /// fact of the page.
    fn shown_image(&mut self, sized: &SizedImage, src: &str, written: &[&str]) -> String {
        let mut html = String::new();
        let missing = |name: &str| !written.contains(&name);
        if missing("width") && missing("height") {
            html.push_str(&format!(
                " width=\"{}\" height=\"{}\"",
                sized.width, sized.height
            ));
        }
        // The first image is likely in view: it loads at once.
        if self.images_written > 0 && missing("loading") && missing("decoding") {
            html.push_str(" loading=\"lazy\" decoding=\"async\"");
        }
        self.images_written += 1;
        if let Some(srcset) = sized.srcset.as_ref().filter(|_| missing("srcset")) {
            html.push_str(" srcset=\"");
            escape_html(FmtWriter(&mut html), srcset).expect("writing to a String");
            html.push_str(&format!("\" sizes=\"{IMAGE_SIZES}\""));
        }
        self.facts.images.push(ShownImage {
            url: src.to_string(),
            width: sized.width,
            height: sized.height,
            hash: sized.hash.clone(),
        });
        html
    }

    /// The innermost open link's fact, complete with its text.
    fn close_link(&mut self) {
        if let Some(open) = self.open_links.pop() {
            self.facts.links.push(Link {
                dest: open.dest,
                href: open.href,
                text: collapse_whitespace(&open.text),
                kind: open.kind,
                span: open.span,
            });
        }
    }

    /// Text outside code blocks is running text; inside, an example.
    fn text(&mut self, text: CowStr<'a>, range: Range<usize>) {
        if self.in_code_block {
            self.note_text(&text, &range, EmailContext::Code);
            self.push(Event::Text(text));
            return;
        }
        // Bare URLs become links as on GitHub, except in a link's own text.
        let autolinks: Vec<_> = if self.open_links.is_empty() && may_hold_url(&text) {
            autolink::find(&text).collect()
        } else {
            Vec::new()
        };
        if autolinks.is_empty() {
            self.note_text(&text, &range, EmailContext::Text);
            self.push(Event::Text(text));
            return;
        }
        // Offsets inside the text are exact only when it is the source verbatim.
        let verbatim = self.body.get(range.clone()) == Some(&*text);
        let part = |within: Range<usize>| {
            if verbatim {
                range.start + within.start..range.start + within.end
            } else {
                range.clone()
            }
        };
        let mut done = 0;
        for link in autolinks {
            self.plain_text(&text[done..link.range.start], part(done..link.range.start));
            let span = part(link.range.clone());
            self.open_links.push(OpenLink {
                dest: link.url.clone(),
                href: Some(link.url.clone()),
                kind: LinkKind::Markdown,
                span: self.file_span(&span),
                text: String::new(),
                sized: None,
            });
            self.push(Event::Start(Tag::Link {
                link_type: LinkType::Autolink,
                dest_url: CowStr::from(link.url),
                title: CowStr::from(""),
                id: CowStr::from(""),
            }));
            self.plain_text(&text[link.range.clone()], span);
            self.end_link(TagEnd::Link);
            done = link.range.end;
        }
        self.plain_text(&text[done..], part(done..text.len()));
    }

    /// A piece of running text, copied out of a larger run.
    fn plain_text(&mut self, text: &str, range: Range<usize>) {
        if !text.is_empty() {
            self.note_text(text, &range, EmailContext::Text);
            self.push(Event::Text(CowStr::from(text.to_string())));
        }
    }

    fn code(&mut self, code: CowStr<'a>, range: Range<usize>) {
        self.note_text(&code, &range, EmailContext::Code);
        self.push(Event::Code(code));
    }

    /// The author's raw HTML, block or inline, passes to the sanitiser
    /// unless it would open too many elements. Its tags state facts like
    /// Markdown does (links, images, text), and its relative links are
    /// published resolved.
    fn raw_html(&mut self, html: CowStr<'a>, range: Range<usize>, block: bool) {
        let tokens = if self.raw_html_allowed {
            self.html.scan(&html, range.start)
        } else {
            Vec::new()
        };
        let depth = self.html_depth.saturating_add_signed(depth_change(&tokens));
        let too_many_attributes = tokens.iter().any(|token| {
            matches!(token, HtmlToken::Start { attrs, .. } if attrs.len() > MAX_HTML_ATTRIBUTES)
        });
        if !self.raw_html_allowed || depth > MAX_HTML_DEPTH || too_many_attributes {
            // Shown as written, like Markdown it cannot parse.
            self.note_text(&html, &range, EmailContext::Text);
            self.push(Event::Text(html));
            return;
        }
        self.html_depth = depth;
        self.has_raw_html = true;
        if block && self.html_block.is_none() {
            self.html_block = Some(HtmlBlock::default());
        }
        let mut rewrites = Vec::new();
        for token in &tokens {
            self.html_token(token, &html, range.start, &mut rewrites);
        }
        self.push(Event::Html(with_rewrites(html, rewrites)));
    }

    /// The facts of one token of raw HTML from the chunk `html` that starts
    /// at `base`; a URL to publish resolved is added to `rewrites`.
    fn html_token(
        &mut self,
        token: &HtmlToken,
        html: &str,
        base: usize,
        rewrites: &mut Vec<(Range<usize>, String)>,
    ) {
        if let Some(removed) = &self.removed_element {
            if matches!(token, HtmlToken::End { name, .. } if name == removed) {
                self.removed_element = None;
            }
            return;
        }
        match token {
            HtmlToken::Start {
                name,
                attrs,
                self_closing,
                ..
            } => {
                for dropped in sanitise::dropped(token) {
                    self.facts.markup.push(Markup {
                        fault: MarkupFault::Dropped(dropped.what),
                        span: self.file_span(&dropped.span),
                    });
                }
                if let Some(block) = self.html_block.as_mut() {
                    block.opened_by.get_or_insert_with(|| name.clone());
                }
                if sanitise::REMOVED_WITH_CONTENT.contains(&name.as_str()) {
                    if !self_closing {
                        self.removed_element = Some(name.clone());
                    }
                    return;
                }
                self.html_element(name, attrs, base..base + html.len(), rewrites);
            }
            HtmlToken::End { name, .. } if name == "a" => {
                if self
                    .open_links
                    .last()
                    .is_some_and(|open| open.kind == LinkKind::Html)
                {
                    self.close_link();
                }
            }
            HtmlToken::End { .. } => {}
            HtmlToken::Text { span } => {
                let Some(at) = span.start.checked_sub(base) else {
                    return;
                };
                let Some(text) = html.get(at..at + span.len()) else {
                    return;
                };
                self.note_text(text, span, EmailContext::Text);
                self.markdown_in_html(text, html, at, span.start);
            }
        }
    }

    /// An element of raw HTML: its `href` or `src` is a link (an `<a>`'s
    /// text follows it), an image, or a resource.
    fn html_element(
        &mut self,
        name: &str,
        attrs: &[Attr],
        chunk: Range<usize>,
        rewrites: &mut Vec<(Range<usize>, String)>,
    ) {
        if name == "img"
            && let Some(step) = self.step.as_mut()
        {
            step.has_image = true;
        }
        for attr in attrs.iter().filter(|a| a.name == "href" || a.name == "src") {
            let dest = attr.value.clone();
            let href = publishable(&dest).then(|| self.resolve(&dest));
            // A value written across lines is published as written.
            let in_chunk = attr.span.start >= chunk.start && attr.span.end <= chunk.end;
            // An `<img>` of the site's gets the attributes a Markdown one has.
            let sized = (name == "img" && attr.name == "src" && in_chunk)
                .then(|| self.sized_image(&dest, ""))
                .flatten();
            let shown = match (&sized, &href) {
                (Some(sized), Some(url)) => {
                    let written: Vec<&str> = attrs.iter().map(|a| a.name.as_str()).collect();
                    self.shown_image(sized, url, &written)
                }
                _ => String::new(),
            };
            // A refused SVG is not published: nothing is asked for it.
            let refused = name == "img" && attr.name == "src" && self.refused_image(&dest);
            let rewritten = match href.as_ref() {
                _ if refused => Some(String::new()),
                Some(url) if *url != dest || !shown.is_empty() => {
                    let mut rewritten = format!("{}=\"", attr.name);
                    escape_href(FmtWriter(&mut rewritten), url).expect("writing to a String");
                    rewritten.push('"');
                    rewritten.push_str(&shown);
                    Some(rewritten)
                }
                _ => None,
            };
            if let Some(rewritten) = rewritten
                && in_chunk
            {
                rewrites.push((
                    attr.span.start - chunk.start..attr.span.end - chunk.start,
                    rewritten,
                ));
            }
            let span = self.file_span(&attr.span);
            match (name, attr.name.as_str()) {
                ("a", "href") => self.open_links.push(OpenLink {
                    dest,
                    href,
                    kind: LinkKind::Html,
                    span,
                    text: String::new(),
                    sized: None,
                }),
                ("img", "src") => {
                    let alt = attrs.iter().find(|a| a.name == "alt");
                    self.facts.links.push(Link {
                        dest,
                        href,
                        text: alt.map(|a| a.value.clone()).unwrap_or_default(),
                        kind: LinkKind::Image,
                        span,
                    });
                }
                _ => self.facts.links.push(Link {
                    dest,
                    href,
                    text: String::new(),
                    kind: LinkKind::Html,
                    span,
                }),
            }
        }
    }

    /// Text of an HTML block that holds Markdown CommonMark shows as
    /// written: said once per block, at the first place.
    fn markdown_in_html(&mut self, text: &str, chunk: &str, at: usize, start: usize) {
        let Some(block) = self.html_block.as_mut().filter(|b| !b.warned) else {
            return;
        };
        let starts_line = chunk[..at].trim_end_matches([' ', '\t']).ends_with('\n')
            || chunk[..at].trim().is_empty();
        if let Some((found, what)) = raw_html::markdown_in_html(text, starts_line) {
            block.warned = true;
            let opened_by = block.opened_by.clone();
            let span = start + found.start..start + found.end;
            self.facts.markup.push(Markup {
                fault: MarkupFault::MarkdownInHtml { what, opened_by },
                span: self.file_span(&span),
            });
        }
    }

    fn start_item(&mut self, at: usize, range: Range<usize>) {
        let step_list = match self.lists.as_slice() {
            [only] => only.step_list,
            _ => None,
        };
        let class = if self.task_items.contains(&at) {
            " class=\"guidesite-task\""
        } else {
            ""
        };
        let Some(list) = step_list else {
            let li = if class.is_empty() {
                Event::Start(Tag::Item)
            } else {
                Event::Html(CowStr::from(format!("<li{class}>")))
            };
            self.push(li);
            return;
        };
        let frame = self.lists.last_mut().expect("one list is open");
        let number = frame.next_number;
        frame.next_number += 1;
        // A list may be indented up to three spaces: the step starts at its marker.
        let indent =
            self.body[range.start..].len() - self.body[range.start..].trim_start_matches(' ').len();
        let range = range.start + indent..range.end.max(range.start + indent);
        let written_number = leading_number(&self.body[range.start..]);
        // `<section>-step-<n>` stays stable when other sections change.
        let id = match self.facts.headings.last() {
            Some(heading) => self.ids.unique(&format!("{}-step-{number}", heading.id)),
            None => self.ids.unique(&format!("step-{number}")),
        };
        self.push(Event::Html(CowStr::from(format!(
            "<li id=\"{id}\"{class}>"
        ))));
        self.facts.anchors.push(id.clone());
        self.step = Some(Step {
            id,
            section: self.section,
            number,
            written_number,
            text: String::new(),
            has_image: false,
            list,
            span: self.file_span(&range),
        });
    }

    fn append_text(&mut self, text: &str) {
        if let Some(step) = self.step.as_mut() {
            step.text.push_str(text);
        }
        if let Some(heading) = self.facts.headings.last_mut().filter(|_| self.in_heading) {
            heading.text.push_str(text);
        }
        for link in &mut self.open_links {
            link.text.push_str(text);
        }
    }

    /// Facts of a run of text: its addresses, and the run itself when it
    /// is running text.
    fn note_text(&mut self, text: &str, range: &Range<usize>, context: EmailContext) {
        self.append_text(text);
        let span = self.file_span(range);
        // Offsets inside the text are exact only when it is the source verbatim.
        let verbatim = self.body.get(range.clone()) == Some(text);
        // Most runs hold no address: skip the regex search for them.
        let addresses = text
            .contains('@')
            .then(|| ADDRESS.find_iter(text))
            .into_iter()
            .flatten();
        for m in addresses {
            let address = m.as_str().trim_end_matches(['.', '-']).to_string();
            if !address.contains('@') || address.starts_with('@') {
                continue;
            }
            let start = if verbatim {
                span.start + m.start()
            } else {
                span.start
            };
            let end = if verbatim {
                start + address.len()
            } else {
                span.end
            };
            self.facts.emails.push(EmailMention {
                address,
                context,
                in_link: !self.open_links.is_empty(),
                span: start..end,
            });
        }
        if context == EmailContext::Text && !self.in_code_block {
            self.facts.texts.push(TextRun {
                rewritten: (!verbatim).then(|| text.to_string()),
                span,
            });
        }
    }
}

/// Most elements raw HTML may leave open, as in browsers, which put deeper
/// ones beside the 512th. The sanitiser's parser checks the open elements
/// at every tag: 100,000 unclosed `<div>`s would cost it billions of steps.
/// Raw HTML that would open more is shown as written.
const MAX_HTML_DEPTH: usize = 512;

/// Most attributes a tag of raw HTML may have (real ones have a handful):
/// the sanitiser's parser compares each attribute with all before it.
/// A tag with more is shown as written.
const MAX_HTML_ATTRIBUTES: usize = 256;

/// How many elements `tokens` open minus how many they close. An
/// estimate: elements HTML closes implicitly (`<p>`, `<li>`) count as open,
/// which only makes the limit come sooner.
fn depth_change(tokens: &[HtmlToken]) -> isize {
    tokens
        .iter()
        .map(|token| match token {
            HtmlToken::Start {
                name, self_closing, ..
            } => isize::from(!self_closing && !sanitise::VOID_ELEMENTS.contains(&name.as_str())),
            HtmlToken::End { .. } => -1,
            HtmlToken::Text { .. } => 0,
        })
        .sum()
}

/// `html` with each range replaced (ranges ascending, not overlapping).
fn with_rewrites(html: CowStr<'_>, rewrites: Vec<(Range<usize>, String)>) -> CowStr<'_> {
    if rewrites.is_empty() {
        return html;
    }
    let mut out = String::with_capacity(html.len());
    let mut copied = 0;
    for (range, replacement) in rewrites {
        out.push_str(&html[copied..range.start]);
        out.push_str(&replacement);
        copied = range.end;
    }
    out.push_str(&html[copied..]);
    CowStr::from(out)
}

/// Whether the sanitiser keeps a destination: http(s), mailto, or relative.
fn publishable(dest: &str) -> bool {
    match dest.split_once(':') {
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => sanitise::URL_SCHEMES
            .iter()
            .any(|s| scheme.eq_ignore_ascii_case(s)),
        _ => true,
    }
}

fn leading_number(item_source: &str) -> Option<u64> {
    let digits: &str = &item_source[..item_source.bytes().take_while(u8::is_ascii_digit).count()];
    digits.parse().ok()
}

fn collapse_whitespace(text: &str) -> String {
    let mut collapsed = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    collapsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(body: &str) -> Rendered {
        let source = Source {
            body,
            body_offset: 0,
            title: None,
        };
        MarkdownRenderer::default().render(source, None)
    }

    #[test]
    fn a_steps_paragraphs_and_blocks_are_words_apart() {
        let body = "1. Open **Members**.\n\n   Enter data@agency.test.\n\n   \
                    ```\n   Analyst\n   ```\n   - Save\n2. Done.\n";
        let steps = render(body).facts.steps;
        assert_eq!(
            steps[0].text,
            "Open Members. Enter data@agency.test. Analyst Save"
        );
        assert_eq!(steps[1].text, "Done.");
    }

    #[test]
    fn control_characters_never_reach_the_html_or_the_facts() {
        let body = "# Ti\u{1}tle {#i\u{2}d}\n\n\
                    1. Open\u{7} the \u{1b}[31m**Members**\u{7f} page\u{85}.\n\
                    2. Click [here\u{8}](https://x.com/&#3;a \"ti&#4;tle\") and `co\u{5}de` &#1;.\n\n\
                    ```ru\u{6}st\nlet\u{b} x;\n```\n\n\
                    <p title=\"a&#2;b\">raw&#x1b;html\u{c}</p>\n\n\
                    ![al\u{e}t](sh&#15;ot.png \"x\u{10}y\")\n\ntab\tand\u{0}nul\n";
        let rendered = render(body);
        let html = format!("{}{}", rendered.body.before_form, rendered.body.after_form);
        let control = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
        assert!(!html.contains(control), "{html:?}");
        assert!(
            html.contains("Open the [31m<strong>Members</strong> page."),
            "{html}"
        );
        assert!(html.contains("tab\tandnul"), "{html}");
        assert!(
            html.contains(r#"<a href="https://x.com/a" title="title">here</a>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<img src="shot.png" alt="alt" title="xy">"#),
            "{html}"
        );
        let facts = rendered.facts;
        let strings = facts
            .steps
            .iter()
            .map(|s| s.text.as_str())
            .chain(
                facts
                    .headings
                    .iter()
                    .flat_map(|h| [h.text.as_str(), h.id.as_str()]),
            )
            .chain(
                facts
                    .links
                    .iter()
                    .flat_map(|l| [l.dest.as_str(), l.text.as_str()]),
            )
            .chain(facts.anchors.iter().map(String::as_str));
        for s in strings {
            assert!(!s.contains(control), "{s:?}");
        }
        assert_eq!(facts.headings[0].id, "id");
    }

    #[test]
    fn raw_html_deeper_than_browsers_allow_is_shown_as_written() {
        let body = format!("{}<br><img src=x.png/><p>a</p>\n", "<div>\n".repeat(600));
        let rendered = render(&body);
        let html = rendered.body.before_form;
        assert_eq!(html.matches("<div>").count(), MAX_HTML_DEPTH, "{html}");
        assert_eq!(html.matches("&lt;div&gt;").count(), 600 - MAX_HTML_DEPTH);
        let change = |html: &str| depth_change(&HtmlScanner::default().scan(html, 0));
        assert_eq!(change("<br><img src=x.png/><p>a</p><a href='#'>"), 1);
        assert_eq!(change("</div></DIV>< div 3<4"), -2);
    }

    #[test]
    fn a_note_referred_to_twice_gives_each_reference_its_own_id() {
        let html = render("One[^a] and two[^a].\n\n[^a]: The note.\n")
            .body
            .before_form;
        assert!(html.contains("id=\"fnref-a\">1</a>"), "{html}");
        assert!(html.contains("id=\"fnref-a-1\">1</a>"), "{html}");
        assert_eq!(html.matches("id=\"fn-a\"").count(), 1, "{html}");
    }

    #[test]
    fn a_large_body_is_parsed_twice_to_the_same_page() {
        let tail = "## A\n\n{{ onboard_form() }}\n\n1. Step\n";
        assert_eq!(
            look_ahead(
                events(tail).collect::<Vec<_>>().iter().map(|(e, _)| e),
                None
            ),
            look_ahead(events(tail).map(|(e, _)| e), None),
        );
        let body = format!("{}{tail}", "x\n\n".repeat(KEEP_EVENTS_UP_TO / 3 + 1));
        assert!(body.len() > KEEP_EVENTS_UP_TO);
        let rendered = render(&body);
        assert!(rendered.body.before_form.ends_with("<h2 id=\"a\">A</h2>\n"));
        assert_eq!(
            rendered.body.after_form,
            "<ol>\n<li id=\"a-step-1\">Step</li>\n</ol>\n"
        );
    }

    mod proptests {
        use proptest::collection::vec;
        use proptest::prelude::*;
        use proptest::sample::select;

        use super::*;

        /// Pieces of real guides' Markdown: callouts in both spellings, raw
        /// HTML, tables, footnotes, task lists, bare URLs, non-Latin text.
        const PIECES: &[&str] = &[
            ":::note\n",
            ":::tip Title\n",
            ":::\n",
            "> [!WARNING]\n",
            "> text\n",
            "\n",
            "1. step\n",
            "   - nested\n",
            "- [x] done\n",
            "| a | b |\n",
            "|:-|-:|\n",
            "<details>\n",
            "<summary>Why</summary>\n",
            "</details>\n",
            "**bold**\n",
            "<a href=\"x.md\">a</a>",
            "<img src=\"y.png\">",
            "see https://x.test/é ",
            "www.x.test/p",
            "[^n]",
            "[^n]: note\n",
            "# Title\n",
            "## 日本語 & co\n",
            "{{ onboard_form() }}\n",
            "`code`",
            "```\n",
            "<!-- c -->",
            "<div\n",
            " class=\"x\">\n",
            "é",
            "\r\n",
            "<HideInUI>\n",
            "</HideInUI>\n",
            "::::warning[T]\n",
            "::::\n",
        ];

        proptest! {
            /// Never a panic; every fact's span lies on char boundaries of
            /// the body; the callouts opened are closed.
            #[test]
            fn any_mix_renders_with_spans_into_the_body(pieces in vec(select(PIECES), 0..60)) {
                let body: String = pieces.concat();
                let source = Source { body: &body, body_offset: 0, title: Some("Title") };
                let rendered = MarkdownRenderer::default().render(source, None);
                let html = format!("{}{}", rendered.body.before_form, rendered.body.after_form);
                prop_assert_eq!(html.matches("<aside").count(), html.matches("</aside>").count());
                let facts = &rendered.facts;
                let spans = facts.links.iter().map(|l| l.span.clone())
                    .chain(facts.steps.iter().map(|s| s.span.clone()))
                    .chain(facts.headings.iter().map(|h| h.span.clone()))
                    .chain(facts.emails.iter().map(|e| e.span.clone()))
                    .chain(facts.texts.iter().map(|t| t.span.clone()))
                    .chain(facts.markup.iter().map(|m| m.span.clone()));
                for span in spans {
                    prop_assert!(body.get(span.clone()).is_some(), "{:?} in {:?}", span, body);
                }
            }
        }
    }
}
