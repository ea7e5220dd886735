//! The error model of the per-timestep methods (docs/error-model.md, "Posterior and learned range"). The
//! expected values take every extracted coefficient as `f32(exact element)` (upstream's `.float()` of an
//! element that equals the exact one to float64 accuracy), so what upstream adds is: the float32 ambiguity
//! of an element (where upstream's float64 element, within golden::derived_model's bound of the exact
//! one, can round to a neighbouring float32), and the formulas' own roundings in the tensors' precision.

use crate::functions::Precision;
use crate::golden::derived_model::Chain;
use crate::golden::error_model::{self, normal_kl_bound, KlFacts, Model, SAFETY};
use crate::upstream::derived::DerivedArray;

/// Per-timestep values of one step (the formulas' coefficients: `f32(exact element)`, from the reference).
#[derive(Debug, Clone, Copy)]
pub struct StepValues {
    /// `posterior_mean_coef1[t]`.
    pub coef1: f64,
    /// `posterior_mean_coef2[t]`.
    pub coef2: f64,
    /// `posterior_variance[t]`.
    pub variance: f64,
    /// `posterior_log_variance_clipped[t]`.
    pub log_variance_clipped: f64,
    /// `log(betas[t])`.
    pub log_beta: f64,
}

/// Bounds on `|extracted - f32(exact)|` of the same five values as upstream's formulas receive them:
/// 0 except where the element is ambiguous ([`ambiguity`]).
pub type StepBounds = StepValues;

/// Absolute bounds on upstream's float64 elements at step `t` (first order, doubled): the derived
/// arrays' chain of golden::derived_model (the schedule's float64 error through `GaussianDiffusion.__init__`,
/// the cancellation in `1 - alphas_cumprod` included), and `np.log(betas)[t]`.
pub fn float64_bounds(chain: &Chain, t: usize) -> StepBounds {
    let m = Model::of(Precision::F64);
    let b = |a| SAFETY * chain.bound(a, t, &m);
    StepBounds {
        coef1: b(DerivedArray::PosteriorMeanCoef1),
        coef2: b(DerivedArray::PosteriorMeanCoef2),
        variance: b(DerivedArray::PosteriorVariance),
        log_variance_clipped: b(DerivedArray::PosteriorLogVarianceClipped),
        log_beta: SAFETY * chain.log_beta_bound(t, &m),
    }
}

/// How far `.float()` of upstream's float64 element can land from `rounded = f32(exact)`, the element
/// lying within `bound` of `exact` (the exact element rounded to f64): the farthest float32 that a value
/// of `[exact - bound, exact + bound]` rounds to (0 where no float32 rounding boundary lies in it: the
/// element is then unambiguous). The interval is widened by two f64 ulps at each end, for the rounding
/// of `exact` and of the sum.
pub fn ambiguity(exact: f64, bound: f64, rounded: f64) -> f64 {
    let (lo, hi) = ((exact - bound).next_down().next_down(), (exact + bound).next_up().next_up());
    let far = |v: f64| (f64::from(v as f32) - rounded).abs();
    far(lo).max(far(hi))
}

/// [`ambiguity`] of each value: float64 bounds `b`, exact values `exact`, their float32 roundings `rounded`.
pub fn ambiguities(b: &StepBounds, exact: &StepValues, rounded: &StepValues) -> StepBounds {
    StepBounds {
        coef1: ambiguity(exact.coef1, b.coef1, rounded.coef1),
        coef2: ambiguity(exact.coef2, b.coef2, rounded.coef2),
        variance: ambiguity(exact.variance, b.variance, rounded.variance),
        log_variance_clipped: ambiguity(
            exact.log_variance_clipped,
            b.log_variance_clipped,
            rounded.log_variance_clipped,
        ),
        log_beta: ambiguity(exact.log_beta, b.log_beta, rounded.log_beta),
    }
}

/// Bound on one element of `posterior_mean = coef1 * x_start + coef2 * x_t` in `p`: the extracted
/// coefficients' errors times the inputs, two products and a sum rounded in `p`.
pub fn mean_bound(p: &Model, e: &StepBounds, c: &StepValues, x_start: f64, x_t: f64, mean: f64) -> f64 {
    let (a, b) = ((c.coef1 * x_start).abs(), (c.coef2 * x_t).abs());
    e.coef1 * x_start.abs() + e.coef2 * x_t.abs() + SAFETY * p.u * (a + b + mean.abs())
}

/// Bound on one element of the learned range's `frac * max_log + (1 - frac) * min_log` in `p`,
/// `frac = (v + 1) / 2` (`v + 1` rounded, the halving exact, `1 - frac` rounded, two products and a sum):
/// the extracted logs' errors weighted by `frac` and `1 - frac`, plus the roundings.
pub fn learned_range_bound(p: &Model, e: &StepBounds, c: &StepValues, v: f64, lv: f64) -> f64 {
    let frac = (v + 1.0) / 2.0;
    let rest = 1.0 - frac;
    let (max_log, min_log) = (c.log_beta.abs(), c.log_variance_clipped.abs());
    let rounding = frac.abs() * max_log          // v + 1 rounded, carried into frac * max_log
        + (frac.abs() + rest.abs()) * min_log   // and into 1 - frac, itself rounded
        + frac.abs() * max_log + rest.abs() * min_log + lv.abs(); // the products and the sum
    frac.abs() * e.log_beta + rest.abs() * e.log_variance_clipped + SAFETY * p.u * rounding
}

/// What the prior's bound needs at `t = T - 1`: `sqrt_alphas_cumprod` and `log_one_minus_alphas_cumprod`
/// as the formulas receive them (`f32(exact element)`) and their ambiguities.
#[derive(Debug, Clone, Copy)]
pub struct PriorFacts {
    /// `sqrt(alphas_cumprod[T - 1])`.
    pub sqrt_abar: f64,
    /// `log(1 - alphas_cumprod[T - 1])`.
    pub log_one_minus: f64,
    /// Ambiguity of the extracted `sqrt_alphas_cumprod[T - 1]`.
    pub e_sqrt: f64,
    /// Ambiguity of the extracted `log_one_minus_alphas_cumprod[T - 1]`.
    pub e_log: f64,
}

/// Bound on one row of `_prior_bpd` in `p` (the row's exact inputs `xs`, its expected value `bits`): per
/// element the extracted inputs' ambiguities through the KL's derivatives (`d/dm = m`, `d/dlogvar1 =
/// (e^lv - 1) / 2 = -abar / 2`) and `normal_kl`'s own roundings (error_model: absolute, so that the near-zero KL
/// terms of the cosine schedule, ~1e-11 against roundings of ~1e-7 in float32, are bounded absolutely;
/// its variance terms in float32 in every precision, as torch evaluates them),
/// then `mean_flat`'s summation and the division by the precision's `ln 2` (two roundings).
pub fn prior_bound(p: &Model, f: &PriorFacts, xs: &[f64], bits: f64) -> f64 {
    // 1 - e^lv, the alphas_cumprod the extracted log-variance stands for (no cancellation: exp_m1).
    let abar = -f.log_one_minus.exp_m1();
    let n = xs.len().max(1) as f64;
    let (mut propagated, mut evaluation, mut kls) = (0.0, 0.0, Vec::with_capacity(xs.len()));
    for &x in xs {
        let m = f.sqrt_abar * x;
        let kl = 0.5 * ((-f.log_one_minus - abar) + m * m);
        let dm = f.e_sqrt * x.abs() + p.u * m.abs();
        propagated += m.abs() * dm + 0.5 * abar * f.e_log;
        let facts = KlFacts { mean1: m, logvar1: f.log_one_minus, mean2: 0.0, logvar2: 0.0, expected: kl };
        // torch computes `-1.0 + logvar2 - logvar1` and `exp(logvar1 - logvar2)` in float32 whatever the
        // tensors' dtype: `logvar1` is the extracted float32 tensor and `logvar2` a 0-d tensor, which does
        // not take part in type promotion. The variance terms' float32 roundings are added to the model's.
        let variance_only = KlFacts { mean1: 0.0, expected: 0.5 * (-f.log_one_minus - abar), ..facts };
        for (model, facts) in [(*p, facts), (Model::of(Precision::F32), variance_only)] {
            evaluation += normal_kl_bound(&model, &facts).or_inf();
        }
        kls.push(kl);
    }
    let mean = kls.iter().sum::<f64>() / n;
    let summation = error_model::mean_bound(p, &kls, mean).or_inf();
    (SAFETY * propagated + evaluation) / n / std::f64::consts::LN_2
        + summation / std::f64::consts::LN_2
        + SAFETY * 2.0 * p.u * bits.abs()
}
