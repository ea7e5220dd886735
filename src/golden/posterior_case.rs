//! Golden cases of the per-timestep methods (`q_posterior_mean_variance`, the learned-range
//! log-variance, `_prior_bpd`, `_vb_terms_bpd`): inputs as the file stores them, exact values from the reference, and per element the
//! error model's bound (golden::posterior_model), whose band is the admissible interval.

use indexmap::IndexMap;

use crate::functions::{Function, Precision};
use crate::golden::admissible::Range;
use crate::golden::catalog::DiffusionCall;
use crate::golden::derived_model::Chain;
use crate::golden::error_model::{Bound, Model, SAFETY};
use crate::golden::format::{Input, Tensor};
use crate::golden::json_number::JsonF64;
use crate::golden::posterior_model::{self, ambiguity, PriorFacts, StepBounds, StepValues};
use crate::golden::tolerance::Constraint;
use crate::golden::vb_terms_model::{self, DecoderFacts, VbElement};
use crate::reference::{self, Exact, Extraction};
use crate::upstream::derived::DerivedArray;

fn tensor(shape: &[usize], data: impl Iterator<Item = f64>) -> Input {
    Input::Tensor(Tensor { shape: shape.to_vec(), data: data.map(JsonF64).collect() })
}

/// The case's inputs in [`Function::inputs`] order: the schedule's name and step count, the tensors,
/// and `t` as a tensor of shape `[B]`.
fn store_inputs(call: &DiffusionCall, inputs: &mut IndexMap<String, Input>) {
    let mut tensors = call.tensors.iter();
    for &name in call.function.inputs() {
        let value = match name {
            "schedule_name" => Input::Name(call.schedule.name().into()),
            "num_diffusion_timesteps" => Input::Scalar(JsonF64(call.steps.into())),
            "t" => tensor(&[call.t.len()], call.t.iter().map(|&t| f64::from(t))),
            _ => tensor(&call.shape, tensors.next().expect("one tensor per name").iter().map(|&v| v.into())),
        };
        inputs.insert(name.to_string(), value);
    }
}

/// Per batch element: the per-timestep values as the formulas receive them (`f32(exact element)`) and
/// their float32 ambiguities (posterior_model::ambiguities; the unit test counts the ambiguous ones).
fn steps(call: &DiffusionCall) -> Vec<(StepValues, StepBounds)> {
    let steps = u64::from(call.steps);
    let chain = chain(call);
    let inside = "catalog steps are inside the reference's domain";
    let values = |t, how| {
        let [c1, c2, v, lv, lb] = reference::posterior_step(call.schedule, steps, t, how).expect(inside);
        StepValues {
            coef1: c1.value,
            coef2: c2.value,
            variance: v.value,
            log_variance_clipped: lv.value,
            log_beta: lb.value,
        }
    };
    call.timesteps()
        .into_iter()
        .map(|t| {
            let (exact, rounded) = (values(t, Extraction::Exact), values(t, Extraction::Float32));
            let b64 = posterior_model::float64_bounds(&chain, t as usize);
            (rounded, posterior_model::ambiguities(&b64, &exact, &rounded))
        })
        .collect()
}

/// golden::derived_model's chain of the case's diffusion (the bounds of upstream's float64 elements).
fn chain(call: &DiffusionCall) -> Chain {
    let betas: Vec<f64> = reference::beta_schedule(call.schedule, u64::from(call.steps))
        .expect("catalog schedules are inside the reference's domain")
        .iter()
        .map(|e| e.value)
        .collect();
    Chain::new(call.schedule, &betas)
}

/// `sqrt_alphas_cumprod` and `log_one_minus_alphas_cumprod` at `T - 1` as extracted (`f32(exact
/// element)`) and their ambiguities (derived_model's chain around the exact elements).
fn prior_facts(call: &DiffusionCall) -> PriorFacts {
    let steps = u64::from(call.steps);
    let inside = "catalog inputs are inside the reference's domain";
    let chain = chain(call);
    let f64m = Model::of(Precision::F64);
    let at = |a| {
        let value =
            |how| reference::derived_value(call.schedule, steps, a, steps - 1, how).expect(inside).value;
        let (v, r) = (value(Extraction::Exact), value(Extraction::Float32));
        let b = SAFETY * chain.bound(a, (steps - 1) as usize, &f64m);
        (r, ambiguity(v, b, r))
    };
    let ((sqrt_abar, e_sqrt), (log_one_minus, e_log)) =
        (at(DerivedArray::SqrtAlphasCumprod), at(DerivedArray::LogOneMinusAlphasCumprod));
    PriorFacts { sqrt_abar, log_one_minus, e_sqrt, e_log }
}

/// A bounded value whose interval is its error band.
fn bounded(e: &Exact, abs: f64) -> Constraint {
    let range = Range { lo: f64::NEG_INFINITY, hi: f64::INFINITY, nan: false };
    Constraint { expected: e.value, abs: Bound::Abs(abs), alternative: None, range }
}

/// What one value of a result is, for its bound: `step` indexes the batch element's timestep.
#[derive(Debug, Clone, Copy)]
enum Element {
    /// A posterior mean element at exact inputs `x_start`, `x_t`, of exact value `mean`.
    Mean { step: usize, x_start: f64, x_t: f64, mean: f64 },
    /// The posterior variance of a batch element.
    Variance { step: usize },
    /// Its clipped log-variance.
    LogVariance { step: usize },
    /// A learned-range log-variance at `model_var_values = v`, of exact value `lv`.
    LearnedRange { step: usize, v: f64, lv: f64 },
    /// The prior in bits of batch element `row`, of exact value `bits`.
    Prior { row: usize, bits: f64 },
}

/// What the elements' bounds read besides the element: the steps' values and bounds, the first tensor
/// widened, its row length and (for the prior) the facts at `T - 1`.
struct Context<'a> {
    per_t: &'a [(StepValues, StepBounds)],
    first: &'a [f64],
    row: usize,
    prior: Option<PriorFacts>,
}

impl Element {
    fn bound(self, p: &Model, cx: &Context) -> f64 {
        let per_t = cx.per_t;
        match self {
            Element::Mean { step, x_start, x_t, mean } => {
                let (c, e) = &per_t[step];
                posterior_model::mean_bound(p, e, c, x_start, x_t, mean)
            }
            Element::Variance { step } => per_t[step].1.variance,
            Element::LogVariance { step } => per_t[step].1.log_variance_clipped,
            Element::LearnedRange { step, v, lv } => {
                let (c, e) = &per_t[step];
                posterior_model::learned_range_bound(p, e, c, v, lv)
            }
            Element::Prior { row, bits } => match &cx.prior {
                Some(f) => {
                    posterior_model::prior_bound(p, f, &cx.first[row * cx.row..(row + 1) * cx.row], bits)
                }
                None => f64::INFINITY,
            },
        }
    }
}

/// One case of a per-timestep method: its inputs stored, the exact values of its flat result, and per
/// model (in `models` order) each value's constraint.
pub fn build(
    call: &DiffusionCall,
    inputs: &mut IndexMap<String, Input>,
    models: &[Model],
) -> (Vec<Exact>, Vec<Vec<Constraint>>) {
    store_inputs(call, inputs);
    let (schedule, steps, ts) = (call.schedule, u64::from(call.steps), call.timesteps());
    let per_t = self::steps(call);
    if call.function == Function::VbTermsBpd {
        return vb_terms(call, &per_t, models);
    }
    let row = call.row();
    let wide = |k: usize| -> Vec<f64> { call.tensors[k].iter().map(|&v| f64::from(v)).collect() };
    let (exact, elements): (Vec<Exact>, Vec<Element>) = match call.function {
        Function::QPosteriorMeanVariance => {
            let (xs, xt) = (wide(0), wide(1));
            let r = reference::q_posterior_mean_variance(schedule, steps, Extraction::Float32, &ts, &xs, &xt)
                .expect("catalog inputs are inside the reference's domain");
            let means = r.mean.iter().enumerate().map(|(k, m)| Element::Mean {
                step: k / row,
                x_start: xs[k],
                x_t: xt[k],
                mean: m.value,
            });
            let variances = (0..ts.len()).map(|step| Element::Variance { step });
            let logs = (0..ts.len()).map(|step| Element::LogVariance { step });
            let elements = means.chain(variances).chain(logs).collect();
            (r.mean.into_iter().chain(r.variance).chain(r.log_variance_clipped).collect(), elements)
        }
        Function::PriorBpd => {
            let r = reference::prior_bpd(schedule, steps, Extraction::Float32, &wide(0), ts.len())
                .expect("catalog inputs are inside the reference's domain");
            let elements =
                r.iter().enumerate().map(|(row, b)| Element::Prior { row, bits: b.value }).collect();
            (r, elements)
        }
        _ => {
            let v = wide(0);
            let r = reference::learned_range_log_variance(schedule, steps, Extraction::Float32, &ts, &v)
                .expect("catalog inputs are inside the reference's domain");
            let elements = r
                .iter()
                .enumerate()
                .map(|(k, lv)| Element::LearnedRange { step: k / row, v: v[k], lv: lv.value })
                .collect();
            (r, elements)
        }
    };
    let first = wide(0);
    let prior = (call.function == Function::PriorBpd).then(|| prior_facts(call));
    let cx = Context { per_t: &per_t, first: &first, row, prior };
    let constraints = models
        .iter()
        .map(|p| exact.iter().zip(&elements).map(|(e, el)| bounded(e, el.bound(p, &cx))).collect())
        .collect();
    (exact, constraints)
}

/// `_vb_terms_bpd`'s case: the exact output per batch element (the tanh decoder's NLL at `t = 0`, the KL
/// otherwise) and its bound per model (golden::vb_terms_model; the decoder's from each element's exact
/// log-likelihood at the exact mean and the log-scale of the step's values rounded to f64: a magnitude
/// for the bound, not the golden value).
fn vb_terms(
    call: &DiffusionCall,
    per_t: &[(StepValues, StepBounds)],
    models: &[Model],
) -> (Vec<Exact>, Vec<Vec<Constraint>>) {
    let inside = "catalog inputs are inside the reference's domain";
    let wide: Vec<Vec<f64>> =
        call.tensors.iter().map(|v| v.iter().map(|&x| f64::from(x)).collect()).collect();
    let (schedule, steps, ts) = (call.schedule, u64::from(call.steps), call.timesteps());
    let exact =
        reference::vb_terms_bpd(schedule, steps, Extraction::Float32, &ts, &wide[0], &wide[2], &wide[3])
            .expect(inside);
    let n = call.row();
    let rows: Vec<Vec<VbElement>> = (0..ts.len())
        .map(|b| {
            (b * n..(b + 1) * n)
                .map(|k| VbElement {
                    x_start: wide[0][k],
                    x_t: wide[1][k],
                    pred_xstart: wide[2][k],
                    v: wide[3][k],
                })
                .collect()
        })
        .collect();
    // The decoder's log-likelihoods at t = 0 (the mean is pred_xstart: coef1 = 1, coef2 = 0 there), exact
    // at the f64 log-scale.
    let facts: Vec<Vec<DecoderFacts>> = rows
        .iter()
        .zip(&ts)
        .zip(per_t)
        .map(|((row, &t), (c, _))| {
            if t != 0 {
                return Vec::new();
            }
            row.iter()
                .map(|el| {
                    let lv = vb_terms_model::learned_range(c, el.v);
                    let r = reference::discretized_gaussian_log_likelihood(
                        el.x_start,
                        el.pred_xstart,
                        0.5 * lv,
                        reference::Variant::Tanh,
                    )
                    .expect(inside);
                    DecoderFacts {
                        branch: r.branch,
                        log_prob: r.log_prob_unclamped.value,
                        expected: r.value.value,
                    }
                })
                .collect()
        })
        .collect();
    let constraints = models
        .iter()
        .map(|p| {
            exact
                .iter()
                .enumerate()
                .map(|(b, e)| {
                    let (c, bounds) = &per_t[b];
                    let abs = if ts[b] == 0 {
                        vb_terms_model::decoder_bound(p, c, bounds, &rows[b], &facts[b], e.value)
                    } else {
                        vb_terms_model::kl_bound(p, c, bounds, &rows[b], e.value)
                    };
                    bounded(e, abs)
                })
                .collect()
        })
        .collect();
    (exact, constraints)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golden::catalog::{self, Inputs};
    use crate::golden::generate::SEED;
    use std::collections::BTreeSet;

    /// The ambiguous elements (upstream's float64 element, within golden::derived_model's bound of the
    /// exact one, may round to another float32 than the exact element; the tolerance adds the neighbour's
    /// effect there), counted over the distinct elements `(schedule, T, t, coefficient)` the four files
    /// use (docs/golden-format.md states the count).
    #[test]
    fn few_extracted_elements_are_ambiguous() {
        let (mut seen, mut ambiguous) = (BTreeSet::new(), BTreeSet::new());
        for function in [
            Function::QPosteriorMeanVariance,
            Function::LearnedRangeLogVariance,
            Function::PriorBpd,
            Function::VbTermsBpd,
        ] {
            for spec in catalog::cases(function, SEED) {
                let Inputs::Diffusion(call) = spec.inputs else { panic!("{}", spec.id) };
                let key = |t: u64, k: usize| (call.schedule.name(), call.steps, t, k);
                let mut note = |key, a: f64| {
                    seen.insert(key);
                    if a > 0.0 {
                        ambiguous.insert(key);
                    }
                };
                if function == Function::PriorBpd {
                    let f = prior_facts(&call);
                    note(key(u64::from(call.steps) - 1, 5), f.e_sqrt);
                    note(key(u64::from(call.steps) - 1, 6), f.e_log);
                    continue;
                }
                for ((_, e), t) in steps(&call).iter().zip(call.timesteps()) {
                    let five = [e.coef1, e.coef2, e.variance, e.log_variance_clipped, e.log_beta];
                    five.into_iter().enumerate().for_each(|(k, a)| note(key(t, k), a));
                }
            }
        }
        println!("ambiguous elements: {} of {}: {ambiguous:?}", ambiguous.len(), seen.len());
        // Measured: the last step's log_one_minus_alphas_cumprod (the prior's) of 4 diffusions, where
        // `np.log(1.0 - alphas_cumprod)` cancels (derived_model: up to 1.1e9 float64 ulps).
        assert_eq!((ambiguous.len(), seen.len()), (4, 484));
    }
}
