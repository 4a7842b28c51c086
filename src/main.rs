use std::process::ExitCode;

use clap::Parser;

// Rendering thousands of guides in parallel is allocation-bound; glibc's
// allocator spent a quarter of a build in malloc/free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use guidesite::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap exits 2 on usage errors and 0 for --help/--version.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                cli::EXIT_USAGE
            } else {
                cli::EXIT_OK
            });
        }
    };
    match cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{}", guidesite::report::error(&format!("{e:#}")));
            ExitCode::from(cli::EXIT_USAGE)
        }
    }
}
