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
//! `min(1, shared / (0.4 min(k, l)))` of its similarity, where `shared`
//! counts the items in both lists (each end counts when it is in the
//! other's list) and `l` is the length of the shorter list: an item with
//! few partners is not held to a neighbourhood it does not have. With `k` =
//! 10 a link between items with full lists that share four of their eleven
//! counts in full.
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

/// The most neighbours per item: a list and the item fill one row of 16
/// ids, one cache line.
pub(crate) const MAX_SHARED_NEIGHBOURS: usize = ROW - 1;

/// Ids per row.
const ROW: usize = 16;

/// An item's list: its ids, then `u32::MAX` (no item has that index).
#[derive(Clone, Copy)]
#[repr(align(64))]
struct Row([u32; ROW]);

/// Each link of `edges` (each pair at most once, as the candidate search
/// gives them: a repeated pair would put a partner twice in a list)
/// weighed by the neighbours its items share (see the module docs); `k` (in
/// `1..=MAX_SHARED_NEIGHBOURS`) neighbours per item. O(edges × k) time;
/// about `72 + 8 k` bytes per item beyond the copy.
pub(super) fn weighed(n: usize, edges: &[Edge], k: usize) -> Vec<Edge> {
    debug_assert!((1..=MAX_SHARED_NEIGHBOURS).contains(&k));
    let k = k.clamp(1, MAX_SHARED_NEIGHBOURS);
    let (rows, lens) = neighbour_rows(n, edges, k);
    // A row holds at most `k + 1` ids, first: only that many slots are
    // compared (a whole number of four-id vectors).
    match k + 1 {
        ..=8 => weigh::<8>(edges, &rows, &lens, k),
        9..=12 => weigh::<12>(edges, &rows, &lens, k),
        _ => weigh::<ROW>(edges, &rows, &lens, k),
    }
}

/// [`weighed`] with rows of at most `W` ids (`W <= ROW`).
fn weigh<const W: usize>(edges: &[Edge], rows: &[Row], lens: &[u8], k: usize) -> Vec<Edge> {
    // A link of weight 0 adds nothing to any sum and cannot reach a
    // threshold above 0, so it is left out: on 100k lines of the shared
    // texts 1.30M of 2.70M links are kept (3,000 of CLINC150 val: 34k of
    // 57k), and the first stage runs on those.
    edges
        .iter()
        .filter_map(|&(i, j, s)| {
            let shared = shared_count::<W>(&rows[i as usize], &rows[j as usize]);
            let shorter = lens[i as usize].min(lens[j as usize]);
            let full = FULL_SHARE * k.min(usize::from(shorter)) as f64;
            let share = (f64::from(shared) / full).min(1.0);
            let w = (f64::from(s) * share) as f32;
            (w > 0.0).then_some((i, j, w))
        })
        .collect()
}

/// Each item's row: its `k` best partners (similarity descending, ties by
/// the smaller index) and itself; and each row's length.
fn neighbour_rows(n: usize, edges: &[Edge], k: usize) -> (Vec<Row>, Vec<u8>) {
    // Best first, k slots per item.
    let mut best = vec![(0f32, 0u32); n * k];
    let mut len = vec![0u8; n];
    let better = |a: (f32, u32), b: (f32, u32)| a.0 > b.0 || (a.0 == b.0 && a.1 < b.1);
    let mut offer = |item: u32, cand: (f32, u32)| {
        let list = &mut best[item as usize * k..][..k];
        let l = usize::from(len[item as usize]);
        if l == k && !better(cand, list[k - 1]) {
            return;
        }
        // Insertion from the end; a full list drops its last.
        let mut p = l.min(k - 1);
        while p > 0 && better(cand, list[p - 1]) {
            list[p] = list[p - 1];
            p -= 1;
        }
        list[p] = cand;
        if l < k {
            len[item as usize] += 1;
        }
    };
    for &(i, j, s) in edges {
        offer(i, (s, j));
        offer(j, (s, i));
    }
    let rows = (0..n)
        .map(|i| {
            let mut row = Row([u32::MAX; ROW]);
            let l = usize::from(len[i]);
            for (slot, e) in row.0.iter_mut().zip(&best[i * k..i * k + l]) {
                *slot = e.1;
            }
            row.0[l] = i as u32;
            row
        })
        .collect();
    for l in &mut len {
        *l += 1;
    }
    (rows, len)
}

/// How many ids two rows have in common (ids are distinct within a row),
/// among their first `W` slots (all their ids, when they hold at most `W`):
/// every pair compared, without a branch, so that it vectorises.
fn shared_count<const W: usize>(a: &Row, b: &Row) -> u32 {
    let (a, b) = (&a.0[..W], &b.0[..W]);
    let mut c = 0;
    for &x in a {
        let hit = b.iter().fold(0u32, |acc, &y| acc | u32::from(x == y));
        c += hit & u32::from(x != u32::MAX);
    }
    c
}

/// The links between the groups `group[i]` (each below `m`), each the sum
/// of its items' similarities, summed in the order of `edges`; links inside
/// a group are left out. O(edges + m).
pub(super) fn contract(edges: Vec<Edge>, group: &[u32], m: usize) -> Vec<Edge> {
    let between: Vec<Edge> = edges
        .into_iter()
        .filter_map(|(i, j, s)| {
            let (a, b) = (group[i as usize], group[j as usize]);
            (a != b).then(|| (a.min(b), a.max(b), s))
        })
        .collect();
    // Two stable counting sorts, by the second group and then the first:
    // equal pairs keep the edges' order, so their sums do too.
    let by_second = counting_sort(&between, m, |e| e.1);
    let sorted = counting_sort(&by_second, m, |e| e.0);
    let mut out: Vec<Edge> = Vec::with_capacity(sorted.len());
    for (a, b, s) in sorted {
        match out.last_mut() {
            Some(last) if (last.0, last.1) == (a, b) => last.2 += s,
            _ => out.push((a, b, s)),
        }
    }
    out
}

/// `edges` stably sorted by `key` (below `m`).
fn counting_sort(edges: &[Edge], m: usize, key: impl Fn(&Edge) -> u32) -> Vec<Edge> {
    let mut start = vec![0usize; m + 1];
    for e in edges {
        start[key(e) as usize + 1] += 1;
    }
    for g in 0..m {
        start[g + 1] += start[g];
    }
    let mut out = vec![(0, 0, 0.0); edges.len()];
    for e in edges {
        let at = &mut start[key(e) as usize];
        out[*at] = *e;
        *at += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two cliques of `size` (`0..size` and `size..2 size`), links `sim`.
    fn two_cliques(size: u32, sim: f32) -> Vec<Edge> {
        let mut edges = Vec::new();
        for base in [0, size] {
            for i in base..base + size {
                for j in i + 1..base + size {
                    edges.push((i, j, sim));
                }
            }
        }
        edges
    }

    #[test]
    fn a_link_between_neighbourhoods_that_agree_keeps_its_weight() {
        // Two cliques of five, 0..5 and 5..10, and one bridge 4-5 as strong
        // as the clique links.
        let mut edges = two_cliques(5, 0.5);
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
        // 0 and 1 are each other's best: both ends shared.
        assert_eq!(w[0].2, 0.8);
        // 2's best is 1, but 1's best is 0: they share 1 alone, which at
        // k = 1 is enough (0.4 needed).
        assert_eq!(w[1].2, 0.4);
        // Lists {0,1}, {0,1,2}, {1,2}: each link shares two, and the
        // shorter list holds two, so 0.8 are needed, not 4: items with few
        // partners are held to the neighbourhood they have.
        let w = weighed(3, &edges, 10);
        assert_eq!(w[0].2, 0.8);
        assert_eq!(w[1].2, 0.4);
    }

    #[test]
    fn a_mutual_pair_with_few_partners_is_not_discounted() {
        let edges = vec![(0, 1, 0.9), (1, 2, 0.8), (1, 3, 0.1), (2, 3, 0.1)];
        let linkage = |k| super::super::shared_neighbour_linkage(4, edges.clone(), 0.5, None, k);
        assert_eq!(linkage(0), vec![0, 0, 2, 3]);
        assert_eq!(linkage(10), vec![0, 0, 2, 3]);
    }

    #[test]
    fn a_strong_bridge_no_longer_splits_the_groups_it_joins() {
        // Two cliques of eight (0..8 and 8..16, links 0.9) and a bridge 7-8
        // stronger than any of them.
        let mut edges = two_cliques(8, 0.9);
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// The rows and the branch-free count give what plain sets give.
        #[test]
        fn weights_match_a_set_reference(
            n in 2usize..40,
            raw in proptest::collection::vec((0u32..40, 0u32..40, 0u32..4), 0..160),
            k in 1usize..=MAX_SHARED_NEIGHBOURS,
        ) {
            let mut seen = std::collections::HashSet::new();
            let edges: Vec<Edge> = raw
                .into_iter()
                .map(|(i, j, s)| (i % n as u32, j % n as u32, s))
                .filter(|&(i, j, _)| i != j && seen.insert((i.min(j), i.max(j))))
                .map(|(i, j, s)| (i.min(j), i.max(j), 0.2 + s as f32 * 0.2))
                .collect();
            let lists: Vec<std::collections::HashSet<u32>> = (0..n as u32)
                .map(|i| {
                    let mut p: Vec<(f32, u32)> = edges
                        .iter()
                        .filter_map(|&(a, b, s)| {
                            (a == i).then_some((s, b)).or((b == i).then_some((s, a)))
                        })
                        .collect();
                    p.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
                    p.truncate(k);
                    p.into_iter().map(|e| e.1).chain([i]).collect()
                })
                .collect();
            let got = weighed(n, &edges, k);
            let mut got = got.iter();
            for e in &edges {
                let shared = lists[e.0 as usize].intersection(&lists[e.1 as usize]).count();
                let (li, lj) = (lists[e.0 as usize].len(), lists[e.1 as usize].len());
                let full = FULL_SHARE * k.min(li.min(lj)) as f64;
                let share = (shared as f64 / full).min(1.0);
                let want = (f64::from(e.2) * share) as f32;
                // Links of weight 0 are left out, the others kept in order.
                if want > 0.0 {
                    let w = got.next();
                    proptest::prop_assert_eq!(w, Some(&(e.0, e.1, want)));
                }
            }
            proptest::prop_assert_eq!(got.next(), None);
        }
    }

    #[test]
    fn contraction_sums_links_between_groups_in_edge_order() {
        let edges = vec![(0, 2, 0.25), (1, 2, 0.5), (0, 1, 0.9), (3, 1, 0.125)];
        let group = [0, 0, 1, 2];
        assert_eq!(
            contract(edges, &group, 3),
            vec![(0, 1, 0.75), (0, 2, 0.125)]
        );
        // In edge order 1 + 2⁻²⁴ rounds to 1, twice; the other way the two
        // small ones make 2⁻²³, which 1 keeps.
        let tiny = f32::EPSILON / 2.0;
        let edges = vec![(2, 3, 1.0), (0, 3, tiny), (1, 3, tiny)];
        assert_eq!(contract(edges, &[0, 0, 0, 1], 2), vec![(0, 1, 1.0)]);
        let edges = vec![(0, 3, tiny), (1, 3, tiny), (2, 3, 1.0)];
        assert_eq!(
            contract(edges, &[0, 0, 0, 1], 2),
            vec![(0, 1, 1.0 + 2.0 * tiny)]
        );
    }
}
