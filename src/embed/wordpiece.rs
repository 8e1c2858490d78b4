//! The tokenisation the static table was built with: BERT's uncased basic
//! tokeniser (lower case, accents stripped, words split at white space and
//! punctuation, each CJK ideograph a word of its own) followed by WordPiece
//! (greedy longest match, continuation pieces prefixed `##`).
//!
//! Differences from the reference, all harmless for a mean of token vectors:
//! accents are stripped for the Latin-1 and Latin Extended-A letters only
//! (a table, instead of full Unicode decomposition), and a word the
//! vocabulary cannot spell contributes its longest spellable prefix pieces
//! instead of nothing (`[UNK]` carries no meaning either way).

/// Words longer than this many characters are skipped (BERT maps them to
/// `[UNK]`); it also bounds the greedy match's work per word.
pub(crate) const MAX_WORD_CHARS: usize = 100;

/// Lower-cased, accent-free letters for U+00C0..=U+017F; `\0` keeps the
/// character as it is.
const LATIN_FOLD: &str = "aaaaaaæceeeeiiiiðnooooo×øuuuuyþßaaaaaaæceeeeiiiiðnooooo÷øuuuuyþyaaaaaaccccccccddđđeeeeeeeeeegggggggghhħħiiiiiiiiiıĳĳjjkkĸllllllŀŀłłnnnnnnŉŋŋooooooœœrrrrrrssssssssttttŧŧuuuuuuuuuuuuwwyyyzzzzzzſ";

/// The lower-cased, accent-free form of `c`, written to `out`.
fn fold(c: char, out: &mut String) {
    let cp = c as u32;
    if (0xC0..0x180).contains(&cp)
        && let Some(f) = LATIN_FOLD.chars().nth((cp - 0xC0) as usize)
    {
        out.push(f);
        return;
    }
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else {
        out.extend(c.to_lowercase());
    }
}

/// True for the CJK ideographs BERT splits one by one.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F | 0x2B820..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

/// True for a character that ends a word and is a word of its own.
fn is_punct(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_punctuation()
    } else {
        !c.is_alphanumeric() && !c.is_whitespace() && !is_mark(c)
    }
}

/// Combining marks (kept inside words; dropped by the lookup when alone).
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Calls `f(word)` for each basic-tokeniser word of `text` (lower-cased,
/// accents stripped). `buf` is scratch space.
pub(crate) fn for_each_word(text: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    buf.clear();
    let flush = |buf: &mut String, f: &mut dyn FnMut(&str)| {
        if !buf.is_empty() {
            f(buf);
            buf.clear();
        }
    };
    let mut one = String::new();
    for c in text.chars() {
        // ASCII (most text) by a table; the rules below give the same.
        if c.is_ascii() {
            match ASCII[c as usize] {
                BREAK => flush(buf, &mut f),
                PUNCT => {
                    flush(buf, &mut f);
                    f(c.encode_utf8(&mut [0; 4]));
                }
                _ => buf.push(c.to_ascii_lowercase()),
            }
        } else if c.is_whitespace() || c.is_control() || c == '\u{FFFD}' {
            flush(buf, &mut f);
        } else if is_punct(c) || is_cjk(c) {
            flush(buf, &mut f);
            one.clear();
            fold(c, &mut one);
            f(&one);
        } else if !is_mark(c) {
            fold(c, buf);
        }
    }
    flush(buf, &mut f);
}

/// An ASCII character that ends a word (white space, a control).
const BREAK: u8 = 1;
/// An ASCII character that ends a word and is one (punctuation).
const PUNCT: u8 = 2;

/// The class of each ASCII character: [`BREAK`], [`PUNCT`] or 0 (part of
/// a word), as `for_each_word`'s general rules classify it.
const ASCII: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8 as char;
        t[b] = if c.is_ascii_whitespace() || c.is_ascii_control() {
            BREAK
        } else if c.is_ascii_punctuation() {
            PUNCT
        } else {
            0
        };
        b += 1;
    }
    t
};

/// The id of `word` when it is one whole token: the first look-up
/// [`pieces`] makes, and the only one when it succeeds (a word longer than
/// `max_len` bytes or `MAX_WORD_CHARS` is never looked up whole).
pub(crate) fn whole_token(
    word: &str,
    max_len: usize,
    lookup: impl Fn(&str) -> Option<u32>,
) -> Option<u32> {
    (word.len() <= max_len && word.len() <= MAX_WORD_CHARS)
        .then(|| lookup(word))
        .flatten()
}

/// Splits `word` into WordPiece pieces found by `lookup` (greedy longest
/// match from the left; continuation pieces are looked up with a `##`
/// prefix) and calls `f(id)` for each. Where no piece matches at a position,
/// the rest of the word is skipped. `piece` is scratch space; `max_len` is
/// the longest token's length in bytes (no longer piece is looked up).
/// Returns whether the word was one whole token (its first piece is the
/// whole word).
pub(crate) fn pieces(
    word: &str,
    piece: &mut String,
    max_len: usize,
    lookup: impl Fn(&str) -> Option<u32>,
    mut f: impl FnMut(u32),
) -> bool {
    if word.len() > MAX_WORD_CHARS && word.chars().count() > MAX_WORD_CHARS {
        return false;
    }
    let mut start = 0;
    while start < word.len() {
        let prefix = if start > 0 { 2 } else { 0 };
        let mut end = word.len().min(start + max_len.saturating_sub(prefix));
        let mut found = None;
        while end > start {
            if word.is_char_boundary(end) {
                // A word's first piece is looked up in place.
                let id = if start == 0 {
                    lookup(&word[..end])
                } else {
                    piece.clear();
                    piece.push_str("##");
                    piece.push_str(&word[start..end]);
                    lookup(piece)
                };
                if let Some(id) = id {
                    found = Some(id);
                    break;
                }
            }
            end -= 1;
        }
        match found {
            Some(id) => {
                f(id);
                if start == 0 && end == word.len() {
                    return true;
                }
                start = end;
            }
            None => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_word(text, &mut String::new(), |w| out.push(w.to_string()));
        out
    }

    #[test]
    fn basic_tokeniser_splits_punctuation_cjk_and_folds_accents() {
        assert_eq!(words("Café, NAÏVE!"), ["cafe", ",", "naive", "!"]);
        assert_eq!(words("我的卡"), ["我", "的", "卡"]);
        assert_eq!(words("  \t\u{0}\n"), Vec::<String>::new());
        assert_eq!(words("e\u{301}t\u{e9}"), ["ete"]);
    }

    #[test]
    fn the_ascii_table_agrees_with_the_general_rules() {
        for b in 0u8..128 {
            let c = char::from(b);
            let general = if c.is_whitespace() || c.is_control() {
                BREAK
            } else if is_punct(c) || is_cjk(c) {
                PUNCT
            } else {
                assert!(!is_mark(c));
                let mut folded = String::new();
                fold(c, &mut folded);
                assert_eq!(folded, c.to_ascii_lowercase().to_string());
                0
            };
            assert_eq!(ASCII[usize::from(b)], general, "{b}");
        }
    }

    #[test]
    fn wordpiece_is_greedy_longest_match() {
        let vocab = ["un", "##aff", "##able", "unaff", "##a"];
        let lookup = |p: &str| vocab.iter().position(|v| *v == p).map(|i| i as u32);
        let mut got = Vec::new();
        let whole = pieces("unaffable", &mut String::new(), 6, lookup, |id| {
            got.push(id)
        });
        assert_eq!(got, [3, 2]); // "unaff" + "##able"
        assert!(!whole);
        got.clear();
        assert!(pieces("un", &mut String::new(), 6, lookup, |id| got.push(id)));
        assert_eq!(got, [0]);
        got.clear();
        pieces("unxyz", &mut String::new(), 6, lookup, |id| got.push(id));
        assert_eq!(got, [0]); // "un", then nothing matches
        got.clear();
        pieces(&"a".repeat(101), &mut String::new(), 6, lookup, |id| {
            got.push(id)
        });
        assert!(got.is_empty());
    }
}
