//! `cargo bench --bench stages [-- N ...]`: where a build's time goes, and
//! what the crates and the file system alone cost for the same work (the
//! floor no renderer built on them can go below).
//!
//! For each N (default 10000) it generates N guides with gen-corpus in a
//! temporary folder (under /dev/shm when it exists, as benches/build.sh), then
//! times, median of 3, with rayon's default threads:
//!   read          every guide file read (nothing parsed)
//!   load          read + front matter (serde-saphyr): what `content::load` does
//!   pulldown      pulldown-cmark alone: each body to HTML
//!   render        guidesite's Markdown stage: HTML + facts (steps, links, ids …)
//!   write         a built dist/ (same files, same bytes) written to a fresh folder
//!   build         `guidesite build`, everything (validation included), into
//!                 an empty folder (replacing an earlier dist/ costs its deletion)
//! Environment: GEN_CORPUS (default <repo>/../shared/bench/gen-corpus).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use guidesite::build::{BuildOptions, build};
use guidesite::config::SiteConfig;
use guidesite::content;
use guidesite::render::{self, MarkdownRenderer, SiteLinks};
use guidesite::site::output::{DirSink, Sink};
use rayon::prelude::*;

// The binary's allocator, or the build would not be the one users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RUNS: usize = 3;

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-')) // cargo bench passes --bench
        .map(|a| a.parse().expect("N must be a number"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000]
    } else {
        sizes
    };
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let gen_corpus = std::env::var_os("GEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("../shared/bench/gen-corpus"));
    let base = Path::new("/dev/shm");
    let base = if base.is_dir() {
        base.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    println!("| N | read | load | pulldown | render | write | build |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let tmp = tempfile::tempdir_in(&base).expect("temporary folder");
        let root = tmp.path().join("site");
        let status = std::process::Command::new("python3")
            .arg(&gen_corpus)
            .arg(n.to_string())
            .arg(&root)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("python3 runs gen-corpus");
        assert!(status.success(), "gen-corpus failed");
        println!("{}", stages(n, &root, tmp.path()));
    }
}

/// One table row: the median time of each stage in milliseconds.
fn stages(n: usize, root: &Path, scratch: &Path) -> String {
    let options = BuildOptions {
        root: root.to_path_buf(),
        out: PathBuf::from("dist"),
        base_url: None,
        drafts: false,
    };
    // First, while nothing else is in memory; as benches/build.sh: no earlier output to replace.
    let dist = root.join("dist");
    let built = median_after(
        || {
            let _ = std::fs::remove_dir_all(&dist);
        },
        || {
            build(&options).expect("builds");
        },
    );
    let config = SiteConfig::load(root).expect("site.yaml");
    let files: Vec<PathBuf> = std::fs::read_dir(root.join("content"))
        .expect("content/")
        .map(|e| e.expect("entry").path())
        .collect();
    let read = median(|| {
        files.par_iter().for_each(|f| {
            std::fs::read(f).expect("readable");
        })
    });
    let load = median(|| {
        content::load(root).expect("loads");
    });
    let content = content::load(root).expect("loads");
    let pulldown = median(|| {
        content.guides.par_iter().for_each(|g| {
            let mut html = String::new();
            let parser = pulldown_cmark::Parser::new_ext(g.body(), pulldown_cmark::Options::all());
            pulldown_cmark::html::push_html(&mut html, parser);
        })
    });
    let markdown = MarkdownRenderer::default();
    let measure = guidesite::images::Measure {
        widths: config.images.widths.as_slice(),
        ..Default::default()
    };
    let images = guidesite::images::measure(&root.join("content"), &content.assets, measure);
    let links = SiteLinks::new(&config.base_url, &content.guides, &content.assets, &images);
    let rendered = median(|| {
        content.guides.par_iter().for_each(|g| {
            render::render(g, &markdown, &links);
        })
    });
    let outputs = read_tree(&dist);
    let mut round = 0;
    let write = median(|| {
        round += 1;
        let out = scratch.join(format!("write-{round}"));
        let sink = DirSink::new(out);
        outputs.par_iter().for_each(|(path, bytes)| {
            sink.write(&path.to_string_lossy(), bytes)
                .expect("writable");
        });
    });
    let ms = |d: Duration| format!("{:.0}", d.as_secs_f64() * 1000.0);
    format!(
        "| {n} | {} | {} | {} | {} | {} | {} |",
        ms(read),
        ms(load),
        ms(pulldown),
        ms(rendered),
        ms(write),
        ms(built)
    )
}

fn median(run: impl FnMut()) -> Duration {
    median_after(|| {}, run)
}

/// Like [`median`], with `prepare` run untimed before each run.
fn median_after(mut prepare: impl FnMut(), mut run: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            prepare();
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

/// Every file below `dir`: its path relative to `dir`, and its bytes.
fn read_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("readable"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let bytes = std::fs::read(e.path()).expect("readable");
            let path = e.path().strip_prefix(dir).expect("below dir").to_path_buf();
            (path, bytes)
        })
        .collect()
}
