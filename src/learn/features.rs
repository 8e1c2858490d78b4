//! The training items as binary word and phrase features.

// The learner's maps are keyed by training text (words, n-grams of their
// ids): the standard, randomly keyed hash, so that text crafted to collide
// cannot make them quadratic. Nothing is read from them in an order that
// shows in a policy (`spellings` is scanned for a maximum with ties broken
// by the string), so the key never changes a result.
use std::collections::HashMap;

use super::{FeatureValues, FieldFeatures, Labelled, LearnParams};
use crate::class::CLASSES;
use crate::policy::phrase_fits;
use crate::text::{self, Analyzed};

/// The training items as binary feature sets.
pub(super) struct Features {
    /// Per item, offsets into `ids`.
    pub(super) offsets: Vec<usize>,
    /// Selected feature ids of every item, concatenated.
    pub(super) ids: Vec<u32>,
    /// Surface form of each feature.
    pub(super) names: Vec<String>,
    /// Words in each feature.
    pub(super) lens: Vec<u8>,
    /// The term ids of each feature's words (unused slots [`NO`]).
    pub(super) terms: Vec<[u32; MAX_WORDS]>,
    /// Whether each feature is a title-only feature.
    pub(super) title: Vec<bool>,
    /// The value of each feature when present.
    pub(super) scale: Vec<f64>,
    /// The number of training items with each feature.
    pub(super) df: Vec<u32>,
}

pub(super) const NO: u32 = u32::MAX;

/// The most words in a feature (the largest `max_ngram`): an n-gram's key
/// holds this many term ids, then its scope.
const MAX_WORDS: usize = super::params::MAX_NGRAM;
/// Where an n-gram's key holds its scope (1: title-only).
const SCOPE: usize = MAX_WORDS;
/// The least value of a feature under [`FeatureValues::LogOdds`].
const LOG_ODDS_FLOOR: f64 = 0.05;

impl Features {
    pub(super) fn build(items: &[Labelled<'_>], p: &LearnParams) -> Features {
        let counted = Counted::count(items, p);
        let surface = counted.surfaces();
        let mut features = Features {
            offsets: Vec::with_capacity(items.len() + 1),
            ids: Vec::new(),
            names: Vec::new(),
            lens: Vec::new(),
            terms: Vec::new(),
            title: Vec::new(),
            scale: Vec::new(),
            df: Vec::new(),
        };
        // Select features by document frequency; check each re-normalises.
        let mut remap = vec![NO; counted.gram_keys.len()];
        for g in counted.eligible(p) {
            let g = g as usize;
            let key = &counted.gram_keys[g];
            let words: Vec<&str> = key[..MAX_WORDS]
                .iter()
                .take_while(|&&t| t != NO)
                .map(|&t| surface[t as usize].as_ref().map_or("", |s| s.1.as_str()))
                .collect();
            let name = words.join(" ");
            let terms = text::phrase_terms(&name);
            let expect = key[..MAX_WORDS].iter().take_while(|&&t| t != NO).count();
            // A feature must re-normalise to its own terms and be a valid
            // keyword (a word of hundreds of characters is not).
            if terms.len() != expect || text::is_substring_phrase(&name) || !phrase_fits(&name) {
                continue;
            }
            remap[g] = features.names.len() as u32;
            features.names.push(name);
            features.lens.push(expect as u8);
            features.terms.push(std::array::from_fn(|i| key[i]));
            features.title.push(key[SCOPE] == 1);
            features.df.push(counted.df[g]);
            features.scale.push(counted.value(g, p.values, items.len()));
        }
        features.offsets.push(0);
        for d in 0..items.len() {
            features.ids.extend(
                counted
                    .doc(d)
                    .iter()
                    .map(|&g| remap[g as usize])
                    .filter(|&f| f != NO),
            );
            features.offsets.push(features.ids.len());
        }
        features
    }

    pub(super) fn doc(&self, d: usize) -> &[u32] {
        &self.ids[self.offsets[d]..self.offsets[d + 1]]
    }
}

/// Every n-gram of the training items, before selection.
struct Counted<'t> {
    /// Raw words (as written) by first occurrence: each is normalised once.
    raw_ids: HashMap<&'t str, u32>,
    /// The term id of each raw word ([`NO`] if it has none).
    raw_term: Vec<u32>,
    /// How often each raw word occurs.
    raw_count: Vec<u32>,
    /// Each raw word.
    raw_text: Vec<&'t str>,
    /// Normalised terms.
    term_ids: HashMap<Box<str>, u32>,
    /// N-grams: up to three term ids and a scope (1: title-only).
    gram_ids: HashMap<[u32; MAX_WORDS + 1], u32>,
    /// Each n-gram's key.
    gram_keys: Vec<[u32; MAX_WORDS + 1]>,
    /// The number of items with each n-gram.
    df: Vec<u32>,
    /// The number of items of each class with each n-gram.
    dfc: Vec<[u32; CLASSES]>,
    /// The number of items of each class.
    class_n: [usize; CLASSES],
    /// Per item, offsets into `doc_grams`.
    doc_offsets: Vec<usize>,
    /// The distinct n-grams of every item, concatenated.
    doc_grams: Vec<u32>,
}

impl<'t> Counted<'t> {
    fn count(items: &[Labelled<'t>], p: &LearnParams) -> Counted<'t> {
        let mut c = Counted {
            raw_ids: HashMap::default(),
            raw_term: Vec::new(),
            raw_count: Vec::new(),
            raw_text: Vec::new(),
            term_ids: HashMap::default(),
            gram_ids: HashMap::default(),
            gram_keys: Vec::new(),
            df: Vec::new(),
            dfc: Vec::new(),
            class_n: [0usize; CLASSES],
            doc_offsets: Vec::with_capacity(items.len() + 1),
            doc_grams: Vec::new(),
        };
        for i in items {
            c.class_n[i.class.index()] += 1;
        }
        let mut a = Analyzed::default();
        let mut norm = String::new();
        let mut seq: Vec<(u32, bool)> = Vec::new();
        c.doc_offsets.push(0);
        for item in items {
            let start = c.doc_grams.len();
            for (fi, field) in [item.title, item.body].into_iter().enumerate() {
                a.analyze(field);
                seq.clear();
                for t in &a.tokens {
                    let id = c.raw_id(&field[t.start..t.end], &mut norm);
                    c.raw_count[id as usize] += 1;
                    seq.push((c.raw_term[id as usize], t.clause_start));
                }
                // Title words are also features of their own.
                let titled = fi == 0 && p.fields == FieldFeatures::TitleApart;
                c.push_grams(&seq, p.max_ngram, titled);
            }
            c.close_item(start, item.class.index());
        }
        c
    }

    /// The id of a raw word, interned (and normalised) on first sight.
    fn raw_id(&mut self, word: &'t str, norm: &mut String) -> u32 {
        if let Some(&id) = self.raw_ids.get(word) {
            return id;
        }
        let id = self.raw_term.len() as u32;
        norm.clear();
        text::normalize_word(word, norm);
        let term = if norm.is_empty() || text::is_substring_phrase(word) {
            NO
        } else {
            let next = self.term_ids.len() as u32;
            *self.term_ids.entry(norm.as_str().into()).or_insert(next)
        };
        self.raw_ids.insert(word, id);
        self.raw_term.push(term);
        self.raw_count.push(0);
        self.raw_text.push(word);
        id
    }

    /// Adds the n-grams of one field's terms (with whether each starts a
    /// clause) to the current item; with `titled`, also as title-only.
    fn push_grams(&mut self, seq: &[(u32, bool)], max_ngram: usize, titled: bool) {
        for i in 0..seq.len() {
            let mut key = [NO; MAX_WORDS + 1];
            key[SCOPE] = 0;
            for len in 1..=max_ngram {
                let j = i + len - 1;
                if j >= seq.len() || seq[j].0 == NO || (len > 1 && seq[j].1) {
                    break;
                }
                key[len - 1] = seq[j].0;
                for scope in [0, 1].into_iter().take(1 + usize::from(titled)) {
                    key[SCOPE] = scope;
                    let next = self.gram_keys.len() as u32;
                    let g = *self.gram_ids.entry(key).or_insert(next);
                    if g == next {
                        self.gram_keys.push(key);
                        self.df.push(0);
                        self.dfc.push([0; CLASSES]);
                    }
                    self.doc_grams.push(g);
                }
            }
        }
    }

    /// Ends the item whose n-grams start at `start`: keeps each once and
    /// counts it.
    fn close_item(&mut self, start: usize, class: usize) {
        let grams = &mut self.doc_grams[start..];
        grams.sort_unstable();
        let mut w = 0;
        for r in 0..grams.len() {
            if r == 0 || grams[r] != grams[w - 1] {
                grams[w] = grams[r];
                w += 1;
            }
        }
        self.doc_grams.truncate(start + w);
        for &g in &self.doc_grams[start..] {
            self.df[g as usize] += 1;
            self.dfc[g as usize][class] += 1;
        }
        self.doc_offsets.push(self.doc_grams.len());
    }

    /// The distinct n-grams of item `d`.
    fn doc(&self, d: usize) -> &[u32] {
        &self.doc_grams[self.doc_offsets[d]..self.doc_offsets[d + 1]]
    }

    /// The most frequent lower-case surface of each term, with its count
    /// (ties: the smaller string). Only distinct raw words are visited.
    fn surfaces(&self) -> Vec<Option<(u32, String)>> {
        let mut spellings: HashMap<(u32, String), u32> = HashMap::default();
        for (r, &t) in self.raw_term.iter().enumerate() {
            if t != NO {
                *spellings
                    .entry((t, self.raw_text[r].to_lowercase()))
                    .or_insert(0) += self.raw_count[r];
            }
        }
        let mut surface: Vec<Option<(u32, String)>> = vec![None; self.term_ids.len()];
        for ((t, lower), count) in spellings {
            let slot = &mut surface[t as usize];
            if slot
                .as_ref()
                .is_none_or(|(c, s)| count > *c || (count == *c && lower < *s))
            {
                *slot = Some((count, lower));
            }
        }
        surface
    }

    /// The n-grams in at least `min_doc_freq` items, at most the
    /// `max_features` most frequent (ties: first seen), in id order.
    fn eligible(&self, p: &LearnParams) -> Vec<u32> {
        let df = &self.df;
        let mut eligible: Vec<u32> = (0..self.gram_keys.len() as u32)
            .filter(|&g| df[g as usize] as usize >= p.min_doc_freq)
            .collect();
        if eligible.len() > p.max_features {
            let order = |a: &u32, b: &u32| df[*b as usize].cmp(&df[*a as usize]).then(a.cmp(b));
            eligible.select_nth_unstable_by(p.max_features, order);
            eligible.truncate(p.max_features);
            eligible.sort_unstable();
        }
        eligible
    }

    /// The value of n-gram `g` when present, among `n` items.
    fn value(&self, g: usize, values: FeatureValues, n: usize) -> f64 {
        match values {
            FeatureValues::Binary => 1.0,
            FeatureValues::Idf => ((1.0 + n as f64) / (1.0 + f64::from(self.df[g]))).ln() + 1.0,
            FeatureValues::LogOdds => {
                // The largest smoothed log ratio, over the classes, of
                // the share of the class's items that have the feature
                // to the share of the other items that do.
                let n = n as f64;
                let all = f64::from(self.df[g]);
                let mut best: f64 = 0.0;
                for c in 0..CLASSES {
                    let nc = self.class_n[c] as f64;
                    if nc == 0.0 || nc == n {
                        continue;
                    }
                    let in_c = f64::from(self.dfc[g][c]);
                    // Add-half smoothing (a Jeffreys prior): a gram absent
                    // from one side gets a finite ratio.
                    let r = ((in_c + 0.5) / (nc + 1.0)).ln()
                        - ((all - in_c + 0.5) / (n - nc + 1.0)).ln();
                    best = best.max(r.abs());
                }
                // A floor, so that a feature as common in every class
                // still counts a little (at 0 it could get no weight).
                best.max(LOG_ODDS_FLOOR)
            }
        }
    }
}
