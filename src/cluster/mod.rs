//! Grouping similar requests into candidate common features.
//!
//! The pipeline, each step bounded per item so the whole is near-linear:
//!
//! 1. validate the items, reject duplicate ids and put the items in the order
//!    of a stable hash of their id ([`id_hash`], ties by id): input order
//!    never matters, and neither does the data set's id scheme (ids that
//!    follow the labels must not steer the bounded candidate search);
//! 2. turn each into a unit term vector (the crate's one tokenizer and
//!    stemmer, stop words and single letters or digits dropped, sublinear
//!    tf × idf, the `max_terms_per_item` strongest terms kept);
//! 3. find candidate pairs through an inverted index of informative terms
//!    (see `candidates`), verified with the cosine similarity;
//! 4. merge groups by average linkage (see `linkage`) while the mean
//!    similarity between two groups is at least `similarity_threshold`;
//! 5. name, describe and rank the groups.

mod candidates;
mod index;
mod linkage;
mod naming;
mod result;
mod vectors;

use serde::{Deserialize, Serialize};

pub use index::ClusterIndex;
pub use result::{
    Assignment, CandidateFeature, ClassMix, Clustering, DuplicateCheck, DuplicateDecision,
    GroupKind, SpecialCase, SpecialReason,
};

use crate::classify::Classifier;
use crate::error::{ItemError, ParamsError};
use crate::item::FeedbackItem;
use candidates::{Edge, MIN_DF_CAP};
use naming::{KEY_TERMS, surfaces};
use vectors::{Corpus, SparseVec};

/// Clustering parameters as data, with defaults meant to work on real data
/// without tuning per data set. They were chosen on the mean over intent
/// queries (Banking77, CLINC150) and duplicate bug reports (Hadoop), one
/// setting for all. On a data set where most items stand alone (duplicate
/// bug reports) the threshold rises by itself (`adaptive_weight`).
///
/// Unknown fields are rejected when deserialising, and missing ones take their
/// default. [`Clusterer::new`] checks every range.
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
    /// between them is at least this. In `(0, 1]`; default `0.15`.
    pub similarity_threshold: f64,
    /// A group counts as a common feature when at least this many distinct
    /// customers ask for it (an item without a customer is its own unknown
    /// customer). At least 1; default 2. Groups are formed the same way
    /// whatever this is.
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
    /// ([`DuplicateDecision::Same`]). In `(0, 1]`; default `0.75`.
    pub duplicate_threshold: f64,
    /// Similarity from which a pair needs review
    /// ([`DuplicateDecision::Review`]). In `(0, duplicate_threshold]`;
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
}

impl Default for ClusterParams {
    fn default() -> Self {
        ClusterParams {
            similarity_threshold: 0.15,
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
        }
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {
        /// Builder-style setters, one per field (validated by [`Clusterer::new`]).
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
}

impl ClusterParams {
    /// Checks every range; the error names the first field out of range.
    pub fn validate(&self) -> Result<(), ParamsError> {
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
        unit("similarity_threshold", self.similarity_threshold)?;
        count(
            "min_distinct_customers",
            self.min_distinct_customers,
            1,
            usize::MAX,
            "at least 1",
        )?;
        count(
            "max_candidates_per_item",
            self.max_candidates_per_item,
            1,
            1000,
            "in 1..=1000",
        )?;
        count(
            "max_terms_per_item",
            self.max_terms_per_item,
            1,
            1000,
            "in 1..=1000",
        )?;
        unit("max_document_ratio", self.max_document_ratio)?;
        count(
            "max_postings_per_term",
            self.max_postings_per_term,
            1,
            100_000,
            "in 1..=100000",
        )?;
        count(
            "max_search_terms_per_item",
            self.max_search_terms_per_item,
            1,
            1000,
            "in 1..=1000",
        )?;
        count("label_terms", self.label_terms, 1, KEY_TERMS, "in 1..=8")?;
        unit("duplicate_threshold", self.duplicate_threshold)?;
        unit("review_threshold", self.review_threshold)?;
        if !(self.adaptive_weight.is_finite() && (0.0..=1.0).contains(&self.adaptive_weight)) {
            return Err(ParamsError::OutOfRange {
                field: "adaptive_weight",
                expected: "in [0, 1]",
                value: self.adaptive_weight,
            });
        }
        count(
            "adaptive_prior_items",
            self.adaptive_prior_items,
            0,
            1_000_000,
            "in 0..=1000000",
        )?;
        if self.review_threshold > self.duplicate_threshold {
            return Err(ParamsError::OutOfRange {
                field: "review_threshold",
                expected: "at most `duplicate_threshold`",
                value: self.review_threshold,
            });
        }
        Ok(())
    }
}

/// Validated clustering parameters and the classifier used for each feature's
/// class mix. Immutable, cheap to clone, `Send + Sync`.
///
/// ```
/// use feedback_triage::{Clusterer, DuplicateDecision, FeedbackItem};
///
/// let clusterer = Clusterer::default();
/// let a = FeedbackItem::new("a").with_title("Please add dark mode");
/// let b = FeedbackItem::new("b").with_title("Dark mode please!");
/// let check = clusterer.compare(&a, &b)?;
/// assert_eq!(check.decision, DuplicateDecision::Same);
/// assert_eq!(check.shared_terms, ["dark", "mode"]);
/// # Ok::<(), feedback_triage::ItemError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Clusterer {
    params: ClusterParams,
    classifier: Classifier,
}

impl Default for Clusterer {
    /// The default parameters (a test proves they validate) and the builtin
    /// classifier.
    fn default() -> Self {
        Clusterer {
            params: ClusterParams::default(),
            classifier: Classifier::builtin(),
        }
    }
}

/// Candidate edges from the index, or from every pair (tests, benchmarks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Fast,
    Exhaustive,
}

/// The analysed, grouped input: what both the clustering and its index are
/// built from.
struct Grouped<'a> {
    items: Vec<&'a FeedbackItem>,
    corpus: Corpus,
    /// Per group: member indices in id order; groups in the order of their
    /// first member's id.
    groups: Vec<Vec<u32>>,
    /// The threshold the linkage used (see `adaptive_weight`).
    threshold: f64,
}

/// One group as assembled, with what the index needs.
pub(crate) struct GroupInfo {
    pub id: String,
    /// The feature's or special case's name.
    pub name: String,
    pub kind: GroupKind,
    pub members: Vec<u32>,
    /// Mean of the members' vectors.
    pub mean: SparseVec,
}

impl Clusterer {
    /// Validates `params`; the builtin classifier gives the class mix.
    pub fn new(params: ClusterParams) -> Result<Clusterer, ParamsError> {
        params.validate()?;
        Ok(Clusterer {
            params,
            classifier: Classifier::builtin(),
        })
    }

    /// Uses `classifier` for the features' class mix.
    #[must_use]
    pub fn with_classifier(mut self, classifier: Classifier) -> Self {
        self.classifier = classifier;
        self
    }

    /// The parameters.
    pub fn params(&self) -> &ClusterParams {
        &self.params
    }

    /// Groups `items` into ranked candidate features and special cases.
    ///
    /// Fails on an invalid item or on two items with the same id
    /// ([`ItemError::DuplicateId`] names it). The result does not depend on
    /// the order of `items`.
    pub fn cluster(&self, items: &[FeedbackItem]) -> Result<Clustering, ItemError> {
        let grouped = self.group(items, Mode::Fast)?;
        Ok(self.assemble(&grouped).0)
    }

    /// Like [`cluster`](Self::cluster), and also returns an index for
    /// placing new items ([`ClusterIndex::assign`]) and finding duplicates
    /// ([`ClusterIndex::find_duplicate`]).
    ///
    /// ```
    /// use feedback_triage::{Assignment, Clusterer, FeedbackItem};
    ///
    /// let items = vec![
    ///     FeedbackItem::new("1").with_title("Export reports to Excel"),
    ///     FeedbackItem::new("2").with_title("Excel export for reports"),
    ///     FeedbackItem::new("3").with_title("Dark mode for the editor"),
    /// ];
    /// let (clustering, index) = Clusterer::default().cluster_with_index(&items)?;
    /// let new = FeedbackItem::new("4").with_title("Reports: export to Excel please");
    /// match index.assign(&new) {
    ///     Assignment::Joins { id, .. } => assert_eq!(id, clustering.features[0].id),
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), feedback_triage::ItemError>(())
    /// ```
    pub fn cluster_with_index(
        &self,
        items: &[FeedbackItem],
    ) -> Result<(Clustering, ClusterIndex), ItemError> {
        let grouped = self.group(items, Mode::Fast)?;
        let (clustering, infos) = self.assemble(&grouped);
        let index = ClusterIndex::new(self.clone(), &grouped, infos);
        Ok((clustering, index))
    }

    /// The same pipeline comparing every pair: O(n²). For tests and
    /// benchmarks that check the fast path.
    #[doc(hidden)]
    pub fn cluster_exhaustive(&self, items: &[FeedbackItem]) -> Result<Clustering, ItemError> {
        let grouped = self.group(items, Mode::Exhaustive)?;
        Ok(self.assemble(&grouped).0)
    }

    /// The pairs `(id, id, similarity)` (the smaller id first, sorted) with
    /// similarity at least the threshold that the fast path (or, with
    /// `exhaustive`, a comparison of every pair) finds. For benchmarks.
    #[doc(hidden)]
    pub fn similar_pairs(
        &self,
        items: &[FeedbackItem],
        exhaustive: bool,
    ) -> Result<Vec<(String, String, f64)>, ItemError> {
        let ordered = ordered_items(items)?;
        let corpus = Corpus::build(&ordered, self.params.max_terms_per_item, false);
        let mode = if exhaustive {
            Mode::Exhaustive
        } else {
            Mode::Fast
        };
        let mut pairs: Vec<(String, String, f64)> = self
            .edges(&ordered, &corpus, mode)
            .into_iter()
            .filter(|e| f64::from(e.2) >= self.params.similarity_threshold)
            .map(|(i, j, s)| {
                let (a, b) = (&ordered[i as usize].id, &ordered[j as usize].id);
                (a.min(b).clone(), a.max(b).clone(), f64::from(s))
            })
            .collect();
        pairs.sort_unstable_by(|x, y| (&x.0, &x.1).cmp(&(&y.0, &y.1)));
        Ok(pairs)
    }

    /// Decides whether two items are the same request. Without a corpus every
    /// term weighs the same (by its frequency in the item); use
    /// [`ClusterIndex::compare`] to weigh terms by rarity.
    pub fn compare(&self, a: &FeedbackItem, b: &FeedbackItem) -> Result<DuplicateCheck, ItemError> {
        a.validate()?;
        b.validate()?;
        let corpus = Corpus::build(&[a, b], self.params.max_terms_per_item, true);
        let (va, vb) = (&corpus.vectors[0], &corpus.vectors[1]);
        Ok(self.check(&corpus, (a, &cap_title(&b.title)), va, vb, None, None))
    }

    /// Three bands from the term similarity; near-identical titles (a typo,
    /// a reordered word) lift a pair to at least the band their title
    /// similarity reaches: `TITLE_SAME` for same, `TITLE_REVIEW` for review.
    fn decide(&self, similarity: f64, title: Option<f64>) -> DuplicateDecision {
        let title = title.unwrap_or(0.0);
        if similarity >= self.params.duplicate_threshold || title >= TITLE_SAME {
            DuplicateDecision::Same
        } else if similarity >= self.params.review_threshold || title >= TITLE_REVIEW {
            DuplicateDecision::Review
        } else {
            DuplicateDecision::Different
        }
    }

    /// The decision for `a` against another item whose vector is `vb` and
    /// whose (capped) title is `other_title`.
    fn check(
        &self,
        corpus: &Corpus,
        (a, other_title): (&FeedbackItem, &str),
        va: &SparseVec,
        vb: &SparseVec,
        matched: Option<String>,
        group: Option<String>,
    ) -> DuplicateCheck {
        let similarity = f64::from(vectors::dot(va, vb)).clamp(0.0, 1.0);
        let shared: Vec<u32> = vectors::shared(va, vb)
            .into_iter()
            .take(KEY_TERMS)
            .collect();
        let title_similarity = title_similarity(&cap_title(&a.title), other_title);
        DuplicateCheck {
            decision: self.decide(similarity, title_similarity),
            similarity,
            title_similarity,
            shared_terms: surfaces(corpus, &shared, &[a]),
            matched,
            group,
        }
    }

    /// The largest document frequency of a term that generates candidates.
    fn max_df(&self, n: usize) -> usize {
        ((self.params.max_document_ratio * n as f64).ceil() as usize).max(MIN_DF_CAP)
    }

    /// Candidate edges between `items` (see `ordered_items`), whose vectors
    /// are `corpus`'s.
    fn edges(&self, items: &[&FeedbackItem], corpus: &Corpus, mode: Mode) -> Vec<Edge> {
        match mode {
            Mode::Fast => candidates::fast_edges(
                &corpus.vectors,
                &id_keys(items),
                &corpus.df,
                self.max_df(corpus.n),
                self.params.max_postings_per_term,
                self.params.max_search_terms_per_item,
                self.params.max_candidates_per_item,
            ),
            Mode::Exhaustive => candidates::exhaustive_edges(&corpus.vectors),
        }
    }

    fn group<'a>(&self, items: &'a [FeedbackItem], mode: Mode) -> Result<Grouped<'a>, ItemError> {
        let ordered = ordered_items(items)?;
        let corpus = Corpus::build(&ordered, self.params.max_terms_per_item, false);
        let edges = self.edges(&ordered, &corpus, mode);
        // Both paths adapt from the fast path's candidates, so that they use
        // the same threshold.
        let threshold = match mode {
            Mode::Fast => self.effective_threshold(ordered.len(), &edges),
            Mode::Exhaustive => {
                self.effective_threshold(ordered.len(), &self.edges(&ordered, &corpus, Mode::Fast))
            }
        };
        let roots = linkage::average_linkage(
            ordered.len(),
            edges,
            threshold,
            match mode {
                Mode::Fast => Some(self.params.max_candidates_per_item),
                Mode::Exhaustive => None,
            },
        );
        let mut slot = vec![u32::MAX; ordered.len()];
        let mut groups: Vec<Vec<u32>> = Vec::new();
        for (i, &r) in roots.iter().enumerate() {
            let s = &mut slot[r as usize];
            if *s == u32::MAX {
                *s = groups.len() as u32;
                groups.push(Vec::new());
            }
            groups[*s as usize].push(i as u32);
        }
        // Members in id order, groups in the order of their first member's
        // id: what follows (float sums, ties) never sees the hash order.
        let id = |i: &u32| &ordered[*i as usize].id;
        for members in &mut groups {
            members.sort_unstable_by(|a, b| id(a).cmp(id(b)));
        }
        groups.sort_unstable_by(|a, b| id(&a[0]).cmp(id(&b[0])));
        Ok(Grouped {
            items: ordered,
            corpus,
            groups,
            threshold,
        })
    }

    /// The threshold the linkage uses on `n` items with these candidate
    /// edges (see [`ClusterParams::adaptive_weight`]). O(n + edges).
    fn effective_threshold(&self, n: usize, edges: &[Edge]) -> f64 {
        let t = self.params.similarity_threshold;
        let weight = self.params.adaptive_weight;
        if weight <= 0.0 || n == 0 {
            return t;
        }
        let mut best = vec![0.0f32; n];
        for &(i, j, s) in edges {
            best[i as usize] = best[i as usize].max(s);
            best[j as usize] = best[j as usize].max(s);
        }
        let d = f64::from(*best.select_nth_unstable_by(n / 2, f32::total_cmp).1).clamp(0.0, 1.0);
        let shrink = n as f64 / (n + self.params.adaptive_prior_items) as f64;
        t.max(weight * shrink * (1.0 - d)).min(1.0)
    }

    fn assemble(&self, g: &Grouped<'_>) -> (Clustering, Vec<GroupInfo>) {
        let corpus = &g.corpus;
        let mut clustering = Clustering::default();
        let mut infos = Vec::with_capacity(g.groups.len());
        let mut namer = naming::Namer::new(corpus, self.params.label_terms);
        // Per feature: its candidate names and its place in `infos`.
        let mut choices = Vec::new();
        let mut feature_infos = Vec::new();
        for members in &g.groups {
            let items: Vec<&FeedbackItem> = members.iter().map(|&i| g.items[i as usize]).collect();
            let ids: Vec<String> = items.iter().map(|it| it.id.clone()).collect();
            let distinct_customers = distinct_customers(&items);
            let deal_value: f64 = items.iter().map(|it| it.deal_value.unwrap_or(0.0)).sum();
            let m = members.len();

            // Sum of the member vectors, summed in member order.
            let mut pairs: Vec<(u32, f32)> = members
                .iter()
                .flat_map(|&i| corpus.vectors[i as usize].iter().copied())
                .collect();
            pairs.sort_by_key(|p| p.0); // stable: member order within a term
            let mut sum: Vec<(u32, f64, u32)> = Vec::new(); // (term, sum, members)
            for (t, w) in pairs {
                match sum.last_mut() {
                    Some(last) if last.0 == t => {
                        last.1 += f64::from(w);
                        last.2 += 1;
                    }
                    _ => sum.push((t, f64::from(w), 1)),
                }
            }
            let sum_vec: Vec<(u32, f32)> = sum.iter().map(|e| (e.0, e.1 as f32)).collect();

            // Most central member: the largest dot product with the sum.
            let mut rep = 0;
            let mut rep_score = f32::NEG_INFINITY;
            for (k, &i) in members.iter().enumerate() {
                let s = vectors::dot(&corpus.vectors[i as usize], &sum_vec);
                if s > rep_score {
                    rep = k;
                    rep_score = s;
                }
            }
            let cohesion = if m < 2 {
                1.0
            } else {
                let total: f64 = sum.iter().map(|e| e.1 * e.1).sum();
                let selves: f64 = members
                    .iter()
                    .map(|&i| {
                        corpus.vectors[i as usize]
                            .iter()
                            .map(|e| f64::from(e.1 * e.1))
                            .sum::<f64>()
                    })
                    .sum();
                ((total - selves) / (m * (m - 1)) as f64).clamp(0.0, 1.0)
            };

            let named = namer.name_group(&items, &sum);
            let name = named.name(self.params.label_terms);

            let representative = ids[rep].clone();
            let is_feature = m >= 2 && distinct_customers >= self.params.min_distinct_customers;
            let mean: SparseVec = sum.iter().map(|e| (e.0, (e.1 / m as f64) as f32)).collect();
            let kind = if is_feature {
                GroupKind::Feature
            } else {
                GroupKind::SpecialCase
            };
            let id = group_id(if is_feature { "F" } else { "S" }, &ids);
            infos.push(GroupInfo {
                id: id.clone(),
                name: name.clone(),
                kind,
                members: members.clone(),
                mean,
            });
            if is_feature {
                choices.push(named.choices);
                feature_infos.push(infos.len() - 1);
                let mut class_mix = ClassMix::default();
                for it in &items {
                    class_mix.add(self.classifier.classify(it).ok().and_then(|c| c.class));
                }
                clustering.features.push(CandidateFeature {
                    id,
                    name,
                    key_terms: named.key_terms,
                    representative,
                    members: ids,
                    distinct_customers,
                    deal_value,
                    class_mix,
                    cohesion,
                });
            } else {
                clustering.special_cases.push(SpecialCase {
                    id,
                    reason: if m == 1 {
                        SpecialReason::Alone
                    } else {
                        SpecialReason::FewCustomers
                    },
                    name,
                    representative,
                    members: ids,
                    distinct_customers,
                    deal_value,
                });
            }
        }
        naming::unique_names(&mut clustering.features, &choices);
        for (f, &k) in clustering.features.iter().zip(&feature_infos) {
            infos[k].name.clone_from(&f.name);
        }
        clustering.features.sort_by(|a, b| {
            b.distinct_customers
                .cmp(&a.distinct_customers)
                .then(b.deal_value.total_cmp(&a.deal_value))
                .then(b.members.len().cmp(&a.members.len()))
                .then_with(|| a.members[0].cmp(&b.members[0]))
        });
        clustering.special_cases.sort_by(|a, b| {
            b.members
                .len()
                .cmp(&a.members.len())
                .then(b.deal_value.total_cmp(&a.deal_value))
                .then_with(|| a.members[0].cmp(&b.members[0]))
        });
        (clustering, infos)
    }
}

/// Validates the items, rejects repeated ids (naming the smallest) and puts
/// the items in the order of [`id_hash`] of their id, ties by id: the order
/// the whole pipeline works in.
fn ordered_items(items: &[FeedbackItem]) -> Result<Vec<&FeedbackItem>, ItemError> {
    for it in items {
        it.validate()?;
    }
    let mut keyed: Vec<(u64, &FeedbackItem)> =
        items.iter().map(|it| (id_hash(&it.id), it)).collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    // Equal ids have equal hashes, so they are neighbours.
    if let Some(w) = keyed
        .windows(2)
        .filter(|w| w[0].1.id == w[1].1.id)
        .min_by(|a, b| a[0].1.id.cmp(&b[0].1.id))
    {
        return Err(ItemError::DuplicateId {
            id: w[0].1.id.clone(),
        });
    }
    Ok(keyed.into_iter().map(|e| e.1).collect())
}

/// Each item's [`id_hash`], in order.
fn id_keys(items: &[&FeedbackItem]) -> Vec<u64> {
    items.iter().map(|it| id_hash(&it.id)).collect()
}

/// Distinct customers; each item without one is a customer of its own.
fn distinct_customers(items: &[&FeedbackItem]) -> usize {
    let mut named: Vec<&str> = items
        .iter()
        .filter_map(|it| it.customer.as_deref())
        .collect();
    let unknown = items.len() - named.len();
    named.sort_unstable();
    named.dedup();
    named.len() + unknown
}

/// FNV-1a 64-bit offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Feeds `bytes` into the 64-bit FNV-1a hash `h`.
fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A stable 64-bit hash of an id: FNV-1a, then MurmurHash3's 64-bit
/// finaliser. FNV-1a alone barely moves the high bits when only the last
/// character changes (`item-1`, `item-2`, ... would stay neighbours when
/// sorted by it); the finaliser spreads every input bit over the whole word.
/// Fixed and portable, so the candidate search is the same on every run and
/// machine. It orders the index's postings lists (see `candidates`).
pub(crate) fn id_hash(id: &str) -> u64 {
    let mut h = fnv1a(FNV_OFFSET, id.as_bytes());
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// `prefix-xxxxxxxx` from a 64-bit FNV-1a hash of the sorted member ids (each
/// followed by the byte 0xFF, which UTF-8 never contains), folded to 32 bits.
/// Fixed and portable: the same members give the same id on every run.
fn group_id(prefix: &str, sorted_ids: &[String]) -> String {
    let h = sorted_ids
        .iter()
        .fold(FNV_OFFSET, |h, id| fnv1a(fnv1a(h, id.as_bytes()), &[0xFF]));
    format!("{prefix}-{:08x}", (h ^ (h >> 32)) as u32)
}

/// Titles are compared on at most this many characters (edit distance is
/// quadratic in length).
const TITLE_CHARS: usize = 100;
/// Titles shorter than this carry too little to decide anything.
const TITLE_MIN_CHARS: usize = 12;
/// Title similarity from which two requests are the same.
const TITLE_SAME: f64 = 0.92;
/// Title similarity from which a pair is worth a review.
const TITLE_REVIEW: f64 = 0.8;

/// A title lower-cased, white space collapsed, cut to `TITLE_CHARS` characters.
pub(crate) fn cap_title(title: &str) -> String {
    let mut out = String::new();
    for word in title.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
        if out.chars().count() >= TITLE_CHARS {
            break;
        }
    }
    out.chars().take(TITLE_CHARS).collect()
}

/// Normalised Levenshtein similarity of two capped titles (strsim), or
/// `None` when either is too short to say anything.
fn title_similarity(a: &str, b: &str) -> Option<f64> {
    let (na, nb) = (a.chars().count(), b.chars().count());
    (na >= TITLE_MIN_CHARS && nb >= TITLE_MIN_CHARS).then(|| strsim::normalized_levenshtein(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        ClusterParams::default().validate().unwrap();
    }

    #[test]
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
        ];
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
    fn adaptation_rises_on_sparse_data_and_shrinks_on_few_items() {
        let c = Clusterer::default();
        // No candidate pairs: D = 0, so the threshold is 0.8 × n / (n + 500).
        assert!((c.effective_threshold(500, &[]) - 0.4).abs() < 1e-9);
        assert_eq!(c.effective_threshold(20, &[]), 0.15);
        // Every item with a close neighbour: the threshold as given.
        let edges: Vec<Edge> = (0..1000).map(|i| (2 * i, 2 * i + 1, 0.9)).collect();
        assert_eq!(c.effective_threshold(2000, &edges), 0.15);
        // Switched off.
        let off = Clusterer::new(ClusterParams::default().adaptive_weight(0.0)).unwrap();
        assert_eq!(off.effective_threshold(5000, &[]), 0.15);
        // Monotone in the threshold.
        let high = Clusterer::new(ClusterParams::default().similarity_threshold(0.6)).unwrap();
        assert_eq!(high.effective_threshold(500, &[]), 0.6);
    }

    #[test]
    fn id_hashes_are_fixed_and_scatter_sequential_ids() {
        // Fixed values (checked against an independent implementation): a
        // change of hash would silently change every result.
        assert_eq!(id_hash("a"), id_hash("a"));
        assert_ne!(id_hash("a"), id_hash("b"));
        assert_eq!(id_hash(""), 0xefd0_1f60_ba99_2926);
        assert_eq!(id_hash("item-0000001"), 0xc2f9_bcca_8ca4_19ff);
        // Sequential ids, as many data sets number their rows (often by
        // label): in hash order, an id's neighbour is almost never one of
        // its numeric neighbours. FNV-1a alone keeps most of them adjacent.
        let n = 2000usize;
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| id_hash(&format!("set-train-{i}")));
        let close = order
            .windows(2)
            .filter(|w| w[0].abs_diff(w[1]) <= 10)
            .count();
        // About 2 × 10 / 2000 of the 1999 pairs by chance.
        assert!(close < 60, "{close} neighbours in hash order are close ids");
        let mut fnv_order: Vec<usize> = (0..n).collect();
        fnv_order.sort_by_key(|&i| fnv1a(FNV_OFFSET, format!("set-train-{i}").as_bytes()));
        let fnv_close = fnv_order
            .windows(2)
            .filter(|w| w[0].abs_diff(w[1]) <= 10)
            .count();
        assert!(fnv_close > 200, "{fnv_close}");
    }

    #[test]
    fn group_ids_are_fixed() {
        let ids = vec!["a".to_string(), "b".to_string()];
        assert_eq!(group_id("F", &ids), group_id("F", &ids));
        assert_ne!(group_id("F", &ids), group_id("F", &ids[..1]));
        assert_eq!(group_id("F", &ids).len(), 10);
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
