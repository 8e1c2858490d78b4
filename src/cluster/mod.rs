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
//! 3. give each a dense unit vector (see `semantic`): the caller's
//!    `embedding` when the batch has any, else the static word vectors'
//!    embedding, centred on the batch mean;
//! 4. find candidate pairs through an inverted index of informative terms
//!    (see `candidates`) and through SimHash orderings of the dense vectors
//!    (neighbours by meaning that may share no term, as many as the
//!    item's vector is trusted), each bounded per item, verified with the hybrid similarity `(1 − w·t) × term cosine +
//!    w·t × max(0, dense cosine)` (`semantic_weight` `w`, the pair's
//!    smaller trust `t`, see `semantic::trust`);
//! 5. merge groups by average linkage (see `linkage`) while the mean
//!    similarity between two groups is at least `similarity_threshold`,
//!    then move every set of requests with the same text (case and white
//!    space aside) into the group holding most of them (see `same_text`);
//! 6. name, describe and rank the groups (by their terms, readable).

mod backlog;
mod candidates;
mod describe;
mod ids;
mod index;
mod linkage;
mod naming;
mod params;
mod result;
mod same_text;
mod semantic;
mod titles;
mod vectors;

pub use backlog::{
    BACKLOG_FORMAT_VERSION, Backlog, BacklogError, BacklogFeature, Event, EventKind, Inserted,
    Placement, RequestError,
};
pub use index::ClusterIndex;
pub use params::ClusterParams;
pub use result::{
    Assignment, CandidateFeature, ClassMix, Clustering, DuplicateCheck, DuplicateDecision,
    GroupKind, SpecialCase, SpecialReason,
};

use std::borrow::Cow;

use crate::class::Class;
use crate::classify::Classifier;
use crate::embed::StaticVectors;
use crate::error::{ItemError, ParamsError};
use crate::item::FeedbackItem;
use candidates::{Edge, MIN_DF_CAP};
use describe::{Description, describe, rank};
use ids::{group_id, id_keys};
pub(crate) use ids::{id_hash, ordered_positions, validate_all};
use naming::{KEY_TERMS, surfaces};
use semantic::{Dense, SimHash};
use titles::{TITLE_REVIEW, TITLE_SAME, cap_title, title_similarity};
use vectors::{Corpus, SparseVec};

/// The largest share of meaning in the three-band duplicate decision
/// ([`DuplicateCheck`]), whatever `semantic_weight` is: a duplicate says the
/// same thing, which two requests of one intent in other words do not, so
/// the bands (`duplicate_threshold`, `review_threshold`, set on term
/// similarities) stay at least half lexical.
const DUPLICATE_MAX_SEMANTIC_WEIGHT: f32 = 0.5;

/// How far an int8 cosine may be from the exact one, with room to spare
/// (see `Dense::quantised_cosine`: about 1%).
const QUANTISED_MARGIN: f64 = 0.03;

/// The ratio to `D` the embedding threshold reaches on a batch of
/// singletons ([`semantic::isolation`] 1; between, in proportion): there
/// most items' nearest neighbour is an unrelated one, so `D` is a typical
/// item's distance to the least far of them and the cut must lie above it
/// (Hadoop's duplicate bug reports with all-MiniLM-L6-v2: ARI 0.084 at 1.2,
/// 0.059 at 1.1, 0.078 at 1.3; all-pairs average linkage is best from 1.2
/// to 1.45 × D).
const ISOLATED_RATIO: f64 = 1.2;

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
    vectors: Option<StaticVectors>,
}

/// The static word vectors a new clusterer uses: the embedded ones with the
/// `static-vectors` feature, none without.
fn default_vectors() -> Option<StaticVectors> {
    #[cfg(feature = "static-vectors")]
    return Some(StaticVectors::builtin());
    #[cfg(not(feature = "static-vectors"))]
    None
}

impl Default for Clusterer {
    /// The default parameters (a test proves they validate) and the builtin
    /// classifier.
    fn default() -> Self {
        Clusterer {
            params: ClusterParams::default(),
            classifier: Classifier::builtin(),
            vectors: default_vectors(),
        }
    }
}

/// Candidate edges from the index, or from every pair (tests, benchmarks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Fast,
    // Built only by the `internals` hooks.
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    Exhaustive,
}

/// The analysed, grouped input: what both the clustering and its index are
/// built from.
struct Grouped<'a> {
    items: Vec<&'a FeedbackItem>,
    /// Each of `items`' position in the caller's slice.
    positions: Vec<u32>,
    corpus: Corpus,
    /// The items' dense vectors, when meaning counts.
    dense: Option<Dense>,
    /// The smoothed vectors the linkage compared, when it smoothed the
    /// caller's embeddings (see `embedding_neighbours`).
    smoothed: Option<Dense>,
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
            vectors: default_vectors(),
        })
    }

    /// Uses `classifier` for the features' class mix.
    #[must_use]
    pub fn with_classifier(mut self, classifier: Classifier) -> Self {
        self.classifier = classifier;
        self
    }

    /// Uses `vectors` for the meaning of items without an `embedding`
    /// (`None`: terms only for those). A new clusterer has the embedded
    /// table with the `static-vectors` feature (on by default).
    #[must_use]
    pub fn with_static_vectors(mut self, vectors: Option<StaticVectors>) -> Self {
        self.vectors = vectors;
        self
    }

    /// The static word vectors in use, if any.
    pub fn static_vectors(&self) -> Option<&StaticVectors> {
        self.vectors.as_ref()
    }

    /// The parameters.
    pub fn params(&self) -> &ClusterParams {
        &self.params
    }

    /// The classifier that gives the features' class mix.
    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }

    /// Groups `items` into ranked candidate features and special cases.
    ///
    /// Fails on an invalid item or on two items with the same id
    /// ([`ItemError::DuplicateId`] names it). The result does not depend on
    /// the order of `items`.
    pub fn cluster(&self, items: &[FeedbackItem]) -> Result<Clustering, ItemError> {
        let mut grouped = self.group(items, Mode::Fast)?;
        // Only an index needs the smoothed vectors after the linkage.
        grouped.smoothed = None;
        Ok(self.assemble(&grouped, None).0)
    }

    /// Like [`cluster`](Self::cluster), with each item's class given (in
    /// the order of `items`, as this clusterer's classifier gives it) for
    /// the features' class mix, so a caller that classified the items
    /// already does not pay for it twice.
    pub(crate) fn cluster_classified(
        &self,
        items: &[FeedbackItem],
        classes: &[Option<Class>],
    ) -> Result<Clustering, ItemError> {
        let mut grouped = self.group(items, Mode::Fast)?;
        grouped.smoothed = None;
        Ok(self.assemble(&grouped, Some(classes)).0)
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
        let (clustering, infos) = self.assemble(&grouped, None);
        let index = ClusterIndex::new(self.clone(), &grouped, infos);
        Ok((clustering, index))
    }

    /// The same pipeline comparing every pair: O(n²). For tests and
    /// benchmarks that check the fast path.
    #[cfg(feature = "internals")]
    #[doc(hidden)]
    pub fn cluster_exhaustive(&self, items: &[FeedbackItem]) -> Result<Clustering, ItemError> {
        let grouped = self.group(items, Mode::Exhaustive)?;
        Ok(self.assemble(&grouped, None).0)
    }

    /// The pairs `(id, id, similarity)` (the smaller id first, sorted) with
    /// similarity at least the threshold that the fast path (or, with
    /// `exhaustive`, a comparison of every pair) finds. For benchmarks.
    #[cfg(feature = "internals")]
    #[doc(hidden)]
    pub fn similar_pairs(
        &self,
        items: &[FeedbackItem],
        exhaustive: bool,
    ) -> Result<Vec<(String, String, f64)>, ItemError> {
        let ordered: Vec<&FeedbackItem> = ordered_positions(items)?
            .into_iter()
            .map(|i| &items[i as usize])
            .collect();
        let corpus = Corpus::build(&ordered, self.params.max_terms_per_item, false);
        let dense = self.dense(&ordered)?;
        let mode = if exhaustive {
            Mode::Exhaustive
        } else {
            Mode::Fast
        };
        let mut pairs: Vec<(String, String, f64)> = self
            .edges(&ordered, &corpus, dense.as_ref(), mode)
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
        // Term ids follow the corpus's order and break ties between equal
        // weights: the two go in in an order of their own (text, then id),
        // so that `compare(a, b)` and `compare(b, a)` weigh the same terms.
        let swap = (&b.title, &b.body, &b.id) < (&a.title, &a.body, &a.id);
        let pair = if swap { [b, a] } else { [a, b] };
        let corpus = Corpus::build(&pair, self.params.max_terms_per_item, true);
        let (va, vb) = (
            &corpus.vectors[usize::from(swap)],
            &corpus.vectors[usize::from(!swap)],
        );
        let semantic = self.dense_pair(a, b)?;
        Ok(self.check(
            &corpus,
            (a, &cap_title(&b.title)),
            (va, vb),
            semantic,
            None,
            None,
        ))
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
    /// whose (capped) title is `other_title`; `semantic` is the dense cosine
    /// of the two and the pair's trust, when both have a dense vector.
    fn check(
        &self,
        corpus: &Corpus,
        (a, other_title): (&FeedbackItem, &str),
        (va, vb): (&SparseVec, &SparseVec),
        semantic: Option<(f32, f32)>,
        matched: Option<String>,
        group: Option<String>,
    ) -> DuplicateCheck {
        let lexical = vectors::dot(va, vb);
        let weight = (self.params.semantic_weight as f32).min(DUPLICATE_MAX_SEMANTIC_WEIGHT);
        let mixed = match semantic {
            Some((d, trust)) => semantic::mix(lexical, Some(d), weight * trust),
            None => lexical,
        };
        let similarity = f64::from(mixed).clamp(0.0, 1.0);
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

    /// The dense vectors of `items` (see `ordered_positions`), unless meaning
    /// is switched off or there is none.
    fn dense(&self, items: &[&FeedbackItem]) -> Result<Option<Dense>, ItemError> {
        if self.params.semantic_weight <= 0.0 {
            // The embeddings must still agree, whatever the weight.
            semantic::embedding_dims(items)?;
            return Ok(None);
        }
        Dense::build(items, self.vectors.as_ref(), true)
    }

    /// The dense cosine of two items compared without a batch (vectors not
    /// centred), or `None` when meaning is off or either has no vector.
    fn dense_pair(
        &self,
        a: &FeedbackItem,
        b: &FeedbackItem,
    ) -> Result<Option<(f32, f32)>, ItemError> {
        if self.params.semantic_weight <= 0.0 {
            semantic::embedding_dims(&[a, b])?;
            return Ok(None);
        }
        Ok(
            Dense::build(&[a, b], self.vectors.as_ref(), false)?.and_then(|d| {
                let cos = semantic::dot(d.row(0)?, d.row(1)?);
                Some((cos, d.trust(0).min(d.trust(1))))
            }),
        )
    }

    /// Candidate edges between `items` (see `ordered_positions`), whose vectors
    /// are `corpus`'s and `dense`'s.
    fn edges(
        &self,
        items: &[&FeedbackItem],
        corpus: &Corpus,
        dense: Option<&Dense>,
        mode: Mode,
    ) -> Vec<Edge> {
        let weight = self.params.semantic_weight as f32;
        let sim =
            |i: usize, j: usize| semantic::pair_similarity(&corpus.vectors, dense, weight, i, j);
        // What `sim` reads of a random item: its term vector's first line
        // and its dense codes.
        let touch = |j: usize| {
            let v = &corpus.vectors[j];
            let first = v.first().map_or(0, |e| e.0) ^ v.len() as u32;
            first ^ dense.map_or(0, |d| d.touch(j))
        };
        match mode {
            Mode::Fast => {
                let keys = id_keys(items);
                let extra = match dense {
                    Some(d) if self.semantic_candidates(d) > 0 => {
                        SimHash::new(d, &keys).all_neighbours(d, self.semantic_candidates(d))
                    }
                    _ => Vec::new(),
                };
                candidates::fast_edges(
                    &corpus.vectors,
                    &keys,
                    &corpus.df,
                    self.max_df(corpus.n),
                    self.params.max_postings_per_term,
                    self.params.max_search_terms_per_item,
                    self.params.max_candidates_per_item,
                    &extra,
                    &sim,
                    &touch,
                )
            }
            Mode::Exhaustive => candidates::exhaustive_edges(corpus.n, &sim),
        }
    }

    /// Neighbours by meaning per item (before the trust's scaling):
    /// `embedding_candidates_per_item` when the exact means decide, else
    /// `semantic_candidates_per_item`.
    fn semantic_candidates(&self, dense: &Dense) -> usize {
        if dense.exact_means() {
            self.params.embedding_candidates_per_item
        } else {
            self.params.semantic_candidates_per_item
        }
    }

    fn group<'a>(&self, items: &'a [FeedbackItem], mode: Mode) -> Result<Grouped<'a>, ItemError> {
        let positions = ordered_positions(items)?;
        let ordered: Vec<&FeedbackItem> = positions.iter().map(|&i| &items[i as usize]).collect();
        let corpus = Corpus::build(&ordered, self.params.max_terms_per_item, false);
        let dense = self.dense(&ordered)?;
        let edges = self.edges(&ordered, &corpus, dense.as_ref(), mode);
        // Both paths adapt from the fast path's candidates, so that they use
        // the same threshold.
        let threshold = match mode {
            Mode::Fast => self.effective_threshold(ordered.len(), &edges),
            Mode::Exhaustive => {
                let fast = self.edges(&ordered, &corpus, dense.as_ref(), Mode::Fast);
                self.effective_threshold(ordered.len(), &fast)
            }
        };
        let per_item = match mode {
            Mode::Fast => Some(
                self.params.max_candidates_per_item
                    + dense.as_ref().map_or(0, |d| self.semantic_candidates(d)),
            ),
            Mode::Exhaustive => None,
        };
        let (roots, threshold, smoothed) = match dense.as_ref().filter(|d| d.exact_means()) {
            Some(d) => self.exact_linkage(&ordered, &corpus, d, edges, threshold, per_item),
            None => (
                linkage::shared_neighbour_linkage(
                    ordered.len(),
                    edges,
                    threshold,
                    per_item,
                    self.params.shared_neighbours,
                ),
                threshold,
                None,
            ),
        };
        let mut roots = roots;
        same_text::unite_same(&corpus.vectors, &ordered, &mut roots);
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
            positions,
            corpus,
            dense,
            smoothed,
            groups,
            threshold,
        })
    }

    /// The linkage on the caller's embeddings (every item has one): links
    /// weigh the exact mean cosine of the groups' vectors, and the threshold
    /// blends `lexical` (the term threshold) with
    /// `embedding_threshold_ratio × D`, the ratio raised toward
    /// [`ISOLATED_RATIO`] as the batch's isolation grows (see
    /// [`ClusterParams`] and `semantic::isolation`). Returns the
    /// roots, the threshold used and the smoothed vectors, if any.
    fn exact_linkage(
        &self,
        items: &[&FeedbackItem],
        corpus: &Corpus,
        dense: &Dense,
        edges: Vec<Edge>,
        lexical: f64,
        per_item: Option<usize>,
    ) -> (Vec<u32>, f64, Option<Dense>) {
        let w = self.params.semantic_weight;
        // The smoothing's neighbours and D from the fast path's candidates,
        // whatever the mode, as for the term threshold.
        let fast;
        let fast = if per_item.is_some() {
            &edges
        } else {
            fast = self.edges(items, corpus, Some(dense), Mode::Fast);
            &fast
        };
        // On a set of mostly singletons the smoothing would draw unrelated
        // items together and `ratio × D` would sit under most items' best
        // cosine: both fade with the batch's isolation.
        let k = self.params.embedding_neighbours;
        let near = semantic::Neighbourhoods::new(items.len(), fast, k);
        let isolation = semantic::isolation(&near);
        let weight = (1.0 - isolation) as f32;
        let smoothed = dense.smoothed(&near, k, weight);
        let dense = smoothed.as_ref().unwrap_or(dense);
        // The edges' verified similarity is of the vectors before the
        // smoothing: each edge's is taken again from the smoothed ones
        // (max(0, int8 cosine), within about 0.01 of the exact cosine), for
        // D and for the floor below.
        let exhaustive_d = per_item.is_none().then(|| dense.median_best_cosine(fast));
        let edges: Vec<Edge> = edges
            .into_iter()
            .map(|(i, j, _)| {
                let c = dense.quantised_cosine(i as usize, j as usize);
                (i, j, c.unwrap_or(0.0).max(0.0))
            })
            .collect();
        let d = exhaustive_d
            .unwrap_or_else(|| candidates::median_best(items.len(), &edges, |e| Some(e.2)));
        // Never under `similarity_threshold`: on a handful of items D can be
        // about 0 (centred on so few, the vectors point apart), and a cut
        // at 0 would merge on noise.
        let ratio = self.params.embedding_threshold_ratio;
        let ratio = ratio + isolation * (ISOLATED_RATIO - ratio).max(0.0);
        let meaning = (ratio * d).max(self.params.similarity_threshold);
        let threshold = (1.0 - w) * lexical + w * meaning;
        // By meaning alone (w = 1) the linkage drops every link under the
        // threshold before it starts (see `linkage`); an edge whose
        // similarity is that far under it would be dropped there, so it is
        // left out here, before the links and their products are built.
        let floor = if w >= 1.0 {
            threshold - QUANTISED_MARGIN
        } else {
            f64::NEG_INFINITY
        };
        // The edges' lexical part: the meaning is taken from the groups'
        // vector sums.
        let terms: Vec<Edge> = edges
            .into_iter()
            .filter(|e| f64::from(e.2) >= floor)
            .map(|(i, j, _)| {
                let s = vectors::dot(&corpus.vectors[i as usize], &corpus.vectors[j as usize]);
                (i, j, s)
            })
            .collect();
        let vectors = linkage::GroupVectors { dense, weight: w };
        let roots =
            linkage::average_linkage(items.len(), terms, threshold, per_item, Some(vectors));
        (roots, threshold, smoothed)
    }

    /// The threshold the linkage uses on `n` items with these candidate
    /// edges (see [`ClusterParams::adaptive_weight`]). O(n + edges).
    fn effective_threshold(&self, n: usize, edges: &[Edge]) -> f64 {
        let t = self.params.similarity_threshold;
        let weight = self.params.adaptive_weight;
        if weight <= 0.0 || n == 0 {
            return t;
        }
        let d = candidates::median_best(n, edges, |e| Some(e.2)).clamp(0.0, 1.0);
        let shrink = n as f64 / (n + self.params.adaptive_prior_items) as f64;
        t.max(weight * shrink * (1.0 - d)).min(1.0)
    }

    /// The class mix of a group's `members` (`items` are theirs): from
    /// `classes` (in the caller's item order) when given, else classified.
    fn class_mix(
        &self,
        g: &Grouped<'_>,
        members: &[u32],
        items: &[&FeedbackItem],
        classes: Option<&[Option<Class>]>,
    ) -> ClassMix {
        let mut mix = ClassMix::default();
        for (&i, it) in members.iter().zip(items) {
            mix.add(match classes {
                Some(c) => c[g.positions[i as usize] as usize],
                None => self.classifier.class_of(it).ok().flatten(),
            });
        }
        mix
    }

    /// Names, describes and ranks the groups; `classes` (in the caller's
    /// item order) gives the class mix, else each member is classified.
    fn assemble(
        &self,
        g: &Grouped<'_>,
        classes: Option<&[Option<Class>]>,
    ) -> (Clustering, Vec<GroupInfo>) {
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

            let Description {
                sum,
                rep,
                cohesion,
                named,
            } = describe(corpus, members, &items, &mut namer);
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
                let class_mix = self.class_mix(g, members, &items, classes);
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
                    reason: special_reason(m),
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
        rank(&mut clustering);
        (clustering, infos)
    }
}

/// Why a group of `m` requests is a special case and not a feature.
fn special_reason(m: usize) -> SpecialReason {
    if m == 1 {
        SpecialReason::Alone
    } else {
        SpecialReason::FewCustomers
    }
}

/// Distinct customers; each item without one is a customer of its own.
fn distinct_customers(items: &[&FeedbackItem]) -> usize {
    let mut named: Vec<Cow<'_, str>> = items.iter().filter_map(|it| it.customer_key()).collect();
    let unknown = items.len() - named.len();
    named.sort_unstable();
    named.dedup();
    named.len() + unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adaptation_rises_on_sparse_data_and_shrinks_on_few_items() {
        let c = Clusterer::default();
        let t = c.params().similarity_threshold;
        // No candidate pairs: D = 0, so the threshold is 0.8 × n / (n + 500).
        assert!((c.effective_threshold(500, &[]) - 0.4).abs() < 1e-9);
        assert_eq!(c.effective_threshold(20, &[]), t);
        // Every item with a close neighbour: the threshold as given.
        let edges: Vec<Edge> = (0..1000).map(|i| (2 * i, 2 * i + 1, 0.9)).collect();
        assert_eq!(c.effective_threshold(2000, &edges), t);
        // Switched off.
        let off = Clusterer::new(ClusterParams::default().adaptive_weight(0.0)).unwrap();
        assert_eq!(off.effective_threshold(5000, &[]), t);
        // Monotone in the threshold.
        let high = Clusterer::new(ClusterParams::default().similarity_threshold(0.6)).unwrap();
        assert_eq!(high.effective_threshold(500, &[]), 0.6);
    }
}
