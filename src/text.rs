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
        if text.is_ascii() {
            self.segment_ascii(text, 0, text.len());
            return;
        }
        // No word spans ASCII white space, so each white-space-delimited
        // chunk is segmented alone: the ASCII ones on the fast path.
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let start = at;
            let mut ascii = true;
            while at < bytes.len() && !matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r') {
                ascii &= bytes[at].is_ascii();
                at += 1;
            }
            if ascii {
                self.segment_ascii(text, start, at);
            } else {
                // `start` and `at` sit next to ASCII bytes: char boundaries.
                for (offset, word) in text[start..at].unicode_word_indices() {
                    self.push(text, start + offset, start + offset + word.len());
                }
            }
            while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r') {
                at += 1;
            }
        }
    }

    fn segment_ascii(&mut self, text: &str, from: usize, to: usize) {
        let mut words = AsciiWords {
            text: &text[from..to],
            at: 0,
        };
        while let Some((start, end)) = words.next_word() {
            self.push(text, from + start, from + end);
        }
    }

    fn push(&mut self, text: &str, start: usize, end: usize) {
        let prev_end = self.tokens.last().map_or(0, |t| t.end);
        let clause_start = self.tokens.is_empty()
            || text.as_bytes()[prev_end..start]
                .iter()
                .any(|b| matches!(b, b'.' | b'!' | b'?' | b';' | b':' | b'\n'));
        let norm_start = self.norm.len();
        normalize_into(&text[start..end], &mut self.norm);
        // The normalised buffer can exceed 4 GiB only for inputs far past
        // any sensible request; saturate rather than wrap.
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        self.tokens.push(Token {
            start,
            end,
            norm_start: to_u32(norm_start),
            norm_end: to_u32(self.norm.len()),
            clause_start,
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

/// Word segmentation of ASCII text: the rules of UAX #29 restricted to ASCII,
/// so it yields exactly the words of `unicode_word_indices` (a property test
/// proves it), several times faster. Words are runs of letters, digits and
/// `_`; a `.`, `'` or `:` between two letters, and a `.`, `'`, `,` or `;`
/// between two digits, stays inside the word; a run with no letter or digit
/// is not a word.
/// `WORD_BYTE[b]`: `b` is an ASCII letter, digit or `_`.
const WORD_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'_';
        i += 1;
    }
    t
};

struct AsciiWords<'a> {
    text: &'a str,
    at: usize,
}

impl AsciiWords<'_> {
    fn next_word(&mut self) -> Option<(usize, usize)> {
        let b = self.text.as_bytes();
        let n = b.len();
        let is_word = |c: u8| WORD_BYTE[c as usize];
        loop {
            let Some(skip) = b[self.at..].iter().position(|&c| is_word(c)) else {
                self.at = n;
                return None;
            };
            let start = self.at + skip;
            let mut i = start;
            let mut alnum = false;
            loop {
                let run = b[i..].iter().position(|&c| !is_word(c)).unwrap_or(n - i);
                alnum |= b[i..i + run].iter().any(|&c| c != b'_');
                i += run;
                if i + 1 < n {
                    let (prev, mid, next) = (b[i - 1], b[i], b[i + 1]);
                    let letters = prev.is_ascii_alphabetic()
                        && next.is_ascii_alphabetic()
                        && matches!(mid, b'.' | b'\'' | b':');
                    let digits = prev.is_ascii_digit()
                        && next.is_ascii_digit()
                        && matches!(mid, b'.' | b'\'' | b',' | b';');
                    if letters || digits {
                        i += 1;
                        continue;
                    }
                }
                break;
            }
            self.at = i;
            if alnum {
                return Some((start, i));
            }
        }
    }
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
    let w = &out[start..];
    // Only words ending in s, d, g, y or e can change.
    if w.len() < 3
        || w.len() > 40
        || !matches!(w[w.len() - 1], b's' | b'd' | b'g' | b'y' | b'e')
        || !w.iter().all(u8::is_ascii_lowercase)
    {
        return;
    }
    let n = w.len();
    out.push(0); // room for a restored 'e'
    let n = porter_light(&mut out[start..], n);
    out.truncate(start + n);
}

fn is_cons(w: &[u8], i: usize) -> bool {
    match w[i] {
        b'a' | b'e' | b'i' | b'o' | b'u' => false,
        // A y after a consonant is a vowel; only the letter before decides,
        // and a run of y's alternates.
        b'y' => i == 0 || !is_cons_nonrec(w, i - 1),
        _ => true,
    }
}

fn is_cons_nonrec(w: &[u8], mut i: usize) -> bool {
    // Walk back over a run of y's to the first letter that is not a y.
    let mut ys = 0;
    while w[i] == b'y' {
        if i == 0 {
            // The run starts the word: its first y is a consonant.
            return ys % 2 == 0;
        }
        ys += 1;
        i -= 1;
    }
    let base = !matches!(w[i], b'a' | b'e' | b'i' | b'o' | b'u');
    // Each y flips: after a consonant it is a vowel, after a vowel a consonant.
    if ys % 2 == 0 { base } else { !base }
}

/// Porter's measure m of `w`: the number of vowel-consonant sequences.
fn measure(w: &[u8]) -> usize {
    let n = w.len();
    let mut i = 0;
    while i < n && is_cons(w, i) {
        i += 1;
    }
    let mut m = 0;
    loop {
        while i < n && !is_cons(w, i) {
            i += 1;
        }
        if i >= n {
            return m;
        }
        while i < n && is_cons(w, i) {
            i += 1;
        }
        m += 1;
        if i >= n {
            return m;
        }
    }
}

fn has_vowel(w: &[u8]) -> bool {
    (0..w.len()).any(|i| !is_cons(w, i))
}

/// consonant-vowel-consonant ending, the last not w, x or y.
fn cvc(w: &[u8]) -> bool {
    let n = w.len();
    n >= 3
        && is_cons(w, n - 3)
        && !is_cons(w, n - 2)
        && is_cons(w, n - 1)
        && !matches!(w[n - 1], b'w' | b'x' | b'y')
}

/// Porter steps 1a, 1b, 1c and 5a on `buf[..n]`; returns the new length.
/// `buf` has room for one more byte than `n`.
fn porter_light(buf: &mut [u8], mut n: usize) -> usize {
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
        if measure(&buf[..n - 3]) > 0 {
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
        if suffix > 0 && n - suffix >= 2 && has_vowel(&buf[..n - suffix]) {
            n -= suffix;
            if ends(buf, n, b"at") || ends(buf, n, b"bl") || ends(buf, n, b"iz") {
                buf[n] = b'e';
                n += 1;
            } else if n >= 2
                && buf[n - 1] == buf[n - 2]
                && is_cons(buf, n - 1)
                && !matches!(buf[n - 1], b'l' | b's' | b'z')
            {
                n -= 1;
            } else if (measure(&buf[..n]) == 1 && cvc(&buf[..n]))
                || (n == 2 && !is_cons(buf, 0) && is_cons(buf, 1))
            {
                // A short stem gets its e back: hoped -> hope, used -> use.
                buf[n] = b'e';
                n += 1;
            }
        }
    }
    // Step 1c: y -> i after a vowel-bearing stem.
    if n > 2 && buf[n - 1] == b'y' && has_vowel(&buf[..n - 1]) {
        buf[n - 1] = b'i';
    }
    // Step 5a: a final e.
    if n > 2 && buf[n - 1] == b'e' {
        let m = measure(&buf[..n - 1]);
        if m > 1 || (m == 1 && !cvc(&buf[..n - 1])) {
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
    static SET: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
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
/// resistant to hash flooding: keys are policy terms, chosen by the policy's
/// author, and text tokens are only looked up.
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

    proptest::proptest! {
        #[test]
        fn analyze_yields_the_words_of_unicode_segmentation(text in "\\PC{0,40}|([ -~]|é|İ|崩|👍|\u{200d}|\u{a0}| ){0,40}") {
            let mut a = Analyzed::default();
            a.analyze(&text);
            let ours: Vec<(usize, &str)> = a.tokens.iter().map(|t| (t.start, &text[t.start..t.end])).collect();
            // One deliberate difference: UAX #29 attaches a combining mark to a
            // preceding space (" \u{cc6}" is one segment); chunking at white
            // space leaves the space out of the word.
            let theirs: Vec<(usize, &str)> = text
                .unicode_word_indices()
                .map(|(s, w)| {
                    let t = w.trim_start_matches([' ', '\t', '\n', '\r']);
                    (s + w.len() - t.len(), t)
                })
                .collect();
            proptest::prop_assert_eq!(ours, theirs);
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
        fn ascii_fast_path_equals_unicode_segmentation(text in "([ -~\n\r\t]|[a-z]{1,4}[.':,;][a-z0-9]|[0-9]{1,3}[.,;'][0-9]){0,30}") {
            let mut fast = Vec::new();
            let mut words = AsciiWords { text: &text, at: 0 };
            while let Some((s, e)) = words.next_word() {
                fast.push((s, &text[s..e]));
            }
            let slow: Vec<(usize, &str)> = text.unicode_word_indices().collect();
            proptest::prop_assert_eq!(fast, slow);
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
