//! The optimiser.

/// Step pairs kept for the inverse-Hessian estimate (the usual 3 to 20;
/// 10 is scipy's L-BFGS-B default).
const MEMORY: usize = 10;
/// Armijo's sufficient-decrease constant (Nocedal and Wright's usual 1e-4).
const ARMIJO: f64 = 1e-4;
/// Step halvings tried before the line search gives up (down to a step of
/// 2^-29, far below any useful move).
const HALVINGS: usize = 30;
/// A step pair whose curvature `s·y` is at most this is not stored: it
/// would make the estimate ill-conditioned or not positive definite.
const MIN_CURVATURE: f64 = 1e-12;
/// Converged when a step lowers the loss by at most this share of it (at
/// least of 1): the policy's weights are rounded to three decimals anyway.
const REL_DECREASE: f64 = 1e-10;
/// Converged when the gradient's norm falls below this.
const GRAD_NORM: f64 = 1e-6;
/// The first step's direction is the gradient over its norm, floored at
/// this so a zero gradient gives no division by zero.
const NORM_FLOOR: f64 = 1e-12;

/// Minimises a smooth convex function with L-BFGS (memory [`MEMORY`]) and a
/// backtracking Armijo line search. Deterministic.
pub(super) fn lbfgs(
    dim: usize,
    max_iter: usize,
    f: &mut dyn FnMut(&[f64], &mut [f64]) -> f64,
) -> Vec<f64> {
    let mut x = vec![0.0; dim];
    let mut g = vec![0.0; dim];
    let mut fx = f(&x, &mut g);
    let mut s_hist: Vec<Vec<f64>> = Vec::new();
    let mut y_hist: Vec<Vec<f64>> = Vec::new();
    let mut d = vec![0.0; dim];
    let mut x_new = vec![0.0; dim];
    let mut g_new = vec![0.0; dim];
    for _ in 0..max_iter {
        direction(&g, &s_hist, &y_hist, &mut d);
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction: restart from the gradient.
            s_hist.clear();
            y_hist.clear();
            for (dj, gj) in d.iter_mut().zip(&g) {
                *dj = -gj;
            }
            slope = -dot(&g, &g);
        }
        let mut step = 1.0;
        let mut accepted = false;
        for _ in 0..HALVINGS {
            for i in 0..dim {
                x_new[i] = x[i] + step * d[i];
            }
            let f_new = f(&x_new, &mut g_new);
            if f_new <= fx + ARMIJO * step * slope {
                // Reuse the oldest pair's buffers once the memory is full.
                let (mut s, mut yv) = if s_hist.len() == MEMORY {
                    (s_hist.remove(0), y_hist.remove(0))
                } else {
                    (vec![0.0; dim], vec![0.0; dim])
                };
                for i in 0..dim {
                    s[i] = x_new[i] - x[i];
                    yv[i] = g_new[i] - g[i];
                }
                if dot(&s, &yv) > MIN_CURVATURE {
                    s_hist.push(s);
                    y_hist.push(yv);
                }
                let decrease = fx - f_new;
                std::mem::swap(&mut x, &mut x_new);
                std::mem::swap(&mut g, &mut g_new);
                fx = f_new;
                accepted = true;
                if decrease <= REL_DECREASE * fx.abs().max(1.0) {
                    return x;
                }
                break;
            }
            step *= 0.5;
        }
        if !accepted || dot(&g, &g).sqrt() < GRAD_NORM {
            break;
        }
    }
    x
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>()
}

/// The search direction `d = -H g` by the two-loop recursion over the
/// stored steps `s` and gradient changes `y` (oldest first).
fn direction(g: &[f64], s_hist: &[Vec<f64>], y_hist: &[Vec<f64>], d: &mut [f64]) {
    d.copy_from_slice(g);
    let mut alpha = vec![0.0; s_hist.len()];
    for i in (0..s_hist.len()).rev() {
        let rho = 1.0 / dot(&y_hist[i], &s_hist[i]);
        alpha[i] = rho * dot(&s_hist[i], d);
        for (dj, yj) in d.iter_mut().zip(&y_hist[i]) {
            *dj -= alpha[i] * yj;
        }
    }
    if let (Some(s), Some(y)) = (s_hist.last(), y_hist.last()) {
        let gamma = dot(s, y) / dot(y, y);
        d.iter_mut().for_each(|v| *v *= gamma);
    } else {
        let norm = dot(g, g).sqrt().max(NORM_FLOOR);
        d.iter_mut().for_each(|v| *v /= norm);
    }
    for i in 0..s_hist.len() {
        let rho = 1.0 / dot(&y_hist[i], &s_hist[i]);
        let beta = rho * dot(&y_hist[i], d);
        for (dj, sj) in d.iter_mut().zip(&s_hist[i]) {
            *dj += (alpha[i] - beta) * sj;
        }
    }
    d.iter_mut().for_each(|v| *v = -*v);
}
