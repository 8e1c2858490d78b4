//! Links that weigh the exact mean cosine of two groups' vectors (see the
//! parent module): each group's vector sum, and per link the dot product of
//! the two sums, kept up to date through merges.
//!
//! A merge of `gone` into `keep` changes the dot product of every partner
//! `c` of either: `sum_keep' · sum_c = sum_keep · sum_c + sum_gone · sum_c`.
//! A partner of both adds two known products; a partner of one side needs
//! one fresh product with the other side's sum (`dims` multiplications).
//! Scans of a group's links then cost one look-up per link, not `dims`.

use crate::cluster::semantic::{Dense, dot_wide};
use crate::text::FxHashMap;

/// The items' dense unit vectors and their weight in a link's value.
pub(crate) struct GroupVectors<'a> {
    /// Every item's vector (`dense.row(i)` is `Some` for each).
    pub dense: &'a Dense,
    /// The share `w` of the exact mean cosine, in `[0, 1]`.
    pub weight: f64,
}

/// The groups' vector sums and the dot products along their links.
pub(super) struct Sums<'a> {
    vectors: GroupVectors<'a>,
    /// The sums of the groups with more than one member (a single item's
    /// sum is its row).
    merged: FxHashMap<u32, Vec<f32>>,
    /// Per group: the dot product of its sum with each linked group's sum
    /// (the same keys as the group's links).
    dots: Vec<FxHashMap<u32, f64>>,
}

impl<'a> Sums<'a> {
    /// The sums of single items and the products along `links`.
    pub fn new(vectors: GroupVectors<'a>, links: &[FxHashMap<u32, f32>]) -> Sums<'a> {
        let mut s = Sums {
            vectors,
            merged: FxHashMap::default(),
            dots: links
                .iter()
                .map(|l| FxHashMap::with_capacity_and_hasher(l.len(), Default::default()))
                .collect(),
        };
        for (g, l) in links.iter().enumerate() {
            let g = g as u32;
            for &c in l.keys().filter(|&&c| c > g) {
                let d = s.fresh(g, c);
                s.dots[g as usize].insert(c, d);
                s.dots[c as usize].insert(g, d);
            }
        }
        s
    }

    /// The share of meaning in a link's value.
    pub fn weight(&self) -> f64 {
        self.vectors.weight
    }

    /// The dot product of the sums of linked groups `a` and `b` (0 when
    /// they are not linked).
    pub fn dot(&self, a: u32, b: u32) -> f64 {
        self.dots[a as usize].get(&b).copied().unwrap_or(0.0)
    }

    fn sum(&self, g: u32) -> &[f32] {
        match self.merged.get(&g) {
            Some(s) => s,
            None => self.vectors.dense.row(g as usize).unwrap_or(&[]),
        }
    }

    /// The dot product of two groups' sums, computed.
    fn fresh(&self, a: u32, b: u32) -> f64 {
        f64::from(dot_wide(self.sum(a), self.sum(b)))
    }

    /// Merges group `gone` into `keep`: the products of every partner of
    /// either, then the sums (the term links have moved already).
    pub fn merge(&mut self, keep: u32, gone: u32) {
        let mut gone_dots = std::mem::take(&mut self.dots[gone as usize]);
        self.dots[keep as usize].remove(&gone);
        gone_dots.remove(&keep);
        // Partners of `keep`: add `gone`'s product, known or computed. Each
        // product gets one addition, so the order does not matter.
        let own: Vec<u32> = self.dots[keep as usize].keys().copied().collect();
        for c in own {
            let add = match gone_dots.remove(&c) {
                Some(d) => d,
                None => self.fresh(gone, c),
            };
            self.dots[c as usize].remove(&gone);
            self.add(keep, c, add);
        }
        // Partners of `gone` alone (what is left): `keep`'s product,
        // computed, plus `gone`'s.
        for (c, d) in gone_dots {
            let total = self.fresh(keep, c) + d;
            self.dots[c as usize].remove(&gone);
            self.add(keep, c, total);
        }
        // The sums last: the products above used the old ones.
        let add = match self.merged.remove(&gone) {
            Some(s) => s,
            None => self.sum(gone).to_vec(),
        };
        let sum = match self.merged.remove(&keep) {
            Some(s) => s,
            None => self.sum(keep).to_vec(),
        };
        let sum = sum.iter().zip(&add).map(|(s, x)| s + x).collect();
        self.merged.insert(keep, sum);
    }

    /// Forgets the link between `a` and `b`.
    pub fn unlink(&mut self, a: u32, b: u32) {
        self.dots[a as usize].remove(&b);
        self.dots[b as usize].remove(&a);
    }

    /// Adds `d` to the product of `keep` and `c`, on both sides.
    fn add(&mut self, keep: u32, c: u32, d: f64) {
        *self.dots[keep as usize].entry(c).or_insert(0.0) += d;
        *self.dots[c as usize].entry(keep).or_insert(0.0) += d;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FeedbackItem;

    #[test]
    fn products_follow_merges_exactly() {
        // 12 items with pseudo-random 5-dim vectors, a ring of links plus
        // chords, then merges that meet shared, own and moved partners.
        let mut state = 11u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        let items: Vec<FeedbackItem> = (0..12)
            .map(|i| {
                FeedbackItem::new(format!("{i:02}"))
                    .with_embedding((0..5).map(|_| next()).collect::<Vec<f32>>())
            })
            .collect();
        let refs: Vec<&FeedbackItem> = items.iter().collect();
        let dense = Dense::build(&refs, None, false).unwrap().unwrap();
        let mut links: Vec<FxHashMap<u32, f32>> = vec![FxHashMap::default(); 12];
        let mut link = |a: u32, b: u32| {
            links[a as usize].insert(b, 0.1);
            links[b as usize].insert(a, 0.1);
        };
        for i in 0..12 {
            link(i, (i + 1) % 12);
        }
        link(0, 6);
        link(3, 9);
        link(2, 7);
        let mut sums = Sums::new(
            GroupVectors {
                dense: &dense,
                weight: 1.0,
            },
            &links,
        );
        for (keep, gone) in [(0, 1), (0, 6), (3, 4), (0, 3), (9, 10), (0, 9)] {
            super::super::move_links(&mut links, keep, gone);
            sums.merge(keep, gone);
            assert!(links[gone as usize].is_empty());
            for (g, l) in links.iter().enumerate() {
                let g = g as u32;
                let mut want: Vec<u32> = l.keys().copied().collect();
                let mut have: Vec<u32> = sums.dots[g as usize].keys().copied().collect();
                want.sort_unstable();
                have.sort_unstable();
                assert_eq!(have, want, "group {g} after merging {gone} into {keep}");
                assert!(!have.contains(&gone));
                for c in have {
                    let fresh = sums.fresh(g, c);
                    assert!((sums.dot(g, c) - fresh).abs() < 1e-5, "{g}-{c}");
                }
            }
        }
        // Term sums moved too: the ring's link 1-2 now belongs to group 0.
        assert!(links[0].contains_key(&2) && links[2].contains_key(&0));
        assert!(!links[2].contains_key(&1));
    }
}
