//! Rules: small functions from facts to findings. Adding a rule touches one
//! file of this module (and the list below). Severities come from `lints:`.

pub mod email;
mod form;
mod frontmatter;
mod links;
mod steps;
mod text;

use rayon::prelude::*;

use crate::config::SiteConfig;
use crate::content::Guide;
use crate::diag::{Diagnostic, Finding, Severity};
use crate::render::SiteLinks;
use crate::render::facts::Facts;

/// What a per-guide rule sees: the guide, its facts, and what else exists.
pub struct GuideCtx<'a, 's> {
    pub guide: &'a Guide,
    pub facts: &'a Facts,
    pub site: &'a SiteFacts<'s>,
    pub config: &'a SiteConfig,
}

/// What per-guide rules may know about the rest of the site: which guides
/// and assets exist (not their contents: rules that need those are site
/// rules, so that each guide can be validated as soon as it is rendered).
pub struct SiteFacts<'a> {
    pub links: &'a SiteLinks<'a>,
}

/// What the site rules need of a guide, small enough to keep for every guide
/// while the rest of its facts are dropped.
#[derive(Debug, Clone, Default)]
pub struct GuideSummary {
    /// Every id its page defines.
    pub anchors: Vec<String>,
    pub cross_fragments: Vec<links::CrossFragment>,
}

impl GuideSummary {
    pub fn new(facts: &Facts, links: &SiteLinks) -> Self {
        GuideSummary {
            anchors: facts.anchors.clone(),
            cross_fragments: links::cross_fragments(facts, links),
        }
    }
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

/// Runs all rules over `guides`, whose facts `facts_of` extracts (each
/// guide's in its own task, dropped once validated); returns located
/// diagnostics, `allow`ed ones dropped, sorted.
pub fn validate(
    config: &SiteConfig,
    guides: &[Guide],
    links: &SiteLinks,
    facts_of: impl Fn(&Guide) -> Facts + Sync,
) -> Vec<Diagnostic> {
    let site = SiteFacts { links };
    let (found, summaries): (Vec<Vec<Diagnostic>>, Vec<GuideSummary>) = guides
        .par_iter()
        .map(|guide| {
            let facts = facts_of(guide);
            (
                guide_diagnostics(config, guide, &facts, &site),
                GuideSummary::new(&facts, links),
            )
        })
        .unzip();
    let summarised: Vec<_> = guides.iter().zip(&summaries).collect();
    let mut diagnostics: Vec<Diagnostic> = found.into_iter().flatten().collect();
    diagnostics.extend(site_diagnostics(config, &summarised));
    sort(&mut diagnostics);
    diagnostics
}

/// The rules that compare guides with each other. They see the guides in
/// file order whatever order they come in (build renders in index order),
/// so that "the first" of two guides is the same for every command.
pub fn site_diagnostics(config: &SiteConfig, pages: &[(&Guide, &GuideSummary)]) -> Vec<Diagnostic> {
    let mut pages = pages.to_vec();
    pages.sort_by(|a, b| a.0.file.cmp(&b.0.file));
    let pages = pages.as_slice();
    let guides: Vec<&Guide> = pages.iter().map(|(g, _)| *g).collect();
    frontmatter::duplicate_sources(&guides)
        .into_iter()
        .chain(links::cross_guide_anchors(pages))
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
