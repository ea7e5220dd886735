//! Building golden files: catalog inputs -> exact expected values (reference) -> tolerances (error
//! model) -> JSON text, deterministically (byte-identical on every run and machine) and in parallel.

use crate::functions::{Precision, Variant};
use crate::golden::catalog::{self, CaseSpec, Data, Inputs};
use crate::golden::error_model::{self, KlFacts, LoglikFacts, Model};
use crate::golden::format::{
    Alternative, Bound, Case, Digits, Expected, GoldenFile, Input, Provenance, Tolerance, Unconstrained,
    Values, SCHEMA,
};
use crate::golden::json_number::JsonF64;
use crate::reference;
use crate::upstream::loglik::Branch;
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
pub const ERROR_MODEL: &str = "docs/error-model.md v1: first-order forward error bound of the upstream \
     algorithm from exact intermediates; +-*/ correctly rounded; exp, log, erf, tanh within 4 ulps; constants \
     rounded to the precision; bound doubled";

fn one(e: &reference::Exact) -> (Values, Digits) {
    (Values::One(JsonF64(e.value)), Digits::One(e.digits.clone()))
}

fn tolerance_of(bound: error_model::Bound) -> Tolerance {
    match bound {
        error_model::Bound::Abs(a) => {
            Tolerance::Bound(Bound { abs: Values::One(JsonF64(a)), alternative: None })
        }
        error_model::Bound::Unconstrained => Tolerance::Unconstrained(Unconstrained::Unconstrained),
    }
}

fn variant_of(cdf: Cdf) -> reference::Variant {
    match cdf {
        Cdf::Erf => reference::Variant::Gaussian,
        Cdf::Tanh => reference::Variant::Tanh,
    }
}

/// The branch precision `p` takes for `x` (its own rounding of 0.999).
fn branch_in(p: &Model, x: f32) -> Branch {
    if p.precision == Precision::F32 {
        Branch::of(x)
    } else {
        Branch::of(f64::from(x))
    }
}

/// The log-likelihood bound for one precision and variant (`bound` is the variant's error model, `cdf`
/// the CDF its expected value uses), with the alternative branch when the precision's comparison
/// disagrees with the exact one.
fn loglik_tolerance(
    p: &Model,
    cdf: Cdf,
    bound: &dyn Fn(&LoglikFacts) -> error_model::Bound,
    (x, means, log_scales): (f32, f32, f32),
    exact: &reference::LoglikExact,
) -> Tolerance {
    let facts = |branch, r: &reference::LoglikExact| LoglikFacts {
        x: x.into(),
        mean: means.into(),
        log_scale: log_scales.into(),
        branch,
        log_prob: r.log_prob_unclamped.value,
        expected: r.value.value,
    };
    let mut tol = tolerance_of(bound(&facts(exact.branch, exact)));
    let own = branch_in(p, x);
    if own != exact.branch {
        let alt = reference::log_likelihood_in_branch(
            x.into(),
            means.into(),
            log_scales.into(),
            variant_of(cdf),
            own,
        )
        .expect("catalog inputs are inside the reference's domain");
        let abs = match bound(&facts(own, &alt)) {
            error_model::Bound::Abs(a) => Some(JsonF64(a)),
            error_model::Bound::Unconstrained => None,
        };
        let alternative =
            Alternative { branch: own, value: JsonF64(alt.value.value), digits: alt.value.digits, abs };
        tol = match tol {
            Tolerance::Bound(b) => Tolerance::Bound(Bound { alternative: Some(alternative), ..b }),
            // An unconstrained primary already admits anything.
            free => free,
        };
    }
    tol
}

/// Expected values and tolerances of one case.
pub fn build_case(spec: &CaseSpec) -> Case {
    let mut inputs = IndexMap::new();
    let mut expected = IndexMap::new();
    let mut tolerance: IndexMap<String, IndexMap<String, Tolerance>> = IndexMap::new();
    let precisions = Model::both();
    match &spec.inputs {
        Inputs::Loglik { x, means, log_scales } => {
            for (name, v) in [("x", x), ("means", means), ("log_scales", log_scales)] {
                inputs.insert(name.to_string(), Input::Scalar(JsonF64((*v).into())));
            }
            for cdf in Cdf::ALL {
                let r = reference::discretized_gaussian_log_likelihood(
                    (*x).into(),
                    (*means).into(),
                    (*log_scales).into(),
                    variant_of(cdf),
                )
                .expect("catalog inputs are inside the reference's domain");
                let point = (*x, *means, *log_scales);
                for p in &precisions {
                    let upstream = |f: &LoglikFacts| error_model::loglik_bound(p, cdf, f);
                    let t = loglik_tolerance(p, cdf, &upstream, point, &r);
                    tolerance
                        .entry(p.precision.name().to_string())
                        .or_default()
                        .insert(Variant::of_cdf(cdf).key().into(), t);
                    if cdf == Cdf::Erf {
                        // The stable variant means the true Gaussian: judged against the erf expected value.
                        let stable = |f: &LoglikFacts| error_model::stable_loglik_bound(p, f);
                        let t = loglik_tolerance(p, cdf, &stable, point, &r);
                        tolerance
                            .entry(p.precision.name().to_string())
                            .or_default()
                            .insert(Variant::Stable.key().into(), t);
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
        }
        Inputs::Cdf(z) => {
            inputs.insert("z".into(), Input::Scalar(JsonF64((*z).into())));
            for cdf in Cdf::ALL {
                let r = match cdf {
                    Cdf::Erf => reference::phi((*z).into()),
                    Cdf::Tanh => reference::tanh_cdf((*z).into()),
                }
                .expect("catalog inputs are inside the reference's domain");
                for p in &precisions {
                    let t = tolerance_of(error_model::cdf_bound(p, cdf, (*z).into(), r.value));
                    tolerance
                        .entry(p.precision.name().to_string())
                        .or_default()
                        .insert(Variant::of_cdf(cdf).key().into(), t);
                }
                let (value, digits) = one(&r);
                expected.insert(
                    Variant::of_cdf(cdf).key().into(),
                    Expected { value, digits, branch: None, clamped: None, log_prob_unclamped: None },
                );
            }
        }
        Inputs::NormalKl(a) => {
            for (name, v) in ["mean1", "logvar1", "mean2", "logvar2"].iter().zip(a) {
                inputs.insert(name.to_string(), Input::Scalar(JsonF64((*v).into())));
            }
            let [m1, l1, m2, l2] = a.map(f64::from);
            let r = reference::normal_kl(m1, l1, m2, l2)
                .expect("catalog inputs are inside the reference's domain");
            for p in &precisions {
                let facts = KlFacts { mean1: m1, logvar1: l1, mean2: m2, logvar2: l2, expected: r.value };
                let t = tolerance_of(error_model::normal_kl_bound(p, &facts));
                tolerance
                    .entry(p.precision.name().to_string())
                    .or_default()
                    .insert(Variant::Upstream.key().into(), t);
                let t = tolerance_of(error_model::stable_normal_kl_bound(p, &facts));
                tolerance
                    .entry(p.precision.name().to_string())
                    .or_default()
                    .insert(Variant::Stable.key().into(), t);
            }
            let (value, digits) = one(&r);
            expected.insert(
                Variant::Upstream.key().into(),
                Expected { value, digits, branch: None, clamped: None, log_prob_unclamped: None },
            );
        }
        Inputs::MeanFlat { shape, data } => {
            inputs.insert("shape".into(), Input::Shape(shape.clone()));
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
                .map(|row| {
                    reference::mean_flat_row(row).expect("catalog inputs are inside the reference's domain")
                })
                .collect();
            for p in &precisions {
                let mut abs = Vec::new();
                let mut free = false;
                for (row, e) in rows.iter().zip(&exact) {
                    match error_model::mean_bound(p, row, e.value) {
                        error_model::Bound::Abs(a) => abs.push(JsonF64(a)),
                        error_model::Bound::Unconstrained => free = true,
                    }
                }
                let t = if free {
                    Tolerance::Unconstrained(Unconstrained::Unconstrained)
                } else {
                    Tolerance::Bound(Bound { abs: Values::Rows(abs), alternative: None })
                };
                tolerance
                    .entry(p.precision.name().to_string())
                    .or_default()
                    .insert(Variant::Upstream.key().into(), t);
            }
            expected.insert(
                Variant::Upstream.key().into(),
                Expected {
                    value: Values::Rows(exact.iter().map(|e| JsonF64(e.value)).collect()),
                    digits: Digits::Rows(exact.iter().map(|e| e.digits.clone()).collect()),
                    branch: None,
                    clamped: None,
                    log_prob_unclamped: None,
                },
            );
        }
    }
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
