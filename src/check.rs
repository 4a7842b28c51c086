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
use crate::diag::{Code, Diagnostic, Finding};
use crate::email_domains::{self, DomainStatus};
use crate::error::Error;
use crate::links::{self, cache::LinkCache, reach};
use crate::pipeline::{Pipeline, Settings};
use crate::render::facts::Facts;
use crate::render::{self, MarkdownRenderer};
use crate::validate;

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
    /// What the network left unchecked, when it did not answer.
    pub unchecked: Option<reach::Unchecked>,
}

/// All validation of the site, drafts included; the network unless offline.
pub fn check(options: &CheckOptions) -> Result<CheckReport, Error> {
    // Check sees drafts: they are published once the flag goes.
    let settings = Settings {
        base_url: None,
        drafts: true,
        make_variants: false,
    };
    if options.offline {
        let mut pipeline = Pipeline::load(&options.root, &settings)?;
        pipeline.validate();
        return Ok(CheckReport {
            diagnostics: pipeline.diagnostics(),
            links: None,
            unchecked: None,
        });
    }
    let config = Pipeline::load_config(&options.root)?;
    let (urls, url_batches) = mpsc::unbounded_channel();
    let (domains, asked_domains) = oneshot::channel();
    let (abort, aborted) = oneshot::channel();
    let markdown = MarkdownRenderer::default();
    std::thread::scope(|scope| {
        let network =
            scope.spawn(|| network(&config, options, url_batches, asked_domains, aborted));
        // Each guide's URLs go to the network as soon as it is read.
        let reachables = |guide: &Guide| {
            let reachables = Reachables::new(guide, &render::facts(guide, &markdown));
            let _ = urls.send(
                reachables
                    .links
                    .iter()
                    .map(|(url, _)| url.clone())
                    .collect(),
            );
            reachables
        };
        let loaded = Pipeline::load_with(&options.root, config.clone(), &settings, reachables);
        drop(urls);
        let (mut pipeline, reachables) = match loaded {
            Ok(loaded) => loaded,
            Err(e) => {
                // Requests of the guides read so far are of no use now.
                drop(domains);
                let _ = abort.send(());
                let _ = network.join();
                return Err(e);
            }
        };
        if config.emails.check_domains {
            let asked = reachables.iter().flat_map(|r| &r.emails);
            let _ = domains.send(asked.map(|(address, _)| domain_of(address)).collect());
        } else {
            drop(domains);
        }
        // The network is mostly waiting: let it wait while the CPU validates.
        pipeline.validate();
        let (report, statuses, unchecked) =
            network.join().expect("the network checks never panic")?;
        let mut found = Vec::new();
        for (guide, reachables) in pipeline.guides().zip(&reachables) {
            let links = findings_at(&reachables.links, |url| {
                report.outcomes.get(url)?.finding(url)
            });
            let emails = findings_at(&reachables.emails, |address| {
                statuses.get(&domain_of(address))?.finding(address)
            });
            let capped = validate::cap_repeats(links.chain(emails).collect());
            found.extend(capped.into_iter().map(|f| guide.diagnostic(f)));
        }
        Ok(CheckReport {
            diagnostics: pipeline.diagnostics_with(found),
            links: Some(report),
            unchecked,
        })
    })
}

/// What the network findings need of a guide, kept while its facts are dropped.
struct Reachables {
    /// Each external link's requested URL (no fragment) and its span.
    links: Vec<(String, Range<usize>)>,
    /// Each well-formed address and its span.
    emails: Vec<(String, Range<usize>)>,
}

impl Reachables {
    fn new(guide: &Guide, facts: &Facts) -> Self {
        Reachables {
            links: facts
                .links
                .iter()
                .filter(|l| render::is_external(&l.dest))
                .map(|l| (links::request_url(&l.dest).to_string(), l.span.clone()))
                .collect(),
            emails: validate::email::addresses(guide, facts),
        }
    }
}

type DomainStatuses = BTreeMap<String, DomainStatus>;

/// What the network thread found.
type Network = (links::Report, DomainStatuses, Option<reach::Unchecked>);

/// The network thread: links as they arrive, mail domains once all are
/// known, then the verdicts silence makes meaningless set aside.
fn network(
    config: &SiteConfig,
    options: &CheckOptions,
    url_batches: mpsc::UnboundedReceiver<Vec<String>>,
    asked_domains: oneshot::Receiver<BTreeSet<String>>,
    aborted: oneshot::Receiver<()>,
) -> Result<Network, Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let mut warnings = Vec::new();
    let cache = (!options.no_cache && config.links.cache_ttl_secs > 0).then(|| {
        let ttl = Duration::from_secs(config.links.cache_ttl_secs);
        let (cache, warning) = LinkCache::open(&options.root, ttl);
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
    let work = async { tokio::join!(links, domains) };
    // Only an abort sent stops the work; a sender dropped unsent does not.
    let finished = runtime.block_on(async {
        tokio::select! {
            done = work => Some(done),
            Ok(()) = aborted => None,
        }
    });
    let Some((report, statuses)) = finished else {
        runtime.shutdown_background();
        return Ok((links::Report::default(), DomainStatuses::new(), None));
    };
    let judged = judge_silence(&runtime, config, timeout, report, statuses);
    // Idle keep-alive connections need no goodbye: do not wait for them.
    runtime.shutdown_background();
    let (mut report, statuses, unchecked) = judged?;
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok((report, statuses, unchecked))
}

/// The verdicts of the links and domains, with those that silence makes
/// meaningless set aside ([`reach`]); asks the canary first when the
/// lookups alone cannot tell whether the resolver knows any name.
fn judge_silence(
    runtime: &tokio::runtime::Runtime,
    config: &SiteConfig,
    timeout: Duration,
    report: Result<links::Report, links::LinkError>,
    statuses: Result<DomainStatuses, email_domains::ResolverError>,
) -> Result<Network, Error> {
    let (mut report, mut statuses) = (report?, statuses?);
    let dns_answered = reach::dns_answered(&statuses).unwrap_or_else(|| {
        !reach::needs_canary(&report.outcomes, &statuses)
            || runtime.block_on(email_domains::any_exists(
                &reach::canary_names(&report.outcomes, &statuses),
                &config.emails.resolver,
                timeout,
            ))
    });
    let unchecked = reach::judge(&mut report.outcomes, &mut statuses, dns_answered);
    Ok((report, statuses, unchecked))
}

/// A finding at every place (a URL or an address, with its span) that
/// `judge` finds fault with.
fn findings_at<'a>(
    places: &'a [(String, Range<usize>)],
    judge: impl Fn(&str) -> Option<(Code, String)> + 'a,
) -> impl Iterator<Item = Finding> + 'a {
    places.iter().filter_map(move |(place, span)| {
        let (code, message) = judge(place)?;
        Some(Finding::new(code, span.clone(), message))
    })
}

fn domain_of(address: &str) -> String {
    address
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .to_lowercase()
}
