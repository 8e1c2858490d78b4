//! Text analysis shared by the classifier and the clusterer: one tokenizer and
//! one normaliser for the whole crate.
//!
//! Words come from Unicode word segmentation (UAX #29). Each is case-folded
//! into a reused buffer, apostrophes are unified, a possessive `'s` is dropped,
//! and plain ASCII words are reduced by the first steps of Porter's stemmer
//! (plurals, `-ed`, `-ing`, a final `-e`), so that crash, crashes, crashed and
//! crashing all become `crash`. Spans always point into the original text.
//!
//! [`scan`] finds and folds the words, [`stem`] normalises one word,
//! [`stopwords`] and [`script`] answer questions about terms and phrases,
//! [`hash`] is the fast hasher of tables whose keys text cannot choose.

mod hash;
mod scan;
mod script;
mod stem;
mod stopwords;
mod written;

use unicode_segmentation::UnicodeSegmentation;

pub(crate) use hash::{FxHashMap, FxHasher, fmix64};
pub(crate) use scan::{Word, for_each_word};
pub(crate) use script::{is_nospace_char, is_substring_phrase};
pub(crate) use stem::stems_to_itself;
pub(crate) use stopwords::is_stop_term;
pub(crate) use written::{is_ascii_blank, written_into};

use stem::normalize_into;

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
        self.analyze_some(text, |_| true);
    }

    /// Tokenizes `text` as [`Analyzed::analyze`] does, but stores the
    /// normalised form only of the words `wanted` picks (it may normalise
    /// the word to decide, [`Word::norm`], at no extra cost); the others
    /// keep an empty one. For a caller that compares only a few words: the
    /// rest skip the stemmer and the copy.
    pub fn analyze_some(&mut self, text: &str, mut wanted: impl FnMut(&mut Word<'_>) -> bool) {
        self.clear();
        let (norm, tokens) = (&mut self.norm, &mut self.tokens);
        // The normalised buffer can exceed 4 GiB only for inputs far past
        // any sensible request; saturate rather than wrap.
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        for_each_word(text, |mut w| {
            let norm_start = to_u32(norm.len());
            if wanted(&mut w) {
                push_norm(norm, &mut w);
            }
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

/// Appends the word's normalised form to `norm`: a packed one as sixteen
/// bytes cut back to its length (a fixed-size copy, not a call to copy a
/// few bytes).
#[inline(always)]
fn push_norm(norm: &mut Vec<u8>, w: &mut Word<'_>) {
    match w.norm_packed() {
        Some((p, n)) => {
            let at = norm.len();
            norm.extend_from_slice(&p.to_le_bytes());
            norm.truncate(at + n);
        }
        None => norm.extend_from_slice(w.norm()),
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
