//! The accuracy of `fast_math` in ulps of the exact value, over each function's documented range:
//! `exp`, `expm1`, `ln` and `tanh` against dashu-float at 320 bits, `erf` against the reference's 40
//! digits. The figures quoted in fast_math.rs, kernels/math.rs and docs/ARCHITECTURE.md are this test's
//! output (`cargo test --lib fast_math_accuracy -- --nocapture`); [`CLAIM_ULPS`] is the quoted bound.

use super::fast_math;
use super::precision::FastReal;
use crate::reference;
use dashu_float::{round::mode::HalfEven, FBig};

type F = FBig<HalfEven, 2>;

/// The documented accuracy of every `fast_math` function in both precisions, in ulps of the exact value
/// (measured maximum: 2.242, f32 `erf` at 0.1105).
const CLAIM_ULPS: f64 = 2.3;

/// Working precision of the exact values: their own error is below 2^-250 relative.
const BITS: usize = 320;

/// Significand bits of `T` and the exponent of its smallest subnormal.
fn format<T: FastReal>() -> (i32, i32) {
    if T::NAME == "f32" {
        (24, -149)
    } else {
        (53, -1074)
    }
}

fn big(x: f64) -> F {
    F::try_from(x).expect("finite").with_precision(BITS).value()
}

/// The exact value of a function at an argument: computed here, or the reference's.
enum Truth {
    Big(F),
    Reference(reference::Exact),
}

/// `|got - exact|` in ulps of `exact` in `T` (below the normal range an ulp is the smallest subnormal).
fn ulps<T: FastReal>(got: T, exact: &Truth) -> f64 {
    let (bits, _) = format::<T>();
    let exact = match exact {
        Truth::Reference(e) => return e.error_ulps(got.as_f64(), bits),
        Truth::Big(x) => x,
    };
    if exact.repr().significand().is_zero() {
        return if got == T::zero() { 0.0 } else { f64::INFINITY };
    }
    if !got.is_finite() {
        // Right only where the exact value rounds to the same infinity (overflow).
        return if got == T::cast(exact.to_f64().value()) { 0.0 } else { f64::INFINITY };
    }
    reference::ulps_between(got.as_f64(), exact, bits)
}

fn exact_exp(x: f64) -> Truth {
    Truth::Big(big(x).exp())
}

fn exact_expm1(x: f64) -> Truth {
    Truth::Big(big(x).exp_m1())
}

fn exact_ln(x: f64) -> Truth {
    Truth::Big(big(x).ln())
}

/// `tanh x = expm1(2x) / (expm1(2x) + 2)`, no cancellation for either sign.
fn exact_tanh(x: f64) -> Truth {
    let t = (big(x) * big(2.0)).exp_m1();
    Truth::Big(t.clone() / (t + big(2.0)))
}

fn exact_erf(x: f64) -> Truth {
    Truth::Reference(reference::erf(x).expect("erf is defined everywhere"))
}

/// `n + 1` points spread evenly over `[lo, hi]` in `T`.
fn sweep<T: FastReal>(lo: f64, hi: f64, n: usize) -> Vec<T> {
    (0..=n).map(|i| T::cast(lo + (hi - lo) * i as f64 / n as f64)).collect()
}

/// `+-2^k` for `k` spread evenly over `[lo, hi]` (magnitudes across many binades), both signs.
fn binades<T: FastReal>(lo: f64, hi: f64, n: usize) -> Vec<T> {
    sweep::<f64>(lo, hi, n).into_iter().flat_map(|k| [T::cast(k.exp2()), T::cast(-k.exp2())]).collect()
}

/// The largest error of `fast` over `points` and where.
fn worst<T: FastReal>(points: &[T], fast: fn(T) -> T, exact: fn(f64) -> Truth) -> (f64, f64) {
    points.iter().fold((0.0, f64::NAN), |(w, at), &x| {
        let e = ulps(fast(x), &exact(x.as_f64()));
        if e > w || e.is_nan() {
            (e, x.as_f64())
        } else {
            (w, at)
        }
    })
}

/// One function's documented range in `T`.
struct Claim<T> {
    name: &'static str,
    points: Vec<T>,
    fast: fn(T) -> T,
    exact: fn(f64) -> Truth,
}

fn claims<T: FastReal>() -> [Claim<T>; 5] {
    let n = 3000;
    let (p, tiny) = format::<T>();
    let (p, tiny) = (f64::from(p), f64::from(tiny));
    let ln_max = T::max_value().as_f64().ln();
    let subnormal_results = (tiny + 1.0) * std::f64::consts::LN_2;
    // exp over every argument with a finite nonzero result (subnormal results in subnormal ulps).
    let mut exp = sweep::<T>(subnormal_results, ln_max, 4 * n);
    exp.extend(sweep::<T>(-1.0, 1.0, n));
    // expm1 down to where it is -1 and up to overflow, dense near 0 where it is x.
    let mut expm1 = sweep::<T>(-80.0, ln_max, 4 * n);
    expm1.extend(binades::<T>(-p - 4.0, 0.0, n));
    // ln over every positive finite number, subnormals included, dense around 1.
    let mut ln: Vec<T> = binades::<T>(tiny, T::max_value().as_f64().log2(), 4 * n)
        .into_iter()
        .filter(|x| *x > T::zero() && x.is_finite())
        .collect();
    ln.extend(sweep::<T>(0.5, 2.0, 2 * n));
    ln.extend(sweep::<T>(1e-12, 1.0, n));
    // tanh and erf over the reals: their saturation, the switch points, tiny arguments.
    let mut tanh = sweep::<T>(-25.0, 25.0, 4 * n);
    tanh.extend(binades::<T>(-p - 4.0, 0.0, n));
    let mut erf = sweep::<T>(-7.0, 7.0, 4 * n);
    erf.extend(binades::<T>(-p - 4.0, 0.0, n));
    [
        Claim { name: "exp", points: exp, fast: fast_math::exp, exact: exact_exp },
        Claim { name: "expm1", points: expm1, fast: fast_math::expm1, exact: exact_expm1 },
        Claim { name: "ln", points: ln, fast: fast_math::ln, exact: exact_ln },
        Claim { name: "tanh", points: tanh, fast: fast_math::tanh, exact: exact_tanh },
        Claim { name: "erf", points: erf, fast: fast_math::erf, exact: exact_erf },
    ]
}

fn check<T: FastReal>() {
    let mut failures = Vec::new();
    for c in claims::<T>() {
        let start = std::time::Instant::now();
        let (err, at) = worst(&c.points, c.fast, c.exact);
        eprintln!(
            "fast_math {} {}: max {err:.3} ulps at {at:e} ({} points, {:?})",
            T::NAME,
            c.name,
            c.points.len(),
            start.elapsed()
        );
        if err.is_nan() || err > CLAIM_ULPS {
            failures.push(format!("{} {}: {err} ulps at {at:e} > {CLAIM_ULPS}", T::NAME, c.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fast_math_accuracy_f32() {
    check::<f32>();
}

#[test]
fn fast_math_accuracy_f64() {
    check::<f64>();
}

/// `ln` outside the positive normal numbers, and the other functions' specials and saturation.
fn specials<T: FastReal>() {
    let t = |v: f64| T::cast(v);
    let (_, tiny) = format::<T>();
    assert_eq!(fast_math::ln(T::zero()), T::neg_infinity());
    assert_eq!(fast_math::ln(-T::zero()), T::neg_infinity());
    assert_eq!(fast_math::ln(T::infinity()), T::infinity());
    for v in [-1.0, -1e-30, f64::NEG_INFINITY, f64::NAN] {
        assert!(fast_math::ln(t(v)).is_nan(), "ln({v})");
    }
    assert_eq!(fast_math::ln(T::one()), T::zero());
    let smallest = t(f64::from(tiny).exp2());
    assert!(
        ulps(fast_math::ln(smallest), &exact_ln(smallest.as_f64())) <= 1.0,
        "ln of the smallest subnormal"
    );
    assert!(fast_math::exp(t(f64::NAN)).is_nan() && fast_math::expm1(t(f64::NAN)).is_nan());
    assert!(fast_math::tanh(t(f64::NAN)).is_nan() && fast_math::erf(t(f64::NAN)).is_nan());
    assert_eq!(fast_math::exp(T::infinity()), T::infinity());
    assert_eq!(fast_math::exp(T::neg_infinity()), T::zero());
    assert_eq!(fast_math::exp(T::max_value()), T::infinity());
    assert_eq!(fast_math::exp(T::zero()), T::one());
    assert_eq!(fast_math::expm1(T::infinity()), T::infinity());
    assert_eq!(fast_math::expm1(T::max_value()), T::infinity());
    assert_eq!(fast_math::expm1(T::neg_infinity()), -T::one());
    for v in [0.0, 1e-30, -1e-30] {
        assert_eq!(fast_math::expm1(t(v)).as_f64().to_bits(), t(v).as_f64().to_bits(), "expm1({v})");
    }
    for (v, want) in [(f64::INFINITY, 1.0), (f64::NEG_INFINITY, -1.0), (30.0, 1.0), (-30.0, -1.0)] {
        assert_eq!(fast_math::tanh(t(v)), t(want));
        assert_eq!(fast_math::erf(t(v)), t(want));
    }
    for f in [fast_math::tanh::<T>, fast_math::erf::<T>] {
        assert_eq!(f(T::zero()).as_f64().to_bits(), 0.0f64.to_bits());
        assert_eq!(f(-T::zero()).as_f64().to_bits(), (-0.0f64).to_bits());
    }
}

/// `ln_normal` is `ln` on its domain (every positive normal number of the `ln` sweep, and NaN), bit
/// for bit, so its accuracy is `ln`'s.
fn ln_normal_is_ln<T: FastReal>() {
    let [_, _, ln, ..] = claims::<T>();
    let normal = ln.points.iter().filter(|&&x| x >= T::min_positive_value() && x.is_finite());
    let mut count = 0;
    for &x in normal {
        assert_eq!(fast_math::ln_normal(x).as_f64().to_bits(), fast_math::ln(x).as_f64().to_bits(), "{x}");
        count += 1;
    }
    assert!(count > 10_000, "{count} points");
    assert!(fast_math::ln_normal(T::nan()).is_nan());
}

#[test]
fn fast_math_ln_normal() {
    ln_normal_is_ln::<f32>();
    ln_normal_is_ln::<f64>();
}

#[test]
fn fast_math_specials() {
    specials::<f32>();
    specials::<f64>();
}
