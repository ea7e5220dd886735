//! Error statistics of a sweep: the maximum with the inputs that produced the largest errors, mean,
//! median and the share of elements beyond thresholds, the truth that judged them, the one order of
//! errors (NaN worst), and the figure type that keeps `summary.json` stable.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// How a maximum was established (after the Accuracy-of-Mathematical-Functions reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Every input of the domain was evaluated; how far the maximum can be trusted depends on the
    /// truth it was judged against ([`Truth`]).
    Exhaustive,
    /// The maximum over a sample: a lower bound on the true maximum.
    Sampled,
}

/// Which truth judged a figure: the provenance every reported maximum carries into its cell (as SciPy's
/// xsref marks a `fallback` value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Truth {
    /// The arbitrary-precision reference at every input: independent of every subject.
    Reference,
    /// Located by the f64 engine (`stable::engine`, which the stable variants build on), valued by the
    /// reference at the input found; the engine is measured against the reference, not proven.
    Engine,
}

/// The one order of errors in the audit: a NaN error (a NaN result where the truth is a number) is
/// worse than every number, infinity included, so no maximum, share, median or heatmap cell hides it.
pub fn error_order(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.total_cmp(&b),
    }
}

/// Whether error `a` is strictly worse than `b` ([`error_order`]).
pub fn exceeds(a: f64, b: f64) -> bool {
    error_order(a, b) == Ordering::Greater
}

/// The worse of two errors ([`error_order`]; a NaN error wins): the fold of every maximum.
pub fn worse(a: f64, b: f64) -> f64 {
    if exceeds(b, a) {
        b
    } else {
        a
    }
}

/// A reported figure, serialized with [`FIGURE_DIGITS`] significant digits: enough for every table, and
/// immune to last-bit differences of a platform's libm in the few places that use it (statrs).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Fig(pub f64);

/// Significant digits of a figure in `summary.json`.
pub const FIGURE_DIGITS: usize = 6;

/// `v` rounded to `digits` significant decimal digits (non-finite values unchanged).
pub fn round_sig(v: f64, digits: usize) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    format!("{v:.*e}", digits - 1).parse().unwrap_or(v)
}

impl Serialize for Fig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::golden::json_number::encode(round_sig(self.0, FIGURE_DIGITS)).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Fig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::golden::json_number::JsonF64::deserialize(d).map(|v| Fig(v.0))
    }
}

/// Shares of elements whose error exceeds each threshold.
#[derive(Debug, Clone, Serialize)]
pub struct Beyond {
    /// The threshold.
    pub threshold: Fig,
    /// Fraction of the elements with error strictly above it.
    pub share: Fig,
}

/// How many of the worst inputs a summary keeps (the report shows the first; tests re-judge them all).
pub const TOP_K: usize = 3;

/// Summary of one error measure over a sweep; `I` is the input type the worst cases are reported with.
#[derive(Debug, Clone, Serialize)]
pub struct Summary<I> {
    /// Number of elements measured.
    pub count: usize,
    /// The largest error ([`error_order`]: NaN if any error is NaN).
    pub max: Fig,
    /// The truth every error was measured against.
    pub truth: Truth,
    /// The inputs of the [`TOP_K`] largest errors, largest first (the first on ties): `top[0]` produced
    /// `max`.
    pub top: Vec<I>,
    /// Mean error.
    pub mean: Fig,
    /// Median error.
    pub median: Fig,
    /// Shares beyond the requested thresholds.
    pub beyond: Vec<Beyond>,
    /// `sampled` for quick sweeps.
    pub label: Label,
}

impl<I> Summary<I> {
    /// The input that produced `max`.
    pub fn worst(&self) -> &I {
        &self.top[0]
    }
}

/// Summarises `errors[i]` (the error at `inputs[i]`, measured against `truth`; NaN errors are the worst,
/// [`error_order`]), or `None` for an empty sweep.
pub fn summarize<I: Clone>(
    errors: &[f64],
    inputs: &[I],
    thresholds: &[f64],
    truth: Truth,
) -> Option<Summary<I>> {
    let top = top_k(errors, TOP_K);
    let max = errors[*top.first()?];
    let n = errors.len() as f64;
    let mut sorted = errors.to_vec();
    sorted.sort_by(|a, b| error_order(*a, *b));
    let mid = sorted.len() / 2;
    let median = if sorted.len() % 2 == 1 { sorted[mid] } else { 0.5 * (sorted[mid - 1] + sorted[mid]) };
    Some(Summary {
        count: errors.len(),
        max: Fig(max),
        truth,
        top: top.iter().map(|&i| inputs[i].clone()).collect(),
        mean: Fig(errors.iter().sum::<f64>() / n),
        median: Fig(median),
        beyond: thresholds
            .iter()
            .map(|&t| Beyond {
                threshold: Fig(t),
                share: Fig(errors.iter().filter(|&&e| exceeds(e, t)).count() as f64 / n),
            })
            .collect(),
        label: Label::Sampled,
    })
}

/// Indices of the `k` largest errors ([`error_order`]), largest first (ties by index).
pub fn top_k(errors: &[f64], k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..errors.len()).collect();
    idx.sort_by(|&a, &b| error_order(errors[b], errors[a]).then(a.cmp(&b)));
    idx.truncate(k);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarize_reports_the_first_worst_inputs_and_the_median() {
        let s = summarize(&[0.5, 2.0, 1.0, 2.0], &["a", "b", "c", "d"], &[0.9], Truth::Reference).unwrap();
        assert_eq!(
            (s.max, s.top.as_slice(), s.median, s.count),
            (Fig(2.0), &["b", "d", "c"][..], Fig(1.5), 4)
        );
        assert_eq!(s.beyond[0].share, Fig(0.75));
        assert!(summarize::<u8>(&[], &[], &[], Truth::Reference).is_none());
    }

    #[test]
    fn a_nan_error_is_worse_than_every_number() {
        let errors = [1.0, f64::INFINITY, f64::NAN, 3.0];
        let s = summarize(&errors, &[0, 1, 2, 3], &[1e300], Truth::Reference).unwrap();
        assert!(s.max.0.is_nan() && s.mean.0.is_nan(), "{s:?}");
        assert_eq!((s.top.as_slice(), s.beyond[0].share), (&[2, 1, 3][..], Fig(0.5)));
        assert_eq!(s.median, Fig(f64::INFINITY));
        assert!(errors.into_iter().fold(0.0, worse).is_nan(), "the fold of every maximum keeps NaN");
        assert!(exceeds(f64::NAN, f64::INFINITY) && !exceeds(f64::INFINITY, f64::NAN));
    }

    #[test]
    fn figures_keep_six_significant_digits() {
        assert_eq!(round_sig(1.234_567_89e-7, 6), 1.234_57e-7);
        assert_eq!(serde_json::to_string(&Fig(f64::INFINITY)).unwrap(), "\"inf\"");
    }
}
