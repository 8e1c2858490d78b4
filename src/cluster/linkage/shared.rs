//! Shared nearest neighbours: a first linkage on links weighed by how many
//! neighbours their two items share, continued on the plain links.
//!
//! A verified link says two requests are alike; it does not say that their
//! neighbourhoods agree. A link between two items whose nearest neighbours
//! are mostly the same items (two paraphrases among their intent's other
//! paraphrases) is better evidence than one between two items whose
//! neighbours lie apart (a request that happens to share a phrase with
//! another topic). Each item's `k` nearest neighbours by verified similarity
//! form its list, the item itself included; a link keeps the share
//! `min(1, shared / (0.4 k))` of its similarity, where `shared` counts the
//! items in both lists (the two ends included when each is in the other's
//! list). With `k` = 10 a link between items that share four of their
//! eleven counts in full.
//!
//! The average linkage runs first on those weights, with the same threshold,
//! so its groups are cores that the neighbourhoods agree on. Shared
//! neighbours alone would split a large true group, though: in an intent of
//! 130 paraphrases two members' ten nearest neighbours are mostly different
//! members. So the linkage then goes on from those cores on the plain
//! similarities, each core a group with its size and the sums of its links,
//! until no link reaches the threshold, as the plain linkage would.
//!
//! On the dev files (static vectors, default parameters, ARI) Banking77
//! train went from 0.348 to 0.357, CLINC150 val from 0.533 to 0.545 and
//! Hadoop duplicates stayed at 0.112; see `docs/clustering.md` for the
//! samples of the held-out sizes.

use super::Edge;

/// The share of `k` shared neighbours at which a link counts in full.
const FULL_SHARE: f64 = 0.4;

/// Each link of `edges` weighed by the neighbours its items share (see the
/// module docs); `k` (at least 1) neighbours per item. O(edges × k) time,
/// O(n × k) memory beyond the copy.
pub(super) fn weighed(n: usize, edges: &[Edge], k: usize) -> Vec<Edge> {
    debug_assert!(k > 0, "k = 0 is the one-stage linkage");
    let lists = neighbour_lists(n, edges, k);
    let full = FULL_SHARE * k as f64;
    edges
        .iter()
        .map(|&(i, j, s)| {
            let shared = shared_count(&lists[i as usize], &lists[j as usize]);
            let share = (shared as f64 / full).min(1.0);
            (i, j, (f64::from(s) * share) as f32)
        })
        .collect()
}

/// Each item's `k` best partners (similarity descending, ties by the smaller
/// index) and itself, sorted by index.
fn neighbour_lists(n: usize, edges: &[Edge], k: usize) -> Vec<Vec<u32>> {
    // Best first: (similarity, partner), kept to at most k per item.
    let mut best: Vec<Vec<(f32, u32)>> = vec![Vec::new(); n];
    let better = |a: &(f32, u32), b: &(f32, u32)| a.0 > b.0 || (a.0 == b.0 && a.1 < b.1);
    let offer = |list: &mut Vec<(f32, u32)>, cand: (f32, u32)| {
        if list.len() == k && !list.last().is_some_and(|w| better(&cand, w)) {
            return;
        }
        let at = list.partition_point(|e| better(e, &cand));
        list.insert(at, cand);
        list.truncate(k);
    };
    if k > 0 {
        for &(i, j, s) in edges {
            offer(&mut best[i as usize], (s, j));
            offer(&mut best[j as usize], (s, i));
        }
    }
    best.into_iter()
        .enumerate()
        .map(|(i, list)| {
            let mut ids: Vec<u32> = list.into_iter().map(|e| e.1).collect();
            ids.push(i as u32);
            ids.sort_unstable();
            ids
        })
        .collect()
}

/// How many entries two sorted lists have in common.
fn shared_count(a: &[u32], b: &[u32]) -> usize {
    let (mut x, mut y, mut c) = (0, 0, 0);
    while x < a.len() && y < b.len() {
        match a[x].cmp(&b[y]) {
            std::cmp::Ordering::Less => x += 1,
            std::cmp::Ordering::Greater => y += 1,
            std::cmp::Ordering::Equal => {
                c += 1;
                x += 1;
                y += 1;
            }
        }
    }
    c
}

/// The links between the groups `group[i]` (of `m` groups), each the sum of
/// its items' similarities, summed in the order of `edges`; links inside a
/// group are left out.
pub(super) fn contract(edges: Vec<Edge>, group: &[u32]) -> Vec<Edge> {
    let mut between: Vec<Edge> = edges
        .into_iter()
        .filter_map(|(i, j, s)| {
            let (a, b) = (group[i as usize], group[j as usize]);
            (a != b).then(|| (a.min(b), a.max(b), s))
        })
        .collect();
    // Stable: equal pairs keep the edges' order, so the sums do too.
    between.sort_by_key(|e| (e.0, e.1));
    let mut out: Vec<Edge> = Vec::with_capacity(between.len());
    for (a, b, s) in between {
        match out.last_mut() {
            Some(last) if (last.0, last.1) == (a, b) => last.2 += s,
            _ => out.push((a, b, s)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_between_neighbourhoods_that_agree_keeps_its_weight() {
        // Two cliques of five, 0..5 and 5..10, and one bridge 4-5 as strong
        // as the clique links.
        let mut edges = Vec::new();
        for base in [0u32, 5] {
            for i in base..base + 5 {
                for j in i + 1..base + 5 {
                    edges.push((i, j, 0.5));
                }
            }
        }
        edges.push((4, 5, 0.5));
        let w = weighed(10, &edges, 4);
        let of = |i: u32, j: u32| w.iter().find(|e| (e.0, e.1) == (i, j)).unwrap().2;
        // Inside a clique the lists are the clique: 5 shared of 1.6 needed.
        assert_eq!(of(0, 1), 0.5);
        // The bridge's ends share only themselves (and not even that when
        // the bridge lost the tie for their lists).
        assert!(of(4, 5) < 0.5 * 0.7, "{}", of(4, 5));
        assert_eq!(w.len(), edges.len());
    }

    #[test]
    fn shares_count_both_ends_and_common_neighbours() {
        let edges = vec![(0, 1, 0.8), (1, 2, 0.4)];
        let w = weighed(3, &edges, 1);
        // 0 and 1 are each other's best: both ends shared, 2 of 0.4 needed.
        assert_eq!(w[0].2, 0.8);
        // 2's best is 1, but 1's best is 0: they share 1 alone, which at
        // k = 1 is enough (0.4 needed).
        assert_eq!(w[1].2, 0.4);
        let w = weighed(3, &edges, 10);
        // Lists {0,1}, {0,1,2}, {1,2}: each link shares two of the four
        // needed.
        assert_eq!(w[0].2, 0.4);
        assert_eq!(w[1].2, 0.2);
    }

    #[test]
    fn a_strong_bridge_no_longer_splits_the_groups_it_joins() {
        // Two cliques of eight (0..8 and 8..16, links 0.9) and a bridge 7-8
        // stronger than any of them.
        let mut edges = Vec::new();
        for base in [0u32, 8] {
            for i in base..base + 8 {
                for j in i + 1..base + 8 {
                    edges.push((i, j, 0.9));
                }
            }
        }
        edges.push((7, 8, 0.95));
        let linkage = |k| super::super::shared_neighbour_linkage(16, edges.clone(), 0.5, None, k);
        // One stage: the bridge merges first, and neither clique can take
        // the pair back (a mean of 0.45 to each).
        let mut one = vec![0; 7];
        one.extend([7, 7]);
        one.extend([9; 7]);
        assert_eq!(linkage(0), one);
        // The bridge's ends share only themselves among their seven
        // nearest neighbours: the cliques form first, and stay apart.
        let mut two = vec![0; 8];
        two.extend([8; 8]);
        assert_eq!(linkage(7), two);
    }

    #[test]
    fn contraction_sums_links_between_groups_in_edge_order() {
        let edges = vec![(0, 2, 0.25), (1, 2, 0.5), (0, 1, 0.9), (3, 1, 0.125)];
        let group = [0, 0, 1, 2];
        assert_eq!(contract(edges, &group), vec![(0, 1, 0.75), (0, 2, 0.125)]);
    }
}
