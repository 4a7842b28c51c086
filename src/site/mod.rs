//! From rendered guides to output files: pages, embeds, manifest, sitemap.
//! Writes only through a [`Sink`], so the same code serves `build` and tests.

pub mod manifest;
pub mod output;
pub mod templates;

use std::collections::HashSet;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::SiteConfig;
use crate::content::{Content, Guide};
use crate::render::Rendered;
use crate::render::facts::Facts;
use manifest::{
    Manifest, ManifestAccess, ManifestField, ManifestGuide, ManifestOnboard, ManifestStep,
};
use output::Sink;
pub use templates::{Theme, ThemeError};

/// The path of the stylesheet that styles pages and embeds.
pub const STYLESHEET: &str = "static/guidesite.css";

/// A guide ready to publish: its source and its rendering.
pub struct Page<'a> {
    pub guide: &'a Guide,
    pub rendered: &'a Rendered,
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
    stylesheet: String,
}

/// What the guide, embed and form templates see.
#[derive(Serialize)]
struct EmbedContext<'a> {
    site: &'a SiteView<'a>,
    guide: GuideView<'a>,
    body_before_form: &'a str,
    body_after_form: &'a str,
}

/// What `guide.html` sees: the embed, rendered once, placed in a page.
#[derive(Serialize)]
struct PageContext<'a> {
    site: &'a SiteView<'a>,
    guide: GuideView<'a>,
    embed: &'a str,
}

#[derive(Serialize)]
struct IndexContext<'a> {
    site: &'a SiteView<'a>,
    guides: Vec<GuideView<'a>>,
}

/// The part of a manifest entry templates use (steps and links are for the
/// portal); converting less into template values is much of a page's cost.
#[derive(Serialize)]
struct GuideView<'a> {
    source: &'a str,
    title: &'a str,
    platform: &'a str,
    summary: &'a str,
    url: &'a str,
    embed_url: &'a str,
    contacts: &'a [String],
    onboard: Option<&'a ManifestOnboard>,
}

impl<'a> From<&'a ManifestGuide> for GuideView<'a> {
    fn from(g: &'a ManifestGuide) -> Self {
        GuideView {
            source: &g.source,
            title: &g.title,
            platform: &g.platform,
            summary: &g.summary,
            url: &g.url,
            embed_url: &g.embed_url,
            contacts: &g.contacts,
            onboard: g.onboard.as_ref(),
        }
    }
}

/// One output file: its path under the output folder and its bytes.
pub type OutputFile = (String, Vec<u8>);

/// Renders output files with a theme; `build` writes them all, `serve`
/// re-renders only what a change affects.
pub struct SiteRenderer<'a> {
    config: &'a SiteConfig,
    theme: &'a Theme,
    site: SiteView<'a>,
}

impl<'a> SiteRenderer<'a> {
    pub fn new(config: &'a SiteConfig, theme: &'a Theme) -> Self {
        SiteRenderer {
            config,
            theme,
            site: SiteView {
                title: &config.title,
                base_url: &config.base_url,
                language: &config.language,
                stylesheet: format!("{}{STYLESHEET}", config.base_url),
            },
        }
    }

    /// A guide's page and embed, and its manifest entry (hash filled in).
    pub fn guide(&self, page: &Page) -> Result<(ManifestGuide, [OutputFile; 2]), SiteError> {
        let mut entry = manifest_entry(self.config, page);
        let embed = self.theme.render(
            "embed.html",
            &EmbedContext {
                site: &self.site,
                guide: GuideView::from(&entry),
                body_before_form: &page.rendered.body.before_form,
                body_after_form: &page.rendered.body.after_form,
            },
        )?;
        let page_html = self.theme.render(
            "guide.html",
            &PageContext {
                site: &self.site,
                guide: GuideView::from(&entry),
                embed: &embed,
            },
        )?;
        entry.hash = hex(&Sha256::digest(embed.as_bytes()));
        let source = page.guide.source();
        Ok((
            entry,
            [
                (format!("embed/{source}.html"), embed.into_bytes()),
                (format!("{source}/index.html"), page_html.into_bytes()),
            ],
        ))
    }

    /// Everything that lists all guides: index, 404, sitemap, the manifest's
    /// schema, and the manifest itself (to write with [`manifest::write_json`]).
    /// `guides` must be in index order ([`sort_guides`]).
    pub fn listings(
        &self,
        guides: Vec<ManifestGuide>,
    ) -> Result<(Manifest, Vec<OutputFile>), SiteError> {
        let index = IndexContext {
            site: &self.site,
            guides: guides.iter().map(GuideView::from).collect(),
        };
        let files = vec![
            (
                "index.html".to_string(),
                self.theme.render("index.html", &index)?.into_bytes(),
            ),
            (
                "404.html".to_string(),
                self.theme.render("404.html", &index)?.into_bytes(),
            ),
            (
                "sitemap.xml".to_string(),
                self.theme.render("sitemap.xml", &index)?.into_bytes(),
            ),
            (
                "manifest.schema.json".to_string(),
                manifest::schema_json().into_bytes(),
            ),
        ];
        let manifest = Manifest {
            version: manifest::MANIFEST_VERSION,
            base_url: self.config.base_url.clone(),
            stylesheet: self.site.stylesheet.clone(),
            guides,
        };
        Ok((manifest, files))
    }

    /// The theme's static files and the guides' assets.
    pub fn statics(
        &self,
        content: &Content,
        content_root: &Path,
    ) -> Result<Vec<OutputFile>, SiteError> {
        let mut files: Vec<OutputFile> = self
            .theme
            .static_files
            .iter()
            .map(|(path, bytes)| (format!("static/{path}"), bytes.clone()))
            .collect();
        let sources: HashSet<&str> = content.guides.iter().map(|g| g.source()).collect();
        for asset in &content.assets {
            let generated = asset.starts_with("static/")
                || asset.starts_with("embed/")
                || asset
                    .strip_suffix("/index.html")
                    .is_some_and(|dir| sources.contains(dir));
            if generated {
                return Err(SiteError::AssetCollision(format!("content/{asset}")));
            }
            let bytes =
                std::fs::read(content_root.join(asset)).map_err(|source| SiteError::Asset {
                    path: format!("content/{asset}"),
                    source,
                })?;
            files.push((asset.clone(), bytes));
        }
        Ok(files)
    }
}

/// Index order: by `order` (guides without one last), then title, then source.
pub fn sort_guides(guides: &mut [ManifestGuide]) {
    guides.sort_by(|a, b| {
        (a.order.is_none(), a.order, &a.title, &a.source).cmp(&(
            b.order.is_none(),
            b.order,
            &b.title,
            &b.source,
        ))
    });
}

/// Renders and writes the whole site. Each guide is rendered and written in
/// parallel as soon as it is ready; `inspect` then sees its facts (to
/// validate it) and only what it returns is kept, with the manifest entry,
/// so memory does not grow with the pages. `approve` sees every guide's
/// inspection before the listings are written; when it refuses, nothing more
/// is written and `None` is returned (the caller discards the output).
pub fn write_site<T: Send>(
    renderer: &SiteRenderer,
    content: &Content,
    content_root: &Path,
    render: impl Fn(&Guide) -> Rendered + Sync,
    inspect: impl Fn(&Guide, &Facts) -> T + Sync,
    approve: impl FnOnce(Vec<T>) -> bool,
    sink: &dyn Sink,
) -> Result<Option<Manifest>, SiteError> {
    let put = |(path, bytes): OutputFile| {
        sink.write(&path, &bytes)
            .map_err(|source| SiteError::Write { path, source })
    };
    let (inspections, mut guides): (Vec<T>, Vec<ManifestGuide>) = content
        .guides
        .par_iter()
        .map(|guide| {
            let rendered = render(guide);
            let (entry, files) = renderer.guide(&Page {
                guide,
                rendered: &rendered,
            })?;
            files.into_iter().try_for_each(put)?;
            Ok((inspect(guide, &rendered.facts), entry))
        })
        .collect::<Result<Vec<_>, SiteError>>()?
        .into_iter()
        .unzip();
    if !approve(inspections) {
        return Ok(None);
    }
    sort_guides(&mut guides);
    renderer
        .statics(content, content_root)?
        .into_iter()
        .try_for_each(put)?;
    let (manifest, files) = renderer.listings(guides)?;
    files.into_iter().try_for_each(put)?;
    sink.create("manifest.json")
        .and_then(|file| manifest::write_json(&manifest, file))
        .map_err(|source| SiteError::Write {
            path: "manifest.json".into(),
            source,
        })?;
    Ok(Some(manifest))
}

/// The manifest's view of one guide (its `hash` is filled in once the embed exists).
fn manifest_entry(config: &SiteConfig, page: &Page) -> ManifestGuide {
    let front = &page.guide.front;
    let source = page.guide.source();
    let facts = &page.rendered.facts;
    let page_url = format!("{}{source}/", config.base_url);
    let mut links: Vec<String> = Vec::new();
    for href in facts.links.iter().filter_map(|l| l.href.as_deref()) {
        let url = if href.starts_with('#') {
            format!("{page_url}{href}")
        } else {
            href.to_string()
        };
        if !links.contains(&url) {
            links.push(url);
        }
    }
    ManifestGuide {
        source: source.to_string(),
        title: front.title.clone(),
        platform: front.platform.clone(),
        summary: front.summary.clone(),
        order: front.order,
        url: page_url.clone(),
        embed_url: format!("{}embed/{source}.html", config.base_url),
        hash: String::new(),
        access: front.access.as_ref().map(|a| ManifestAccess {
            grantee: a.grantee.value.clone(),
            role: a.role.value.clone(),
        }),
        contacts: front.contacts.iter().map(|c| c.value.clone()).collect(),
        onboard: front.onboard.as_ref().map(|o| ManifestOnboard {
            portal: o.portal.value.clone(),
            endpoint: config.onboard.endpoint.clone(),
            fields: o
                .fields
                .iter()
                .map(|f| {
                    let f = &f.value;
                    ManifestField {
                        name: f.name.clone(),
                        label: f.label.clone(),
                        kind: f.kind.value.clone(),
                        placeholder: f.placeholder.clone(),
                        pattern: f.pattern.as_ref().map(|p| p.value.clone()),
                        required: f.required,
                        help: f.help.clone(),
                        options: f.options.clone(),
                    }
                })
                .collect(),
        }),
        steps: facts
            .steps
            .iter()
            .map(|s| ManifestStep {
                section: s.section.map(|i| facts.headings[i].text.clone()),
                number: s.number,
                text: s.text.clone(),
            })
            .collect(),
        links,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
