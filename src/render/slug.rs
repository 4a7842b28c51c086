//! Heading ids: GitHub's slugs, and the suffixes that keep them unique.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

/// What GitHub strips from a heading's lowercased text (github-slugger, whose
/// fixtures are GitHub's own output): every character except the alphabetic
/// ones (letters, letter numbers such as `Ⅻ`, and symbols that are letters
/// too, such as `Ⓐ`), marks (Devanagari vowel signs, combining accents, the
/// emoji variation selector U+FE0F), decimal digits, connector punctuation
/// (`_`), the ASCII space and `-`. Other numbers (`²`, `½`), tabs, NBSP and
/// the zero-width joiner go, unlike in Unicode's `\w`.
static STRIPPED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc} \-]+").expect("valid regex"));

/// The id GitHub gives a heading whose plain text is `text`: lowercased as
/// JavaScript's `toLowerCase` does (final sigma included), stripped as
/// [`STRIPPED`] says, each space turned into `-`. Hyphens are neither
/// collapsed nor trimmed (`A & B` → `a--b`, `-x-` → `-x-`) and the text is
/// not trimmed either (the Markdown parser already trimmed it).
///
/// When nothing is left (`???`, an emoji alone), GitHub writes `id=""` and a
/// permalink `href="#"` that leads to the top of the page, so no link to such
/// a heading can be copied from GitHub; `section` gives it a usable id.
pub fn slugify(text: &str) -> String {
    let lowercase = text.to_lowercase();
    let slug = STRIPPED.replace_all(&lowercase, "").replace(' ', "-");
    if slug.is_empty() {
        "section".into()
    } else {
        slug
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

    /// Heading text → GitHub's id, worked out from github-slugger's rule
    /// and its fixtures (GitHub's own output).
    const GITHUB_SLUGS: &[(&str, &str)] = &[
        // Plain text and ASCII punctuation.
        (
            "Adding an Ad Account to your TikTok Business Center",
            "adding-an-ad-account-to-your-tiktok-business-center",
        ),
        ("Step 2: Assign — Analyst!", "step-2-assign--analyst"),
        ("What's new?", "whats-new"),
        ("A & B", "a--b"),
        ("Q&A", "qa"),
        ("A &amp; B", "a-amp-b"),
        ("C++", "c"),
        ("C# and F#", "c-and-f"),
        ("Node.js", "nodejs"),
        ("v1.2.3", "v123"),
        ("100% done", "100-done"),
        ("$PATH, ~/.bashrc & /etc", "path-bashrc--etc"),
        ("(optional) [beta] {x} <y>", "optional-beta-x-y"),
        ("\"quoted\" `ticks` @user #tag", "quoted-ticks-user-tag"),
        ("a|b=c+d*e^f", "abcdef"),
        ("Why? Because!", "why-because"),
        // Underscores, hyphens and spaces: kept as written, never collapsed.
        ("foo_bar_baz", "foo_bar_baz"),
        ("__init__.py", "__init__py"),
        ("heading with a - dash", "heading-with-a---dash"),
        ("-x-", "-x-"),
        ("--flag", "--flag"),
        ("a  b", "a--b"),
        (" a ", "-a-"),
        ("a\tb", "ab"),
        ("a\u{a0}b", "ab"),
        ("zero\u{200b}width soft\u{ad}hyphen", "zerowidth-softhyphen"),
        // Unicode punctuation.
        ("Step 1 – Create an app", "step-1--create-an-app"),
        ("«Quotes» and “curly” ones", "quotes-and-curly-ones"),
        ("apostrophe’s gone", "apostrophes-gone"),
        ("‿ tie", "‿-tie"),
        // Emoji: removed, except the variation selector U+FE0F (a mark).
        ("😄 unicode emoji", "-unicode-emoji"),
        ("Installation 📦", "installation-"),
        ("⚠️ Warning", "\u{fe0f}-warning"),
        ("I ♥ unicode", "i--unicode"),
        ("thumbs 👍🏽 up", "thumbs--up"),
        ("👨‍👩‍👧 family", "-family"),
        ("🇫🇷 France", "-france"),
        (":smile: - a gemoji", "smile---a-gemoji"),
        // Numbers: decimal digits and letter numbers stay, others go.
        ("Ⅻ Roman", "ⅻ-roman"),
        ("x² + y²", "x--y"),
        ("½ cup", "-cup"),
        ("١٢٣ digits", "١٢٣-digits"),
        // Symbols that are letters too stay (lowercased).
        ("Ⓐ circled", "ⓐ-circled"),
        // Non-Latin scripts: letters and marks stay.
        ("Привет мир", "привет-мир"),
        ("ΟΔΥΣΣΕΥΣ", "οδυσσευς"),
        ("ΣΑΣ ΣΟΥ", "σας-σου"),
        ("Ελληνικά", "ελληνικά"),
        ("你好，世界", "你好世界"),
        ("日本語の見出し（説明）", "日本語の見出し説明"),
        ("한국어 제목", "한국어-제목"),
        ("مرحبا بالعالم؟", "مرحبا-بالعالم"),
        ("مَرْحَبًا", "مَرْحَبًا"),
        ("हिन्दी", "हिन्दी"),
        ("नमस्ते दुनिया।", "नमस्ते-दुनिया"),
        ("สวัสดี ครับ", "สวัสดี-ครับ"),
        ("Ｆｕｌｌｗｉｄｔｈ", "ｆｕｌｌｗｉｄｔｈ"),
        // Latin beyond ASCII: kept, lowercased, never transliterated.
        ("Café Crème", "café-crème"),
        ("Cafe\u{301}", "cafe\u{301}"),
        ("Ærøskøbing", "ærøskøbing"),
        ("Straße", "straße"),
        ("İstanbul", "i\u{307}stanbul"),
        ("ǅemal", "ǆemal"),
    ];

    #[test]
    fn slugs_are_githubs() {
        assert!(GITHUB_SLUGS.len() >= 40);
        let wrong: Vec<_> = GITHUB_SLUGS
            .iter()
            .map(|&(heading, github)| (heading, slugify(heading), github))
            .filter(|(_, ours, github)| ours != github)
            .collect();
        assert!(wrong.is_empty(), "(heading, ours, GitHub's): {wrong:#?}");
    }

    #[test]
    fn a_heading_with_nothing_left_gets_a_usable_id() {
        assert_eq!(slugify("???"), "section");
        assert_eq!(slugify("🚀"), "section");
        assert_eq!(slugify(""), "section");
    }

    #[test]
    fn repeated_headings_get_githubs_suffixes() {
        let mut ids = Ids::default();
        let got: Vec<String> = ["FAQ", "faq", "F.A.Q.", "FAQ 1", "A", "A", "A-1"]
            .iter()
            .map(|heading| ids.unique(&slugify(heading)))
            .collect();
        assert_eq!(
            got,
            ["faq", "faq-1", "faq-2", "faq-1-1", "a", "a-1", "a-1-1"]
        );
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
