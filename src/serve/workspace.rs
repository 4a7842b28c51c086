//! The site as `serve` holds it: sources, renderings and output files in
//! memory, updated change by change. Only what a change affects is redone:
//! the changed guides and the guides that link to them; listings (index,
//! manifest, sitemap) are rebuilt lazily, when next requested.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::watch::Change;
use crate::config::SiteConfig;
use crate::content::{self, Guide, Parsed};
use crate::diag::{Code, Diagnostic, Finding, LineIndex, Severity};
use crate::render::{self, MarkdownRenderer, Rendered, SiteLinks};
use crate::site::manifest::Entry;
use crate::site::{self, GuideOutput, Page, SiteRenderer, Theme, index_order};
use crate::validate::{self, GuideSummary, SiteFacts};

/// Bytes of one served file, shared with in-flight responses.
pub type Bytes = Arc<[u8]>;

/// Everything loaded from a site that parsed.
struct Sources {
    config: SiteConfig,
    theme: Theme,
    markdown: MarkdownRenderer,
    /// By file (`content/x.md`): the last version whose front matter parsed.
    guides: BTreeMap<String, Guide>,
    rendered: BTreeMap<String, Rendered>,
    /// Files whose current version does not parse, with why.
    broken: BTreeMap<String, Diagnostic>,
    diagnostics: BTreeMap<String, Vec<Diagnostic>>,
    /// Serialised manifest entries.
    entries: BTreeMap<String, Entry>,
    /// Output paths each guide file produced, to remove them when it goes.
    outputs: BTreeMap<String, Vec<String>>,
    assets: BTreeSet<String>,
    site_diagnostics: Vec<Diagnostic>,
    /// What the site rules need of each guide (its ids, its links into others).
    summaries: BTreeMap<String, GuideSummary>,
    /// Guide stem → the files whose links name it: who re-renders when it changes.
    linked_from: HashMap<String, BTreeSet<String>>,
}

/// The served site.
pub struct Workspace {
    root: PathBuf,
    sources: Option<Sources>,
    files: HashMap<String, Bytes>,
    listings_stale: bool,
    /// What stops the whole site from building (config, theme, I/O).
    pub problem: Option<String>,
}

impl Workspace {
    /// Loads and renders the whole site.
    pub fn load(root: &Path) -> Workspace {
        let mut workspace = Workspace {
            root: root.to_path_buf(),
            sources: None,
            files: HashMap::new(),
            listings_stale: true,
            problem: None,
        };
        workspace.reload();
        workspace
    }

    /// The current diagnostics of every guide, sorted.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let Some(s) = &self.sources else {
            return Vec::new();
        };
        let mut all: Vec<Diagnostic> = s
            .diagnostics
            .values()
            .flatten()
            .chain(s.broken.values())
            .chain(&s.site_diagnostics)
            .cloned()
            .collect();
        validate::sort(&mut all);
        all
    }

    /// A served file by its path under the site root (`tiktok/index.html`).
    pub fn file(&mut self, path: &str) -> Option<Bytes> {
        if self.listings_stale && site::is_listing(path) {
            self.render_listings();
        }
        self.files.get(path).cloned()
    }

    /// Applies a batch of changes; returns the guide files whose pages changed.
    pub fn apply(&mut self, changes: &BTreeSet<Change>) -> Vec<String> {
        if changes
            .iter()
            .any(|c| matches!(c, Change::Config | Change::Theme))
            || self.sources.is_none()
        {
            self.reload();
            return Vec::new();
        }
        let root = self.root.clone();
        let sources = self.sources.as_mut().expect("checked above");
        let mut changed = BTreeSet::new();
        for change in changes {
            match change {
                Change::Guide(path) => {
                    let file = content::relative_slash_path(&root, path);
                    if update_guide(sources, &root, path, &file) {
                        changed.insert(file);
                    }
                }
                Change::Asset(path) => update_asset(sources, &mut self.files, &root, path),
                Change::Config | Change::Theme => unreachable!("handled by reload"),
            }
        }
        // Removed guides' pages go now; their dependents re-render below.
        let removed: Vec<String> = changed
            .iter()
            .filter(|f| !sources.guides.contains_key(*f))
            .cloned()
            .collect();
        for file in &removed {
            for path in sources.outputs.remove(file).unwrap_or_default() {
                self.files.remove(&path);
            }
            sources.entries.remove(file);
            sources.diagnostics.remove(file);
            sources.summaries.remove(file);
            for stem in sources
                .rendered
                .remove(file)
                .as_ref()
                .map(linked_stems)
                .unwrap_or_default()
            {
                if let Some(files) = sources.linked_from.get_mut(&stem) {
                    files.remove(file);
                }
            }
        }
        let affected = with_dependents(sources, &changed);
        refresh(sources, &mut self.files, &affected);
        self.listings_stale = true;
        self.problem = None;
        affected.into_iter().collect()
    }

    /// Reloads everything; on failure keeps serving the last good site.
    fn reload(&mut self) {
        match load_sources(&self.root) {
            Ok(mut sources) => {
                let all: BTreeSet<String> = sources.guides.keys().cloned().collect();
                let mut files = HashMap::new();
                match sources_statics(&sources, &self.root) {
                    Ok(statics) => files.extend(statics),
                    Err(message) => {
                        self.problem = Some(message);
                        return;
                    }
                }
                refresh(&mut sources, &mut files, &all);
                self.files = files;
                self.sources = Some(sources);
                self.listings_stale = true;
                self.problem = None;
            }
            Err(message) => self.problem = Some(message),
        }
    }

    fn render_listings(&mut self) {
        let Some(s) = &self.sources else { return };
        let mut listed: Vec<(&Guide, &Entry)> = s
            .entries
            .iter()
            .filter_map(|(file, entry)| Some((s.guides.get(file)?, entry)))
            .collect();
        listed.sort_by(|a, b| index_order(a.0, b.0));
        let (guides, entries): (Vec<&Guide>, Vec<&Entry>) = listed.into_iter().unzip();
        let renderer = SiteRenderer::new(&s.config, &s.theme);
        match renderer.listings(&guides) {
            Ok(files) => {
                let json =
                    write_manifest(&renderer, &entries).expect("writing to memory never fails");
                self.files.insert(site::MANIFEST.into(), Bytes::from(json));
                self.files
                    .extend(files.into_iter().map(|(p, b)| (p, Bytes::from(b))));
                self.listings_stale = false;
            }
            Err(e) => self.problem = Some(e.to_string()),
        }
    }
}

fn write_manifest(renderer: &SiteRenderer, entries: &[&Entry]) -> std::io::Result<Vec<u8>> {
    let mut manifest = renderer.manifest(Vec::new())?;
    for entry in entries {
        manifest.push(entry)?;
    }
    manifest.finish()
}

fn load_sources(root: &Path) -> Result<Sources, String> {
    if !root.is_dir() {
        return Err(format!("site root {} is not a folder", root.display()));
    }
    // Pages are served from the server's root, whatever the site's base_url.
    let config = SiteConfig::load(root)
        .map_err(|e| e.to_string())?
        .with_base_url(Some("/"));
    let theme = Theme::load(root, &config.theme).map_err(|e| e.to_string())?;
    let content = content::load(root, &config).map_err(|e| e.to_string())?;
    let sources = Sources {
        config,
        theme,
        markdown: MarkdownRenderer::default(),
        guides: content
            .guides
            .into_iter()
            .map(|g| (g.file.clone(), g))
            .collect(),
        rendered: BTreeMap::new(),
        broken: content
            .diagnostics
            .into_iter()
            .map(|d| (d.file.clone(), d))
            .collect(),
        diagnostics: BTreeMap::new(),
        entries: BTreeMap::new(),
        outputs: BTreeMap::new(),
        assets: content.assets,
        site_diagnostics: Vec::new(),
        summaries: BTreeMap::new(),
        linked_from: HashMap::new(),
    };
    Ok(sources)
}

fn sources_statics(sources: &Sources, root: &Path) -> Result<Vec<(String, Bytes)>, String> {
    let content = content::Content {
        guides: sources.guides.values().cloned().collect(),
        assets: sources.assets.clone(),
        diagnostics: Vec::new(),
    };
    let files = SiteRenderer::new(&sources.config, &sources.theme)
        .statics(&content, &root.join("content"))
        .map_err(|e| e.to_string())?;
    Ok(files
        .into_iter()
        .map(|(p, b)| (p, Bytes::from(b)))
        .collect())
}

/// Re-reads one guide file; true when the site changed because of it.
fn update_guide(sources: &mut Sources, root: &Path, path: &Path, file: &str) -> bool {
    if !path.exists() {
        sources.broken.remove(file);
        return sources.guides.remove(file).is_some();
    }
    match content::read_guide(root, path, &sources.config) {
        Ok(Parsed::Guide(guide)) => {
            sources.broken.remove(file);
            sources.guides.insert(file.to_string(), *guide);
            true
        }
        Ok(Parsed::Invalid(diagnostic)) => {
            // Keep serving the last good version of the guide.
            sources.broken.insert(file.to_string(), diagnostic);
            false
        }
        Err(e) => {
            let finding = Finding::new(Code::FrontmatterInvalid, 0..0, e.to_string());
            let severity = sources.config.severity(finding.code);
            let diagnostic = Diagnostic::locate(finding, severity, file, "", &LineIndex::new(""));
            sources.broken.insert(file.to_string(), diagnostic);
            false
        }
    }
}

fn update_asset(
    sources: &mut Sources,
    files: &mut HashMap<String, Bytes>,
    root: &Path,
    path: &Path,
) {
    let asset = content::relative_slash_path(&root.join("content"), path);
    match std::fs::read(path) {
        Ok(bytes) => {
            sources.assets.insert(asset.clone());
            files.insert(asset, Bytes::from(bytes));
        }
        Err(_) => {
            sources.assets.remove(&asset);
            files.remove(&asset);
        }
    }
}

/// `changed` plus the guides whose links name a changed guide's file.
fn with_dependents(sources: &Sources, changed: &BTreeSet<String>) -> BTreeSet<String> {
    let mut affected: BTreeSet<String> = changed
        .iter()
        .filter(|f| sources.guides.contains_key(*f))
        .cloned()
        .collect();
    for stem in changed.iter().filter_map(|f| stem_of(f)) {
        affected.extend(sources.linked_from.get(stem).into_iter().flatten().cloned());
    }
    affected.retain(|f| sources.guides.contains_key(f));
    affected
}

/// `meta` for `content/meta.md`.
fn stem_of(file: &str) -> Option<&str> {
    file.strip_prefix("content/")?.strip_suffix(".md")
}

/// The guide stems a rendering links to.
fn linked_stems(rendered: &Rendered) -> BTreeSet<String> {
    rendered
        .facts
        .links
        .iter()
        .filter_map(|l| render::guide_stem(&l.dest))
        .collect()
}

/// Re-renders and re-validates `files` (in parallel) and replaces their output.
fn refresh(sources: &mut Sources, served: &mut HashMap<String, Bytes>, files: &BTreeSet<String>) {
    let Sources {
        config,
        theme,
        markdown,
        guides,
        rendered,
        diagnostics,
        entries,
        outputs,
        assets,
        site_diagnostics,
        summaries,
        linked_from,
        ..
    } = sources;
    let links = SiteLinks::new(&config.base_url, guides.values(), assets);
    let fresh: Vec<(String, Rendered)> = files
        .par_iter()
        .filter_map(|file| {
            Some((
                file.clone(),
                render::render(guides.get(file)?, markdown, &links),
            ))
        })
        .collect();
    for (file, new) in fresh {
        let old = rendered.get(&file).map(linked_stems).unwrap_or_default();
        for stem in &old {
            if let Some(set) = linked_from.get_mut(stem) {
                set.remove(&file);
            }
        }
        for stem in linked_stems(&new) {
            linked_from.entry(stem).or_default().insert(file.clone());
        }
        rendered.insert(file, new);
    }
    for file in files {
        if let Some(rendered) = rendered.get(file) {
            summaries.insert(file.clone(), GuideSummary::new(&rendered.facts, &links));
        }
    }
    let pages: Vec<_> = guides
        .iter()
        .filter_map(|(file, guide)| Some((guide, summaries.get(file)?)))
        .collect();
    *site_diagnostics = validate::site_diagnostics(config, &pages);

    let rendered = &*rendered;
    let site = SiteFacts { links: &links };
    let renderer = SiteRenderer::new(config, theme);
    let results: Vec<_> = files
        .par_iter()
        .filter_map(|file| {
            let guide = guides.get(file)?;
            let rendered = rendered.get(file)?;
            let diagnostics = validate::guide_diagnostics(config, guide, &rendered.facts, &site);
            Some((
                file.clone(),
                diagnostics,
                renderer.guide(&Page { guide, rendered }),
            ))
        })
        .collect();
    for (file, found, output) in results {
        diagnostics.insert(file.clone(), found);
        match output {
            Ok(GuideOutput { entry, files }) => {
                for path in outputs.remove(&file).unwrap_or_default() {
                    served.remove(&path);
                }
                outputs.insert(file.clone(), files.iter().map(|(p, _)| p.clone()).collect());
                served.extend(files.into_iter().map(|(p, b)| (p, Bytes::from(b))));
                entries.insert(file, entry);
            }
            Err(e) => {
                // Its last good pages stay served; the listings and the
                // manifest, built from the current front matter, leave it out
                // rather than pair that with an entry of an older version.
                entries.remove(&file);
                let finding = Finding::new(
                    Code::FrontmatterInvalid,
                    0..0,
                    format!("cannot render: {e}"),
                );
                let d =
                    Diagnostic::locate(finding, Severity::Error, &file, "", &LineIndex::new(""));
                diagnostics.entry(file).or_default().push(d);
            }
        }
    }
}
