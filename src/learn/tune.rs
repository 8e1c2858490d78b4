//! Tuning on out-of-fold scores: inner folds, macro-F1 and the prior shifts.

use super::LearnParams;
use super::features::Features;
use super::model::{Prepared, fit};

/// The inner folds, by position.
const INNER: usize = 3;
/// Above this many items only the first inner fold is held out.
const ONE_FOLD_ABOVE: usize = 20_000;
/// The prior shifts' grid: `-SHIFT_STEPS..=SHIFT_STEPS` steps of
/// `SHIFT_STEP`, that is `[-1.5, 1.5]`: a class's odds times at most e^1.5,
/// about 4.5, either way.
const SHIFT_STEP: f64 = 0.05;
const SHIFT_STEPS: i32 = 30;
/// Rounds of coordinate ascent over the classes.
const ROUNDS: usize = 3;
/// A macro-F1 must beat the best by more than this to replace it, so that
/// rounding noise never decides and ties keep the earlier candidate.
pub(super) const F1_TIE: f64 = 1e-9;

/// Out-of-fold scores of three inner folds by position (above 20,000 items,
/// only the first fold is held out: one third estimates well enough), and
/// the rows that have them.
pub(super) fn out_of_fold(
    data: &Features,
    prep: &Prepared,
    y: &[usize],
    k: usize,
    l2: f64,
    p: &LearnParams,
) -> (Vec<f64>, Vec<usize>) {
    let n = y.len();
    let folds = if n > ONE_FOLD_ABOVE { 1 } else { INNER };
    let mut oof = vec![0.0; n * k];
    for f in 0..folds {
        let train: Vec<usize> = (0..n).filter(|d| d % INNER != f).collect();
        let model = fit(data, prep, y, &train, k, l2, p);
        for d in (0..n).filter(|d| d % INNER == f) {
            model.scores(data, d, prep.norm[d], &mut oof[d * k..d * k + k]);
        }
    }
    let rows: Vec<usize> = (0..n)
        .filter(|d| folds == INNER || d % INNER == 0)
        .collect();
    (oof, rows)
}

/// Macro-F1 of the arg-max of the scores plus `shift` over `rows`.
pub(super) fn macro_f1(oof: &[f64], rows: &[usize], y: &[usize], shift: &[f64]) -> f64 {
    let k = shift.len();
    let mut tp = vec![0usize; k];
    let mut pred = vec![0usize; k];
    let mut support = vec![0usize; k];
    for &d in rows {
        let row = &oof[d * k..d * k + k];
        let mut best = 0;
        for c in 1..k {
            if row[c] + shift[c] > row[best] + shift[best] {
                best = c;
            }
        }
        pred[best] += 1;
        support[y[d]] += 1;
        if best == y[d] {
            tp[y[d]] += 1;
        }
    }
    let mut sum = 0.0;
    let mut present = 0;
    for c in 0..k {
        if support[c] > 0 {
            present += 1;
            sum += 2.0 * tp[c] as f64 / (support[c] + pred[c]) as f64;
        }
    }
    sum / present.max(1) as f64
}

/// Per-class prior shifts that maximise macro-F1 on out-of-fold scores,
/// found by coordinate ascent over a grid of `[-1.5, 1.5]` in steps of 0.05,
/// and that macro-F1.
pub(super) fn best_shift(oof: &[f64], rows: &[usize], y: &[usize], k: usize) -> (Vec<f64>, f64) {
    let mut shift = vec![0.0; k];
    let mut best = macro_f1(oof, rows, y, &shift);
    for _ in 0..ROUNDS {
        for c in 1..k {
            let keep = shift[c];
            let mut arg = keep;
            for step in -SHIFT_STEPS..=SHIFT_STEPS {
                shift[c] = f64::from(step) * SHIFT_STEP;
                let v = macro_f1(oof, rows, y, &shift);
                if v > best + F1_TIE {
                    best = v;
                    arg = shift[c];
                }
            }
            shift[c] = arg;
        }
    }
    (shift, best)
}
