//! "Why not class X?": what kept a class from winning.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::result::{Classification, Evidence, EvidenceKind, Outcome};
use crate::class::Class;
use crate::policy::Policy;

/// The evidence of the winning class listed in a [`WhyNot`].
const WINNER_SHOWN: usize = 5;

/// Why a request did not get the class asked about, as
/// [`Classifier::explain_against`](super::Classifier::explain_against)
/// answers: both scores and the gap, the class's evidence that counted
/// (strongest first), what cancelled its other matches, the rules of the
/// class whose conditions did not hold, and what carried the class that won.
///
/// ```
/// use feedback_triage::{Class, Classifier, WhyNotReason};
///
/// let c = Classifier::builtin();
/// let why = c.explain_text_against(
///     "The app crashes when I export a report",
///     "",
///     Class::Responsiveness,
/// );
/// assert_eq!(why.winner, Some(Class::FaultCorrection));
/// assert!(why.gap > 0.0);
/// assert!(matches!(why.reason, WhyNotReason::LowerScore | WhyNotReason::NothingFound));
/// // What carried the winner, strongest first.
/// assert!(why.winner_evidence.iter().any(|e| e.class == Class::FaultCorrection));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WhyNot {
    /// The class asked about.
    pub class: Class,
    /// Its score.
    pub score: f64,
    /// The result's class (`None` when nothing matched and the policy has
    /// no fallback).
    pub winner: Option<Class>,
    /// The winner's score (0 without a winner).
    pub winner_score: f64,
    /// `winner_score - score`: how much more the class needed to outscore
    /// the winner. Negative when it scored higher but a decisive rule or
    /// precedence chose the winner, or when nothing matched (no class
    /// reached `min_score`, or the text is links alone) and the winner is
    /// none (score 0) or the policy's fallback.
    pub gap: f64,
    /// The reason, in one value.
    pub reason: WhyNotReason,
    /// The class's evidence that added to its score, strongest first (a bag
    /// rule lists its strongest keywords, then the rest in one entry).
    pub closest: Vec<Evidence>,
    /// The class's matches that did not count: negated ("no longer
    /// crashes") or vetoed by an exclusion.
    pub cancelled: Vec<Evidence>,
    /// The class's rules that matched, or need no keyword, but whose
    /// metadata conditions did not hold.
    pub unmet: Vec<UnmetRule>,
    /// What carried the winner: its strongest evidence, at most five.
    pub winner_evidence: Vec<Evidence>,
}

/// Why the class asked about in a [`WhyNot`] did not win.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum WhyNotReason {
    /// It did win: it is the result's class.
    Won,
    /// Nothing in the request counted for the class.
    NothingFound,
    /// The text is links alone (`https://...`), not a request: the words
    /// inside links make no match.
    LinksOnly,
    /// No class reached the policy's `min_score`, so nothing matched.
    BelowMinScore {
        /// The policy's `min_score`.
        min_score: f64,
    },
    /// A decisive rule of another class fired, and decides whatever the
    /// scores.
    Decisive {
        /// The decisive rule.
        rule: Arc<str>,
        /// Its class.
        class: Class,
    },
    /// The class fits (its score is within the policy's `fit_ratio` of the
    /// top), but the policy's precedence puts the winner first.
    Precedence {
        /// The policy's precedence, first wins.
        precedence: Vec<Class>,
    },
    /// It scored lower than the winner, and too low to fit.
    LowerScore,
}

/// A rule of the asked class whose metadata conditions did not hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UnmetRule {
    /// The rule's id.
    pub rule: String,
    /// Its conditions, in words ("channel is one of sales").
    pub conditions: String,
}

/// Builds the answer from a classification made with `class`'s bag rules
/// listed in full, and the indices of `class`'s rules whose conditions
/// failed.
pub(super) fn explain(
    policy: &Policy,
    result: &Classification,
    class: Class,
    unmet: &[u32],
    links_only: bool,
    describe: impl Fn(usize) -> String,
) -> WhyNot {
    let score = result.scores[class];
    let matched = result.outcome != Outcome::NoMatch;
    let winner = result.class;
    let winner_score = winner.map_or(0.0, |w| result.scores[w]);
    let closest = counted_strongest_first(result, class);
    let cancelled = of_class(result, class)
        .filter(|e| {
            matches!(
                e.kind,
                EvidenceKind::Negated { .. } | EvidenceKind::Excluded { .. }
            )
        })
        .cloned()
        .collect();
    let mut winner_evidence = match winner.filter(|&w| w != class && matched) {
        Some(w) => counted_strongest_first(result, w),
        None => Vec::new(),
    };
    winner_evidence.truncate(WINNER_SHOWN);
    WhyNot {
        class,
        score,
        winner,
        winner_score,
        gap: winner_score - score,
        reason: reason(policy, result, class, !closest.is_empty(), links_only),
        closest,
        cancelled,
        unmet: unmet
            .iter()
            .map(|&r| UnmetRule {
                rule: policy.rules[r as usize].id.clone(),
                conditions: describe(r as usize),
            })
            .collect(),
        winner_evidence,
    }
}

/// The evidence of class `c`, in result order.
fn of_class(result: &Classification, c: Class) -> impl Iterator<Item = &Evidence> {
    result.evidence.iter().filter(move |e| e.class == c)
}

/// The evidence of class `c` that added to its score, strongest first
/// (stable: equal contributions keep rule order).
fn counted_strongest_first(result: &Classification, c: Class) -> Vec<Evidence> {
    let mut v: Vec<Evidence> = of_class(result, c)
        .filter(|e| e.contribution > 0.0)
        .cloned()
        .collect();
    v.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
    v
}

/// Why `class` did not win `result`; `found` tells whether any of its
/// evidence added to its score.
fn reason(
    policy: &Policy,
    result: &Classification,
    class: Class,
    found: bool,
    links_only: bool,
) -> WhyNotReason {
    let matched = result.outcome != Outcome::NoMatch;
    let winner = result.class;
    // Few rules are decisive: a list to look ids up in.
    let decisive_ids: Vec<&str> = match result.outcome {
        Outcome::Decided => policy
            .rules
            .iter()
            .filter(|r| r.decisive)
            .map(|r| r.id.as_str())
            .collect(),
        _ => Vec::new(),
    };
    let decisive = |e: &&Evidence| e.contribution > 0.0 && decisive_ids.contains(&&*e.rule);
    // The result's class, matched or the policy's fallback.
    if winner == Some(class) {
        WhyNotReason::Won
    } else if !matched && links_only && found {
        WhyNotReason::LinksOnly
    } else if !matched && result.scores[class] > 0.0 {
        WhyNotReason::BelowMinScore {
            min_score: policy.settings.min_score,
        }
    } else if !found {
        WhyNotReason::NothingFound
    } else if let Some(e) = winner.and_then(|w| of_class(result, w).find(decisive)) {
        WhyNotReason::Decisive {
            rule: e.rule.clone(),
            class: e.class,
        }
    } else if result.secondary.contains(&class) {
        WhyNotReason::Precedence {
            precedence: policy.settings.precedence.clone(),
        }
    } else {
        WhyNotReason::LowerScore
    }
}
