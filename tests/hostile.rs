//! Hostile and unlucky input: every case ends in a clear result, in bounded
//! time and memory, and nothing the author cannot see reaches the output.
//!
//! The stress tests are `#[ignore]`d: they are only meaningful on a release
//! build, `cargo test --release --test hostile -- --ignored`. Each runs
//! `check --offline` and `build` on one generated site and fails when either
//! takes 5 s or more (wall time) or peaks at 500 MB or more (resident memory,
//! the child's `VmHWM`). The fast tests below them pin
//! the behaviours that keep those costs bounded.

mod common;

use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{GRANTEE, ROLE, SiteFixture, assert_exit, check_json, guide_text};

const TIME_BUDGET: Duration = Duration::from_secs(5);
const MEMORY_BUDGET_MB: f64 = 500.0;
/// A run that overshoots its budget this much is killed rather than waited for.
const KILL_AFTER: Duration = Duration::from_secs(120);

/// The repository's own guide, as realistic text to repeat.
const TIKTOK: &str = include_str!("../content/tiktok.md");

/// One run of the binary: how it ended, and what it cost.
struct Measured {
    /// `None` when a signal ended it.
    code: Option<i32>,
    seconds: f64,
    peak_mb: f64,
    stdout: String,
    stderr: String,
}

/// The stress tests share two cores: one at a time, so each is timed alone.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `guidesite --root ROOT ARGS…` and measures its wall time and peak
/// resident memory: the `VmHWM` high-water mark of its own address space,
/// read every 2 ms until it exits. (`ru_maxrss` would be simpler, but Linux
/// keeps in it the memory of the test process the child was spawned from.)
/// A rise in the last 2 ms before exit is not seen.
fn measure(root: &Path, args: &[&str]) -> Measured {
    let mut stdout = tempfile::tempfile().expect("a temporary file");
    let mut stderr = tempfile::tempfile().expect("a temporary file");
    let started = Instant::now();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin!("guidesite"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(stdout.try_clone().expect("a file handle"))
        .stderr(stderr.try_clone().expect("a file handle"))
        .spawn()
        .expect("run guidesite");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    let status = loop {
        peak_kb = peak_kb.max(high_water_kb(&status_file).unwrap_or(0));
        if let Some(status) = child.try_wait().expect("wait for guidesite") {
            break status;
        }
        if started.elapsed() > KILL_AFTER {
            child.kill().expect("kill a runaway guidesite");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let seconds = started.elapsed().as_secs_f64();
    let read = |file: &mut File| {
        let mut text = String::new();
        file.rewind().expect("rewind");
        file.read_to_string(&mut text).expect("read output");
        text
    };
    Measured {
        code: status.code(),
        seconds,
        peak_mb: peak_kb as f64 * 1024.0 / 1e6,
        stdout: read(&mut stdout),
        stderr: read(&mut stderr),
    }
}

/// `VmHWM` (peak resident memory, in kB) from a `/proc/<pid>/status`; `None`
/// once the process has exited.
fn high_water_kb(status_file: &str) -> Option<u64> {
    let status = std::fs::read_to_string(status_file).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `check --offline` and `build` on `site`; both must end with a clear
/// result (exit 0 or 1, never a panic or a signal) within the budgets.
/// Returns the diagnostics `check` reported and the `build` run.
fn within_budget(case: &str, site: &SiteFixture) -> (Vec<serde_json::Value>, Measured) {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let check = measure(site.path(), &["check", "--offline", "--format", "json"]);
    let build = measure(site.path(), &["build"]);
    for (command, run) in [("check", &check), ("build", &build)] {
        eprintln!(
            "{case:<10} {command}: {:.2} s, {:.0} MB, exit {:?}",
            run.seconds, run.peak_mb, run.code
        );
        assert!(
            matches!(run.code, Some(0 | 1)) && !run.stderr.contains("panicked"),
            "{case} {command}: exit {:?}\n{}",
            run.code,
            run.stderr
        );
        assert!(
            run.seconds < TIME_BUDGET.as_secs_f64(),
            "{case} {command}: {:.2} s",
            run.seconds
        );
        assert!(
            run.peak_mb < MEMORY_BUDGET_MB,
            "{case} {command}: {:.0} MB",
            run.peak_mb
        );
    }
    let json: serde_json::Value = serde_json::from_str(&check.stdout)
        .unwrap_or_else(|e| panic!("{case}: check printed no JSON ({e}):\n{}", check.stderr));
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics").clone();
    (diagnostics, build)
}

/// A site of one guide, `tiktok`, with the usual front matter and `body`.
fn site_with_body(body: &str) -> SiteFixture {
    let site = SiteFixture::new();
    site.guide("tiktok", body);
    site
}

/// The body of the repository's guide: real text, steps, links, addresses.
fn realistic_body() -> &'static str {
    let fence = "\n---\n";
    let end = TIKTOK[fence.len()..].find(fence).expect("front matter") + 2 * fence.len();
    &TIKTOK[end..]
}

/// The front matter of the repository's guide, which its body satisfies.
fn realistic_front_matter() -> &'static str {
    &TIKTOK[..TIKTOK.len() - realistic_body().len()]
}

fn count(diagnostics: &[serde_json::Value], code: &str) -> usize {
    diagnostics.iter().filter(|d| d["code"] == code).count()
}

/// A guide of `bytes` bytes of realistic text (the form placed once: a
/// second `{{ onboard_form() }}` is an error).
fn site_of_size(bytes: usize) -> SiteFixture {
    let front = realistic_front_matter();
    let once = realistic_body();
    let again = once.replace("{{ onboard_form() }}", "");
    let body = once.to_string() + &again.repeat((bytes - front.len() - once.len()) / again.len());
    let site = SiteFixture::new();
    site.file("content/tiktok.md", format!("{front}{body}"));
    site
}

#[test]
#[ignore = "stress test: run with --release -- --ignored"]
fn a_50_mb_guide_is_refused_unread() {
    let site = site_of_size(50_000_000);
    let (diagnostics, build) = within_budget("50 MB", &site);
    let found: Vec<_> = diagnostics
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(found, [("content/too-large", 1)]);
    assert_exit_code(&build, 1);
}

/// The largest guide that is read renders within the budgets: the limit
/// is what keeps a 50 MB guide inside them, so it must be low enough.
#[test]
#[ignore = "stress test: run with --release -- --ignored"]
fn a_guide_just_under_the_size_limit() {
    let site = site_of_size(16 * 1024 * 1024 - 4096);
    let (diagnostics, build) = within_budget("16 MiB", &site);
    assert_eq!(diagnostics, Vec::<serde_json::Value>::new());
    assert_exit_code(&build, 0);
}

#[test]
fn a_guide_over_the_size_limit_is_refused_naming_the_limit() {
    let site = site_of_size(16 * 1024 * 1024 + 4096);
    site.guide("acme", common::STEPS);
    let run = common::check_json(site.path(), &["--offline"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.diagnostics.len(), 1, "{:?}", run.diagnostics);
    let d = &run.diagnostics[0];
    assert_eq!(d["code"], "content/too-large");
    assert_eq!(d["file"], "content/tiktok.md");
    let message = d["message"].as_str().unwrap();
    assert!(
        message.contains("16.0 MiB") && message.contains("16 MiB"),
        "{message}"
    );
}

#[test]
#[ignore = "stress test: run with --release -- --ignored"]
fn a_guide_of_200_000_steps() {
    let steps: String = (1..=200_000)
        .map(|n| format!("{n}. Invite {GRANTEE} as **{ROLE}**.\n"))
        .collect();
    let contacts = format!("Give {} the same access.\n", common::CONTACTS.join(" and "));
    let site = site_with_body(&format!("## Steps\n\n{steps}\n{contacts}"));
    let (diagnostics, build) = within_budget("steps", &site);
    assert_eq!(diagnostics, Vec::<serde_json::Value>::new());
    assert_exit_code(&build, 0);
}

#[test]
#[ignore = "stress test: run with --release -- --ignored"]
fn twenty_thousand_identical_headings() {
    let body = format!("{}{}## a-1\n", common::STEPS, "## a\n\n".repeat(20_000));
    let site = site_with_body(&body);
    let (_, build) = within_budget("headings", &site);
    assert_exit_code(&build, 0);
    let page = site.read("dist/tiktok/index.html");
    assert!(page.contains(r#"<h2 id="a-19999">"#), "the last repeat");
    assert!(
        page.contains(r#"<h2 id="a-1-1">"#),
        "a literal `a-1` after them"
    );
}

#[test]
#[ignore = "stress test: run with --release -- --ignored"]
fn a_hundred_thousand_unclosed_divs() {
    let site = site_with_body(&format!("{}\n{}", common::STEPS, "<div>\n".repeat(100_000)));
    let (_, build) = within_budget("divs", &site);
    assert_exit_code(&build, 0);
}

#[test]
#[ignore = "stress test: run with --release -- --ignored"]
fn a_1_mb_line_of_200_000_todos() {
    let site = site_with_body(&format!("{}\n{}\n", common::STEPS, "TODO ".repeat(200_000)));
    let (diagnostics, _) = within_budget("todos", &site);
    assert_eq!(
        count(&diagnostics, "text/placeholder"),
        21,
        "20 and a summary"
    );
}

#[test]
#[ignore = "stress test: run with --release -- --ignored"]
fn a_1_mb_line_of_80_000_addresses() {
    let addresses: String = (0..80_000).map(|n| format!("u{n:05}@x.com ")).collect();
    let site = site_with_body(&format!("{}\n{addresses}\n", common::STEPS));
    let (diagnostics, _) = within_budget("emails", &site);
    assert_eq!(count(&diagnostics, "email/unknown"), 21, "20 and a summary");
}

#[test]
#[ignore = "stress test: run with --release -- --ignored"]
fn a_1_mb_front_matter_value_aliased_60_times() {
    let site = SiteFixture::new();
    site.file("content/tiktok.md", billion_laughs(1_000_000, 60));
    let (diagnostics, build) = within_budget("alias", &site);
    assert_eq!(
        count(&diagnostics, "frontmatter/invalid"),
        1,
        "{diagnostics:?}"
    );
    assert_exit_code(&build, 1);
}

#[test]
#[ignore = "stress test: run with --release -- --ignored"]
fn a_table_of_100_000_rows() {
    let rows = "| x | y |\n".repeat(100_000);
    let site = site_with_body(&format!("{}\n| a | b |\n|---|---|\n{rows}", common::STEPS));
    let (_, build) = within_budget("table", &site);
    assert_exit_code(&build, 0);
}

#[test]
#[ignore = "stress test: run with --release -- --ignored"]
fn a_tag_of_100_000_attributes() {
    let attributes: Vec<String> = (0..100_000).map(|n| format!("a{n}=1")).collect();
    let body = format!("{}\n<div {}>x</div>\n", common::STEPS, attributes.join(" "));
    let site = site_with_body(&body);
    let (_, build) = within_budget("attributes", &site);
    assert_exit_code(&build, 0);
}

#[test]
#[ignore = "stress test: run with --release -- --ignored"]
fn fifty_thousand_nested_quotes_beside_raw_html() {
    let body = format!(
        "{}\n{}[!NOTE]\n> x\n\n<div>y</div>\n",
        common::STEPS,
        "> ".repeat(50_000)
    );
    let site = site_with_body(&body);
    let (_, build) = within_budget("quotes", &site);
    assert_exit_code(&build, 0);
}

#[test]
#[ignore = "stress test: run with --release -- --ignored"]
fn fifty_thousand_nested_callouts_beside_raw_html() {
    let body = format!(
        "{}\n{}x\n{}\n<div>y</div>\n",
        common::STEPS,
        ":::note\n".repeat(50_000),
        ":::\n".repeat(50_000)
    );
    let site = site_with_body(&body);
    let (diagnostics, build) = within_budget("callouts", &site);
    assert_exit_code(&build, 0);
    assert_eq!(
        count(&diagnostics, "markdown/callout"),
        21,
        "20 and a summary"
    );
}

#[test]
#[ignore = "stress test: run with --release -- --ignored"]
fn fifty_thousand_links_on_one_line() {
    for (case, link) in [
        ("bare urls", "https://x{n}.agency.test/p "),
        ("md links", "[l](https://x{n}.agency.test/p) "),
        ("footnotes", "a[^n{n}] "),
    ] {
        let line: String = (0..50_000)
            .map(|n| link.replace("{n}", &n.to_string()))
            .collect();
        let notes: String = if case == "footnotes" {
            (0..50_000).map(|n| format!("[^n{n}]: x\n")).collect()
        } else {
            String::new()
        };
        let site = site_with_body(&format!("{}\n{line}\n\n{notes}", common::STEPS));
        let (_, build) = within_budget(case, &site);
        assert_exit_code(&build, 0);
    }
}

#[track_caller]
fn assert_exit_code(run: &Measured, code: i32) {
    assert_eq!(run.code, Some(code), "{}", run.stderr);
}

/// A guide whose `summary` is an anchor of `value_bytes` that `contacts`
/// names `aliases` times.
fn billion_laughs(value_bytes: usize, aliases: usize) -> String {
    let value = "x".repeat(value_bytes);
    let contacts = vec!["*big"; aliases].join(", ");
    guide_text(
        "tiktok",
        &[
            ("summary", &format!("&big \"{value}\"")),
            ("contacts", &format!("[{contacts}]")),
        ],
        common::STEPS,
    )
}

// The fast tests: the logic that keeps those cases bounded, on small inputs.

#[test]
fn repeated_headings_get_githubs_ids_and_a_literal_suffix_does_not_collide() {
    let body = format!(
        "{}\n## a\n\n## a\n\n## a\n\n## a-1\n\n[last](#a-1-1) [second](#a-1)\n",
        common::STEPS
    );
    let site = site_with_body(&body);
    assert_exit(&site.run(&["build"]), 0);
    let page = site.read("dist/tiktok/index.html");
    let ids: Vec<&str> = page
        .match_indices(r#"<h2 id=""#)
        .filter_map(|(at, m)| page[at + m.len()..].split('"').next())
        .filter(|id| !id.starts_with("guidesite-"))
        .collect();
    assert_eq!(ids, ["grant-access", "a", "a-1", "a-2", "a-1-1"]);
}

#[test]
fn repeated_findings_are_capped_with_a_summary_at_the_first_left_out() {
    let todos = "TODO ".repeat(50);
    let site = site_with_body(&format!("{}\n{todos}\n", common::STEPS));
    let run = check_json(site.path(), &["--offline"]);
    let placeholders: Vec<&serde_json::Value> = run
        .diagnostics
        .iter()
        .filter(|d| d["code"] == "text/placeholder")
        .collect();
    assert_eq!(placeholders.len(), 21, "{:?}", run.diagnostics);
    let summary = placeholders[20];
    assert_eq!(
        summary["message"].as_str().unwrap().split(" (").next(),
        Some("and 30 more like this in this file")
    );
    // At the 21st `TODO`, five characters after the 20th.
    let columns: Vec<u64> = placeholders
        .iter()
        .map(|d| d["column"].as_u64().unwrap())
        .collect();
    assert_eq!(columns[19] + 5, columns[20]);
    assert_eq!(columns[0], 1);
}

#[test]
fn a_diagnostic_on_a_long_multibyte_line_shows_only_its_surroundings() {
    let line = format!("{} TODO {}", "é".repeat(50_000), "日本".repeat(50_000));
    let site = site_with_body(&format!("{}\n{line}\n", common::STEPS));
    let output = site.run(&["check", "--offline"]);
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        common::stderr(&output)
    );
    assert!(printed.contains("TODO"), "{printed}");
    assert!(
        printed.len() < 2_000,
        "the whole line was printed: {} bytes",
        printed.len()
    );
    assert!(printed.contains('…'), "{printed}");
}

#[test]
fn an_alias_bomb_in_front_matter_is_refused_where_the_budget_runs_out() {
    // 300 kB: the anchor and two aliases fit in 1 MiB, the third does not.
    let text = billion_laughs(300_000, 60);
    let site = SiteFixture::new();
    site.file("content/tiktok.md", &text);
    let run = check_json(site.path(), &["--offline"]);
    assert_eq!(run.code, 1);
    let [d] = run.diagnostics.as_slice() else {
        panic!("one diagnostic: {:?}", run.diagnostics);
    };
    assert_eq!(d["code"], "frontmatter/invalid");
    assert!(
        d["message"].as_str().unwrap().contains("alias"),
        "{}",
        d["message"]
    );
    let line = common::line_of(&text, "contacts: [*big");
    let column = text
        .lines()
        .nth(line - 1)
        .unwrap()
        .match_indices("*big")
        .nth(2)
        .unwrap()
        .0
        + 1;
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(line as u64), Some(column as u64))
    );
}

#[test]
fn control_characters_in_the_body_never_reach_the_output() {
    let controls: String = ('\u{0}'..='\u{1f}')
        .chain(['\u{7f}', '\u{80}', '\u{85}', '\u{9f}'])
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let body = format!(
        "## Grant{controls} access\n\n\
         1. Open the **Members** page{controls}.\n\
         2. Invite [data@agency.test](mailto:data@agency.test) as a member &#1;&#x1b;.\n\
         3. Give the member the **Analyst** role. <span title=\"a&#2;b\">{controls}</span>\n"
    );
    let site = site_with_body(&body);
    assert_exit(&site.run(&["build"]), 0);
    for file in [
        "dist/tiktok/index.html",
        "dist/embed/tiktok.html",
        "dist/manifest.json",
    ] {
        let text = site.read(file);
        let control = text
            .char_indices()
            .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
        assert_eq!(control, None, "{file}");
        // JSON would write them as escapes.
        assert!(!text.contains("\\u00"), "{file}");
    }
    let manifest = site.read("dist/manifest.json");
    assert!(manifest.contains("Open the Members page."), "{manifest}");
}
