//! Rules: small functions from facts to findings. Adding a rule touches one
//! file of this module (and the list below). Severities come from `lints:`.

pub mod email;
mod form;
mod frontmatter;
mod links;
mod markup;
mod steps;
#[cfg(test)]
mod test_support;
mod text;

use std::collections::BTreeMap;

pub use frontmatter::source_owners;

use crate::config::SiteConfig;
use crate::content::Guide;
use crate::diag::{Diagnostic, Finding};
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
    frontmatter::check,
    steps::check,
    email::check,
    links::check,
    form::check,
    text::check,
    markup::check,
];

/// The rules that compare guides with each other. They see the guides in
/// file order whatever order they come in (build renders in index order),
/// so that "the first" of two guides is the same for every command.
pub fn site_diagnostics(pages: &[(&Guide, &GuideSummary)]) -> Vec<Diagnostic> {
    let mut pages = pages.to_vec();
    pages.sort_by(|a, b| a.0.file.cmp(&b.0.file));
    let pages = pages.as_slice();
    let guides: Vec<&Guide> = pages.iter().map(|(g, _)| *g).collect();
    let mut by_guide: BTreeMap<&str, (&Guide, Vec<Finding>)> = BTreeMap::new();
    for (guide, finding) in frontmatter::duplicate_sources(&guides)
        .into_iter()
        .chain(links::cross_guide_anchors(pages))
    {
        let entry = by_guide.entry(&guide.file).or_insert((guide, Vec::new()));
        entry.1.push(finding);
    }
    by_guide
        .into_values()
        .flat_map(|(guide, findings)| {
            cap_repeats(findings)
                .into_iter()
                .map(move |finding| guide.diagnostic(finding))
        })
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
    // What is wrong with the front matter is reported with what the body
    // rules find, in one run.
    let findings = guide
        .front_problems
        .iter()
        .cloned()
        .chain(GUIDE_RULES.iter().flat_map(|rule| rule(&ctx)))
        .collect();
    cap_repeats(findings)
        .into_iter()
        .map(|finding| guide.diagnostic(finding))
        .collect()
}

/// How many findings of one code one guide reports before the rest are
/// summed up in one.
const MAX_REPEATS: usize = 20;

/// `findings` of one guide with at most [`MAX_REPEATS`] of each code (the
/// first ones in the file) and, where more were found, one finding of that
/// code at the first left out saying how many: a line of 200,000 `TODO`s is
/// 21 diagnostics, not 200,000 (each locating and copying its line).
pub fn cap_repeats(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by_key(|f| (f.code, f.span.start));
    let mut capped = Vec::new();
    for same_code in findings.chunk_by(|a, b| a.code == b.code) {
        let (listed, left_out) = same_code.split_at(same_code.len().min(MAX_REPEATS));
        capped.extend_from_slice(listed);
        if let Some(first) = left_out.first() {
            capped.push(Finding::new(
                first.code,
                first.span.clone(),
                format!(
                    "and {} more like this in this file (only the first {MAX_REPEATS} of each kind are listed)",
                    left_out.len()
                ),
            ));
        }
    }
    capped
}

/// The one order every report uses.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;

    fn placeholder_at(at: usize) -> Finding {
        Finding::new(Code::TextPlaceholder, at..at + 4, "placeholder")
    }

    #[test]
    fn repeats_of_a_code_are_capped_with_one_summary() {
        // Out of file order, mixed with another code that stays whole.
        let mut findings: Vec<Finding> = (0..1_000).rev().map(|i| placeholder_at(i * 10)).collect();
        findings.push(Finding::new(Code::StepsEmpty, 5..6, "empty"));
        let capped = cap_repeats(findings);
        assert_eq!(capped.len(), 1 + MAX_REPEATS + 1);
        let placeholders: Vec<&Finding> = capped
            .iter()
            .filter(|f| f.code == Code::TextPlaceholder)
            .collect();
        let starts: Vec<usize> = placeholders.iter().map(|f| f.span.start).collect();
        let want: Vec<usize> = (0..=MAX_REPEATS).map(|i| i * 10).collect();
        assert_eq!(
            starts, want,
            "the first ones, then the summary at the first left out"
        );
        let summary = placeholders.last().unwrap();
        assert!(
            summary.message.starts_with("and 980 more like this"),
            "{}",
            summary.message
        );
    }

    #[test]
    fn exactly_the_cap_has_no_summary() {
        let findings = (0..MAX_REPEATS).map(placeholder_at).collect();
        assert_eq!(cap_repeats(findings).len(), MAX_REPEATS);
    }
}
