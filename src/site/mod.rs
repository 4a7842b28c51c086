//! From rendered guides to output files: pages, embeds, manifest, sitemap.
//! Writes only through a [`Sink`], so the same code serves `build` and tests.

pub mod manifest;
pub mod output;
pub mod templates;

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::SiteConfig;
use crate::content::{Content, Guide};
use crate::render::Rendered;
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
    pub rendered: Rendered,
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
struct GuideContext<'a> {
    site: &'a SiteView<'a>,
    guide: &'a ManifestGuide,
    body_before_form: &'a str,
    body_after_form: &'a str,
}

#[derive(Serialize)]
struct IndexContext<'a> {
    site: &'a SiteView<'a>,
    guides: &'a [ManifestGuide],
}

/// Renders and writes the whole site. Pages are rendered in parallel; the
/// manifest, index and sitemap list guides by `order`, then title.
pub fn write_site(
    config: &SiteConfig,
    theme: &Theme,
    content: &Content,
    pages: &[Page],
    content_root: &std::path::Path,
    sink: &dyn Sink,
) -> Result<Manifest, SiteError> {
    let site = SiteView {
        title: &config.title,
        base_url: &config.base_url,
        language: &config.language,
        stylesheet: format!("{}{STYLESHEET}", config.base_url),
    };
    let put = |path: &str, bytes: &[u8]| {
        sink.write(path, bytes).map_err(|source| SiteError::Write {
            path: path.to_string(),
            source,
        })
    };

    let mut guides: Vec<ManifestGuide> = pages
        .par_iter()
        .map(|page| {
            let mut entry = manifest_entry(config, page);
            let mut context = GuideContext {
                site: &site,
                guide: &entry,
                body_before_form: &page.rendered.body.before_form,
                body_after_form: &page.rendered.body.after_form,
            };
            let embed = theme.render("embed.html", &context)?;
            let hash = hex(&Sha256::digest(embed.as_bytes()));
            context.guide = &entry;
            let page_html = theme.render("guide.html", &context)?;
            let source = page.guide.source();
            put(&format!("embed/{source}.html"), embed.as_bytes())?;
            put(&format!("{source}/index.html"), page_html.as_bytes())?;
            entry.hash = hash;
            Ok(entry)
        })
        .collect::<Result<_, SiteError>>()?;
    guides.sort_by(|a, b| {
        (a.order.is_none(), a.order, &a.title, &a.source).cmp(&(
            b.order.is_none(),
            b.order,
            &b.title,
            &b.source,
        ))
    });

    let index = IndexContext {
        site: &site,
        guides: &guides,
    };
    put("index.html", theme.render("index.html", &index)?.as_bytes())?;
    put("404.html", theme.render("404.html", &index)?.as_bytes())?;
    put(
        "sitemap.xml",
        theme.render("sitemap.xml", &index)?.as_bytes(),
    )?;
    for (path, bytes) in &theme.static_files {
        put(&format!("static/{path}"), bytes)?;
    }
    for asset in &content.assets {
        let generated = asset.starts_with("static/")
            || asset.starts_with("embed/")
            || guides
                .iter()
                .any(|g| *asset == format!("{}/index.html", g.source));
        if generated {
            return Err(SiteError::AssetCollision(format!("content/{asset}")));
        }
        let from = content_root.join(asset);
        let bytes = std::fs::read(&from).map_err(|source| SiteError::Asset {
            path: format!("content/{asset}"),
            source,
        })?;
        put(asset, &bytes)?;
    }

    let manifest = Manifest {
        version: manifest::MANIFEST_VERSION,
        base_url: config.base_url.clone(),
        stylesheet: site.stylesheet.clone(),
        guides,
    };
    let mut json = serde_json::to_string_pretty(&manifest).expect("the manifest always serialises");
    json.push('\n');
    put("manifest.json", json.as_bytes())?;
    put("manifest.schema.json", manifest::schema_json().as_bytes())?;
    Ok(manifest)
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
                section: s.section.clone(),
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
