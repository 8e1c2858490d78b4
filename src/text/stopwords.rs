//! The stop words: English function words that carry no topic.

use std::hash::BuildHasherDefault;

use super::hash::FxHasher;
use super::normalize_word;

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

/// The normalised stop words.
fn normalised() -> impl Iterator<Item = String> {
    STOP_WORDS.iter().map(|w| {
        let mut s = String::new();
        normalize_word(w, &mut s);
        s
    })
}

/// True when a normalised term is a stop word (see `STOP_WORDS`).
///
/// Every term of a request is checked, so a term of one to eight bytes
/// (all but a few stop words, most words) is looked up as one integer in
/// a small table of its own, without hashing or comparing strings; the
/// others in a set of strings.
pub(crate) fn is_stop_term(term: &str) -> bool {
    type FxHashSet = std::collections::HashSet<String, BuildHasherDefault<FxHasher>>;
    static SHORT: std::sync::OnceLock<Short> = std::sync::OnceLock::new();
    static SET: std::sync::OnceLock<FxHashSet> = std::sync::OnceLock::new();
    if let Some(key) = Short::key(term) {
        return SHORT.get_or_init(|| Short::new(normalised())).contains(key);
    }
    SET.get_or_init(|| normalised().collect()).contains(term)
}

/// Open addressing over the packed stop words of one to eight bytes: at
/// most a quarter full, 0 is empty (no key is 0).
struct Short {
    slots: Vec<u64>,
}

impl Short {
    /// `2^BITS` slots.
    const BITS: u32 = 10;

    /// `term`'s bytes as one integer (little-endian, zero above), when it
    /// has one to eight bytes and none is 0 (so that no two terms share a
    /// key).
    fn key(term: &str) -> Option<u64> {
        let b = term.as_bytes();
        if b.is_empty() || b.len() > 8 || b.contains(&0) {
            return None;
        }
        let mut k = [0u8; 8];
        k[..b.len()].copy_from_slice(b);
        Some(u64::from_le_bytes(k))
    }

    fn new(words: impl Iterator<Item = String>) -> Short {
        let mut t = Short {
            slots: vec![0; 1 << Self::BITS],
        };
        for key in words.filter_map(|w| Self::key(&w)) {
            let mut at = Self::start(key);
            while t.slots[at] != 0 && t.slots[at] != key {
                at = (at + 1) & ((1 << Self::BITS) - 1);
            }
            t.slots[at] = key;
        }
        debug_assert!(4 * t.slots.iter().filter(|&&k| k != 0).count() <= t.slots.len());
        t
    }

    /// Where a key's probe starts.
    fn start(key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - Self::BITS)) as usize
    }

    fn contains(&self, key: u64) -> bool {
        let mut at = Self::start(key);
        loop {
            match self.slots[at] {
                0 => return false,
                k if k == key => return true,
                _ => at = (at + 1) & ((1 << Self::BITS) - 1),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(w: &str) -> String {
        let mut s = String::new();
        normalize_word(w, &mut s);
        s
    }

    proptest::proptest! {
        /// The table of short words answers as the set of every stop word.
        #[test]
        fn short_words_are_found_as_in_the_set(
            w in "[a-z'’0-9\\x00]{0,10}|[a-zé]{1,9}",
            pick in 0usize..1000,
        ) {
            let all: std::collections::HashSet<String> = normalised().collect();
            proptest::prop_assert_eq!(is_stop_term(&w), all.contains(&w), "{:?}", w);
            let listed = normalised().nth(pick % STOP_WORDS.len()).unwrap_or_default();
            proptest::prop_assert!(is_stop_term(&listed), "{:?}", listed);
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
}
