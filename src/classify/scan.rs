//! Scanning a field: its words, the phrases they start, and the hits.

use super::terms::{HeldBag, Listed};
use super::{CHUNK, Compiled, Hit, Owner, Scratch, Term, bag};
use crate::policy::TextField;
use crate::text;

impl Compiled {
    /// Finds the matches of every phrase in one field.
    pub(super) fn scan(&self, text: &str, field: TextField, s: &mut Scratch) {
        if text.is_empty() {
            return;
        }
        s.nterms = 0;
        s.last_cue = None;
        s.covered.clear();
        s.covered.resize(self.policy.rules.len(), 0);
        // Match in chunks, keeping the longest phrase's worth of terms to
        // look ahead into: memory stays bounded and warm however long the
        // text.
        let chunk = match s.chunk {
            0 => CHUNK,
            c => c.min(CHUNK),
        }
        .max(self.max_phrase);
        let ascii = text::for_each_word(
            text,
            #[inline(always)]
            |mut w| {
                let found = s.memo.of_word(&self.terms, &mut w);
                let term = Term {
                    id: found.unwrap_or(0),
                    index: w.index,
                    clause: w.clause,
                    start: w.start,
                    end: w.end,
                };
                match s.terms.get_mut(s.nterms) {
                    Some(slot) => *slot = term,
                    None => s.terms.push(term),
                }
                s.nterms += usize::from(found.is_some());
                if s.nterms >= chunk {
                    let upto = s.nterms + 1 - self.max_phrase;
                    self.match_terms(field, upto, s);
                }
            },
        );
        self.match_terms(field, s.nterms, s);
        // Scripts without spaces: first occurrence of each phrase.
        if self.substrings.may_occur(text, ascii) {
            let (seen, hits) = (&mut s.seen, &mut s.hits);
            #[cfg(test)]
            if s.substrings_one_by_one {
                return self.substrings.one_by_one(text, |p, span| {
                    self.substring_hit(field, p, span, seen, hits)
                });
            }
            self.substrings
                .first_occurrences(text, &mut s.marks, |p, span| {
                    self.substring_hit(field, p, span, seen, hits)
                });
        }
    }

    /// Records the first occurrence of substring phrase `p` in `field`,
    /// unless its rule does not look at the field or it is already recorded.
    fn substring_hit(
        &self,
        field: TextField,
        p: u32,
        span: std::ops::Range<usize>,
        seen: &mut [u8],
        hits: &mut Vec<Hit>,
    ) {
        let rule = match self.phrases[p as usize].owner {
            Owner::Keyword { rule, .. } | Owner::Exclude { rule, .. } => rule,
            // Bag phrases are never substring phrases (see `add_bag_keyword`).
            Owner::Cue | Owner::Bag { .. } => return,
        };
        self.plain_hit(rule, p, field, span, seen, hits);
    }

    /// Records a hit of `rule`'s phrase `p` in `field` that no cue negates
    /// (an exclusion, or a substring keyword), unless the rule does not look
    /// at the field or the phrase is already recorded there.
    #[inline(always)]
    fn plain_hit(
        &self,
        rule: u32,
        p: u32,
        field: TextField,
        span: std::ops::Range<usize>,
        seen: &mut [u8],
        hits: &mut Vec<Hit>,
    ) {
        let (ok_bit, _) = seen_bits(field);
        if !self.rule(rule).field.covers(field) || seen[p as usize] & ok_bit != 0 {
            return;
        }
        seen[p as usize] |= ok_bit;
        hits.push(Hit {
            rule,
            phrase: p,
            field,
            span,
            cue: None,
        });
    }

    /// Finds the phrases that start at the first `upto` of the kept terms
    /// (whose lookahead is complete), then drops those terms.
    fn match_terms(&self, field: TextField, upto: usize, s: &mut Scratch) {
        let terms = &s.terms[..s.nterms];
        let n = terms.len();
        let upto = upto.min(n);
        let found = self.phrase_starts(terms, upto, &mut s.starts);
        // The last negation cue seen: its first and last term.
        let mut last_cue = s.last_cue;
        let mut sink = BagSink {
            cells: &self.bag_cells,
            title_weight: self.policy.settings.title_weight,
            now: s.bag_now,
            keep: s.bag_keep,
            hits: &mut s.bag,
            found: &mut s.bag_found,
            acc: &mut s.acc,
            touched: &mut s.touched_bits,
        };
        for &(i, pair) in &s.starts[..found] {
            let i = i as usize;
            let t = terms[i];
            let info = self.index.info[t.id as usize];
            if let Some(b) = info.held()
                && !pair
            {
                // The most common case, alone: the word's only phrase.
                held_hit(b, (t, t), field, &mut s.seen, &mut sink);
                continue;
            }
            // Phrases of two or more words first (longest first), then the
            // word alone: the order in which a rule's longer match covers
            // its shorter ones. The first pass found the next word adjacent
            // and the pair past the filter.
            let (long, held) = match terms.get(i + 1) {
                Some(u) if pair => self.index.probe(t.id, u.id),
                _ => (&[][..], None),
            };
            // A pair the index holds has no other phrase: it comes first.
            if let Some(b) = held {
                held_hit(b, (t, terms[i + 1]), field, &mut s.seen, &mut sink);
            }
            for &Listed {
                phrase: p,
                len,
                owner,
            } in long.iter().chain(self.index.single(info))
            {
                let len = len as usize;
                if !self.phrase_fits(terms, i, len, p) {
                    continue;
                }
                let m = Found {
                    phrase: p,
                    first: t,
                    last: terms[i + len - 1],
                    field,
                };
                match owner {
                    Owner::Cue => note_cue(&mut last_cue, m),
                    Owner::Exclude { rule, .. } => {
                        self.plain_hit(rule, p, field, m.span(), &mut s.seen, &mut s.hits);
                    }
                    Owner::Bag { start, len } => bag_hit(m, start, len, &mut s.seen, &mut sink),
                    Owner::Keyword { rule, .. } => {
                        let (seen, covered) = (&mut s.seen, &mut s.covered);
                        self.keyword_hit(rule, m, last_cue, seen, covered, &mut s.hits);
                    }
                }
            }
            // The word's one one-word phrase, a bag phrase the index holds
            // itself (listed, it would come last too).
            if let Some(b) = info.held() {
                held_hit(b, (t, t), field, &mut s.seen, &mut sink);
            }
        }
        s.last_cue = last_cue;
        s.terms.copy_within(upto..n, 0);
        s.nterms = n - upto;
    }

    /// Writes to `starts` the positions among the first `upto` of `terms` at
    /// which a phrase may start, each with whether one of two or more words
    /// may (the next term adjacent, in the same clause, and the pair past
    /// the index's filter); returns how many it wrote.
    ///
    /// Most terms start no phrase ("it is", "to the"), and telling which
    /// without a branch per test spares mispredicted branches, the main cost
    /// on short texts.
    #[inline(always)]
    fn phrase_starts(&self, terms: &[Term], upto: usize, starts: &mut Vec<(u32, bool)>) -> usize {
        starts.resize(upto, (0, false));
        let mut found = 0;
        for i in 0..upto {
            let t = terms[i];
            let info = self.index.info[t.id as usize];
            let next = terms
                .get(i + 1)
                .map_or((u32::MAX, u32::MAX, 0), |u| (u.id, u.index, u.clause));
            let pair = info.starts_long
                & (next.1 == t.index.wrapping_add(1))
                & (next.2 == t.clause)
                & self.index.may_start(t.id, next.0);
            if let Some(slot) = starts.get_mut(found) {
                *slot = (i as u32, pair);
            }
            found += usize::from(pair | info.starts_single());
        }
        found
    }

    /// Whether phrase `p` of `len` words matches `terms` from `i`: a phrase
    /// is consecutive words of one clause. Its first two words are known to
    /// match (the index listed it for them), so only a longer phrase is
    /// checked.
    #[inline(always)]
    fn phrase_fits(&self, terms: &[Term], i: usize, len: usize, p: u32) -> bool {
        if len <= 2 {
            return true;
        }
        let Some(last) = terms.get(i + len - 1) else {
            return false;
        };
        let first = terms[i];
        last.index - first.index == len as u32 - 1
            && last.clause == first.clause
            && terms[i + 2..i + len]
                .iter()
                .zip(&self.phrases[p as usize].terms[2..])
                .all(|(t, &id)| t.id == id)
    }

    /// Records a keyword hit of `rule`, unless the rule does not look at the
    /// field or an earlier match of the rule covers its first word; a cue
    /// (`last_cue`) negates it when it closely precedes it in the same
    /// clause. Each phrase is recorded once per field, plain or negated.
    #[inline(always)]
    fn keyword_hit(
        &self,
        rule: u32,
        m: Found,
        last_cue: Option<(Term, Term)>,
        seen: &mut [u8],
        covered: &mut [u32],
        hits: &mut Vec<Hit>,
    ) {
        let (ok_bit, neg_bit) = seen_bits(m.field);
        let window = self.policy.settings.negation_window as u32;
        let (t, last) = (m.first, m.last);
        let r = self.rule(rule);
        if !r.field.covers(m.field) || t.index < covered[rule as usize] {
            return;
        }
        covered[rule as usize] = last.index + 1;
        let cue = last_cue.filter(|(st, e)| {
            r.negatable
                && window > 0
                && e.index < t.index
                && st.clause == t.clause
                && t.index - e.index <= window
        });
        let bit = if cue.is_some() { neg_bit } else { ok_bit };
        let p = m.phrase as usize;
        if seen[p] & bit == 0 {
            seen[p] |= bit;
            hits.push(Hit {
                rule,
                phrase: m.phrase,
                field: m.field,
                span: m.span(),
                cue: cue.map(|(st, e)| st.start..e.end),
            });
        }
    }
}

/// A phrase matched from term `first` to term `last` of `field`.
#[derive(Clone, Copy)]
struct Found {
    phrase: u32,
    first: Term,
    last: Term,
    field: TextField,
}

impl Found {
    /// The match's byte span in the field.
    #[inline(always)]
    fn span(&self) -> std::ops::Range<usize> {
        self.first.start..self.last.end
    }
}

/// Notes a negation cue's match as the last cue seen, unless the last one
/// starts at the same word and reaches further.
#[inline(always)]
fn note_cue(last_cue: &mut Option<(Term, Term)>, m: Found) {
    if last_cue.is_none_or(|(st, e)| st.index != m.first.index || e.index < m.last.index) {
        *last_cue = Some((m.first, m.last));
    }
}

/// Records a match from term `first` to term `last` of a bag phrase the
/// index holds.
#[inline(always)]
fn held_hit(
    b: HeldBag,
    (first, last): (Term, Term),
    field: TextField,
    seen: &mut [u8],
    sink: &mut BagSink<'_>,
) {
    let m = Found {
        phrase: b.phrase,
        first,
        last,
        field,
    };
    bag_hit(m, b.start, b.len, seen, sink);
}

/// Where the scan puts the bag phrases it finds.
struct BagSink<'a> {
    cells: &'a [bag::Cell],
    title_weight: f64,
    /// Add each phrase's cells up as it is found ([`Scratch::bag_now`]).
    now: bool,
    /// Keep a [`bag::Hit`] per phrase and field in `hits`, else only the
    /// phrase in `found` ([`Scratch::bag_keep`]).
    keep: bool,
    hits: &'a mut Vec<bag::Hit>,
    found: &'a mut Vec<u32>,
    acc: &'a mut [bag::Acc],
    /// The rules touched, as bits ([`bag::add_now`]).
    touched: &'a mut [u64],
}

/// Records a match of a bag rule's phrase (its cells `start..start + len`),
/// once per field.
#[inline(always)]
fn bag_hit(m: Found, start: u32, len: u32, seen: &mut [u8], sink: &mut BagSink<'_>) {
    let (ok_bit, _) = seen_bits(m.field);
    let seen = &mut seen[m.phrase as usize];
    if *seen & ok_bit != 0 {
        return;
    }
    let in_title = *seen & 1 != 0;
    *seen |= ok_bit;
    if sink.keep {
        sink.hits.push(bag::Hit {
            phrase: m.phrase,
            start,
            len,
            field: m.field,
            seen: 0,
            span: m.span(),
        });
    } else {
        sink.found.push(m.phrase);
    }
    if sink.now
        && let Some(cells) = sink.cells.get(start as usize..(start + len) as usize)
    {
        bag::add_now(
            cells,
            m.field,
            in_title,
            sink.title_weight,
            sink.acc,
            sink.touched,
        );
    }
}

/// The bits of [`Scratch::seen`] for a match in `field`: plain, negated.
fn seen_bits(field: TextField) -> (u8, u8) {
    match field {
        TextField::Title => (1, 4),
        TextField::Body => (2, 8),
    }
}
