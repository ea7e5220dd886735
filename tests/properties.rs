//! Properties over random inputs (proptest, with a fixed seed logged below; failures are persisted in
//! proptest-regressions/). Strategies include subnormals, infinities and NaN.

use ddpm_golden::functions::{Function, Precision, Variant};
use ddpm_golden::golden::catalog::{pixel, CaseSpec, Inputs};
use ddpm_golden::golden::evaluate::{eval_fast, eval_stable, eval_variant};
use ddpm_golden::golden::format::{Case, Expected, Tolerance};
use ddpm_golden::golden::generate::build_case;
use ddpm_golden::golden::judge::judge;
use ddpm_golden::upstream::loglik::{bin_cdfs, log_likelihood_point, Branch};
use ddpm_golden::upstream::mean_flat::mean_flat;
use ddpm_golden::{reference, Cdf, Real};
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngAlgorithm, TestRng, TestRunner};

/// The seed of every property run (ChaCha); change it only deliberately.
const SEED: [u8; 32] = *b"ddpm-golden properties seed 0001";

/// The expected value `variant` of `function` is judged against.
fn expected(case: &Case, function: Function, variant: Variant) -> &Expected {
    case.expected_for(function, variant).expect("build_case writes every expected value")
}

/// The tolerance of `variant` in `precision`.
fn tolerance(case: &Case, precision: Precision, variant: Variant) -> &Tolerance {
    case.tolerance_for(precision, variant).expect("build_case writes every tolerance")
}

fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/properties.txt",
        ))),
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &SEED))
}

/// Any f32: normal, subnormal, zero, infinite or NaN, weighted towards the interesting classes.
fn any_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => -100.0f32..100.0,
        1 => proptest::num::f32::ANY,
        1 => proptest::num::f32::SUBNORMAL | proptest::num::f32::NEGATIVE | proptest::num::f32::POSITIVE,
        1 => Just(f32::NAN),
        1 => prop_oneof![Just(f32::INFINITY), Just(f32::NEG_INFINITY)],
    ]
}

/// Log-variances and log-scales: the reference's domain (|v| <= 1e4) plus specials.
fn log_param() -> impl Strategy<Value = f32> {
    prop_oneof![8 => -60.0f32..60.0, 1 => proptest::num::f32::SUBNORMAL, 1 => Just(f32::NAN), 1 => Just(f32::INFINITY)]
}

#[test]
fn kl_is_nonnegative_and_zero_for_identical_gaussians_in_exact_arithmetic() {
    let strategy = (any_f32(), log_param(), any_f32(), log_param());
    runner(200)
        .run(&strategy, |(m1, l1, m2, l2)| {
            let kl = reference::normal_kl(m1.into(), l1.into(), m2.into(), l2.into()).unwrap().value;
            prop_assert!(kl.is_nan() || kl >= 0.0, "KL = {kl}");
            let same = reference::normal_kl(m1.into(), l1.into(), m1.into(), l1.into()).unwrap().value;
            let finite = m1.is_finite() && l1.is_finite();
            prop_assert!(!finite || same == 0.0, "KL(p, p) = {same}");
            Ok(())
        })
        .unwrap();
}

#[test]
fn cdfs_are_symmetric() {
    runner(300)
        .run(&any_f32(), |z| {
            let (p, q) =
                (reference::phi(z.into()).unwrap().value, reference::phi(-f64::from(z)).unwrap().value);
            // Both correctly rounded: their sum is 1 within one ulp of 1 (or both NaN).
            prop_assert!(
                p.is_nan() || (p + q - 1.0).abs() <= f64::EPSILON,
                "Phi({z}) + Phi(-{z}) = {}",
                p + q
            );
            // The tanh formula's odd argument makes T(-z) = 1 - T(z) exactly in real arithmetic.
            let (t, u) = (
                reference::tanh_cdf(z.into()).unwrap().value,
                reference::tanh_cdf(-f64::from(z)).unwrap().value,
            );
            prop_assert!(t.is_nan() || (t + u - 1.0).abs() <= f64::EPSILON);
            Ok(())
        })
        .unwrap();
}

#[test]
fn mean_flat_is_the_mean_of_each_row_within_the_error_model() {
    let strategy = (1usize..5, 1usize..200).prop_flat_map(|(b, n)| {
        (
            Just(b),
            Just(n),
            proptest::collection::vec(prop_oneof![9 => -1e3f32..1e3, 1 => proptest::num::f32::ANY], b * n),
        )
    });
    runner(100)
        .run(&strategy, |(b, n, data)| {
            let spec = CaseSpec {
                id: "p".into(),
                tags: vec!["random".into()],
                reason: None,
                inputs: Inputs::MeanFlat {
                    shape: vec![b, n],
                    data: ddpm_golden::golden::catalog::Data::Inline(data.clone()),
                },
            };
            let case = build_case(&spec);
            let t = ArrayD::from_shape_vec(IxDyn(&[b, n]), data).unwrap();
            let got: Vec<f64> = mean_flat(t.view()).unwrap().iter().map(|v| f64::from(*v)).collect();
            let (f, v, p) = (Function::MeanFlat, Variant::Upstream, Precision::F32);
            let verdicts = judge(expected(&case, f, v), tolerance(&case, p, v), &got, p);
            prop_assert!(verdicts.iter().all(|v| v.pass), "{verdicts:?}");
            Ok(())
        })
        .unwrap();
}

fn loglik_bounds<T: Real>(x: f32, m: f32, s: f32) -> Result<(), TestCaseError> {
    for cdf in Cdf::ALL {
        let v = log_likelihood_point(T::cast(x.into()), T::cast(m.into()), T::cast(s.into()), cdf);
        let floor = T::PROB_FLOOR.ln();
        prop_assert!(v.is_nan() || (v <= T::zero() && v >= floor), "{} {cdf}: {v}", T::NAME);
    }
    Ok(())
}

#[test]
fn loglik_is_between_log_floor_and_zero() {
    runner(500)
        .run(&(any_f32(), any_f32(), any_f32()), |(x, m, s)| {
            loglik_bounds::<f32>(x, m, s)?;
            loglik_bounds::<f64>(x, m, s)
        })
        .unwrap();
}

#[test]
fn bin_probabilities_sum_to_one_over_the_256_levels() {
    // With pixel centres in exact f64 arithmetic (k/127.5 - 1) the bins tile the line: the unclamped
    // probabilities sum to 1 up to f64 rounding (~256 * 2^-53 per term).
    runner(100)
        .run(&(-1.2f64..1.2, -6.0f64..1.0), |(mean, log_scale)| {
            for cdf in Cdf::ALL {
                let total: f64 = (0..256)
                    .map(|k| {
                        let x = f64::from(k) / 127.5 - 1.0;
                        bin_cdfs(x, mean, log_scale, 1.0 / 255.0, |z| cdf.eval(z)).probability(Branch::of(x))
                    })
                    .sum();
                prop_assert!((total - 1.0).abs() < 1e-12, "{cdf}: sum = {total}");
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn fast_loglik_is_within_the_error_model_on_random_decoder_outputs() {
    // Validates the error model: a correct implementation (ours) never exceeds the tolerance.
    let strategy = (0u32..256, -12.0f32..3.0, -6.0f64..6.0, 0u8..10);
    runner(120)
        .run(&strategy, |(k, log_scale, offset, special)| {
            let x = pixel(k);
            let mut mean = (f64::from(x) + offset * f64::from(log_scale).exp()) as f32;
            if special == 0 {
                mean = f32::NAN;
            }
            let spec = CaseSpec {
                id: "p".into(),
                tags: vec!["random".into()],
                reason: None,
                inputs: Inputs::Loglik { x, means: mean, log_scales: log_scale },
            };
            let case = build_case(&spec);
            for cdf in Cdf::ALL {
                let (f, variant) = (Function::DiscretizedGaussianLogLikelihood, Variant::of_cdf(cdf));
                for (precision, got) in [
                    (Precision::F32, eval_fast::<f32>(&spec.inputs, cdf)),
                    (Precision::F64, eval_fast::<f64>(&spec.inputs, cdf)),
                ] {
                    let (e, t) = (expected(&case, f, variant), tolerance(&case, precision, variant));
                    let v = judge(e, t, &got, precision);
                    prop_assert!(
                        v[0].pass,
                        "{precision} {cdf} x={x} mean={mean} log_scale={log_scale}: {:?}",
                        v[0]
                    );
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn half_precision_loglik_is_admissible_on_random_dyadic_inputs() {
    // The half-precision model (each op in f32, rounded) against its emulation, on inputs exact in the
    // half types: pixels on a 1/64 grid, means 1/256 apart, log-scales in halves from -12 to 3.
    let strategy = (0u32..=128, -64i32..=64, -24i32..=6);
    runner(150)
        .run(&strategy, |(k, offset, half_log_scale)| {
            let x = k as f32 / 64.0 - 1.0;
            let (mean, log_scale) = (x + offset as f32 / 256.0, half_log_scale as f32 / 2.0);
            let spec = CaseSpec {
                id: "p".into(),
                tags: vec!["grid".into()],
                reason: None,
                inputs: Inputs::Loglik { x, means: mean, log_scales: log_scale },
            };
            let case = build_case(&spec);
            let f = Function::DiscretizedGaussianLogLikelihood;
            for variant in f.variants().iter().copied() {
                for (precision, got) in [
                    (Precision::F16, eval_variant::<half::f16>(&spec.inputs, variant).unwrap()),
                    (Precision::Bf16, eval_variant::<half::bf16>(&spec.inputs, variant).unwrap()),
                ] {
                    // A precision whose values do not hold the inputs judges nothing.
                    let Some(t) = case.tolerance_for(precision, variant) else { continue };
                    let v = judge(expected(&case, f, variant), t, &got, precision);
                    prop_assert!(
                        v[0].pass,
                        "{precision} {variant} x={x} mean={mean} log_scale={log_scale}: {got:?} {:?}",
                        v[0]
                    );
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn stable_kl_is_nonnegative_and_within_its_tolerance_for_nearly_identical_gaussians() {
    // The regime of most VLB terms, where the upstream f32 formula returns 0 or negative values.
    let strategy = (-1.0f32..1.0, -10.0f32..2.0, -1e-3f32..1e-3, -1e-3f32..1e-3);
    runner(200)
        .run(&strategy, |(m2, lv2, dm, dlv)| {
            let inputs = Inputs::NormalKl([m2 + dm, lv2 + dlv, m2, lv2]);
            let spec = CaseSpec {
                id: "p".into(),
                tags: vec!["random".into()],
                reason: None,
                inputs: inputs.clone(),
            };
            let case = build_case(&spec);
            for (precision, got) in [
                (Precision::F32, eval_stable::<f32>(&inputs).unwrap()),
                (Precision::F64, eval_stable::<f64>(&inputs).unwrap()),
            ] {
                prop_assert!(got[0] >= 0.0, "{precision}: stable KL {}", got[0]);
                let (e, t) = (
                    expected(&case, Function::NormalKl, Variant::Stable),
                    tolerance(&case, precision, Variant::Stable),
                );
                let v = judge(e, t, &got, precision);
                prop_assert!(v[0].pass, "{precision}: {:?}", v[0]);
            }
            Ok(())
        })
        .unwrap();
}
