//! What clustering returns.

use serde::{Deserialize, Serialize};

use crate::class::Class;

/// The result of [`Clusterer::cluster`](crate::Clusterer::cluster): ranked
/// candidate features and the special cases. Every input id appears in
/// exactly one `members` list.
///
/// ```
/// use feedback_triage::{Clusterer, FeedbackItem};
///
/// let items = vec![
///     FeedbackItem::new("1").with_title("Export reports to Excel").with_customer("Acme"),
///     FeedbackItem::new("2").with_title("Excel export of reports").with_customer("Globex"),
///     FeedbackItem::new("3").with_title("Dark mode for the editor"),
/// ];
/// let clustering = Clusterer::default().cluster(&items)?;
/// assert_eq!(clustering.features.len(), 1);
/// assert_eq!(clustering.special_cases.len(), 1);
/// let json = serde_json::to_string(&clustering).unwrap();
/// assert!(json.contains("\"features\""));
/// # Ok::<(), feedback_triage::ItemError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Clustering {
    /// Groups asked for by at least `min_distinct_customers` customers, ranked:
    /// distinct customers (most first), then total deal value (highest first),
    /// then size (largest first), then the smallest member id.
    pub features: Vec<CandidateFeature>,
    /// Everything else: lone requests and groups from too few customers,
    /// ranked by size (largest first), then deal value (highest first), then
    /// the smallest member id.
    pub special_cases: Vec<SpecialCase>,
}

impl Clustering {
    /// The number of input items (the members of all groups).
    pub fn len(&self) -> usize {
        self.features.iter().map(|f| f.members.len()).sum::<usize>()
            + self
                .special_cases
                .iter()
                .map(|s| s.members.len())
                .sum::<usize>()
    }

    /// True when there were no items.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty() && self.special_cases.is_empty()
    }
}

/// A group of similar requests from several customers: a candidate common
/// feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CandidateFeature {
    /// A stable id derived from the member ids (`"F-"` and 8 hex digits): the
    /// same members always give the same id.
    pub id: String,
    /// A readable name: a phrase of one to `label_terms + 1` words that
    /// occurs in a member's text, in the customers' word order (lower-cased,
    /// white space collapsed; "top up limit", "wrong exchange rate"). Chosen
    /// for how distinctive of the group it is (c-TF-IDF over n-grams) and how
    /// many members use it; no two features of one clustering share a name or
    /// the same set of content words (a feature whose every candidate is
    /// taken keeps its best, numbered: "card arrive (2)").
    pub name: String,
    /// Terms that characterise the group, strongest first (c-TF-IDF, in the
    /// words the members use most): for search and as evidence.
    pub key_terms: Vec<String>,
    /// The most central member (highest mean similarity to the others; ties
    /// by id).
    pub representative: String,
    /// Member ids, sorted.
    pub members: Vec<String>,
    /// Distinct customers; each item without a customer counts as one
    /// unknown customer of its own.
    pub distinct_customers: usize,
    /// Sum of the members' deal values (missing values count as 0).
    pub deal_value: f64,
    /// How the members classify.
    pub class_mix: ClassMix,
    /// Mean similarity over all member pairs, in `[0, 1]`: in a batch
    /// clustering the term (word) cosine alone, so a group joined by meaning
    /// alone scores near 0; in a [`Backlog`](crate::Backlog)'s, the hybrid
    /// similarity it groups by.
    pub cohesion: f64,
}

/// Why a group is not a candidate feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SpecialReason {
    /// A request like no other.
    Alone,
    /// Similar requests, but from fewer than `min_distinct_customers`
    /// customers.
    FewCustomers,
    /// A [`Backlog`](crate::Backlog) group from enough customers whose
    /// requests joined it one at a time, each close enough to the group,
    /// but whose mean pairwise similarity is under the threshold: not yet
    /// one feature. (A batch clustering never gives it.)
    Loose,
}

/// A lone request, or a group from too few customers to count as a common
/// feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpecialCase {
    /// A stable id derived from the member ids (`"S-"` and 8 hex digits).
    pub id: String,
    /// Why this is a special case.
    pub reason: SpecialReason,
    /// A readable name, chosen as a feature's is (a phrase of the members'
    /// text), but not kept apart from other names.
    pub name: String,
    /// The most central member (the only one for a lone request).
    pub representative: String,
    /// Member ids, sorted.
    pub members: Vec<String>,
    /// Distinct customers, counted as for [`CandidateFeature`].
    pub distinct_customers: usize,
    /// Sum of the members' deal values.
    pub deal_value: f64,
}

/// How many members of a group fall in each class.
///
/// ```
/// use feedback_triage::{Class, ClassMix};
///
/// let mut mix = ClassMix::default();
/// mix.add(Some(Class::FaultCorrection));
/// mix.add(None);
/// assert_eq!(mix.get(Class::FaultCorrection), 1);
/// assert_eq!(mix.unclassified, 1);
/// assert_eq!(mix.dominant(), Some(Class::FaultCorrection));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClassMix {
    /// Members classified as [`Class::Necessity`].
    pub necessity: usize,
    /// Members classified as [`Class::Opportunistic`].
    pub opportunistic: usize,
    /// Members classified as [`Class::FaultCorrection`].
    pub fault_correction: usize,
    /// Members classified as [`Class::MarketDriven`].
    pub market_driven: usize,
    /// Members classified as [`Class::Responsiveness`].
    pub responsiveness: usize,
    /// Members no rule matched.
    pub unclassified: usize,
}

impl ClassMix {
    /// Counts one member.
    pub fn add(&mut self, class: Option<Class>) {
        match class {
            Some(c) => *self.get_mut(c) += 1,
            None => self.unclassified += 1,
        }
    }

    /// The count for one class.
    pub fn get(&self, class: Class) -> usize {
        match class {
            Class::Necessity => self.necessity,
            Class::Opportunistic => self.opportunistic,
            Class::FaultCorrection => self.fault_correction,
            Class::MarketDriven => self.market_driven,
            Class::Responsiveness => self.responsiveness,
        }
    }

    fn get_mut(&mut self, class: Class) -> &mut usize {
        match class {
            Class::Necessity => &mut self.necessity,
            Class::Opportunistic => &mut self.opportunistic,
            Class::FaultCorrection => &mut self.fault_correction,
            Class::MarketDriven => &mut self.market_driven,
            Class::Responsiveness => &mut self.responsiveness,
        }
    }

    /// The most frequent class (ties by [`Class::ALL`] order); `None` when no
    /// member was classified.
    pub fn dominant(&self) -> Option<Class> {
        let mut best: Option<(Class, usize)> = None;
        for c in Class::ALL {
            let n = self.get(c);
            if n > 0 && best.is_none_or(|(_, b)| n > b) {
                best = Some((c, n));
            }
        }
        best.map(|b| b.0)
    }
}

/// Which kind of group an [`Assignment`] joins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GroupKind {
    /// A [`CandidateFeature`].
    Feature,
    /// A [`SpecialCase`].
    SpecialCase,
}

/// Where a new item goes, from [`ClusterIndex::assign`](crate::ClusterIndex::assign).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "assignment", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Assignment {
    /// The item's mean similarity to the group's members reaches the
    /// threshold: a full re-run would put it there.
    Joins {
        /// The feature's or special case's id.
        id: String,
        /// Its name, as in the clustering (absent in JSON written before
        /// names were added: then empty).
        #[serde(default)]
        name: String,
        /// Whether that is a feature or a special case.
        group: GroupKind,
        /// Mean similarity to the members, as the linkage measures it
        /// (with the caller's embeddings smoothed, see
        /// [`ClusterParams::embedding_neighbours`](crate::ClusterParams::embedding_neighbours):
        /// the new item's smoothed vector against the members' smoothed mean).
        similarity: f64,
        /// Terms shared with the group, strongest first (the item's words).
        shared_terms: Vec<String>,
    },
    /// Nothing is similar enough: a new request.
    New {
        /// The closest group and the mean similarity to it, if any shares a
        /// term with the item.
        closest: Option<(String, f64)>,
    },
}

/// A three-way answer to "is this the same request?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DuplicateDecision {
    /// Similarity at least `duplicate_threshold`: the same request.
    Same,
    /// Between `review_threshold` and `duplicate_threshold`: a person should look.
    Review,
    /// Below `review_threshold`: different requests.
    Different,
}

/// A duplicate decision with its evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DuplicateCheck {
    /// The decision.
    pub decision: DuplicateDecision,
    /// The similarity of the two, in `[0, 1]`: the term cosine mixed with
    /// the dense cosine as in the clustering, meaning weighed at most 0.5
    /// whatever `semantic_weight` is (a duplicate says the same thing, not
    /// only the same intent).
    pub similarity: f64,
    /// Edit-distance similarity of the two titles (lower-cased, at most 100
    /// characters; normalised Levenshtein), when both have at least 12
    /// characters. Near-identical titles ("Crash on startup after upgrde" /
    /// "Crash on start-up after upgrade") lift the decision to review (0.8)
    /// or same (0.92) even when the bodies differ.
    pub title_similarity: Option<f64>,
    /// Terms both texts use, strongest first, in the first item's words.
    pub shared_terms: Vec<String>,
    /// The most similar existing item, when checking against a
    /// [`ClusterIndex`](crate::ClusterIndex).
    pub matched: Option<String>,
    /// The id of the feature or special case `matched` belongs to.
    pub group: Option<String>,
}
