//! `email/*`: addresses are well-formed, within the allowed domains, shown as
//! they are linked, and known to the front matter.

use std::ops::Range;

use crate::content::Guide;
use crate::content::front_matter::file_span;
use crate::diag::{Code, Finding};
use crate::render::facts::{EmailContext, Facts, LinkKind};

use super::GuideCtx;

static ADDRESS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(crate::render::facts::ADDRESS_PATTERN).expect("valid regex")
});

pub fn check(ctx: &GuideCtx) -> Vec<Finding> {
    let mut findings = Vec::new();
    let front = &ctx.guide.front;
    let yaml = ctx.guide.yaml_offset;
    let mut known: Vec<String> = front
        .contacts
        .iter()
        .map(|c| c.value.to_lowercase())
        .collect();

    if let Some(access) = &front.access
        && access.grantee.value.contains('@')
    {
        known.push(access.grantee.value.to_lowercase());
        findings.extend(invalid(
            ctx,
            &access.grantee.value,
            file_span(&access.grantee, yaml),
        ));
    }
    for contact in &front.contacts {
        findings.extend(invalid(ctx, &contact.value, file_span(contact, yaml)));
    }

    // Addresses the body sends people to: mailto targets and running text.
    let mut body_addresses: Vec<(String, Range<usize>)> = Vec::new();
    for link in ctx.facts.links.iter().filter(|l| l.kind != LinkKind::Image) {
        let Some(target) = mailto_address(&link.dest) else {
            continue;
        };
        findings.extend(invalid(ctx, target, link.span.clone()));
        let text = link.text.trim();
        // "Write to ops@x.com" is fine; text showing another address is not.
        let shown: Vec<&str> = ADDRESS.find_iter(text).map(|m| m.as_str()).collect();
        if !shown.is_empty() && !shown.iter().any(|a| a.eq_ignore_ascii_case(target)) {
            findings.push(Finding::new(
                Code::EmailMismatch,
                link.span.clone(),
                format!("the link shows `{text}` but sends mail to `{target}`: make the text the address itself"),
            ));
        }
        body_addresses.push((target.to_string(), link.span.clone()));
    }
    for mention in ctx
        .facts
        .emails
        .iter()
        .filter(|m| m.context == EmailContext::Text && !m.in_link)
    {
        findings.extend(invalid(ctx, &mention.address, mention.span.clone()));
        body_addresses.push((mention.address.clone(), mention.span.clone()));
    }
    for (address, span) in body_addresses {
        let reported_invalid = findings
            .iter()
            .any(|f| f.code == Code::EmailInvalid && f.span == span);
        if !reported_invalid && !known.contains(&address.to_lowercase()) {
            findings.push(Finding::new(
                Code::EmailUnknown,
                span,
                format!("`{address}` is neither the grantee nor a contact: add it to `contacts` or fix it"),
            ));
        }
    }
    findings
}

/// Every well-formed address of a guide with where it appears: the grantee,
/// the contacts, `mailto:` targets and addresses in running text.
pub fn addresses(guide: &Guide, facts: &Facts) -> Vec<(String, Range<usize>)> {
    let front = &guide.front;
    let yaml = guide.yaml_offset;
    let grantee = front.access.as_ref().map(|a| &a.grantee);
    let front_matter = grantee
        .into_iter()
        .chain(&front.contacts)
        .map(|s| (s.value.clone(), file_span(s, yaml)));
    let mailtos = facts
        .links
        .iter()
        .filter_map(|l| Some((mailto_address(&l.dest)?.to_string(), l.span.clone())));
    let texts = facts
        .emails
        .iter()
        .filter(|m| m.context == EmailContext::Text && !m.in_link)
        .map(|m| (m.address.clone(), m.span.clone()));
    front_matter
        .chain(mailtos)
        .chain(texts)
        .filter(|(address, _)| is_valid_address(address))
        .collect()
}

/// The address of a `mailto:` URL, without `?subject=…`.
pub fn mailto_address(dest: &str) -> Option<&str> {
    let rest = dest
        .get(..7)
        .filter(|s| s.eq_ignore_ascii_case("mailto:"))
        .map(|_| &dest[7..])?;
    Some(rest.split('?').next().unwrap_or(rest))
}

fn invalid(ctx: &GuideCtx, address: &str, span: Range<usize>) -> Option<Finding> {
    if !is_valid_address(address) {
        return Some(Finding::new(
            Code::EmailInvalid,
            span,
            format!("`{address}` is not a valid e-mail address"),
        ));
    }
    let allowed = &ctx.config.emails.allowed_domains;
    let domain = address
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let in_allowed = |d: &String| {
        let d = d.to_lowercase();
        domain == d || domain.ends_with(&format!(".{d}"))
    };
    (!allowed.is_empty() && !allowed.iter().any(in_allowed)).then(|| {
        Finding::new(
            Code::EmailInvalid,
            span,
            format!(
                "`{address}` is outside the allowed domains ({})",
                allowed.join(", ")
            ),
        )
    })
}

/// A practical address check (RFC 5321 dot-atom local part, DNS host name
/// with an alphabetic top-level label); quoted local parts are not accepted.
pub fn is_valid_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(is_valid_address("data_extract@annalect-data.info"));
        assert!(is_valid_address("omd-dk@annalect-data.info"));
        assert!(is_valid_address("a.b+tag@sub.example.co"));
        assert!(!is_valid_address("data\\_extract@annalect-data.info"));
        assert!(!is_valid_address("a@b"));
        assert!(!is_valid_address("a@@b.com"));
        assert!(!is_valid_address(".a@b.com"));
        assert!(!is_valid_address("a@-b.com"));
        assert!(!is_valid_address("a@b.c0m"));
    }

    #[test]
    fn mailto_strips_query() {
        assert_eq!(mailto_address("mailto:a@b.com?subject=Hi"), Some("a@b.com"));
        assert_eq!(mailto_address("MAILTO:a@b.com"), Some("a@b.com"));
        assert_eq!(mailto_address("https://x"), None);
    }
}
