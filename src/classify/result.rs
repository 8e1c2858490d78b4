//! What classifying one item returns.

use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::class::{Class, ClassScores};
use crate::policy::TextField;

/// The result of classifying one item: the class, every class's score, how
/// sure the classifier is, and the evidence behind it.
///
/// ```
/// use feedback_triage::{Class, Classifier, EvidenceKind, Outcome};
///
/// let c = Classifier::builtin().classify_text("App crashes on startup", "");
/// assert_eq!(c.class, Some(Class::FaultCorrection));
/// assert_eq!(c.outcome, Outcome::Matched);
/// let hit = &c.evidence[0];
/// if let EvidenceKind::Keyword { span, .. } = &hit.kind {
///     assert_eq!(&"App crashes on startup"[span.clone()], "crashes");
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Classification {
    /// The primary class; `None` when nothing matched and the policy has no
    /// fallback.
    pub class: Option<Class>,
    /// How the decision was reached; never a silent guess.
    pub outcome: Outcome,
    /// How sure the classifier is, in `[0, 1]`, by the policy's
    /// [`ConfidenceModel`](crate::ConfidenceModel): with `share` (the default
    /// for a policy of your own), `strength × share`, where `strength = 1 -
    /// exp(-primary score / confidence_scale)` and `share = primary /
    /// (primary + best other score)`; with `softmax` (the embedded default),
    /// the primary class's softmax probability.
    pub confidence: f64,
    /// The confidence band, by the policy's `band_high` and `band_medium`
    /// thresholds; the embedded default's were chosen by cross-validation so
    /// that `high` is right at least 95% of the time out of fold. A result without a
    /// class is `low`.
    pub band: Band,
    /// The score of every class (finite, `>= 0`).
    pub scores: ClassScores,
    /// Other classes that fit (score at least `fit_ratio` of the top), best first.
    pub secondary: Vec<Class>,
    /// Why: every rule that fired or was vetoed, in rule order, then field,
    /// then position.
    pub evidence: Vec<Evidence>,
}

/// How sure a [`Classification`] is, in three bands for routing (apply a
/// `high` label automatically, ask a person otherwise).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Band {
    /// Confidence below the policy's `band_medium`, or no class.
    #[default]
    Low,
    /// Confidence at least `band_medium`, below `band_high`.
    Medium,
    /// Confidence at least `band_high`.
    High,
}

impl Band {
    /// Every band, least sure first.
    pub const ALL: [Band; 3] = [Band::Low, Band::Medium, Band::High];

    /// The band's position in [`Band::ALL`].
    pub const fn index(self) -> usize {
        match self {
            Band::Low => 0,
            Band::Medium => 1,
            Band::High => 2,
        }
    }

    /// The band of `confidence` under thresholds `high >= medium`.
    pub(crate) fn of(confidence: f64, high: f64, medium: f64) -> Band {
        if confidence >= high {
            Band::High
        } else if confidence >= medium {
            Band::Medium
        } else {
            Band::Low
        }
    }

    /// The snake_case name used in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Medium => "medium",
            Band::High => "high",
        }
    }
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a [`Classification`] was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// One class clearly fits best (or wins by the policy's precedence).
    Matched,
    /// A decisive rule fired and set the class.
    Decided,
    /// Two classes are too close to call: the runner-up scores at least
    /// `ambiguity_ratio` of the primary. The class is still given (by
    /// precedence) and the runner-up is the first secondary class.
    Ambiguous,
    /// No rule fired. `class` is the policy's fallback, or `None`.
    NoMatch,
}

impl Outcome {
    /// The snake_case name used in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Matched => "matched",
            Outcome::Decided => "decided",
            Outcome::Ambiguous => "ambiguous",
            Outcome::NoMatch => "no_match",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One piece of evidence: which rule, what it matched, and what it added.
///
/// Names (the rule id, the phrase, the description) are [`Arc<str>`]s
/// shared with the compiled policy: building evidence copies no string,
/// whatever the policy, and a result outlives the classifier that made it.
/// Read one as a `&str` with `&*e.rule` or `e.rule.as_ref()`; it serialises
/// as a plain string.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Evidence {
    /// The rule's id.
    pub rule: Arc<str>,
    /// The rule's class.
    pub class: Class,
    /// What this piece added to the class's score (0 for vetoed or negated
    /// matches, and for repeats of a keyword already counted).
    pub contribution: f64,
    /// What was matched.
    #[serde(flatten)]
    pub kind: EvidenceKind,
}

/// What a piece of [`Evidence`] matched.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EvidenceKind {
    /// A keyword or phrase was found.
    Keyword {
        /// The keyword as written in the policy.
        phrase: Arc<str>,
        /// Where it was found.
        field: TextField,
        /// Byte span in that field's original text (on char boundaries).
        span: Range<usize>,
    },
    /// A keyword was found but a negation cue before it cancels it
    /// ("no longer crashes").
    Negated {
        /// The keyword as written in the policy.
        phrase: Arc<str>,
        /// Where it was found.
        field: TextField,
        /// Byte span of the keyword.
        span: Range<usize>,
        /// Byte span of the negation cue.
        cue: Range<usize>,
    },
    /// An exclusion phrase was found, so the rule did not fire.
    Excluded {
        /// The exclusion as written in the policy.
        phrase: Arc<str>,
        /// Where it was found.
        field: TextField,
        /// Byte span in that field's original text.
        span: Range<usize>,
    },
    /// Keywords of a bag-of-words rule (one without conditions, exclusions
    /// or negation, such as the embedded default's learned layer) that its
    /// evidence does not list one by one. A bag rule of the result's class,
    /// of a secondary class (of the best scoring class when nothing
    /// matched) or of the class a "why not" asks about lists its five
    /// strongest keywords found, and this entry carries what the others
    /// added; a bag rule of any other class is this one entry, carrying
    /// all it added. Either way the evidence of a class sums to its score.
    OtherKeywords {
        /// How many keywords this entry stands for.
        count: usize,
    },
    /// The rule's metadata conditions held.
    Condition {
        /// The conditions, in words ("channel is one of regulator").
        description: Arc<str>,
    },
}
