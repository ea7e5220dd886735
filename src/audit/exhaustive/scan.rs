//! The scan itself: every one of the 2^32 float32 inputs of both f32 CDF variants, in increasing numeric
//! order (keys), each judged against the [`truth`] (the accurate f64 engine, Taylor polynomials near 0),
//! and every [`TRUTH_STRIDE`]-th judged input's truth compared with the reference. Ranges scanned apart
//! (chunks, shards) merge into the figures of one scan.

use super::super::stats::exceeds;
use super::FORMAT;
use crate::golden::judge::ulp;
use crate::reference;
use crate::stable::engine;
use crate::{Cdf, Error};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Number of keys (float32 bit patterns).
const KEYS: u64 = 1 << 32;
/// Keys per unit of parallel work.
const CHUNK: u64 = 1 << 16;

/// The float32 with key `k`: keys order all bit patterns numerically (-NaNs, -inf, ..., -0, +0, ..., +inf,
/// +NaNs), so a scan in key order walks the real line from left to right.
pub fn float_of_key(k: u32) -> f32 {
    f32::from_bits(if k >= 0x8000_0000 { k & 0x7FFF_FFFF } else { !k })
}

/// The key of a float32 (inverse of [`float_of_key`]).
pub fn key_of_float(z: f32) -> u32 {
    let b = z.to_bits();
    if b >> 31 == 1 {
        !b
    } else {
        b | 0x8000_0000
    }
}

/// 1/sqrt(2 pi), the density of the standard normal at 0.
const PHI0: f64 = 0.398_942_280_401_432_7;
/// Below this |z| the true values come from Taylor polynomials (see [`taylor`]).
const TAYLOR_BELOW: f64 = 1.0 / 4096.0;
/// Above this z both true values round to 1 in f32 (see [`shortcut`]).
const UPPER_SHORTCUT: f64 = 6.0;
/// Below this z both true values round to 0 in f32.
const LOWER_SHORTCUT: f64 = -15.0;
/// Half the smallest f32 subnormal: true values above it round to a nonzero f32.
const F32_UNDERFLOW: f64 = f64::from_bits((1023 - 150) << 52);
/// The smallest normal f32: the log error is measured where the true value is at least this.
const F32_MIN_NORMAL: f64 = f32::MIN_POSITIVE as f64;
/// True values below `1 - 2^-25` round to an f32 below 1 (that midpoint itself ties to 1).
const F32_BELOW_ONE: f64 = 1.0 - f64::from_bits((1023 - 25) << 52);

/// The true Phi and tanh formula at |z| < 2^-12, where `engine::phi` costs ~20x more than needed:
/// `Phi = 1/2 + phi0 (z - z^3/6)`, truncation <= phi0 z^5/40 < 2^-66; `T = 1/2 + (s - s^3/3)/2` with
/// `s = sqrt(2/pi) (z + 0.044715 z^3)`, truncation <= s^5/15 < 2^-65. Both far below half an f64 ulp of
/// 1/2 (2^-54), so these are as accurate as the engine.
fn taylor(z: f64) -> (f64, f64) {
    let z2 = z * z;
    let phi = 0.5 + PHI0 * (z - z * z2 / 6.0);
    let s = 0.797_884_560_802_865_4 * (z + 0.044715 * (z * z2));
    (phi, 0.5 + 0.5 * (s - s * s * s / 3.0))
}

/// The truth of the scan at `z` (Phi, then the exact tanh formula): Taylor polynomials below 2^-12,
/// `engine::phi` and `engine::tanh_cdf` elsewhere.
pub fn truth(z: f64) -> (f64, f64) {
    if z.abs() < TAYLOR_BELOW {
        taylor(z)
    } else {
        (engine::phi(z), engine::tanh_cdf(z))
    }
}

/// Below this |z| both f32 results are exactly 1/2 (see [`shortcut`]).
const CENTRE_SHORTCUT: f64 = 1.0 / (1u64 << 30) as f64;

/// Whether z lies in a region whose errors are bounded without the true values, given the f32 results
/// (which are always computed; outside these cases the input is judged in full):
/// - |z| < 2^-30 with both results 1/2: `|Phi(z) - 1/2| <= phi0 |z| < 3.8e-10` (the tanh formula's
///   `|T - 1/2| <= sqrt(2/pi) |z| / 2` is the same), so the errors are below 3.8e-10 absolute,
///   0.013 ulp (the ulp just below 1/2 is 2^-25) and 7.6e-10 in log space;
/// - z > 6 with both results 1: `1 - Phi(z) <= 1 - Phi(6) = 9.9e-10 < 2^-25` (the tanh formula's tail
///   `1/(1 + e^(2 s(6)))` is 1.4e-11), so the true values round to 1 and the errors are at most 9.9e-10
///   absolute, 0.017 ulp, 9.9e-10 in log space;
/// - z < -15 with both results 0: `Phi(-15) = 3.7e-51` and the tanh formula's 1e-115 are below 2^-150,
///   so the true values round to 0; errors <= 3.7e-51 absolute, 2.6e-6 ulp, no log error (not normal).
///
/// Every bound is far below the maxima the scan finds elsewhere ([`SHORTCUT_BOUNDS`], shown in the report).
fn shortcut(z: f64, erf: f32, tanh: f32) -> bool {
    (z.abs() < CENTRE_SHORTCUT && erf == 0.5 && tanh == 0.5)
        || (z > UPPER_SHORTCUT && erf == 1.0 && tanh == 1.0)
        || (z < LOWER_SHORTCUT && erf == 0.0 && tanh == 0.0)
}

/// The error bounds of all shortcut regions: (absolute, ulps, log).
pub const SHORTCUT_BOUNDS: (f64, f64, f64) = (9.9e-10, 0.017, 9.9e-10);

/// The binary exponent of the f32 ulp at a nonnegative `t` (subnormal spacing below the normal range).
#[inline]
fn ulp_f32_exponent(t: f64) -> i32 {
    (((t.to_bits() >> 52) & 0x7ff) as i32 - 1023).max(-126) - 23
}

/// A maximum and the key of the first input reaching it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Max {
    /// The error.
    pub value: f64,
    /// Key of the input.
    pub key: u32,
}

/// Keeps the worse ([`exceeds`]: NaN worst); on ties the earlier (left) one, so results do not depend on
/// chunking.
fn max_of(left: Option<Max>, right: Option<Max>) -> Option<Max> {
    match (left, right) {
        (Some(l), Some(r)) if exceeds(r.value, l.value) => Some(r),
        (Some(l), _) => Some(l),
        (None, r) => r,
    }
}

/// Maxima of one variant against one exact function.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Maxima {
    /// Error in f32 ulps of the true value.
    pub ulps: Option<Max>,
    /// Absolute error.
    pub abs: Option<Max>,
    /// |ln F - ln P| where F > 0 and P is a normal f32.
    pub log: Option<Max>,
    /// Inputs where F = 0 but P rounds to a nonzero f32.
    pub flushed_to_zero: u64,
    /// Inputs where F = 1 but P rounds below 1.
    pub flushed_to_one: u64,
}

impl Maxima {
    /// Records the f32 result `f` against the true `t` at `key`.
    #[inline]
    pub(super) fn record(&mut self, key: u32, f: f64, t: f64) {
        let abs = (f - t).abs();
        let offer = |slot: &mut Option<Max>, value: f64| *slot = max_of(*slot, Some(Max { value, key }));
        offer(&mut self.abs, abs);
        // Multiplying by the inverse power of two is exact and cheaper than dividing.
        offer(&mut self.ulps, abs * f64::from_bits(((1023 - ulp_f32_exponent(t)) as u64) << 52));
        if f > 0.0 && t >= F32_MIN_NORMAL {
            offer(&mut self.log, libm::log1p((f - t) / t).abs());
        }
        if f == 0.0 && t > F32_UNDERFLOW {
            self.flushed_to_zero += 1;
        }
        if f == 1.0 && t < F32_BELOW_ONE {
            self.flushed_to_one += 1;
        }
    }

    /// Combines two ranges' maxima; `None` when a counter would overflow (only shard files edited by
    /// hand can hold such counts: a whole scan has 2^32 inputs).
    fn merge(&self, right: &Maxima) -> Option<Maxima> {
        Some(Maxima {
            ulps: max_of(self.ulps, right.ulps),
            abs: max_of(self.abs, right.abs),
            log: max_of(self.log, right.log),
            flushed_to_zero: self.flushed_to_zero.checked_add(right.flushed_to_zero)?,
            flushed_to_one: self.flushed_to_one.checked_add(right.flushed_to_one)?,
        })
    }
}

/// Every this-many-th key (of those judged in full) has its truth compared with the reference: about
/// 2^19 inputs, every binade sampled densely, for a few seconds of reference work.
pub const TRUTH_STRIDE: u32 = 1 << 10;

/// The scan's truth against the reference over a key range: f64 ulps of the correctly rounded value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TruthScan {
    /// Inputs compared.
    pub points: u64,
    /// Largest error of the Phi truth in f64 ulps (NaN: the reference refused) and its key.
    pub phi: Option<Max>,
    /// The same for the exact tanh formula.
    pub formula: Option<Max>,
}

/// `|t - r|` in f64 ulps of the reference value `r` (NaN where the reference refused).
pub fn ulps_off(t: f64, r: Result<reference::Exact, Error>) -> f64 {
    r.map_or(f64::NAN, |r| (t - r.value).abs() / ulp(r.value, 53))
}

impl TruthScan {
    /// Compares the truth `(phi, formula)` at `z` (key `key`) with the reference.
    fn record(&mut self, key: u32, z: f64, (phi, formula): (f64, f64)) {
        self.points += 1;
        self.phi = max_of(self.phi, Some(Max { value: ulps_off(phi, reference::phi(z)), key }));
        self.formula =
            max_of(self.formula, Some(Max { value: ulps_off(formula, reference::tanh_cdf(z)), key }));
    }

    /// Combines with the comparison of another key range; `None` when the count would overflow.
    pub(crate) fn merge(&self, right: &TruthScan) -> Option<TruthScan> {
        Some(TruthScan {
            points: self.points.checked_add(right.points)?,
            phi: max_of(self.phi, right.phi),
            formula: max_of(self.formula, right.formula),
        })
    }
}

/// The scan state of one variant over a contiguous key range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VariantScan {
    /// Against the true Phi.
    pub vs_phi: Maxima,
    /// Against the exact tanh formula (tanh only).
    pub vs_formula: Maxima,
    /// Non-NaN inputs.
    pub inputs: u64,
    /// NaN inputs, and how many of them gave NaN.
    pub nan_inputs: u64,
    /// See `nan_inputs`.
    pub nan_outputs: u64,
    /// Largest key with F = 0, smallest with F > 0, smallest with F = 1, largest with F < 1.
    pub last_zero: Option<u32>,
    /// See `last_zero`.
    pub first_positive: Option<u32>,
    /// See `last_zero`.
    pub first_one: Option<u32>,
    /// See `last_zero`.
    pub last_below_one: Option<u32>,
    /// Steps between consecutive non-NaN inputs where F decreases.
    pub decreases: u64,
    /// The largest such decrease and the key of the input after it.
    pub max_drop: Option<Max>,
    /// First non-NaN input's key and result, and the last result, to count decreases across ranges.
    pub first_key: Option<u32>,
    /// See `first_key`.
    pub first_value: Option<f32>,
    /// See `first_value`.
    pub last_value: Option<f32>,
}

impl VariantScan {
    /// Records the result `f` at non-NaN input `key` (keys arrive in increasing order).
    #[inline]
    fn track(&mut self, key: u32, f: f32) {
        self.inputs += 1;
        if f == 0.0 {
            self.last_zero = Some(key);
        } else if f > 0.0 && self.first_positive.is_none() {
            self.first_positive = Some(key);
        }
        if f == 1.0 {
            if self.first_one.is_none() {
                self.first_one = Some(key);
            }
        } else if f < 1.0 {
            self.last_below_one = Some(key);
        }
        if let Some(prev) = self.last_value.filter(|&prev| f < prev) {
            self.decreases += 1;
            self.max_drop = max_of(self.max_drop, Some(Max { value: f64::from(prev) - f64::from(f), key }));
        }
        self.first_key = self.first_key.or(Some(key));
        self.first_value = self.first_value.or(Some(f));
        self.last_value = Some(f);
    }

    /// Combines with the scan of the range right after this one; `None` when a counter would overflow.
    fn merge(&self, right: &VariantScan) -> Option<VariantScan> {
        // The step from this range's last input to the right range's first one.
        let step = match (self.last_value, right.first_value, right.first_key) {
            (Some(l), Some(r), Some(key)) if r < l => Some(Max { value: f64::from(l) - f64::from(r), key }),
            _ => None,
        };
        Some(VariantScan {
            vs_phi: self.vs_phi.merge(&right.vs_phi)?,
            vs_formula: self.vs_formula.merge(&right.vs_formula)?,
            inputs: self.inputs.checked_add(right.inputs)?,
            nan_inputs: self.nan_inputs.checked_add(right.nan_inputs)?,
            nan_outputs: self.nan_outputs.checked_add(right.nan_outputs)?,
            last_zero: right.last_zero.or(self.last_zero),
            first_positive: self.first_positive.or(right.first_positive),
            first_one: self.first_one.or(right.first_one),
            last_below_one: right.last_below_one.or(self.last_below_one),
            decreases: self.decreases.checked_add(right.decreases)?.checked_add(u64::from(step.is_some()))?,
            max_drop: max_of(max_of(self.max_drop, step), right.max_drop),
            first_key: self.first_key.or(right.first_key),
            first_value: self.first_value.or(right.first_value),
            last_value: right.last_value.or(self.last_value),
        })
    }
}

/// Both variants over one key range (index 0 erf, 1 tanh).
pub(crate) type Pair = [VariantScan; 2];

/// Combines the scans of two adjacent key ranges; `None` when a counter would overflow.
pub(crate) fn merge_pair(left: &Pair, right: &Pair) -> Option<Pair> {
    Some([left[0].merge(&right[0])?, left[1].merge(&right[1])?])
}

/// The error of a counter that would overflow when merging.
pub(crate) fn overflow(file: &str) -> Error {
    Error::Unusable {
        file: file.into(),
        field: "scans".into(),
        problem: "a counter overflows when the ranges are merged (more inputs than 2^64)".into(),
    }
}

/// Scans keys `[start, end)`: both variants and the truth check.
pub(super) fn scan_range(start: u64, end: u64) -> (Pair, TruthScan) {
    let mut acc = Pair::default();
    let mut truth_check = TruthScan::default();
    for k in start..end {
        let key = k as u32;
        let z = float_of_key(key);
        let (erf, tanh) = (Cdf::Erf.eval(z), Cdf::Tanh.eval(z));
        if z.is_nan() {
            for (a, f) in acc.iter_mut().zip([erf, tanh]) {
                a.nan_inputs += 1;
                a.nan_outputs += u64::from(f.is_nan());
            }
            continue;
        }
        acc[0].track(key, erf);
        acc[1].track(key, tanh);
        let zd = f64::from(z);
        if shortcut(zd, erf, tanh) {
            continue;
        }
        let (phi, formula) = truth(zd);
        acc[0].vs_phi.record(key, erf.into(), phi);
        acc[1].vs_phi.record(key, tanh.into(), phi);
        acc[1].vs_formula.record(key, tanh.into(), formula);
        if key.is_multiple_of(TRUTH_STRIDE) {
            truth_check.record(key, zd, (phi, formula));
        }
    }
    (acc, truth_check)
}

/// One shard's result file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Shard {
    /// [`FORMAT`].
    pub format: String,
    /// This shard's index.
    pub shard: u32,
    /// Number of shards.
    pub of: u32,
    /// Wall-clock seconds of this shard.
    pub seconds: f64,
    /// Worker threads used.
    pub threads: usize,
    /// Erf and tanh scans of the shard's key range.
    pub scans: Pair,
    /// The truth against the reference over the shard's key range.
    pub truth: TruthScan,
}

/// Scans shard `shard` of `of` in parallel (rayon), with a progress bar on stderr.
pub fn scan_shard(shard: u32, of: u32) -> Result<Shard, Error> {
    if of == 0 || shard >= of {
        return Err(Error::Unusable {
            file: "--shard".into(),
            field: format!("{shard}/{of}"),
            problem: "expected i/n with 0 <= i < n".into(),
        });
    }
    let start = KEYS * u64::from(shard) / u64::from(of);
    let end = KEYS * (u64::from(shard) + 1) / u64::from(of);
    let bar = ProgressBar::new(end - start).with_message(format!("float32 scan, shard {shard}/{of}"));
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {percent}% {elapsed} elapsed, ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let timer = Instant::now();
    let chunks: Vec<(Pair, TruthScan)> = (0..(end - start).div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let lo = start + c * CHUNK;
            let hi = (lo + CHUNK).min(end);
            let r = scan_range(lo, hi);
            bar.inc(hi - lo);
            r
        })
        .collect();
    let scans = chunks
        .iter()
        .try_fold((Pair::default(), TruthScan::default()), |acc, c| {
            Some((merge_pair(&acc.0, &c.0)?, acc.1.merge(&c.1)?))
        })
        .ok_or_else(|| overflow("scan"))?;
    bar.finish_and_clear();
    Ok(Shard {
        format: FORMAT.into(),
        shard,
        of,
        seconds: timer.elapsed().as_secs_f64(),
        threads: rayon::current_num_threads(),
        scans: scans.0,
        truth: scans.1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_floats_numerically() {
        let zs = [f32::NEG_INFINITY, -2.5, -1e-40, -0.0, 0.0, 1e-40, 3.0, f32::INFINITY];
        let keys: Vec<u32> = zs.iter().map(|&z| key_of_float(z)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        for z in zs {
            assert_eq!(float_of_key(key_of_float(z)).to_bits(), z.to_bits());
        }
    }

    #[test]
    fn taylor_agrees_with_the_engine_near_zero() {
        for z in [1e-30, -1e-9, 2.4e-4, -2.44e-4] {
            let (phi, tanh) = taylor(z);
            assert!((phi - engine::phi(z)).abs() <= 2.0 * f64::EPSILON * phi, "{z}");
            assert!((tanh - engine::tanh_cdf(z)).abs() <= 2.0 * f64::EPSILON * tanh, "{z}");
        }
    }

    #[test]
    fn ulp_exponent_matches_the_judge() {
        for t in [0.0, 1e-45, 1e-40, 0.3, 0.5, 0.999_999, 1.0] {
            assert_eq!(libm::ldexp(1.0, ulp_f32_exponent(t)), crate::golden::judge::ulp(t, 24), "{t}");
        }
    }

    #[test]
    fn chunked_scans_merge_to_the_whole() {
        // Keys around 0 and around z = -5.3 (where both variants reach 0) in one piece and in two.
        for (lo, len) in [(key_of_float(-1e-3) as u64, 5000u64), (key_of_float(-5.5) as u64, 300_000)] {
            let whole = scan_range(lo, lo + len);
            let (a, b) = (scan_range(lo, lo + len / 3), scan_range(lo + len / 3, lo + len));
            let parts = (merge_pair(&a.0, &b.0).unwrap(), a.1.merge(&b.1).unwrap());
            assert_eq!(whole, parts);
        }
    }
}
