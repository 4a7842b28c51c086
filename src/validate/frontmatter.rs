//! Front matter rules that need more than one guide. (Per-file front matter
//! problems are found while loading, where the YAML is parsed.)

use std::collections::HashMap;

use crate::content::Guide;
use crate::content::front_matter::file_span;
use crate::diag::{Code, Finding};

/// `frontmatter/duplicate-source`: reported at every guide after the first.
pub fn duplicate_sources<'a>(guides: &[&'a Guide]) -> Vec<(&'a Guide, Finding)> {
    let mut first: HashMap<&str, &Guide> = HashMap::new();
    let mut findings = Vec::new();
    for &guide in guides {
        match first.get(guide.source()) {
            Some(original) => findings.push((
                guide,
                Finding::new(
                    Code::FrontmatterDuplicateSource,
                    file_span(&guide.front.source, guide.yaml_offset),
                    format!(
                        "source `{}` is already used by {}",
                        guide.source(),
                        original.file
                    ),
                ),
            )),
            None => {
                first.insert(guide.source(), guide);
            }
        }
    }
    findings
}
