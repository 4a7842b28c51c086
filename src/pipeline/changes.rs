//! Changes to a site's sources, and what they do to a loaded [`Pipeline`]:
//! only the files named are read again, and only the guides they affect are
//! rendered again.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::Pipeline;
use crate::content::{self, Parsed, relative_slash_path};
use crate::diag::Code;
use crate::error::Error;
use crate::images;
use crate::site_root;

/// One change to the site's sources.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// `site.yaml`, or `content/` itself: everything may change.
    Config,
    /// A file under `themes/`: every page may change.
    Theme,
    /// `content/<name>.md`, added, edited or removed.
    Guide(PathBuf),
    /// A file or folder under `content/<dir>/`.
    Asset(PathBuf),
}

impl Change {
    /// Whether only a pipeline loaded anew reflects this change.
    pub fn needs_reload(&self) -> bool {
        matches!(self, Change::Config | Change::Theme)
    }
}

/// What a batch of changes did to the site.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Guide files to render again: the changed ones, and those whose links
    /// name a changed path (their links or their `link/broken` may change).
    pub render: BTreeSet<String>,
    /// Guide files no longer in the site: deleted, refused, or now a draft.
    pub gone: BTreeSet<String>,
    /// Assets (paths under `content/`) added or written, and removed.
    pub assets_written: BTreeSet<String>,
    pub assets_removed: BTreeSet<String>,
}

impl Pipeline {
    /// Reads again the files `changes` name (none may need a reload, see
    /// [`Change::needs_reload`]) and says what to render again; the site
    /// rules run when [`Pipeline::render`] does. An error (a guide that is
    /// not UTF-8, an unreadable folder) is what `check` would stop at.
    pub fn apply(&mut self, changes: &BTreeSet<Change>) -> Result<Applied, Error> {
        self.index_dependents();
        let mut applied = Applied::default();
        // A guide added, removed, renamed or reordered changes its
        // neighbours' previous/next links, before and after the change.
        let guide_files: BTreeSet<String> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Guide(path) => Some(relative_slash_path(&self.root, path)),
                _ => None,
            })
            .collect();
        let listed_before: Vec<_> = guide_files.iter().map(|f| self.listed_as(f)).collect();
        let neighbours_before = self.neighbour_files(&guide_files);
        // Paths under `content/` that changed: what dependents are found by.
        let mut touched = BTreeSet::new();
        let mut assets_changed = Vec::new();
        for change in changes {
            match change {
                Change::Guide(path) => {
                    touched.insert(self.content_relative(path));
                    self.reread_guide(path, &mut applied)?;
                }
                Change::Asset(path) => assets_changed.push(path),
                // The caller loads a new pipeline for these.
                Change::Config | Change::Theme => {}
            }
        }
        let mut folders = BTreeSet::new();
        if !assets_changed.is_empty() {
            touched.extend(self.relist_assets(&mut applied)?);
            // Images added, removed or rewritten are measured again.
            let changed: BTreeSet<String> = assets_changed
                .iter()
                .map(|path| self.content_relative(path))
                .chain(touched.iter().cloned())
                .collect();
            let content_root = self.root.join("content");
            let mut images = std::mem::take(&mut self.images);
            images::remeasure(
                &mut images,
                &content_root,
                &self.assets,
                &changed,
                self.measure(),
            );
            self.images = images;
            for path in assets_changed {
                let asset = self.content_relative(path);
                if self.assets.contains(&asset) {
                    applied.assets_written.insert(asset.clone());
                }
                // Perhaps a folder moved or deleted whole.
                folders.insert(format!("{asset}/"));
                touched.insert(asset);
            }
        }
        applied
            .render
            .extend(self.dependents_of(&touched, &folders));
        let moved: BTreeSet<String> = guide_files
            .into_iter()
            .zip(listed_before)
            .filter(|(file, before)| self.listed_as(file) != *before)
            .map(|(file, _)| file)
            .collect();
        if !moved.is_empty() {
            applied.render.extend(neighbours_before);
            applied.render.extend(self.neighbour_files(&moved));
        }
        applied.render.retain(|f| self.guides.contains_key(f));
        Ok(applied)
    }

    /// `path` relative to `content/`, `/`-separated.
    fn content_relative(&self, path: &Path) -> String {
        relative_slash_path(&self.root.join("content"), path)
    }

    /// Reads one guide file again: it is a guide of the site, refused with a
    /// diagnostic, or gone.
    fn reread_guide(&mut self, path: &Path, applied: &mut Applied) -> Result<(), Error> {
        let file = relative_slash_path(&self.root, path);
        let parsed = if !path.exists() {
            self.refused.remove(&file);
            None
        } else if !site_root::resolves_inside(&self.root, path) {
            Some(Parsed::Invalid(content::outside_root(&self.root, path)))
        } else {
            Some(content::read_guide(&self.root, path)?)
        };
        match parsed {
            Some(Parsed::Guide(guide)) if self.admits(&guide) => {
                self.insert(*guide);
                applied.render.insert(file);
                return Ok(());
            }
            Some(Parsed::Invalid(diagnostic)) => {
                self.refused.insert(file.clone(), diagnostic);
            }
            Some(Parsed::Guide(_)) | None => {}
        }
        if self.remove(&file) {
            applied.gone.insert(file);
        }
        Ok(())
    }

    /// Walks `content/` again for its assets (a folder deleted or moved is
    /// one event, not one per file); returns the assets added or removed.
    fn relist_assets(&mut self, applied: &mut Applied) -> Result<BTreeSet<String>, Error> {
        let listing = content::list(&self.root)?;
        let added: BTreeSet<String> = listing.assets.difference(&self.assets).cloned().collect();
        let removed: BTreeSet<String> = self.assets.difference(&listing.assets).cloned().collect();
        self.assets = listing.assets;
        // Guide files leading outside are refused the same way, so these
        // refusals are replaced whole.
        self.refused
            .retain(|_, d| d.code != Code::ContentOutsideRoot);
        for diagnostic in listing.outside {
            if self.remove(&diagnostic.file) {
                applied.gone.insert(diagnostic.file.clone());
            }
            self.refused.insert(diagnostic.file.clone(), diagnostic);
        }
        applied.assets_written.extend(added.iter().cloned());
        applied.assets_removed.extend(removed.iter().cloned());
        Ok(added.into_iter().chain(removed).collect())
    }

    /// Indexes what every guide depends on, once: from then on
    /// [`Pipeline::render`] keeps the index up to date.
    fn index_dependents(&mut self) {
        if self.dependents.is_some() {
            return;
        }
        let mut dependents: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (file, inspected) in &self.guides {
            for path in &inspected.inspection.depends_on {
                dependents
                    .entry(path.clone())
                    .or_default()
                    .insert(file.clone());
            }
        }
        self.dependents = Some(dependents);
    }

    /// The guides whose links name a path of `touched`, or a path inside one
    /// of `folders` (each ending with `/`).
    fn dependents_of(
        &self,
        touched: &BTreeSet<String>,
        folders: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        let Some(dependents) = &self.dependents else {
            return BTreeSet::new();
        };
        let mut found: BTreeSet<String> = touched
            .iter()
            .filter_map(|path| dependents.get(path))
            .flatten()
            .cloned()
            .collect();
        if !folders.is_empty() {
            let inside = |path: &String| folders.iter().any(|f| path.starts_with(f.as_str()));
            let within = dependents.iter().filter(|(path, _)| inside(path));
            found.extend(within.flat_map(|(_, files)| files.iter().cloned()));
        }
        found
    }
}
