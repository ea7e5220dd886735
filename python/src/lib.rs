//! `ddpm_golden._native`: the committed golden files compiled in, and the Rust library's reading, judging
//! and reporting (`ddpm_golden::verify`) exposed to the pure-Python part of the package; also the fused
//! kernels on memory NumPy owns (`kernels.rs`, for `ddpm_golden.kernels`). Python evaluates
//! a port on the cases and hands back an outputs document; whether a value is admissible is decided here,
//! by the same code as `ddpm-golden verify`, never in Python.

use ddpm_golden::functions::{Function, Precision};
use ddpm_golden::golden::catalog::Inputs;
use ddpm_golden::golden::evaluate::case_inputs;
use ddpm_golden::golden::format::{Case, GoldenFile, Input};
use ddpm_golden::golden::json_number::encode;
use ddpm_golden::golden::judge::values;
use ddpm_golden::upstream::derived::DerivedArray;
use ddpm_golden::upstream::schedule::Schedule;
use ddpm_golden::verify::{parse_outputs, read_golden, verify, CaseVerdict, Outputs, Report, Specials};
use ddpm_golden::Error;
use indexmap::IndexMap;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

mod kernels;

pyo3::create_exception!(
    ddpm_golden,
    UsageError,
    PyValueError,
    "Options, a function or a file that cannot be used: no verdict (the CLI's exit code 2)."
);

/// The committed golden file of `function`, compiled into the extension: the wheel carries the exact
/// files this verifier was built and tested with, and no package-data path can go missing or stale.
fn embedded(function: Function) -> &'static str {
    match function {
        Function::NormalKl => include_str!("../../golden/normal_kl.json"),
        Function::MeanFlat => include_str!("../../golden/mean_flat.json"),
        Function::StandardNormalCdf => include_str!("../../golden/standard_normal_cdf.json"),
        Function::DiscretizedGaussianLogLikelihood => {
            include_str!("../../golden/discretized_gaussian_log_likelihood.json")
        }
        Function::ContinuousGaussianLogLikelihood => {
            include_str!("../../golden/continuous_gaussian_log_likelihood.json")
        }
        Function::GetNamedBetaSchedule => include_str!("../../golden/get_named_beta_schedule.json"),
        Function::GaussianDiffusionArrays => include_str!("../../golden/gaussian_diffusion_arrays.json"),
        Function::QPosteriorMeanVariance => include_str!("../../golden/q_posterior_mean_variance.json"),
        Function::LearnedRangeLogVariance => include_str!("../../golden/learned_range_log_variance.json"),
        Function::PriorBpd => include_str!("../../golden/prior_bpd.json"),
        Function::VbTermsBpd => include_str!("../../golden/vb_terms_bpd.json"),
    }
}

fn usage(message: impl Into<String>) -> PyErr {
    UsageError::new_err(message.into())
}

/// A library error as a [`UsageError`]; for an unusable field, `field: problem` (the caller names the
/// options or file it came from).
fn unusable(e: Error) -> PyErr {
    match e {
        Error::Unusable { field, problem, .. } => usage(format!("{field}: {problem}")),
        other => usage(other.to_string()),
    }
}

fn function_named(name: &str) -> PyResult<Function> {
    Function::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = Function::ALL.iter().map(|f| f.name()).collect();
        usage(format!("function: unknown helper {name:?}; one of {}", known.join(", ")))
    })
}

/// The embedded golden file of `function`, read (and validated) once per process.
fn golden(function: Function) -> PyResult<&'static GoldenFile> {
    static CACHE: [OnceLock<GoldenFile>; Function::ALL.len()] =
        [const { OnceLock::new() }; Function::ALL.len()];
    let slot = &CACHE[Function::ALL.iter().position(|&f| f == function).unwrap_or_default()];
    if let Some(file) = slot.get() {
        return Ok(file);
    }
    let name = format!("golden/{}.json (embedded)", function.name());
    let file = read_golden(&name, embedded(function)).map_err(|e| usage(e.to_string()))?;
    Ok(slot.get_or_init(|| file))
}

/// `golden` restricted to the cases `keep` selects (the cases a port was evaluated on).
fn subset(golden: &GoldenFile, keep: impl Fn(&Case) -> bool) -> GoldenFile {
    let mut part = golden.clone();
    part.cases.retain(keep);
    part
}

/// The table Python validates options against: every helper with its input names, and the precisions
/// the golden files carry.
#[pyfunction]
fn table() -> (Vec<(&'static str, Vec<&'static str>)>, Vec<&'static str>) {
    let functions = Function::ALL.iter().map(|f| (f.name(), f.inputs().to_vec())).collect();
    (functions, Precision::ALL.iter().map(|p| p.name()).collect())
}

/// Checks `precision` and `variant` for `function` exactly as an outputs file's fields are checked, and
/// returns the variant's golden key (`None` is accepted where the helper has no CDF variants).
#[pyfunction]
#[pyo3(signature = (function, precision, variant=None))]
fn resolve(function: &str, precision: &str, variant: Option<&str>) -> PyResult<String> {
    let golden = subset(golden(function_named(function)?)?, |_| false);
    let mut document = json!({"precision": precision, "outputs": {}});
    if let Some(v) = variant {
        document["variant"] = json!(v);
    }
    let outputs = parse_outputs("options", &document.to_string(), &golden).map_err(unusable)?;
    Ok(outputs.variant.key().to_string())
}

/// One input of every case: its upstream name, each case's shape (`[]` for a scalar) and the values, case
/// after case (as little-endian f32 bytes for Python: every golden input is exact in f32).
type Column<Values> = (&'static str, Vec<Vec<usize>>, Values);

/// Ids, families and input columns of every case.
type Cases<'py> = (Vec<String>, Vec<String>, Vec<Column<Bound<'py, PyBytes>>>);

/// Every case of `function`: ids, families (`tags[0]`) and one column per input (`tensor` for
/// `mean_flat`, whose cases are tensors with recipes expanded; `normal_kl`'s broadcast cases give each
/// argument its own shape, `[]` for a 0-d scalar that upstream passes as a Python float).
#[pyfunction]
fn cases<'py>(py: Python<'py>, function: &str) -> PyResult<Cases<'py>> {
    let function = function_named(function)?;
    let golden = golden(function)?;
    let mut columns: Vec<Column<Vec<u8>>> = Vec::new();
    for case in &golden.cases {
        let inputs = case_inputs(function, case).map_err(|e| usage(e.to_string()))?;
        let named: Vec<Column<Vec<f32>>> = match inputs {
            // One case: a one-element column per input, or the case's tensor.
            Inputs::MeanFlat { shape, data } => vec![("tensor", vec![shape], data.values())],
            Inputs::NormalKlBroadcast(ops) => {
                function.inputs().iter().zip(ops).map(|(n, o)| (*n, vec![o.shape], o.data)).collect()
            }
            // The schedule's name as its index in `schedule_names()`, the step count as a number (exact in
            // f32 up to 2^24 steps).
            Inputs::BetaSchedule { schedule, steps } => schedule_columns(schedule, steps),
            // The derived array's name as its index in `array_names()`.
            Inputs::DerivedArray { schedule, steps, array } => {
                let index = DerivedArray::ALL.iter().position(|&a| a == array).unwrap_or_default();
                let mut named = schedule_columns(schedule, steps);
                named.push(("array", vec![Vec::new()], vec![index as f32]));
                named
            }
            // A method of GaussianDiffusion: the schedule as above, the tensors with their shape, `t` as
            // a [B] column of whole steps (exact in f32).
            Inputs::Diffusion(call) => {
                let mut named = schedule_columns(call.schedule, call.steps);
                let mut tensors = call.tensors.into_iter();
                // After schedule_name and num_diffusion_timesteps: `t` and the tensors, in the table's order.
                named.extend(function.inputs().iter().skip(2).map(|&name| match name {
                    "t" => (name, vec![vec![call.t.len()]], call.t.iter().map(|&t| t as f32).collect()),
                    _ => (name, vec![call.shape.clone()], tensors.next().unwrap_or_default()),
                }));
                named
            }
            scalars => {
                scalars.named_scalars().into_iter().map(|(n, v)| (n, vec![Vec::new()], vec![v])).collect()
            }
        };
        if columns.is_empty() {
            columns = named.iter().map(|(n, _, _)| (*n, Vec::new(), Vec::new())).collect();
        }
        for ((_, shapes, bytes), (_, shape, data)) in columns.iter_mut().zip(named) {
            shapes.extend(shape);
            bytes.extend(data.iter().flat_map(|v| v.to_le_bytes()));
        }
    }
    let ids = golden.cases.iter().map(|c| c.id.clone()).collect();
    let families = golden.cases.iter().map(family).collect();
    let columns =
        columns.into_iter().map(|(n, shapes, bytes)| (n, shapes, PyBytes::new(py, &bytes))).collect();
    Ok((ids, families, columns))
}

/// A schedule's columns: its name as its index in `schedule_names()`, the step count as a number.
fn schedule_columns(schedule: Schedule, steps: u32) -> Vec<Column<Vec<f32>>> {
    let index = Schedule::ALL.iter().position(|&s| s == schedule).unwrap_or_default();
    vec![
        ("schedule_name", vec![Vec::new()], vec![index as f32]),
        ("num_diffusion_timesteps", vec![Vec::new()], vec![steps as f32]),
    ]
}

/// The names of `GaussianDiffusion`'s derived arrays, in the order `cases` indexes them.
#[pyfunction]
fn array_names() -> Vec<&'static str> {
    DerivedArray::ALL.iter().map(|a| a.name()).collect()
}

/// The schedule names `get_named_beta_schedule` takes, in the order `cases` indexes them.
#[pyfunction]
fn schedule_names() -> Vec<&'static str> {
    Schedule::ALL.iter().map(|s| s.name()).collect()
}

fn family(case: &Case) -> String {
    case.tags.first().cloned().unwrap_or_default()
}

/// Judges an outputs document (the format `ddpm-golden verify` reads) on the cases `ids` of `function`'s
/// golden file (the cases the port was evaluated on) and returns the report as JSON: the verdict, counts
/// per family, and every failure with its inputs, value, expected value and tolerance. Refused as
/// `ddpm-golden verify` refuses it (a [`UsageError`]) when nothing is judged.
#[pyfunction]
fn judge(function: &str, outputs: &str, ids: Vec<String>) -> PyResult<String> {
    let function = function_named(function)?;
    let full = golden(function)?;
    let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let golden = subset(full, |c| wanted.contains(c.id.as_str()));
    if golden.cases.len() != wanted.len() {
        let unknown = ids.iter().find(|id| !golden.cases.iter().any(|c| &c.id == *id));
        return Err(usage(format!("ids: {unknown:?} is not a case of {function}")));
    }
    let outputs = parse_outputs("outputs", outputs, &golden).map_err(unusable)?;
    let report = verify(&golden, &outputs, Specials::Strict).map_err(unusable)?;
    Ok(report_json(&golden, &outputs, &report).to_string())
}

fn report_json(golden: &GoldenFile, outputs: &Outputs, report: &Report) -> Value {
    let mut cases_per_family: IndexMap<String, usize> = IndexMap::new();
    for case in &golden.cases {
        *cases_per_family.entry(family(case)).or_default() += 1;
    }
    // "judged": every case a verdict covers (an error bound and an interval, or the interval only);
    // "interval_only" the latter; "not_applicable": inputs not exact in the half type asked for.
    let families: Map<String, Value> = cases_per_family
        .into_iter()
        .map(|(fam, cases)| {
            let c = report.families.get(&fam).cloned().unwrap_or_default();
            let counts = json!({
                "cases": cases, "judged": c.judged + c.interval_only, "interval_only": c.interval_only,
                "unconstrained": c.unconstrained, "not_applicable": c.not_applicable, "failed": c.failed,
            });
            (fam, counts)
        })
        .collect();
    let by_id: HashMap<&str, &Case> = golden.cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let failures: Vec<Value> = report
        .failures
        .iter()
        .filter_map(|f| by_id.get(f.id.as_str()).map(|case| failure_json(golden, outputs, case, f)))
        .collect();
    json!({
        "function": golden.function.name(),
        "implementation": outputs.implementation,
        "precision": outputs.precision.name(),
        "variant": outputs.variant.key(),
        "passed": report.failures.is_empty(),
        "judged": report.judged,
        "failed": report.failures.len(),
        "families": families,
        "worst": report.worst.as_ref().map(|w| json!({"id": w.id, "tol_units": encode(w.verdict.tol_units)})),
        "failures": failures,
        "golden": {
            "generator": golden.provenance.generator,
            "git_commit": golden.provenance.git_commit,
            "inputs_sha256": golden.provenance.inputs_sha256,
        },
    })
}

/// One failure with everything needed to read it without the golden file: the case's inputs (long
/// tensors summarised), the values, the expected values and the tolerance as the golden file states it.
fn failure_json(golden: &GoldenFile, outputs: &Outputs, case: &Case, f: &CaseVerdict) -> Value {
    let inputs: Map<String, Value> = case
        .inputs
        .iter()
        .map(|(name, input)| {
            let shown = match input {
                Input::Data(v) if v.len() > 8 => json!(format!("[{} values]", v.len())),
                Input::Recipe(r) => json!(format!("[{} values from {}]", r.len, r.generator)),
                other => serde_json::to_value(other).unwrap_or(Value::Null),
            };
            (name.clone(), shown)
        })
        .collect();
    let expected = case.expected_for(golden.function, outputs.variant).map(|e| values(&e.value));
    let tolerance = case.tolerance_for(outputs.precision, outputs.variant);
    json!({
        "id": f.id,
        "family": f.family,
        "inputs": inputs,
        "got": f.got.iter().map(|&v| encode(v)).collect::<Vec<_>>(),
        "expected": expected.unwrap_or_default().into_iter().map(encode).collect::<Vec<_>>(),
        "tolerance": serde_json::to_value(tolerance).unwrap_or(Value::Null),
        "abs_err": encode(f.verdict.abs_err),
        "ulps": encode(f.verdict.ulps),
        "tol_units": encode(f.verdict.tol_units),
    })
}

/// The extension module: golden files, option checks, the judge and the kernels, for the `ddpm_golden`
/// package.
#[pymodule]
mod _native {
    #[pymodule_export]
    use super::kernels::kernel;
    #[pymodule_export]
    use super::{array_names, cases, judge, resolve, schedule_names, table, UsageError};
}
