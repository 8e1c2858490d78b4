//! Text analysis shared by the classifier and the clusterer: one tokenizer and
//! one normaliser for the whole crate.
//!
//! Words come from Unicode word segmentation (UAX #29). Each is case-folded
//! into a reused buffer, apostrophes are unified, a possessive `'s` is dropped,
//! and plain ASCII words are reduced by the first steps of Porter's stemmer
//! (plurals, `-ed`, `-ing`, a final `-e`), so that crash, crashes, crashed and
//! crashing all become `crash`. Spans always point into the original text.

use std::hash::{BuildHasherDefault, Hasher};

use unicode_segmentation::UnicodeSegmentation;

/// One word of the analysed text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    /// Byte span in the original text.
    pub start: usize,
    /// End of the byte span in the original text.
    pub end: usize,
    /// Span of the normalised form in [`Analyzed::norm`].
    norm_start: u32,
    norm_end: u32,
    /// A sentence or clause boundary (`.`, `!`, `?`, `;`, `:` or a line
    /// break) lies between this token and the previous one.
    pub clause_start: bool,
}

/// The tokens of one text and their normalised forms, in one reusable buffer.
#[derive(Clone, Debug, Default)]
pub(crate) struct Analyzed {
    /// Normalised forms, back to back. Only valid UTF-8 is ever written.
    norm: Vec<u8>,
    pub tokens: Vec<Token>,
}

impl Analyzed {
    /// Empties the buffer, keeping its capacity.
    pub fn clear(&mut self) {
        self.norm.clear();
        self.tokens.clear();
    }

    /// Tokenizes and normalises `text`, replacing what the buffer held.
    pub fn analyze(&mut self, text: &str) {
        self.clear();
        let (norm, tokens) = (&mut self.norm, &mut self.tokens);
        // The normalised buffer can exceed 4 GiB only for inputs far past
        // any sensible request; saturate rather than wrap.
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        for_each_word(text, |mut w| {
            let norm_start = to_u32(norm.len());
            norm.extend_from_slice(w.norm());
            tokens.push(Token {
                start: w.start,
                end: w.end,
                norm_start,
                norm_end: to_u32(norm.len()),
                clause_start: w.clause_start,
            });
        });
    }

    /// The normalised form of a token, as bytes (the classifier's hot path).
    pub fn norm_bytes(&self, token: &Token) -> &[u8] {
        self.norm
            .get(token.norm_start as usize..token.norm_end as usize)
            .unwrap_or_default()
    }

    /// The normalised form of a token.
    pub fn norm(&self, token: &Token) -> &str {
        std::str::from_utf8(self.norm_bytes(token)).unwrap_or_default()
    }

    /// The normalised forms, in order.
    pub fn terms(&self) -> impl Iterator<Item = &str> + '_ {
        self.tokens.iter().map(move |t| self.norm(t))
    }
}

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
    pub fn stem(&mut self) -> bool {
        if self.stemmed {
            return false;
        }
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

    /// The normalised form (see [`normalize_into`]).
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
                s.heap.clear();
                normalize_into(word, &mut s.heap);
                let len = s.heap.len();
                // `gap` already folded the separators into `s.clause`.
                let (clause_start, index) =
                    begin_word(&mut s.clause, &mut 0, &mut s.words, &mut s.clauses);
                f(Word {
                    start: ws,
                    end: we,
                    clause_start,
                    index,
                    clause: s.clauses,
                    buf: &mut s.heap,
                    src: &[],
                    len,
                    filled: true,
                    stemmed: true,
                    packed: None,
                });
                s.prev_end = we;
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

    /// The words of the ASCII chunk `text[from..to]`.
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
            // The common word: letters only, at most eight, ended by a
            // byte that cannot continue it. It is found and folded from one
            // eight-byte load.
            let fast = b.get(i..).and_then(<[u8]>::first_chunk::<8>).and_then(|x| {
                let x = u64::from_le_bytes(*x);
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
            });
            let (len, packed) = match fast {
                Some((n, packed)) => {
                    i += n;
                    (n, Some(packed))
                }
                None => {
                    // A join happened: only then can the word hold an
                    // apostrophe.
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
                            let (prev, mid, next) =
                                (CLASS[b[i - 1] as usize], b[i], CLASS[b[i + 1] as usize]);
                            let joins = (prev & next & ALPHA != 0
                                && matches!(mid, b'.' | b'\'' | b':'))
                                || (prev & next & DIGIT != 0
                                    && matches!(mid, b'.' | b'\'' | b',' | b';'));
                            if joins {
                                i += 1;
                                joined = true;
                                continue;
                            }
                        }
                        break;
                    }
                    // A run of underscores alone is not a word (a join needs
                    // a letter or digit on each side, so none happened).
                    if b[start] == b'_' && b[start..i].iter().all(|&c| c == b'_') {
                        continue;
                    }
                    let mut len = i - start;
                    if len > SHORT {
                        let (clause_start, index) =
                            begin_word(&mut clause, &mut gap, &mut words, &mut clauses);
                        self.heap.clear();
                        normalize_into(&text[start..i], &mut self.heap);
                        let len = self.heap.len();
                        f(Word {
                            start,
                            end: i,
                            clause_start,
                            index,
                            clause: clauses,
                            buf: &mut self.heap,
                            src: &[],
                            len,
                            filled: true,
                            stemmed: true,
                            packed: None,
                        });
                        self.prev_end = i;
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

/// The normalised words of a phrase, as the matcher sees them.
pub(crate) fn phrase_terms(phrase: &str) -> Vec<String> {
    let mut a = Analyzed::default();
    a.analyze(phrase);
    a.terms().map(str::to_string).collect()
}

/// How many words the matcher sees in a phrase (a phrase in a script without
/// spaces counts as one).
pub(crate) fn phrase_len(phrase: &str) -> usize {
    if is_substring_phrase(phrase) {
        usize::from(!phrase.trim().is_empty())
    } else {
        phrase.unicode_words().count()
    }
}

/// Appends the normalised form of one word to `out`.
#[allow(dead_code)] // used by tests, and kept for the clusterer's term handling
pub(crate) fn normalize_word(word: &str, out: &mut String) {
    let mut bytes = Vec::with_capacity(word.len());
    normalize_into(word, &mut bytes);
    out.push_str(std::str::from_utf8(&bytes).unwrap_or_default());
}

/// Appends the normalised form of one word to `out`: case folded,
/// apostrophes unified, a possessive `'s` dropped, plain ASCII words stemmed.
/// Writes only valid UTF-8.
fn normalize_into(word: &str, out: &mut Vec<u8>) {
    let start = out.len();
    if word.is_ascii() {
        out.extend_from_slice(word.as_bytes());
        out[start..].make_ascii_lowercase();
    } else {
        let mut tmp = [0u8; 4];
        for c in word.chars() {
            let c = match c {
                '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{FF07}' => '\'',
                c => c,
            };
            for l in c.to_lowercase() {
                out.extend_from_slice(l.encode_utf8(&mut tmp).as_bytes());
            }
        }
    }
    // Possessive: "user's" -> "user".
    if out.len() >= start + 3 && out.ends_with(b"'s") {
        out.truncate(out.len() - 2);
    }
    stem_tail(out, start);
}

/// Stems `out[start..]` in place when it is a plain lowercase ASCII word.
fn stem_tail(out: &mut Vec<u8>, start: usize) {
    let n = out.len() - start;
    out.push(0); // room for a restored 'e'
    let n = stem_in_place(&mut out[start..], n);
    out.truncate(start + n);
}

/// True when stemming `term` gives `term` itself: a word folded to it needs
/// no stemming.
pub(crate) fn stems_to_itself(term: &[u8]) -> bool {
    let mut buf = Vec::with_capacity(term.len() + 1);
    buf.extend_from_slice(term);
    buf.push(0);
    let n = stem_in_place(&mut buf, term.len());
    buf[..n] == *term
}

/// Stems `buf[..n]` when it is a plain lowercase ASCII word; returns the new
/// length. `buf` has room for one more byte than `n`.
fn stem_in_place(buf: &mut [u8], n: usize) -> usize {
    let w = &buf[..n];
    // Only words ending in s, d, g, y or e can change.
    if !(3..=40).contains(&n)
        || !matches!(w[n - 1], b's' | b'd' | b'g' | b'y' | b'e')
        || !w.iter().all(u8::is_ascii_lowercase)
    {
        return n;
    }
    porter_light(buf, n)
}

/// Porter's consonants of `w` as bits (bit i: `w[i]` is a consonant): a
/// letter other than a, e, i, o, u, and a y that is not after a consonant.
/// Steps only ever ask about a prefix of the word or change its last letters,
/// so the mask of the word as given answers every question of the stemmer.
fn consonants(w: &[u8]) -> u64 {
    let mut mask = 0u64;
    let mut prev = false;
    for (i, &c) in w.iter().enumerate().take(64) {
        // Without branches: a letter's kind is not predictable.
        let vowel = matches!(c, b'a' | b'e' | b'i' | b'o' | b'u');
        let y = c == b'y';
        let cons = (!vowel & !y) | (y & !prev);
        mask |= u64::from(cons) << i;
        prev = cons;
    }
    mask
}

/// Porter's questions about the prefixes of the word being stemmed.
trait Letters {
    /// Letter `i` is a consonant.
    fn is_cons(&self, w: &[u8], i: usize) -> bool;

    /// Porter's measure m of the first `k` letters: the number of
    /// vowel-consonant sequences.
    fn measure(&self, w: &[u8], k: usize) -> u32;

    /// The first `k` letters hold a vowel.
    fn has_vowel(&self, w: &[u8], k: usize) -> bool;

    /// The first `k` letters end consonant-vowel-consonant, the last not w,
    /// x or y.
    fn cvc(&self, w: &[u8], k: usize) -> bool {
        k >= 3
            && self.is_cons(w, k - 3)
            && !self.is_cons(w, k - 2)
            && self.is_cons(w, k - 1)
            && !matches!(w[k - 1], b'w' | b'x' | b'y')
    }
}

/// The answers from the word's consonant mask, computed once.
#[derive(Clone, Copy)]
struct Shape(u64);

impl Shape {
    fn low(k: usize) -> u64 {
        1u64.checked_shl(k as u32).map_or(!0, |b| b - 1)
    }
}

impl Letters for Shape {
    fn is_cons(&self, _: &[u8], i: usize) -> bool {
        i < 64 && self.0 >> i & 1 == 1
    }

    fn measure(&self, _: &[u8], k: usize) -> u32 {
        if k < 2 {
            return 0;
        }
        let vowels = !self.0;
        (vowels & (self.0 >> 1) & Shape::low(k - 1)).count_ones()
    }

    fn has_vowel(&self, _: &[u8], k: usize) -> bool {
        !self.0 & Shape::low(k) != 0
    }
}

/// Porter steps 1a, 1b, 1c and 5a on `buf[..n]`; returns the new length.
/// `buf` has room for one more byte than `n`.
fn porter_light(buf: &mut [u8], n: usize) -> usize {
    let shape = Shape(consonants(&buf[..n]));
    porter_with(buf, n, &shape)
}

/// [`porter_light`] with the letters' answers from `shape`.
fn porter_with(buf: &mut [u8], mut n: usize, shape: &impl Letters) -> usize {
    let ends = |buf: &[u8], n: usize, s: &[u8]| n >= s.len() && &buf[n - s.len()..n] == s;
    // Step 1a: plurals. Words of three letters and -us/-is/-ss words are kept.
    if ends(buf, n, b"sses") || ends(buf, n, b"ies") {
        n -= 2;
    } else if n > 3
        && ends(buf, n, b"s")
        && !ends(buf, n, b"ss")
        && !ends(buf, n, b"us")
        && !ends(buf, n, b"is")
    {
        n -= 1;
    }
    // Step 1b: -eed, -ed, -ing.
    if ends(buf, n, b"eed") {
        if shape.measure(buf, n - 3) > 0 {
            n -= 1;
        }
    } else {
        let suffix = if ends(buf, n, b"ed") {
            2
        } else if ends(buf, n, b"ing") {
            3
        } else {
            0
        };
        if suffix > 0 && n - suffix >= 2 && shape.has_vowel(buf, n - suffix) {
            n -= suffix;
            if ends(buf, n, b"at") || ends(buf, n, b"bl") || ends(buf, n, b"iz") {
                buf[n] = b'e';
                n += 1;
            } else if n >= 2
                && buf[n - 1] == buf[n - 2]
                && shape.is_cons(buf, n - 1)
                && !matches!(buf[n - 1], b'l' | b's' | b'z')
            {
                n -= 1;
            } else if (shape.measure(buf, n) == 1 && shape.cvc(buf, n))
                || (n == 2 && !shape.is_cons(buf, 0) && shape.is_cons(buf, 1))
            {
                // A short stem gets its e back: hoped -> hope, used -> use.
                buf[n] = b'e';
                n += 1;
            }
        }
    }
    // Step 1c: y -> i after a vowel-bearing stem.
    if n > 2 && buf[n - 1] == b'y' && shape.has_vowel(buf, n - 1) {
        buf[n - 1] = b'i';
    }
    // Step 5a: a final e.
    if n > 2 && buf[n - 1] == b'e' {
        let m = shape.measure(buf, n - 1);
        if m > 1 || (m == 1 && !shape.cvc(buf, n - 1)) {
            n -= 1;
        }
    }
    n
}

/// English function words that carry no topic: they never make two requests
/// similar. Checked on the *normalised* form (see [`is_stop_term`]), so the
/// list is written plainly and normalised once.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "aren't",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "can't",
    "cannot",
    "could",
    "couldn't",
    "did",
    "didn't",
    "do",
    "does",
    "doesn't",
    "doing",
    "don't",
    "down",
    "during",
    "each",
    "else",
    "etc",
    "even",
    "ever",
    "few",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "got",
    "had",
    "hadn't",
    "has",
    "hasn't",
    "have",
    "haven't",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "if",
    "in",
    "into",
    "is",
    "isn't",
    "it",
    "it's",
    "its",
    "itself",
    "just",
    "let",
    "let's",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "please",
    "same",
    "shall",
    "she",
    "should",
    "shouldn't",
    "so",
    "some",
    "still",
    "such",
    "than",
    "that",
    "that's",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "there's",
    "these",
    "they",
    "they're",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "via",
    "was",
    "wasn't",
    "we",
    "we're",
    "we've",
    "were",
    "weren't",
    "what",
    "what's",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "won't",
    "would",
    "wouldn't",
    "yet",
    "you",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "your",
    "yours",
    "yourself",
    "yourselves",
    // Conversational filler of requests and queries (most are in common
    // English stop lists such as scikit-learn's): they make unrelated
    // requests look alike.
    "able",
    "already",
    "always",
    "anyone",
    "anything",
    "around",
    "every",
    "give",
    "go",
    "going",
    "hello",
    "help",
    "hey",
    "hi",
    "know",
    "like",
    "lot",
    "many",
    "maybe",
    "need",
    "never",
    "ok",
    "okay",
    "one",
    "really",
    "see",
    "seem",
    "seems",
    "since",
    "someone",
    "something",
    "sure",
    "take",
    "tell",
    "thank",
    "thanks",
    "try",
    "tried",
    "want",
    "way",
    "well",
    "yes",
];

/// True when a normalised term is a stop word (see `STOP_WORDS`).
pub(crate) fn is_stop_term(term: &str) -> bool {
    type FxHashSet = std::collections::HashSet<String, BuildHasherDefault<FxHasher>>;
    static SET: std::sync::OnceLock<FxHashSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        STOP_WORDS
            .iter()
            .map(|w| {
                let mut s = String::new();
                normalize_word(w, &mut s);
                s
            })
            .collect()
    })
    .contains(term)
}

/// True for characters of scripts written without spaces between words, where
/// a keyword is matched as a substring of the text.
pub(crate) fn is_nospace_char(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // half-width Katakana
        | 0x20000..=0x3134F  // CJK extensions B..G
    )
}

/// A phrase is matched by substring when it contains a character of a script
/// written without spaces, or when it has no word in it but has symbols that
/// are not ASCII punctuation (an emoji such as "👍").
pub(crate) fn is_substring_phrase(phrase: &str) -> bool {
    phrase.chars().any(is_nospace_char)
        || (phrase.unicode_words().next().is_none()
            && phrase
                .chars()
                .any(|c| !c.is_whitespace() && !c.is_ascii_punctuation() && !c.is_control()))
}

/// A fast, deterministic hasher for short keys (FxHash's mixing step). Not
/// resistant to hash flooding, so no table keyed by request text uses it
/// (the clustering's vocabulary and the learner's maps use the standard,
/// randomly keyed hash). Its tables hold keys that text cannot choose: the
/// classifier's hold policy terms, chosen by the policy's author, and only
/// look text up (a lookup's probes are bounded by the table, built from the
/// policy); the stop-word set is fixed; the clustering's link maps are keyed
/// by group numbers (positions in the clustering's order).
#[derive(Clone, Copy, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// `HashMap` with [`FxHasher`].
pub(crate) type FxHashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Porter's letter questions as first written, reading the buffer as it
    /// is when asked: the reference the mask answers are checked against.
    struct ByLetter;

    impl Letters for ByLetter {
        fn is_cons(&self, w: &[u8], i: usize) -> bool {
            match w[i] {
                b'a' | b'e' | b'i' | b'o' | b'u' => false,
                // A y after a consonant is a vowel.
                b'y' => i == 0 || !self.is_cons(w, i - 1),
                _ => true,
            }
        }

        fn measure(&self, w: &[u8], k: usize) -> u32 {
            let mut i = 0;
            while i < k && self.is_cons(w, i) {
                i += 1;
            }
            let mut m = 0;
            loop {
                while i < k && !self.is_cons(w, i) {
                    i += 1;
                }
                if i >= k {
                    return m;
                }
                while i < k && self.is_cons(w, i) {
                    i += 1;
                }
                m += 1;
            }
        }

        fn has_vowel(&self, w: &[u8], k: usize) -> bool {
            (0..k).any(|i| !self.is_cons(w, i))
        }
    }

    fn porter_reference(buf: &mut [u8], n: usize) -> usize {
        porter_with(buf, n, &ByLetter)
    }

    fn norm(w: &str) -> String {
        let mut s = String::new();
        normalize_word(w, &mut s);
        s
    }

    #[test]
    fn inflections_fold_together() {
        for group in [
            &["crash", "crashes", "crashed", "crashing", "Crashed"][..],
            &["fail", "fails", "failed", "failing"],
            &["freeze", "freezes", "freezing"],
            &["update", "updates", "updated", "updating"],
            &["lose", "loses", "losing"],
            &["reply", "replies", "replied"],
            &["require", "requires", "required", "requiring"],
            &["stop", "stops", "stopped", "stopping"],
            &["user", "users", "user's", "User\u{2019}s"],
        ] {
            let first = norm(group[0]);
            for w in group {
                assert_eq!(norm(w), first, "{w}");
            }
        }
    }

    #[test]
    fn distinct_words_stay_distinct() {
        for (a, b) in [
            ("fix", "fixture"),
            ("note", "not"),
            ("status", "statu"),
            ("bug", "bus"),
        ] {
            assert_ne!(norm(a), norm(b), "{a} vs {b}");
        }
        assert_eq!(norm("iOS"), "ios");
        assert_eq!(norm("doesn't"), "doesn't");
    }

    #[test]
    fn spans_point_into_the_original() {
        let text = "İstanbul users: the APP crashed!\nNo longer 崩溃";
        let mut a = Analyzed::default();
        a.analyze(text);
        for t in &a.tokens {
            assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
        }
        let words: Vec<&str> = a.tokens.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(&words[..5], &["İstanbul", "users", "the", "APP", "crashed"]);
        let clause: Vec<bool> = a.tokens.iter().map(|t| t.clause_start).collect();
        assert!(clause[0] && clause[2] && !clause[3] && clause[5]);
        assert_eq!(a.norm(&a.tokens[4]), "crash");
    }

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
            let norm = w.norm().to_vec();
            assert!(packed.is_none() || packed == pack(&norm), "{norm:?}");
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
        fn stemmer_equals_the_reference(word in "[a-z]{1,14}|[bcdy]{0,3}[aeiouy]{1,3}[a-z]{0,4}(s|es|ies|sses|ed|eed|ing|y|e|ate|ble|ize|ated|ating|izes)") {
            let n = word.len();
            let mut fast = word.as_bytes().to_vec();
            fast.push(0);
            let mut slow = fast.clone();
            let a = porter_light(&mut fast, n);
            let b = porter_reference(&mut slow, n);
            proptest::prop_assert_eq!(&fast[..a], &slow[..b], "{}", word);
        }

        #[test]
        fn stemming_is_a_function_of_the_word(word in "[a-zA-Z]{1,12}") {
            let mut a = String::new();
            normalize_word(&word, &mut a);
            let mut b = String::from("prefix ");
            normalize_word(&word.to_lowercase(), &mut b);
            proptest::prop_assert_eq!(&b[7..], a.as_str());
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
            if let Some((at, b)) = high {
                if let Some(slot) = bytes.get_mut(at) {
                    *slot = b;
                }
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

    #[test]
    fn stop_words_match_normalised_forms() {
        for w in ["the", "does", "Doesn't", "having", "is", "was"] {
            assert!(is_stop_term(&norm(w)), "{w}");
        }
        for w in ["crash", "export", "card"] {
            assert!(!is_stop_term(&norm(w)), "{w}");
        }
    }

    #[test]
    fn substring_scripts_are_detected() {
        assert!(is_substring_phrase("崩溃"));
        assert!(is_substring_phrase("クラッシュ"));
        assert!(!is_substring_phrase("crash"));
        assert!(is_substring_phrase("👍"));
        assert!(!is_substring_phrase("!!!"));
        assert_eq!(phrase_len("!!!"), 0);
        assert_eq!(phrase_len("崩溃 了"), 1);
        assert_eq!(phrase_len("steps to reproduce"), 3);
        assert_eq!(phrase_len("  "), 0);
    }
}
