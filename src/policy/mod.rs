//! Policies as data: rules, keywords, conditions and settings.

mod builtin;
mod format;
mod validate;

pub(crate) use validate::{MAX_PHRASES, MAX_RULES, MAX_WEIGHT, phrase_fits};

use serde::{Deserialize, Serialize};

use crate::class::Class;
use crate::item::Channel;

/// The policy format version this library reads and writes.
pub const POLICY_VERSION: u32 = 1;

/// A classification policy as data: settings plus an ordered list of rules.
///
/// A policy is plain serde data (JSON, TOML, ...). Unknown keys are errors, so
/// that a typo cannot silently switch a rule off. Compile it into a
/// [`Classifier`](crate::Classifier) with [`Classifier::new`](crate::Classifier::new),
/// which validates it and reports every problem at once.
///
/// ```
/// use feedback_triage::{Class, Classifier, Policy, Rule};
///
/// let mut policy = Policy::empty();
/// policy.rules.push(
///     Rule::new("gdpr", Class::Necessity)
///         .keyword("gdpr")
///         .keyword("right to be forgotten")
///         .weight(3.0),
/// );
/// let classifier = Classifier::new(&policy)?;
/// let result = classifier.classify_text("Please honour our GDPR deletion request", "");
/// assert_eq!(result.class, Some(Class::Necessity));
/// # Ok::<(), feedback_triage::PolicyErrors>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Policy {
    /// Format version; must be [`POLICY_VERSION`].
    pub version: u32,
    /// Scoring and decision settings.
    pub settings: Settings,
    /// The rules, in order. Evidence is reported in this order.
    pub rules: Vec<Rule>,
}

impl Policy {
    /// A policy with default settings and no rules (add some before compiling).
    pub fn empty() -> Policy {
        Policy {
            version: POLICY_VERSION,
            settings: Settings::default(),
            rules: Vec::new(),
        }
    }

    /// The embedded default policy (see the crate docs for what it covers).
    pub fn builtin() -> Policy {
        builtin::policy()
    }

    /// The embedded default's hand-written rules alone, with the default
    /// [`Settings`] they were written for: [`Policy::builtin`] without its
    /// learned layer. About 1.5x as fast to classify with, and less accurate
    /// (macro-F1 0.658 against 0.844 on the five-class set, measured out of
    /// fold for the learned layer; see `docs/speed-classify.md`).
    ///
    /// ```
    /// use feedback_triage::{Class, Classifier, Policy};
    ///
    /// let hand = Policy::builtin_hand_written();
    /// let full = Policy::builtin();
    /// assert!(hand.rules.len() < full.rules.len());
    /// // The same hand-written rules, in the same order, before the layer.
    /// assert_eq!(hand.rules[..], full.rules[..hand.rules.len()]);
    /// let classifier = Classifier::new(&hand)?;
    /// let result = classifier.classify_text("Please honour our GDPR deletion request", "");
    /// assert_eq!(result.class, Some(Class::Necessity));
    /// # Ok::<(), feedback_triage::PolicyErrors>(())
    /// ```
    pub fn builtin_hand_written() -> Policy {
        builtin::hand_written()
    }

    /// Checks the policy and returns every problem found, in rule order.
    pub fn validate(&self) -> Result<(), crate::PolicyErrors> {
        validate::validate(self)
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Merges `other` into this policy: rules of `self` keep their place and
    /// precedence; rules of `other` whose id is already used are skipped and
    /// returned, the others are appended.
    pub fn merge(&mut self, other: Policy) -> Vec<Rule> {
        let mut skipped = Vec::new();
        for rule in other.rules {
            if self.rule(&rule.id).is_some() {
                skipped.push(rule);
            } else {
                self.rules.push(rule);
            }
        }
        skipped
    }
}

/// Scoring and decision settings of a [`Policy`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Settings {
    /// Factor applied to keywords found in the title (default 1.5; in `(0, 1e6]`).
    pub title_weight: f64,
    /// A class "fits" when its score is at least this share of the top score
    /// (default 0.5; in `(0, 1]`). Fitting classes other than the primary are
    /// reported as secondary classes.
    pub fit_ratio: f64,
    /// When the runner-up's score is at least this share of the primary's,
    /// the outcome is [`Outcome::Ambiguous`](crate::Outcome::Ambiguous)
    /// (default 0.9; in `(0, 1]`).
    pub ambiguity_ratio: f64,
    /// Scale of the confidence's strength term, `1 - exp(-score / scale)`
    /// with [`ConfidenceModel::Share`], or the softmax temperature with
    /// [`ConfidenceModel::Softmax`] (default 2.0; `> 0`).
    pub confidence_scale: f64,
    /// The least score, priors aside, that the best class needs for a match
    /// (default 0: any rule that fires makes one). Below it the outcome is
    /// [`Outcome::NoMatch`](crate::Outcome::NoMatch): with a learned layer,
    /// where nearly every word weighs a little, this keeps text with no
    /// request in it ("see attached") unclassified (finite, `>= 0`).
    pub min_score: f64,
    /// How scores become a confidence (default [`ConfidenceModel::Share`]).
    pub confidence_model: ConfidenceModel,
    /// A result whose confidence is at least this is in the
    /// [`Band::High`](crate::Band::High) band (default 0.7; in `[0, 1]`, at
    /// least `band_medium`).
    pub band_high: f64,
    /// A result whose confidence is at least this (and below `band_high`)
    /// is in the [`Band::Medium`](crate::Band::Medium) band, else in
    /// [`Band::Low`](crate::Band::Low) (default 0.4; in `[0, 1]`).
    pub band_medium: f64,
    /// The order in which fitting classes win (default: necessity,
    /// opportunistic, fault_correction, market_driven, responsiveness). Must
    /// list each class once.
    pub precedence: Vec<Class>,
    /// Words and phrases that negate a following keyword ("not", "no longer").
    pub negation_cues: Vec<String>,
    /// How many words after a negation cue a keyword counts as negated
    /// (default 3, at most 50; `0` turns negation off). Negation never crosses a sentence.
    pub negation_window: usize,
    /// The class to report when no rule fired (default none: the classifier
    /// abstains and says so).
    pub fallback: Option<Class>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            title_weight: 1.5,
            fit_ratio: 0.5,
            ambiguity_ratio: 0.9,
            confidence_scale: 2.0,
            min_score: 0.0,
            confidence_model: ConfidenceModel::Share,
            band_high: 0.7,
            band_medium: 0.4,
            precedence: Class::ALL.to_vec(),
            negation_cues: [
                "not",
                "no",
                "never",
                "no longer",
                "isn't",
                "doesn't",
                "don't",
                "didn't",
                "wasn't",
                "aren't",
                "hasn't",
                "haven't",
                "nor",
                "without any",
            ]
            .map(String::from)
            .to_vec(),
            negation_window: 3,
            fallback: None,
        }
    }
}

/// How a [`Settings`]' scores become a confidence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConfidenceModel {
    /// `strength × share`: `strength = 1 - exp(-primary / confidence_scale)`
    /// grows with the evidence, `share = primary / (primary + best other)`
    /// falls when another class is close. Suits hand-written policies,
    /// whose scores are sums of keyword weights (the default).
    #[default]
    Share,
    /// The softmax probability of the primary class, `exp(s_p / T) / Σ
    /// exp(s_c / T)` over all five classes, `T` being `confidence_scale`.
    /// Suits policies whose scores are log-odds, such as learned ones;
    /// [`Outcome::Ambiguous`](crate::Outcome::Ambiguous) then compares the
    /// runner-up's probability with the primary's.
    Softmax,
}

/// Which text a rule looks at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Scope {
    /// The title only.
    Title,
    /// The body only.
    Body,
    /// Title and body (the default).
    #[default]
    Both,
}

/// Which field of an item a piece of evidence was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextField {
    /// The title.
    Title,
    /// The body.
    Body,
}

impl Scope {
    pub(crate) fn covers(self, field: TextField) -> bool {
        matches!(
            (self, field),
            (Scope::Both, _) | (Scope::Title, TextField::Title) | (Scope::Body, TextField::Body)
        )
    }
}

/// One rule: a target class, a weight, keywords and phrases, exclusions and
/// metadata conditions.
///
/// A rule *fires* when all its conditions hold, no exclusion phrase occurs in
/// the text it looks at, and (if it has keywords) at least one keyword occurs
/// un-negated. It then adds `weight × Σ keyword weights` (each distinct
/// keyword counted once, title hits times `title_weight`) to its class, or
/// just `weight` when it has no keywords.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Rule {
    /// Unique id, quoted in every error and every piece of evidence.
    pub id: String,
    /// The class this rule votes for.
    pub class: Class,
    /// Multiplier for everything the rule contributes (default 1; in `(0, 1e6]`).
    pub weight: f64,
    /// Which text the keywords are looked for in (default both).
    pub field: Scope,
    /// Words and phrases. Matching folds case and inflections ("crash"
    /// matches "Crashed"), is whole-word, and matches phrases word by word;
    /// text in scripts without spaces (Chinese, Japanese, Thai) is matched as
    /// a substring.
    pub keywords: Vec<Keyword>,
    /// Phrases that veto the rule when present ("not a bug").
    pub exclude: Vec<String>,
    /// Metadata conditions; all present ones must hold.
    pub when: Conditions,
    /// Whether a negation cue before a keyword cancels it (default true).
    pub negatable: bool,
    /// When a decisive rule fires, its class is the primary class whatever the
    /// scores ("a regulator's request is always necessity"). Default false.
    pub decisive: bool,
    /// A note for people; not used in matching.
    pub description: Option<String>,
}

impl Rule {
    /// A rule with this id and class, weight 1 and nothing to match yet.
    pub fn new(id: impl Into<String>, class: Class) -> Rule {
        Rule {
            id: id.into(),
            class,
            weight: 1.0,
            field: Scope::Both,
            keywords: Vec::new(),
            exclude: Vec::new(),
            when: Conditions::default(),
            negatable: true,
            decisive: false,
            description: None,
        }
    }

    /// Adds a keyword or phrase of weight 1.
    #[must_use]
    pub fn keyword(mut self, text: impl Into<String>) -> Rule {
        self.keywords.push(Keyword::new(text));
        self
    }

    /// Adds several keywords or phrases of weight 1.
    #[must_use]
    pub fn keywords<I, S>(mut self, texts: I) -> Rule
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.keywords.extend(texts.into_iter().map(Keyword::new));
        self
    }

    /// Adds a keyword or phrase with its own weight.
    #[must_use]
    pub fn weighted_keyword(mut self, text: impl Into<String>, weight: f64) -> Rule {
        self.keywords.push(Keyword {
            text: text.into(),
            weight,
        });
        self
    }

    /// Adds an exclusion phrase.
    #[must_use]
    pub fn exclude(mut self, text: impl Into<String>) -> Rule {
        self.exclude.push(text.into());
        self
    }

    /// Sets the rule's weight.
    #[must_use]
    pub fn weight(mut self, weight: f64) -> Rule {
        self.weight = weight;
        self
    }

    /// Sets which text the rule looks at.
    #[must_use]
    pub fn field(mut self, field: Scope) -> Rule {
        self.field = field;
        self
    }

    /// Sets the metadata conditions.
    #[must_use]
    pub fn when(mut self, when: Conditions) -> Rule {
        self.when = when;
        self
    }

    /// Makes the rule decisive (see [`Rule::decisive`](Rule#structfield.decisive)).
    #[must_use]
    pub fn decisive(mut self) -> Rule {
        self.decisive = true;
        self
    }

    /// Makes negation cues not cancel this rule's keywords.
    #[must_use]
    pub fn not_negatable(mut self) -> Rule {
        self.negatable = false;
        self
    }
}

/// A keyword or phrase with a weight.
///
/// Written in a policy either as a plain string (weight 1) or as a table
/// `{ "text": "data loss", "weight": 2.0 }`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Keyword {
    /// The word or phrase, as written.
    pub text: String,
    /// Its weight (default 1; in `(0, 1e6]`).
    pub weight: f64,
}

impl Keyword {
    /// A keyword of weight 1.
    pub fn new(text: impl Into<String>) -> Keyword {
        Keyword {
            text: text.into(),
            weight: 1.0,
        }
    }
}

/// Metadata conditions of a [`Rule`]. Every condition given must hold; an
/// absent one always holds.
///
/// ```
/// use feedback_triage::{Channel, Conditions};
///
/// let when = Conditions {
///     channel: Some(vec![Channel::Sales, Channel::Partner]),
///     min_deal_value: Some(50_000.0),
///     ..Conditions::default()
/// };
/// assert!(!when.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conditions {
    /// The item's channel is one of these.
    pub channel: Option<Vec<Channel>>,
    /// The item's channel is none of these.
    pub not_channel: Option<Vec<Channel>>,
    /// The item has a deal value of at least this.
    pub min_deal_value: Option<f64>,
    /// The item has no deal value, or one of at most this.
    pub max_deal_value: Option<f64>,
    /// The item has at least one of these tags (compared case-insensitively).
    pub tags: Option<Vec<String>>,
    /// The item has at least this many votes.
    pub min_votes: Option<u32>,
}

impl Conditions {
    /// Whether the conditions hold for every item: none are set, or only
    /// `min_votes = 0`. A rule without keywords whose conditions always hold
    /// is a *prior*: it adds its weight to its class for every item (as the
    /// learned policies' `*-prior` rules do) but does not make a match by
    /// itself, so text in which nothing else fires still gets
    /// [`Outcome::NoMatch`](crate::Outcome::NoMatch).
    pub fn hold_always(&self) -> bool {
        let Conditions {
            channel,
            not_channel,
            min_deal_value,
            max_deal_value,
            tags,
            min_votes,
        } = self;
        channel.is_none()
            && not_channel.is_none()
            && min_deal_value.is_none()
            && max_deal_value.is_none()
            && tags.is_none()
            && min_votes.is_none_or(|v| v == 0)
    }

    /// True when no condition is set.
    pub fn is_empty(&self) -> bool {
        // Field by field: the classifier asks this for every rule of every
        // item, so no temporary `Conditions` is built.
        let Conditions {
            channel,
            not_channel,
            min_deal_value,
            max_deal_value,
            tags,
            min_votes,
        } = self;
        channel.is_none()
            && not_channel.is_none()
            && min_deal_value.is_none()
            && max_deal_value.is_none()
            && tags.is_none()
            && min_votes.is_none()
    }
}
