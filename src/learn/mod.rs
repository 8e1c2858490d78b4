//! Learning an editable policy from labelled texts (see [`Learner`]).

mod export;
pub(crate) use export::is_learned_id;
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
    /// The training items of one cross-validation fold (every item but
    /// those the fold holds) cover fewer than two classes, though the items
    /// as a whole cover two or more.
    #[error(
        "cross-validation fold {fold}: its training items cover {found} class(es); at least 2 are needed"
    )]
    FoldTooFewClasses {
        /// The fold (it holds the items with `index % folds == fold`).
        fold: usize,
        /// How many classes its training items have.
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
    ///
    /// The result does not depend on the order of `items`: they are taken in
    /// order of [`index`](Labelled::index) (then class, title and body), and
    /// the inner folds that tune the priors are by position in that order.
    pub fn learn(&self, items: &[Labelled<'_>]) -> Result<Policy, LearnError> {
        let items = &canonical(items);
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
        let found = distinct_classes(items);
        if found < 2 {
            return Err(LearnError::TooFewClasses { found });
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
            let policy = self.learn(&train).map_err(|e| match e {
                LearnError::TooFewClasses { found } => {
                    LearnError::FoldTooFewClasses { fold: f, found }
                }
                e => e,
            })?;
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

/// How many classes the items have.
fn distinct_classes(items: &[Labelled<'_>]) -> usize {
    Class::ALL
        .into_iter()
        .filter(|c| items.iter().any(|i| i.class == *c))
        .count()
}

/// The items in the order learning takes them, whatever the order given:
/// by index, then class, title and body (equal items are interchangeable).
fn canonical<'a>(items: &[Labelled<'a>]) -> Vec<Labelled<'a>> {
    let mut sorted = items.to_vec();
    sorted.sort_unstable_by(|a, b| {
        (a.index, a.class, a.title, a.body).cmp(&(b.index, b.class, b.title, b.body))
    });
    sorted
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
mod tests;
