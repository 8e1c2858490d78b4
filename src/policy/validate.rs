//! Every check on a policy, in rule order.

use std::collections::HashMap;

use super::{POLICY_VERSION, Policy, Rule};
use crate::class::Class;
use crate::error::{PolicyError, PolicyErrors};
use crate::text;

/// The longest negation window, in words: a cue negates keywords within a
/// clause, and clauses are rarely longer; a wider window would let "not"
/// cancel matches in unrelated sentences of a run-on text.
macro_rules! max_negation_window {
    () => {
        50
    };
}
const MAX_NEGATION_WINDOW: usize = max_negation_window!();

/// The most words a keyword, exclusion or negation phrase may have.
pub(crate) const MAX_PHRASE_WORDS: usize = 8;
/// The most characters a keyword, exclusion or negation phrase may have.
pub(crate) const MAX_PHRASE_CHARS: usize = 200;
/// The most rules a policy may have.
pub(crate) const MAX_RULES: usize = 20_000;
/// The largest weight (rule, keyword, title factor). With at most
/// `MAX_PHRASES` keywords, a class score stays below 1e6 × 1e6 × 1e6 × 5e5,
/// far from overflowing to infinity.
pub(crate) const MAX_WEIGHT: f64 = 1e6;
/// The most keywords and exclusions, over all rules, a policy may have.
pub(crate) const MAX_PHRASES: usize = 500_000;

pub(super) fn validate(policy: &Policy) -> Result<(), PolicyErrors> {
    let mut errors = Vec::new();
    if policy.version != POLICY_VERSION {
        errors.push(PolicyError::UnsupportedVersion {
            found: policy.version,
            supported: POLICY_VERSION,
        });
    }
    settings(policy, &mut errors);
    if policy.rules.is_empty() {
        errors.push(PolicyError::NoRules);
    }
    if policy.rules.len() > MAX_RULES {
        errors.push(PolicyError::TooLarge {
            what: "rules",
            found: policy.rules.len(),
            max: MAX_RULES,
        });
    }
    let phrases: usize = policy
        .rules
        .iter()
        .map(|r| r.keywords.len() + r.exclude.len())
        .sum();
    if phrases > MAX_PHRASES {
        errors.push(PolicyError::TooLarge {
            what: "keywords and exclusions",
            found: phrases,
            max: MAX_PHRASES,
        });
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, rule) in policy.rules.iter().enumerate() {
        if rule.id.trim().is_empty() {
            errors.push(PolicyError::EmptyRuleId { index });
        } else if let Some(&first) = seen.get(rule.id.as_str()) {
            errors.push(PolicyError::DuplicateRuleId {
                id: rule.id.clone(),
                index,
                first,
            });
        } else {
            seen.insert(&rule.id, index);
        }
        check_rule(rule, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(PolicyErrors(errors))
    }
}

fn positive(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

/// A weight: finite, `> 0` and at most [`MAX_WEIGHT`].
fn weight_ok(v: f64) -> bool {
    positive(v) && v <= MAX_WEIGHT
}

fn settings(policy: &Policy, errors: &mut Vec<PolicyError>) {
    let s = &policy.settings;
    let mut bad = |field: &str, expected: &'static str, value: String| {
        errors.push(PolicyError::InvalidSetting {
            field: field.to_string(),
            expected,
            value,
        })
    };
    if !weight_ok(s.title_weight) {
        bad("title_weight", "in (0, 1e6]", s.title_weight.to_string());
    }
    if !(positive(s.fit_ratio) && s.fit_ratio <= 1.0) {
        bad("fit_ratio", "in (0, 1]", s.fit_ratio.to_string());
    }
    if !(positive(s.ambiguity_ratio) && s.ambiguity_ratio <= 1.0) {
        bad(
            "ambiguity_ratio",
            "in (0, 1]",
            s.ambiguity_ratio.to_string(),
        );
    }
    if !positive(s.confidence_scale) {
        bad(
            "confidence_scale",
            "finite and > 0",
            s.confidence_scale.to_string(),
        );
    }
    if !(s.min_score.is_finite() && s.min_score >= 0.0) {
        bad("min_score", "finite and >= 0", s.min_score.to_string());
    }
    let unit = |v: f64| (0.0..=1.0).contains(&v);
    if !unit(s.band_medium) {
        bad("band_medium", "in [0, 1]", s.band_medium.to_string());
    }
    if !(unit(s.band_high) && s.band_high >= s.band_medium) {
        bad(
            "band_high",
            "in [0, 1] and at least band_medium",
            s.band_high.to_string(),
        );
    }
    let mut sorted = s.precedence.clone();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != s.precedence.len() || sorted.len() != Class::ALL.len() {
        bad(
            "precedence",
            "a list of all five classes, each once",
            format!(
                "{:?}",
                s.precedence.iter().map(|c| c.as_str()).collect::<Vec<_>>()
            ),
        );
    }
    if s.negation_window > MAX_NEGATION_WINDOW {
        bad(
            "negation_window",
            concat!("at most ", max_negation_window!()),
            s.negation_window.to_string(),
        );
    }
    for (i, cue) in s.negation_cues.iter().enumerate() {
        let (words, chars) = measure(cue);
        if words == 0 || words > MAX_PHRASE_WORDS || chars > MAX_PHRASE_CHARS {
            bad(
                &format!("negation_cues[{i}]"),
                "a phrase of 1 to 8 words and at most 200 characters",
                format!("{:?}", cut(cue)),
            );
        }
    }
}

/// Whether a phrase is a valid keyword, exclusion or negation cue: 1 to
/// [`MAX_PHRASE_WORDS`] words as the matcher sees them and at most
/// [`MAX_PHRASE_CHARS`] characters (the learner keeps only such phrases).
pub(crate) fn phrase_fits(phrase: &str) -> bool {
    let (words, chars) = measure(phrase);
    words > 0 && words <= MAX_PHRASE_WORDS && chars <= MAX_PHRASE_CHARS
}

/// Words (as the matcher sees them) and characters in a phrase.
fn measure(phrase: &str) -> (usize, usize) {
    (text::phrase_len(phrase), phrase.chars().count())
}

/// Characters of a bad phrase quoted in an error: enough to find it in the
/// policy, short enough for one line.
const QUOTED_CHARS: usize = 60;

fn cut(s: &str) -> String {
    s.chars().take(QUOTED_CHARS).collect()
}

fn check_rule(rule: &Rule, errors: &mut Vec<PolicyError>) {
    let id = || rule.id.clone();
    if !weight_ok(rule.weight) {
        errors.push(PolicyError::InvalidWeight {
            rule: id(),
            field: "weight".into(),
            value: rule.weight,
        });
    }
    let phrases = rule
        .keywords
        .iter()
        .enumerate()
        .map(|(i, k)| (format!("keywords[{i}]"), k.text.as_str()))
        .chain(
            rule.exclude
                .iter()
                .enumerate()
                .map(|(i, e)| (format!("exclude[{i}]"), e.as_str())),
        );
    for (field, phrase) in phrases {
        let (words, chars) = measure(phrase);
        if words == 0 {
            errors.push(PolicyError::EmptyKeyword {
                rule: id(),
                field,
                keyword: phrase.to_string(),
            });
        } else if words > MAX_PHRASE_WORDS || chars > MAX_PHRASE_CHARS {
            errors.push(PolicyError::PhraseTooLong {
                rule: id(),
                field,
                keyword: cut(phrase),
                words,
                chars,
                max_words: MAX_PHRASE_WORDS,
                max_chars: MAX_PHRASE_CHARS,
            });
        }
    }
    for (i, k) in rule.keywords.iter().enumerate() {
        if !weight_ok(k.weight) {
            errors.push(PolicyError::InvalidWeight {
                rule: id(),
                field: format!("keywords[{i}].weight"),
                value: k.weight,
            });
        }
    }
    if rule.keywords.is_empty() && rule.when.is_empty() {
        errors.push(PolicyError::EmptyRule { rule: id() });
    }
    check_conditions(rule, errors);
}

/// The errors of conditions that can never hold (an empty list, a channel
/// both allowed and excluded, a negative or crossed deal value range).
fn check_conditions(rule: &Rule, errors: &mut Vec<PolicyError>) {
    let id = || rule.id.clone();
    let w = &rule.when;
    let mut never = |field: &str, reason: String| {
        errors.push(PolicyError::NeverHolds {
            rule: id(),
            field: field.to_string(),
            reason,
        })
    };
    if let Some(ch) = &w.channel {
        if ch.is_empty() {
            never("when.channel", "the list of channels is empty".into());
        } else if let Some(not) = &w.not_channel
            && ch.iter().all(|c| not.contains(c))
        {
            never(
                "when.channel",
                "every channel it allows is also in `when.not_channel`".into(),
            );
        }
    }
    if let Some(tags) = &w.tags {
        if tags.is_empty() {
            never("when.tags", "the list of tags is empty".into());
        } else if tags.iter().any(|t| t.trim().is_empty()) {
            never("when.tags", "a tag is empty".into());
        }
    }
    if let Some(min) = w.min_deal_value
        && (!min.is_finite() || min < 0.0)
    {
        never(
            "when.min_deal_value",
            format!("it must be finite and >= 0, got {min}"),
        );
    }
    if let Some(max) = w.max_deal_value
        && (!max.is_finite() || max < 0.0)
    {
        never(
            "when.max_deal_value",
            format!("it must be finite and >= 0, got {max}"),
        );
    }
    if let (Some(min), Some(max)) = (w.min_deal_value, w.max_deal_value)
        && min > max
    {
        never(
            "when.min_deal_value",
            format!("it is greater than `when.max_deal_value` ({min} > {max})"),
        );
    }
}
