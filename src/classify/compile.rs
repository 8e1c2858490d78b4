//! Compiling a policy: the term and phrase tables, and the bag cells.

use super::{Compiled, Owner, Phrase, bag, decide, names, substrings, terms};
use crate::policy::{Policy, Rule};
use crate::text::{self, FxHashMap};

/// What compiling collects before it builds the lookup structures.
#[derive(Default)]
struct Builder<'p> {
    /// Normalised term -> term id.
    term_ids: FxHashMap<Box<[u8]>, u32>,
    /// Term id -> the one-word phrases that are this term.
    single: Vec<Vec<u32>>,
    /// (first, second) term ids -> the phrases of two or more words starting
    /// with them, longest first.
    pairs: FxHashMap<(u32, u32), Vec<u32>>,
    /// A bag phrase's terms -> its entry.
    bag_phrases: FxHashMap<Box<[u32]>, u32>,
    /// Per bag entry: its cells, each with the keyword's index in its rule.
    bag_cells: Vec<Vec<(bag::Cell, u32)>>,
    /// A bag keyword's text (as written) -> what it compiled to, so that a
    /// text several bag rules weigh is analysed once.
    bag_texts: FxHashMap<&'p str, BagText>,
    /// The buffer phrases are analysed in.
    analyzed: text::Analyzed,
}

/// What a bag keyword's text compiled to.
#[derive(Clone, Copy)]
enum BagText {
    /// A phrase in a script without spaces: a plain keyword.
    Substring,
    /// No words: nothing to match.
    Empty,
    /// The bag entry of its words.
    Entry(u32),
}

impl Builder<'_> {
    /// The id of a normalised term, new on first use.
    fn term_id(&mut self, term: &[u8]) -> u32 {
        if let Some(&id) = self.term_ids.get(term) {
            return id;
        }
        let next = self.term_ids.len() as u32;
        self.term_ids.insert(term.into(), next);
        next
    }

    /// The term ids of a phrase's words, as the matcher sees them (those of
    /// [`text::phrase_terms`]), analysed in the builder's buffer: no string
    /// per word, and none per term already known.
    fn phrase_ids(&mut self, phrase: &str) -> Box<[u32]> {
        let mut a = std::mem::take(&mut self.analyzed);
        a.analyze(phrase);
        let ids = a
            .tokens
            .iter()
            .map(|t| self.term_id(a.norm_bytes(t)))
            .collect();
        self.analyzed = a;
        ids
    }
}

impl Compiled {
    pub(super) fn new(policy: Policy) -> Compiled {
        let mut c = Compiled {
            policy: Policy::empty(),
            terms: terms::TermTable::new(&[]),
            names: names::Names::new(&policy, |r| decide::describe(&policy.rules[r].when)),
            index: terms::PhraseIndex::default(),
            max_phrase: 1,
            keywordless: policy
                .rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.keywords.is_empty())
                .map(|(i, _)| i)
                .collect(),
            facts: decide::Facts::default(),
            bag_cells: Vec::new(),
            bag_index: Vec::new(),
            phrases: Vec::new(),
            substrings: substrings::Substrings::default(),
        };
        let mut b = Builder::default();
        for (r, rule) in policy.rules.iter().enumerate() {
            c.add_rule(&mut b, r as u32, rule);
        }
        if policy.settings.negation_window > 0 {
            for cue in &policy.settings.negation_cues {
                c.add_phrase(&mut b, cue, Owner::Cue);
            }
        }
        // The cells of each bag phrase in one array, and each phrase told
        // where its own are (its entry until now).
        let mut entries = Vec::with_capacity(b.bag_cells.len());
        for cells in b.bag_cells.drain(..) {
            entries.push((c.bag_cells.len() as u32, cells.len() as u32));
            c.bag_cells.extend(cells.iter().map(|&(cell, _)| cell));
            c.bag_index.extend(cells.iter().map(|&(_, index)| index));
        }
        for p in &mut c.phrases {
            if let Owner::Bag { start, len } = &mut p.owner {
                (*start, *len) = entries[*start as usize];
            }
        }
        // Longest phrase first, then policy order: deterministic.
        let phrases = &c.phrases;
        for list in b.pairs.values_mut() {
            list.sort_by_key(|&p| (std::cmp::Reverse(phrases[p as usize].terms.len()), p));
        }
        c.substrings.finish();
        // The builder's maps served compiling; matching uses the table and
        // the index.
        let table: Vec<(&[u8], u32, bool)> = b
            .term_ids
            .iter()
            .map(|(t, &id)| (&**t, id, text::stems_to_itself(t)))
            .collect();
        c.terms = terms::TermTable::new(&table);
        b.single.resize_with(b.term_ids.len(), Vec::new);
        c.max_phrase = c
            .phrases
            .iter()
            .map(|p| p.terms.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let pairs: Vec<((u32, u32), &[u32])> = b.pairs.iter().map(|(&k, v)| (k, &v[..])).collect();
        c.index = terms::PhraseIndex::new(&b.single, &pairs, |p| {
            let phrase = &c.phrases[p as usize];
            terms::Listed {
                phrase: p,
                len: phrase.terms.len() as u32,
                owner: phrase.owner,
            }
        });
        c.facts = decide::Facts::new(&policy, &c.phrases);
        c.policy = policy;
        c
    }

    /// Adds a rule's keywords and exclusions: a bag rule's keywords as bag
    /// cells (but those in scripts without spaces), the others as phrases.
    fn add_rule<'p>(&mut self, b: &mut Builder<'p>, r: u32, rule: &'p Rule) {
        let is_bag = bag::is_bag(rule);
        for (i, k) in rule.keywords.iter().enumerate() {
            if is_bag {
                let cell = (
                    bag::Cell::new(r, rule.weight * k.weight, rule.field),
                    i as u32,
                );
                if self.add_bag_keyword(b, &k.text, cell) {
                    continue;
                }
            }
            self.add_phrase(
                b,
                &k.text,
                Owner::Keyword {
                    rule: r,
                    index: i as u32,
                },
            );
        }
        for (i, e) in rule.exclude.iter().enumerate() {
            self.add_phrase(
                b,
                e,
                Owner::Exclude {
                    rule: r,
                    index: i as u32,
                },
            );
        }
    }

    /// Adds a keyword of a bag rule to the bag phrase of its words, made
    /// on first use. False for a phrase in a script without spaces, which
    /// is matched as a plain keyword.
    fn add_bag_keyword<'p>(
        &mut self,
        b: &mut Builder<'p>,
        phrase: &'p str,
        cell: (bag::Cell, u32),
    ) -> bool {
        let known = b.bag_texts.get(phrase).copied();
        let compiled = known.unwrap_or_else(|| self.bag_text(b, phrase));
        if known.is_none() {
            b.bag_texts.insert(phrase, compiled);
        }
        match compiled {
            BagText::Substring => false,
            BagText::Empty => true,
            BagText::Entry(entry) => {
                b.bag_cells[entry as usize].push(cell);
                true
            }
        }
    }

    /// Compiles a bag keyword's text seen for the first time: the entry of
    /// its words, made (with no cells yet) on their first use.
    fn bag_text(&mut self, b: &mut Builder<'_>, phrase: &str) -> BagText {
        if text::is_substring_phrase(phrase) {
            return BagText::Substring;
        }
        let terms = b.phrase_ids(phrase);
        if terms.is_empty() {
            return BagText::Empty;
        }
        if let Some(&entry) = b.bag_phrases.get(&terms) {
            return BagText::Entry(entry);
        }
        let entry = b.bag_cells.len() as u32;
        b.bag_cells.push(Vec::new());
        b.bag_phrases.insert(terms.clone(), entry);
        // The entry stands in for the cells until they are laid out.
        self.index_phrase(
            b,
            terms,
            Owner::Bag {
                start: entry,
                len: 0,
            },
        );
        BagText::Entry(entry)
    }

    fn add_phrase(&mut self, b: &mut Builder<'_>, phrase: &str, owner: Owner) {
        let id = self.phrases.len() as u32;
        if text::is_substring_phrase(phrase) {
            // A cue in such a script negates nothing (cues are matched as
            // words): only keywords and exclusions are searched for.
            if !matches!(owner, Owner::Cue) {
                self.substrings.push(phrase, id);
            }
            self.phrases.push(Phrase {
                terms: Box::new([]),
                owner,
            });
            return;
        }
        let terms = b.phrase_ids(phrase);
        self.index_phrase(b, terms, owner);
    }

    /// Adds a phrase of words (term ids) to the index.
    fn index_phrase(&mut self, b: &mut Builder<'_>, terms: Box<[u32]>, owner: Owner) {
        let id = self.phrases.len() as u32;
        match *terms {
            [] => {}
            [only] => {
                if b.single.len() <= only as usize {
                    b.single.resize_with(only as usize + 1, Vec::new);
                }
                b.single[only as usize].push(id);
            }
            [first, second, ..] => b.pairs.entry((first, second)).or_default().push(id),
        }
        self.phrases.push(Phrase { terms, owner });
    }
}
