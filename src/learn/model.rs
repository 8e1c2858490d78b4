//! The multinomial logistic regression: feature values, fitting and scores.

use super::features::Features;
use super::lbfgs::lbfgs;
use super::{ClassBalance, LearnParams};

/// The features' values and the items' length factors for one candidate.
///
/// With `beta > 0` the model is length-normalised: an item's features are
/// worth `1 / (1 + beta × L)`, where `L` is how many *counted* features it
/// has (those in at least two training items, at most `max_keywords` of
/// them, the most frequent). Its scores `bias + S / (1 + beta × L)` have the
/// same arg-max as `(1 + beta × L) × bias + S`, which a policy expresses
/// exactly: the prior rules keep `bias`, and every counted keyword's weight
/// for class `c` gets `beta × bias[c]` added.
pub(super) struct Prepared {
    pub(super) scale: Vec<f64>,
    pub(super) norm: Vec<f64>,
    pub(super) counted: Vec<bool>,
    pub(super) beta: f64,
}

impl Prepared {
    pub(super) fn new(
        data: &Features,
        scale: Vec<f64>,
        min_df: usize,
        beta: f64,
        max: usize,
    ) -> Prepared {
        let nf = scale.len();
        let mut counted = vec![false; nf];
        if beta > 0.0 {
            let mut ids: Vec<usize> = (0..nf)
                .filter(|&f| scale[f] > 0.0 && data.df[f] as usize >= min_df.max(2))
                .collect();
            ids.sort_by(|&a, &b| data.df[b].cmp(&data.df[a]).then(a.cmp(&b)));
            ids.truncate(max);
            for f in ids {
                counted[f] = true;
            }
        }
        let n = data.offsets.len() - 1;
        let norm = (0..n)
            .map(|d| {
                let l = data.doc(d).iter().filter(|&&f| counted[f as usize]).count();
                1.0 / (1.0 + beta * l as f64)
            })
            .collect();
        Prepared {
            scale,
            norm,
            counted,
            beta,
        }
    }
}

/// A fitted model: `w[f * k + c]` and `bias[c]`.
pub(super) struct Model {
    pub(super) w: Vec<f64>,
    pub(super) bias: Vec<f64>,
}

/// Fits the multinomial logistic regression with L-BFGS.
/// `y[d]` is item `d`'s class index among `k`; only the items in `rows`
/// are used.
/// `prep` holds each feature's value (0 to leave it out) and each item's
/// length factor.
pub(super) fn fit(
    data: &Features,
    prep: &Prepared,
    y: &[usize],
    rows: &[usize],
    k: usize,
    l2: f64,
    p: &LearnParams,
) -> Model {
    let nf = data.names.len();
    let mut counts = vec![0usize; k];
    for &d in rows {
        counts[y[d]] += 1;
    }
    let n = rows.len() as f64;
    let sample: Vec<f64> = match p.balance {
        ClassBalance::Unweighted => vec![1.0; k],
        ClassBalance::Balanced => counts
            .iter()
            .map(|&c| {
                if c == 0 {
                    0.0
                } else {
                    n / (k as f64 * c as f64)
                }
            })
            .collect(),
    };
    let dim = nf * k + k;
    let mut grad_buf = vec![0.0; k];
    let problem = Problem {
        data,
        prep,
        y,
        rows,
        k,
        l2,
        sample: &sample,
    };
    let mut eval = |x: &[f64], g: &mut [f64]| problem.loss(x, g, &mut grad_buf);
    let x = lbfgs(dim, p.max_iterations, &mut eval);
    let (w, b) = x.split_at(nf * k);
    // Keyword weights are the fitted weights times the feature's value.
    let w = w
        .iter()
        .enumerate()
        .map(|(i, v)| v * prep.scale[i / k])
        .collect();
    Model {
        w,
        bias: b.to_vec(),
    }
}

/// The penalised, weighted cross-entropy that [`fit`] minimises.
struct Problem<'a> {
    data: &'a Features,
    prep: &'a Prepared,
    y: &'a [usize],
    rows: &'a [usize],
    k: usize,
    l2: f64,
    /// The weight of an item of each class.
    sample: &'a [f64],
}

impl Problem<'_> {
    /// The loss at `x` (the weights, then the biases), its gradient written
    /// to `g`; `z` holds `k` scores.
    fn loss(&self, x: &[f64], g: &mut [f64], z: &mut [f64]) -> f64 {
        let (data, prep, y, k, l2) = (self.data, self.prep, self.y, self.k, self.l2);
        let nf = data.names.len();
        g.fill(0.0);
        let (w, b) = x.split_at(nf * k);
        let mut loss = 0.0;
        for &d in self.rows {
            z.copy_from_slice(b);
            let doc = data.doc(d);
            for &f in doc {
                let row = &w[f as usize * k..f as usize * k + k];
                let x = prep.scale[f as usize] * prep.norm[d];
                for c in 0..k {
                    z[c] += x * row[c];
                }
            }
            let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut sum = 0.0;
            for v in z.iter_mut() {
                *v = (*v - max).exp();
                sum += *v;
            }
            let s = self.sample[y[d]];
            loss += s * (sum.ln() - (z[y[d]].ln()));
            for (c, v) in z.iter_mut().enumerate() {
                let pr = *v / sum;
                *v = s * (pr - if c == y[d] { 1.0 } else { 0.0 });
            }
            for &f in doc {
                let row = &mut g[f as usize * k..f as usize * k + k];
                let x = prep.scale[f as usize] * prep.norm[d];
                for c in 0..k {
                    row[c] += x * z[c];
                }
            }
            for c in 0..k {
                g[nf * k + c] += z[c];
            }
        }
        for i in 0..nf * k {
            loss += 0.5 * l2 * w[i] * w[i];
            g[i] += l2 * w[i];
        }
        loss
    }
}

impl Model {
    /// The linear scores of item `d`, whose length factor is `norm`.
    pub(super) fn scores(&self, data: &Features, d: usize, norm: f64, out: &mut [f64]) {
        let k = self.bias.len();
        out.fill(0.0);
        for &f in data.doc(d) {
            for (o, w) in out
                .iter_mut()
                .zip(&self.w[f as usize * k..f as usize * k + k])
            {
                *o += w;
            }
        }
        for (o, b) in out.iter_mut().zip(&self.bias) {
            *o = *o * norm + b;
        }
    }
}
