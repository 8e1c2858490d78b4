//! Neighbourhood smoothing of the caller's embeddings before the exact
//! mean linkage (see [`ClusterParams::embedding_neighbours`](crate::ClusterParams::embedding_neighbours)).
//!
//! Each item's unit vector gets the mean of its `k` nearest candidates'
//! vectors added (the item and its neighbourhood count alike; on a batch
//! of mostly singletons the mean counts less, down to nothing, see
//! [`isolation`]), and the results are centred and scaled to unit length
//! again. A paraphrase that
//! sits between two intents leans toward the one its neighbours belong to,
//! and items of one intent draw together, so average linkage separates
//! intents more cleanly. The neighbours come from the candidate graph (the
//! same candidates that decide which groups are compared, by the
//! similarity they were verified with), not from all pairs, so the step
//! costs `k + 1` row additions per item.

use super::{Dense, Query};
use crate::cluster::candidates::Edge;
use crate::embed::normalize;

/// At most this many neighbours per item (a list stays a few cache lines).
pub(crate) const MAX_EMBEDDING_NEIGHBOURS: usize = 50;

/// An item's nearest candidates so far, best first: (cosine, item).
#[derive(Clone, Default)]
struct Nearest(Vec<(f32, u32)>);

impl Nearest {
    /// Offers neighbour `j` at cosine `c`; keeps the best `k`, ties to the
    /// smaller index (the clustering's fixed order), so the list does not
    /// depend on the order the edges come in.
    fn offer(&mut self, c: f32, j: u32, k: usize) {
        let better = |a: &(f32, u32)| a.0.total_cmp(&c).then(j.cmp(&a.1)).is_gt();
        let at = self.0.partition_point(better);
        if at < k {
            if self.0.len() == k {
                self.0.pop();
            }
            self.0.insert(at, (c, j));
        }
    }
}

/// Each item's list of nearest candidates for [`isolation`]: as many as
/// the candidates by meaning each item takes by default.
const SHARED_LIST: usize = 10;

/// Every item's nearest candidates in a batch's candidate edges, built once
/// for both [`isolation`] and [`Dense::smoothed`]: each list keeps the best
/// of as many as either needs, and a use of `k` reads the first `k` (the
/// order is total, so those are the best `k`).
pub(crate) struct Neighbourhoods(Vec<Nearest>);

impl Neighbourhoods {
    /// The lists of `n` items from `edges` (by the similarity they were
    /// verified with), long enough for [`isolation`] and for smoothing
    /// over `k` neighbours.
    pub fn new(n: usize, edges: &[Edge], k: usize) -> Neighbourhoods {
        let keep = k.clamp(SHARED_LIST, MAX_EMBEDDING_NEIGHBOURS);
        let mut nearest = vec![Nearest::default(); n];
        for &(i, j, c) in edges {
            nearest[i as usize].offer(c, j, keep);
            nearest[j as usize].offer(c, i, keep);
        }
        Neighbourhoods(nearest)
    }

    /// Item `i`'s best `k` (fewer when it has fewer candidates).
    fn best(&self, i: usize, k: usize) -> &[(f32, u32)] {
        let l = &self.0[i].0;
        &l[..l.len().min(k)]
    }
}

/// At or above this mean shared share, [`isolation`] is 0: under every
/// set of intents measured (all-MiniLM-L6-v2: Banking77 and CLINC150
/// files and samples 0.55 to 0.64; with noise added to the vectors down
/// to 0.47).
const SHARED_WHEN_GROUPED: f64 = 0.47;

/// At or below this mean shared share, [`isolation`] is 1: Hadoop's
/// duplicate bug reports (95% singletons) sit at 0.31 to 0.33.
const SHARED_WHEN_ISOLATED: f64 = 0.32;

/// How far the batch looks like a set of singletons rather than of groups,
/// in `[0, 1]`, from the batch's [`Neighbourhoods`] (sub-quadratic,
/// order-free). Each
/// item's [`SHARED_LIST`] nearest candidates form its list; the share of
/// an item's list (third items only, out of as many as the shorter of the
/// two lists can hold) also in its nearest candidate's list, averaged over
/// the items where that is at least one, is high where items sit among
/// paraphrases of one request (their neighbourhoods agree) and low where
/// each item's nearest neighbour is just the least far of unrelated ones.
/// It depends on ranks only, so it does not move with the model's scale
/// of cosines (unlike the nearest cosine itself). 0 at or above
/// [`SHARED_WHEN_GROUPED`], 1 at or below [`SHARED_WHEN_ISOLATED`],
/// linear between.
pub(crate) fn isolation(near: &Neighbourhoods) -> f64 {
    let (mut sum, mut count) = (0.0, 0usize);
    for i in 0..near.0.len() {
        let mine = near.best(i, SHARED_LIST);
        let Some(&(_, first)) = mine.first() else {
            continue;
        };
        let theirs = near.best(first as usize, SHARED_LIST);
        // Third items the shorter list can hold (on a small batch every
        // list is short: the share is of what there is).
        let room = mine.len().min(theirs.len()) - 1;
        if room > 0 {
            let shared = mine.iter().filter(|a| theirs.iter().any(|b| b.1 == a.1));
            sum += shared.count() as f64 / room as f64;
            count += 1;
        }
    }
    if count == 0 {
        return 0.0;
    }
    let shared = sum / count as f64;
    let span = SHARED_WHEN_GROUPED - SHARED_WHEN_ISOLATED;
    ((SHARED_WHEN_GROUPED - shared) / span).clamp(0.0, 1.0)
}

impl Dense {
    /// The vectors smoothed over each item's `k` nearest candidates in
    /// `near` (by the similarity the candidates were verified with: at
    /// `semantic_weight` 1, `max(0, int8 cosine)`; ties to the smaller
    /// index), centred on their own mean and unit again, with the same
    /// trust. New items are smoothed alike by [`Dense::smooth_query`].
    /// The neighbours' mean counts `weight` times (1 in full; see
    /// [`isolation`]). `None` for `k` of 0 or a `weight` of 0, and when a
    /// smoothed vector would vanish (every smoothed row the same, as two
    /// items that are each other's only neighbour): then the linkage
    /// compares the vectors as they are.
    pub fn smoothed(&self, near: &Neighbourhoods, k: usize, weight: f32) -> Option<Dense> {
        let k = k.min(MAX_EMBEDDING_NEIGHBOURS);
        if k == 0 || weight <= 0.0 {
            return None;
        }
        let dims = self.dims;
        let mut rows = self.rows.clone();
        for i in 0..self.len() {
            if self.has[i] {
                self.add_mean(&mut rows[i * dims..(i + 1) * dims], near.best(i, k), weight);
            }
        }
        let trust = self.pair.iter().map(|p| p.1).collect();
        let mut d = Dense::centred(dims, rows, self.has.clone(), trust, self.caller, true);
        d.smoothing = weight;
        (d.has == self.has).then_some(d)
    }

    /// Adds the mean of `near`'s vectors ([`Dense::mean`]) times `weight`
    /// to `v` (nothing when it is empty; at weight 1 the product is the
    /// mean exactly).
    fn add_mean(&self, v: &mut [f32], near: &[(f32, u32)], weight: f32) {
        if near.is_empty() {
            return;
        }
        let ids: Vec<u32> = near.iter().map(|&(_, j)| j).collect();
        let mean = self.mean(&ids);
        v.iter_mut().zip(&mean).for_each(|(x, m)| *x += weight * m);
    }

    /// A new item's vector `q` (centred like these vectors, the batch's
    /// before the smoothing) smoothed as the batch's were: the mean of the
    /// rows of its `k` nearest `candidates` (indexed items with their
    /// similarity to it, as the batch's candidates were verified; ties to
    /// the smaller index) added `weight` times (the batch's weight), then
    /// centred on `center` (the smoothed batch's mean) and scaled to unit
    /// length. `q` itself when nothing would be left.
    pub fn smooth_query(
        &self,
        q: &Query,
        center: &[f32],
        candidates: &[(f32, u32)],
        (k, weight): (usize, f32),
    ) -> Query {
        let k = k.min(MAX_EMBEDDING_NEIGHBOURS);
        let mut nearest = Nearest::default();
        for &(s, j) in candidates {
            nearest.offer(s, j, k);
        }
        let mut v = q.v.clone();
        self.add_mean(&mut v, &nearest.0, weight);
        for (x, c) in v.iter_mut().zip(center) {
            *x -= c;
        }
        if normalize(&mut v) {
            Query { v, trust: q.trust }
        } else {
            q.clone()
        }
    }

    /// The mean these vectors were centred on.
    pub fn center(&self) -> &[f32] {
        &self.center
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::embedded;
    use super::*;
    use crate::item::FeedbackItem;

    fn dense(vectors: &[[f32; 3]]) -> Dense {
        let items: Vec<FeedbackItem> = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| embedded(&format!("r{i}"), v))
            .collect();
        let refs: Vec<&FeedbackItem> = items.iter().collect();
        Dense::build(&refs, None, true).unwrap().unwrap()
    }

    /// Six vectors in three directions, some in between.
    fn six() -> Dense {
        dense(&[
            [1.0, 0.2, 0.1],
            [0.9, 0.1, 0.3],
            [0.1, 1.0, 0.2],
            [0.2, 0.8, 0.1],
            [0.5, 0.5, 0.5],
            [0.3, 0.1, 0.9],
        ])
    }

    /// `d` smoothed over `k` neighbours from `edges`, as the linkage does.
    fn smooth(d: &Dense, edges: &[Edge], k: usize, weight: f32) -> Option<Dense> {
        d.smoothed(&Neighbourhoods::new(d.len(), edges, k), k, weight)
    }

    /// Candidate edges with their int8 cosines, as the linkage verifies them.
    fn verified(d: &Dense, pairs: &[(u32, u32)]) -> Vec<Edge> {
        let c = |i: u32, j: u32| d.quantised_cosine(i as usize, j as usize).unwrap();
        pairs.iter().map(|&(i, j)| (i, j, c(i, j))).collect()
    }

    #[test]
    fn nearest_keeps_the_best_k_with_ties_to_the_smaller_index() {
        let offers = [(0.5, 7), (0.9, 3), (0.5, 2), (0.1, 1), (0.7, 9), (0.5, 4)];
        let mut a = Nearest::default();
        for &(c, j) in &offers {
            a.offer(c, j, 3);
        }
        assert_eq!(a.0, vec![(0.9, 3), (0.7, 9), (0.5, 2)]);
        let mut b = Nearest::default();
        for &(c, j) in offers.iter().rev() {
            b.offer(c, j, 3);
        }
        assert_eq!(a.0, b.0);
    }

    #[test]
    fn an_item_between_two_groups_leans_to_its_neighbours() {
        // Items 0-2 point along x, 3-5 along y; item 6 sits nearer y, but
        // its two nearest candidates (the only edges it has) are x items.
        let d = dense(&[
            [1.0, 0.05, 0.0],
            [1.0, 0.0, 0.05],
            [1.0, 0.02, 0.02],
            [0.0, 1.0, 0.05],
            [0.05, 1.0, 0.0],
            [0.02, 1.0, 0.02],
            [0.6, 0.8, 0.0],
        ]);
        let edges = verified(&d, &[(0, 1), (1, 2), (3, 4), (4, 5), (0, 6), (2, 6)]);
        let cos =
            |d: &Dense, i: usize, j: usize| super::super::dot(d.row(i).unwrap(), d.row(j).unwrap());
        let s = smooth(&d, &edges, 2, 1.0).unwrap();
        assert!(cos(&d, 6, 3) > cos(&d, 6, 0), "before: nearer y");
        assert!(cos(&s, 6, 0) > cos(&s, 6, 3), "after: leans to x");
        // Unit rows; k = 0 leaves the vectors to the caller.
        for i in 0..7 {
            assert!((cos(&s, i, i) - 1.0).abs() < 1e-5);
        }
        assert!(smooth(&d, &edges, 0, 1.0).is_none());
    }

    #[test]
    fn a_query_is_smoothed_as_the_batch_was() {
        let d = six();
        let pairs = [
            (0, 1),
            (0, 4),
            (1, 4),
            (2, 3),
            (3, 4),
            (2, 5),
            (4, 5),
            (1, 5),
        ];
        let edges = verified(&d, &pairs);
        for weight in [1.0, 0.4] {
            query_matches_batch(&d, &edges, weight);
        }
    }

    fn query_matches_batch(d: &Dense, edges: &[Edge], weight: f32) {
        let s = smooth(d, edges, 2, weight).unwrap();
        for i in 0..6u32 {
            // Item i's candidates and their similarities, as the batch had them.
            let cands: Vec<(f32, u32)> = edges
                .iter()
                .filter_map(|&(a, b, c)| match (a == i, b == i) {
                    (true, _) => Some((c, b)),
                    (_, true) => Some((c, a)),
                    _ => None,
                })
                .collect();
            let q = Query {
                v: d.row(i as usize).unwrap().to_vec(),
                trust: 1.0,
            };
            let got = d.smooth_query(&q, s.center(), &cands, (2, weight));
            let want = s.row(i as usize).unwrap();
            for (g, w) in got.v.iter().zip(want) {
                assert!((g - w).abs() < 1e-6, "item {i}: {:?} {want:?}", got.v);
            }
        }
    }

    #[test]
    fn the_edges_order_does_not_matter() {
        let d = six();
        let mut pairs = Vec::new();
        for i in 0..6u32 {
            for j in i + 1..6 {
                pairs.push((i, j));
            }
        }
        let mut edges = verified(&d, &pairs);
        let a = smooth(&d, &edges, 2, 1.0).unwrap();
        edges.reverse();
        let b = smooth(&d, &edges, 2, 1.0).unwrap();
        assert_eq!(a.rows, b.rows);
    }

    #[test]
    fn isolation_tells_groups_from_singletons_whatever_the_order() {
        let n = 60u32;
        // Six groups of ten: an item's nearest shares all its other mates.
        let mut grouped = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                if i / 10 == j / 10 {
                    grouped.push((i, j, 0.9 - 0.001 * (j - i) as f32));
                }
            }
        }
        assert_eq!(
            isolation(&Neighbourhoods::new(n as usize, &grouped, 0)),
            0.0
        );
        // Scattered partners: neighbourhoods that hardly overlap.
        let mut scattered = Vec::new();
        for i in 0..n {
            for m in 1..=5u32 {
                let j = (i * 17 + m * m * 7 + 3) % n;
                if j != i {
                    scattered.push((i.min(j), i.max(j), 0.3 + 0.01 * ((i * 31 + m) % 37) as f32));
                }
            }
        }
        let a = isolation(&Neighbourhoods::new(n as usize, &scattered, 0));
        assert!(a > 0.9, "{a}");
        scattered.reverse();
        assert_eq!(
            a,
            isolation(&Neighbourhoods::new(n as usize, &scattered, 0))
        );
        // Smoothing at weight 0 is no smoothing; a part weight lies between.
        let d = six();
        let edges = verified(&d, &[(0, 1), (1, 2), (3, 4), (4, 5), (2, 3)]);
        assert!(smooth(&d, &edges, 2, 0.0).is_none());
        let (full, half) = (
            smooth(&d, &edges, 2, 1.0).unwrap(),
            smooth(&d, &edges, 2, 0.5).unwrap(),
        );
        assert_eq!(half.smoothing, 0.5);
        assert_ne!(full.rows, half.rows);
    }
}
