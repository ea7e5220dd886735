//! The CDF section: the tanh formula against the true Phi (approximation error), every implementation and
//! precision against Phi and against its own exact formula (rounding error), where each becomes exactly
//! 0 or 1, and the tail probabilities it can still carry.

use super::sample::Stream;
use super::stats::{exceeds, summarize, worse, Fig, Label, Summary, Truth};
use super::{Precision, Settings};
use crate::golden::judge::ulp;
use crate::reference::{self, Variant};
use crate::{Cdf, Error};
use rayon::prelude::*;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

/// Who computes the CDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Implementation {
    /// `Cdf::Erf`: `0.5 * (1 + erf(z / sqrt 2))`.
    Erf,
    /// `Cdf::Tanh`: improved-diffusion's tanh approximation.
    Tanh,
    /// `statrs::distribution::Normal::new(0, 1).cdf(z)`: `0.5 * erfc(-z / sqrt 2)` with statrs' erfc.
    Statrs,
}

impl From<Cdf> for Implementation {
    fn from(cdf: Cdf) -> Implementation {
        match cdf {
            Cdf::Erf => Implementation::Erf,
            Cdf::Tanh => Implementation::Tanh,
        }
    }
}

/// One audited CDF: an implementation evaluated in a precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// The formula and code.
    pub implementation: Implementation,
    /// The working precision.
    pub precision: Precision,
}

impl Subject {
    /// Every audited CDF, in report order.
    pub const ALL: [Subject; 5] = [
        Subject { implementation: Implementation::Erf, precision: Precision::F32 },
        Subject { implementation: Implementation::Erf, precision: Precision::F64 },
        Subject { implementation: Implementation::Tanh, precision: Precision::F32 },
        Subject { implementation: Implementation::Tanh, precision: Precision::F64 },
        Subject { implementation: Implementation::Statrs, precision: Precision::F64 },
    ];

    /// E.g. `"erf f32"`.
    pub fn name(self) -> String {
        let imp = match self.implementation {
            Implementation::Erf => "erf",
            Implementation::Tanh => "tanh",
            Implementation::Statrs => "statrs",
        };
        format!("{imp} {}", self.precision.name())
    }

    /// The exact function this code computes (the tanh formula for `tanh`, Phi otherwise).
    pub fn formula(self) -> Variant {
        match self.implementation {
            Implementation::Tanh => Variant::Tanh,
            Implementation::Erf | Implementation::Statrs => Variant::Gaussian,
        }
    }

    /// The CDF at `z` (representable in the precision), as this subject computes it.
    pub fn eval(self, z: f64) -> f64 {
        match self.implementation {
            Implementation::Erf => self.precision.cdf(Cdf::Erf, z),
            Implementation::Tanh => self.precision.cdf(Cdf::Tanh, z),
            Implementation::Statrs => statrs_cdf(z),
        }
    }
}

/// statrs' standard normal CDF.
fn statrs_cdf(z: f64) -> f64 {
    // Normal::new fails only for a non-finite mean or a non-positive standard deviation.
    Normal::new(0.0, 1.0).map_or(f64::NAN, |n| n.cdf(z))
}

/// The exact value of `variant`'s CDF at `z`, correctly rounded (reference).
pub fn reference_truth(variant: Variant, z: f64) -> Result<f64, Error> {
    Ok(match variant {
        Variant::Gaussian => reference::phi(z)?.value,
        Variant::Tanh => reference::tanh_cdf(z)?.value,
    })
}

/// [`reference_truth`] at every `z`, in parallel.
fn reference_truths(variant: Variant, zs: &[f32]) -> Result<Vec<f64>, Error> {
    zs.par_iter().map(|&z| reference_truth(variant, z.into())).collect()
}

/// Which error measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// `|F - P|` in ulps of the precision at `P`.
    Ulps,
    /// `|F - P|`.
    Abs,
    /// `|ln F - ln P|`, only where `F > 0` and `P` is a normal number of the precision (a subnormal
    /// carries fewer digits, so even its correct rounding can be off by up to ln 2 in log space).
    Log,
}

/// The error of a computed value `f` in precision `p` against the true `t`, by `measure`; `None` where
/// the measure does not apply.
pub fn error(measure: Measure, p: Precision, f: f64, t: f64) -> Option<f64> {
    // f and t are close f64 numbers wherever the error matters, so f - t is (nearly) exact.
    let abs = (f - t).abs();
    match measure {
        Measure::Abs => Some(abs),
        Measure::Ulps => Some(abs / ulp(t, p.bits())),
        // ln F - ln P = log1p((F - P)/P), accurate however close F and P are (P is a normal f64 here:
        // every precision's smallest normal number is at least f64's).
        Measure::Log if f > 0.0 && t >= p.min_normal() => Some(libm::log1p((f - t) / t).abs()),
        Measure::Log => None,
    }
}

/// One subject judged against one exact function over the sample.
#[derive(Debug, Clone, Serialize)]
pub struct Judged {
    /// Error in ulps of the precision at the true value (`None` only for an empty sample).
    pub ulps: Option<Summary<f32>>,
    /// Absolute error.
    pub abs: Option<Summary<f32>>,
    /// Error of ln F where F > 0 and the true value is a normal number of the precision.
    pub log: Option<Summary<f32>>,
    /// Inputs where F is exactly 0 although the true value rounds to a nonzero number.
    pub flushed_to_zero: usize,
    /// Inputs where F is exactly 1 although the true value rounds to a number below 1.
    pub flushed_to_one: usize,
}

/// Where a CDF becomes exactly 0 (or 1) and how large the true tail is there.
#[derive(Debug, Clone, Serialize)]
pub struct Threshold {
    /// The largest z with F(z) = 0 (for 0), or the smallest z with F(z) = 1 (for 1).
    pub z: f64,
    /// The true tail there: Phi(z) for 0, 1 - Phi(z) for 1 (reference).
    pub true_tail: Fig,
    /// Found by bisection over the precision's numbers (assumes monotonicity): `sampled`.
    pub label: Label,
}

/// Everything about one subject.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectAudit {
    /// The implementation and precision.
    pub subject: Subject,
    /// Against the true Phi: approximation and rounding error together.
    pub vs_phi: Judged,
    /// Against its own exact formula (tanh only: rounding error alone; for the others it is `vs_phi`).
    pub vs_formula: Option<Judged>,
    /// Where F becomes exactly 0.
    pub zero_at: Threshold,
    /// Where F becomes exactly 1.
    pub one_at: Threshold,
}

/// The tail probability each subject carries at one z (F for z <= 0, 1 - F above).
#[derive(Debug, Clone, Serialize)]
pub struct TailRow {
    /// The point (an f32).
    pub z: f32,
    /// The true tail min(Phi, 1 - Phi) (reference).
    pub true_tail: Fig,
    /// Relative error of each subject's tail, in `Subject::ALL` order (1 = the tail is lost: F is 0 or 1).
    pub relative_error: Vec<Fig>,
    /// Relative error of the exact tanh formula's tail (its approximation error).
    pub tanh_formula: Fig,
}

/// The tanh formula in exact arithmetic against Phi.
#[derive(Debug, Clone, Serialize)]
pub struct Approximation {
    /// Largest |T(z) - Phi(z)| on the grid (reference).
    pub max_abs: Fig,
    /// |z| there (T - Phi is odd in z).
    pub at: f64,
    /// Grid step of the search (the maximum is `sampled`, to about step^2 relative).
    pub grid_step: f64,
    /// For each threshold in nats, the z below which (down to -40, on a grid of step 2^-8) every point
    /// has |ln T - ln Phi| above it.
    pub log_error_beyond: Vec<(Fig, f64)>,
}

/// The CDF section of the report.
#[derive(Debug, Clone, Serialize)]
pub struct CdfAudit {
    /// Approximation error of the tanh formula.
    pub approximation: Approximation,
    /// Per implementation and precision.
    pub subjects: Vec<SubjectAudit>,
    /// Tail probabilities at chosen points.
    pub tails: Vec<TailRow>,
}

/// Points of the tail table.
const TAIL_POINTS: [f32; 14] =
    [-37.0, -20.0, -10.0, -8.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0, 1.0, 3.0, 5.0, 8.0];

/// Thresholds (nats) of the tanh formula's log-space tail error.
const LOG_THRESHOLDS: [f64; 5] = [1e-3, 1e-2, 0.1, 1.0, 10.0];

/// The CDF sample of an audit with `settings`.
pub fn sample(settings: &Settings) -> Vec<f32> {
    let stream = Stream::new(settings.seed, 1);
    (0..settings.cdf_samples as u64).map(|i| sample_z(stream, i)).collect()
}

/// Draw `i` of the CDF sample: thirds uniform on [-8, 8], uniform on [-40, 40], and +-2^u, u in [-24, 3].
fn sample_z(stream: Stream, i: u64) -> f32 {
    match i % 3 {
        0 => stream.uniform(i, -8.0, 8.0),
        1 => stream.uniform(i, -40.0, 40.0),
        _ => {
            let e = stream.uniform(i, -24.0, 3.0);
            let sign = if (i / 3).is_multiple_of(2) { 1.0 } else { -1.0 };
            sign * libm::exp2f(e)
        }
    }
}

/// Judges `subject` against `variant`'s exact CDF on `zs`, whose exact values ([`reference_truth`]) are
/// `truths`.
fn judge(subject: Subject, zs: &[f32], truths: &[f64]) -> Judged {
    let p = subject.precision;
    let rows: Vec<(f64, f64)> = zs.iter().zip(truths).map(|(&z, &t)| (subject.eval(z.into()), t)).collect();
    let summary = |m: Measure| -> Option<Summary<f32>> {
        let (errors, inputs): (Vec<f64>, Vec<f32>) =
            rows.iter().zip(zs).filter_map(|(&(f, t), &z)| error(m, p, f, t).map(|e| (e, z))).unzip();
        summarize(&errors, &inputs, &[], Truth::Reference)
    };
    let one_below = 1.0 - libm::ldexp(1.0, -(p.bits() + 1));
    Judged {
        ulps: summary(Measure::Ulps),
        abs: summary(Measure::Abs),
        log: summary(Measure::Log),
        flushed_to_zero: rows.iter().filter(|&&(f, t)| f == 0.0 && t > p.underflow()).count(),
        flushed_to_one: rows.iter().filter(|&&(f, t)| f == 1.0 && t < one_below).count(),
    }
}

/// The boundary of a monotone predicate by bisection over the numbers of a precision: given
/// `pred(lo) = false` and `pred(hi) = true`, returns adjacent `(lo, hi)` with the same property.
fn bisect(mut lo: f64, mut hi: f64, round: impl Fn(f64) -> f64, pred: impl Fn(f64) -> bool) -> (f64, f64) {
    loop {
        let mid = round(0.5 * lo + 0.5 * hi);
        if mid == lo || mid == hi {
            return (lo, hi);
        }
        if pred(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
}

/// Where `subject` becomes exactly 0 and exactly 1 (bisection between -50 and 0, and 0 and 50).
fn thresholds(subject: Subject) -> Result<(Threshold, Threshold), Error> {
    let round = |z| subject.precision.round(z);
    let (zero, _) = bisect(-50.0, 0.0, round, |z| subject.eval(z) > 0.0);
    let (_, one) = bisect(0.0, 50.0, round, |z| subject.eval(z) == 1.0);
    Ok((
        Threshold { z: zero, true_tail: Fig(reference::phi(zero)?.value), label: Label::Sampled },
        Threshold { z: one, true_tail: Fig(reference::phi(-one)?.value), label: Label::Sampled },
    ))
}

/// The tail-probability table.
fn tails() -> Result<Vec<TailRow>, Error> {
    TAIL_POINTS
        .iter()
        .map(|&z| {
            let zf = f64::from(z);
            // Tails by symmetry: min(F, 1 - F) is F(-|z|) for the exact formulas.
            let true_tail = reference::phi(-zf.abs())?.value;
            let tail_of = |f: f64| if z <= 0.0 { f } else { 1.0 - f };
            let rel = |tail: f64| ((tail - true_tail) / true_tail).abs();
            Ok(TailRow {
                z,
                true_tail: Fig(true_tail),
                relative_error: Subject::ALL.iter().map(|s| Fig(rel(tail_of(s.eval(zf))))).collect(),
                tanh_formula: Fig(rel(reference::tanh_cdf(-zf.abs())?.value)),
            })
        })
        .collect()
}

/// The approximation error of the tanh formula on a grid of step 2^-12 over [0, 8] (absolute error) and
/// of step 2^-8 over [-40, 0] (log-space tail error), by the reference.
fn approximation() -> Result<Approximation, Error> {
    let step = libm::ldexp(1.0, -12);
    let gaps = (0..=8 << 12)
        .into_par_iter()
        .map(|k| {
            let z = f64::from(k) * step;
            Ok((z, (reference::tanh_cdf(z)?.value - reference::phi(z)?.value).abs()))
        })
        .collect::<Result<Vec<(f64, f64)>, Error>>()?;
    let (at, max_abs) =
        gaps.into_iter().fold((0.0, 0.0), |best, (z, e)| if exceeds(e, best.1) { (z, e) } else { best });
    // From z = -40 up: the log-space error at each grid point.
    let coarse = libm::ldexp(1.0, -8);
    let log_errors = (0..=40 << 8)
        .into_par_iter()
        .map(|k| {
            let z = f64::from(k - (40 << 8)) * coarse;
            Ok((z, (reference::log_tanh_cdf(z)?.value - reference::log_phi(z)?.value).abs()))
        })
        .collect::<Result<Vec<(f64, f64)>, Error>>()?;
    let log_error_beyond = LOG_THRESHOLDS
        .iter()
        .map(|&thr| {
            // The first grid point within the threshold: every grid point below the one before it exceeds
            // the threshold (the error is not monotone: T crosses Phi).
            let first_within = log_errors.iter().find(|&&(_, e)| !exceeds(e, thr));
            (Fig(thr), first_within.map_or(0.0, |&(z, _)| z - coarse))
        })
        .collect();
    Ok(Approximation { max_abs: Fig(max_abs), at, grid_step: step, log_error_beyond })
}

/// Runs the CDF section.
pub fn audit(settings: &Settings) -> Result<CdfAudit, Error> {
    let zs = sample(settings);
    let phi = reference_truths(Variant::Gaussian, &zs)?;
    let tanh = reference_truths(Variant::Tanh, &zs)?;
    let subjects = Subject::ALL
        .iter()
        .map(|&subject| {
            let (zero_at, one_at) = thresholds(subject)?;
            Ok(SubjectAudit {
                subject,
                vs_phi: judge(subject, &zs, &phi),
                vs_formula: match subject.formula() {
                    Variant::Tanh => Some(judge(subject, &zs, &tanh)),
                    Variant::Gaussian => None,
                },
                zero_at,
                one_at,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(CdfAudit { approximation: approximation()?, subjects, tails: tails()? })
}

/// A curve of one plot: (z, error) points.
#[derive(Debug, Clone)]
pub struct Curve {
    /// Legend entry.
    pub name: String,
    /// The precision plotted (`None` for the exact tanh formula, shown with both).
    pub precision: Option<Precision>,
    /// Points: the largest error in each bin of 50 grid points (zero errors are kept, the plot puts them
    /// on its floor; a NaN error is kept, the plot puts it on its ceiling).
    pub points: Vec<(f64, f64)>,
}

/// Error against z on a grid of 20000 f32 points in [-10, 10) against the reference, as an envelope (max
/// per bin of 50, [`worse`]: NaN kept), for every subject and the exact tanh formula: `(absolute error,
/// relative error of the tail min(F, 1 - F))`.
pub fn curves() -> Result<(Vec<Curve>, Vec<Curve>), Error> {
    let grid: Vec<f64> = (-10_000..10_000).map(|k| f64::from((f64::from(k) * 0.001) as f32)).collect();
    // Per z: Phi(z), the true tail Phi(-|z|) and the exact tanh formula T(z).
    let values = grid
        .par_iter()
        .map(|&z| {
            Ok((reference::phi(z)?.value, reference::phi(-z.abs())?.value, reference::tanh_cdf(z)?.value))
        })
        .collect::<Result<Vec<(f64, f64, f64)>, Error>>()?;
    let (zs, exact) = (&grid, &values);
    let tail = |z: f64, f: f64| if z <= 0.0 { f } else { 1.0 - f };
    let rel = |i: usize, f: f64| ((tail(zs[i], f) - exact[i].1) / exact[i].1).abs();
    let abs = |i: usize, f: f64| (f - exact[i].0).abs();
    type Cdf<'a> = Box<dyn Fn(usize) -> f64 + 'a>;
    let mut named: Vec<(String, Option<Precision>, Cdf)> =
        vec![("tanh formula, exact".into(), None, Box::new(move |i| exact[i].2))];
    for s in Subject::ALL {
        named.push((s.name(), Some(s.precision), Box::new(move |i| s.eval(zs[i]))));
    }
    let envelope = |f: &dyn Fn(usize) -> f64, err: &dyn Fn(usize, f64) -> f64| -> Vec<(f64, f64)> {
        let bins: Vec<usize> = (0..zs.len()).collect();
        bins.chunks(50)
            .map(|bin| {
                let mid = 0.5 * (zs[bin[0]] + zs[bin[bin.len() - 1]]);
                (mid, bin.iter().map(|&i| err(i, f(i))).fold(0.0, worse))
            })
            .collect()
    };
    let build = |err: &dyn Fn(usize, f64) -> f64| -> Vec<Curve> {
        named
            .iter()
            .map(|(name, precision, f)| Curve {
                name: name.clone(),
                precision: *precision,
                points: envelope(f, err),
            })
            .collect()
    };
    Ok((build(&abs), build(&rel)))
}
