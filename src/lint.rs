//! Checks on a policy that need no data: likely mistakes that still validate.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::class::Class;
use crate::item::Channel;
use crate::policy::{Conditions, Policy, Rule, Scope};
use crate::text;

/// A likely mistake in a policy, found by [`lint`]. Each names the rules
/// involved. Warnings do not stop a policy from compiling.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LintWarning {
    /// One keyword (after normalisation: "crashes" and "crash" are one)
    /// votes for two or more classes.
    KeywordInSeveralClasses {
        /// The keyword's normalised terms, space-separated.
        terms: String,
        /// The classes it votes for.
        classes: Vec<Class>,
        /// The rules that list it, in policy order.
        rules: Vec<String>,
    },
    /// One keyword (after normalisation) is listed twice in a rule, or in
    /// two rules of the same class: it counts twice.
    DuplicateKeyword {
        /// The keyword's normalised terms, space-separated.
        terms: String,
        /// The class.
        class: Class,
        /// The rules that list it, once per listing, in policy order.
        rules: Vec<String>,
    },
    /// An exclusion of a rule is part of one of its keywords (or equal to
    /// it), so wherever the keyword matches, the exclusion matches too and
    /// the keyword can never fire. (An exclusion that merely *contains* the
    /// keyword, like "not a bug" for "bug", is the intended use and is not
    /// reported.)
    ExclusionCancelsKeyword {
        /// The rule.
        rule: String,
        /// The keyword as written.
        keyword: String,
        /// The exclusion as written.
        exclusion: String,
    },
    /// Whenever `rule` fires, `by` fires too, for the same class: `rule`
    /// only repeats evidence. Detected when `by` has the same class, lists
    /// every keyword of `rule` (or both have none), looks at the same text
    /// or more, has conditions at least as loose, no exclusion that `rule`
    /// lacks, and is not negatable where `rule` is not.
    Shadowed {
        /// The shadowed rule.
        rule: String,
        /// The rule that shadows it.
        by: String,
    },
    /// The rule's conditions can never all hold, so it never fires.
    ConditionsNeverHold {
        /// The rule.
        rule: String,
        /// Why, in words.
        reason: String,
    },
}

impl LintWarning {
    /// The rules the warning names.
    pub fn rules(&self) -> Vec<&str> {
        match self {
            LintWarning::KeywordInSeveralClasses { rules, .. }
            | LintWarning::DuplicateKeyword { rules, .. } => {
                rules.iter().map(String::as_str).collect()
            }
            LintWarning::ExclusionCancelsKeyword { rule, .. }
            | LintWarning::ConditionsNeverHold { rule, .. } => vec![rule],
            LintWarning::Shadowed { rule, by } => vec![rule, by],
        }
    }
}

impl fmt::Display for LintWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let classes = |c: &[Class]| c.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
        match self {
            LintWarning::KeywordInSeveralClasses {
                terms,
                classes: c,
                rules,
            } => write!(
                f,
                "keyword {terms:?} votes for {} (rules {rules:?})",
                classes(c)
            ),
            LintWarning::DuplicateKeyword {
                terms,
                class,
                rules,
            } => write!(
                f,
                "keyword {terms:?} is listed {} times for {class} (rules {rules:?})",
                rules.len()
            ),
            LintWarning::ExclusionCancelsKeyword {
                rule,
                keyword,
                exclusion,
            } => write!(
                f,
                "rule {rule:?}: exclusion {exclusion:?} matches wherever keyword {keyword:?} does, so the keyword never fires"
            ),
            LintWarning::Shadowed { rule, by } => write!(
                f,
                "rule {rule:?} is shadowed by rule {by:?}: whenever it fires, {by:?} fires too, for the same class"
            ),
            LintWarning::ConditionsNeverHold { rule, reason } => {
                write!(f, "rule {rule:?} can never fire: {reason}")
            }
        }
    }
}

/// The normalised form of a phrase, as the matcher compares it.
fn key(phrase: &str) -> Vec<String> {
    if text::is_substring_phrase(phrase) {
        vec![phrase.trim().to_lowercase()]
    } else {
        text::phrase_terms(phrase)
    }
}

/// Checks a policy for likely mistakes, without data. The warnings come in a
/// fixed order: per-keyword findings sorted by keyword, then per-rule findings
/// in policy order. The policy need not be valid.
///
/// Among rules a [`Learner`](crate::Learner) wrote (as in the embedded
/// default's learned layer), a word that weighs for several classes, or
/// that several rules of one class count, is how a linear model works, as
/// is a rule that adds to a class whenever another does: those warnings are
/// given only between rules that are not learned. A rule counts as learned
/// when its id has the shape the learner gives, with any prefix:
/// `{prefix}-{class}-words`, `-phrases-N`, `-title-words`,
/// `-title-phrases-N` (each perhaps with `-part-M`) or `-prior`, where
/// `{class}` is the rule's own class.
///
/// ```
/// use feedback_triage::{lint, Class, LintWarning, Policy, Rule};
///
/// let mut policy = Policy::empty();
/// policy.rules.push(Rule::new("bugs", Class::FaultCorrection).keyword("crash"));
/// policy.rules.push(Rule::new("asks", Class::MarketDriven).keyword("crashes"));
/// let warnings = lint(&policy);
/// assert!(matches!(
///     &warnings[0],
///     LintWarning::KeywordInSeveralClasses { terms, .. } if terms == "crash"
/// ));
/// assert_eq!(warnings[0].rules(), ["bugs", "asks"]);
/// ```
pub fn lint(policy: &Policy) -> Vec<LintWarning> {
    let mut out = Vec::new();
    // Keyword -> (rule index) listings.
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let learned = |rule: &Rule| crate::learn::is_learned_id(&rule.id, rule.class);
    for (r, rule) in policy.rules.iter().enumerate() {
        if learned(rule) {
            continue;
        }
        for k in &rule.keywords {
            let terms = key(&k.text);
            if !terms.is_empty() {
                by_key.entry(terms.join(" ")).or_default().push(r);
            }
        }
    }
    let id = |r: usize| policy.rules[r].id.clone();
    for (terms, rules) in &by_key {
        let mut classes: Vec<Class> = rules.iter().map(|&r| policy.rules[r].class).collect();
        classes.sort();
        classes.dedup();
        if classes.len() > 1 {
            let mut distinct = rules.clone();
            distinct.dedup();
            out.push(LintWarning::KeywordInSeveralClasses {
                terms: terms.clone(),
                classes: classes.clone(),
                rules: distinct.into_iter().map(id).collect(),
            });
        }
        for class in classes {
            let same: Vec<usize> = rules
                .iter()
                .copied()
                .filter(|&r| policy.rules[r].class == class)
                .collect();
            if same.len() > 1 {
                out.push(LintWarning::DuplicateKeyword {
                    terms: terms.clone(),
                    class,
                    rules: same.into_iter().map(id).collect(),
                });
            }
        }
    }
    for (r, rule) in policy.rules.iter().enumerate() {
        for k in &rule.keywords {
            let kt = key(&k.text);
            if let Some(e) = rule.exclude.iter().find(|e| {
                let et = key(e);
                !et.is_empty() && kt.windows(et.len()).any(|w| w == et.as_slice())
            }) {
                out.push(LintWarning::ExclusionCancelsKeyword {
                    rule: rule.id.clone(),
                    keyword: k.text.clone(),
                    exclusion: e.clone(),
                });
            }
        }
        if let Some(reason) = never_holds(&rule.when) {
            out.push(LintWarning::ConditionsNeverHold {
                rule: rule.id.clone(),
                reason,
            });
        }
        if learned(rule) {
            continue;
        }
        if let Some(by) = policy.rules.iter().enumerate().find(|&(o, other)| {
            o != r && !learned(other) && shadows(other, rule) && (o < r || !shadows(rule, other))
        }) {
            out.push(LintWarning::Shadowed {
                rule: rule.id.clone(),
                by: by.1.id.clone(),
            });
        }
    }
    out
}

/// Whether `a` fires whenever `b` does, for the same class.
fn shadows(a: &Rule, b: &Rule) -> bool {
    if a.class != b.class || a.keywords.is_empty() != b.keywords.is_empty() {
        return false;
    }
    let a_keys: Vec<Vec<String>> = a.keywords.iter().map(|k| key(&k.text)).collect();
    let keywords_covered = b.keywords.iter().all(|k| a_keys.contains(&key(&k.text)));
    let scope_covered = match (a.field, b.field) {
        (Scope::Both, _) => true,
        (x, y) => x == y,
    };
    // An exclusion of `a` could veto it where `b` fires, unless `b` has the
    // same exclusion looked for in the same text.
    let b_excl: Vec<Vec<String>> = b.exclude.iter().map(|e| key(e)).collect();
    let exclusions_covered = a.exclude.is_empty()
        || (a.field == b.field && a.exclude.iter().all(|e| b_excl.contains(&key(e))));
    let negation_covered = !a.negatable || b.negatable;
    // A decisive rule decides the class: deleting it would change results
    // even where a plain rule fires with it.
    let decisive_covered = a.decisive || !b.decisive;
    keywords_covered
        && decisive_covered
        && scope_covered
        && exclusions_covered
        && negation_covered
        && looser(&a.when, &b.when)
}

/// Whether conditions `a` hold whenever conditions `b` do.
fn looser(a: &Conditions, b: &Conditions) -> bool {
    let same_tag = |x: &String, y: &String| x.trim().eq_ignore_ascii_case(y.trim());
    let channel = match (&a.channel, &b.channel) {
        (None, _) => true,
        (Some(ac), Some(bc)) => bc.iter().all(|c| ac.contains(c)),
        (Some(_), None) => false,
    };
    let not_channel = match &a.not_channel {
        None => true,
        Some(an) => {
            let b_allows = |c: &Channel| {
                b.channel.as_ref().is_none_or(|l| l.contains(c))
                    && b.not_channel.as_ref().is_none_or(|l| !l.contains(c))
            };
            an.iter().all(|c| !b_allows(c))
        }
    };
    let min_deal = match (a.min_deal_value, b.min_deal_value) {
        (None, _) => true,
        (Some(x), Some(y)) => y >= x,
        (Some(_), None) => false,
    };
    let max_deal = match (a.max_deal_value, b.max_deal_value) {
        (None, _) => true,
        (Some(x), Some(y)) => y <= x,
        (Some(_), None) => false,
    };
    let tags = match (&a.tags, &b.tags) {
        (None, _) => true,
        (Some(at), Some(bt)) => bt.iter().all(|t| at.iter().any(|u| same_tag(t, u))),
        (Some(_), None) => false,
    };
    let votes = match (a.min_votes, b.min_votes) {
        (None, _) => true,
        (Some(x), Some(y)) => y >= x,
        (Some(0), None) => true,
        (Some(_), None) => false,
    };
    channel && not_channel && min_deal && max_deal && tags && votes
}

/// Why a rule's conditions can never all hold, if they cannot.
fn never_holds(w: &Conditions) -> Option<String> {
    if let Some(ch) = &w.channel {
        if ch.is_empty() {
            return Some("`when.channel` is an empty list".into());
        }
        if let Some(not) = &w.not_channel
            && ch.iter().all(|c| not.contains(c))
        {
            return Some("every channel in `when.channel` is also in `when.not_channel`".into());
        }
    }
    if let Some(not) = &w.not_channel
        && Channel::ALL.iter().all(|c| not.contains(c))
    {
        return Some("`when.not_channel` lists every channel".into());
    }
    if let Some(tags) = &w.tags
        && tags.iter().all(|t| t.trim().is_empty())
    {
        return Some("`when.tags` has no non-empty tag".into());
    }
    if let (Some(min), Some(max)) = (w.min_deal_value, w.max_deal_value)
        && min > max
    {
        return Some(format!(
            "`when.min_deal_value` ({min}) is greater than `when.max_deal_value` ({max})"
        ));
    }
    for (field, v) in [
        ("min_deal_value", w.min_deal_value),
        ("max_deal_value", w.max_deal_value),
    ] {
        if let Some(v) = v
            && (v.is_nan()
                || (field == "min_deal_value" && v == f64::INFINITY)
                || (field == "max_deal_value" && v < 0.0))
        {
            return Some(format!("`when.{field}` is {v}, which no deal value meets"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(rules: Vec<Rule>) -> Policy {
        let mut p = Policy::empty();
        p.rules = rules;
        p
    }

    #[test]
    fn keyword_in_two_classes() {
        let w = lint(&policy(vec![
            Rule::new("a", Class::FaultCorrection).keyword("Crashed"),
            Rule::new("b", Class::MarketDriven).keyword("crashes"),
        ]));
        assert_eq!(
            w,
            vec![LintWarning::KeywordInSeveralClasses {
                terms: "crash".into(),
                classes: vec![Class::FaultCorrection, Class::MarketDriven],
                rules: vec!["a".into(), "b".into()],
            }]
        );
        assert!(w[0].to_string().contains("\"a\""));
    }

    #[test]
    fn duplicate_keywords_within_and_across_rules() {
        let w = lint(&policy(vec![
            Rule::new("a", Class::FaultCorrection)
                .keyword("error")
                .keyword("errors"),
            Rule::new("b", Class::FaultCorrection)
                .keyword("bug")
                .exclude("not a bug"),
            Rule::new("c", Class::FaultCorrection)
                .keyword("bugs")
                .keyword("freeze"),
        ]));
        assert!(w.contains(&LintWarning::DuplicateKeyword {
            terms: "error".into(),
            class: Class::FaultCorrection,
            rules: vec!["a".into(), "a".into()],
        }));
        assert!(w.contains(&LintWarning::DuplicateKeyword {
            terms: "bug".into(),
            class: Class::FaultCorrection,
            rules: vec!["b".into(), "c".into()],
        }));
        // "not a bug" contains the keyword: intended, not reported.
        assert!(
            !w.iter()
                .any(|w| matches!(w, LintWarning::ExclusionCancelsKeyword { .. }))
        );
    }

    #[test]
    fn exclusion_that_cancels_its_keyword() {
        let w = lint(&policy(vec![
            Rule::new("a", Class::FaultCorrection)
                .keyword("crash report")
                .keyword("hang")
                .exclude("crashes"),
            Rule::new("b", Class::FaultCorrection)
                .keyword("leak")
                .exclude("Leaks"),
        ]));
        assert_eq!(
            w,
            vec![
                LintWarning::ExclusionCancelsKeyword {
                    rule: "a".into(),
                    keyword: "crash report".into(),
                    exclusion: "crashes".into(),
                },
                LintWarning::ExclusionCancelsKeyword {
                    rule: "b".into(),
                    keyword: "leak".into(),
                    exclusion: "Leaks".into(),
                },
            ]
        );
    }

    #[test]
    fn shadowed_rules() {
        let sales = Conditions {
            channel: Some(vec![Channel::Sales]),
            ..Conditions::default()
        };
        let w = lint(&policy(vec![
            Rule::new("broad", Class::Opportunistic).keywords(["deal", "contract", "rfp"]),
            Rule::new("narrow", Class::Opportunistic)
                .keyword("deals")
                .when(sales.clone()),
            // Different class: not shadowed (but the keyword is flagged).
            Rule::new("other", Class::MarketDriven).keyword("deal"),
            // A looser rule with an exclusion the narrow one lacks: not shadowed.
            Rule::new("narrow2", Class::Opportunistic)
                .keyword("rfp")
                .exclude("no rfp"),
            Rule::new("broad2", Class::Opportunistic)
                .keyword("rfp")
                .keyword("tender")
                .exclude("no rfp")
                .when(sales),
        ]));
        let shadowed: Vec<(&str, &str)> = w
            .iter()
            .filter_map(|w| match w {
                LintWarning::Shadowed { rule, by } => Some((rule.as_str(), by.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(shadowed, [("narrow", "broad"), ("narrow2", "broad")]);
        // Identical rules: only the later one is reported.
        let w = lint(&policy(vec![
            Rule::new("x", Class::Necessity).keyword("gdpr"),
            Rule::new("y", Class::Necessity).keyword("gdpr"),
        ]));
        assert!(w.contains(&LintWarning::Shadowed {
            rule: "y".into(),
            by: "x".into()
        }));
        assert!(!w.contains(&LintWarning::Shadowed {
            rule: "x".into(),
            by: "y".into()
        }));
        // A decisive rule is not shadowed by a plain one with its keywords:
        // deleting it would change what it decides.
        let w = lint(&policy(vec![
            Rule::new("always", Class::Necessity)
                .keyword("gdpr")
                .decisive(),
            Rule::new("words", Class::Necessity).keywords(["gdpr", "privacy"]),
        ]));
        assert!(
            !w.iter()
                .any(|w| matches!(w, LintWarning::Shadowed { rule, .. } if rule == "always")),
            "{w:?}"
        );
    }

    #[test]
    fn conditions_that_never_hold() {
        let w = lint(&policy(vec![
            Rule::new("a", Class::Opportunistic)
                .keyword("deal")
                .when(Conditions {
                    min_deal_value: Some(10.0),
                    max_deal_value: Some(5.0),
                    ..Conditions::default()
                }),
            Rule::new("b", Class::Necessity).when(Conditions {
                channel: Some(vec![Channel::Regulator]),
                not_channel: Some(vec![Channel::Regulator, Channel::Sales]),
                ..Conditions::default()
            }),
        ]));
        let never: Vec<&str> = w
            .iter()
            .filter_map(|w| match w {
                LintWarning::ConditionsNeverHold { rule, .. } => Some(rule.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(never, ["a", "b"]);
    }

    #[test]
    fn builtin_policy_lints_clean() {
        // No keyword listed twice for a class (it would count twice), none
        // voting for two classes, no cancelling exclusion, no impossible
        // condition.
        let w = lint(&Policy::builtin());
        assert!(w.is_empty(), "{w:#?}");
    }
}
