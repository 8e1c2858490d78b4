//! The clustering parameters, their defaults and their ranges.

use serde::{Deserialize, Serialize};

use super::naming::KEY_TERMS;
use crate::error::ParamsError;

/// Clustering parameters as data, with defaults meant to work on real data
/// without tuning per data set. They were chosen on the mean over intent
/// queries (Banking77, CLINC150) and duplicate bug reports (Hadoop), one
/// setting for all. On a data set where most items stand alone (duplicate
/// bug reports) the threshold rises by itself (`adaptive_weight`).
///
/// Unknown fields are rejected when deserialising, and missing ones take their
/// default. [`Clusterer::new`](super::Clusterer::new) checks every range.
///
/// ```
/// use feedback_triage::{ClusterParams, Clusterer};
///
/// let params = ClusterParams::default().similarity_threshold(0.6).min_distinct_customers(3);
/// let clusterer = Clusterer::new(params)?;
/// assert_eq!(clusterer.params().min_distinct_customers, 3);
///
/// let err = Clusterer::new(ClusterParams::default().similarity_threshold(1.5)).unwrap_err();
/// assert!(err.to_string().contains("similarity_threshold"));
/// # Ok::<(), feedback_triage::ParamsError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ClusterParams {
    /// Two groups merge while the mean cosine similarity over all pairs
    /// between them is at least this. In `(0, 1]`; default `0.12` (with
    /// terms alone, `0.15` scored better on the dev files).
    pub similarity_threshold: f64,
    /// A group counts as a common feature when at least this many distinct
    /// customers ask for it (an item without a customer is its own unknown
    /// customer). At least 1; default 2. A batch clustering forms its groups
    /// the same way whatever this is; a [`Backlog`](crate::Backlog) does
    /// not (whether a group is a feature yet changes how later requests
    /// and merges find it).
    pub min_distinct_customers: usize,
    /// Each item keeps at most this many candidate neighbours for
    /// verification. In `1..=1000`; default 30.
    pub max_candidates_per_item: usize,
    /// Each item's vector keeps its this many strongest terms. In
    /// `1..=1000`; default 32.
    pub max_terms_per_item: usize,
    /// A term found in more than this share of the items (and in more than
    /// 64) does not generate candidates. In `(0, 1]`; default `0.05`.
    pub max_document_ratio: f64,
    /// Each term scans at most this many entries of its index list per item.
    /// In `1..=100000`; default 400.
    pub max_postings_per_term: usize,
    /// Each item looks for candidates through at most this many of its
    /// terms: the strongest of those that generate candidates (all its terms
    /// still count in the verified similarity). A neighbour shares the
    /// strong terms; the weak ones add work, not candidates. In
    /// `1..=1000`; default 8.
    pub max_search_terms_per_item: usize,
    /// Content words in a feature's name: a name is a phrase of 1 to
    /// `label_terms + 1` words of a member's text, stop words counted only
    /// inside it (in scripts written without spaces, up to twice as many
    /// characters). In `1..=8`; default 3.
    pub label_terms: usize,
    /// Similarity from which two requests are the same
    /// ([`DuplicateDecision::Same`](super::DuplicateDecision::Same)). In `(0, 1]`; default `0.75`.
    pub duplicate_threshold: f64,
    /// Similarity from which a pair needs review
    /// ([`DuplicateDecision::Review`](super::DuplicateDecision::Review)). In `(0, duplicate_threshold]`;
    /// default `0.4`.
    pub review_threshold: f64,
    /// Adapts the threshold to the data: the linkage uses
    /// `max(similarity_threshold, adaptive_weight × n / (n + adaptive_prior_items) × (1 − D))`,
    /// where `n` is the number of items and `D` the median over the items of
    /// each item's best similarity among its candidates (as found by the
    /// index, so `0` for an item without one). Where most items have a close
    /// neighbour (paraphrased queries) the threshold stays as given; where
    /// most stand alone (duplicate bug reports) only close pairs merge. In
    /// `[0, 1]`; `0` switches the adaptation off; default `0.8`.
    pub adaptive_weight: f64,
    /// Shrinks the adaptation on few items, where every best neighbour is
    /// weak by chance (see `adaptive_weight`; it counts half at this many
    /// items). In `0..=1000000`; default 500.
    pub adaptive_prior_items: usize,
    /// The share of meaning in the similarity: two items compare by
    /// `(1 − w·t) × term cosine + w·t × max(0, dense cosine)`, where the
    /// dense vectors are the items' `embedding`s when the batch has any, else
    /// the clusterer's static word vectors (see [`Clusterer::with_static_vectors`](super::Clusterer::with_static_vectors)),
    /// and `t` is the smaller trust of the two: 1 for caller embeddings; for
    /// static vectors `min(1, 16 / words)⁴ × (share of the words that are
    /// whole tokens of the table)²`, so long texts and texts of mostly
    /// unknown words compare mostly by terms. A pair where either item has
    /// no dense vector compares by terms alone. The three-band duplicate
    /// decision and the [`Backlog`](super::Backlog) (which uses static
    /// vectors only) weigh meaning by at most 0.5; with the caller's
    /// embedding on every item, groups compare by their exact mean cosine
    /// (see `embedding_threshold_ratio`). In `[0, 1]`; `0` switches
    /// meaning off (terms only, as without vectors); default `1.0` (was 0.5).
    pub semantic_weight: f64,
    /// Each item also takes up to this many neighbours by meaning as
    /// candidates (found through SimHash orderings of the dense vectors,
    /// without comparing all pairs), besides its `max_candidates_per_item`
    /// by shared terms: this many times its vector's trust (see
    /// `semantic_weight`), rounded, so all of them for a short request of
    /// known words (and for the caller's embeddings on some items) and
    /// few or none for a long text, whose meaning its similarity barely
    /// weighs. With the caller's embedding on every item,
    /// `embedding_candidates_per_item` applies instead. The linkage's capacity (see
    /// `docs/clustering.md`) counts them too. In `0..=1000`; default 20
    /// (was 10: on samples of the held-out splits' sizes, eight seeds,
    /// ARI Banking77 0.3586 → 0.3624, CLINC150 0.4961 → 0.5112; Banking77
    /// train's 130 per intent 0.357 → 0.348).
    pub semantic_candidates_per_item: usize,
    /// When every item carries the caller's `embedding` (the exact means
    /// decide, see `embedding_threshold_ratio`), each item takes this many
    /// neighbours by meaning instead of `semantic_candidates_per_item`.
    /// The exact means compare groups over all their pairs, so more
    /// neighbours only propose more pairs: at 20 instead of 10, with
    /// all-MiniLM-L6-v2, ARI moved by at most 0.004 on the dev files and
    /// samples while 100k items took 20% longer. In `0..=1000`; default 10.
    pub embedding_candidates_per_item: usize,
    /// When every item carries the caller's `embedding`, groups compare by
    /// the exact mean cosine of their (centred) embeddings over all pairs
    /// between them, blended with the term mean as `(1 − w) × terms + w ×
    /// meaning` (`w` = `semantic_weight`), and they merge while that is at
    /// least `(1 − w) × the term threshold + w × max(similarity_threshold,
    /// embedding_threshold_ratio × D)`, where `D` is the median over the
    /// items of each one's best embedding cosine among its candidates (on
    /// the vectors the linkage compares: smoothed, see
    /// `embedding_neighbours`). Tying the threshold to `D` adapts it to how
    /// close paraphrases sit in the caller's model and data: on the dev
    /// files with all-MiniLM-L6-v2 the best all-pairs cut of the smoothed
    /// vectors is at about `0.54 × D` on both CLINC150 val and Banking77
    /// train (of the caller's vectors as they are, `0.47 × D` and
    /// `0.49 × D`). On a batch of mostly singletons (each item's nearest
    /// candidate shares little of its neighbourhood; see
    /// `docs/clustering.md`) the ratio rises toward 1.2 and the smoothing
    /// fades, in proportion: there `D` is the cosine to the least far of
    /// unrelated items (Hadoop's duplicate bug reports with MiniLM: ARI
    /// 0.005 → 0.084; sets of intents are unchanged). The isolation's bounds
    /// were set with the default candidate parameters
    /// (`embedding_candidates_per_item` 10 and the term candidates'
    /// defaults); other candidate settings change the neighbourhoods it
    /// reads, so check a batch's grouping after changing them. In `(0, 1]`; default
    /// `0.54` (was 0.48 before the smoothing). Without embeddings on every
    /// item it has no effect.
    pub embedding_threshold_ratio: f64,
    /// When every item carries the caller's `embedding`, each item's vector
    /// is smoothed before the linkage: the mean of its this many nearest
    /// candidates' vectors is added to it (found among the candidates, by
    /// cosine, not over all pairs), and the sums are centred and scaled to
    /// unit length again. Items of one intent draw together and a
    /// paraphrase between two leans toward its neighbours' side, so
    /// average linkage separates them better: on the dev files with
    /// all-MiniLM-L6-v2 (ARI) CLINC150 val 0.636 → 0.671, Banking77 train
    /// 0.492 → 0.525 (with `embedding_threshold_ratio` 0.54; the smoothed
    /// vectors sit closer, so `D` rises and the best ratio with it: with
    /// `0` here, set the ratio back to 0.48). The neighbours are ranked by
    /// the similarity the candidates were verified with (at
    /// `semantic_weight` 1, the cosine). The linkage compares the smoothed
    /// vectors, and [`ClusterIndex::assign`](super::ClusterIndex::assign)
    /// smooths a new item over its nearest indexed items before comparing
    /// it with the groups' smoothed means; duplicate decisions use the
    /// caller's own vectors, and the [`Backlog`](super::Backlog) (static
    /// vectors only) is unaffected. On a batch of mostly singletons the
    /// neighbours' mean counts less, or not at all (see
    /// `embedding_threshold_ratio`).
    /// In `0..=50`; default 5; `0` switches smoothing off.
    pub embedding_neighbours: usize,
    /// How many nearest neighbours of each item (by verified similarity)
    /// a first linkage weighs links by: a link keeps the share
    /// `min(1, shared / (0.4 × k))` of its similarity, `shared` counting
    /// the items in both ends' lists (each item is in its own), so links
    /// whose neighbourhoods agree count in full. From that stage's groups
    /// the linkage goes on with the plain similarities and the same
    /// threshold. In `0..=15`; default 10; `0` is the one-stage linkage.
    /// In one stage a higher threshold only ever splits groups; in two, a
    /// higher threshold usually gives finer groups but need not nest in
    /// the coarser ones (the first stage's groups, where the second starts,
    /// change with the threshold).
    /// Not used when every item carries an `embedding` (the exact means
    /// decide there). On the dev files (ARI, with 10 neighbours by meaning,
    /// the default then) Banking77 train 0.348 → 0.357, CLINC150 val 0.533
    /// → 0.545, Hadoop duplicates 0.112 either way.
    pub shared_neighbours: usize,
}

impl Default for ClusterParams {
    fn default() -> Self {
        ClusterParams {
            similarity_threshold: 0.12,
            min_distinct_customers: 2,
            max_candidates_per_item: 30,
            max_terms_per_item: 32,
            max_document_ratio: 0.05,
            max_postings_per_term: 400,
            max_search_terms_per_item: 8,
            label_terms: 3,
            duplicate_threshold: 0.75,
            review_threshold: 0.4,
            adaptive_weight: 0.8,
            adaptive_prior_items: 500,
            semantic_weight: 1.0,
            semantic_candidates_per_item: 20,
            embedding_candidates_per_item: 10,
            embedding_threshold_ratio: 0.54,
            embedding_neighbours: 5,
            shared_neighbours: 10,
        }
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {
        /// Builder-style setters, one per field (validated by [`Clusterer::new`](super::Clusterer::new)).
        impl ClusterParams {
            $(
                $(#[$doc])*
                #[must_use]
                pub fn $name(mut self, value: $ty) -> Self {
                    self.$name = value;
                    self
                }
            )*
        }
    };
}

setters! {
    /// Sets [`ClusterParams::similarity_threshold`].
    similarity_threshold: f64;
    /// Sets [`ClusterParams::min_distinct_customers`].
    min_distinct_customers: usize;
    /// Sets [`ClusterParams::max_candidates_per_item`].
    max_candidates_per_item: usize;
    /// Sets [`ClusterParams::max_terms_per_item`].
    max_terms_per_item: usize;
    /// Sets [`ClusterParams::max_document_ratio`].
    max_document_ratio: f64;
    /// Sets [`ClusterParams::max_postings_per_term`].
    max_postings_per_term: usize;
    /// Sets [`ClusterParams::max_search_terms_per_item`].
    max_search_terms_per_item: usize;
    /// Sets [`ClusterParams::label_terms`].
    label_terms: usize;
    /// Sets [`ClusterParams::duplicate_threshold`].
    duplicate_threshold: f64;
    /// Sets [`ClusterParams::review_threshold`].
    review_threshold: f64;
    /// Sets [`ClusterParams::adaptive_weight`].
    adaptive_weight: f64;
    /// Sets [`ClusterParams::adaptive_prior_items`].
    adaptive_prior_items: usize;
    /// Sets [`ClusterParams::semantic_weight`].
    semantic_weight: f64;
    /// Sets [`ClusterParams::semantic_candidates_per_item`].
    semantic_candidates_per_item: usize;
    /// Sets [`ClusterParams::embedding_candidates_per_item`].
    embedding_candidates_per_item: usize;
    /// Sets [`ClusterParams::embedding_threshold_ratio`].
    embedding_threshold_ratio: f64;
    /// Sets [`ClusterParams::embedding_neighbours`].
    embedding_neighbours: usize;
    /// Sets [`ClusterParams::shared_neighbours`].
    shared_neighbours: usize;
}

impl ClusterParams {
    /// Checks every range; the error names the first field out of range.
    pub fn validate(&self) -> Result<(), ParamsError> {
        use Range::{Closed, Count, Unit};
        for (field, range) in self.ranges() {
            match range {
                Unit(v) => unit(field, v)?,
                Closed(v) if !(v.is_finite() && (0.0..=1.0).contains(&v)) => {
                    return Err(ParamsError::OutOfRange {
                        field,
                        expected: "in [0, 1]",
                        value: v,
                    });
                }
                Closed(_) => {}
                Count(v, lo, hi, expected) => count(field, v, lo, hi, expected)?,
            }
        }
        if self.review_threshold > self.duplicate_threshold {
            return Err(ParamsError::OutOfRange {
                field: "review_threshold",
                expected: "at most `duplicate_threshold`",
                value: self.review_threshold,
            });
        }
        Ok(())
    }
    /// Each field's value and range, in the fields' order, so that the
    /// first field out of range is the one named.
    fn ranges(&self) -> [(&'static str, Range); 18] {
        use Range::{Closed, Count, Unit};
        let max_shared = super::linkage::MAX_SHARED_NEIGHBOURS;
        let max_smoothing = super::semantic::MAX_EMBEDDING_NEIGHBOURS;
        [
            ("similarity_threshold", Unit(self.similarity_threshold)),
            (
                "min_distinct_customers",
                Count(self.min_distinct_customers, 1, usize::MAX, "at least 1"),
            ),
            (
                "max_candidates_per_item",
                Count(self.max_candidates_per_item, 1, 1000, "in 1..=1000"),
            ),
            (
                "max_terms_per_item",
                Count(self.max_terms_per_item, 1, 1000, "in 1..=1000"),
            ),
            ("max_document_ratio", Unit(self.max_document_ratio)),
            (
                "max_postings_per_term",
                Count(self.max_postings_per_term, 1, 100_000, "in 1..=100000"),
            ),
            (
                "max_search_terms_per_item",
                Count(self.max_search_terms_per_item, 1, 1000, "in 1..=1000"),
            ),
            (
                "label_terms",
                Count(self.label_terms, 1, KEY_TERMS, "in 1..=8"),
            ),
            ("duplicate_threshold", Unit(self.duplicate_threshold)),
            ("review_threshold", Unit(self.review_threshold)),
            ("adaptive_weight", Closed(self.adaptive_weight)),
            (
                "adaptive_prior_items",
                Count(self.adaptive_prior_items, 0, 1_000_000, "in 0..=1000000"),
            ),
            ("semantic_weight", Closed(self.semantic_weight)),
            (
                "semantic_candidates_per_item",
                Count(self.semantic_candidates_per_item, 0, 1000, "in 0..=1000"),
            ),
            (
                "embedding_candidates_per_item",
                Count(self.embedding_candidates_per_item, 0, 1000, "in 0..=1000"),
            ),
            (
                "embedding_threshold_ratio",
                Unit(self.embedding_threshold_ratio),
            ),
            (
                "embedding_neighbours",
                Count(self.embedding_neighbours, 0, max_smoothing, "in 0..=50"),
            ),
            (
                "shared_neighbours",
                Count(self.shared_neighbours, 0, max_shared, "in 0..=15"),
            ),
        ]
    }
}

/// What a field may hold.
enum Range {
    /// In `(0, 1]`.
    Unit(f64),
    /// In `[0, 1]`.
    Closed(f64),
    /// An integer in `lo..=hi`, and how to say so.
    Count(usize, usize, usize, &'static str),
}

/// `v` in `(0, 1]`.
fn unit(field: &'static str, v: f64) -> Result<(), ParamsError> {
    if v.is_finite() && v > 0.0 && v <= 1.0 {
        Ok(())
    } else {
        Err(ParamsError::OutOfRange {
            field,
            expected: "in (0, 1]",
            value: v,
        })
    }
}
/// `v` in `lo..=hi`; `expected` says so.
fn count(
    field: &'static str,
    v: usize,
    lo: usize,
    hi: usize,
    expected: &'static str,
) -> Result<(), ParamsError> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(ParamsError::OutOfRange {
            field,
            expected,
            value: v as f64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Clusterer;
    use crate::cluster::linkage::MAX_SHARED_NEIGHBOURS as MAX_SHARED;

    #[test]
    fn defaults_validate() {
        ClusterParams::default().validate().unwrap();
    }

    #[test]
    // long-fn: one flat table of cases, one per bound of every parameter.
    fn each_range_is_checked() {
        let cases: Vec<(ClusterParams, &str)> = vec![
            (
                ClusterParams::default().similarity_threshold(0.0),
                "similarity_threshold",
            ),
            (
                ClusterParams::default().similarity_threshold(f64::NAN),
                "similarity_threshold",
            ),
            (
                ClusterParams::default().min_distinct_customers(0),
                "min_distinct_customers",
            ),
            (
                ClusterParams::default().max_candidates_per_item(0),
                "max_candidates_per_item",
            ),
            (
                ClusterParams::default().max_terms_per_item(5000),
                "max_terms_per_item",
            ),
            (
                ClusterParams::default().max_document_ratio(2.0),
                "max_document_ratio",
            ),
            (
                ClusterParams::default().max_postings_per_term(0),
                "max_postings_per_term",
            ),
            (
                ClusterParams::default().max_search_terms_per_item(0),
                "max_search_terms_per_item",
            ),
            (
                ClusterParams::default().max_search_terms_per_item(1001),
                "max_search_terms_per_item",
            ),
            (ClusterParams::default().label_terms(0), "label_terms"),
            (
                ClusterParams::default().duplicate_threshold(-1.0),
                "duplicate_threshold",
            ),
            (
                ClusterParams::default().adaptive_weight(1.5),
                "adaptive_weight",
            ),
            (
                ClusterParams::default().adaptive_weight(f64::NAN),
                "adaptive_weight",
            ),
            (
                ClusterParams::default().adaptive_prior_items(2_000_000),
                "adaptive_prior_items",
            ),
            (
                ClusterParams::default()
                    .review_threshold(0.9)
                    .duplicate_threshold(0.8),
                "review_threshold",
            ),
            (
                ClusterParams::default().semantic_weight(1.01),
                "semantic_weight",
            ),
            (
                ClusterParams::default().semantic_weight(-0.1),
                "semantic_weight",
            ),
            (
                ClusterParams::default().semantic_weight(f64::NAN),
                "semantic_weight",
            ),
            (
                ClusterParams::default().semantic_candidates_per_item(1001),
                "semantic_candidates_per_item",
            ),
            (
                ClusterParams::default().embedding_candidates_per_item(1001),
                "embedding_candidates_per_item",
            ),
            (
                ClusterParams::default().shared_neighbours(MAX_SHARED + 1),
                "shared_neighbours",
            ),
        ];
        // The message states the bound the check uses.
        let err = Clusterer::new(ClusterParams::default().shared_neighbours(MAX_SHARED + 1));
        assert!(
            err.unwrap_err()
                .to_string()
                .contains(&format!("in 0..={MAX_SHARED}"))
        );
        for (p, field) in cases {
            let err = Clusterer::new(p).unwrap_err();
            assert!(
                matches!(err, ParamsError::OutOfRange { field: f, .. } if f == field),
                "{err}"
            );
            assert!(err.to_string().contains(field));
        }
    }

    #[test]
    fn params_reject_unknown_fields() {
        let err = serde_json::from_str::<ClusterParams>(r#"{"similarity_treshold": 0.5}"#);
        assert!(err.is_err());
        let p: ClusterParams = serde_json::from_str(r#"{"label_terms": 2}"#).unwrap();
        assert_eq!(p.label_terms, 2);
        assert_eq!(
            p.similarity_threshold,
            ClusterParams::default().similarity_threshold
        );
    }
}
