//! `guidesite check`: offline validation, and unless `--offline` the network
//! checks (external links, mail domains), which run while validation does.

use std::path::PathBuf;

use crate::diag::{Code, Diagnostic, Finding, Severity};
use crate::links::status::Outcome;
use crate::render::Output;
use crate::{Analysis, Error, analyse, email_domains, ensure_root, links, validate};

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
    let config = crate::config::SiteConfig::load(&options.root)?;
    // Online, validation runs below, beside the network checks.
    let mut analysis = analyse(
        &options.root,
        config,
        true,
        options.offline,
        Output::FactsOnly,
    )?;
    if options.offline {
        return Ok(CheckReport {
            diagnostics: analysis.diagnostics,
            links: None,
        });
    }
    // The network is mostly waiting: let it wait while the CPU validates.
    let (validation, network) = std::thread::scope(|scope| {
        let network = scope.spawn(|| network_checks(&analysis, options));
        let validation = analysis.validate();
        (
            validation,
            network.join().expect("the network checks never panic"),
        )
    });
    let (report, mut findings) = network?;
    analysis.diagnostics.extend(validation);
    findings.retain(|d| d.severity != Severity::Allow);
    analysis.diagnostics.append(&mut findings);
    validate::sort(&mut analysis.diagnostics);
    Ok(CheckReport {
        diagnostics: analysis.diagnostics,
        links: Some(report),
    })
}

/// Links and mail domains, each asked once, concurrently; located diagnostics.
fn network_checks(
    analysis: &Analysis,
    options: &CheckOptions,
) -> Result<(links::Report, Vec<Diagnostic>), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let report = check_links(analysis, options, &runtime)?;
    let mut findings = Vec::new();
    for (guide, rendered) in analysis.content.guides.iter().zip(&analysis.rendered) {
        for link in rendered.facts.links.iter().filter(|l| is_external(&l.dest)) {
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
            findings.push(guide.diagnostic(
                Finding::new(code, link.span.clone(), message),
                &analysis.config,
            ));
        }
    }
    if analysis.config.emails.check_domains {
        findings.extend(check_email_domains(analysis, &runtime)?);
    }
    Ok((report, findings))
}

/// `http(s)://` destinations, the only ones requested.
fn is_external(dest: &str) -> bool {
    let lower = dest.get(..8).unwrap_or(dest).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// `email/unreachable` and `email/unverifiable` at every place an address appears.
fn check_email_domains(
    analysis: &Analysis,
    runtime: &tokio::runtime::Runtime,
) -> Result<Vec<Diagnostic>, Error> {
    let places: Vec<(&crate::content::Guide, String, std::ops::Range<usize>)> = analysis
        .content
        .guides
        .iter()
        .zip(&analysis.rendered)
        .flat_map(|(guide, rendered)| {
            validate::email::addresses(guide, &rendered.facts)
                .into_iter()
                .map(move |(address, span)| (guide, address, span))
        })
        .collect();
    let domain_of = |address: &str| {
        address
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .to_lowercase()
    };
    let domains = places
        .iter()
        .map(|(_, address, _)| domain_of(address))
        .collect();
    let config = &analysis.config;
    let timeout = std::time::Duration::from_secs(config.links.timeout_secs.max(1));
    let statuses = runtime.block_on(email_domains::check(
        domains,
        &config.emails.resolver,
        timeout,
    ))?;
    Ok(places
        .into_iter()
        .filter_map(|(guide, address, span)| {
            let (code, message) = match statuses.get(&domain_of(&address))? {
                email_domains::DomainStatus::AcceptsMail => return None,
                email_domains::DomainStatus::Unreachable(reason) => (
                    Code::EmailUnreachable,
                    format!("mail to `{address}` cannot be delivered: {reason}"),
                ),
                email_domains::DomainStatus::Unverifiable(reason) => (
                    Code::EmailUnverifiable,
                    format!("could not verify that `{address}` takes mail: {reason}"),
                ),
            };
            Some(guide.diagnostic(Finding::new(code, span, message), config))
        })
        .collect())
}

fn check_links(
    analysis: &Analysis,
    options: &CheckOptions,
    runtime: &tokio::runtime::Runtime,
) -> Result<links::Report, Error> {
    let urls: Vec<String> = analysis
        .rendered
        .iter()
        .flat_map(|r| &r.facts.links)
        .filter(|l| is_external(&l.dest))
        .map(|l| links::request_url(&l.dest).to_string())
        .collect();
    let config = &analysis.config.links;
    let mut warnings = Vec::new();
    let cache = (!options.no_cache && config.cache_ttl_secs > 0).then(|| {
        let ttl = std::time::Duration::from_secs(config.cache_ttl_secs);
        let (cache, warning) =
            links::cache::LinkCache::load(links::cache::LinkCache::path_in(&options.root), ttl);
        warnings.extend(warning);
        cache
    });
    let mut report = runtime.block_on(links::check(urls, config, cache, &options.progress))?;
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok(report)
}
