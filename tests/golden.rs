//! The committed golden files against the fast implementations: every case within its tolerance and
//! admissible interval in every precision (f32, f64, and the half types emulated op by op on the cases
//! exact in them) and variant (hard assertions), plus an insta snapshot of the error summary.

use ddpm_golden::functions::{Precision, Variant};
use ddpm_golden::golden::catalog::{self, FAMILIES};
use ddpm_golden::golden::evaluate::{case_inputs, eval_variant};
use ddpm_golden::golden::format::{GoldenFile, SCHEMA};
use ddpm_golden::golden::generate::SEED;
use ddpm_golden::golden::judge::{judge, values, Class};
use ddpm_golden::{Function, Real};
use std::collections::BTreeSet;
use std::fmt::Write;

fn load(function: Function) -> GoldenFile {
    let path = format!("{}/golden/{}.json", env!("CARGO_MANIFEST_DIR"), function.name());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs the fast implementation in `T` over one file and variant; returns the summary line and the
/// failures.
fn check<T: Real>(file: &GoldenFile, key: Variant) -> (String, Vec<String>) {
    let precision = Precision::of::<T>();
    let (mut max_ulps, mut max_tol, mut sum_tol, mut judged, mut free, mut interval_only) =
        (0.0f64, 0.0f64, 0.0f64, 0usize, 0usize, 0usize);
    let mut worst = String::from("-");
    let mut failures = Vec::new();
    for case in &file.cases {
        // The half types judge only the cases whose inputs are exact in them.
        let Some(tol) = case.tolerance_for(precision, key) else { continue };
        let inputs = case_inputs(file.function, case).expect("committed cases decode");
        let got = eval_variant::<T>(&inputs, key).expect("the table lists only variants that exist");
        let expected = case.expected_for(file.function, key).expect("every case has every expected value");
        assert_eq!(got.len(), values(&expected.value).len(), "{}: one value per expected row", case.id);
        let verdicts = judge(expected, tol, &got, precision);
        for v in verdicts {
            if !v.pass {
                failures.push(format!("{} {} {key}: got {got:?}, {v:?}", case.id, T::NAME));
            }
            match v.class {
                Class::Unconstrained => free += 1,
                Class::IntervalOnly => interval_only += 1,
                Class::Judged => judged += 1,
            }
            if v.class != Class::Judged || !v.tol_units.is_finite() {
                continue;
            }
            sum_tol += v.tol_units;
            max_ulps = max_ulps.max(v.ulps);
            if v.tol_units > max_tol {
                max_tol = v.tol_units;
                worst = case.id.clone();
            }
        }
    }
    let line = format!(
        "{:<36} {:<4} {:<8} judged={judged:<5} interval-only={interval_only:<4} unconstrained={free:<4} max_ulps={:<9.3e} max_tol_units={max_tol:.3} mean_tol_units={:.3} worst={worst}",
        file.function.name(),
        T::NAME,
        key,
        max_ulps,
        sum_tol / judged.max(1) as f64,
    );
    (line, failures)
}

#[test]
fn fast_implementations_are_within_tolerance_on_every_case() {
    let mut summary = String::new();
    let mut failures = Vec::new();
    for function in Function::ALL {
        let file = load(function);
        for &key in function.variants() {
            for &precision in function.precisions() {
                let (line, fails) = ddpm_golden::with_real!(precision, T => check::<T>(&file, key));
                writeln!(summary, "{line}").unwrap();
                failures.extend(fails);
            }
        }
    }
    // The snapshot records the figures; the assertion below decides.
    insta::assert_snapshot!("fast_vs_golden", summary);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn files_are_well_formed_and_ids_unique() {
    for function in Function::ALL {
        let file = load(function);
        assert_eq!(file.schema, SCHEMA);
        assert_eq!(file.function, function);
        assert_eq!(file.provenance.seed, SEED);
        assert_eq!(file.provenance.case_count, file.cases.len());
        let ids: BTreeSet<&str> = file.cases.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids.len(), file.cases.len(), "{function}: duplicate ids");
        for c in &file.cases {
            for precision in Precision::NATIVE {
                for &key in function.variants() {
                    assert!(
                        c.tolerance_for(precision, key).is_some(),
                        "{}: no {precision}/{key} tolerance",
                        c.id
                    );
                    assert!(c.expected_for(function, key).is_some(), "{}: no expected {key}", c.id);
                }
            }
            let regression = c.tags.iter().any(|t| t == "regression");
            assert!(regression || c.reason.is_none(), "{}", c.id);
            assert!(!regression || c.reason.is_some(), "{}: regression without a reason", c.id);
        }
        let size =
            std::fs::metadata(format!("{}/golden/{}.json", env!("CARGO_MANIFEST_DIR"), function.name()))
                .unwrap()
                .len();
        assert!(size < 4 << 20, "{function}: {size} bytes, keep files reviewable");
    }
}

#[test]
fn every_function_has_cases_in_every_family() {
    for function in Function::ALL {
        let cases = catalog::cases(function, SEED);
        // A helper whose inputs are a name and a count has no NaN or infinite input to set apart.
        let families = FAMILIES.iter().filter(|&&f| function.has_float_inputs() || f != catalog::SPECIAL);
        for family in families {
            assert!(cases.iter().any(|c| c.tags[0] == *family), "{function} has no {family} case");
        }
        assert!(cases.iter().all(|c| FAMILIES.contains(&c.tags[0].as_str())), "{function}: unknown family");
    }
}
