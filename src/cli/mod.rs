//! Command-line interface: parse, run one command, map outcomes to exit codes.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::diag::Diagnostic;
use crate::links::reach::Unchecked;
use crate::report::{self, Format};

/// Exit codes of DESIGN.md.
pub const EXIT_OK: u8 = 0;
pub const EXIT_INVALID: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "guidesite",
    version,
    about = "Build and check data source onboarding guides"
)]
pub struct Cli {
    /// The site's root folder (holding site.yaml and content/).
    #[arg(long, global = true, default_value = ".")]
    pub root: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate offline, then render the site atomically.
    Build {
        /// Output folder, relative to the root.
        #[arg(long, default_value = "dist")]
        out: PathBuf,
        /// Overrides site.yaml's base_url.
        #[arg(long)]
        base_url: Option<String>,
        /// Include guides marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Run every validation.
    Check {
        /// Skip checks that need the network.
        #[arg(long)]
        offline: bool,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Ignore cached link results.
        #[arg(long)]
        no_cache: bool,
    },
    /// Serve the site from memory, rebuilding and reloading on change.
    Serve {
        /// Address to listen on; loopback unless told otherwise.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Port to listen on; 0 picks a free one.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Let this portal origin (`https://portal.example.com`) fetch the
        /// manifest, embeds and stylesheet, as the built `_headers` would.
        #[arg(long, value_name = "ORIGIN")]
        cors: Option<crate::config::Origin>,
    },
    /// Scaffold content/<source>.md for a new data source.
    New {
        /// The data source id: lowercase letters, digits and `-`.
        source: String,
        /// Display name of the platform (default: the source id, title-cased).
        #[arg(long)]
        platform: Option<String>,
    },
}

/// Runs the parsed command; returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let root = cli.root;
    match cli.command {
        Command::Build {
            out,
            base_url,
            drafts,
        } => build(crate::BuildOptions {
            root,
            out,
            base_url,
            drafts,
        }),
        Command::Check {
            offline,
            format,
            no_cache,
        } => check(root, offline, format, no_cache),
        Command::Serve { bind, port, cors } => {
            crate::serve::run(crate::serve::ServeOptions {
                root,
                bind,
                port,
                cors,
            })?;
            Ok(EXIT_OK)
        }
        Command::New { source, platform } => new(&root, &source, platform.as_deref()),
    }
}

fn build(options: crate::BuildOptions) -> anyhow::Result<u8> {
    let started = std::time::Instant::now();
    let report = crate::build(&options)?;
    let out = printable_path(&options.out);
    eprint!(
        "{}",
        report::format(&report.diagnostics, Format::Human, color_stderr())
    );
    if !report.written {
        eprintln!("build stopped: fix the errors above; {out} was left as it was");
        return Ok(EXIT_INVALID);
    }
    for note in &report.notes {
        eprintln!("note: {}", report::printable(note));
    }
    eprintln!(
        "built {} guide{} into {out} in {} ms",
        report.guides,
        if report.guides == 1 { "" } else { "s" },
        started.elapsed().as_millis()
    );
    Ok(EXIT_OK)
}

fn check(root: PathBuf, offline: bool, format: Format, no_cache: bool) -> anyhow::Result<u8> {
    let progress = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "checking links {bar:30} {pos}/{len} {elapsed}",
            )
            .expect("valid template"),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let report = crate::check(&crate::CheckOptions {
        root,
        offline,
        no_cache,
        progress,
    })?;
    if let Some(links) = &report.links {
        for warning in &links.warnings {
            eprintln!("warning: {}", report::printable(warning));
        }
        let s = links.stats;
        eprintln!(
            "links: {} checked, {} ok, {} failed, {} cached, {} excluded in {:.1} s",
            s.checked,
            s.ok,
            s.failed,
            s.cached,
            s.excluded,
            links.elapsed.as_secs_f64()
        );
    }
    let diagnostics = report.diagnostics;
    print_report(&diagnostics, report.unchecked.as_ref(), format)?;
    let errors = crate::diag::count(&diagnostics, crate::diag::Severity::Error);
    Ok(if errors > 0 { EXIT_INVALID } else { EXIT_OK })
}

fn new(root: &Path, source: &str, platform: Option<&str>) -> anyhow::Result<u8> {
    let path = crate::scaffold::create(root, source, platform)?;
    eprintln!(
        "wrote {}: replace every TODO, then run `guidesite check --offline`",
        printable_path(&path)
    );
    Ok(EXIT_OK)
}

fn print_report(
    diagnostics: &[Diagnostic],
    unchecked: Option<&Unchecked>,
    format: Format,
) -> std::io::Result<()> {
    match format {
        Format::Human => {
            let text = report::format_check(diagnostics, unchecked, format, color_stderr());
            eprint!("{text}");
            Ok(())
        }
        _ => std::io::stdout()
            .write_all(report::format_check(diagnostics, unchecked, format, false).as_bytes()),
    }
}

/// A path as it may be shown on a terminal.
fn printable_path(path: &Path) -> String {
    report::printable(&path.to_string_lossy()).into_owned()
}

/// Colour only on a terminal, and never when `NO_COLOR` is set.
fn color_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}
