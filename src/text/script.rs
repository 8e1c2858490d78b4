//! Scripts written without spaces, where keywords match as substrings.

use unicode_segmentation::UnicodeSegmentation;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::phrase_len;

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
