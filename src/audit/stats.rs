//! Error statistics of a sweep: the maximum with the input that produced it, mean, median and the share
//! of elements beyond thresholds, plus the figure type that keeps `summary.json` stable.

use serde::{Deserialize, Serialize};

/// How a maximum was established (the labels of the Accuracy-of-Mathematical-Functions reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Every input of the domain was evaluated: the maximum is the true maximum.
    Proven,
    /// The maximum over a sample: a lower bound on the true maximum.
    Sampled,
}

impl Label {
    /// The label as the report prints it.
    pub fn name(self) -> &'static str {
        match self {
            Label::Proven => "proven",
            Label::Sampled => "sampled",
        }
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

/// Summary of one error measure over a sweep; `I` is the input type the worst case is reported with.
#[derive(Debug, Clone, Serialize)]
pub struct Summary<I> {
    /// Number of elements measured.
    pub count: usize,
    /// The largest error (infinite errors included).
    pub max: Fig,
    /// The input that produced `max` (the first such input of the sweep).
    pub worst: I,
    /// Mean error.
    pub mean: Fig,
    /// Median error.
    pub median: Fig,
    /// Shares beyond the requested thresholds.
    pub beyond: Vec<Beyond>,
    /// `sampled` for quick sweeps.
    pub label: Label,
    /// The error at `worst` recomputed against the arbitrary-precision reference, where it was.
    pub reference: Option<Fig>,
}

impl<I> Summary<I> {
    /// The maximum as the report gives it: re-judged by the reference where it was, else the sweep's own.
    pub fn reported_max(&self) -> Fig {
        self.reference.unwrap_or(self.max)
    }
}

/// Summarises `errors[i]` (the error at `inputs[i]`; NaN errors count as infinite), or `None` for an
/// empty sweep.
pub fn summarize<I: Clone>(errors: &[f64], inputs: &[I], thresholds: &[f64]) -> Option<Summary<I>> {
    let clean: Vec<f64> = errors.iter().map(|&e| if e.is_nan() { f64::INFINITY } else { e }).collect();
    let (arg, max) = argmax(&clean)?;
    let n = clean.len() as f64;
    let mut sorted = clean.clone();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    let median = if sorted.len() % 2 == 1 { sorted[mid] } else { 0.5 * (sorted[mid - 1] + sorted[mid]) };
    Some(Summary {
        count: clean.len(),
        max: Fig(max),
        worst: inputs[arg].clone(),
        mean: Fig(clean.iter().sum::<f64>() / n),
        median: Fig(median),
        beyond: thresholds
            .iter()
            .map(|&t| Beyond {
                threshold: Fig(t),
                share: Fig(clean.iter().filter(|&&e| e > t).count() as f64 / n),
            })
            .collect(),
        label: Label::Sampled,
        reference: None,
    })
}

/// Index and value of the largest element (the first on ties), `None` if empty.
pub fn argmax(values: &[f64]) -> Option<(usize, f64)> {
    values.iter().copied().enumerate().fold(None, |best, (i, v)| match best {
        Some((_, b)) if b >= v => best,
        _ => Some((i, v)),
    })
}

/// Indices of the `k` largest values, largest first (ties by index).
pub fn top_k(values: &[f64], k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    idx.truncate(k);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarize_reports_the_first_worst_input_and_the_median() {
        let s = summarize(&[0.5, 2.0, 1.0, 2.0], &["a", "b", "c", "d"], &[0.9]).unwrap();
        assert_eq!((s.max, s.worst, s.median, s.count), (Fig(2.0), "b", Fig(1.5), 4));
        assert_eq!(s.beyond[0].share, Fig(0.75));
        assert!(summarize::<u8>(&[], &[], &[]).is_none());
    }

    #[test]
    fn figures_keep_six_significant_digits() {
        assert_eq!(round_sig(1.234_567_89e-7, 6), 1.234_57e-7);
        assert_eq!(serde_json::to_string(&Fig(f64::INFINITY)).unwrap(), "\"inf\"");
    }
}
