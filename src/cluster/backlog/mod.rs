//! A clustering that grows one request at a time: [`Backlog`].
//!
//! Each request is compared with the groups that share its strongest terms
//! (found through per-term lists of groups, scanned to a bounded depth), so
//! an insert costs about the same whatever the number of requests seen,
//! except the insert that doubles the backlog, which consolidates it (every
//! request looked at again: see `consolidate`), so the cost is constant
//! amortised over a stream.
//! Groups hold the sum of their members' unit term vectors, so the mean
//! similarity of a request to a group's members (the linkage's criterion) is
//! one sparse dot product, and the mean similarity between two groups is one
//! more.

mod consolidate;
mod grow;
mod meaning;
mod split;
mod state;
mod view;

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::ClusterParams;
use super::vectors;
use crate::embed::Scratch;
use crate::error::{ItemError, ParamsError};
use crate::item::FeedbackItem;
use crate::text::Analyzed;
use meaning::{Meaning, Packed, Query};

pub use state::{BacklogError, RequestError};
pub use view::Inserted;

/// The version of the saved form written by this release; loading a
/// version other than this one or the one before fails with
/// [`BacklogError::Version`] (through serde, as the format's error, whose
/// message is that error's: `Deserialize` can only return the format's own
/// error type). Version 5: each request keeps the start of its
/// title and body (`TEXT_BYTES` each), which names its group by a phrase;
/// a version 4 state loads, its requests without text (a group none of
/// whose requests has text is named by its key terms). Version 4: each
/// request keeps its vectors (consolidation moves requests between
/// groups), which a version 3 state lacks; version 3 summed a trust per
/// group.
pub const BACKLOG_FORMAT_VERSION: u32 = 5;

/// How much of a request's title and of its body the backlog keeps, in
/// bytes (cut at a character boundary), to name its group: what a request
/// asks is said early.
const TEXT_BYTES: usize = 256;

/// A backlog of requests grouped into features, that grows with each request
/// and keeps its features' ids.
///
/// * A request joins the group (feature or special cases) whose members it is
///   most similar to on average, when that reaches `similarity_threshold`
///   times a streaming margin (1.75, tuned on the dev files: a stream
///   decides each request once, against small groups); otherwise it starts
///   a group of its own, a special case.
/// * A group of special cases becomes a feature, with a new id, once it has
///   `min_distinct_customers` distinct customers (a request without a
///   customer is its own unknown customer) and its members' mean pairwise
///   similarity reaches the threshold.
/// * A feature keeps its id while it grows. When a request makes two groups
///   one (their mean pairwise similarity reaches the threshold times 2), the
///   merged group keeps the older feature's id and the merge is recorded.
/// * At 64 requests and each doubling the backlog consolidates: each
///   request not settled in its group looks again (a bounded search) and
///   moves to the group it now belongs with, and a feature that has become
///   two (halves each a feature, their mean similarity under the threshold)
///   is split into two new features. Each request keeps its vectors for
///   this (about 250 bytes). See `docs/backlog.md`.
/// * Every change is an [`Event`] naming the requests that caused it.
/// * Unlike the batch [`Clusterer`](crate::Clusterer), a backlog does not
///   promise that requests with the same text share a group: each copy is
///   decided on arrival against the groups of its time, and a consolidation
///   may move one (rarely: 1 of 40 streams of 4 copies among 400 CLINC150
///   requests split them).
///
/// The result depends only on the order of the stream: the same requests in
/// the same order give the same backlog, and a backlog saved with serde,
/// loaded and fed the rest of a stream is identical to one that never
/// stopped, in a format that reads its floats back exactly. (serde_json
/// does only with its `float_roundtrip` feature; without it the last bit
/// of a saved sum can differ, and with it a later decision near a
/// threshold.) Terms are weighed by their rarity among the requests seen
/// when each request arrives.
///
/// When the parameters use meaning (`semantic_weight > 0`, the default, and
/// the `static-vectors` feature on: see [`uses_meaning`](Self::uses_meaning))
/// similarity is the batch clusterer's hybrid, `(1 − w·t) × term cosine +
/// w·t × max(0, dense cosine)` with the same trust `t`, but meaning weighed
/// at most 0.5 (`w = min(semantic_weight, 0.5)`: a stream decides each
/// request once, see `STREAM_MAX_SEMANTIC_WEIGHT`), on the static word
/// vectors' embedding of each
/// request centred on the running mean of the requests before it (the batch
/// centres on the whole batch's mean, which a stream cannot know). A request
/// looks for its groups both through its strongest terms and through the
/// earlier requests nearest to it by meaning (SimHash orderings), so a
/// paraphrase that shares no term still finds its feature. Caller
/// embeddings ([`FeedbackItem::embedding`]) are not used.
///
/// ```
/// use feedback_triage::{Backlog, ClusterParams, FeedbackItem};
///
/// let mut backlog = Backlog::new(ClusterParams::default())?;
/// let ask = |id: &str, who: &str, text: &str| {
///     FeedbackItem::new(id).with_title(text).with_customer(who)
/// };
/// backlog.insert(&ask("r1", "acme", "export invoices to csv"))?;
/// assert_eq!(backlog.features().len(), 0); // one customer: a special case
/// backlog.insert(&ask("r2", "globex", "export invoices as csv file"))?;
/// let features = backlog.features();
/// assert_eq!(features.len(), 1);
/// let id = features[0].id.clone();
/// backlog.insert(&ask("r3", "initech", "csv export of invoices please"))?;
/// assert_eq!(backlog.features()[0].id, id); // grew, same id
/// assert_eq!(backlog.feature_of("r3"), Some(id));
///
/// // Save and load with any serde format.
/// let saved = serde_json::to_string(&backlog).unwrap();
/// let loaded: Backlog = serde_json::from_str(&saved).unwrap();
/// assert_eq!(loaded.features(), backlog.features());
/// # Ok::<(), feedback_triage::BacklogError>(())
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "state::Saved")]
pub struct Backlog {
    params: ClusterParams,
    /// Term id -> its text, in the order terms were first seen.
    terms: Vec<String>,
    term_ids: HashMap<String, u32>,
    /// Term id -> the number of requests that used it.
    df: Vec<u32>,
    items: Vec<Item>,
    item_ids: HashMap<String, u32>,
    groups: Vec<Group>,
    /// Term id -> the features whose members used it (possibly merged away).
    feature_postings: Vec<Vec<u32>>,
    /// Term id -> the groups of special cases whose members used it.
    pending_postings: Vec<Vec<u32>>,
    events: Vec<Event>,
    /// The number of the next feature id.
    next_feature: u64,
    /// Per group, the group it now is and its score while candidates are
    /// gathered (not saved, see [`Slot`]).
    slots: Vec<Slot>,
    /// Term id -> the first word that gave it, lower-cased (for names).
    surfaces: Vec<String>,
    /// The word vectors and the index by meaning, when meaning is used.
    meaning: Option<Meaning>,
    /// Reused between inserts (not saved).
    buffers: Buffers,
}

/// A group's entry in the candidate scan: both halves are read for each
/// entry of a term's list, so they share a cache line.
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// The group itself, or a group it was merged into (built from
    /// `Group::merged_into` and shortened as candidates are gathered).
    parent: u32,
    /// The weight the request shares with the group while candidates are
    /// gathered; zero between inserts.
    score: f32,
}

impl Slot {
    fn new(parent: u32) -> Slot {
        Slot { parent, score: 0.0 }
    }
}

/// Buffers an insert reuses, so that it allocates nothing in the common
/// case. `tf` is all zero between inserts; the others keep the last
/// request's data until the next insert clears them (they are not saved
/// with the backlog and never read before being cleared).
#[derive(Clone, Debug, Default)]
struct Buffers {
    analyzed: Analyzed,
    /// Term id -> the request's count of it, while it is counted.
    tf: Vec<f32>,
    /// The request's distinct term ids, while they are counted.
    ids: Vec<u32>,
    /// The request's unit term vector.
    v: Vec<(u32, f32)>,
    /// The word buffers of the static embedding.
    scratch: Scratch,
    /// The request's strongest terms (the candidate scan's lists).
    strongest: Vec<(u32, f32)>,
    /// The groups the candidate scan touched.
    touched: Vec<u32>,
    /// The earlier requests nearest by meaning.
    near: Vec<u32>,
    /// The candidate groups and their similarity to the request.
    scored: Vec<(u32, f32)>,
    /// The request's terms that earlier requests used.
    known: Vec<(u32, f32)>,
}

#[derive(Clone, Debug, PartialEq)]
struct Item {
    id: String,
    customer: Option<String>,
    deal_value: Option<f64>,
    group: u32,
    /// Its unit term vector as inserted (the weights of then), in term
    /// order: what its group's sum holds for it.
    terms: Box<[(u32, f32)]>,
    /// Its dense vector and trust, when it has one.
    dense: Option<Packed>,
    /// The start of its title and of its body (`TEXT_BYTES` each), for
    /// names.
    title: Box<str>,
    body: Box<str>,
}

#[derive(Clone, Debug, PartialEq)]
struct Group {
    /// The feature's number (its id is `F` and the number), once it is one.
    feature: Option<u64>,
    members: Vec<u32>,
    /// The sum of the members' unit term vectors.
    sum: TermMap,
    /// The squared length of `sum`.
    norm2: f64,
    customers: BTreeSet<String>,
    /// Members without a customer.
    anonymous: u64,
    /// The group this one was merged into.
    merged_into: Option<u32>,
    /// The sum of the members' centred unit dense vectors (empty while no
    /// member has one).
    dense: Vec<f32>,
    /// The members with a dense vector.
    dense_n: u32,
    /// The sum of those members' trust.
    trust_sum: f32,
}

/// Where [`Backlog::insert`] put a request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Placement {
    /// The request belongs to this feature (which it may just have created
    /// or merged: see [`Backlog::events`]).
    Feature {
        /// The feature's id.
        id: String,
    },
    /// The request is a special case: no feature yet.
    Special,
}

/// One change of a [`Backlog`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The number of requests inserted when it happened (the position in the
    /// stream of the request that caused it, plus one; for a move or a
    /// split, the size at which the backlog consolidated).
    pub at: u64,
    /// The feature concerned (for a merge, the one that kept its id; for a
    /// move, the one joined, else the one left; for a split, the new half).
    pub feature: String,
    /// What happened.
    pub kind: EventKind,
    /// The requests that caused it: a new feature's members, the request
    /// that joined, bridged or moved, a split half's members.
    pub requests: Vec<String>,
}

/// What an [`Event`] records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum EventKind {
    /// Special cases became a new feature.
    Created,
    /// A request joined the feature.
    Grew,
    /// Another group was merged into the feature: a feature (its id is
    /// retired) or special cases (`None`).
    Merged {
        /// The id of the feature merged in, if it was one.
        absorbed: Option<String>,
        /// The number of requests merged in.
        requests_absorbed: usize,
    },
    /// A consolidation (each time the backlog doubles) moved the request to
    /// the group it now belongs with. Recorded on the feature it joined, or
    /// on the feature it left when it joined special cases (which the same
    /// consolidation may then make a feature: a `Created` event follows).
    /// Moves between special cases are not recorded. A feature keeps its
    /// id while what it keeps meets the feature rules (else `Dissolved`).
    Moved {
        /// The feature it left (`None`: it was a special case).
        from: Option<String>,
        /// The feature it joined (`None`: special cases).
        to: Option<String>,
    },
    /// A consolidation found that a feature had become two (their requests'
    /// mean similarity under the threshold, each half a feature by the
    /// rules) and split it: each half is a new feature, with this event
    /// naming the feature it came from (now retired) and the half's
    /// requests.
    Split {
        /// The id of the feature split.
        from: String,
    },
    /// A consolidation moved requests out of the feature until those left
    /// no longer met the feature rules (two requests, enough distinct
    /// customers): they are special cases again (named by the event; none
    /// when every request left) and the id is retired.
    Dissolved,
}

/// A feature of a [`Backlog`], as returned by [`Backlog::features`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BacklogFeature {
    /// Its stable id.
    pub id: String,
    /// Its requests' ids, in the order they were inserted.
    pub members: Vec<String>,
    /// The number of distinct customers (each request without one counts
    /// as its own).
    pub distinct_customers: usize,
}

impl Backlog {
    /// An empty backlog. Uses `similarity_threshold`,
    /// `min_distinct_customers`, `max_terms_per_item`,
    /// `max_candidates_per_item`, `max_postings_per_term`,
    /// `max_search_terms_per_item`, `label_terms`, `semantic_weight` and
    /// `semantic_candidates_per_item` of `params` (the threshold as given:
    /// it is not adapted to the data).
    ///
    /// ```
    /// use feedback_triage::{Backlog, ClusterParams};
    /// let err = Backlog::new(ClusterParams::default().similarity_threshold(0.0)).unwrap_err();
    /// assert!(err.to_string().contains("similarity_threshold"));
    /// ```
    pub fn new(params: ClusterParams) -> Result<Backlog, BacklogError> {
        params.validate().map_err(BacklogError::Params)?;
        let meaning = meaning_for(&params).map(Meaning::new);
        Ok(Backlog {
            params,
            terms: Vec::new(),
            term_ids: HashMap::new(),
            df: Vec::new(),
            items: Vec::new(),
            item_ids: HashMap::new(),
            groups: Vec::new(),
            feature_postings: Vec::new(),
            pending_postings: Vec::new(),
            events: Vec::new(),
            next_feature: 1,
            slots: Vec::new(),
            surfaces: Vec::new(),
            meaning,
            buffers: Buffers::default(),
        })
    }

    /// True when similarity includes meaning (static word vectors): the
    /// parameters' `semantic_weight` is above 0 and the crate was built with
    /// the `static-vectors` feature (on by default).
    ///
    /// ```
    /// use feedback_triage::{Backlog, ClusterParams};
    /// let terms = Backlog::new(ClusterParams::default().semantic_weight(0.0))?;
    /// assert!(!terms.uses_meaning());
    /// # Ok::<(), feedback_triage::BacklogError>(())
    /// ```
    pub fn uses_meaning(&self) -> bool {
        self.meaning.is_some()
    }

    /// The parameters.
    pub fn params(&self) -> &ClusterParams {
        &self.params
    }

    /// The number of requests inserted.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True before the first insert.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every change so far, oldest first. Events of one run are the tail
    /// from the length before it: `&backlog.events()[before..]`.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Adds a request. Fails, changing nothing, when the item is invalid
    /// (see [`FeedbackItem::validate`]) or its id was inserted before.
    ///
    /// ```
    /// use feedback_triage::{Backlog, BacklogError, ClusterParams, FeedbackItem, Placement};
    /// let mut backlog = Backlog::new(ClusterParams::default())?;
    /// let item = FeedbackItem::new("r1").with_title("dark mode");
    /// assert_eq!(backlog.insert(&item)?, Placement::Special);
    /// assert!(matches!(backlog.insert(&item), Err(BacklogError::DuplicateRequest { .. })));
    /// # Ok::<(), BacklogError>(())
    /// ```
    pub fn insert(&mut self, item: &FeedbackItem) -> Result<Placement, BacklogError> {
        item.validate().map_err(BacklogError::Item)?;
        let index = self.items.len() as u32;
        // One hash of the id both checks and records it: nothing fails
        // past this point.
        match self.item_ids.entry(item.id.clone()) {
            Entry::Occupied(_) => {
                return Err(BacklogError::DuplicateRequest {
                    id: item.id.clone(),
                });
            }
            Entry::Vacant(e) => {
                e.insert(index);
            }
        }
        let v = self.vectorize(item);
        let q = match &mut self.meaning {
            Some(m) => m.query(item, &mut self.buffers.scratch),
            None => None,
        };
        self.items.push(Item {
            id: item.id.clone(),
            customer: item.customer.clone(),
            deal_value: item.deal_value,
            group: u32::MAX,
            terms: v.as_slice().into(),
            dense: q.as_ref().map(|q| q.packed.clone()),
            title: vectors::capped(&item.title, TEXT_BYTES).into(),
            body: vectors::capped(&item.body, TEXT_BYTES).into(),
        });
        let mut scored = std::mem::take(&mut self.buffers.scored);
        self.score_candidates(&v, q.as_ref(), &mut scored);
        if let Some(m) = &mut self.meaning {
            m.index(index, q.as_ref().map(|q| q.sig));
        }
        let threshold = self.params.similarity_threshold as f32;
        let join = threshold * JOIN_MARGIN;
        let g = match scored.first() {
            Some(&(g, s)) if s >= join => {
                self.add_to_group(g, index, &v, q.as_ref());
                g
            }
            _ => self.new_group(index, &v, q.as_ref()),
        };
        let mut g = g;
        for &(h, s) in scored.iter().skip(1).take(BRIDGE_CHECKS) {
            if s < threshold {
                break;
            }
            let (h, g_now) = (self.resolve(h), self.resolve(g));
            if h != g_now && self.link(g_now, h) >= f64::from(threshold * MERGE_MARGIN) {
                g = self.merge(g_now, h, index);
            }
        }
        self.promote(self.resolve(g));
        self.buffers.scored = scored;
        if consolidate::consolidates_at(self.items.len()) {
            self.consolidate();
        }
        self.buffers.v = v;
        Ok(self.placement(index))
    }

    /// Adds requests in order, stopping at the first that fails (those
    /// before it stay inserted). The same as calling
    /// [`insert`](Self::insert) on each.
    pub fn insert_batch<'a>(
        &mut self,
        items: impl IntoIterator<Item = &'a FeedbackItem>,
    ) -> Result<Vec<Placement>, BacklogError> {
        items.into_iter().map(|it| self.insert(it)).collect()
    }

    /// Whether a request with this id has been inserted.
    pub fn contains(&self, id: &str) -> bool {
        self.item_ids.contains_key(id)
    }

    /// The feature request `id` belongs to, if any.
    pub fn feature_of(&self, id: &str) -> Option<String> {
        let &i = self.item_ids.get(id)?;
        let g = &self.groups[self.items[i as usize].group as usize];
        g.feature.map(|n| format!("F{n}"))
    }

    /// The features, oldest first.
    pub fn features(&self) -> Vec<BacklogFeature> {
        let mut out: Vec<(u64, BacklogFeature)> = self
            .live_groups()
            .filter_map(|g| {
                let n = g.feature?;
                Some((
                    n,
                    BacklogFeature {
                        id: format!("F{n}"),
                        members: self.member_ids(g),
                        distinct_customers: distinct(g),
                    },
                ))
            })
            .collect();
        out.sort_by_key(|e| e.0);
        out.into_iter().map(|e| e.1).collect()
    }

    /// The requests that are special cases (in no feature), in the order
    /// they were inserted.
    pub fn special_cases(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter(|it| self.groups[it.group as usize].feature.is_none())
            .map(|it| it.id.as_str())
            .collect()
    }

    /// Every request in exactly one group: the features oldest first, then
    /// the groups of special cases by their first request. Members are in
    /// the order they were inserted.
    pub fn partition(&self) -> Vec<Vec<&str>> {
        let mut live: Vec<(u64, u64, &Group)> = self
            .live_groups()
            .map(|g| {
                let first = g.members.iter().min().copied().unwrap_or(0);
                (g.feature.unwrap_or(u64::MAX), u64::from(first), g)
            })
            .collect();
        live.sort_by_key(|e| (e.0, e.1));
        live.into_iter()
            .map(|(_, _, g)| {
                let mut m = g.members.clone();
                m.sort_unstable();
                m.iter()
                    .map(|&i| self.items[i as usize].id.as_str())
                    .collect()
            })
            .collect()
    }
}

/// A request joins its most similar group only when the similarity reaches
/// the threshold times this. A stream decides each request once, against
/// groups that are still small and noisy, where the batch's linkage sees
/// every pair first; a stricter join keeps early mistakes from snowballing.
/// Tuned on the dev files (Banking77 train, CLINC150 val, 5 orders each,
/// with `MERGE_MARGIN` 2): 1.0 gave ARI 0.304 / 0.423, 1.25 0.314 / 0.469,
/// 1.5 0.319 / 0.490, 1.75 0.319 / 0.496, 2.0 0.326 / 0.489, 2.5 0.316 /
/// 0.476 (batch: 0.303 / 0.528).
const JOIN_MARGIN: f32 = 1.75;

/// Two groups a request bridges merge only when their mean similarity
/// reaches the threshold times this: merges chained whole intents together
/// (tuned on the same dev files, joins at 1.0: no margin gave ARI 0.238 /
/// 0.369, 1.5 0.277 / 0.422, 2.0 0.303 / 0.423, 3.0 and no merges at all
/// 0.305 / 0.422).
const MERGE_MARGIN: f32 = 2.0;

/// The largest weight of meaning in a backlog's similarity, whatever
/// `semantic_weight` is. A stream decides each request once, against groups
/// that are still small and noisy, and a short request's meaning alone (the
/// batch's default weight 1 with full trust) joins and bridges too readily:
/// on the dev files (5 orders each, `cargo run --release --example
/// backlog_eval -- --scale 0`) weight 1 streamed ARI 0.280 / 0.350
/// (Banking77 / CLINC150), with the margins retuned (joins 2 to 3.5, merges
/// 2.5 to 6) at best 0.322 / 0.462; capped at 0.5, 0.316 / 0.487.
pub(super) const STREAM_MAX_SEMANTIC_WEIGHT: f32 = 0.5;

/// A request that joins one group is checked as a bridge to at most this
/// many other groups it is close to.
const BRIDGE_CHECKS: usize = 3;

/// The static word vectors a backlog with these parameters uses.
fn meaning_for(params: &ClusterParams) -> Option<crate::embed::StaticVectors> {
    if params.semantic_weight <= 0.0 {
        return None;
    }
    super::default_vectors()
}

/// A map keyed by term number: numbers in the order terms were first seen,
/// which text cannot choose, so the fast hasher serves (the look-ups of a
/// request's terms in its candidate groups' sums are the backlog's most
/// frequent operation).
type TermMap = crate::text::FxHashMap<u32, f32>;

fn distinct(g: &Group) -> usize {
    g.customers.len() + g.anonymous as usize
}

impl Backlog {
    fn live_groups(&self) -> impl Iterator<Item = &Group> {
        self.groups
            .iter()
            .filter(|g| g.merged_into.is_none() && !g.members.is_empty())
    }

    fn member_ids(&self, g: &Group) -> Vec<String> {
        let mut m = g.members.clone();
        m.sort_unstable();
        m.iter()
            .map(|&i| self.items[i as usize].id.clone())
            .collect()
    }

    fn placement(&self, index: u32) -> Placement {
        let g = &self.groups[self.items[index as usize].group as usize];
        match g.feature {
            Some(n) => Placement::Feature {
                id: format!("F{n}"),
            },
            None => Placement::Special,
        }
    }

    /// The group `g` was merged into, following the chain.
    fn resolve(&self, mut g: u32) -> u32 {
        loop {
            let next = self.slots[g as usize].parent;
            if next == g {
                return g;
            }
            g = next;
        }
    }

    /// The request's unit term vector, weighed by the terms' rarity among
    /// the requests seen so far (it included), interning its terms. The
    /// vector is the reused buffer's (hand it back when done).
    fn vectorize(&mut self, item: &FeedbackItem) -> Vec<(u32, f32)> {
        let mut buf = std::mem::take(&mut self.buffers.analyzed);
        let mut tf = std::mem::take(&mut self.buffers.tf);
        let mut ids = std::mem::take(&mut self.buffers.ids);
        vectors::for_each_term(&mut buf, item, |term, surface, w| {
            let id = self.intern(term, surface);
            if tf.len() <= id as usize {
                tf.resize(id as usize + 1, 0.0);
            }
            // Counts are sums of the field weights (3 and 1), exact in any
            // order.
            let slot = &mut tf[id as usize];
            if *slot == 0.0 {
                ids.push(id);
            }
            *slot += w;
        });
        self.buffers.analyzed = buf;
        let n = (self.items.len() + 1) as f32;
        let mut v = std::mem::take(&mut self.buffers.v);
        v.clear();
        // Each weight depends on its term alone: the order of `ids` (first
        // use) does not matter, the vector is put in term order below.
        v.extend(ids.drain(..).map(|id| {
            let count = std::mem::replace(&mut tf[id as usize], 0.0);
            let df = &mut self.df[id as usize];
            *df += 1;
            let idf = ((1.0 + n) / (1.0 + *df as f32)).ln() + 1.0;
            (id, (1.0 + count.ln()) * idf)
        }));
        self.buffers.tf = tf;
        self.buffers.ids = ids;
        let max_terms = self.params.max_terms_per_item;
        if v.len() > max_terms {
            // The strongest `max_terms` (a total order: the same whatever
            // the order they come in).
            v.select_nth_unstable_by(max_terms, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            v.truncate(max_terms);
        }
        v.sort_unstable_by_key(|e| e.0);
        let norm = v.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|e| e.1 /= norm);
        }
        v
    }

    fn intern(&mut self, term: &str, surface: &str) -> u32 {
        if let Some(&id) = self.term_ids.get(term) {
            return id;
        }
        let id = self.terms.len() as u32;
        self.terms.push(term.to_string());
        self.surfaces.push(surface.to_lowercase());
        self.term_ids.insert(term.to_string(), id);
        self.df.push(0);
        self.feature_postings.push(Vec::new());
        self.pending_postings.push(Vec::new());
        id
    }
}

impl From<ParamsError> for BacklogError {
    fn from(e: ParamsError) -> Self {
        BacklogError::Params(e)
    }
}

impl From<ItemError> for BacklogError {
    fn from(e: ItemError) -> Self {
        BacklogError::Item(e)
    }
}
