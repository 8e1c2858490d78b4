//! The linkage's queue: a max-heap with four children per node. On a large
//! input the queue outgrows the cache, and a pop's walk down the heap
//! misses at each level; with four children per node the walk has half
//! the levels (the four children lie side by side). The queue's entries
//! are all distinct under a total order, so any correct heap pops them in
//! the same sequence as `std::collections::BinaryHeap` (a test checks it).

/// A max-heap of `T`.
#[derive(Debug)]
pub(super) struct Heap<T> {
    v: Vec<T>,
}

impl<T: Ord> Heap<T> {
    /// A heap of `v`'s items, built in O(n).
    pub fn from_vec(v: Vec<T>) -> Heap<T> {
        let mut h = Heap { v };
        if h.v.len() > 1 {
            for i in (0..=(h.v.len() - 2) / 4).rev() {
                h.sift_down(i);
            }
        }
        h
    }

    /// Adds `x`.
    pub fn push(&mut self, x: T) {
        self.v.push(x);
        let mut i = self.v.len() - 1;
        while i > 0 {
            let p = (i - 1) / 4;
            if self.v[i] <= self.v[p] {
                break;
            }
            self.v.swap(i, p);
            i = p;
        }
    }

    /// Removes and returns the greatest item.
    pub fn pop(&mut self) -> Option<T> {
        let last = self.v.pop()?;
        if self.v.is_empty() {
            return Some(last);
        }
        let top = std::mem::replace(&mut self.v[0], last);
        self.sift_down(0);
        Some(top)
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.v.len();
        loop {
            let first = 4 * i + 1;
            if first >= n {
                return;
            }
            let mut best = first;
            for c in first + 1..(first + 4).min(n) {
                if self.v[c] > self.v[best] {
                    best = c;
                }
            }
            if self.v[best] <= self.v[i] {
                return;
            }
            self.v.swap(i, best);
            i = best;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BinaryHeap;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Built from any items, then any pushes and pops, the heap pops
        /// what `BinaryHeap` pops (distinct items: each carries its place).
        #[test]
        fn pops_as_the_binary_heap_does(
            initial in proptest::collection::vec(0u32..50, 0..60),
            ops in proptest::collection::vec(proptest::option::of(0u32..50), 0..300),
        ) {
            let initial: Vec<(u32, usize)> = initial.into_iter().zip(0..).collect();
            let mut ours = Heap::from_vec(initial.clone());
            let mut std = BinaryHeap::from(initial);
            for (k, op) in ops.into_iter().enumerate() {
                match op {
                    Some(x) => {
                        ours.push((x, 1000 + k));
                        std.push((x, 1000 + k));
                    }
                    None => proptest::prop_assert_eq!(ours.pop(), std.pop()),
                }
            }
            while let Some(x) = std.pop() {
                proptest::prop_assert_eq!(ours.pop(), Some(x));
            }
            proptest::prop_assert_eq!(ours.pop(), None);
        }
    }
}
