//! Judging one result against a golden case: the same rule for our own tests, `verify` and the audit.
//! A value must lie in the case's admissible interval; where the case also bounds `|got - expected|`,
//! it must be within that bound (or the branch alternative's) as well.

use crate::functions::Precision;
use crate::golden::format::{Bound, Expected, Interval, Intervals, Tolerance, Values};

/// How a case constrains a value in one precision and variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// A bound on `|got - expected|` and the admissible interval.
    Judged,
    /// Only the admissible interval (the precision cannot resolve the value better).
    IntervalOnly,
    /// Nothing: a correct implementation may return anything, NaN included.
    Unconstrained,
}

impl Class {
    /// The name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Class::Judged => "judged",
            Class::IntervalOnly => "interval-only",
            Class::Unconstrained => "unconstrained",
        }
    }
}

/// The verdict on one value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// Whether the value is admissible.
    pub pass: bool,
    /// What the case constrains.
    pub class: Class,
    /// The value lies outside the admissible interval (a failure whatever else holds).
    pub outside: bool,
    /// `|got - expected|` (0 when both are the same special value, inf when only one is).
    pub abs_err: f64,
    /// The error in ulps of the precision at the expected value.
    pub ulps: f64,
    /// The error in units of the tolerance, `|got - expected| / abs` (<= 1 passes; just above 1 for a value
    /// within its bound but outside its interval; inf for a missed zero tolerance and for an interval-only
    /// value outside its interval, 0 for one inside).
    pub tol_units: f64,
}

/// The spacing of precision `bits` (24, 53, 11 or 8 significand bits) floats at `v` (the subnormal step
/// below the normal range).
pub fn ulp(v: f64, bits: i32) -> f64 {
    let min_exp = match bits {
        24 | 8 => -126,
        11 => -14,
        _ => -1022,
    };
    let e = if v == 0.0 { min_exp } else { (libm::frexp(v.abs()).1 - 1).max(min_exp) };
    libm::ldexp(1.0, e - (bits - 1))
}

/// Judges `got` against `expected` within `abs` (special values must match exactly).
pub fn judge_value(expected: f64, abs: f64, got: f64, bits: i32) -> Verdict {
    let same_special = (expected.is_nan() && got.is_nan()) || (expected.is_infinite() && got == expected);
    if same_special {
        return Verdict {
            pass: true,
            class: Class::Judged,
            outside: false,
            abs_err: 0.0,
            ulps: 0.0,
            tol_units: 0.0,
        };
    }
    let abs_err = error(expected, got);
    let tol_units = if abs_err == 0.0 { 0.0 } else { abs_err / abs };
    Verdict {
        pass: abs_err <= abs,
        class: Class::Judged,
        outside: false,
        abs_err,
        ulps: abs_err / ulp(expected, bits),
        tol_units,
    }
}

/// `|got - expected|`, infinite unless both are finite.
fn error(expected: f64, got: f64) -> f64 {
    if expected.is_finite() && got.is_finite() {
        (got - expected).abs()
    } else {
        f64::INFINITY
    }
}

/// Whether `got` (a value of the claimed precision) lies in `interval` (null: it must be NaN).
pub fn inside(interval: &Interval, got: f64) -> bool {
    match interval {
        None => got.is_nan(),
        Some([lo, hi]) => lo.0 <= got && got <= hi.0,
    }
}

impl Verdict {
    /// The verdict on a result of the wrong length (a value missing or one too many): a failure.
    pub const WRONG_LENGTH: Verdict = Verdict {
        pass: false,
        class: Class::Judged,
        outside: true,
        abs_err: f64::INFINITY,
        ulps: f64::INFINITY,
        tol_units: f64::INFINITY,
    };
}

/// Judges `got` (one value, or one per row or element) against a case's expected value and its
/// tolerance in `precision`; with a branch alternative, a value passes if it is within either bound.
/// Returns one verdict per expected value, never none: a `got` of the wrong length fails every one.
pub fn judge(expected: &Expected, tolerance: &Tolerance, got: &[f64], precision: Precision) -> Vec<Verdict> {
    let expect = values(&expected.value);
    if got.len() != expect.len() || expect.is_empty() {
        return vec![Verdict::WRONG_LENGTH; expect.len().max(1)];
    }
    let Tolerance::Bound(Bound { abs, alternative, interval }) = tolerance else {
        let free = Verdict {
            pass: true,
            class: Class::Unconstrained,
            outside: false,
            abs_err: 0.0,
            ulps: 0.0,
            tol_units: 0.0,
        };
        return vec![free; got.len()];
    };
    let bits = precision.bits();
    let abs = abs.as_ref().map(values);
    let intervals = intervals(interval);
    got.iter()
        .zip(&expect)
        .enumerate()
        .map(|(i, (&g, &e))| {
            // A file with fewer bounds than rows cannot judge the row (read_golden refuses such files).
            let Some(interval) = intervals.get(i) else { return Verdict::WRONG_LENGTH };
            // Outputs are values of the claimed precision: a float32 printed with 9 digits reads back exactly.
            let within = inside(interval, precision.round(g));
            let verdict = match &abs {
                Some(abs) => {
                    let Some(&a) = abs.get(i) else { return Verdict::WRONG_LENGTH };
                    let primary = judge_value(e, a, g, bits);
                    match alternative {
                        Some(alt) if !primary.pass => {
                            let second = judge_value(alt.value.0, alt.abs.0, g, bits);
                            if second.pass {
                                second
                            } else {
                                primary
                            }
                        }
                        _ => primary,
                    }
                }
                None => {
                    let abs_err = if e.is_nan() && g.is_nan() { 0.0 } else { error(e, g) };
                    Verdict {
                        pass: true,
                        class: Class::IntervalOnly,
                        outside: false,
                        abs_err,
                        ulps: abs_err / ulp(e, bits),
                        tol_units: 0.0,
                    }
                }
            };
            if within {
                verdict
            } else {
                // A judged value keeps its error in tolerance units, at least just above 1 (it fails);
                // an interval-only one has none.
                let tol_units = if verdict.class == Class::Judged {
                    verdict.tol_units.max(1.0 + f64::EPSILON)
                } else {
                    f64::INFINITY
                };
                Verdict { pass: false, outside: true, tol_units, ..verdict }
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

/// The intervals of a one-or-rows field.
pub fn intervals(v: &Intervals) -> Vec<Interval> {
    match v {
        Intervals::One(x) => vec![*x],
        Intervals::Rows(xs) => xs.clone(),
    }
}
