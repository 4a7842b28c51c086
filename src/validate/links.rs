//! Offline link rules: no placeholders, relative links and fragments that
//! resolve, no plain `http://`.

use std::collections::HashMap;

use crate::content::Guide;
use crate::diag::{Code, Finding, did_you_mean};
use crate::render::facts::{Facts, LinkKind};
use crate::render::{SiteLinks, Target, starts_with_ignore_ascii_case};

use super::frontmatter::source_owners;
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
        if let Some(why) = ctx.site.links.refused_image(dest) {
            findings.push(Finding::new(
                Code::HtmlDropped,
                link.span.clone(),
                format!("{what} `{dest}` is not published: {why}; export it again without them, or as PNG"),
            ));
            continue;
        }
        // Fragments into other guides are `cross_guide_anchors`, once all are known.
        let broken = match ctx.site.links.target(dest) {
            Target::Missing if dest.starts_with('/') => format!(
                "{what} `{dest}` names no page or file of this site (a path from the site's \
                 root: `/<source>/` for a guide, `/<dir>/<file>` for a file under content/)"
            ),
            Target::Missing => format!("{what} `{dest}` names no guide or file under content/"),
            Target::Undecodable => format!(
                "{what} `{dest}` does not percent-decode to a UTF-8 path: \
                 write a `%` in a file name as `%25`"
            ),
            Target::Asset(path) => match ctx.site.links.unreadable_image(dest) {
                Some(why) => format!(
                    "{what} `{dest}` names `content/{path}`, which is not an image a browser \
                     can show ({why}): save the screenshot again"
                ),
                None => continue,
            },
            Target::Elsewhere | Target::Guide { .. } | Target::Output(_) => continue,
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
    // A link names the page its source's owner serves.
    let guides: Vec<&Guide> = pages.iter().map(|(guide, _)| *guide).collect();
    let owners = source_owners(&guides);
    let anchors: HashMap<&str, &[String]> = pages
        .iter()
        .filter(|(guide, _)| {
            owners
                .get(guide.source())
                .is_some_and(|o| o.file == guide.file)
        })
        .map(|(guide, summary)| (guide.source(), summary.anchors.as_slice()))
        .collect();
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
    let hint = match did_you_mean(fragment, &names) {
        hint if !hint.is_empty() => hint,
        _ => closest(fragment, &names),
    };
    Some(Finding::new(
        Code::LinkAnchor,
        span,
        format!("`#{fragment}` names no heading or step in {page}{hint}"),
    ))
}

/// How many ids a `link/anchor` lists when none is a near miss.
const LISTED_IDS: usize = 5;

/// The ids of the page most like `fragment`, when none is close enough
/// for a did-you-mean: `(its closest ids: `a`, `b`)`.
fn closest(fragment: &str, names: &[&str]) -> String {
    let mut ranked: Vec<(f64, &str)> = names
        .iter()
        .map(|name| (strsim::jaro_winkler(fragment, name), *name))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let listed: Vec<String> = ranked
        .iter()
        .take(LISTED_IDS)
        .map(|(_, name)| format!("`#{name}`"))
        .collect();
    if listed.is_empty() {
        String::new()
    } else {
        format!("; its closest ids are {}", listed.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::facts::Link;
    use crate::validate::test_support::{FRONT, Site, codes, guide, guide_with_body, run, span_of};

    /// The links `[text](dest)` of `guide`'s body, as rendering finds them.
    fn facts(guide: &Guide, links: &[(&str, &str)]) -> Facts {
        let links = links
            .iter()
            .map(|&(text, dest)| Link {
                dest: dest.to_string(),
                href: None,
                text: text.to_string(),
                kind: LinkKind::Markdown,
                span: span_of(&guide.text, &format!("[{text}]({dest})")),
            })
            .collect();
        Facts {
            links,
            anchors: vec![
                "grant-access".into(),
                "grant-access-step-1".into(),
                "über-uns".into(),
            ],
            ..Facts::default()
        }
    }

    /// `guide` with `links` and nothing else in its body.
    fn body_of(links: &[(&str, &str)]) -> Guide {
        let body: Vec<String> = links.iter().map(|(t, d)| format!("[{t}]({d})")).collect();
        guide_with_body(&body.join("\n\n"))
    }

    #[test]
    fn placeholders_are_reported_with_their_text() {
        let links = [("Guide", "#"), ("here", " ")];
        let guide = body_of(&links);
        let found = run(check, &guide, &facts(&guide, &links));
        assert_eq!(
            codes(&found),
            [Code::LinkPlaceholder, Code::LinkPlaceholder]
        );
        assert!(
            found[0].message.contains("link `Guide` points nowhere"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn in_page_fragments_name_an_id_percent_decoded() {
        let links = [
            ("a", "#grant-access"),
            ("b", "#grant-access-step-1"),
            ("c", "#%C3%BCber-uns"),
            ("d", "#grant-acess"),
        ];
        let guide = body_of(&links);
        let found = run(check, &guide, &facts(&guide, &links));
        assert_eq!(codes(&found), [Code::LinkAnchor]);
        assert_eq!(found[0].span, span_of(&guide.text, "[d](#grant-acess)"));
        assert!(
            found[0].message.contains("`grant-access`"),
            "did you mean: {}",
            found[0].message
        );
    }

    #[test]
    fn plain_http_is_insecure() {
        let links = [
            ("a", "http://x.test/"),
            ("b", "HTTP://x.test/"),
            ("c", "https://x.test/"),
        ];
        let guide = body_of(&links);
        let found = run(check, &guide, &facts(&guide, &links));
        assert_eq!(codes(&found), [Code::LinkInsecure, Code::LinkInsecure]);
    }

    #[test]
    fn relative_links_name_a_guide_or_an_asset() {
        let mut site = Site::default();
        site.others.push(guide(
            "tiktok",
            &FRONT.replace("source: meta", "source: tiktok"),
        ));
        site.assets.insert("meta/shot 1.png".into());
        let links = [
            ("a", "tiktok.md"),
            ("b", "./tiktok.md#anything"),
            ("c", "meta/shot%201.png"),
            ("d", "snapchat.md"),
            ("e", "meta/shot.png"),
            ("f", "meta/%zz.png"),
        ];
        let guide = body_of(&links);
        let found = site.run(check, &guide, &facts(&guide, &links));
        assert_eq!(codes(&found), [Code::LinkBroken; 3]);
        let at: Vec<&str> = found.iter().map(|f| &guide.text[f.span.clone()]).collect();
        assert_eq!(
            at,
            [
                "[d](snapchat.md)",
                "[e](meta/shot.png)",
                "[f](meta/%zz.png)"
            ]
        );
        assert!(
            found[2].message.contains("percent-decode"),
            "{}",
            found[2].message
        );
    }

    #[test]
    fn root_relative_links_name_a_page_or_file_of_the_built_site() {
        let mut site = Site::default();
        site.others.push(guide(
            "tiktok-ads",
            &FRONT.replace("source: meta", "source: tiktok"),
        ));
        site.assets.insert("meta/shot.png".into());
        let links = [
            ("a", "/tiktok/"),
            ("b", "/tiktok/#anything"),
            ("c", "/tiktok/index.html"),
            ("d", "/tiktok"),
            ("e", "/"),
            ("f", "/manifest.json"),
            ("g", "/embed/tiktok.html"),
            ("h", "/meta/shot.png"),
            ("i", "//cdn.example.com/x.js"),
            ("j", "/tiktok-ads/"),
            ("k", "/embed/snapchat.html"),
            ("l", "/meta/missing.png"),
        ];
        let guide = body_of(&links);
        let found = site.run(check, &guide, &facts(&guide, &links));
        let at: Vec<&str> = found.iter().map(|f| &guide.text[f.span.clone()]).collect();
        // A guide's page is named by its source, not its file name.
        assert_eq!(
            at,
            [
                "[j](/tiktok-ads/)",
                "[k](/embed/snapchat.html)",
                "[l](/meta/missing.png)"
            ]
        );
        assert_eq!(codes(&found), [Code::LinkBroken; 3]);
        assert!(
            found[0].message.contains("site's root"),
            "{}",
            found[0].message
        );
    }

    /// `content/<stem>.md` with source `source` whose page has the ids `anchors`.
    fn page(stem: &str, source: &str, anchors: &[&str]) -> (Guide, GuideSummary) {
        let guide = guide(
            stem,
            &FRONT.replace("source: meta", &format!("source: {source}")),
        );
        let summary = GuideSummary {
            anchors: anchors.iter().map(|a| a.to_string()).collect(),
            cross_fragments: Vec::new(),
        };
        (guide, summary)
    }

    #[test]
    fn a_fragment_into_another_guide_names_an_id_of_its_sources_owner() {
        // `a.md` sorts first but `tiktok.md` owns `tiktok`, so its page is served.
        let (a, a_ids) = page("a", "tiktok", &["only-in-a"]);
        let (tiktok, tiktok_ids) = page("tiktok", "tiktok", &["only-in-tiktok"]);
        let (linker, mut linker_ids) = page("linker", "linker", &[]);
        linker_ids.cross_fragments = ["only-in-tiktok", "only-in-a"]
            .iter()
            .enumerate()
            .map(|(i, fragment)| CrossFragment {
                span: i..i + 1,
                source: "tiktok".into(),
                fragment: fragment.to_string(),
            })
            .collect();
        let pages = [(&a, &a_ids), (&linker, &linker_ids), (&tiktok, &tiktok_ids)];
        let found = cross_guide_anchors(&pages);
        assert_eq!(found.len(), 1, "{found:?}");
        let (guide, finding) = &found[0];
        assert_eq!(guide.file, "content/linker.md");
        assert_eq!(
            (finding.code, finding.span.clone()),
            (Code::LinkAnchor, 1..2)
        );
        assert!(
            finding.message.contains("guide `tiktok`"),
            "{}",
            finding.message
        );
    }
}
