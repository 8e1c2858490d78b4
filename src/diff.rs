//! Comparing two classifiers over the same items.

use serde::{Deserialize, Serialize};

use crate::class::{Class, NO_CLASS};
use crate::classify::{Classification, Classifier, Evidence};
use crate::error::ItemError;
use crate::item::FeedbackItem;

/// Row and column of "no class" in [`PolicyDiff::matrix`].
const NONE: usize = NO_CLASS;
/// Rows and columns of [`PolicyDiff::matrix`]: the classes, then none.
const SIDE: usize = NO_CLASS + 1;

/// Accumulates how two classifiers' decisions differ, one item at a time;
/// see [`Diff::add`] and [`Diff::finish`], or [`Diff::run`].
///
/// ```
/// use feedback_triage::{Class, Classifier, Diff, Policy, Rule};
///
/// let mut policy = Policy::empty();
/// policy.rules.push(Rule::new("crash", Class::FaultCorrection).keyword("crash"));
/// policy.rules.push(Rule::new("slow", Class::Responsiveness).keyword("slow"));
/// let before = Classifier::new(&policy)?;
/// // The team decides that slowness is a fault.
/// policy.rules[1].class = Class::FaultCorrection;
/// let after = Classifier::new(&policy)?;
///
/// let mut diff = Diff::new(2);
/// for (id, text) in [("1", "The app is so slow"), ("2", "App crashes on start")] {
///     diff.add(id, &before.classify_text(text, ""), &after.classify_text(text, ""));
/// }
/// let d = diff.finish();
/// assert_eq!(d.items, 2);
/// assert_eq!(d.changed, 1);
/// assert_eq!(d.cells[0].to, Some(Class::FaultCorrection));
/// assert_eq!(d.cells[0].examples[0].id, "1");
/// # Ok::<(), feedback_triage::PolicyErrors>(())
/// ```
#[derive(Clone, Debug)]
pub struct Diff {
    keep: usize,
    items: usize,
    matrix: [[usize; SIDE]; SIDE],
    examples: Vec<Vec<DiffExample>>,
}

/// How two classifiers' decisions differ over a set of items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PolicyDiff {
    /// Items compared.
    pub items: usize,
    /// Items whose class changed.
    pub changed: usize,
    /// `matrix[from][to]`: classes in [`Class::ALL`] order, then "no class"
    /// (index 5). The diagonal counts unchanged items.
    pub matrix: [[usize; SIDE]; SIDE],
    /// The changed cells, most items first (ties: `from`, then `to`, in
    /// matrix order), each with example items.
    pub cells: Vec<DiffCell>,
}

/// One from→to change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DiffCell {
    /// The class before (`None`: no class).
    pub from: Option<Class>,
    /// The class after.
    pub to: Option<Class>,
    /// Items that changed this way.
    pub count: usize,
    /// The first few of them, with the evidence on both sides.
    pub examples: Vec<DiffExample>,
}

/// One item that changed class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DiffExample {
    /// The item's id.
    pub id: String,
    /// The evidence of the first classifier.
    pub before: Vec<Evidence>,
    /// The evidence of the second classifier.
    pub after: Vec<Evidence>,
}

fn slot(c: Option<Class>) -> usize {
    c.map_or(NONE, Class::index)
}

fn class_at(i: usize) -> Option<Class> {
    Class::ALL.get(i).copied()
}

impl Diff {
    /// An empty comparison keeping up to `examples_per_cell` example items
    /// per changed cell.
    pub fn new(examples_per_cell: usize) -> Diff {
        Diff {
            keep: examples_per_cell,
            items: 0,
            matrix: [[0; SIDE]; SIDE],
            examples: vec![Vec::new(); SIDE * SIDE],
        }
    }

    /// Classifies every item with both classifiers and compares.
    pub fn run(
        before: &Classifier,
        after: &Classifier,
        items: &[FeedbackItem],
        examples_per_cell: usize,
    ) -> Result<PolicyDiff, ItemError> {
        let mut diff = Diff::new(examples_per_cell);
        for item in items {
            diff.add(&item.id, &before.classify(item)?, &after.classify(item)?);
        }
        Ok(diff.finish())
    }

    /// Records one item's two classifications.
    pub fn add(&mut self, id: &str, before: &Classification, after: &Classification) {
        self.items += 1;
        let (f, t) = (slot(before.class), slot(after.class));
        self.matrix[f][t] += 1;
        let ex = &mut self.examples[f * SIDE + t];
        if f != t && ex.len() < self.keep {
            ex.push(DiffExample {
                id: id.to_string(),
                before: before.evidence.clone(),
                after: after.evidence.clone(),
            });
        }
    }

    /// Computes the comparison.
    pub fn finish(mut self) -> PolicyDiff {
        let mut cells = Vec::new();
        let mut changed = 0;
        for f in 0..SIDE {
            for t in 0..SIDE {
                let count = self.matrix[f][t];
                if f != t && count > 0 {
                    changed += count;
                    cells.push(DiffCell {
                        from: class_at(f),
                        to: class_at(t),
                        count,
                        examples: std::mem::take(&mut self.examples[f * SIDE + t]),
                    });
                }
            }
        }
        // Stable sort: ties keep matrix order.
        cells.sort_by_key(|c| std::cmp::Reverse(c.count));
        PolicyDiff {
            items: self.items,
            changed,
            matrix: self.matrix,
            cells,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Policy, Rule};

    #[test]
    fn matrix_counts_every_change_including_none() {
        let mut a = Policy::empty();
        a.rules
            .push(Rule::new("crash", Class::FaultCorrection).keyword("crash"));
        a.rules
            .push(Rule::new("add", Class::MarketDriven).keyword("add"));
        let mut b = Policy::empty();
        b.rules
            .push(Rule::new("add", Class::MarketDriven).keyword("add"));
        b.rules
            .push(Rule::new("love", Class::Responsiveness).keyword("love"));
        let (a, b) = (Classifier::new(&a).unwrap(), Classifier::new(&b).unwrap());
        let items: Vec<FeedbackItem> = [
            "it crashes",      // fault -> none
            "crash again",     // fault -> none
            "please add sync", // market -> market
            "love it",         // none -> responsiveness
            "nothing",         // none -> none
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| FeedbackItem::new(i.to_string()).with_title(*t))
        .collect();
        let d = Diff::run(&a, &b, &items, 1).unwrap();
        assert_eq!(d.items, 5);
        assert_eq!(d.changed, 3);
        let fault = Class::FaultCorrection.index();
        assert_eq!(d.matrix[fault][NONE], 2);
        assert_eq!(d.matrix[NONE][Class::Responsiveness.index()], 1);
        assert_eq!(
            d.matrix[Class::MarketDriven.index()][Class::MarketDriven.index()],
            1
        );
        assert_eq!(d.matrix[NONE][NONE], 1);
        assert_eq!(d.cells.len(), 2);
        let first = &d.cells[0];
        assert_eq!(
            (first.from, first.to, first.count),
            (Some(Class::FaultCorrection), None, 2)
        );
        assert_eq!(first.examples.len(), 1, "capped at 1 per cell");
        assert_eq!(first.examples[0].id, "0");
        assert_eq!(first.examples[0].before[0].rule, "crash".into());
        assert!(first.examples[0].after.is_empty());
        assert_eq!(d.cells[1].examples[0].after[0].rule, "love".into());
    }
}
