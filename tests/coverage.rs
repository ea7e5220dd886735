//! Coverage of the function table (in the spirit of libm-test's `check_coverage`): every helper ×
//! variant × precision that `functions::Combination::all` lists has judged golden cases and a mutant
//! that claims it, and the golden files carry no key the table does not know. Kernels are iterated from
//! `Function::kernel_variants` by tests/kernels.rs, so a kernel listed there is judged on every case.

use ddpm_golden::functions::{Combination, Precision, Variant};
use ddpm_golden::golden::format::{GoldenFile, Tolerance};
use ddpm_golden::verify::mutants::Mutant;
use ddpm_golden::Function;

fn load(function: Function) -> GoldenFile {
    let path = format!("{}/golden/{}.json", env!("CARGO_MANIFEST_DIR"), function.name());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_combination_has_judged_cases() {
    let files: Vec<GoldenFile> = Function::ALL.into_iter().map(load).collect();
    for c in Combination::all() {
        let file = files.iter().find(|f| f.function == c.function).expect("one file per helper");
        let judged = file
            .cases
            .iter()
            .filter(|case| {
                matches!(case.tolerance_for(c.precision, c.variant), Some(Tolerance::Bound(b)) if b.abs.is_some())
            })
            .count();
        assert!(judged > 0, "{} {} {}: no case with an error bound", c.function, c.variant, c.precision);
    }
}

#[test]
fn golden_files_carry_only_keys_of_the_table() {
    for function in Function::ALL {
        let file = load(function);
        for case in &file.cases {
            for (precision, per_variant) in &case.tolerance {
                assert!(Precision::from_name(precision).is_some(), "{}: precision {precision}", case.id);
                for key in per_variant.keys() {
                    let variant =
                        Variant::from_key(key).unwrap_or_else(|| panic!("{}: variant {key}", case.id));
                    assert!(function.variants().contains(&variant), "{}: {key} not in the table", case.id);
                }
            }
        }
    }
}

#[test]
fn every_combination_has_a_mutant() {
    for c in Combination::all() {
        let claims = |m: &Mutant| {
            m.functions().contains(&c.function)
                && m.declared(c.function) == c.variant
                && m.precisions().contains(&c.precision)
        };
        assert!(
            Mutant::ALL.iter().any(claims),
            "{} {} {}: no mutant claims it (add one to src/verify/mutants/)",
            c.function,
            c.variant,
            c.precision
        );
    }
}

#[test]
fn kernels_are_listed_only_for_judged_variants() {
    for function in Function::ALL {
        for variant in function.kernel_variants() {
            assert!(function.variants().contains(variant), "{function}: kernel for unjudged {variant}");
        }
    }
    // The table is not empty: an empty one would make the checks above vacuous.
    // Four precisions for the helpers on float inputs, the two native ones for the schedule and the
    // derived arrays and the four per-timestep methods.
    assert_eq!(Combination::all().count(), 4 * (2 + 1 + 2 + 3 + 1) + 2 + 2 + 2 + 2 + 2 + 2);
}

#[test]
fn named_scalars_follow_the_table() {
    use ddpm_golden::golden::evaluate::case_inputs;
    for function in Function::ALL {
        let file = load(function);
        for case in &file.cases {
            let inputs = case_inputs(function, case).unwrap_or_else(|e| panic!("{}: {e}", case.id));
            let names: Vec<&str> = inputs.named_scalars().into_iter().map(|(name, _)| name).collect();
            // mean_flat's input is a tensor, a broadcast normal_kl call's arguments have shapes, the
            // schedule's and the derived arrays' are names and a count, and the per-timestep methods
            // take tensors.
            let tensors = function == Function::MeanFlat
                || !function.has_float_inputs()
                || matches!(inputs, ddpm_golden::golden::catalog::Inputs::NormalKlBroadcast(_));
            let scalar_names: &[&str] = if tensors { &[] } else { function.inputs() };
            assert_eq!(names, scalar_names, "{}: names of the scalar inputs", case.id);
            for (name, value) in inputs.named_scalars() {
                let stored = match case.inputs.get(name) {
                    Some(ddpm_golden::golden::format::Input::Scalar(v)) => v.0,
                    other => panic!("{}: {name} is {other:?}", case.id),
                };
                assert!(
                    f64::from(value).to_bits() == stored.to_bits() || (stored.is_nan() && value.is_nan()),
                    "{}: {name}",
                    case.id
                );
            }
        }
    }
}
