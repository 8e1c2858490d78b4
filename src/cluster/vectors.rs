//! Term vectors: the normalised, stemmed words of each item, weighted by
//! sublinear term frequency times inverse document frequency, cut to the
//! item's strongest terms and scaled to unit length (so a dot product is the
//! cosine similarity).

use crate::item::FeedbackItem;
use crate::text::{self, Analyzed};

/// At most this many bytes of a title and of a body are read. A request that
/// long has said what it is about; the cap bounds the work per item, so a
/// 10 MB paste costs no more than a page of text.
pub(crate) const MAX_TEXT_BYTES: usize = 16 * 1024;

/// Words in the title count this many times (before the sublinear tf, so a
/// title word weighs about twice a body word). A title states what a long
/// report is about; on Hadoop's duplicate bug reports a weight of 3 raised the
/// best ARI from 0.102 to 0.117 (2: 0.112, 5: 0.117, 8: 0.111). Items with no
/// title (the intent sets) are unaffected.
const TITLE_WEIGHT: f32 = 3.0;

/// A sparse unit vector: `(term id, weight)` sorted by term id.
pub(crate) type SparseVec = Vec<(u32, f32)>;

/// The prefix of `s` of at most `max` bytes, cut on a character boundary.
pub(crate) fn capped(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// True for a normalised term worth comparing: not a stop word, not a single
/// Latin letter or digit, and, when it has no letter, a number of at least
/// two characters (a version such as `3.3.4`, an issue or error number, a
/// year). Numbers tell apart requests that differ only in them ("upgrade X
/// to 3.3" and "to 3.4", "backport 17796" and "backport 18671"); dropping
/// them cost duplicate bug reports a third of their best ARI, and keeping
/// them changed the intent sets by under 0.003.
pub(crate) fn is_content_term(term: &str) -> bool {
    if term.is_ascii() {
        // What `content_term_by_chars` says for ASCII: at least two
        // characters, a letter or a digit among them.
        return term.len() >= 2
            && term.bytes().any(|b| b.is_ascii_alphanumeric())
            && !text::is_stop_term(term);
    }
    content_term_by_chars(term)
}

/// [`is_content_term`] for any text, character by character.
fn content_term_by_chars(term: &str) -> bool {
    let mut chars = term.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if chars.next().is_none() && first.is_ascii() {
        return false;
    }
    if term.chars().all(|c| !c.is_alphabetic()) && !term.chars().any(|c| c.is_numeric()) {
        return false;
    }
    !text::is_stop_term(term)
}

/// Calls `f(term, surface, weight)` for each content word of the item's
/// title and body (capped).
pub(crate) fn for_each_term(
    buf: &mut Analyzed,
    item: &FeedbackItem,
    mut f: impl FnMut(&str, &str, f32),
) {
    for (field, weight) in [(&item.title, TITLE_WEIGHT), (&item.body, 1.0)] {
        let field = capped(field, MAX_TEXT_BYTES);
        buf.analyze(field);
        for tok in &buf.tokens {
            let term = buf.norm(tok);
            if is_content_term(term) {
                f(term, &field[tok.start..tok.end], weight);
            }
        }
    }
}

/// Interned terms, numbered from 0 in the order they are first interned.
///
/// The text of every term lives in one string and the index holds only
/// numbers, so a vocabulary of a million terms (every request brings a new
/// number or name) costs a few allocations, not two million, and finding a
/// term reads one slot and, when its fingerprint matches, its text.
///
/// Terms come from request text, so the hash is keyed with a random key per
/// vocabulary (SipHash through the standard library's `RandomState`):
/// words crafted to collide cannot make the probes long. The key never
/// shows in a result: ids follow the order of interning, not the table.
#[derive(Clone, Debug, Default)]
pub(crate) struct Vocab {
    /// The terms' text, end to end.
    text: String,
    /// Term id -> the end of its text in `text` (it starts where the
    /// previous term ends).
    ends: Vec<usize>,
    /// Open addressing, a power of two long (or empty): per slot, the upper
    /// 32 bits of the term's hash and, below, its id plus one; 0 is empty.
    slots: Vec<u64>,
    /// The hash's random key.
    keys: std::hash::RandomState,
}

impl Vocab {
    /// The number of terms.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The text of term `id` (empty for an id past the end).
    pub fn term(&self, id: u32) -> &str {
        let id = id as usize;
        let end = self.ends.get(id).copied().unwrap_or(0);
        let start = match id.checked_sub(1) {
            Some(prev) => self.ends.get(prev).copied().unwrap_or(end),
            None => 0,
        };
        self.text.get(start..end).unwrap_or("")
    }

    /// The id of `term`, if it was interned.
    pub fn get(&self, term: &str) -> Option<u32> {
        let (at, _) = self.find(term, self.hash(term));
        self.slots.get(at?).and_then(|&s| (s as u32).checked_sub(1))
    }

    /// The id of `term`, interning it first when it is new. Past
    /// `u32::MAX - 1` terms (some 64 GB of index) a new term is not kept and
    /// gets `u32::MAX`, which the vectors treat as a word the corpus has
    /// not seen.
    pub fn intern(&mut self, term: &str) -> u32 {
        // Grow at a load of 1/2, so that probe runs stay short.
        if 2 * (self.len() + 1) > self.slots.len() {
            self.grow();
        }
        let h = self.hash(term);
        match self.find(term, h) {
            (Some(at), false) => {
                let Some(id) = u32::try_from(self.len())
                    .ok()
                    .filter(|&id| id < u32::MAX - 1)
                else {
                    return u32::MAX;
                };
                self.text.push_str(term);
                self.ends.push(self.text.len());
                if let Some(slot) = self.slots.get_mut(at) {
                    *slot = (h & !u64::from(u32::MAX)) | u64::from(id + 1);
                }
                id
            }
            (Some(at), true) => self
                .slots
                .get(at)
                .map_or(0, |&s| (s as u32).wrapping_sub(1)),
            // Not reached: the table was grown to have free slots.
            (None, _) => u32::MAX,
        }
    }

    /// The slot that holds `term` (and `true`), or the empty slot where it
    /// would go (and `false`); `None` when the table is empty.
    fn find(&self, term: &str, h: u64) -> (Option<usize>, bool) {
        let mask = self.slots.len().wrapping_sub(1);
        if self.slots.is_empty() {
            return (None, false);
        }
        let mut at = h as usize & mask;
        loop {
            let s = self.slots[at];
            if s == 0 {
                return (Some(at), false);
            }
            if (s ^ h) >> 32 == 0 && self.term((s as u32).wrapping_sub(1)) == term {
                return (Some(at), true);
            }
            at = (at + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = (2 * self.slots.len()).max(64);
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        for s in old.into_iter().filter(|&s| s != 0) {
            let id = (s as u32).wrapping_sub(1);
            // The upper half of the hash is in the slot; the lower half
            // (where the probe starts) is recomputed from the text.
            let h = self.hash(self.term(id));
            let mut at = h as usize & (size - 1);
            while self.slots[at] != 0 {
                at = (at + 1) & (size - 1);
            }
            self.slots[at] = s;
        }
    }

    /// The keyed hash of a term (every bit depends on every byte: the probe
    /// starts at the low bits, the fingerprint is the high ones).
    fn hash(&self, term: &str) -> u64 {
        use std::hash::BuildHasher;
        self.keys.hash_one(term)
    }
}

/// [`TermMemo`]'s answer for a word that is no content term (no term id:
/// [`Vocab::intern`] numbers terms below `u32::MAX - 1`, or gives
/// `u32::MAX`).
const NOT_CONTENT: u32 = u32::MAX - 1;

/// Recent words -> their term id (or [`NOT_CONTENT`]), for one vocabulary:
/// one slot per hash of the folded word (an ASCII word of at most 16
/// bytes, packed; see [`text::Word::packed`]), a new word taking its slot
/// over. No slot is ever probed twice, so words crafted to share slots only
/// make the memo miss; what it answers is what the word's normalised form
/// gives, the same every time (its id was interned at the first miss).
#[cfg_attr(feature = "parallel", allow(dead_code))]
struct TermMemo {
    slots: Vec<(u128, u32)>,
    /// `slots.len()` is `2^bits`.
    bits: u32,
}

#[cfg_attr(feature = "parallel", allow(dead_code))]
impl TermMemo {
    /// At most `2^MAX_BITS` slots (32 bytes each: 2 MB).
    const MAX_BITS: u32 = 16;

    /// A memo for `items` items: about 32 slots per item, from 256 to
    /// `2^MAX_BITS`, so that a batch of two (`Clusterer::compare`) does not
    /// clear 2 MB.
    fn for_items(items: usize) -> TermMemo {
        let wanted = items.saturating_mul(32).next_power_of_two();
        let bits = wanted.trailing_zeros().clamp(8, Self::MAX_BITS);
        TermMemo {
            slots: vec![(0, 0); 1 << bits],
            bits,
        }
    }

    /// The slot of a packed word (the key is never 0: a word has a byte,
    /// and no byte of a word is 0, so an empty slot `(0, 0)` matches none).
    fn slot(&self, key: u128) -> usize {
        let (lo, hi) = (key as u64, (key >> 64) as u64);
        let h = (lo ^ hi.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> (64 - self.bits)) as usize
    }

    fn get(&self, key: u128) -> Option<u32> {
        let &(k, id) = self.slots.get(self.slot(key))?;
        (k == key).then_some(id)
    }

    fn put(&mut self, key: u128, id: u32) {
        let slot = self.slot(key);
        if let Some(slot) = self.slots.get_mut(slot) {
            *slot = (key, id);
        }
    }
}

/// The vocabulary and statistics of a set of items, with their vectors.
#[derive(Clone, Debug, Default)]
pub(crate) struct Corpus {
    /// Number of items counted in `df`.
    pub n: usize,
    /// Normalised term <-> term id. Ids are given in order of first
    /// appearance over the items in the order they are given (the
    /// clustering's hash-of-id order), so they are deterministic.
    pub vocab: Vocab,
    /// Term id -> number of items containing it.
    pub df: Vec<u32>,
    /// One unit vector per item.
    pub vectors: Vec<SparseVec>,
    /// Every term weighs the same (no idf): for comparing two items alone.
    pub uniform: bool,
}

impl Corpus {
    /// Analyses `items` (in the clustering's order, see `ordered_positions`) and
    /// builds their vectors, keeping at most `max_terms` terms per item.
    pub fn build(items: &[&FeedbackItem], max_terms: usize, uniform: bool) -> Corpus {
        let mut c = Corpus {
            n: items.len(),
            uniform,
            ..Corpus::default()
        };
        let mut raw: Vec<Vec<(u32, f32)>> = Vec::with_capacity(items.len());
        let mut scratch: Vec<(u32, f32)> = Vec::new();
        // Term ids in order of first appearance, item by item.
        #[cfg(feature = "parallel")]
        let add = |c: &mut Corpus, term: &str, w: f32, scratch: &mut Vec<(u32, f32)>| {
            let id = c.vocab.intern(term);
            if id as usize == c.df.len() {
                c.df.push(0);
            }
            scratch.push((id, w));
        };
        let mut finish = |c: &mut Corpus, scratch: &mut Vec<(u32, f32)>| {
            let tf = merge_counts(scratch);
            for &(id, _) in &tf {
                // A term the vocabulary could not number (`u32::MAX`, see
                // `Vocab::intern`) has no count: it weighs as unseen.
                if let Some(d) = c.df.get_mut(id as usize) {
                    *d += 1;
                }
            }
            raw.push(tf);
            scratch.clear();
        };
        // With the `parallel` feature each chunk of items is analysed on all
        // cores (the terms of an item concatenated, with their end offsets),
        // then numbered in item order as without it.
        #[cfg(feature = "parallel")]
        for chunk in items.chunks(4096) {
            use rayon::prelude::*;
            let analysed: Vec<(String, Vec<(usize, f32)>)> = chunk
                .par_iter()
                .map_init(Analyzed::default, |buf, item| {
                    let (mut text, mut ends) = (String::new(), Vec::new());
                    for_each_term(buf, item, |term, _, w| {
                        text.push_str(term);
                        ends.push((text.len(), w));
                    });
                    (text, ends)
                })
                .collect();
            for (text, ends) in analysed {
                let mut start = 0;
                for (end, w) in ends {
                    add(&mut c, &text[start..end], w, &mut scratch);
                    start = end;
                }
                finish(&mut c, &mut scratch);
            }
        }
        #[cfg(not(feature = "parallel"))]
        {
            let mut memo = TermMemo::for_items(items.len());
            for item in items {
                c.item_terms(item, &mut memo, &mut scratch);
                finish(&mut c, &mut scratch);
            }
        }
        c.vectors = c.weigh_all(raw, max_terms);
        c
    }

    /// Pushes `(term id, weight)` for each content word of the item, as
    /// [`for_each_term`] and interning give them, new terms numbered as
    /// they come. A word seen recently is answered by `memo` (its id, or
    /// that it is no content term) without stemming, checking or hashing
    /// its text: a batch repeats its words.
    #[cfg_attr(feature = "parallel", allow(dead_code))]
    fn item_terms(&mut self, item: &FeedbackItem, memo: &mut TermMemo, out: &mut Vec<(u32, f32)>) {
        for (field, weight) in [(&item.title, TITLE_WEIGHT), (&item.body, 1.0)] {
            let field = capped(field, MAX_TEXT_BYTES);
            text::for_each_word(field, |mut w| {
                let key = w.packed();
                if let Some(id) = key.and_then(|k| memo.get(k)) {
                    if id != NOT_CONTENT {
                        out.push((id, weight));
                    }
                    return;
                }
                let term = std::str::from_utf8(w.norm()).unwrap_or_default();
                let id = if is_content_term(term) {
                    let id = self.vocab.intern(term);
                    if id as usize == self.df.len() {
                        self.df.push(0);
                    }
                    out.push((id, weight));
                    id
                } else {
                    NOT_CONTENT
                };
                if let Some(k) = key {
                    memo.put(k, id);
                }
            });
        }
    }

    /// The vectors of the counted items, once `df` is final. Each depends
    /// only on its own counts and `df`: with the `parallel` feature they are
    /// weighed on all cores, in item order.
    fn weigh_all(&self, raw: Vec<Vec<(u32, f32)>>, max_terms: usize) -> Vec<SparseVec> {
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            raw.into_par_iter()
                .map(|tf| self.weigh(tf, 0, max_terms))
                .collect()
        }
        #[cfg(not(feature = "parallel"))]
        {
            raw.into_iter()
                .map(|tf| self.weigh(tf, 0, max_terms))
                .collect()
        }
    }

    /// Smoothed inverse document frequency, as scikit-learn computes it.
    /// `extra` counts documents beyond `n` (an item being compared).
    pub fn idf(&self, df: u32, extra: usize) -> f32 {
        if self.uniform {
            return 1.0;
        }
        let n = (self.n + extra) as f32;
        ((1.0 + n) / (1.0 + df as f32)).ln() + 1.0
    }

    /// Turns term counts into a unit vector of at most `max_terms` terms.
    /// Ids at or past `terms.len()` stand for words the corpus has not seen
    /// (document frequency 1 with the item itself counted).
    fn weigh(&self, tf: Vec<(u32, f32)>, extra: usize, max_terms: usize) -> SparseVec {
        let mut v: SparseVec = tf
            .into_iter()
            .map(|(id, count)| {
                let df = self.df.get(id as usize).map_or(1, |&d| d + extra as u32);
                (id, (1.0 + count.ln()) * self.idf(df, extra))
            })
            .collect();
        if v.len() > max_terms {
            // The strongest (ties by term id, a total order, so the same
            // terms whatever the selection's order), by a selection rather
            // than a sort: they are put in id order next.
            v.select_nth_unstable_by(max_terms, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            v.truncate(max_terms);
            v.sort_unstable_by_key(|e| e.0);
        }
        let norm = v.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
        if norm > 0.0 {
            for e in &mut v {
                e.1 /= norm;
            }
        }
        // Unseen words stay in the norm but can never be shared.
        v.retain(|e| (e.0 as usize) < self.vocab.len());
        v
    }

    /// The vector of an item that is not part of the corpus, weighted as if
    /// it had been added to it.
    pub fn vectorize(&self, item: &FeedbackItem, max_terms: usize) -> SparseVec {
        let mut buf = Analyzed::default();
        let mut scratch = Vec::new();
        // Keyed by request text: the standard, randomly keyed hash.
        let mut unseen: std::collections::HashMap<String, u32> = Default::default();
        let base = self.vocab.len() as u32;
        for_each_term(&mut buf, item, |term, _, w| {
            let id = match self.vocab.get(term) {
                Some(id) => id,
                None => {
                    let next = base + unseen.len() as u32;
                    *unseen.entry(term.to_string()).or_insert(next)
                }
            };
            scratch.push((id, w));
        });
        let tf = merge_counts(&mut scratch);
        self.weigh(tf, 1, max_terms)
    }
}

/// Sorts `(id, weight)` pairs by id and sums the weights of equal ids.
fn merge_counts(pairs: &mut [(u32, f32)]) -> Vec<(u32, f32)> {
    pairs.sort_unstable_by_key(|p| p.0);
    let mut out: Vec<(u32, f32)> = Vec::with_capacity(pairs.len());
    for &(id, w) in pairs.iter() {
        match out.last_mut() {
            Some(last) if last.0 == id => last.1 += w,
            _ => out.push((id, w)),
        }
    }
    out
}

/// The dot product of two sparse vectors sorted by id, the shared ids'
/// products summed in id order.
///
/// Each step moves past the smaller id (past both when they are equal)
/// without a branch on which one it was: whether the next id comes from
/// `a` or `b` is a coin toss the branch predictor lost on most steps, while
/// a shared id (the one branch left) is rare.
pub(crate) fn dot(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut s) = (0, 0, 0.0f32);
    while let (Some(&(x, wx)), Some(&(y, wy))) = (a.get(i), b.get(j)) {
        if x == y {
            s += wx * wy;
        }
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    s
}

/// The term ids two sparse vectors share, strongest joint weight first
/// (ties by id).
pub(crate) fn shared(a: &[(u32, f32)], b: &[(u32, f32)]) -> Vec<u32> {
    let (mut i, mut j) = (0, 0);
    let mut out: Vec<(u32, f32)> = Vec::new();
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push((a[i].0, a[i].1 * b[j].1));
                i += 1;
                j += 1;
            }
        }
    }
    out.sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    out.into_iter().map(|e| e.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ascii_rule_for_content_terms_is_the_general_one() {
        let mut terms: Vec<String> = (0u8..128).map(|b| char::from(b).to_string()).collect();
        for a in 32u8..127 {
            for b in 32u8..127 {
                terms.push([char::from(a), char::from(b)].iter().collect());
            }
        }
        terms.extend(
            ["the", "and", "export", "3.3.4", "__", "--x", "a1", "would"].map(String::from),
        );
        for t in &terms {
            assert_eq!(is_content_term(t), content_term_by_chars(t), "{t:?}");
        }
    }

    #[test]
    fn content_terms() {
        assert!(is_content_term("export"));
        assert!(is_content_term("崩"));
        assert!(!is_content_term("x"));
        assert!(!is_content_term("7"));
        assert!(!is_content_term("__"));
        assert!(is_content_term("2024"));
        assert!(is_content_term("3.3.4"));
        assert!(!is_content_term("the"));
        assert!(!is_content_term(""));
    }

    #[test]
    fn title_words_outweigh_body_words() {
        let a = FeedbackItem::new("a")
            .with_title("Quota alerts")
            .with_body("Webhook retries");
        let c = Corpus::build(&[&a], 32, true);
        let w = |t: &str| c.vectors[0][c.vocab.get(t).unwrap() as usize].1;
        assert!(w("quota") > 1.5 * w("webhook"), "{:?}", c.vectors[0]);
    }

    proptest::proptest! {
        /// The interner numbers terms in order of first appearance and gives
        /// each back, as a map from term to the next free id would.
        #[test]
        fn vocab_interns_like_a_map(
            terms in proptest::collection::vec("[a-c]{0,3}|[a-z0-9]{1,12}|é[a-z]{0,2}", 0..400),
        ) {
            let mut v = Vocab::default();
            let mut reference: std::collections::HashMap<&str, u32> = Default::default();
            for t in &terms {
                let next = reference.len() as u32;
                let want = *reference.entry(t.as_str()).or_insert(next);
                proptest::prop_assert_eq!(v.intern(t), want);
                proptest::prop_assert_eq!(v.len(), reference.len());
            }
            for (t, &id) in &reference {
                proptest::prop_assert_eq!(v.get(t), Some(id));
                proptest::prop_assert_eq!(v.term(id), *t);
            }
            proptest::prop_assert_eq!(v.get("not-a-term-here"), None);
            proptest::prop_assert_eq!(v.term(u32::MAX), "");
        }
    }

    proptest::proptest! {
        /// The term memo changes nothing: the vocabulary, the document
        /// frequencies and the vectors (bit for bit) are those of every
        /// word analysed, checked and interned one by one, whatever the
        /// words repeat. (With the `parallel` feature the corpus is built
        /// without the memo, so this then checks the parallel build; CI's
        /// `--no-default-features` run checks the memo. Up to 40 items
        /// take a memo of 2,048 slots or fewer, so words take slots over.)
        #[test]
        fn remembered_terms_build_the_same_corpus(
            texts in proptest::collection::vec(
                proptest::collection::vec(
                    "[a-e]{1,3}|the|and|crash(es|ed|ing)?|[A-Z][a-z]{0,17}|[0-9]{1,3}|é[a-z]?|x_[a-z0-9]{0,20}|[.!?,;'’ ]",
                    0..30,
                ),
                1..40,
            ),
        ) {
            let items: Vec<FeedbackItem> = texts
                .iter()
                .enumerate()
                .map(|(i, words)| {
                    let (title, body) = words.split_at(words.len() / 3);
                    FeedbackItem::new(format!("i{i}"))
                        .with_title(title.join(" "))
                        .with_body(body.join(" "))
                })
                .collect();
            let refs: Vec<&FeedbackItem> = items.iter().collect();
            let got = Corpus::build(&refs, 8, false);
            // The reference: every term interned as it comes.
            let mut want = Corpus { n: refs.len(), ..Corpus::default() };
            let mut raw = Vec::new();
            let mut buf = Analyzed::default();
            for it in &refs {
                let mut pairs = Vec::new();
                for_each_term(&mut buf, it, |term, _, w| {
                    let id = want.vocab.intern(term);
                    if id as usize == want.df.len() {
                        want.df.push(0);
                    }
                    pairs.push((id, w));
                });
                let tf = merge_counts(&mut pairs);
                for &(id, _) in &tf {
                    want.df[id as usize] += 1;
                }
                raw.push(tf);
            }
            want.vectors = raw.into_iter().map(|tf| want.weigh(tf, 0, 8)).collect();
            proptest::prop_assert_eq!(got.vocab.len(), want.vocab.len());
            for id in 0..want.vocab.len() as u32 {
                proptest::prop_assert_eq!(got.vocab.term(id), want.vocab.term(id));
            }
            proptest::prop_assert_eq!(&got.df, &want.df);
            let bits = |c: &Corpus| -> Vec<Vec<(u32, u32)>> {
                c.vectors
                    .iter()
                    .map(|v| v.iter().map(|e| (e.0, e.1.to_bits())).collect())
                    .collect()
            };
            proptest::prop_assert_eq!(bits(&got), bits(&want));
        }
    }

    #[test]
    fn capped_respects_char_boundaries() {
        let s = "ééé";
        assert_eq!(capped(s, 3), "é");
        assert_eq!(capped(s, 100), s);
    }

    #[test]
    fn vectors_are_unit_length() {
        let a = FeedbackItem::new("a").with_title("Export reports to CSV");
        let b = FeedbackItem::new("b").with_body("CSV export of reports, please");
        let c = Corpus::build(&[&a, &b], 32, false);
        for v in &c.vectors {
            let n: f32 = v.iter().map(|e| e.1 * e.1).sum();
            assert!((n - 1.0).abs() < 1e-4);
        }
        assert!(dot(&c.vectors[0], &c.vectors[1]) > 0.9);
    }

    /// The branch-free merge sums the shared ids' products in id order, bit
    /// for bit as a merge that branches on the comparison.
    #[test]
    fn the_dot_product_is_the_branching_merges_sum() {
        fn reference(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
            let (mut i, mut j, mut s) = (0, 0, 0.0f32);
            while i < a.len() && j < b.len() {
                match a[i].0.cmp(&b[j].0) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        s += a[i].1 * b[j].1;
                        i += 1;
                        j += 1;
                    }
                }
            }
            s
        }
        let mut next = crate::test_rng::xorshift(0x9e37_79b9_7f4a_7c15);
        let mut vector = |terms: u64| -> Vec<(u32, f32)> {
            let mut v: Vec<(u32, f32)> = (0..next() % 40)
                .map(|_| ((next() % terms) as u32, (next() % 1000) as f32 / 997.0))
                .collect();
            v.sort_unstable_by_key(|e| e.0);
            v.dedup_by_key(|e| e.0);
            v
        };
        for round in 0..2000 {
            let terms = 2 + round % 60;
            let (a, b) = (vector(terms), vector(terms));
            assert_eq!(dot(&a, &b).to_bits(), reference(&a, &b).to_bits());
            assert_eq!(dot(&b, &a).to_bits(), reference(&b, &a).to_bits());
        }
        assert_eq!(dot(&[], &[(1, 1.0)]), 0.0);
        assert_eq!(dot(&[(u32::MAX, 2.0)], &[(u32::MAX, 3.0)]), 6.0);
    }
}
