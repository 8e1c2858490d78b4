//! Helpers for a team's own tests: check that a policy classifies the texts
//! the team cares about, and see the evidence when it does not.
//!
//! ```
//! use feedback_triage::{Class, Classifier};
//! use feedback_triage::testing::assert_classifies;
//!
//! // In a team's tests/policy.rs:
//! // #[test]
//! fn our_policy_knows_our_requests() {
//!     let classifier = Classifier::builtin();
//!     assert_classifies(&classifier, &[
//!         ("The app crashes when I upload a photo", Class::FaultCorrection),
//!         ("GDPR: please delete all my personal data", Class::Necessity),
//!     ]);
//! }
//! # our_policy_knows_our_requests();
//! ```
//!
//! When a case fails, the panic message lists every failing case with what
//! was expected, what came out, and the evidence:
//!
//! ```text
//! 1 of 2 cases misclassified:
//!   "Add a dark mode": expected fault_correction, got market_driven (matched)
//!       market-ask: "add" in title (market_driven +1.5)
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::class::Class;
use crate::classify::{Classifier, Evidence, EvidenceKind, Outcome};

/// One case that did not come out as expected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Failure {
    /// The text (classified as a title, with an empty body).
    pub text: String,
    /// The class expected.
    pub expected: Class,
    /// The class given (`None`: the classifier abstained).
    pub got: Option<Class>,
    /// How the decision was reached.
    pub outcome: Outcome,
    /// The classifier's evidence.
    pub evidence: Vec<Evidence>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let got = self.got.map_or("no class", Class::as_str);
        write!(
            f,
            "{:?}: expected {}, got {got} ({})",
            self.text, self.expected, self.outcome
        )?;
        if self.evidence.is_empty() {
            return write!(f, "\n    no rule matched");
        }
        for e in &self.evidence {
            write!(f, "\n    {}: ", e.rule)?;
            match &e.kind {
                EvidenceKind::Keyword { phrase, field, .. } => {
                    write!(f, "{phrase:?} in {}", field_name(*field))?
                }
                EvidenceKind::Negated { phrase, field, .. } => {
                    write!(f, "{phrase:?} in {}, negated", field_name(*field))?
                }
                EvidenceKind::Excluded { phrase, field, .. } => {
                    write!(f, "excluded by {phrase:?} in {}", field_name(*field))?
                }
                EvidenceKind::Condition { description } => write!(f, "{description}")?,
                EvidenceKind::OtherKeywords { count } => write!(f, "{count} more keywords")?,
            }
            write!(f, " ({} +{})", e.class, e.contribution)?;
        }
        Ok(())
    }
}

fn field_name(f: crate::policy::TextField) -> &'static str {
    match f {
        crate::policy::TextField::Title => "title",
        crate::policy::TextField::Body => "body",
    }
}

/// Classifies each text (as a title, with an empty body) and returns the
/// cases whose class is not the expected one, in table order.
///
/// ```
/// use feedback_triage::{Class, Classifier};
/// use feedback_triage::testing::check_table;
///
/// let failures = check_table(&Classifier::builtin(), &[
///     ("App crashes on start", Class::FaultCorrection),
///     ("App crashes on start", Class::Necessity),
/// ]);
/// assert_eq!(failures.len(), 1);
/// assert_eq!(failures[0].expected, Class::Necessity);
/// assert!(!failures[0].evidence.is_empty());
/// ```
pub fn check_table(classifier: &Classifier, cases: &[(&str, Class)]) -> Vec<Failure> {
    cases
        .iter()
        .filter_map(|&(text, expected)| {
            let c = classifier.classify_text(text, "");
            (c.class != Some(expected)).then(|| Failure {
                text: text.to_string(),
                expected,
                got: c.class,
                outcome: c.outcome,
                evidence: c.evidence,
            })
        })
        .collect()
}

/// Panics unless every text is classified as expected; the message shows,
/// for each failure, the text, the expected and the given class, and the
/// evidence. See the [module docs](self) for a team's `#[test]`.
#[track_caller]
pub fn assert_classifies(classifier: &Classifier, cases: &[(&str, Class)]) {
    let failures = check_table(classifier, cases);
    if !failures.is_empty() {
        panic!("{}", failure_message(&failures, cases.len()));
    }
}

fn failure_message(failures: &[Failure], total: usize) -> String {
    let mut msg = format!("{} of {total} cases misclassified:", failures.len());
    for f in failures {
        msg.push_str("\n  ");
        msg.push_str(&f.to_string().replace('\n', "\n  "));
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Policy, Rule};

    fn classifier() -> Classifier {
        let mut p = Policy::empty();
        p.rules
            .push(Rule::new("feature-ask", Class::MarketDriven).keyword("add"));
        p.rules.push(
            Rule::new("crash", Class::FaultCorrection)
                .keyword("crash")
                .exclude("crash course"),
        );
        Classifier::new(&p).unwrap()
    }

    #[test]
    fn passing_table_does_not_panic() {
        assert_classifies(&classifier(), &[("it crashed", Class::FaultCorrection)]);
    }

    #[test]
    fn failure_message_shows_text_expected_got_and_evidence() {
        let c = classifier();
        let cases = [
            ("Add a dark mode", Class::FaultCorrection),
            ("it crashed", Class::FaultCorrection),
            ("a crash course", Class::FaultCorrection),
        ];
        let err = std::panic::catch_unwind(|| assert_classifies(&c, &cases)).unwrap_err();
        let msg = err.downcast_ref::<String>().unwrap();
        assert!(msg.starts_with("2 of 3 cases misclassified:"), "{msg}");
        assert!(
            msg.contains("\"Add a dark mode\": expected fault_correction, got market_driven"),
            "{msg}"
        );
        assert!(msg.contains("feature-ask: \"add\" in title"), "{msg}");
        assert!(msg.contains("got no class"), "{msg}");
        assert!(msg.contains("excluded by \"crash course\""), "{msg}");
        let failures = check_table(&c, &cases);
        assert_eq!(failures.len(), 2);
        assert_eq!(failures[1].got, None);
    }
}
