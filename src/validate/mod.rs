//! Rules: small functions from facts to findings. Adding a rule touches one
//! file of this module (and the list below). Severities come from `lints:`.

pub mod email;
mod form;
mod frontmatter;
mod links;
mod steps;
mod text;

use std::collections::HashMap;

use rayon::prelude::*;

use crate::config::SiteConfig;
use crate::content::Guide;
use crate::diag::{Diagnostic, Finding, Severity};
use crate::render::SiteLinks;
use crate::render::facts::Facts;

/// What a per-guide rule sees: the guide, its facts, and the rest of the site.
pub struct GuideCtx<'a, 's> {
    pub guide: &'a Guide,
    pub facts: &'a Facts,
    pub site: &'a SiteFacts<'s>,
    pub config: &'a SiteConfig,
}

/// What rules may know about other guides.
pub struct SiteFacts<'a> {
    pub links: &'a SiteLinks<'a>,
    /// Source id → the ids its page defines (a lookup, so that `serve` can
    /// answer from its own index instead of building a map per change).
    anchors: AnchorLookup<'a>,
}

/// Finds the anchors of a guide by its source id.
pub type AnchorLookup<'a> = Box<dyn Fn(&str) -> Option<&'a [String]> + Send + Sync + 'a>;

type GuideRule = fn(&GuideCtx) -> Vec<Finding>;

/// Every per-guide rule, run in this order.
const GUIDE_RULES: &[GuideRule] = &[
    steps::check,
    email::check,
    links::check,
    form::check,
    text::check,
];

impl<'a> SiteFacts<'a> {
    /// Site facts indexed from all pages.
    pub fn new(links: &'a SiteLinks<'a>, pages: &[(&'a Guide, &'a Facts)]) -> Self {
        let anchors: HashMap<&'a str, &'a [String]> = pages
            .iter()
            .map(|(g, f)| (g.source(), f.anchors.as_slice()))
            .collect();
        Self::with_lookup(links, Box::new(move |source| anchors.get(source).copied()))
    }

    pub fn with_lookup(links: &'a SiteLinks<'a>, anchors: AnchorLookup<'a>) -> Self {
        SiteFacts { links, anchors }
    }

    /// The ids the page of guide `source` defines; empty if there is none.
    pub fn anchors(&self, source: &str) -> &'a [String] {
        (self.anchors)(source).unwrap_or_default()
    }
}

/// Runs all rules; returns located diagnostics, `allow`ed ones dropped, sorted.
pub fn validate(
    config: &SiteConfig,
    pages: &[(&Guide, &Facts)],
    links: &SiteLinks,
) -> Vec<Diagnostic> {
    let site = SiteFacts::new(links, pages);
    let guides: Vec<&Guide> = pages.iter().map(|(g, _)| *g).collect();
    let mut diagnostics = site_diagnostics(config, &guides);
    diagnostics.par_extend(
        pages
            .par_iter()
            .flat_map_iter(|(guide, facts)| guide_diagnostics(config, guide, facts, &site)),
    );
    sort(&mut diagnostics);
    diagnostics
}

/// The rules that compare guides with each other.
pub fn site_diagnostics(config: &SiteConfig, guides: &[&Guide]) -> Vec<Diagnostic> {
    frontmatter::duplicate_sources(guides)
        .into_iter()
        .map(|(guide, finding)| guide.diagnostic(finding, config))
        .filter(|d| d.severity != Severity::Allow)
        .collect()
}

/// Every per-guide rule over one guide.
pub fn guide_diagnostics(
    config: &SiteConfig,
    guide: &Guide,
    facts: &Facts,
    site: &SiteFacts,
) -> Vec<Diagnostic> {
    let ctx = GuideCtx {
        guide,
        facts,
        site,
        config,
    };
    GUIDE_RULES
        .iter()
        .flat_map(|rule| rule(&ctx))
        .map(|finding| guide.diagnostic(finding, config))
        .filter(|d| d.severity != Severity::Allow)
        .collect()
}

/// The one order every report uses.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}
