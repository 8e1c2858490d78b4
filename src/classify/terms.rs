//! The classifier's term table: normalised policy terms to term ids, looked
//! up once per word of every text, so built for that.
//!
//! Terms of up to 16 bytes (nearly all) are packed into two integers and kept
//! in an open-addressing table: a lookup is one multiply and a compare of two
//! words, with no hashing loop and no `memcmp`. Longer terms sit in a plain
//! map. The table's probe sequences depend only on the policy's terms, so an
//! adversarial text cannot make a lookup slower than the longest run of
//! occupied slots, which the load factor keeps short.

use std::sync::atomic::{AtomicU32, Ordering};

use super::Owner;
use crate::text::{FxHashMap, Word};

/// Longest term packed inline.
const INLINE: usize = 16;

/// Fibonacci hashing's multiplier, 2^64 / φ (odd): one multiply carries
/// every bit of a key into the top bits, which the tables index by.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
/// A second odd multiplier for the pair filter, so that its bits do not
/// follow the pair table's slot (both hash the same key).
const FILTER_MIX: u64 = 0xD6E8_FEB8_6659_FD93;
/// A long word's second half is rotated by this (odd, far from 0 and 64)
/// before it is xor-ed into the first, so that equal halves do not cancel.
const HALF_ROTATE: u32 = 29;
/// The fewest slots of a table (a power of two): even an empty policy's
/// tables index by a mask.
const MIN_SLOTS: usize = 16;

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    k0: u64,
    k1: u64,
    /// Term length in bytes; 0 marks an empty slot (terms are never empty).
    len: u32,
    id: u32,
}

/// What a lookup found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Found {
    /// The term id.
    pub id: u32,
    /// Stemming the term gives the term itself: a word spelled like it is
    /// this term without being stemmed.
    pub fixed: bool,
}

#[derive(Debug)]
pub(super) struct TermTable {
    /// Per slot: 0 when empty, else a fingerprint of its term's hash. Small
    /// enough to stay in the L1 cache, so a word that is no term (nearly
    /// half of all words) never touches `slots`.
    tags: Box<[u16]>,
    slots: Box<[Slot]>,
    shift: u32,
    long: FxHashMap<Box<[u8]>, u32>,
    /// Per term id: see [`Found::fixed`].
    fixed: Vec<bool>,
    /// Longest term, in bytes.
    max_len: usize,
    /// Unique in the process (never 0): tells a [`WordMemo`]'s entries for
    /// this table from those of another.
    uid: u32,
}

/// A per-thread memo of [`TermTable::of_word`] for short ASCII words, which
/// spares the stemmer and the second lookup for the words a text repeats
/// (most of them, in any language: word frequencies are Zipfian). Entries
/// name the table they belong to, so one memo serves every classifier a
/// thread uses; a word that is not in the memo simply takes the full path,
/// so the memo changes only the speed of a lookup, never its answer.
///
/// Words of at most 8 bytes (nearly all) have slots of their own, of 16
/// bytes, safe from the conflicts of the longer words. Slots come in
/// pairs that share a hash (two ways, the word last used first), in one
/// cache line: two frequent words of one hash both stay.
#[derive(Debug, Default)]
pub(super) struct WordMemo {
    /// Words of at most 8 bytes. Empty until first used, then a power of
    /// two long (as `long`).
    short: Vec<Ways<ShortSlot>>,
    /// Words of 9 to 16 bytes.
    long: Vec<Ways<MemoSlot>>,
}

#[derive(Clone, Copy, Debug, Default)]
struct ShortSlot {
    /// The folded word, packed as by `Word::packed` (word bytes are never
    /// 0, so the packing alone tells words apart).
    k0: u64,
    /// The table's uid; 0 marks an empty slot.
    owner: u32,
    /// The term id plus one, or 0 for no term.
    term: u32,
}

#[derive(Clone, Copy, Debug, Default)]
struct MemoSlot {
    /// As in [`ShortSlot`], with the word's second eight bytes.
    k0: u64,
    k1: u64,
    owner: u32,
    term: u32,
}

/// The two slots of one hash, the one last used first; aligned so that
/// they never straddle two cache lines.
#[derive(Clone, Copy, Debug, Default)]
#[repr(align(32))]
struct Ways<S>([S; 2]);

impl<S: Copy> Ways<S> {
    /// The slot `holds` accepts, moved first (a hit in the second slot
    /// swaps the two).
    #[inline(always)]
    fn find(&mut self, holds: impl Fn(&S) -> bool) -> Option<S> {
        let [a, b] = self.0;
        if holds(&a) {
            return Some(a);
        }
        if holds(&b) {
            self.0 = [b, a];
            return Some(b);
        }
        None
    }

    /// Puts `slot` first; the second slot's word is forgotten.
    #[inline]
    fn insert(&mut self, slot: S) {
        self.0 = [slot, self.0[0]];
    }
}

/// Pairs of slots in a [`WordMemo`]: for words of at most 8 bytes (32
/// bytes a pair), and for longer ones (64 bytes a pair, padded); 384 KB
/// per thread in all.
const MEMO_SHORT: usize = 8192;
const MEMO_LONG: usize = 2048;

impl WordMemo {
    /// [`TermTable::of_word`], remembered for ASCII words of at most 16
    /// bytes (nearly all words) when the table has a uid. Leaves `w` as it
    /// was (lookups work on a [`Word::reborrow`], so that the scanner's word
    /// stays in registers).
    #[inline(always)]
    pub fn of_word(&mut self, table: &TermTable, w: &mut Word<'_>) -> Option<u32> {
        let (k0, k1) = match w.packed() {
            Some(p) if table.uid != 0 && !w.is_normalised() => split(p),
            _ => return table.of_word(&mut w.reborrow()),
        };
        // The hash of (k0, k1, uid); `k1` is 0 for a short word.
        let mix = |x: u64| (x.wrapping_mul(GOLDEN) >> 32) as usize;
        let (uid, owner) = (u64::from(table.uid), table.uid);
        let (hit, h) = if k1 == 0 {
            let h = mix(k0 ^ uid);
            let mask = self.short.len().wrapping_sub(1);
            let hit = self
                .short
                .get_mut(h & mask)
                .and_then(|w| w.find(|s| s.owner == owner && s.k0 == k0).map(|s| s.term));
            (hit, h)
        } else {
            let h = mix(k0 ^ k1.rotate_left(HALF_ROTATE) ^ uid);
            let mask = self.long.len().wrapping_sub(1);
            let hit = self.long.get_mut(h & mask).and_then(|w| {
                w.find(|s| s.owner == owner && s.k0 == k0 && s.k1 == k1)
                    .map(|s| s.term)
            });
            (hit, h)
        };
        match hit {
            Some(term) => term.checked_sub(1),
            None => self.miss(table, &mut w.reborrow(), (k0, k1), h),
        }
    }

    /// Looks the word up in `table` and remembers the answer.
    #[cold]
    #[inline(never)]
    fn miss(
        &mut self,
        table: &TermTable,
        w: &mut Word<'_>,
        (k0, k1): (u64, u64),
        h: usize,
    ) -> Option<u32> {
        if self.short.is_empty() {
            self.short = vec![Ways::default(); MEMO_SHORT];
            self.long = vec![Ways::default(); MEMO_LONG];
        }
        let found = table.of_word(w);
        let (owner, term) = (
            table.uid,
            // Term ids are below the number of terms, far from `u32::MAX`.
            found.map_or(0, |id| id.saturating_add(1)),
        );
        if k1 == 0 {
            let at = h & (self.short.len() - 1);
            self.short[at].insert(ShortSlot { k0, owner, term });
        } else {
            let at = h & (self.long.len() - 1);
            self.long[at].insert(MemoSlot {
                k0,
                k1,
                owner,
                term,
            });
        }
        found
    }
}

/// A new uid for a [`TermTable`]: unique in the process, or 0 (no memo) once
/// four billion tables have been built.
fn next_uid() -> u32 {
    NEXT_UID
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| u.checked_add(1))
        .unwrap_or(0)
}

/// The next [`TermTable::uid`].
static NEXT_UID: AtomicU32 = AtomicU32::new(1);

/// `key` (at most 16 bytes) packed little-endian, zero-padded.
fn pack(key: &[u8]) -> u128 {
    let mut b = [0u8; INLINE];
    b[..key.len()].copy_from_slice(key);
    u128::from_le_bytes(b)
}

fn split(packed: u128) -> (u64, u64) {
    (packed as u64, (packed >> 64) as u64)
}

impl TermTable {
    /// Builds the table from `(term, id, fixed)` triples; ids are dense.
    pub fn new(terms: &[(&[u8], u32, bool)]) -> TermTable {
        let inline = terms.iter().filter(|t| t.0.len() <= INLINE).count();
        // Load factor at most 1/2.
        let size = (2 * inline).next_power_of_two().max(MIN_SLOTS);
        let mut table = TermTable {
            tags: vec![0; size].into_boxed_slice(),
            slots: vec![Slot::default(); size].into_boxed_slice(),
            shift: 64 - size.trailing_zeros(),
            long: FxHashMap::default(),
            fixed: vec![false; terms.len()],
            max_len: terms.iter().map(|t| t.0.len()).max().unwrap_or(0),
            uid: next_uid(),
        };
        for &(term, id, fixed) in terms {
            if let Some(f) = table.fixed.get_mut(id as usize) {
                *f = fixed;
            }
            if term.is_empty() {
                continue;
            }
            if term.len() > INLINE {
                table.long.insert(term.into(), id);
                continue;
            }
            let (k0, k1) = split(pack(term));
            let mask = table.slots.len() - 1;
            let (mut at, tag) = table.home(k0, k1);
            while table.tags[at] != 0 {
                at = (at + 1) & mask;
            }
            table.tags[at] = tag;
            table.slots[at] = Slot {
                k0,
                k1,
                len: term.len() as u32,
                id,
            };
        }
        table
    }

    /// The first slot to probe, and the term's nonzero tag.
    #[inline]
    fn home(&self, k0: u64, k1: u64) -> (usize, u16) {
        let h = (k0 ^ k1.rotate_left(HALF_ROTATE)).wrapping_mul(GOLDEN);
        ((h >> self.shift) as usize, (h as u16 >> 1) | 1)
    }

    /// The term a word of a text stands for: its folded form when that is
    /// a term that is its own stem (no stemming needed), else its stem.
    pub fn of_word(&self, w: &mut Word<'_>) -> Option<u32> {
        // Stemming never shortens a word by more than this many bytes.
        if w.len() > self.max_len + 8 {
            return None;
        }
        match self.get_word(w) {
            Some(f) if f.fixed || w.is_normalised() => Some(f.id),
            found => {
                if w.stem() {
                    self.get_word(w).map(|f| f.id)
                } else {
                    found.map(|f| f.id)
                }
            }
        }
    }

    fn get_word(&self, w: &mut Word<'_>) -> Option<Found> {
        match w.packed() {
            Some(p) => self.get_packed(p, w.len()),
            None => self.get(w.folded()),
        }
    }

    /// The term spelled `key`, if any.
    fn get(&self, key: &[u8]) -> Option<Found> {
        if key.len() > INLINE {
            let id = *self.long.get(key)?;
            return Some(self.found(id));
        }
        self.get_packed(pack(key), key.len())
    }

    /// The term of `len` bytes whose bytes, packed as by [`Word::packed`],
    /// are `packed`.
    ///
    /// [`Word::packed`]: crate::text::Word::packed
    #[inline(always)]
    fn get_packed(&self, packed: u128, len: usize) -> Option<Found> {
        if len == 0 {
            return None;
        }
        let (k0, k1) = split(packed);
        let mask = self.slots.len() - 1;
        let (mut at, tag) = self.home(k0, k1);
        loop {
            let t = self.tags[at];
            if t == 0 {
                return None;
            }
            if t == tag {
                let s = &self.slots[at];
                if s.k0 == k0 && s.k1 == k1 && s.len as usize == len {
                    return Some(self.found(s.id));
                }
            }
            at = (at + 1) & mask;
        }
    }

    fn found(&self, id: u32) -> Found {
        Found {
            id,
            fixed: self.fixed.get(id as usize).copied().unwrap_or(false),
        }
    }
}

/// What the matcher needs to know of a term, in one small entry (16
/// bytes).
///
/// Most terms are a word of the learned layer and nothing else: their one
/// one-word phrase is a bag phrase ([`Owner::Bag`]), which the entry holds
/// itself, so that matching it reads no list.
#[derive(Clone, Copy, Debug)]
pub(super) struct TermInfo {
    /// The one-word phrases that are this term, `PhraseIndex::lists[start..start
    /// + len]`; or, when `bag` is a phrase, that bag phrase's cells.
    pub start: u32,
    pub len: u32,
    /// The term's only one-word phrase when it is a bag phrase, else
    /// `u32::MAX` (its one-word phrases are listed).
    pub bag: u32,
    /// The term is the first word of a phrase of two or more words.
    pub starts_long: bool,
}

impl Default for TermInfo {
    fn default() -> TermInfo {
        TermInfo {
            start: 0,
            len: 0,
            bag: u32::MAX,
            starts_long: false,
        }
    }
}

impl TermInfo {
    /// The bag phrase the entry holds, if any.
    #[inline(always)]
    pub fn held(&self) -> Option<HeldBag> {
        (self.bag != u32::MAX).then_some(HeldBag {
            phrase: self.bag,
            start: self.start,
            len: self.len,
        })
    }

    /// A one-word phrase is this term.
    #[inline(always)]
    pub fn starts_single(&self) -> bool {
        // A bag phrase has a cell per rule weighing it: at least one.
        self.len != 0
    }
}

/// A phrase as the matcher lists it: with what it needs of the phrase, so
/// that a match reads one entry rather than the phrase table.
#[derive(Clone, Copy, Debug)]
pub(super) struct Listed {
    pub phrase: u32,
    /// Its number of words.
    pub len: u32,
    pub owner: Owner,
}

/// The phrases the matcher may start at a term, built once from the
/// compiler's maps: per term a [`TermInfo`], and an open-addressing table
/// from a term's first two words to the phrases of two or more words that
/// start with them (longest first). All phrase lists live in one array.
#[derive(Debug, Default)]
pub(super) struct PhraseIndex {
    pub info: Vec<TermInfo>,
    lists: Vec<Listed>,
    /// Per slot: a pair of words and its phrases.
    pairs: Box<[PairSlot]>,
    shift: u32,
    /// One bit per hash of a pair of words that starts a phrase: most
    /// adjacent terms start none ("it is", "to the"), and this small filter
    /// says so without probing the table.
    pair_bits: Box<[u64]>,
}

/// A slot of [`PhraseIndex::pairs`]: a pair of words and its phrases of
/// two or more words. Most pairs are a two-word keyword of the learned
/// layer and nothing else: the slot holds that bag phrase itself, so that
/// matching it reads no list.
#[derive(Clone, Copy, Debug)]
struct PairSlot {
    /// `(first << 32) | second`, `u64::MAX` for an empty slot (term ids are
    /// far below `u32::MAX`).
    key: u64,
    /// The pair's phrases, `lists[start..start + len]`; or, when `bag` is
    /// a phrase, that bag phrase's cells.
    start: u32,
    len: u32,
    /// The pair's only phrase when it is a bag phrase of these two words,
    /// else `u32::MAX`.
    bag: u32,
}

impl PairSlot {
    const EMPTY: PairSlot = PairSlot {
        key: u64::MAX,
        start: 0,
        len: 0,
        bag: u32::MAX,
    };
}

/// A bag phrase (its cells `start..start + len`) that the index holds
/// itself rather than lists.
#[derive(Clone, Copy, Debug)]
pub(super) struct HeldBag {
    pub phrase: u32,
    pub start: u32,
    pub len: u32,
}

impl PhraseIndex {
    /// `single[t]`: the one-word phrases of term `t`; `pairs`: the phrases
    /// of two or more words by their first two terms, in matching order;
    /// `listed`: a phrase's entry.
    pub fn new(
        single: &[Vec<u32>],
        pairs: &[((u32, u32), &[u32])],
        listed: impl Fn(u32) -> Listed,
    ) -> PhraseIndex {
        let size = (2 * pairs.len()).next_power_of_two().max(MIN_SLOTS);
        let mut x = PhraseIndex {
            info: vec![TermInfo::default(); single.len()],
            lists: Vec::new(),
            pairs: vec![PairSlot::EMPTY; size].into_boxed_slice(),
            shift: 64 - size.trailing_zeros(),
            // 32 bits per pair: about 3% of the pairs that start nothing
            // pass the filter.
            pair_bits: vec![0; size / 4].into_boxed_slice(),
        };
        for (t, list) in single.iter().enumerate() {
            let info = &mut x.info[t];
            if let &[only] = &list[..]
                && let Owner::Bag { start, len } = listed(only).owner
                && len != 0
            {
                (info.start, info.len, info.bag) = (start, len, only);
                continue;
            }
            info.start = x.lists.len() as u32;
            info.len = list.len() as u32;
            x.lists.extend(list.iter().map(|&p| listed(p)));
        }
        for &((first, second), list) in pairs {
            if let Some(info) = x.info.get_mut(first as usize) {
                info.starts_long = true;
            }
            let key = (u64::from(first) << 32) | u64::from(second);
            let (word, bit) = x.filter_bit(key);
            x.pair_bits[word] |= bit;
            let mut at = x.home(key);
            while x.pairs[at].key != u64::MAX {
                at = (at + 1) & (size - 1);
            }
            if let &[only] = list
                && let Listed {
                    len: 2,
                    owner: Owner::Bag { start, len },
                    ..
                } = listed(only)
                && len != 0
            {
                x.pairs[at] = PairSlot {
                    key,
                    start,
                    len,
                    bag: only,
                };
                continue;
            }
            x.pairs[at] = PairSlot {
                key,
                start: x.lists.len() as u32,
                len: list.len() as u32,
                bag: u32::MAX,
            };
            x.lists.extend(list.iter().map(|&p| listed(p)));
        }
        x
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(GOLDEN) >> self.shift) as usize
    }

    /// The word of `pair_bits` and the bit in it that stand for `key`.
    #[inline]
    fn filter_bit(&self, key: u64) -> (usize, u64) {
        let h = key.wrapping_mul(FILTER_MIX);
        // The top six bits pick the bit in a 64-bit word; the bits below
        // them, the word (the filter has fewer than 2^26 words).
        let word = (h >> 38) as usize & (self.pair_bits.len().wrapping_sub(1));
        (word, 1 << (h >> 58))
    }

    /// The one-word phrases of a term listed (not its bag phrase held in
    /// `info`).
    #[inline]
    pub fn single(&self, info: TermInfo) -> &[Listed] {
        if info.bag != u32::MAX {
            return &[];
        }
        let start = info.start as usize;
        self.lists
            .get(start..start + info.len as usize)
            .unwrap_or(&[])
    }

    /// False when no phrase starts with `first second`; true when one may
    /// (rarely, when none does).
    #[inline(always)]
    pub fn may_start(&self, first: u32, second: u32) -> bool {
        let (word, bit) = self.filter_bit((u64::from(first) << 32) | u64::from(second));
        self.pair_bits.get(word).copied().unwrap_or(0) & bit != 0
    }

    /// The phrases of two or more words that start with `first second`.
    #[cfg(test)]
    fn pairs(&self, first: u32, second: u32) -> &[Listed] {
        if !self.may_start(first, second) {
            return &[];
        }
        self.probe(first, second).0
    }

    /// The phrases of two or more words that start with `first second`,
    /// found by probing the table (once [`PhraseIndex::may_start`] said
    /// they may exist): those listed, or the one bag phrase the table
    /// holds.
    #[inline]
    pub fn probe(&self, first: u32, second: u32) -> (&[Listed], Option<HeldBag>) {
        let key = (u64::from(first) << 32) | u64::from(second);
        let mask = self.pairs.len() - 1;
        let mut at = self.home(key);
        loop {
            match self.pairs[at] {
                s if s.key == key && s.bag != u32::MAX => {
                    let held = HeldBag {
                        phrase: s.bag,
                        start: s.start,
                        len: s.len,
                    };
                    return (&[], Some(held));
                }
                s if s.key == key => {
                    let list = self.lists.get(s.start as usize..(s.start + s.len) as usize);
                    return (list.unwrap_or(&[]), None);
                }
                s if s.key == u64::MAX => return (&[], None),
                _ => at = (at + 1) & mask,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_term_and_nothing_else() {
        let words: Vec<String> = (0..500)
            .map(|i| format!("w{i}"))
            .chain(["a".into(), "exactly16bytes!!".into(), "x".repeat(40)])
            .collect();
        let terms: Vec<(&[u8], u32, bool)> = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.as_bytes(), i as u32, i % 2 == 0))
            .collect();
        let t = TermTable::new(&terms);
        for (i, w) in words.iter().enumerate() {
            let f = t.get(w.as_bytes()).unwrap();
            assert_eq!((f.id, f.fixed), (i as u32, i % 2 == 0), "{w}");
        }
        for miss in ["", "w500", "w1\0", "exactly16bytes!", "x", &"x".repeat(39)] {
            assert_eq!(t.get(miss.as_bytes()), None, "{miss:?}");
        }
        assert_eq!(t.max_len, 40);
    }

    /// Two tables that disagree on the same words: "crash" is a term of one
    /// (so "crashes" stems to it) and not of the other.
    fn two_tables() -> (TermTable, TermTable) {
        let a: Vec<(&[u8], u32, bool)> = vec![
            (b"crash", 0, true),
            (b"export", 1, true),
            (b"slow", 2, true),
            (b"performance", 3, true),
        ];
        let b: Vec<(&[u8], u32, bool)> = vec![(b"export", 0, true), (b"pdf", 1, true)];
        (TermTable::new(&a), TermTable::new(&b))
    }

    fn direct(t: &TermTable, text: &str) -> Vec<Option<u32>> {
        let mut out = Vec::new();
        crate::text::for_each_word(text, |mut w| out.push(t.of_word(&mut w)));
        out
    }

    fn memoised(m: &mut WordMemo, t: &TermTable, text: &str) -> Vec<Option<u32>> {
        let mut out = Vec::new();
        crate::text::for_each_word(text, |mut w| out.push(m.of_word(t, &mut w)));
        out
    }

    #[test]
    fn tables_have_distinct_uids() {
        let (a, b) = two_tables();
        assert!(a.uid != 0 && b.uid != 0 && a.uid != b.uid);
    }

    proptest::proptest! {
        /// The memo changes the speed of a lookup, never its answer: not
        /// on a repeated word, not on a slot shared by two words, not when
        /// one thread alternates between tables.
        #[test]
        fn memo_never_changes_an_answer(
            texts in proptest::collection::vec(
                "(crash|crashes|Crashed|export|exports|slow|slowly|pdf|PDFs|a|x[a-z]{0,3}|[a-z]{9,12}|performance|performances|performative|q[0-9]{1,6}| |, ){0,30}",
                1..8,
            ),
            slots in 0usize..3,
        ) {
            let (a, b) = two_tables();
            // A tiny memo makes words and tables share slots.
            let mut memo = WordMemo {
                short: vec![Ways::default(); 1 << slots],
                long: vec![Ways::default(); 1 << slots],
            };
            for text in &texts {
                // Twice: the second pass is answered from the memo.
                for _ in 0..2 {
                    // Word by word, each looked up in both tables in turn.
                    for word in text.split(' ') {
                        for t in [&a, &b] {
                            proptest::prop_assert_eq!(memoised(&mut memo, t, word), direct(t, word));
                        }
                    }
                    proptest::prop_assert_eq!(memoised(&mut memo, &a, text), direct(&a, text));
                }
            }
        }
    }

    #[test]
    fn memo_keeps_tables_apart() {
        let (a, b) = two_tables();
        let mut memo = WordMemo {
            short: vec![Ways::default(); 1],
            long: vec![Ways::default(); 1],
        };
        for _ in 0..2 {
            assert_eq!(memoised(&mut memo, &a, "crashes"), [Some(0)]);
            assert_eq!(memoised(&mut memo, &b, "crashes"), [None]);
            assert_eq!(memoised(&mut memo, &b, "pdf"), [Some(1)]);
            assert_eq!(memoised(&mut memo, &a, "pdf"), [None]);
        }
    }

    /// The pair filter never hides a phrase: every pair that starts one
    /// passes, and its phrases are found; most pairs that start none are
    /// turned away without probing the table.
    #[test]
    fn pair_filter_keeps_every_phrase_start() {
        let single: Vec<Vec<u32>> = vec![Vec::new(); 3000];
        let lists: Vec<((u32, u32), Vec<u32>)> = (0..2000u32)
            .map(|i| ((i * 7 % 3000, i * 13 % 3000), vec![i, i + 5000]))
            .collect();
        let pairs: Vec<((u32, u32), &[u32])> = lists.iter().map(|(k, v)| (*k, &v[..])).collect();
        let x = PhraseIndex::new(&single, &pairs, |phrase| Listed {
            phrase,
            len: 2,
            owner: Owner::Cue,
        });
        let ids = |l: &[Listed]| l.iter().map(|l| l.phrase).collect::<Vec<u32>>();
        for ((first, second), list) in &lists {
            assert!(x.may_start(*first, *second));
            assert_eq!(ids(x.pairs(*first, *second)), list[..]);
        }
        let starts: std::collections::HashSet<(u32, u32)> = lists.iter().map(|l| l.0).collect();
        let absent: Vec<(u32, u32)> = (0..3000u32)
            .flat_map(|a| (0..20u32).map(move |b| (a, b * 149 % 3000)))
            .filter(|p| !starts.contains(p))
            .collect();
        for &(a, b) in &absent {
            assert!(x.pairs(a, b).is_empty());
        }
        let passed = absent.iter().filter(|&&(a, b)| x.may_start(a, b)).count();
        assert!(passed * 10 < absent.len(), "{passed} of {}", absent.len());
        assert!(!PhraseIndex::default().may_start(0, 0));
    }
}
