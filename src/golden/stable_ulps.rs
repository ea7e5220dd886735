//! The stable variants' own evaluation error against the reference, apart from the rounding of their
//! inputs: the figures behind `golden::error_model::{STABLE_LOGLIK_ULPS, STABLE_KL_ULPS}`, the ulps of `max(1, |ln p|)` (an ulp
//! being `2u` relative) that the stable tolerance allows the log-space evaluation itself, and of the
//! variance term for `normal_kl_stable`. Measured maxima are printed (`cargo test --lib stable_ulps --
//! --nocapture`) and quoted in error_model.rs and docs/error-model.md.
//!
//! Each measurement must stay within its constant: the tolerance's factor `SAFETY` is a margin for
//! second-order terms, not room for the evaluation.

use super::error_model::{STABLE_KL_ULPS, STABLE_LOGLIK_ULPS};
use crate::reference;
use crate::stable::{engine, log_bin_mass, normal_kl_stable};
use crate::Real;

/// Unit roundoff of `T`.
fn u<T: Real>() -> f64 {
    T::epsilon().as_f64() / 2.0
}

/// `|got - exact ln p|` in units of `2u max(1, |ln p|)`, or `None` where `ln p` is more than 1 below
/// the clamp at `ln(1e-12)` (those results are clamped whatever their error, which is ~1e-12 at most).
fn units<T: Real>(got: T, exact: &reference::Exact) -> Option<f64> {
    let ln_p = exact.value;
    (ln_p > 1e-12f64.ln() - 1.0).then(|| (got.as_f64() - ln_p).abs() / (2.0 * u::<T>() * ln_p.abs().max(1.0)))
}

/// The worst of `(units, at)` pairs.
fn worst(a: (f64, String), b: (f64, String)) -> (f64, String) {
    if b.0 > a.0 {
        b
    } else {
        a
    }
}

/// Bins `[m - h, m + h]` with `m` and `h` on grids whose sums are exact in `T` (both multiples of
/// 2^-12, below 2^11): midpoints over the body and both tails, half-widths from 2^-12 (narrow bins,
/// the midpoint series) to 8 (wide bins across 0 and in one tail).
fn bins<T: Real>() -> Vec<(T, T, T, T)> {
    let mut out = Vec::new();
    for i in -40 * 16..=40 * 16 {
        let m = f64::from(i) / 16.0 + 1.0 / 4096.0;
        for k in 0..16 {
            let h = f64::from(1u32 << k) / 4096.0;
            let (a, b) = (T::cast(m - h), T::cast(m + h));
            out.push((a, b, T::cast(m), T::cast(2.0 * h)));
        }
    }
    // Just wider than the midpoint series' reach (w max(1, |m|) = 0.05): the one-tail form there
    // amplifies the error of ln Phi by about 1 / (w |m|). Multiples of 2^-16 below 16: exact in f32.
    for i in -8 * 256..=8 * 256 {
        let m = f64::from(i) / 256.0;
        for j in 1..=12 {
            let w = 0.05 / m.abs().max(1.0) * (1.0 + f64::from(j) / 16.0);
            let h = (w / 2.0 * 65536.0).round() / 65536.0;
            out.push((T::cast(m - h), T::cast(m + h), T::cast(m), T::cast(2.0 * h)));
        }
    }
    out
}

/// The worst evaluation error of `log_bin_mass` over [`bins`] and of `ln Phi` (the edge branches) over
/// a grid, in units of `2u max(1, |ln p|)`.
fn loglik_units<T: Real>() -> (f64, String) {
    let mut w = (0.0, String::new());
    for (a, b, m, width) in bins::<T>() {
        let exact = reference::log_gaussian_mass(a.as_f64(), b.as_f64()).unwrap();
        if let Some(e) = units(log_bin_mass(a, b, m, width), &exact) {
            w = worst(w, (e, format!("bin [{:e}, {:e}]", a.as_f64(), b.as_f64())));
        }
    }
    for i in -40 * 64..=40 * 64 {
        let z = T::cast(f64::from(i) / 64.0 + 1.0 / 1024.0);
        let exact = reference::log_phi(z.as_f64()).unwrap();
        if let Some(e) = units(engine::log_phi(z), &exact) {
            w = worst(w, (e, format!("ln Phi({:e})", z.as_f64())));
        }
    }
    w
}

/// The worst error of `normal_kl_stable` with exact inputs (`logvar2 = 0`, equal means: `d` exact, the
/// KL is half the variance term) in units of `2u` of the exact value.
fn kl_units<T: Real>() -> (f64, String) {
    let mut w = (0.0, String::new());
    for i in -4000..=4000 {
        for scale in [1.0, 1e-3, 1e-6] {
            let d = T::cast(f64::from(i) / 1000.0 * scale);
            if d == T::zero() {
                continue;
            }
            let exact = reference::normal_kl(0.0, d.as_f64(), 0.0, 0.0).unwrap().value;
            let got = normal_kl_stable(T::zero(), d, T::zero(), T::zero()).as_f64();
            w = worst(w, ((got - exact).abs() / (2.0 * u::<T>() * exact), format!("d = {:e}", d.as_f64())));
        }
    }
    w
}

#[test]
fn stable_evaluation_is_within_its_tolerance() {
    let mut failures = Vec::new();
    for (name, (e, at), allowed) in [
        ("f32 log-likelihood", loglik_units::<f32>(), STABLE_LOGLIK_ULPS),
        ("f64 log-likelihood", loglik_units::<f64>(), STABLE_LOGLIK_ULPS),
        ("f32 normal_kl", kl_units::<f32>(), STABLE_KL_ULPS),
        ("f64 normal_kl", kl_units::<f64>(), STABLE_KL_ULPS),
    ] {
        eprintln!("{name}: max {e:.3} units at {at} (allowed {allowed})");
        if e > allowed {
            failures.push(format!("{name}: {e} units at {at}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
