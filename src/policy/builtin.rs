//! The embedded default policy.
//!
//! Its vocabulary lives in `builtin.rules`, a plain text file embedded in the
//! library: written from the class meanings in `CLASSES.md`, one rule per
//! family of signals a product team would recognise. Weights follow how
//! specific a signal is: a CVE number says more than the word "wrong"; weak
//! signals ("doesn't", "deprecated", "secure") get small weights and mostly back up
//! stronger ones. Metadata rules (channel, deal value) are added here.

use super::{Conditions, POLICY_VERSION, Policy, Rule, Settings};
use crate::class::Class;
use crate::item::Channel;

const RULES: &str = include_str!("builtin.rules");

/// Parses `builtin.rules`. The file is part of the library, so a malformed
/// line is a bug caught by the tests (which check the parsed policy is
/// complete and valid); parsing itself never panics.
fn parse(text: &str) -> Vec<Rule> {
    // Join continuation lines (starting with white space) to their key line.
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            if let Some(last) = lines.last_mut() {
                last.push(' ');
                last.push_str(line.trim());
            }
        } else {
            lines.push(line.trim().to_string());
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
    for line in lines {
        let (key, value) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        match (key, rules.last_mut()) {
            ("rule", _) => {
                let mut parts = value.split_whitespace();
                let id = parts.next().unwrap_or_default();
                let class = parts
                    .next()
                    .and_then(|c| c.parse::<Class>().ok())
                    .unwrap_or(Class::Responsiveness);
                let weight = parts.next().and_then(|w| w.parse().ok()).unwrap_or(1.0);
                rules.push(Rule::new(id, class).weight(weight));
            }
            ("about", Some(rule)) => rule.description = Some(value.to_string()),
            ("keywords", Some(rule)) => rule
                .keywords
                .extend(list(value).into_iter().map(super::Keyword::new)),
            ("exclude", Some(rule)) => rule.exclude.extend(list(value)),
            _ => {}
        }
    }
    rules
}

pub(super) fn policy() -> Policy {
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

    #[test]
    fn the_rules_file_parses_completely_and_validates() {
        let policy = policy();
        policy.validate().unwrap();
        // Every `rule` line became a rule, and every rule has keywords or conditions.
        let declared = RULES.lines().filter(|l| l.starts_with("rule ")).count();
        assert_eq!(policy.rules.len(), declared + 3);
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
}
