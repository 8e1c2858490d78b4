//! Make sense of what customers, sales people, the support desk and regulators
//! ask of a product: classify each request into one of five product input
//! classes with an explainable rule-plus-keyword policy, group similar custom
//! requests into candidate common features ranked by how many customers stand
//! behind them, and put both together in a triage report over a whole
//! backlog. The library does no I/O: callers hand it values and it returns
//! values.
//!
//! # Overview
//!
//! * [`FeedbackItem`]: one request — title, body, [`Channel`], customer,
//!   requester, deal value, votes, tags, date. Serde, lenient about unknown
//!   fields and strict about invalid values.
//! * [`Class`]: the five classes — [`Class::FaultCorrection`],
//!   [`Class::Necessity`], [`Class::MarketDriven`], [`Class::Opportunistic`],
//!   [`Class::Responsiveness`].
//! * [`Policy`]: rules as data ([`Rule`], [`Keyword`], [`Conditions`],
//!   [`Settings`]), read from JSON or TOML with serde. [`Policy::builtin`] is
//!   the embedded default.
//! * [`Classifier`]: a policy validated and compiled once; immutable,
//!   `Send + Sync`, cheap to clone. [`Classifier::classify`] returns a
//!   [`Classification`]: the class, every class's score, a confidence, an
//!   [`Outcome`] and the [`Evidence`].
//! * [`Clusterer`] ([`ClusterParams`]): groups near-duplicate and paraphrased
//!   requests into a [`Clustering`] of ranked [`CandidateFeature`]s and
//!   [`SpecialCase`]s; [`ClusterIndex`] places new requests and decides
//!   duplicates ([`DuplicateDecision`]).
//! * [`Triage`]: the [`TriageReport`] over a backlog — class mix, features
//!   with the jobs to be done their members state ([`extract_jobs`]), special
//!   cases, abstentions, and portfolio [`Signals`].
//! * Tools to test and improve a policy: [`Evaluation`] and [`LabelMap`]
//!   (precision, recall, F1, confusion), [`RuleStats`] (per-rule coverage,
//!   overlap, conflicts, precision), [`lint()`], [`Diff`], [`Learner`]
//!   (keywords learned from labelled requests, as an editable policy), and
//!   [`testing`] for a team's own `#[test]`s.
//!
//! # Example: classify a request
//!
//! ```
//! use feedback_triage::{Channel, Class, Classifier, EvidenceKind, FeedbackItem};
//!
//! let classifier = Classifier::builtin();
//! let item = FeedbackItem::new("REQ-7")
//!     .with_title("GDPR: please delete my account data")
//!     .with_channel(Channel::Support);
//! let result = classifier.classify(&item)?;
//! assert_eq!(result.class, Some(Class::Necessity));
//! for e in &result.evidence {
//!     if let EvidenceKind::Keyword { phrase, span, .. } = &e.kind {
//!         println!("{} matched {phrase:?} at {span:?} (+{})", e.rule, e.contribution);
//!     }
//! }
//! # Ok::<(), feedback_triage::ItemError>(())
//! ```
//!
//! # Example: a policy of your own, and a test for it
//!
//! ```
//! use feedback_triage::{Channel, Class, Classifier, Conditions, Policy, Rule};
//!
//! let mut policy = Policy::builtin();
//! policy.rules.push(
//!     Rule::new("acme-churn-risk", Class::Opportunistic)
//!         .keywords(["churn risk", "renewal at risk"])
//!         .weight(1.0),
//! );
//! policy.rules.push(
//!     Rule::new("board-asks", Class::MarketDriven)
//!         .when(Conditions { channel: Some(vec![Channel::Internal]), ..Conditions::default() })
//!         .weight(0.5),
//! );
//! let classifier = Classifier::new(&policy)?;
//! // "A GDPR request is always Necessity", as a team would test it:
//! let c = classifier.classify_text("GDPR erasure request", "renewal at risk if not done");
//! assert_eq!(c.class, Some(Class::Necessity));
//! // The team's own rule is heard, and explained.
//! assert!(c.evidence.iter().any(|e| &*e.rule == "acme-churn-risk" && e.contribution > 0.0));
//! # Ok::<(), feedback_triage::PolicyErrors>(())
//! ```
//!
//! # Example: candidate common features
//!
//! ```
//! use feedback_triage::{Clusterer, FeedbackItem};
//!
//! let items = vec![
//!     FeedbackItem::new("1").with_title("Export invoices to Excel").with_customer("Acme"),
//!     FeedbackItem::new("2").with_title("Excel export of invoices").with_customer("Globex"),
//!     FeedbackItem::new("3").with_title("Dark mode").with_customer("Acme"),
//! ];
//! let clustering = Clusterer::default().cluster(&items)?;
//! assert_eq!(clustering.features[0].members, ["1", "2"]);
//! assert_eq!(clustering.features[0].distinct_customers, 2);
//! assert_eq!(clustering.special_cases[0].members, ["3"]);
//! # Ok::<(), feedback_triage::ItemError>(())
//! ```
//!
//! # Example: a triage report
//!
//! ```
//! use feedback_triage::{Channel, FeedbackItem, Triage};
//!
//! let items = vec![
//!     FeedbackItem::new("1").with_title("Export invoices to Excel").with_customer("Acme")
//!         .with_body("I need to export invoices so that finance can close the month.")
//!         .with_created("2026-03-02"),
//!     FeedbackItem::new("2").with_title("Excel export of invoices").with_customer("Globex")
//!         .with_created("2026-03-09"),
//!     FeedbackItem::new("3").with_title("Audit log for SOX").with_channel(Channel::Regulator),
//! ];
//! let report = Triage::builtin().report(&items)?;
//! assert_eq!(report.features.len(), 1);
//! assert_eq!(report.features[0].jobs[0].text, "finance can close the month");
//! assert_eq!(report.signals.cadence.months[0].customers, 2);
//! # Ok::<(), feedback_triage::ItemError>(())
//! ```
//!
//! # How a decision is made
//!
//! Each rule that fires adds `weight × Σ keyword weights` to its class
//! (each distinct keyword once; title matches count `title_weight` times).
//! A class *fits* when its score is at least `fit_ratio` of the top score;
//! among fitting classes the policy's `precedence` picks the primary (by
//! default necessity, opportunistic, fault correction, market driven,
//! responsiveness: "first that fits wins", as in `CLASSES.md`). A *decisive*
//! rule overrides that ("a regulator's request is always necessity"). The
//! [`Outcome`] says when nothing matched ([`Outcome::NoMatch`], class `None`
//! unless the policy sets a fallback) and when two classes are too close to
//! call ([`Outcome::Ambiguous`]): never a silent guess.
//!
//! # Matching
//!
//! Text is split into words by Unicode word segmentation (UAX #29, with an
//! exact ASCII fast path), case-folded, and plain English words are reduced by
//! the first steps of Porter's stemmer, so `crash` matches "crashes",
//! "crashed" and "crashing", and "fix" does not match "fixture". Phrases match
//! word by word, within a sentence. Each distinct keyword counts once per
//! request, and a rule's matches do not overlap: a keyword that starts inside
//! a longer match already counted for the same rule is skipped. A negation cue shortly before a keyword
//! ("no longer crashes", "not a bug") cancels it, and is shown as
//! [`EvidenceKind::Negated`]. Keywords in scripts written without spaces
//! (Chinese, Japanese, Thai) and emoji match as substrings. Every span is a
//! byte range into the original text, on char boundaries.
//!
//! # Determinism
//!
//! The same input gives the same output: scores are summed in rule order,
//! evidence is ordered by rule, field and position, ties are broken by the
//! documented precedence, and no hash-map order reaches a result. Classifying
//! a batch gives the same per-item results in any order.
//!
//! # Input safety
//!
//! No input panics. Empty, huge (a 10 MB body is classified in linear time),
//! right-to-left, mixed-script, emoji and control-character text is handled;
//! evidence holds one entry per distinct keyword and field, so its size is
//! bounded by the policy, not the text. Invalid items and policies are typed
//! errors that name the field or rule at fault: [`ItemError`],
//! [`PolicyError`] (collected, all of them, in [`PolicyErrors`]),
//! [`ParamsError`].
//!
//! # Crate features
//!
//! * `parallel`: batch work on all cores with rayon
//!   ([`Classifier::classify_batch`], the term vectors, candidate search and
//!   pair verification of [`Clusterer::cluster`], and so [`Triage::report`]);
//!   results are identical whatever the number of threads. Without the
//!   feature, the classifier and clusterer are still `Send + Sync` and usable
//!   from the caller's own threads.
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

mod class;
mod classify;
mod cluster;
mod de;
mod diff;
mod embed;
mod error;
mod evaluate;
mod item;
mod jobs;
mod learn;
mod lint;
mod policy;
mod report;
#[cfg(test)]
mod test_rng;
pub mod testing;
mod text;
mod triage;

pub use class::{Class, ClassScores, ParseClassError};
pub use classify::{
    Band, Classification, Classifier, Evidence, EvidenceKind, Outcome, UnmetRule, WhyNot,
    WhyNotReason,
};
pub use cluster::{
    Assignment, CandidateFeature, ClassMix, ClusterIndex, ClusterParams, Clusterer, Clustering,
    DuplicateCheck, DuplicateDecision, GroupKind, SpecialCase, SpecialReason,
};
pub use cluster::{
    BACKLOG_FORMAT_VERSION, Backlog, BacklogError, BacklogFeature, Event, EventKind, Inserted,
    Placement, RequestError,
};
pub use diff::{Diff, DiffCell, DiffExample, PolicyDiff};
pub use embed::{StaticVectors, VectorsError};
pub use error::{ItemError, ParamsError, PolicyError, PolicyErrors};
pub use evaluate::{
    BandMetrics, ClassMetrics, Evaluation, EvaluationReport, LabelMap, LabelMapError, Miss,
    UnknownLabels,
};
pub use item::{
    Channel, FeedbackItem, ItemField, MAX_DEAL_VALUE, ParseChannelError, ParseItemFieldError,
};
pub use jobs::{Job, JobKind, extract_jobs};
pub use learn::{
    ClassBalance, CrossValidation, FeatureValues, FieldFeatures, FoldResult, Labelled, LearnError,
    LearnParams, Learner, PriorTuning, SEARCH_MAX_ITEMS, Search,
};
pub use lint::{LintWarning, lint};
pub use policy::{
    Conditions, ConfidenceModel, Keyword, POLICY_VERSION, Policy, Rule, Scope, Settings, TextField,
};
pub use report::{ClassCarriers, RuleOverlap, RuleReport, RuleShare, RuleStats, RuleSummary};
pub use triage::{
    Alignment, CADENCE_MAX_GAP, Cadence, ChannelCount, ClassShare, FeatureJob, FeatureReport,
    Focus, MonthContact, Signals, Sources, Triage, TriageParams, TriageReport,
};

/// The normalised terms of a phrase, as the matcher sees them (a phrase in a
/// script without spaces, or of symbols, is one lower-cased term). Not part of
/// the stable API: used by the crate's own property tests and fuzz targets.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub fn __normalized_terms(phrase: &str) -> Vec<String> {
    if text::is_substring_phrase(phrase) {
        vec![phrase.trim().chars().flat_map(char::to_lowercase).collect()]
    } else {
        text::phrase_terms(phrase)
    }
}

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../docs/backlog.md")]
struct BacklogDoctests;

#[cfg(test)]
mod autotraits {
    use super::*;
    use std::panic::{RefUnwindSafe, UnwindSafe};

    fn assert_all<T: Send + Sync + UnwindSafe + RefUnwindSafe>() {}

    #[test]
    fn shared_types_are_send_and_sync() {
        assert_all::<Classifier>();
        assert_all::<Policy>();
        assert_all::<Classification>();
        assert_all::<FeedbackItem>();
        assert_all::<PolicyErrors>();
        assert_all::<PolicyError>();
        assert_all::<ItemError>();
        assert_all::<ParamsError>();
        assert_all::<Evaluation>();
        assert_all::<Clusterer>();
        assert_all::<StaticVectors>();
        assert_all::<VectorsError>();
        assert_all::<Clustering>();
        assert_all::<ClusterIndex>();
        assert_all::<Backlog>();
        assert_all::<BacklogError>();
        assert_all::<Triage>();
        assert_all::<TriageReport>();
    }
}
