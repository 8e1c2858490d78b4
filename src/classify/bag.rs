//! Bag-of-words rules: rules whose keywords simply add up as found (no
//! conditions, exclusions or negation, not decisive), such as the embedded
//! default's learned layer of thousands of weighted words and word pairs.
//!
//! Compiling gives every distinct keyword text of these rules one phrase,
//! whose *cells* say what it adds to which rule: a word that five learned
//! rules weigh is matched once, not five times. Deciding adds the cells up
//! per rule in one pass ([`accumulate`]); once the verdict is known, a
//! second pass ([`strongest`]) ranks the strongest keywords of the rules of
//! the classes the result shows, so neither the work nor the evidence grows
//! with the number of rules a word belongs to.

use std::ops::Range;

use crate::policy::{Rule, Scope, TextField};

/// The keywords of a bag rule listed in its evidence (its strongest found);
/// the rest are summed into one [`EvidenceKind::OtherKeywords`].
///
/// [`EvidenceKind::OtherKeywords`]: crate::EvidenceKind::OtherKeywords
pub(super) const SHOWN: usize = 5;

/// Whether a rule's keywords are compiled as a bag of words.
pub(super) fn is_bag(rule: &Rule) -> bool {
    rule.when.is_empty()
        && rule.exclude.is_empty()
        && !rule.negatable
        && !rule.decisive
        && !rule.keywords.is_empty()
}

/// What one bag phrase adds to one rule: 12 bytes, 4-aligned, so that the
/// cells of a phrase (one per rule that weighs it) share a cache line more
/// often than not. The keyword's index in its rule, needed only for the
/// evidence, is kept apart ([`Compiled::bag_index`]).
///
/// [`Compiled::bag_index`]: super::Compiled
#[derive(Clone, Copy, Debug)]
pub(super) struct Cell {
    /// The bits of the rule's weight times the keyword's (in the body), low
    /// half first: two `u32`s rather than an `f64`, which would pad the
    /// cell to 16 bytes.
    value: [u32; 2],
    /// The rule (low 30 bits) and the fields it reads (top 2 bits, as
    /// [`scope_bits`]).
    rule_scope: u32,
}

impl Cell {
    pub fn new(rule: u32, value: f64, field: Scope) -> Cell {
        debug_assert!(rule <= RULE_MASK);
        let bits = value.to_bits();
        Cell {
            value: [bits as u32, (bits >> 32) as u32],
            rule_scope: (rule & RULE_MASK) | (scope_bits(field) << SCOPE_SHIFT),
        }
    }

    /// The rule's weight times the keyword's (in the body).
    #[inline(always)]
    pub fn value(&self) -> f64 {
        f64::from_bits(u64::from(self.value[0]) | (u64::from(self.value[1]) << 32))
    }

    /// The rule the cell adds to.
    #[inline(always)]
    pub fn rule(&self) -> u32 {
        self.rule_scope & RULE_MASK
    }

    /// The fields the rule reads, as [`scope_bits`].
    #[inline(always)]
    fn scope(&self) -> u32 {
        self.rule_scope >> SCOPE_SHIFT
    }
}

/// Where a cell's scope bits start: the rule takes the 30 bits below them
/// (a policy of 2^30 rules would need far more memory than exists).
const SCOPE_SHIFT: u32 = 30;
const RULE_MASK: u32 = (1 << SCOPE_SHIFT) - 1;

/// 0 the title, 1 the body, 2 both.
fn scope_bits(field: Scope) -> u32 {
    match field {
        Scope::Title => 0,
        Scope::Body => 1,
        Scope::Both => 2,
    }
}

/// The first match of a bag phrase in one field.
#[derive(Clone, Debug)]
pub(super) struct Hit {
    pub phrase: u32,
    /// Its cells: `start..start + len` in the compiled cells.
    pub start: u32,
    pub len: u32,
    pub field: TextField,
    /// The fields the phrase was found in, once both are scanned: bit 0
    /// the title, bit 1 the body.
    pub seen: u8,
    pub span: Range<usize>,
}

impl Hit {
    /// The range of its cells.
    #[inline]
    pub fn cells(&self) -> Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// One rule's sum over the item's bag phrases.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Acc {
    pub total: f64,
    /// Keywords counted.
    pub count: u32,
}

/// A rule's strongest keywords found: (value, hit, cell), best first.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Top {
    top: [(f64, u32, u32); SHOWN],
    n: u8,
}

impl Top {
    /// Ranks a keyword worth `value`, found by hit `hit` through cell `cell`.
    #[inline]
    fn add(&mut self, value: f64, hit: u32, cell: u32) {
        let n = usize::from(self.n);
        // Full, and no better than the last: the search below would find
        // no place either (most keywords, once the five are found).
        if n == SHOWN && self.top[SHOWN - 1].0 >= value {
            return;
        }
        // Hits come in text order: an equal value found later ranks after.
        let at = self.top[..n].partition_point(|t| t.0 >= value);
        if at < SHOWN {
            // The entries from `at` move down one (the last falls off), in
            // a loop of fixed length: a copy of a length known only at run
            // time would be a call to memmove.
            let old = self.top;
            for j in 1..SHOWN {
                if j > at {
                    self.top[j] = old[j - 1];
                }
            }
            self.top[at] = (value, hit, cell);
            self.n = (n + 1).min(SHOWN) as u8;
        }
    }

    /// The best (value, hit, cell) entries.
    pub fn shown(&self) -> &[(f64, u32, u32)] {
        &self.top[..usize::from(self.n)]
    }
}

/// Adds every bag hit's cells to the rules' sums. `acc` has one entry per
/// rule, zero for every rule not in `touched`; the rules newly touched are
/// pushed to `touched`, unsorted.
pub(super) fn accumulate(
    hits: &[Hit],
    cells: &[Cell],
    title_weight: f64,
    acc: &mut [Acc],
    touched: &mut Vec<u32>,
) {
    for_each_count(hits, cells, title_weight, |value, _, _, cell| {
        if let Some(a) = acc.get_mut(cell.rule() as usize) {
            if a.count == 0 {
                touched.push(cell.rule());
            }
            a.total += value;
            a.count += 1;
        }
    });
}

/// Whether bag phrases can be added up as the scan finds them
/// ([`add_now`]): when a title hit counts at least as much as a body hit,
/// where a phrase counts is known once the fields before it are scanned.
pub(super) fn adds_as_found(title_weight: f64) -> bool {
    title_weight >= 1.0
}

/// Adds the cells of a bag phrase just found in `field` to the rules' sums,
/// as [`accumulate`] adds them, in the same order (title hits, then body
/// hits, each in text order), when [`adds_as_found`]: a title hit counts
/// for the rules reading the title or both fields, a body hit for those
/// reading the body, and for those reading both unless the phrase was
/// found in the title (`in_title`). The rules newly touched are written to
/// `touched` as bits (bit `r % 64` of word `r / 64` for rule `r`).
#[inline(always)]
pub(super) fn add_now(
    cells: &[Cell],
    field: TextField,
    in_title: bool,
    title_weight: f64,
    acc: &mut [Acc],
    touched: &mut [u64],
) {
    // Per scope (as `scope_bits`), whether the hit counts.
    let (counts, factor) = match field {
        TextField::Title => (0b101u32, title_weight),
        TextField::Body => (0b010 | (u32::from(!in_title) << 2), 1.0),
    };
    for cell in cells {
        let r = cell.rule() as usize;
        if counts >> cell.scope() & 1 != 0
            && let Some(a) = acc.get_mut(r)
        {
            // Set always: no branch to mispredict on the first of a rule's
            // keywords in the text, and the rules come out in order.
            if let Some(bits) = touched.get_mut(r / 64) {
                *bits |= 1 << (r % 64);
            }
            a.total += cell.value() * factor;
            a.count += 1;
        }
    }
}

/// Appends the rules whose bits are set in `bits` to `touched`, in rule
/// order, and clears the bits.
pub(super) fn drain_bits(bits: &mut [u64], touched: &mut Vec<u32>) {
    for (i, word) in bits.iter_mut().enumerate() {
        let mut w = std::mem::take(word);
        while w != 0 {
            touched.push((i * 64) as u32 + w.trailing_zeros());
            w &= w - 1;
        }
    }
}

/// The strongest keywords of the rules `slot_of` gives a place in `tops`
/// (the others are skipped): one pass over the hits, whatever the number of
/// rules asked for.
pub(super) fn strongest(
    hits: &[Hit],
    cells: &[Cell],
    title_weight: f64,
    slot_of: impl Fn(&Cell) -> Option<usize>,
    tops: &mut [Top],
) {
    for_each_count(hits, cells, title_weight, |value, hit, c, cell| {
        if let Some(t) = slot_of(cell).and_then(|i| tops.get_mut(i)) {
            t.add(value, hit, c);
        }
    });
}

/// Calls `f(value, hit, cell index, cell)` for every cell a hit counts in
/// (`cell index` within the hit's cells): a phrase found in both fields
/// has a hit in each, and only the one in the cell's best field counts it.
#[inline]
fn for_each_count(
    hits: &[Hit],
    cells: &[Cell],
    title_weight: f64,
    mut f: impl FnMut(f64, u32, u32, &Cell),
) {
    for (i, h) in hits.iter().enumerate() {
        // Per scope (as `scope_bits`), whether the hit counts for a rule
        // reading it; the factor depends on the hit's field alone.
        let mut counts = 0u32;
        for (bit, scope) in [Scope::Title, Scope::Body, Scope::Both]
            .into_iter()
            .enumerate()
        {
            if best_field(h.seen, scope, title_weight).is_some_and(|(_, field)| field == h.field) {
                counts |= 1 << bit;
            }
        }
        if counts == 0 {
            continue;
        }
        let factor = match h.field {
            TextField::Title => title_weight,
            TextField::Body => 1.0,
        };
        let Some(cells) = cells.get(h.cells()) else {
            continue;
        };
        for (c, cell) in cells.iter().enumerate() {
            if counts >> cell.scope() & 1 != 0 {
                f(cell.value() * factor, i as u32, c as u32, cell);
            }
        }
    }
}

/// The factor a keyword found in the fields `seen` (bit 0 title, bit 1
/// body) counts at for a rule reading `field`, and the field it counts in:
/// its best, as for every keyword.
#[inline]
pub(super) fn best_field(seen: u8, field: Scope, title_weight: f64) -> Option<(f64, TextField)> {
    let title = seen & 1 != 0 && field.covers(TextField::Title);
    let body = seen & 2 != 0 && field.covers(TextField::Body);
    match (title, body) {
        (true, true) if title_weight >= 1.0 => Some((title_weight, TextField::Title)),
        (true, true) | (false, true) => Some((1.0, TextField::Body)),
        (true, false) => Some((title_weight, TextField::Title)),
        (false, false) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A rule's strongest keywords are the first five of its keywords
        /// sorted by value, best first, an equal value found later ranking
        /// after (a stable sort), however many are added.
        #[test]
        fn top_keeps_the_five_best_in_order(
            values in proptest::collection::vec(0u8..12, 0..40),
        ) {
            let mut top = Top::default();
            for (i, &v) in values.iter().enumerate() {
                top.add(f64::from(v) / 4.0, i as u32, 0);
            }
            let mut plain: Vec<(f64, u32, u32)> = values
                .iter()
                .enumerate()
                .map(|(i, &v)| (f64::from(v) / 4.0, i as u32, 0))
                .collect();
            plain.sort_by(|a, b| b.0.total_cmp(&a.0));
            plain.truncate(SHOWN);
            proptest::prop_assert_eq!(top.shown(), &plain[..]);
        }
    }
}
