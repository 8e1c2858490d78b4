//! Scanning a field: its words, the phrases they start, and the hits.

use super::terms::Listed;
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
        let (ok_bit, _) = seen_bits(field);
        let rule = match self.phrases[p as usize].owner {
            Owner::Keyword { rule, .. } | Owner::Exclude { rule, .. } => rule,
            // Bag phrases are never substring phrases (see `add_bag_keyword`).
            Owner::Cue | Owner::Bag { .. } => return,
        };
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
        let (ok_bit, neg_bit) = seen_bits(field);
        let window = self.policy.settings.negation_window as u32;
        let terms = &s.terms[..s.nterms];
        let n = terms.len();
        // The last negation cue seen: its first and last term.
        let mut last_cue = s.last_cue;
        // First the terms at which a phrase may start: most start none
        // ("it is", "to the"), and telling which without a branch per test
        // spares mispredicted branches, the main cost on short texts.
        let upto = upto.min(n);
        s.starts.resize(upto, (0, false));
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
            if let Some(slot) = s.starts.get_mut(found) {
                *slot = (i as u32, pair);
            }
            found += usize::from(pair | (info.single_len != 0));
        }
        for &(i, pair) in &s.starts[..found] {
            let i = i as usize;
            let t = terms[i];
            let info = self.index.info[t.id as usize];
            // Phrases of two or more words first (longest first), then the
            // word alone: the order in which a rule's longer match covers
            // its shorter ones. The first pass found the next word adjacent
            // and the pair past the filter.
            let long = match terms.get(i + 1) {
                Some(u) if pair => self.index.probe(t.id, u.id),
                _ => &[],
            };
            for &Listed {
                phrase: p,
                len,
                owner,
            } in long.iter().chain(self.index.single(info))
            {
                let len = len as usize;
                // A phrase is consecutive words of one clause; its first two
                // words are known to match.
                if len > 2
                    && (i + len > n || {
                        let last = terms[i + len - 1];
                        last.index - t.index != len as u32 - 1
                            || last.clause != t.clause
                            || terms[i + 2..i + len]
                                .iter()
                                .zip(&self.phrases[p as usize].terms[2..])
                                .any(|(t, &id)| t.id != id)
                    })
                {
                    continue;
                }
                let last = terms[i + len - 1];
                let span = t.start..last.end;
                match owner {
                    Owner::Cue => {
                        if last_cue
                            .is_none_or(|(st, e)| st.index != t.index || e.index < last.index)
                        {
                            last_cue = Some((t, last));
                        }
                    }
                    Owner::Exclude { rule, .. } => {
                        if self.rule(rule).field.covers(field) && s.seen[p as usize] & ok_bit == 0 {
                            s.seen[p as usize] |= ok_bit;
                            s.hits.push(Hit {
                                rule,
                                phrase: p,
                                field,
                                span,
                                cue: None,
                            });
                        }
                    }
                    Owner::Bag { start, len } => {
                        let seen = &mut s.seen[p as usize];
                        if *seen & ok_bit == 0 {
                            *seen |= ok_bit;
                            s.bag.push(bag::Hit {
                                phrase: p,
                                start,
                                len,
                                field,
                                seen: 0,
                                span,
                            });
                        }
                    }
                    Owner::Keyword { rule, .. } => {
                        let r = self.rule(rule);
                        if !r.field.covers(field) || t.index < s.covered[rule as usize] {
                            continue;
                        }
                        s.covered[rule as usize] = last.index + 1;
                        // A cue negates a keyword that follows it closely in
                        // the same clause.
                        let cue = last_cue.filter(|(st, e)| {
                            r.negatable
                                && window > 0
                                && e.index < t.index
                                && st.clause == t.clause
                                && t.index - e.index <= window
                        });
                        let bit = if cue.is_some() { neg_bit } else { ok_bit };
                        if s.seen[p as usize] & bit == 0 {
                            s.seen[p as usize] |= bit;
                            s.hits.push(Hit {
                                rule,
                                phrase: p,
                                field,
                                span,
                                cue: cue.map(|(st, e)| st.start..e.end),
                            });
                        }
                    }
                }
            }
        }
        s.last_cue = last_cue;
        s.terms.copy_within(upto..n, 0);
        s.nterms = n - upto;
    }
}

/// The bits of [`Scratch::seen`] for a match in `field`: plain, negated.
fn seen_bits(field: TextField) -> (u8, u8) {
    match field {
        TextField::Title => (1, 4),
        TextField::Body => (2, 8),
    }
}
