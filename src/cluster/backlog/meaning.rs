//! The meaning side of a [`Backlog`](super::Backlog): each request's static
//! word-vector embedding, centred on the running mean of the requests before
//! it, and a SimHash index of the earlier requests, so that a paraphrase
//! sharing no term with a group still finds it.

use crate::cluster::semantic::{self, Transposed, embed_static};
use crate::embed::{Scratch, StaticVectors, normalize};
use crate::item::FeedbackItem;

/// Orderings of the signatures (each rotated by another 16 bits).
pub(super) const TABLES: usize = 4;
/// Earlier requests looked at on each side of a request in each ordering.
const WINDOW: usize = 8;

/// A request's centred unit vector (as [`Packed`] restores it), its trust,
/// its signature and its packed form.
#[derive(Clone, Debug)]
pub(super) struct Query {
    pub v: Vec<f32>,
    pub trust: f32,
    pub sig: u64,
    pub packed: Packed,
}

/// A request's dense vector as a backlog keeps it (for consolidation,
/// which moves requests between groups): one byte per dimension, times one
/// scale, and its trust. 128 dimensions take 128 bytes rather than 512.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Packed {
    /// The largest magnitude over 127.
    pub scale: f32,
    /// The trust in the vector.
    pub trust: f32,
    /// Each dimension over `scale`, rounded.
    pub values: Box<[i8]>,
}

impl Packed {
    /// Packs `v` and writes back into it the values [`unpack`](Self::unpack)
    /// gives, so the two agree bit for bit.
    pub fn pack(v: &mut [f32], trust: f32) -> Packed {
        let top = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let scale = if top > 0.0 { top / 127.0 } else { 1.0 };
        let inv = 1.0 / scale;
        // Rounded half away from zero by truncation (`as` saturates, and
        // |x × inv| is at most 127 plus rounding): no call to `round`.
        let values: Box<[i8]> = v
            .iter()
            .map(|x| {
                let y = x * inv;
                (y + 0.5f32.copysign(y)) as i8
            })
            .collect();
        for (x, &q) in v.iter_mut().zip(values.iter()) {
            *x = f32::from(q) * scale;
        }
        Packed {
            scale,
            trust,
            values,
        }
    }

    /// The vector, into `out` (cleared first).
    pub fn unpack(&self, out: &mut Vec<f32>) {
        out.clear();
        out.extend(self.values.iter().map(|&q| f32::from(q) * self.scale));
    }
}

/// The static vectors, the running centre and the signature orderings.
#[derive(Clone, Debug)]
pub(super) struct Meaning {
    pub vectors: StaticVectors,
    /// The SimHash hyperplanes, laid out for signing.
    planes: Transposed,
    /// The sum of the (uncentred) unit vectors of the requests so far.
    pub center_sum: Vec<f64>,
    /// How many requests `center_sum` holds.
    pub center_count: u64,
    /// Per request: its signature, when it has a vector.
    pub sigs: Vec<Option<u64>>,
    /// Per ordering: `(rotated signature, request)`, in order.
    tables: Vec<Ordering>,
}

impl Meaning {
    /// An empty index over `vectors`.
    pub fn new(vectors: StaticVectors) -> Meaning {
        let dims = vectors.dims();
        Meaning {
            vectors,
            planes: Transposed::new(&semantic::hyperplanes(dims), dims),
            center_sum: vec![0.0; dims],
            center_count: 0,
            sigs: Vec::new(),
            tables: vec![Ordering::default(); TABLES],
        }
    }

    /// The index as saved: rebuilds the orderings from the signatures.
    pub fn restore(
        vectors: StaticVectors,
        center_sum: Vec<f64>,
        center_count: u64,
        sigs: Vec<Option<u64>>,
    ) -> Meaning {
        let mut m = Meaning::new(vectors);
        m.center_sum = center_sum;
        m.center_count = center_count;
        for (i, s) in sigs.iter().enumerate() {
            if let Some(s) = *s {
                m.index_sig(i as u32, s);
            }
        }
        m.sigs = sigs;
        m
    }

    /// The request's vector, centred on the mean of the requests before it,
    /// and takes it into the mean. `None` (and nothing changes) when none of
    /// its words is in the table.
    pub fn query(&mut self, item: &FeedbackItem, scratch: &mut Scratch) -> Option<Query> {
        let (u, trust) = embed_static(&self.vectors, item, scratch)?;
        let mut v = u.clone();
        if self.center_count > 0 {
            let inv = 1.0 / self.center_count as f64;
            for (x, c) in v.iter_mut().zip(&self.center_sum) {
                *x -= (c * inv) as f32;
            }
        }
        for (c, x) in self.center_sum.iter_mut().zip(&u) {
            *c += f64::from(*x);
        }
        self.center_count += 1;
        if !normalize(&mut v) {
            return None;
        }
        // The vector kept with the request (see [`Packed`]) is the one
        // used from the start, so a group's sum is exactly the sum of what
        // its members keep.
        let packed = Packed::pack(&mut v, trust);
        let sig = self.planes.signature(&v);
        Some(Query {
            v,
            trust,
            sig,
            packed,
        })
    }

    /// Records request `i`'s signature (`None`: it has no vector).
    pub fn index(&mut self, i: u32, sig: Option<u64>) {
        debug_assert_eq!(self.sigs.len(), i as usize);
        self.sigs.push(sig);
        if let Some(s) = sig {
            self.index_sig(i, s);
        }
    }

    fn index_sig(&mut self, i: u32, sig: u64) {
        for (t, table) in self.tables.iter_mut().enumerate() {
            table.insert(sig.rotate_left(16 * t as u32), i);
        }
    }

    /// The up to `k` earlier requests nearest to `sig` (fewest differing
    /// bits, ties by request number) among each ordering's `WINDOW`
    /// neighbours on each side.
    pub fn near(&self, sig: u64, k: usize, out: &mut Vec<u32>) {
        out.clear();
        if k == 0 {
            return;
        }
        let keys: [u64; TABLES] = std::array::from_fn(|t| sig.rotate_left(16 * t as u32));
        // The orderings' searches side by side, so that their cache misses
        // overlap.
        let places = Ordering::places(&self.tables, &keys);
        // (differing bits, request) packed in one number, ordered alike.
        let mut found = [0u64; TABLES * 2 * WINDOW];
        let mut len = 0;
        for (t, table) in self.tables.iter().enumerate() {
            let turn = 16 * t as u32;
            table.around(places[t], WINDOW, |key, i| {
                // The key is the request's signature, rotated.
                let bits = (key.rotate_right(turn) ^ sig).count_ones();
                found[len] = u64::from(bits) << 32 | u64::from(i);
                len += 1;
            });
        }
        let kept = smallest_distinct(&mut found[..len], k);
        out.extend(found[..kept].iter().map(|&e| e as u32));
    }
}

/// Moves the up to `k` smallest distinct values of `v` to its front, in
/// order, and returns how many: what sorting, removing repeats and keeping
/// the first `k` gives, without sorting all of `v` (tested).
fn smallest_distinct(v: &mut [u64], k: usize) -> usize {
    if k == 0 {
        return 0;
    }
    let mut m = 0;
    for i in 0..v.len() {
        let x = v[i];
        if m == k && x >= v[m - 1] {
            continue;
        }
        let Err(at) = v[..m].binary_search(&x) else {
            continue;
        };
        // `v[m]` was read already (m <= i): the kept run may grow over it.
        if m < k {
            m += 1;
        }
        v.copy_within(at..m - 1, at + 1);
        v[at] = x;
    }
    m
}

/// `(key, request)` pairs in order, for the neighbours of a key: sorted
/// buckets by the key's top bits, so that an insert moves a bucket's worth
/// of entries and a look-up reads one or a few short runs (a B-tree's
/// descent missed the cache at each level on a large backlog).
#[derive(Clone, Debug, Default)]
struct Ordering {
    /// The buckets, each sorted: bucket `b` holds the keys whose top `bits`
    /// bits are `b`.
    buckets: Vec<Vec<(u64, u32)>>,
    bits: u32,
    len: usize,
}

/// Entries per bucket, on average, before the buckets double.
const BUCKET_LOAD: usize = 64;
/// The most buckets an ordering splits into (`2^MAX_BUCKET_BITS`).
const MAX_BUCKET_BITS: u32 = 16;

impl Ordering {
    fn bucket(&self, key: u64) -> usize {
        if self.bits == 0 {
            0
        } else {
            (key >> (64 - self.bits)) as usize
        }
    }

    fn insert(&mut self, key: u64, i: u32) {
        if self.buckets.is_empty() {
            self.buckets.push(Vec::new());
        }
        if self.len >= BUCKET_LOAD << self.bits && self.bits < MAX_BUCKET_BITS {
            self.split();
        }
        let b = self.bucket(key);
        let bucket = &mut self.buckets[b];
        let at = bucket.partition_point(|e| *e < (key, i));
        bucket.insert(at, (key, i));
        self.len += 1;
    }

    /// Doubles the buckets (each splits in two, order kept).
    fn split(&mut self) {
        let bits = self.bits + 1;
        let mut next: Vec<Vec<(u64, u32)>> = vec![Vec::new(); 1 << bits];
        for e in self.buckets.drain(..).flatten() {
            next[(e.0 >> (64 - bits)) as usize].push(e);
        }
        self.buckets = next;
        self.bits = bits;
    }

    /// Per ordering, where `(keys[t], 0)` goes: its bucket and its place in
    /// the bucket (`None` for an empty ordering). The binary searches run
    /// in step, one probe of each ordering per round.
    fn places(tables: &[Ordering], keys: &[u64; TABLES]) -> [Option<(usize, usize)>; TABLES] {
        let mut runs: [&[(u64, u32)]; TABLES] = [&[]; TABLES];
        let mut places = [None; TABLES];
        for (t, table) in tables.iter().enumerate().take(TABLES) {
            if table.len > 0 {
                let b = table.bucket(keys[t]);
                runs[t] = &table.buckets[b];
                places[t] = Some((b, 0));
            }
        }
        // Branch-free lower bounds: `base` stays below the first entry not
        // less than the key, `size` halves.
        let mut base = [0usize; TABLES];
        let mut size: [usize; TABLES] = std::array::from_fn(|t| runs[t].len());
        while size.iter().any(|&s| s > 1) {
            for t in 0..TABLES {
                if size[t] > 1 {
                    let half = size[t] / 2;
                    if runs[t][base[t] + half].0 < keys[t] {
                        base[t] += half;
                    }
                    size[t] -= half;
                }
            }
        }
        for t in 0..TABLES {
            if let Some((b, _)) = places[t] {
                let run = runs[t];
                let at = if run.is_empty() {
                    0
                } else {
                    base[t] + usize::from(run[base[t]].0 < keys[t])
                };
                places[t] = Some((b, at));
            }
        }
        places
    }

    /// Calls `f` on the up to `window` entries just below the place
    /// (`bucket`, `at`) of [`places`](Self::places), nearest first, then on
    /// the up to `window` from it up.
    fn around(&self, place: Option<(usize, usize)>, window: usize, mut f: impl FnMut(u64, u32)) {
        let Some((b, at)) = place else {
            return;
        };
        let mut left = window;
        let below = self.buckets[..b].iter().rev();
        for run in std::iter::once(&self.buckets[b][..at]).chain(below.map(Vec::as_slice)) {
            for &(k, i) in run.iter().rev().take(left) {
                f(k, i);
            }
            left = left.saturating_sub(run.len());
            if left == 0 {
                break;
            }
        }
        let mut left = window;
        let above = self.buckets[b + 1..].iter();
        for run in std::iter::once(&self.buckets[b][at..]).chain(above.map(Vec::as_slice)) {
            for &(k, i) in run.iter().take(left) {
                f(k, i);
            }
            left = left.saturating_sub(run.len());
            if left == 0 {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The buckets give the neighbours a B-tree of the same pairs gives,
    /// through splits, for keys that crowd into a few buckets or not.
    #[test]
    fn ordering_finds_the_neighbours_a_btree_finds() {
        let mut next = crate::test_rng::xorshift(0x9e37_79b9_7f4a_7c15);
        for crowd in [0u64, 0xffff_0000_0000_0000] {
            let mut ordering = Ordering::default();
            let mut tree = BTreeSet::new();
            for i in 0..3000u32 {
                let key = if crowd != 0 && i % 2 == 0 {
                    crowd | (next() >> 40)
                } else {
                    next()
                };
                ordering.insert(key, i);
                tree.insert((key, i));
                if i % 97 == 0 {
                    let probe = if i % 2 == 0 { next() } else { key };
                    // Four orderings searched in step: the same one and
                    // one empty (a place of `None`) among them.
                    let tables = [
                        ordering.clone(),
                        Ordering::default(),
                        ordering.clone(),
                        ordering.clone(),
                    ];
                    let keys = [probe, probe, probe ^ 1, probe];
                    let places = Ordering::places(&tables, &keys);
                    assert_eq!(places[1], None);
                    assert_eq!(places[0], places[3]);
                    let mut got = Vec::new();
                    ordering.around(places[0], WINDOW, |k, j| got.push((k, j)));
                    let want: Vec<(u64, u32)> = tree
                        .range(..(probe, 0))
                        .rev()
                        .take(WINDOW)
                        .chain(tree.range((probe, 0)..).take(WINDOW))
                        .copied()
                        .collect();
                    assert_eq!(got, want, "after {i} inserts, probe {probe:#x}");
                }
            }
            assert!(ordering.bits > 3);
        }
    }

    /// The selection keeps what sorting, removing repeats and truncating
    /// keeps, whatever `k` and however many repeats.
    #[test]
    fn smallest_distinct_is_sort_dedup_truncate() {
        let mut next = crate::test_rng::xorshift(0x9e37_79b9_7f4a_7c15);
        for case in 0..2000 {
            let len = (next() % 70) as usize;
            let spread = 1 + next() % 100;
            let v: Vec<u64> = (0..len).map(|_| next() % spread).collect();
            for k in [0, 1, 2, 5, 10, 64, 100] {
                let mut want = v.clone();
                want.sort_unstable();
                want.dedup();
                want.truncate(k);
                let mut got = v.clone();
                let m = smallest_distinct(&mut got, k);
                assert_eq!(&got[..m], &want[..], "case {case}, k {k}, {v:?}");
            }
        }
    }
}
