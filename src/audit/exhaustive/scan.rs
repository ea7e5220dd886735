//! The scan itself: every one of the 2^32 float32 inputs of both f32 CDF variants, in increasing numeric
//! order (keys), in blocks whose f32 results are computed first, each input judged against the [`truth`]
//! (the accurate f64 engine, Taylor polynomials near 0) and tallied (`tally.rs`), every
//! [`TRUTH_STRIDE`]-th judged input's truth compared with the reference.

use super::tally::{merge_pair, overflow, Pair, TruthScan, TRUTH_STRIDE};
use super::FORMAT;
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

/// Keys per block of [`scan_range`]: a block's f32 results are computed first, back to back, then
/// tracked and judged.
const BLOCK: usize = 1024;

/// Keys of NaN inputs: the negative NaNs lie below -inf's key, the positive ones above +inf's.
fn is_nan_key(k: u64) -> bool {
    k < u64::from(key_of_float(f32::NEG_INFINITY)) || k > u64::from(key_of_float(f32::INFINITY))
}

/// Whether [`shortcut`] holds for every input of a block (consecutive keys from `first`, so the inputs
/// increase from the first to the last): all results equal and [`shortcut`] at both ends suffice, since
/// each shortcut region is an interval of z and each of its result values (1/2, 1, 0) belongs to one.
fn block_shortcut(first: u32, erf: &[f32], tanh: &[f32]) -> bool {
    let (Some(&v), Some(last)) = (erf.first(), (erf.len() as u32).checked_sub(1).map(|l| first + l)) else {
        return true;
    };
    let same = erf.iter().chain(tanh).fold(true, |acc, &f| acc & (f == v));
    same && [first, last].into_iter().all(|k| shortcut(f64::from(float_of_key(k)), v, v))
}

/// Scans keys `[start, end)`: both variants and the truth check.
pub(super) fn scan_range(start: u64, end: u64) -> (Pair, TruthScan) {
    let mut acc = Pair::default();
    let mut truth_check = TruthScan::default();
    let mut results = [[0f32; BLOCK]; 2];
    let mut lo = start;
    while lo < end {
        let n = (end - lo).min(BLOCK as u64) as usize;
        // Arguments first, in a loop of plain arithmetic the compiler runs in vector lanes, then the
        // elementary functions: `Cdf::eval` split in two, the same operations on the same values.
        for (i, k) in (lo..lo + n as u64).enumerate() {
            let z = float_of_key(k as u32);
            (results[0][i], results[1][i]) = (Cdf::Erf.argument(z), Cdf::Tanh.argument(z));
        }
        for (r, cdf) in results.iter_mut().zip(Cdf::ALL) {
            r[..n].iter_mut().for_each(|a| *a = cdf.of_argument(*a));
        }
        // NaN keys lie at both ends of the key range, so a block's non-NaN keys are contiguous.
        let (a, b) = match (0..n).find(|&i| !is_nan_key(lo + i as u64)) {
            Some(a) => (a, (a..n).find(|&i| is_nan_key(lo + i as u64)).unwrap_or(n)),
            None => (n, n),
        };
        for i in (0..a).chain(b..n) {
            for (v, r) in acc.iter_mut().zip(&results) {
                v.nan_inputs += 1;
                v.nan_outputs += u64::from(r[i].is_nan());
            }
        }
        let first = (lo + a as u64) as u32;
        for (v, r) in acc.iter_mut().zip(&results) {
            v.track(first, &r[a..b]);
        }
        if block_shortcut(first, &results[0][a..b], &results[1][a..b]) {
            lo += n as u64;
            continue;
        }
        for (i, (&erf, &tanh)) in results[0][a..b].iter().zip(&results[1][a..b]).enumerate() {
            let key = first + i as u32;
            let zd = f64::from(float_of_key(key));
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
        lo += n as u64;
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
    fn blocks_agree_with_single_keys() {
        // Blocks (BLOCK keys, their trackers and shortcuts) against one-key scans merged: the NaN / -inf
        // boundary, the zero edge near z = -5.3, the one edge near z = 5.3, z = 0 and z = 6 (a
        // shortcut boundary), each range crossing a block boundary.
        let around = |z: f32, before: u64, len: u64| (key_of_float(z) as u64 - before, len);
        for (lo, len) in [
            around(f32::NEG_INFINITY, 700, 1500),
            around(-5.3, 40_000, 80_000),
            around(5.3, 40_000, 80_000),
            around(0.0, 1500, 3000),
            around(6.0, 1500, 3000),
            (u64::from(key_of_float(f32::INFINITY)) - 500, 1000),
        ] {
            let whole = scan_range(lo, lo + len);
            let keys = (lo..lo + len).map(|k| scan_range(k, k + 1));
            let merged = keys.reduce(|a, b| (merge_pair(&a.0, &b.0).unwrap(), a.1.merge(&b.1).unwrap()));
            assert_eq!(Some(whole), merged, "keys {lo}..+{len}");
        }
    }

    #[test]
    fn nan_keys_are_counted_at_both_ends() {
        let (lo, hi) = (u64::from(key_of_float(f32::NEG_INFINITY)), u64::from(key_of_float(f32::INFINITY)));
        for (range, expected) in [((lo - 300, lo + 2000), (300, 2000)), ((hi - 999, hi + 401), (400, 1000))] {
            for v in scan_range(range.0, range.1).0 {
                assert_eq!((v.nan_inputs, v.nan_outputs, v.inputs), (expected.0, expected.0, expected.1));
            }
        }
    }

    #[test]
    fn block_shortcuts_hold_for_every_input() {
        let probe = |z: f32, len: u32| {
            let first = key_of_float(z);
            let zs: Vec<f32> = (first..first + len).map(float_of_key).collect();
            let erf: Vec<f32> = zs.iter().map(|&z| Cdf::Erf.eval(z)).collect();
            let tanh: Vec<f32> = zs.iter().map(|&z| Cdf::Tanh.eval(z)).collect();
            let each = (0..zs.len()).all(|i| shortcut(f64::from(zs[i]), erf[i], tanh[i]));
            (block_shortcut(first, &erf, &tanh), each)
        };
        for z in [-15.000_01, -15.0, 5.999_99, 6.0, -1e-9, 9.0e-10, 8.0, -20.0] {
            let (block, each) = probe(z, 64);
            assert!(!block || each, "z = {z}");
        }
        assert_eq!(probe(8.0, 64), (true, true));
        assert_eq!(probe(-5.999, 64), (false, false));
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
