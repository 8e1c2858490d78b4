//! Make sense of what customers, sales people, the support desk and regulators
//! ask of a product.
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

mod class;
mod classify;
mod de;
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
pub use evaluate::{ClassMetrics, Evaluation, EvaluationReport, LabelMap, LabelMapError, Miss};

/// The normalised terms of a phrase, as the matcher sees them (a phrase in a
/// script without spaces, or of symbols, is one lower-cased term). Not part of
/// the stable API: used by the crate's own property tests and fuzz targets.
#[doc(hidden)]
pub fn __normalized_terms(phrase: &str) -> Vec<String> {
    if text::is_substring_phrase(phrase) {
        vec![phrase.trim().chars().flat_map(char::to_lowercase).collect()]
    } else {
        text::phrase_terms(phrase)
    }
}
