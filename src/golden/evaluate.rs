//! Reading a golden case's inputs back and evaluating the fast implementations on them: the bridge
//! from golden files to our own tests, `verify` and the mutation tests.

use crate::functions::Variant;
use crate::golden::catalog::{Data, Inputs};
use crate::golden::format::{Case, Input};
use crate::golden::recipe::Recipe;
use crate::input::tensor_len;
use crate::stable::{log_likelihood_stable, normal_kl_stable};
use crate::upstream::loglik::log_likelihood_point;
use crate::upstream::mean_flat::mean_flat;
use crate::upstream::normal_kl::normal_kl_point;
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

/// The inputs of `case`, a case of `function`, decoded (scalars are f32 by the format's contract).
pub fn case_inputs(function: Function, case: &Case) -> Result<Inputs, Error> {
    Ok(match function {
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
        Function::MeanFlat => {
            let shape = match case.inputs.get("shape") {
                Some(Input::Shape(s)) => s.clone(),
                _ => return Err(field_error(case, "shape", "must be a non-empty list of lengths")),
            };
            let expected = tensor_len(&shape).map_err(|p| field_error(case, "shape", &p))?;
            // The generator name and the length are checked before any value is generated.
            let data = match case.inputs.get("data") {
                Some(Input::Data(v)) => Data::Inline(v.iter().map(|x| x.0 as f32).collect()),
                Some(Input::Recipe(r)) if r.generator == Recipe::GENERATOR => Data::Recipe(r.clone()),
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
        Inputs::Cdf(z) => vec![cdf.eval(t(*z)).as_f64()],
        Inputs::Loglik { x, means, log_scales } => {
            vec![log_likelihood_point(t(*x), t(*means), t(*log_scales), cdf).as_f64()]
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
        Inputs::Loglik { x, means, log_scales } => {
            Some(vec![log_likelihood_stable(t(*x), t(*means), t(*log_scales)).as_f64()])
        }
        Inputs::Cdf(_) | Inputs::MeanFlat { .. } => None,
    }
}
