//! Reading a golden case's inputs back and evaluating the fast implementations on them: the bridge
//! from golden files to our own tests, `verify` and the mutation tests.

use crate::functions::Variant;
use crate::golden::catalog::{Data, DiffusionCall, Inputs, Operand};
use crate::golden::format::{Case, Input};
use crate::input::tensor_len;
use crate::stable::{log_likelihood_stable, normal_kl_stable};
use crate::upstream::broadcast::broadcast_shape;
use crate::upstream::continuous::continuous_log_likelihood_point;
use crate::upstream::derived::{derived_array, DerivedArray};
use crate::upstream::loglik::log_likelihood_point;
use crate::upstream::mean_flat::{mean_flat, opmath_mean};
use crate::upstream::normal_kl::{broadcast_map, normal_kl_point};
use crate::upstream::posterior::{
    extracted_steps, learned_range_log_variance, prior_kl, q_posterior_mean, Extracted, StepRecipe,
};
use crate::upstream::schedule::{beta_schedule, Schedule};
use crate::upstream::vb_terms::{vb_term, VbRecipe, VbRow};
use crate::{Cdf, Error, Function, Real};
use ndarray::ArrayViewD;

fn field_error(case: &Case, field: &str, problem: &str) -> Error {
    Error::GoldenField { case: crate::input::echo(&case.id), field: field.into(), problem: problem.into() }
}

fn scalar(case: &Case, name: &str) -> Result<f32, Error> {
    match case.inputs.get(name) {
        Some(Input::Scalar(v)) => Ok(v.0 as f32),
        Some(_) => Err(field_error(case, name, "must be a number, \"nan\", \"inf\" or \"-inf\"")),
        None => Err(field_error(case, name, "is missing")),
    }
}

/// A tensor argument of a broadcast `normal_kl` case, its data as long as its shape holds.
fn operand(case: &Case, name: &str) -> Result<Operand, Error> {
    let Some(Input::Tensor(t)) = case.inputs.get(name) else {
        return Err(field_error(
            case,
            name,
            "must be a tensor {\"shape\", \"data\"} like the case's other arguments",
        ));
    };
    let expected =
        if t.shape.is_empty() { 1 } else { tensor_len(&t.shape).map_err(|p| field_error(case, name, &p))? };
    if t.data.len() != expected {
        return Err(Error::DataLength {
            function: "normal_kl",
            shape: t.shape.clone(),
            expected,
            got: t.data.len(),
        });
    }
    Ok(Operand { shape: t.shape.clone(), data: t.data.iter().map(|v| v.0 as f32).collect() })
}

/// The largest `num_diffusion_timesteps` a case may ask for (a schedule is one value per step; the
/// tensor limit of README "Exit codes and input limits").
pub const MAX_STEPS: usize = crate::input::MAX_TENSOR_ELEMENTS;

/// `get_named_beta_schedule`'s arguments: a known schedule name and a positive whole step count.
fn schedule_inputs(case: &Case) -> Result<(Schedule, u32), Error> {
    let schedule = match case.inputs.get("schedule_name") {
        Some(Input::Name(n)) => Schedule::from_name(n)
            .ok_or_else(|| field_error(case, "schedule_name", "must be \"linear\" or \"cosine\""))?,
        Some(_) => return Err(field_error(case, "schedule_name", "must be \"linear\" or \"cosine\"")),
        None => return Err(field_error(case, "schedule_name", "is missing")),
    };
    let steps = match case.inputs.get("num_diffusion_timesteps") {
        Some(Input::Scalar(v)) if v.0 >= 1.0 && v.0 <= MAX_STEPS as f64 && v.0.fract() == 0.0 => v.0 as u32,
        Some(_) => {
            let problem = format!("must be a whole number of steps from 1 to {MAX_STEPS}");
            return Err(field_error(case, "num_diffusion_timesteps", &problem));
        }
        None => return Err(field_error(case, "num_diffusion_timesteps", "is missing")),
    };
    Ok((schedule, steps))
}

/// The derived arrays' arguments: the schedule's, and the name of one of `GaussianDiffusion`'s arrays.
fn derived_inputs(case: &Case) -> Result<Inputs, Error> {
    let (schedule, steps) = schedule_inputs(case)?;
    let problem = "must name one of GaussianDiffusion's derived arrays (\"alphas_cumprod\", ...)";
    let array = match case.inputs.get("array") {
        Some(Input::Name(n)) => {
            DerivedArray::from_name(n).ok_or_else(|| field_error(case, "array", problem))?
        }
        Some(_) => return Err(field_error(case, "array", problem)),
        None => return Err(field_error(case, "array", "is missing")),
    };
    Ok(Inputs::DerivedArray { schedule, steps, array })
}

/// A tensor input of a per-timestep method: a `{"shape", "data"}` whose data fills its shape.
fn diffusion_tensor(case: &Case, name: &str) -> Result<(Vec<usize>, Vec<f32>), Error> {
    let Some(Input::Tensor(t)) = case.inputs.get(name) else {
        return Err(field_error(case, name, "must be a tensor {\"shape\", \"data\"}"));
    };
    let n = tensor_len(&t.shape).map_err(|p| field_error(case, name, &p))?;
    if t.shape.is_empty() || t.data.len() != n {
        let problem = format!("has {} values for shape {:?}", t.data.len(), t.shape);
        return Err(field_error(case, name, &problem));
    }
    Ok((t.shape.clone(), t.data.iter().map(|v| v.0 as f32).collect()))
}

/// The arguments of a per-timestep method: the diffusion (as the schedule's), `t` of shape `[B]` with
/// whole steps below `T`, and tensors of one shape `[B, ...]`.
fn diffusion_inputs(function: Function, case: &Case) -> Result<Inputs, Error> {
    let (schedule, steps) = schedule_inputs(case)?;
    if steps < 2 {
        return Err(field_error(case, "num_diffusion_timesteps", "must be at least 2 (GaussianDiffusion)"));
    }
    let t: Vec<u32> = if function == Function::PriorBpd {
        // `_prior_bpd` sets t = T - 1 for every batch element itself.
        let (s, _) = diffusion_tensor(case, "x_start")?;
        vec![steps - 1; s[0]]
    } else {
        let (t_shape, t) = diffusion_tensor(case, "t")?;
        match t.iter().all(|v| v.fract() == 0.0 && *v >= 0.0 && *v < steps as f32) {
            true if t_shape.len() == 1 => t.iter().map(|&v| v as u32).collect(),
            _ => {
                let problem = "must be a [B] tensor of whole steps below num_diffusion_timesteps";
                return Err(field_error(case, "t", problem));
            }
        }
    };
    let mut shape = Vec::new();
    let mut tensors = Vec::new();
    for name in function.tensor_inputs() {
        let (s, data) = diffusion_tensor(case, name)?;
        if s[0] != t.len() || (!shape.is_empty() && s != shape) {
            let problem =
                format!("has shape {s:?}: [B, ...] with B = {} timesteps, as the other tensors", t.len());
            return Err(field_error(case, name, &problem));
        }
        shape = s;
        tensors.push(data);
    }
    Ok(Inputs::Diffusion(DiffusionCall { function, schedule, steps, t, shape, tensors }))
}

/// A per-timestep method on `call` in precision `T` as a port computes it: `GaussianDiffusion`'s arrays
/// derived from upstream's float64 schedule (in float32 from its rounding, for `float32_arrays`), the
/// elements extracted as `recipe` says, the model's outputs (the learned range's map, `_vb_terms_bpd`'s
/// composition) used as `vb` says (nothing where `GaussianDiffusion` refuses the schedule). Upstream is
/// `StepRecipe::UPSTREAM`, float64, `VbRecipe::UPSTREAM`.
pub fn eval_diffusion_port<T: Real>(
    call: &DiffusionCall,
    recipe: StepRecipe,
    float32_arrays: bool,
    vb: VbRecipe,
) -> Vec<f64> {
    let betas = beta_schedule::<f64>(call.schedule, call.steps.into());
    let steps = if float32_arrays {
        let betas: Vec<f32> = betas.iter().map(|&b| b as f32).collect();
        extracted_steps::<f32, T>(&betas, &call.t, recipe)
    } else {
        extracted_steps::<f64, T>(&betas, &call.t, recipe)
    };
    eval_diffusion::<T>(call, &steps.unwrap_or_default(), vb)
}

/// A per-timestep method on `call` in precision `T` from the extracted values `extracted` (one per batch
/// element): the posterior's mean, variance and clipped log-variance, the learned range's log-variance
/// with the map `vb.frac`, `_prior_bpd`, or `_vb_terms_bpd` composed as `vb` says.
pub fn eval_diffusion<T: Real>(call: &DiffusionCall, extracted: &[Extracted<T>], vb: VbRecipe) -> Vec<f64> {
    let row = call.row();
    if extracted.len() != call.t.len() {
        return Vec::new();
    }
    let t = |v: f32| T::cast(f64::from(v));
    match call.function {
        Function::QPosteriorMeanVariance => {
            let (xs, xt) = (&call.tensors[0], &call.tensors[1]);
            let mean =
                (0..xs.len()).map(|k| q_posterior_mean(&extracted[k / row], t(xs[k]), t(xt[k])).as_f64());
            let variance = extracted.iter().map(|e| e.variance.as_f64());
            let log_variance = extracted.iter().map(|e| e.log_variance_clipped.as_f64());
            mean.chain(variance).chain(log_variance).collect()
        }
        Function::PriorBpd => call.tensors[0]
            .chunks(row.max(1))
            .zip(extracted)
            .map(|(xs, e)| {
                let kl: Vec<T> = xs.iter().map(|&x| prior_kl(e, t(x))).collect();
                (opmath_mean(&kl) / T::cast(std::f64::consts::LN_2)).as_f64()
            })
            .collect(),
        Function::VbTermsBpd => {
            let wide: Vec<Vec<T>> = call.tensors.iter().map(|v| v.iter().map(|&x| t(x)).collect()).collect();
            let rows = |k: usize| wide[k].chunks(row.max(1));
            let (xs, xt, pred, var) = (rows(0), rows(1), rows(2), rows(3));
            xs.zip(xt)
                .zip(pred.zip(var))
                .zip(extracted.iter().zip(&call.t))
                .map(|(((x_start, x_t), (pred_xstart, model_var_values)), (e, &step))| {
                    let r = VbRow { x_start, x_t, pred_xstart, model_var_values };
                    vb_term(e, step, r, vb).as_f64()
                })
                .collect()
        }
        _ => call.tensors[0]
            .iter()
            .enumerate()
            .map(|(k, &v)| {
                let e = &extracted[k / row];
                learned_range_log_variance(t(v), e.log_beta, e.log_variance_clipped, vb.frac).as_f64()
            })
            .collect(),
    }
}

/// The inputs of `case`, a case of `function`, decoded (scalars are f32 by the format's contract).
pub fn case_inputs(function: Function, case: &Case) -> Result<Inputs, Error> {
    Ok(match function {
        Function::NormalKl if case.inputs.values().any(|v| matches!(v, Input::Tensor(_))) => {
            let names = Function::NormalKl.inputs();
            let ops = [
                operand(case, names[0])?,
                operand(case, names[1])?,
                operand(case, names[2])?,
                operand(case, names[3])?,
            ];
            let shapes: Vec<&[usize]> = ops.iter().map(|o| o.shape.as_slice()).collect();
            broadcast_shape("normal_kl", &shapes)?;
            Inputs::NormalKlBroadcast(ops)
        }
        Function::NormalKl => Inputs::NormalKl([
            scalar(case, "mean1")?,
            scalar(case, "logvar1")?,
            scalar(case, "mean2")?,
            scalar(case, "logvar2")?,
        ]),
        Function::StandardNormalCdf => Inputs::Cdf(scalar(case, "z")?),
        Function::DiscretizedGaussianLogLikelihood => Inputs::Loglik {
            x: scalar(case, "x")?,
            means: scalar(case, "means")?,
            log_scales: scalar(case, "log_scales")?,
        },
        Function::ContinuousGaussianLogLikelihood => Inputs::Continuous {
            x: scalar(case, "x")?,
            means: scalar(case, "means")?,
            log_scales: scalar(case, "log_scales")?,
        },
        Function::GetNamedBetaSchedule => {
            let (schedule, steps) = schedule_inputs(case)?;
            Inputs::BetaSchedule { schedule, steps }
        }
        Function::GaussianDiffusionArrays => derived_inputs(case)?,
        Function::QPosteriorMeanVariance
        | Function::LearnedRangeLogVariance
        | Function::PriorBpd
        | Function::VbTermsBpd => diffusion_inputs(function, case)?,
        Function::MeanFlat => {
            let shape = match case.inputs.get("shape") {
                Some(Input::Shape(s)) => s.clone(),
                _ => return Err(field_error(case, "shape", "must be a non-empty list of lengths")),
            };
            let expected = tensor_len(&shape).map_err(|p| field_error(case, "shape", &p))?;
            // The generator name and the length are checked before any value is generated.
            let data = match case.inputs.get("data") {
                Some(Input::Data(v)) => Data::Inline(v.iter().map(|x| x.0 as f32).collect()),
                Some(Input::Recipe(r)) if r.is_known() => Data::Recipe(r.clone()),
                _ => return Err(field_error(case, "data", "must be a list of numbers or a known recipe")),
            };
            let got = match &data {
                Data::Inline(v) => v.len(),
                Data::Recipe(r) => r.len,
            };
            if got != expected {
                return Err(Error::DataLength { function: "mean_flat", shape, expected, got });
            }
            Inputs::MeanFlat { shape, data }
        }
    })
}

/// The fast implementation's result(s) on `inputs` in precision `T`, widened to f64 (one value, or one
/// per row for `mean_flat`). `cdf` selects the variant where the helper has one.
pub fn eval_fast<T: Real>(inputs: &Inputs, cdf: Cdf) -> Vec<f64> {
    let t = |v: f32| T::cast(f64::from(v));
    match inputs {
        Inputs::NormalKl([a, b, c, d]) => vec![normal_kl_point(t(*a), t(*b), t(*c), t(*d)).as_f64()],
        Inputs::NormalKlBroadcast(ops) => broadcast_kl::<T>(ops, normal_kl_point),
        Inputs::Cdf(z) => vec![cdf.eval(t(*z)).as_f64()],
        Inputs::Loglik { x, means, log_scales } => {
            vec![log_likelihood_point(t(*x), t(*means), t(*log_scales), cdf).as_f64()]
        }
        Inputs::Continuous { x, means, log_scales } => {
            vec![continuous_log_likelihood_point(t(*x), t(*means), t(*log_scales)).as_f64()]
        }
        Inputs::MeanFlat { shape, data } => {
            let values: Vec<T> = data.values().into_iter().map(t).collect();
            match ArrayViewD::from_shape(shape.as_slice(), &values) {
                Ok(view) => {
                    mean_flat(view).map(|m| m.iter().map(|v| v.as_f64()).collect()).unwrap_or_default()
                }
                Err(_) => Vec::new(),
            }
        }
        Inputs::Diffusion(call) => {
            eval_diffusion_port::<T>(call, StepRecipe::UPSTREAM, false, VbRecipe::UPSTREAM)
        }
        // Upstream builds the schedule in float64; a float32 port holds it after `.float()`.
        Inputs::BetaSchedule { schedule, steps } => beta_schedule::<f64>(*schedule, (*steps).into())
            .into_iter()
            .map(|b| T::cast(b).as_f64())
            .collect(),
        // Upstream derives the arrays in float64; `_extract_into_tensor` hands a float32 model `.float()`
        // of an element. Betas upstream refuses give no values (judged as missing).
        Inputs::DerivedArray { schedule, steps, array } => {
            derived_array::<f64>(&beta_schedule::<f64>(*schedule, (*steps).into()), *array)
                .unwrap_or_default()
                .into_iter()
                .map(|v| T::cast(v).as_f64())
                .collect()
        }
    }
}

/// The fast implementation of `variant` on `inputs` in precision `T` (`None` where the helper has no
/// such variant).
pub fn eval_variant<T: Real>(inputs: &Inputs, variant: Variant) -> Option<Vec<f64>> {
    match variant {
        Variant::Stable => eval_stable::<T>(inputs),
        other => Some(eval_fast::<T>(inputs, other.cdf().unwrap_or(Cdf::Erf))),
    }
}

/// The stable variant's result(s) on `inputs` in precision `T` (src/stable/mod.rs), or `None` for helpers
/// that have no stable variant.
pub fn eval_stable<T: Real>(inputs: &Inputs) -> Option<Vec<f64>> {
    let t = |v: f32| T::cast(f64::from(v));
    match inputs {
        Inputs::NormalKl([a, b, c, d]) => Some(vec![normal_kl_stable(t(*a), t(*b), t(*c), t(*d)).as_f64()]),
        Inputs::NormalKlBroadcast(ops) => Some(broadcast_kl::<T>(ops, normal_kl_stable)),
        Inputs::Loglik { x, means, log_scales } => {
            Some(vec![log_likelihood_stable(t(*x), t(*means), t(*log_scales)).as_f64()])
        }
        Inputs::Cdf(_)
        | Inputs::MeanFlat { .. }
        | Inputs::Continuous { .. }
        | Inputs::BetaSchedule { .. }
        | Inputs::DerivedArray { .. }
        | Inputs::Diffusion(_) => None,
    }
}

/// `f` over the broadcast operands in precision `T`, the result row-major (empty if they do not
/// broadcast, which case_inputs has already refused).
pub fn broadcast_kl<T: Real>(ops: &[Operand; 4], f: fn(T, T, T, T) -> T) -> Vec<f64> {
    let data: Vec<Vec<T>> =
        ops.iter().map(|o| o.data.iter().map(|&v| T::cast(f64::from(v))).collect()).collect();
    let views: Option<Vec<ArrayViewD<'_, T>>> =
        ops.iter().zip(&data).map(|(o, d)| ArrayViewD::from_shape(o.shape.as_slice(), d).ok()).collect();
    let Some([a, b, c, d]) = views.and_then(|v| <[_; 4]>::try_from(v).ok()) else { return Vec::new() };
    broadcast_map([a, b, c, d], f).map(|r| r.iter().map(|v| v.as_f64()).collect()).unwrap_or_default()
}
