//! Words for people: the surface forms of terms, and capped titles.

use super::vectors::{self, Corpus};
use crate::item::FeedbackItem;
use crate::text::Analyzed;

/// The readable word for each term id: the surface form the given items use
/// most (lower-cased; ties by the smaller string).
pub(super) fn surfaces(corpus: &Corpus, ids: &[u32], items: &[&FeedbackItem]) -> Vec<String> {
    let wanted: Vec<&str> = ids.iter().map(|&t| corpus.vocab.term(t)).collect();
    let mut counts: Vec<Vec<(String, usize)>> = vec![Vec::new(); ids.len()];
    let mut buf = Analyzed::default();
    for it in items {
        vectors::for_each_term(&mut buf, it, |term, surface, _| {
            if let Some(k) = wanted.iter().position(|w| *w == term) {
                let s = surface.to_lowercase();
                match counts[k].iter_mut().find(|c| c.0 == s) {
                    Some(c) => c.1 += 1,
                    None => counts[k].push((s, 1)),
                }
            }
        });
    }
    counts
        .into_iter()
        .zip(&wanted)
        .map(|(c, term)| {
            c.into_iter()
                .min_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)))
                .map_or_else(|| term.to_string(), |c| c.0)
        })
        .collect()
}

/// Titles are compared on at most this many characters (edit distance is
/// quadratic in length).
const TITLE_CHARS: usize = 100;
/// Titles shorter than this carry too little to decide anything.
const TITLE_MIN_CHARS: usize = 12;
/// Title similarity from which two requests are the same.
pub(super) const TITLE_SAME: f64 = 0.92;
/// Title similarity from which a pair is worth a review.
pub(super) const TITLE_REVIEW: f64 = 0.8;

/// A title lower-cased, white space collapsed, cut to `TITLE_CHARS` characters.
pub(crate) fn cap_title(title: &str) -> String {
    let mut out = String::new();
    for word in title.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
        if out.chars().count() >= TITLE_CHARS {
            break;
        }
    }
    out.chars().take(TITLE_CHARS).collect()
}

/// Normalised Levenshtein similarity of two capped titles (strsim), or
/// `None` when either is too short to say anything.
pub(super) fn title_similarity(a: &str, b: &str) -> Option<f64> {
    let (na, nb) = (a.chars().count(), b.chars().count());
    (na >= TITLE_MIN_CHARS && nb >= TITLE_MIN_CHARS).then(|| strsim::normalized_levenshtein(a, b))
}
