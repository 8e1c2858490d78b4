//! Naming groups: their key terms (c-TF-IDF over terms, for search and
//! evidence) and their name, a phrase the members wrote (kept apart from
//! the other features' names in `unique`); the readable words of terms.
//!
//! A name is a run of 1 to `label_terms + 1` words of one member's text, in
//! the members' word order, with at most `label_terms` content words, that
//! contains one of the group's strongest terms ("anchors"), starts and ends
//! with a content word (stop words only inside) and does not cross a clause
//! boundary or punctuation other than `-`, `'`, `/`, `&` and `+`. A run
//! that most of its counted occurrences (the first in each of the first
//! `VOTES` members that write it) go on past with a spaced content word
//! ("apply for a new" of "apply for a new card") is cut short, and names a
//! group only when no other run does. In scripts
//! written without spaces a character counts as half a word, so a CJK name
//! is a run of up to twice as many characters of the original text.
//!
//! Candidates are keyed by the set of their content words' normalised forms,
//! so a plural or another inflection, a different stop word inside or
//! another order ("cards arrived", "card has arrived", "arrival of the
//! card" is not the same: `arrival` is another word) is one candidate,
//! counted once per member (a word repeated in a window counts once). Its
//! written form is the one its members use most, a form with fewer stop
//! words preferred ("top up limit" over "limit for top ups"), lower-cased,
//! white space collapsed, ties by fewer personal pronouns ("invoices to a
//! spreadsheet" over "invoices into her spreadsheet"), then by the smaller
//! string; a particle that
//! follows it in most of that form's occurrences ends it ("verify my top
//! up", "log in"), the one stop word a name may end with.
//!
//! Score, c-TF-IDF over n-grams: the share of members containing the phrase,
//! to the power `SHARE_EXPONENT`, times the sum over its content words of
//! their weight in the group (the share of members using the word times the
//! square root of its rarity `ln(1 + n / df)`). Summing over the words
//! estimates an n-gram's rarity as for independent words (counting every
//! n-gram of the corpus would cost more than the clustering); the square
//! root keeps a rare word that a few members use from outweighing the
//! common words most of them share.
//!
//! Among the features of one clustering a diversity step keeps names apart:
//! no two share a name or the same set of content words.
//!
//! Work: one pass over the first `NAME_TEXT_BYTES` of each member's fields
//! (as the key terms' readable words already needed), with the window
//! search only over the tokens an anchor's windows reach, so naming stays
//! linear in the text.

use super::vectors::{self, Corpus, capped, is_content_term};
use crate::item::FeedbackItem;
use crate::text::{Analyzed, FxHashMap, is_nospace_char};
use written::{count_lowered, written_form};

mod unique;
mod written;

pub(super) use unique::unique_names;

/// The most members whose text a name is read from: a larger group's are
/// this many, evenly spaced in id order (a phrase most members write is
/// as common among them).
const NAME_MEMBERS: usize = 64;

/// A member's text as the namer reads it: a batch's items, and the
/// start of each request's title and body that a backlog keeps (named
/// from where they are, no copy made).
pub(super) trait MemberText {
    /// The title.
    fn title(&self) -> &str;
    /// The body.
    fn body(&self) -> &str;
}

impl MemberText for &FeedbackItem {
    fn title(&self) -> &str {
        &self.title
    }
    fn body(&self) -> &str {
        &self.body
    }
}

/// How many key terms a group lists.
pub(super) const KEY_TERMS: usize = 8;

/// A name contains one of the group's this many strongest terms.
const ANCHORS: usize = 12;

/// Candidate names a group keeps for the diversity step.
const KEPT: usize = 8;

/// Occurrences (the first in each of the first members, in id order) whose
/// written forms vote for a candidate's.
const VOTES: usize = 8;

/// Groups of at most this many members may be named by a phrase only one
/// of them wrote (in larger groups, two must): in two or three requests the
/// phrase they share is often a single word, and one member's wording names
/// the group as well as any.
const SMALL_GROUP: usize = 3;

/// How much the share of members using a phrase counts: its score is
/// `share^0.1 × weight`, so a phrase half the members use scores 0.93 of one
/// all use, and a longer phrase that says more wins over a single word that
/// more members use unless far fewer use the phrase.
const SHARE_EXPONENT: f64 = 0.1;

/// Stop words that may end a name when they follow its last content word
/// in most of the occurrences that vote for its written form: the particle
/// of a phrasal verb or compound ("top up", "log in", "sign out").
const PARTICLES: &[&str] = &["up", "in", "out", "off", "on", "down", "over"];

/// Names are read from the first this many bytes of each field (cut at a
/// character boundary): what a request asks for is said early, and a long
/// bug report's log or stack trace names nothing. Reading all of the 16 KB
/// the vectors take made naming about a fifth of the clustering's
/// instructions on the mixed shared data, most of them in long bodies
/// (42% of the body bytes lie past the first 1 KB).
const NAME_TEXT_BYTES: usize = 1024;

/// A term id that stands for "not a content word".
const NONE: u32 = u32::MAX;

/// A token's flags: worked out.
const KNOWN: u8 = 1;
/// A token's flags: a clause boundary or a breaking punctuation mark lies
/// before it.
const BREAKS: u8 = 2;
/// A token's flags: a word of a script written without spaces (one length
/// unit, not two).
const NOSPACE: u8 = 4;

/// The group's key terms, strongest first (all of them when `limit` is
/// `usize::MAX`), as `(weight, term)`, from `sum`, the sum of its `m`
/// members' vectors as `(term, sum, members)`.
///
/// c-TF-IDF style: the share of members using a term times how rare it is
/// overall. In groups, only terms two members share.
fn scored_terms(corpus: &Corpus, sum: &[(u32, f64, u32)], m: usize, limit: usize) -> Vec<u32> {
    let min_members = if m >= 2 { 2 } else { 1 };
    let mut scored: Vec<(f64, u32)> = sum
        .iter()
        .filter(|e| e.2 >= min_members)
        .map(|e| {
            let share = f64::from(e.2) / m as f64;
            let rarity = rarity(corpus, e.0);
            let weight = if m == 1 { e.1 } else { share * rarity };
            (weight, e.0)
        })
        .collect();
    scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.iter().take(limit).map(|e| e.1).collect()
}

/// `ln(1 + n / df)` of a term (as rare as possible for a term the corpus
/// has not counted).
fn rarity(corpus: &Corpus, term: u32) -> f64 {
    let df = corpus.df.get(term as usize).copied().unwrap_or(0).max(1);
    (1.0 + corpus.n as f64 / f64::from(df)).ln()
}

/// A name from the first `label_terms` key terms: the fallback when a group
/// has no candidate phrase (no content word at all).
pub(super) fn terms_name(key_terms: &[String], label_terms: usize) -> String {
    key_terms
        .iter()
        .take(label_terms)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A candidate name of a group, ready for the diversity step.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Choice {
    /// The written form.
    pub name: String,
    /// An order-free hash of its content words' normalised forms: two
    /// candidates with the same set are near-duplicates.
    pub set: u64,
    /// Share of members containing it times its rarity.
    pub score: f64,
}

/// What naming a group gives.
#[derive(Clone, Debug, Default)]
pub(super) struct Named {
    /// The key terms' readable words, strongest first.
    pub key_terms: Vec<String>,
    /// Candidate names, best first, with pairwise different word sets
    /// (empty when the members have no content word).
    pub choices: Vec<Choice>,
}

impl Named {
    /// The best candidate, or the key terms when there is none.
    pub fn name(&self, label_terms: usize) -> String {
        self.choices.first().map_or_else(
            || terms_name(&self.key_terms, label_terms),
            |c| c.name.clone(),
        )
    }
}

/// One token of a member's field, as the window search sees it.
#[derive(Clone, Copy, Debug)]
struct Tok {
    start: u32,
    end: u32,
    /// Its index among the field's tokens.
    index: u32,
    /// Term id of a content word, `NONE` otherwise.
    term: u32,
    /// Index in the anchors, or `u8::MAX`.
    anchor: u8,
    /// Length units: 2 for a word, 1 for a word of a script written without
    /// spaces (a CJK character is about half a word).
    units: u8,
    /// A clause boundary or a breaking punctuation mark lies before it.
    breaks: bool,
    /// A stop word that can end a phrasal verb or compound ("top up", "log
    /// in", "sign out").
    particle: bool,
    /// The content word's weight in the group: the share of members using
    /// it times the square root of its rarity.
    rare: f64,
}

/// Where a candidate occurs.
#[derive(Clone, Copy, Debug)]
struct Occ {
    member: u32,
    body: bool,
    start: u32,
    end: u32,
    /// The end with the particle that follows, if one does (else `end`).
    tail: u32,
    /// Stop words inside, particles not counted.
    stops: u8,
    /// A content word follows it directly, no break between: the phrase
    /// was cut short ("apply for a new" of "apply for a new card").
    open: bool,
}

/// A candidate being counted.
#[derive(Clone, Debug)]
struct Cand {
    set: u64,
    /// Members containing it.
    cov: u32,
    /// The last member counted, plus one.
    last: u32,
    /// The sum of its content words' weights in the group.
    weight: f64,
    occ: Vec<Occ>,
}

/// Names groups; holds reusable buffers, so one namer serves a clustering.
pub(super) struct Namer<'a> {
    corpus: &'a Corpus,
    label_terms: usize,
    buf: Analyzed,
    /// The group's anchors, strongest first.
    anchor_ids: Vec<u32>,
    /// The anchors' occurrences in the field: token index, anchor.
    at: Vec<(u32, u8)>,
    /// Per term of the group's sum, its weight in the group once computed
    /// (NaN before).
    rare: Vec<f64>,
    /// Per token of the field, its flags once worked out (0 before).
    flags: Vec<u8>,
    toks: Vec<Tok>,
    table: FxHashMap<u64, u32>,
    cands: Vec<Cand>,
    /// Emptied occurrence lists of earlier groups' candidates, for reuse
    /// (a group has hundreds of candidates: one allocation each was a tenth
    /// of the naming's instructions).
    spare: Vec<Vec<Occ>>,
}

/// A finaliser, so that sums of hashes (the order-free set key) spread.
fn fin(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// The key terms: for each anchor, the written form its members use most
/// (ties by the smaller string), or the term itself when none was counted.
fn key_terms(counts: Vec<Vec<(String, usize)>>, anchors: &[&str]) -> Vec<String> {
    counts
        .into_iter()
        .zip(anchors)
        .map(|(c, term)| {
            c.into_iter()
                .min_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)))
                .map_or_else(|| (*term).to_string(), |c| c.0)
        })
        .collect()
}

/// True when the text between two words breaks a phrase: anything but white
/// space and `-`, `'`, `’`, `/`, `&`, `+` (a comma, a bracket, a quote).
fn gap_breaks(gap: &str) -> bool {
    if gap == " " {
        return false; // the common case, without the character loop
    }
    gap.chars()
        .any(|c| !(c.is_whitespace() || matches!(c, '-' | '\'' | '’' | '/' | '&' | '+')))
}

/// Length units of a word: 1 in a script written without spaces (a CJK
/// character is about half a word), else 2.
fn units(surface: &str) -> u8 {
    // An ASCII character is of no such script: no need to look further.
    if surface.as_bytes().first().is_some_and(u8::is_ascii) {
        return 2;
    }
    if surface.chars().all(is_nospace_char) {
        1
    } else {
        2
    }
}

impl<'a> Namer<'a> {
    /// A namer for groups of `corpus`'s items; names have at most
    /// `label_terms` content words.
    pub fn new(corpus: &'a Corpus, label_terms: usize) -> Namer<'a> {
        Namer {
            corpus,
            label_terms,
            buf: Analyzed::default(),
            anchor_ids: Vec::new(),
            at: Vec::new(),
            rare: Vec::new(),
            flags: Vec::new(),
            toks: Vec::new(),
            table: FxHashMap::default(),
            cands: Vec::new(),
            spare: Vec::new(),
        }
    }

    /// Names a group: `items` are its members in id order, `sum` the sum of
    /// their vectors as `(term, sum, members)` sorted by term.
    pub fn name_group<T: MemberText + Copy>(
        &mut self,
        items: &[T],
        sum: &[(u32, f64, u32)],
    ) -> Named {
        let m = items.len();
        let sample: Vec<T>;
        let items = if m > NAME_MEMBERS {
            sample = (0..NAME_MEMBERS)
                .map(|i| items[(2 * i + 1) * m / (2 * NAME_MEMBERS)])
                .collect();
            &sample[..]
        } else {
            items
        };
        let corpus = self.corpus;
        self.anchor_ids = scored_terms(corpus, sum, m, ANCHORS);
        let anchors: Vec<&str> = self
            .anchor_ids
            .iter()
            .map(|&t| corpus.vocab.term(t))
            .collect();
        self.rare.clear();
        self.rare.resize(sum.len(), f64::NAN);
        let n_keys = anchors.len().min(KEY_TERMS);
        let mut counts: Vec<Vec<(String, usize)>> = vec![Vec::new(); n_keys];
        self.table.clear();
        for c in self.cands.drain(..) {
            let mut occ = c.occ;
            occ.clear();
            self.spare.push(occ);
        }
        for (k, it) in items.iter().enumerate() {
            for (body, field) in [(false, it.title()), (true, it.body())] {
                let field = capped(field, NAME_TEXT_BYTES);
                self.tokens(field, &anchors, &mut counts, (sum, m));
                self.windows(k as u32, body);
            }
        }
        let mut choices = self.choose(items);
        if choices.is_empty() && anchors.is_empty() {
            choices = written::fallback_choices(items, self.label_terms + 1);
        }
        Named {
            key_terms: key_terms(counts, &anchors),
            choices,
        }
    }

    /// Analyses one field, counting the key terms' written forms, and fills
    /// `self.toks` with the tokens a window with an anchor can reach, the
    /// content words among them looked up in the vocabulary.
    fn tokens(
        &mut self,
        field: &str,
        anchors: &[&str],
        counts: &mut [Vec<(String, usize)>],
        (sum, m): (&[(u32, f64, u32)], usize),
    ) {
        self.buf.analyze(field);
        self.find_anchors(field, anchors, counts);
        self.reachable(field);
        self.resolve(sum, m);
    }

    /// Finds the anchors' occurrences in the analysed field (into
    /// `self.at`, as token index and anchor) and counts the key terms'
    /// written forms.
    fn find_anchors(&mut self, field: &str, anchors: &[&str], counts: &mut [Vec<(String, usize)>]) {
        self.at.clear();
        // The anchors' lengths as a bit set, so that most words are told
        // apart from every anchor without comparing their bytes.
        let lengths = anchors.iter().fold(0u64, |m, a| m | 1 << a.len().min(63));
        for (i, tok) in self.buf.tokens.iter().enumerate() {
            let norm = self.buf.norm_bytes(tok);
            if lengths & (1 << norm.len().min(63)) == 0 {
                continue;
            }
            // The first bytes compared before the call that compares all.
            let same = |a: &&str| a.as_bytes().first() == norm.first() && a.as_bytes() == norm;
            let Some(a) = anchors.iter().position(same) else {
                continue;
            };
            if let Some(c) = counts.get_mut(a) {
                count_lowered(c, &field[tok.start..tok.end]);
            }
            self.at.push((i as u32, a as u8));
        }
    }

    /// Fills `self.toks` with the tokens of the windows that contain an
    /// anchor: those within `max_units` length units of it, no break
    /// between, and the token after them. No window with an anchor reaches past them,
    /// nor does the particle that may end one (it must fit in the units
    /// too), so the other tokens are left out; where two stretches are not
    /// adjacent, the first token of the second breaks (no window spans the
    /// two).
    fn reachable(&mut self, field: &str) {
        self.toks.clear();
        let max_units = 2 * (self.label_terms + 1);
        let n = self.buf.tokens.len();
        self.flags.clear();
        self.flags.resize(n, 0);
        let mut next = 0; // the first token not yet taken
        let mut cursor = 0; // into `self.at`
        for k in 0..self.at.len() {
            let (lo, mut hi) = self.reach(field, self.at[k].0 as usize, max_units);
            // And the token after, unless a break comes first: no window
            // with an anchor reaches it, but it tells whether one that ends
            // before it was cut short.
            if hi + 1 < n && self.flags(field, hi + 1) & BREAKS == 0 {
                hi += 1;
            }
            // The anchors come in order and so do their stretches' ends.
            let from = lo.max(next);
            for t in from..=hi {
                while self.at.get(cursor).is_some_and(|a| (a.0 as usize) < t) {
                    cursor += 1;
                }
                let anchor = match self.at.get(cursor) {
                    Some(&(i, a)) if i as usize == t => a,
                    _ => u8::MAX,
                };
                let apart = t == from && !self.toks.is_empty() && from != next;
                let tok = self.tok_at(field, t, anchor, apart);
                self.toks.push(tok);
            }
            next = next.max(hi + 1);
        }
    }

    /// The first and the last token that share a window with token `b`:
    /// within `max_units` length units of it, no break between.
    fn reach(&mut self, field: &str, b: usize, max_units: usize) -> (usize, usize) {
        let n = self.buf.tokens.len();
        let units = |f: u8| if f & NOSPACE != 0 { 1 } else { 2 };
        let at_b = self.flags(field, b);
        let (mut lo, mut sum, mut f) = (b, units(at_b), at_b);
        while lo > 0 && f & BREAKS == 0 {
            f = self.flags(field, lo - 1);
            sum += units(f);
            if sum > max_units {
                break;
            }
            lo -= 1;
        }
        let (mut hi, mut sum) = (b, units(at_b));
        while hi + 1 < n {
            let f = self.flags(field, hi + 1);
            sum += units(f);
            if f & BREAKS != 0 || sum > max_units {
                break;
            }
            hi += 1;
        }
        (lo, hi)
    }

    /// Token `t`'s flags (`KNOWN`, `BREAKS`, `NOSPACE`), worked out once
    /// per field.
    #[inline]
    fn flags(&mut self, field: &str, t: usize) -> u8 {
        match self.flags.get(t) {
            Some(&known) if known != 0 => known,
            _ => self.work_out_flags(field, t),
        }
    }

    /// [`Namer::flags`] the first time.
    #[inline(never)]
    fn work_out_flags(&mut self, field: &str, t: usize) -> u8 {
        let tokens = &self.buf.tokens;
        let (start, end) = (tokens[t].start, tokens[t].end);
        let gap = t
            .checked_sub(1)
            .map_or("", |p| &field[tokens[p].end..start]);
        let breaks = tokens[t].clause_start || gap_breaks(gap);
        let mut f = KNOWN;
        if breaks {
            f |= BREAKS;
        }
        if units(&field[start..end]) == 1 {
            f |= NOSPACE;
        }
        self.flags[t] = f;
        f
    }

    /// The window search's view of token `t` of the analysed field;
    /// `apart` when the previous token taken is not the one before it.
    fn tok_at(&mut self, field: &str, t: usize, anchor: u8, apart: bool) -> Tok {
        let f = self.flags(field, t);
        let tok = &self.buf.tokens[t];
        let norm = self.buf.norm_bytes(tok);
        Tok {
            start: tok.start as u32,
            end: tok.end as u32,
            index: t as u32,
            term: NONE,
            anchor,
            units: if f & NOSPACE != 0 { 1 } else { 2 },
            breaks: apart || f & BREAKS != 0,
            particle: norm.len() <= 4 && PARTICLES.iter().any(|p| p.as_bytes() == norm),
            rare: 0.0,
        }
    }

    /// Looks up the content words of `self.toks` (all share a window with
    /// an anchor).
    fn resolve(&mut self, sum: &[(u32, f64, u32)], m: usize) {
        for i in 0..self.toks.len() {
            let tok = self.toks[i];
            // An anchor is a term of the group, so a content word the
            // vocabulary knows.
            let term = match self.anchor_ids.get(usize::from(tok.anchor)) {
                Some(&term) => term,
                None => {
                    let norm = self.buf.norm(&self.buf.tokens[tok.index as usize]);
                    if !is_content_term(norm) {
                        continue;
                    }
                    self.corpus.vocab.get(norm).unwrap_or(NONE - 1)
                }
            };
            self.toks[i].term = term;
            // A word no member's vector has weighs 0 (its share is 0).
            if let Ok(at) = sum.binary_search_by_key(&term, |e| e.0) {
                let rare = &mut self.rare[at];
                if rare.is_nan() {
                    let share = f64::from(sum[at].2) / m as f64;
                    *rare = share * rarity(self.corpus, term).sqrt();
                }
                self.toks[i].rare = *rare;
            }
        }
    }

    /// Counts the candidate windows of the field in `self.toks` for member `k`.
    fn windows(&mut self, k: u32, body: bool) {
        let max_units = 2 * (self.label_terms + 1);
        let max_content = 2 * self.label_terms;
        let toks = &self.toks;
        for i in 0..toks.len() {
            if toks[i].term == NONE {
                continue;
            }
            let (mut units, mut content, mut has_anchor) = (0usize, 0usize, false);
            let (mut set, mut rare, mut stops) = (0u64, 0.0f64, 0u8);
            for j in i..toks.len() {
                let t = toks[j];
                if j > i && t.breaks {
                    break;
                }
                units += usize::from(t.units);
                if units > max_units {
                    break;
                }
                if t.term == NONE {
                    // A particle is part of its compound ("top up limit").
                    stops = stops.saturating_add(u8::from(!t.particle));
                    continue;
                }
                content += usize::from(t.units);
                if content > max_content {
                    break;
                }
                // A word repeated in the window counts once: the key is a set.
                if !toks[i..j].iter().any(|p| p.term == t.term) {
                    set = set.wrapping_add(fin(u64::from(t.term) + 1));
                    rare += t.rare;
                }
                has_anchor |= t.anchor != u8::MAX;
                if !has_anchor {
                    continue;
                }
                let slot = *self.table.entry(set).or_insert_with(|| {
                    self.cands.push(Cand {
                        set,
                        cov: 0,
                        last: 0,
                        weight: rare,
                        occ: self.spare.pop().unwrap_or_default(),
                    });
                    (self.cands.len() - 1) as u32
                });
                let c = &mut self.cands[slot as usize];
                if c.last != k + 1 {
                    c.last = k + 1;
                    c.cov += 1;
                    if c.occ.len() < VOTES {
                        let tail = toks
                            .get(j + 1)
                            .filter(|n| n.particle && !n.breaks)
                            .filter(|n| units + usize::from(n.units) <= max_units)
                            .map_or(t.end, |n| n.end);
                        c.occ.push(Occ {
                            member: k,
                            body,
                            start: toks[i].start,
                            end: t.end,
                            tail,
                            stops,
                            // Between words of scripts written without
                            // spaces every run is followed by another
                            // character: only spaced words are cut short.
                            open: t.units == 2
                                && toks
                                    .get(j + 1)
                                    .is_some_and(|n| n.term != NONE && !n.breaks && n.units == 2),
                        });
                    }
                }
            }
        }
    }

    /// The candidates enough of the group's `m` members use, as (score,
    /// index), in no order.
    fn scored(&self, m: usize) -> Vec<(f64, usize)> {
        let min_cov = if m > SMALL_GROUP { 2 } else { 1 };
        // `share^SHARE_EXPONENT` per number of members, computed once.
        let mut powers = vec![f64::NAN; m + 1];
        self.cands
            .iter()
            .enumerate()
            .filter(|(_, c)| c.cov >= min_cov)
            .map(|(i, c)| {
                let share = f64::from(c.cov) / m as f64;
                let power = match powers.get_mut(c.cov as usize) {
                    Some(p) => {
                        if p.is_nan() {
                            *p = share.powf(SHARE_EXPONENT);
                        }
                        *p
                    }
                    None => share.powf(SHARE_EXPONENT),
                };
                (power * c.weight, i)
            })
            .collect()
    }

    /// The best candidates with different word sets, best first, in their
    /// most used written form.
    fn choose<T: MemberText>(&mut self, items: &[T]) -> Vec<Choice> {
        let mut ranked = self.scored(items.len());
        let cands = &self.cands;
        let order = |a: &(f64, usize), b: &(f64, usize)| {
            b.0.total_cmp(&a.0)
                .then_with(|| cands[a.1].set.cmp(&cands[b.1].set))
                .then(a.1.cmp(&b.1))
        };
        // Only the first `KEPT` are needed in order (the order is total, so
        // they are those a full sort puts first); the rest only if some of
        // them give no name.
        let head = KEPT.min(ranked.len());
        if head < ranked.len() {
            ranked.select_nth_unstable_by(head, order);
        }
        ranked[..head].sort_unstable_by(order);
        let mut out: Vec<Choice> = Vec::new();
        // Candidates cut short in most of their occurrences, in order: taken
        // only when a group has no other.
        let mut cut_short: Vec<usize> = Vec::new();
        for k in 0..ranked.len() {
            if out.len() >= KEPT {
                break;
            }
            if k == head {
                ranked[head..].sort_unstable_by(order);
            }
            let (score, i) = ranked[k];
            let c = &cands[i];
            if out.iter().any(|o| o.set == c.set) {
                continue;
            }
            if 2 * c.occ.iter().filter(|o| o.open).count() > c.occ.len() {
                if cut_short.len() < KEPT {
                    cut_short.push(k);
                }
                continue;
            }
            if let Some(name) = written_form(&c.occ, items) {
                out.push(Choice {
                    name,
                    set: c.set,
                    score,
                });
            }
        }
        if out.is_empty() {
            out = cut_short
                .into_iter()
                .filter_map(|k| {
                    let (score, i) = ranked[k];
                    let name = written_form(&cands[i].occ, items)?;
                    Some(Choice {
                        name,
                        set: cands[i].set,
                        score,
                    })
                })
                .collect();
        }
        out
    }
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

#[cfg(test)]
mod tests;
