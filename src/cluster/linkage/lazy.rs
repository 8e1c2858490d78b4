//! The term-only linkage with lazy partners: a merge does not touch the
//! lists of the merged groups' partners.
//!
//! The plain linkage (the parent module) keeps every group's links exact:
//! when `gone` merges into `keep`, each partner of `gone` drops `gone` from
//! its map and adds (or adds to) `keep`. Those updates are random reads into
//! maps spread over the whole graph, a few cache misses each, and on 100k
//! items they were most of the linkage's time. Here a group's links are a
//! plain list of `(partner, sum)` that may name groups merged since the list
//! was last read; it is resolved only when its own group is read (scanned
//! for its best link, checked, or merged), by following the merge tree.
//!
//! The output is the plain linkage's, bit for bit: every merge is the same,
//! and every link sum is added in the same order. A stale list can hold
//! several entries that now belong to one group; they are combined in the
//! order of the merges that joined their groups (the plain linkage added
//! them at those merges, `sum at keep + sum at gone`, and f32 addition is
//! not associative). A property test holds this module to the plain one,
//! merges and link sums alike.

use super::heap::Heap;
use super::{CAPACITY_FACTOR, Entry, Queued, term_mean};
use crate::cluster::candidates::Edge;

/// The mark of a group that has merged away in `Lazy::state`.
const GONE: u32 = 1 << 31;

/// Whether `n` items fit the lazy linkage's state (sizes below `GONE`).
pub(super) fn fits(n: usize) -> bool {
    n < GONE as usize
}

/// Groups `0..sizes.len()`, group `g` of `sizes[g]` items, by average
/// linkage on the term links alone; the same result as the plain linkage
/// without vectors.
pub(super) fn term_linkage(
    sizes: Vec<u32>,
    edges: Vec<Edge>,
    threshold: f64,
    per_item: Option<usize>,
) -> Vec<u32> {
    super::group_names(&run_from(sizes, edges, threshold, per_item, 0).parent)
}

/// Runs the linkage to its end and returns its state, with the slots'
/// stamps starting at `stamp` (the tests start near the end, so that the
/// stamps run out). A start other than 0 finds the slots holding small
/// stamps, as a long run would leave them: were they not cleared when the
/// stamps start over, entries would look placed and the result would
/// differ.
pub(super) fn run_from(
    sizes: Vec<u32>,
    edges: Vec<Edge>,
    threshold: f64,
    per_item: Option<usize>,
    stamp: u32,
) -> Lazy {
    let n = sizes.len();
    let mut l = Lazy {
        links: item_lists(n, edges),
        state: sizes,
        capacity: per_item.map_or(f64::INFINITY, |k| k as f64 * CAPACITY_FACTOR),
        threshold,
        version: vec![0u32; n],
        bound: vec![f64::NEG_INFINITY; n],
        parent: vec![u32::MAX; n],
        time: vec![u32::MAX; n],
        merges: 0,
        clean_at: vec![0u32; n],
        stamp,
        slot: (0..n)
            .map(|i| {
                if stamp == 0 {
                    (0, 0)
                } else {
                    (1 + (i % 4) as u32, 0)
                }
            })
            .collect(),
        moved: Vec::new(),
        scratch: Vec::new(),
        first: Vec::new(),
        heap: Heap::from_vec(Vec::new()),
    };
    let mut initial = Vec::new();
    for g in 0..n as u32 {
        if let Some(e) = l.best(g)
            && e.value >= threshold
        {
            l.bound[g as usize] = e.value;
            initial.push(Queued {
                entry: e,
                group: g,
                version: 0,
            });
        }
    }
    l.heap = Heap::from_vec(initial);
    while let Some(q) = l.heap.pop() {
        if q.entry.value < threshold {
            break;
        }
        let g = q.group;
        if l.parent[g as usize] != u32::MAX || l.version[g as usize] != q.version {
            continue;
        }
        let (a, b) = (q.entry.a, q.entry.b);
        let partner = if a == g { b } else { a };
        if a != b && l.parent[partner as usize] == u32::MAX {
            l.resolve(g);
            let sum = l.links[g as usize]
                .iter()
                .find(|l| l.0 == partner)
                .map_or(0.0, |l| l.1);
            if l.mean(a, b, sum) == q.entry.value {
                l.merge(a, b);
                continue;
            }
        }
        l.rescan(g);
    }
    l
}

/// The state of the lazy linkage.
pub(super) struct Lazy {
    /// Each live group's links, `(partner, sum of similarities)`; a partner
    /// may have merged into another group since the list was resolved.
    /// Each partner appears once, and never the group itself.
    pub(super) links: Vec<Vec<(u32, f32)>>,
    /// A live group's size, or `GONE` with a group toward its root once it
    /// has merged away (compressed `parent`): reading a partner's liveness,
    /// its size and its way up touch one word.
    state: Vec<u32>,
    capacity: f64,
    threshold: f64,
    version: Vec<u32>,
    bound: Vec<f64>,
    /// `parent[g]` = the group `g` was merged into (`u32::MAX` while alive).
    pub(super) parent: Vec<u32>,
    /// `time[g]` = the number of the merge that ended group `g`.
    time: Vec<u32>,
    merges: u32,
    /// `clean_at[g] == merges` when no merge happened since group `g`'s list
    /// was last resolved.
    clean_at: Vec<u32>,
    /// `slot[g] == (stamp, i)` when `g` is in the list being built, at `i`.
    stamp: u32,
    slot: Vec<(u32, u32)>,
    /// Partners moved by a merge, with their new sums.
    moved: Vec<(u32, f32)>,
    /// A stale list's later entries of a group: `(group now, entry's
    /// group, sum)`.
    scratch: Vec<(u32, u32, f32)>,
    /// A stale list's first entry of each group, as it was.
    first: Vec<(u32, f32)>,
    heap: Heap<Queued>,
}

impl Lazy {
    fn mean(&self, a: u32, b: u32, sum: f32) -> f64 {
        term_mean(
            self.capacity,
            self.state[a as usize],
            self.state[b as usize],
            sum,
        )
    }

    /// A stamp no slot holds yet (the slots are cleared when the stamps
    /// run out: one is taken per merge and per stale list resolved, so
    /// only a run of about four billion of those reaches it).
    fn next_stamp(&mut self) {
        if self.stamp == u32::MAX {
            self.slot.fill((0, 0));
            self.stamp = 0;
        }
        self.stamp += 1;
    }

    /// The live group that `g` is now part of.
    fn find(&mut self, g: u32) -> u32 {
        let mut r = g;
        while self.state[r as usize] & GONE != 0 {
            r = self.state[r as usize] & !GONE;
        }
        let mut x = g;
        while x != r {
            let next = self.state[x as usize] & !GONE;
            self.state[x as usize] = GONE | r;
            x = next;
        }
        r
    }

    /// Brings group `g`'s list up to date: each entry names a live group,
    /// with the sum the plain linkage holds for it.
    fn resolve(&mut self, g: u32) {
        if self.clean_at[g as usize] == self.merges {
            return;
        }
        self.clean_at[g as usize] = self.merges;
        let state = &self.state;
        if self.links[g as usize]
            .iter()
            .all(|&(c, _)| state[c as usize] & GONE == 0)
        {
            return;
        }
        let mut list = std::mem::take(&mut self.links[g as usize]);
        let mut first = std::mem::take(&mut self.first);
        let mut extra = std::mem::take(&mut self.scratch);
        first.clear();
        extra.clear();
        self.next_stamp();
        // In place: each group's first entry stays (renamed), later entries
        // of the same group are set aside.
        let mut w = 0;
        for i in 0..list.len() {
            let (c, s) = list[i];
            let r = self.find(c);
            if self.slot[r as usize].0 == self.stamp {
                extra.push((r, c, s));
                continue;
            }
            self.slot[r as usize] = (self.stamp, w as u32);
            list[w] = (r, moved_sum(r, c, s));
            first.push((c, s));
            w += 1;
        }
        list.truncate(w);
        if !extra.is_empty() {
            extra.sort_unstable_by_key(|e| (e.0, e.1));
            let mut i = 0;
            while i < extra.len() {
                let r = extra[i].0;
                let mut j = i + 1;
                while j < extra.len() && extra[j].0 == r {
                    j += 1;
                }
                let p = self.slot[r as usize].1 as usize;
                let (c, s) = first[p];
                list[p].1 = if j == i + 1 && plain(s) && plain(extra[i].2) {
                    // Two entries: whichever merges joined them, the plain
                    // linkage added them once (0 + x is x for these).
                    s + extra[i].2
                } else {
                    self.combine(r, (c, s), &extra[i..j])
                };
                i = j;
            }
        }
        debug_assert!(list.iter().all(|l| l.0 != g));
        self.links[g as usize] = list;
        self.first = first;
        self.scratch = extra;
    }

    /// The sum of entries that all now belong to group `root`, added as the
    /// merges that joined them added them: replaying the merges in order,
    /// an entry moving from `gone` to `keep` is added to `keep`'s entry.
    fn combine(&self, root: u32, first: (u32, f32), rest: &[(u32, u32, f32)]) -> f32 {
        let mut at: Vec<(u32, f32)> = std::iter::once(first)
            .chain(rest.iter().map(|&(_, c, s)| (c, s)))
            .collect();
        loop {
            // The entry whose group merged away first moves up.
            let next = at
                .iter()
                .enumerate()
                .filter(|(_, e)| e.0 != root)
                .min_by_key(|(_, e)| self.time[e.0 as usize])
                .map(|(i, _)| i);
            let Some(i) = next else { break };
            let (c, s) = at[i];
            let keep = self.parent[c as usize];
            match at.iter().position(|e| e.0 == keep) {
                Some(k) => {
                    at[k].1 += s;
                    at.swap_remove(i);
                }
                None => at[i] = (keep, 0.0 + s),
            }
        }
        debug_assert_eq!(at.len(), 1);
        at[0].1
    }

    /// A group's best link: the largest value, ties by the smaller pair.
    fn best(&self, g: u32) -> Option<Entry> {
        let mut top: Option<Entry> = None;
        for &(c, sum) in &self.links[g as usize] {
            let e = Entry {
                value: self.mean(g, c, sum),
                a: g.min(c),
                b: g.max(c),
            };
            if top.as_ref().is_none_or(|t| e > *t) {
                top = Some(e);
            }
        }
        top
    }

    /// Resolves group `g`'s bound (or stale best) with a scan.
    fn rescan(&mut self, g: u32) {
        self.resolve(g);
        self.version[g as usize] += 1;
        match self.best(g) {
            Some(e) if e.value >= self.threshold => {
                self.bound[g as usize] = e.value;
                self.heap.push(Queued {
                    entry: e,
                    group: g,
                    version: self.version[g as usize],
                });
            }
            _ => self.bound[g as usize] = f64::NEG_INFINITY,
        }
    }

    /// Merges groups `a` and `b`.
    fn merge(&mut self, a: u32, b: u32) {
        self.resolve(a);
        self.resolve(b);
        // As the plain linkage: the group with fewer links into the one with
        // more (ties: into the smaller id).
        let (keep, gone) = {
            let (la, lb) = (self.links[a as usize].len(), self.links[b as usize].len());
            if la > lb || (la == lb && a < b) {
                (a, b)
            } else {
                (b, a)
            }
        };
        self.parent[gone as usize] = keep;
        self.time[gone as usize] = self.merges;
        self.merges += 1;
        self.state[keep as usize] += self.state[gone as usize];
        self.state[gone as usize] = GONE | keep;
        let mut list = std::mem::take(&mut self.links[keep as usize]);
        let from = std::mem::take(&mut self.links[gone as usize]);
        list.retain(|l| l.0 != gone);
        self.next_stamp();
        for (i, &(c, _)) in list.iter().enumerate() {
            self.slot[c as usize] = (self.stamp, i as u32);
        }
        let mut moved = std::mem::take(&mut self.moved);
        moved.clear();
        for &(c, s) in from.iter().filter(|l| l.0 != keep) {
            if self.slot[c as usize].0 == self.stamp {
                let sum = &mut list[self.slot[c as usize].1 as usize].1;
                *sum += s;
                moved.push((c, *sum));
            } else {
                list.push((c, 0.0 + s));
                moved.push((c, 0.0 + s));
            }
        }
        self.links[keep as usize] = list;
        self.clean_at[keep as usize] = self.merges;
        // A moved link may now be worth more than its partner's entry.
        for &(c, sum) in &moved {
            let v = self.mean(keep, c, sum);
            if v < self.bound[c as usize] {
                continue;
            }
            self.push_bound(c, self.bound[c as usize].max(v));
        }
        self.moved = moved;
        // The new group's list is resolved and in cache: its entry becomes
        // its exact best now (the plain linkage queues a bound and scans
        // when it surfaces; either way the best pair is merged next).
        self.rescan(keep);
    }

    /// Makes `bound` group `g`'s live entry, queued if it reaches the
    /// threshold.
    fn push_bound(&mut self, g: u32, bound: f64) {
        self.version[g as usize] += 1;
        self.bound[g as usize] = bound;
        if bound >= self.threshold {
            self.heap.push(Queued {
                entry: Entry {
                    value: bound,
                    a: 0,
                    b: 0,
                },
                group: g,
                version: self.version[g as usize],
            });
        }
    }

    /// Every live group's links, resolved and sorted (for the tests).
    #[cfg(test)]
    pub(super) fn resolved(&mut self) -> Vec<Vec<(u32, f32)>> {
        (0..self.links.len() as u32)
            .map(|g| {
                if self.parent[g as usize] != u32::MAX {
                    return Vec::new();
                }
                self.resolve(g);
                let mut l = self.links[g as usize].clone();
                l.sort_unstable_by_key(|l| l.0);
                l
            })
            .collect()
    }
}

/// The sum of an entry of group `c` that now belongs to group `root`: moved
/// into a group with no entry yet, the plain linkage added it to 0.
fn moved_sum(root: u32, c: u32, s: f32) -> f32 {
    if root == c { s } else { 0.0 + s }
}

/// Whether `0 + s` is `s`, bit for bit (all but -0).
fn plain(s: f32) -> bool {
    s.to_bits() != (-0.0f32).to_bits()
}

/// Each item's links as a list, the sums added in edge order (as the plain
/// linkage's maps are built).
fn item_lists(n: usize, edges: Vec<Edge>) -> Vec<Vec<(u32, f32)>> {
    let by_item = super::by_item(n, edges);
    let mut mark = vec![u32::MAX; n];
    let mut pos = vec![0u32; n];
    by_item
        .runs()
        .enumerate()
        .map(|(g, run)| {
            let mut list: Vec<(u32, f32)> = Vec::with_capacity(run.len());
            for &(c, s) in run {
                if mark[c as usize] == g as u32 {
                    list[pos[c as usize] as usize].1 += s;
                } else {
                    mark[c as usize] = g as u32;
                    pos[c as usize] = list.len() as u32;
                    list.push((c, 0.0 + s));
                }
            }
            list
        })
        .collect()
}
