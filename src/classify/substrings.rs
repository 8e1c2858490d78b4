//! Phrases in scripts without spaces (CJK, emoji, ...), matched as
//! substrings of the raw text: one Aho-Corasick automaton over all of a
//! policy's such phrases, built when the policy is compiled, so a field is
//! scanned once however many phrases there are.

use aho_corasick::{AhoCorasick, MatchKind};

/// The substring phrases of a compiled policy.
#[derive(Debug, Default)]
pub(super) struct Substrings {
    /// (pattern, phrase id) in policy order: the pattern is the phrase
    /// trimmed and lower-cased.
    list: Vec<(Box<str>, u32)>,
    /// One automaton over the distinct patterns (pattern `i` of the
    /// automaton is `distinct[i]`); `None` when there is no pattern, or if
    /// the automaton could not be built (beyond its size limits, which a
    /// valid policy does not reach), in which case each pattern is searched
    /// on its own.
    automaton: Option<AhoCorasick>,
    /// Per distinct pattern `i`: its phrases are
    /// `phrases[offsets[i]..offsets[i + 1]]`, in ascending order.
    offsets: Vec<usize>,
    phrases: Vec<u32>,
    /// Per distinct pattern: its length in bytes.
    lens: Vec<usize>,
    /// The distinct first characters of the patterns, sorted: a text none of
    /// whose characters is here needs no search.
    first: Vec<char>,
}

/// Per-thread buffers of [`Substrings::first_occurrences`].
#[derive(Debug, Default)]
pub(super) struct Marks {
    /// Per distinct pattern: where its first occurrence starts, or
    /// `usize::MAX`. All `usize::MAX` between calls: only the entries of
    /// `found` are set during a call, and they are reset before it returns.
    first_at: Vec<usize>,
    /// The distinct patterns found so far in this call.
    found: Vec<u32>,
    /// (phrase, start, end) of the phrases found, to be sorted.
    pending: Vec<(u32, usize, usize)>,
}

impl Substrings {
    /// Adds a phrase (in policy order: ids ascending). Returns false, adding
    /// nothing, when the trimmed phrase is empty.
    pub(super) fn push(&mut self, phrase: &str, id: u32) -> bool {
        let pat: String = phrase.trim().chars().flat_map(char::to_lowercase).collect();
        if pat.is_empty() {
            return false;
        }
        self.list.push((pat.into_boxed_str(), id));
        true
    }

    /// Builds the automaton once every phrase is pushed.
    pub(super) fn finish(&mut self) {
        let mut order: Vec<usize> = (0..self.list.len()).collect();
        // Distinct patterns in sorted order; each one's phrases ascending
        // (the list is in id order and the sort is stable).
        order.sort_by(|&a, &b| self.list[a].0.cmp(&self.list[b].0));
        let mut distinct: Vec<&str> = Vec::new();
        self.offsets = vec![0];
        self.phrases = Vec::with_capacity(order.len());
        self.lens.clear();
        for i in order {
            let (pat, id) = &self.list[i];
            if distinct.last() != Some(&&**pat) {
                if !distinct.is_empty() {
                    self.offsets.push(self.phrases.len());
                }
                distinct.push(pat);
                self.lens.push(pat.len());
            }
            self.phrases.push(*id);
        }
        self.offsets.push(self.phrases.len());
        self.first = distinct.iter().filter_map(|p| p.chars().next()).collect();
        self.first.sort_unstable();
        self.first.dedup();
        self.automaton = if distinct.is_empty() {
            None
        } else {
            // Standard semantics with overlapping search report every
            // occurrence of every pattern, so each pattern's first one is
            // seen, as a search for that pattern alone would find it.
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&distinct)
                .ok()
        };
    }

    /// Whether a text may contain a pattern: it has a non-ASCII character
    /// that starts one (`ascii` says whether the text is all ASCII).
    pub(super) fn may_occur(&self, text: &str, ascii: bool) -> bool {
        !self.first.is_empty()
            && !ascii
            && text
                .chars()
                .any(|c| !c.is_ascii() && self.first.binary_search(&c).is_ok())
    }

    /// Calls `hit(phrase, span)` for the first occurrence in `text` of each
    /// phrase that occurs, in ascending phrase order: the spans a search
    /// for each phrase alone (`str::find`) gives. Linear in the text, plus
    /// the occurrences (at most 200 patterns, of different lengths, can end
    /// at one byte).
    pub(super) fn first_occurrences(
        &self,
        text: &str,
        marks: &mut Marks,
        mut hit: impl FnMut(u32, std::ops::Range<usize>),
    ) {
        let Some(automaton) = &self.automaton else {
            return self.one_by_one(text, hit);
        };
        let n = self.lens.len();
        if marks.first_at.len() < n {
            marks.first_at.resize(n, usize::MAX);
        }
        marks.found.clear();
        // Occurrences come in order of their end, so a pattern's first
        // occurrence reported is its leftmost.
        for m in automaton.find_overlapping_iter(text) {
            let i = m.pattern().as_usize();
            if marks.first_at[i] == usize::MAX {
                marks.first_at[i] = m.start();
                marks.found.push(i as u32);
                if marks.found.len() == n {
                    break;
                }
            }
        }
        marks.pending.clear();
        for &i in &marks.found {
            let i = i as usize;
            let start = marks.first_at[i];
            marks.first_at[i] = usize::MAX;
            for &p in &self.phrases[self.offsets[i]..self.offsets[i + 1]] {
                marks.pending.push((p, start, start + self.lens[i]));
            }
        }
        // Phrase ids are unique: the order is total.
        marks.pending.sort_unstable_by_key(|h| h.0);
        for &(p, start, end) in &marks.pending {
            hit(p, start..end);
        }
    }

    /// A search per phrase, in policy order: the matcher before the
    /// automaton, kept as the fallback and as the tests' reference.
    pub(super) fn one_by_one(&self, text: &str, mut hit: impl FnMut(u32, std::ops::Range<usize>)) {
        for (pat, p) in &self.list {
            if let Some(pos) = text.find(&**pat) {
                hit(*p, pos..pos + pat.len());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Found = Vec<(u32, std::ops::Range<usize>)>;

    fn both(s: &Substrings, text: &str, marks: &mut Marks) -> (Found, Found) {
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        s.first_occurrences(text, marks, |p, span| fast.push((p, span)));
        s.one_by_one(text, |p, span| slow.push((p, span)));
        (fast, slow)
    }

    /// Strings over a few characters, so that patterns overlap, repeat,
    /// and are prefixes and suffixes of one another.
    fn small(max: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                '数', '据', '丢', '失', '👍', '\u{200d}', 'a', ' ', 'İ',
            ]),
            0..max,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        /// The automaton finds each phrase's first occurrence, in phrase
        /// order, exactly as a search per phrase does, and leaves its marks
        /// clear for the next text.
        #[test]
        fn the_automaton_finds_what_one_search_per_phrase_finds(
            phrases in prop::collection::vec(small(5), 0..40),
            texts in prop::collection::vec(small(60), 1..4),
        ) {
            let mut s = Substrings::default();
            let mut id = 0;
            for p in &phrases {
                // Ids ascending with gaps, as phrases of other kinds leave.
                id += 2;
                s.push(p, id);
            }
            s.finish();
            let mut marks = Marks::default();
            for text in &texts {
                let (fast, slow) = both(&s, text, &mut marks);
                prop_assert_eq!(fast, slow);
                prop_assert!(marks.first_at.iter().all(|&m| m == usize::MAX));
            }
        }
    }

    #[test]
    fn duplicates_and_nested_patterns() {
        let mut s = Substrings::default();
        for (id, p) in ["数据丢失", "数据", " 数据 ", "据丢", "数据", "", "失"]
            .iter()
            .enumerate()
        {
            s.push(p, id as u32);
        }
        s.finish();
        let text = "丢失了数据丢失";
        let (fast, slow) = both(&s, text, &mut Marks::default());
        assert_eq!(fast, slow);
        let ids: Vec<u32> = fast.iter().map(|f| f.0).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4, 6]);
        // "失" first occurs at byte 3, before the one inside "数据丢失".
        assert_eq!(fast[5].1, 3..6);
    }
}
