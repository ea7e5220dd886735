//! improved-diffusion's bits/dim estimate composed as upstream composes it (openai/improved-diffusion
//! `improved_diffusion/gaussian_diffusion.py` at 6051920c0865d53146db7841bfba43c3e67edef6:
//! `_vb_terms_bpd`, `_prior_bpd`, `calc_bpd_loop`), from the crate's upstream pieces, generic over the
//! tensors' precision:
//!
//! * every term is `upstream::vb_terms::vb_term` (the golden function `vb_terms_bpd`'s code under test:
//!   `_vb_terms_bpd` with the model given as data, both `where` branches), on the coefficients
//!   `_extract_into_tensor` hands over, with the configuration's CDF for the decoder;
//! * `_prior_bpd`: `mean_flat(normal_kl(sqrt_alphas_cumprod[T-1] x_start, log_one_minus_alphas_cumprod[T-1],
//!   0, 0)) / np.log(2.0)` (`upstream::posterior::prior_kl`, torch's promotion included);
//! * `calc_bpd_loop`: the terms stacked from `t = T - 1` down to 0, `vb.sum(dim=1) + prior_bpd`.

use super::data::{Batch, STEPS};
use crate::upstream::mean_flat::{opmath_mean, pairwise_sum};
use crate::upstream::normal_kl::normal_kl_point;
use crate::upstream::posterior::{extracted_steps, prior_kl, StepRecipe};
use crate::upstream::schedule::{beta_schedule, Trig};
use crate::upstream::vb_terms::{vb_term, VbRecipe, VbRow};
use crate::{Cdf, Error, Real};
use serde::Serialize;

/// Where the per-timestep coefficients come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Arrays {
    /// Upstream: the arrays in float64 from the float64 betas, each element `.float()`ed by
    /// `_extract_into_tensor` (also for float64 tensors).
    Upstream,
    /// The float64 arrays without `.float()`: a float64 port that keeps them.
    Float64Kept,
    /// Betas and arrays computed in float32 (a port that builds the schedule on float32 tensors).
    Float32,
}

impl Arrays {
    /// The short name of the report.
    pub fn name(self) -> &'static str {
        match self {
            Arrays::Upstream => "upstream (f64, .float())",
            Arrays::Float64Kept => "f64 kept",
            Arrays::Float32 => "f32 schedule",
        }
    }
}

/// An estimate per image in bits/dim, widened to f64.
#[derive(Debug, Clone)]
pub struct Estimate {
    /// `terms[t][b]`: the decoder term at `t = 0`, the KL terms after it.
    pub terms: Vec<Vec<f64>>,
    /// `_prior_bpd` per image.
    pub prior: Vec<f64>,
    /// `total_bpd` per image.
    pub total: Vec<f64>,
}

/// The estimate with the arrays of `betas` (precision `A`), tensors of precision `T` and `cdf`.
fn with_arrays<A: Trig, T: Real>(
    batch: &Batch,
    betas: &[A],
    cdf: Cdf,
    keep: bool,
) -> Result<Estimate, Error> {
    let ts: Vec<u32> = (0..STEPS as u32).collect();
    let recipe = StepRecipe { skip_float: keep, ..StepRecipe::UPSTREAM };
    let steps = extracted_steps::<A, T>(betas, &ts, recipe)?;
    let (n, last) = (batch.per_image(), STEPS as usize - 1);
    let get = |v: f32| T::cast(f64::from(v));
    let ln2 = T::cast(std::f64::consts::LN_2);
    let channels = n / super::data::PIXELS;
    let vb = VbRecipe { cdf, ..VbRecipe::UPSTREAM };
    let mut terms = Vec::with_capacity(steps.len());
    for (t, e) in steps.iter().enumerate() {
        let row: Vec<f64> = (0..batch.images)
            .map(|b| {
                let at = t * batch.images * n + b * n;
                let tensor = |v: &[f32]| -> Vec<T> { v.iter().map(|&x| get(x)).collect() };
                let (x_start, x_t) = (tensor(&batch.x_start[b * n..][..n]), tensor(&batch.x_t[at..][..n]));
                let pred_xstart = tensor(&batch.pred_xstart[at..][..n]);
                // One model_var_values per image and channel, broadcast over its pixels.
                let model_var_values: Vec<T> = (0..n)
                    .map(|k| {
                        get(batch.model_var_values
                            [(t * batch.images + b) * channels + k / super::data::PIXELS])
                    })
                    .collect();
                let r = VbRow {
                    x_start: &x_start,
                    x_t: &x_t,
                    pred_xstart: &pred_xstart,
                    model_var_values: &model_var_values,
                };
                vb_term(e, t as u32, r, vb).as_f64()
            })
            .collect();
        terms.push(row);
    }
    let last_step = &steps[last];
    let mut prior = Vec::with_capacity(batch.images);
    let mut total = Vec::with_capacity(batch.images);
    for b in 0..batch.images {
        let kl: Vec<T> = batch.x_start[b * n..(b + 1) * n]
            .iter()
            .map(|&x| {
                if keep {
                    // float64 arrays kept: every term of the KL in T (no float32 tensor to promote to).
                    let m = last_step.sqrt_alphas_cumprod * get(x);
                    normal_kl_point(m, last_step.log_one_minus_alphas_cumprod, T::zero(), T::zero())
                } else {
                    prior_kl(last_step, get(x))
                }
            })
            .collect();
        let p = opmath_mean(&kl) / ln2;
        // vb stacked from t = T - 1 down to 0, summed over dim 1, plus the prior.
        let vb: Vec<T> = terms.iter().rev().map(|row| T::cast(row[b])).collect();
        prior.push(p.as_f64());
        total.push((pairwise_sum(&vb) + p).as_f64());
    }
    Ok(Estimate { terms, prior, total })
}

/// The estimate of `batch` with `arrays`, tensors of precision `T` and `cdf`.
pub fn estimate<T: Real>(batch: &Batch, arrays: Arrays, cdf: Cdf) -> Result<Estimate, Error> {
    match arrays {
        Arrays::Upstream | Arrays::Float64Kept => with_arrays::<f64, T>(
            batch,
            &beta_schedule::<f64>(batch.schedule, STEPS),
            cdf,
            arrays == Arrays::Float64Kept,
        ),
        Arrays::Float32 => {
            with_arrays::<f32, T>(batch, &beta_schedule::<f32>(batch.schedule, STEPS), cdf, false)
        }
    }
}
