//! Contact domains are resolved through a real DNS server on 127.0.0.1.

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

/// A UDP DNS server on 127.0.0.1 answering a fixed zone:
/// `mail.test` has an MX, `aonly.test` only an A record, `nx.test` does not
/// exist, `nullmx.test` has a null MX, and `silent.test` is never answered.
fn dns_server() -> (u16, Seen) {
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
            let owner = q.name().clone();
            match (name.as_str(), q.query_type()) {
                ("silent.test", _) => continue,
                ("nx.test", _) => answer.metadata.response_code = ResponseCode::NXDomain,
                ("mail.test", RecordType::MX) => {
                    answer.add_answer(Record::from_rdata(
                        owner,
                        60,
                        RData::MX(MX::new(10, Name::from_ascii("mx.mail.test.").unwrap())),
                    ));
                }
                ("nullmx.test", RecordType::MX) => {
                    answer.add_answer(Record::from_rdata(
                        owner,
                        60,
                        RData::MX(MX::new(0, Name::root())),
                    ));
                }
                ("aonly.test", RecordType::A) => {
                    answer.add_answer(Record::from_rdata(
                        owner,
                        60,
                        RData::A(A(Ipv4Addr::new(127, 0, 0, 9))),
                    ));
                }
                _ => {} // NOERROR with no answer: no such record
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
            "links:\n  timeout_secs: 1\nlints:\n  email/unknown: allow\nemails:\n  resolver: \"127.0.0.1:{port}\"\n{emails_yaml}"
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
