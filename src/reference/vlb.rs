//! The exact variational bound of improved-diffusion's `calc_bpd_loop` on a batch whose model outputs are
//! given as data (`pred_xstart` and the learned-range `model_var_values`), in bits/dim: the terms of
//! `_vb_terms_bpd` (decoder NLL at `t = 0`, `normal_kl` of the posteriors for `t > 0`), `_prior_bpd`, and
//! their sum, every one certified by Ziv's loop over the exact schedule's balls ([`Diffusion::step`]).
//!
//! Exact identities keep every quantity free of cancellation (they hold for the reals, not for upstream's
//! floats, whose roundings the audit measures):
//!
//! * the two posterior means share `coef2 x_t`, so `true_mean - model_mean = coef1 (x_start - pred_xstart)`
//!   and the exact terms do not depend on `x_t`;
//! * with `lv = frac ln(beta_t) + (1 - frac) lvc`, `frac = (v + 1) / 2` and `lvc` the clipped posterior
//!   log-variance, `D = lvc - lv = frac (lvc - ln beta_t)` and `normal_kl = (g(D) + coef1^2 (x_start -
//!   pred)^2 e^-lv) / 2` with `g(D) = e^D - 1 - D` by its series (`helpers::kl_g`);
//! * at `t = 0`, `coef1 = 1` and `coef2 = 0` exactly, so the decoder's mean is `pred_xstart` itself;
//! * the prior is `posterior.rs`'s exact `_prior_bpd` ([`prior_balls`]).
//!
//! The terms are sums over segments of elements that share one `v`: the audit's batch has one `v` per
//! image and channel (broadcast over the pixels), so the sums over pixels are formed exactly (`sum
//! (x_start - pred)^2` is a dyadic number) and a term costs a few ball operations per channel; the golden
//! function `_vb_terms_bpd` ([`vb_terms`]) has one `v` per element, a segment each. The decoder's
//! log-likelihoods are evaluated element by element (`gaussian::{cdf, delta}`, the clamp decided
//! rigorously as in `helpers`).

use super::arith::{Arith, Num, Val};
use super::derived::{per_timestep, round, Diffusion, Step};
use super::dyadic::{exact_add, f, F};
use super::gaussian::{cdf, delta};
use super::helpers::{affine255, below_clamp, is_neg, kl_g};
use super::mp::{Ball, Ctx};
use super::posterior::prior_balls;
use super::types::{Exact, Extraction, Variant};
use super::ziv::arbitrary_precision;
use crate::upstream::derived::DerivedArray;
use crate::upstream::schedule::Schedule;

/// A batch `[B, C, P]` (P pixels per channel) and the model outputs at every timestep.
#[derive(Debug, Clone, Copy)]
pub struct VlbBatch<'a> {
    /// The schedule of `GaussianDiffusion`.
    pub schedule: Schedule,
    /// `T`.
    pub steps: u64,
    /// Channels C per image.
    pub channels: usize,
    /// Pixels P per channel.
    pub pixels: usize,
    /// `x_start`, `B * C * P` values on the pixel grid, row-major.
    pub x_start: &'a [f64],
    /// `pred_xstart` at every timestep: `T * B * C * P` values, timestep-major.
    pub pred_xstart: &'a [f64],
    /// `model_var_values` at every timestep, one per image and channel: `T * B * C` values in `[-1, 1]`.
    pub model_var_values: &'a [f64],
}

/// The exact bound per image, in bits/dim, each value correctly rounded.
#[derive(Debug, Clone, PartialEq)]
pub struct VlbExact {
    /// `kl[t - 1][b]`: the `t`-th term for `t = 1 .. T - 1`.
    pub kl: Vec<Vec<Exact>>,
    /// The decoder term (`t = 0`) per image, with the Gaussian CDF (`[0]`) and the tanh formula (`[1]`).
    pub decoder: [Vec<Exact>; 2],
    /// `_prior_bpd` per image.
    pub prior: Vec<Exact>,
    /// prior + decoder + every KL term per image, summed exactly before the one rounding (`[0]` Gaussian,
    /// `[1]` tanh).
    pub total: [Vec<Exact>; 2],
}

/// The two decoder variants, in the order of [`VlbExact::decoder`].
pub const VARIANTS: [Variant; 2] = [Variant::Gaussian, Variant::Tanh];

/// A value given as a `Val` as a ball (`Exp` forms are moderate here: the decoder's log-probabilities).
fn ball(c: &Ctx, v: Val<Ball>) -> Ball {
    match v {
        Val::Lin(b) => b,
        Val::Exp { neg, l } => {
            let e = c.exp(&l);
            if neg {
                e.neg()
            } else {
                e
            }
        }
    }
}

/// One timestep's balls the terms share: `lvc` (the clipped posterior log-variance), `lvc - ln beta_t`
/// and `coef1^2`.
struct Shared {
    lvc: Ball,
    span: Ball,
    coef1_sq: Ball,
}

impl Shared {
    /// From the step's elements as extracted (`how`); `None` while a float32 rounding is undecided.
    fn new(c: &Ctx, s: &Step, how: Extraction) -> Option<Shared> {
        let lvc = s.extracted(c, DerivedArray::PosteriorLogVarianceClipped, how)?;
        let span = c.sub(&lvc, &s.extracted_log_beta(c, how)?);
        let coef1 = s.extracted(c, DerivedArray::PosteriorMeanCoef1, how)?;
        Some(Shared { lvc, span, coef1_sq: c.sqr(&coef1) })
    }

    /// `(lv, D)` of the learned range at `v`: `lv = lvc - D`, `D = frac (lvc - ln beta_t)`.
    fn learned_range(&self, c: &Ctx, v: f64) -> (Ball, Ball) {
        let frac = c.add(&c.exact(&f(v)), &Ball::int(1)).scale2(-1);
        let d = c.mul(&frac, &self.span);
        (c.sub(&self.lvc, &d), d)
    }
}

/// `sum (a_i - b_i)^2`, exactly.
fn sum_sq_diff(a: &[f64], b: &[f64]) -> F {
    a.iter().zip(b).fold(F::ZERO, |s, (&x, &y)| {
        let d = exact_add(&f(x), &-f(y));
        exact_add(&s, &square(&d))
    })
}

/// `x^2`, exactly.
fn square(x: &F) -> F {
    let sig = x.repr().significand();
    F::from_parts(sig * sig, 2 * x.repr().exponent())
}

/// A run of elements that share one `model_var_values` value: `(v, x_start, pred_xstart)`.
type Segment<'a> = (f64, &'a [f64], &'a [f64]);

/// The sum over `segments` of `normal_kl(true posterior, model)` at the timestep of `s` (`t > 0`), in nats.
fn kl_sum<'a>(c: &Ctx, s: &Shared, segments: impl Iterator<Item = Segment<'a>>) -> Ball {
    let mut total = Ball::int(0);
    for (v, x, p) in segments {
        let (lv, d) = s.learned_range(c, v);
        let spread = c.mul(&c.mul(&s.coef1_sq, &c.exp(&lv.neg())), &c.exact(&sum_sq_diff(x, p)));
        let gap = c.mul(&Ball::int(x.len() as i64), &kl_g(c, &d));
        total = c.add(&total, &c.add(&gap, &spread).scale2(-1));
    }
    total
}

/// The sum over `segments` of the decoder's log-likelihoods (`t = 0`, mean `pred_xstart`, log-scale
/// `lv / 2`), in nats; `None` when the clamp cannot be decided at this precision.
fn decoder_sum<'a>(
    c: &Ctx,
    s: &Shared,
    segments: impl Iterator<Item = Segment<'a>>,
    variant: Variant,
) -> Option<Ball> {
    let mut total = Ball::int(0);
    for (v, xs, means) in segments {
        let (lv, _) = s.learned_range(c, v);
        // inv_stdv / 255 = exp(-lv / 2) / 255; the bin edges are inv (255 (x - mean) +- 1) / 255.
        let inv255 = c.div(&c.exp(&lv.scale2(-1).neg()), &Ball::int(255));
        for (&x, &mean) in xs.iter().zip(means) {
            let centered = exact_add(&f(x), &-f(mean));
            let (n_plus, n_min) = (affine255(&centered, 1), affine255(&centered, -1));
            let (hi, lo) = (c.mul(&inv255, &c.exact(&n_plus)), c.mul(&inv255, &c.exact(&n_min)));
            // Upstream's branches: x < -0.999, x > 0.999 (on the pixel grid: x = -1 and x = 1), interior.
            let ln_p = if x < -0.999 {
                cdf(c, variant, &hi, is_neg(&n_plus)).1
            } else if x > 0.999 {
                cdf(c, variant, &lo.neg(), !is_neg(&n_min)).1
            } else {
                delta(c, variant, &lo, &hi, &inv255.scale2(1), (is_neg(&n_min), is_neg(&n_plus))).1
            };
            let l = ball(c, ln_p);
            let ll = if below_clamp(c, &l)? { c.ln_clamp() } else { l };
            total = c.add(&total, &ll);
        }
    }
    Some(total)
}

/// The segments of image `image` at timestep `t` of the batch: one per channel (its `v` broadcast over
/// the pixels).
fn channels<'a>(b: &'a VlbBatch<'_>, t: usize, image: usize) -> impl Iterator<Item = Segment<'a>> + 'a {
    let n = b.channels * b.pixels;
    let batch = b.x_start.len() / n;
    (0..b.channels).map(move |ch| {
        let at = image * n + ch * b.pixels;
        let v = b.model_var_values[(t * batch + image) * b.channels + ch];
        (v, &b.x_start[at..at + b.pixels], &b.pred_xstart[t * b.x_start.len() + at..][..b.pixels])
    })
}

/// See [`super::vb_terms_bpd`]: one `_vb_terms_bpd` output per batch element (`ts.len()` rows of the
/// tensors, `model_var_values` per element): the tanh decoder's NLL at `t = 0`, the KL otherwise, in bits,
/// on the coefficients as extracted (`how`).
pub(crate) fn vb_terms(
    schedule: Schedule,
    steps: u64,
    how: Extraction,
    ts: &[u64],
    x_start: &[f64],
    pred_xstart: &[f64],
    model_var_values: &[f64],
) -> Result<Vec<Exact>, String> {
    let d = Diffusion::new(schedule, steps)?;
    let n = x_start.len() / ts.len().max(1);
    arbitrary_precision(|c| {
        let scale = c.mul(&Ball::int(n as i64), &c.ln2());
        let shared = per_timestep(ts, |t| Shared::new(c, &d.step(c, t), how))?;
        let mut out = Vec::with_capacity(ts.len());
        for (row, (&t, s)) in ts.iter().zip(&shared).enumerate() {
            // One segment per element: model_var_values varies element by element.
            let segments = (row * n..(row + 1) * n)
                .map(|k| (model_var_values[k], &x_start[k..k + 1], &pred_xstart[k..k + 1]));
            let nats = if t == 0 {
                decoder_sum(c, s, segments, Variant::Tanh)?.neg()
            } else {
                kl_sum(c, s, segments)
            };
            out.push(round(c, &c.div(&nats, &scale))?);
        }
        Some(out)
    })
}

/// See [`super::variational_bound`]; the arguments are checked there.
pub(crate) fn exact(b: &VlbBatch<'_>) -> Result<VlbExact, String> {
    let d = Diffusion::new(b.schedule, b.steps)?;
    let n = b.channels * b.pixels;
    let batch = b.x_start.len() / n;
    arbitrary_precision(|c| {
        let steps = d.all_steps(c);
        // nats summed over an image -> bits/dim: divide by n ln 2.
        let scale = c.mul(&Ball::int(n as i64), &c.ln2());
        let bpd = |v: &Ball| c.div(v, &scale);
        let mut kl = Vec::with_capacity(steps.len());
        let mut sum_kl = vec![Ball::int(0); batch];
        for (t, s) in steps.iter().enumerate().skip(1) {
            let shared = Shared::new(c, s, Extraction::Exact)?;
            let terms: Vec<Ball> = (0..batch).map(|i| bpd(&kl_sum(c, &shared, channels(b, t, i)))).collect();
            sum_kl.iter_mut().zip(&terms).for_each(|(acc, t)| *acc = c.add(acc, t));
            kl.push(terms.iter().map(|t| round(c, t)).collect::<Option<Vec<_>>>()?);
        }
        let prior_balls = prior_balls(c, &steps[steps.len() - 1], Extraction::Exact, b.x_start, batch)?;
        let mut decoder = [Vec::new(), Vec::new()];
        let mut total = [Vec::new(), Vec::new()];
        let first = Shared::new(c, &steps[0], Extraction::Exact)?;
        for (k, variant) in VARIANTS.into_iter().enumerate() {
            for i in 0..batch {
                let dec = bpd(&decoder_sum(c, &first, channels(b, 0, i), variant)?).neg();
                total[k].push(round(c, &c.add(&c.add(&prior_balls[i], &sum_kl[i]), &dec))?);
                decoder[k].push(round(c, &dec)?);
            }
        }
        let prior = prior_balls.iter().map(|p| round(c, p)).collect::<Option<Vec<_>>>()?;
        Some(VlbExact { kl, decoder, prior, total })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `vb_terms` (one segment per element) gives the terms of the audit's bound (one segment per
    /// channel) when `v` is constant over each channel.
    #[test]
    fn per_element_terms_match_the_bound_per_channel() {
        let (steps, channels, pixels) = (3u64, 2usize, 2usize);
        let x_start = [-1.0, 0.5, 1.0, -0.25];
        let pred: Vec<f64> =
            (0..steps as usize * 4).map(|k| [-0.98, 0.52, 0.97, -0.2][k % 4] - 0.01 * k as f64).collect();
        let v = [-1.0, 0.5, 0.25, 1.0, 0.0, -0.5];
        let batch = VlbBatch {
            schedule: Schedule::Cosine,
            steps,
            channels,
            pixels,
            x_start: &x_start,
            pred_xstart: &pred,
            model_var_values: &v,
        };
        let bound = exact(&batch).unwrap();
        for t in 0..steps as usize {
            let per_element: Vec<f64> = (0..4).map(|k| v[t * channels + k / pixels]).collect();
            let got = vb_terms(
                Schedule::Cosine,
                steps,
                Extraction::Exact,
                &[t as u64],
                &x_start,
                &pred[t * 4..][..4],
                &per_element,
            )
            .unwrap();
            let want = if t == 0 { &bound.decoder[1][0] } else { &bound.kl[t - 1][0] };
            assert_eq!(got[0], *want, "t = {t}");
        }
    }
}
