//! The inverted index of the candidate search ([`Postings`]) and each
//! item's search through it ([`Accumulator`]).

use crate::cluster::vectors::SparseVec;

/// Term id -> items that contain it with their weight, for terms that may
/// generate candidates.
///
/// Items are placed in *slots*: the order of a stable 64-bit hash of each
/// item's id (see [`crate::cluster::id_hash`]; ties by index), and every list is sorted
/// by slot. An item scanning a window of a long list therefore sees a
/// pseudo-random sample of the term's items, whatever the data set's id
/// scheme: ids that follow the labels (item `n` and `n + 1` asking the same
/// thing) cannot leak into the candidates. The order depends on the ids only,
/// never on the input order. Scores are accumulated per slot, so a window of
/// a common term touches a narrow band of slots (good for the cache).
#[derive(Clone, Debug, Default)]
pub(crate) struct Postings {
    /// Per term: `(slot, weight)` sorted by slot.
    lists: Vec<Vec<(u32, f32)>>,
    /// Slot -> item index.
    pub(super) items: Vec<u32>,
    /// Item index -> slot.
    slots: Vec<u32>,
    /// Per slot, from `own_start[slot]` to `own_start[slot + 1]`: the
    /// position of the slot's own entry in each list it is in, in the order
    /// of its vector's terms. An item searching the index finds its place
    /// in each list here (a binary search per list was a cache miss per
    /// step on large inputs).
    own: Vec<u32>,
    own_start: Vec<u32>,
}

impl Postings {
    /// Indexes `vectors` for the terms whose document frequency lies in
    /// `2..=max_df`; `keys[i]` is item `i`'s id hash, which orders the slots
    /// (ties by index).
    pub fn new(vectors: &[SparseVec], keys: &[u64], df: &[u32], max_df: usize) -> Postings {
        assert_eq!(vectors.len(), keys.len(), "one key per vector");
        let mut items: Vec<u32> = (0..vectors.len() as u32).collect();
        items.sort_unstable_by_key(|&i| (keys[i as usize], i));
        let mut slots = vec![0u32; vectors.len()];
        for (s, &i) in items.iter().enumerate() {
            slots[i as usize] = s as u32;
        }
        let mut lists: Vec<Vec<(u32, f32)>> = vec![Vec::new(); df.len()];
        let mut own = Vec::new();
        let mut own_start = Vec::with_capacity(items.len() + 1);
        for (s, &i) in items.iter().enumerate() {
            own_start.push(own.len() as u32);
            for &(t, w) in &vectors[i as usize] {
                let d = df[t as usize] as usize;
                if (2..=max_df).contains(&d) {
                    let list = &mut lists[t as usize];
                    own.push(list.len() as u32);
                    list.push((s as u32, w));
                }
            }
        }
        own_start.push(own.len() as u32);
        Postings {
            lists,
            items,
            slots,
            own,
            own_start,
        }
    }

    /// The position of `slot` in term `t`'s list, if it is there, by binary
    /// search (an indexed item searching with its own vector finds its
    /// places in `own` instead; this serves any other vector).
    fn position(&self, t: u32, slot: u32) -> Option<usize> {
        let list = self.lists.get(t as usize)?;
        let p = list.partition_point(|e| e.0 < slot);
        (p < list.len() && list[p].0 == slot).then_some(p)
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

/// The windows [`Accumulator::top`] locates before it scores them.
const WINDOWS: usize = 8;

/// Reusable accumulator of partial scores, indexed by slot.
#[derive(Debug)]
pub(crate) struct Accumulator {
    scores: Vec<f32>,
    touched: Vec<u32>,
    /// Selection keys of the touched slots (see [`Accumulator::top`]).
    keys: Vec<u64>,
    /// The keys below a sampled pivot (see [`smallest`]).
    below: Vec<u64>,
    /// The terms an item searches through, with the item's place in their
    /// lists when known (`u32::MAX` when not).
    terms: Vec<(u32, f32, u32)>,
}

impl Accumulator {
    /// An accumulator for `n` indexed items (or groups).
    pub fn new(n: usize) -> Accumulator {
        Accumulator {
            scores: vec![0.0; n],
            touched: Vec::new(),
            keys: Vec::new(),
            below: Vec::new(),
            terms: Vec::new(),
        }
    }

    /// Makes room for `n` indexed items (scores stay zero between searches,
    /// so one accumulator serves indexes of any size).
    pub fn ensure(&mut self, n: usize) {
        if self.scores.len() < n {
            self.scores.resize(n, 0.0);
        }
    }

    /// The up to `k` items with the best partial dot product with `v` over
    /// its `search_terms` strongest indexed terms (ties by slot), as item
    /// indices sorted by index, excluding the item `skip`, whose slot
    /// locates the windows (without one, each window is the middle of its
    /// list).
    #[allow(clippy::too_many_arguments)]
    pub fn top(
        &mut self,
        postings: &Postings,
        v: &SparseVec,
        skip: Option<u32>,
        window: usize,
        search_terms: usize,
        k: usize,
        out: &mut Vec<u32>,
    ) {
        out.clear();
        let skip = skip.map(|i| postings.slots[i as usize]);
        let terms = self.search_terms(postings, v, skip, search_terms);
        // The windows first, then their scores: each term's list header and
        // the item's own entry in it are a cache miss or two, which overlap
        // in this short loop instead of waiting behind a window's scoring.
        let mut windows: [(&[(u32, f32)], f32); WINDOWS] = [(&[], 0.0); WINDOWS];
        for chunk in terms.chunks(WINDOWS) {
            for (slot, &(t, w, own)) in windows.iter_mut().zip(chunk) {
                let pos = match skip {
                    Some(s)
                        if postings.lists[t as usize]
                            .get(own as usize)
                            .is_some_and(|e| e.0 == s) =>
                    {
                        Some(own as usize)
                    }
                    Some(s) => postings.position(t, s),
                    None => None,
                };
                *slot = (postings.window(t, pos, window), w);
            }
            for &(entries, w) in &windows[..chunk.len()] {
                self.score(entries, w);
            }
        }
        self.terms = terms;
        self.best(postings, skip, k, out);
    }

    /// The `search_terms` strongest indexed terms of `v` (ties by term id),
    /// in term order so that the float sums do not depend on the weights'
    /// order, each with the place of the slot `skip` in its list when the
    /// postings recorded it (`u32::MAX` when not).
    fn search_terms(
        &mut self,
        postings: &Postings,
        v: &SparseVec,
        skip: Option<u32>,
        search_terms: usize,
    ) -> Vec<(u32, f32, u32)> {
        let mut terms = std::mem::take(&mut self.terms);
        terms.clear();
        terms.extend(
            v.iter()
                .filter(|e| {
                    postings
                        .lists
                        .get(e.0 as usize)
                        .is_some_and(|l| !l.is_empty())
                })
                .map(|e| (e.0, e.1, u32::MAX)),
        );
        // An indexed item's own places, when `v` is its vector (one place
        // per indexed term).
        if let Some(s) = skip {
            let s = s as usize;
            let own = postings
                .own_start
                .get(s..s + 2)
                .and_then(|r| postings.own.get(r[0] as usize..r[1] as usize));
            if let Some(own) = own.filter(|o| o.len() == terms.len()) {
                for (e, &p) in terms.iter_mut().zip(own) {
                    e.2 = p;
                }
            }
        }
        if terms.len() > search_terms {
            terms.select_nth_unstable_by(search_terms, |a, b| {
                b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
            });
            terms.truncate(search_terms);
            terms.sort_unstable_by_key(|e| e.0);
        }
        terms
    }

    /// Adds `w` times each entry's weight to its slot's score. The item's
    /// own entry is scored too (one test fewer per entry) and left out by
    /// [`best`](Self::best). A slot is noted when its score was zero,
    /// without a branch (every entry is written past the end, the length
    /// grows when it counts): whether a slot was seen before is a coin
    /// toss the branch predictor lost.
    fn score(&mut self, entries: &[(u32, f32)], w: f32) {
        let start = self.touched.len();
        self.touched.resize(start + entries.len(), 0);
        // Local slices: through `self`, every write to `touched` made the
        // loop reload both vectors' pointers and lengths.
        let scores = self.scores.as_mut_slice();
        let touched = &mut self.touched[start..];
        let mut len = 0;
        for &(j, wj) in entries {
            let s = &mut scores[j as usize];
            let before = *s;
            touched[len] = j;
            len += usize::from(before == 0.0);
            *s = before + w * wj;
        }
        self.touched.truncate(start + len);
    }

    /// The `k` touched slots with the best scores but `skip` (chosen best
    /// first, ties by slot), returned as item indices sorted by index (what every caller
    /// wants: sorting the keys by score first was wasted), into `out`; clears
    /// every touched score (a stale partial score would leak into the next
    /// item).
    fn best(&mut self, postings: &Postings, skip: Option<u32>, k: usize, out: &mut Vec<u32>) {
        // One integer per slot: weights are positive, so a score's bits
        // order like the score.
        self.keys.clear();
        let scores = self.scores.as_mut_slice();
        let keys = &mut self.keys;
        for &j in &self.touched {
            let s = std::mem::take(&mut scores[j as usize]);
            if Some(j) != skip {
                keys.push((u64::from(!s.to_bits()) << 32) | u64::from(j));
            }
        }
        self.touched.clear();
        let best = smallest(&mut self.keys, &mut self.below, k);
        out.extend(
            best.iter()
                .map(|&key| postings.items[(key & 0xFFFF_FFFF) as usize]),
        );
        out.sort_unstable();
    }
}

/// Keys sampled for [`smallest`]'s pivot.
const SAMPLE: usize = 64;

/// The `k` smallest of `keys` (distinct), in no order, in `keys` or in
/// `below` (whose contents are replaced).
///
/// A large set is first cut at a pivot: of [`SAMPLE`] keys spread over
/// it, the one with about three times `k` keys below it in expectation,
/// when that is one of the sample's smallest quarter (not the smallest:
/// on large inputs `k` is a percent or so of the keys, and the pivot is
/// the sample's second or third). The keys below the pivot go to `below`
/// in one pass without a branch, and the selection runs on those (a
/// hundred or so instead of thousands: the selection's repeated
/// partitions cost several times the pass). Should fewer than `k` lie
/// below it, the selection runs on all of them. Either way the same `k`
/// keys: when `k` or more keys are below the pivot, the `k` smallest are
/// among them.
fn smallest<'a>(keys: &'a mut [u64], below: &'a mut Vec<u64>, k: usize) -> &'a mut [u64] {
    let n = keys.len();
    if n <= k {
        return keys;
    }
    // The sample's rank with about 3 k keys below it in expectation.
    let rank = 3 * k * (SAMPLE + 1) / n;
    if (1..SAMPLE / 4).contains(&rank) {
        let stride = n / SAMPLE;
        let mut sample: [u64; SAMPLE] = std::array::from_fn(|i| keys[i * stride]);
        let pivot = *sample.select_nth_unstable(rank).1;
        if below.len() < n {
            below.resize(n, 0);
        }
        let mut len = 0;
        for &key in keys.iter() {
            // Every key is written; the length grows when it counts.
            below[len] = key;
            len += usize::from(key < pivot);
        }
        if len >= k {
            let below = &mut below[..len];
            if len > k {
                below.select_nth_unstable(k);
            }
            return &mut below[..k];
        }
    }
    keys.select_nth_unstable(k);
    &mut keys[..k]
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::cluster::vectors::dot;

    /// Items `0..n`, each with term 0 (weight `w`) and its own term `1 + i`.
    pub(crate) fn vectors(n: usize) -> Vec<SparseVec> {
        (0..n)
            .map(|i| vec![(0, 0.6), (1 + i as u32, 0.8)])
            .collect()
    }

    /// The document frequencies of [`vectors`]`(n)`: term 0 in every item,
    /// each item's own term once.
    pub(crate) fn common_df(n: usize) -> Vec<u32> {
        let mut df = vec![1u32; n + 1];
        df[0] = n as u32;
        df
    }

    #[test]
    fn lists_follow_the_key_order_not_the_index_order() {
        let v = vectors(4);
        let mut df = vec![1u32; 5];
        df[0] = 4;
        // Keys put item 3 first, then 1, then 0 and 2 (tied: by index).
        let p = Postings::new(&v, &[7, 5, 7, 1], &df, 10);
        assert_eq!(p.items, [3, 1, 0, 2]);
        assert_eq!(p.slots, [2, 1, 3, 0]);
        let slots: Vec<u32> = p.lists[0].iter().map(|e| e.0).collect();
        assert_eq!(slots, [0, 1, 2, 3]);
        // Terms with a document frequency of 1 are not indexed.
        assert!(p.lists[1..].iter().all(Vec::is_empty));
    }

    #[test]
    fn the_window_is_placed_by_slot_and_answers_item_indices() {
        let n = 10;
        let v = vectors(n);
        let df = common_df(n);
        // Keys reverse the order: item 9 has slot 0, item 0 slot 9.
        let keys: Vec<u64> = (0..n as u64).rev().collect();
        let p = Postings::new(&v, &keys, &df, n);
        let mut acc = Accumulator::new(n);
        let mut out = Vec::new();
        // Item 0 sits at the end of the list: a window of 3 covers slots 7..10,
        // that is items 2, 1 and itself.
        acc.top(&p, &v[0], Some(0), 3, 32, 10, &mut out);
        out.sort_unstable();
        assert_eq!(out, [1, 2]);
        // Item 9 sits at the start.
        acc.top(&p, &v[9], Some(9), 3, 32, 10, &mut out);
        out.sort_unstable();
        assert_eq!(out, [7, 8]);
        // Without a position the window is the middle of the list, and every
        // score was cleared in between.
        acc.top(&p, &v[0], None, 2, 32, 10, &mut out);
        out.sort_unstable();
        assert_eq!(out, [4, 5]);
        assert!(acc.scores.iter().all(|&s| s == 0.0));
    }

    #[test]
    fn items_search_through_their_strongest_indexed_terms() {
        // Item 0: term 0 (weight 0.2), 1 (0.5), 2 (0.6, in no other item) and
        // 3 (0.4). Items 1..=3 hold one of terms 0, 1 and 3 each.
        let v: Vec<SparseVec> = vec![
            vec![(0, 0.2), (1, 0.5), (2, 0.6), (3, 0.4)],
            vec![(0, 1.0)],
            vec![(1, 1.0)],
            vec![(3, 1.0)],
        ];
        let df = [2, 2, 1, 2];
        let p = Postings::new(&v, &[0, 1, 2, 3], &df, 10);
        let mut acc = Accumulator::new(4);
        let mut out = Vec::new();
        let mut search = |terms| {
            acc.top(&p, &v[0], Some(0), 10, terms, 10, &mut out);
            out.clone()
        };
        // Term 2 generates nothing, so it does not take a place: one term
        // means term 1, two mean terms 1 and 3.
        assert_eq!(search(1), [2]);
        assert_eq!(search(2), [2, 3]);
        assert_eq!(search(3), [1, 2, 3]);
        assert_eq!(search(100), [1, 2, 3]);
    }

    /// `n` items over `terms` terms, deterministic pseudo-random weights.
    fn random_vectors(n: usize, terms: u32) -> Vec<SparseVec> {
        let mut next = crate::test_rng::xorshift(0x2545_f491_4f6c_dd1d);
        (0..n)
            .map(|_| {
                let mut v: SparseVec = (0..1 + next() % 6)
                    .map(|_| {
                        (
                            (next() % u64::from(terms)) as u32,
                            0.1 + (next() % 90) as f32 / 100.0,
                        )
                    })
                    .collect();
                v.sort_unstable_by_key(|e| e.0);
                v.dedup_by_key(|e| e.0);
                v
            })
            .collect()
    }

    /// `n` random vectors over `terms` terms and their index, item `i`
    /// keyed by `key(i)`.
    fn indexed(n: usize, terms: u32, key: impl Fn(u64) -> u64) -> (Vec<SparseVec>, Postings) {
        let v = random_vectors(n, terms);
        let df = df_of(&v, terms);
        let keys: Vec<u64> = (0..n as u64).map(key).collect();
        let p = Postings::new(&v, &keys, &df, n);
        (v, p)
    }

    fn df_of(vectors: &[SparseVec], terms: u32) -> Vec<u32> {
        let mut df = vec![0u32; terms as usize];
        for v in vectors {
            for &(t, _) in v {
                df[t as usize] += 1;
            }
        }
        df
    }

    #[test]
    fn searches_in_any_order_give_the_same_answers() {
        let (n, terms) = (300, 12);
        let (v, p) = indexed(n, terms, |i| (i * 7919) % 307);
        // Each item alone on a fresh accumulator (nothing left from before).
        let alone: Vec<Vec<u32>> = (0..n)
            .map(|i| {
                let mut out = Vec::new();
                Accumulator::new(n).top(&p, &v[i], Some(i as u32), 25, 3, 7, &mut out);
                out
            })
            .collect();
        assert!(alone.iter().any(|c| c.len() == 7));
        // One accumulator, in slot order, backwards, and in index order.
        let orders: [Vec<usize>; 3] = [
            p.items.iter().map(|&i| i as usize).collect(),
            p.items.iter().rev().map(|&i| i as usize).collect(),
            (0..n).collect(),
        ];
        for order in orders {
            let mut acc = Accumulator::new(n);
            let mut out = Vec::new();
            for &i in &order {
                acc.top(&p, &v[i], Some(i as u32), 25, 3, 7, &mut out);
                assert_eq!(out, alone[i], "item {i}");
            }
        }
    }

    #[test]
    fn the_binary_search_finds_the_places_the_index_recorded() {
        let (n, terms) = (200, 10);
        let (v, p) = indexed(n, terms, |i| (i * 7919) % 211);
        let mut checked = 0;
        for slot in 0..n {
            let own = &p.own[p.own_start[slot] as usize..p.own_start[slot + 1] as usize];
            let indexed = v[p.items[slot] as usize]
                .iter()
                .filter(|e| p.lists.get(e.0 as usize).is_some_and(|l| !l.is_empty()));
            for (e, &place) in indexed.zip(own) {
                assert_eq!(p.position(e.0, slot as u32), Some(place as usize));
                checked += 1;
            }
        }
        assert!(checked > n);
        // A slot that is not in a list has no place there.
        let t = (0..terms)
            .find(|&t| !p.lists[t as usize].is_empty() && p.lists[t as usize].len() < n)
            .expect("a term in some but not all items");
        let absent = (0..n as u32)
            .find(|&s| !p.lists[t as usize].iter().any(|e| e.0 == s))
            .expect("a slot missing from that list");
        assert_eq!(p.position(t, absent), None);
    }

    #[test]
    fn the_best_partial_scores_are_kept_best_first() {
        let (n, terms) = (200, 5);
        let (v, p) = indexed(n, terms, |i| i);
        let mut acc = Accumulator::new(n);
        let mut out = Vec::new();
        for i in 0..n {
            // Whole lists (window n): the partial score is the dot product.
            acc.top(&p, &v[i], Some(i as u32), n, 32, 10, &mut out);
            let mut want: Vec<(f32, u32)> = (0..n as u32)
                .filter(|&j| j != i as u32)
                .map(|j| (dot(&v[i], &v[j as usize]), j))
                .filter(|e| e.0 > 0.0)
                .collect();
            want.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let want: Vec<u32> = want.iter().take(10).map(|e| e.1).collect();
            // Sums in another order may differ in the last bit: compare
            // scores, and the sets where no tie is near.
            // The items come sorted by index: their scores, strongest first.
            assert!(out.is_sorted());
            let scores = |items: &[u32]| {
                let mut s: Vec<f32> = items.iter().map(|&j| dot(&v[i], &v[j as usize])).collect();
                s.sort_by(|a, b| b.total_cmp(a));
                s
            };
            let (got, exp) = (scores(&out), scores(&want));
            assert_eq!(got.len(), exp.len());
            for (g, e) in got.iter().zip(&exp) {
                assert!((g - e).abs() < 1e-5, "item {i}: {got:?} vs {exp:?}");
            }
        }
    }

    /// The cut at a sampled pivot keeps the selection's keys, whether the
    /// pivot lets enough keys through or not.
    #[test]
    fn the_smallest_keys_are_found_through_the_pivot_or_without_it() {
        let mut next = crate::test_rng::xorshift(0x5eed_0f5e_1ec7);
        let mut below = Vec::new();
        for round in 0..400u64 {
            let n = [0, 5, 31, 400, 800, 3000][round as usize % 6];
            let k = [1, 10, 30][(round / 6) as usize % 3];
            let mut keys: Vec<u64> = (0..n as u64).map(|i| (next() % 1000) << 32 | i).collect();
            if round % 5 == 0 {
                // The sampled places hold the smallest keys: too few pass.
                let stride = (n / SAMPLE).max(1);
                for (p, key) in keys.iter_mut().enumerate() {
                    if p % stride == 0 {
                        *key &= 0xFFFF_FFFF;
                    }
                }
            }
            let mut want = keys.clone();
            want.sort_unstable();
            want.truncate(k);
            let mut got = smallest(&mut keys, &mut below, k).to_vec();
            got.sort_unstable();
            assert_eq!(got, want, "n {n} k {k} round {round}");
        }
    }
}
