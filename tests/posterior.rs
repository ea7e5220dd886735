//! The per-timestep goldens (expected values on `f32(exact element)`, docs/golden-format.md) admit
//! upstream's own extraction (`.float()` of the float64 elements) in both precisions and say by how much;
//! a float64 port that keeps the float64 elements fails them, by how much is measured. And
//! `_vb_terms_bpd`'s near-zero KL terms, where upstream's float32 is noise, are admitted absolutely.

use ddpm_golden::functions::{Precision, Variant};
use ddpm_golden::golden::catalog::Inputs;
use ddpm_golden::golden::evaluate::{case_inputs, eval_diffusion};
use ddpm_golden::golden::format::GoldenFile;
use ddpm_golden::golden::judge::judge;
use ddpm_golden::upstream::posterior::{extracted_steps, StepRecipe};
use ddpm_golden::upstream::schedule::beta_schedule;
use ddpm_golden::upstream::vb_terms::VbRecipe;
use ddpm_golden::{Function, Real};

fn load(function: Function) -> GoldenFile {
    let path = format!("{}/golden/{}.json", env!("CARGO_MANIFEST_DIR"), function.name());
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The worst tolerance units of `recipe`'s port in `T` over `function`'s cases, and how many values fail.
fn measure<T: Real>(function: Function, recipe: StepRecipe) -> (f64, usize) {
    let file = load(function);
    let precision = Precision::of::<T>();
    let (mut worst, mut failed) = (0.0f64, 0usize);
    // Values with a zero tolerance (unambiguous exact float32 values) that miss count as failures only.
    for case in &file.cases {
        let Ok(Inputs::Diffusion(call)) = case_inputs(function, case) else { panic!("{}", case.id) };
        let betas = beta_schedule::<f64>(call.schedule, call.steps.into());
        let steps = extracted_steps::<f64, T>(&betas, &call.t, recipe).unwrap();
        let got = eval_diffusion::<T>(&call, &steps, VbRecipe::UPSTREAM);
        let (e, t) = (
            case.expected_for(function, Variant::Upstream),
            case.tolerance_for(precision, Variant::Upstream),
        );
        for v in judge(e.unwrap(), t.unwrap(), &got, precision) {
            failed += usize::from(!v.pass);
            if v.tol_units.is_finite() {
                worst = worst.max(v.tol_units);
            }
        }
    }
    (worst, failed)
}

const PER_TIMESTEP: [Function; 4] = [
    Function::QPosteriorMeanVariance,
    Function::LearnedRangeLogVariance,
    Function::PriorBpd,
    Function::VbTermsBpd,
];

/// Upstream passes in both precisions, with margin (measured: below 0.5 tolerance units everywhere).
#[test]
fn upstream_extraction_is_admitted() {
    for function in PER_TIMESTEP {
        let (w32, f32s) = measure::<f32>(function, StepRecipe::UPSTREAM);
        let (w64, f64s) = measure::<f64>(function, StepRecipe::UPSTREAM);
        println!("{function} upstream: worst {w32:.3} (f32), {w64:.3} (f64) tolerance units");
        assert_eq!((f32s, f64s), (0, 0), "{function}");
        assert!(w32 < 0.5 && w64 < 0.5, "{function}: {w32} {w64}");
    }
}

/// A float64 port that keeps the float64 elements (no `.float()`) fails the posterior, the learned range
/// and `_vb_terms_bpd`: the expected values take `f32(exact element)`, and the f64 tolerance is a float64
/// evaluation's (plus the rare ambiguous elements), about 1e8 times below a float32 rounding of a
/// coefficient. The prior admits it: its float32-evaluated variance terms (upstream's own, also for float64
/// tensors) dwarf the float64 `sqrt_alphas_cumprod`'s effect. In float32 the port is upstream itself.
#[test]
fn float64_elements_fail_where_float_matters() {
    let keep = StepRecipe { skip_float: true, ..StepRecipe::UPSTREAM };
    for function in PER_TIMESTEP {
        let (w64, failed) = measure::<f64>(function, keep);
        println!("{function} float64 elements: worst {w64:.3e} (f64) tolerance units, {failed} values fail");
        if function == Function::PriorBpd {
            assert_eq!(failed, 0);
        } else {
            assert!(failed > 0 && w64 > 1e3, "{function}: {w64} {failed}");
        }
        assert_eq!(measure::<f32>(function, keep), measure::<f32>(function, StepRecipe::UPSTREAM));
    }
}

/// vlb-semantics 6, measured: where the model sits at the posterior (`near` rows, `t > 0`), upstream's
/// float32 `_vb_terms_bpd` is rounding noise many times the exact KL (negative too), which the absolute
/// tolerance admits; a relative one of any sensible size would not.
#[test]
fn near_zero_kl_terms_are_float32_noise_that_the_absolute_tolerance_admits() {
    let function = Function::VbTermsBpd;
    let file = load(function);
    let (mut noise, mut negative) = (0usize, 0usize);
    for case in file.cases.iter().filter(|c| c.tags.iter().any(|t| t == "near")) {
        let Ok(Inputs::Diffusion(call)) = case_inputs(function, case) else { panic!("{}", case.id) };
        let betas = beta_schedule::<f64>(call.schedule, call.steps.into());
        let steps = extracted_steps::<f64, f32>(&betas, &call.t, StepRecipe::UPSTREAM).unwrap();
        let got = eval_diffusion::<f32>(&call, &steps, VbRecipe::UPSTREAM);
        let e = case.expected_for(function, Variant::Upstream).unwrap();
        let t = case.tolerance_for(Precision::F32, Variant::Upstream).unwrap();
        let verdicts = judge(e, t, &got, Precision::F32);
        let exact = ddpm_golden::golden::judge::values(&e.value);
        for (k, (&g, &x)) in got.iter().zip(&exact).enumerate() {
            assert!(verdicts[k].pass, "{}: {:?}", case.id, verdicts[k]);
            if call.t[k] > 0 && (g - x).abs() > 10.0 * x.abs() {
                noise += 1;
                negative += usize::from(g < 0.0);
            }
        }
    }
    println!("near-zero KL rows: {noise} off by more than 10x the exact value, {negative} negative");
    assert!(noise >= 10 && negative >= 1, "{noise} noisy, {negative} negative");
}
