//! Average-linkage agglomeration over a sparse similarity graph.
//!
//! Two groups merge only while the *mean* similarity over the pairs between
//! them is at least the threshold, pairs without a verified edge counting as
//! 0. A chain of weak links therefore cannot glue unrelated requests
//! together: one good pair between two large groups is diluted by all the
//! pairs that are not similar. Because each item verifies only
//! `max_candidates_per_item` neighbours, a group of m items can carry an edge
//! on at most a share k / (m - 1) of its pairs; the mean is taken over that
//! share of the pairs, so large true groups are not split merely because the
//! search was bounded (on small groups nothing changes).
//!
//! The greedy loop always merges the best current pair and the threshold only
//! stops it, so a higher threshold stops earlier on the same sequence: raising
//! the threshold only ever splits groups. (The two-stage
//! [`shared_neighbour_linkage`] gives that up: its second stage starts from
//! the first stage's groups, which change with the threshold.)
//!
//! Pairs are taken best first with a lazy max-heap holding one entry per
//! group: its best link, or an upper bound on all its links after a merge
//! touched it. A bound is resolved by scanning the group's links when it
//! surfaces, so a group that keeps growing costs one scan per merge rather
//! than re-queuing every link that weakened. Ties are broken by the smaller
//! group ids, so the result depends only on the graph.
//!
//! With [`GroupVectors`] (the caller's embeddings on every item), a link is
//! worth `(1 − w) × the term mean above + w × the exact mean cosine` of the
//! two groups' vectors: each group keeps the sum of its members' unit
//! vectors, and `sum_A · sum_B / (|A| |B|)` is the mean cosine over *all*
//! pairs between them, not only over the verified ones. The graph still
//! decides which groups are compared (sub-quadratic); what a comparison is
//! worth no longer depends on how many of its pairs the bounded search
//! happened to verify. A merge changes the value of every link of the new
//! group, so its entry is rescanned exactly (a scan costs `dims` per link).
//!
//! Without vectors (links by terms alone, the default) the same merges are
//! made by [`lazy`], whose merges leave their partners' link lists stale
//! until those are read; the plain version here keeps every list exact and
//! is its reference in the tests.

use std::cmp::Ordering;

mod exact;
mod heap;
mod lazy;
mod shared;
pub(crate) use shared::MAX_SHARED_NEIGHBOURS;

use super::candidates::Edge;
use crate::text::FxHashMap;
pub(crate) use exact::GroupVectors;
use exact::Sums;
use heap::Heap;

/// How many edges per item the candidate search can leave, in units of
/// `max_candidates_per_item` (an item keeps its own candidates and is kept by
/// others). Below 1 the mean over a large group's pairs counts fewer pairs,
/// so large true groups merge a little more readily. On the dev files with
/// the default hybrid similarity 0.95 lifted Banking77 ARI from 0.333 to
/// 0.348 with CLINC150 val, Hadoop, CLINC150 train and a 40-per-intent
/// sample of Banking77 unchanged or better; 0.85 reached 0.354 on Banking77
/// but cost both CLINC150 splits (val 0.533 to 0.522).
const CAPACITY_FACTOR: f64 = 0.95;

#[derive(Debug, PartialEq)]
struct Entry {
    value: f64,
    a: u32,
    b: u32,
}

impl Eq for Entry {}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value
            .total_cmp(&other.value)
            .then_with(|| (other.a, other.b).cmp(&(self.a, self.b)))
    }
}

/// A group's entry in the queue; `entry.a == entry.b` marks a bound.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Queued {
    entry: Entry,
    group: u32,
    version: u32,
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Groups `0..n` and returns each item's group as the smallest item index in
/// it; with `vectors`, links weigh the exact mean cosine of the groups'
/// vectors (see the module docs).
pub(crate) fn average_linkage(
    n: usize,
    edges: Vec<Edge>,
    threshold: f64,
    per_item: Option<usize>,
    vectors: Option<GroupVectors<'_>>,
) -> Vec<u32> {
    match vectors {
        // Term links alone: partners resolved when read (the same result).
        None if lazy::fits(n) => lazy::term_linkage(vec![1; n], edges, threshold, per_item),
        v => group_names(&plain(vec![1; n], edges, threshold, per_item, v).parent),
    }
}

/// [`average_linkage`] without vectors, in two stages (see [`shared`]):
/// first on the links weighed by the `k` nearest neighbours their items
/// share, then on the plain links from the groups the first stage made.
/// `k` = 0 is the one-stage linkage. Each pair must appear at most once in
/// `edges` (as the candidate search gives them).
pub(crate) fn shared_neighbour_linkage(
    n: usize,
    edges: Vec<Edge>,
    threshold: f64,
    per_item: Option<usize>,
    k: usize,
) -> Vec<u32> {
    if k == 0 || !lazy::fits(n) {
        return average_linkage(n, edges, threshold, per_item, None);
    }
    debug_assert!(
        {
            let mut pairs: Vec<(u32, u32)> =
                edges.iter().map(|e| (e.0.min(e.1), e.0.max(e.1))).collect();
            pairs.sort_unstable();
            pairs.windows(2).all(|w| w[0] != w[1]) && edges.iter().all(|e| e.0 != e.1)
        },
        "each pair at most once, no self links"
    );
    let weighed = shared::weighed(n, &edges, k);
    let first = average_linkage(n, weighed, threshold, per_item, None);
    // The first stage's groups in the order of their smallest item (its
    // name), so that the second stage's names map back to items.
    let mut group = vec![0u32; n];
    let mut rep: Vec<u32> = Vec::new();
    let mut sizes: Vec<u32> = Vec::new();
    for i in 0..n {
        let r = first[i] as usize;
        if r == i {
            group[i] = rep.len() as u32;
            rep.push(i as u32);
            sizes.push(0);
        } else {
            group[i] = group[r];
        }
        sizes[group[i] as usize] += 1;
    }
    let links = shared::contract(edges, &group, rep.len());
    let second = lazy::term_linkage(sizes, links, threshold, per_item);
    group
        .iter()
        .map(|&g| rep[second[g as usize] as usize])
        .collect()
}

/// The plain linkage: every group's links kept exact through merges.
fn plain(
    sizes: Vec<u32>,
    edges: Vec<Edge>,
    threshold: f64,
    per_item: Option<usize>,
    vectors: Option<GroupVectors<'_>>,
) -> Linkage<'_> {
    let n = sizes.len();
    let mut l = Linkage {
        sums: None,
        links: item_links(n, edges),
        size: sizes,
        capacity: per_item.map_or(f64::INFINITY, |k| k as f64 * CAPACITY_FACTOR),
        threshold,
        version: vec![0u32; n],
        bound: vec![f64::NEG_INFINITY; n],
        parent: vec![u32::MAX; n],
        heap: Heap::from_vec(Vec::new()),
    };
    // The queue holds one live entry per group: either its exact best link
    // (`Slot::Exact`) or an upper bound on the value of all its links
    // (`Slot::Bound`, ordered before any exact entry of the same value so
    // that it is resolved first). A group is rescanned only when its entry
    // surfaces, so a growing group costs one scan per merge rather than a
    // heap operation per link.
    l.sums = vectors.map(|v| Sums::new(v, &l.links));
    for g in 0..n as u32 {
        l.prune(g);
    }
    let mut initial = Vec::new();
    for g in 0..n as u32 {
        if let Some(e) = l.best(g)
            && e.value >= threshold
        {
            l.bound[g as usize] = e.value;
            initial.push(Queued {
                entry: e,
                group: g,
                version: 0,
            });
        }
    }
    // Heapify in O(n) rather than n pushes.
    l.heap = Heap::from_vec(initial);
    while let Some(q) = l.heap.pop() {
        if q.entry.value < threshold {
            break;
        }
        let g = q.group;
        if l.parent[g as usize] != u32::MAX || l.version[g as usize] != q.version {
            continue;
        }
        let exact = q.entry.a != q.entry.b;
        let partner = if q.entry.a == g { q.entry.b } else { q.entry.a };
        let still = exact
            && l.parent[partner as usize] == u32::MAX
            && l.value(q.entry.a, q.entry.b) == q.entry.value;
        if still {
            l.merge(q.entry.a, q.entry.b, q.entry.value);
        } else {
            l.rescan(g);
        }
    }
    l
}

/// The state of the plain linkage ([`plain`]: exact maps per group, used
/// with the caller's embeddings and as the lazy linkage's reference).
struct Linkage<'a> {
    /// The groups' vector sums, when links weigh meaning exactly.
    sums: Option<Sums<'a>>,
    /// Each group's links: the sum of the similarities to each other group.
    /// Sums are kept in f32, as the similarities are: the maps hold half the
    /// bytes of f64 sums, which matters at a million items (they are the
    /// largest structure); values are computed in f64.
    links: Vec<FxHashMap<u32, f32>>,
    /// Each group's size.
    size: Vec<u32>,
    /// Neighbours verified per item (see `CAPACITY_FACTOR`).
    capacity: f64,
    threshold: f64,
    /// Each group's live queue entry is the one with this version.
    version: Vec<u32>,
    /// Each group's live bound (or exact best value).
    bound: Vec<f64>,
    /// `parent[g]` = the group `g` was merged into (`u32::MAX` while alive).
    parent: Vec<u32>,
    heap: Heap<Queued>,
}

impl Linkage<'_> {
    /// The value of a link between groups `a` and `b` whose similarities sum
    /// to `sum`.
    fn mean(&self, a: u32, b: u32, sum: f32) -> f64 {
        let (sa, sb) = (self.size[a as usize], self.size[b as usize]);
        let terms = term_mean(self.capacity, sa, sb, sum);
        match &self.sums {
            Some(sums) => {
                let w = sums.weight();
                let (sa, sb) = (f64::from(sa), f64::from(sb));
                (1.0 - w) * terms + w * sums.dot(a, b) / (sa * sb)
            }
            None => terms,
        }
    }

    /// The value of the link between groups `a` and `b`.
    fn value(&self, a: u32, b: u32) -> f64 {
        self.mean(a, b, self.links[a as usize].get(&b).copied().unwrap_or(0.0))
    }

    /// A group's best link: the largest value, ties by the smaller pair.
    fn best(&self, g: u32) -> Option<Entry> {
        let mut top: Option<Entry> = None;
        for (&c, &sum) in &self.links[g as usize] {
            let e = Entry {
                value: self.mean(g, c, sum),
                a: g.min(c),
                b: g.max(c),
            };
            if top.as_ref().is_none_or(|t| e > *t) {
                top = Some(e);
            }
        }
        top
    }

    /// With meaning alone (exact means at weight 1), drops group `g`'s
    /// links worth less than the threshold. A mean over all pairs is
    /// reducible (a merged group's value against another is the
    /// size-weighted average of its parts' values), so a dropped link
    /// returns, exactly, when a merge brings in a partner linked above the
    /// threshold. What is lost is a weak link's reach: kept, it would have
    /// carried the exact value against whatever its partner later merges
    /// with, pairs the candidate search never proposed. On the dev files
    /// with MiniLM embeddings ARI moved by at most 0.001 (CLINC150 val 0.637
    /// to 0.636, CLINC150 train 0.578 to 0.579, Banking77 0.492), and 100k
    /// items took 10.9 s instead of 15.2 s: a growing group's link list,
    /// which every merge into it updates at `dims` per link, holds only the
    /// partners still worth a look. (With a term share the capacity
    /// correction is not reducible, so nothing is dropped.)
    fn prune(&mut self, g: u32) {
        let Some(sums) = &self.sums else { return };
        if sums.weight() < 1.0 {
            return;
        }
        let weak: Vec<u32> = self.links[g as usize]
            .iter()
            .filter(|&(&c, &s)| self.mean(g, c, s) < self.threshold)
            .map(|(&c, _)| c)
            .collect();
        for c in weak {
            self.links[g as usize].remove(&c);
            self.links[c as usize].remove(&g);
            if let Some(sums) = &mut self.sums {
                sums.unlink(g, c);
            }
        }
    }

    /// Resolves group `g`'s bound (or stale best) with a scan.
    fn rescan(&mut self, g: u32) {
        self.version[g as usize] += 1;
        match self.best(g) {
            Some(e) if e.value >= self.threshold => {
                self.bound[g as usize] = e.value;
                self.heap.push(Queued {
                    entry: e,
                    group: g,
                    version: self.version[g as usize],
                });
            }
            _ => self.bound[g as usize] = f64::NEG_INFINITY,
        }
    }

    /// Merges groups `a` and `b`, whose link is worth `merged`.
    fn merge(&mut self, a: u32, b: u32, merged: f64) {
        // Merge the group with fewer links into the one with more (ties: into
        // the smaller id), so each link moves O(log n) times.
        let (keep, gone) = {
            let (la, lb) = (self.links[a as usize].len(), self.links[b as usize].len());
            if la > lb || (la == lb && a < b) {
                (a, b)
            } else {
                (b, a)
            }
        };
        self.parent[gone as usize] = keep;
        self.size[keep as usize] += self.size[gone as usize];
        let moved = move_links(&mut self.links, keep, gone);
        if let Some(sums) = &mut self.sums {
            // Every link of the new group changes, the ones that did not
            // move too (the sum moved): its entry becomes its exact best.
            sums.merge(keep, gone);
            self.prune(keep);
            self.rescan(keep);
            return;
        }
        // Every link of both groups was at most `merged` before; the links
        // that did not move only weakened.
        let mut keep_bound = merged;
        for (c, sum) in moved {
            let v = self.mean(keep, c, sum);
            keep_bound = keep_bound.max(v);
            // c's link to `gone` became its link to `keep`. A live entry of
            // c worth more still bounds it (an exact one is checked when it
            // surfaces); otherwise c's entry becomes a bound over both.
            if v < self.bound[c as usize] {
                continue;
            }
            self.push_bound(c, self.bound[c as usize].max(v));
        }
        let keep_bound = if self.links[keep as usize].is_empty() {
            f64::NEG_INFINITY
        } else {
            keep_bound
        };
        self.push_bound(keep, keep_bound);
    }

    /// Makes `bound` group `g`'s live entry, queued if it reaches the
    /// threshold.
    fn push_bound(&mut self, g: u32, bound: f64) {
        self.version[g as usize] += 1;
        self.bound[g as usize] = bound;
        if bound >= self.threshold {
            self.heap.push(Queued {
                entry: Entry {
                    value: bound,
                    a: 0,
                    b: 0,
                },
                group: g,
                version: self.version[g as usize],
            });
        }
    }
}

/// The term part of a link's value: the mean over the pairs between groups
/// of `sa` and `sb` items whose similarities sum to `sum`.
fn term_mean(capacity: f64, sa: u32, sb: u32, sum: f32) -> f64 {
    let sum = f64::from(sum);
    let (sa, sb) = (f64::from(sa), f64::from(sb));
    // Only about `capacity` neighbours per item were verified, so in a
    // merged group of m items at most a share capacity / (m - 1) of the
    // pairs can carry an edge: the mean is taken over that many pairs.
    // The denominator never shrinks as groups grow, so links that did not
    // move only ever weaken (the bounds below rely on it).
    let share = (capacity / (sa + sb - 1.0)).min(1.0);
    sum / (sa * sb * share)
}

/// Moves group `gone`'s links to `keep`, adding the sums of partners both
/// had, and returns each moved partner with its new sum against `keep`, in
/// id order (the maps are then filled in the same order on every run).
fn move_links(links: &mut [FxHashMap<u32, f32>], keep: u32, gone: u32) -> Vec<(u32, f32)> {
    let moved = std::mem::take(&mut links[gone as usize]);
    links[keep as usize].remove(&gone);
    let mut moved: Vec<(u32, f32)> = moved.into_iter().filter(|l| l.0 != keep).collect();
    moved.sort_unstable_by_key(|l| l.0);
    // Each partner's map is a random read (its header, control bytes and
    // slot are cache misses in a row): every partner drops `gone` first, in
    // a short loop whose misses overlap from partner to partner, and the
    // second loop finds the maps in cache. Each map still sees the same
    // operations in the same order.
    for &(c, _) in &moved {
        links[c as usize].remove(&gone);
    }
    for (c, s) in &mut moved {
        *links[*c as usize].entry(keep).or_insert(0.0) += *s;
        let sum = links[keep as usize].entry(*c).or_insert(0.0);
        *sum += *s;
        *s = *sum;
    }
    moved
}

/// Each item's links: the sum of its similarities to each other item.
fn item_links(n: usize, edges: Vec<Edge>) -> Vec<FxHashMap<u32, f32>> {
    // Each item's map is built from its own contiguous run, so building
    // touches memory in order instead of one random map per edge end.
    let by_item = by_item(n, edges);
    // Sums are kept in f32, as the similarities are: the maps hold half the
    // bytes of f64 sums, which matters at a million items (they are the
    // largest structure); values are computed in f64.
    by_item
        .runs()
        .map(|run| {
            let mut m = FxHashMap::with_capacity_and_hasher(run.len(), Default::default());
            for &(c, s) in run {
                *m.entry(c).or_insert(0.0) += s;
            }
            m
        })
        .collect()
}

/// The edges laid out by item: each item's `(partner, similarity)` in one
/// contiguous run.
struct ByItem {
    start: Vec<usize>,
    ends: Vec<(u32, f32)>,
}

impl ByItem {
    /// Each item's run, in item order.
    fn runs(&self) -> impl Iterator<Item = &[(u32, f32)]> {
        self.start.windows(2).map(|w| &self.ends[w[0]..w[1]])
    }
}

/// Lays the edges out by item: a counting sort, in edge order within an
/// item, so that sums over a run add in the same order as edge by edge.
fn by_item(n: usize, edges: Vec<Edge>) -> ByItem {
    let mut start = vec![0usize; n + 1];
    for &(i, j, _) in &edges {
        start[i as usize + 1] += 1;
        start[j as usize + 1] += 1;
    }
    for g in 0..n {
        start[g + 1] += start[g];
    }
    let mut fill = start.clone();
    let mut by_item = vec![(0u32, 0.0f32); start[n]];
    for &(i, j, s) in &edges {
        by_item[fill[i as usize]] = (j, s);
        fill[i as usize] += 1;
        by_item[fill[j as usize]] = (i, s);
        fill[j as usize] += 1;
    }
    ByItem {
        start,
        ends: by_item,
    }
}

/// Each item's group, named by its smallest member, from the merge tree
/// (`parent[g]`: the group `g` was merged into, `u32::MAX` for a root).
fn group_names(parent: &[u32]) -> Vec<u32> {
    let n = parent.len();
    // Resolve each item's root (with path compression), then name groups by
    // their smallest member.
    let mut roots = vec![u32::MAX; n];
    let mut path = Vec::new();
    for i in 0..n {
        let mut g = i as u32;
        while roots[g as usize] == u32::MAX && parent[g as usize] != u32::MAX {
            path.push(g);
            g = parent[g as usize];
        }
        let r = if roots[g as usize] == u32::MAX {
            g
        } else {
            roots[g as usize]
        };
        roots[g as usize] = r;
        for p in path.drain(..) {
            roots[p as usize] = r;
        }
    }
    let mut smallest = vec![u32::MAX; n];
    for (i, &r) in roots.iter().enumerate() {
        let s = &mut smallest[r as usize];
        *s = (*s).min(i as u32);
    }
    roots.iter().map(|&r| smallest[r as usize]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::semantic::Dense;

    #[test]
    fn a_chain_does_not_glue() {
        // 0-1-2-3 chained by strong single links: pairs merge, the chain does not.
        let edges = [(0, 1, 0.9), (1, 2, 0.6), (2, 3, 0.9)];
        let g = average_linkage(4, edges.to_vec(), 0.5, Some(30), None);
        assert_eq!(g, vec![0, 0, 2, 2]);
    }

    /// The vectors of items with these caller embeddings (not centred).
    fn dense<const D: usize>(vectors: &[[f32; D]]) -> Dense {
        let items: Vec<crate::FeedbackItem> = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| crate::FeedbackItem::new(format!("{i}")).with_embedding(v.to_vec()))
            .collect();
        let refs: Vec<&crate::FeedbackItem> = items.iter().collect();
        Dense::build(&refs, None, false).unwrap().unwrap()
    }

    #[test]
    fn exact_means_join_what_shares_no_term_and_do_not_chain() {
        // Two tight bundles and a bridge item between them; the edges carry
        // no term similarity at all.
        let d = dense(&[[1.0, 0.0], [0.99, 0.1], [0.7, 0.7], [0.1, 0.99], [0.0, 1.0]]);
        let edges: Vec<Edge> = vec![(0, 1, 0.0), (1, 2, 0.0), (2, 3, 0.0), (3, 4, 0.0)];
        let vectors = |weight| Some(GroupVectors { dense: &d, weight });
        let g = average_linkage(5, edges.clone(), 0.9, Some(30), vectors(1.0));
        // 0-1 and 3-4 merge (cosine 0.995); the bridge's mean cosine with
        // either pair is about 0.75, under the threshold.
        assert_eq!(g, vec![0, 0, 2, 3, 3]);
        // At 0.7 the bridge joins one side (by the smaller ids on a tie),
        // and the two sides, whose mean cosine is about 0.4, stay apart.
        let g = average_linkage(5, edges.clone(), 0.7, Some(30), vectors(1.0));
        assert_eq!(g, vec![0, 0, 0, 3, 3]);
        // Without meaning the same graph has nothing to merge on.
        let g = average_linkage(5, edges.clone(), 0.5, Some(30), vectors(0.0));
        assert_eq!(g, vec![0, 1, 2, 3, 4]);
        // The mean is over all six pairs between {0, 1, 2} and {3, 4}
        // (0.314), not over the one verified edge 2-3 (0.775): it decides.
        let g = average_linkage(5, edges.clone(), 0.32, Some(30), vectors(1.0));
        assert_eq!(g, vec![0, 0, 0, 3, 3]);
        let g = average_linkage(5, edges, 0.31, Some(30), vectors(1.0));
        assert_eq!(g, vec![0; 5]);
    }

    /// Greedy average linkage by the book: merge the two groups with the
    /// highest mean cosine over all their pairs while it reaches `t`.
    fn naive(v: &[Vec<f32>], t: f64) -> Vec<Vec<usize>> {
        let cos = |a: usize, b: usize| -> f64 {
            v[a].iter().zip(&v[b]).map(|(x, y)| f64::from(x * y)).sum()
        };
        let mut groups: Vec<Vec<usize>> = (0..v.len()).map(|i| vec![i]).collect();
        loop {
            let mut best: Option<(f64, usize, usize)> = None;
            for a in 0..groups.len() {
                for b in a + 1..groups.len() {
                    let sum: f64 = groups[a]
                        .iter()
                        .flat_map(|&i| groups[b].iter().map(move |&j| (i, j)))
                        .map(|(i, j)| cos(i, j))
                        .sum();
                    let mean = sum / (groups[a].len() * groups[b].len()) as f64;
                    if best.is_none_or(|(m, _, _)| mean > m) {
                        best = Some((mean, a, b));
                    }
                }
            }
            match best {
                Some((m, a, b)) if m >= t => {
                    let moved = groups.remove(b);
                    groups[a].extend(moved);
                }
                _ => break,
            }
        }
        for g in &mut groups {
            g.sort_unstable();
        }
        groups.sort();
        groups
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// With every pair a candidate, the exact means (links under the
        /// threshold dropped, products kept through merges) give the
        /// textbook average linkage.
        #[test]
        fn exact_means_on_all_pairs_are_average_linkage(
            raw in proptest::collection::vec(proptest::collection::vec(-100i32..100, 3), 2..14),
            t in 0.05f64..0.9,
        ) {
            let vectors: Vec<[f32; 3]> = raw
                .iter()
                .map(|r| [r[0] as f32 + 0.5, r[1] as f32 + 0.25, r[2] as f32 + 0.125])
                .collect();
            let d = dense(&vectors);
            let n = vectors.len();
            let units: Vec<Vec<f32>> = (0..n).map(|i| d.row(i).unwrap().to_vec()).collect();
            let edges: Vec<Edge> = (0..n as u32)
                .flat_map(|i| (i + 1..n as u32).map(move |j| (i, j, 0.0)))
                .collect();
            let vectors = Some(GroupVectors { dense: &d, weight: 1.0 });
            let roots = average_linkage(n, edges, t, None, vectors);
            let mut groups: Vec<Vec<usize>> = Vec::new();
            for r in 0..n {
                let g: Vec<usize> = (0..n).filter(|&i| roots[i] as usize == r).collect();
                if !g.is_empty() {
                    groups.push(g);
                }
            }
            groups.sort();
            proptest::prop_assert_eq!(groups, naive(&units, t));
        }
    }

    /// Random graphs whose similarities tie often (a few steps) or never
    /// (many), with repeated edges and zero similarities, for the lazy
    /// linkage against the plain.
    fn graph() -> impl proptest::strategy::Strategy<Value = (usize, Vec<Edge>)> {
        use proptest::prelude::*;
        (2usize..60, 1u32..6, any::<bool>()).prop_flat_map(|(n, steps, fine)| {
            let scale = if fine { 1 << 20 } else { steps };
            // Similarity 0 too (a verified pair that shares nothing).
            let edge = (0..n as u32, 0..n as u32, 0..=scale).prop_filter_map(
                "no self links",
                move |(i, j, s)| {
                    let sim = if s == 0 {
                        0.0
                    } else {
                        s as f32 / scale as f32 * 0.9 + 0.05
                    };
                    (i != j).then(|| (i.min(j), i.max(j), sim))
                },
            );
            (Just(n), proptest::collection::vec(edge, 0..n * 4))
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// The lazy linkage makes the plain linkage's merges (the same group
        /// kept each time) and ends with the same link sums, bit for bit.
        #[test]
        fn lazy_partners_are_the_plain_linkage(
            (n, edges) in graph(),
            t in 0.0f64..0.9,
            per_item in proptest::option::of(1usize..8),
            late in proptest::prelude::any::<bool>(),
            grown in proptest::option::of(proptest::collection::vec(1u32..9, 60)),
        ) {
            // Groups of one, or of a few items each (the second stage of
            // the shared-neighbour linkage starts from groups).
            let sizes = grown.map_or(vec![1; n], |g| g[..n].to_vec());
            let plain = plain(sizes.clone(), edges.clone(), t, per_item, None);
            // Half the runs with stamps about to run out.
            let stamp = if late { u32::MAX - 3 } else { 0 };
            let mut lazy = lazy::run_from(sizes, edges, t, per_item, stamp);
            proptest::prop_assert_eq!(&lazy.parent, &plain.parent);
            let bits = |l: &[(u32, f32)]| -> Vec<(u32, u32)> {
                l.iter().map(|&(c, s)| (c, s.to_bits())).collect()
            };
            for (g, l) in lazy.resolved().iter().enumerate() {
                let mut want: Vec<(u32, f32)> =
                    plain.links[g].iter().map(|(&c, &s)| (c, s)).collect();
                want.sort_unstable_by_key(|l| l.0);
                proptest::prop_assert_eq!(bits(l), bits(&want), "group {}", g);
            }
        }
    }

    #[test]
    fn cliques_merge() {
        let edges = [(0, 1, 0.8), (0, 2, 0.7), (1, 2, 0.75), (3, 4, 0.2)];
        assert_eq!(
            average_linkage(5, edges.to_vec(), 0.5, None, None),
            vec![0, 0, 0, 3, 4]
        );
    }
}
