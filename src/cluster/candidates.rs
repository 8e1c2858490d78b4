//! Candidate pairs without comparing every pair.
//!
//! An inverted index maps each informative term to the items that contain it.
//! Terms found in a single item cannot link anything, and terms found in more
//! than `max_document_ratio` of the items (with a floor of [`MIN_DF_CAP`]) are
//! too common to say two requests are alike; neither generates candidates
//! (both still count in the verified similarity). Lists are ordered by a
//! stable hash of the item ids (see [`Postings`]). Each item searches through
//! its `max_search_terms_per_item` strongest indexed terms and scans at most
//! `max_postings_per_term` entries of each of their lists, a window around
//! its own place in the list, sums the
//! partial dot products, keeps its `max_candidates_per_item` best, and each
//! kept pair is verified with the full cosine similarity. The work per item is
//! therefore bounded by `max_search_terms_per_item × max_postings_per_term`,
//! whatever the number of items.

mod search;

use super::vectors::SparseVec;
#[cfg(test)]
use super::vectors::dot;
pub(crate) use search::{Accumulator, Postings};

/// Below this many items a term is never "too common": on small inputs the
/// ratio alone would starve every term.
pub(crate) const MIN_DF_CAP: usize = 64;

/// Verified similarities below this count as 0 (no edge): they are noise at
/// any sensible threshold, and dropping them keeps the graph small. Fixed, so
/// that the graph does not depend on the threshold.
pub(crate) const MIN_EDGE: f32 = 0.05;

/// A verified similar pair `(i, j, cosine)` with `i < j`.
pub(crate) type Edge = (u32, u32, f32);

/// The verified similar pairs found through the index: each item's best
/// candidates, merged with its `extra` candidates (each list sorted; empty
/// for none), the union over both directions, with their similarity `sim`
/// (at least [`MIN_EDGE`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn fast_edges(
    vectors: &[SparseVec],
    keys: &[u64],
    df: &[u32],
    max_df: usize,
    window: usize,
    search_terms: usize,
    k: usize,
    extra: &[Vec<u32>],
    sim: &(dyn Fn(usize, usize) -> f32 + Sync),
    touch: &(dyn Fn(usize) -> u32 + Sync),
) -> Vec<Edge> {
    let postings = Postings::new(vectors, keys, df, max_df);
    let cands = candidate_lists(&postings, vectors, window, search_terms, k, extra);
    verify_candidates(cands, sim, touch)
}

/// Each item's candidates, sorted by index: its best `k` through the
/// postings merged with its `extra` list.
///
/// Items are searched in slot order (neighbouring slots scan overlapping
/// windows, which stay in cache) and are independent: with the `parallel` feature, chunks of slots are searched
/// on all cores (one accumulator per worker), so the result is the same.
fn candidate_lists(
    postings: &Postings,
    vectors: &[SparseVec],
    window: usize,
    search_terms: usize,
    k: usize,
    extra: &[Vec<u32>],
) -> Vec<Vec<u32>> {
    let n = vectors.len();
    // `out` and `merged` are buffers of each worker; each list is copied
    // out at its final length (one allocation per item, not a growth and a
    // shrink).
    let search = |(acc, out, merged): &mut (Accumulator, Vec<u32>, Vec<u32>), slot: usize| {
        let i = postings.items[slot] as usize;
        acc.top(
            postings,
            &vectors[i],
            Some(i as u32),
            window,
            search_terms,
            k,
            out,
        );
        // Both sorted by index: merged, each index once.
        let more = extra.get(i).map_or(&[][..], Vec::as_slice);
        merge_sorted(out, more, merged);
        (i, merged.to_vec())
    };
    let mut cands: Vec<Vec<u32>> = vec![Vec::new(); n];
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        const CHUNK: usize = 1024;
        let found: Vec<Vec<(usize, Vec<u32>)>> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map_init(
                || (Accumulator::new(n), Vec::new(), Vec::new()),
                |buffers, c| {
                    (c * CHUNK..n.min((c + 1) * CHUNK))
                        .map(|slot| search(buffers, slot))
                        .collect()
                },
            )
            .collect();
        for (i, out) in found.into_iter().flatten() {
            cands[i] = out;
        }
    }
    #[cfg(not(feature = "parallel"))]
    {
        let mut buffers = (Accumulator::new(n), Vec::new(), Vec::new());
        for slot in 0..n {
            let (i, out) = search(&mut buffers, slot);
            cands[i] = out;
        }
    }
    cands
}

/// `a` and `b`, each sorted, merged into `out` (sorted, each value once).
fn merge_sorted(a: &[u32], b: &[u32], out: &mut Vec<u32>) {
    out.clear();
    let (mut i, mut j) = (0, 0);
    while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
        out.push(x.min(y));
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out.dedup();
}

/// The verified pairs of the candidate lists, sorted: each pair once, from
/// the smaller index, or from the larger when the smaller did not keep it
/// (`sim` is called with the index whose list holds the other first, as the
/// float products depend on the order), whatever the number of workers.
///
/// The pairs a list holds toward smaller indices are laid out by their
/// smaller index first (one counting pass; each row comes out sorted, as
/// the lists are visited in index order), so that each item merges its own
/// list with that row and the edges come out in order: no look-up of one
/// item in another's list (a cache miss per pair on large inputs) and no
/// sort of the edges.
///
/// `touch(j)` reads what `sim` will read of item `j` (its value means
/// nothing): all of an item's partners are touched before their pairs are
/// computed, in a short loop whose cache misses overlap, rather than one
/// partner's misses after another's inside `sim`.
fn verify_candidates(
    cands: Vec<Vec<u32>>,
    sim: &(dyn Fn(usize, usize) -> f32 + Sync),
    touch: &(dyn Fn(usize) -> u32 + Sync),
) -> Vec<Edge> {
    let n = cands.len();
    let (starts, back) = backward(&cands);
    let verify = |a: usize, edges: &mut Vec<Edge>| {
        let list = &cands[a];
        let ahead = &list[list.partition_point(|&j| (j as usize) <= a)..];
        let row = &back[starts[a] as usize..starts[a + 1] as usize];
        let touched = ahead
            .iter()
            .chain(row)
            .fold(0u32, |t, &j| t ^ touch(j as usize));
        std::hint::black_box(touched);
        let (mut x, mut y) = (0, 0);
        let a32 = a as u32;
        while x < ahead.len() || y < row.len() {
            let (b, s) = match (ahead.get(x), row.get(y)) {
                (Some(&f), Some(&r)) if f == r => {
                    x += 1;
                    y += 1;
                    (f, sim(a, f as usize))
                }
                (Some(&f), Some(&r)) if r < f => {
                    y += 1;
                    (r, sim(r as usize, a))
                }
                (Some(&f), _) => {
                    x += 1;
                    (f, sim(a, f as usize))
                }
                (None, Some(&r)) => {
                    y += 1;
                    (r, sim(r as usize, a))
                }
                (None, None) => break,
            };
            if s >= MIN_EDGE {
                edges.push((a32, b, s));
            }
        }
    };
    #[cfg(feature = "parallel")]
    let edges: Vec<Edge> = {
        use rayon::prelude::*;
        const CHUNK: usize = 1024;
        // Rayon's collect keeps the chunk order.
        let parts: Vec<Vec<Edge>> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let mut edges = Vec::new();
                for a in c * CHUNK..n.min((c + 1) * CHUNK) {
                    verify(a, &mut edges);
                }
                edges
            })
            .collect();
        parts.concat()
    };
    #[cfg(not(feature = "parallel"))]
    let edges: Vec<Edge> = {
        let mut edges = Vec::new();
        for a in 0..n {
            verify(a, &mut edges);
        }
        edges
    };
    edges
}

/// Per item `j`, the items `i > j` whose candidate list holds `j`,
/// ascending: row `j` is `back[starts[j]..starts[j + 1]]`. One counting
/// pass; each row comes out sorted, as the lists are visited in order.
fn backward(cands: &[Vec<u32>]) -> (Vec<u32>, Vec<u32>) {
    let n = cands.len();
    let mut starts = vec![0u32; n + 1];
    for (i, list) in cands.iter().enumerate() {
        for &j in list.iter().take_while(|&&j| (j as usize) < i) {
            starts[j as usize + 1] += 1;
        }
    }
    for j in 0..n {
        starts[j + 1] += starts[j];
    }
    let mut fill: Vec<u32> = starts[..n].to_vec();
    let mut back = vec![0u32; starts[n] as usize];
    for (i, list) in cands.iter().enumerate() {
        for &j in list.iter().take_while(|&&j| (j as usize) < i) {
            let at = &mut fill[j as usize];
            back[*at as usize] = i as u32;
            *at += 1;
        }
    }
    (starts, back)
}

/// Every pair of the `n` items with a similarity `sim` of at least
/// [`MIN_EDGE`], by comparing all pairs: O(n²), for tests and benchmarks
/// only.
pub(crate) fn exhaustive_edges(n: usize, sim: &dyn Fn(usize, usize) -> f32) -> Vec<Edge> {
    let mut edges = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let s = sim(i, j);
            if s >= MIN_EDGE {
                edges.push((i as u32, j as u32, s));
            }
        }
    }
    edges
}

/// The median over `n` items of each one's best value among `edges`, as
/// `value` gives it for an edge (`None`: the edge does not count); 0 for
/// an item without one.
pub(crate) fn median_best(n: usize, edges: &[Edge], value: impl Fn(&Edge) -> Option<f32>) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let mut best = vec![0.0f32; n];
    for e in edges {
        if let Some(v) = value(e) {
            best[e.0 as usize] = best[e.0 as usize].max(v);
            best[e.1 as usize] = best[e.1 as usize].max(v);
        }
    }
    f64::from(*best.select_nth_unstable_by(n / 2, f32::total_cmp).1)
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    use super::search::tests::{common_df, vectors};
    use super::*;

    #[test]
    fn merged_lists_are_the_sorted_union() {
        let mut rng = crate::test_rng::xorshift(5);
        let mut next = || (rng() >> 33) as u32;
        let mut merged = Vec::new();
        for _ in 0..500 {
            let mut list = |len: u32| {
                let mut l: Vec<u32> = (0..next() % len).map(|_| next() % 40).collect();
                l.sort_unstable();
                l
            };
            // Repeats within a list too.
            let (a, b) = (list(35), list(12));
            merge_sorted(&a, &b, &mut merged);
            let mut want = [a, b].concat();
            want.sort_unstable();
            want.dedup();
            assert_eq!(merged, want);
        }
    }

    #[test]
    fn verification_merges_both_directions_as_the_lists_say() {
        // Random sorted lists, some holding their own item; the reference
        // keeps each pair from the smaller index, or from the larger when
        // the smaller's list lacks it, calling `sim` from the list's owner.
        let mut rng = crate::test_rng::xorshift(11);
        let mut next = || (rng() >> 33) as u32;
        let n = 200u32;
        let cands: Vec<Vec<u32>> = (0..n)
            .map(|_| {
                let mut l: Vec<u32> = (0..next() % 12).map(|_| next() % n).collect();
                l.sort_unstable();
                l.dedup();
                l
            })
            .collect();
        // Asymmetric on purpose: the argument order shows in the value.
        let sim = |i: usize, j: usize| 0.05 + ((i * 7 + j * 3) % 50) as f32 / 100.0;
        let mut expected: Vec<Edge> = Vec::new();
        for (i, l) in cands.iter().enumerate() {
            for &j in l {
                let ju = j as usize;
                if ju > i || (ju < i && cands[ju].binary_search(&(i as u32)).is_err()) {
                    let s = sim(i, ju);
                    if s >= MIN_EDGE {
                        expected.push((i.min(ju) as u32, i.max(ju) as u32, s));
                    }
                }
            }
        }
        expected.sort_unstable_by_key(|e| (e.0, e.1));
        assert!(expected.len() > 500);
        assert_eq!(verify_candidates(cands, &sim, &|_| 0), expected);
    }

    #[test]
    fn fast_edges_do_not_depend_on_the_index_order_of_equal_keys() {
        // The same items indexed in two orders, with keys that follow the
        // items: the same pairs, up to renaming.
        let n = 50;
        let v = vectors(n);
        let df = common_df(n);
        let keys: Vec<u64> = (0..n as u64).map(|i| (i * 37) % 101).collect();
        let sim = |i: usize, j: usize| dot(&v[i], &v[j]);
        let a = fast_edges(&v, &keys, &df, n, 6, 32, 4, &[], &sim, &|_| 0);
        let rev: Vec<SparseVec> = v.iter().rev().cloned().collect();
        let rev_keys: Vec<u64> = keys.iter().rev().copied().collect();
        let b = fast_edges(
            &rev,
            &rev_keys,
            &df,
            n,
            6,
            32,
            4,
            &[],
            &|i, j| dot(&rev[i], &rev[j]),
            &|_| 0,
        );
        let flip = |e: &Edge| {
            let (i, j) = (n as u32 - 1 - e.0, n as u32 - 1 - e.1);
            (i.min(j), i.max(j))
        };
        let mut b: Vec<(u32, u32)> = b.iter().map(flip).collect();
        b.sort_unstable();
        let a: Vec<(u32, u32)> = a.iter().map(|e| (e.0, e.1)).collect();
        assert!(!a.is_empty());
        assert_eq!(a, b);
    }
}
