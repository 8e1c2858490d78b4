//! Deciding: from the matches of one item to its scores, evidence and
//! class.

use super::{Compiled, Hit, Owner, Phrase, Scratch, bag};
use crate::class::{Class, ClassScores};
use crate::classify::{Band, Classification, Evidence, EvidenceKind, Outcome};
use crate::item::{Channel, FeedbackItem};
use crate::policy::{Conditions, ConfidenceModel, Policy, TextField};

/// What deciding needs of each rule and phrase, read once from the policy
/// rather than for every item.
#[derive(Debug, Default)]
pub(super) struct Facts {
    /// Per rule.
    rules: Vec<RuleFacts>,
    /// Per phrase (as [`Compiled::phrases`]).
    phrases: Vec<PhraseFacts>,
}

#[derive(Clone, Copy, Debug)]
struct RuleFacts {
    class: Class,
    weight: f64,
    decisive: bool,
    /// The rule has no keywords: it fires on its conditions alone.
    keywordless: bool,
    /// The rule has conditions (else they hold for every item).
    conditional: bool,
    /// The rule has no keywords and its conditions hold for every item: a
    /// prior, which sets a class's baseline but makes no match by itself.
    prior: bool,
}

#[derive(Clone, Copy, Debug)]
enum PhraseFacts {
    /// The rule's keyword `index`, worth `value` (the rule's weight times the
    /// keyword's) in the body.
    Keyword {
        index: u32,
        value: f64,
    },
    /// The rule's exclusion `index`.
    Exclude {
        index: u32,
    },
    Cue,
}

impl Facts {
    pub(super) fn new(policy: &Policy, phrases: &[Phrase]) -> Facts {
        Facts {
            rules: policy
                .rules
                .iter()
                .map(|r| RuleFacts {
                    class: r.class,
                    weight: r.weight,
                    decisive: r.decisive,
                    keywordless: r.keywords.is_empty(),
                    conditional: !r.when.is_empty(),
                    prior: r.keywords.is_empty() && r.when.hold_always(),
                })
                .collect(),
            phrases: phrases
                .iter()
                .map(|p| match p.owner {
                    Owner::Keyword { rule, index } => {
                        let rule = &policy.rules[rule as usize];
                        PhraseFacts::Keyword {
                            index,
                            value: rule.weight * rule.keywords[index as usize].weight,
                        }
                    }
                    Owner::Exclude { index, .. } => PhraseFacts::Exclude { index },
                    Owner::Cue | Owner::Bag { .. } => PhraseFacts::Cue,
                })
                .collect(),
        }
    }
}

impl Compiled {
    /// Turns the matches into scores, evidence and a decision; `text` is
    /// the title and body matched (a text of links alone makes no match).
    pub(super) fn decide(
        &self,
        item: Option<&FeedbackItem>,
        text: (&str, &str),
        also: Option<Class>,
        s: &mut Scratch,
        expand: bool,
    ) -> Classification {
        let (tally, matched) = self.tally(item, text, also, s, expand);
        let Tally {
            scores,
            decisive,
            evidence,
            ..
        } = tally;
        let mut result = self.verdict(scores, decisive, matched);
        result.evidence = self.final_evidence(evidence, &result, also, s, expand);
        result
    }

    /// The class [`decide`](Self::decide) gives, without the confidence,
    /// the secondary classes or the evidence.
    pub(super) fn decide_class(
        &self,
        item: Option<&FeedbackItem>,
        text: (&str, &str),
        s: &mut Scratch,
    ) -> Option<Class> {
        let (tally, matched) = self.tally(item, text, None, s, false);
        // Nothing was listed: the (empty) buffer goes back as it came.
        s.evidence = tally.evidence;
        let primary = self.primary(&tally.scores, tally.decisive, matched);
        primary.map_or(self.policy.settings.fallback, |(class, _)| Some(class))
    }

    /// Visits the rules that can fire: their scores, decisiveness and (with
    /// `expand`) evidence, and whether the item makes a match.
    fn tally(
        &self,
        item: Option<&FeedbackItem>,
        text: (&str, &str),
        also: Option<Class>,
        s: &mut Scratch,
        expand: bool,
    ) -> (Tally, bool) {
        s.deferred.clear();
        s.unmet.clear();
        let mut evidence = std::mem::take(&mut s.evidence);
        evidence.clear();
        let Scratch {
            hits,
            acc,
            touched,
            best,
            deferred,
            unmet,
            bag_now,
            ..
        } = &mut *s;
        // Group hits by rule, in rule order, then field, then position (no
        // two hits share all four).
        hits.sort_unstable_by_key(|h| (h.rule, h.field, h.span.start, h.phrase));
        // The rules with bag keywords, in rule order (added up as found,
        // they came out of their bits in order).
        if !*bag_now {
            touched.sort_unstable();
        }
        let mut tally = Tally {
            scores: ClassScores::default(),
            decisive: [false; Class::ALL.len()],
            evidenced: [0.0; Class::ALL.len()],
            // Built in the thread's buffer, then moved into a vector of
            // the result's own, allocated once at (about) its final size.
            evidence,
            listed: expand,
        };
        let visits = Visits {
            hits,
            at: 0,
            touched,
            keywordless: &self.keywordless,
            nrules: self.policy.rules.len(),
        };
        for visit in visits {
            let rule = self.facts.rules[visit.rule];
            // Taken, whether or not the rule fires: every rule touched is
            // visited, so the sums are all zero again for the next call.
            let bag = if visit.bagged {
                acc.get_mut(visit.rule).map(std::mem::take)
            } else {
                None
            };
            if rule.conditional && !conditions_hold(&self.policy.rules[visit.rule].when, item) {
                if also == Some(rule.class) {
                    unmet.push(visit.rule as u32);
                }
                continue;
            }
            self.visit_rule(&visit, bag, best, deferred, &mut tally);
        }
        let best = tally.evidenced.iter().copied().fold(0.0, f64::max);
        // A decisive rule always makes a match; keywords do not in a text
        // of links alone (looked at only when they would).
        let (title, body) = text;
        let matched = tally.decisive.contains(&true)
            || (best > 0.0
                && best >= self.policy.settings.min_score
                && !super::links_only(title, body));
        (tally, matched)
    }

    /// The result's evidence, in a vector of its own: `evidence` (the
    /// thread's buffer, which goes back to `s` unless a huge request grew
    /// it) with the bag rules of the classes `result` shows (and `also`)
    /// listing their strongest keywords; none without `expand` (only the
    /// class is wanted).
    fn final_evidence(
        &self,
        mut evidence: Vec<Evidence>,
        result: &Classification,
        also: Option<Class>,
        s: &mut Scratch,
        expand: bool,
    ) -> Vec<Evidence> {
        let shown = shown_classes(result, also);
        let out = if !expand {
            // The class alone is wanted (`class_of`): no vector is made.
            evidence.clear();
            Vec::new()
        } else if s
            .deferred
            .iter()
            .any(|&(_, r)| shown[self.facts.rules[r as usize].class.index()])
        {
            self.expand_bag(&mut evidence, shown, s)
        } else {
            moved_out(&mut evidence)
        };
        if evidence.capacity() <= EVIDENCE_KEPT {
            s.evidence = evidence;
        }
        out
    }

    /// Adds one rule's evidence to `tally` (when it lists evidence), and its
    /// score when it fires: an exclusion vetoes the rule; else its keyword
    /// hits, its bag keywords `bag` (one entry for now, recorded in
    /// `deferred`) and, for a rule without keywords, its weight.
    fn visit_rule(
        &self,
        visit: &Visit<'_>,
        bag: Option<bag::Acc>,
        best: &mut Vec<(u32, f64, usize)>,
        deferred: &mut Vec<(usize, u32)>,
        tally: &mut Tally,
    ) {
        let r = visit.rule;
        let rule = self.facts.rules[r];
        let listed = tally.listed;
        if let Some(e) = self.exclusion(r, visit.hits) {
            if listed {
                tally.evidence.push(e);
            }
            return;
        }
        let evidence = &mut tally.evidence;
        let id = || self.names.id(r);
        let first = evidence.len();
        if rule.conditional && listed {
            evidence.push(Evidence {
                rule: id(),
                class: rule.class,
                contribution: if rule.keywordless { rule.weight } else { 0.0 },
                kind: EvidenceKind::Condition {
                    description: self.names.description(r),
                },
            });
        }
        // Most rules visited have bag keywords alone (no phrase hits):
        // they skip the call.
        let mut total = if visit.hits.is_empty() {
            best.clear();
            0.0
        } else {
            let listing = listed.then_some(&mut *evidence);
            self.keyword_evidence(r, visit.hits, best, listing)
        };
        if let Some(a) = &bag {
            // One entry for now: `expand_bag` lists the strongest
            // keywords of the classes the result shows.
            if listed {
                deferred.push((evidence.len(), r as u32));
                evidence.push(Evidence {
                    rule: id(),
                    class: rule.class,
                    contribution: a.total,
                    kind: EvidenceKind::OtherKeywords {
                        count: a.count as usize,
                    },
                });
            }
            total += a.total;
        }
        let fired = if rule.keywordless {
            total = rule.weight;
            true
        } else {
            !best.is_empty() || bag.is_some()
        };
        if fired {
            tally.fire(rule, total);
        } else if let Some(Evidence {
            kind: EvidenceKind::Condition { .. },
            ..
        }) = evidence.get(first)
        {
            // Only negated matches: the conditions alone did not fire the rule.
            evidence.remove(first);
        }
    }

    /// The evidence of rule `r`'s first exclusion among its hits, if any: an
    /// exclusion vetoes the rule.
    fn exclusion(&self, r: usize, rule_hits: &[Hit]) -> Option<Evidence> {
        let (index, h) =
            rule_hits
                .iter()
                .find_map(|h| match self.facts.phrases[h.phrase as usize] {
                    PhraseFacts::Exclude { index } => Some((index, h)),
                    _ => None,
                })?;
        Some(Evidence {
            rule: self.names.id(r),
            class: self.facts.rules[r].class,
            contribution: 0.0,
            kind: EvidenceKind::Excluded {
                phrase: self.names.exclusion(r, index as usize),
                field: h.field,
                span: h.span.clone(),
            },
        })
    }

    /// The evidence of a rule's keyword hits (in rule-hit order), into
    /// `evidence` unless it is `None` (only the class is wanted), and the
    /// sum they add: each distinct keyword counts once, at its best field
    /// factor; negated hits are listed and add nothing.
    fn keyword_evidence(
        &self,
        r: usize,
        rule_hits: &[Hit],
        best: &mut Vec<(u32, f64, usize)>,
        mut evidence: Option<&mut Vec<Evidence>>,
    ) -> f64 {
        let class = self.facts.rules[r].class;
        let title_weight = self.policy.settings.title_weight;
        best.clear();
        let mut total = 0.0;
        for h in rule_hits {
            let PhraseFacts::Keyword { index, value } = self.facts.phrases[h.phrase as usize]
            else {
                continue;
            };
            // The hit's place in `evidence` (none when not listed).
            let mut here = usize::MAX;
            if let Some(evidence) = evidence.as_deref_mut() {
                let phrase = self.names.keyword(r, index as usize);
                let kind = match &h.cue {
                    Some(cue) => EvidenceKind::Negated {
                        phrase,
                        field: h.field,
                        span: h.span.clone(),
                        cue: cue.clone(),
                    },
                    None => EvidenceKind::Keyword {
                        phrase,
                        field: h.field,
                        span: h.span.clone(),
                    },
                };
                here = evidence.len();
                evidence.push(Evidence {
                    rule: self.names.id(r),
                    class,
                    contribution: 0.0,
                    kind,
                });
            }
            if h.cue.is_some() {
                continue;
            }
            let factor = match h.field {
                TextField::Title => title_weight,
                TextField::Body => 1.0,
            };
            let value = value * factor;
            match best.iter_mut().find(|b| b.0 == index) {
                Some(b) if b.1 < value => {
                    total += value - b.1;
                    if let Some(evidence) = evidence.as_deref_mut() {
                        evidence[b.2].contribution = 0.0;
                        evidence[here].contribution = value;
                    }
                    *b = (index, value, here);
                }
                Some(_) => {}
                None => {
                    total += value;
                    if let Some(evidence) = evidence.as_deref_mut() {
                        evidence[here].contribution = value;
                    }
                    best.push((index, value, here));
                }
            }
        }
        total
    }

    /// The evidence (taken out of `evidence`, which is left empty) with
    /// the bag rules of the classes `shown` listing their strongest
    /// keywords, then the rest in one entry; the other bag rules stay one
    /// entry each.
    fn expand_bag(
        &self,
        evidence: &mut Vec<Evidence>,
        shown: [bool; Class::ALL.len()],
        s: &mut Scratch,
    ) -> Vec<Evidence> {
        let Scratch {
            bag,
            deferred,
            slots,
            tops,
            ..
        } = s;
        slots.resize(self.policy.rules.len(), u32::MAX);
        tops.clear();
        for &(_, r) in deferred.iter() {
            if shown[self.facts.rules[r as usize].class.index()] {
                slots[r as usize] = tops.len() as u32;
                tops.push(bag::Top::default());
            }
        }
        bag::strongest(
            bag,
            &self.bag_cells,
            self.policy.settings.title_weight,
            |cell| {
                slots
                    .get(cell.rule() as usize)
                    .filter(|&&t| t != u32::MAX)
                    .map(|&t| t as usize)
            },
            tops,
        );
        let mut out = Vec::with_capacity(evidence.len() + tops.len() * bag::SHOWN);
        let mut next = deferred.iter().copied().peekable();
        for (i, e) in evidence.drain(..).enumerate() {
            let Some(&(_, r)) = next.peek().filter(|d| d.0 == i) else {
                out.push(e);
                continue;
            };
            next.next();
            let slot = std::mem::replace(&mut slots[r as usize], u32::MAX);
            let (Some(top), EvidenceKind::OtherKeywords { count }) =
                (tops.get(slot as usize), &e.kind)
            else {
                out.push(e);
                continue;
            };
            let mut listed = 0.0;
            for &(value, hit, cell) in top.shown() {
                let h = &bag[hit as usize];
                let index = self.bag_index[h.start as usize + cell as usize] as usize;
                listed += value;
                out.push(Evidence {
                    rule: e.rule.clone(),
                    class: e.class,
                    contribution: value,
                    kind: EvidenceKind::Keyword {
                        phrase: self.names.keyword(r as usize, index),
                        field: h.field,
                        span: h.span.clone(),
                    },
                });
            }
            let rest = count - top.shown().len();
            if rest > 0 {
                out.push(Evidence {
                    contribution: (e.contribution - listed).max(0.0),
                    kind: EvidenceKind::OtherKeywords { count: rest },
                    ..e
                });
            }
        }
        out
    }

    fn verdict(
        &self,
        scores: ClassScores,
        decisive: [bool; Class::ALL.len()],
        matched: bool,
    ) -> Classification {
        let settings = &self.policy.settings;
        let Some(((primary, outcome), fits)) = self
            .primary(&scores, decisive, matched)
            .map(|p| (p, self.fits(&scores)))
        else {
            return Classification {
                class: settings.fallback,
                outcome: Outcome::NoMatch,
                confidence: 0.0,
                band: Band::Low,
                scores,
                secondary: Vec::new(),
                evidence: Vec::new(),
            };
        };
        let (secondary, other) = self.secondary(&scores, primary, fits);
        let (confidence, close) = self.confidence(&scores, primary, other);
        let outcome = if outcome == Outcome::Matched && close {
            Outcome::Ambiguous
        } else {
            outcome
        };
        let confidence = if confidence.is_finite() {
            confidence.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Classification {
            class: Some(primary),
            outcome,
            confidence,
            band: Band::of(confidence, settings.band_high, settings.band_medium),
            scores,
            secondary,
            evidence: Vec::new(),
        }
    }

    /// The classes whose score fits the best (within `fit_ratio` of it).
    fn fits(&self, scores: &ClassScores) -> [bool; Class::ALL.len()] {
        let top = scores.best().map_or(0.0, |(_, top)| top);
        let limit = self.policy.settings.fit_ratio * top;
        scores.0.map(|s| s > 0.0 && s >= limit)
    }

    /// The class chosen and how, when the item makes a match and some
    /// class scores: a decisive class, else a fitting one, by precedence.
    fn primary(
        &self,
        scores: &ClassScores,
        decisive: [bool; Class::ALL.len()],
        matched: bool,
    ) -> Option<(Class, Outcome)> {
        scores.best().filter(|_| matched)?;
        let precedence = &self.policy.settings.precedence;
        if let Some(c) = precedence.iter().copied().find(|c| decisive[c.index()]) {
            return Some((c, Outcome::Decided));
        }
        let fits = self.fits(scores);
        let c = precedence
            .iter()
            .copied()
            .find(|c| fits[c.index()])
            .unwrap_or(Class::ALL[0]);
        Some((c, Outcome::Matched))
    }

    /// The fitting classes other than `primary`, best first (ties by
    /// precedence), and the best score of any other class.
    fn secondary(
        &self,
        scores: &ClassScores,
        primary: Class,
        fits: [bool; Class::ALL.len()],
    ) -> (Vec<Class>, f64) {
        let settings = &self.policy.settings;
        let mut secondary = Vec::new();
        let mut other = 0.0;
        for c in Class::ALL {
            if c != primary {
                if fits[c.index()] {
                    secondary.push(c);
                }
                other = f64::max(other, scores[c]);
            }
        }
        if secondary.len() > 1 {
            // Best first; ties by precedence.
            let rank = |c: &Class| settings.precedence.iter().position(|p| p == c);
            secondary.sort_by(|a, b| {
                scores[*b]
                    .total_cmp(&scores[*a])
                    .then(rank(a).cmp(&rank(b)))
            });
        }
        (secondary, other)
    }

    /// The confidence in the `primary` class when the best other class
    /// scores `other`, and whether the two are close (ambiguous).
    fn confidence(&self, scores: &ClassScores, primary: Class, other: f64) -> (f64, bool) {
        let settings = &self.policy.settings;
        let p = scores[primary];
        match settings.confidence_model {
            ConfidenceModel::Share => {
                let close = other > 0.0 && p.min(other) >= settings.ambiguity_ratio * p.max(other);
                let strength = 1.0 - (-p / settings.confidence_scale).exp();
                let share = if p + other > 0.0 {
                    p / (p + other)
                } else {
                    0.0
                };
                (strength * share, close)
            }
            ConfidenceModel::Softmax => {
                // exp((s_c - s_p) / T) summed: 1 for the primary, the others
                // relative to it (at most 1 each unless a decisive rule or
                // precedence chose a lower class), so nothing overflows.
                let t = settings.confidence_scale;
                let sum: f64 = scores.0.iter().map(|s| ((s - p) / t).exp()).sum();
                let runner_up = ((other - p) / t).exp();
                (1.0 / sum, runner_up >= settings.ambiguity_ratio)
            }
        }
    }
}

/// The entries of `buffer` in a vector of their own, allocated at their
/// number; the buffer is left empty with its capacity, for the next call.
#[allow(clippy::drain_collect)] // `mem::take` would hand out the buffer itself
fn moved_out(buffer: &mut Vec<Evidence>) -> Vec<Evidence> {
    buffer.drain(..).collect()
}

/// The most evidence entries whose buffer a thread keeps between calls
/// (about 90 KB).
const EVIDENCE_KEPT: usize = 1024;

/// What the rules that fired add up to, as [`Compiled::decide`] visits
/// them.
struct Tally {
    scores: ClassScores,
    /// Per class (by index): a decisive rule of that class fired.
    decisive: [bool; Class::ALL.len()],
    /// Per class, what rules other than priors added.
    evidenced: [f64; Class::ALL.len()],
    evidence: Vec<Evidence>,
    /// Whether `evidence` is filled: not when only the class is wanted
    /// (`class_of`), whose result lists none (the scores are the same).
    listed: bool,
}

impl Tally {
    /// Adds what a rule that fired adds: `total` to its class's score, and
    /// its decisiveness.
    fn fire(&mut self, rule: RuleFacts, total: f64) {
        if !rule.prior {
            // Above zero even for a rule of weight 0.
            self.evidenced[rule.class.index()] += total.max(f64::MIN_POSITIVE);
        }
        self.scores[rule.class] += total;
        self.decisive[rule.class.index()] |= rule.decisive;
    }
}

/// A rule that may fire, and its phrase hits.
struct Visit<'a> {
    rule: usize,
    /// Its hits (empty for a rule with only bag keywords, or none).
    hits: &'a [Hit],
    /// It has bag keywords in the text.
    bagged: bool,
}

/// The rules that can fire, in rule order: a merge of the three sorted
/// lists of rules with phrase hits, with bag keywords (`touched`) and
/// without keywords. Other rules cannot fire and are not visited.
struct Visits<'a> {
    /// Sorted by rule.
    hits: &'a [Hit],
    at: usize,
    touched: &'a [u32],
    keywordless: &'a [usize],
    nrules: usize,
}

impl<'a> Iterator for Visits<'a> {
    type Item = Visit<'a>;

    #[inline]
    fn next(&mut self) -> Option<Visit<'a>> {
        // The least of the three next rules (usize::MAX when none).
        let next_hit = self
            .hits
            .get(self.at)
            .map_or(usize::MAX, |h| h.rule as usize);
        let next_bag = self.touched.first().map_or(usize::MAX, |&t| t as usize);
        let next_keywordless = self.keywordless.first().copied().unwrap_or(usize::MAX);
        let r = next_hit.min(next_bag).min(next_keywordless);
        if r >= self.nrules {
            return None;
        }
        if next_keywordless == r {
            self.keywordless = &self.keywordless[1..];
        }
        let bagged = next_bag == r;
        if bagged {
            self.touched = &self.touched[1..];
        }
        let start = self.at;
        while self.hits.get(self.at).is_some_and(|h| h.rule as usize == r) {
            self.at += 1;
        }
        Some(Visit {
            rule: r,
            hits: &self.hits[start..self.at],
            bagged,
        })
    }
}

/// Whether conditions hold (the caller skips empty ones: they always do).
#[inline(always)]
fn conditions_hold(w: &Conditions, item: Option<&FeedbackItem>) -> bool {
    // Text-only classification knows no metadata: only conditions that an
    // unknown channel satisfies can hold (those of a default item).
    let (channel, deal_value, tags, votes) = match item {
        Some(i) => (i.channel, i.deal_value, &i.tags[..], i.votes),
        None => (Channel::default(), None, &[][..], 0),
    };
    if let Some(ch) = &w.channel
        && !ch.contains(&channel)
    {
        return false;
    }
    if let Some(not) = &w.not_channel
        && not.contains(&channel)
    {
        return false;
    }
    if let Some(min) = w.min_deal_value
        && deal_value.is_none_or(|v| v < min)
    {
        return false;
    }
    if let Some(max) = w.max_deal_value
        && deal_value.is_some_and(|v| v > max)
    {
        return false;
    }
    if let Some(want) = &w.tags
        && !want.iter().any(|t| {
            tags.iter()
                .any(|it| it.trim().eq_ignore_ascii_case(t.trim()))
        })
    {
        return false;
    }
    if let Some(min) = w.min_votes
        && votes < min
    {
        return false;
    }
    true
}

/// The conditions in words, for evidence.
pub(super) fn describe(w: &Conditions) -> String {
    let list =
        |v: &[crate::item::Channel]| v.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
    let mut parts = Vec::new();
    if let Some(ch) = &w.channel {
        parts.push(format!("channel is one of {}", list(ch)));
    }
    if let Some(ch) = &w.not_channel {
        parts.push(format!("channel is none of {}", list(ch)));
    }
    if let Some(v) = w.min_deal_value {
        parts.push(format!("deal value is at least {v}"));
    }
    if let Some(v) = w.max_deal_value {
        parts.push(format!("deal value is at most {v}"));
    }
    if let Some(t) = &w.tags {
        parts.push(format!("has a tag among {}", t.join(", ")));
    }
    if let Some(v) = w.min_votes {
        parts.push(format!("has at least {v} votes"));
    }
    parts.join(" and ")
}

/// The classes whose bag rules list their strongest keywords: the result's
/// class and its secondary classes (the best scoring class when nothing
/// matched), and `also`.
fn shown_classes(result: &Classification, also: Option<Class>) -> [bool; Class::ALL.len()] {
    let mut shown = [false; Class::ALL.len()];
    let mut show = |c: Class| shown[c.index()] = true;
    if result.outcome == Outcome::NoMatch {
        if let Some((c, _)) = result.scores.best() {
            show(c);
        }
    } else {
        result.class.into_iter().for_each(&mut show);
        result.secondary.iter().copied().for_each(&mut show);
    }
    also.into_iter().for_each(show);
    shown
}
