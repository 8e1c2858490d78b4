//! Compiling a policy: the term and phrase tables, and the bag cells.

use super::{Compiled, Owner, Phrase, bag, decide, names, substrings, terms};
use crate::policy::{Policy, Rule};
use crate::text::{self, FxHashMap};

/// What compiling collects before it builds the lookup structures.
#[derive(Default)]
struct Builder {
    /// Normalised term -> term id.
    term_ids: FxHashMap<Box<[u8]>, u32>,
    /// Term id -> the one-word phrases that are this term.
    single: Vec<Vec<u32>>,
    /// (first, second) term ids -> the phrases of two or more words starting
    /// with them, longest first.
    pairs: FxHashMap<(u32, u32), Vec<u32>>,
    /// A bag phrase's terms -> its entry.
    bag_phrases: FxHashMap<Box<[u32]>, u32>,
    /// Per bag entry: its cells.
    bag_cells: Vec<Vec<bag::Cell>>,
}

impl Builder {
    /// The id of a normalised term, new on first use.
    fn term_id(&mut self, term: String) -> u32 {
        let next = self.term_ids.len() as u32;
        *self
            .term_ids
            .entry(term.into_bytes().into_boxed_slice())
            .or_insert(next)
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
            c.bag_cells.extend(cells);
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
    fn add_rule(&mut self, b: &mut Builder, r: u32, rule: &Rule) {
        let is_bag = bag::is_bag(rule);
        for (i, k) in rule.keywords.iter().enumerate() {
            if is_bag {
                let cell = bag::Cell::new(r, i as u32, rule.weight * k.weight, rule.field);
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
    fn add_bag_keyword(&mut self, b: &mut Builder, phrase: &str, cell: bag::Cell) -> bool {
        if text::is_substring_phrase(phrase) {
            return false;
        }
        let terms: Box<[u32]> = text::phrase_terms(phrase)
            .into_iter()
            .map(|t| b.term_id(t))
            .collect();
        if terms.is_empty() {
            return true;
        }
        if let Some(&entry) = b.bag_phrases.get(&terms) {
            b.bag_cells[entry as usize].push(cell);
            return true;
        }
        let entry = b.bag_cells.len() as u32;
        b.bag_cells.push(vec![cell]);
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
        true
    }

    fn add_phrase(&mut self, b: &mut Builder, phrase: &str, owner: Owner) {
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
        let terms: Box<[u32]> = text::phrase_terms(phrase)
            .into_iter()
            .map(|t| b.term_id(t))
            .collect();
        self.index_phrase(b, terms, owner);
    }

    /// Adds a phrase of words (term ids) to the index.
    fn index_phrase(&mut self, b: &mut Builder, terms: Box<[u32]>, owner: Owner) {
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
