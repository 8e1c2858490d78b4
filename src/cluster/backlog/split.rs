//! Splitting: at each consolidation, a feature whose requests now form two
//! groups that the batch clusterer's linkage would keep apart is split in
//! two new features, each recording the feature it came from.
//!
//! A stream merges two groups when a request bridges them; as both grow,
//! their mean similarity may fall below the threshold, which the batch's
//! linkage would never have merged. Each feature of at least
//! [`SPLIT_MIN`] requests whose cohesion is under the merge test is divided
//! in two (2-means from two seeds: the request least like the rest, and the
//! request least like it; two rounds of moving each request to the half
//! whose other members it is more similar to on average), and split when
//! both halves meet the feature rules (distinct customers, cohesion at the
//! threshold) and their mean similarity is under the threshold. The work is
//! a few passes over each such feature's requests, once per doubling.

use super::grow::dot_start;
use super::{Backlog, Event, EventKind, Group, MERGE_MARGIN, Slot, TermMap, distinct};
use crate::cluster::{semantic, vectors};
use crate::item::customer_key;

/// The fewest requests a feature needs to be looked at for a split.
const SPLIT_MIN: usize = 4;

/// Rounds of moving requests between the two halves.
const ROUNDS: usize = 2;

impl Backlog {
    /// Splits each feature that now holds two features (see the module's
    /// documentation), in the order the groups were made.
    pub(super) fn split_features(&mut self) {
        let threshold = self.params.similarity_threshold;
        let candidates: Vec<u32> = (0..self.groups.len() as u32)
            .filter(|&g| {
                let group = &self.groups[g as usize];
                group.feature.is_some()
                    && group.merged_into.is_none()
                    && group.members.len() >= SPLIT_MIN
                    && self.cohesion(group) < threshold * f64::from(MERGE_MARGIN)
            })
            .collect();
        for g in candidates {
            if let Some(second) = self.split_of(g) {
                self.split(g, &second);
            }
        }
    }

    /// The requests of feature `g` that form a second feature, if `g`
    /// should be split.
    fn split_of(&self, g: u32) -> Option<Vec<u32>> {
        let members = &self.groups[g as usize].members;
        let whole = &self.groups[g as usize];
        let mut dense = (Vec::new(), Vec::new());
        // The seeds: the request least like the rest, the request least
        // like it (ties by the earlier request).
        let mut buf = Vec::new();
        let a = least_by(members, |i| {
            self.member_similarity(whole, i, true, &mut buf)
        });
        let b = least_by(members, |i| {
            if i == a {
                f32::INFINITY
            } else {
                self.pair_similarity(a, i, &mut dense)
            }
        });
        let mut in_second: Vec<bool> = members
            .iter()
            .map(|&i| {
                i == b
                    || (i != a
                        && self.pair_similarity(b, i, &mut dense)
                            > self.pair_similarity(a, i, &mut dense))
            })
            .collect();
        for _ in 0..ROUNDS {
            let (first, second) = self.halves(members, &in_second);
            if first.members.len() < 2 || second.members.len() < 2 {
                return None;
            }
            for (k, &i) in members.iter().enumerate() {
                let to_first = self.member_similarity(&first, i, !in_second[k], &mut buf);
                let to_second = self.member_similarity(&second, i, in_second[k], &mut buf);
                in_second[k] = to_second > to_first;
            }
        }
        let (first, second) = self.halves(members, &in_second);
        let threshold = self.params.similarity_threshold;
        let min_customers = self.params.min_distinct_customers;
        let feature = |h: &Group| {
            h.members.len() >= 2 && distinct(h) >= min_customers && self.cohesion(h) >= threshold
        };
        (feature(&first) && feature(&second) && self.link_of(&first, &second) < threshold)
            .then_some(second.members)
    }

    /// The two halves of `members` (`in_second` says which each is in) as
    /// groups: members, sums and customers.
    fn halves(&self, members: &[u32], in_second: &[bool]) -> (Group, Group) {
        let (mut first, mut second) = (Group::empty(None), Group::empty(None));
        let mut buf = Vec::new();
        for (&i, &two) in members.iter().zip(in_second) {
            let half = if two { &mut second } else { &mut first };
            let item = &self.items[i as usize];
            half.members.push(i);
            for &(t, w) in item.terms.iter() {
                *half.sum.entry(t).or_insert(0.0) += w;
            }
            if let Some(p) = &item.dense {
                p.unpack(&mut buf);
                if half.dense.is_empty() {
                    half.dense = vec![0.0; buf.len()];
                }
                half.dense.iter_mut().zip(&buf).for_each(|(s, x)| *s += x);
                half.dense_n += 1;
                half.trust_sum += p.trust;
            }
            match item.customer.as_deref().and_then(customer_key) {
                Some(c) => {
                    half.customers.insert(c.into_owned());
                }
                None => half.anonymous += 1,
            }
        }
        for half in [&mut first, &mut second] {
            let mut sum: Vec<(u32, f32)> = half.sum.iter().map(|(&t, &w)| (t, w)).collect();
            sum.sort_unstable_by_key(|e| e.0);
            half.norm2 = sum.iter().map(|&(_, w)| f64::from(w) * f64::from(w)).sum();
        }
        (first, second)
    }

    /// The mean similarity of request `i` to the members of `h` (the others
    /// when `inside`: `i` is one of them). `buf` is a buffer.
    fn member_similarity(&self, h: &Group, i: u32, inside: bool, buf: &mut Vec<f32>) -> f32 {
        let item = &self.items[i as usize];
        if let Some(p) = &item.dense {
            p.unpack(buf);
        }
        let q = item.dense.as_ref().map(|p| (buf.as_slice(), p.trust));
        if inside {
            return self.similarity_without(h, &item.terms, q);
        }
        self.similarity_to(h, &item.terms, dot_start(&item.terms), q)
    }

    /// The similarity of requests `i` and `j` (`dense` holds two buffers).
    fn pair_similarity(&self, i: u32, j: u32, dense: &mut (Vec<f32>, Vec<f32>)) -> f32 {
        let (a, b) = (&self.items[i as usize], &self.items[j as usize]);
        let lexical = vectors::dot(&a.terms, &b.terms);
        match (&a.dense, &b.dense) {
            (Some(pa), Some(pb)) => {
                pa.unpack(&mut dense.0);
                pb.unpack(&mut dense.1);
                let sem = semantic::dot(&dense.0, &dense.1);
                let trust = pa.trust.min(pb.trust);
                semantic::mix(lexical, Some(sem), self.weight() * trust)
            }
            _ => lexical,
        }
    }

    /// Splits feature `g`: `second` (some of its requests) becomes a new
    /// group, and both halves get new feature ids, each recording the
    /// feature it came from with its requests.
    fn split(&mut self, g: u32, second: &[u32]) {
        let old = self.groups[g as usize].feature.map(|n| format!("F{n}"));
        let h = self.groups.len() as u32;
        let mut group = Group::empty(None);
        group.sum = TermMap::default();
        self.groups.push(group);
        self.slots.push(Slot::new(h));
        let (first_number, second_number) = (self.next_feature, self.next_feature + 1);
        self.next_feature += 2;
        self.groups[g as usize].feature = Some(first_number);
        self.groups[h as usize].feature = Some(second_number);
        let leaving: std::collections::BTreeSet<u32> = second.iter().copied().collect();
        self.take_out(g, |m| leaving.contains(&m));
        let mut dense = Vec::new();
        for &i in second {
            self.shift(i, g, h, &mut dense);
        }
        self.recount_customers(g);
        self.recount_customers(h);
        for (group, number) in [(g, first_number), (h, second_number)] {
            let mut members = self.groups[group as usize].members.clone();
            members.sort_unstable();
            self.events.push(Event {
                at: self.items.len() as u64,
                feature: format!("F{number}"),
                kind: EventKind::Split {
                    from: old.clone().unwrap_or_default(),
                },
                requests: members
                    .iter()
                    .map(|&i| self.items[i as usize].id.clone())
                    .collect(),
            });
        }
    }
}

/// The member with the smallest score (ties by the earlier request).
fn least_by(members: &[u32], mut score: impl FnMut(u32) -> f32) -> u32 {
    let mut best = (f32::INFINITY, u32::MAX);
    for &i in members {
        let s = score(i);
        if s < best.0 || (s == best.0 && i < best.1) || best.1 == u32::MAX {
            best = (s, i);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ClusterParams;
    use crate::item::FeedbackItem;

    fn ask(b: &mut Backlog, id: &str, who: &str, text: &str) {
        let it = FeedbackItem::new(id).with_title(text).with_customer(who);
        b.insert(&it).unwrap();
    }

    /// Two features forced into one (as a bridging request would) are
    /// split back: both halves get new ids naming the old one, and their
    /// requests are the two original features'. The wording varies, so
    /// that the merged feature's cohesion is under the merge test with and
    /// without meaning (the `static-vectors` feature).
    #[test]
    fn a_merged_pair_of_features_is_split_back() {
        let mut b = Backlog::new(ClusterParams::default()).unwrap();
        let invoices = [
            "export invoices to csv",
            "a csv file of the invoices for our accountant",
            "download invoices as a spreadsheet",
        ];
        let dark = [
            "dark mode theme",
            "a dark colour scheme at night",
            "night theme for the dashboard",
        ];
        for (k, t) in invoices.iter().enumerate() {
            ask(&mut b, &format!("i{k}"), &format!("c{k}"), t);
        }
        for (k, t) in dark.iter().enumerate() {
            ask(&mut b, &format!("d{k}"), &format!("c{k}"), t);
        }
        let mut expected: Vec<Vec<String>> = b.features().into_iter().map(|f| f.members).collect();
        expected.sort();
        assert_eq!(expected.len(), 2);
        assert!(expected[0].contains(&"d0".to_string()) && expected[1].contains(&"i0".to_string()));
        let (gi, gd) = (b.items[0].group, b.items[3].group);
        let merged = b.merge(gi, gd, 5);
        let old = b.groups[merged as usize].feature.unwrap();
        let before = b.events().len();
        b.split_features();
        let splits: Vec<&Event> = b.events()[before..].iter().collect();
        assert_eq!(splits.len(), 2, "{splits:?}");
        let mut halves: Vec<Vec<String>> = Vec::new();
        for e in &splits {
            assert_eq!(
                e.kind,
                EventKind::Split {
                    from: format!("F{old}")
                }
            );
            let n: u64 = e.feature[1..].parse().unwrap();
            assert!(n > old);
            halves.push(e.requests.clone());
        }
        halves.sort();
        assert_eq!(halves, expected);
        let live: Vec<String> = b.features().into_iter().map(|f| f.id).collect();
        assert!(!live.contains(&format!("F{old}")));
        assert_eq!(live.len(), 2);
        for e in &splits {
            for r in &e.requests {
                assert_eq!(b.feature_of(r).as_ref(), Some(&e.feature));
            }
        }
    }

    /// A feature of one request asked again and again is never split.
    #[test]
    fn a_cohesive_feature_is_not_split() {
        let mut b = Backlog::new(ClusterParams::default()).unwrap();
        for k in 0..12 {
            ask(
                &mut b,
                &format!("r{k}"),
                &format!("c{}", k % 5),
                "export invoices to csv file",
            );
        }
        let before = b.events().len();
        b.split_features();
        assert_eq!(b.events().len(), before);
        assert_eq!(b.features().len(), 1);
    }
}
