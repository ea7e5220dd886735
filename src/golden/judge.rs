//! Judging one result against a golden case: the same rule for our own tests, `verify` and the audit.

use crate::golden::format::{Bound, Expected, Tolerance, Values};
use crate::golden::json_number::JsonF64;

/// The verdict on one value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// Whether the value is admissible.
    pub pass: bool,
    /// The case places no constraint on this precision and variant.
    pub unconstrained: bool,
    /// `|got - expected|` (0 when both are the same special value, inf when only one is).
    pub abs_err: f64,
    /// The error in ulps of the precision at the expected value.
    pub ulps: f64,
    /// The error in units of the tolerance (<= 1 passes; inf for a zero tolerance that is missed).
    pub tol_units: f64,
}

/// The spacing of precision `bits` (24 or 53 significand bits) floats at `v` (the subnormal step below
/// the normal range).
pub fn ulp(v: f64, bits: i32) -> f64 {
    let min_exp = if bits == 24 { -126 } else { -1022 };
    let e = if v == 0.0 { min_exp } else { (libm::frexp(v.abs()).1 - 1).max(min_exp) };
    libm::ldexp(1.0, e - (bits - 1))
}

/// Judges `got` against `expected` within `abs` (special values must match exactly).
pub fn judge_value(expected: f64, abs: f64, got: f64, bits: i32) -> Verdict {
    let same_special = (expected.is_nan() && got.is_nan()) || (expected.is_infinite() && got == expected);
    if same_special {
        return Verdict { pass: true, unconstrained: false, abs_err: 0.0, ulps: 0.0, tol_units: 0.0 };
    }
    let abs_err =
        if expected.is_finite() && got.is_finite() { (got - expected).abs() } else { f64::INFINITY };
    let tol_units = if abs_err == 0.0 { 0.0 } else { abs_err / abs };
    Verdict {
        pass: abs_err <= abs,
        unconstrained: false,
        abs_err,
        ulps: abs_err / ulp(expected, bits),
        tol_units,
    }
}

impl Verdict {
    /// The verdict on a result of the wrong length (a value missing or one too many): a failure.
    pub const WRONG_LENGTH: Verdict = Verdict {
        pass: false,
        unconstrained: false,
        abs_err: f64::INFINITY,
        ulps: f64::INFINITY,
        tol_units: f64::INFINITY,
    };
}

/// Judges `got` (one value, or one per row for `mean_flat`) against a case's expected value and its
/// tolerance; with a branch alternative, a value passes if it is admissible for either. Returns one
/// verdict per expected value, never none: a `got` of the wrong length fails every one of them.
pub fn judge(expected: &Expected, tolerance: &Tolerance, got: &[f64], bits: i32) -> Vec<Verdict> {
    let expect = values(&expected.value);
    if got.len() != expect.len() || expect.is_empty() {
        return vec![Verdict::WRONG_LENGTH; expect.len().max(1)];
    }
    let Tolerance::Bound(Bound { abs, alternative }) = tolerance else {
        let free = Verdict { pass: true, unconstrained: true, abs_err: 0.0, ulps: 0.0, tol_units: 0.0 };
        return vec![free; got.len()];
    };
    let abs = values(abs);
    got.iter()
        .zip(&expect)
        .enumerate()
        .map(|(i, (&g, &e))| {
            // A file with fewer bounds than rows cannot judge the row (read_golden refuses such files).
            let Some(&a) = abs.get(i) else { return Verdict::WRONG_LENGTH };
            let primary = judge_value(e, a, g, bits);
            match alternative {
                Some(alt) if !primary.pass => {
                    let second = match alt.abs {
                        Some(JsonF64(a)) => judge_value(alt.value.0, a, g, bits),
                        None => Verdict { pass: true, unconstrained: true, ..primary },
                    };
                    if second.pass {
                        second
                    } else {
                        primary
                    }
                }
                _ => primary,
            }
        })
        .collect()
}

/// The f64 values of a one-or-rows field.
pub fn values(v: &Values) -> Vec<f64> {
    match v {
        Values::One(x) => vec![x.0],
        Values::Rows(xs) => xs.iter().map(|x| x.0).collect(),
    }
}
