//! Tuning on out-of-fold scores: inner folds, macro-F1 and the prior shifts.

use super::LearnParams;
use super::features::Features;
use super::model::{Prepared, fit};

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
    const INNER: usize = 3;
    let n = y.len();
    let folds = if n > 20_000 { 1 } else { INNER };
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
    for _ in 0..3 {
        for c in 1..k {
            let keep = shift[c];
            let mut arg = keep;
            for step in -30..=30 {
                shift[c] = f64::from(step) * 0.05;
                let v = macro_f1(oof, rows, y, &shift);
                if v > best + 1e-9 {
                    best = v;
                    arg = shift[c];
                }
            }
            shift[c] = arg;
        }
    }
    (shift, best)
}
