//! The error model of `_vb_terms_bpd` (docs/error-model.md, "`_vb_terms_bpd`"), one batch element at a
//! time, composed of the per-timestep pieces (golden::posterior_model: the float32 coefficients
//! `f32(exact element)` and their ambiguities, the posterior mean's and the learned range's roundings) and the two
//! helpers' own models (golden::error_model): `normal_kl`'s for the KL branch, the tanh log-likelihood's
//! at `log_scales = 0.5 * log_variance` for the decoder branch, then `mean_flat` and the division by the
//! precision's `ln 2`. Every bound is absolute: where the model matches the posterior the exact KL is
//! 4e-8 to 1e-19 bits while float32 evaluates terms of size 1 (vlb-semantics 6), so nothing is relative
//! to the tiny value.

use crate::golden::error_model::{
    self, loglik_bound_with, normal_kl_bound, KlFacts, LoglikFacts, Model, SAFETY,
};
use crate::golden::posterior_model::{learned_range_bound, mean_bound, StepBounds, StepValues};
use crate::Cdf;
use std::f64::consts::LN_2;

/// One element's exact inputs (f32 values widened).
#[derive(Debug, Clone, Copy)]
pub struct VbElement {
    /// `x_start`.
    pub x_start: f64,
    /// `x_t`.
    pub x_t: f64,
    /// `pred_xstart`.
    pub pred_xstart: f64,
    /// `model_var_values`.
    pub v: f64,
}

/// The learned range's log-variance at `v` from the step's exact values (a magnitude for the bounds).
pub(crate) fn learned_range(c: &StepValues, v: f64) -> f64 {
    let frac = (v + 1.0) / 2.0;
    frac * c.log_beta + (1.0 - frac) * c.log_variance_clipped
}

/// The row's bound from its elements' evaluation bounds `own` and exact values `terms`, in nats: their
/// mean, `mean_flat`'s summation over values within `own` of the exact ones, then the division by the
/// precision's `ln 2` (its rounding and the constant's: two roundings of the computed mean).
fn row_bound(p: &Model, terms: &[f64], own: &[f64], bits: f64) -> f64 {
    let n = terms.len().max(1) as f64;
    let mean_own = own.iter().sum::<f64>() / n;
    let reach: Vec<f64> = terms.iter().zip(own).map(|(t, e)| t.abs() + e).collect();
    let mean = terms.iter().sum::<f64>() / n;
    let summation = error_model::mean_bound(p, &reach, mean).or_inf();
    (mean_own + summation) / LN_2 + SAFETY * 2.0 * p.u * (bits.abs() + (mean_own + summation) / LN_2)
}

/// Bound on the KL branch (`t > 0`) of one batch element in `p`: per element `normal_kl`'s own roundings
/// at the exact arguments, plus the propagated errors of its computed arguments: the two posterior means
/// share `coef2 x_t` (one product, bit for bit the same in both), so `true_mean - model_mean` carries the
/// extracted `coef1`'s ambiguity times `x_start - pred_xstart` and four roundings; `true_log_variance_clipped`
/// its ambiguity; the learned range its bound. Through the KL's derivatives: `d/dg = g e^-lv`
/// (plus the square's second-order term), `d/dlogvar1 = (e^D - 1) / 2`, `d/dlogvar2 = (1 - e^D - g^2
/// e^-lv) / 2` with `g` the means' difference and `D = logvar1 - logvar2`.
pub fn kl_bound(p: &Model, c: &StepValues, e: &StepBounds, row: &[VbElement], bits: f64) -> f64 {
    let (mut terms, mut own) = (Vec::with_capacity(row.len()), Vec::with_capacity(row.len()));
    for el in row {
        let lv = learned_range(c, el.v);
        let gap = el.x_start - el.pred_xstart;
        let (m1, m2) = (c.coef1 * el.x_start + c.coef2 * el.x_t, c.coef1 * el.pred_xstart + c.coef2 * el.x_t);
        let g = c.coef1 * gap;
        let d = c.log_variance_clipped - lv;
        let inv = (-lv).exp();
        let kl = 0.5 * (d.exp_m1() - d + g * g * inv);
        let rounding = (c.coef1 * el.x_start).abs() + (c.coef1 * el.pred_xstart).abs() + m1.abs() + m2.abs();
        let e_g = e.coef1 * gap.abs() + SAFETY * p.u * rounding;
        let e_lv = learned_range_bound(p, e, c, el.v, lv);
        let propagated = g.abs() * inv * e_g
            + 0.5 * inv * e_g * e_g
            + 0.5 * d.exp_m1().abs() * e.log_variance_clipped
            + 0.5 * (d.exp_m1() + g * g * inv).abs() * e_lv;
        let facts =
            KlFacts { mean1: m1, logvar1: c.log_variance_clipped, mean2: m2, logvar2: lv, expected: kl };
        let evaluation = normal_kl_bound(p, &facts).or_inf();
        terms.push(kl);
        own.push(SAFETY * propagated + evaluation);
    }
    row_bound(p, &terms, &own, bits)
}

/// What the decoder's bound needs of one element besides its inputs: the exact log-likelihood (clamped)
/// at its exact mean and log-scale, the branch and the unclamped log-probability.
#[derive(Debug, Clone, Copy)]
pub struct DecoderFacts {
    /// The branch `x_start` selects.
    pub branch: crate::upstream::loglik::Branch,
    /// ln of the bin's exact probability (unclamped).
    pub log_prob: f64,
    /// The exact log-likelihood (clamped).
    pub expected: f64,
}

/// Bound on the decoder branch (`t = 0`) of one batch element in `p`: per element the tanh
/// log-likelihood's model at the exact mean and `log_scales = lv / 2`, its CDF arguments moved by the
/// computed mean's error (the posterior mean's bound) and the computed log-scale's (half the learned
/// range's: the halving is exact), then the row's mean and the division by `ln 2`.
pub fn decoder_bound(
    p: &Model,
    c: &StepValues,
    e: &StepBounds,
    row: &[VbElement],
    facts: &[DecoderFacts],
    bits: f64,
) -> f64 {
    let (mut terms, mut own) = (Vec::with_capacity(row.len()), Vec::with_capacity(row.len()));
    for (el, f) in row.iter().zip(facts) {
        let lv = learned_range(c, el.v);
        let mean = c.coef1 * el.pred_xstart + c.coef2 * el.x_t;
        let dmean = mean_bound(p, e, c, el.pred_xstart, el.x_t, mean);
        let dlog_scale = 0.5 * learned_range_bound(p, e, c, el.v, lv);
        let lf = LoglikFacts {
            x: el.x_start,
            mean,
            log_scale: 0.5 * lv,
            branch: f.branch,
            log_prob: f.log_prob,
            expected: f.expected,
        };
        let b = loglik_bound_with(p, Cdf::Tanh, &lf, (dmean, dlog_scale)).or_inf();
        terms.push(-f.expected);
        own.push(b);
    }
    row_bound(p, &terms, &own, bits)
}
