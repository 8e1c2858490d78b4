//! Error types. Each names the rule, field or item at fault.

use std::fmt;

use crate::item::ItemField;

/// An invalid feedback item, or a batch with a problem in it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ItemError {
    /// The item has no `id` field.
    #[error("missing field `id`")]
    MissingId,
    /// The item's `id` is empty or only white space.
    #[error("field `id` must not be empty")]
    EmptyId,
    /// An item of a batch has an empty `id` or one of only white space: the
    /// first such item, by its place in the batch.
    #[error("item #{index} of the batch (from 0): field `id` must not be empty")]
    EmptyIdInBatch {
        /// The item's place in the batch, from 0.
        index: usize,
    },
    /// `deal_value` is negative, NaN, infinite or past
    /// [`MAX_DEAL_VALUE`](crate::MAX_DEAL_VALUE).
    #[error("item {id:?}: field `deal_value` must be from 0 to 1e15, got {value}")]
    InvalidDealValue {
        /// The item's id.
        id: String,
        /// The value given.
        value: f64,
    },
    /// A value of `embedding` is NaN or infinite.
    #[error(
        "item {id:?}: field `embedding` must hold finite numbers, got {value} at index {index}"
    )]
    InvalidEmbedding {
        /// The item's id.
        id: String,
        /// 0-based position of the bad value.
        index: usize,
        /// The value given.
        value: f32,
    },
    /// The item's `embedding` holds no number (an empty list).
    #[error("item {id:?}: field `embedding` is empty (give its numbers, or leave the field out)")]
    EmptyEmbedding {
        /// The item's id.
        id: String,
    },
    /// The item's `embedding` has another length than most items of the
    /// batch (`expected`; ties go to the smaller length).
    #[error(
        "item {id:?}: field `embedding` has {found} dimensions, but the batch's embeddings have {expected}"
    )]
    EmbeddingDimension {
        /// The item's id (the smallest id among the items that disagree).
        id: String,
        /// The dimension most items have.
        expected: usize,
        /// The item's dimension.
        found: usize,
    },
    /// Two items of one batch share an id.
    #[error("item {id:?} appears more than once in the input (field `id` must be unique)")]
    DuplicateId {
        /// The repeated id.
        id: String,
    },
    /// [`Triage::report_clustered`](crate::Triage::report_clustered): an
    /// item that no group of the clustering lists (the smallest such id).
    #[error(
        "item {id:?} is in no group of the clustering (the items must be the clustering's requests)"
    )]
    NotClustered {
        /// The item's id.
        id: String,
    },
    /// [`Triage::report_clustered`](crate::Triage::report_clustered): a
    /// request the clustering lists that is not among the items (the
    /// smallest such id).
    #[error(
        "the clustering lists request {id:?}, which is not among the items (the items must be the clustering's requests)"
    )]
    MissingMember {
        /// The request's id.
        id: String,
    },
}

impl ItemError {
    /// The field at fault, when the error is about one field (every kind
    /// so far is).
    ///
    /// ```
    /// use feedback_triage::{FeedbackItem, ItemField};
    ///
    /// let err = FeedbackItem::new("R1").with_deal_value(-5.0).validate().unwrap_err();
    /// assert_eq!(err.field(), Some(ItemField::DealValue));
    /// ```
    pub fn field(&self) -> Option<ItemField> {
        Some(match self {
            ItemError::MissingId
            | ItemError::EmptyId
            | ItemError::EmptyIdInBatch { .. }
            | ItemError::DuplicateId { .. }
            | ItemError::NotClustered { .. }
            | ItemError::MissingMember { .. } => ItemField::Id,
            ItemError::InvalidDealValue { .. } => ItemField::DealValue,
            ItemError::InvalidEmbedding { .. }
            | ItemError::EmptyEmbedding { .. }
            | ItemError::EmbeddingDimension { .. } => ItemField::Embedding,
        })
    }

    /// The place in its batch (from 0) of the item at fault, when the error
    /// locates it that way ([`ItemError::EmptyIdInBatch`]: an item without
    /// an id cannot be named by one).
    ///
    /// ```
    /// use feedback_triage::{Clusterer, FeedbackItem, ItemField};
    ///
    /// let items = [FeedbackItem::new("a"), FeedbackItem::new(" ")];
    /// let err = Clusterer::default().cluster(&items).unwrap_err();
    /// assert_eq!((err.index(), err.field()), (Some(1), Some(ItemField::Id)));
    /// ```
    pub fn index(&self) -> Option<usize> {
        match self {
            ItemError::EmptyIdInBatch { index } => Some(*index),
            _ => None,
        }
    }

    /// The id of the item at fault, when there is one.
    pub fn id(&self) -> Option<&str> {
        match self {
            ItemError::InvalidDealValue { id, .. }
            | ItemError::InvalidEmbedding { id, .. }
            | ItemError::EmptyEmbedding { id }
            | ItemError::EmbeddingDimension { id, .. }
            | ItemError::DuplicateId { id }
            | ItemError::NotClustered { id }
            | ItemError::MissingMember { id } => Some(id),
            _ => None,
        }
    }
}

/// One problem in a [`Policy`](crate::Policy). Collected into [`PolicyErrors`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The policy's `version` is not one this library reads.
    #[error("unsupported policy version {found} (this library reads version {supported})")]
    UnsupportedVersion {
        /// The version found.
        found: u32,
        /// The version supported.
        supported: u32,
    },
    /// The policy has no rules at all.
    #[error("the policy has no rules")]
    NoRules,
    /// A rule's `id` is empty.
    #[error("rule #{index}: field `id` must not be empty")]
    EmptyRuleId {
        /// 0-based position of the rule.
        index: usize,
    },
    /// Two rules share an id.
    #[error("rule #{index}: id {id:?} is already used by rule #{first}")]
    DuplicateRuleId {
        /// The repeated id.
        id: String,
        /// 0-based position of the second rule.
        index: usize,
        /// 0-based position of the first rule.
        first: usize,
    },
    /// A weight is not finite, positive and at most 1e6 (larger ones could
    /// overflow a score to infinity).
    #[error("rule {rule:?}: `{field}` must be greater than 0 and at most 1e6, got {value}")]
    InvalidWeight {
        /// The rule's id.
        rule: String,
        /// The field (`weight`, `keywords[3].weight`).
        field: String,
        /// The value given.
        value: f64,
    },
    /// A keyword or exclusion has no word in it.
    #[error("rule {rule:?}: `{field}` ({keyword:?}) has no word in it")]
    EmptyKeyword {
        /// The rule's id.
        rule: String,
        /// The field (`keywords[2]`, `exclude[0]`).
        field: String,
        /// The keyword as written.
        keyword: String,
    },
    /// A phrase has more words (or characters) than the limit.
    #[error(
        "rule {rule:?}: `{field}` ({keyword:?}) has {words} words or {chars} characters (at most {max_words} words and {max_chars} characters)"
    )]
    PhraseTooLong {
        /// The rule's id.
        rule: String,
        /// The field (`keywords[2]`).
        field: String,
        /// The phrase, cut to 60 characters.
        keyword: String,
        /// Its number of words.
        words: usize,
        /// Its number of characters.
        chars: usize,
        /// The word limit.
        max_words: usize,
        /// The character limit.
        max_chars: usize,
    },
    /// A rule has neither keywords nor conditions.
    #[error("rule {rule:?}: no keywords and no conditions, so it can never fire")]
    EmptyRule {
        /// The rule's id.
        rule: String,
    },
    /// A rule's conditions can never hold.
    #[error("rule {rule:?}: condition `{field}` can never hold: {reason}")]
    NeverHolds {
        /// The rule's id.
        rule: String,
        /// The condition field (`when.channel`).
        field: String,
        /// Why.
        reason: String,
    },
    /// A rule names an unknown class.
    #[error(
        "rule {rule:?}: field `class`: unknown class {value:?} (expected one of fault_correction, necessity, market_driven, opportunistic, responsiveness)"
    )]
    UnknownClass {
        /// The rule's id.
        rule: String,
        /// The name given.
        value: String,
    },
    /// A rule names an unknown channel.
    #[error(
        "rule {rule:?}: field `{field}`: unknown channel {value:?} (expected one of support, sales, customer, regulator, internal, partner, community, app_store, unknown)"
    )]
    UnknownChannel {
        /// The rule's id.
        rule: String,
        /// The field (`when.channel`).
        field: String,
        /// The name given.
        value: String,
    },
    /// A rule has a key this library does not know (a typo must not switch a rule off).
    #[error("rule {rule:?}: unknown key {key:?} (expected one of {expected})")]
    UnknownKey {
        /// The rule's id (or `#index` when it has none).
        rule: String,
        /// The key.
        key: String,
        /// The keys allowed.
        expected: &'static str,
    },
    /// A setting is out of range.
    #[error("setting `{field}` must be {expected}, got {value}")]
    InvalidSetting {
        /// The setting.
        field: String,
        /// What is allowed.
        expected: &'static str,
        /// The value given.
        value: String,
    },
    /// The policy is larger than the limits allow.
    #[error("the policy has {found} {what} (at most {max})")]
    TooLarge {
        /// What is counted (`rules`, `keywords`).
        what: &'static str,
        /// How many.
        found: usize,
        /// The limit.
        max: usize,
    },
}

impl PolicyError {
    /// The id of the rule at fault, when the error is about one rule.
    pub fn rule(&self) -> Option<&str> {
        use PolicyError::*;
        match self {
            DuplicateRuleId { id: rule, .. }
            | InvalidWeight { rule, .. }
            | EmptyKeyword { rule, .. }
            | PhraseTooLong { rule, .. }
            | EmptyRule { rule }
            | NeverHolds { rule, .. }
            | UnknownClass { rule, .. }
            | UnknownChannel { rule, .. }
            | UnknownKey { rule, .. } => Some(rule),
            _ => None,
        }
    }
}

/// Every problem found in a policy, in rule order (never just the first).
///
/// ```
/// use feedback_triage::{Class, Classifier, Policy, Rule};
///
/// let mut policy = Policy::empty();
/// policy.rules.push(Rule::new("dup", Class::Necessity).keyword("gdpr"));
/// policy.rules.push(Rule::new("dup", Class::Necessity).keyword(""));
/// let errors = Classifier::new(&policy).unwrap_err();
/// assert_eq!(errors.len(), 2);
/// assert!(errors.to_string().contains("\"dup\""));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyErrors(pub(crate) Vec<PolicyError>);

impl PolicyErrors {
    /// The number of problems (at least one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a `PolicyErrors` holds at least one error.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems in order.
    pub fn iter(&self) -> std::slice::Iter<'_, PolicyError> {
        self.0.iter()
    }

    /// The problems as a slice.
    pub fn as_slice(&self) -> &[PolicyError] {
        &self.0
    }
}

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "{one}"),
            all => {
                write!(f, "{} errors in policy", all.len())?;
                for e in all {
                    write!(f, "\n  - {e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for PolicyErrors {}

impl IntoIterator for PolicyErrors {
    type Item = PolicyError;
    type IntoIter = std::vec::IntoIter<PolicyError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a PolicyErrors {
    type Item = &'a PolicyError;
    type IntoIter = std::slice::Iter<'a, PolicyError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// An out-of-range parameter (clustering, triage or evaluation settings).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// A numeric parameter is outside its allowed range.
    #[error("parameter `{field}` must be {expected}, got {value}")]
    OutOfRange {
        /// The parameter's name.
        field: &'static str,
        /// The allowed range, in words.
        expected: &'static str,
        /// The value given.
        value: f64,
    },
}
