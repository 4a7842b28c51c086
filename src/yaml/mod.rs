//! The one YAML entry point: strict parsing with positions and did-you-mean
//! hints, shared by `site.yaml` and guide front matter. A failure the author
//! made by a common slip (a `: ` in a value, a tab, an unclosed quote …) is
//! said in plain words at its real cause, with the fix ([`hints`]).

mod hints;
mod scan;

use serde::de::DeserializeOwned;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Budget, Error, MessageFormatter, Options, UserMessageFormatter};

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

/// Most bytes the values of one document may add up to, an alias counting
/// as a copy of what it names. Front matter and `site.yaml` are a few
/// kilobytes; this refuses a "billion laughs" document (a 1 MB value
/// aliased 60 times) while it is parsed, before the copies exist.
pub const MAX_EXPANDED_BYTES: usize = 1 << 20;

/// Parses `text` into `T`; positions in the error are relative to `text`.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    let mut budget = Budget::default();
    budget.max_total_scalar_bytes = MAX_EXPANDED_BYTES;
    let mut options = Options::default();
    options.budget = Some(budget);
    // `title: !important step` would otherwise lose its first word to an
    // unknown tag, silently.
    options.reject_unsupported_tags = true;
    // A block of comments only is an empty mapping, as an empty one is: say
    // which keys are missing rather than "unexpected end of file".
    let text = if scan::has_content(text) { text } else { "{}" };
    let value =
        serde_saphyr::from_str_with_options(text, options).map_err(|err| convert(text, &err))?;
    match hints::value_cut_by_comment(text) {
        Some(hint) => Err(from_hint(text, hint)),
        None => Ok(value),
    }
}

fn from_hint(text: &str, hint: hints::Hint) -> YamlError {
    let (line, column) = scan::line_col(text, hint.at);
    YamlError {
        unknown_key: false,
        message: hint.message,
        line,
        column,
    }
}

fn convert(text: &str, err: &Error) -> YamlError {
    let (line, column) = err.location().map_or((1, 1), |l| {
        (l.line().max(1) as usize, l.column().max(1) as usize)
    });
    let failure = failure(err);
    let at = scan::offset_of(text, line, column);
    if let Some(hint) = failure.and_then(|f| hints::explain(text, at, f)) {
        return from_hint(text, hint);
    }
    let err = err.without_snippet();
    // At an alias the error says where it is used (the position above) and
    // wraps what went wrong.
    let cause = match err {
        Error::AliasError { error, .. } => error.without_snippet(),
        other => other,
    };
    if let Error::Budget {
        breach: BudgetBreach::ScalarBytes { .. },
        ..
    } = cause
    {
        return YamlError {
            unknown_key: false,
            message: format!(
                "the values add up to more than {} MiB here, counting each alias (`*name`) as a copy of its anchor: write the text once, without aliases",
                MAX_EXPANDED_BYTES >> 20
            ),
            line,
            column,
        };
    }
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
        // A value's own check (`editor:`'s placeholders …) says it plainly.
        Error::Message { msg, .. } => YamlError {
            unknown_key: false,
            message: msg.clone(),
            line,
            column,
        },
        other => YamlError {
            unknown_key: false,
            message: format!(
                "YAML cannot read this ({}): if a value holds `: `, ` #` or a quote, or starts \
                 with a sign such as `@`, `*`, `[`, put it in quotes; indent with spaces, the \
                 keys of one block the same",
                UserMessageFormatter
                    .format_message(other)
                    .replace("i64", "an integer")
                    .replace("u64", "a non-negative integer")
            ),
            line,
            column,
        },
    }
}

/// The kind of failure, for [`hints::explain`]; `None` for the ones whose
/// own message is already the plain one (missing key, budget).
fn failure(err: &Error) -> Option<hints::Failure<'_>> {
    let err = match err.without_snippet() {
        Error::AliasError { error, .. } => error.without_snippet(),
        other => other,
    };
    Some(match err {
        Error::SerdeUnknownField { field, .. } => hints::Failure::UnknownKey(field),
        Error::DuplicateMappingKey { key, .. } => {
            hints::Failure::DuplicateKey(key.as_deref().unwrap_or_default())
        }
        Error::SerdeInvalidType { expected, .. } | Error::SerdeInvalidValue { expected, .. } => {
            hints::Failure::WrongType(expected)
        }
        Error::InvalidScalar { ty, .. } => hints::Failure::WrongType(ty),
        Error::InvalidBooleanStrict { .. } => hints::Failure::WrongType("bool"),
        Error::NullIntoString { .. } => hints::Failure::WrongType("string"),
        Error::Unexpected { expected, .. } => hints::Failure::WrongType(expected),
        Error::SerdeMissingField { .. } | Error::Budget { .. } | Error::Message { .. } => {
            return None;
        }
        _ => hints::Failure::Syntax,
    })
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

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Lists {
        title: String,
        contacts: Vec<String>,
    }

    #[test]
    fn an_alias_expanding_past_the_budget_is_refused_where_it_is_used() {
        let big = "x".repeat(400_000);
        let aliases = vec!["*big"; 60].join(", ");
        let text = format!("title: &big \"{big}\"\ncontacts: [{aliases}]\n");
        let err = parse::<Lists>(&text).unwrap_err();
        assert!(!err.unknown_key);
        assert!(
            err.message.contains("more than 1 MiB") && err.message.contains("alias"),
            "{}",
            err.message
        );
        // `title` and the first alias make 800 kB, the second alias breaks
        // the 1 MiB budget: it is where the error points, not the anchor.
        assert_eq!((err.line, err.column), (2, 18), "{err:?}");
    }

    #[test]
    fn aliases_within_the_budget_are_fine() {
        let text = "title: &t Hello\ncontacts: [*t, *t]\n";
        let lists = parse::<Lists>(text).unwrap();
        assert_eq!(lists.contacts, ["Hello", "Hello"]);
    }

    #[test]
    fn type_error_has_position() {
        let err = parse::<Sample>("title: [a]\nplatform: b\n").unwrap_err();
        assert!(!err.unknown_key);
        assert_eq!(err.line, 1);
    }
}
