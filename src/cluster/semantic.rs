//! Dense (semantic) vectors of the items and the hybrid similarity.
//!
//! Each item gets one dense unit vector: the caller's `embedding` when the
//! batch carries any, otherwise the static word vectors' embedding of its
//! title (counted [`TITLE_WEIGHT`] times) and body. The batch's mean vector
//! is subtracted before scaling to unit length (the mean is what every text
//! shares: without this, any two requests score a cosine of about 0.5 on
//! static vectors), so the cosine measures what two requests share beyond
//! the batch's common ground.
//!
//! Candidates without comparing all pairs: SimHash orderings of the dense
//! vectors (see `simhash`).

mod simhash;
mod smooth;

pub(crate) use simhash::{SimHash, Transposed, hyperplanes};
pub(crate) use smooth::{MAX_EMBEDDING_NEIGHBOURS, Neighbourhoods, isolation};

use super::vectors::{self, SparseVec};
use crate::embed::{Scratch, StaticVectors, WordCount, normalize};
use crate::error::ItemError;
use crate::item::FeedbackItem;

/// Title tokens count this many times, as in the term vectors.
const TITLE_WEIGHT: f32 = 3.0;

/// The items' dense unit vectors.
#[derive(Clone, Debug)]
pub(crate) struct Dense {
    pub dims: usize,
    /// `n × dims`; a zero row for an item without a vector.
    rows: Vec<f32>,
    has: Vec<bool>,
    /// The batch mean subtracted from every vector (also from queries).
    center: Vec<f32>,
    /// The rows quantised to int8, for the batch's pair similarities: a
    /// quarter of the bytes to fetch per pair, and integer sums that do not
    /// depend on the order of the adds. Each row is `stride` cache-line
    /// blocks (zero past `dims`), so a 128-dimension row is two lines, not
    /// three: the verification reads rows in random order.
    codes: Vec<Block>,
    stride: usize,
    /// Per item: its codes' scale (negative for an item without a vector)
    /// and how far its vector is trusted, in `[0, 1]` (see [`trust`]),
    /// side by side, so that a pair reads one line per item besides the
    /// codes. The semantic weight of a pair is scaled by the smaller trust
    /// of the two, so one long or unknown-worded text is enough to make the
    /// pair compare mostly by terms; caller embeddings are trusted fully.
    pair: Vec<(f32, f32)>,
    /// True when the vectors are the caller's embeddings.
    pub caller: bool,
    /// For smoothed vectors, the weight their neighbours' mean was added
    /// with (see [`Dense::smoothed`]); 0 for the vectors as they are.
    pub smoothing: f32,
}

/// The dimension of the batch's caller embeddings: the length most items
/// have (ties to the smaller); an item that disagrees is an error naming the
/// smallest such id. `None` when no item has an embedding.
pub(crate) fn embedding_dims(items: &[&FeedbackItem]) -> Result<Option<usize>, ItemError> {
    let mut lens: Vec<usize> = items
        .iter()
        .filter_map(|it| it.embedding.as_ref().map(Vec::len))
        .collect();
    if lens.is_empty() {
        return Ok(None);
    }
    lens.sort_unstable();
    let (mut best, mut best_count, mut run) = (lens[0], 0, 0);
    for (k, &l) in lens.iter().enumerate() {
        run = if k > 0 && lens[k - 1] == l {
            run + 1
        } else {
            1
        };
        if run > best_count {
            (best, best_count) = (l, run);
        }
    }
    if let Some(bad) = items
        .iter()
        .filter(|it| it.embedding.as_ref().is_some_and(|e| e.len() != best))
        .min_by(|a, b| a.id.cmp(&b.id))
    {
        return Err(ItemError::EmbeddingDimension {
            id: bad.id.clone(),
            expected: best,
            found: bad.embedding.as_ref().map_or(0, Vec::len),
        });
    }
    Ok(Some(best))
}

/// A static mean over at most this many words is fully trusted (see
/// [`trust`]).
const TRUST_WORDS: f32 = 16.0;

/// A text (title and body together) longer than this many bytes, about
/// 150 words, gets no static embedding: the trust (see [`trust`]) would
/// leave its meaning a weight of about 10⁻⁴ or less (`(16 / 150)⁴`), and
/// looking up its words took about a tenth of the clustering's time on a
/// mix with long bug reports. Such an item compares by its terms alone and
/// takes no candidates by meaning. (Before, each field's first 2 KB were
/// embedded; on the dev files the figures are the same but for Hadoop's
/// duplicates, ARI 0.112 → 0.113.)
const STATIC_TEXT_BYTES: usize = 1024;

/// The static embedding of an item (unit length) and its trust, or `None`.
pub(crate) fn embed_static(
    table: &StaticVectors,
    item: &FeedbackItem,
    s: &mut Scratch,
) -> Option<(Vec<f32>, f32)> {
    if item.title.len() + item.body.len() > STATIC_TEXT_BYTES {
        return None;
    }
    let mut sum = vec![0.0f32; table.dims()];
    let mut count = table.add_text(&item.title, TITLE_WEIGHT, &mut sum, s);
    count += table.add_text(&item.body, 1.0, &mut sum, s);
    normalize(&mut sum).then_some((sum, trust(count)))
}

/// How far a static mean over the words of `count` is trusted, in `[0, 1]`:
/// `min(1, TRUST_WORDS / words)⁴ × (known / words)²`, where `known` counts
/// the words that are a whole token of the table. A mean over many words
/// drifts toward what every text shares (a long bug report's mean says
/// little beyond its topic, while its terms say much), and a text of mostly
/// unknown words (identifiers, log lines, split into word pieces or not in
/// the table) has a mean of fragments: both lean on their terms. On the dev
/// files (`cargo run --release --example evaluate_clusters`) at
/// `semantic_weight` 1, against the earlier `min(1, 12 / words)`: Hadoop's
/// duplicates ARI 0.070 -> 0.112, Banking77 0.340 -> 0.333, CLINC150 0.536
/// -> 0.533; it is what lets the weight rise from 0.5 (Banking77 0.303,
/// CLINC150 0.528, Hadoop 0.101) without losing the long bug reports.
pub(crate) fn trust(count: WordCount) -> f32 {
    let words = count.words.max(1) as f32;
    let short = (TRUST_WORDS / words).min(1.0);
    let known = count.known as f32 / words;
    short.powi(4) * known.powi(2)
}

/// How many neighbours by meaning an item of trust `trust` takes as
/// candidates: `semantic_candidates_per_item` (`k`) scaled by its trust
/// (see [`trust`]), rounded; all `k` for the caller's embeddings (trust 1).
/// An item its vector says little about (a long bug report) compares
/// mostly by terms, so neighbours found by meaning alone seldom reach the
/// threshold: it spares their verification and, on the dev files, their
/// few chance merges (Hadoop's duplicates at `k` 20: ARI 0.1116 unscaled,
/// 0.1127 scaled).
pub(crate) fn semantic_k(k: usize, trust: f32) -> usize {
    // `trust` is in [0, 1] (a NaN gives 0): the product is at most `k`.
    (k as f32 * trust.clamp(0.0, 1.0)).round() as usize
}

/// `v.round().clamp(-127.0, 127.0) as i8` (halves away from zero) without
/// the call to libm's `roundf` that the baseline x86-64 target makes for
/// `round` (about 1% of a clustering's instructions, a call per dimension
/// and item), and without a branch, so that a row's codes are computed
/// side by side: the truncation is held within ±256, where it and the
/// fraction are exact (a magnitude of 256 or more, or an infinity, ends
/// beyond ±127 whatever its fraction; NaN truncates to 0 with no
/// fraction, as the plain expression gives 0). A test holds it to the
/// plain expression.
#[inline]
fn code_of(v: f32) -> i8 {
    let t = (v as i32).clamp(-256, 256);
    let fraction = v - t as f32;
    let r = t + i32::from(fraction >= 0.5) - i32::from(fraction <= -0.5);
    r.clamp(-127, 127) as i8
}

impl Dense {
    /// The items' vectors (items in the clustering's order): the caller's
    /// embeddings when any item has one, else `table`'s, else `None`;
    /// centred on the batch mean when `centre`.
    pub fn build(
        items: &[&FeedbackItem],
        table: Option<&StaticVectors>,
        centre: bool,
    ) -> Result<Option<Dense>, ItemError> {
        let (dims, caller) = match (embedding_dims(items)?, table) {
            (Some(d), _) => (d, true),
            (None, Some(t)) => (t.dims(), false),
            (None, None) => return Ok(None),
        };
        let mut rows = vec![0.0f32; items.len() * dims];
        let mut has = vec![false; items.len()];
        let mut trust = vec![1.0f32; items.len()];
        let mut scratch = Scratch::default();
        for (i, it) in items.iter().enumerate() {
            let row = &mut rows[i * dims..(i + 1) * dims];
            let v = if caller {
                it.embedding.as_ref().and_then(|e| {
                    let mut e = e.clone();
                    normalize(&mut e).then_some((e, 1.0))
                })
            } else {
                table.and_then(|t| embed_static(t, it, &mut scratch))
            };
            if let Some((v, t)) = v {
                row.copy_from_slice(&v);
                has[i] = true;
                trust[i] = t;
            }
        }
        Ok(Some(Dense::centred(dims, rows, has, trust, caller, centre)))
    }

    /// The items' vectors from raw `rows` (`n × dims`, `has` saying which
    /// are set): centred on their mean when `centre`, scaled to unit
    /// length, quantised.
    fn centred(
        dims: usize,
        rows: Vec<f32>,
        has: Vec<bool>,
        trust: Vec<f32>,
        caller: bool,
        centre: bool,
    ) -> Dense {
        // The mean, summed in item order (the clustering's fixed order).
        let mut center = vec![0.0f64; dims];
        let count = has.iter().filter(|&&h| h).count();
        for (i, _) in has.iter().enumerate().filter(|e| *e.1) {
            for (c, x) in center.iter_mut().zip(&rows[i * dims..(i + 1) * dims]) {
                *c += f64::from(*x);
            }
        }
        let center: Vec<f32> = center
            .iter()
            .map(|c| {
                if centre {
                    (c / count.max(1) as f64) as f32
                } else {
                    0.0
                }
            })
            .collect();
        let mut d = Dense {
            dims,
            rows,
            has,
            center,
            caller,
            smoothing: 0.0,
            codes: Vec::new(),
            stride: dims.div_ceil(BLOCK),
            pair: trust.into_iter().map(|t| (-1.0, t)).collect(),
        };
        for i in 0..d.has.len() {
            if d.has[i] {
                let row = &mut d.rows[i * dims..(i + 1) * dims];
                for (x, c) in row.iter_mut().zip(&d.center) {
                    *x -= c;
                }
                d.has[i] = normalize(row);
                if !d.has[i] {
                    row.fill(0.0);
                }
            }
        }
        d.quantise();
        d
    }

    /// Fills `codes` and the scales in `pair` from the rows.
    fn quantise(&mut self) {
        let n = self.has.len();
        self.codes = vec![Block([0; BLOCK]); n * self.stride];
        if self.dims == 0 {
            return;
        }
        let rows = self.rows.chunks_exact(self.dims);
        let codes = self.codes.chunks_exact_mut(self.stride);
        for (((row, code), pair), &has) in rows.zip(codes).zip(&mut self.pair).zip(&self.has) {
            let max = row.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            let mut scale = 0.0f32;
            if max > 0.0 {
                scale = max / 127.0;
                // Block by block, so that the codes are computed side by side.
                for (b, xs) in code.iter_mut().zip(row.chunks(BLOCK)) {
                    for (c, &x) in b.0.iter_mut().zip(xs) {
                        *c = code_of(x / scale);
                    }
                }
            }
            if has {
                pair.0 = scale;
            }
        }
    }

    /// The cosine of items `i` and `j` from their int8 codes (within about
    /// 1% of the exact one), when both have a vector.
    pub fn quantised_cosine(&self, i: usize, j: usize) -> Option<f32> {
        let (si, sj) = (self.pair[i].0, self.pair[j].0);
        if si < 0.0 || sj < 0.0 {
            return None;
        }
        let (a, b) = (
            &self.codes[i * self.stride..(i + 1) * self.stride],
            &self.codes[j * self.stride..(j + 1) * self.stride],
        );
        Some(dot_blocks(a, b) as f32 * si * sj)
    }

    /// Reads item `i`'s codes and scale, and returns a value made of them:
    /// called for a list of random items before their pairs are computed,
    /// so that their cache misses overlap (the value means nothing).
    pub fn touch(&self, i: usize) -> u32 {
        let codes = self.codes.get(i * self.stride..(i + 1) * self.stride);
        let first: i32 = codes.map_or(0, |c| c.iter().map(|b| i32::from(b.0[0])).sum());
        first.cast_unsigned() ^ self.pair[i].0.to_bits()
    }

    /// Item `i`'s unit vector, if it has one.
    pub fn row(&self, i: usize) -> Option<&[f32]> {
        self.has[i].then(|| &self.rows[i * self.dims..(i + 1) * self.dims])
    }

    /// True when these are the caller's embeddings and every item has one:
    /// then groups can be compared by the exact mean cosine of their
    /// vectors (trust 1 for every pair).
    pub fn exact_means(&self) -> bool {
        self.caller && self.has.iter().all(|&h| h)
    }

    /// The median over the items of each one's best cosine among its
    /// candidate `edges` (0 for an item without one), from the int8 codes
    /// (within about 1% of the exact cosines; a statistic).
    pub fn median_best_cosine(&self, edges: &[(u32, u32, f32)]) -> f64 {
        super::candidates::median_best(self.len(), edges, |e| {
            self.quantised_cosine(e.0 as usize, e.1 as usize)
        })
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.has.len()
    }

    /// A new item's vector, centred like the batch's: its embedding (which
    /// must have the batch's dimension) or the static one. `None` when it
    /// has none usable.
    pub fn query(&self, item: &FeedbackItem, table: Option<&StaticVectors>) -> Option<Query> {
        let (mut v, trust) = if self.caller {
            let e = item.embedding.as_ref()?;
            if e.len() != self.dims {
                return None;
            }
            let mut e = e.clone();
            (normalize(&mut e).then_some(e)?, 1.0)
        } else {
            embed_static(table?, item, &mut Scratch::once())?
        };
        for (x, c) in v.iter_mut().zip(&self.center) {
            *x -= c;
        }
        normalize(&mut v).then_some(Query { v, trust })
    }

    /// Item `i`'s trust (see the field).
    pub fn trust(&self, i: usize) -> f32 {
        self.pair[i].1
    }

    /// The mean trust of the given items.
    pub fn mean_trust(&self, members: &[u32]) -> f32 {
        let sum: f32 = members.iter().map(|&i| self.pair[i as usize].1).sum();
        sum / members.len().max(1) as f32
    }

    /// The mean of the given items' vectors (a zero vector when none has
    /// one), for a group's centroid: its dot product with a unit vector is
    /// the mean cosine over the members.
    pub fn mean(&self, members: &[u32]) -> Vec<f32> {
        let mut sum = vec![0.0f32; self.dims];
        for &i in members {
            if let Some(r) = self.row(i as usize) {
                sum.iter_mut().zip(r).for_each(|(s, x)| *s += x);
            }
        }
        let inv = 1.0 / members.len().max(1) as f32;
        sum.iter_mut().for_each(|s| *s *= inv);
        sum
    }
}

/// A new item's dense vector, centred like the batch's, and its trust.
#[derive(Clone, Debug)]
pub(crate) struct Query {
    pub v: Vec<f32>,
    pub trust: f32,
}

/// The dot product of two dense vectors.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Four lanes, so the compiler can vectorise without reassociating.
    let mut acc = [0.0f32; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// The dot product of two dense vectors summed in sixteen lanes (four
/// independent vector registers, so the additions overlap): about twice
/// as fast as [`dot`] on long vectors, with sums in another order (the last
/// bits differ). For the exact linkage's products of group sums alone;
/// everything whose result must match [`dot`] bit for bit (the SimHash
/// signatures, the index and the backlog) keeps `dot`.
pub(crate) fn dot_wide(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..16 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut s = acc.iter().sum::<f32>();
    s += dot(ra, rb);
    s
}

/// Codes in a block (a cache line).
const BLOCK: usize = 64;

/// [`BLOCK`] int8 codes aligned to a cache line.
#[derive(Clone, Copy, Debug)]
#[repr(align(64))]
struct Block([i8; BLOCK]);

/// The dot product of two int8 vectors, exact: summed in i32 lanes over
/// at most 64 blocks (each lane then holds at most 256 products of at most
/// 127², far below `i32::MAX`), the chunks in i64.
fn dot_blocks(a: &[Block], b: &[Block]) -> i64 {
    let mut total = 0i64;
    for (ca, cb) in a.chunks(64).zip(b.chunks(64)) {
        let mut acc = [0i32; 16];
        for (x, y) in ca.iter().zip(cb) {
            for (xs, ys) in x.0.chunks_exact(16).zip(y.0.chunks_exact(16)) {
                for k in 0..16 {
                    acc[k] += i32::from(xs[k]) * i32::from(ys[k]);
                }
            }
        }
        total += acc.iter().map(|&x| i64::from(x)).sum::<i64>();
    }
    total
}

/// The hybrid similarity: `(1 − w) × lexical + w × max(0, semantic)`, or the
/// lexical cosine alone when either side has no dense vector. Callers pass
/// `w` = `semantic_weight` times the pair's trust (the smaller of the two,
/// see [`trust`]).
pub(crate) fn mix(lexical: f32, semantic: Option<f32>, weight: f32) -> f32 {
    match semantic {
        Some(s) => (1.0 - weight) * lexical + weight * s.max(0.0),
        None => lexical,
    }
}

/// The similarity of items `i` and `j` of one batch.
pub(crate) fn pair_similarity(
    sparse: &[SparseVec],
    dense: Option<&Dense>,
    weight: f32,
    i: usize,
    j: usize,
) -> f32 {
    // The dense cosine is computed before the sparse dot: `j` is a random
    // item, and the dense codes' cache misses then overlap the sparse
    // vector's (each sum is the same whatever the order of the two).
    let (a, b) = (&sparse[i], &sparse[j]);
    match dense {
        Some(d) => {
            let semantic = d.quantised_cosine(i, j);
            let lexical = vectors::dot(a, b);
            mix(lexical, semantic, weight * d.pair[i].1.min(d.pair[j].1))
        }
        None => vectors::dot(a, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn embedded(id: &str, e: &[f32]) -> FeedbackItem {
        FeedbackItem::new(id).with_embedding(e.to_vec())
    }

    #[test]
    fn codes_round_as_the_plain_expression() {
        let plain = |v: f32| v.round().clamp(-127.0, 127.0) as i8;
        let mut special = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            0.49999997,
            -0.49999997,
            1.5,
            -1.5,
            2.5,
            126.5,
            -126.5,
            127.49999,
            127.5,
            -127.5,
            128.0,
            255.99998,
            256.0,
            -256.0,
            1e9,
            -1e9,
            3e9,
            -3e9,
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
        ];
        // Every float from -300 to 300 at a stride of bit patterns, with its
        // neighbours around each half.
        let mut bits = 0u32;
        while bits < 0x4396_0000 {
            let v = f32::from_bits(bits);
            special.push(v);
            special.push(-v);
            bits += 997;
        }
        for k in -300..300 {
            let half = k as f32 + 0.5;
            special.extend([
                half,
                f32::from_bits(half.to_bits() + 1),
                f32::from_bits(half.to_bits() - 1),
            ]);
        }
        for v in special {
            assert_eq!(code_of(v), plain(v), "{v:e}");
        }
    }

    #[test]
    fn the_batch_dimension_is_the_most_common_and_the_odd_item_is_named() {
        let (a, b, c) = (
            embedded("a", &[1.0; 3]),
            embedded("b", &[1.0; 3]),
            embedded("c", &[1.0; 2]),
        );
        let plain = FeedbackItem::new("p");
        assert_eq!(embedding_dims(&[&plain]), Ok(None));
        assert_eq!(embedding_dims(&[&a, &plain, &b]), Ok(Some(3)));
        assert_eq!(
            embedding_dims(&[&c, &a, &b]),
            Err(ItemError::EmbeddingDimension {
                id: "c".into(),
                expected: 3,
                found: 2
            })
        );
        // A tie goes to the smaller length; the smallest disagreeing id is named.
        let d = embedded("d", &[1.0; 3]);
        assert_eq!(
            embedding_dims(&[&d, &c]),
            Err(ItemError::EmbeddingDimension {
                id: "d".into(),
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn the_wide_dot_is_the_dot_up_to_rounding() {
        // Lengths around the sixteen lanes and the four, and a long one.
        let mut rng = crate::test_rng::xorshift(7);
        let mut next = || (rng() >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
        for len in [0, 1, 3, 4, 15, 16, 17, 33, 384, 1001] {
            let a: Vec<f32> = (0..len).map(|_| next()).collect();
            let b: Vec<f32> = (0..len).map(|_| next()).collect();
            let exact: f64 = a.iter().zip(&b).map(|(x, y)| f64::from(x * y)).sum();
            let scale: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| f64::from((x * y).abs()))
                .sum();
            for got in [dot(&a, &b), dot_wide(&a, &b)] {
                let err = (f64::from(got) - exact).abs();
                assert!(err <= 1e-6 * scale.max(1.0), "{len}: {got} against {exact}");
            }
        }
        assert_eq!(dot_wide(&[2.0; 20], &[0.5; 20]), 20.0);
    }

    #[test]
    fn caller_vectors_are_centred_unit_rows() {
        let items = [
            embedded("a", &[2.0, 0.0]),
            embedded("b", &[0.0, 3.0]),
            FeedbackItem::new("c"),
        ];
        let refs: Vec<&FeedbackItem> = items.iter().collect();
        let d = Dense::build(&refs, None, true).unwrap().unwrap();
        assert!(d.caller && d.dims == 2 && d.len() == 3);
        let (ra, rb) = (d.row(0).unwrap(), d.row(1).unwrap());
        assert!(d.row(2).is_none());
        // Centred on the mean of the unit vectors (0.5, 0.5): opposite.
        assert!((dot(ra, ra) - 1.0).abs() < 1e-6);
        assert!((dot(ra, rb) + 1.0).abs() < 1e-6);
        // Not centred: orthogonal.
        let d = Dense::build(&refs, None, false).unwrap().unwrap();
        assert!(dot(d.row(0).unwrap(), d.row(1).unwrap()).abs() < 1e-6);
        // A query is centred like the batch; another dimension counts as none.
        let q = d.query(&embedded("q", &[1.0, 0.0]), None).unwrap();
        assert!((dot(&q.v, d.row(0).unwrap()) - 1.0).abs() < 1e-6);
        assert!(d.query(&embedded("q", &[1.0, 0.0, 0.0]), None).is_none());
        assert!(d.query(&FeedbackItem::new("q"), None).is_none());
        assert!(Dense::build(&[&items[2]], None, true).unwrap().is_none());
    }

    #[test]
    fn quantised_cosines_are_close_to_the_exact_ones() {
        let items = bundles(50, 5);
        let refs: Vec<&FeedbackItem> = items.iter().collect();
        let d = Dense::build(&refs, None, true).unwrap().unwrap();
        for i in 0..50 {
            for j in 0..50 {
                let exact = dot(d.row(i).unwrap(), d.row(j).unwrap());
                let q = d.quantised_cosine(i, j).unwrap();
                assert!((exact - q).abs() < 0.02, "{i} {j}: {exact} {q}");
            }
        }
        let (plus, minus) = (
            vec![Block([127; BLOCK]); 70],
            vec![Block([-127; BLOCK]); 70],
        );
        assert_eq!(dot_blocks(&plus, &minus), -127 * 127 * 64 * 70);
    }

    #[test]
    fn long_texts_and_unknown_words_damp_the_meaning() {
        let bytes = crate::embed::tests::table(
            &["card", "lost", "arrived", "new"],
            2,
            &[&[10, 0], &[0, 10], &[10, 10], &[-10, 10]],
        );
        let table = StaticVectors::from_bytes(&bytes).unwrap();
        let mut s = Scratch::default();
        let mut embed = |title: &str, body: &str| {
            let item = FeedbackItem::new("x").with_title(title).with_body(body);
            embed_static(&table, &item, &mut s).unwrap().1
        };
        // A short text of known words is trusted fully.
        assert_eq!(embed("new card lost", ""), 1.0);
        // Up to TRUST_WORDS words, whatever their place.
        let sixteen = ["card"; 16].join(" ");
        assert_eq!(embed("", &sixteen), 1.0);
        // Twice as long: (1/2)^4.
        let long = ["card lost"; 16].join(" ");
        assert!((embed("card", &long) - (16.0f32 / 33.0).powi(4)).abs() < 1e-6);
        assert!(embed("card", &long) < 0.06);
        // Half the words unknown to the table: (1/2)^2.
        assert!((embed("card arrived zorblat quux", "") - 0.25).abs() < 1e-6);
        // In a pair the smaller trust counts: a long text's meaning is
        // damped, the pair then compares almost by its terms.
        let items = [
            FeedbackItem::new("a").with_title("new card lost"),
            FeedbackItem::new("b").with_title("card arrived"),
            FeedbackItem::new("c").with_title("card").with_body(&long),
        ];
        let refs: Vec<&FeedbackItem> = items.iter().collect();
        let d = Dense::build(&refs, Some(&table), false).unwrap().unwrap();
        let sparse = vec![SparseVec::new(); 3];
        let short = pair_similarity(&sparse, Some(&d), 1.0, 0, 1);
        assert!((short - d.quantised_cosine(0, 1).unwrap().max(0.0)).abs() < 1e-6);
        assert!(short > 0.3, "{short}");
        let damped = pair_similarity(&sparse, Some(&d), 1.0, 0, 2);
        assert!(damped < 0.06, "{damped}");
        // Past STATIC_TEXT_BYTES, title and body together, no vector at
        // all: such a pair compares by terms alone.
        let words = |n: usize| ["card"; 1024].join(" ")[..n].to_string();
        let at = FeedbackItem::new("x")
            .with_title("card")
            .with_body(words(STATIC_TEXT_BYTES - 4));
        assert!(embed_static(&table, &at, &mut s).is_some());
        let over = FeedbackItem::new("y")
            .with_title("card")
            .with_body(words(STATIC_TEXT_BYTES - 3));
        assert!(embed_static(&table, &over, &mut s).is_none());
        let refs = [&items[0], &over];
        let d = Dense::build(&refs, Some(&table), false).unwrap().unwrap();
        let sparse = vec![vec![(0, 1.0)], vec![(0, 0.5)]];
        assert_eq!(pair_similarity(&sparse, Some(&d), 1.0, 0, 1), 0.5);
    }

    #[test]
    fn the_mix_weighs_meaning_and_ignores_opposites() {
        assert_eq!(mix(0.4, None, 0.5), 0.4);
        assert!((mix(0.4, Some(0.8), 0.5) - 0.6).abs() < 1e-6);
        assert!((mix(0.4, Some(-0.8), 0.5) - 0.2).abs() < 1e-6);
        assert_eq!(mix(0.4, Some(0.9), 0.0), 0.4);
    }

    /// `n` items in `topics` tight bundles of 16-dim vectors.
    pub(super) fn bundles(n: usize, topics: usize) -> Vec<FeedbackItem> {
        let mut state = 7u64;
        (0..n)
            .map(|i| {
                let mut e = vec![0.0f32; 16];
                e[i % topics] = 4.0;
                for x in &mut e {
                    *x += (simhash::splitmix(&mut state) >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
                }
                embedded(&format!("{i:04}"), &e)
            })
            .collect()
    }
}
