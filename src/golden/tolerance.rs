//! A case's tolerance entry in one precision and variant, assembled from the two independent bounds the
//! generator computes for each value: the error model's bound on `|got - expected|` (with the branch
//! alternative where a precision's comparison differs from the reals) and the admissible range of the
//! algorithm (golden::admissible).

use crate::golden::admissible::Range;
use crate::golden::error_model;
use crate::golden::format::{Alternative, Bound, Intervals, Tolerance, Unconstrained, Values};
use crate::golden::json_number::JsonF64;
use crate::upstream::loglik::Branch;

/// What the generator knows about one value (one row or element of a tensor result).
#[derive(Debug, Clone)]
pub struct Constraint {
    /// The exact value.
    pub expected: f64,
    /// The error model's bound on `|got - expected|`.
    pub abs: error_model::Bound,
    /// The branch the precision's own comparison takes, where it differs from the reals' branch.
    pub alternative: Option<OwnBranch>,
    /// Every value a correct implementation can produce.
    pub range: Range,
}

/// The exact value of the branch a precision's comparison takes, and the error model's bound there.
#[derive(Debug, Clone)]
pub struct OwnBranch {
    /// The branch.
    pub branch: Branch,
    /// Its exact value, correctly rounded.
    pub value: f64,
    /// Its digits.
    pub digits: String,
    /// The error model's bound around it.
    pub abs: error_model::Bound,
}

/// One value's part of the entry: its bound (if the model gives one), its alternative and its interval.
enum Part {
    /// Anything, NaN included, may come out.
    Free,
    /// Constrained: `abs` where the model bounds the error, `interval` always (None: must be NaN).
    Bounded { abs: Option<f64>, alternative: Option<Alternative>, interval: Option<[JsonF64; 2]> },
}

fn part(c: Constraint) -> Part {
    let e = c.expected;
    if e.is_nan() {
        // NaN in, NaN out: IEEE semantics exactly (the special family).
        return Part::Bounded { abs: Some(0.0), alternative: None, interval: None };
    }
    if e.is_infinite() {
        return Part::Bounded { abs: Some(0.0), alternative: None, interval: Some([JsonF64(e), JsonF64(e)]) };
    }
    if c.range.nan {
        return Part::Free;
    }
    let bounded = |b: &error_model::Bound| match b {
        error_model::Bound::Abs(a) => Some(*a),
        error_model::Bound::Unconstrained => None,
    };
    // With an alternative, a value passes within either bound; an unbounded side admits anything.
    let (abs, alternative, band) = match (bounded(&c.abs), c.alternative) {
        (Some(a), None) => (Some(a), None, Some((e - a, e + a))),
        (Some(a), Some(own)) => match bounded(&own.abs) {
            Some(b) => {
                let v = own.value;
                let band = ((e - a).min(v - b), (e + a).max(v + b));
                let alternative = Alternative {
                    branch: own.branch,
                    value: JsonF64(v),
                    digits: own.digits,
                    abs: JsonF64(b),
                };
                (Some(a), Some(alternative), Some(band))
            }
            None => (None, None, None),
        },
        (None, _) => (None, None, None),
    };
    let mut range = c.range;
    if let Some((lo, hi)) = band {
        let within = range.within(lo, hi);
        // Both bounds are sound, so they overlap; the range alone is kept should rounding disagree.
        if !within.no_number() {
            range = within;
        }
    }
    Part::Bounded { abs, alternative, interval: Some([JsonF64(range.lo), JsonF64(range.hi)]) }
}

/// The entry for a scalar result.
pub fn one(c: Constraint) -> Tolerance {
    match part(c) {
        Part::Free => Tolerance::Unconstrained(Unconstrained::Unconstrained),
        Part::Bounded { abs, alternative, interval } => Tolerance::Bound(Bound {
            abs: abs.map(|a| Values::One(JsonF64(a))),
            alternative,
            interval: Intervals::One(interval),
        }),
    }
}

/// The entry for a result with one value per row or element: unconstrained if any value is, interval-
/// only if the model bounds some value's error not.
pub fn rows(cs: Vec<Constraint>) -> Tolerance {
    let mut abs = Some(Vec::new());
    let mut intervals = Vec::new();
    for c in cs {
        match part(c) {
            Part::Free => return Tolerance::Unconstrained(Unconstrained::Unconstrained),
            Part::Bounded { abs: a, interval, .. } => {
                match (abs.as_mut(), a) {
                    (Some(list), Some(a)) => list.push(JsonF64(a)),
                    _ => abs = None,
                }
                intervals.push(interval);
            }
        }
    }
    Tolerance::Bound(Bound {
        abs: abs.map(Values::Rows),
        alternative: None,
        interval: Intervals::Rows(intervals),
    })
}
