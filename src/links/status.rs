//! The closed set of outcomes of checking one URL, and the one place that
//! decides what is worth retrying.

use std::time::Duration;

use crate::diag::Code;

/// What checking a URL concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Answered with an accepted status (after temporary redirects, if any).
    Ok,
    /// Reachable, but a permanent redirect (301/308) was followed to `to`.
    Redirected { to: String },
    /// Dead: a server was reached and answered badly (a status, TLS, a
    /// redirect refused), or accepted the connection and never answered.
    Unreachable(String),
    /// No server answered: the name was not found, or no connection was
    /// made (refused, unreachable, timed out connecting). Dead like
    /// `Unreachable` while the network answers at all; `check` tells the two
    /// apart ([`super::reach`]).
    Unanswered { reason: String, no_such_host: bool },
    /// Alive but guarded (bot wall, challenge, rate limit): a person should look.
    Unverifiable(String),
    /// Matched `links.exclude`; never requested.
    Excluded,
    /// A success remembered from an earlier run.
    Cached,
}

impl Outcome {
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            Outcome::Ok | Outcome::Redirected { .. } | Outcome::Cached
        )
    }

    /// What a guide linking to `url` is told: `link/unreachable`,
    /// `link/unverifiable` or `link/redirect`; nothing for a success.
    pub fn finding(&self, url: &str) -> Option<(Code, String)> {
        match self {
            Outcome::Unreachable(reason) | Outcome::Unanswered { reason, .. } => Some((
                Code::LinkUnreachable,
                format!("`{url}` is unreachable: {reason}"),
            )),
            Outcome::Unverifiable(reason) => Some((
                Code::LinkUnverifiable,
                format!("`{url}` could not be verified: {reason}"),
            )),
            Outcome::Redirected { to } => Some((
                Code::LinkRedirect,
                format!("`{url}` permanently redirects to `{to}`: link there directly"),
            )),
            Outcome::Ok | Outcome::Excluded | Outcome::Cached => None,
        }
    }
}

/// What one attempt produced, before retries are decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Done(Outcome),
    /// Worth another try after at least this long (from `Retry-After`), or
    /// after the usual backoff when `None`. `last` is the outcome if no try is left.
    Retry {
        after: Option<Duration>,
        last: Outcome,
    },
    /// No answer within the timeout: worth another try like `Retry`, and a
    /// sign that the host may not answer at all ([`super::host::Host`]).
    TimedOut {
        last: Outcome,
    },
}

/// Classifies a final (non-redirect) response.
pub fn classify_status(
    status: u16,
    accept: &[u16],
    challenge: bool,
    retry_after: Option<Duration>,
    permanent_to: Option<String>,
) -> Attempt {
    let accepted = if accept.is_empty() {
        (200..300).contains(&status)
    } else {
        accept.contains(&status)
    };
    if accepted {
        return Attempt::Done(match permanent_to {
            Some(to) => Outcome::Redirected { to },
            None => Outcome::Ok,
        });
    }
    let reason = match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(text) => format!("HTTP {status} {text}"),
        None => format!("HTTP {status}"),
    };
    match status {
        // LinkedIn and others answer robots with 999.
        999 => Attempt::Done(Outcome::Unverifiable(format!(
            "{reason}: the site refuses automated requests"
        ))),
        403 | 503 if challenge => Attempt::Done(Outcome::Unverifiable(format!(
            "{reason} with a bot challenge page: open it in a browser"
        ))),
        429 => Attempt::Retry {
            after: retry_after,
            last: Outcome::Unverifiable(format!("{reason}: still rate limited after retries")),
        },
        500..=599 => Attempt::Retry {
            after: None,
            last: Outcome::Unreachable(reason),
        },
        _ => Attempt::Done(Outcome::Unreachable(reason)),
    }
}

/// Classifies a transport failure: timeouts and connection errors are
/// retried. A failure to connect (a name not found included) is
/// [`Outcome::Unanswered`]: no server took part in it.
pub fn classify_error(err: &reqwest::Error, timeout: Duration) -> Attempt {
    let reason = describe_error(err, timeout);
    let last = if err.is_connect() {
        Outcome::Unanswered {
            reason,
            no_such_host: err.is_dns(),
        }
    } else {
        Outcome::Unreachable(reason)
    };
    if err.is_timeout() {
        Attempt::TimedOut { last }
    } else if err.is_connect() {
        Attempt::Retry { after: None, last }
    } else {
        Attempt::Done(last)
    }
}

/// A reason a person can act on, from the error and its causes.
fn describe_error(err: &reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return format!("timed out after {} s", timeout.as_secs_f32());
    }
    let mut chain = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = source {
        chain.push_str(&e.to_string().to_lowercase());
        chain.push(' ');
        source = e.source();
    }
    if chain.contains("dns error")
        || chain.contains("failed to lookup address")
        || chain.contains("name or service not known")
    {
        "DNS: no such host".into()
    } else if chain.contains("connection refused") {
        "connection refused".into()
    } else if chain.contains("certificate") || chain.contains("tls") || chain.contains("handshake")
    {
        format!("TLS error: {}", innermost(err))
    } else if chain.contains("connection reset") {
        "connection reset by the server".into()
    } else {
        innermost(err)
    }
}

/// A link given up untried because its host never answered, like `others`
/// more links on it; `connected` when the host accepted connections.
pub fn untried_on_silent_host(others: usize, timeout: Duration, connected: bool) -> Outcome {
    let mut reason = format!(
        "host did not answer (its first links timed out after {} s on every try), so this link was not tried",
        timeout.as_secs_f32()
    );
    match others {
        0 => {}
        1 => reason.push_str("; 1 other link on it not tried"),
        _ => reason.push_str(&format!("; {others} other links on it not tried")),
    }
    if connected {
        Outcome::Unreachable(reason)
    } else {
        Outcome::Unanswered {
            reason,
            no_such_host: false,
        }
    }
}

fn innermost(err: &reqwest::Error) -> String {
    let mut last: &dyn std::error::Error = err;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// `Retry-After`: seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(
            classify_status(200, &[], false, None, None),
            Attempt::Done(Outcome::Ok)
        );
        assert!(
            matches!(classify_status(404, &[], false, None, None), Attempt::Done(Outcome::Unreachable(r)) if r == "HTTP 404 Not Found")
        );
        assert!(matches!(
            classify_status(999, &[], false, None, None),
            Attempt::Done(Outcome::Unverifiable(_))
        ));
        assert!(matches!(
            classify_status(403, &[], true, None, None),
            Attempt::Done(Outcome::Unverifiable(_))
        ));
        assert!(matches!(
            classify_status(403, &[], false, None, None),
            Attempt::Done(Outcome::Unreachable(_))
        ));
        assert!(matches!(
            classify_status(502, &[], false, None, None),
            Attempt::Retry { .. }
        ));
        assert_eq!(
            classify_status(204, &[200], false, None, None),
            Attempt::Done(Outcome::Unreachable("HTTP 204 No Content".into()))
        );
    }

    #[test]
    fn retry_after_forms() {
        let now = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(5));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
