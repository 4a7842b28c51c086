//! Offline is not broken. When no server answered any link (every request
//! failed to connect or to find its host), the failures say nothing about
//! the links; when the resolver found no name at all, not even a top-level
//! domain (the canary), its "no such domain" says nothing about the
//! addresses. Those verdicts become unverifiable, and one line says what was
//! not checked. Each channel is judged alone: a firewall that lets DNS
//! through and blocks the web leaves the mail domains' verdicts real, and a
//! link's "no such host" real too, since the resolver does know names.

use std::collections::{BTreeMap, BTreeSet};

use super::status::Outcome;
use crate::email_domains::DomainStatus;

/// Always asked with the top-level domains of the names checked: a
/// resolver that does not know `com` does not know the internet.
pub const CANARY: &str = "com";

/// What the network left unchecked in a run, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unchecked {
    /// Distinct URLs whose failure became `link/unverifiable`.
    pub links: usize,
    /// Distinct mail domains left `email/unverifiable` by a resolver that
    /// found no name.
    pub mail_domains: usize,
    /// Some web server answered a link.
    pub web_answered: bool,
    /// The resolver found some name (a domain checked, or the canary).
    pub dns_answered: bool,
}

impl Unchecked {
    /// The one line for the report: what was not checked, and the likely cause.
    pub fn message(&self) -> String {
        let links = (self.links, "link");
        let domains = (self.mail_domains, "mail domain");
        match (self.web_answered, self.dns_answered) {
            (false, true) => format!(
                "no web server answered, though DNS does (is the web blocked here?): {}",
                not_checked(&[links])
            ),
            (true, false) => format!(
                "the DNS resolver found no name, not even `{CANARY}`: {}",
                not_checked(&[domains])
            ),
            _ => format!("no network: {}", not_checked(&[links, domains])),
        }
    }
}

/// `1 link was not checked`, `2 links and 1 mail domain were not checked`:
/// the counts that are not zero.
fn not_checked(counts: &[(usize, &str)]) -> String {
    let parts: Vec<String> = counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, noun)| format!("{n} {noun}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    let one = parts.len() == 1 && counts.iter().any(|(n, _)| *n == 1);
    format!(
        "{} {} not checked",
        parts.join(" and "),
        if one { "was" } else { "were" }
    )
}

/// Links were requested and no server answered any of them.
pub fn links_silent(outcomes: &BTreeMap<String, Outcome>) -> bool {
    outcomes
        .values()
        .any(|o| matches!(o, Outcome::Unanswered { .. }))
        && !outcomes.values().any(server_answered)
}

/// A request of this run reached a server (excluded and cached links were
/// not requested).
fn server_answered(outcome: &Outcome) -> bool {
    match outcome {
        Outcome::Ok
        | Outcome::Redirected { .. }
        | Outcome::Unreachable(_)
        | Outcome::Unverifiable(_) => true,
        Outcome::Unanswered { .. } | Outcome::Excluded | Outcome::Cached => false,
    }
}

/// What the domain lookups alone tell of the resolver: `Some(true)` when it
/// found a name, `Some(false)` when it answered none at all (every lookup
/// failed), `None` when only the canary can tell (some said "no such
/// domain", or nothing was asked).
pub fn dns_answered(statuses: &BTreeMap<String, DomainStatus>) -> Option<bool> {
    if statuses.values().any(DomainStatus::name_found) {
        Some(true)
    } else if !statuses.is_empty()
        && statuses
            .values()
            .all(|s| matches!(s, DomainStatus::Unverifiable(_)))
    {
        Some(false)
    } else {
        None
    }
}

/// Whether the canary must be asked: the lookups did not tell, and some
/// verdict depends on it.
pub fn needs_canary(
    outcomes: &BTreeMap<String, Outcome>,
    statuses: &BTreeMap<String, DomainStatus>,
) -> bool {
    dns_answered(statuses).is_none() && (!statuses.is_empty() || links_silent(outcomes))
}

/// The names the canary asks: [`CANARY`], and the top-level domain of each
/// mail domain and of each link host not found.
pub fn canary_names(
    outcomes: &BTreeMap<String, Outcome>,
    statuses: &BTreeMap<String, DomainStatus>,
) -> BTreeSet<String> {
    let hosts_not_found = outcomes.iter().filter_map(|(url, outcome)| match outcome {
        Outcome::Unanswered {
            no_such_host: true, ..
        } => reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.domain().map(str::to_string)),
        _ => None,
    });
    statuses
        .keys()
        .cloned()
        .chain(hosts_not_found)
        .filter_map(|name| top_level(&name).map(str::to_lowercase))
        .chain([CANARY.to_string()])
        .collect()
}

fn top_level(name: &str) -> Option<&str> {
    name.trim_end_matches('.')
        .rsplit('.')
        .next()
        .filter(|label| !label.is_empty())
}

/// Turns the verdicts that silence makes meaningless into unverifiable
/// ones; `dns_answered` is whether the resolver found any name. Returns
/// what was left unchecked, if anything.
pub fn judge(
    outcomes: &mut BTreeMap<String, Outcome>,
    statuses: &mut BTreeMap<String, DomainStatus>,
    dns_answered: bool,
) -> Option<Unchecked> {
    let web_answered = outcomes.values().any(server_answered);
    let mut links = 0;
    if links_silent(outcomes) {
        for outcome in outcomes.values_mut() {
            let Outcome::Unanswered {
                reason,
                no_such_host,
            } = outcome
            else {
                continue;
            };
            // The resolver knows names: a name it does not know is gone.
            if *no_such_host && dns_answered {
                continue;
            }
            *outcome = Outcome::Unverifiable(format!(
                "{reason}, and no server answered any link (no network?)"
            ));
            links += 1;
        }
    }
    let mut mail_domains = 0;
    if !dns_answered {
        for status in statuses.values_mut() {
            match status {
                DomainStatus::NoSuchDomain => {
                    *status = DomainStatus::Unverifiable(format!(
                        "DNS: no such domain, but the resolver found no name at all, not even `{CANARY}` (no network?)"
                    ));
                    mail_domains += 1;
                }
                DomainStatus::Unverifiable(_) => mail_domains += 1,
                _ => {}
            }
        }
    }
    (links + mail_domains > 0).then_some(Unchecked {
        links,
        mail_domains,
        web_answered,
        dns_answered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> Outcome {
        Outcome::Unanswered {
            reason: "connection refused".into(),
            no_such_host: false,
        }
    }

    fn not_found() -> Outcome {
        Outcome::Unanswered {
            reason: "DNS: no such host".into(),
            no_such_host: true,
        }
    }

    fn outcomes(list: &[(&str, Outcome)]) -> BTreeMap<String, Outcome> {
        list.iter()
            .map(|(url, o)| (url.to_string(), o.clone()))
            .collect()
    }

    #[test]
    fn one_answering_server_keeps_every_verdict() {
        let mut links = outcomes(&[
            ("http://127.0.0.1:1/", refused()),
            (
                "http://127.0.0.1:2/",
                Outcome::Unreachable("HTTP 404".into()),
            ),
        ]);
        let before = links.clone();
        assert!(!links_silent(&links));
        assert_eq!(judge(&mut links, &mut BTreeMap::new(), false), None);
        assert_eq!(links, before);
    }

    #[test]
    fn silence_everywhere_is_no_network() {
        let mut links = outcomes(&[
            ("http://127.0.0.1:1/", refused()),
            ("https://gone.example/", not_found()),
            ("https://cached.example/", Outcome::Cached),
        ]);
        let mut domains: BTreeMap<String, DomainStatus> = [
            ("a.test".to_string(), DomainStatus::NoSuchDomain),
            (
                "b.test".to_string(),
                DomainStatus::Unverifiable("timed out".into()),
            ),
        ]
        .into();
        let unchecked = judge(&mut links, &mut domains, false).unwrap();
        assert_eq!(
            unchecked.message(),
            "no network: 2 links and 2 mail domains were not checked"
        );
        assert!(matches!(
            links["https://gone.example/"],
            Outcome::Unverifiable(_)
        ));
        assert_eq!(links["https://cached.example/"], Outcome::Cached);
        assert!(matches!(domains["a.test"], DomainStatus::Unverifiable(_)));
    }

    #[test]
    fn a_resolver_that_knows_names_keeps_hosts_not_found_and_mail_verdicts() {
        let mut links = outcomes(&[
            ("http://127.0.0.1:1/", refused()),
            ("https://gone.example/", not_found()),
        ]);
        let mut domains: BTreeMap<String, DomainStatus> =
            [("a.test".to_string(), DomainStatus::NoSuchDomain)].into();
        let unchecked = judge(&mut links, &mut domains, true).unwrap();
        assert_eq!(
            unchecked.message(),
            "no web server answered, though DNS does (is the web blocked here?): 1 link was not checked"
        );
        assert_eq!(links["https://gone.example/"], not_found());
        assert_eq!(domains["a.test"], DomainStatus::NoSuchDomain);
    }

    #[test]
    fn a_resolver_that_finds_nothing_while_the_web_answers_sets_only_mail_aside() {
        let mut links = outcomes(&[
            ("http://127.0.0.1:1/", refused()),
            ("http://127.0.0.1:2/", Outcome::Ok),
        ]);
        let mut domains: BTreeMap<String, DomainStatus> =
            [("a.test".to_string(), DomainStatus::NoSuchDomain)].into();
        let unchecked = judge(&mut links, &mut domains, false).unwrap();
        assert_eq!(
            unchecked.message(),
            "the DNS resolver found no name, not even `com`: 1 mail domain was not checked"
        );
        assert_eq!(links["http://127.0.0.1:1/"], refused(), "a real verdict");
    }

    #[test]
    fn the_canary_asks_com_and_the_top_level_domains_checked() {
        let links = outcomes(&[
            ("https://gone.example/", not_found()),
            ("http://127.0.0.1:1/", refused()),
        ]);
        let domains: BTreeMap<String, DomainStatus> =
            [("mail.TEST".to_string(), DomainStatus::NoSuchDomain)].into();
        assert!(needs_canary(&links, &domains));
        assert_eq!(
            canary_names(&links, &domains),
            ["com", "example", "test"].map(String::from).into()
        );
        let found: BTreeMap<String, DomainStatus> =
            [("ok.test".to_string(), DomainStatus::AcceptsMail)].into();
        assert!(!needs_canary(&links, &found), "a name found says enough");
    }
}
