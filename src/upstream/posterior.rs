//! improved-diffusion's posterior `q(x_{t-1} | x_t, x_0)` and the learned-range variance of
//! `p_mean_variance` (openai/improved-diffusion `improved_diffusion/gaussian_diffusion.py` at
//! 6051920c0865d53146db7841bfba43c3e67edef6), step by step, generic over the working precision and
//! independent of how the per-timestep arrays were computed: upstream's `_extract_into_tensor` indexes a
//! float64 array at `t` and calls `.float()` on the element, whatever the dtype of the tensors, so the
//! formulas below take those extracted float32 coefficients, widened to the tensors' precision
//! ([`Extracted`]); [`extracted_steps`] builds them from upstream's arrays (`upstream::derived`).

use super::derived::{derived_array_with, DerivedArray, DerivedRecipe};
use super::schedule::Trig;
use crate::{Error, Real};

/// One timestep's coefficients as `_extract_into_tensor` hands them to the formulas:
/// `th.from_numpy(arr)[t].float()`, then broadcast against tensors of precision `T` (float32 stays
/// float32; float64 tensors promote the float32 element exactly).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extracted<T> {
    /// `posterior_mean_coef1[t]`.
    pub coef1: T,
    /// `posterior_mean_coef2[t]`.
    pub coef2: T,
    /// `posterior_variance[t]`.
    pub variance: T,
    /// `posterior_log_variance_clipped[t]` (element 0 replaced by the log of element 1's variance).
    pub log_variance_clipped: T,
    /// `np.log(self.betas)[t]`, the learned range's `max_log`.
    pub log_beta: T,
    /// `sqrt_alphas_cumprod[t]`, the mean of `q(x_t | x_0)` per unit of `x_start`.
    pub sqrt_alphas_cumprod: T,
    /// `log_one_minus_alphas_cumprod[t]`, the log-variance of `q(x_t | x_0)`.
    pub log_one_minus_alphas_cumprod: T,
}

/// How a port obtains the per-timestep values; [`StepRecipe::UPSTREAM`] is upstream, the other settings
/// are port bugs (or, for `log_beta_of_float32`, a port variant) the mutants in `verify::mutants` apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepRecipe {
    /// How the arrays are derived (element 0 of the clipped log-variance, the `prev` slice).
    pub arrays: DerivedRecipe,
    /// Timesteps read one step early, `arr[t - 1]` with Python's wrap-around (`arr[-1]` at `t = 0`).
    pub index_minus_one: bool,
    /// `max_log` as the float32 log of the float32 beta instead of `.float()` of `np.log(betas)[t]`.
    pub log_beta_of_float32: bool,
    /// The elements promoted to the tensors' precision without `.float()` (a float64 port that keeps
    /// upstream's float64 arrays).
    pub skip_float: bool,
}

impl StepRecipe {
    /// Upstream's extraction.
    pub const UPSTREAM: StepRecipe = StepRecipe {
        arrays: DerivedRecipe::UPSTREAM,
        index_minus_one: false,
        log_beta_of_float32: false,
        skip_float: false,
    };
}

/// The values `_extract_into_tensor` hands the formulas at each of `ts`, for tensors of precision `T`:
/// `GaussianDiffusion(betas)`'s arrays derived in precision `A` (upstream: float64 from float64 betas),
/// each element indexed and `.float()`ed, then promoted to `T`. Refused as upstream refuses the betas.
pub fn extracted_steps<A: Trig, T: Real>(
    betas: &[A],
    ts: &[u32],
    recipe: StepRecipe,
) -> Result<Vec<Extracted<T>>, Error> {
    let array = |a| derived_array_with(betas, a, recipe.arrays);
    let (coef1, coef2) = (array(DerivedArray::PosteriorMeanCoef1)?, array(DerivedArray::PosteriorMeanCoef2)?);
    let variance = array(DerivedArray::PosteriorVariance)?;
    let log_variance = array(DerivedArray::PosteriorLogVarianceClipped)?;
    let sqrt_abar = array(DerivedArray::SqrtAlphasCumprod)?;
    let log_one_minus = array(DerivedArray::LogOneMinusAlphasCumprod)?;
    let n = betas.len();
    let float =
        |v: A| if recipe.skip_float { T::cast(v.as_f64()) } else { T::cast(f64::from(v.as_f64() as f32)) };
    Ok(ts
        .iter()
        .map(|&t| {
            let i = if recipe.index_minus_one { (t as usize + n - 1) % n } else { t as usize };
            let log_beta = if recipe.log_beta_of_float32 {
                T::cast(f64::from((betas[i].as_f64() as f32).ln()))
            } else {
                float(betas[i].ln())
            };
            Extracted {
                coef1: float(coef1[i]),
                coef2: float(coef2[i]),
                variance: float(variance[i]),
                log_variance_clipped: float(log_variance[i]),
                log_beta,
                sqrt_alphas_cumprod: float(sqrt_abar[i]),
                log_one_minus_alphas_cumprod: float(log_one_minus[i]),
            }
        })
        .collect())
}

/// `posterior_mean = coef1 * x_start + coef2 * x_t`, one element, in upstream's order (two products,
/// one sum, each rounded in `T`).
#[inline]
pub fn q_posterior_mean<T: Real>(c: &Extracted<T>, x_start: T, x_t: T) -> T {
    c.coef1 * x_start + c.coef2 * x_t
}

/// One element of `_prior_bpd`'s KL before the mean: `normal_kl(mean1=qt_mean, logvar1=qt_log_variance,
/// mean2=0.0, logvar2=0.0)` with `qt_mean = sqrt_alphas_cumprod[t] * x_start` and `qt_log_variance =
/// log_one_minus_alphas_cumprod[t]` (`q_mean_variance` at `t = T - 1`), in nats. torch evaluates the
/// variance terms `(-1.0 + logvar2 - logvar1) + exp(logvar1 - logvar2)` in float32 whatever the tensors'
/// dtype (`logvar1` is the extracted float32 tensor, `logvar2 = th.tensor(0.0)` a 0-d tensor, which takes
/// no part in type promotion); the gap term and the rest in `T`.
#[inline]
pub fn prior_kl<T: Real>(c: &Extracted<T>, x_start: T) -> T {
    let lv = c.log_one_minus_alphas_cumprod.as_f64() as f32;
    let variance = (-1.0f32 - lv) + Real::exp(lv);
    let m = c.sqrt_alphas_cumprod * x_start;
    T::cast(0.5) * (T::cast(f64::from(variance)) + m * m)
}

/// How the learned range turns the model's `model_var_values` into a log-variance; [`Frac::UPSTREAM`]
/// is upstream, the other is a port bug the mutants apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frac {
    /// `frac = (model_var_values + 1) / 2`: `v` in [-1, 1] spans [min_var, max_var].
    Upstream,
    /// `frac = model_var_values`: the affine map forgotten.
    Raw,
}

impl Frac {
    /// Upstream's map.
    pub const UPSTREAM: Frac = Frac::Upstream;
}

/// `model_log_variance = frac * max_log + (1 - frac) * min_log` with `max_log = log(beta_t)` and
/// `min_log = posterior_log_variance_clipped[t]` (`ModelVarType.LEARNED_RANGE`), one element in `T`.
#[inline]
pub fn learned_range_log_variance<T: Real>(v: T, max_log: T, min_log: T, map: Frac) -> T {
    let frac = match map {
        Frac::Upstream => (v + T::one()) / T::cast(2.0),
        Frac::Raw => v,
    };
    frac * max_log + (T::one() - frac) * min_log
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extraction_rounds_to_float32_even_for_float64_tensors() {
        // betas [0.1, 0.3]: coef1[1] = 0.3 sqrt(0.9) / (1 - 0.63), not a float32 value.
        let betas = [0.1f64, 0.3];
        let e = &extracted_steps::<f64, f64>(&betas, &[1, 0], StepRecipe::UPSTREAM).unwrap();
        let exact = 0.3 * 0.9f64.sqrt() / (1.0 - 0.9 * 0.7);
        assert_ne!(e[0].coef1, exact);
        assert_eq!(e[0].coef1, f64::from(exact as f32));
        assert_eq!(q_posterior_mean(&e[0], 1.0, 0.0), f64::from(exact as f32));
        // t = 0: coef1 = 1, coef2 = variance = 0, the clipped log-variance is step 1's.
        assert_eq!((e[1].coef1, e[1].coef2, e[1].variance), (1.0, 0.0, 0.0));
        assert_eq!(e[1].log_variance_clipped, e[0].log_variance_clipped);
        // One step early wraps to the last step at t = 0.
        let early = StepRecipe { index_minus_one: true, ..StepRecipe::UPSTREAM };
        let w = extracted_steps::<f64, f64>(&betas, &[0], early).unwrap();
        assert_eq!(w[0], e[0]);
    }

    #[test]
    fn the_learned_range_spans_min_to_max_log() {
        let (max_log, min_log) = (-4.0f32, -8.0f32);
        assert_eq!(learned_range_log_variance(1.0, max_log, min_log, Frac::Upstream), max_log);
        assert_eq!(learned_range_log_variance(-1.0, max_log, min_log, Frac::Upstream), min_log);
        assert_eq!(learned_range_log_variance(0.0, max_log, min_log, Frac::Upstream), -6.0);
        // The raw map puts v = 0 at min_log and v = -1 beyond it.
        assert_eq!(learned_range_log_variance(0.0, max_log, min_log, Frac::Raw), min_log);
        assert_eq!(learned_range_log_variance(-1.0, max_log, min_log, Frac::Raw), -12.0);
    }
}
