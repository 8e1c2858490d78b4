//! The training items as binary word and phrase features.

// The learner's maps are keyed by training text (words, n-grams of their
// ids): the standard, randomly keyed hash, so that text crafted to collide
// cannot make them quadratic. Nothing is read from them in an order that
// shows in a policy (`spellings` is scanned for a maximum with ties broken
// by the string), so the key never changes a result.
use std::collections::HashMap;

use super::{FeatureValues, FieldFeatures, Labelled, LearnParams};
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
    pub(super) terms: Vec<[u32; 3]>,
    /// Whether each feature is a title-only feature.
    pub(super) title: Vec<bool>,
    /// The value of each feature when present.
    pub(super) scale: Vec<f64>,
    /// The number of training items with each feature.
    pub(super) df: Vec<u32>,
}

pub(super) const NO: u32 = u32::MAX;

impl Features {
    pub(super) fn build(items: &[Labelled<'_>], p: &LearnParams) -> Features {
        // Raw words are interned first, so each distinct spelling is
        // normalised once; surfaces are counted per raw word.
        let mut raw_ids: HashMap<&str, u32> = HashMap::default();
        let mut raw_term: Vec<u32> = Vec::new();
        let mut raw_count: Vec<u32> = Vec::new();
        let mut raw_text: Vec<&str> = Vec::new();
        let mut term_ids: HashMap<Box<str>, u32> = HashMap::default();
        let mut gram_ids: HashMap<[u32; 4], u32> = HashMap::default();
        let mut gram_keys: Vec<[u32; 4]> = Vec::new();
        let mut df: Vec<u32> = Vec::new();
        let mut dfc: Vec<[u32; 5]> = Vec::new();
        let mut class_n = [0usize; 5];
        for i in items {
            class_n[i.class.index()] += 1;
        }
        let mut doc_offsets = Vec::with_capacity(items.len() + 1);
        let mut doc_grams: Vec<u32> = Vec::new();
        let mut a = Analyzed::default();
        let mut norm = String::new();
        let mut seq: Vec<(u32, bool)> = Vec::new();
        doc_offsets.push(0);
        for item in items {
            let start = doc_grams.len();
            for (fi, field) in [item.title, item.body].into_iter().enumerate() {
                a.analyze(field);
                seq.clear();
                for t in &a.tokens {
                    let word = &field[t.start..t.end];
                    let id = match raw_ids.get(word) {
                        Some(&id) => id,
                        None => {
                            let id = raw_term.len() as u32;
                            norm.clear();
                            text::normalize_word(word, &mut norm);
                            let term = if norm.is_empty() || text::is_substring_phrase(word) {
                                NO
                            } else {
                                let next = term_ids.len() as u32;
                                *term_ids.entry(norm.as_str().into()).or_insert(next)
                            };
                            raw_ids.insert(word, id);
                            raw_term.push(term);
                            raw_count.push(0);
                            raw_text.push(word);
                            id
                        }
                    };
                    raw_count[id as usize] += 1;
                    seq.push((raw_term[id as usize], t.clause_start));
                }
                for i in 0..seq.len() {
                    let mut key = [NO, NO, NO, 0];
                    for len in 1..=p.max_ngram {
                        let j = i + len - 1;
                        if j >= seq.len() || seq[j].0 == NO || (len > 1 && seq[j].1) {
                            break;
                        }
                        key[len - 1] = seq[j].0;
                        // Title words are also features of their own.
                        let titled = fi == 0 && p.fields == FieldFeatures::TitleApart;
                        for scope in [0, 1].into_iter().take(1 + usize::from(titled)) {
                            key[3] = scope;
                            let next = gram_keys.len() as u32;
                            let g = *gram_ids.entry(key).or_insert(next);
                            if g == next {
                                gram_keys.push(key);
                                df.push(0);
                                dfc.push([0; 5]);
                            }
                            doc_grams.push(g);
                        }
                    }
                }
            }
            let grams = &mut doc_grams[start..];
            grams.sort_unstable();
            let mut w = 0;
            for r in 0..grams.len() {
                if r == 0 || grams[r] != grams[w - 1] {
                    grams[w] = grams[r];
                    w += 1;
                }
            }
            doc_grams.truncate(start + w);
            for &g in &doc_grams[start..] {
                df[g as usize] += 1;
                dfc[g as usize][item.class.index()] += 1;
            }
            doc_offsets.push(doc_grams.len());
        }
        // The most frequent lower-case surface of each term (ties: the
        // smaller string). Only distinct raw words are visited.
        let mut spellings: HashMap<(u32, String), u32> = HashMap::default();
        for (r, &t) in raw_term.iter().enumerate() {
            if t != NO {
                *spellings
                    .entry((t, raw_text[r].to_lowercase()))
                    .or_insert(0) += raw_count[r];
            }
        }
        let mut surface: Vec<Option<(u32, String)>> = vec![None; term_ids.len()];
        for ((t, lower), count) in spellings {
            let slot = &mut surface[t as usize];
            if slot
                .as_ref()
                .is_none_or(|(c, s)| count > *c || (count == *c && lower < *s))
            {
                *slot = Some((count, lower));
            }
        }
        // Select features by document frequency; check each re-normalises.
        let mut remap = vec![NO; gram_keys.len()];
        let mut names = Vec::new();
        let mut lens = Vec::new();
        let mut terms_of = Vec::new();
        let mut title = Vec::new();
        let mut scale = Vec::new();
        let mut sel_df = Vec::new();
        // The `max_features` most frequent n-grams (ties: first seen).
        let mut eligible: Vec<u32> = (0..gram_keys.len() as u32)
            .filter(|&g| df[g as usize] as usize >= p.min_doc_freq)
            .collect();
        if eligible.len() > p.max_features {
            let order = |a: &u32, b: &u32| df[*b as usize].cmp(&df[*a as usize]).then(a.cmp(b));
            eligible.select_nth_unstable_by(p.max_features, order);
            eligible.truncate(p.max_features);
            eligible.sort_unstable();
        }
        for g in eligible {
            let g = g as usize;
            let key = &gram_keys[g];
            let words: Vec<&str> = key[..3]
                .iter()
                .take_while(|&&t| t != NO)
                .map(|&t| surface[t as usize].as_ref().map_or("", |s| s.1.as_str()))
                .collect();
            let name = words.join(" ");
            let terms = text::phrase_terms(&name);
            let expect = key[..3].iter().take_while(|&&t| t != NO).count();
            // A feature must re-normalise to its own terms and be a valid
            // keyword (a word of hundreds of characters is not).
            if terms.len() != expect || text::is_substring_phrase(&name) || !phrase_fits(&name) {
                continue;
            }
            remap[g] = names.len() as u32;
            names.push(name);
            lens.push(expect as u8);
            terms_of.push([key[0], key[1], key[2]]);
            title.push(key[3] == 1);
            sel_df.push(df[g]);
            scale.push(match p.values {
                FeatureValues::Binary => 1.0,
                FeatureValues::Idf => {
                    ((1.0 + items.len() as f64) / (1.0 + f64::from(df[g]))).ln() + 1.0
                }
                FeatureValues::LogOdds => {
                    // The largest smoothed log ratio, over the classes, of
                    // the share of the class's items that have the feature
                    // to the share of the other items that do.
                    let n = items.len() as f64;
                    let all = f64::from(df[g]);
                    let mut best: f64 = 0.0;
                    for c in 0..5 {
                        let nc = class_n[c] as f64;
                        if nc == 0.0 || nc == n {
                            continue;
                        }
                        let in_c = f64::from(dfc[g][c]);
                        let r = ((in_c + 0.5) / (nc + 1.0)).ln()
                            - ((all - in_c + 0.5) / (n - nc + 1.0)).ln();
                        best = best.max(r.abs());
                    }
                    best.max(0.05)
                }
            });
        }
        let mut offsets = Vec::with_capacity(items.len() + 1);
        let mut ids = Vec::new();
        offsets.push(0);
        for d in 0..items.len() {
            ids.extend(
                doc_grams[doc_offsets[d]..doc_offsets[d + 1]]
                    .iter()
                    .map(|&g| remap[g as usize])
                    .filter(|&f| f != NO),
            );
            offsets.push(ids.len());
        }
        Features {
            offsets,
            ids,
            names,
            lens,
            terms: terms_of,
            title,
            scale,
            df: sel_df,
        }
    }

    pub(super) fn doc(&self, d: usize) -> &[u32] {
        &self.ids[self.offsets[d]..self.offsets[d + 1]]
    }
}
