//! Writing a fitted model back as an ordinary policy.

use super::Learner;
use super::features::Features;
use super::model::{Model, Prepared};
use crate::class::Class;
use crate::policy::{
    Conditions, Keyword, MAX_PHRASES, MAX_RULES, MAX_WEIGHT, Policy, Rule, Scope, Settings,
};

impl Learner {
    pub(super) fn to_policy(
        &self,
        data: &Features,
        model: &Model,
        prep: &Prepared,
        classes: &[Class],
        n: usize,
        l2: f64,
    ) -> Policy {
        let p = &self.params;
        let mut policy = Policy::empty();
        policy.settings = Settings {
            title_weight: 1.0,
            fit_ratio: 1.0,
            ..Settings::default()
        };
        let weights = Shifted {
            model,
            prep,
            k: classes.len(),
        };
        let bmin = model.bias.iter().copied().fold(f64::INFINITY, f64::min);
        let kept = self.kept(&weights, data.names.len());
        for (ci, &class) in classes.iter().enumerate() {
            let mut kws: Vec<(f64, u32)> = kept
                .iter()
                .map(|&(_, f)| (weights.shifted(f as usize, ci), f))
                .filter(|&(w, _)| w > 0.0)
                .collect();
            kws.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let prior = round(model.bias[ci] - bmin);
            if prior > 0.0 {
                let mut rule = Rule::new(format!("{}-{class}-prior", p.rule_prefix), class)
                    .weight(prior)
                    .when(Conditions {
                        min_votes: Some(0),
                        ..Conditions::default()
                    });
                rule.description = Some(format!(
                    "learned prior of {class} from {n} items; always holds (min_votes 0)"
                ));
                policy.rules.push(rule);
            }
            self.keyword_rules(&mut policy, data, &kws, class, n, l2);
        }
        if policy.rules.is_empty() {
            // Nothing told the classes apart (say, every text was empty):
            // a token prior keeps the policy valid; precedence decides.
            let class = classes[0];
            // The smallest weight the policy's three decimals write.
            let mut rule = Rule::new(format!("{}-{class}-prior", p.rule_prefix), class)
                .weight(0.001)
                .when(Conditions {
                    min_votes: Some(0),
                    ..Conditions::default()
                });
            rule.description = Some("no feature separated the classes".to_string());
            policy.rules.push(rule);
        }
        policy
    }

    /// The features written, as (largest shifted weight, feature).
    ///
    /// Features are kept or dropped whole (in every class at once), so a
    /// kept feature's weights still differ between classes exactly as
    /// fitted: the heaviest `max_keywords` whose largest weight reaches
    /// `min_weight`.
    fn kept(&self, weights: &Shifted<'_>, features: usize) -> Vec<(f64, u32)> {
        let p = &self.params;
        let (prep, k) = (weights.prep, weights.k);
        let mut kept: Vec<(f64, u32)> = (0..features)
            .map(|f| {
                let top = (0..k).map(|ci| weights.shifted(f, ci)).fold(0.0, f64::max);
                (top, f as u32)
            })
            .filter(|&(top, f)| prep.counted[f as usize] || (top >= p.min_weight && top > 0.0))
            .collect();
        // Counted features first: they are at most `max_keywords`.
        kept.sort_by(|a, b| {
            prep.counted[b.1 as usize]
                .cmp(&prep.counted[a.1 as usize])
                .then(b.0.total_cmp(&a.0))
                .then(a.1.cmp(&b.1))
        });
        // Every class may write every kept feature: the policy's limit on
        // keywords over all rules bounds them too.
        kept.truncate(p.max_keywords.min(MAX_PHRASES / k));
        kept
    }

    /// Writes one class's keywords `kws` (heaviest first) as rules, one per
    /// field and phrase length (more where phrases could overlap).
    fn keyword_rules(
        &self,
        policy: &mut Policy,
        data: &Features,
        kws: &[(f64, u32)],
        class: Class,
        n: usize,
        l2: f64,
    ) {
        let p = &self.params;
        for (title, len) in [false, true]
            .into_iter()
            .flat_map(|t| (1..=p.max_ngram).map(move |l| (t, l)))
        {
            let selected: Vec<(f64, u32)> = kws
                .iter()
                .copied()
                .filter(|(_, f)| {
                    data.lens[*f as usize] as usize == len && data.title[*f as usize] == title
                })
                .collect();
            for (part, group) in non_overlapping(data, &selected, len).iter().enumerate() {
                let keywords: Vec<Keyword> = group
                    .iter()
                    .map(|&(w, f)| Keyword {
                        text: data.names[f as usize].clone(),
                        weight: w,
                    })
                    .collect();
                let mut what = match (title, len) {
                    (false, 1) => "words".to_string(),
                    (false, _) => format!("phrases-{len}"),
                    (true, 1) => "title-words".to_string(),
                    (true, _) => format!("title-phrases-{len}"),
                };
                if part > 0 {
                    what = format!("{what}-part-{}", part + 1);
                }
                let mut rule =
                    Rule::new(format!("{}-{class}-{what}", p.rule_prefix), class).not_negatable();
                if title {
                    rule = rule.field(Scope::Title);
                }
                rule.keywords = keywords;
                rule.description = Some(format!(
                    "learned from {n} items: {len}-word keywords, weights are shifted \
                     log-odds of a logistic regression (l2 {l2})"
                ));
                policy.rules.push(rule);
            }
        }
    }
}

/// Rounded to three decimals and kept within the policy's weight limit
/// (only a degenerate fit, say with a tiny `l2` and many iterations, comes
/// near it); a weight that is not a number is 0, so it is not written.
fn round(w: f64) -> f64 {
    const DECIMALS: f64 = 1000.0; // three
    let w = (w * DECIMALS).round() / DECIMALS;
    if w.is_nan() { 0.0 } else { w.min(MAX_WEIGHT) }
}

/// A fitted model's weights as a policy writes them.
struct Shifted<'m> {
    model: &'m Model,
    prep: &'m Prepared,
    /// The number of classes.
    k: usize,
}

impl Shifted<'_> {
    /// The weight of feature `f` for class `ci`. A counted feature also
    /// carries its share of the length term: `beta × bias` per class (see
    /// `Prepared`).
    fn weight(&self, f: usize, ci: usize) -> f64 {
        let w = self.model.w[f * self.k + ci];
        if self.prep.counted[f] {
            w + self.prep.beta * self.model.bias[ci]
        } else {
            w
        }
    }

    /// The weight of feature `f` for class `ci` less its smallest class
    /// weight, rounded.
    fn shifted(&self, f: usize, ci: usize) -> f64 {
        let least = (0..self.k)
            .map(|c| self.weight(f, c))
            .fold(f64::INFINITY, f64::min);
        round(self.weight(f, ci) - least)
    }
}

/// Splits same-length phrases into groups that can never overlap in a text.
///
/// Within one rule the classifier matches keywords left to right without
/// overlap: a phrase matched at word `i` hides the rule's phrases that start
/// inside it. The model counted every phrase present, so phrases that could
/// chain ("great app" then "app crashes") go to different groups (rules),
/// first fit in the given order: a phrase joins the first group with no
/// phrase whose last `m` words are its first `m` words, or the other way
/// round. Single words never overlap: one group.
///
/// At most [`MAX_GROUPS`] groups are made, so that the policy stays within
/// its limit on rules; a phrase that fits none of them is left out (only
/// text crafted to chain hundreds of phrases comes near it).
fn non_overlapping(data: &Features, kws: &[(f64, u32)], len: usize) -> Vec<Vec<(f64, u32)>> {
    if kws.is_empty() {
        return Vec::new();
    }
    if len < 2 {
        return vec![kws.to_vec()];
    }
    // Per group: its phrases' proper prefixes and suffixes.
    type Ends = std::collections::HashSet<Vec<u32>>;
    type Group = (Vec<(f64, u32)>, Ends, Ends);
    let mut groups: Vec<Group> = Vec::new();
    for &(w, f) in kws {
        let t = &data.terms[f as usize][..len];
        let fits = |prefixes: &Ends, suffixes: &Ends| {
            (1..len).all(|m| !prefixes.contains(&t[len - m..]) && !suffixes.contains(&t[..m]))
        };
        let at = match groups.iter().position(|(_, pre, suf)| fits(pre, suf)) {
            Some(at) => at,
            None if groups.len() == MAX_GROUPS => continue,
            None => {
                groups.push((Vec::new(), Ends::default(), Ends::default()));
                groups.len() - 1
            }
        };
        let g = &mut groups[at];
        g.0.push((w, f));
        for m in 1..len {
            g.1.insert(t[..m].to_vec());
            g.2.insert(t[len - m..].to_vec());
        }
    }
    groups.into_iter().map(|g| g.0).collect()
}

/// The most rules [`non_overlapping`] splits one class's phrases of one
/// length and field into: with five classes, a prior rule each and two
/// fields × three lengths, the rules stay within the policy limit.
const MAX_GROUPS: usize = (MAX_RULES / Class::ALL.len() - 1) / 6;

/// Whether a rule id has the shape the learner writes for a rule of
/// `class`: `{prefix}-{class}-{words|phrases-N|title-words|title-phrases-N}`
/// with an optional `-part-M`, or `{prefix}-{class}-prior`, whatever the
/// prefix ([`LearnParams::rule_prefix`](super::LearnParams)).
pub(crate) fn is_learned_id(id: &str, class: Class) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut rest = id;
    if let Some(at) = rest.rfind("-part-")
        && digits(&rest[at + 6..])
    {
        rest = &rest[..at];
    }
    let body = ["-prior", "-title-words", "-words"]
        .iter()
        .find_map(|tail| rest.strip_suffix(tail))
        .or_else(|| {
            let at = rest.rfind('-')?;
            if !digits(&rest[at + 1..]) {
                return None;
            }
            let head = &rest[..at];
            head.strip_suffix("-title-phrases")
                .or_else(|| head.strip_suffix("-phrases"))
        });
    body.and_then(|b| b.strip_suffix(class.as_str()))
        .is_some_and(|b| b.ends_with('-'))
}
