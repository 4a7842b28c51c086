//! A throw-away site on disk, and a way to run `guidesite` against it.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// Who a fixture guide's advertiser grants access to, and with what role.
pub const GRANTEE: &str = "data@agency.test";
pub const ROLE: &str = "Analyst";
pub const CONTACTS: [&str; 2] = ["ops@agency.test", "team@agency.test"];
pub const PORTAL: &str = "https://portal.agency.test/onboard";

/// A body that passes every offline rule: an ordered list of steps that names
/// the grantee as a `mailto:` link, the role in bold, and the contacts.
pub const STEPS: &str = "## Grant access

1. Open the **Members** page of your ad account.
2. Invite [data@agency.test](mailto:data@agency.test) as a member.
3. Give the member the **Analyst** role.

Before onboarding, give ops@agency.test and team@agency.test the same access.
";

/// The text of a valid guide with full front matter. `overrides` replace the
/// value of a key in place, or add the key at the end when it is not there.
pub fn guide_text(source: &str, overrides: &[(&str, &str)], body: &str) -> String {
    let platform = capitalise(source);
    let mut keys: Vec<(String, String)> = [
        ("source", source.to_string()),
        ("title", format!("{platform} access guide")),
        ("platform", platform.clone()),
        ("summary", format!("Grant {ROLE} access to your {platform} ad account.")),
        ("access", format!("\n  grantee: {GRANTEE}\n  role: {ROLE}")),
        ("contacts", format!("[{}]", CONTACTS.join(", "))),
        (
            "onboard",
            format!(
                "\n  portal: {PORTAL}\n  fields:\n    \
                 - {{ name: source_ids, label: Client source ids, type: select, placeholder: Select Client Source Ids, required: true, options: [client-1, client-2] }}\n    \
                 - {{ name: account_id, label: Account Id, type: text, pattern: '^[0-9]{{6,20}}$', required: true, help: The id of your ad account }}"
            ),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (key, value) in overrides {
        match keys.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value.to_string(),
            None => keys.push((key.to_string(), value.to_string())),
        }
    }
    let mut text = String::from("---\n");
    for (key, value) in keys {
        let sep = if value.starts_with('\n') { "" } else { " " };
        text.push_str(&format!("{key}:{sep}{value}\n"));
    }
    text.push_str("---\n");
    text.push_str(body);
    text
}

/// A real PNG of `width`×`height` pixels (a gradient, like a screenshot's
/// backgrounds), for sites whose images are measured.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 200])
    });
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("encode a PNG");
    bytes
}

/// `text` without the lines that start with `prefix`.
pub fn without_line(text: &str, prefix: &str) -> String {
    text.split_inclusive('\n')
        .filter(|l| !l.starts_with(prefix))
        .collect()
}

/// The 1-based number of the first line of `text` that contains `needle`.
pub fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in text"))
        + 1
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

/// A site in a temporary directory: `<tmp>/site`, so tests can also run
/// `guidesite` from `<tmp>` with a relative `--root site`.
pub struct SiteFixture {
    tmp: tempfile::TempDir,
    root: PathBuf,
}

impl SiteFixture {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("create temp dir");
        let root = tmp.path().join("site");
        std::fs::create_dir(&root).expect("create site dir");
        SiteFixture { tmp, root }
    }

    /// The site root.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The temporary directory holding the site root.
    pub fn tmp(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes `contents` at `path` (relative to the root), creating folders.
    pub fn file(&self, path: &str, contents: impl AsRef<[u8]>) -> &Self {
        let target = self.root.join(path);
        std::fs::create_dir_all(target.parent().expect("a file has a parent"))
            .expect("create dirs");
        std::fs::write(&target, contents)
            .unwrap_or_else(|e| panic!("write {}: {e}", target.display()));
        self
    }

    pub fn site_yaml(&self, text: &str) -> &Self {
        self.file("site.yaml", text)
    }

    /// Writes a valid `content/<source>.md` with full front matter and `body`.
    pub fn guide(&self, source: &str, body: &str) -> &Self {
        self.guide_with(source, &[], body)
    }

    /// Like [`guide`](Self::guide), with front matter keys replaced or added.
    pub fn guide_with(&self, source: &str, overrides: &[(&str, &str)], body: &str) -> &Self {
        self.file(
            &format!("content/{source}.md"),
            guide_text(source, overrides, body),
        )
    }

    /// `guidesite --root <root>`, ready for more arguments.
    pub fn command(&self) -> Command {
        let mut cmd = Command::cargo_bin("guidesite").expect("the guidesite binary is built");
        cmd.arg("--root").arg(&self.root).env("NO_COLOR", "1");
        cmd
    }

    /// Runs `guidesite --root <root> <args>`; never lets a panic pass unnoticed.
    pub fn run(&self, args: &[&str]) -> Output {
        checked(self.command().args(args).output().expect("run guidesite"))
    }

    /// A file below the root as text.
    pub fn read(&self, path: &str) -> String {
        let target = self.root.join(path);
        std::fs::read_to_string(&target)
            .unwrap_or_else(|e| panic!("read {}: {e}", target.display()))
    }
}

/// Every file below `dir`: `/`-separated relative path → bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("walk output"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// What a run printed on stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the exit code, showing stderr when it differs.
#[track_caller]
pub fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "unexpected exit code; stderr:\n{}",
        stderr(output)
    );
}

/// Fails the test if the process panicked; returns the output otherwise.
pub fn checked(output: Output) -> Output {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked"),
        "guidesite panicked:\n{stderr}"
    );
    output
}

/// What `guidesite check --format json` reported.
pub struct CheckRun {
    pub code: i32,
    pub diagnostics: Vec<serde_json::Value>,
    pub stderr: String,
}

impl CheckRun {
    /// `(code, line, message)` of each diagnostic, in order.
    pub fn found(&self) -> Vec<(String, u64, String)> {
        self.diagnostics
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap_or_default().to_string(),
                    d["line"].as_u64().unwrap_or_default(),
                    d["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// `(code, line)` of each diagnostic, in order.
    pub fn codes_at(&self) -> Vec<(String, u64)> {
        self.found()
            .into_iter()
            .map(|(code, line, _)| (code, line))
            .collect()
    }
}

/// Runs `guidesite --root ROOT check --format json EXTRA…`; never a panic.
pub fn check_json(root: &Path, extra: &[&str]) -> CheckRun {
    let output = Command::cargo_bin("guidesite")
        .unwrap()
        .arg("--root")
        .arg(root)
        .args(["check", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    CheckRun {
        code: output.status.code().unwrap(),
        diagnostics: json["diagnostics"].as_array().unwrap().clone(),
        stderr,
    }
}

/// What `guidesite check --offline --format json` printed, whole: the object
/// serve's `/_guidesite/diagnostics.json` must equal. `json` is `None` when
/// stdout held none (exit 2: the site cannot be built at all).
pub struct OfflineCheck {
    pub code: i32,
    pub json: Option<serde_json::Value>,
    pub stderr: String,
}

impl OfflineCheck {
    /// The number of errors reported; 0 when there is no report.
    pub fn errors(&self) -> u64 {
        self.json
            .as_ref()
            .and_then(|j| j["errors"].as_u64())
            .unwrap_or(0)
    }
}

/// Runs `guidesite --root ROOT check --offline --format json`; never a panic.
pub fn check_offline(root: &Path) -> OfflineCheck {
    let output = checked(
        Command::cargo_bin("guidesite")
            .unwrap()
            .arg("--root")
            .arg(root)
            .args(["check", "--offline", "--format", "json"])
            .output()
            .unwrap(),
    );
    let stderr = stderr(&output);
    let json = (!output.stdout.is_empty()).then(|| {
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("check printed no JSON ({e}): {stderr}"))
    });
    OfflineCheck {
        code: output.status.code().expect("check exits, is not killed"),
        json,
        stderr,
    }
}

/// A running `guidesite --root ROOT serve --port 0`, killed when dropped.
/// Its stderr goes to a log file beside the site, for failure messages.
pub struct Serve {
    child: std::process::Child,
    pub addr: std::net::SocketAddr,
    log: PathBuf,
}

/// A response, its body as bytes (pages, images and JSON alike).
pub struct HttpResponse {
    pub status: u16,
    /// The head: status line and headers, lowercased.
    pub head: String,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The value of header `name` (lowercase), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim())
        })
    }
}

impl Serve {
    pub fn start(site: &SiteFixture) -> Serve {
        Serve::spawn(
            site,
            std::process::Command::new(assert_cmd::cargo::cargo_bin("guidesite")),
        )
    }

    /// `serve` with more arguments (`--cors ORIGIN`).
    pub fn start_with(site: &SiteFixture, extra: &[&str]) -> Serve {
        let guidesite = assert_cmd::cargo::cargo_bin("guidesite");
        Serve::launch(site, std::process::Command::new(guidesite), extra)
    }

    /// Runs `guidesite` (the end of `command`, which may wrap it, as a shell
    /// setting limits does) as `serve` on any free port.
    pub fn spawn(site: &SiteFixture, command: std::process::Command) -> Serve {
        Serve::launch(site, command, &[])
    }

    fn launch(site: &SiteFixture, mut command: std::process::Command, extra: &[&str]) -> Serve {
        use std::io::BufRead;
        let log = site.tmp().join("serve.log");
        let mut child = command
            .arg("--root")
            .arg(site.path())
            .args(["serve", "--port", "0"])
            .args(extra)
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("create serve.log"))
            .spawn()
            .expect("start guidesite serve");
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        // Keep reading: a closed pipe would fail serve's next line on stdout.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                panic!("no URL in {line:?}; stderr:\n{log}")
            });
        Serve { child, addr, log }
    }

    /// `GET path` over HTTP/1.1 (the path is sent as is).
    pub fn get(&self, path: &str) -> HttpResponse {
        http_get(self.addr, path)
    }

    /// The last `lines` lines serve wrote on stderr.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.1 `GET` on a fresh connection; a chunked body is joined.
pub fn http_get(addr: std::net::SocketAddr, path: &str) -> HttpResponse {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .unwrap_or_else(|e| panic!("no answer to {path}: {e}"));
    let head_end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in the answer to {path}"));
    let head = String::from_utf8_lossy(&response[..head_end]).to_ascii_lowercase();
    let status = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in the answer to {path}: {head}"));
    let body = &response[head_end + 4..];
    let chunked = head
        .lines()
        .any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked"));
    HttpResponse {
        status,
        head,
        body: if chunked {
            dechunk(body)
        } else {
            body.to_vec()
        },
    }
}

/// The data of a `Transfer-Encoding: chunked` body.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut data = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size_field = String::from_utf8_lossy(&body[..line_end]);
        let size_hex = size_field.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).expect("a chunk size");
        if size == 0 {
            break;
        }
        let chunk = &body[line_end + 2..];
        data.extend_from_slice(chunk.get(..size).expect("a whole chunk"));
        body = chunk.get(size + 2..).unwrap_or_default();
    }
    data
}
