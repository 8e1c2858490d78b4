//! A candidate's written form: how its members wrote it, lower-cased,
//! white space collapsed.

use super::{Choice, KEPT, MemberText, NAME_TEXT_BYTES, Occ, fin};
use std::collections::BTreeMap;

use crate::cluster::vectors::{capped, is_content_term};
use crate::text::{Analyzed, Token, written_into};

/// A candidate's written form from its occurrences: the form they use
/// most, each vote divided by one plus the stop words inside the form (a
/// name reads better without them: "top up limit" rather than "limit for
/// top ups" when nearly as many write it so), ties by fewer personal
/// pronouns (a feature is nobody's: "invoices to a spreadsheet" rather
/// than "invoices into her spreadsheet"), then by the smaller string;
/// with the particle that follows it in more than half of that form's
/// occurrences ("verify my top up", not "verify my top").
pub(super) fn written_form<T: MemberText>(occ: &[Occ], items: &[T]) -> Option<String> {
    let raw = |o: &Occ, end: u32| {
        let it = &items[o.member as usize];
        let field = capped(if o.body { it.body() } else { it.title() }, NAME_TEXT_BYTES);
        field.get(o.start as usize..end as usize).unwrap_or("")
    };
    let text = |o: &Occ, end: u32| written(raw(o, end));
    // The forms end to end in one string (one allocation, not one each).
    let mut all = String::with_capacity(occ.iter().map(|o| (o.end - o.start) as usize).sum());
    let mut ends = Vec::with_capacity(occ.len());
    for o in occ {
        written_into(&mut all, raw(o, o.end));
        ends.push(all.len());
    }
    let form = |k: usize| &all[k.checked_sub(1).map_or(0, |p| ends[p])..ends[k]];
    let mut votes: Vec<(&str, f64)> = Vec::with_capacity(occ.len());
    for (k, o) in occ.iter().enumerate() {
        let form = form(k);
        let w = 1.0 / (1.0 + f64::from(o.stops));
        match votes.iter_mut().find(|v| v.0 == form) {
            Some(v) => v.1 += w,
            None => votes.push((form, w)),
        }
    }
    let best = votes
        .into_iter()
        .min_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| personal(a.0).cmp(&personal(b.0)))
                .then_with(|| a.0.cmp(b.0))
        })?
        .0;
    // The particle after the last word, across all forms.
    let particle = |o: &Occ| {
        text(o, o.tail)
            .get(text(o, o.end).len()..)
            .map(str::to_string)
    };
    let mut tails: Vec<(String, usize)> = Vec::new();
    for o in occ.iter().filter(|o| o.tail > o.end) {
        let Some(p) = particle(o) else { continue };
        match tails.iter_mut().find(|v| v.0 == p) {
            Some(v) => v.1 += 1,
            None => tails.push((p, 1)),
        }
    }
    let tail = tails
        .into_iter()
        .min_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)))
        .filter(|t| 2 * t.1 > occ.len());
    // Ended by it where one of the best form's occurrences is, so that the
    // name is still a phrase a member wrote.
    let with_tail = tail.and_then(|(p, _)| {
        occ.iter()
            .enumerate()
            .find(|&(k, o)| form(k) == best && o.tail > o.end && particle(o).as_deref() == Some(&p))
            .map(|(_, o)| text(o, o.tail))
    });
    Some(with_tail.unwrap_or_else(|| best.to_string()))
}

/// How many personal pronouns (and their possessives) a written form
/// holds: words that tie a name to whoever wrote it.
fn personal(form: &str) -> usize {
    const PERSONAL: [&str; 21] = [
        "he", "her", "hers", "him", "his", "i", "me", "mine", "my", "our", "ours", "she", "their",
        "theirs", "them", "they", "us", "we", "you", "your", "yours",
    ];
    form.split(' ')
        .filter(|w| PERSONAL.binary_search(w).is_ok())
        .count()
}

/// Lower-cased, white space collapsed to single spaces.
pub(super) fn written(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    written_into(&mut out, s);
    out
}

/// Names for a group whose members share no content word ("hi", "hey
/// what's up", "i meant no"): each member's first words (its title, or its
/// body when the title gives none) in its first clause (up to punctuation
/// that ends one), at most `words` words and `FALLBACK_BYTES` bytes, in
/// written form, without stop words at either end unless all its words
/// are, control characters as spaces; a text of no words ("👍", "!!!") is
/// its own name, cut likewise. The forms most members share first, ties by
/// the smaller string; at most `KEPT`, each scored far below any phrase
/// with a content word (its share of the members over 1,000), so that they
/// compete only with each other in the diversity step.
pub(super) fn fallback_choices<T: MemberText>(items: &[T], words: usize) -> Vec<Choice> {
    let mut forms: BTreeMap<String, usize> = BTreeMap::new();
    for it in items {
        let form = [it.title(), it.body()]
            .into_iter()
            .map(|field| first_words(capped(field, NAME_TEXT_BYTES), words))
            .find(|form| !form.is_empty());
        if let Some(form) = form {
            *forms.entry(form).or_insert(0) += 1;
        }
    }
    let mut forms: Vec<(String, usize)> = forms.into_iter().collect();
    // Stable: equal counts stay in string order.
    forms.sort_by_key(|f| std::cmp::Reverse(f.1));
    let m = items.len().max(1) as f64;
    forms
        .into_iter()
        .take(KEPT)
        .map(|(name, count)| Choice {
            // A hash of the text, apart from the content-word sets (which
            // sum `fin` of term ids).
            set: fin(name
                .bytes()
                .fold(FALLBACK_SEED, |h, b| fin(h ^ u64::from(b)))),
            name,
            score: count as f64 / m / 1000.0,
        })
        .collect()
}

/// The longest a fallback name may be, in bytes (cut at a character
/// boundary).
const FALLBACK_BYTES: usize = 48;

/// Seeds the hash of a fallback name.
const FALLBACK_SEED: u64 = 0xFA11_BAC4;

/// The written form of the first `words` words of `text`'s first clause
/// (up to punctuation that ends one) that has any, without the stop words
/// at either end unless every word is one; the text itself when no clause
/// has a word; control characters as spaces; at most `FALLBACK_BYTES`
/// bytes (cut at a character boundary). Empty only for blank text.
fn first_words(text: &str, words: usize) -> String {
    let mut buf = Analyzed::default();
    let mut span = text.trim();
    for clause in text.split([',', '.', ';', ':', '!', '?', '\n']) {
        buf.analyze(clause);
        let toks = &buf.tokens[..buf.tokens.len().min(words)];
        let (Some(first), Some(last)) = (toks.first(), toks.last()) else {
            continue;
        };
        let content = |t: &&Token| is_content_term(buf.norm(t));
        let start = toks.iter().find(content).unwrap_or(first).start;
        let end = toks.iter().rev().find(content).unwrap_or(last).end;
        span = &clause[start..end];
        break;
    }
    let span: String = capped(span, FALLBACK_BYTES)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    written(&span)
}

/// Counts one more occurrence of `surface` lower-cased (`str::to_lowercase`)
/// in `counts`; an ASCII word is compared as it is written, so that only a
/// form not yet counted is copied.
pub(super) fn count_lowered(counts: &mut Vec<(String, usize)>, surface: &str) {
    if surface.is_ascii() {
        // For ASCII, `to_lowercase` is `to_ascii_lowercase`, byte by byte.
        let lowered = |c: &&mut (String, usize)| {
            c.0.len() == surface.len()
                && c.0
                    .bytes()
                    .zip(surface.bytes())
                    .all(|(l, b)| l == b.to_ascii_lowercase())
        };
        match counts.iter_mut().find(lowered) {
            Some(c) => c.1 += 1,
            None => counts.push((surface.to_ascii_lowercase(), 1)),
        }
        return;
    }
    let s = surface.to_lowercase();
    match counts.iter_mut().find(|c| c.0 == s) {
        Some(c) => c.1 += 1,
        None => counts.push((s, 1)),
    }
}
