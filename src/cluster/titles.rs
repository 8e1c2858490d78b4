//! Titles for the duplicate decision: capped, lower-cased, and compared
//! by normalised edit distance.

/// Titles are compared on at most this many characters (edit distance is
/// quadratic in length).
const TITLE_CHARS: usize = 100;
/// Titles shorter than this carry too little to decide anything.
const TITLE_MIN_CHARS: usize = 12;
/// Title similarity from which two requests are the same.
pub(crate) const TITLE_SAME: f64 = 0.92;
/// Title similarity from which a pair is worth a review.
pub(crate) const TITLE_REVIEW: f64 = 0.8;

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
pub(crate) fn title_similarity(a: &str, b: &str) -> Option<f64> {
    let (na, nb) = (a.chars().count(), b.chars().count());
    (na >= TITLE_MIN_CHARS && nb >= TITLE_MIN_CHARS).then(|| strsim::normalized_levenshtein(a, b))
}
