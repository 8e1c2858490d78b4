//! The static table's token index: token text -> row.
//!
//! Every token's text lies end to end in one string and the index holds
//! only numbers (open addressing, at most half full): a look-up reads one
//! slot and, when the slot's fingerprint matches, the token's bytes. A
//! text's embedding looks up a token or more per word, and most of those
//! look-ups miss (WordPiece's greedy match tries the longest prefix first):
//! with a map of boxed strings each probe read a key from its own heap
//! allocation, and the look-ups were most of an embedding's time.
//!
//! The hash is fixed (not keyed): the table's tokens come from the file the
//! caller hands over, not from request text, so a look-up's probes are
//! bounded by the table whatever the text asks for.

use std::hash::Hasher;

use crate::text::{FxHasher, fmix64};

/// The index. Ids are the tokens' places in the file.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tokens {
    /// The tokens' text, end to end.
    text: String,
    /// Token id -> the end of its text (it starts where the previous ends).
    ends: Vec<u32>,
    /// A power of two long: per slot, the upper 32 bits of the token's
    /// hash and, below, its id plus one; 0 is empty.
    slots: Vec<u64>,
    /// The longest token, in bytes: longer keys are not looked for.
    max_len: usize,
}

/// The crate's FxHasher over the length and the bytes, then MurmurHash3's
/// finaliser, so that the low bits (the probe's start) and the high bits
/// (the fingerprint) both depend on every byte. Only this process's index
/// uses it (it is rebuilt whenever a table is read).
fn hash(bytes: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write_usize(bytes.len());
    h.write(bytes);
    fmix64(h.finish())
}

impl Tokens {
    /// An empty index with room for `count` tokens (their text reserved
    /// for `bytes` bytes; it grows past that).
    pub fn with_capacity(count: usize, bytes: usize) -> Tokens {
        Tokens {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(count),
            slots: vec![0; (2 * count).next_power_of_two().max(16)],
            max_len: 0,
        }
    }

    /// The number of tokens.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The text of token `id`.
    fn token(&self, id: usize) -> &str {
        let end = self.ends.get(id).map_or(0, |&e| e as usize);
        let start = id
            .checked_sub(1)
            .and_then(|p| self.ends.get(p))
            .map_or(0, |&e| e as usize);
        self.text.get(start..end).unwrap_or("")
    }

    /// The slot that holds `token` (and `true`), or the empty slot where it
    /// would go (and `false`).
    fn find(&self, token: &str, h: u64) -> (usize, bool) {
        let mask = self.slots.len() - 1;
        let mut at = h as usize & mask;
        loop {
            let s = self.slots[at];
            if s == 0 {
                return (at, false);
            }
            if (s ^ h) >> 32 == 0 && self.token((s as u32 - 1) as usize) == token {
                return (at, true);
            }
            at = (at + 1) & mask;
        }
    }

    /// Adds `token` as the next id, or says why not: it is already there,
    /// or the index is full (more tokens than its capacity, or text past
    /// `u32` offsets).
    pub fn insert(&mut self, token: &str) -> Result<(), &'static str> {
        const FULL: &str = "the table holds too many tokens";
        let id = u32::try_from(self.ends.len()).map_err(|_| FULL)?;
        let end = u32::try_from(self.text.len() + token.len()).map_err(|_| FULL)?;
        if 2 * (self.ends.len() + 1) > self.slots.len() || id == u32::MAX {
            return Err(FULL);
        }
        let h = hash(token.as_bytes());
        let (at, found) = self.find(token, h);
        if found {
            return Err("repeats an earlier token");
        }
        self.text.push_str(token);
        self.ends.push(end);
        self.slots[at] = (h & !u64::from(u32::MAX)) | u64::from(id + 1);
        self.max_len = self.max_len.max(token.len());
        Ok(())
    }

    /// The id of `token`, if it is in the table.
    #[inline]
    pub fn get(&self, token: &str) -> Option<u32> {
        if token.len() > self.max_len || self.ends.is_empty() {
            return None;
        }
        let (at, found) = self.find(token, hash(token.as_bytes()));
        found.then(|| self.slots[at] as u32 - 1)
    }

    /// The longest token, in bytes.
    pub fn max_len(&self) -> usize {
        self.max_len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_inserted_and_nothing_else() {
        let words: Vec<String> = (0..1000).map(|i| format!("w{i}")).collect();
        let mut t = Tokens::with_capacity(words.len(), 8000);
        for w in &words {
            assert_eq!(t.insert(w), Ok(()));
        }
        assert_eq!(t.insert("w5"), Err("repeats an earlier token"));
        assert_eq!(t.len(), 1000);
        for (i, w) in words.iter().enumerate() {
            assert_eq!(t.get(w), Some(i as u32));
        }
        assert_eq!(t.get("w1000"), None);
        assert_eq!(t.get(""), None);
        assert_eq!(t.get("a much longer key than any token"), None);
        assert_eq!(t.max_len(), 4);
        // Full: the capacity bounds the index.
        let mut small = Tokens::with_capacity(1, 1);
        for i in 0..8 {
            assert_eq!(small.insert(&i.to_string()), Ok(()));
        }
        assert_eq!(small.insert("8"), Err("the table holds too many tokens"));
        assert_eq!(Tokens::default().get("a"), None);
    }
}
