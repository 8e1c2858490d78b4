//! Consolidation: each time the backlog doubles, every request looks again
//! for the group it belongs with, now that the groups have grown.
//!
//! A stream decides each request once, against groups that are still small
//! and noisy: a request that comes before the other requests of its feature
//! joins the nearest group it finds, or stays a special case, and the batch
//! clusterer (which sees every pair first) would have put it elsewhere. At
//! 64, 128, 256, ... requests each request is compared with its own group
//! (without it) and with the groups its strongest terms lead to; it moves to the best of those when that beats its own group and
//! passes the join test of an insert. The moves are decided against the
//! groups as they were before any of them, then made in request order, so
//! the result depends only on the backlog's state: a saved and loaded
//! backlog consolidates exactly as one that never stopped.
//!
//! The work per request is bounded ([`RECHECK`], and requests already well
//! inside their group skip the search, see [`SETTLED`]), and all requests
//! are looked at once per doubling: about two looks per request over a
//! stream, so amortised constant per insert. Moved requests keep their ids;
//! a feature keeps its id whatever it loses (its [`EventKind::Moved`]
//! events say what), and a group of special cases that gains enough becomes
//! a feature as after an insert.

use super::grow::{Limits, dot_start};
use super::meaning::Packed;
use super::{Backlog, Event, EventKind, Group, JOIN_MARGIN, distinct};
use crate::cluster::semantic;
use crate::item::customer_key;

/// The first size at which a backlog consolidates; then at every doubling.
pub(super) const CONSOLIDATE_FROM: usize = 64;

/// How far a request looks again: the 8 strongest terms' lists, 50 entries
/// deep, and the 5 groups sharing the most weight. Unlike an insert it does
/// not look through its nearest requests by meaning: its group already
/// holds those it found. Checked on the dev files (Banking77 train and
/// CLINC150 val, 5 orders each, `backlog_eval --scale 0`): 400 entries and
/// 30 groups, as an insert looks, gave the same streamed ARI within 0.004
/// at about twice the cost; adding the groups of the 10 nearest requests by
/// meaning gave 0.339 / 0.507 against 0.333 / 0.507 for a third more
/// instructions per insert with consolidation (callgrind, 20k requests).
pub(super) const RECHECK: Limits = Limits {
    depth: 50,
    terms: 8,
    keep: 5,
};

/// A request whose mean similarity to the rest of its group reaches the
/// join test times this is settled: it is not looked at again. (Similarity
/// is at most 1, so with a `similarity_threshold` of 1 / 3.5 or more no
/// request is settled and every one is looked at.) Checked on
/// the dev files: 1.5 or 1.75 looked at fewer requests but lost 0.006 or
/// 0.002 of CLINC150's ARI.
const SETTLED: f32 = 2.0;

/// A term's weight in a group's sum at or under which no member uses it
/// (a member's weight is at least about 0.01: what is left is rounding).
const GONE: f32 = 1e-5;

/// Whether a backlog of `n` requests consolidates after its last insert.
pub(super) fn consolidates_at(n: usize) -> bool {
    n >= CONSOLIDATE_FROM && n.is_power_of_two()
}

/// One request's move: the request, the group it leaves, the group it
/// joins.
type Move = (u32, u32, u32);

impl Backlog {
    /// Looks at every request again and moves those that now belong with
    /// another group (see the module's documentation).
    pub(super) fn consolidate(&mut self) {
        let mut moves: Vec<Move> = Vec::new();
        let mut dense = Vec::new();
        for i in 0..self.items.len() as u32 {
            if let Some(to) = self.better_group(i, &mut dense) {
                let from = self.resolve(self.items[i as usize].group);
                moves.push((i, from, to));
            }
        }
        let mut leaving = vec![false; self.items.len()];
        let mut froms: Vec<u32> = Vec::with_capacity(moves.len());
        for &(i, from, _) in &moves {
            leaving[i as usize] = true;
            froms.push(from);
        }
        froms.sort_unstable();
        froms.dedup();
        for &g in &froms {
            self.take_out(g, |m| leaving[m as usize]);
        }
        let mut touched = Vec::with_capacity(moves.len() * 2);
        for &(i, from, to) in &moves {
            self.move_request(i, from, to, &mut dense);
            touched.extend([from, to]);
        }
        // A group every request left points at where the last one went, as
        // a merged group does, so lists that still name it lead there.
        for &(_, from, to) in moves.iter().rev() {
            if self.groups[from as usize].members.is_empty()
                && self.slots[from as usize].parent == from
            {
                if let Some(number) = self.groups[from as usize].feature {
                    // Every request left (each move is recorded).
                    self.events.push(Event {
                        at: self.items.len() as u64,
                        feature: format!("F{number}"),
                        kind: EventKind::Dissolved,
                        requests: Vec::new(),
                    });
                }
                self.groups[from as usize] = Group::empty(Some(to));
                self.slots[from as usize].parent = to;
            }
        }
        touched.sort_unstable();
        touched.dedup();
        touched.retain(|&g| self.slots[g as usize].parent == g);
        for &g in &touched {
            self.recount_customers(g);
        }
        for &g in &touched {
            self.dissolve_if_short(g);
        }
        self.split_features();
        for &g in &touched {
            self.promote(g);
        }
    }

    /// Makes feature `g` special cases again when the requests it kept no
    /// longer meet the feature rules (two requests, `min_distinct_customers`
    /// distinct customers), recording it with the requests it held: a list
    /// of features backed by fewer customers than the rules ask would
    /// mislead. Its id is retired; the requests may form a new feature later.
    fn dissolve_if_short(&mut self, g: u32) {
        let group = &self.groups[g as usize];
        let Some(number) = group.feature else { return };
        if group.members.len() >= 2 && distinct(group) >= self.params.min_distinct_customers {
            return;
        }
        let mut members = group.members.clone();
        members.sort_unstable();
        self.groups[g as usize].feature = None;
        let mut terms: Vec<u32> = self.groups[g as usize].sum.keys().copied().collect();
        terms.sort_unstable();
        // Listed among special cases, where a new member would find it.
        for t in terms {
            self.pending_postings[t as usize].push(g);
        }
        self.events.push(Event {
            at: self.items.len() as u64,
            feature: format!("F{number}"),
            kind: EventKind::Dissolved,
            requests: members
                .iter()
                .map(|&i| self.items[i as usize].id.clone())
                .collect(),
        });
    }

    /// The group request `i` now belongs with, if not its own: the most
    /// similar of the groups sharing its strongest terms (ties by the older
    /// group) when it passes the join test and beats the mean similarity to
    /// the rest of its own group. `dense` is a buffer.
    fn better_group(&mut self, i: u32, dense: &mut Vec<f32>) -> Option<u32> {
        // Lent out of the request while it is compared (nothing reads a
        // request's own vectors meanwhile).
        let item = &mut self.items[i as usize];
        let terms = std::mem::take(&mut item.terms);
        let packed = item.dense.take();
        let found = self.better_group_for(i, &terms, packed.as_ref(), dense);
        let item = &mut self.items[i as usize];
        item.terms = terms;
        item.dense = packed;
        found
    }

    /// [`better_group`](Self::better_group) with the request's vectors.
    fn better_group_for(
        &mut self,
        i: u32,
        terms: &[(u32, f32)],
        packed: Option<&Packed>,
        dense: &mut Vec<f32>,
    ) -> Option<u32> {
        let own_group = self.resolve(self.items[i as usize].group);
        if let Some(p) = packed {
            p.unpack(dense);
        }
        let q = packed.map(|p| (dense.as_slice(), p.trust));
        let own = self.similarity_without(&self.groups[own_group as usize], terms, q);
        let join = self.params.similarity_threshold as f32 * JOIN_MARGIN;
        if own >= join * SETTLED {
            return None;
        }
        let mut scored = std::mem::take(&mut self.buffers.scored);
        self.scan_terms(terms, RECHECK, &mut scored);
        let zero = dot_start(terms);
        let mut best: Option<(u32, f32)> = None;
        for &(g, _) in &scored {
            if g == own_group {
                continue;
            }
            let s = self.similarity(terms, zero, q, g);
            if best.is_none_or(|(b, l)| s > l || (s == l && g < b)) {
                best = Some((g, s));
            }
        }
        self.buffers.scored = scored;
        best.filter(|&(_, s)| s >= join && s > own).map(|(g, _)| g)
    }

    /// The mean similarity of a request (term vector `terms`, dense vector
    /// and trust `q`) to the other members of `group`, which holds it;
    /// minus infinity when it is alone.
    pub(super) fn similarity_without(
        &self,
        group: &Group,
        terms: &[(u32, f32)],
        q: Option<(&[f32], f32)>,
    ) -> f32 {
        let others = group.members.len().saturating_sub(1);
        if others == 0 {
            return f32::NEG_INFINITY;
        }
        let n = others as f32;
        let with: f32 = terms
            .iter()
            .map(|&(t, w)| w * group.sum.get(&t).copied().unwrap_or(0.0))
            .sum();
        let itself: f32 = terms.iter().map(|e| e.1 * e.1).sum();
        let lexical = (with - itself) / n;
        match q {
            Some((v, trust)) if group.dense_n > 1 => {
                let sem = (semantic::dot(v, &group.dense) - semantic::dot(v, v)) / n;
                let rest = (group.trust_sum - trust) / (group.dense_n - 1) as f32;
                semantic::mix(lexical, Some(sem), self.weight() * trust.min(rest))
            }
            _ => lexical,
        }
    }

    /// Moves request `i` from group `from` to group `to`, recording it
    /// when either is a feature. `dense` is a buffer.
    fn move_request(&mut self, i: u32, from: u32, to: u32, dense: &mut Vec<f32>) {
        let joined = self.shift(i, from, to, dense);
        let left = self.groups[from as usize].feature;
        let name = |n: Option<u64>| n.map(|n| format!("F{n}"));
        if let Some(feature) = name(joined.or(left)) {
            self.events.push(Event {
                at: self.items.len() as u64,
                feature,
                kind: EventKind::Moved {
                    from: name(left),
                    to: name(joined),
                },
                requests: vec![self.items[i as usize].id.clone()],
            });
        }
    }

    /// Moves request `i`'s vectors from group `from`'s sums to group `to`
    /// (which lists it as a member), once the caller has taken it out of
    /// `from`'s members ([`take_out`](Self::take_out)). Returns `to`'s
    /// feature number, if it is one. `dense` is a buffer.
    pub(super) fn shift(
        &mut self,
        i: u32,
        from: u32,
        to: u32,
        dense: &mut Vec<f32>,
    ) -> Option<u64> {
        // Lent out of the request while its group's sums change (nothing
        // reads a request's own vectors meanwhile).
        let item = &mut self.items[i as usize];
        let terms = std::mem::take(&mut item.terms);
        let packed = item.dense.take();
        if let Some(p) = &packed {
            p.unpack(dense);
        }
        let q = packed.as_ref().map(|p| (dense.as_slice(), p.trust));
        self.remove_sums(from, &terms, q);
        let joined = self.add_member(to, i, &terms, q);
        let item = &mut self.items[i as usize];
        item.terms = terms;
        item.dense = packed;
        joined
    }

    /// Takes the members `leaves` picks out of group `g`'s members, in one
    /// pass (a removal each would cost the group's size per request).
    pub(super) fn take_out(&mut self, g: u32, leaves: impl Fn(u32) -> bool) {
        self.groups[g as usize].members.retain(|&m| !leaves(m));
    }

    /// Takes a request (term vector `terms`, dense vector and trust `q`)
    /// out of group `g`'s sums; the caller takes it out of the members (in
    /// one pass for all leavers). Its customer is counted again by
    /// [`recount_customers`](Self::recount_customers). A term no member
    /// uses any more leaves the sum (what is left of it is rounding), so it
    /// names nothing and lists nothing.
    pub(super) fn remove_sums(&mut self, g: u32, terms: &[(u32, f32)], q: Option<(&[f32], f32)>) {
        let group = &mut self.groups[g as usize];
        // |S − v|² = |S|² − 2 v·S + |v|², with S before the removal.
        let (mut dot, mut itself) = (0.0f64, 0.0f64);
        for &(t, w) in terms {
            if let Some(e) = group.sum.get_mut(&t) {
                dot += f64::from(w) * f64::from(*e);
                *e -= w;
                if *e <= GONE {
                    group.sum.remove(&t);
                }
            }
            itself += f64::from(w) * f64::from(w);
        }
        group.norm2 = (group.norm2 - 2.0 * dot + itself).max(0.0);
        if let Some((v, trust)) = q {
            group.dense.iter_mut().zip(v).for_each(|(s, x)| *s -= x);
            group.dense_n = group.dense_n.saturating_sub(1);
            group.trust_sum -= trust;
            if group.dense_n == 0 {
                // As a group that never had a member with a vector (what a
                // saved state checks).
                group.dense = Vec::new();
                group.trust_sum = 0.0;
            }
        }
    }

    /// Counts group `g`'s distinct customers and anonymous members again
    /// from its members.
    pub(super) fn recount_customers(&mut self, g: u32) {
        let (customers, anonymous) = self.count_customers(g);
        let group = &mut self.groups[g as usize];
        group.customers = customers;
        group.anonymous = anonymous;
    }

    /// Group `g`'s distinct customers (counted forms) and requests without
    /// one, counted from its requests.
    pub(super) fn count_customers(&self, g: u32) -> (std::collections::BTreeSet<String>, u64) {
        let group = &self.groups[g as usize];
        let mut customers = std::collections::BTreeSet::new();
        let mut anonymous = 0;
        for &m in &group.members {
            match self.items[m as usize]
                .customer
                .as_deref()
                .and_then(customer_key)
            {
                Some(c) => {
                    customers.insert(c.into_owned());
                }
                None => anonymous += 1,
            }
        }
        (customers, anonymous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ClusterParams;
    use crate::item::FeedbackItem;

    const WORDS: [&str; 16] = [
        "export", "invoice", "csv", "dark", "mode", "login", "sso", "okta", "webhook", "retry",
        "slack", "alert", "card", "arrived", "refund", "pending",
    ];

    /// A backlog fed `n` random requests of 1 to 5 words from 8 customers.
    fn fed(seed: u64, n: usize) -> Backlog {
        let mut next = crate::test_rng::xorshift(seed);
        let mut b = Backlog::new(ClusterParams::default()).unwrap();
        for i in 0..n {
            let words: Vec<&str> = (0..1 + next() % 5)
                .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
                .collect();
            let mut it = FeedbackItem::new(format!("r{i}")).with_title(words.join(" "));
            if !next().is_multiple_of(8) {
                it = it.with_customer(format!("c{}", next() % 8));
            }
            b.insert(&it).unwrap();
        }
        b
    }

    /// After consolidations that moved requests, every group's sums, counts
    /// and customers are what its members' kept vectors give.
    #[test]
    fn moves_keep_each_group_the_sum_of_its_members() {
        let mut moves = 0;
        for seed in 1..=6u64 {
            let b = fed(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15), 300);
            moves += b
                .events()
                .iter()
                .filter(|e| matches!(e.kind, EventKind::Moved { .. }))
                .count();
            for (k, g) in b.groups.iter().enumerate() {
                let mut sum = std::collections::BTreeMap::<u32, f64>::new();
                let mut dense = vec![0.0f64; g.dense.len()];
                let (mut dense_n, mut trust) = (0, 0.0f64);
                let mut buf = Vec::new();
                for &m in &g.members {
                    let it = &b.items[m as usize];
                    assert_eq!(it.group as usize, k);
                    for &(t, w) in it.terms.iter() {
                        *sum.entry(t).or_default() += f64::from(w);
                    }
                    if let Some(p) = &it.dense {
                        p.unpack(&mut buf);
                        dense
                            .iter_mut()
                            .zip(&buf)
                            .for_each(|(s, x)| *s += f64::from(*x));
                        dense_n += 1;
                        trust += f64::from(p.trust);
                    }
                }
                for (t, w) in &g.sum {
                    let want = sum.get(t).copied().unwrap_or(0.0);
                    assert!((f64::from(*w) - want).abs() < 1e-4, "group {k} term {t}");
                    // No term that no member uses (it would name the group).
                    assert!(want > 0.0 && *w > GONE, "group {k} keeps term {t}");
                }
                // A group every request left points where they went.
                assert!(
                    !g.members.is_empty() || g.merged_into.is_some(),
                    "group {k}"
                );
                let norm2: f64 = sum.values().map(|w| w * w).sum();
                assert!(
                    (g.norm2 - norm2).abs() < 1e-3,
                    "group {k}: {} {norm2}",
                    g.norm2
                );
                assert_eq!(g.dense_n, dense_n, "group {k}");
                assert_eq!(g.dense.is_empty(), dense_n == 0, "group {k}");
                assert!((f64::from(g.trust_sum) - trust).abs() < 1e-3, "group {k}");
                for (s, want) in g.dense.iter().zip(&dense) {
                    assert!((f64::from(*s) - want).abs() < 1e-3, "group {k}");
                }
                let mut customers = std::collections::BTreeSet::new();
                let mut anonymous = 0;
                for &m in &g.members {
                    match b.items[m as usize]
                        .customer
                        .as_deref()
                        .and_then(customer_key)
                    {
                        Some(c) => {
                            customers.insert(c.into_owned());
                        }
                        None => anonymous += 1,
                    }
                }
                assert_eq!(g.customers, customers, "group {k}");
                assert_eq!(g.anonymous, anonymous, "group {k}");
            }
            // What a saved state checks holds after the moves too.
            let saved = serde_json::to_string(&b).unwrap();
            let loaded: Backlog = serde_json::from_str(&saved).unwrap();
            assert_eq!(loaded.partition(), b.partition());
        }
        assert!(moves > 0, "no consolidation moved a request");
    }

    /// Consolidation happens at 64 and every doubling, and only then: a
    /// backlog of 63 requests has no move, and what moves at 64 is recorded
    /// at 64.
    #[test]
    fn consolidates_at_each_doubling() {
        assert!(!consolidates_at(32) && !consolidates_at(63) && !consolidates_at(96));
        assert!(consolidates_at(64) && consolidates_at(128) && consolidates_at(1 << 20));
        let mut found = false;
        for seed in 1..=20u64 {
            let b = fed(seed.wrapping_mul(0x2545_f491_4f6c_dd1d), 200);
            for e in b.events() {
                if matches!(e.kind, EventKind::Moved { .. }) {
                    assert!(consolidates_at(e.at as usize), "moved at {}", e.at);
                    found = true;
                }
            }
        }
        assert!(found);
    }

    /// Unpacking gives back what packing wrote into the caller's vector,
    /// and a zero vector packs to zeros with a finite scale.
    #[test]
    fn packed_vectors_unpack_to_what_was_used() {
        let mut v: Vec<f32> = (0..128)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 70.0)
            .collect();
        let p = Packed::pack(&mut v, 0.5);
        let mut out = Vec::new();
        p.unpack(&mut out);
        assert_eq!(out, v);
        assert!(p.values.iter().any(|&x| x == 127 || x == -127));
        let mut zero = vec![0.0f32; 4];
        let z = Packed::pack(&mut zero, 1.0);
        assert!(z.values.iter().all(|&x| x == 0) && z.scale.is_finite());
    }
}

#[cfg(test)]
mod emptied {
    use super::*;
    use crate::cluster::ClusterParams;
    use crate::item::FeedbackItem;

    /// A request that leaves a group of its own leaves an empty group with
    /// no vector sum behind, as a group that never had one: the saved state
    /// still loads, and the move is recorded when a feature is involved.
    /// A feature of two requests (customers `a`, `b`) and a third request
    /// alone, from customer `third`: the backlog and the two groups.
    fn feature_and_one(third: &str) -> (Backlog, u32, u32) {
        let mut b = Backlog::new(ClusterParams::default()).unwrap();
        let ask = |id: &str, who: &str, text: &str| {
            FeedbackItem::new(id).with_title(text).with_customer(who)
        };
        b.insert(&ask("r0", "a", "export invoices to csv")).unwrap();
        b.insert(&ask("r1", "b", "export invoices as csv")).unwrap();
        b.insert(&ask("r2", third, "dark mode for the dashboard"))
            .unwrap();
        let (feature, alone) = (b.items[0].group, b.items[2].group);
        (b, feature, alone)
    }

    /// Moves request `i` as a consolidation does.
    fn move_one(b: &mut Backlog, i: u32, from: u32, to: u32) {
        b.take_out(from, |m| m == i);
        b.move_request(i, from, to, &mut Vec::new());
        b.recount_customers(from);
        b.recount_customers(to);
    }

    #[test]
    fn emptying_a_group_keeps_the_state_loadable() {
        let (mut b, feature, alone) = feature_and_one("c");
        assert_ne!(feature, alone);
        move_one(&mut b, 2, alone, feature);
        let empty = &b.groups[alone as usize];
        assert!(empty.members.is_empty() && empty.dense.is_empty() && empty.dense_n == 0);
        let last = b.events().last().unwrap();
        assert_eq!(
            last.kind,
            EventKind::Moved {
                from: None,
                to: Some("F1".into())
            }
        );
        assert_eq!(last.requests, ["r2"]);
        let saved = serde_json::to_string(&b).unwrap();
        let loaded: Backlog = serde_json::from_str(&saved).unwrap();
        assert_eq!(loaded.partition(), [vec!["r0", "r1", "r2"]]);
        assert_eq!(loaded.feature_of("r2").as_deref(), Some("F1"));
    }

    /// A feature left with one customer is special cases again, recorded
    /// with the requests it held; one that keeps enough is not touched.
    #[test]
    fn a_feature_below_the_rules_is_dissolved() {
        let (mut b, feature, other) = feature_and_one("a");
        b.dissolve_if_short(feature);
        assert_eq!(b.features().len(), 1, "two customers: kept");
        move_one(&mut b, 1, feature, other);
        b.dissolve_if_short(feature);
        assert!(b.features().is_empty());
        let last = b.events().last().unwrap();
        assert_eq!(
            (last.kind.clone(), last.feature.as_str()),
            (EventKind::Dissolved, "F1")
        );
        assert_eq!(last.requests, ["r0"]);
        assert_eq!(b.feature_of("r0"), None);
        let loaded: Backlog = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        assert_eq!(loaded.special_cases(), ["r0", "r1", "r2"]);
    }
}
