//! Requests that read the same belong to one group, whatever the linkage
//! made of them.
//!
//! The candidate search leaves out terms found in more than
//! `max_document_ratio` of the items, and the dense vectors are centred on
//! the batch's mean: a request asked in the same words by a large share of
//! the batch (65 copies of "Export invoices to Excel" among 65 items, or
//! half of them) has no term left to find its copies by and, centred, no
//! meaning either, so the copies stayed apart or split over several
//! features. After the linkage, every set of items with the same text
//! (case and white space aside) joins the group holding most of them. The
//! same words are not enough: the term vectors leave stop words out, and
//! "the card arrived" is not "the card has not arrived".

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{Hash, Hasher};

use super::vectors::SparseVec;
use crate::item::FeedbackItem;
use crate::text::{FxHashMap, is_ascii_blank, written_into};

/// A term vector compared and hashed by the bits of its weights.
struct Bits<'a>(&'a [(u32, f32)]);

impl PartialEq for Bits<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(other.0)
                .all(|(a, b)| a.0 == b.0 && a.1.to_bits() == b.1.to_bits())
    }
}

impl Eq for Bits<'_> {}

impl Hash for Bits<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_usize(self.0.len());
        for &(t, w) in self.0 {
            h.write_u64(u64::from(t) << 32 | u64::from(w.to_bits()));
        }
    }
}

/// Whether an item's title and body are both blank.
fn blank(item: &FeedbackItem) -> bool {
    item.title.trim().is_empty() && item.body.trim().is_empty()
}

/// An item's text in written form (lower-cased, runs of white space one
/// space, as feature names are written), title and body apart.
fn folded(item: &FeedbackItem) -> String {
    let mut out = String::with_capacity(item.title.len() + item.body.len() + 1);
    written_into(&mut out, &item.title);
    out.push('\n');
    written_into(&mut out, &item.body);
    out
}

/// Moves every set of items that read the same (the same title and body,
/// case and runs of white space aside) into one group: the group (`roots`
/// label) holding most of the set, ties by the set's first member in
/// `items`' order. `vectors[i]` is item `i`'s term vector, `roots[i]` its
/// group label. Linear in the items and their text: only the items whose
/// term vectors are equal (a necessary condition) have their text
/// compared. The result depends on the order of `items` only through that
/// tie, and `items` come in the pipeline's fixed order.
pub(super) fn unite_same(vectors: &[SparseVec], items: &[&FeedbackItem], roots: &mut [u32]) {
    let mut sets = Vec::new();
    for bucket in buckets(vectors).iter().filter(|b| b.len() > 1) {
        same_texts(bucket, items, &mut sets);
    }
    for members in sets.iter_mut().filter(|m| m.len() > 1) {
        // In the items' order, which breaks ties.
        members.sort_unstable();
        join(members, roots);
    }
}

/// The items with equal term vectors (each list in index order), in the
/// order of their first item. Keys come from request text: the map's hash
/// is randomly keyed (only looked up, never iterated, so the result does
/// not depend on it); so are the maps below.
fn buckets(vectors: &[SparseVec]) -> Vec<Vec<u32>> {
    let mut bucket_of: HashMap<Bits<'_>, u32> = HashMap::with_capacity(vectors.len());
    let mut buckets: Vec<Vec<u32>> = Vec::new();
    for (i, v) in vectors.iter().enumerate() {
        let b = *bucket_of.entry(Bits(v)).or_insert_with(|| {
            buckets.push(Vec::new());
            (buckets.len() - 1) as u32
        });
        buckets[b as usize].push(i as u32);
    }
    buckets
}

/// Adds to `sets` the sets of the bucket's items that read the same (blank
/// items say nothing: they stay apart). Only items whose texts have the
/// same [`shape`] can read the same, so the items are first sorted by it
/// and only those that share theirs are compared (copies that differ by a
/// word are told apart without writing either out); should an item have
/// no shape (a text not ASCII), the whole bucket is compared.
fn same_texts(bucket: &[u32], items: &[&FeedbackItem], sets: &mut Vec<Vec<u32>>) {
    let live = bucket
        .iter()
        .copied()
        .filter(|&i| items.get(i as usize).is_some_and(|it| !blank(it)));
    let mut shaped: Vec<(u128, u32)> = Vec::with_capacity(bucket.len());
    for i in live {
        match shape(items[i as usize]) {
            Some(s) => shaped.push((s, i)),
            None => return compared(bucket, items, sets),
        }
    }
    // By shape, then index: each run in index order.
    shaped.sort_unstable();
    let mut run = Vec::new();
    for same in shaped.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        run.clear();
        run.extend(same.iter().map(|e| e.1));
        compared(&run, items, sets);
    }
}

/// What an ASCII title and body keep in written form (see [`folded`]): per
/// field, the number of bytes other than white space and their sum once
/// lower-cased (both wrapping). Texts that read the same have the same
/// bytes in written form, so the same shape. `None` when either field is
/// not ASCII (lower-casing other characters can change their bytes, even
/// into ASCII ones).
fn shape(item: &FeedbackItem) -> Option<u128> {
    let ((tn, ts), (bn, bs)) = (field_shape(&item.title)?, field_shape(&item.body)?);
    Some(u128::from(tn) << 96 | u128::from(ts) << 64 | u128::from(bn) << 32 | u128::from(bs))
}

/// One field's part of [`shape`], or `None` when it is not ASCII.
fn field_shape(s: &str) -> Option<(u32, u32)> {
    let b = s.as_bytes();
    if !b.is_ascii() {
        return None;
    }
    let (mut n, mut sum) = (0u32, 0u32);
    // Counted in 16-bit lanes, 256 bytes at a time (at most 256 x 127 =
    // 32,512 each): eight bytes to a vector, where 32-bit lanes took four
    // and twice the instructions.
    for block in b.chunks(256) {
        let (mut block_n, mut block_sum) = (0u16, 0u16);
        for &c in block {
            let kept = u16::from(!is_ascii_blank(c));
            block_n += kept;
            block_sum += kept * u16::from(c.to_ascii_lowercase());
        }
        n = n.wrapping_add(u32::from(block_n));
        sum = sum.wrapping_add(u32::from(block_sum));
    }
    Some((n, sum))
}

/// Adds to `sets` the sets of the non-blank items of `bucket` that read the
/// same. Copies are mostly byte for byte the same, so the distinct texts
/// are found first, by their raw text, and each is folded once, only when
/// there is more than one.
fn compared(bucket: &[u32], items: &[&FeedbackItem], sets: &mut Vec<Vec<u32>>) {
    let mut raw_of: HashMap<(&str, &str), u32> = HashMap::new();
    let mut raws: Vec<Vec<u32>> = Vec::new();
    for &i in bucket {
        let Some(it) = items.get(i as usize).filter(|it| !blank(it)) else {
            continue;
        };
        let r = *raw_of
            .entry((it.title.as_str(), it.body.as_str()))
            .or_insert_with(|| {
                raws.push(Vec::new());
                (raws.len() - 1) as u32
            });
        raws[r as usize].push(i);
    }
    if raws.len() < 2 {
        sets.extend(raws);
        return;
    }
    let mut set_of: HashMap<String, u32> = HashMap::with_capacity(raws.len());
    for members in raws {
        match set_of.entry(folded(items[members[0] as usize])) {
            Entry::Occupied(s) => sets[*s.get() as usize].extend(members),
            Entry::Vacant(v) => {
                v.insert(sets.len() as u32);
                sets.push(members);
            }
        }
    }
}

/// Moves a set's members (in index order) into the group holding most of
/// them; among equals, the group of its earliest member.
fn join(members: &[u32], roots: &mut [u32]) {
    // Per label: (copies, the place of its first copy in the set).
    let mut counts: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
    for (at, &m) in members.iter().enumerate() {
        counts.entry(roots[m as usize]).or_insert((0, at as u32)).0 += 1;
    }
    if counts.len() < 2 {
        return;
    }
    // Most copies; among equals, the label that came first (a total order,
    // so the map's order does not matter).
    let Some((&label, _)) = counts
        .iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
    else {
        return;
    };
    for &m in members {
        roots[m as usize] = label;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(texts: &[&str]) -> Vec<FeedbackItem> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| FeedbackItem::new(format!("{i}")).with_title(*t))
            .collect()
    }

    #[test]
    fn a_set_joins_the_group_holding_most_of_it() {
        let items = items(&["export", "export", "dark mode", "export", "", " "]);
        let refs: Vec<&FeedbackItem> = items.iter().collect();
        let (a, b) = (vec![(1, 0.5)], vec![(2, 1.0)]);
        let vectors = vec![a.clone(), a.clone(), b, a, vec![], vec![]];
        // The three copies sit in groups 0, 1 and 1: group 1 holds most.
        let mut roots = vec![0, 1, 2, 1, 4, 5];
        unite_same(&vectors, &refs, &mut roots);
        // Blank items read the same, but say nothing: they stay apart.
        assert_eq!(roots, [1, 1, 2, 1, 4, 5]);
    }

    #[test]
    fn ties_go_to_the_first_label_and_texts_without_terms_compare_folded() {
        let items = items(&["Ok", "  OK ", "ok!", "Ok"]);
        let refs: Vec<&FeedbackItem> = items.iter().collect();
        let vectors = vec![vec![]; 4];
        // "Ok", "  OK " and "Ok" read the same (case and spaces aside):
        // labels 7, 3 and 9 hold one each, so the first, 7, takes them.
        let mut roots = vec![7, 3, 5, 9];
        unite_same(&vectors, &refs, &mut roots);
        assert_eq!(roots, [7, 7, 5, 7]);
        // Equal weights are compared by their bits, not as floats near.
        let close = vec![vec![(1, 0.5)], vec![(1, 0.5f32.next_up())]];
        let mut roots = vec![0, 1];
        unite_same(&close, &refs[..2], &mut roots);
        assert_eq!(roots, [0, 1]);
    }

    #[test]
    fn the_same_terms_in_other_words_stay_apart() {
        // Stop words are not terms: equal vectors, other requests.
        let items = items(&["The card arrived", "the card has not arrived"]);
        let refs: Vec<&FeedbackItem> = items.iter().collect();
        let vectors = vec![vec![(1, 0.6), (2, 0.8)]; 2];
        let mut roots = vec![0, 1];
        unite_same(&vectors, &refs, &mut roots);
        assert_eq!(roots, [0, 1]);
    }

    /// The sets as a sorted list of sorted member lists (their order in
    /// `sets` means nothing: they are disjoint).
    fn partition(mut sets: Vec<Vec<u32>>) -> Vec<Vec<u32>> {
        sets.retain(|s| s.len() > 1);
        for s in &mut sets {
            s.sort_unstable();
        }
        sets.sort();
        sets
    }

    #[test]
    fn texts_that_read_the_same_have_the_same_shape() {
        let a = FeedbackItem::new("a")
            .with_title(" Export\tInvoices ")
            .with_body("To  EXCEL\n");
        let b = FeedbackItem::new("b")
            .with_title("export invoices")
            .with_body("to excel");
        let c = FeedbackItem::new("c")
            .with_title("export invoice")
            .with_body("to excel");
        assert_eq!(shape(&a), shape(&b));
        assert_ne!(shape(&a), shape(&c));
        // Lower-casing beyond ASCII may change bytes: no shape.
        assert_eq!(
            shape(&FeedbackItem::new("d").with_title("\u{212A}ey")),
            None
        );
    }

    #[test]
    fn a_long_field_is_shaped_block_by_block_as_byte_by_byte() {
        let plain = |s: &str| {
            s.bytes()
                .filter(|c| !matches!(c, b'\t'..=b'\r' | b' '))
                .fold((0u32, 0u32), |(n, sum), c| {
                    (n + 1, sum + u32::from(c.to_ascii_lowercase()))
                })
        };
        for len in [0, 1, 255, 256, 257, 511, 512, 513, 5000] {
            let text: String = "Zz \t~\r".chars().cycle().take(len).collect();
            assert_eq!(field_shape(&text), Some(plain(&text)), "{len}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Sorting by shape first finds the sets comparing every text finds,
        /// on texts of a few words in both cases, spaced in several ways,
        /// with anagrams (same shape, other text) and the odd non-ASCII word.
        #[test]
        fn the_shaped_search_finds_the_compared_sets(
            texts in proptest::collection::vec(
                (proptest::collection::vec(0usize..10, 0..4), 0usize..3, 0usize..3),
                1..40,
            ),
            ascii in proptest::bool::ANY,
        ) {
            // The ASCII words first: without the last two, every text has
            // a shape.
            const WORDS: [&str; 10] =
                ["on", "no", "Export", "EXPORT", "export", "tab", "bat", "kit", "\u{212A}it", "é"];
            let word = |w: usize| WORDS[if ascii { w % 8 } else { w }];
            const GAPS: [&str; 3] = [" ", "  ", "\t"];
            let items: Vec<FeedbackItem> = texts
                .iter()
                .enumerate()
                .map(|(i, (words, gap, split))| {
                    let words: Vec<&str> = words.iter().map(|&w| word(w)).collect();
                    let (title, body) = words.split_at((*split).min(words.len()));
                    FeedbackItem::new(format!("{i}"))
                        .with_title(title.join(GAPS[*gap]))
                        .with_body(body.join(GAPS[(*gap + 1) % 3]))
                })
                .collect();
            let refs: Vec<&FeedbackItem> = items.iter().collect();
            let bucket: Vec<u32> = (0..items.len() as u32).collect();
            let (mut shaped, mut plain) = (Vec::new(), Vec::new());
            same_texts(&bucket, &refs, &mut shaped);
            compared(&bucket, &refs, &mut plain);
            proptest::prop_assert_eq!(partition(shaped), partition(plain));
        }
    }

    #[test]
    fn many_copies_alone_become_one_group_in_linear_time() {
        // 20,000 loners reading the same: one count per label (a scan of
        // the labels per copy would be 4 * 10^8 steps).
        let n = 20_000;
        let items = items(&vec!["export invoices"; n]);
        let refs: Vec<&FeedbackItem> = items.iter().collect();
        let vectors = vec![vec![(3, 1.0)]; n];
        let mut roots: Vec<u32> = (0..n as u32).collect();
        unite_same(&vectors, &refs, &mut roots);
        assert!(roots.iter().all(|&r| r == 0));
    }
}
