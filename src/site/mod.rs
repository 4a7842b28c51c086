//! From rendered guides to output files: pages, embeds, manifest, sitemap.
//! Writes only through a [`Sink`], so the same code serves `build` and tests.

mod embed_ids;
pub mod headers;
pub mod manifest;
pub mod output;
pub mod templates;

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Value};

use crate::config::SiteConfig;
use crate::content::Guide;
use crate::images::{ImageCache, Images, Variant, VariantSource};
use crate::render::Rendered;
use crate::render::facts::Facts;
use manifest::{
    Entry, ManifestAccess, ManifestField, ManifestGuide, ManifestImage, ManifestOnboard,
    ManifestStep, ManifestWriter,
};
use output::Sink;
use templates::template_value;
pub use templates::{Theme, ThemeError};

/// What the portal reads, and its JSON Schema.
pub const MANIFEST: &str = "manifest.json";
pub const MANIFEST_SCHEMA: &str = "manifest.schema.json";

/// The pages that list every guide, each rendered by its own template and
/// published at its name. `guide-list.html` is the list of all guides every
/// guide page loads into its navigation: one shared file, not a copy in each
/// page, so the site stays linear in its guides.
const LISTING_TEMPLATES: [&str; 4] = ["index.html", "404.html", "sitemap.xml", "guide-list.html"];

/// Whether an output file lists every guide (`serve` renders those when asked).
pub fn is_listing(path: &str) -> bool {
    LISTING_TEMPLATES.contains(&path)
        || path == MANIFEST
        || path == MANIFEST_SCHEMA
        || path == headers::HEADERS_FILE
}

/// A guide ready to publish: its source, its rendering, and its neighbours.
pub struct Page<'a> {
    pub guide: &'a Guide,
    pub rendered: &'a Rendered,
    pub neighbours: Neighbours<'a>,
}

/// The guides before and after one in index order ([`index_order`]), which
/// its page links to.
#[derive(Clone, Copy, Default)]
pub struct Neighbours<'a> {
    pub previous: Option<&'a Guide>,
    pub next: Option<&'a Guide>,
}

impl<'a> Neighbours<'a> {
    /// The neighbours of `ordered[index]`; `ordered` is in index order.
    pub fn at(ordered: &[&'a Guide], index: usize) -> Self {
        Neighbours {
            previous: index.checked_sub(1).and_then(|i| ordered.get(i)).copied(),
            next: index.checked_add(1).and_then(|i| ordered.get(i)).copied(),
        }
    }
}

/// Output could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error(transparent)]
    Theme(#[from] ThemeError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Output(#[from] output::OutputError),
    #[error("{0} would overwrite a generated page: rename or move it")]
    AssetCollision(String),
    #[error("cannot make a resized copy of {path}: {why}")]
    Variant { path: String, why: String },
    #[error("cannot copy {} to {path}: {source}", from.display())]
    Copy {
        from: PathBuf,
        path: String,
        source: std::io::Error,
    },
    #[error("cannot read asset {path}: {source}")]
    Asset {
        path: String,
        source: std::io::Error,
    },
}

/// What every template sees about the site.
#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    base_url: &'a str,
    language: &'a str,
    stylesheet: &'a str,
}

/// The part of a manifest entry templates see (steps and links are for the
/// portal); converting less into template values is much of a page's cost.
#[derive(Serialize)]
struct GuideView<'a> {
    source: &'a str,
    title: &'a str,
    platform: &'a str,
    summary: &'a str,
    url: &'a str,
    embed_url: &'a str,
    contacts: &'a [&'a str],
    onboard: Option<&'a ManifestOnboard<'a>>,
}

impl<'a> From<&'a ManifestGuide<'a>> for GuideView<'a> {
    fn from(g: &'a ManifestGuide<'a>) -> Self {
        GuideView {
            source: g.source,
            title: g.title,
            platform: g.platform,
            summary: g.summary,
            url: &g.url,
            embed_url: &g.embed_url,
            contacts: &g.contacts,
            onboard: g.onboard.as_ref(),
        }
    }
}

/// Another guide as a page's navigation links to it.
#[derive(Serialize)]
struct GuideLinkView<'a> {
    title: &'a str,
    url: String,
}

impl<'a> GuideLinkView<'a> {
    fn new(config: &SiteConfig, guide: &'a Guide) -> Self {
        GuideLinkView {
            title: &guide.front.title.value,
            url: guide_url(config, guide.source()),
        }
    }
}

/// A heading the page's table of contents links to.
#[derive(Serialize)]
struct SectionView<'a> {
    id: &'a str,
    text: &'a str,
}

/// What a guide's page shows around its embed: previous and next guides,
/// and its sections (`h2` headings) for the table of contents.
#[derive(Serialize)]
struct PageNavView<'a> {
    previous: Option<GuideLinkView<'a>>,
    next: Option<GuideLinkView<'a>>,
    sections: Vec<SectionView<'a>>,
}

impl<'a> PageNavView<'a> {
    fn new(config: &SiteConfig, page: &Page<'a>) -> Self {
        let link = |g: Option<&'a Guide>| g.map(|g| GuideLinkView::new(config, g));
        PageNavView {
            previous: link(page.neighbours.previous),
            next: link(page.neighbours.next),
            sections: page
                .rendered
                .facts
                .headings
                .iter()
                .filter(|h| h.level == 2)
                .map(|h| SectionView {
                    id: &h.id,
                    text: &h.text,
                })
                .collect(),
        }
    }
}

/// What a site publishes besides what it renders.
#[derive(Clone, Copy)]
pub struct Published<'a> {
    /// Paths under `content_root`.
    pub assets: &'a BTreeSet<String>,
    /// Refused SVGs are left out; variants are published too when
    /// `variants` (`serve` makes them when asked).
    pub images: &'a Images,
    pub variants: bool,
    pub image_cache: Option<&'a ImageCache>,
    pub content_root: &'a Path,
}

/// One output file: its path under the output folder and its bytes.
pub type OutputFile = (String, Vec<u8>);

/// A rendered guide: its page and embed, and its manifest entry.
pub struct GuideOutput {
    pub entry: Entry,
    pub files: [OutputFile; 2],
}

/// Renders output files with a theme; `build` writes them all, `serve`
/// re-renders only what a change affects.
pub struct SiteRenderer<'a> {
    config: &'a SiteConfig,
    theme: &'a Theme,
    /// Its URL.
    stylesheet: String,
    /// The site as templates see it, converted once for every page.
    site: Value,
}

impl<'a> SiteRenderer<'a> {
    pub fn new(config: &'a SiteConfig, theme: &'a Theme) -> Self {
        let stylesheet = format!("{}{}", config.base_url, theme.stylesheet_path);
        // Four strings: the conversion has nothing that could fail.
        let site = Value::from_serializable(&SiteView {
            title: &config.title,
            base_url: &config.base_url,
            language: &config.language,
            stylesheet: &stylesheet,
        });
        SiteRenderer {
            config,
            theme,
            stylesheet,
            site,
        }
    }

    /// A template context: the site and `values`.
    fn context<const N: usize>(&self, values: [(&'static str, Value); N]) -> Context {
        let mut context = Context::new();
        context.insert_value("site", self.site.clone());
        for (key, value) in values {
            context.insert_value(key, value);
        }
        context
    }

    /// A guide's embed and page, and its manifest entry.
    pub fn guide(&self, page: &Page) -> Result<GuideOutput, SiteError> {
        let mut entry = manifest_entry(self.config, page);
        let guide = template_value(&GuideView::from(&entry))?;
        let body = &page.rendered.body;
        let embed = self.theme.render(
            "embed.html",
            &self.context([
                ("guide", guide.clone()),
                ("body_before_form", Value::from(body.before_form.as_str())),
                ("body_after_form", Value::from(body.after_form.as_str())),
            ]),
        )?;
        // The page holds the guide alone: its ids stay as links name them.
        let nav = template_value(&PageNavView::new(self.config, page))?;
        let page_html = self.theme.render(
            "guide.html",
            &self.context([
                ("guide", guide),
                ("embed", Value::from(embed.as_str())),
                ("nav", nav),
            ]),
        )?;
        let source = page.guide.source();
        let embed = embed_ids::prefix_ids(&embed, &embed_ids::embed_id_prefix(source));
        entry.hash = crate::hash::sha256_hex(embed.as_bytes());
        Ok(GuideOutput {
            entry: manifest::entry(&entry),
            files: [
                (format!("embed/{source}.html"), embed.into_bytes()),
                (format!("{source}/index.html"), page_html.into_bytes()),
            ],
        })
    }

    /// Everything that lists all guides but the manifest: index, 404,
    /// sitemap, the manifest's schema. They need only the guides' front
    /// matter, so they can be rendered while the guides are.
    /// `guides` must be in index order ([`index_order`]).
    pub fn listings(&self, guides: &[&Guide]) -> Result<Vec<OutputFile>, SiteError> {
        let described: Vec<ManifestGuide> =
            guides.iter().map(|g| describe(self.config, g)).collect();
        let views: Vec<GuideView> = described.iter().map(GuideView::from).collect();
        let context = self.context([("guides", template_value(&views)?)]);
        let mut files = Vec::with_capacity(4);
        for template in LISTING_TEMPLATES {
            let html = self.theme.render(template, &context)?;
            files.push((template.to_string(), html.into_bytes()));
        }
        files.push((
            MANIFEST_SCHEMA.to_string(),
            manifest::schema_json().into_bytes(),
        ));
        let portal_origin = self.config.portal_origin.as_ref();
        let headers = headers::file(&self.theme.stylesheet_path, portal_origin);
        files.push((headers::HEADERS_FILE.to_string(), headers.into_bytes()));
        Ok(files)
    }

    /// Starts `manifest.json`; entries follow in index order.
    pub fn manifest<W: std::io::Write>(&self, out: W) -> std::io::Result<ManifestWriter<W>> {
        ManifestWriter::new(&self.config.base_url, &self.stylesheet, out)
    }

    /// The theme's static files.
    fn theme_files(&self) -> impl Iterator<Item = OutputFile> + '_ {
        self.theme.static_files.iter().map(|(path, bytes)| {
            let published = if path == templates::STYLESHEET {
                self.theme.stylesheet_path.clone()
            } else {
                format!("static/{path}")
            };
            (published, bytes.clone())
        })
    }

    /// What is published as it is, by output path: the guides' assets, and
    /// their images' variants (made now, in parallel, if not made yet).
    fn copies<'p>(
        &self,
        guides: &[&Guide],
        published: Published<'p>,
    ) -> Result<Vec<(String, Copy<'p>)>, SiteError> {
        let sources: HashSet<&str> = guides.iter().map(|g| g.source()).collect();
        let mut copies = Vec::with_capacity(published.assets.len());
        let refused = &published.images.refused;
        for asset in published
            .assets
            .iter()
            .filter(|a| !refused.contains_key(*a))
        {
            let generated = asset.starts_with("static/")
                || asset.starts_with("embed/")
                || asset
                    .strip_suffix("/index.html")
                    .is_some_and(|dir| sources.contains(dir));
            if generated {
                return Err(SiteError::AssetCollision(format!("content/{asset}")));
            }
            let file = Copy::File(published.content_root.join(asset));
            copies.push((asset.clone(), file));
        }
        if published.variants {
            copies.extend(variants(published.images, published)?);
        }
        Ok(copies)
    }

    /// The theme's static files and the assets, read (`serve` keeps them
    /// in memory); image variants are left out.
    pub fn statics(
        &self,
        guides: &[&Guide],
        published: Published,
    ) -> Result<Vec<OutputFile>, SiteError> {
        let published = Published {
            variants: false,
            ..published
        };
        let mut files: Vec<OutputFile> = self.theme_files().collect();
        for (path, copy) in self.copies(guides, published)? {
            let bytes = copy.bytes().map_err(|source| SiteError::Asset {
                path: format!("content/{path}"),
                source,
            })?;
            files.push((path, bytes));
        }
        Ok(files)
    }
}

/// Where the bytes of a file published as it is are.
enum Copy<'a> {
    File(PathBuf),
    Bytes(Cow<'a, [u8]>),
}

impl Copy<'_> {
    fn bytes(self) -> std::io::Result<Vec<u8>> {
        match self {
            Copy::File(path) => std::fs::read(path),
            Copy::Bytes(bytes) => Ok(bytes.into_owned()),
        }
    }

    /// Writes it at `path` through `sink`; files are copied by the kernel.
    fn write(&self, sink: &dyn Sink, path: &str) -> Result<(), SiteError> {
        match self {
            Copy::File(from) => sink.copy(path, from).map_err(|source| SiteError::Copy {
                from: from.clone(),
                path: path.to_string(),
                source,
            }),
            Copy::Bytes(bytes) => sink.write(path, bytes).map_err(|source| SiteError::Write {
                path: path.to_string(),
                source,
            }),
        }
    }
}

/// Every variant of `images`, made in parallel when not made yet.
fn variants<'p>(
    images: &'p Images,
    published: Published<'p>,
) -> Result<Vec<(String, Copy<'p>)>, SiteError> {
    let all: Vec<(&String, &Variant)> = images
        .measured
        .iter()
        .flat_map(|(original, facts)| facts.variants.iter().map(move |v| (original, v)))
        .collect();
    all.into_par_iter()
        .map(|(original, variant)| {
            let path = &variant.path;
            if published.assets.contains(path) {
                return Err(SiteError::AssetCollision(format!("content/{path}")));
            }
            let source = images
                .variant_source(
                    published.content_root,
                    published.image_cache,
                    original,
                    variant,
                )
                .map_err(|why| SiteError::Variant {
                    path: format!("content/{original}"),
                    why,
                })?;
            let copy = match source {
                VariantSource::Cached(file) => Copy::File(file),
                VariantSource::Bytes(bytes) => Copy::Bytes(bytes),
            };
            Ok((path.clone(), copy))
        })
        .collect()
}

/// Index order: by `order` (guides without one last), then title, then source.
pub fn index_order(a: &Guide, b: &Guide) -> Ordering {
    fn key(g: &Guide) -> (bool, Option<i64>, &str, &str) {
        (
            g.front.order.is_none(),
            g.front.order,
            &g.front.title.value,
            g.source(),
        )
    }
    key(a).cmp(&key(b))
}

/// Guides rendered between two appends to the manifest: many enough that
/// waiting for a batch's slowest guide costs little, few enough that their
/// entries take little memory.
const BATCH: usize = 256;

/// What [`write_site`] wrote.
pub struct Written<'c, T> {
    /// What `inspect` returned for each guide, in index order.
    pub inspections: Vec<(&'c Guide, T)>,
    /// Whether the listings, statics and assets were written: the guides'
    /// own problems come first, so the caller looks at those before this.
    pub listings: Result<(), SiteError>,
}

/// Renders and writes the whole site. Guides are rendered and written in
/// parallel, in index order, each in one task: `inspect` sees its facts
/// there (to validate it) and only what it returns is kept; manifest entries
/// are appended batch by batch, so memory does not grow with the pages. The
/// listings are rendered beside them.
pub fn write_site<'c, T: Send>(
    renderer: &SiteRenderer,
    guides: &[&'c Guide],
    published: Published,
    render: impl Fn(&Guide) -> Rendered + Sync,
    inspect: impl Fn(&Guide, &Facts) -> T + Sync,
    sink: &dyn Sink,
) -> Result<Written<'c, T>, SiteError> {
    let put = |(path, bytes): OutputFile| {
        sink.write(&path, &bytes)
            .map_err(|source| SiteError::Write { path, source })
    };
    let mut guides = guides.to_vec();
    guides.sort_by(|a, b| index_order(a, b));
    let manifest_error = |source| SiteError::Write {
        path: MANIFEST.into(),
        source,
    };
    let pages = || {
        let mut manifest = sink
            .create(MANIFEST)
            .and_then(|file| renderer.manifest(file))
            .map_err(manifest_error)?;
        let mut inspections = Vec::with_capacity(guides.len());
        // A batch's entries are appended while the next batch renders.
        let mut entries: Vec<Entry> = Vec::new();
        for (number, batch) in guides.chunks(BATCH).enumerate() {
            let append = || -> Result<(), SiteError> {
                for entry in entries.drain(..) {
                    manifest.push(&entry).map_err(manifest_error)?;
                }
                Ok(())
            };
            let render_batch = || {
                batch
                    .par_iter()
                    .enumerate()
                    .map(|(i, &guide)| {
                        let rendered = render(guide);
                        let output = renderer.guide(&Page {
                            guide,
                            rendered: &rendered,
                            neighbours: Neighbours::at(&guides, number * BATCH + i),
                        })?;
                        output.files.into_iter().try_for_each(put)?;
                        Ok(((guide, inspect(guide, &rendered.facts)), output.entry))
                    })
                    .collect::<Result<Vec<_>, SiteError>>()
            };
            let (rendered, appended) = rayon::join(render_batch, append);
            appended?;
            for (inspection, entry) in rendered? {
                entries.push(entry);
                inspections.push(inspection);
            }
        }
        for entry in entries {
            manifest.push(&entry).map_err(manifest_error)?;
        }
        manifest.finish().map_err(manifest_error)?;
        Ok::<_, SiteError>(inspections)
    };
    let listings = || {
        renderer.listings(&guides)?.into_iter().try_for_each(put)?;
        renderer.theme_files().try_for_each(put)?;
        renderer
            .copies(&guides, published)?
            .par_iter()
            .try_for_each(|(path, copy)| copy.write(sink, path))
    };
    let (inspections, listings) = rayon::join(pages, listings);
    Ok(Written {
        inspections: inspections?,
        listings,
    })
}

/// The manifest's view of a guide's front matter: everything but the steps,
/// the links, the images and the hash, which need its rendering.
fn describe<'a>(config: &'a SiteConfig, guide: &'a Guide) -> ManifestGuide<'a> {
    let front = &guide.front;
    let source = guide.source();
    ManifestGuide {
        source,
        title: &front.title.value,
        platform: &front.platform.value,
        summary: &front.summary,
        order: front.order,
        url: guide_url(config, source),
        embed_url: format!("{}embed/{source}.html", config.base_url),
        hash: String::new(),
        access: front.access.as_ref().map(|a| ManifestAccess {
            grantee: &a.grantee.value,
            role: &a.role.value,
        }),
        contacts: front.contacts.iter().map(|c| c.value.as_str()).collect(),
        onboard: front.onboard.as_ref().map(|o| ManifestOnboard {
            portal: &o.portal.value,
            endpoint: config.onboard.endpoint.as_deref(),
            fields: o
                .fields
                .iter()
                .map(|f| {
                    let f = &f.value;
                    ManifestField {
                        name: &f.name,
                        label: &f.label,
                        kind: &f.kind.value,
                        placeholder: f.placeholder.as_deref(),
                        pattern: f.pattern.as_ref().map(|p| p.value.as_str()),
                        pattern_message: f.pattern_message.as_deref(),
                        required: f.required,
                        help: f.help.as_deref(),
                        options: &f.options,
                    }
                })
                .collect(),
        }),
        steps: Vec::new(),
        links: Vec::new(),
        images: Vec::new(),
    }
}

/// Where the page of the guide `source` is published.
fn guide_url(config: &SiteConfig, source: &str) -> String {
    format!("{}{source}/", config.base_url)
}

/// A guide's manifest entry (its `hash` is filled in once the embed exists).
fn manifest_entry<'a>(config: &'a SiteConfig, page: &Page<'a>) -> ManifestGuide<'a> {
    let facts = &page.rendered.facts;
    let mut entry = describe(config, page.guide);
    // Each URL once, in the order first linked (a set: a guide may hold
    // tens of thousands of links).
    let mut listed = HashSet::new();
    for href in facts.links.iter().filter_map(|l| l.href.as_deref()) {
        let url = if href.starts_with('#') {
            Cow::Owned(format!("{}{href}", entry.url))
        } else {
            Cow::Borrowed(href)
        };
        if listed.insert(url.clone()) {
            entry.links.push(url);
        }
    }
    let mut shown = HashSet::new();
    entry.images = facts
        .images
        .iter()
        .filter(|image| shown.insert(image.url.as_str()))
        .map(|image| ManifestImage {
            url: &image.url,
            width: image.width,
            height: image.height,
            hash: &image.hash,
        })
        .collect();
    let embed_prefix = embed_ids::embed_id_prefix(entry.source);
    entry.steps = facts
        .steps
        .iter()
        .map(|s| ManifestStep {
            section: s.section.map(|i| facts.headings[i].text.as_str()),
            number: s.number,
            text: &s.text,
            id: &s.id,
            embed_id: format!("{embed_prefix}{}", s.id),
        })
        .collect();
    entry
}
