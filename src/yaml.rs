//! The one YAML entry point: strict parsing with positions and did-you-mean
//! hints, shared by `site.yaml` and guide front matter.

use serde::de::DeserializeOwned;
use serde_saphyr::{Error, MessageFormatter, UserMessageFormatter};

use crate::diag::did_you_mean;

/// Why a YAML document did not parse into the expected type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub unknown_key: bool,
    pub message: String,
    /// 1-based, relative to the YAML text.
    pub line: usize,
    pub column: usize,
}

/// Parses `text` into `T`; positions in the error are relative to `text`.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_saphyr::from_str(text).map_err(|err| convert(&err))
}

fn convert(err: &Error) -> YamlError {
    let err = err.without_snippet();
    let (line, column) = err.location().map_or((1, 1), |l| {
        (l.line().max(1) as usize, l.column().max(1) as usize)
    });
    match err {
        Error::SerdeUnknownField {
            field, expected, ..
        } => {
            let hint = did_you_mean(field, expected);
            let message = if hint.is_empty() {
                format!(
                    "unknown key `{field}`, expected one of: {}",
                    expected.join(", ")
                )
            } else {
                format!("unknown key `{field}`{hint}")
            };
            YamlError {
                unknown_key: true,
                message,
                line,
                column,
            }
        }
        // serde notices a missing key at its mapping's last key. For a nested
        // mapping that is close enough; for the top level, which spans the
        // whole block, point at its start rather than at an unrelated key.
        Error::SerdeMissingField { field, .. } => {
            let top_level = column == 1;
            YamlError {
                unknown_key: false,
                message: format!("missing required key `{field}`"),
                line: if top_level { 1 } else { line },
                column,
            }
        }
        other => YamlError {
            unknown_key: false,
            message: UserMessageFormatter
                .format_message(other)
                .replace("i64", "an integer")
                .replace("u64", "a non-negative integer"),
            line,
            column,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        title: String,
        platform: String,
    }

    #[test]
    fn unknown_key_gets_position_and_suggestion() {
        let err = parse::<Sample>("title: a\nplatfrom: b\n").unwrap_err();
        assert!(err.unknown_key);
        assert_eq!((err.line, err.column), (2, 1));
        assert!(
            err.message.contains("did you mean `platform`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn type_error_has_position() {
        let err = parse::<Sample>("title: [a]\nplatform: b\n").unwrap_err();
        assert!(!err.unknown_key);
        assert_eq!(err.line, 1);
    }
}
