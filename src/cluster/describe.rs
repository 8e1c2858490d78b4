//! What a group says: its summed vector, most central member, cohesion,
//! key terms and name; and the ranking of the groups.

use super::naming::{Named, Namer};
use super::result::Clustering;
use super::vectors::{self, Corpus};
use crate::item::FeedbackItem;

/// A group described.
pub(super) struct Description {
    /// The sum of the member vectors: (term, sum, members with the term),
    /// by term.
    pub(super) sum: Vec<(u32, f64, u32)>,
    /// The position among the members of the most central one.
    pub(super) rep: usize,
    /// The mean similarity between two members (1 for one member).
    pub(super) cohesion: f64,
    /// Its key terms and candidate names (see `naming`).
    pub(super) named: Named,
}

/// Describes the group of `members` (indices into the corpus, in id order),
/// whose items are `items`; `namer` names it.
pub(super) fn describe(
    corpus: &Corpus,
    members: &[u32],
    items: &[&FeedbackItem],
    namer: &mut Namer<'_>,
) -> Description {
    let sum = member_sum(corpus, members);
    let rep = central(corpus, members, &sum);
    let cohesion = cohesion(corpus, members, &sum);
    let named = namer.name_group(items, &sum);
    Description {
        sum,
        rep,
        cohesion,
        named,
    }
}

/// Sum of the member vectors, summed in member order: (term, sum, members
/// with the term), by term.
pub(super) fn member_sum(corpus: &Corpus, members: &[u32]) -> Vec<(u32, f64, u32)> {
    sum_by_term(
        members
            .iter()
            .flat_map(|&i| corpus.vectors[i as usize].iter().copied())
            .collect(),
    )
}

/// The `(term, weight)` entries of some members' vectors, given member by
/// member, summed per term: (term, sum, entries), by term, each sum taken
/// in member order.
pub(crate) fn sum_by_term(mut pairs: Vec<(u32, f32)>) -> Vec<(u32, f64, u32)> {
    pairs.sort_by_key(|p| p.0); // stable: member order within a term
    let mut sum: Vec<(u32, f64, u32)> = Vec::new(); // (term, sum, members)
    for (t, w) in pairs {
        match sum.last_mut() {
            Some(last) if last.0 == t => {
                last.1 += f64::from(w);
                last.2 += 1;
            }
            _ => sum.push((t, f64::from(w), 1)),
        }
    }
    sum
}

/// Most central member: the largest dot product with the sum.
fn central(corpus: &Corpus, members: &[u32], sum: &[(u32, f64, u32)]) -> usize {
    let sum_vec: Vec<(u32, f32)> = sum.iter().map(|e| (e.0, e.1 as f32)).collect();
    let mut rep = 0;
    let mut rep_score = f32::NEG_INFINITY;
    for (k, &i) in members.iter().enumerate() {
        let s = vectors::dot(&corpus.vectors[i as usize], &sum_vec);
        if s > rep_score {
            rep = k;
            rep_score = s;
        }
    }
    rep
}

/// The mean similarity between two members (1 for one member).
fn cohesion(corpus: &Corpus, members: &[u32], sum: &[(u32, f64, u32)]) -> f64 {
    let m = members.len();
    if m < 2 {
        1.0
    } else {
        let total: f64 = sum.iter().map(|e| e.1 * e.1).sum();
        let selves: f64 = members
            .iter()
            .map(|&i| {
                corpus.vectors[i as usize]
                    .iter()
                    .map(|e| f64::from(e.1 * e.1))
                    .sum::<f64>()
            })
            .sum();
        ((total - selves) / (m * (m - 1)) as f64).clamp(0.0, 1.0)
    }
}

/// Ranks features by distinct customers, then deal value, then size, and
/// special cases by size, then deal value; ties by first member id.
pub(super) fn rank(clustering: &mut Clustering) {
    clustering.features.sort_by(|a, b| {
        b.distinct_customers
            .cmp(&a.distinct_customers)
            .then(b.deal_value.total_cmp(&a.deal_value))
            .then(b.members.len().cmp(&a.members.len()))
            .then_with(|| a.members[0].cmp(&b.members[0]))
    });
    clustering.special_cases.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(b.deal_value.total_cmp(&a.deal_value))
            .then_with(|| a.members[0].cmp(&b.members[0]))
    });
}
