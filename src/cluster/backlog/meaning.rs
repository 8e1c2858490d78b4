//! The meaning side of a [`Backlog`](super::Backlog): each request's static
//! word-vector embedding, centred on the running mean of the requests before
//! it, and a SimHash index of the earlier requests, so that a paraphrase
//! sharing no term with a group still finds it.

use std::collections::BTreeSet;

use crate::cluster::semantic::{self, embed_static};
use crate::embed::{Scratch, StaticVectors, normalize};
use crate::item::FeedbackItem;

/// Orderings of the signatures (each rotated by another 16 bits).
pub(super) const TABLES: usize = 4;
/// Earlier requests looked at on each side of a request in each ordering.
const WINDOW: usize = 8;

/// A request's centred unit vector, its trust and its signature.
#[derive(Clone, Debug)]
pub(super) struct Query {
    pub v: Vec<f32>,
    pub trust: f32,
    pub sig: u64,
}

/// The static vectors, the running centre and the signature orderings.
#[derive(Clone, Debug)]
pub(super) struct Meaning {
    pub vectors: StaticVectors,
    pub dims: usize,
    planes: Vec<f32>,
    /// The sum of the (uncentred) unit vectors of the requests so far.
    pub center_sum: Vec<f64>,
    /// How many requests `center_sum` holds.
    pub center_count: u64,
    /// Per request: its signature, when it has a vector.
    pub sigs: Vec<Option<u64>>,
    /// Per ordering: `(rotated signature, request)`.
    tables: Vec<BTreeSet<(u64, u32)>>,
}

impl Meaning {
    /// An empty index over `vectors`.
    pub fn new(vectors: StaticVectors) -> Meaning {
        let dims = vectors.dims();
        Meaning {
            vectors,
            dims,
            planes: semantic::hyperplanes(dims),
            center_sum: vec![0.0; dims],
            center_count: 0,
            sigs: Vec::new(),
            tables: vec![BTreeSet::new(); TABLES],
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
        let sig = semantic::signature(&self.planes, self.dims, &v);
        Some(Query { v, trust, sig })
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
            table.insert((sig.rotate_left(16 * t as u32), i));
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
        let mut found: Vec<(u32, u32)> = Vec::with_capacity(TABLES * 2 * WINDOW);
        for (t, table) in self.tables.iter().enumerate() {
            let key = (sig.rotate_left(16 * t as u32), 0u32);
            let below = table.range(..key).rev().take(WINDOW);
            let above = table.range(key..).take(WINDOW);
            for &(_, i) in below.chain(above) {
                if let Some(s) = self.sigs[i as usize] {
                    found.push(((s ^ sig).count_ones(), i));
                }
            }
        }
        found.sort_unstable();
        found.dedup_by_key(|e| e.1);
        found.truncate(k);
        out.extend(found.iter().map(|e| e.1));
    }
}
