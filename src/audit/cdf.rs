//! The CDF section: the tanh formula against the true Phi (approximation error), every implementation and
//! precision against Phi and against its own exact formula (rounding error), where each becomes exactly
//! 0 or 1, and the tail probabilities it can still carry.

use super::sample::Stream;
use super::stats::{summarize, Fig, Label, Summary};
use super::{Precision, Settings};
use crate::golden::judge::ulp;
use crate::reference::{self, Variant};
use crate::stable::engine;
use crate::{Cdf, Error};
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

/// The exact value of `variant`'s CDF at `z` from the accurate f64 engine (a few f64 ulps).
pub fn truth(variant: Variant, z: f64) -> f64 {
    match variant {
        Variant::Gaussian => engine::phi(z),
        Variant::Tanh => engine::tanh_cdf(z),
    }
}

/// `ln` of [`truth`], finite far below where the CDF underflows.
pub fn log_truth(variant: Variant, z: f64) -> f64 {
    match variant {
        Variant::Gaussian => engine::log_phi(z),
        Variant::Tanh => engine::log_tanh_cdf(z),
    }
}

/// The exact value (correctly rounded) and its log from the arbitrary-precision reference.
pub fn reference_truth(variant: Variant, z: f64) -> Result<(f64, f64), Error> {
    Ok(match variant {
        Variant::Gaussian => (reference::phi(z)?.value, reference::log_phi(z)?.value),
        Variant::Tanh => (reference::tanh_cdf(z)?.value, reference::log_tanh_cdf(z)?.value),
    })
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

/// The error of a computed value `f` in precision `p` against the true `t` (with `ln t`), by `measure`;
/// `None` where the measure does not apply.
pub fn error(measure: Measure, p: Precision, f: f64, t: f64, log_t: f64) -> Option<f64> {
    // f and t are close f64 numbers wherever the error matters, so f - t is (nearly) exact.
    let abs = (f - t).abs();
    match measure {
        Measure::Abs => Some(abs),
        Measure::Ulps => Some(abs / ulp(t, p.bits())),
        Measure::Log if f > 0.0 && t >= p.min_normal() => Some(if t >= f64::MIN_POSITIVE {
            // ln F - ln P = log1p((F - P)/P), exact in f64 however close F and P are.
            libm::log1p((f - t) / t).abs()
        } else {
            (libm::log(f) - log_t).abs()
        }),
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
    /// Largest |T(z) - Phi(z)| on the grid (located by the engine, valued by the reference).
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

/// Draw `i` of the CDF sample: thirds uniform on [-8, 8], uniform on [-40, 40], and +-2^u, u in [-24, 3].
fn sample_z(stream: Stream, i: u64) -> f32 {
    match i % 3 {
        0 => stream.uniform(i, -8.0, 8.0),
        1 => stream.uniform(i, -40.0, 40.0),
        _ => {
            let e = stream.uniform(i, -24.0, 3.0);
            let sign = if (i / 3) % 2 == 0 { 1.0 } else { -1.0 };
            sign * libm::exp2f(e)
        }
    }
}

/// Judges `subject` against `variant`'s exact CDF on `zs`.
fn judge(subject: Subject, variant: Variant, zs: &[f32]) -> Result<Judged, Error> {
    let p = subject.precision;
    let rows: Vec<(f64, f64, f64)> = zs
        .iter()
        .map(|&z| {
            let z = f64::from(z);
            (subject.eval(z), truth(variant, z), log_truth(variant, z))
        })
        .collect();
    let measure = |m: Measure| -> (Vec<f64>, Vec<f32>) {
        rows.iter().zip(zs).filter_map(|(&(f, t, lt), &z)| error(m, p, f, t, lt).map(|e| (e, z))).unzip()
    };
    let summary = |m: Measure| -> Result<Option<Summary<f32>>, Error> {
        let (errors, inputs) = measure(m);
        let Some(mut s) = summarize(&errors, &inputs, &[]) else { return Ok(None) };
        let z = f64::from(s.worst);
        let (t, lt) = reference_truth(variant, z)?;
        s.reference = error(m, p, subject.eval(z), t, lt).map(Fig);
        Ok(Some(s))
    };
    let one_below = 1.0 - libm::ldexp(1.0, -(p.bits() + 1));
    Ok(Judged {
        ulps: summary(Measure::Ulps)?,
        abs: summary(Measure::Abs)?,
        log: summary(Measure::Log)?,
        flushed_to_zero: rows.iter().filter(|&&(f, t, _)| f == 0.0 && t > p.underflow()).count(),
        flushed_to_one: rows.iter().filter(|&&(f, t, _)| f == 1.0 && t < one_below).count(),
    })
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
/// of step 2^-8 over [-40, 0] (log-space tail error), by the engine.
fn approximation() -> Result<Approximation, Error> {
    let step = libm::ldexp(1.0, -12);
    let (at, _) = (0..=8 << 12)
        .map(|k| {
            let z = f64::from(k) * step;
            (z, (engine::tanh_cdf(z) - engine::phi(z)).abs())
        })
        .fold((0.0, 0.0), |best, (z, e)| if e > best.1 { (z, e) } else { best });
    let coarse = libm::ldexp(1.0, -8);
    let log_error_beyond = LOG_THRESHOLDS
        .iter()
        .map(|&thr| {
            // Walk up from z = -40 to the first grid point within the threshold: every grid point
            // below the one before it exceeds the threshold (the error is not monotone: T crosses Phi).
            let grid = (0..=40 << 8).rev().map(|k| -f64::from(k) * coarse);
            let first_within =
                grid.clone().find(|&z| (engine::log_tanh_cdf(z) - engine::log_phi(z)).abs() <= thr);
            (Fig(thr), first_within.map_or(0.0, |z| z - coarse))
        })
        .collect();
    // The maximum as the reference has it (the engine only located it).
    let max_abs = (reference::tanh_cdf(at)?.value - reference::phi(at)?.value).abs();
    Ok(Approximation { max_abs: Fig(max_abs), at, grid_step: step, log_error_beyond })
}

/// Runs the CDF section.
pub fn audit(settings: &Settings) -> Result<CdfAudit, Error> {
    let stream = Stream::new(settings.seed, 1);
    let zs: Vec<f32> = (0..settings.cdf_samples as u64).map(|i| sample_z(stream, i)).collect();
    let subjects = Subject::ALL
        .iter()
        .map(|&subject| {
            let (zero_at, one_at) = thresholds(subject)?;
            Ok(SubjectAudit {
                subject,
                vs_phi: judge(subject, Variant::Gaussian, &zs)?,
                vs_formula: match subject.formula() {
                    Variant::Tanh => Some(judge(subject, Variant::Tanh, &zs)?),
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
    /// Points: the largest error in each bin of 50 grid points (zero errors are kept; the plot puts
    /// them on its floor).
    pub points: Vec<(f64, f64)>,
}

/// Error against z on a grid of 20001 f32 points in [-10, 10], as an envelope (max per bin of 50), for
/// every subject and the exact tanh formula: `(absolute error, relative error of the tail min(F, 1 - F))`.
pub fn curves() -> (Vec<Curve>, Vec<Curve>) {
    let zs: Vec<f64> = (-10_000..10_000).map(|k| f64::from((f64::from(k) * 0.001) as f32)).collect();
    let tail = |z: f64, f: f64| if z <= 0.0 { f } else { 1.0 - f };
    let rel = |z: f64, f: f64| {
        let t = engine::phi(-z.abs());
        ((tail(z, f) - t) / t).abs()
    };
    let abs = |z: f64, f: f64| (f - engine::phi(z)).abs();
    type Cdf = Box<dyn Fn(f64) -> f64>;
    let mut named: Vec<(String, Option<Precision>, Cdf)> =
        vec![("tanh formula, exact".into(), None, Box::new(engine::tanh_cdf))];
    for s in Subject::ALL {
        named.push((s.name(), Some(s.precision), Box::new(move |z| s.eval(z))));
    }
    let envelope = |f: &dyn Fn(f64) -> f64, err: &dyn Fn(f64, f64) -> f64| -> Vec<(f64, f64)> {
        zs.chunks(50)
            .map(|bin| {
                (0.5 * (bin[0] + bin[bin.len() - 1]), bin.iter().map(|&z| err(z, f(z))).fold(0.0, f64::max))
            })
            .collect()
    };
    let build = |err: &dyn Fn(f64, f64) -> f64| -> Vec<Curve> {
        named
            .iter()
            .map(|(name, precision, f)| Curve {
                name: name.clone(),
                precision: *precision,
                points: envelope(f, err),
            })
            .collect()
    };
    (build(&abs), build(&rel))
}
