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
//! the threshold only ever splits groups.
//!
//! Pairs are taken best first with a lazy max-heap: when a group grows, links
//! that grew are pushed again and links that shrank are re-scored when they
//! surface. Ties are broken by the smaller group ids, so the result depends
//! only on the graph.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::candidates::Edge;
use crate::text::FxHashMap;

/// How many edges per item the candidate search can leave, in units of
/// `max_candidates_per_item` (an item keeps its own candidates and is kept by
/// others).
const CAPACITY_FACTOR: f64 = 1.0;

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

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Groups `0..n` and returns each item's group as the smallest item index in
/// it.
pub(crate) fn average_linkage(
    n: usize,
    edges: &[Edge],
    threshold: f64,
    per_item: Option<usize>,
) -> Vec<u32> {
    let capacity = per_item.map_or(f64::INFINITY, |k| k as f64 * CAPACITY_FACTOR);
    let mut links: Vec<FxHashMap<u32, f64>> = vec![FxHashMap::default(); n];
    let mut size = vec![1u32; n];
    let mut initial = Vec::new();
    for &(i, j, s) in edges {
        let s = f64::from(s);
        *links[i as usize].entry(j).or_insert(0.0) += s;
        *links[j as usize].entry(i).or_insert(0.0) += s;
        if s >= threshold {
            initial.push(Entry {
                value: s,
                a: i,
                b: j,
            });
        }
    }
    // Heapify in O(E) rather than E pushes.
    let mut heap = BinaryHeap::from(initial);
    // parent[g] = the group g was merged into (u32::MAX while alive).
    let mut parent = vec![u32::MAX; n];
    let value = |links: &[FxHashMap<u32, f64>], size: &[u32], a: u32, b: u32| {
        let sum = links[a as usize].get(&b).copied().unwrap_or(0.0);
        let (sa, sb) = (f64::from(size[a as usize]), f64::from(size[b as usize]));
        // Only about `capacity` neighbours per item were verified, so in a
        // merged group of m items at most a share capacity / (m - 1) of the
        // pairs can carry an edge: the mean is taken over that many pairs.
        // The denominator never shrinks as groups grow, so links that did not
        // move only ever weaken (the lazy heap relies on it).
        let share = (capacity / (sa + sb - 1.0)).min(1.0);
        sum / (sa * sb * share)
    };
    while let Some(e) = heap.pop() {
        if e.value < threshold {
            break;
        }
        if parent[e.a as usize] != u32::MAX || parent[e.b as usize] != u32::MAX {
            continue;
        }
        let now = value(&links, &size, e.a, e.b);
        if now < e.value {
            if now < threshold {
                continue;
            }
            let fresh = Entry { value: now, ..e };
            // Re-queue unless it would come straight back out: merging now is
            // what a push followed by a pop would do, minus two heap moves.
            if heap.peek().is_some_and(|top| *top > fresh) {
                heap.push(fresh);
                continue;
            }
        }
        // Merge the group with fewer links into the one with more (ties: into
        // the smaller id), so each link moves O(log n) times.
        let (keep, gone) = {
            let (la, lb) = (links[e.a as usize].len(), links[e.b as usize].len());
            if la > lb || (la == lb && e.a < e.b) {
                (e.a, e.b)
            } else {
                (e.b, e.a)
            }
        };
        parent[gone as usize] = keep;
        size[keep as usize] += size[gone as usize];
        let moved = std::mem::take(&mut links[gone as usize]);
        links[keep as usize].remove(&gone);
        // Visit the moved links in id order: float sums must not depend on
        // hash order.
        let mut moved: Vec<(u32, f64)> = moved.into_iter().filter(|l| l.0 != keep).collect();
        moved.sort_unstable_by_key(|l| l.0);
        for (c, s) in moved {
            let lc = &mut links[c as usize];
            lc.remove(&gone);
            *lc.entry(keep).or_insert(0.0) += s;
            *links[keep as usize].entry(c).or_insert(0.0) += s;
            let v = value(&links, &size, keep, c);
            if v >= threshold {
                heap.push(Entry {
                    value: v,
                    a: keep.min(c),
                    b: keep.max(c),
                });
            }
        }
    }
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

    #[test]
    fn a_chain_does_not_glue() {
        // 0-1-2-3 chained by strong single links: pairs merge, the chain does not.
        let edges = [(0, 1, 0.9), (1, 2, 0.6), (2, 3, 0.9)];
        let g = average_linkage(4, &edges, 0.5, Some(30));
        assert_eq!(g, vec![0, 0, 2, 2]);
    }

    #[test]
    fn cliques_merge() {
        let edges = [(0, 1, 0.8), (0, 2, 0.7), (1, 2, 0.75), (3, 4, 0.2)];
        assert_eq!(average_linkage(5, &edges, 0.5, None), vec![0, 0, 0, 3, 4]);
    }
}
