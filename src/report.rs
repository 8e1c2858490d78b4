//! Per-rule figures over a set of items: how often each rule fires, with
//! which other rules, how precise it is, and which rules carry each class.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::class::{CLASSES, Class};
use crate::classify::{Classification, Classifier, EvidenceKind};
use crate::error::ItemError;
use crate::item::FeedbackItem;
use crate::policy::Policy;

/// How many overlapping rules each [`RuleSummary`] lists.
const TOP_OVERLAPS: usize = 5;

/// Accumulates per-rule figures in one pass over classified items; see
/// [`RuleStats::add`] and [`RuleStats::finish`].
///
/// Work is linear in the items: each item costs time in the number of rules
/// that fired on it (squared, for the overlaps; a handful in practice).
///
/// ```
/// use feedback_triage::{Class, Classifier, Policy, Rule, RuleStats};
///
/// let mut policy = Policy::empty();
/// policy.rules.push(Rule::new("crash", Class::FaultCorrection).keyword("crash"));
/// policy.rules.push(Rule::new("add", Class::MarketDriven).keyword("please add"));
/// let classifier = Classifier::new(&policy)?;
/// let mut stats = RuleStats::new(classifier.policy());
/// for (text, truth) in [
///     ("It crashes", Class::FaultCorrection),
///     ("Please add a crash reporter", Class::MarketDriven),
///     ("Nice", Class::Responsiveness),
/// ] {
///     stats.add(Some(&[truth]), &classifier.classify_text(text, ""));
/// }
/// let report = stats.finish();
/// let crash = &report.rules[0];
/// assert_eq!(crash.fired, 2);
/// assert_eq!(crash.precision, Some(0.5));
/// assert_eq!(crash.conflicts, 1);
/// assert_eq!(crash.overlaps[0].rule, "add");
/// # Ok::<(), feedback_triage::PolicyErrors>(())
/// ```
#[derive(Clone, Debug)]
pub struct RuleStats {
    ids: Vec<String>,
    classes: Vec<Class>,
    index: HashMap<String, usize>,
    items: usize,
    labelled: usize,
    fired: Vec<usize>,
    vetoed: Vec<usize>,
    labelled_firings: Vec<usize>,
    right_firings: Vec<usize>,
    conflicts: Vec<usize>,
    pairs: HashMap<(u32, u32), usize>,
    correct: [usize; CLASSES],
    carried: Vec<usize>,
    scratch: Vec<usize>,
}

/// Per-rule figures over a set of items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuleReport {
    /// Items seen.
    pub items: usize,
    /// Items that had a true class.
    pub labelled: usize,
    /// One summary per rule, in policy order.
    pub rules: Vec<RuleSummary>,
    /// The ids of rules that never fired, in policy order.
    pub never_fired: Vec<String>,
    /// Per class with correct predictions, the rules that carried them.
    pub classes: Vec<ClassCarriers>,
}

/// What one rule did over the items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuleSummary {
    /// The rule's id.
    pub rule: String,
    /// The rule's class.
    pub class: Class,
    /// Items it fired on (added to its class's score).
    pub fired: usize,
    /// `fired / items`.
    pub coverage: f64,
    /// Items where one of its exclusions vetoed it.
    pub vetoed: usize,
    /// Firings on items with a true class.
    pub labelled_firings: usize,
    /// Share of those firings where the item's true class is the rule's
    /// class; `None` when it never fired on a labelled item.
    pub precision: Option<f64>,
    /// Items where it fired together with a rule of another class.
    pub conflicts: usize,
    /// The rules it fired with most often (most first, then policy order).
    pub overlaps: Vec<RuleOverlap>,
}

/// Another rule that fired on the same items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuleOverlap {
    /// The other rule's id.
    pub rule: String,
    /// Its class (a different class means a conflict).
    pub class: Class,
    /// Items on which both fired.
    pub items: usize,
}

/// The rules behind one class's correct predictions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClassCarriers {
    /// The class.
    pub class: Class,
    /// Correct predictions of this class.
    pub correct: usize,
    /// Rules of this class that contributed, most first.
    pub rules: Vec<RuleShare>,
}

/// One rule's part in a class's correct predictions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuleShare {
    /// The rule's id.
    pub rule: String,
    /// Correct predictions it contributed to.
    pub items: usize,
    /// `items / correct`.
    pub share: f64,
}

impl RuleStats {
    /// Empty figures for the rules of `policy`.
    pub fn new(policy: &Policy) -> RuleStats {
        let n = policy.rules.len();
        RuleStats {
            ids: policy.rules.iter().map(|r| r.id.clone()).collect(),
            classes: policy.rules.iter().map(|r| r.class).collect(),
            index: policy
                .rules
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id.clone(), i))
                .collect(),
            items: 0,
            labelled: 0,
            fired: vec![0; n],
            vetoed: vec![0; n],
            labelled_firings: vec![0; n],
            right_firings: vec![0; n],
            conflicts: vec![0; n],
            pairs: HashMap::new(),
            correct: [0; CLASSES],
            carried: vec![0; n],
            scratch: Vec::new(),
        }
    }

    /// Runs `classifier` over `items` (each with its accepted true classes,
    /// or `None`) and returns the report.
    pub fn run<'a, I>(classifier: &Classifier, items: I) -> Result<RuleReport, ItemError>
    where
        I: IntoIterator<Item = (&'a FeedbackItem, Option<&'a [Class]>)>,
    {
        let mut stats = RuleStats::new(classifier.policy());
        for (item, truth) in items {
            stats.add(truth, &classifier.classify(item)?);
        }
        Ok(stats.finish())
    }

    /// Records one classified item. `truth` lists the accepted classes
    /// (`None` or empty: unlabelled). Evidence naming a rule the policy does
    /// not have is ignored.
    pub fn add(&mut self, truth: Option<&[Class]>, result: &Classification) {
        self.items += 1;
        let truth = truth.filter(|t| !t.is_empty());
        if truth.is_some() {
            self.labelled += 1;
        }
        self.scratch.clear();
        let mut last_vetoed = usize::MAX;
        for e in &result.evidence {
            let Some(&r) = self.index.get(&*e.rule) else {
                continue;
            };
            if matches!(e.kind, EvidenceKind::Excluded { .. }) {
                if last_vetoed != r {
                    self.vetoed[r] += 1;
                    last_vetoed = r;
                }
            } else if e.contribution > 0.0 && self.scratch.last() != Some(&r) {
                self.scratch.push(r);
            }
        }
        // Evidence comes in rule order, so `scratch` is sorted; dedup guards
        // against evidence assembled by hand.
        self.scratch.sort_unstable();
        self.scratch.dedup();
        let correct = match (result.class, truth) {
            (Some(p), Some(t)) if t.contains(&p) => Some(p),
            _ => None,
        };
        if let Some(c) = correct {
            self.correct[c.index()] += 1;
        }
        for (i, &r) in self.scratch.iter().enumerate() {
            let class = self.classes[r];
            self.fired[r] += 1;
            if let Some(t) = truth {
                self.labelled_firings[r] += 1;
                if t.contains(&class) {
                    self.right_firings[r] += 1;
                }
            }
            if correct == Some(class) {
                self.carried[r] += 1;
            }
            if self.scratch.iter().any(|&o| self.classes[o] != class) {
                self.conflicts[r] += 1;
            }
            for &o in &self.scratch[i + 1..] {
                *self.pairs.entry((r as u32, o as u32)).or_insert(0) += 1;
            }
        }
    }

    /// Computes the report.
    pub fn finish(self) -> RuleReport {
        let n = self.ids.len();
        let mut overlaps: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        for (&(a, b), &count) in &self.pairs {
            overlaps[a as usize].push((b as usize, count));
            overlaps[b as usize].push((a as usize, count));
        }
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let rules: Vec<RuleSummary> = (0..n)
            .map(|r| {
                let mut o = std::mem::take(&mut overlaps[r]);
                o.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
                o.truncate(TOP_OVERLAPS);
                RuleSummary {
                    rule: self.ids[r].clone(),
                    class: self.classes[r],
                    fired: self.fired[r],
                    coverage: ratio(self.fired[r], self.items),
                    vetoed: self.vetoed[r],
                    labelled_firings: self.labelled_firings[r],
                    precision: (self.labelled_firings[r] > 0)
                        .then(|| ratio(self.right_firings[r], self.labelled_firings[r])),
                    conflicts: self.conflicts[r],
                    overlaps: o
                        .into_iter()
                        .map(|(other, items)| RuleOverlap {
                            rule: self.ids[other].clone(),
                            class: self.classes[other],
                            items,
                        })
                        .collect(),
                }
            })
            .collect();
        let never_fired = rules
            .iter()
            .filter(|r| r.fired == 0)
            .map(|r| r.rule.clone())
            .collect();
        let classes = Class::ALL
            .into_iter()
            .filter(|c| self.correct[c.index()] > 0)
            .map(|c| {
                let correct = self.correct[c.index()];
                let mut rules: Vec<RuleShare> = (0..n)
                    .filter(|&r| self.classes[r] == c && self.carried[r] > 0)
                    .map(|r| RuleShare {
                        rule: self.ids[r].clone(),
                        items: self.carried[r],
                        share: ratio(self.carried[r], correct),
                    })
                    .collect();
                rules.sort_by_key(|s| std::cmp::Reverse(s.items));
                ClassCarriers {
                    class: c,
                    correct,
                    rules,
                }
            })
            .collect();
        RuleReport {
            items: self.items,
            labelled: self.labelled,
            rules,
            never_fired,
            classes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Rule;

    fn classifier() -> Classifier {
        let mut p = Policy::empty();
        p.rules
            .push(Rule::new("crash", Class::FaultCorrection).keyword("crash"));
        p.rules.push(
            Rule::new("broken", Class::FaultCorrection)
                .keyword("broken")
                .exclude("not broken"),
        );
        p.rules
            .push(Rule::new("add", Class::MarketDriven).keyword("please add"));
        p.rules
            .push(Rule::new("gdpr", Class::Necessity).keyword("gdpr"));
        Classifier::new(&p).unwrap()
    }

    #[test]
    fn known_answers_on_a_small_set() {
        let c = classifier();
        let items = [
            ("crash and broken", Some(Class::FaultCorrection)),
            ("it crashes", Some(Class::FaultCorrection)),
            ("please add a crash log", Some(Class::MarketDriven)),
            ("please add export", Some(Class::MarketDriven)),
            ("it is not broken", Some(Class::Responsiveness)),
            ("crash", None),
        ];
        let mut stats = RuleStats::new(c.policy());
        for (text, truth) in items {
            let t = truth.map(|t| vec![t]);
            stats.add(t.as_deref(), &c.classify_text(text, ""));
        }
        let r = stats.finish();
        assert_eq!((r.items, r.labelled), (6, 5));
        let by = |id: &str| r.rules.iter().find(|s| s.rule == id).unwrap();
        let crash = by("crash");
        assert_eq!(crash.fired, 4);
        assert!((crash.coverage - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(crash.labelled_firings, 3);
        assert_eq!(crash.precision, Some(2.0 / 3.0));
        assert_eq!(crash.conflicts, 1);
        assert_eq!(crash.overlaps.len(), 2);
        // Ties in count keep policy order.
        assert_eq!(
            (crash.overlaps[0].rule.as_str(), crash.overlaps[0].items),
            ("broken", 1)
        );
        assert_eq!(crash.overlaps[1].rule, "add");
        let broken = by("broken");
        assert_eq!((broken.fired, broken.vetoed), (1, 1));
        assert_eq!(broken.precision, Some(1.0));
        assert_eq!(by("add").precision, Some(1.0));
        assert_eq!(r.never_fired, vec!["gdpr".to_string()]);
        assert_eq!(by("gdpr").precision, None);
        // Correct predictions: fault x2 (crash carries both, broken one);
        // market x1 ("please add a crash log" ties and goes to fault by
        // precedence).
        let fault = r
            .classes
            .iter()
            .find(|c| c.class == Class::FaultCorrection)
            .unwrap();
        assert_eq!(fault.correct, 2);
        assert_eq!(fault.rules[0].rule, "crash");
        assert_eq!(fault.rules[0].share, 1.0);
        assert_eq!(fault.rules[1].share, 0.5);
        let market = r
            .classes
            .iter()
            .find(|c| c.class == Class::MarketDriven)
            .unwrap();
        assert_eq!((market.correct, market.rules[0].items), (1, 1));
    }

    #[test]
    fn run_over_items() {
        let c = classifier();
        let items = [
            FeedbackItem::new("1").with_title("GDPR request"),
            FeedbackItem::new("2").with_title("nothing here"),
        ];
        let truth = [Class::Necessity];
        let r = RuleStats::run(&c, [(&items[0], Some(&truth[..])), (&items[1], None)]).unwrap();
        assert_eq!(r.rules[3].fired, 1);
        assert_eq!(r.classes[0].class, Class::Necessity);
    }
}
