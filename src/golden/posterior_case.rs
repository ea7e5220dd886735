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
use crate::golden::posterior_model::{self, PriorFacts, StepBounds, StepValues, U32};
use crate::golden::tolerance::Constraint;
use crate::golden::vb_terms_model::{self, DecoderFacts, VbElement};
use crate::reference::{self, Exact};
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

/// Per batch element: the exact per-timestep values and the bounds of their extracted versions.
fn steps(call: &DiffusionCall) -> Vec<(StepValues, StepBounds)> {
    let steps = u64::from(call.steps);
    let betas: Vec<f64> = reference::beta_schedule(call.schedule, steps)
        .expect("catalog schedules are inside the reference's domain")
        .iter()
        .map(|e| e.value)
        .collect();
    let chain = Chain::new(call.schedule, &betas);
    call.timesteps()
        .into_iter()
        .map(|t| {
            let [c1, c2, v, lv, lb] = reference::posterior_step(call.schedule, steps, t)
                .expect("catalog steps are inside the reference's domain");
            let exact = StepValues {
                coef1: c1.value,
                coef2: c2.value,
                variance: v.value,
                log_variance_clipped: lv.value,
                log_beta: lb.value,
            };
            let b64 = posterior_model::float64_bounds(&chain, t as usize);
            (exact, posterior_model::extracted(&b64, &exact))
        })
        .collect()
}

/// The exact `sqrt_alphas_cumprod` and `log_one_minus_alphas_cumprod` at `T - 1` and the bounds of their
/// extracted versions (derived_model's chain, then `.float()`).
fn prior_facts(call: &DiffusionCall) -> PriorFacts {
    let steps = u64::from(call.steps);
    let inside = "catalog inputs are inside the reference's domain";
    let betas: Vec<f64> =
        reference::beta_schedule(call.schedule, steps).expect(inside).iter().map(|e| e.value).collect();
    let chain = Chain::new(call.schedule, &betas);
    let f64m = Model::of(Precision::F64);
    let at = |a| {
        let v = reference::derived_value(call.schedule, steps, a, steps - 1).expect(inside).value;
        let b = SAFETY * chain.bound(a, (steps - 1) as usize, &f64m);
        (v, b + U32 * (v.abs() + b))
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
            let r = reference::q_posterior_mean_variance(schedule, steps, &ts, &xs, &xt)
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
            let r = reference::prior_bpd(schedule, steps, &wide(0), ts.len())
                .expect("catalog inputs are inside the reference's domain");
            let elements =
                r.iter().enumerate().map(|(row, b)| Element::Prior { row, bits: b.value }).collect();
            (r, elements)
        }
        _ => {
            let v = wide(0);
            let r = reference::learned_range_log_variance(schedule, steps, &ts, &v)
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
/// log-likelihood at the exact mean and log-scale).
fn vb_terms(
    call: &DiffusionCall,
    per_t: &[(StepValues, StepBounds)],
    models: &[Model],
) -> (Vec<Exact>, Vec<Vec<Constraint>>) {
    let inside = "catalog inputs are inside the reference's domain";
    let wide: Vec<Vec<f64>> =
        call.tensors.iter().map(|v| v.iter().map(|&x| f64::from(x)).collect()).collect();
    let (schedule, steps, ts) = (call.schedule, u64::from(call.steps), call.timesteps());
    let exact = reference::vb_terms_bpd(schedule, steps, &ts, &wide[0], &wide[2], &wide[3]).expect(inside);
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
    // The decoder's exact log-likelihoods at t = 0 (the mean is pred_xstart: coef1 = 1, coef2 = 0 there).
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
                    let frac = (el.v + 1.0) / 2.0;
                    let lv = frac * c.log_beta + (1.0 - frac) * c.log_variance_clipped;
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
