//! `guidesite check`: offline validation, and unless `--offline` the network
//! checks. Requests start as soon as the first guide's links are known, and
//! run while the rest are read, rendered and validated.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::config::SiteConfig;
use crate::content::Guide;
use crate::diag::{Code, Diagnostic, Finding, Severity};
use crate::email_domains::{self, DomainStatus};
use crate::links::{self, cache::LinkCache, status::Outcome};
use crate::render::facts::Facts;
use crate::{Analysis, Error, analyse, ensure_root, validate};

/// What `guidesite check` was asked to do.
pub struct CheckOptions {
    pub root: PathBuf,
    /// Skip everything that needs the network.
    pub offline: bool,
    /// Neither read nor trust cached link results.
    pub no_cache: bool,
    /// Shown while links are checked; hidden when not on a terminal.
    pub progress: indicatif::ProgressBar,
}

/// The outcome of `check`.
pub struct CheckReport {
    pub diagnostics: Vec<Diagnostic>,
    /// Present when external links were checked.
    pub links: Option<links::Report>,
}

/// All validation of the site, drafts included; the network unless offline.
pub fn check(options: &CheckOptions) -> Result<CheckReport, Error> {
    ensure_root(&options.root)?;
    let config = SiteConfig::load(&options.root)?;
    if options.offline {
        let analysis = analyse(&options.root, config, true, &|_| {})?;
        return Ok(CheckReport {
            diagnostics: analysis.diagnostics,
            links: None,
        });
    }
    let (urls, url_batches) = mpsc::unbounded_channel();
    let (domains, asked_domains) = oneshot::channel();
    let network_config = config.clone();
    std::thread::scope(|scope| {
        let network = scope.spawn(|| network(&network_config, options, url_batches, asked_domains));
        // Each guide's URLs go to the network as soon as it is rendered.
        let send_urls = |facts: &Facts| {
            let _ = urls.send(external_urls(facts).map(str::to_string).collect());
        };
        let analysed = analyse(&options.root, config, false, &send_urls);
        drop(urls);
        let mut analysis = match analysed {
            Ok(analysis) => analysis,
            Err(e) => {
                drop(domains);
                let _ = network.join();
                return Err(e);
            }
        };
        let places = email_places(&analysis);
        if analysis.config.emails.check_domains {
            let _ = domains.send(
                places
                    .iter()
                    .map(|(_, address, _)| domain_of(address))
                    .collect(),
            );
        } else {
            drop(domains);
        }
        // The network is mostly waiting: let it wait while the CPU validates.
        let validation = analysis.validate();
        let (report, statuses) = network.join().expect("the network checks never panic")?;
        let mut findings = link_findings(&analysis, &report);
        findings.extend(email_findings(&analysis, places, &statuses));
        findings.retain(|d| d.severity != Severity::Allow);
        analysis.diagnostics.extend(validation);
        analysis.diagnostics.append(&mut findings);
        validate::sort(&mut analysis.diagnostics);
        Ok(CheckReport {
            diagnostics: analysis.diagnostics,
            links: Some(report),
        })
    })
}

type DomainStatuses = BTreeMap<String, DomainStatus>;

/// The network thread: links as they arrive, mail domains once all are known.
fn network(
    config: &SiteConfig,
    options: &CheckOptions,
    url_batches: mpsc::UnboundedReceiver<Vec<String>>,
    asked_domains: oneshot::Receiver<BTreeSet<String>>,
) -> Result<(links::Report, DomainStatuses), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let mut warnings = Vec::new();
    let cache = (!options.no_cache && config.links.cache_ttl_secs > 0).then(|| {
        let ttl = Duration::from_secs(config.links.cache_ttl_secs);
        let (cache, warning) = LinkCache::load(LinkCache::path_in(&options.root), ttl);
        warnings.extend(warning);
        cache
    });
    let timeout = Duration::from_secs(config.links.timeout_secs.max(1));
    let domains = async {
        match asked_domains.await {
            Ok(domains) => email_domains::check(domains, &config.emails.resolver, timeout).await,
            Err(_) => Ok(DomainStatuses::new()),
        }
    };
    let links = links::check(url_batches, &config.links, cache, &options.progress);
    let (report, statuses) = runtime.block_on(async { tokio::join!(links, domains) });
    // Idle keep-alive connections need no goodbye: do not wait for them.
    runtime.shutdown_background();
    let mut report = report?;
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok((report, statuses?))
}

/// `http(s)://` destinations, the only ones requested, without fragments.
fn external_urls(facts: &Facts) -> impl Iterator<Item = &str> {
    facts
        .links
        .iter()
        .filter(|l| is_external(&l.dest))
        .map(|l| links::request_url(&l.dest))
}

fn is_external(dest: &str) -> bool {
    let lower = dest.get(..8).unwrap_or(dest).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// `link/unreachable`, `link/unverifiable` and `link/redirect` at every place
/// a URL appears.
fn link_findings(analysis: &Analysis, report: &links::Report) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for (guide, facts) in analysis.content.guides.iter().zip(&analysis.facts) {
        for link in facts.links.iter().filter(|l| is_external(&l.dest)) {
            let url = links::request_url(&link.dest);
            let (code, message) = match report.outcomes.get(url) {
                Some(Outcome::Unreachable(reason)) => (
                    Code::LinkUnreachable,
                    format!("`{url}` is unreachable: {reason}"),
                ),
                Some(Outcome::Unverifiable(reason)) => (
                    Code::LinkUnverifiable,
                    format!("`{url}` could not be verified: {reason}"),
                ),
                Some(Outcome::Redirected { to }) => (
                    Code::LinkRedirect,
                    format!("`{url}` permanently redirects to `{to}`: link there directly"),
                ),
                _ => continue,
            };
            let finding = Finding::new(code, link.span.clone(), message);
            findings.push(guide.diagnostic(finding, &analysis.config));
        }
    }
    findings
}

type Place<'a> = (&'a Guide, String, Range<usize>);

/// Every well-formed address of every guide, with where it appears.
fn email_places(analysis: &Analysis) -> Vec<Place<'_>> {
    analysis
        .content
        .guides
        .iter()
        .zip(&analysis.facts)
        .flat_map(|(guide, facts)| {
            validate::email::addresses(guide, facts)
                .into_iter()
                .map(move |(address, span)| (guide, address, span))
        })
        .collect()
}

fn domain_of(address: &str) -> String {
    address
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .to_lowercase()
}

/// `email/unreachable` and `email/unverifiable` at every place an address appears.
fn email_findings(
    analysis: &Analysis,
    places: Vec<Place>,
    statuses: &DomainStatuses,
) -> Vec<Diagnostic> {
    places
        .into_iter()
        .filter_map(|(guide, address, span)| {
            let (code, message) = match statuses.get(&domain_of(&address))? {
                DomainStatus::AcceptsMail => return None,
                DomainStatus::Unreachable(reason) => (
                    Code::EmailUnreachable,
                    format!("mail to `{address}` cannot be delivered: {reason}"),
                ),
                DomainStatus::Unverifiable(reason) => (
                    Code::EmailUnverifiable,
                    format!("could not verify that `{address}` takes mail: {reason}"),
                ),
            };
            Some(guide.diagnostic(Finding::new(code, span, message), &analysis.config))
        })
        .collect()
}
