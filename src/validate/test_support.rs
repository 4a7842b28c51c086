//! What the rule tests build their cases from, in memory: a guide parsed from
//! a text, and a context to run one rule in. No binary, no disk.

use std::collections::BTreeSet;
use std::ops::Range;

use crate::config::SiteConfig;
use crate::content::Guide;
use crate::content::front_matter::split;
use crate::diag::{Code, Finding, LineIndex};
use crate::render::SiteLinks;
use crate::render::facts::Facts;

use super::{GuideCtx, SiteFacts};

/// A valid front matter block (`source: meta`) for guides whose body is all
/// a test is about.
pub const FRONT: &str = "---
source: meta
title: Meta access
platform: Meta
access:
  grantee: data@agency.example
  role: Analyst
contacts: [ops@agency.example]
---
";

/// `content/<stem>.md` holding `text`, whose front matter must be valid.
pub fn guide(stem: &str, text: &str) -> Guide {
    let parts = split(text).expect("a test guide has front matter");
    let front = crate::yaml::parse(&text[parts.yaml.clone()]).expect("valid test front matter");
    Guide {
        file: format!("content/{stem}.md"),
        stem: stem.to_string(),
        text: text.to_string(),
        index: LineIndex::new(text),
        yaml_offset: parts.yaml.start,
        body_offset: parts.body_offset,
        front,
        front_problems: Vec::new(),
    }
}

/// The guide [`FRONT`] + `body` as `content/meta.md`.
pub fn guide_with_body(body: &str) -> Guide {
    guide("meta", &format!("{FRONT}{body}"))
}

/// The byte range of the only occurrence of `needle` in `text`.
#[track_caller]
pub fn span_of(text: &str, needle: &str) -> Range<usize> {
    assert_eq!(
        text.matches(needle).count(),
        1,
        "{needle:?} once in {text:?}"
    );
    let start = text.find(needle).unwrap_or_default();
    start..start + needle.len()
}

/// The codes of `findings`, in order.
pub fn codes(findings: &[Finding]) -> Vec<Code> {
    findings.iter().map(|f| f.code).collect()
}

/// The rest of the site a rule sees: configuration, other guides, assets.
#[derive(Default)]
pub struct Site {
    pub config: SiteConfig,
    pub others: Vec<Guide>,
    /// Paths under `content/`.
    pub assets: BTreeSet<String>,
    /// The measured images among them.
    pub images: crate::images::Images,
}

impl Site {
    /// Runs `rule` on `guide` with `facts`, in this site.
    pub fn run(&self, rule: super::GuideRule, guide: &Guide, facts: &Facts) -> Vec<Finding> {
        let links = SiteLinks::new(
            &self.config.base_url,
            std::iter::once(guide).chain(&self.others),
            &self.assets,
            &self.images,
        );
        let site = SiteFacts { links: &links };
        rule(&GuideCtx {
            guide,
            facts,
            site: &site,
            config: &self.config,
        })
    }
}

/// Runs `rule` on `guide` with `facts`, alone in a default site.
pub fn run(rule: super::GuideRule, guide: &Guide, facts: &Facts) -> Vec<Finding> {
    Site::default().run(rule, guide, facts)
}
