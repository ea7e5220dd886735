//! improved-diffusion's `GaussianDiffusion._vb_terms_bpd` (openai/improved-diffusion
//! `improved_diffusion/gaussian_diffusion.py` at 6051920c0865d53146db7841bfba43c3e67edef6), step by
//! step and generic over the tensors' precision, with the model given as data: `ModelMeanType.START_X`
//! (the model's mean output is `pred_xstart`), `ModelVarType.LEARNED_RANGE` (its variance output is
//! `model_var_values`) and `clip_denoised=False` (as `training_losses` calls it), so that
//!
//! * `true_mean = q_posterior_mean(x_start, x_t, t)`, `true_log_variance_clipped` the extracted array;
//! * `out["mean"] = q_posterior_mean(pred_xstart, x_t, t)`, `out["log_variance"]` the learned range;
//! * `kl = mean_flat(normal_kl(true_mean, true_log_variance_clipped, out["mean"], out["log_variance"]))
//!   / np.log(2.0)`;
//! * `decoder_nll = mean_flat(-discretized_gaussian_log_likelihood(x_start, means=out["mean"],
//!   log_scales=0.5 * out["log_variance"])) / np.log(2.0)` (the tanh CDF, `approx_standard_normal_cdf`);
//! * `output = th.where((t == 0), decoder_nll, kl)`: both terms computed for every batch element.
//!
//! torch's dtypes: every coefficient is `.float()`ed by `_extract_into_tensor` (the [`Extracted`] values),
//! also for float64 tensors, where the expanded `[B, C, H, W]` float32 tensors promote to float64 (no 0-d
//! tensor takes part, unlike `_prior_bpd`'s `logvar2`); `np.log(2.0)` is a Python float, so the division
//! is by its rounding to the tensors' dtype.

use super::loglik::log_likelihood_point;
use super::mean_flat::opmath_mean;
use super::normal_kl::normal_kl_point;
use super::posterior::{learned_range_log_variance, q_posterior_mean, Extracted, Frac};
use crate::{Cdf, Real};

/// One batch element's tensors (each a row of `[B, C, H, W]`, all of one length).
#[derive(Debug, Clone, Copy)]
pub struct VbRow<'a, T> {
    /// `x_start`, the data (pixel grid).
    pub x_start: &'a [T],
    /// `x_t`, the noised data the model sees.
    pub x_t: &'a [T],
    /// The model's `pred_xstart` (`START_X` output, unclipped).
    pub pred_xstart: &'a [T],
    /// The model's `model_var_values` (`LEARNED_RANGE` output, `[-1, 1]` spans `[min_var, max_var]`).
    pub model_var_values: &'a [T],
}

/// How a port turns the model's outputs into the terms; [`VbRecipe::UPSTREAM`] is upstream, the other
/// settings are the port bugs the mutants in `verify::mutants` apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VbRecipe {
    /// The learned range's map from `model_var_values` to `frac`.
    pub frac: Frac,
    /// The decoder's CDF (upstream: the tanh approximation).
    pub cdf: Cdf,
    /// `where(t == 0, kl, decoder_nll)`: the two terms swapped.
    pub where_swapped: bool,
    /// `log_scales = out["log_variance"]`: the 0.5 forgotten (a log-variance taken for a log-scale).
    pub log_scales_unhalved: bool,
    /// The result in nats: the division by `np.log(2.0)` forgotten.
    pub nats: bool,
}

impl VbRecipe {
    /// Upstream's composition.
    pub const UPSTREAM: VbRecipe = VbRecipe {
        frac: Frac::UPSTREAM,
        cdf: Cdf::Tanh,
        where_swapped: false,
        log_scales_unhalved: false,
        nats: false,
    };
}

/// `(kl, decoder_nll)` of one batch element in bits (before `where`), from the coefficients `e` of its
/// timestep, in upstream's order of operations.
pub fn vb_terms<T: Real>(e: &Extracted<T>, row: VbRow<'_, T>, recipe: VbRecipe) -> (T, T) {
    let n = row.x_start.len();
    let (mut kl, mut nll) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for k in 0..n {
        let (x0, xt) = (row.x_start[k], row.x_t[k]);
        let true_mean = q_posterior_mean(e, x0, xt);
        let model_mean = q_posterior_mean(e, row.pred_xstart[k], xt);
        let lv = learned_range_log_variance(
            row.model_var_values[k],
            e.log_beta,
            e.log_variance_clipped,
            recipe.frac,
        );
        kl.push(normal_kl_point(true_mean, e.log_variance_clipped, model_mean, lv));
        let log_scales = if recipe.log_scales_unhalved { lv } else { T::cast(0.5) * lv };
        nll.push(-log_likelihood_point(x0, model_mean, log_scales, recipe.cdf));
    }
    let bits = |v: T| if recipe.nats { v } else { v / T::cast(std::f64::consts::LN_2) };
    (bits(opmath_mean(&kl)), bits(opmath_mean(&nll)))
}

/// `_vb_terms_bpd(...)["output"]` of one batch element at timestep `t`: the decoder NLL at `t = 0`, the
/// KL otherwise (both computed, as `th.where` does).
pub fn vb_term<T: Real>(e: &Extracted<T>, t: u32, row: VbRow<'_, T>, recipe: VbRecipe) -> T {
    let (kl, nll) = vb_terms(e, row, recipe);
    if (t == 0) != recipe.where_swapped {
        nll
    } else {
        kl
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upstream::posterior::{extracted_steps, StepRecipe};

    #[test]
    fn where_selects_the_decoder_at_t_0_and_the_kl_after() {
        let betas = [0.01f64, 0.02, 0.05];
        let e = extracted_steps::<f64, f64>(&betas, &[0, 2], StepRecipe::UPSTREAM).unwrap();
        let (x0, xt, pred, v) = ([0.5, -1.0], [0.4, -0.9], [0.45, -0.95], [0.0, 1.0]);
        let row = VbRow { x_start: &x0, x_t: &xt, pred_xstart: &pred, model_var_values: &v };
        let (kl0, nll0) = vb_terms(&e[0], row, VbRecipe::UPSTREAM);
        assert_eq!(vb_term(&e[0], 0, row, VbRecipe::UPSTREAM), nll0);
        let swapped = VbRecipe { where_swapped: true, ..VbRecipe::UPSTREAM };
        assert_eq!(vb_term(&e[0], 0, row, swapped), kl0);
        let (kl2, _) = vb_terms(&e[1], row, VbRecipe::UPSTREAM);
        assert_eq!(vb_term(&e[1], 2, row, VbRecipe::UPSTREAM), kl2);
        // Both terms are non-negative here; nats are ln 2 times the bits.
        assert!(kl2 > 0.0 && nll0 > 0.0);
        let nats = VbRecipe { nats: true, ..VbRecipe::UPSTREAM };
        let (kl2n, _) = vb_terms(&e[1], row, nats);
        assert!((kl2n / kl2 - std::f64::consts::LN_2).abs() < 1e-15);
    }
}
