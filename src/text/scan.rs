//! The tokenizer: words of UAX #29, with an exact ASCII fast path.

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

use super::stem::{may_stem, normalize_into, stem_in_place, stem_packed};

/// One word as [`for_each_word`] hands it over: case-folded, its
/// possessive dropped, and stemmed on demand ([`Word::norm`]), so that a
/// caller that recognises the folded form skips the stemmer. An ASCII word of
/// up to 16 bytes comes packed into an integer ([`Word::packed`]) and is only
/// written out byte by byte when asked for.
#[derive(Debug)]
pub(crate) struct Word<'a> {
    /// Byte span in the original text.
    pub start: usize,
    /// End of the byte span in the original text.
    pub end: usize,
    /// A sentence or clause boundary (`.`, `!`, `?`, `;`, `:` or a line
    /// break) lies between this word and the previous one; always true for
    /// the first word.
    pub clause_start: bool,
    /// The word's position among the text's words (saturating).
    pub index: u32,
    /// The clause the word is in: the number of clause starts up to and
    /// including its own, not counting the first word's.
    pub clause: u32,
    /// The folded word is `buf[..len]` once `filled`; before that, `src`
    /// lower-cased. `buf` has room for one more byte.
    buf: &'a mut [u8],
    src: &'a [u8],
    len: usize,
    filled: bool,
    /// `buf[..len]` is already the normalised form.
    stemmed: bool,
    /// The folded word packed little-endian, zero-padded (16 bytes at most).
    packed: Option<u128>,
}

impl Word<'_> {
    fn fill(&mut self) {
        if self.filled {
            return;
        }
        match (self.packed, self.buf.get_mut(..16)) {
            (Some(p), Some(head)) => head.copy_from_slice(&p.to_le_bytes()),
            _ => {
                for (d, s) in self.buf[..self.len].iter_mut().zip(self.src) {
                    *d = s.to_ascii_lowercase();
                }
            }
        }
        self.filled = true;
    }

    /// The same word, on this one's buffer, for a call off the hot path: the
    /// caller's word then never has its address taken, so it can live in
    /// registers. What the call does to the copy (filling, stemming) is not
    /// seen in this word.
    #[inline(always)]
    pub fn reborrow(&mut self) -> Word<'_> {
        Word {
            start: self.start,
            end: self.end,
            clause_start: self.clause_start,
            index: self.index,
            clause: self.clause,
            buf: &mut *self.buf,
            src: self.src,
            len: self.len,
            filled: self.filled,
            stemmed: self.stemmed,
            packed: self.packed,
        }
    }

    /// The length of [`Word::folded`] in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The word case-folded, apostrophes unified and a possessive dropped;
    /// not stemmed unless [`Word::is_normalised`].
    pub fn folded(&mut self) -> &[u8] {
        self.fill();
        &self.buf[..self.len]
    }

    /// [`Word::folded`] packed little-endian into an integer, zero-padded,
    /// when it has at most 16 bytes and is known without writing it out.
    pub fn packed(&self) -> Option<u128> {
        self.packed
    }

    /// True when [`Word::folded`] is the normalised form already.
    pub fn is_normalised(&self) -> bool {
        self.stemmed
    }

    /// Stems the word in place (once); returns true when that changed it.
    /// Inlined: most words leave here at the length-and-last-letter test.
    #[inline]
    pub fn stem(&mut self) -> bool {
        if self.stemmed {
            return false;
        }
        if let (Some(p), true) = (self.packed, self.buf.len() >= 16) {
            // Packed: stemmed without writing it out, and not at all when
            // its length or last letter says stemming leaves it as it is.
            self.stemmed = true;
            let n = self.len;
            let last = (p >> (8 * n.saturating_sub(1))) as u8;
            if !may_stem(n, last) {
                return false;
            }
            let (stem, m) = stem_packed(p, n);
            if (stem, m) == (p, n) {
                return false;
            }
            // `fill` writes the new packed form out when asked.
            (self.packed, self.len, self.filled) = (Some(stem), m, false);
            return true;
        }
        self.stem_written()
    }

    /// [`Word::stem`] of a word not packed: written out and stemmed there.
    #[inline(never)]
    fn stem_written(&mut self) -> bool {
        self.fill();
        self.stemmed = true;
        let (n, last) = (self.len, self.buf.get(self.len.wrapping_sub(1)).copied());
        self.len = stem_in_place(self.buf, n);
        // Every step but y -> i changes the length; that one the last byte.
        let changed = self.len != n || self.buf.get(self.len.wrapping_sub(1)).copied() != last;
        if changed {
            // Repack from the buffer (`packed` was set only for words of at
            // most 16 bytes; folding the folded bytes changes nothing).
            self.packed = self.packed.map(|_| fold_packed(self.buf, 0, self.len));
        }
        changed
    }

    /// The normalised form packed as [`Word::packed`] is, and its length,
    /// when the word comes packed: read without writing the word out.
    #[inline]
    pub fn norm_packed(&mut self) -> Option<(u128, usize)> {
        self.stem();
        self.packed.map(|p| (p, self.len))
    }

    /// The normalised form (see [`normalize_into`]).
    #[inline]
    pub fn norm(&mut self) -> &[u8] {
        self.stem();
        self.folded()
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = ONES * 0x80;

/// The high bit of each of eight ASCII bytes whose value is in `lo..=hi`.
#[inline]
fn bytes_in(x: u64, lo: u8, hi: u8) -> u64 {
    // No byte is above 0x7f, so no addition carries into the next byte.
    x.wrapping_add(ONES * (0x80 - u64::from(lo)))
        & !x.wrapping_add(ONES * (0x80 - u64::from(hi) - 1))
        & HIGH
}

/// The high bit of each of eight ASCII bytes that is not a letter, a digit
/// or `_` (see `CLASS`).
#[inline]
fn non_word_bytes(x: u64) -> u64 {
    let letters = bytes_in(x | (ONES * 0x20), b'a', b'z');
    let digits = bytes_in(x, b'0', b'9');
    let t = x ^ (ONES * u64::from(b'_'));
    let underscores = !(((t & !HIGH).wrapping_add(!HIGH)) | t) & HIGH;
    !(letters | digits | underscores) & HIGH
}

/// Lower-cases the ASCII letters among eight ASCII bytes at once.
#[inline]
fn lower8(x: u64) -> u64 {
    x | (bytes_in(x, b'A', b'Z') >> 2)
}

/// The ASCII bytes `b[start..start + len]` (`len <= 16`) lower-cased and
/// packed little-endian, zero-padded.
#[inline(always)]
fn fold_packed(b: &[u8], start: usize, len: usize) -> u128 {
    let lo = lower8(load_low(b, start, len.min(8)));
    let hi = if len > 8 {
        lower8(load_low(b, start + 8, len - 8))
    } else {
        0
    };
    u128::from(lo) | (u128::from(hi) << 64)
}

/// `LOW_BYTES[n]` keeps the low `n` bytes of a `u64` (`n <= 8`).
const LOW_BYTES: [u64; 9] = {
    let mut t = [u64::MAX; 9];
    let mut n = 0;
    while n < 8 {
        t[n] = (1 << (8 * n)) - 1;
        n += 1;
    }
    t
};

/// The bytes `b[at..at + n]` (`n <= 8`) packed little-endian, zero-padded.
#[inline(always)]
fn load_low(b: &[u8], at: usize, n: usize) -> u64 {
    match b.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        // The low `n` bytes (two shifts, each below 64, also for n = 0).
        Some(s) => u64::from_le_bytes(*s) & !(u64::MAX << (4 * n) << (4 * n)),
        // Near the end of `b`: the last eight bytes shifted down, rather
        // than a copy through memory, whose narrow stores the wide load
        // that follows would have to wait for (the last word of every
        // text comes this way).
        None => {
            let Some(word) = at.checked_add(n).and_then(|end| b.get(at..end)) else {
                return 0;
            };
            match b
                .len()
                .checked_sub(8)
                .and_then(|s| b.get(s..)?.first_chunk::<8>())
            {
                Some(last) => {
                    // `at > b.len() - 8`, so the shift is 1 to 8 bytes.
                    let shift = 4 * (at + 8 - b.len()) as u32;
                    (u64::from_le_bytes(*last) >> shift >> shift)
                        & !(u64::MAX << (4 * n) << (4 * n))
                }
                None => word.iter().rev().fold(0, |x, &c| (x << 8) | u64::from(c)),
            }
        }
    }
}

/// ASCII words up to this length are normalised in a stack buffer; longer
/// ones (never stemmed) go through the heap.
const SHORT: usize = 48;
const _: () = assert!(super::stem::STEM_MAX <= SHORT);

/// Byte classes for the ASCII scanner.
const WORD: u8 = 1; // letter, digit or `_`
const ALPHA: u8 = 2; // letter
const DIGIT: u8 = 4;
const CLAUSE: u8 = 8; // . ! ? ; : \n
const SPACE: u8 = 16; // ASCII white space that separates chunks
const JOIN: u8 = 32; // may join two letters or two digits into one word

const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut k = 0;
        if c.is_ascii_alphanumeric() || c == b'_' {
            k |= WORD;
        }
        if c.is_ascii_alphabetic() {
            k |= ALPHA;
        }
        if c.is_ascii_digit() {
            k |= DIGIT;
        }
        if matches!(c, b'.' | b'!' | b'?' | b';' | b':' | b'\n') {
            k |= CLAUSE;
        }
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            k |= SPACE;
        }
        if matches!(c, b'.' | b'\'' | b':' | b',' | b';') {
            k |= JOIN;
        }
        t[i] = k;
        i += 1;
    }
    t
};

/// Calls `f` with every word of `text`, in order: the single tokenizer and
/// normaliser of the crate, allocation-free on ASCII words.
///
/// Words are those of UAX #29 (`unicode_word_indices`), with one deliberate
/// difference: the text is cut at ASCII white space first, so a combining
/// mark after a space does not pull the space into a word. ASCII chunks take
/// an exact fast path (the rules of UAX #29 restricted to ASCII: runs of
/// letters, digits and `_`; a `.`, `'` or `:` between two letters, and a `.`,
/// `'`, `,` or `;` between two digits, stays inside the word; a run with no
/// letter or digit is not a word). Property tests prove both equalities.
///
/// Returns whether `text` is all ASCII, which it had to find out anyway.
pub(crate) fn for_each_word(text: &str, mut f: impl FnMut(Word<'_>)) -> bool {
    let mut s = WordScan {
        clause: true,
        words: 0,
        clauses: 0,
        prev_end: 0,
        heap: Vec::new(),
    };
    if all_ascii(text.as_bytes()) {
        s.ascii(text, 0, text.len(), &mut f);
        return true;
    }
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let mut ascii = true;
        while at < bytes.len() && CLASS[bytes[at] as usize] & SPACE == 0 {
            ascii &= bytes[at].is_ascii();
            at += 1;
        }
        if ascii {
            s.ascii(text, start, at, &mut f);
        } else {
            // `start` and `at` sit next to ASCII bytes: char boundaries.
            for (offset, word) in text[start..at].unicode_word_indices() {
                let (ws, we) = (start + offset, start + offset + word.len());
                s.gap(bytes, s.prev_end.max(start), ws);
                // `gap` already folded the separators into `s.clause`.
                let (clause_start, index) =
                    begin_word(&mut s.clause, &mut 0, &mut s.words, &mut s.clauses);
                s.heap_word(text, ws..we, (clause_start, index, s.clauses), &mut f);
            }
            s.gap(bytes, s.prev_end.max(start), at);
        }
        while at < bytes.len() && CLASS[bytes[at] as usize] & SPACE != 0 {
            s.clause |= bytes[at] == b'\n';
            at += 1;
        }
    }
    false
}

/// `b.is_ascii()`, eight bytes at a time, with the last eight read once
/// more rather than byte by byte: on short texts the standard loop's
/// byte-wise tail costs a mispredicted branch or two.
#[inline]
fn all_ascii(b: &[u8]) -> bool {
    let Some(last) = b.last_chunk::<8>() else {
        return b.is_ascii();
    };
    let any = b.chunks_exact(8).fold(u64::from_le_bytes(*last), |any, c| {
        any | c.first_chunk::<8>().map_or(0, |c| u64::from_le_bytes(*c))
    });
    any & HIGH == 0
}

/// The state of [`for_each_word`] between chunks.
struct WordScan {
    /// A clause boundary was passed since the last word.
    clause: bool,
    /// Words handed over so far (saturating).
    words: u32,
    /// Clause starts so far, not counting the first word's.
    clauses: u32,
    /// End of the last word handed over.
    prev_end: usize,
    /// Buffer for words not normalised on the stack.
    heap: Vec<u8>,
}

impl WordScan {
    /// Notes a clause boundary among `bytes[from..to]`.
    fn gap(&mut self, bytes: &[u8], from: usize, to: usize) {
        if from < to {
            self.clause |= bytes[from..to]
                .iter()
                .any(|&b| CLASS[b as usize] & CLAUSE != 0);
        }
    }

    /// Hands `f` the word `text[span]` normalised into the heap buffer (a
    /// word not ASCII, or too long for the stack buffer), at `pos`: whether
    /// it starts a clause, its index, its clause.
    #[inline(always)]
    fn heap_word(
        &mut self,
        text: &str,
        span: Range<usize>,
        pos: (bool, u32, u32),
        f: &mut impl FnMut(Word<'_>),
    ) {
        self.heap.clear();
        normalize_into(&text[span.clone()], &mut self.heap);
        let len = self.heap.len();
        let (clause_start, index, clause) = pos;
        f(Word {
            start: span.start,
            end: span.end,
            clause_start,
            index,
            clause,
            buf: &mut self.heap,
            src: &[],
            len,
            filled: true,
            stemmed: true,
            packed: None,
        });
        self.prev_end = span.end;
    }

    /// The words of the ASCII chunk `text[from..to]`.
    ///
    /// The tokenizer's hot loop: the scan state (`clause`, `words`,
    /// `clauses`, `gap`) is kept in locals so that it stays in registers
    /// from word to word, and the steps it calls ([`short_word`],
    /// [`word_end`], [`Self::heap_word`]) are inlined and take none of it
    /// by reference, except `begin_word`, which takes it by `&mut` but is
    /// always inlined.
    fn ascii(&mut self, text: &str, from: usize, to: usize, f: &mut impl FnMut(Word<'_>)) {
        // Cut at `to`, so that every index below `to` is known in bounds.
        let b = &text.as_bytes()[..to];
        let mut buf = [0u8; SHORT + 1];
        let mut i = from;
        // `self.clause`, kept in a register.
        let mut clause = self.clause;
        // `self.words` and `self.clauses`, kept in registers.
        let (mut words, mut clauses) = (self.words, self.clauses);
        // The classes of the separator bytes since the last word, or-ed
        // together (cheaper per byte than testing each for a clause end).
        let mut gap = 0u8;
        while i < to {
            let k = CLASS[b[i] as usize];
            if k & WORD == 0 {
                gap |= k;
                i += 1;
                continue;
            }
            let start = i;
            let (len, packed) = match short_word(b, i) {
                Some((n, packed)) => {
                    i += n;
                    (n, Some(packed))
                }
                None => {
                    let joined;
                    (i, joined) = word_end(b, to, i);
                    // A run of underscores alone is not a word (a join needs
                    // a letter or digit on each side, so none happened).
                    if b[start] == b'_' && b[start..i].iter().all(|&c| c == b'_') {
                        continue;
                    }
                    let mut len = i - start;
                    if len > SHORT {
                        let (clause_start, index) =
                            begin_word(&mut clause, &mut gap, &mut words, &mut clauses);
                        self.heap_word(text, start..i, (clause_start, index, clauses), f);
                        continue;
                    }
                    // Possessive: "user's" -> "user" (the apostrophe joined
                    // the word).
                    if joined && len >= 3 && b[i - 2] == b'\'' && b[i - 1] | 0x20 == b's' {
                        len -= 2;
                    }
                    (len, (len <= 16).then(|| fold_packed(b, start, len)))
                }
            };
            let (clause_start, index) = begin_word(&mut clause, &mut gap, &mut words, &mut clauses);
            f(Word {
                start,
                end: i,
                clause_start,
                index,
                clause: clauses,
                buf: &mut buf,
                src: &b[start..start + len],
                len,
                filled: false,
                stemmed: false,
                packed,
            });
            self.prev_end = i;
        }
        self.clause = clause | (gap & CLAUSE != 0);
        (self.words, self.clauses) = (words, clauses);
    }
}

/// The common word at `b[i..]`, found and folded from one eight-byte load:
/// letters only, at most eight, ended by a byte that cannot continue it.
/// Its length and its letters lower-cased and packed, or `None` for any
/// other word (or fewer than eight bytes left).
#[inline(always)]
fn short_word(b: &[u8], i: usize) -> Option<(usize, u128)> {
    let x = u64::from_le_bytes(*b.get(i..)?.first_chunk::<8>()?);
    let letters = bytes_in(x | (ONES * 0x20), b'a', b'z');
    let n = (!letters & HIGH).trailing_zeros() as usize / 8;
    let c = *b.get(i + n)?;
    let end = CLASS[c as usize];
    // A word byte continues the word; `.`, `'` or `:` joins two
    // letters (digits join only after a digit).
    let joins = end & JOIN != 0
        && matches!(c, b'.' | b'\'' | b':')
        && b.get(i + n + 1)
            .is_some_and(|&c| CLASS[c as usize] & ALPHA != 0);
    (n > 0 && end & WORD == 0 && !joins).then(|| {
        // Letters lower-cased (a letter's bit 0x20 set), and only
        // the word's `n` bytes kept.
        let folded = (x | (letters >> 2)) & LOW_BYTES[n];
        (n, u128::from(folded))
    })
}

/// The end of the word starting at `b[i]` (a word byte), `b` ending at
/// `to`, and whether punctuation joined two of its runs (only then can the
/// word hold an apostrophe).
#[inline(always)]
fn word_end(b: &[u8], to: usize, mut i: usize) -> (usize, bool) {
    let mut joined = false;
    loop {
        // To the end of the run of word bytes: eight at a
        // time, then one by one.
        let mut ended = false;
        while let Some(x) = b.get(i..).and_then(<[u8]>::first_chunk::<8>) {
            let x = u64::from_le_bytes(*x);
            // Most words end at a byte that is no letter,
            // digit or `_`: find the first non-letter, and
            // test digits and `_` only when it is one of them.
            let non_letter = !bytes_in(x | (ONES * 0x20), b'a', b'z') & HIGH;
            if non_letter != 0 {
                let at = i + non_letter.trailing_zeros() as usize / 8;
                if b.get(at).is_some_and(|&c| CLASS[c as usize] & WORD == 0) {
                    i = at;
                    ended = true;
                    break;
                }
                let non_word = non_word_bytes(x);
                if non_word != 0 {
                    i += non_word.trailing_zeros() as usize / 8;
                    ended = true;
                    break;
                }
            }
            i += 8;
        }
        if !ended {
            while i < to && CLASS[b[i] as usize] & WORD != 0 {
                i += 1;
            }
        }
        // Punctuation between two letters or two digits may
        // join them.
        if i + 1 < to && CLASS[b[i] as usize] & JOIN != 0 {
            let (prev, mid, next) = (CLASS[b[i - 1] as usize], b[i], CLASS[b[i + 1] as usize]);
            let joins = (prev & next & ALPHA != 0 && matches!(mid, b'.' | b'\'' | b':'))
                || (prev & next & DIGIT != 0 && matches!(mid, b'.' | b'\'' | b',' | b';'));
            if joins {
                i += 1;
                joined = true;
                continue;
            }
        }
        return (i, joined);
    }
}

/// Starts a word: whether a clause boundary (the
/// pending flag, or a clause byte among the separators in `gap`) comes
/// before it, and its position; clears the boundary state and counts the
/// word and its clause (the first word's clause start is not counted).
#[inline(always)]
fn begin_word(clause: &mut bool, gap: &mut u8, words: &mut u32, clauses: &mut u32) -> (bool, u32) {
    let clause_start = *clause | (*gap & CLAUSE != 0);
    (*clause, *gap) = (false, 0);
    *clauses += u32::from(clause_start & (*words > 0));
    let index = *words;
    *words = words.saturating_add(1);
    (clause_start, index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Analyzed;

    /// The specification [`for_each_word`] implements, written plainly: the
    /// words of UAX #29 in each white-space-delimited chunk, each normalised
    /// by [`normalize_into`], a clause start when a clause mark lies between
    /// it and the previous word.
    fn spec(text: &str) -> Vec<(usize, usize, Vec<u8>, bool)> {
        let mut out: Vec<(usize, usize, Vec<u8>, bool)> = Vec::new();
        // One deliberate difference from plain UAX #29: a combining mark
        // after a space (" \u{cc6}" is one segment) does not pull the space
        // into the word.
        for (s, w) in text.unicode_word_indices() {
            let t = w.trim_start_matches([' ', '\t', '\n', '\r']);
            let start = s + w.len() - t.len();
            let prev = out.last().map_or(0, |t| t.1);
            let clause = out.is_empty()
                || text.as_bytes()[prev..start]
                    .iter()
                    .any(|b| matches!(b, b'.' | b'!' | b'?' | b';' | b':' | b'\n'));
            let mut norm = Vec::new();
            normalize_into(t, &mut norm);
            out.push((start, start + t.len(), norm, clause));
        }
        out
    }

    /// `bytes` packed little-endian when there are at most 16 of them.
    fn pack(bytes: &[u8]) -> Option<u128> {
        (bytes.len() <= 16).then(|| {
            let mut b = [0u8; 16];
            b[..bytes.len()].copy_from_slice(bytes);
            u128::from_le_bytes(b)
        })
    }

    /// The words as [`for_each_word`] hands them over, checking on the way
    /// that the packed form, where given, is the folded or stemmed word.
    fn scanned(text: &str) -> Vec<(usize, usize, Vec<u8>, bool)> {
        let mut out = Vec::new();
        let mut clause = 0;
        for_each_word(text, |mut w| {
            // Position and clause number, counted as the matcher needs them.
            clause += u32::from(w.clause_start && !out.is_empty());
            assert_eq!((w.index, w.clause), (out.len() as u32, clause));
            let packed = w.packed();
            let folded = w.folded().to_vec();
            assert!(packed.is_none() || packed == pack(&folded), "{folded:?}");
            assert_eq!(w.len(), folded.len());
            w.stem();
            let packed = w.packed();
            let norm_packed = w.norm_packed();
            let norm = w.norm().to_vec();
            assert!(packed.is_none() || packed == pack(&norm), "{norm:?}");
            assert_eq!(norm_packed, packed.map(|p| (p, norm.len())), "{norm:?}");
            // The term table relies on this bound to skip long words.
            assert!(norm.len() + 8 >= folded.len(), "{folded:?}");
            out.push((w.start, w.end, norm, w.clause_start))
        });
        out
    }

    proptest::proptest! {
        #[test]
        fn words_follow_the_specification(text in "\\PC{0,40}|([ -~]|é|İ|崩|👍|\u{200d}|\u{a0}|\u{2019}s| ){0,40}") {
            proptest::prop_assert_eq!(scanned(&text), spec(&text));
            let mut a = Analyzed::default();
            a.analyze(&text);
            let stored: Vec<(usize, usize, Vec<u8>, bool)> = a
                .tokens
                .iter()
                .map(|t| (t.start, t.end, a.norm_bytes(t).to_vec(), t.clause_start))
                .collect();
            proptest::prop_assert_eq!(stored, spec(&text));
        }

        #[test]
        fn ascii_fast_path_follows_the_specification(text in "([ -~\n\r\t]|[a-zA-Z]{1,4}[.':,;][a-z0-9]|[0-9]{1,3}[.,;'][0-9]|[A-Za-z]{1,9}('s|ed|ing|ies|es)?|[a-zA-Z]{13,15}(y|s|ed|'s)|[a-zA-Z0-9_]{7,20}|_{1,3}|[a-z]{45,60}){0,30}") {
            proptest::prop_assert_eq!(scanned(&text), spec(&text));
            // Mixed with a non-ASCII chunk, the ASCII chunks still agree.
            let mixed = format!("{text} é {text}");
            proptest::prop_assert_eq!(scanned(&mixed), spec(&mixed));
        }
    }

    proptest::proptest! {
        #[test]
        fn all_ascii_agrees_with_the_standard_library(
            bytes in proptest::collection::vec(0u8..0x80, 0..70),
            high in proptest::option::of((0usize..70, 0x80u8..=0xff)),
        ) {
            let mut bytes = bytes;
            if let Some((at, b)) = high
                && let Some(slot) = bytes.get_mut(at) {
                    *slot = b;
                }
            proptest::prop_assert_eq!(all_ascii(&bytes), bytes.is_ascii());
        }
    }

    #[test]
    fn eight_byte_classes_match_the_table() {
        for c in 0u8..0x80 {
            for pos in 0..8 {
                let x = u64::from_le_bytes([b'a', b'Z', b'_', b'0', b' ', b'.', b'9', b'q'])
                    & !(0xff << (8 * pos))
                    | (u64::from(c) << (8 * pos));
                let bytes = x.to_le_bytes();
                let want: u64 = (0..8)
                    .filter(|&k| CLASS[bytes[k] as usize] & WORD == 0)
                    .map(|k| 0x80 << (8 * k))
                    .sum();
                assert_eq!(non_word_bytes(x), want, "{c:#x} at {pos}");
                let lower = u64::from_le_bytes(bytes.map(|b| b.to_ascii_lowercase()));
                assert_eq!(lower8(x), lower, "{c:#x} at {pos}");
            }
        }
    }
}
