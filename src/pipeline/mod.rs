//! The stages wired once: `config` → `content` → `render` → `validate` →
//! `site`. `build`, `check` and `serve` are thin drivers of one [`Pipeline`]:
//! it holds the configuration, the theme and every guide with what the rules
//! found in it; it validates (`check`), writes the whole site through a sink
//! (`build`), or renders the guides a change affects (`serve`, after
//! [`Pipeline::apply`]). `lints:` severities are applied here and nowhere
//! else, in [`Pipeline::diagnostics`].

pub mod changes;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::SiteConfig;
use crate::content::{self, Guide};
use crate::diag::{Diagnostic, Severity};
use crate::error::{Error, ensure_root};
use crate::images::{self, ImageCache, Images, Measure};
use crate::render::facts::Facts;
use crate::render::{self, MarkdownRenderer, SiteLinks};
use crate::site::output::Sink;
use crate::site::{
    self, GuideOutput, Neighbours, OutputFile, Page, SiteError, SiteRenderer, Theme,
};
use crate::validate::{self, GuideSummary, SiteFacts};

/// What a command asks of the pipeline beyond the site's own configuration.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Replaces `site.yaml`'s `base_url` (`build --base-url`; `serve` uses `/`).
    pub base_url: Option<String>,
    /// Whether guides marked `draft: true` are part of the site.
    pub drafts: bool,
    /// Whether images' resized variants are made as the site loads
    /// (`build`); `serve` makes them when a page asks, `check` never.
    pub make_variants: bool,
}

/// The site as the stages see it.
pub struct Pipeline {
    root: PathBuf,
    config: SiteConfig,
    theme: Theme,
    markdown: MarkdownRenderer,
    drafts: bool,
    /// Every guide whose front matter parsed, by file (`content/x.md`).
    guides: BTreeMap<String, Inspected>,
    /// Files under `content/` that are not part of the site, with why: front
    /// matter that does not parse, too large, leading outside the root.
    refused: BTreeMap<String, Diagnostic>,
    /// Asset paths relative to `content/`.
    assets: BTreeSet<String>,
    /// The raster images among the assets, measured.
    images: Images,
    /// Where made variants are kept between runs, or why not.
    image_cache: Result<ImageCache, String>,
    make_variants: bool,
    /// What the rules comparing guides found.
    site_diagnostics: Vec<Diagnostic>,
    /// Path under `content/` → the guide files whose links name it; made by
    /// the first [`Pipeline::apply`] (only `serve` needs it), then kept.
    dependents: Option<HashMap<String, BTreeSet<String>>>,
}

/// A guide and what the rules found in it, once it was inspected.
struct Inspected {
    guide: Guide,
    inspection: Inspection,
}

/// What is kept of a guide's facts after its rules ran.
#[derive(Default)]
struct Inspection {
    /// At default severities.
    diagnostics: Vec<Diagnostic>,
    summary: GuideSummary,
    /// The paths under `content/` its links name, existing or not
    /// (`meta.md`, `tiktok/shot.png`): when one changes, so may this guide.
    /// Kept by [`Pipeline::render`] only: `serve` alone updates a site.
    depends_on: BTreeSet<String>,
}

impl Pipeline {
    /// Loads the configuration, the theme and every guide.
    pub fn load(root: &Path, settings: &Settings) -> Result<Pipeline, Error> {
        let config = Self::load_config(root)?;
        Ok(Self::load_with(root, config, settings, |_| ())?.0)
    }

    /// The site's configuration, as [`Pipeline::load_with`] takes it (`check`
    /// needs it before the guides, to start the network checks).
    pub fn load_config(root: &Path) -> Result<SiteConfig, Error> {
        ensure_root(root)?;
        Ok(SiteConfig::load(root)?)
    }

    /// Like [`Pipeline::load`], with the configuration read already; `then`
    /// sees each guide as soon as it is read, in the task that read it
    /// (`check` starts requests from its links), and its results come back
    /// in file order.
    pub fn load_with<T: Send>(
        root: &Path,
        config: SiteConfig,
        settings: &Settings,
        then: impl Fn(&Guide) -> T + Sync,
    ) -> Result<(Pipeline, Vec<T>), Error> {
        let config = config.with_base_url(settings.base_url.as_deref());
        let theme = Theme::load(root, &config.theme)?;
        let (content, results) = content::load_with(root, then)?;
        let image_cache = ImageCache::open(root);
        let measure = Measure {
            widths: config.images.widths.as_slice(),
            cache: image_cache.as_ref().ok(),
            make_variants: settings.make_variants,
        };
        let images = images::measure(&root.join("content"), &content.assets, measure);
        let mut pipeline = Pipeline {
            root: root.to_path_buf(),
            config,
            theme,
            markdown: MarkdownRenderer::default(),
            drafts: settings.drafts,
            guides: BTreeMap::new(),
            refused: content
                .diagnostics
                .into_iter()
                .map(|d| (d.file.clone(), d))
                .collect(),
            images,
            image_cache,
            make_variants: settings.make_variants,
            assets: content.assets,
            site_diagnostics: Vec::new(),
            dependents: None,
        };
        // Results come back in the order `guides()` walks: by file.
        let mut loaded: Vec<(Guide, T)> = content.guides.into_iter().zip(results).collect();
        loaded.sort_by(|a, b| a.0.file.cmp(&b.0.file));
        let mut kept = Vec::with_capacity(loaded.len());
        for (guide, result) in loaded {
            if pipeline.admits(&guide) {
                kept.push(result);
                pipeline.insert(guide);
            }
        }
        Ok((pipeline, kept))
    }

    pub fn config(&self) -> &SiteConfig {
        &self.config
    }

    /// How the site's images are measured, when they change.
    fn measure(&self) -> Measure<'_> {
        Measure {
            widths: self.config.images.widths.as_slice(),
            cache: self.image_cache.as_ref().ok(),
            make_variants: self.make_variants,
        }
    }

    /// Why processed images are not cached between runs, if they are not.
    pub fn image_cache_problem(&self) -> Option<&str> {
        self.image_cache.as_ref().err().map(String::as_str)
    }

    /// The bytes of the image variant published at `path`, if it is one
    /// (made now when it is not made yet).
    pub fn variant(&self, path: &str) -> Option<Result<Vec<u8>, String>> {
        let cache = self.image_cache.as_ref().ok();
        self.images
            .variant_bytes(&self.root.join("content"), cache, path)
    }

    /// How many guides the site has.
    pub fn guide_count(&self) -> usize {
        self.guides.len()
    }

    /// The guides, in file order.
    pub fn guides(&self) -> impl Iterator<Item = &Guide> {
        self.guides.values().map(|i| &i.guide)
    }

    /// The guide of `file` (`content/x.md`), if it is one of the site.
    pub fn guide(&self, file: &str) -> Option<&Guide> {
        self.guides.get(file).map(|i| &i.guide)
    }

    /// Whether `file` is under `content/` but refused (its front matter does
    /// not parse, it is too large, it leads outside the site).
    pub fn is_refused(&self, file: &str) -> bool {
        self.refused.contains_key(file)
    }

    /// The file of the guide whose pages are `source`'s: of guides sharing
    /// a source, the one the duplicate rule does not report.
    pub fn page_owner(&self, source: &str) -> Option<&str> {
        let guides: Vec<&Guide> = self.guides().filter(|g| g.source() == source).collect();
        let owner = validate::source_owners(&guides).get(source).copied();
        owner.map(|g| g.file.as_str())
    }

    /// Whether `guide` is part of the site (drafts only when asked for).
    fn admits(&self, guide: &Guide) -> bool {
        self.drafts || !guide.front.draft
    }

    /// Adds or replaces a guide; a replaced one keeps its inspection until
    /// it is rendered again.
    fn insert(&mut self, guide: Guide) {
        self.refused.remove(&guide.file);
        match self.guides.get_mut(&guide.file) {
            Some(inspected) => inspected.guide = guide,
            None => {
                let inspection = Inspection::default();
                let file = guide.file.clone();
                self.guides.insert(file, Inspected { guide, inspection });
            }
        }
    }

    /// Takes a guide out of the site; true when it was in.
    fn remove(&mut self, file: &str) -> bool {
        let Some(removed) = self.guides.remove(file) else {
            return false;
        };
        self.forget_dependencies(file, &removed.inspection);
        true
    }

    /// Takes `file` out of the dependents of what `inspection` depends on.
    fn forget_dependencies(&mut self, file: &str, inspection: &Inspection) {
        let Some(dependents) = &mut self.dependents else {
            return;
        };
        for path in &inspection.depends_on {
            if let Some(files) = dependents.get_mut(path) {
                files.remove(file);
            }
        }
    }

    fn site_links(&self) -> SiteLinks<'_> {
        SiteLinks::new(
            &self.config.base_url,
            self.guides(),
            &self.assets,
            &self.images,
        )
    }

    /// Runs every offline rule over every guide, from its facts alone (no
    /// HTML is made): what `check` needs. Each guide's facts are extracted,
    /// validated and dropped in one task: kept for 10,000 guides they were a
    /// quarter of a gigabyte.
    pub fn validate(&mut self) {
        let links = self.site_links();
        let inspections: Vec<(String, Inspection)> = self
            .guides
            .par_iter()
            .map(|(file, inspected)| {
                let guide = &inspected.guide;
                let facts = render::facts(guide, &self.markdown);
                (file.clone(), inspect(&self.config, guide, &facts, &links))
            })
            .collect();
        drop(links);
        self.record(inspections);
    }

    /// Renders, validates and writes the whole site through `sink`: pages
    /// and manifest streamed guide by guide, so memory does not grow with
    /// the site. `Ok(false)` when the guides have errors: the caller
    /// discards what was written.
    pub fn write(&mut self, sink: &dyn Sink) -> Result<bool, Error> {
        let links = self.site_links();
        let renderer = SiteRenderer::new(&self.config, &self.theme);
        let guides: Vec<&Guide> = self.guides().collect();
        let written = site::write_site(
            &renderer,
            &guides,
            site::Published {
                assets: &self.assets,
                images: &self.images,
                variants: true,
                image_cache: self.image_cache.as_ref().ok(),
                content_root: &self.root.join("content"),
            },
            |guide| render::render(guide, &self.markdown, &links),
            |guide, facts| inspect(&self.config, guide, facts, &links),
            sink,
        )
        .map_err(Error::Site)?;
        let inspections: Vec<(String, Inspection)> = written
            .inspections
            .into_iter()
            .map(|(guide, inspection)| (guide.file.clone(), inspection))
            .collect();
        let listings = written.listings;
        drop((links, renderer, guides));
        self.record(inspections);
        // The guides' own problems come first: an author fixes those.
        if self.has_errors() {
            return Ok(false);
        }
        listings.map_err(Error::Site)?;
        Ok(true)
    }

    /// Renders and validates the guides of `files` (in parallel): what
    /// `serve` shows, and what it keeps to know which guides a change
    /// affects. A guide whose templates fail has its error instead of its
    /// output; its diagnostics are recorded all the same.
    pub fn render(
        &mut self,
        files: &BTreeSet<String>,
    ) -> Vec<(String, Result<GuideOutput, SiteError>)> {
        let links = self.site_links();
        let renderer = SiteRenderer::new(&self.config, &self.theme);
        let ordered = self.index_ordered();
        let position: HashMap<&str, usize> = ordered
            .iter()
            .enumerate()
            .map(|(i, g)| (g.file.as_str(), i))
            .collect();
        let done: Vec<_> = files
            .par_iter()
            .filter_map(|file| {
                let guide = &self.guides.get(file)?.guide;
                let neighbours = Neighbours::at(&ordered, *position.get(file.as_str())?);
                let rendered = render::render(guide, &self.markdown, &links);
                let mut inspection = inspect(&self.config, guide, &rendered.facts, &links);
                inspection.depends_on = dependencies(&rendered.facts);
                let output = renderer.guide(&Page {
                    guide,
                    rendered: &rendered,
                    neighbours,
                });
                Some(((file.clone(), inspection), (file.clone(), output)))
            })
            .collect();
        drop((links, renderer, ordered, position));
        let (inspections, outputs) = done.into_iter().unzip();
        self.record(inspections);
        outputs
    }

    /// The guides in index order: the order of their pages' previous/next.
    fn index_ordered(&self) -> Vec<&Guide> {
        let mut ordered: Vec<&Guide> = self.guides().collect();
        ordered.sort_by(|a, b| site::index_order(a, b));
        ordered
    }

    /// The files of the guides next to one of `files` in index order, whose
    /// pages link to them (none without `files`: no sort then).
    fn neighbour_files(&self, files: &BTreeSet<String>) -> BTreeSet<String> {
        if files.is_empty() {
            return BTreeSet::new();
        }
        let ordered = self.index_ordered();
        let mut found = BTreeSet::new();
        for (i, guide) in ordered.iter().enumerate() {
            if files.contains(&guide.file) {
                let Neighbours { previous, next } = Neighbours::at(&ordered, i);
                found.extend(previous.into_iter().chain(next).map(|g| g.file.clone()));
            }
        }
        found
    }

    /// What a guide's neighbours show of it, and where it sorts among them;
    /// `None` when `file` is no guide of the site.
    fn listed_as(&self, file: &str) -> Option<(Option<i64>, String, String)> {
        let guide = self.guide(file)?;
        let front = &guide.front;
        let source = guide.source().to_string();
        Some((front.order, front.title.value.clone(), source))
    }

    /// The files that list every guide (index, 404, sitemap, schema) and
    /// the manifest, for the guides `entry_of` has an entry for, in index
    /// order.
    pub fn listings<'e>(
        &self,
        entry_of: impl Fn(&str) -> Option<&'e site::manifest::Entry>,
    ) -> Result<Vec<OutputFile>, SiteError> {
        let mut listed: Vec<(&Guide, &site::manifest::Entry)> = self
            .guides()
            .filter_map(|g| Some((g, entry_of(&g.file)?)))
            .collect();
        listed.sort_by(|a, b| site::index_order(a.0, b.0));
        let (guides, entries): (Vec<&Guide>, Vec<_>) = listed.into_iter().unzip();
        let renderer = SiteRenderer::new(&self.config, &self.theme);
        let mut files = renderer.listings(&guides)?;
        let write_error = |source| SiteError::Write {
            path: site::MANIFEST.to_string(),
            source,
        };
        let mut manifest = renderer.manifest(Vec::new()).map_err(write_error)?;
        for entry in entries {
            manifest.push(entry).map_err(write_error)?;
        }
        files.push((
            site::MANIFEST.to_string(),
            manifest.finish().map_err(write_error)?,
        ));
        Ok(files)
    }

    /// Where the theme's stylesheet is published (its name holds its hash).
    pub fn stylesheet_path(&self) -> &str {
        &self.theme.stylesheet_path
    }

    /// The theme's static files and the assets, read; image variants are
    /// left to [`Pipeline::variant`].
    pub fn statics(&self) -> Result<Vec<OutputFile>, SiteError> {
        let guides: Vec<&Guide> = self.guides().collect();
        SiteRenderer::new(&self.config, &self.theme).statics(
            &guides,
            site::Published {
                assets: &self.assets,
                images: &self.images,
                variants: false,
                image_cache: None,
                content_root: &self.root.join("content"),
            },
        )
    }

    /// Keeps each guide's inspection, then runs the rules that compare guides.
    fn record(&mut self, inspections: Vec<(String, Inspection)>) {
        for (file, inspection) in inspections {
            let Some(inspected) = self.guides.get_mut(&file) else {
                continue;
            };
            let old = std::mem::replace(&mut inspected.inspection, inspection);
            self.forget_dependencies(&file, &old);
            if let Some(dependents) = &mut self.dependents {
                for path in &self.guides[&file].inspection.depends_on {
                    let files = dependents.entry(path.clone()).or_default();
                    files.insert(file.clone());
                }
            }
        }
        let pages: Vec<(&Guide, &GuideSummary)> = self
            .guides
            .values()
            .map(|i| (&i.guide, &i.inspection.summary))
            .collect();
        self.site_diagnostics = validate::site_diagnostics(&pages);
    }

    /// Every diagnostic, with `extra` (what `check` found on the network),
    /// at the severities `lints:` gives, `allow`ed ones dropped, sorted: the
    /// one place severities are applied.
    pub fn diagnostics_with(&self, extra: Vec<Diagnostic>) -> Vec<Diagnostic> {
        let mut diagnostics: Vec<Diagnostic> = self
            .found()
            .cloned()
            .chain(extra)
            .filter_map(|mut d| {
                d.severity = self.config.severity(d.code);
                (d.severity != Severity::Allow).then_some(d)
            })
            .collect();
        validate::sort(&mut diagnostics);
        diagnostics
    }

    /// Every diagnostic (see [`Pipeline::diagnostics_with`]).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.diagnostics_with(Vec::new())
    }

    fn has_errors(&self) -> bool {
        self.found()
            .any(|d| self.config.severity(d.code) == Severity::Error)
    }

    /// What every stage found, at default severities.
    fn found(&self) -> impl Iterator<Item = &Diagnostic> {
        let guides = self.guides.values().flat_map(|i| &i.inspection.diagnostics);
        self.refused
            .values()
            .chain(guides)
            .chain(&self.site_diagnostics)
    }
}

/// Every per-guide rule over one guide's facts, and what the site rules and
/// `serve` keep of them.
fn inspect(config: &SiteConfig, guide: &Guide, facts: &Facts, links: &SiteLinks) -> Inspection {
    let site = SiteFacts { links };
    Inspection {
        diagnostics: validate::guide_diagnostics(config, guide, facts, &site),
        summary: GuideSummary::new(facts, links),
        depends_on: BTreeSet::new(),
    }
}

/// The paths under `content/` a guide's links name.
fn dependencies(facts: &Facts) -> BTreeSet<String> {
    let named = facts.links.iter().map(|l| render::content_path(&l.dest));
    named.flatten().collect()
}
