//! Issue 14 (verifier v2), one test per item: every case constrains (admissible intervals, classes and
//! their counts), version-1 files refused, the special family and `--specials report`, the new cases
//! (odd-length rows, 0-d and broadcast `normal_kl` arguments through verify's and export's contract),
//! and half precision (the outputs contract in f16/bf16). The mutants' kill counts are in
//! tests/mutants.rs, the fast implementations in every precision in tests/golden.rs.

// Shared with tests/hardening.rs and tests/adversarial.rs, which use the helpers this file does not.
#[allow(dead_code)]
mod support;

use ddpm_golden::functions::{Precision, Variant};
use ddpm_golden::golden::catalog::{FAMILIES, SPECIAL};
use ddpm_golden::golden::evaluate::{case_inputs, eval_fast};
use ddpm_golden::golden::format::{GoldenFile, Tolerance};
use ddpm_golden::golden::json_number::encode;
use ddpm_golden::golden::judge::{intervals, judge, Class};
use ddpm_golden::{Cdf, Function, Real};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use support::{check_contract, correct_outputs, load, run, scratch, write, Outcome};

fn dir() -> PathBuf {
    scratch("verify-v2")
}

fn verify_with(golden: &Path, outputs: &Value, name: &str, extra: &[&str]) -> Outcome {
    let path = write(&dir(), name, &outputs.to_string());
    let mut args: Vec<&std::ffi::OsStr> = vec!["verify".as_ref(), golden.as_os_str(), path.as_os_str()];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    run(&args)
}

/// `ln` of `precision`'s rounding of 1e-12, the lowest value a log-likelihood with finite inputs can take.
fn ln_floor(precision: Precision) -> f64 {
    precision.round(1e-12).ln()
}

#[test]
fn item_1_every_finite_log_likelihood_lies_in_ln_clamp_to_zero_and_is_constrained() {
    let (file, _) = load(Function::DiscretizedGaussianLogLikelihood);
    for case in &file.cases {
        let inputs = case_inputs(file.function, case).unwrap();
        if inputs.is_special() {
            continue;
        }
        for (precision, by_variant) in &case.tolerance {
            let p = Precision::from_name(precision).unwrap();
            for (variant, t) in by_variant {
                let Tolerance::Bound(b) = t else {
                    // Only where NaN is possible: exp(-log_scales) overflowing and x - means = -+h.
                    assert_eq!(p, Precision::F16, "{} {precision} {variant}: unconstrained", case.id);
                    continue;
                };
                let [lo, hi] = intervals(&b.interval)[0].expect("finite inputs, a number");
                // The log's own error (a few units of the precision's rounding) widens ln(floor) = -27.6.
                let slack = 32.0 * libm::ldexp(1.0, -p.bits()) * 28.0;
                assert!(
                    lo.0 >= ln_floor(p) - slack && hi.0 <= 0.0,
                    "{} {precision} {variant}: [{lo:?}, {hi:?}]",
                    case.id
                );
            }
        }
    }
}

#[test]
fn item_1_a_value_outside_the_interval_fails_whatever_else_holds() {
    let (file, _) = load(Function::DiscretizedGaussianLogLikelihood);
    let tolerance = |id: &str| {
        let case = file.cases.iter().find(|c| c.id == id).unwrap();
        (
            case.expected_for(file.function, Variant::Erf).unwrap().clone(),
            case.tolerance_for(Precision::F32, Variant::Erf).unwrap().clone(),
        )
    };
    // Interval-only: the far tail, pinned at the clamp (the 1e-7 floor of a real port gives -16.118).
    let (e, t) = tolerance("tail/near-zero/z=8/log_scale=-4");
    let ln_floor = f64::from(f32::PROB_FLOOR).ln();
    for (got, pass) in [
        (ln_floor, true),
        (-16.118, false),
        (f64::NAN, false),
        (f64::INFINITY, false),
        (1e30, false),
        (0.5, false),
        (f64::NEG_INFINITY, false),
    ] {
        let v = judge(&e, &t, &[got], Precision::F32)[0];
        assert_eq!((v.pass, v.class), (pass, Class::IntervalOnly), "{got}: {v:?}");
        assert_eq!(v.outside, !pass);
    }
    // Judged: within the abs bound but outside the interval fails (a case whose interval is narrower
    // than the abs band on one side, as the clamp and the saturated tails make it).
    let narrower = file.cases.iter().find_map(|case| {
        let e = case.expected_for(file.function, Variant::Erf)?;
        let Tolerance::Bound(b) = case.tolerance_for(Precision::F32, Variant::Erf)? else { return None };
        let abs = ddpm_golden::golden::judge::values(b.abs.as_ref()?)[0];
        let expected = ddpm_golden::golden::judge::values(&e.value)[0];
        let [lo, _] = intervals(&b.interval)[0]?;
        let below = lo.0 - lo.0.abs().max(1e-30) * 1e-6;
        (b.alternative.is_none() && expected - below <= abs)
            .then(|| (e.clone(), Tolerance::Bound(b.clone()), below))
    });
    let (e, t, below) = narrower.expect("a judged case whose interval is narrower than its abs band");
    let v = judge(&e, &t, &[below], Precision::F32)[0];
    assert!(!v.pass && v.outside && v.class == Class::Judged, "{v:?}");
    let expected = ddpm_golden::golden::judge::values(&e.value)[0];
    // A value printed with 9 digits reads back as the float32 it was.
    let inside = judge(
        &e,
        &t,
        &[f64::from(format!("{:.9e}", expected as f32).parse::<f32>().unwrap())],
        Precision::F32,
    );
    assert!(inside[0].pass, "{inside:?}");
}

#[test]
fn item_1_summary_counts_judged_interval_only_unconstrained_per_family() {
    let (file, _) = load(Function::DiscretizedGaussianLogLikelihood);
    let golden = support::golden_path(Function::DiscretizedGaussianLogLikelihood);
    let o = verify_with(
        &golden,
        &correct_outputs(&file),
        "loglik-out.json",
        &["--json", dir().join("report.json").to_str().unwrap()],
    );
    check_contract("correct f32 erf", &o, &[0]);
    assert!(o.stdout.contains("interval-only") && o.stdout.contains("unconstrained 0"), "{}", o.text());
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("report.json")).unwrap()).unwrap();
    let families = report["families"].as_object().unwrap();
    for family in FAMILIES {
        let c = &families[family];
        assert!(c["judged"].as_u64().unwrap() + c["interval_only"].as_u64().unwrap() > 0, "{family}: {c}");
        assert_eq!(c["unconstrained"], json!(0), "{family}: {c}");
    }
    assert!(families["edge"]["interval_only"].as_u64().unwrap() > 0, "{families:?}");
}

#[test]
fn item_1_version_1_files_are_refused_with_how_to_regenerate() {
    let (_, mut v) = load(Function::NormalKl);
    v["schema"] = json!("ddpm-golden/1");
    let golden = write(&dir(), "v1.json", &v.to_string());
    let o = verify_with(&golden, &correct_outputs(&load(Function::NormalKl).0), "v1-out.json", &[]);
    check_contract("version 1", &o, &[2]);
    for needle in ["schema", "ddpm-golden/1", "version-1", "ddpm-golden generate"] {
        assert!(o.stderr.contains(needle), "lacks {needle}: {}", o.text());
    }
}

/// A correct f32 outputs file for `function` with the first special case's value replaced by `value`.
fn with_wrong_special(file: &GoldenFile, value: Value) -> (Value, String) {
    let mut outputs = correct_outputs(file);
    let special = file
        .cases
        .iter()
        .find(|c| c.tags[0] == SPECIAL && c.tolerance_for(Precision::F32, Variant::Erf).is_some())
        .unwrap();
    outputs["outputs"][&special.id] = value;
    (outputs, special.id.clone())
}

#[test]
fn item_2_specials_are_a_family_reported_apart_on_request() {
    let (file, _) = load(Function::StandardNormalCdf);
    let golden = support::golden_path(Function::StandardNormalCdf);
    let (outputs, id) = with_wrong_special(&file, json!(0.25));
    let strict = verify_with(&golden, &outputs, "special-strict.json", &[]);
    check_contract("strict", &strict, &[1]);
    assert!(strict.stdout.contains(&id), "{}", strict.text());
    let report = verify_with(&golden, &outputs, "special-report.json", &["--specials", "report"]);
    check_contract("report", &report, &[0]);
    assert!(report.stdout.contains(&id) && report.stdout.contains("reported apart"), "{}", report.text());
    // Only specials are set apart: a wrong grid case still fails.
    let mut outputs = outputs;
    outputs["outputs"]["grid/z=+1"] = json!(0.5);
    check_contract(
        "report, grid wrong",
        &verify_with(&golden, &outputs, "special-report-grid.json", &["--specials", "report"]),
        &[1],
    );
    let bad = verify_with(&golden, &outputs, "special-bad.json", &["--specials", "lenient"]);
    check_contract("--specials lenient", &bad, &[2]);
}

#[test]
fn item_3_odd_length_rows_and_broadcast_normal_kl_through_verify_and_export() {
    let (file, _) = load(Function::MeanFlat);
    for n in [1000, 1025, 4097, 65537, 3 * 256 * 256 + 1] {
        assert!(
            file.cases.iter().any(|c| c.id.starts_with("odd-length/") && c.id.contains(&format!(",{n}]"))),
            "no row of {n}"
        );
    }
    let (kl, _) = load(Function::NormalKl);
    let golden = support::golden_path(Function::NormalKl);
    let good = correct_outputs(&kl);
    check_contract("correct normal_kl", &verify_with(&golden, &good, "kl-out.json", &[]), &[0]);
    // A broadcast case's output is the result's elements, row-major: one missing is unusable.
    let id = "broadcast/[B,1,1,1]-vs-[B,C,H,W]";
    assert_eq!(good["outputs"][id].as_array().unwrap().len(), 24);
    let mut short = good.clone();
    short["outputs"][id].as_array_mut().unwrap().pop();
    let o = verify_with(&golden, &short, "kl-short.json", &[]);
    check_contract("short broadcast output", &o, &[2]);
    assert!(o.stderr.contains("has 23 values but the case has 24 elements"), "{}", o.text());
    // Export: 0-d arguments as plain numbers, tensors with their shapes, one call per case.
    let o = run(&[Path::new("export"), &golden]);
    check_contract("export", &o, &[0]);
    let exported: Value = serde_json::from_str(&o.stdout).unwrap();
    let calls = exported["calls"].as_array().unwrap();
    let prior = calls.iter().find(|c| c["id"].as_str().unwrap().starts_with("broadcast/prior-term")).unwrap();
    assert_eq!(prior["args"]["mean2"], json!(0.0));
    assert_eq!(prior["args"]["mean1"]["shape"], json!([2, 3]));
    assert_eq!(exported["ids"].as_array().unwrap().len() + calls.len(), kl.cases.len());
}

#[test]
fn item_4_half_precision_outputs_judge_the_cases_exact_in_the_type() {
    for function in [Function::StandardNormalCdf, Function::NormalKl] {
        let (file, _) = load(function);
        let golden = support::golden_path(function);
        for (precision, name) in [(Precision::F16, "f16"), (Precision::Bf16, "bf16")] {
            let mut outputs = serde_json::Map::new();
            for case in file.cases.iter().filter(|c| c.tolerance.contains_key(name)) {
                let inputs = case_inputs(function, case).unwrap();
                let got = match precision {
                    Precision::F16 => eval_fast::<half::f16>(&inputs, Cdf::Erf),
                    _ => eval_fast::<half::bf16>(&inputs, Cdf::Erf),
                };
                let tensor = got.len() > 1
                    || matches!(
                        case.expected.values().next().map(|e| &e.value),
                        Some(ddpm_golden::golden::format::Values::Rows(_))
                    );
                let value = if tensor {
                    Value::Array(got.iter().map(|&v| encode(v)).collect())
                } else {
                    encode(got[0])
                };
                outputs.insert(case.id.clone(), value);
            }
            let judged = outputs.len();
            let doc =
                json!({"implementation": "half", "precision": name, "variant": "erf", "outputs": outputs});
            let o = verify_with(&golden, &doc, &format!("{name}-{function}.json"), &[]);
            check_contract(&format!("{function} {name}"), &o, &[0]);
            assert!(o.stdout.contains(&format!("not exact in {name}")), "{}", o.text());
            assert!(judged < file.cases.len(), "{function} {name}: every case is exact");
            // One judged case missing: unusable, counted against the cases of that precision.
            let mut missing = doc.clone();
            let first = missing["outputs"].as_object().unwrap().keys().next().unwrap().clone();
            missing["outputs"].as_object_mut().unwrap().remove(&first);
            let o = verify_with(&golden, &missing, &format!("{name}-missing.json"), &[]);
            check_contract(&format!("{function} {name} missing"), &o, &[2]);
            assert!(o.stderr.contains(&format!("judged in {name}")), "{}", o.text());
        }
    }
}
