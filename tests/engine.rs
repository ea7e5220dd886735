//! The accurate f64 engine against the arbitrary-precision reference, on dense grids and in the tails.
//! Errors are in ulps of the exact value (from the reference's 40 digits). The bounds asserted here are
//! the ones the docs quote: [`ULPS`] for every f64 function (README, src/stable/engine.rs), [`F32_LOG_PHI_ULPS`]
//! for `log_phi` in f32 (golden/error_model.rs); measured maxima (`-- --nocapture`): phi 2.70,
//! log_phi 2.82, log_one_minus_phi 2.82, tanh_cdf 2.17, log_tanh_cdf 2.02, f32 log_phi 2.47.

use ddpm_golden::reference::{self, Exact};
use ddpm_golden::stable::engine;

/// The documented accuracy of the f64 engine, in ulps of the exact value.
const ULPS: f64 = 3.0;
/// The documented accuracy of the f32 `log_phi` (the core of the stable log-likelihood).
const F32_LOG_PHI_ULPS: f64 = 2.5;

/// The largest error in f64 ulps of `fast` against the exact value (from its 40 digits, so fractions of
/// an ulp count) over `points`, and where.
fn max_ulps(points: &[f64], fast: impl Fn(f64) -> f64, exact: impl Fn(f64) -> Exact) -> (f64, f64) {
    points.iter().fold((0.0, f64::NAN), |(worst, at), &z| {
        let err = exact(z).error_ulps(fast(z), 53);
        if err > worst || err.is_nan() {
            (err, z)
        } else {
            (worst, at)
        }
    })
}

/// Dense grid step 1/32 on [lo, hi] plus a few f32-irregular points per step.
fn grid(lo: f64, hi: f64) -> Vec<f64> {
    let n = ((hi - lo) * 32.0) as i64;
    (0..=n)
        .flat_map(|i| {
            let z = lo + i as f64 / 32.0;
            [z, z + 0.0123456789, z + 1.0 / 3.0 / 32.0]
        })
        .filter(|z| *z <= hi)
        .collect()
}

#[test]
fn phi_is_within_its_ulps_down_to_underflow() {
    // Measured max: see the assertion message; the naive 0.5*erfc(-z/sqrt2) is off by >1000 ulps at -37.
    let (err, at) = max_ulps(&grid(-37.5, 8.5), engine::phi, |z| reference::phi(z).unwrap());
    eprintln!("phi max {err} ulps at z={at}");
    assert!(err <= ULPS, "phi: {err} ulps at z={at}");
}

#[test]
fn log_phi_is_within_its_ulps_including_far_tails() {
    let mut points = grid(-45.0, 30.0);
    points.extend([-50.0, -100.0, -1e3, -1e5, -1e10, -3e38, 35.0, 37.5]);
    let (err, at) = max_ulps(&points, engine::log_phi, |z| reference::log_phi(z).unwrap());
    eprintln!("log_phi max {err} ulps at z={at}");
    assert!(err <= ULPS, "log_phi: {err} ulps at z={at}");
    let (err, at) =
        max_ulps(&points, engine::log_one_minus_phi, |z| reference::log_one_minus_phi(z).unwrap());
    eprintln!("log_one_minus_phi max {err} ulps at z={at}");
    assert!(err <= ULPS, "log_one_minus_phi: {err} ulps at z={at}");
}

#[test]
fn tanh_formula_is_within_its_ulps() {
    let mut points = grid(-12.0, 12.0);
    points.extend([-20.0, -40.0, -100.0, 1e-300, -1e-300]);
    let (err, at) = max_ulps(&points, engine::tanh_cdf, |z| reference::tanh_cdf(z).unwrap());
    eprintln!("tanh_cdf max {err} ulps at z={at}");
    assert!(err <= ULPS, "tanh_cdf: {err} ulps at z={at}");
    let (err, at) = max_ulps(&points, engine::log_tanh_cdf, |z| reference::log_tanh_cdf(z).unwrap());
    eprintln!("log_tanh_cdf max {err} ulps at z={at}");
    assert!(err <= ULPS, "log_tanh_cdf: {err} ulps at z={at}");
}

#[test]
fn f32_engine_log_phi_is_within_its_f32_ulps() {
    // The same code in f32 is the core of the stable log-likelihood; judged in f32 ulps.
    let mut worst = (0.0f64, 0.0f32);
    for z in grid(-60.0, 16.0).into_iter().map(|z| z as f32).chain([-1e3f32, -1e6, -3e38]) {
        let exact = reference::log_phi(f64::from(z)).unwrap();
        let got = engine::log_phi(z);
        // Beyond f32's range the correctly rounded answer is -inf itself.
        let err = if exact.value as f32 == got { 0.0 } else { exact.error_ulps(f64::from(got), 24) };
        if err > worst.0 {
            worst = (err, z);
        }
    }
    eprintln!("f32 log_phi max {} ulps at z={}", worst.0, worst.1);
    assert!(worst.0 <= F32_LOG_PHI_ULPS, "f32 log_phi: {} ulps at z={}", worst.0, worst.1);
}
