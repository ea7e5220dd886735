//! The posterior `q(x_{t-1} | x_t, x_0)` of improved-diffusion's `GaussianDiffusion`, the
//! learned-range log-variance of `p_mean_variance` and `_prior_bpd`, from the exact schedule (constants
//! read as reals): the per-timestep coefficients are the exact derived arrays' balls (src/reference/derived.rs,
//! [`Diffusion::step`]) as the formulas receive them ([`Extraction`]: the exact elements, or their
//! certified float32 roundings, upstream's `.float()`), combined in exact arithmetic and rounded once per
//! value; a case is certified by Ziv's loop as a whole (one precision for every element, doubled until
//! every coefficient's float32 rounding is decided and every element rounds). What is specific here: the
//! mean over the tensors, `coef1 x_start + coef2 x_t`, and the learned range's interpolation `frac
//! ln(beta_t) + (1 - frac) posterior_log_variance_clipped_t`, `frac = (v + 1) / 2`.

use super::arith::{Arith, Num};
use super::derived::{per_timestep, round, Diffusion, Step};
use super::dyadic::f;
use super::helpers::kl_g;
use super::mp::{Ball, Ctx};
use super::types::{Exact, Extraction};
use super::ziv::arbitrary_precision;
use crate::upstream::derived::DerivedArray;
use crate::upstream::schedule::Schedule;

/// The per-timestep balls the formulas use.
struct Coefs {
    coef1: Ball,
    coef2: Ball,
    variance: Ball,
    log_variance_clipped: Ball,
    log_beta: Ball,
}

/// The coefficients at `t` as extracted (`None`: a float32 rounding not decided at this precision).
fn coefs(c: &Ctx, d: &Diffusion, t: u64, how: Extraction) -> Option<Coefs> {
    let s = d.step(c, t);
    let e = |a| s.extracted(c, a, how);
    Some(Coefs {
        coef1: e(DerivedArray::PosteriorMeanCoef1)?,
        coef2: e(DerivedArray::PosteriorMeanCoef2)?,
        variance: e(DerivedArray::PosteriorVariance)?,
        log_variance_clipped: e(DerivedArray::PosteriorLogVarianceClipped)?,
        log_beta: s.extracted_log_beta(c, how)?,
    })
}

/// The exact outputs of `q_posterior_mean_variance(x_start, x_t, t)`: the mean per element, then the
/// variance and the clipped log-variance per batch element.
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    /// `posterior_mean`, row-major over `[B, ...]`.
    pub mean: Vec<Exact>,
    /// `posterior_variance[t_b]`, one per batch element.
    pub variance: Vec<Exact>,
    /// `posterior_log_variance_clipped[t_b]`, one per batch element.
    pub log_variance_clipped: Vec<Exact>,
}

/// The per-timestep values `(coef1, coef2, variance, log_variance_clipped, log_beta)` at `t` as
/// extracted (`how`), correctly rounded (for the error model's magnitudes and the tests).
pub(crate) fn step_values(
    schedule: Schedule,
    steps: u64,
    t: u64,
    how: Extraction,
) -> Result<[Exact; 5], String> {
    let d = Diffusion::new(schedule, steps)?;
    arbitrary_precision(|c| {
        let k = coefs(c, &d, t, how)?;
        Some([
            round(c, &k.coef1)?,
            round(c, &k.coef2)?,
            round(c, &k.variance)?,
            round(c, &k.log_variance_clipped)?,
            round(c, &k.log_beta)?,
        ])
    })
}

/// See [`super::q_posterior_mean_variance`]: `x_start` and `x_t` hold `ts.len()` rows each.
pub(crate) fn q_posterior(
    schedule: Schedule,
    steps: u64,
    how: Extraction,
    ts: &[u64],
    x_start: &[f64],
    x_t: &[f64],
) -> Result<Posterior, String> {
    let row = x_start.len() / ts.len().max(1);
    let d = Diffusion::new(schedule, steps)?;
    arbitrary_precision(|c| {
        let per_t = per_timestep(ts, |t| coefs(c, &d, t, how))?;
        let mut mean = Vec::with_capacity(x_start.len());
        for (k, (&a, &b)) in x_start.iter().zip(x_t).enumerate() {
            let co = &per_t[k / row];
            let v = c.add(&c.mul(&co.coef1, &c.exact(&f(a))), &c.mul(&co.coef2, &c.exact(&f(b))));
            mean.push(round(c, &v)?);
        }
        let variance = per_t.iter().map(|k| round(c, &k.variance)).collect::<Option<Vec<_>>>()?;
        let log_variance_clipped =
            per_t.iter().map(|k| round(c, &k.log_variance_clipped)).collect::<Option<Vec<_>>>()?;
        Some(Posterior { mean, variance, log_variance_clipped })
    })
}

/// See [`super::learned_range_log_variance`]: `model_var_values` holds `ts.len()` rows.
pub(crate) fn learned_range(
    schedule: Schedule,
    steps: u64,
    how: Extraction,
    ts: &[u64],
    model_var_values: &[f64],
) -> Result<Vec<Exact>, String> {
    let row = model_var_values.len() / ts.len().max(1);
    let d = Diffusion::new(schedule, steps)?;
    arbitrary_precision(|c| {
        let per_t = per_timestep(ts, |t| coefs(c, &d, t, how))?;
        model_var_values
            .iter()
            .enumerate()
            .map(|(k, &v)| {
                let co = &per_t[k / row];
                // frac = (v + 1) / 2 and 1 - frac = (1 - v) / 2, both exact dyadics.
                let frac = c.add(&c.exact(&f(v)), &Ball::int(1)).scale2(-1);
                let rest = c.sub(&Ball::int(1), &c.exact(&f(v))).scale2(-1);
                let lv = c.add(&c.mul(&frac, &co.log_beta), &c.mul(&rest, &co.log_variance_clipped));
                round(c, &lv)
            })
            .collect()
    })
}

/// See [`super::prior_bpd`]: `x_start` holds `batch` rows.
pub(crate) fn prior(
    schedule: Schedule,
    steps: u64,
    how: Extraction,
    x_start: &[f64],
    batch: usize,
) -> Result<Vec<Exact>, String> {
    let d = Diffusion::new(schedule, steps)?;
    arbitrary_precision(|c| {
        let s = d.step(c, steps - 1);
        prior_balls(c, &s, how, x_start, batch)?.iter().map(|p| round(c, p)).collect()
    })
}

/// `_prior_bpd` per row of `x_start` (`batch` rows) as balls, from the last timestep's quantities `s`
/// as extracted (`how`; also a part of `vlb.rs`'s exact totals, with the exact elements).
pub(super) fn prior_balls(
    c: &Ctx,
    s: &Step,
    how: Extraction,
    x_start: &[f64],
    batch: usize,
) -> Option<Vec<Ball>> {
    let row = x_start.len() / batch.max(1);
    // KL(N(k x, e^lv) || N(0, 1)) = (g(lv) + k^2 x^2) / 2 with k = sqrt_alphas_cumprod[T - 1], lv =
    // log_one_minus_alphas_cumprod[T - 1] and g(lv) = e^lv - 1 - lv >= 0 by its series (no cancellation;
    // for the exact elements g(lv) = -ln(1 - abar) - abar and k^2 = abar).
    let k = s.extracted(c, DerivedArray::SqrtAlphasCumprod, how)?;
    let lv = s.extracted(c, DerivedArray::LogOneMinusAlphasCumprod, how)?;
    let (variance_term, k2) = (kl_g(c, &lv), c.sqr(&k));
    let per_nat = c.mul(&Ball::int(row as i64), &c.ln2());
    Some(
        x_start
            .chunks(row.max(1))
            .map(|xs| {
                let squares =
                    xs.iter().fold(Ball::exact(f(0.0)), |acc, &x| c.add(&acc, &c.sqr(&c.exact(&f(x)))));
                let sum = c.add(&c.mul(&Ball::int(row as i64), &variance_term), &c.mul(&k2, &squares));
                // mean over the row, halved, in bits: sum / (2 n ln 2).
                c.div(&sum, &per_nat).scale2(-1)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The linear schedule's first steps, checked against closed forms of the rational betas.
    #[test]
    fn linear_step_values_are_the_rationals() {
        // t = 0: coef1 = beta_0 / beta_0 = 1 exactly, coef2 = 0, variance = 0, log beta_0 = ln 1e-4.
        let v = step_values(Schedule::Linear, 1000, 0, Extraction::Exact).unwrap();
        assert_eq!(v[0].value, 1.0);
        assert_eq!(v[1].value, 0.0);
        assert_eq!(v[2].value, 0.0);
        // ln 1e-4 = -4 ln 10 = -9.21034037197618273607196581873745683...
        assert!(v[4].digits.starts_with("-9.210340371976182736071965818737456"), "{}", v[4].digits);
        // t = 1: variance = beta_1 (1 - abar_0) / (1 - abar_1) = beta_1 beta_0 / (beta_0 + beta_1 - beta_0 beta_1).
        let (b0, b1) = (1e-4f64, 1198.0 / 9990000.0);
        let pv1 = b1 * b0 / (b0 + b1 - b0 * b1);
        let v1 = step_values(Schedule::Linear, 1000, 1, Extraction::Exact).unwrap();
        assert!((v1[2].value / pv1 - 1.0).abs() < 1e-14, "{} vs {pv1}", v1[2].value);
        // Element 0 of the clipped log-variance is element 1's.
        assert_eq!(v[3].value, v1[3].value);
        assert!((v1[3].value - pv1.ln()).abs() < 1e-13);
    }

    #[test]
    fn the_posterior_mean_and_learned_range_follow_their_coefficients() {
        let p = q_posterior(Schedule::Cosine, 50, Extraction::Exact, &[0, 49], &[0.5, -0.25], &[0.75, 1.5])
            .unwrap();
        let s0 = step_values(Schedule::Cosine, 50, 0, Extraction::Exact).unwrap();
        let s49 = step_values(Schedule::Cosine, 50, 49, Extraction::Exact).unwrap();
        // t = 0: the mean is x_start itself (coef1 = 1, coef2 = 0).
        assert_eq!(p.mean[0].value, 0.5);
        let want = s49[0].value * -0.25 + s49[1].value * 1.5;
        assert!((p.mean[1].value - want).abs() < 1e-15, "{} vs {want}", p.mean[1].value);
        assert_eq!(p.variance[0].value, 0.0);
        assert_eq!(p.log_variance_clipped[0].value, s0[3].value);
        let lr = learned_range(Schedule::Cosine, 50, Extraction::Exact, &[49], &[-1.0, 1.0, 0.0]).unwrap();
        assert_eq!(lr[0].value, s49[3].value);
        assert_eq!(lr[1].value, s49[4].value);
        let mid = 0.5 * (s49[3].value + s49[4].value);
        assert!((lr[2].value - mid).abs() < 1e-15);
        // The last cosine beta is clipped at 0.999.
        assert!((s49[4].value - 0.999f64.ln()).abs() < 1e-16);
    }
}
