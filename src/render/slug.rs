//! Heading ids: GitHub's slugs, and the suffixes that keep them unique.

use std::collections::{HashMap, HashSet};

/// A stable, URL-safe id from heading text (GitHub-style).
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            slug.push(c);
        } else if (c.is_whitespace() || c == '-') && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        "section".into()
    } else {
        slug.into()
    }
}

/// Hands out ids, suffixing repeats `-1`, `-2`, … as GitHub does
/// (github-slugger): each wanted id remembers the last suffix it gave, so
/// 20,000 equal headings cost 20,000 look-ups, not 200 million; a suffixed id
/// already taken (a heading literally titled `a-1`) is skipped.
#[derive(Default)]
pub struct Ids {
    taken: HashSet<String>,
    last_suffix: HashMap<String, usize>,
}

impl Ids {
    pub fn unique(&mut self, wanted: &str) -> String {
        if self.taken.insert(wanted.to_string()) {
            return wanted.to_string();
        }
        let suffix = self.last_suffix.entry(wanted.to_string()).or_default();
        loop {
            *suffix += 1;
            let id = format!("{wanted}-{suffix}");
            if self.taken.insert(id.clone()) {
                return id;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_github_like() {
        assert_eq!(
            slugify("Adding an Ad Account to your TikTok Business Center"),
            "adding-an-ad-account-to-your-tiktok-business-center"
        );
        assert_eq!(
            slugify("Step 2: Assign — Analyst!"),
            "step-2-assign-analyst"
        );
        assert_eq!(slugify("???"), "section");
    }

    #[test]
    fn repeated_ids_get_suffixes() {
        let mut ids = Ids::default();
        assert_eq!(ids.unique("a"), "a");
        assert_eq!(ids.unique("a"), "a-1");
        assert_eq!(ids.unique("a"), "a-2");
    }

    #[test]
    fn suffixed_ids_never_collide_with_literal_ones() {
        // GitHub: `a`, `a`, `a-1` → `a`, `a-1`, `a-1-1`.
        let mut ids = Ids::default();
        assert_eq!(ids.unique("a"), "a");
        assert_eq!(ids.unique("a"), "a-1");
        assert_eq!(ids.unique("a-1"), "a-1-1");
        // GitHub: `a-1`, `a`, `a` → `a-1`, `a`, `a-2`.
        let mut ids = Ids::default();
        assert_eq!(ids.unique("a-1"), "a-1");
        assert_eq!(ids.unique("a"), "a");
        assert_eq!(ids.unique("a"), "a-2");
        assert_eq!(ids.unique("a-1"), "a-1-1");
    }

    #[test]
    fn many_equal_ids_cost_one_try_each() {
        let mut ids = Ids::default();
        for n in 0..20_000 {
            let id = ids.unique("a");
            assert_eq!(id, if n == 0 { "a".into() } else { format!("a-{n}") });
        }
        // Each repeat resumes from the last suffix: one insert per id.
        assert_eq!(ids.taken.len(), 20_000);
        assert_eq!(ids.last_suffix["a"], 19_999);
    }
}
