//! `ddpm-golden eval <function> --<input> <value> ...`: one point, every variant, both precisions.

use super::output::{note, out};
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use ddpm_golden::golden::json_number;
use ddpm_golden::golden::judge::judge_value;
use ddpm_golden::input::tensor_len;
use ddpm_golden::reference::{self, Variant};
use ddpm_golden::upstream::continuous::continuous_log_likelihood_point;
use ddpm_golden::upstream::loglik::{log_likelihood_point, Branch};
use ddpm_golden::upstream::mean_flat::mean_flat;
use ddpm_golden::upstream::normal_kl::normal_kl_point;
use ddpm_golden::{Cdf, Function, Real};
use ndarray::ArrayViewD;
use serde_json::{json, Value};
use std::process::ExitCode;

/// Arguments of `eval`. Inputs are rounded to f32 first (with a note when that changes them) so that
/// the f32 and f64 columns evaluate the same point, as a golden case does. Value flags take values
/// that start with a hyphen (`--z -inf`, `--z -nan`, `--z -1e-45`).
#[derive(Args)]
#[command(allow_negative_numbers = true)]
pub struct EvalArgs {
    /// The helper: normal_kl, mean_flat, standard_normal_cdf or discretized_gaussian_log_likelihood.
    #[arg(value_parser = parse_function)]
    function: Function,
    /// normal_kl: mean of the first Gaussian.
    #[arg(long, allow_hyphen_values = true)]
    mean1: Option<f64>,
    /// normal_kl: log-variance of the first Gaussian.
    #[arg(long, allow_hyphen_values = true)]
    logvar1: Option<f64>,
    /// normal_kl: mean of the second Gaussian.
    #[arg(long, allow_hyphen_values = true)]
    mean2: Option<f64>,
    /// normal_kl: log-variance of the second Gaussian.
    #[arg(long, allow_hyphen_values = true)]
    logvar2: Option<f64>,
    /// standard_normal_cdf: the point z.
    #[arg(long, allow_hyphen_values = true)]
    z: Option<f64>,
    /// discretized_gaussian_log_likelihood: the pixel value in [-1, 1].
    #[arg(long, allow_hyphen_values = true)]
    x: Option<f64>,
    /// discretized_gaussian_log_likelihood: the decoder mean.
    #[arg(long, allow_hyphen_values = true)]
    means: Option<f64>,
    /// discretized_gaussian_log_likelihood: the decoder log standard deviation.
    #[arg(long = "log-scales", alias = "log_scales", allow_hyphen_values = true)]
    log_scales: Option<f64>,
    /// mean_flat: the tensor shape, comma-separated (e.g. 2,3).
    #[arg(long, value_delimiter = ',')]
    shape: Option<Vec<usize>>,
    /// mean_flat: the tensor data in row-major order, comma-separated.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    data: Option<Vec<f64>>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

fn parse_function(name: &str) -> Result<Function, String> {
    // `eval` takes points of the helpers on float inputs; a schedule is a whole array (its golden file
    // and `verify` check it).
    let pointwise: Vec<Function> = Function::ALL.into_iter().filter(|f| f.has_float_inputs()).collect();
    pointwise.iter().copied().find(|f| f.name() == name).ok_or_else(|| {
        let names: Vec<_> = pointwise.iter().map(|f| f.name()).collect();
        format!("unknown function '{name}'; expected one of: {}", names.join(", "))
    })
}

impl EvalArgs {
    /// The scalar inputs given on the command line, by upstream name.
    fn scalars(&self) -> [(&'static str, Option<f64>); 8] {
        [
            ("mean1", self.mean1),
            ("logvar1", self.logvar1),
            ("mean2", self.mean2),
            ("logvar2", self.logvar2),
            ("z", self.z),
            ("x", self.x),
            ("means", self.means),
            ("log_scales", self.log_scales),
        ]
    }

    /// The inputs `function` takes, in its argument order, rounded to f32; errors name a missing or a
    /// foreign flag.
    fn point(&self) -> Result<Vec<(&'static str, f32)>> {
        let wanted = self.function.inputs();
        let given = self.scalars();
        for (name, value) in given {
            if value.is_some() && !wanted.contains(&name) {
                bail!("{} takes no --{}; its inputs are {}", self.function, flag(name), flags(wanted));
            }
        }
        let tensor_given = [("shape", self.shape.is_some()), ("data", self.data.is_some())];
        for (name, is_given) in tensor_given {
            if is_given && !wanted.contains(&name) {
                bail!("{} takes no --{name}; its inputs are {}", self.function, flags(wanted));
            }
        }
        let mut point = Vec::new();
        for &name in wanted.iter().filter(|n| !matches!(**n, "shape" | "data")) {
            let value = given
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, v)| *v)
                .with_context(|| format!("{} needs --{}", self.function, flag(name)))?;
            point.push((name, to_f32_noting(name, value)));
        }
        Ok(point)
    }
}

fn flag(name: &str) -> String {
    name.replace('_', "-")
}

fn flags(names: &[&str]) -> String {
    names.iter().map(|n| format!("--{}", flag(n))).collect::<Vec<_>>().join(", ")
}

/// Rounds an input to f32, saying so on stderr when the value changes (golden inputs are all f32).
fn to_f32_noting(name: &str, value: f64) -> f32 {
    let rounded = value as f32;
    if !value.is_nan() && f64::from(rounded) != value {
        note!(
            "note: {name} = {value} is not an f32; both precisions evaluate f32({name}) = {:e}",
            f64::from(rounded)
        );
    }
    rounded
}

/// One row of results: a variant (if the helper has any), a precision, the value and its branch.
struct Row {
    variant: Option<Cdf>,
    precision: &'static str,
    value: Vec<f64>,
    branch: Option<Branch>,
}

/// Evaluates the scalar helpers at `point` in precision `T`, once per applicable variant.
fn eval_scalar<T: Real>(function: Function, p: &[T]) -> Vec<Row> {
    let variants: Vec<Option<Cdf>> =
        if function.has_cdf_variants() { Cdf::ALL.iter().copied().map(Some).collect() } else { vec![None] };
    variants
        .into_iter()
        .map(|variant| {
            let cdf = variant.unwrap_or(Cdf::Erf);
            let (value, branch) = match function {
                Function::NormalKl => (normal_kl_point(p[0], p[1], p[2], p[3]), None),
                Function::StandardNormalCdf => (cdf.eval(p[0]), None),
                Function::DiscretizedGaussianLogLikelihood => {
                    (log_likelihood_point(p[0], p[1], p[2], cdf), Some(Branch::of(p[0])))
                }
                Function::ContinuousGaussianLogLikelihood => {
                    (continuous_log_likelihood_point(p[0], p[1], p[2]), None)
                }
                Function::MeanFlat
                | Function::GetNamedBetaSchedule
                | Function::GaussianDiffusionArrays
                | Function::QPosteriorMeanVariance
                | Function::LearnedRangeLogVariance
                | Function::PriorBpd
                | Function::VbTermsBpd => {
                    unreachable!(
                        "mean_flat is evaluated by eval_mean_flat; parse_function refuses the others"
                    )
                }
            };
            Row { variant, precision: T::NAME, value: vec![value.as_f64()], branch }
        })
        .collect()
}

/// Evaluates `mean_flat` on the given tensor in precision `T`.
fn eval_mean_flat<T: Real>(shape: &[usize], data: &[T]) -> Result<Row> {
    let view = ArrayViewD::from_shape(shape, data).context("mean_flat: --shape and --data disagree")?;
    let means = mean_flat(view)?;
    Ok(Row {
        variant: None,
        precision: T::NAME,
        value: means.iter().map(|v| v.as_f64()).collect(),
        branch: None,
    })
}

/// The exact value(s) of one variant (the whole helper when it has none), or why there are none.
struct ExactRow {
    variant: Option<Cdf>,
    values: Result<Vec<reference::Exact>, String>,
    branch: Option<Branch>,
    clamped: Option<bool>,
}

/// The reference's answer for `function` at `p` (f32 inputs widened exactly).
fn exact_row(function: Function, variant: Option<Cdf>, p: &[f64], data: &[f64], shape: &[usize]) -> ExactRow {
    let which = match variant {
        Some(Cdf::Tanh) => Variant::Tanh,
        _ => Variant::Gaussian,
    };
    let mut row = ExactRow { variant, values: Err(String::new()), branch: None, clamped: None };
    let one = |r: Result<reference::Exact, ddpm_golden::Error>| r.map(|e| vec![e]).map_err(|e| e.to_string());
    row.values = match function {
        Function::NormalKl => one(reference::normal_kl(p[0], p[1], p[2], p[3])),
        Function::StandardNormalCdf => match which {
            Variant::Tanh => one(reference::tanh_cdf(p[0])),
            Variant::Gaussian => one(reference::phi(p[0])),
        },
        Function::DiscretizedGaussianLogLikelihood => {
            match reference::discretized_gaussian_log_likelihood(p[0], p[1], p[2], which) {
                Ok(r) => {
                    row.branch = Some(r.branch);
                    row.clamped = Some(r.clamped);
                    Ok(vec![r.value])
                }
                Err(e) => Err(e.to_string()),
            }
        }
        Function::ContinuousGaussianLogLikelihood => {
            one(reference::continuous_gaussian_log_likelihood(p[0], p[1], p[2]))
        }
        Function::MeanFlat => {
            let n = shape.iter().skip(1).product::<usize>().max(1);
            data.chunks(n)
                .take(shape.first().copied().unwrap_or(0))
                .map(|r| reference::mean_flat_row(r).map_err(|e| e.to_string()))
                .collect()
        }
        Function::GetNamedBetaSchedule
        | Function::GaussianDiffusionArrays
        | Function::QPosteriorMeanVariance
        | Function::LearnedRangeLogVariance
        | Function::PriorBpd
        | Function::VbTermsBpd => {
            Err("parse_function refuses schedules, derived arrays and diffusion methods".into())
        }
    };
    row
}

/// Runs `eval`: prints the table (or JSON) and exits 0, or returns an error for unusable arguments.
pub fn run(args: &EvalArgs) -> Result<ExitCode> {
    let point = args.point()?;
    let mut inputs = serde_json::Map::new();
    let (mut shape, mut data64, mut p64) = (Vec::new(), Vec::new(), Vec::new());
    let rows = if args.function == Function::MeanFlat {
        shape = args.shape.clone().context("mean_flat needs --shape (e.g. --shape 2,3)")?;
        let data = args.data.as_ref().context("mean_flat needs --data (comma-separated values)")?;
        let expected = tensor_len(&shape).map_err(|p| anyhow!("mean_flat: --shape {p}"))?;
        if data.len() != expected {
            let got = data.len();
            return Err(ddpm_golden::Error::DataLength { function: "mean_flat", shape, expected, got }.into());
        }
        let data32: Vec<f32> = data.iter().map(|&v| to_f32_noting("data", v)).collect();
        data64 = data32.iter().map(|&v| f64::from(v)).collect();
        inputs.insert("shape".into(), json!(shape));
        inputs.insert("data".into(), Value::Array(data64.iter().map(|&v| json_number::encode(v)).collect()));
        vec![eval_mean_flat(&shape, &data32)?, eval_mean_flat(&shape, &data64)?]
    } else {
        let p32: Vec<f32> = point.iter().map(|&(_, v)| v).collect();
        p64 = p32.iter().map(|&v| f64::from(v)).collect();
        for (name, v) in &point {
            inputs.insert((*name).into(), json_number::encode(f64::from(*v)));
        }
        let mut rows = eval_scalar(args.function, &p32);
        rows.extend(eval_scalar(args.function, &p64));
        rows.sort_by_key(|r| r.variant.map(|v| v.name()));
        rows
    };
    let variants: Vec<Option<Cdf>> = if args.function.has_cdf_variants() {
        Cdf::ALL.iter().copied().map(Some).collect()
    } else {
        vec![None]
    };
    let exact: Vec<ExactRow> =
        variants.iter().map(|&v| exact_row(args.function, v, &p64, &data64, &shape)).collect();
    let exact_of =
        |v: Option<Cdf>| exact.iter().find(|e| e.variant == v).and_then(|e| e.values.as_ref().ok());
    // Error of each fast value against the exact value of the variant it implements.
    let errors = |r: &Row| -> Vec<(f64, f64)> {
        let bits = if r.precision == "f32" { 24 } else { 53 };
        match exact_of(r.variant) {
            Some(ex) => r
                .value
                .iter()
                .zip(ex)
                .map(|(&got, e)| {
                    let v = judge_value(e.value, 0.0, got, bits);
                    (v.abs_err, v.ulps)
                })
                .collect(),
            None => Vec::new(),
        }
    };
    if args.json {
        let exact_json: Vec<Value> = exact
            .iter()
            .map(|e| {
                let (value, digits, error) = match &e.values {
                    Ok(vals) if args.function == Function::MeanFlat => (
                        Value::Array(vals.iter().map(|x| json_number::encode(x.value)).collect()),
                        json!(vals.iter().map(|x| x.digits.clone()).collect::<Vec<_>>()),
                        Value::Null,
                    ),
                    Ok(vals) => (json_number::encode(vals[0].value), json!(vals[0].digits), Value::Null),
                    Err(msg) => (Value::Null, Value::Null, json!(msg)),
                };
                json!({
                    "variant": e.variant.map(|v| v.name()),
                    "value": value,
                    "digits": digits,
                    "branch": e.branch.map(|b| b.name()),
                    "clamped": e.clamped,
                    "error": error,
                })
            })
            .collect();
        let results: Vec<Value> = rows
            .iter()
            .map(|r| {
                let value = match r.value.as_slice() {
                    [one] if args.function != Function::MeanFlat => json_number::encode(*one),
                    many => Value::Array(many.iter().map(|&v| json_number::encode(v)).collect()),
                };
                let errs = errors(r);
                json!({
                    "variant": r.variant.map(|v| v.name()),
                    "precision": r.precision,
                    "value": value,
                    "branch": r.branch.map(|b| b.name()),
                    "abs_error": errs.iter().map(|e| json_number::encode(e.0)).collect::<Vec<_>>(),
                    "ulps": errs.iter().map(|e| json_number::encode(e.1)).collect::<Vec<_>>(),
                })
            })
            .collect();
        let out = json!({ "function": args.function.name(), "inputs": inputs, "exact": exact_json, "results": results });
        out!("{}", serde_json::to_string_pretty(&out)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let described: Vec<String> = inputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    out!("{}({})", args.function, described.join(", "))?;
    out!("exact (arbitrary precision, correctly rounded to f64; 40 significant digits):")?;
    for e in &exact {
        let label = e.variant.map_or("-", |v| v.name());
        let facts = match (e.branch, e.clamped) {
            (Some(b), Some(c)) => format!("  [{}{}]", b.name(), if c { ", clamped at 1e-12" } else { "" }),
            _ => String::new(),
        };
        match &e.values {
            Ok(vals) => {
                for x in vals {
                    out!("  {label:<6} {:<24} {}{facts}", format_in("f64", x.value), x.digits)?;
                }
            }
            Err(msg) => out!("  {label:<6} unavailable: {msg}")?,
        }
    }
    out!("{:<8} {:<9} {:<11} {:<26} {:<12} ulps", "variant", "precision", "branch", "value", "abs error")?;
    for r in &rows {
        let errs = errors(r);
        for (i, &v) in r.value.iter().enumerate() {
            let (abs, ulps) = errs.get(i).map_or(("-".to_string(), "-".to_string()), |e| {
                (format!("{:.2e}", e.0), format!("{:.3}", e.1))
            });
            out!(
                "{:<8} {:<9} {:<11} {:<26} {:<12} {}",
                r.variant.map_or("-", |v| v.name()),
                r.precision,
                r.branch.map_or("-", |b| b.name()),
                format_in(r.precision, v),
                abs,
                ulps
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Shortest round-trip decimal of `v` in its own precision (an f32 result printed as f32), in
/// scientific notation outside [1e-4, 1e16) so tiny probabilities stay readable.
fn format_in(precision: &str, v: f64) -> String {
    let plain = v == 0.0 || !v.is_finite() || (1e-4..1e16).contains(&v.abs());
    match (precision, plain) {
        ("f32", true) => format!("{}", v as f32),
        ("f32", false) => format!("{:e}", v as f32),
        (_, true) => format!("{v}"),
        (_, false) => format!("{v:e}"),
    }
}
