//! Front matter rules: values left unfilled, a source that is not the file's
//! name, and (needing every guide) sources used twice. (Mistakes in the YAML
//! itself are found while loading, where it is parsed.)

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::content::Guide;
use crate::content::front_matter::file_span;
use crate::diag::{Code, Finding};

use super::GuideCtx;
use super::text::PLACEHOLDER;

/// An address or URL at the domains reserved for examples (RFC 2606), as
/// `guidesite new` writes them: `TODO@example.com`, `https://x.example.org/`.
static EXAMPLE_DOMAIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\S*\bexample\.(?:com|org|net)\b\S*").expect("valid regex"));

pub fn check(ctx: &GuideCtx) -> Vec<Finding> {
    let mut findings = placeholders(ctx.guide);
    findings.extend(source_mismatch(ctx.guide));
    findings
}

/// `frontmatter/placeholder`: the front matter is data the portal reads, so
/// a value not filled in (a marker, an example address, `...`) stops the build.
fn placeholders(guide: &Guide) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (key, value, span) in guide.front.texts(guide.yaml_offset) {
        // Offsets inside the value are exact only when it is written plain.
        let plain = guide.text.get(span.clone()) == Some(value);
        let at = |found: Range<usize>| {
            if plain {
                span.start + found.start..span.start + found.end
            } else {
                span.clone()
            }
        };
        let trimmed = value.trim();
        if trimmed == "..." || trimmed == "…" {
            findings.push(Finding::new(
                Code::FrontmatterPlaceholder,
                span.clone(),
                format!("`{key}` is `{trimmed}`, copied from an example: write the real value"),
            ));
            continue;
        }
        for m in PLACEHOLDER.find_iter(value) {
            findings.push(Finding::new(
                Code::FrontmatterPlaceholder,
                at(m.range()),
                format!(
                    "placeholder `{}` left in `{key}`: fill it in (the portal reads the front matter)",
                    m.as_str()
                ),
            ));
        }
        for m in EXAMPLE_DOMAIN.find_iter(value) {
            if PLACEHOLDER.is_match(m.as_str()) {
                continue;
            }
            findings.push(Finding::new(
                Code::FrontmatterPlaceholder,
                at(m.range()),
                format!(
                    "`{}` in `{key}` is an example address, not a real one: write the real one",
                    m.as_str()
                ),
            ));
        }
    }
    findings
}

/// `frontmatter/source-mismatch`: links name a guide by its file
/// (`meta.md`), URLs and the manifest by its source (`/facebook/`); two
/// names for one guide confuse both.
fn source_mismatch(guide: &Guide) -> Option<Finding> {
    let written = guide.front.missing().all(|key| key != "source");
    if !written || guide.source() == guide.stem || !guide.front_problems.is_empty() {
        return None;
    }
    Some(Finding::new(
        Code::FrontmatterSourceMismatch,
        file_span(&guide.front.source, guide.yaml_offset),
        format!(
            "`source: {}` differs from the file name `{}.md`: rename the file to `{}.md`, \
             or write `source: {}`, so that links and URLs name the guide alike",
            guide.source(),
            guide.stem,
            guide.source(),
            guide.stem
        ),
    ))
}

/// Which guide owns each source among `guides`: the one whose file is named
/// after it (`tiktok.md` for `tiktok`), else the first by file name. The
/// owner's page is the one the source's URL serves; every other guide with
/// that source is a duplicate. Independent of the order of `guides`, so that
/// editing one file never moves an error onto another that was not touched.
pub fn source_owners<'a>(guides: &[&'a Guide]) -> HashMap<&'a str, &'a Guide> {
    let mut owners: HashMap<&str, &Guide> = HashMap::with_capacity(guides.len());
    for &guide in guides {
        owners
            .entry(guide.source())
            .and_modify(|owner| {
                if precedence(guide) < precedence(owner) {
                    *owner = guide;
                }
            })
            .or_insert(guide);
    }
    owners
}

/// Lower owns: named after its source first, then by file name.
fn precedence(guide: &Guide) -> (bool, &str) {
    (guide.stem != guide.source(), &guide.file)
}

/// `frontmatter/duplicate-source`: reported at every guide but its source's
/// owner (see [`source_owners`]), naming the owner.
pub fn duplicate_sources<'a>(guides: &[&'a Guide]) -> Vec<(&'a Guide, Finding)> {
    let owners = source_owners(guides);
    guides
        .iter()
        .filter_map(|&guide| {
            let owner = owners
                .get(guide.source())
                .filter(|o| o.file != guide.file)?;
            let finding = Finding::new(
                Code::FrontmatterDuplicateSource,
                file_span(&guide.front.source, guide.yaml_offset),
                format!(
                    "source `{}` is already used by {}: give this guide a source of its own",
                    guide.source(),
                    owner.file
                ),
            );
            Some((guide, finding))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::test_support::{FRONT, guide, span_of};

    /// `content/<stem>.md` declaring `source`.
    fn declaring(stem: &str, source: &str) -> Guide {
        guide(
            stem,
            &FRONT.replace("source: meta", &format!("source: {source}")),
        )
    }

    fn files<'a>(found: &[(&'a Guide, Finding)]) -> Vec<&'a str> {
        found.iter().map(|(g, _)| g.file.as_str()).collect()
    }

    #[test]
    fn the_guide_named_after_a_source_owns_it_wherever_it_sorts() {
        let (meta, tiktok) = (declaring("meta", "tiktok"), declaring("tiktok", "tiktok"));
        for guides in [[&meta, &tiktok], [&tiktok, &meta]] {
            assert_eq!(source_owners(&guides)["tiktok"].file, "content/tiktok.md");
            let found = duplicate_sources(&guides);
            assert_eq!(files(&found), ["content/meta.md"]);
            let finding = &found[0].1;
            assert_eq!(finding.code, Code::FrontmatterDuplicateSource);
            assert_eq!(finding.span, span_of(&meta.text, "tiktok"));
            assert!(
                finding.message.contains("content/tiktok.md"),
                "{}",
                finding.message
            );
        }
    }

    #[test]
    fn without_a_guide_named_after_it_the_first_file_owns_a_source() {
        let (a, b, c) = (
            declaring("a", "x"),
            declaring("b", "x"),
            declaring("c", "x"),
        );
        let guides = [&c, &a, &b];
        assert_eq!(source_owners(&guides)["x"].file, "content/a.md");
        let found = duplicate_sources(&guides);
        assert_eq!(files(&found), ["content/c.md", "content/b.md"]);
        assert!(
            found
                .iter()
                .all(|(_, f)| f.message.contains("content/a.md"))
        );
    }

    #[test]
    fn distinct_sources_are_each_their_own_owner() {
        let (meta, odd) = (declaring("meta", "meta"), declaring("odd", "other"));
        let guides = [&meta, &odd];
        let owners = source_owners(&guides);
        assert_eq!(owners.len(), 2);
        assert_eq!(owners["other"].file, "content/odd.md");
        assert!(duplicate_sources(&guides).is_empty());
    }
}
