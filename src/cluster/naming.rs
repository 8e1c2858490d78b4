//! Naming groups: their key terms (c-TF-IDF) and the readable words for
//! them.

use super::vectors::{self, Corpus};
use crate::item::FeedbackItem;
use crate::text::Analyzed;

/// How many key terms a group lists (its name uses the first `label_terms`).
pub(super) const KEY_TERMS: usize = 8;

/// The group's key terms, strongest first (at most `KEY_TERMS`), from `sum`,
/// the sum of its `m` members' vectors as `(term, sum, members)`.
///
/// c-TF-IDF style: the share of members using a term times how rare it is
/// overall. In groups, only terms two members share.
pub(super) fn key_term_ids(corpus: &Corpus, sum: &[(u32, f64, u32)], m: usize) -> Vec<u32> {
    let min_members = if m >= 2 { 2 } else { 1 };
    let mut scored: Vec<(f64, u32)> = sum
        .iter()
        .filter(|e| e.2 >= min_members)
        .map(|e| {
            let share = f64::from(e.2) / m as f64;
            let rarity = (1.0 + corpus.n as f64 / f64::from(corpus.df[e.0 as usize])).ln();
            let weight = if m == 1 { e.1 } else { share * rarity };
            (weight, e.0)
        })
        .collect();
    scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.iter().take(KEY_TERMS).map(|e| e.1).collect()
}

/// A name from the first `label_terms` key terms.
pub(super) fn terms_name(key_terms: &[String], label_terms: usize) -> String {
    key_terms
        .iter()
        .take(label_terms)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

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
