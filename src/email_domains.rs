//! Do the contact addresses' domains take mail? Each distinct domain is asked
//! once per run (MX, then A/AAAA as mail servers fall back), through the
//! configured resolver, with a timeout. No SMTP connection is ever made.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};

use crate::diag::Code;

/// What a domain's DNS says about mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainStatus {
    AcceptsMail,
    /// A null MX, or no MX/A/AAAA record: mail cannot be delivered.
    Unreachable(String),
    /// NXDOMAIN: no such domain, or a resolver that knows no name at all
    /// (`check` tells the two apart with [`any_exists`]).
    NoSuchDomain,
    /// The resolver did not answer usefully: a person should look.
    Unverifiable(String),
}

impl DomainStatus {
    /// What a guide naming `address` is told: `email/unreachable` or
    /// `email/unverifiable`; nothing when the domain takes mail.
    pub fn finding(&self, address: &str) -> Option<(Code, String)> {
        match self {
            DomainStatus::AcceptsMail => None,
            DomainStatus::Unreachable(reason) => Some((
                Code::EmailUnreachable,
                format!("mail to `{address}` cannot be delivered: {reason}"),
            )),
            DomainStatus::NoSuchDomain => Some((
                Code::EmailUnreachable,
                format!("mail to `{address}` cannot be delivered: DNS: no such domain"),
            )),
            DomainStatus::Unverifiable(reason) => Some((
                Code::EmailUnverifiable,
                format!("could not verify that `{address}` takes mail: {reason}"),
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ResolverError {
    #[error(
        "site.yaml: emails.resolver `{0}` is neither `system` nor an address like 127.0.0.1:53"
    )]
    BadAddress(String),
    #[error("cannot start the DNS resolver: {0}")]
    Start(String),
}

fn resolver(setting: &str, timeout: Duration) -> Result<TokioResolver, ResolverError> {
    let mut options = ResolverOpts::default();
    options.timeout = timeout;
    options.attempts = 1;
    let builder = if setting == "system" {
        Resolver::builder_tokio().map_err(|e| ResolverError::Start(e.to_string()))?
    } else {
        let addr: SocketAddr = setting
            .parse()
            .map_err(|_| ResolverError::BadAddress(setting.to_string()))?;
        let mut server = NameServerConfig::udp_and_tcp(addr.ip());
        for connection in &mut server.connections {
            connection.port = addr.port();
        }
        let config = ResolverConfig::from_parts(None, Vec::new(), vec![server]);
        Resolver::builder_with_config(config, TokioRuntimeProvider::default())
    };
    builder
        .with_options(options)
        .build()
        .map_err(|e| ResolverError::Start(e.to_string()))
}

impl DomainStatus {
    /// The resolver said the name exists (whatever its records): it answers.
    pub fn name_found(&self) -> bool {
        matches!(
            self,
            DomainStatus::AcceptsMail | DomainStatus::Unreachable(_)
        )
    }
}

/// Whether the resolver knows any of `names` (asked concurrently, as fully
/// qualified names, for NS records): the canary that tells a resolver that
/// answers from one that knows no name at all. A name with no NS record
/// exists all the same; any failure is a no.
pub async fn any_exists(names: &BTreeSet<String>, setting: &str, timeout: Duration) -> bool {
    let Ok(resolver) = resolver(setting, timeout) else {
        return false;
    };
    let resolver = Arc::new(resolver);
    let mut asks = tokio::task::JoinSet::new();
    for name in names {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        let resolver = Arc::clone(&resolver);
        asks.spawn(async move {
            match resolver.lookup(fqdn.as_str(), RecordType::NS).await {
                Ok(_) => true,
                Err(e) => e.is_no_records_found() && !e.is_nx_domain(),
            }
        });
    }
    while let Some(exists) = asks.join_next().await {
        if exists.unwrap_or(false) {
            return true;
        }
    }
    false
}

/// Looks up every domain concurrently; one answer per domain.
pub async fn check(
    domains: BTreeSet<String>,
    setting: &str,
    timeout: Duration,
) -> Result<BTreeMap<String, DomainStatus>, ResolverError> {
    let resolver = Arc::new(resolver(setting, timeout)?);
    let tasks: Vec<_> = domains
        .into_iter()
        .map(|domain| {
            let resolver = Arc::clone(&resolver);
            tokio::spawn(async move {
                let status = lookup(&resolver, &domain).await;
                (domain, status)
            })
        })
        .collect();
    let mut statuses = BTreeMap::new();
    for task in tasks {
        if let Ok((domain, status)) = task.await {
            statuses.insert(domain, status);
        }
    }
    Ok(statuses)
}

async fn lookup(resolver: &TokioResolver, domain: &str) -> DomainStatus {
    // A trailing dot: a fully qualified name, never tried against search domains.
    let fqdn = format!("{}.", domain.trim_end_matches('.'));
    match resolver.mx_lookup(fqdn.as_str()).await {
        Ok(lookup) => {
            let exchanges: Vec<_> = lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::MX(mx) => Some(mx.exchange.is_root()),
                    _ => None,
                })
                .collect();
            if !exchanges.is_empty() && exchanges.iter().all(|&null| null) {
                DomainStatus::Unreachable("null MX: the domain accepts no mail".into())
            } else {
                DomainStatus::AcceptsMail
            }
        }
        Err(e) if e.is_nx_domain() => DomainStatus::NoSuchDomain,
        Err(e) if e.is_no_records_found() => match resolver.lookup_ip(fqdn.as_str()).await {
            Ok(ips) if ips.iter().next().is_some() => DomainStatus::AcceptsMail,
            Ok(_) => DomainStatus::Unreachable("no MX, A or AAAA record".into()),
            Err(e) if e.is_nx_domain() || e.is_no_records_found() => {
                DomainStatus::Unreachable("no MX, A or AAAA record".into())
            }
            Err(e) => DomainStatus::Unverifiable(format!("DNS lookup failed: {e}")),
        },
        Err(e) => DomainStatus::Unverifiable(format!("DNS lookup failed: {e}")),
    }
}
