//! The site as `serve` holds it: a [`Pipeline`] over the sources (what
//! `check` sees) and, in memory, the last good output of every guide. A
//! change re-reads only the files it names and re-renders only the guides
//! it affects; listings (index, manifest, sitemap) are rendered lazily,
//! when next requested. A guide whose front matter stops parsing keeps its
//! last good pages, served as stale.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::pipeline::changes::{Applied, Change};
use crate::pipeline::{Pipeline, Settings};
use crate::site::manifest::Entry;
use crate::site::{self, GuideOutput, OutputFile};

/// Bytes of one served file, shared with in-flight responses.
pub type Bytes = Arc<[u8]>;

/// Served files by path. Shared keys make a copy cheap: one is taken
/// before every rebuild, to put back if it panics.
type Files = HashMap<Arc<str>, Bytes>;

/// A guide's last good output.
struct GuidePages {
    source: String,
    entry: Entry,
    embed: Bytes,
    page: Bytes,
}

/// A served file, and whether it is a guide's last good page of before its
/// file stopped parsing.
pub struct Served {
    pub bytes: Bytes,
    /// The guide file whose error made this page stale.
    pub stale_because: Option<String>,
}

/// The served site.
pub struct Workspace {
    root: PathBuf,
    /// `None` until the site loads, and after a crash or a failed change, so
    /// that the next change loads everything again.
    pipeline: Option<Pipeline>,
    /// By guide file: its last good pages.
    pages: BTreeMap<String, Arc<GuidePages>>,
    /// Guide files whose last render failed: their pages of before are
    /// served as stale, and the listings leave them out rather than pair
    /// their current front matter with an older manifest entry.
    failed: BTreeSet<String>,
    /// Theme statics and assets, by path.
    statics: Files,
    /// Index, 404, sitemap, schema and manifest, once rendered.
    listings: Option<Files>,
    /// What stops the whole site from building (config, theme, templates,
    /// I/O, a crash).
    pub problem: Option<String>,
}

impl Workspace {
    /// Loads and renders the whole site.
    pub fn load(root: &Path) -> Workspace {
        let mut workspace = Workspace {
            root: root.to_path_buf(),
            pipeline: None,
            pages: BTreeMap::new(),
            failed: BTreeSet::new(),
            statics: Files::new(),
            listings: None,
            problem: None,
        };
        // A panic leaves an empty site with the crash as its problem.
        let _ = workspace.guarded(Workspace::reload);
        workspace
    }

    /// Runs `rebuild` on the workspace and catches a panic in it (a guidesite
    /// bug) instead of letting it take the server down: the pages served
    /// before it are put back, so the last good site stays served, and the
    /// pipeline, which the panic may have left half updated, is dropped, so
    /// that the next change reloads everything from scratch. `Err` holds the
    /// panic's message, which becomes the workspace's problem.
    pub fn guarded<R>(&mut self, rebuild: impl FnOnce(&mut Workspace) -> R) -> Result<R, String> {
        let last_good = (
            self.pages.clone(),
            self.failed.clone(),
            self.statics.clone(),
            self.listings.clone(),
        );
        // Unwind safety: whatever the panic left half done is replaced or dropped below.
        match catch_unwind(AssertUnwindSafe(|| rebuild(self))) {
            Ok(result) => Ok(result),
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                (self.pages, self.failed, self.statics, self.listings) = last_good;
                self.pipeline = None;
                self.problem = Some(crash_problem("rebuilding the site", &message));
                Err(message)
            }
        }
    }

    /// What `check --offline` reports for the files on disk, as far as the
    /// site loaded.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.pipeline
            .as_ref()
            .map(Pipeline::diagnostics)
            .unwrap_or_default()
    }

    /// The URL that opens `d`'s file at its line in the author's editor
    /// (`editor:` in `site.yaml`); `None` while the site is not loaded.
    pub fn editor_url(&self, d: &Diagnostic) -> Option<String> {
        let editor = &self.pipeline.as_ref()?.config().editor;
        Some(editor.url(&self.root.join(&d.file), d.line, d.column))
    }

    /// A served file by its path under the site root (`tiktok/index.html`).
    /// Whether the portal fetches `path` (the manifest, an embed, the
    /// stylesheet), which `--cors` lets another origin read.
    pub fn portal_fetches(&self, path: &str) -> bool {
        let stylesheet = self.pipeline.as_ref().map(Pipeline::stylesheet_path);
        stylesheet.is_some_and(|css| crate::site::headers::portal_fetches(path, css))
    }

    pub fn file(&mut self, path: &str) -> Option<Served> {
        if site::is_listing(path) {
            if self.listings.is_none() {
                self.render_listings();
            }
            return self.listings.as_ref()?.get(path).map(fresh);
        }
        if let Some(served) = self.guide_page(path) {
            return Some(served);
        }
        if let Some(file) = self.statics.get(path) {
            return Some(fresh(file));
        }
        self.variant(path)
    }

    /// An image variant, made when a page first asks for it (a save never
    /// waits for one), then kept with the statics. One that cannot be made
    /// is not found: its original is unreadable, which `check` reports.
    fn variant(&mut self, path: &str) -> Option<Served> {
        let bytes = Bytes::from(self.pipeline.as_ref()?.variant(path)?.ok()?);
        self.statics.insert(Arc::from(path), bytes.clone());
        Some(fresh(&bytes))
    }

    /// A guide's page or embed: the current owner's of its source, else
    /// the stale one of a guide whose file stopped parsing.
    fn guide_page(&self, path: &str) -> Option<Served> {
        let (source, embed) = match path.strip_prefix("embed/") {
            Some(rest) => (rest.strip_suffix(".html")?, true),
            None => (path.strip_suffix("/index.html")?, false),
        };
        let pick =
            |pages: &GuidePages| Bytes::clone(if embed { &pages.embed } else { &pages.page });
        let pipeline = self.pipeline.as_ref();
        if let Some(file) = pipeline.and_then(|p| p.page_owner(source)) {
            let pages = self.pages.get(file)?;
            return Some(Served {
                bytes: pick(pages),
                stale_because: self.failed.contains(file).then(|| file.to_string()),
            });
        }
        let (file, pages) = self.pages.iter().find(|(file, pages)| {
            pages.source == source && pipeline.is_none_or(|p| p.is_refused(file))
        })?;
        Some(Served {
            bytes: pick(pages),
            stale_because: Some(file.clone()),
        })
    }

    /// Applies a batch of changes; returns the guide files whose pages changed.
    pub fn apply(&mut self, changes: &BTreeSet<Change>) -> Vec<String> {
        let Some(pipeline) = self
            .pipeline
            .as_mut()
            .filter(|_| !changes.iter().any(Change::needs_reload))
        else {
            self.reload();
            return Vec::new();
        };
        let applied = match pipeline.apply(changes) {
            Ok(applied) => applied,
            Err(e) => {
                // Load again from scratch once the next change comes.
                self.pipeline = None;
                self.problem = Some(e.to_string());
                return Vec::new();
            }
        };
        self.problem = None;
        self.listings = None;
        let Applied {
            render,
            gone,
            assets_written,
            assets_removed,
        } = applied;
        for file in &gone {
            self.failed.remove(file);
            if !keeps_pages(pipeline, file) {
                self.pages.remove(file);
            }
        }
        for asset in &assets_removed {
            self.statics.remove(asset.as_str());
        }
        for asset in assets_written {
            match std::fs::read(self.root.join("content").join(&asset)) {
                Ok(bytes) => self
                    .statics
                    .insert(Arc::from(asset.as_str()), Bytes::from(bytes)),
                Err(_) => self.statics.remove(asset.as_str()),
            };
        }
        let outputs = pipeline.render(&render);
        self.keep(outputs);
        render.into_iter().chain(gone).collect()
    }

    /// Keeps the pages of each guide that rendered; a template that fails
    /// is the site's problem, as it stops `build`.
    fn keep(&mut self, outputs: Vec<(String, Result<GuideOutput, site::SiteError>)>) {
        for (file, output) in outputs {
            match output {
                Ok(GuideOutput {
                    entry,
                    files: [(_, embed), (_, page)],
                }) => {
                    let guide = self.pipeline.as_ref().and_then(|p| p.guide(&file));
                    let source = guide.map(|g| g.source().to_string()).unwrap_or_default();
                    // Front matter with mistakes is read as far as it goes
                    // (so its body is checked), but the page from it is no
                    // page build would write: the last good one stays,
                    // marked stale, and the first one is shown until then.
                    let front_broken = guide.is_some_and(|g| !g.front_problems.is_empty());
                    if front_broken {
                        self.failed.insert(file.clone());
                        if self.pages.contains_key(&file) {
                            continue;
                        }
                    }
                    let pages = GuidePages {
                        source,
                        entry,
                        embed: Bytes::from(embed),
                        page: Bytes::from(page),
                    };
                    if !front_broken {
                        self.failed.remove(&file);
                    }
                    self.pages.insert(file, Arc::new(pages));
                }
                Err(e) => {
                    self.problem = Some(format!("cannot render {file}: {e}"));
                    self.failed.insert(file);
                }
            }
        }
    }

    /// Loads everything again; on failure keeps serving the last good site.
    fn reload(&mut self) {
        let settings = Settings {
            // Pages are served from the server's root, whatever the site's base_url.
            base_url: Some("/".to_string()),
            // An author previews drafts too.
            drafts: true,
            make_variants: false,
        };
        let loaded = Pipeline::load(&self.root, &settings).and_then(|mut pipeline| {
            let statics = pipeline.statics().map_err(crate::error::Error::Site)?;
            let all: BTreeSet<String> = pipeline.guides().map(|g| g.file.clone()).collect();
            let outputs = pipeline.render(&all);
            Ok((pipeline, statics, outputs))
        });
        match loaded {
            Ok((pipeline, statics, outputs)) => {
                self.pages.retain(|file, _| keeps_pages(&pipeline, file));
                self.pipeline = Some(pipeline);
                self.statics = statics.into_iter().map(served_file).collect();
                self.failed.clear();
                self.listings = None;
                self.problem = None;
                self.keep(outputs);
            }
            Err(e) => {
                // The last good pages stay served, but nothing of the old
                // sources may stand in for the new ones: the next change
                // loads everything again.
                self.pipeline = None;
                self.problem = Some(e.to_string());
            }
        }
    }

    /// Renders the listings and the manifest; runs while a page is being
    /// answered, so a panic in it is caught too.
    fn render_listings(&mut self) {
        let Some(pipeline) = &self.pipeline else {
            return;
        };
        let (pages, failed) = (&self.pages, &self.failed);
        let entry_of = |file: &str| {
            let listed = !failed.contains(file);
            pages.get(file).filter(|_| listed).map(|p| &p.entry)
        };
        // Unwind safety: rendering listings only reads; nothing is half done if it panics.
        match catch_unwind(AssertUnwindSafe(|| pipeline.listings(entry_of))) {
            Ok(Ok(files)) => self.listings = Some(files.into_iter().map(served_file).collect()),
            Ok(Err(e)) => self.problem = Some(e.to_string()),
            Err(payload) => {
                let problem =
                    crash_problem("rendering the listings", &panic_message(payload.as_ref()));
                eprintln!("error: {problem} (still serving the last good site)");
                self.problem = Some(problem);
            }
        }
    }
}

/// Whether the last good pages of `file` stay: it is a guide still, or
/// refused (they are then served as stale); a file gone or no longer a
/// guide loses them.
fn keeps_pages(pipeline: &Pipeline, file: &str) -> bool {
    pipeline.guide(file).is_some() || pipeline.is_refused(file)
}

fn fresh(bytes: &Bytes) -> Served {
    Served {
        bytes: Bytes::clone(bytes),
        stale_because: None,
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
fn served_file((path, bytes): OutputFile) -> (Arc<str>, Bytes) {
    (Arc::from(path), Bytes::from(bytes))
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
        String::from_utf8_lossy(&bytes.bytes).into_owned()
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
            workspace.pages.clear();
            workspace.statics.clear();
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
