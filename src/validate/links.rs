//! Offline link rules: no placeholders, relative links and fragments that
//! resolve, no plain `http://`.

use crate::diag::{Code, Finding, did_you_mean};
use crate::render::Target;
use crate::render::facts::LinkKind;

use super::GuideCtx;

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
        if dest.len() >= 7 && dest[..7].eq_ignore_ascii_case("http://") {
            findings.push(Finding::new(
                Code::LinkInsecure,
                link.span.clone(),
                format!("`{dest}` is not encrypted: use https:// if the site supports it"),
            ));
        }
        match ctx.site.links.target(dest) {
            Target::Missing => findings.push(Finding::new(
                Code::LinkBroken,
                link.span.clone(),
                format!("{what} `{dest}` names no guide or file under content/"),
            )),
            Target::Guide {
                source,
                fragment: Some(fragment),
            } => {
                let anchors = ctx.site.anchors(source);
                findings.extend(anchor(
                    link.span.clone(),
                    &fragment,
                    anchors,
                    &format!("guide `{source}`"),
                ));
            }
            _ => {}
        }
    }
    findings
}

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
    let names: Vec<&str> = anchors.iter().map(String::as_str).collect();
    Some(Finding::new(
        Code::LinkAnchor,
        span,
        format!(
            "`#{fragment}` names no heading or step in {page}{}",
            did_you_mean(fragment, &names)
        ),
    ))
}
