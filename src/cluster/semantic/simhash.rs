//! Candidates by meaning without comparing all pairs: a 64-bit SimHash per
//! item (the signs of 64 random-hyperplane projections, hyperplanes from a
//! fixed seed), then [`TABLES`] orderings of the items by the signature
//! rotated by a different byte (ties by id hash). Items close in an
//! ordering share a long run of signature bits; each item looks at the
//! [`WINDOW`] items on each side in every ordering, keeps the
//! `semantic_candidates_per_item` with the fewest differing signature bits,
//! and those pairs are verified with the exact cosine. Work per item:
//! `TABLES × 2 × WINDOW` popcounts.

use super::Dense;
#[cfg(test)]
use super::dot;

/// Orderings of the signatures.
const TABLES: usize = 8;
/// Neighbours looked at on each side of an item in each ordering.
const WINDOW: usize = 8;
/// Signature bits (hyperplanes).
const BITS: usize = 64;

/// SimHash signatures of a batch's dense vectors and their orderings.
#[derive(Clone, Debug)]
pub(crate) struct SimHash {
    /// The hyperplane normals, laid out for signing.
    planes: Transposed,
    /// Per item: its signature (0 for an item without a vector).
    sigs: Vec<u64>,
    /// Per ordering: `(rotated signature, id key, item)` sorted; items
    /// without a vector are left out.
    tables: Vec<Vec<(u64, u64, u32)>>,
    /// Per ordering: each item's place in it (unused for an item without a
    /// vector), so that a batch item needs no search.
    places: Vec<Vec<u32>>,
}

/// SplitMix64: the fixed pseudo-random stream of the hyperplanes.
pub(super) fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The fixed SimHash hyperplanes for vectors of `dims` dimensions
/// (`BITS × dims` values; the same for every batch and backlog).
pub(crate) fn hyperplanes(dims: usize) -> Vec<f32> {
    let mut state = 0x005E_ED0F_u64 ^ dims as u64;
    // Roughly Gaussian normals: the sum of four uniforms, centred.
    (0..BITS * dims)
        .map(|_| {
            (0..4)
                .map(|_| (splitmix(&mut state) >> 40) as f32 / (1u64 << 24) as f32 - 0.5)
                .sum()
        })
        .collect()
}

/// The SimHash signature of `v` under `planes` (see [`hyperplanes`]), one
/// plane after another: the reference [`Transposed::signature`] is tested
/// against.
#[cfg(test)]
pub(crate) fn signature(planes: &[f32], dims: usize, v: &[f32]) -> u64 {
    let mut sig = 0u64;
    for (b, plane) in planes.chunks_exact(dims).enumerate() {
        if dot(plane, v) > 0.0 {
            sig |= 1 << b;
        }
    }
    sig
}

/// The hyperplanes of [`hyperplanes`] laid out by dimension (`dims × BITS`:
/// dimension `d`'s coefficient in every plane, plane by plane), so that a
/// signature computes the 64 projections side by side. Each projection is
/// summed exactly as [`dot`](super::dot) sums it (four lanes by dimension modulo 4, then
/// `(l0 + l1) + (l2 + l3)`, then the remainder in order), so the signs,
/// and the signature, are those of `signature` bit for bit, in about a
/// quarter of the instructions.
#[derive(Clone, Debug)]
pub(crate) struct Transposed {
    dims: usize,
    /// `dims × BITS`.
    coef: Vec<f32>,
}

impl Transposed {
    /// The planes of [`hyperplanes`] for `dims` dimensions, transposed.
    pub(crate) fn new(planes: &[f32], dims: usize) -> Transposed {
        let mut coef = vec![0.0f32; dims * BITS];
        for (b, plane) in planes.chunks_exact(dims).enumerate() {
            for (d, &x) in plane.iter().enumerate() {
                coef[d * BITS + b] = x;
            }
        }
        Transposed { dims, coef }
    }

    /// The signature of `v` (of `dims` values), as the plane-by-plane
    /// `signature` gives it (tested).
    pub(crate) fn signature(&self, v: &[f32]) -> u64 {
        let body = self.dims - self.dims % 4;
        let mut lanes = [[0.0f32; BITS]; 4];
        for (d, (&x, coef)) in v[..body]
            .iter()
            .zip(self.coef.chunks_exact(BITS))
            .enumerate()
        {
            let lane = &mut lanes[d % 4];
            for (acc, &c) in lane.iter_mut().zip(coef) {
                *acc += c * x;
            }
        }
        let mut sums = [0.0f32; BITS];
        for (b, s) in sums.iter_mut().enumerate() {
            *s = (lanes[0][b] + lanes[1][b]) + (lanes[2][b] + lanes[3][b]);
        }
        for (&x, coef) in v[body..self.dims]
            .iter()
            .zip(self.coef[body * BITS..].chunks_exact(BITS))
        {
            for (s, &c) in sums.iter_mut().zip(coef) {
                *s += c * x;
            }
        }
        sums.iter()
            .enumerate()
            .fold(0u64, |sig, (b, &s)| sig | (u64::from(s > 0.0) << b))
    }
}

/// `entries` in ascending order, as `sort_unstable` puts them (the
/// entries are distinct: the last field is the item): first laid out by
/// the top bits of the rotated signature, about one bucket per entry, in
/// one counting pass, then each bucket sorted (a full sort of 100k entries
/// was eight times the instructions).
fn sorted(entries: &[(u64, u64, u32)]) -> Vec<(u64, u64, u32)> {
    let n = entries.len();
    // The fewest bits with `n < 2^bits`, at most 16 (65,536 buckets).
    let bits = (usize::BITS - n.leading_zeros()).min(16);
    if bits < 4 {
        let mut v = entries.to_vec();
        v.sort_unstable();
        return v;
    }
    let shift = 64 - bits;
    let mut starts = vec![0u32; (1 << bits) + 1];
    for e in entries {
        starts[(e.0 >> shift) as usize + 1] += 1;
    }
    for b in 0..1 << bits {
        starts[b + 1] += starts[b];
    }
    let mut fill = starts.clone();
    let mut out = vec![(0, 0, 0); n];
    for &e in entries {
        let at = &mut fill[(e.0 >> shift) as usize];
        out[*at as usize] = e;
        *at += 1;
    }
    for w in starts.windows(2) {
        if w[1] - w[0] > 1 {
            out[w[0] as usize..w[1] as usize].sort_unstable();
        }
    }
    out
}

impl SimHash {
    /// Signs and orders the vectors of `dense`; `keys` are the items' id
    /// hashes (ties in an ordering).
    pub fn new(dense: &Dense, keys: &[u64]) -> SimHash {
        let dims = dense.dims;
        let mut h = SimHash {
            planes: Transposed::new(&hyperplanes(dims), dims),
            sigs: Vec::new(),
            tables: Vec::new(),
            places: Vec::new(),
        };
        h.sigs = (0..dense.len())
            .map(|i| dense.row(i).map_or(0, |r| h.signature(r)))
            .collect();
        h.tables = (0..TABLES)
            .map(|t| {
                let table: Vec<(u64, u64, u32)> = (0..dense.len())
                    .filter(|&i| dense.has[i])
                    .map(|i| (h.sigs[i].rotate_left(8 * t as u32), keys[i], i as u32))
                    .collect();
                sorted(&table)
            })
            .collect();
        h.places = h
            .tables
            .iter()
            .map(|table| {
                let mut places = vec![0u32; dense.len()];
                for (p, e) in table.iter().enumerate() {
                    places[e.2 as usize] = p as u32;
                }
                places
            })
            .collect();
        h
    }

    /// The signature of a unit vector of the batch's dimension.
    pub fn signature(&self, v: &[f32]) -> u64 {
        self.planes.signature(v)
    }

    /// The up to `k` items nearest to signature `sig` (fewest differing
    /// bits, ties by item index) among each ordering's neighbours of the
    /// place of `(sig, key)`, leaving out `skip`; sorted by index.
    pub fn neighbours(&self, sig: u64, key: u64, skip: Option<u32>, k: usize, out: &mut Vec<u32>) {
        let places: Vec<usize> = self
            .tables
            .iter()
            .enumerate()
            .map(|(t, table)| {
                let probe = (sig.rotate_left(8 * t as u32), key);
                table.partition_point(|e| (e.0, e.1) < probe)
            })
            .collect();
        self.near(sig, &places, skip, k, out);
    }

    /// The up to `k` items nearest to `sig` among the neighbours of the
    /// given place in each ordering (see [`neighbours`](Self::neighbours)).
    fn near(&self, sig: u64, places: &[usize], skip: Option<u32>, k: usize, out: &mut Vec<u32>) {
        out.clear();
        if k == 0 {
            return;
        }
        // Each neighbour as one integer key, (differing bits, index): the
        // order of the pairs. The differing bits are read from the
        // ordering's own entry (rotating both signatures alike keeps the
        // count), not from the item's signature: the entries of a window
        // are side by side, the items are anywhere.
        let mut found = [0u64; TABLES * (2 * WINDOW + 1)];
        let mut len = 0;
        // Every window read once first, in a loop with no branch on what
        // it reads: each is a random place in a table of its own, so its
        // cache misses overlap here instead of coming one table after
        // another in the loop below (a line holds about three entries).
        let mut touched = 0u32;
        for (table, &pos) in self.tables.iter().zip(places) {
            let lo = pos.saturating_sub(WINDOW);
            let hi = (pos + WINDOW + 1).min(table.len());
            if let Some(w) = table.get(lo..hi) {
                touched = w.iter().step_by(2).fold(touched, |a, e| a ^ e.2);
            }
        }
        std::hint::black_box(touched);
        // The items seen so far, to keep each once (an item has one
        // distance, so its keys are equal): open addressing over twice as
        // many slots as entries, on the stack.
        const SEEN: usize = (2 * TABLES * (2 * WINDOW + 1)).next_power_of_two();
        let mut seen = [u32::MAX; SEEN];
        let mask = SEEN - 1;
        for (t, (table, &pos)) in self.tables.iter().zip(places).enumerate() {
            let rotated = sig.rotate_left(8 * t as u32);
            let lo = pos.saturating_sub(WINDOW);
            let hi = (pos + WINDOW + 1).min(table.len());
            for e in &table[lo..hi] {
                if Some(e.2) == skip {
                    continue;
                }
                let mut at = (e.2.wrapping_mul(0x9E37_79B1) >> 16) as usize & mask;
                while seen[at] != u32::MAX && seen[at] != e.2 {
                    at = (at + 1) & mask;
                }
                if seen[at] == e.2 {
                    continue;
                }
                seen[at] = e.2;
                let bits = (e.0 ^ rotated).count_ones();
                found[len] = (u64::from(bits) << 32) | u64::from(e.2);
                len += 1;
            }
        }
        // The k smallest distinct keys.
        let found = &mut found[..len];
        if found.len() > k {
            found.select_nth_unstable(k);
        }
        out.extend(found.iter().take(k).map(|&key| key as u32));
        out.sort_unstable();
    }

    /// Each item's semantic candidates (see [`neighbours`](Self::neighbours)),
    /// sorted by index.
    pub fn all_neighbours(&self, dense: &Dense, k: usize) -> Vec<Vec<u32>> {
        let one = |i: usize| {
            let mut out = Vec::new();
            if dense.has[i] {
                // An item's own place: the search for its (signature, key)
                // would land there too.
                let places: [usize; TABLES] = std::array::from_fn(|t| self.places[t][i] as usize);
                let k = super::semantic_k(k, dense.trust(i));
                self.near(self.sigs[i], &places, Some(i as u32), k, &mut out);
            }
            out
        };
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            (0..self.sigs.len()).into_par_iter().map(one).collect()
        }
        #[cfg(not(feature = "parallel"))]
        (0..self.sigs.len()).map(one).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::bundles;
    use super::*;
    use crate::item::FeedbackItem;

    /// The transposed planes sign every vector as the planes one after
    /// another do (the backlog signs each request with them), whatever the
    /// number of dimensions modulo 4.
    #[test]
    fn transposed_signature_is_the_plane_by_plane_one() {
        let mut state = 7u64;
        for dims in [1, 2, 3, 4, 5, 7, 8, 63, 128, 130] {
            let planes = hyperplanes(dims);
            let t = Transposed::new(&planes, dims);
            for _ in 0..200 {
                let v: Vec<f32> = (0..dims)
                    .map(|_| (splitmix(&mut state) >> 40) as f32 / (1u64 << 23) as f32 - 1.0)
                    .collect();
                assert_eq!(
                    t.signature(&v),
                    signature(&planes, dims, &v),
                    "{dims} {v:?}"
                );
            }
            let zero = vec![0.0f32; dims];
            assert_eq!(t.signature(&zero), signature(&planes, dims, &zero));
        }
    }

    /// The bucketed sort puts entries where a full sort does, whatever the
    /// size and however the signatures crowd into a few buckets.
    #[test]
    fn bucketed_tables_are_sorted_as_a_full_sort_sorts_them() {
        let mut state = 3u64;
        for n in [0, 1, 2, 7, 8, 15, 16, 17, 100, 1000, 5000, 70_000] {
            for crowd in [0u32, 8, 60] {
                let entries: Vec<(u64, u64, u32)> = (0..n as u32)
                    .map(|i| {
                        // `crowd` top bits shared by every signature.
                        let sig = splitmix(&mut state) >> crowd;
                        (sig, splitmix(&mut state) % 5, i)
                    })
                    .collect();
                let mut want = entries.clone();
                want.sort_unstable();
                assert_eq!(sorted(&entries), want, "{n} {crowd}");
            }
        }
    }

    #[test]
    fn simhash_neighbours_are_mostly_of_the_same_bundle_and_bounded() {
        let items = bundles(400, 8);
        let refs: Vec<&FeedbackItem> = items.iter().collect();
        let d = Dense::build(&refs, None, true).unwrap().unwrap();
        let keys: Vec<u64> = refs
            .iter()
            .map(|it| crate::cluster::id_hash(&it.id))
            .collect();
        let h = SimHash::new(&d, &keys);
        let all = h.all_neighbours(&d, 6);
        let (mut same, mut total) = (0, 0);
        for (i, near) in all.iter().enumerate() {
            assert!(near.len() <= 6 && !near.contains(&(i as u32)));
            assert!(near.windows(2).all(|w| w[0] < w[1]));
            same += near.iter().filter(|&&j| j as usize % 8 == i % 8).count();
            total += near.len();
        }
        assert!(total >= 400 * 5, "{total}");
        assert!(same * 10 >= total * 9, "{same} of {total}");
        assert!(h.all_neighbours(&d, 0).iter().all(Vec::is_empty));
        // The batch's own places give what a search would, and both what
        // sorting every window entry by (distance to the item's own
        // signature, index) and keeping the first 6 distinct gives.
        let mut out = Vec::new();
        for i in 0..400 {
            h.neighbours(h.sigs[i], keys[i], Some(i as u32), 6, &mut out);
            assert_eq!(out, all[i]);
            let mut keyed: Vec<(u32, u32)> = Vec::new();
            for (t, table) in h.tables.iter().enumerate() {
                let pos = h.places[t][i] as usize;
                let lo = pos.saturating_sub(WINDOW);
                let hi = (pos + WINDOW + 1).min(table.len());
                for e in table[lo..hi].iter().filter(|e| e.2 != i as u32) {
                    keyed.push(((h.sigs[e.2 as usize] ^ h.sigs[i]).count_ones(), e.2));
                }
            }
            keyed.sort_unstable();
            keyed.dedup();
            let mut expected: Vec<u32> = keyed.iter().take(6).map(|e| e.1).collect();
            expected.sort_unstable();
            assert_eq!(all[i], expected, "item {i}");
        }
    }
}
