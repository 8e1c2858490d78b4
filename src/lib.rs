//! Make sense of what customers, sales people, the support desk and regulators
//! ask of a product.
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

mod class;
mod classify;
mod error;
mod item;
mod policy;
mod text;

pub use class::{Class, ClassScores, ParseClassError};
pub use classify::{Classification, Classifier, Evidence, EvidenceKind, Outcome};
pub use error::{ItemError, ParamsError, PolicyError, PolicyErrors};
pub use item::{Channel, FeedbackItem, ParseChannelError};
pub use policy::{Conditions, Keyword, POLICY_VERSION, Policy, Rule, Scope, Settings, TextField};
mod evaluate;
pub use evaluate::UnknownLabels;
pub use evaluate::{ClassMetrics, Evaluation, EvaluationReport, LabelMap, LabelMapError, Miss};
mod learn;
pub use learn::{
    ClassBalance, CrossValidation, FeatureValues, FieldFeatures, FoldResult, Labelled, LearnError,
    LearnParams, Learner, PriorTuning,
};
mod report;
pub use report::{ClassCarriers, RuleOverlap, RuleReport, RuleShare, RuleStats, RuleSummary};
mod lint;
pub use lint::{LintWarning, lint};
mod diff;
pub use diff::{Diff, DiffCell, DiffExample, PolicyDiff};
pub mod testing;
