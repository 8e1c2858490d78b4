//! The embedded default policy.
//!
//! Its vocabulary lives in `builtin.rules`, a plain text file embedded in the
//! library: written from the class meanings in `CLASSES.md`, one rule per
//! family of signals a product team would recognise. Weights follow how
//! specific a signal is: a CVE number says more than the word "wrong"; weak
//! signals ("doesn't", "deprecated", "secure") get small weights and mostly back up
//! stronger ones. Metadata rules (channel, deal value) are added here.

use super::{Conditions, ConfidenceModel, POLICY_VERSION, Policy, Rule, Scope, Settings};
use crate::class::Class;
use crate::item::Channel;

const RULES: &str = include_str!("builtin.rules");

/// The learned layer: per-class word and phrase weights fitted by
/// `scripts/fit-default-policy.sh` (the `fit_default` example), plus the
/// decision settings chosen with them by cross-validation.
const LEARNED: &str = include_str!("learned.rules");

/// The learned layer, parsed: its rules and its settings.
struct Layer {
    rules: Vec<Rule>,
    settings: Vec<(String, f64)>,
}

/// Parses `learned.rules`: `settings KEY VALUE...`, `prior ID CLASS WEIGHT`,
/// and `rule ID CLASS SCOPE` followed by `WEIGHT PHRASE` lines. Any other
/// line is an error naming it (the file is part of the library: the tests
/// check that it parses).
fn parse_layer(text: &str) -> Result<Layer, String> {
    let mut layer = Layer {
        rules: Vec::new(),
        settings: Vec::new(),
    };
    for (n, line) in text.lines().enumerate() {
        let bad = |what: &str| format!("learned.rules line {}: {what}: {line:?}", n + 1);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (head, rest) = line.split_once(' ').unwrap_or((line, ""));
        let class = |s: Option<&str>| {
            s.and_then(|c| c.parse::<Class>().ok())
                .ok_or_else(|| bad("unknown class"))
        };
        let number = |s: Option<&str>| {
            s.and_then(|w| w.parse::<f64>().ok())
                .filter(|w| w.is_finite())
                .ok_or_else(|| bad("not a number"))
        };
        match head {
            "settings" => {
                let parts: Vec<&str> = rest.split_whitespace().collect();
                if !parts.len().is_multiple_of(2) {
                    return Err(bad("settings need KEY VALUE pairs"));
                }
                for pair in parts.chunks(2) {
                    layer
                        .settings
                        .push((pair[0].to_string(), number(Some(pair[1]))?));
                }
            }
            "prior" => {
                let mut p = rest.split_whitespace();
                let id = p.next().ok_or_else(|| bad("no id"))?;
                let class = class(p.next())?;
                let weight = number(p.next())?;
                let mut rule = Rule::new(id, class).weight(weight).when(Conditions {
                    min_votes: Some(0),
                    ..Conditions::default()
                });
                rule.description = Some(format!("learned prior of {class}; always holds"));
                layer.rules.push(rule);
            }
            "rule" => {
                let mut p = rest.split_whitespace();
                let id = p.next().ok_or_else(|| bad("no id"))?;
                let class = class(p.next())?;
                let scope = match p.next() {
                    Some("both") => Scope::Both,
                    Some("title") => Scope::Title,
                    Some("body") => Scope::Body,
                    _ => return Err(bad("scope is not both, title or body")),
                };
                let mut rule = Rule::new(id, class).field(scope).not_negatable();
                rule.description = Some(format!("learned words and phrases of {class}"));
                layer.rules.push(rule);
            }
            _ => {
                let weight = number(Some(head))?;
                let rule = layer
                    .rules
                    .last_mut()
                    .filter(|r| r.when.min_votes.is_none())
                    .ok_or_else(|| bad("a keyword outside a rule"))?;
                if rest.is_empty() {
                    return Err(bad("a weight without a phrase"));
                }
                rule.keywords.push(super::Keyword {
                    text: rest.to_string(),
                    weight,
                });
            }
        }
    }
    Ok(layer)
}

/// Applies the layer's settings; an unknown key is an error.
fn apply(settings: &mut Settings, pairs: &[(String, f64)]) -> Result<(), String> {
    for (key, value) in pairs {
        let v = *value;
        match key.as_str() {
            "fit_ratio" => settings.fit_ratio = v,
            "title_weight" => settings.title_weight = v,
            "min_score" => settings.min_score = v,
            "confidence_scale" => settings.confidence_scale = v,
            "band_high" => settings.band_high = v,
            "band_medium" => settings.band_medium = v,
            other => return Err(format!("learned.rules: unknown setting {other:?}")),
        }
    }
    Ok(())
}

/// Parses `builtin.rules`. The file is part of the library, so a malformed
/// line is a bug that the tests catch ([`parse_checked`] names it); should
/// one ever ship, the policy has no rules from the file rather than wrong
/// ones, and parsing itself never panics.
fn parse(text: &str) -> Vec<Rule> {
    parse_checked(text).unwrap_or_default()
}

/// A line of `builtin.rules` that does not parse: its 1-based number and
/// what is wrong with it.
#[derive(Debug, PartialEq)]
struct BadLine {
    line: usize,
    message: String,
}

/// Parses `builtin.rules`, or names the first line that does not parse: a
/// `rule` line whose class is unknown, whose weight is not a number, or
/// that has missing or extra fields; a key other than `rule`, `about`,
/// `keywords` and `exclude`; or one of the latter before any `rule` line.
fn parse_checked(text: &str) -> Result<Vec<Rule>, BadLine> {
    // Join continuation lines (starting with white space) to their key line,
    // keeping the key line's number.
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            match lines.last_mut() {
                Some((_, last)) => {
                    last.push(' ');
                    last.push_str(line.trim());
                }
                None => {
                    return Err(BadLine {
                        line: n + 1,
                        message: "a continuation line before any key line".into(),
                    });
                }
            }
        } else {
            lines.push((n + 1, line.trim().to_string()));
        }
    }
    let mut rules: Vec<Rule> = Vec::new();
    let list = |v: &str| -> Vec<String> {
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    };
    for (n, line) in lines {
        let bad = |message: String| BadLine { line: n, message };
        let (key, value) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        match (key, rules.last_mut()) {
            ("rule", _) => {
                let parts: Vec<&str> = value.split_whitespace().collect();
                let [id, class, weight] = parts[..] else {
                    return Err(bad(format!(
                        "`rule` needs `ID CLASS WEIGHT`, got {value:?}"
                    )));
                };
                let class = class
                    .parse::<Class>()
                    .map_err(|e| bad(format!("rule {id}: class {class:?}: {e}")))?;
                let weight = weight
                    .parse::<f64>()
                    .map_err(|e| bad(format!("rule {id}: weight {weight:?}: {e}")))?;
                rules.push(Rule::new(id, class).weight(weight));
            }
            ("about", Some(rule)) => rule.description = Some(value.to_string()),
            ("keywords", Some(rule)) => rule
                .keywords
                .extend(list(value).into_iter().map(super::Keyword::new)),
            ("exclude", Some(rule)) => rule.exclude.extend(list(value)),
            ("about" | "keywords" | "exclude", None) => {
                return Err(bad(format!("`{key}` before any `rule` line")));
            }
            _ => return Err(bad(format!("unknown key {key:?}"))),
        }
    }
    Ok(rules)
}

pub(super) fn policy() -> Policy {
    let Policy {
        mut settings,
        mut rules,
        ..
    } = hand_written();
    // The layer is part of the library and its test checks that it parses
    // and applies; should it ever not, the hand-written rules still stand.
    if let Ok(layer) = parse_layer(LEARNED) {
        let mut with = settings.clone();
        if apply(&mut with, &layer.settings).is_ok() {
            settings = with;
            settings.confidence_model = ConfidenceModel::Softmax;
            rules.extend(layer.rules);
        }
    }
    Policy {
        version: POLICY_VERSION,
        settings,
        rules,
    }
}

/// The hand-written rules alone, with the default settings.
pub(super) fn hand_written() -> Policy {
    let mut rules = parse(RULES);
    let conditional = |id: &str, class, weight, about: &str, when| {
        let mut rule = Rule::new(id, class).weight(weight).when(when);
        rule.description = Some(about.to_string());
        rule
    };
    rules.push(conditional(
        "opportunistic-sales-channel",
        Class::Opportunistic,
        1.0,
        "asked through sales or a partner",
        Conditions {
            channel: Some(vec![Channel::Sales, Channel::Partner]),
            ..Conditions::default()
        },
    ));
    rules.push(conditional(
        "opportunistic-deal-value",
        Class::Opportunistic,
        1.5,
        "a deal value is at stake",
        Conditions {
            min_deal_value: Some(1.0),
            ..Conditions::default()
        },
    ));
    rules.push(
        conditional(
            "necessity-regulator-channel",
            Class::Necessity,
            3.0,
            "a regulator's request is always necessity",
            Conditions {
                channel: Some(vec![Channel::Regulator]),
                ..Conditions::default()
            },
        )
        .decisive(),
    );
    Policy {
        version: POLICY_VERSION,
        settings: Settings::default(),
        rules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The id prefix of the learned layer's rules.
    const LEARNED_PREFIX: &str = "learned-";

    #[test]
    fn the_rules_file_parses_completely_and_validates() {
        if let Err(e) = parse_checked(RULES) {
            panic!("builtin.rules line {}: {}", e.line, e.message);
        }
        let policy = policy();
        policy.validate().unwrap();
        // Every `rule` line became a rule, and every rule has keywords or conditions.
        let declared = RULES.lines().filter(|l| l.starts_with("rule ")).count();
        let layer = parse_layer(LEARNED).unwrap();
        assert_eq!(policy.rules.len(), declared + 3 + layer.rules.len());
        for line in RULES.lines().filter(|l| l.starts_with("rule ")) {
            let parts: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(parts.len(), 4, "{line}");
            assert!(parts[2].parse::<Class>().is_ok(), "{line}");
            assert!(parts[3].parse::<f64>().is_ok(), "{line}");
        }
        for class in Class::ALL {
            assert!(
                policy
                    .rules
                    .iter()
                    .any(|r| r.class == class && !r.keywords.is_empty())
            );
        }
        let keywords: usize = policy.rules.iter().map(|r| r.keywords.len()).sum();
        let commas = RULES
            .lines()
            .filter(|l| {
                l.starts_with("keywords ") || (l.starts_with("    ") && !l.trim().is_empty())
            })
            .count();
        assert!(keywords > 500 && commas > 0);
    }

    #[test]
    fn the_learned_layer_parses_applies_and_covers_every_class() {
        let layer = parse_layer(LEARNED).unwrap();
        let mut settings = Settings::default();
        apply(&mut settings, &layer.settings).unwrap();
        assert!(layer.settings.iter().any(|(k, _)| k == "band_high"));
        for class in Class::ALL {
            assert!(
                layer
                    .rules
                    .iter()
                    .any(|r| r.class == class && r.keywords.len() > 10),
                "{class}"
            );
        }
        assert!(layer.rules.iter().all(|r| r.id.starts_with(LEARNED_PREFIX)));
        let policy = policy();
        assert_eq!(policy.settings.confidence_model, ConfidenceModel::Softmax);
        assert_eq!(policy.settings.band_high, settings.band_high);
    }

    #[test]
    fn a_bad_layer_line_is_an_error_naming_it() {
        for text in [
            "rule learned-x nonsense both\n",
            "rule learned-x necessity sideways\n",
            "1.0 orphan\n",
            "prior learned-p necessity heavy\n",
            "settings fit_ratio\n",
            "rule learned-x necessity both\nNaN word\n",
        ] {
            let e = parse_layer(text).err().unwrap_or_default();
            assert!(e.contains("line "), "{text:?}: {e}");
        }
        let mut s = Settings::default();
        assert!(apply(&mut s, &[("colour".to_string(), 1.0)]).is_err());
    }

    /// A bad line is an error naming the line, never a guess (an unknown
    /// class used to become responsiveness, a bad weight 1.0, an unknown key
    /// was skipped).
    #[test]
    fn a_bad_line_is_an_error_that_names_it() {
        let cases = [
            (
                "rule a necesity 2.0\nkeywords gdpr",
                1,
                "class \"necesity\"",
            ),
            (
                "# c\n\nrule a necessity heavy\nkeywords gdpr",
                3,
                "weight \"heavy\"",
            ),
            ("rule a necessity\nkeywords gdpr", 1, "ID CLASS WEIGHT"),
            (
                "rule a necessity 2.0 3.0\nkeywords gdpr",
                1,
                "ID CLASS WEIGHT",
            ),
            ("keywords gdpr", 1, "before any `rule`"),
            ("  gdpr, ccpa", 1, "continuation"),
            (
                "rule a necessity 2.0\nkeyword gdpr",
                2,
                "unknown key \"keyword\"",
            ),
        ];
        for (text, line, needle) in cases {
            let e = parse_checked(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e:?}");
            assert!(e.message.contains(needle), "{text:?}: {e:?}");
            // The lenient wrapper gives no rules rather than wrong ones.
            assert!(parse(text).is_empty());
        }
        let rules =
            parse_checked("rule a necessity 2.5\nkeywords gdpr,\n  ccpa\nexclude x").unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!((rules[0].class, rules[0].weight), (Class::Necessity, 2.5));
        assert_eq!(rules[0].keywords.len(), 2);
        assert_eq!(rules[0].exclude, ["x"]);
    }
}
