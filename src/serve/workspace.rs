//! The site as `serve` holds it: sources, renderings and output files in
//! memory, updated change by change. Only what a change affects is redone:
//! the changed guides and the guides that link to them; listings (index,
//! manifest, sitemap) are rebuilt lazily, when next requested.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
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
use crate::site_root;
use crate::validate::{self, GuideSummary, SiteFacts};

/// Bytes of one served file, shared with in-flight responses.
pub type Bytes = Arc<[u8]>;

/// The served files by path. Shared keys make a copy cheap: one is taken
/// before every rebuild, to put back if it panics.
type Files = HashMap<Arc<str>, Bytes>;

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
    files: Files,
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
        // A panic leaves an empty site with the crash as its problem.
        let _ = workspace.guarded(Workspace::reload);
        workspace
    }

    /// Runs `rebuild` on the workspace and catches a panic in it (a guidesite
    /// bug) instead of letting it take the server down: the files served
    /// before it are put back, so the last good site stays served, and the
    /// sources, which the panic may have left half updated, are dropped, so
    /// that the next change reloads everything from scratch (the listings are
    /// served as last rendered, if they were). `Err` holds the
    /// panic's message, which becomes the workspace's problem.
    pub fn guarded<R>(&mut self, rebuild: impl FnOnce(&mut Workspace) -> R) -> Result<R, String> {
        let last_good = self.files.clone();
        // Unwind safety: whatever the panic left half done is replaced or dropped below.
        match catch_unwind(AssertUnwindSafe(|| rebuild(self))) {
            Ok(result) => Ok(result),
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                self.files = last_good;
                self.sources = None;
                self.problem = Some(crash_problem("rebuilding the site", &message));
                Err(message)
            }
        }
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
                self.files.remove(path.as_str());
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
                let mut files = Files::new();
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

    /// Renders the listings and the manifest; runs while a page is being
    /// answered, so a panic in it is caught too.
    fn render_listings(&mut self) {
        let Some(s) = &self.sources else { return };
        // Unwind safety: `listings` only reads; nothing is half done if it panics.
        match catch_unwind(AssertUnwindSafe(|| listings(s))) {
            Ok(Ok(files)) => {
                self.files.extend(files);
                self.listings_stale = false;
            }
            Ok(Err(message)) => self.problem = Some(message),
            Err(payload) => {
                let problem =
                    crash_problem("rendering the listings", &panic_message(payload.as_ref()));
                eprintln!("error: {problem} (still serving the last good site)");
                self.problem = Some(problem);
                // Serve the listings of before rather than panic at every request.
                self.listings_stale = false;
            }
        }
    }
}

/// What a panic said (`panic!` carries a `&str` or a `String`).
fn panic_message(payload: &(dyn Any + Send)) -> String {
    match (
        payload.downcast_ref::<&str>(),
        payload.downcast_ref::<String>(),
    ) {
        (Some(text), _) => (*text).to_string(),
        (None, Some(text)) => text.clone(),
        (None, None) => "a panic without a message".to_string(),
    }
}

/// The problem shown while a crash's effects last.
fn crash_problem(during: &str, message: &str) -> String {
    format!(
        "guidesite crashed while {during}: {message}. This is a bug in guidesite, \
         please report it; the next save rebuilds the site from scratch"
    )
}

/// An output file as served.
fn served_file((path, bytes): (String, Vec<u8>)) -> (Arc<str>, Bytes) {
    (Arc::from(path), Bytes::from(bytes))
}

/// The index, the other listings and the manifest, for the guides whose pages rendered.
fn listings(s: &Sources) -> Result<Vec<(Arc<str>, Bytes)>, String> {
    let mut listed: Vec<(&Guide, &Entry)> = s
        .entries
        .iter()
        .filter_map(|(file, entry)| Some((s.guides.get(file)?, entry)))
        .collect();
    listed.sort_by(|a, b| index_order(a.0, b.0));
    let (guides, entries): (Vec<&Guide>, Vec<&Entry>) = listed.into_iter().unzip();
    let renderer = SiteRenderer::new(&s.config, &s.theme);
    let files = renderer.listings(&guides).map_err(|e| e.to_string())?;
    let json = write_manifest(&renderer, &entries).map_err(|e| e.to_string())?;
    Ok(files
        .into_iter()
        .chain([(site::MANIFEST.to_string(), json)])
        .map(served_file)
        .collect())
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

fn sources_statics(sources: &Sources, root: &Path) -> Result<Vec<(Arc<str>, Bytes)>, String> {
    let content = content::Content {
        guides: sources.guides.values().cloned().collect(),
        assets: sources.assets.clone(),
        diagnostics: Vec::new(),
    };
    let files = SiteRenderer::new(&sources.config, &sources.theme)
        .statics(&content, &root.join("content"))
        .map_err(|e| e.to_string())?;
    Ok(files.into_iter().map(served_file).collect())
}

/// Re-reads one guide file; true when the site changed because of it.
fn update_guide(sources: &mut Sources, root: &Path, path: &Path, file: &str) -> bool {
    if !path.exists() {
        sources.broken.remove(file);
        return sources.guides.remove(file).is_some();
    }
    if leads_outside(root, path) {
        let diagnostic = content::outside_root(root, path, &sources.config);
        sources.broken.insert(file.to_string(), diagnostic);
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
            let diagnostic = content::whole_file(
                Code::FrontmatterInvalid,
                file.to_string(),
                e.to_string(),
                &sources.config,
            );
            sources.broken.insert(file.to_string(), diagnostic);
            false
        }
    }
}

fn update_asset(sources: &mut Sources, files: &mut Files, root: &Path, path: &Path) {
    let asset = content::relative_slash_path(&root.join("content"), path);
    let file = content::relative_slash_path(root, path);
    sources.broken.remove(&file);
    if leads_outside(root, path) {
        let diagnostic = content::outside_root(root, path, &sources.config);
        sources.broken.insert(file, diagnostic);
        sources.assets.remove(&asset);
        files.remove(asset.as_str());
        return;
    }
    match std::fs::read(path) {
        Ok(bytes) => {
            sources.assets.insert(asset.clone());
            files.insert(Arc::from(asset.as_str()), Bytes::from(bytes));
        }
        Err(_) => {
            sources.assets.remove(&asset);
            files.remove(asset.as_str());
        }
    }
}

/// Whether an existing file resolves outside the site root (a link to
/// `/etc/passwd` saved while serving): it is never read nor served.
fn leads_outside(root: &Path, path: &Path) -> bool {
    path.exists() && !site_root::resolves_inside(root, path)
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
fn refresh(sources: &mut Sources, served: &mut Files, files: &BTreeSet<String>) {
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
                    served.remove(path.as_str());
                }
                outputs.insert(file.clone(), files.iter().map(|(p, _)| p.clone()).collect());
                served.extend(files.into_iter().map(served_file));
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A site on disk with one guide, `acme`, whose title is `title`.
    pub(in crate::serve) fn site(title: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write_guide(dir.path(), title);
        dir
    }

    fn write_guide(root: &Path, title: &str) {
        std::fs::create_dir_all(root.join("content")).unwrap();
        let text = crate::scaffold::guide_text("acme", "Acme").replace("Acme API", title);
        assert!(
            text.contains(title),
            "the scaffold names the platform in its title"
        );
        std::fs::write(root.join("content/acme.md"), text).unwrap();
    }

    fn page(workspace: &mut Workspace, path: &str) -> String {
        let bytes = workspace
            .file(path)
            .unwrap_or_else(|| panic!("{path} served"));
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn a_rebuild_that_panics_leaves_the_last_good_site_and_the_next_one_recovers() {
        let dir = site("Acme first title");
        let mut workspace = Workspace::load(dir.path());
        assert_eq!(workspace.problem, None);
        assert!(page(&mut workspace, "acme/index.html").contains("Acme first title"));
        assert!(page(&mut workspace, "index.html").contains("Acme first title"));

        // A panic halfway: the served files and the sources already changed.
        write_guide(dir.path(), "Acme second title");
        let crash = workspace.guarded(|workspace| {
            workspace.files.clear();
            workspace.apply(&BTreeSet::from([Change::Guide(
                dir.path().join("content/acme.md"),
            )]));
            panic!("index out of <range>")
        });
        assert_eq!(crash, Err("index out of <range>".to_string()));
        assert!(
            page(&mut workspace, "acme/index.html").contains("Acme first title"),
            "the last good page is served"
        );
        assert!(page(&mut workspace, "index.html").contains("Acme first title"));
        let problem = workspace.problem.clone().unwrap();
        assert!(
            problem.contains("index out of <range>") && problem.contains("bug in guidesite"),
            "{problem}"
        );

        // The next save rebuilds from scratch, whatever it changed.
        write_guide(dir.path(), "Acme third title");
        let other_file = Change::Asset(dir.path().join("content/acme/shot.png"));
        let changed = workspace.guarded(|workspace| workspace.apply(&BTreeSet::from([other_file])));
        assert!(changed.is_ok());
        assert_eq!(workspace.problem, None);
        assert!(page(&mut workspace, "acme/index.html").contains("Acme third title"));
        assert!(page(&mut workspace, "index.html").contains("Acme third title"));
    }

    #[test]
    fn a_panic_with_any_payload_is_reported() {
        let mut workspace = Workspace::load(site("Acme").path());
        let crash = workspace.guarded(|_| std::panic::panic_any(42));
        assert_eq!(crash, Err("a panic without a message".to_string()));
        let crash = workspace.guarded(|_| panic!("{} apples", 3));
        assert_eq!(crash, Err("3 apples".to_string()));
    }
}
