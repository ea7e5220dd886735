//! Building golden files: catalog inputs -> exact expected values (reference) -> tolerances (error
//! model) and admissible intervals (golden::admissible) -> JSON text, deterministically (byte-identical
//! on every run and machine) and in parallel.

use crate::functions::Variant;
use crate::golden::admissible::{self, Range};
use crate::golden::catalog::{self, CaseSpec, Data, DiffusionCall, Inputs, Operand};
use crate::golden::continuous_model;
use crate::golden::derived_model;
use crate::golden::error_model::{self, KlFacts, LoglikFacts, Model};
use crate::golden::format::{
    Case, Digits, Expected, GoldenFile, Input, Provenance, Tensor, Tolerance, Values, SCHEMA,
};
use crate::golden::json_number::JsonF64;
use crate::golden::posterior_case;
use crate::golden::schedule_model;
use crate::golden::tolerance::{self, Constraint, OwnBranch};
use crate::reference;
use crate::upstream::broadcast::broadcast_shape;
use crate::upstream::derived::DerivedArray;
use crate::upstream::loglik::Branch;
use crate::upstream::schedule::Schedule;
use crate::{Cdf, Function};
use indexmap::IndexMap;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

/// The seed of every random case, logged in each file's provenance.
pub const SEED: u64 = 0x00dd_5eed_2026_0001;

/// How the expected values are made, as recorded in provenance.
pub const REFERENCE_POLICY: &str =
    "ddpm-golden reference: Ziv's strategy over rigorous ball arithmetic, a first pass on 192-bit \
     fixed-size floats, then dashu-float 0.6 arbitrary precision for what it cannot certify; every value \
     correctly rounded to f64 (round-half-even); digits: >= 40 significant; constants 1/255, 1e-12, 0.999, \
     sqrt(2/pi), 0.044715 exact";

/// How tolerances are made, as recorded in provenance.
pub const ERROR_MODEL: &str = "docs/error-model.md v2: first-order forward error bound of the upstream \
     algorithm from exact intermediates; +-*/ correctly rounded (half types: in f32, rounded again); exp, log, \
     erf, tanh within 4 ulps; constants rounded to the precision; bound doubled; admissible intervals by \
     interval arithmetic with erf/tanh saturation and CDF granularity";

/// Per precision name, per variant key: the tolerance entries of a case.
type Tolerances = IndexMap<String, IndexMap<String, Tolerance>>;

fn one(e: &reference::Exact) -> (Values, Digits) {
    (Values::One(JsonF64(e.value)), Digits::One(e.digits.clone()))
}

fn plain(value: Values, digits: Digits) -> Expected {
    Expected { value, digits, branch: None, clamped: None, log_prob_unclamped: None }
}

/// A case's scalar inputs under `function`'s upstream argument names, in their order.
fn insert_scalars(inputs: &mut IndexMap<String, Input>, function: Function, values: &[f32]) {
    debug_assert_eq!(function.inputs().len(), values.len());
    for (name, &v) in function.inputs().iter().zip(values) {
        inputs.insert(name.to_string(), Input::Scalar(JsonF64(v.into())));
    }
}

/// An array result: one correctly rounded value and its digits per element.
fn plain_rows<'a>(exact: impl Iterator<Item = &'a reference::Exact> + Clone) -> Expected {
    plain(
        Values::Rows(exact.clone().map(|e| JsonF64(e.value)).collect()),
        Digits::Rows(exact.map(|e| e.digits.clone()).collect()),
    )
}

fn variant_of(cdf: Cdf) -> reference::Variant {
    match cdf {
        Cdf::Erf => reference::Variant::Gaussian,
        Cdf::Tanh => reference::Variant::Tanh,
    }
}

/// The models of the precisions whose values hold every input of `inputs`.
fn models_for(inputs: &Inputs) -> Vec<Model> {
    Model::all().into_iter().filter(|p| inputs.exact_in(p.precision)).collect()
}

fn insert(tolerance: &mut Tolerances, p: &Model, variant: Variant, t: Tolerance) {
    tolerance.entry(p.precision.name().to_string()).or_default().insert(variant.key().into(), t);
}

/// The constraint on a log-likelihood in precision `p` and one variant (`bound`: the variant's error
/// model; `range`: its admissible range on a branch), with the alternative branch when the precision's
/// comparison disagrees with the exact one; the range covers both branches.
fn loglik_constraint(
    p: &Model,
    cdf: Cdf,
    bound: &dyn Fn(&LoglikFacts) -> error_model::Bound,
    range: &dyn Fn(Branch) -> Range,
    (x, means, log_scales): (f32, f32, f32),
    exact: &reference::LoglikExact,
) -> Constraint {
    let facts = |branch, r: &reference::LoglikExact| LoglikFacts {
        x: x.into(),
        mean: means.into(),
        log_scale: log_scales.into(),
        branch,
        log_prob: r.log_prob_unclamped.value,
        expected: r.value.value,
    };
    let own = p.branch(x.into());
    let alternative = (own != exact.branch && !x.is_nan()).then(|| {
        let alt = reference::log_likelihood_in_branch(
            x.into(),
            means.into(),
            log_scales.into(),
            variant_of(cdf),
            own,
        )
        .expect("catalog inputs are inside the reference's domain");
        OwnBranch {
            branch: own,
            value: alt.value.value,
            digits: alt.value.digits.clone(),
            abs: bound(&facts(own, &alt)),
        }
    });
    let range = if alternative.is_some() { range(exact.branch).hull(range(own)) } else { range(own) };
    Constraint { expected: exact.value.value, abs: bound(&facts(exact.branch, exact)), alternative, range }
}

fn loglik_case(
    x: f32,
    means: f32,
    log_scales: f32,
    inputs: &mut IndexMap<String, Input>,
    models: &[Model],
) -> (IndexMap<String, Expected>, Tolerances) {
    let (mut expected, mut tolerance) = (IndexMap::new(), Tolerances::new());
    insert_scalars(inputs, Function::DiscretizedGaussianLogLikelihood, &[x, means, log_scales]);
    let point = (x, means, log_scales);
    let wide = (f64::from(x), f64::from(means), f64::from(log_scales));
    for cdf in Cdf::ALL {
        let r = reference::discretized_gaussian_log_likelihood(wide.0, wide.1, wide.2, variant_of(cdf))
            .expect("catalog inputs are inside the reference's domain");
        for p in models {
            let upstream = |f: &LoglikFacts| error_model::loglik_bound(p, cdf, f);
            let range = |b: Branch| admissible::loglik(p, cdf, wide, b);
            let c = loglik_constraint(p, cdf, &upstream, &range, point, &r);
            insert(&mut tolerance, p, Variant::of_cdf(cdf), tolerance::one(c));
            if cdf == Cdf::Erf {
                // The stable variant means the true Gaussian: judged against the erf expected value.
                let stable = |f: &LoglikFacts| error_model::stable_loglik_bound(p, f);
                let whole = |_: Branch| admissible::stable_loglik(p, wide);
                let c = loglik_constraint(p, cdf, &stable, &whole, point, &r);
                insert(&mut tolerance, p, Variant::Stable, tolerance::one(c));
            }
        }
        let (value, digits) = one(&r.value);
        expected.insert(
            Variant::of_cdf(cdf).key().into(),
            Expected {
                value,
                digits,
                branch: Some(r.branch),
                clamped: Some(r.clamped),
                log_prob_unclamped: Some(JsonF64(r.log_prob_unclamped.value)),
            },
        );
    }
    (expected, tolerance)
}

fn continuous_case(
    (x, means, log_scales): (f32, f32, f32),
    inputs: &mut IndexMap<String, Input>,
    models: &[Model],
) -> (IndexMap<String, Expected>, Tolerances) {
    let (mut expected, mut tolerance) = (IndexMap::new(), Tolerances::new());
    insert_scalars(inputs, Function::ContinuousGaussianLogLikelihood, &[x, means, log_scales]);
    let wide = (f64::from(x), f64::from(means), f64::from(log_scales));
    let r = reference::continuous_gaussian_log_likelihood(wide.0, wide.1, wide.2)
        .expect("catalog inputs are inside the reference's domain");
    for p in models {
        let abs = continuous_model::bound(p, wide, r.value);
        let c =
            Constraint { expected: r.value, abs, alternative: None, range: continuous_model::range(p, wide) };
        insert(&mut tolerance, p, Variant::Upstream, tolerance::one(c));
    }
    let (value, digits) = one(&r);
    expected.insert(Variant::Upstream.key().into(), plain(value, digits));
    (expected, tolerance)
}

fn cdf_case(
    z: f32,
    inputs: &mut IndexMap<String, Input>,
    models: &[Model],
) -> (IndexMap<String, Expected>, Tolerances) {
    let (mut expected, mut tolerance) = (IndexMap::new(), Tolerances::new());
    insert_scalars(inputs, Function::StandardNormalCdf, &[z]);
    let z = f64::from(z);
    for cdf in Cdf::ALL {
        let r = match cdf {
            Cdf::Erf => reference::phi(z),
            Cdf::Tanh => reference::tanh_cdf(z),
        }
        .expect("catalog inputs are inside the reference's domain");
        for p in models {
            let range = admissible::Eval { p }.cdf(cdf, Range::point(z));
            let c = Constraint {
                expected: r.value,
                abs: error_model::cdf_bound(p, cdf, z, r.value),
                alternative: None,
                range,
            };
            insert(&mut tolerance, p, Variant::of_cdf(cdf), tolerance::one(c));
        }
        let (value, digits) = one(&r);
        expected.insert(Variant::of_cdf(cdf).key().into(), plain(value, digits));
    }
    (expected, tolerance)
}

/// The exact KL and, per precision, both variants' constraints at one point.
fn kl_point(a: [f64; 4], models: &[Model]) -> (reference::Exact, Vec<[Constraint; 2]>) {
    let [m1, l1, m2, l2] = a;
    let r = reference::normal_kl(m1, l1, m2, l2).expect("catalog inputs are inside the reference's domain");
    let facts = KlFacts { mean1: m1, logvar1: l1, mean2: m2, logvar2: l2, expected: r.value };
    let per_model = models
        .iter()
        .map(|p| {
            [
                Constraint {
                    expected: r.value,
                    abs: error_model::normal_kl_bound(p, &facts),
                    alternative: None,
                    range: admissible::normal_kl(p, a),
                },
                Constraint {
                    expected: r.value,
                    abs: error_model::stable_normal_kl_bound(p, &facts),
                    alternative: None,
                    range: admissible::stable_normal_kl(p, a),
                },
            ]
        })
        .collect();
    (r, per_model)
}

const KL_VARIANTS: [Variant; 2] = [Variant::Upstream, Variant::Stable];

fn normal_kl_case(
    a: [f32; 4],
    inputs: &mut IndexMap<String, Input>,
    models: &[Model],
) -> (IndexMap<String, Expected>, Tolerances) {
    let (mut expected, mut tolerance) = (IndexMap::new(), Tolerances::new());
    insert_scalars(inputs, Function::NormalKl, &a);
    let (r, per_model) = kl_point(a.map(f64::from), models);
    for (p, constraints) in models.iter().zip(per_model) {
        for (variant, c) in KL_VARIANTS.into_iter().zip(constraints) {
            insert(&mut tolerance, p, variant, tolerance::one(c));
        }
    }
    let (value, digits) = one(&r);
    expected.insert(Variant::Upstream.key().into(), plain(value, digits));
    (expected, tolerance)
}

/// The elements of the operands at each index of their broadcast result, row-major.
pub fn broadcast_points(ops: &[Operand; 4]) -> Vec<[f32; 4]> {
    let shapes: Vec<&[usize]> = ops.iter().map(|o| o.shape.as_slice()).collect();
    let shape = broadcast_shape("normal_kl", &shapes).expect("catalog operands broadcast");
    let n: usize = shape.iter().product();
    (0..n)
        .map(|flat| {
            std::array::from_fn(|k| {
                // The operand's own index: trailing axes aligned, length-1 axes stretched.
                let (mut rest, mut index, mut stride) = (flat, 0usize, 1usize);
                let own = &ops[k].shape;
                for axis in (0..shape.len()).rev() {
                    let i = rest % shape[axis];
                    rest /= shape[axis];
                    if let Some(len) = (axis + own.len()).checked_sub(shape.len()).map(|a| own[a]) {
                        index += if len == 1 { 0 } else { i * stride };
                        stride *= len;
                    }
                }
                ops[k].data[index]
            })
        })
        .collect()
}

fn normal_kl_broadcast_case(
    ops: &[Operand; 4],
    inputs: &mut IndexMap<String, Input>,
    models: &[Model],
) -> (IndexMap<String, Expected>, Tolerances) {
    let (mut expected, mut tolerance) = (IndexMap::new(), Tolerances::new());
    for (name, o) in Function::NormalKl.inputs().iter().zip(ops) {
        let data = o.data.iter().map(|&v| JsonF64(v.into())).collect();
        inputs.insert(name.to_string(), Input::Tensor(Tensor { shape: o.shape.clone(), data }));
    }
    let points: Vec<_> =
        broadcast_points(ops).into_iter().map(|a| kl_point(a.map(f64::from), models)).collect();
    for (m, p) in models.iter().enumerate() {
        for (v, variant) in KL_VARIANTS.into_iter().enumerate() {
            let cs = points.iter().map(|(_, per_model)| per_model[m][v].clone()).collect();
            insert(&mut tolerance, p, variant, tolerance::rows(cs));
        }
    }
    expected.insert(Variant::Upstream.key().into(), plain_rows(points.iter().map(|(r, _)| r)));
    (expected, tolerance)
}

fn mean_flat_case(
    shape: &[usize],
    data: &Data,
    inputs: &mut IndexMap<String, Input>,
    models: &[Model],
) -> (IndexMap<String, Expected>, Tolerances) {
    let (mut expected, mut tolerance) = (IndexMap::new(), Tolerances::new());
    inputs.insert("shape".into(), Input::Shape(shape.to_vec()));
    inputs.insert(
        "data".into(),
        match data {
            Data::Inline(v) => Input::Data(v.iter().map(|&x| JsonF64(x.into())).collect()),
            Data::Recipe(r) => Input::Recipe(r.clone()),
        },
    );
    let values: Vec<f64> = data.values().into_iter().map(f64::from).collect();
    let rows: Vec<&[f64]> = values.chunks(row_len(shape).max(1)).take(shape[0]).collect();
    let exact: Vec<reference::Exact> = rows
        .iter()
        .map(|row| reference::mean_flat_row(row).expect("catalog inputs are inside the reference's domain"))
        .collect();
    for p in models {
        let cs = rows
            .iter()
            .zip(&exact)
            .map(|(row, e)| {
                let abs = error_model::mean_bound(p, row, e.value);
                // The mean's interval is its error band; where the sum may overflow, inf - inf is NaN.
                let nan = abs == error_model::Bound::Unconstrained;
                let range = Range { lo: f64::NEG_INFINITY, hi: f64::INFINITY, nan };
                Constraint { expected: e.value, abs, alternative: None, range }
            })
            .collect();
        insert(&mut tolerance, p, Variant::Upstream, tolerance::rows(cs));
    }
    expected.insert(Variant::Upstream.key().into(), plain_rows(exact.iter()));
    (expected, tolerance)
}

/// A case whose result is one value per step (the betas, a derived array): the exact values and, per
/// precision, the error model's bound of each; the interval is the error band (every step is bounded).
fn per_step_case(
    exact: &[reference::Exact],
    models: &[Model],
    bounds: impl Fn(&Model) -> Vec<f64>,
) -> (IndexMap<String, Expected>, Tolerances) {
    let (mut expected, mut tolerance) = (IndexMap::new(), Tolerances::new());
    for p in models {
        let cs = exact
            .iter()
            .zip(bounds(p))
            .map(|(e, abs)| {
                let range = Range { lo: f64::NEG_INFINITY, hi: f64::INFINITY, nan: false };
                Constraint { expected: e.value, abs: error_model::Bound::Abs(abs), alternative: None, range }
            })
            .collect();
        insert(&mut tolerance, p, Variant::Upstream, tolerance::rows(cs));
    }
    expected.insert(Variant::Upstream.key().into(), plain_rows(exact.iter()));
    (expected, tolerance)
}

/// The schedule's name and step count, under upstream's argument names.
fn insert_schedule(inputs: &mut IndexMap<String, Input>, schedule: Schedule, steps: u32) {
    inputs.insert("schedule_name".into(), Input::Name(schedule.name().into()));
    inputs.insert("num_diffusion_timesteps".into(), Input::Scalar(JsonF64(steps.into())));
}

fn schedule_case(
    schedule: Schedule,
    steps: u32,
    inputs: &mut IndexMap<String, Input>,
    models: &[Model],
) -> (IndexMap<String, Expected>, Tolerances) {
    insert_schedule(inputs, schedule, steps);
    let steps = u64::from(steps);
    let exact =
        reference::beta_schedule(schedule, steps).expect("catalog inputs are inside the reference's domain");
    per_step_case(&exact, models, |p| {
        exact
            .iter()
            .zip(0..)
            .map(|(e, i)| schedule_model::beta_bound(p, schedule, i, steps, e.value))
            .collect()
    })
}

fn derived_case(
    (schedule, steps, array): (Schedule, u32, DerivedArray),
    inputs: &mut IndexMap<String, Input>,
    models: &[Model],
) -> (IndexMap<String, Expected>, Tolerances) {
    insert_schedule(inputs, schedule, steps);
    inputs.insert("array".into(), Input::Name(array.name().into()));
    let steps = u64::from(steps);
    let inside = "catalog inputs are inside the reference's domain";
    let betas: Vec<f64> =
        reference::beta_schedule(schedule, steps).expect(inside).iter().map(|e| e.value).collect();
    let exact = reference::derived_arrays(schedule, steps, &[array]).expect(inside).remove(0);
    let values: Vec<f64> = exact.iter().map(|e| e.value).collect();
    per_step_case(&exact, models, |p| derived_model::array_bounds(p, schedule, &betas, array, &values))
}

fn diffusion_case(
    call: &DiffusionCall,
    inputs: &mut IndexMap<String, Input>,
    models: &[Model],
) -> (IndexMap<String, Expected>, Tolerances) {
    let (mut expected, mut tolerance) = (IndexMap::new(), Tolerances::new());
    let (exact, per_model) = posterior_case::build(call, inputs, models);
    for (p, cs) in models.iter().zip(per_model) {
        insert(&mut tolerance, p, Variant::Upstream, tolerance::rows(cs));
    }
    expected.insert(Variant::Upstream.key().into(), plain_rows(exact.iter()));
    (expected, tolerance)
}

/// Expected values and tolerances of one case.
pub fn build_case(spec: &CaseSpec) -> Case {
    let mut inputs = IndexMap::new();
    let models = models_for(&spec.inputs);
    let (expected, tolerance) = match &spec.inputs {
        Inputs::Loglik { x, means, log_scales } => loglik_case(*x, *means, *log_scales, &mut inputs, &models),
        Inputs::Continuous { x, means, log_scales } => {
            continuous_case((*x, *means, *log_scales), &mut inputs, &models)
        }
        Inputs::Cdf(z) => cdf_case(*z, &mut inputs, &models),
        Inputs::NormalKl(a) => normal_kl_case(*a, &mut inputs, &models),
        Inputs::NormalKlBroadcast(ops) => normal_kl_broadcast_case(ops, &mut inputs, &models),
        Inputs::MeanFlat { shape, data } => mean_flat_case(shape, data, &mut inputs, &models),
        Inputs::BetaSchedule { schedule, steps } => schedule_case(*schedule, *steps, &mut inputs, &models),
        Inputs::DerivedArray { schedule, steps, array } => {
            derived_case((*schedule, *steps, *array), &mut inputs, &models)
        }
        Inputs::Diffusion(call) => diffusion_case(call, &mut inputs, &models),
    };
    Case {
        id: spec.id.clone(),
        tags: spec.tags.clone(),
        reason: spec.reason.clone(),
        inputs,
        expected,
        tolerance,
    }
}

/// Elements per row of a `[B, ...]` tensor.
pub fn row_len(shape: &[usize]) -> usize {
    shape.iter().skip(1).product()
}

/// SHA-256 of the canonical JSON of every case's id and inputs (`provenance.inputs_sha256`).
pub fn inputs_checksum(cases: &[Case]) -> String {
    let mut hasher = Sha256::new();
    for c in cases {
        let line = serde_json::to_string(&(&c.id, &c.inputs)).expect("golden types always serialize");
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The exact constants of the formulas, by name.
fn constants(function: Function) -> IndexMap<String, String> {
    let pairs: &[(&str, &str)] = match function {
        Function::DiscretizedGaussianLogLikelihood => &[
            ("bin_half_width", "1/255"),
            ("prob_floor", "1e-12"),
            ("edge_threshold", "0.999"),
            ("tanh_sqrt_2_over_pi", "sqrt(2/pi)"),
            ("tanh_cubic", "0.044715"),
        ],
        Function::StandardNormalCdf => &[("tanh_sqrt_2_over_pi", "sqrt(2/pi)"), ("tanh_cubic", "0.044715")],
        Function::ContinuousGaussianLogLikelihood => &[("ln_sqrt_2pi", "ln(sqrt(2*pi))")],
        // The derived arrays are exact functions of the exact schedule: the same constants.
        Function::GetNamedBetaSchedule | Function::GaussianDiffusionArrays => &[
            ("linear_scale", "1000/T"),
            ("linear_beta_start", "1e-4"),
            ("linear_beta_end", "0.02"),
            ("cosine_offset", "0.008"),
            ("cosine_pi", "pi"),
            ("max_beta", "0.999"),
        ],
        // The schedule's constants (its file lists them) and the learned range's (v + 1) / 2.
        Function::QPosteriorMeanVariance => &[("schedule", "get_named_beta_schedule.json constants")],
        Function::PriorBpd => &[("schedule", "get_named_beta_schedule.json constants"), ("bits", "1/ln(2)")],
        // The decoder is the tanh log-likelihood's (its file lists those constants).
        Function::VbTermsBpd => &[
            ("schedule", "get_named_beta_schedule.json constants"),
            ("frac", "(v+1)/2"),
            ("decoder", "discretized_gaussian_log_likelihood.json tanh constants"),
            ("log_scales", "log_variance/2"),
            ("bits", "1/ln(2)"),
        ],
        Function::LearnedRangeLogVariance => {
            &[("schedule", "get_named_beta_schedule.json constants"), ("frac", "(v+1)/2")]
        }
        Function::NormalKl | Function::MeanFlat => &[],
    };
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Builds the golden file of `function`; `progress` is called once per finished case.
pub fn build(function: Function, git_commit: Option<String>, progress: &(dyn Fn() + Sync)) -> GoldenFile {
    let specs = catalog::cases(function, SEED);
    let cases: Vec<Case> = specs
        .par_iter()
        .map(|s| {
            let c = build_case(s);
            progress();
            c
        })
        .collect();
    GoldenFile {
        schema: SCHEMA.into(),
        function,
        provenance: Provenance {
            generator: format!("ddpm-golden {}", env!("CARGO_PKG_VERSION")),
            git_commit,
            reference: REFERENCE_POLICY.into(),
            error_model: ERROR_MODEL.into(),
            seed: SEED,
            inputs_sha256: inputs_checksum(&cases),
            case_count: cases.len(),
        },
        constants: constants(function),
        cases,
    }
}

/// The file's text: top-level fields pretty-printed, one case per line (small diffs, easy review).
pub fn to_text(file: &GoldenFile) -> String {
    let mut head = serde_json::to_value(GoldenFile { cases: Vec::new(), ..file.clone() })
        .expect("golden types always serialize");
    if let Some(obj) = head.as_object_mut() {
        obj.shift_remove("cases");
    }
    let head = serde_json::to_string_pretty(&head).expect("golden types always serialize");
    let mut out = String::with_capacity(file.cases.len() * 700);
    out.push_str(head.trim_end_matches('}').trim_end());
    out.push_str(",\n  \"cases\": [\n");
    for (i, c) in file.cases.iter().enumerate() {
        out.push_str("    ");
        out.push_str(&serde_json::to_string(c).expect("golden types always serialize"));
        out.push_str(if i + 1 < file.cases.len() { ",\n" } else { "\n" });
    }
    out.push_str("  ]\n}\n");
    out
}
