//! The theme: the built-in default compiled into the binary, overridden file
//! by file by `themes/<name>/` in the site.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tera::{Context, Tera, Value};

use crate::site_root::{Hidden, LEADS_OUTSIDE, SiteRoot, Visit, WalkError};

macro_rules! builtin {
    ($kind:literal, $($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../themes/default/", $kind, "/", $name))),)*]
    };
}

/// The default theme's templates, compiled in.
const BUILTIN_TEMPLATES: &[(&str, &str)] = builtin!(
    "templates",
    "base.html",
    "index.html",
    "guide.html",
    "embed.html",
    "form.html",
    "404.html",
    "sitemap.xml",
    "guide-list.html"
);

/// The default theme's static files, compiled in.
const BUILTIN_STATIC: &[(&str, &str)] = builtin!(
    "static",
    "guidesite.css",
    "guidesite-form.js",
    "guidesite-reader.js",
    "guidesite-nav.js",
    "favicon.svg"
);

/// A theme could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme `{name}` not found: expected a folder {}", path.display())]
    Missing { name: String, path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} {LEADS_OUTSIDE}: a theme is read from inside the site only", .0.display())]
    OutsideRoot(PathBuf),
    #[error("template error: {0}")]
    Template(String),
}

/// Compiled templates and the static files to publish.
pub struct Theme {
    tera: Tera,
    /// Path under `static/` → contents.
    pub static_files: BTreeMap<String, Vec<u8>>,
    /// Where the stylesheet is published ([`published_stylesheet`]).
    pub stylesheet_path: String,
}

/// The theme's stylesheet, which styles pages and embeds.
pub const STYLESHEET: &str = "guidesite.css";

/// Where the stylesheet is published: `static/guidesite.<hash>.css`, so
/// that its URL may be cached forever and changes when its bytes do.
/// Worked out once, when the theme loads.
fn published_stylesheet(static_files: &BTreeMap<String, Vec<u8>>) -> String {
    let css = static_files.get(STYLESHEET).map_or(&[][..], Vec::as_slice);
    let hash = crate::hash::sha256_hex(css);
    format!("static/guidesite.{}.css", &hash[..12])
}

impl Theme {
    /// The built-in theme with the site's `themes/<name>/` laid over it.
    pub fn load(root: &Path, name: &str) -> Result<Theme, ThemeError> {
        let mut templates: BTreeMap<String, String> = BUILTIN_TEMPLATES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let mut static_files: BTreeMap<String, Vec<u8>> = BUILTIN_STATIC
            .iter()
            .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
            .collect();
        let dir = root.join("themes").join(name);
        if dir.is_dir() {
            let root = SiteRoot::new(root).map_err(|source| ThemeError::Io {
                path: root.to_path_buf(),
                source,
            })?;
            read_tree(&root, &dir.join("templates"), |rel, bytes| {
                let text = String::from_utf8(bytes).map_err(|e| ThemeError::Io {
                    path: dir.join("templates").join(rel),
                    source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
                })?;
                templates.insert(rel.to_string(), text);
                Ok(())
            })?;
            read_tree(&root, &dir.join("static"), |rel, bytes| {
                static_files.insert(rel.to_string(), bytes);
                Ok(())
            })?;
        } else if name != "default" {
            return Err(ThemeError::Missing {
                name: name.to_string(),
                path: dir,
            });
        }
        let mut tera = Tera::new();
        tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .map_err(|e| ThemeError::Template(error_chain(&e)))?;
        Ok(Theme {
            tera,
            stylesheet_path: published_stylesheet(&static_files),
            static_files,
        })
    }

    /// Renders a template with a context made of [`template_value`]s.
    pub fn render(&self, template: &str, context: &Context) -> Result<String, ThemeError> {
        self.tera
            .render(template, context)
            .map_err(|e| ThemeError::Template(error_chain(&e)))
    }
}

/// Converts what a template sees into Tera's values, once: values are shared
/// (reference-counted) by every context they are put in.
pub fn template_value(view: &impl serde::Serialize) -> Result<Value, ThemeError> {
    Value::try_from_serializable(view).map_err(|e| ThemeError::Template(error_chain(&e)))
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Calls `f` with each file's `/`-separated path below `dir` and its bytes.
fn read_tree(
    root: &SiteRoot,
    dir: &Path,
    mut f: impl FnMut(&str, Vec<u8>) -> Result<(), ThemeError>,
) -> Result<(), ThemeError> {
    root.walk(dir, Hidden::Keep, |visit| match visit {
        Visit::File { path, .. } => {
            let bytes = std::fs::read(path).map_err(|source| ThemeError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            f(&crate::content::relative_slash_path(dir, path), bytes)
        }
        Visit::Outside { path } => Err(ThemeError::OutsideRoot(path.to_path_buf())),
    })
}

impl From<WalkError> for ThemeError {
    fn from(e: WalkError) -> Self {
        ThemeError::Io {
            path: e.path,
            source: e.source,
        }
    }
}
