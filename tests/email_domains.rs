//! Contact domains are resolved through a real DNS server on 127.0.0.1; with
//! it and loopback ports that refuse or drop connections, a machine without
//! network (or without the web) is told from dead links and domains.

mod common;

use std::collections::HashMap;
use std::net::{Ipv4Addr, UdpSocket};
use std::sync::{Arc, Mutex};

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, MX};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use serde_json::Value;

/// Queries seen, by "name type".
type Seen = Arc<Mutex<HashMap<String, usize>>>;

/// What a test DNS server does with a query.
enum Reply {
    /// Never answers.
    Silent,
    /// Answers with this code and no record.
    Code(ResponseCode),
    /// Answers NOERROR with this record, or none (the name exists, the
    /// record type does not).
    Record(Option<RData>),
}

/// The zone of most tests: `mail.test` has an MX, `aonly.test` only an A
/// record, `nx.test` does not exist, `nullmx.test` has a null MX, and
/// `silent.test` is never answered; any other name exists, with no record.
fn test_zone(name: &str, record_type: RecordType) -> Reply {
    match (name, record_type) {
        ("silent.test", _) => Reply::Silent,
        ("nx.test", _) => Reply::Code(ResponseCode::NXDomain),
        ("mail.test", RecordType::MX) => Reply::Record(Some(RData::MX(MX::new(
            10,
            Name::from_ascii("mx.mail.test.").unwrap(),
        )))),
        ("nullmx.test", RecordType::MX) => Reply::Record(Some(RData::MX(MX::new(0, Name::root())))),
        ("aonly.test", RecordType::A) => {
            Reply::Record(Some(RData::A(A(Ipv4Addr::new(127, 0, 0, 9)))))
        }
        _ => Reply::Record(None),
    }
}

fn dns_server() -> (u16, Seen) {
    dns_server_with(test_zone)
}

/// How a test DNS server answers a name (lowercase, no trailing dot).
type Zone = fn(&str, RecordType) -> Reply;

/// A UDP DNS server on 127.0.0.1 answering as `zone` says.
fn dns_server_with(zone: Zone) -> (u16, Seen) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    let seen = Seen::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((len, peer)) = socket.recv_from(&mut buf) {
            let Ok(query) = Message::from_vec(&buf[..len]) else {
                continue;
            };
            let Some(q) = query.queries.first().cloned() else {
                continue;
            };
            let name = q.name().to_ascii().trim_end_matches('.').to_lowercase();
            *log.lock()
                .unwrap()
                .entry(format!("{name} {}", q.query_type()))
                .or_default() += 1;
            let mut answer = Message::new(query.metadata.id, MessageType::Response, OpCode::Query);
            answer.metadata.recursion_desired = query.metadata.recursion_desired;
            answer.metadata.recursion_available = true;
            answer.add_query(q.clone());
            match zone(&name, q.query_type()) {
                Reply::Silent => continue,
                Reply::Code(code) => answer.metadata.response_code = code,
                Reply::Record(Some(data)) => {
                    answer.add_answer(Record::from_rdata(q.name().clone(), 60, data));
                }
                Reply::Record(None) => {}
            }
            let _ = socket.send_to(&answer.to_vec().unwrap(), peer);
        }
    });
    (port, seen)
}

fn site(port: u16, emails_yaml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(
        dir.path().join("site.yaml"),
        format!(
            "links:\n  timeout_secs: 1\nlints:\n  email/unknown: allow\n  link/insecure: allow\n  steps/contact-missing: allow\nemails:\n  resolver: \"127.0.0.1:{port}\"\n{emails_yaml}"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("content/meta.md"),
        "---\nsource: meta\ntitle: Meta\nplatform: Meta\naccess:\n  grantee: data@mail.test\n  role: Analyst\n\
         contacts: [ops@aonly.test, help@nx.test]\n---\n## Grant access\n\n\
         1. Invite [data@mail.test](mailto:data@mail.test) and tell help@nx.test.\n\
         2. Give the role **Analyst**; questions go to nobody@nullmx.test or maybe@silent.test.\n",
    )
    .unwrap();
    dir
}

fn check(dir: &tempfile::TempDir, extra: &[&str]) -> (i32, Vec<Value>) {
    let run = common::check_json(dir.path(), extra);
    (run.code, run.diagnostics)
}

/// (code, severity, line, column) of the diagnostics that name `address`.
fn about(diagnostics: &[Value], address: &str) -> Vec<(String, String, u64, u64)> {
    diagnostics
        .iter()
        .filter(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .contains(&format!("`{address}`"))
        })
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn domains_are_resolved_once_and_judged() {
    let (port, seen) = dns_server();
    let dir = site(port, "");
    let (code, diagnostics) = check(&dir, &[]);
    assert_eq!(code, 1, "{diagnostics:?}");
    assert_eq!(
        about(&diagnostics, "data@mail.test"),
        vec![],
        "MX: takes mail"
    );
    assert_eq!(
        about(&diagnostics, "ops@aonly.test"),
        vec![],
        "A only: takes mail"
    );
    // help@nx.test appears twice: in contacts (line 8) and in step 1 (line 12).
    let nx = about(&diagnostics, "help@nx.test");
    assert_eq!(
        nx,
        vec![
            ("email/unreachable".into(), "error".into(), 8, 28),
            ("email/unreachable".into(), "error".into(), 12, 60),
        ]
    );
    assert_eq!(
        about(&diagnostics, "nobody@nullmx.test"),
        vec![("email/unreachable".into(), "error".into(), 13, 47)]
    );
    let silent = about(&diagnostics, "maybe@silent.test");
    assert_eq!(silent.len(), 1, "{silent:?}");
    assert_eq!(
        (silent[0].0.as_str(), silent[0].1.as_str()),
        ("email/unverifiable", "warning")
    );

    let seen = seen.lock().unwrap();
    for domain in ["mail.test", "aonly.test", "nx.test", "nullmx.test"] {
        assert_eq!(
            seen.get(&format!("{domain} MX")),
            Some(&1),
            "{domain} asked once: {seen:?}"
        );
    }
    drop(seen);
    let (_, json) = json_of(&dir);
    assert!(json.get("unchecked").is_none(), "names were found: {json}");
}

#[test]
fn offline_or_disabled_asks_nothing() {
    let (port, seen) = dns_server();
    let (code, _) = check(&site(port, ""), &["--offline"]);
    assert_eq!(code, 0);
    let (code, diagnostics) = check(&site(port, "  check_domains: false\n"), &[]);
    assert_eq!(code, 0, "{diagnostics:?}");
    assert!(seen.lock().unwrap().is_empty());
}

/// Every name unknown, every query refused, or nothing answered at all: a
/// machine without network, as three resolvers show it.
fn knows_no_name(_: &str, _: RecordType) -> Reply {
    Reply::Code(ResponseCode::NXDomain)
}

fn refuses_all(_: &str, _: RecordType) -> Reply {
    Reply::Code(ResponseCode::Refused)
}

fn never_answers(_: &str, _: RecordType) -> Reply {
    Reply::Silent
}

/// A resolver that knows the top-level domain `test` and no name under it.
fn knows_only_the_top_level(name: &str, _: RecordType) -> Reply {
    match name {
        "test" => Reply::Record(None),
        _ => Reply::Code(ResponseCode::NXDomain),
    }
}

/// A port on 127.0.0.1 nobody listens on: connecting is refused.
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A port on 127.0.0.1 where connecting hangs, as behind a firewall that
/// drops packets: a listener with a queue of one, filled and never
/// accepted. Keep both open until the test ends.
fn blackhole_port() -> (u16, (std::net::TcpListener, std::net::TcpStream)) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let _in_runtime = runtime.enter();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap().into_std().unwrap();
    let addr = listener.local_addr().unwrap();
    let filler = std::net::TcpStream::connect(addr).unwrap();
    (addr.port(), (listener, filler))
}

/// The guide of `site` links to each of `urls`, on a line of its own; one
/// try per link.
fn with_links(dir: &tempfile::TempDir, urls: &[String]) {
    let guide = dir.path().join("content/meta.md");
    let mut text = std::fs::read_to_string(&guide).unwrap();
    for url in urls {
        text.push_str(&format!("\nSee [this page]({url}).\n"));
    }
    std::fs::write(&guide, text).unwrap();
    let config = dir.path().join("site.yaml");
    let yaml = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        yaml.replace("timeout_secs: 1\n", "timeout_secs: 1\n  retries: 0\n"),
    )
    .unwrap();
}

/// `check --format FORMAT`: exit code, stdout, stderr.
fn check_as(dir: &tempfile::TempDir, format: &str) -> (i32, String, String) {
    let output = common::checked(
        assert_cmd::Command::cargo_bin("guidesite")
            .unwrap()
            .arg("--root")
            .arg(dir.path())
            .args(["check", "--format", format])
            .output()
            .unwrap(),
    );
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        common::stderr(&output),
    )
}

fn json_of(dir: &tempfile::TempDir) -> (i32, Value) {
    let (code, stdout, stderr) = check_as(dir, "json");
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (code, json)
}

/// (code, severity) of each diagnostic.
fn verdicts(json: &Value) -> Vec<(String, String)> {
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const NO_NETWORK: &str = "no network: 2 links and 5 mail domains were not checked";

#[test]
fn without_network_every_network_verdict_is_unverifiable_and_said_once() {
    // Only a resolver that says "no such domain" needs the canary to be told
    // from one that knows the names.
    let zones: [(Zone, bool); 3] = [
        (knows_no_name, true),
        (refuses_all, false),
        (never_answers, false),
    ];
    for (zone, asks_canary) in zones {
        let (port, seen) = dns_server_with(zone);
        let dir = site(port, "");
        let (refused, also_refused) = (dead_port(), dead_port());
        let urls = [
            format!("http://127.0.0.1:{refused}/a"),
            format!("http://127.0.0.1:{also_refused}/b"),
            format!("http://127.0.0.1:{refused}/a"),
        ];
        with_links(&dir, &urls);
        let (code, json) = json_of(&dir);
        assert_eq!(code, 0, "{json}");
        let found = verdicts(&json);
        let unverifiable = |code: &str| {
            found
                .iter()
                .filter(|f| **f == (code.to_string(), "warning".to_string()))
                .count()
        };
        // Seven places name an address (two of them twice), three a link.
        assert_eq!(unverifiable("email/unverifiable"), 7, "{json}");
        assert_eq!(unverifiable("link/unverifiable"), 3, "{json}");
        assert_eq!(found.len(), 10, "{json}");
        assert_eq!(
            json["unchecked"],
            serde_json::json!({"links": 2, "mail_domains": 5, "message": NO_NETWORK})
        );
        let seen = seen.lock().unwrap();
        for canary in ["com NS", "test NS"] {
            assert_eq!(seen.contains_key(canary), asks_canary, "{seen:?}");
        }
    }
}

#[test]
fn without_network_human_and_github_output_say_it_in_one_line_and_offline_errors_still_fail() {
    let (port, _) = dns_server_with(knows_no_name);
    let dir = site(port, "");
    with_links(
        &dir,
        &[
            format!("http://127.0.0.1:{}/a", dead_port()),
            format!("http://127.0.0.1:{}/b", dead_port()),
        ],
    );
    let (code, _, stderr) = check_as(&dir, "human");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr.matches("warning: no network").count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("warning: {NO_NETWORK}\n0 errors, 9 warnings\n")),
        "{stderr}"
    );
    let (code, stdout, _) = check_as(&dir, "github");
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.ends_with(&format!("::warning::{NO_NETWORK}\n")),
        "{stdout}"
    );

    // An offline error decides the exit code as it would offline.
    let guide = dir.path().join("content/meta.md");
    let text = std::fs::read_to_string(&guide).unwrap();
    std::fs::write(&guide, text.replacen("2. Give", "2.\n3. Give", 1)).unwrap();
    let (code, json) = json_of(&dir);
    assert_eq!(code, 1, "{json}");
    let errors: Vec<_> = verdicts(&json)
        .into_iter()
        .filter(|(_, severity)| severity == "error")
        .collect();
    assert_eq!(errors, [("steps/empty".into(), "error".into())], "{json}");
}

#[test]
fn a_resolver_that_knows_the_top_level_domain_keeps_no_such_domain_an_error() {
    let (port, seen) = dns_server_with(knows_only_the_top_level);
    let (code, json) = json_of(&site(port, ""));
    assert_eq!(code, 1, "{json}");
    let found = verdicts(&json);
    assert_eq!(found.len(), 7, "{json}");
    assert!(
        found
            .iter()
            .all(|f| *f == ("email/unreachable".to_string(), "error".to_string())),
        "{json}"
    );
    assert!(json.get("unchecked").is_none(), "{json}");
    assert!(seen.lock().unwrap().contains_key("test NS"));
}

#[test]
fn dns_without_web_keeps_mail_verdicts_and_sets_links_aside() {
    // A firewall that lets DNS through and blocks the web: one port refuses,
    // one drops the connection. A name the resolver does not know is still
    // gone, since it knows others. One request at a time on the dropping
    // host: two time out connecting, the third is given up untried.
    let (port, _) = dns_server();
    let dir = site(port, "");
    let (blackhole, _kept) = blackhole_port();
    let refused = format!("http://127.0.0.1:{}/a", dead_port());
    let dropped: Vec<String> = (0..3)
        .map(|n| format!("http://127.0.0.1:{blackhole}/{n}"))
        .collect();
    let no_such_host = "http://no-such-host.invalid/".to_string();
    with_links(
        &dir,
        &[&[refused.clone(), no_such_host.clone()], &dropped[..]].concat(),
    );
    let config = dir.path().join("site.yaml");
    let yaml = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        yaml.replace("  retries: 0\n", "  retries: 0\n  per_host: 1\n"),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let (code, json) = json_of(&dir);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(code, 1, "{json}");
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(
        about(diagnostics, "help@nx.test")[0].0,
        "email/unreachable",
        "{json}"
    );
    let link = |url: &str| {
        let found: Vec<_> = diagnostics
            .iter()
            .filter(|d| {
                d["message"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("`{url}`"))
            })
            .collect();
        assert_eq!(found.len(), 1, "{url}: {json}");
        found[0]["code"].as_str().unwrap().to_string()
    };
    assert_eq!(link(&refused), "link/unverifiable");
    for url in &dropped {
        assert_eq!(link(url), "link/unverifiable");
    }
    let untried = diagnostics
        .iter()
        .filter(|d| d["message"].as_str().unwrap().contains("not tried"))
        .count();
    assert_eq!(untried, 1, "{json}");
    assert_eq!(link(&no_such_host), "link/unreachable");
    assert_eq!(
        json["unchecked"]["message"],
        "no web server answered, though DNS does (is the web blocked here?): 4 links were not checked"
    );
}
