//! Candidate pairs without comparing every pair.
//!
//! An inverted index maps each informative term to the items that contain it.
//! Terms found in a single item cannot link anything, and terms found in more
//! than `max_document_ratio` of the items (with a floor of [`MIN_DF_CAP`]) are
//! too common to say two requests are alike; neither generates candidates
//! (both still count in the verified similarity). Each item scans at most
//! `max_postings_per_term` entries of each of its terms' lists, sums the
//! partial dot products, keeps its `max_candidates_per_item` best, and each
//! kept pair is verified with the full cosine similarity. The work per item is
//! therefore bounded by `max_terms_per_item × max_postings_per_term`, whatever
//! the number of items.

use super::vectors::{SparseVec, dot};

/// Below this many items a term is never "too common": on small inputs the
/// ratio alone would starve every term.
pub(crate) const MIN_DF_CAP: usize = 64;

/// Verified similarities below this count as 0 (no edge): they are noise at
/// any sensible threshold, and dropping them keeps the graph small. Fixed, so
/// that the graph does not depend on the threshold.
pub(crate) const MIN_EDGE: f32 = 0.05;

/// A verified similar pair `(i, j, cosine)` with `i < j`.
pub(crate) type Edge = (u32, u32, f32);

/// Term id -> items that contain it with their weight, in item order, for
/// terms that may generate candidates.
#[derive(Clone, Debug, Default)]
pub(crate) struct Postings {
    lists: Vec<Vec<(u32, f32)>>,
}

impl Postings {
    /// Indexes `vectors` for the terms whose document frequency lies in
    /// `2..=max_df`.
    pub fn new(vectors: &[SparseVec], df: &[u32], max_df: usize) -> Postings {
        let mut lists: Vec<Vec<(u32, f32)>> = vec![Vec::new(); df.len()];
        for (i, v) in vectors.iter().enumerate() {
            for &(t, w) in v {
                let d = df[t as usize] as usize;
                if (2..=max_df).contains(&d) {
                    lists[t as usize].push((i as u32, w));
                }
            }
        }
        Postings { lists }
    }

    /// The slice of term `t`'s list an item at list position `pos` scans: all
    /// of it when short, otherwise a window of `window` entries around `pos`.
    fn window(&self, t: u32, pos: Option<usize>, window: usize) -> &[(u32, f32)] {
        let list = match self.lists.get(t as usize) {
            Some(l) => l.as_slice(),
            None => return &[],
        };
        if list.len() <= window {
            return list;
        }
        let center = pos.unwrap_or(list.len() / 2);
        let start = center.saturating_sub(window / 2).min(list.len() - window);
        &list[start..start + window]
    }
}

/// Reusable accumulator of partial scores.
#[derive(Debug)]
pub(crate) struct Accumulator {
    scores: Vec<f32>,
    touched: Vec<u32>,
}

impl Accumulator {
    pub fn new(n: usize) -> Accumulator {
        Accumulator {
            scores: vec![0.0; n],
            touched: Vec::new(),
        }
    }

    /// The up to `k` entries with the best partial dot product with `v`
    /// (ties by index), excluding `skip`. `self_index` locates the windows.
    pub fn top(
        &mut self,
        postings: &Postings,
        v: &SparseVec,
        skip: Option<u32>,
        window: usize,
        k: usize,
        out: &mut Vec<u32>,
    ) {
        out.clear();
        for &(t, w) in v {
            let pos = skip.and_then(|i| {
                postings
                    .lists
                    .get(t as usize)
                    .and_then(|l| l.binary_search_by_key(&i, |e| e.0).ok())
            });
            for &(j, wj) in postings.window(t, pos, window) {
                if Some(j) == skip {
                    continue;
                }
                let s = &mut self.scores[j as usize];
                if *s == 0.0 {
                    self.touched.push(j);
                }
                *s += w * wj;
            }
        }
        let scores = &self.scores;
        let cmp = |a: &u32, b: &u32| {
            scores[*b as usize]
                .total_cmp(&scores[*a as usize])
                .then(a.cmp(b))
        };
        if self.touched.len() > k {
            self.touched.select_nth_unstable_by(k, cmp);
        }
        // Sort the kept ones, then clear every touched score (not only the
        // kept ones: a stale partial score would leak into the next item).
        let kept = self.touched.len().min(k);
        self.touched[..kept].sort_unstable_by(cmp);
        for &j in &self.touched {
            self.scores[j as usize] = 0.0;
        }
        self.touched.truncate(kept);
        out.append(&mut self.touched);
    }
}

/// The verified similar pairs found through the index: each item's best
/// candidates, the union over both directions, with their cosine (> 0).
pub(crate) fn fast_edges(
    vectors: &[SparseVec],
    df: &[u32],
    max_df: usize,
    window: usize,
    k: usize,
) -> Vec<Edge> {
    let n = vectors.len();
    let postings = Postings::new(vectors, df, max_df);
    // Each item's candidates, sorted by index. Items are independent: with
    // the `parallel` feature they are searched on all cores (one accumulator
    // per worker) and collected in item order, so the result is the same.
    let search = |acc: &mut Accumulator, i: usize| {
        let mut out = Vec::new();
        acc.top(&postings, &vectors[i], Some(i as u32), window, k, &mut out);
        out.sort_unstable();
        out.shrink_to_fit();
        out
    };
    #[cfg(feature = "parallel")]
    let cands: Vec<Vec<u32>> = {
        use rayon::prelude::*;
        (0..n)
            .into_par_iter()
            .map_init(|| Accumulator::new(n), search)
            .collect()
    };
    #[cfg(not(feature = "parallel"))]
    let cands: Vec<Vec<u32>> = {
        let mut acc = Accumulator::new(n);
        (0..n).map(|i| search(&mut acc, i)).collect()
    };
    // Each item's verified pairs; each pair once: from the smaller index, or
    // from the larger when the smaller did not keep it. Concatenated in item
    // order (and sorted below), whatever the number of workers.
    let verify = |i: usize| -> Vec<Edge> {
        let i32_ = i as u32;
        cands[i]
            .iter()
            .filter(|&&j| j > i32_ || cands[j as usize].binary_search(&i32_).is_err())
            .filter_map(|&j| {
                let s = dot(&vectors[i], &vectors[j as usize]);
                (s >= MIN_EDGE).then_some((i32_.min(j), i32_.max(j), s))
            })
            .collect()
    };
    #[cfg(feature = "parallel")]
    let mut edges: Vec<Edge> = {
        use rayon::prelude::*;
        // Rayon's collect keeps the item order.
        (0..n).into_par_iter().flat_map_iter(verify).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let mut edges: Vec<Edge> = (0..n).flat_map(verify).collect();
    drop(cands);
    // Pairs are unique, so an unstable sort is deterministic.
    #[cfg(feature = "parallel")]
    rayon::slice::ParallelSliceMut::par_sort_unstable_by_key(&mut edges[..], |a| (a.0, a.1));
    #[cfg(not(feature = "parallel"))]
    edges.sort_unstable_by_key(|a| (a.0, a.1));
    edges
}

/// Every pair with a positive cosine, by comparing all pairs: O(n²), for
/// tests and benchmarks only.
pub(crate) fn exhaustive_edges(vectors: &[SparseVec]) -> Vec<Edge> {
    let mut edges = Vec::new();
    for i in 0..vectors.len() {
        for j in i + 1..vectors.len() {
            let s = dot(&vectors[i], &vectors[j]);
            if s >= MIN_EDGE {
                edges.push((i as u32, j as u32, s));
            }
        }
    }
    edges
}
