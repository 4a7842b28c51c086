//! Rules: small functions from facts to findings. Adding a rule touches one
//! file of this module (and the list below). Severities come from `lints:`.

pub mod email;
mod form;
mod frontmatter;
mod links;
mod steps;
mod text;

use std::collections::HashMap;

use crate::config::SiteConfig;
use crate::content::Guide;
use crate::diag::{Diagnostic, Finding, Severity};
use crate::render::SiteLinks;
use crate::render::facts::Facts;

/// What a per-guide rule sees: the guide, its facts, and the rest of the site.
pub struct GuideCtx<'a> {
    pub guide: &'a Guide,
    pub facts: &'a Facts,
    pub site: &'a SiteFacts<'a>,
    pub config: &'a SiteConfig,
}

/// What rules may know about other guides.
pub struct SiteFacts<'a> {
    pub links: &'a SiteLinks<'a>,
    /// Source id → the ids its page defines.
    pub anchors: HashMap<&'a str, &'a [String]>,
}

type GuideRule = fn(&GuideCtx) -> Vec<Finding>;

/// Every per-guide rule, run in this order.
const GUIDE_RULES: &[GuideRule] = &[
    steps::check,
    email::check,
    links::check,
    form::check,
    text::check,
];

/// Runs all rules; returns located diagnostics, `allow`ed ones dropped, sorted.
pub fn validate(
    config: &SiteConfig,
    pages: &[(&Guide, &Facts)],
    links: &SiteLinks,
) -> Vec<Diagnostic> {
    let site = SiteFacts {
        links,
        anchors: pages
            .iter()
            .map(|(g, f)| (g.source(), f.anchors.as_slice()))
            .collect(),
    };
    let guides: Vec<&Guide> = pages.iter().map(|(g, _)| *g).collect();
    let mut diagnostics: Vec<Diagnostic> = frontmatter::duplicate_sources(&guides)
        .into_iter()
        .map(|(guide, finding)| guide.diagnostic(finding, config))
        .collect();
    for (guide, facts) in pages {
        let ctx = GuideCtx {
            guide,
            facts,
            site: &site,
            config,
        };
        for rule in GUIDE_RULES {
            diagnostics.extend(rule(&ctx).into_iter().map(|f| guide.diagnostic(f, config)));
        }
    }
    diagnostics.retain(|d| d.severity != Severity::Allow);
    sort(&mut diagnostics);
    diagnostics
}

/// The one order every report uses.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}
