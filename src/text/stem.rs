//! Normalising one word: folding, a possessive dropped, and the first steps
//! of Porter's stemmer.

/// Appends the normalised form of one word to `out`: case folded,
/// apostrophes unified, a possessive `'s` dropped, plain ASCII words stemmed.
/// Writes only valid UTF-8.
pub(super) fn normalize_into(word: &str, out: &mut Vec<u8>) {
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

/// The shortest word stemmed: words of one or two letters have no suffix
/// to strip ("is", "as" and "us" stay whole).
const STEM_MIN: usize = 3;
/// The longest word stemmed: a longer run of letters is no English word
/// (an identifier, a hash, a run of one letter); it also keeps the
/// consonant mask (64 bits) exact and every stemmed word in the scanner's
/// stack buffer, which the assertion below checks.
pub(super) const STEM_MAX: usize = 40;
const _: () = assert!(STEM_MAX < 64);

/// [`stem_in_place`] of the word of `n` bytes (`n <= 16`) packed
/// little-endian and zero-padded in `word`: its stem packed the same way
/// and the stem's length.
pub(super) fn stem_packed(word: u128, n: usize) -> (u128, usize) {
    let mut buf = [0u8; 17];
    buf[..16].copy_from_slice(&word.to_le_bytes());
    let m = stem_in_place(&mut buf, n);
    let mut stem = [0u8; 16];
    stem[..m].copy_from_slice(&buf[..m]);
    (u128::from_le_bytes(stem), m)
}

/// Whether stemming may change a word of `n` bytes ending with `last`:
/// only words of `STEM_MIN..=STEM_MAX` bytes ending in s, d, g, y or e can.
#[inline]
pub(super) fn may_stem(n: usize, last: u8) -> bool {
    (STEM_MIN..=STEM_MAX).contains(&n) && matches!(last, b's' | b'd' | b'g' | b'y' | b'e')
}

/// Stems `buf[..n]` when it is a plain lowercase ASCII word; returns the new
/// length. `buf` has room for one more byte than `n`.
pub(super) fn stem_in_place(buf: &mut [u8], n: usize) -> usize {
    let w = &buf[..n];
    if n == 0 || !may_stem(n, w[n - 1]) || !w.iter().all(u8::is_ascii_lowercase) {
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
    for (i, &c) in w.iter().enumerate().take(u64::BITS as usize) {
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
        i < u64::BITS as usize && self.0 >> i & 1 == 1
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize_word;

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

    proptest::proptest! {
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

        /// Packed stems are the stems, whichever words came before.
        #[test]
        fn packed_stems_are_the_stems(
            words in proptest::collection::vec("[a-z]{1,12}(s|es|ies|ed|eed|ing|y|e|ated|izes)?|[a-zA-Z0-9_'.]{1,16}", 1..40),
            rounds in 1usize..4,
        ) {
            for _ in 0..rounds {
                for w in &words {
                    let n = w.len().min(16);
                    let mut packed = [0u8; 16];
                    packed[..n].copy_from_slice(&w.as_bytes()[..n]);
                    let mut buf = w.as_bytes()[..n].to_vec();
                    buf.push(0);
                    let m = stem_in_place(&mut buf, n);
                    let (stem, k) = stem_packed(u128::from_le_bytes(packed), n);
                    proptest::prop_assert_eq!(k, m, "{}", w);
                    proptest::prop_assert_eq!(&stem.to_le_bytes()[..k], &buf[..m], "{}", w);
                    proptest::prop_assert_eq!(stem.checked_shr(8 * k as u32).unwrap_or(0), 0, "{} padded", w);
                }
            }
        }

        #[test]
        fn stemming_is_a_function_of_the_word(word in "[a-zA-Z]{1,12}") {
            let mut a = String::new();
            normalize_word(&word, &mut a);
            let mut b = String::from("prefix ");
            normalize_word(&word.to_lowercase(), &mut b);
            proptest::prop_assert_eq!(&b[7..], a.as_str());
        }

    }
}
