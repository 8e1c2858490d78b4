//! How a [`Backlog`] grows: finding a request's groups, joining, merging
//! and promoting special cases to features.

use super::{
    BRIDGE_CHECKS, Backlog, Event, EventKind, Group, Query, STREAM_MAX_SEMANTIC_WEIGHT, Slot,
    TermMap, distinct,
};
use crate::cluster::semantic;
use crate::item::customer_key;

impl Backlog {
    /// The groups sharing the request's strongest terms, with the mean
    /// similarity of the request to their members: the best `1 +
    /// BRIDGE_CHECKS`, best first (ties by group number), what a full sort
    /// would put first. Scans at most `max_postings_per_term` of the newest
    /// entries of each of `max_search_terms_per_item` term lists, features
    /// and special cases apart, and verifies the `max_candidates_per_item`
    /// groups sharing the most weight, and the groups of the
    /// `semantic_candidates_per_item` earlier requests nearest by meaning.
    /// Fills `scored` (cleared first).
    pub(super) fn score_candidates(
        &mut self,
        v: &[(u32, f32)],
        q: Option<&Query>,
        scored: &mut Vec<(u32, f32)>,
    ) {
        let p = &self.params;
        let limits = Limits {
            depth: p.max_postings_per_term,
            terms: p.max_search_terms_per_item,
            keep: p.max_candidates_per_item,
        };
        self.scan_terms(v, limits, scored);
        if let (Some(m), Some(q)) = (&self.meaning, q) {
            let mut near = std::mem::take(&mut self.buffers.near);
            let k = semantic::semantic_k(self.params.semantic_candidates_per_item, q.trust);
            m.near(q.sig, k, &mut near);
            for &i in &near {
                let g = self.resolve(self.items[i as usize].group);
                if !scored.iter().any(|e| e.0 == g) {
                    scored.push((g, 0.0));
                }
            }
            self.buffers.near = near;
        }
        // A term no earlier request used (its count is this request's own)
        // is in no group: its look-ups are skipped.
        let mut known = std::mem::take(&mut self.buffers.known);
        known.clear();
        known.extend(v.iter().filter(|e| self.df[e.0 as usize] > 1));
        let zero = dot_start(v);
        let dense = q.map(|q| (q.v.as_slice(), q.trust));
        for e in scored.iter_mut() {
            e.1 = self.similarity(&known, zero, dense, e.0);
        }
        self.buffers.known = known;
        // Distinct groups: a total order, whatever the order they came in;
        // the insert reads the best and the bridges after it.
        best_first(scored, 1 + BRIDGE_CHECKS);
    }

    /// The groups sharing the strongest terms of term vector `v`, with the
    /// weight they share: the newest `depth` entries of the lists of the
    /// `terms` strongest terms are read (features and special cases apart)
    /// and the `keep` groups sharing the most weight kept, in no particular
    /// order. Fills `scored` (cleared first).
    pub(super) fn scan_terms(
        &mut self,
        v: &[(u32, f32)],
        limits: Limits,
        scored: &mut Vec<(u32, f32)>,
    ) {
        let Limits { depth, terms, keep } = limits;
        let b = &mut self.buffers;
        b.strongest.clear();
        b.strongest.extend_from_slice(v);
        best_first(&mut b.strongest, terms);
        // A dense score per group, reset through the list of touched ones:
        // the scan costs the entries read, not the number of groups.
        let slots = &mut self.slots;
        b.touched.clear();
        for &(t, w) in &b.strongest {
            for lists in [&self.feature_postings, &self.pending_postings] {
                let list = &lists[t as usize];
                for &g in &list[list.len().saturating_sub(depth)..] {
                    let g = find(slots, g);
                    let score = &mut slots[g as usize].score;
                    if *score == 0.0 {
                        b.touched.push(g);
                    }
                    *score += w;
                }
            }
        }
        scored.clear();
        scored.extend(
            b.touched
                .iter()
                .map(|&g| (g, std::mem::replace(&mut slots[g as usize].score, 0.0))),
        );
        // Only the best `keep` are verified: their set, in any order.
        best_set(scored, keep);
    }

    /// The mean similarity of the request (the terms of its unit term
    /// vector that earlier requests used, `known`, and the start of its dot
    /// products, see [`dot_start`]; dense vector and trust `dense`) to
    /// group `g`'s members: the hybrid of the mean term cosine and the mean
    /// dense cosine, meaning weighed by the smaller of the request's trust
    /// and the members' mean trust.
    pub(super) fn similarity(
        &self,
        known: &[(u32, f32)],
        zero: f32,
        dense: Option<(&[f32], f32)>,
        g: u32,
    ) -> f32 {
        self.similarity_to(&self.groups[g as usize], known, zero, dense)
    }

    /// [`similarity`](Self::similarity) to a group that need not be the
    /// backlog's.
    pub(super) fn similarity_to(
        &self,
        g: &Group,
        known: &[(u32, f32)],
        zero: f32,
        dense: Option<(&[f32], f32)>,
    ) -> f32 {
        let dot = term_dot(known, zero, g);
        let n = g.members.len().max(1) as f32;
        let lexical = dot / n;
        match dense {
            Some((v, trust)) if g.dense_n > 0 => {
                let sem = semantic::dot(v, &g.dense) / n;
                let trust = trust.min(g.trust_sum / g.dense_n as f32);
                semantic::mix(lexical, Some(sem), self.weight() * trust)
            }
            _ => lexical,
        }
    }

    /// The weight of meaning in the hybrid (0 without it): the parameters'
    /// `semantic_weight`, at most [`STREAM_MAX_SEMANTIC_WEIGHT`].
    pub(super) fn weight(&self) -> f32 {
        if self.meaning.is_some() {
            (self.params.semantic_weight as f32).min(STREAM_MAX_SEMANTIC_WEIGHT)
        } else {
            0.0
        }
    }

    /// The mean similarity between the members of `a` and of `b` (terms
    /// summed in term order, so it does not depend on the maps' layout).
    pub(super) fn link(&self, a: u32, b: u32) -> f64 {
        self.link_of(&self.groups[a as usize], &self.groups[b as usize])
    }

    /// [`link`](Self::link) of two groups that need not be the backlog's.
    pub(super) fn link_of(&self, ga: &Group, gb: &Group) -> f64 {
        let n = (ga.members.len() * gb.members.len()).max(1) as f64;
        let lexical = (cross(ga, gb) / n) as f32;
        if ga.dense_n == 0 || gb.dense_n == 0 {
            return f64::from(lexical);
        }
        let sem = (dense_dot(&ga.dense, &gb.dense) / n) as f32;
        let trust = mean_trust(ga).min(mean_trust(gb));
        f64::from(semantic::mix(lexical, Some(sem), self.weight() * trust))
    }

    /// The mean similarity over the pairs of group `g`'s members (at least
    /// two).
    pub(super) fn cohesion(&self, g: &Group) -> f64 {
        let n = g.members.len();
        let pairs = (n * (n - 1)).max(1) as f64;
        let lexical = ((g.norm2 - n as f64) / pairs) as f32;
        if g.dense_n == 0 {
            return f64::from(lexical);
        }
        let sem = ((dense_dot(&g.dense, &g.dense) - f64::from(g.dense_n)) / pairs) as f32;
        f64::from(semantic::mix(
            lexical,
            Some(sem),
            self.weight() * mean_trust(g),
        ))
    }

    /// Adds item `index` with vectors `v` and `q` to group `g`, recording
    /// the growth of a feature.
    pub(super) fn add_to_group(&mut self, g: u32, index: u32, v: &[(u32, f32)], q: Option<&Query>) {
        if let Some(n) = self.add_member(g, index, v, q.map(|q| (q.v.as_slice(), q.trust))) {
            let at = self.items.len() as u64;
            let id = self.items[index as usize].id.clone();
            self.events.push(Event {
                at,
                feature: format!("F{n}"),
                kind: EventKind::Grew,
                requests: vec![id],
            });
        }
    }

    /// Adds item `index` with term vector `v` and dense vector and trust
    /// `dense` to group `g`. Returns the group's feature number, if it is
    /// one.
    pub(super) fn add_member(
        &mut self,
        g: u32,
        index: u32,
        v: &[(u32, f32)],
        dense: Option<(&[f32], f32)>,
    ) -> Option<u64> {
        let group = &mut self.groups[g as usize];
        if let Some((q, trust)) = dense {
            if group.dense.is_empty() {
                group.dense = vec![0.0; q.len()];
            }
            group.dense.iter_mut().zip(q).for_each(|(s, x)| *s += x);
            group.dense_n += 1;
            group.trust_sum += trust;
        }
        group.members.push(index);
        match self.items[index as usize]
            .customer
            .as_deref()
            .and_then(customer_key)
        {
            // Most joins repeat a customer: look before copying it.
            Some(c) if group.customers.contains(c.as_ref()) => {}
            Some(c) => {
                group.customers.insert(c.into_owned());
            }
            None => group.anonymous += 1,
        }
        let is_feature = group.feature;
        let lists = match is_feature {
            Some(_) => &mut self.feature_postings,
            None => &mut self.pending_postings,
        };
        // One look-up per term both reads the sum before the request (for
        // the squared length: the same additions in the same order as a
        // separate pass) and adds to it; a new term is listed.
        let mut dot: f64 = std::iter::empty::<f64>().sum();
        for &(t, w) in v {
            let e = group.sum.entry(t).or_insert_with(|| {
                lists[t as usize].push(g);
                0.0
            });
            dot += f64::from(w) * f64::from(*e);
            *e += w;
        }
        let self_dot: f64 = v.iter().map(|&(_, w)| f64::from(w) * f64::from(w)).sum();
        group.norm2 += 2.0 * dot + self_dot;
        self.items[index as usize].group = g;
        is_feature
    }

    /// Starts a group of special cases with item `index` alone.
    pub(super) fn new_group(&mut self, index: u32, v: &[(u32, f32)], q: Option<&Query>) -> u32 {
        let g = self.groups.len() as u32;
        let mut group = Group::empty(None);
        // Sized once for the request's terms, not grown step by step.
        group.sum = TermMap::with_capacity_and_hasher(v.len(), Default::default());
        self.groups.push(group);
        self.slots.push(Slot::new(g));
        self.add_member(g, index, v, q.map(|q| (q.v.as_slice(), q.trust)));
        g
    }

    /// Merges groups `a` and `b` (bridged by item `by`): the larger keeps
    /// its storage, the older feature its id. Returns the merged group.
    pub(super) fn merge(&mut self, a: u32, b: u32, by: u32) -> u32 {
        let (ga, gb) = (&self.groups[a as usize], &self.groups[b as usize]);
        let (keep, gone) = if (gb.members.len(), b) > (ga.members.len(), a) {
            (b, a)
        } else {
            (a, b)
        };
        let cross = cross(ga, gb);
        let (na, nb) = (ga.members.len(), gb.members.len());
        let (fa, fb) = (ga.feature, gb.feature);
        let id = match (fa, fb) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        let absorbed = match (fa, fb) {
            (Some(x), Some(y)) => Some(x.max(y)),
            _ => None,
        };
        let moved = std::mem::take(&mut self.groups[gone as usize].members);
        let g_gone = std::mem::replace(&mut self.groups[gone as usize], Group::empty(Some(keep)));
        self.slots[gone as usize].parent = keep;
        for &i in &moved {
            self.items[i as usize].group = keep;
        }
        let was_feature = self.groups[keep as usize].feature.is_some();
        let kept = &mut self.groups[keep as usize];
        kept.norm2 += g_gone.norm2 + 2.0 * cross;
        kept.members.extend_from_slice(&moved);
        kept.customers.extend(g_gone.customers);
        kept.anonymous += g_gone.anonymous;
        kept.feature = id;
        if kept.dense.is_empty() {
            kept.dense = g_gone.dense;
        } else if !g_gone.dense.is_empty() {
            kept.dense
                .iter_mut()
                .zip(&g_gone.dense)
                .for_each(|(s, x)| *s += x);
        }
        kept.dense_n += g_gone.dense_n;
        kept.trust_sum += g_gone.trust_sum;
        let mut fresh: Vec<u32> = Vec::new();
        for (t, w) in g_gone.sum {
            let e = kept.sum.entry(t).or_insert_with(|| {
                fresh.push(t);
                0.0
            });
            *e += w;
        }
        fresh.sort_unstable();
        if id.is_some() && !was_feature {
            // The kept storage was special cases: list all its terms among
            // the features.
            fresh = kept.sum.keys().copied().collect();
            fresh.sort_unstable();
        }
        let lists = match id {
            Some(_) => &mut self.feature_postings,
            None => &mut self.pending_postings,
        };
        for t in fresh {
            lists[t as usize].push(keep);
        }
        if let Some(n) = id {
            self.events.push(Event {
                at: self.items.len() as u64,
                feature: format!("F{n}"),
                kind: EventKind::Merged {
                    absorbed: absorbed.map(|x| format!("F{x}")),
                    requests_absorbed: if fa == id { nb } else { na },
                },
                requests: vec![self.items[by as usize].id.clone()],
            });
        }
        keep
    }

    /// Makes group `g` of special cases a feature when it meets the rules,
    /// recording its members as the requests that caused it.
    pub(super) fn promote(&mut self, g: u32) {
        let group = &self.groups[g as usize];
        let n = group.members.len();
        if group.feature.is_some() || n < 2 || distinct(group) < self.params.min_distinct_customers
        {
            return;
        }
        if self.cohesion(group) < self.params.similarity_threshold {
            return;
        }
        let number = self.next_feature;
        self.next_feature += 1;
        let mut terms: Vec<u32> = group.sum.keys().copied().collect();
        terms.sort_unstable();
        for t in terms {
            self.feature_postings[t as usize].push(g);
        }
        let group = &mut self.groups[g as usize];
        group.feature = Some(number);
        let mut members = group.members.clone();
        members.sort_unstable();
        let requests = members
            .iter()
            .map(|&i| self.items[i as usize].id.clone())
            .collect();
        self.events.push(Event {
            at: self.items.len() as u64,
            feature: format!("F{number}"),
            kind: EventKind::Created,
            requests,
        });
    }
}

/// How far a candidate scan ([`Backlog::scan_terms`]) looks.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    /// Entries read from the newest end of each term's list.
    pub depth: usize,
    /// The number of strongest terms whose lists are read.
    pub terms: usize,
    /// The number of groups kept (those sharing the most weight).
    pub keep: usize,
}

impl Group {
    /// A group with no member, merged into `merged_into` if given.
    pub(super) fn empty(merged_into: Option<u32>) -> Group {
        Group {
            feature: None,
            members: Vec::new(),
            sum: TermMap::default(),
            norm2: 0.0,
            customers: Default::default(),
            anonymous: 0,
            merged_into,
            dense: Vec::new(),
            dense_n: 0,
            trust_sum: 0.0,
        }
    }
}

/// Keeps the `k` entries of `v` with the highest score (ties by the
/// smaller key), best first: selected, then sorted. The order is total (the
/// keys are distinct), so this is the full sort's prefix.
fn best_first(v: &mut Vec<(u32, f32)>, k: usize) {
    best_set(v, k);
    v.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
}

/// Keeps the `k` entries of `v` that [`best_first`] keeps, in no
/// particular order.
fn best_set(v: &mut Vec<(u32, f32)>, k: usize) {
    let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if k == 0 {
        v.clear();
    } else if v.len() > k {
        v.select_nth_unstable_by(k - 1, order);
        v.truncate(k);
    }
}

/// The group `g` now is (see [`Slot::parent`]), pointing every group on
/// the way straight at it.
fn find(slots: &mut [Slot], g: u32) -> u32 {
    let mut root = g;
    while slots[root as usize].parent != root {
        root = slots[root as usize].parent;
    }
    let mut at = g;
    while slots[at as usize].parent != root {
        let next = slots[at as usize].parent;
        slots[at as usize].parent = root;
        at = next;
    }
    root
}

/// The dot product of a request's term vector with a group's sum when the
/// terms the group lacks are left out of `terms`: the sum `term_dot_reference` (a test)
/// makes of the whole vector, bit for bit, from the start [`dot_start`]
/// gives (tested). A term the group lacks adds an exact +0.0, which changes
/// no sum but the empty one's -0.0, and the weights are positive.
fn term_dot(terms: &[(u32, f32)], zero: f32, g: &Group) -> f32 {
    terms.iter().fold(zero, |acc, &(t, w)| {
        acc + w * g.sum.get(&t).copied().unwrap_or(0.0)
    })
}

/// Where [`term_dot`] starts for the request's whole vector `v`: the
/// empty sum for an empty vector, else +0.0.
pub(super) fn dot_start(v: &[(u32, f32)]) -> f32 {
    if v.is_empty() {
        std::iter::empty::<f32>().sum()
    } else {
        0.0
    }
}

/// The dot product of a request's whole term vector with a group's sum, as
/// it was first written.
#[cfg(test)]
fn term_dot_reference(v: &[(u32, f32)], g: &Group) -> f32 {
    v.iter()
        .map(|&(t, w)| w * g.sum.get(&t).copied().unwrap_or(0.0))
        .sum()
}

/// The members' mean trust of a group with dense vectors.
pub(super) fn mean_trust(g: &Group) -> f32 {
    g.trust_sum / g.dense_n.max(1) as f32
}

/// The dot product of two dense sums, in f64 and in order.
fn dense_dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

/// The sum of the dot products between the members of `a` and of `b`: the
/// products of the terms they share, summed in term order (as
/// [`cross_reference`] sums every term of the smaller, a term the other
/// lacks adding an exact zero), so only the shared terms are sorted.
fn cross(a: &Group, b: &Group) -> f64 {
    let (small, large) = if a.sum.len() <= b.sum.len() {
        (a, b)
    } else {
        (b, a)
    };
    if small.sum.is_empty() {
        return cross_reference(a, b);
    }
    let mut shared: Vec<(u32, f64)> = small
        .sum
        .iter()
        .filter_map(|(&t, &w)| {
            let x = large.sum.get(&t)?;
            Some((t, f64::from(w) * f64::from(*x)))
        })
        .collect();
    shared.sort_unstable_by_key(|e| e.0);
    // Weights are positive: the reference's running sum is +0.0 until its
    // first shared term, and adding +0.0 leaves any other sum unchanged.
    shared.iter().fold(0.0, |acc, e| acc + e.1)
}

/// [`cross`] as it was first written: every term of the smaller group, in
/// term order.
fn cross_reference(a: &Group, b: &Group) -> f64 {
    let (small, large) = if a.sum.len() <= b.sum.len() {
        (a, b)
    } else {
        (b, a)
    };
    let mut terms: Vec<(u32, f32)> = small.sum.iter().map(|(&t, &w)| (t, w)).collect();
    terms.sort_unstable_by_key(|e| e.0);
    terms
        .iter()
        .map(|&(t, w)| f64::from(w) * f64::from(large.sum.get(&t).copied().unwrap_or(0.0)))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group whose term sums are `terms` (weights positive, as a
    /// backlog's are).
    fn group(terms: &[(u32, f32)]) -> Group {
        let mut g = Group::empty(None);
        g.sum = terms.iter().copied().collect();
        g
    }

    /// The selections keep what a full sort puts first (ties by key), in
    /// order for `best_first`, as a set for `best_set`.
    #[test]
    fn selections_are_the_full_sorts_prefix() {
        let mut next = crate::test_rng::xorshift(0x5851_f42d_4c95_7f2d);
        let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        for case in 0..500 {
            let v: Vec<(u32, f32)> = (0..(next() % 60) as u32)
                .map(|g| (g * 7 % 61, (next() % 5) as f32 / 4.0))
                .collect();
            for k in [0, 1, 4, 30, 100] {
                let mut want = v.clone();
                want.sort_unstable_by(order);
                want.truncate(k);
                let mut first = v.clone();
                best_first(&mut first, k);
                assert_eq!(first, want, "case {case}, k {k}");
                let mut set = v.clone();
                best_set(&mut set, k);
                set.sort_unstable_by(order);
                assert_eq!(set, want, "case {case}, k {k}");
            }
        }
    }

    /// Leaving out the terms a group lacks changes no bit of the dot
    /// product: some, all or none of the request's terms in the group, an
    /// empty request.
    #[test]
    fn term_dot_without_absent_terms_is_its_reference() {
        let mut next = crate::test_rng::xorshift(0x0123_4567_89ab_cdef);
        for case in 0..2000 {
            let weight = |r: u64| (r % 1000 + 1) as f32 / 1009.0;
            let mut terms = Vec::new();
            for t in 0..(next() % 30) as u32 {
                if next().is_multiple_of(2) {
                    terms.push((t, weight(next())));
                }
            }
            let g = group(&terms);
            let mut v: Vec<(u32, f32)> = (0..(next() % 12))
                .map(|_| ((next() % 40) as u32, weight(next())))
                .collect();
            v.sort_unstable_by_key(|e| e.0);
            v.dedup_by_key(|e| e.0);
            let want = term_dot_reference(&v, &g);
            let known: Vec<(u32, f32)> = v
                .iter()
                .copied()
                .filter(|e| g.sum.contains_key(&e.0) || next().is_multiple_of(3))
                .collect();
            let got = term_dot(&known, dot_start(&v), &g);
            assert_eq!(got.to_bits(), want.to_bits(), "case {case}");
        }
    }

    /// The shortcut sums the same products in the same order as the
    /// reference, bit for bit: shared terms or none, either side smaller,
    /// an empty side.
    #[test]
    fn cross_is_its_reference_bit_for_bit() {
        let mut next = crate::test_rng::xorshift(0x2545_f491_4f6c_dd1d);
        for case in 0..500 {
            let mut side = |n: u64| -> Vec<(u32, f32)> {
                let len = next() % n;
                let mut terms: Vec<(u32, f32)> = (0..len)
                    .map(|_| ((next() % 64) as u32, (next() % 1000 + 1) as f32 / 997.0))
                    .collect();
                terms.sort_unstable_by_key(|e| e.0);
                terms.dedup_by_key(|e| e.0);
                terms
            };
            let (a, b) = (group(&side(40)), group(&side(12)));
            let want = cross_reference(&a, &b);
            assert_eq!(cross(&a, &b).to_bits(), want.to_bits(), "case {case}");
            assert_eq!(cross(&b, &a).to_bits(), want.to_bits(), "case {case}");
        }
        let empty = group(&[]);
        let one = group(&[(3, 0.5)]);
        assert_eq!(
            cross(&empty, &one).to_bits(),
            cross_reference(&empty, &one).to_bits()
        );
        assert_eq!(cross(&one, &group(&[(4, 0.5)])).to_bits(), 0.0f64.to_bits());
    }
}
