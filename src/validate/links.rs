//! Offline link rules: no placeholders, relative links and fragments that
//! resolve, no plain `http://`.

use std::collections::HashMap;

use crate::content::Guide;
use crate::diag::{Code, Finding, did_you_mean};
use crate::render::facts::{Facts, LinkKind};
use crate::render::{SiteLinks, Target, starts_with_ignore_ascii_case};

use super::{GuideCtx, GuideSummary};

pub fn check(ctx: &GuideCtx) -> Vec<Finding> {
    let mut findings = Vec::new();
    let own_anchors = ctx.facts.anchors.as_slice();
    for link in &ctx.facts.links {
        let dest = link.dest.trim();
        let what = if link.kind == LinkKind::Image {
            "image"
        } else {
            "link"
        };
        if dest.is_empty() || dest == "#" {
            findings.push(Finding::new(
                Code::LinkPlaceholder,
                link.span.clone(),
                match link.text.as_str() {
                    "" => format!("{what} points nowhere (`{dest}`): give it a real target"),
                    text => {
                        format!("{what} `{text}` points nowhere (`{dest}`): give it a real target")
                    }
                },
            ));
            continue;
        }
        if let Some(fragment) = dest.strip_prefix('#') {
            findings.extend(anchor(
                link.span.clone(),
                fragment,
                own_anchors,
                "this guide",
            ));
            continue;
        }
        if starts_with_ignore_ascii_case(dest, "http://") {
            findings.push(Finding::new(
                Code::LinkInsecure,
                link.span.clone(),
                format!("`{dest}` is not encrypted: use https:// if the site supports it"),
            ));
        }
        // Fragments into other guides are `cross_guide_anchors`, once all are known.
        let broken = match ctx.site.links.target(dest) {
            Target::Missing => format!("{what} `{dest}` names no guide or file under content/"),
            Target::Undecodable => format!(
                "{what} `{dest}` does not percent-decode to a UTF-8 path: \
                 write a `%` in a file name as `%25`"
            ),
            Target::Elsewhere | Target::Guide { .. } | Target::Asset(_) => continue,
        };
        findings.push(Finding::new(Code::LinkBroken, link.span.clone(), broken));
    }
    findings
}

/// A `#fragment` link into another guide, kept per guide for the site rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossFragment {
    pub span: std::ops::Range<usize>,
    pub source: String,
    pub fragment: String,
}

/// The links of a guide that name a fragment of another guide.
pub fn cross_fragments(facts: &Facts, links: &SiteLinks) -> Vec<CrossFragment> {
    facts
        .links
        .iter()
        .filter_map(|link| match links.target(link.dest.trim()) {
            Target::Guide {
                source,
                fragment: Some(fragment),
            } => Some(CrossFragment {
                span: link.span.clone(),
                source: source.to_string(),
                fragment,
            }),
            _ => None,
        })
        .collect()
}

/// `link/anchor` for fragments into other guides: needs every guide's ids.
pub fn cross_guide_anchors<'a>(pages: &[(&'a Guide, &GuideSummary)]) -> Vec<(&'a Guide, Finding)> {
    // The first guide of a source is the one it names (as for duplicates).
    let mut anchors: HashMap<&str, &[String]> = HashMap::new();
    for (guide, summary) in pages {
        anchors
            .entry(guide.source())
            .or_insert(summary.anchors.as_slice());
    }
    let mut findings = Vec::new();
    for (guide, summary) in pages {
        for cross in &summary.cross_fragments {
            let ids = anchors
                .get(cross.source.as_str())
                .copied()
                .unwrap_or_default();
            let page = format!("guide `{}`", cross.source);
            if let Some(finding) = anchor(cross.span.clone(), &cross.fragment, ids, &page) {
                findings.push((*guide, finding));
            }
        }
    }
    findings
}

/// The longest fragment or id a did-you-mean suggestion is looked for in.
const SUGGESTION_MAX_BYTES: usize = 100;

fn anchor(
    span: std::ops::Range<usize>,
    fragment: &str,
    anchors: &[String],
    page: &str,
) -> Option<Finding> {
    // Browsers percent-decode a fragment before looking for the id.
    let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    if anchors.iter().any(|a| *a == decoded) {
        return None;
    }
    // A suggestion compares every pair of characters of two names: only
    // for names of a sensible length, or a long link costs seconds.
    let suggestible = |name: &str| name.len() <= SUGGESTION_MAX_BYTES;
    let names: Vec<&str> = if suggestible(fragment) {
        let names = anchors.iter().map(String::as_str);
        names.filter(|a| suggestible(a)).collect()
    } else {
        Vec::new()
    };
    Some(Finding::new(
        Code::LinkAnchor,
        span,
        format!(
            "`#{fragment}` names no heading or step in {page}{}",
            did_you_mean(fragment, &names)
        ),
    ))
}
