//! The `normal_kl` section: relative error for nearly identical Gaussians (logvar differences 1e-2 to
//! 1e-7, the regime of most VLB terms), where `-1 + logvar2 - logvar1 + exp(logvar1 - logvar2)` cancels
//! down to ~d^2/2, and how often f32 returns 0 or a negative KL; the upstream formula beside the stable
//! `normal_kl_stable`.

use super::sample::Stream;
use super::stats::{summarize, worse, Fig, Summary, Truth};
use super::{Precision, Settings};
use crate::stable::normal_kl_stable;
use crate::upstream::normal_kl::normal_kl_point;
use crate::{reference, Error, Real};
use rayon::prelude::*;
use serde::Serialize;

/// A family of KL arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// `mean1 = mean2`: only the variances differ.
    VarianceOnly,
    /// The means also differ, by `10^U[-7,-2]` standard deviations.
    MeanAndVariance,
}

impl Family {
    /// Both families.
    pub const ALL: [Family; 2] = [Family::VarianceOnly, Family::MeanAndVariance];

    /// The family's name.
    pub fn name(self) -> &'static str {
        match self {
            Family::VarianceOnly => "variance only",
            Family::MeanAndVariance => "mean and variance",
        }
    }

    /// Every input of the family in an audit with `settings`.
    pub fn inputs(self, settings: &Settings) -> Vec<KlInput> {
        let k = Family::ALL.iter().position(|&f| f == self).unwrap_or_default() as u64;
        let stream = Stream::new(settings.seed, 20 + k);
        (0..settings.kl_samples as u64).map(|i| self.draw(stream, i)).collect()
    }

    /// Draw `i`: `logvar2 ~ U[-10, -1]`, `logvar1 = logvar2 + d` with `|d| = 10^U[-7,-2]` (rounded to f32,
    /// so the realised d is a multiple of logvar2's spacing), `mean2 ~ U[-1, 1]`.
    fn draw(self, stream: Stream, i: u64) -> KlInput {
        let logvar2 = stream.fork(0).uniform(i, -10.0, -1.0);
        let logvar1 = (f64::from(logvar2) + stream.fork(1).signed_log_uniform(i, -7.0, -2.0)) as f32;
        let mean2 = stream.fork(2).uniform(i, -1.0, 1.0);
        let mean1 = match self {
            Family::VarianceOnly => mean2,
            Family::MeanAndVariance => {
                let gap =
                    stream.fork(3).signed_log_uniform(i, -7.0, -2.0) * libm::exp(0.5 * f64::from(logvar2));
                (f64::from(mean2) + gap) as f32
            }
        };
        KlInput { mean1, logvar1, mean2, logvar2 }
    }
}

/// Which `normal_kl` formula is audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    /// Upstream's `-1 + logvar2 - logvar1 + exp(logvar1 - logvar2) + ...`.
    Upstream,
    /// [`normal_kl_stable`]: `expm1(d) - d` by its series near 0.
    Stable,
}

impl Form {
    /// Both forms, upstream first.
    pub const ALL: [Form; 2] = [Form::Upstream, Form::Stable];

    /// `"upstream"` or `"stable"`.
    pub fn name(self) -> &'static str {
        match self {
            Form::Upstream => "upstream",
            Form::Stable => "stable",
        }
    }
}

/// The four f32 arguments of one KL.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KlInput {
    /// Mean of the first Gaussian.
    pub mean1: f32,
    /// Its log-variance.
    pub logvar1: f32,
    /// Mean of the second Gaussian.
    pub mean2: f32,
    /// Its log-variance.
    pub logvar2: f32,
}

impl KlInput {
    /// `normal_kl` in `form`, evaluated in `p`.
    pub fn fast(self, form: Form, p: Precision) -> f64 {
        crate::with_real!(p, T => fast_in::<T>(self, form))
    }

    /// The exact value (reference, correctly rounded): the truth of the section.
    pub fn reference(self) -> Result<f64, Error> {
        Ok(reference::normal_kl(
            self.mean1.into(),
            self.logvar1.into(),
            self.mean2.into(),
            self.logvar2.into(),
        )?
        .value)
    }

    /// The realised `|logvar1 - logvar2|` (exact in f64).
    fn d(self) -> f64 {
        (f64::from(self.logvar1) - f64::from(self.logvar2)).abs()
    }
}

/// [`KlInput::fast`] in `T`.
fn fast_in<T: Real>(a: KlInput, form: Form) -> f64 {
    let c = |v: f32| T::cast(v.into());
    let (m1, lv1, m2, lv2) = (c(a.mean1), c(a.logvar1), c(a.mean2), c(a.logvar2));
    match form {
        Form::Upstream => normal_kl_point(m1, lv1, m2, lv2),
        Form::Stable => normal_kl_stable(m1, lv1, m2, lv2),
    }
    .as_f64()
}

/// One decade of |d| for one form in one precision.
#[derive(Debug, Clone, Serialize)]
pub struct KlRow {
    /// The family.
    pub family: Family,
    /// The formula.
    pub form: Form,
    /// The precision.
    pub precision: Precision,
    /// Lower end of the |d| decade (0 for the row of d = 0).
    pub d_from: Fig,
    /// Upper end.
    pub d_to: Fig,
    /// Elements in the row.
    pub count: usize,
    /// Of these, identical Gaussians (exact KL exactly 0), and the largest |computed KL| among them.
    pub identical: usize,
    /// See `identical`.
    pub identical_max_abs: Fig,
    /// Relative error against the exact KL (elements with exact KL 0 excluded).
    pub relative_error: Option<Summary<KlInput>>,
    /// Share of elements where the computed KL is exactly 0 although the exact one is positive.
    pub zero_share: Fig,
    /// Share of elements where the computed KL is negative.
    pub negative_share: Fig,
}

/// The `normal_kl` section.
#[derive(Debug, Clone, Serialize)]
pub struct KlAudit {
    /// Rows by family, form, precision and decade of |d|.
    pub rows: Vec<KlRow>,
}

impl KlAudit {
    /// The largest relative error of `normal_kl_stable` in `precision` over every row (maxima as reported).
    pub fn stable_max_relative_error(&self, precision: Precision) -> f64 {
        self.rows
            .iter()
            .filter(|r| r.form == Form::Stable && r.precision == precision)
            .filter_map(|r| r.relative_error.as_ref())
            .map(|s| s.max.0)
            .fold(0.0, worse)
    }

    /// The largest share of results of `normal_kl_stable` that are 0 or negative in any row.
    pub fn stable_zero_or_negative_share(&self) -> f64 {
        self.rows
            .iter()
            .filter(|r| r.form == Form::Stable)
            .map(|r| r.zero_share.0 + r.negative_share.0)
            .fold(0.0, worse)
    }
}

/// Relative error thresholds: 1% and "no correct digit".
const THRESHOLDS: [f64; 2] = [0.01, 1.0];

/// Runs the `normal_kl` section.
pub fn audit(settings: &Settings) -> Result<KlAudit, Error> {
    let mut rows = Vec::new();
    for family in Family::ALL {
        let inputs = family.inputs(settings);
        let exact: Vec<f64> = inputs.par_iter().map(|a| a.reference()).collect::<Result<_, Error>>()?;
        // Decades [1e-3, 1e-2), ..., [1e-7, 1e-6) (smaller nonzero d joins the last), then d = 0.
        let bounds: Vec<(f64, f64)> = (2..7)
            .map(|e| (libm::pow(10.0, -(e as f64) - 1.0), libm::pow(10.0, -(e as f64))))
            .chain([(0.0, 0.0)])
            .collect();
        for (form, p) in Form::ALL.iter().flat_map(|&f| Precision::NATIVE.map(|p| (f, p))) {
            for (b, &(lo, hi)) in bounds.iter().enumerate() {
                let last_decade = b + 2 == bounds.len();
                let in_row = |a: &KlInput| {
                    let d = a.d();
                    if hi == 0.0 {
                        d == 0.0
                    } else {
                        d > 0.0 && d < hi && (d >= lo || last_decade)
                    }
                };
                // (input, computed, exact) of every member of the row.
                let members: Vec<(KlInput, f64, f64)> = inputs
                    .iter()
                    .zip(&exact)
                    .filter(|(a, _)| in_row(a))
                    .map(|(&a, &e)| (a, a.fast(form, p), e))
                    .collect();
                let judged: Vec<&(KlInput, f64, f64)> = members.iter().filter(|m| m.2 > 0.0).collect();
                let errors: Vec<f64> = judged.iter().map(|&&(_, f, e)| ((f - e) / e).abs()).collect();
                let judged_inputs: Vec<KlInput> = judged.iter().map(|j| j.0).collect();
                let n = members.len().max(1) as f64;
                let identical: Vec<f64> = members.iter().filter(|m| m.2 == 0.0).map(|m| m.1.abs()).collect();
                rows.push(KlRow {
                    family,
                    form,
                    precision: p,
                    d_from: Fig(lo),
                    d_to: Fig(hi),
                    count: members.len(),
                    identical: identical.len(),
                    identical_max_abs: Fig(identical.iter().copied().fold(0.0, worse)),
                    relative_error: summarize(&errors, &judged_inputs, &THRESHOLDS, Truth::Reference),
                    zero_share: Fig(judged.iter().filter(|j| j.1 == 0.0).count() as f64 / n),
                    negative_share: Fig(members.iter().filter(|m| m.1 < 0.0).count() as f64 / n),
                });
            }
        }
    }
    Ok(KlAudit { rows })
}
