//! `email/*`: addresses are well-formed, within the allowed domains, shown as
//! they are linked, and known to the front matter.

use std::collections::HashSet;
use std::ops::Range;

use crate::content::Guide;
use crate::content::front_matter::file_span;
use crate::diag::{Code, Finding};
use crate::render::facts::{ADDRESS, EmailContext, Facts, LinkKind};

use super::GuideCtx;

pub fn check(ctx: &GuideCtx) -> Vec<Finding> {
    let (front, body) = places(ctx.guide, ctx.facts);
    let known: Vec<String> = front.iter().map(|(a, _)| a.to_lowercase()).collect();
    let mut findings: Vec<Finding> = front
        .iter()
        .chain(&body)
        .filter_map(|(address, span)| invalid(ctx, address, span.clone()))
        .collect();
    // "Write to ops@x.com" is fine; link text showing another address is not.
    for link in ctx.facts.links.iter().filter(|l| l.kind != LinkKind::Image) {
        let Some(target) = mailto_address(&link.dest) else {
            continue;
        };
        let text = link.text.trim();
        let shown: Vec<&str> = ADDRESS.find_iter(text).map(|m| m.as_str()).collect();
        if !shown.is_empty() && !shown.iter().any(|a| a.eq_ignore_ascii_case(target)) {
            findings.push(Finding::new(
                Code::EmailMismatch,
                link.span.clone(),
                format!("the link shows `{text}` but sends mail to `{target}`: make the text the address itself"),
            ));
        }
    }
    let reported_invalid: HashSet<Range<usize>> = findings
        .iter()
        .filter(|f| f.code == Code::EmailInvalid)
        .map(|f| f.span.clone())
        .collect();
    // Who is known comes from the front matter: while it has mistakes, an
    // address it would name cannot be told from one it does not.
    let front_readable = ctx.guide.front_problems.is_empty();
    for (address, span) in body.into_iter().filter(|_| front_readable) {
        if !reported_invalid.contains(&span) && !known.contains(&address.to_lowercase()) {
            findings.push(Finding::new(
                Code::EmailUnknown,
                span,
                format!("`{address}` is neither the grantee nor a contact: add it to `contacts` or fix it"),
            ));
        }
    }
    findings
}

type Place<'a> = (&'a str, Range<usize>);

/// Where a guide names addresses: the front matter (the grantee when it is
/// an address, the contacts) and the body (`mailto:` targets of links, and
/// running text outside links and code).
fn places<'a>(guide: &'a Guide, facts: &'a Facts) -> (Vec<Place<'a>>, Vec<Place<'a>>) {
    let front = &guide.front;
    let yaml = guide.yaml_offset;
    let grantee = front
        .access
        .as_ref()
        .map(|a| &a.grantee)
        .filter(|g| g.value.contains('@'));
    let front_matter = grantee
        .into_iter()
        .chain(&front.contacts)
        .map(|s| (s.value.as_str(), file_span(s, yaml)))
        .collect();
    let mailtos = facts
        .links
        .iter()
        .filter(|l| l.kind != LinkKind::Image)
        .filter_map(|l| Some((mailto_address(&l.dest)?, l.span.clone())));
    let texts = facts
        .emails
        .iter()
        .filter(|m| m.context == EmailContext::Text && !m.in_link)
        .map(|m| (m.address.as_str(), m.span.clone()));
    (front_matter, mailtos.chain(texts).collect())
}

/// Every well-formed address of a guide with where it appears.
pub fn addresses(guide: &Guide, facts: &Facts) -> Vec<(String, Range<usize>)> {
    let (front, body) = places(guide, facts);
    front
        .into_iter()
        .chain(body)
        .filter(|(address, _)| is_valid_address(address))
        .map(|(address, span)| (address.to_string(), span))
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
    // A control character written by an escape is the front matter's
    // problem, said there; the address is not judged twice.
    if address.chars().any(crate::content::is_control) {
        return None;
    }
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
    use crate::render::facts::{EmailMention, Link};
    use crate::validate::test_support::{Site, codes, guide_with_body, run, span_of};

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

    /// A Markdown link of `guide`, written `[text](dest)` in its body.
    fn link(guide: &Guide, text: &str, dest: &str) -> Link {
        Link {
            dest: dest.to_string(),
            href: Some(dest.to_string()),
            text: text.to_string(),
            kind: LinkKind::Markdown,
            span: span_of(&guide.text, &format!("[{text}]({dest})")),
        }
    }

    /// `address` in the running text of `guide`.
    fn mention(guide: &Guide, address: &str, context: EmailContext) -> EmailMention {
        EmailMention {
            address: address.to_string(),
            context,
            in_link: false,
            span: span_of(&guide.text, address),
        }
    }

    #[test]
    fn a_mailto_link_showing_another_address_is_a_mismatch() {
        let body =
            "Write to [data\\_extract@agency.example](mailto:data_extract@agency.example).\n";
        let guide = guide_with_body(body);
        let shown = "data\\_extract@agency.example";
        let facts = Facts {
            links: vec![link(&guide, shown, "mailto:data_extract@agency.example")],
            ..Facts::default()
        };
        let found = run(check, &guide, &facts);
        // The target is well-formed, but not named in the front matter.
        assert_eq!(codes(&found), [Code::EmailMismatch, Code::EmailUnknown]);
        assert_eq!(found[0].span, facts.links[0].span);
    }

    #[test]
    fn a_mailto_link_showing_its_address_or_words_is_fine() {
        let body = "[OPS@agency.example](mailto:ops@agency.example?subject=Hi) or [us](mailto:ops@agency.example).\n";
        let guide = guide_with_body(body);
        let facts = Facts {
            links: vec![
                link(
                    &guide,
                    "OPS@agency.example",
                    "mailto:ops@agency.example?subject=Hi",
                ),
                link(&guide, "us", "mailto:ops@agency.example"),
            ],
            ..Facts::default()
        };
        assert_eq!(run(check, &guide, &facts), []);
    }

    #[test]
    fn addresses_in_text_must_be_known_unless_in_code() {
        let body = "Ask DATA@agency.example or boss@agency.example, not `dev@agency.example`.\n";
        let guide = guide_with_body(body);
        let facts = Facts {
            emails: vec![
                mention(&guide, "DATA@agency.example", EmailContext::Text),
                mention(&guide, "boss@agency.example", EmailContext::Text),
                mention(&guide, "dev@agency.example", EmailContext::Code),
            ],
            ..Facts::default()
        };
        let found = run(check, &guide, &facts);
        assert_eq!(codes(&found), [Code::EmailUnknown]);
        assert_eq!(found[0].span, facts.emails[1].span);
    }

    #[test]
    fn a_malformed_address_is_invalid_and_not_also_unknown() {
        let body = "Ask data\\_x@agency.example.\n";
        let guide = guide_with_body(body);
        let facts = Facts {
            emails: vec![mention(
                &guide,
                "data\\_x@agency.example",
                EmailContext::Text,
            )],
            ..Facts::default()
        };
        let found = run(check, &guide, &facts);
        assert_eq!(codes(&found), [Code::EmailInvalid]);
    }

    #[test]
    fn allowed_domains_take_subdomains_and_refuse_the_rest() {
        let mut site = Site::default();
        site.config.emails.allowed_domains = vec!["Agency.example".to_string()];
        let body = "Ask Ops@agency.example, team@eu.agency.example or x@notagency.example.\n";
        let guide = guide_with_body(body);
        let facts = Facts {
            emails: [
                "Ops@agency.example",
                "team@eu.agency.example",
                "x@notagency.example",
            ]
            .into_iter()
            .map(|a| mention(&guide, a, EmailContext::Text))
            .collect(),
            ..Facts::default()
        };
        let found = site.run(check, &guide, &facts);
        let invalid: Vec<&Finding> = found
            .iter()
            .filter(|f| f.code == Code::EmailInvalid)
            .collect();
        assert_eq!(invalid.len(), 1, "{found:?}");
        assert_eq!(invalid[0].span, facts.emails[2].span);
        assert!(invalid[0].message.contains("outside the allowed domains"));
    }
}
