//! Learning an editable policy from labelled texts (see [`Learner`]).

mod export;
mod features;
mod lbfgs;
mod model;
mod params;
mod tune;

use serde::{Deserialize, Serialize};

pub use params::{
    ClassBalance, FeatureValues, FieldFeatures, LearnParams, PriorTuning, SEARCH_MAX_ITEMS, Search,
};

use crate::class::Class;
use crate::classify::Classifier;
use crate::error::ParamsError;
use crate::error::PolicyErrors;
use crate::evaluate::{Evaluation, EvaluationReport};
use crate::policy::Policy;
use features::Features;
use model::{Prepared, fit};
use tune::{F1_TIE, best_shift, macro_f1, out_of_fold};

/// The fewest training items on which priors are tuned or `l2` searched:
/// below it, three inner folds of ten items or fewer say little.
const MIN_TUNE_ITEMS: usize = 30;

/// One labelled training text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Labelled<'a> {
    /// The title (may be empty).
    pub title: &'a str,
    /// The body (may be empty).
    pub body: &'a str,
    /// The true class.
    pub class: Class,
    /// The item's 0-based line index in its source; cross-validation fold `f`
    /// of `k` holds the items with `index % k == f`.
    pub index: usize,
}

impl<'a> Labelled<'a> {
    /// A labelled text at line index `index`.
    pub fn new(index: usize, title: &'a str, body: &'a str, class: Class) -> Labelled<'a> {
        Labelled {
            title,
            body,
            class,
            index,
        }
    }
}

/// Why learning failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LearnError {
    /// A parameter is out of range.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// The training items cover fewer than two classes.
    #[error("the training items cover {found} class(es); at least 2 are needed")]
    TooFewClasses {
        /// How many classes the training items have.
        found: usize,
    },
    /// Cross-validation needs at least two folds, each non-empty.
    #[error("cross-validation needs 2 to {items} folds, got {folds}")]
    BadFolds {
        /// The folds asked for.
        folds: usize,
        /// The number of items.
        items: usize,
    },
    /// The learned policy does not validate. The learner keeps only
    /// keywords within the policy limits, so this is a bug in the learner;
    /// it is an error rather than a panic so that no input can crash it.
    #[error("the learned policy does not validate (a bug in the learner): {0}")]
    InvalidPolicy(PolicyErrors),
}

/// Learns policies from labelled texts.
///
/// The learner fits a multinomial logistic regression with an L2 penalty over
/// binary word and phrase features (1 to `max_ngram` words, built from the
/// crate's own normalised tokens), then writes the model back as a [`Policy`]
/// that the ordinary [`Classifier`] runs unchanged:
///
/// * A linear model's arg-max does not change when a constant is added to one
///   feature's weight in every class. So each feature's weights are shifted
///   until the smallest is zero: every remaining weight is positive, as a
///   policy requires, and a feature whose weight is zero for a class is simply
///   not listed there. The same holds for the per-class bias, which becomes a
///   keyword-less *prior* rule whose condition always holds (`min_votes: 0`).
/// * Keywords are counted once per item, the learned rules are not negatable
///   and the policy's `title_weight` is 1, exactly as the features were built.
///   `fit_ratio` is 1, so the primary class is the arg-max of the scores.
/// * Each n-gram is written back as its most frequent surface form ("crashes
///   on startup"), which re-normalises to the same terms, so the policy reads
///   like one a person wrote and can be edited like one.
///
/// Words seen in fewer than `min_doc_freq` training items never become
/// keywords (by default every word may: rare words' weights are held back
/// by the L2 penalty only, which cross-validated better than dropping them,
/// see [`LearnParams::default`]). Title words are also features of their own
/// (rules with `field: title`), see [`FieldFeatures`]; the penalty is scaled
/// by inverse document frequency, see [`FeatureValues`]; training items are
/// weighted so that classes count alike ([`ClassBalance`]) and the priors are
/// then tuned for macro-F1 ([`PriorTuning`]). Optionally, up to 20,000
/// items, `l2` and `min_doc_freq` are first chosen by inner cross-validation
/// on the training items only ([`Search::InnerCv`]; off by default).
///
/// The result is an ordinary policy: save it as JSON or TOML, edit it, or
/// [`merge`](Policy::merge) it into a hand-written one (whose rules and
/// settings keep precedence). The learned rules have ids
/// `{rule_prefix}-{class}-{words|phrases-N|title-words|title-phrases-N|prior}`,
/// and `…-phrases-N-part-M` when phrases that could run into each other
/// ("great app", "app crashes") had to go to separate rules: within one rule
/// the classifier does not let matches overlap, and the model counted every
/// phrase, so the split keeps the policy's scores exactly the model's. With
/// [`length_norm`](LearnParams#structfield.length_norm) the model is length
/// normalised, which the policy expresses exactly too (see that field).
///
/// Cost: one pass to tokenize, then L-BFGS over at most `max_features`
/// features, linear in the items per iteration; 100,000 items take a few
/// seconds (see `benches/learn.rs`: four fits by default, three of them on
/// two thirds of the items to tune the priors, two above 20,000 items where
/// one inner fold is enough; with [`Search::InnerCv`], up
/// to [`SEARCH_MAX_ITEMS`], up to 18 inner fits instead of three, run on all
/// cores with the `parallel` feature).
///
/// ```
/// use feedback_triage::{Class, Classifier, Labelled, LearnParams, Learner};
///
/// let texts = [
///     ("app crashes on start", Class::FaultCorrection),
///     ("crashes every time I log in", Class::FaultCorrection),
///     ("the app crashes again", Class::FaultCorrection),
///     ("please add a dark mode", Class::MarketDriven),
///     ("please add export to pdf", Class::MarketDriven),
///     ("please add offline mode", Class::MarketDriven),
/// ];
/// let items: Vec<Labelled> = texts
///     .iter()
///     .enumerate()
///     .map(|(i, (t, c))| Labelled::new(i, t, "", *c))
///     .collect();
/// let learner = Learner::new(LearnParams::default().min_doc_freq(2))?;
/// let policy = learner.learn(&items)?;
/// let classifier = Classifier::new(&policy)?;
/// let c = classifier.classify_text("it crashes when I open it", "");
/// assert_eq!(c.class, Some(Class::FaultCorrection));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Learner {
    params: LearnParams,
}

impl Default for Learner {
    /// The default parameters (a test proves they validate).
    fn default() -> Self {
        Learner {
            params: LearnParams::default(),
        }
    }
}

/// The result of one cross-validation fold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FoldResult {
    /// The fold number `f` (it held the items with `index % k == f`).
    pub fold: usize,
    /// Training items.
    pub train: usize,
    /// Test items.
    pub test: usize,
    /// Macro-F1 on the test items.
    pub macro_f1: f64,
    /// Accuracy on the test items.
    pub accuracy: f64,
    /// Keywords in the policy learned on the training items.
    pub keywords: usize,
}

/// Cross-validation figures: per fold, their mean, and pooled over all
/// out-of-fold predictions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CrossValidation {
    /// The number of folds.
    pub folds: usize,
    /// One result per fold, in fold order.
    pub per_fold: Vec<FoldResult>,
    /// Mean of the folds' macro-F1.
    pub mean_macro_f1: f64,
    /// Mean of the folds' accuracy.
    pub mean_accuracy: f64,
    /// Every out-of-fold prediction evaluated together (without misses).
    pub pooled: EvaluationReport,
}

impl Learner {
    /// Checks the parameters ([`LearnParams::validate`]).
    pub fn new(params: LearnParams) -> Result<Learner, ParamsError> {
        params.validate()?;
        Ok(Learner { params })
    }

    /// The parameters.
    pub fn params(&self) -> &LearnParams {
        &self.params
    }

    /// Learns a policy from the items: one rule per class and phrase length,
    /// plus a prior rule per class. The result validates and compiles.
    pub fn learn(&self, items: &[Labelled<'_>]) -> Result<Policy, LearnError> {
        let p = &self.params;
        let search = p.search == Search::InnerCv
            && (MIN_TUNE_ITEMS..=SEARCH_MAX_ITEMS).contains(&items.len());
        let min_dfs = if search {
            let mut v = vec![p.min_doc_freq, (p.min_doc_freq / 2).max(1)];
            v.dedup();
            v
        } else {
            vec![p.min_doc_freq]
        };
        let built = LearnParams {
            min_doc_freq: min_dfs.iter().copied().min().unwrap_or(1),
            ..p.clone()
        };
        let data = Features::build(items, &built);
        let classes: Vec<Class> = Class::ALL
            .into_iter()
            .filter(|c| items.iter().any(|i| i.class == *c))
            .collect();
        if classes.len() < 2 {
            return Err(LearnError::TooFewClasses {
                found: classes.len(),
            });
        }
        let k = classes.len();
        let y: Vec<usize> = items
            .iter()
            .map(|i| classes.iter().position(|c| *c == i.class).unwrap_or(0))
            .collect();
        let all: Vec<usize> = (0..items.len()).collect();
        let tune = p.priors == PriorTuning::MacroF1 && items.len() >= MIN_TUNE_ITEMS;
        let (l2, prep, shift) = if search {
            self.search(&data, &y, k, &min_dfs, tune)
        } else {
            let prep = masked(&data, p.min_doc_freq, p);
            let shift = tune.then(|| {
                let (oof, rows) = out_of_fold(&data, &prep, &y, k, p.l2, p);
                best_shift(&oof, &rows, &y, k).0
            });
            (p.l2, prep, shift)
        };
        let mut model = fit(&data, &prep, &y, &all, k, l2, p);
        for (b, s) in model.bias.iter_mut().zip(shift.unwrap_or_default()) {
            *b += s;
        }
        let policy = self.to_policy(&data, &model, &prep, &classes, items.len(), l2);
        policy.validate().map_err(LearnError::InvalidPolicy)?;
        Ok(policy)
    }

    /// `l2`, the feature values and the prior shifts (with `tune`) chosen by
    /// [`Search::InnerCv`] among `min_dfs` × three `l2`.
    fn search(
        &self,
        data: &Features,
        y: &[usize],
        k: usize,
        min_dfs: &[usize],
        tune: bool,
    ) -> (f64, Prepared, Option<Vec<f64>>) {
        let p = &self.params;
        let mut chosen = (p.l2, masked(data, p.min_doc_freq, p), None::<Vec<f64>>);
        let candidates: Vec<(usize, f64)> = min_dfs
            .iter()
            // The given l2 and a step of 4x either way: the cross-validated
            // score is flat within a factor of 2, so finer steps buy nothing.
            .flat_map(|&m| [p.l2, p.l2 / 4.0, p.l2 * 4.0].map(|l2| (m, l2)))
            .collect();
        let score = |&(m, l2): &(usize, f64)| {
            let prep = masked(data, m, p);
            let (oof, rows) = out_of_fold(data, &prep, y, k, l2, p);
            if tune {
                best_shift(&oof, &rows, y, k)
            } else {
                let zero = vec![0.0; k];
                let f1 = macro_f1(&oof, &rows, y, &zero);
                (zero, f1)
            }
        };
        #[cfg(feature = "parallel")]
        let scored: Vec<(Vec<f64>, f64)> = {
            use rayon::prelude::*;
            candidates.par_iter().map(score).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let scored: Vec<(Vec<f64>, f64)> = candidates.iter().map(score).collect();
        // The first best candidate, in order: deterministic either way.
        let mut best = f64::NEG_INFINITY;
        for (&(m, l2), (shift, f1)) in candidates.iter().zip(scored) {
            if f1 > best + F1_TIE {
                best = f1;
                chosen = (l2, masked(data, m, p), tune.then_some(shift));
            }
        }
        chosen
    }

    /// K-fold cross-validation: fold `f` holds the items whose
    /// [`index`](Labelled::index) modulo `folds` is `f`; a policy is learned on
    /// the other items and classifies the fold with the crate's classifier.
    pub fn cross_validate(
        &self,
        items: &[Labelled<'_>],
        folds: usize,
    ) -> Result<CrossValidation, LearnError> {
        if folds < 2 || folds > items.len() {
            return Err(LearnError::BadFolds {
                folds,
                items: items.len(),
            });
        }
        let mut per_fold = Vec::with_capacity(folds);
        let mut pooled = Evaluation::new().max_misses(0);
        for f in 0..folds {
            let (test, train): (Vec<Labelled>, Vec<Labelled>) =
                items.iter().partition(|i| i.index % folds == f);
            if test.is_empty() {
                return Err(LearnError::BadFolds {
                    folds,
                    items: items.len(),
                });
            }
            let policy = self.learn(&train)?;
            let classifier = Classifier::new(&policy).map_err(LearnError::InvalidPolicy)?;
            let mut eval = Evaluation::new().max_misses(0);
            for (n, t) in test.iter().enumerate() {
                let c = classifier.classify_text(t.title, t.body);
                eval.add(&n.to_string(), &[t.class], &c);
                pooled.add(&n.to_string(), &[t.class], &c);
            }
            let report = eval.finish();
            per_fold.push(FoldResult {
                fold: f,
                train: train.len(),
                test: test.len(),
                macro_f1: report.macro_f1,
                accuracy: report.accuracy,
                keywords: policy.rules.iter().map(|r| r.keywords.len()).sum(),
            });
        }
        let mean = |g: fn(&FoldResult) -> f64| per_fold.iter().map(g).sum::<f64>() / folds as f64;
        Ok(CrossValidation {
            folds,
            mean_macro_f1: mean(|r| r.macro_f1),
            mean_accuracy: mean(|r| r.accuracy),
            per_fold,
            pooled: pooled.finish(),
        })
    }
}

/// The features' values and length factors for the candidate minimum
/// document frequency `m`: features below it get the value 0, so they take
/// no weight and are not written.
fn masked(data: &Features, m: usize, p: &LearnParams) -> Prepared {
    let scale: Vec<f64> = data
        .scale
        .iter()
        .zip(&data.df)
        .map(|(&s, &df)| if df as usize >= m { s } else { 0.0 })
        .collect();
    Prepared::new(data, scale, m, p.length_norm, p.max_keywords)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text;

    fn set() -> Vec<(String, Class)> {
        let mut v = Vec::new();
        let bugs = ["crash", "freeze", "error"];
        let wants = ["dark mode", "export", "offline sync"];
        let fillers = [
            "today",
            "on my phone",
            "after the update",
            "again",
            "at work",
        ];
        for i in 0..30 {
            let f = fillers[i % 5];
            v.push((
                format!("it {} {f} {i}", bugs[i % 3]),
                Class::FaultCorrection,
            ));
            v.push((
                format!("please add {} {f} {i}", wants[i % 3]),
                Class::MarketDriven,
            ));
            v.push((format!("love it {f} {i}"), Class::Responsiveness));
        }
        v
    }

    fn labelled(v: &[(String, Class)]) -> Vec<Labelled<'_>> {
        v.iter()
            .enumerate()
            .map(|(i, (t, c))| Labelled::new(i, t, "", *c))
            .collect()
    }

    #[test]
    fn learns_obvious_words() {
        let v = set();
        let policy = Learner::new(LearnParams::default())
            .unwrap()
            .learn(&labelled(&v))
            .unwrap();
        policy.validate().unwrap();
        let words = |class: Class| -> Vec<String> {
            policy
                .rules
                .iter()
                .filter(|r| r.class == class)
                .flat_map(|r| r.keywords.iter().map(|k| k.text.clone()))
                .collect()
        };
        let fault = words(Class::FaultCorrection);
        for w in ["crash", "freeze", "error"] {
            assert!(fault.contains(&w.to_string()), "{w} in {fault:?}");
        }
        assert!(words(Class::MarketDriven).contains(&"please".to_string()));
        assert!(words(Class::Responsiveness).contains(&"love".to_string()));
        // Item numbers occur in one item of each class: they tell nothing
        // apart, so without length normalisation and with a firm penalty
        // they are not keywords (with length normalisation, every frequent
        // word carries its share of the length term, numbers too; with the
        // default weak penalty, l2 0.5, they take small weights that fit
        // the few training items).
        let plain = Learner::new(LearnParams::default().length_norm(0.0).l2(32.0))
            .unwrap()
            .learn(&labelled(&v))
            .unwrap();
        assert!(!plain.rules.iter().any(|r| {
            r.keywords
                .iter()
                .any(|k| k.text.chars().all(|c| c.is_ascii_digit()))
        }));
        let c = Classifier::new(&policy).unwrap();
        assert_eq!(
            c.classify_text("crashed again", "").class,
            Some(Class::FaultCorrection)
        );
        assert_eq!(
            c.classify_text("Please add dark mode", "").class,
            Some(Class::MarketDriven)
        );
    }

    #[test]
    fn search_is_deterministic_and_picks_a_candidate() {
        let v = set();
        let items = labelled(&v);
        let learn = |search: Search| {
            Learner::new(LearnParams::default().l2(8.0).search(search))
                .unwrap()
                .learn(&items)
                .unwrap()
        };
        let a = learn(Search::InnerCv);
        assert_eq!(a, learn(Search::InnerCv));
        a.validate().unwrap();
        let l2s: Vec<&str> = a
            .rules
            .iter()
            .filter_map(|r| r.description.as_deref())
            .filter_map(|d| d.split("(l2 ").nth(1))
            .collect();
        assert!(!l2s.is_empty());
        for l2 in l2s {
            assert!(["8)", "2)", "32)"].contains(&l2), "{l2}");
        }
        let off = learn(Search::Off);
        assert!(
            off.rules
                .iter()
                .filter_map(|r| r.description.as_deref())
                .any(|d| d.ends_with("(l2 8)"))
        );
    }

    /// The defaults documented on `LearnParams::default` (chosen on the
    /// GitHub and security sets) are the ones used: no search moves `l2`,
    /// and a word seen in one training item can become a keyword.
    #[test]
    fn defaults_are_used_as_given_and_keep_words_seen_once() {
        let d = LearnParams::default();
        assert_eq!(
            (d.search, d.l2, d.min_doc_freq, d.length_norm),
            (Search::Off, 0.5, 1, 0.2)
        );
        let mut v = set();
        v.push(("it zorblax".to_string(), Class::FaultCorrection));
        let items = labelled(&v);
        let learn = |params: LearnParams| Learner::new(params).unwrap().learn(&items).unwrap();
        let has_zorblax = |p: &Policy| {
            p.rules
                .iter()
                .any(|r| r.keywords.iter().any(|k| k.text == "zorblax"))
        };
        let policy = learn(LearnParams::default());
        let descriptions: Vec<&str> = policy
            .rules
            .iter()
            .filter(|r| !r.keywords.is_empty())
            .filter_map(|r| r.description.as_deref())
            .collect();
        assert!(!descriptions.is_empty());
        assert!(descriptions.iter().all(|d| d.ends_with("(l2 0.5)")));
        assert!(has_zorblax(&policy));
        assert!(!has_zorblax(&learn(LearnParams::default().min_doc_freq(2))));
    }

    /// Texts where phrases chain ("app crash" then "crash on" then "on
    /// start"), of varied length.
    fn chained() -> Vec<(String, Class)> {
        let words = [
            "app", "crash", "on", "start", "add", "dark", "mode", "love", "it",
        ];
        let mut v = Vec::new();
        let mut x = 7u64;
        for i in 0..90 {
            let class = [
                Class::FaultCorrection,
                Class::MarketDriven,
                Class::Responsiveness,
            ][i % 3];
            let mut t = Vec::new();
            for _ in 0..(3 + i % 11) {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let w = (x >> 33) as usize % words.len();
                // Each class leans on three of the words.
                let w = if (x >> 20).is_multiple_of(2) {
                    (i % 3) * 3 + w % 3
                } else {
                    w
                };
                t.push(words[w]);
            }
            v.push((t.join(" "), class));
        }
        v
    }

    #[test]
    fn the_policy_scores_as_the_model_does() {
        let v = chained();
        let items = labelled(&v);
        let classes = [
            Class::FaultCorrection,
            Class::MarketDriven,
            Class::Responsiveness,
        ];
        let y: Vec<usize> = items
            .iter()
            .map(|i| classes.iter().position(|c| *c == i.class).unwrap())
            .collect();
        let all: Vec<usize> = (0..items.len()).collect();
        for beta in [0.0, 0.1, 1.0] {
            let p = LearnParams::default()
                .min_doc_freq(1)
                .min_weight(0.0)
                .length_norm(beta);
            let learner = Learner::new(p.clone()).unwrap();
            let data = Features::build(&items, &p);
            let prep = Prepared::new(&data, data.scale.clone(), 1, beta, p.max_keywords);
            let model = fit(&data, &prep, &y, &all, 3, 1.0, &p);
            let policy = learner.to_policy(&data, &model, &prep, &classes, items.len(), 1.0);
            let c = Classifier::new(&policy).unwrap();
            let mut out = [0.0; 3];
            let mut margins = 0;
            for (d, it) in items.iter().enumerate() {
                model.scores(&data, d, prep.norm[d], &mut out);
                let mut order = [0, 1, 2];
                order.sort_by(|a, b| out[*b].total_cmp(&out[*a]));
                // Weights are rounded to 0.001: skip near ties.
                if (out[order[0]] - out[order[1]]) / prep.norm[d] < 0.05 {
                    continue;
                }
                margins += 1;
                let got = c.classify_text(it.title, "");
                assert_eq!(
                    got.class,
                    Some(classes[order[0]]),
                    "beta {beta}: {}",
                    it.title
                );
            }
            assert!(margins > 60, "{margins}");
        }
    }

    #[test]
    fn phrases_of_one_rule_never_overlap() {
        let v = chained();
        let policy = Learner::new(LearnParams::default().min_doc_freq(1))
            .unwrap()
            .learn(&labelled(&v))
            .unwrap();
        let mut parts = 0;
        for rule in &policy.rules {
            let phrases: Vec<Vec<String>> = rule
                .keywords
                .iter()
                .map(|k| text::phrase_terms(&k.text))
                .collect();
            parts += usize::from(rule.id.contains("-part-"));
            for (i, a) in phrases.iter().enumerate() {
                // A phrase running into itself ("on on") is counted once
                // anyway; only distinct phrases hide each other.
                for b in phrases.iter().skip(i + 1).chain(&phrases[..i]) {
                    for m in 1..a.len().min(b.len()) {
                        assert!(
                            a[a.len() - m..] != b[..m],
                            "{}: {a:?} runs into {b:?}",
                            rule.id
                        );
                    }
                }
            }
        }
        // The texts chain phrases, so some rules had to be split.
        assert!(parts > 0);
    }

    #[test]
    fn surface_forms_renormalise() {
        let v = vec![
            ("Crashes on start".to_string(), Class::FaultCorrection),
            ("crashes on start".to_string(), Class::FaultCorrection),
            ("It crashed on start".to_string(), Class::FaultCorrection),
            ("Love it".to_string(), Class::Responsiveness),
            ("love it".to_string(), Class::Responsiveness),
            ("love it".to_string(), Class::Responsiveness),
        ];
        let params = LearnParams {
            min_doc_freq: 2,
            min_weight: 0.0,
            ..LearnParams::default()
        };
        let policy = Learner::new(params).unwrap().learn(&labelled(&v)).unwrap();
        let all: Vec<&str> = policy
            .rules
            .iter()
            .flat_map(|r| r.keywords.iter().map(|k| k.text.as_str()))
            .collect();
        assert!(all.contains(&"crashes"), "{all:?}");
        assert!(all.contains(&"crashes on"), "{all:?}");
        for k in all {
            assert_eq!(text::phrase_terms(k).len(), k.split(' ').count());
        }
    }

    #[test]
    fn folds_follow_the_index_modulo_k() {
        let v = set();
        let mut items = labelled(&v);
        // Indexes with gaps, as when some lines were skipped.
        for (n, i) in items.iter_mut().enumerate() {
            i.index = n + 7;
        }
        let learner = Learner::new(LearnParams::default()).unwrap();
        let cv = learner.cross_validate(&items, 4).unwrap();
        assert_eq!(cv.per_fold.len(), 4);
        for r in &cv.per_fold {
            let expect = items.iter().filter(|i| i.index % 4 == r.fold).count();
            assert_eq!(r.test, expect);
            assert_eq!(r.train, items.len() - expect);
        }
        assert_eq!(cv.pooled.items, items.len());
        assert!(cv.mean_macro_f1 > 0.9, "{cv:?}");
        assert!(matches!(
            learner.cross_validate(&items, 1),
            Err(LearnError::BadFolds { .. })
        ));
    }

    #[test]
    fn texts_without_words_still_give_a_valid_policy() {
        let v = vec![
            ("".to_string(), Class::Necessity),
            ("!!".to_string(), Class::FaultCorrection),
        ];
        let policy = Learner::new(LearnParams::default())
            .unwrap()
            .learn(&labelled(&v))
            .unwrap();
        policy.validate().unwrap();
    }

    #[test]
    fn one_class_is_an_error() {
        let v = vec![("a b c".to_string(), Class::Necessity)];
        let err = Learner::new(LearnParams::default())
            .unwrap()
            .learn(&labelled(&v))
            .unwrap_err();
        assert_eq!(err, LearnError::TooFewClasses { found: 1 });
        let bad = Learner::new(LearnParams {
            max_ngram: 4,
            ..LearnParams::default()
        });
        assert!(bad.unwrap_err().to_string().contains("max_ngram"));
        for v in [-0.1, f64::NAN, f64::INFINITY] {
            let bad = Learner::new(LearnParams::default().length_norm(v));
            assert!(bad.unwrap_err().to_string().contains("length_norm"));
        }
    }
}
