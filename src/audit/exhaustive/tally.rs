//! The tallies of the scan: per key range, the maxima of each error measure with the input reaching them,
//! the flush counts, where each variant is 0 and 1 and where it decreases, and the truth's comparison with
//! the reference; each combines with the tally of the adjacent range, so chunks and shards merge into
//! the figures of one scan.

use super::super::stats::exceeds;
use crate::golden::judge::ulp;
use crate::reference;
use crate::Error;
use serde::{Deserialize, Serialize};

/// Half the smallest f32 subnormal: true values above it round to a nonzero f32.
const F32_UNDERFLOW: f64 = f64::from_bits((1023 - 150) << 52);
/// The smallest normal f32: the log error is measured where the true value is at least this.
const F32_MIN_NORMAL: f64 = f32::MIN_POSITIVE as f64;
/// True values below `1 - 2^-25` round to an f32 below 1 (that midpoint itself ties to 1).
const F32_BELOW_ONE: f64 = 1.0 - f64::from_bits((1023 - 25) << 52);

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

/// `slot` becomes `(value, key)` when `value` is worse ([`max_of`] of the slot and the offer, without
/// building the offer when it loses).
#[inline]
fn offer(slot: &mut Option<Max>, value: f64, key: u32) {
    if slot.is_none_or(|m| exceeds(value, m.value)) {
        *slot = Some(Max { value, key });
    }
}

/// Whether `|log1p(r)|` (libm's) can exceed the current maximum: `false` only when it provably cannot,
/// so skipping the logarithm changes no maximum. For `a = |r| < 1/2`, `|ln(1 + r)| <= a / (1 - a)`
/// (`ln(1 + r) <= r` above 0, `-ln(1 - a) <= a / (1 - a)` below); the two roundings of the bound and
/// libm's error (< 1 ulp) are covered by the factor `1 + 2^-48`. The logarithm is ~20% of the scan's
/// time in the judged region, and after the first few inputs of a chunk almost every bound falls below
/// the maximum.
#[inline]
fn log_may_exceed(r: f64, max: Option<Max>) -> bool {
    let a = r.abs();
    match max {
        Some(m) if a < 0.5 && !m.value.is_nan() => a / (1.0 - a) * (1.0 + LOG_BOUND_MARGIN) > m.value,
        _ => true,
    }
}

/// `2^-48`: see [`log_may_exceed`].
const LOG_BOUND_MARGIN: f64 = 1.0 / (1u64 << 48) as f64;

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
        offer(&mut self.abs, abs, key);
        // Multiplying by the inverse power of two is exact and cheaper than dividing.
        offer(&mut self.ulps, abs * f64::from_bits(((1023 - ulp_f32_exponent(t)) as u64) << 52), key);
        if f > 0.0 && t >= F32_MIN_NORMAL {
            let r = (f - t) / t;
            if log_may_exceed(r, self.log) {
                offer(&mut self.log, libm::log1p(r).abs(), key);
            }
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
    pub(super) fn record(&mut self, key: u32, z: f64, (phi, formula): (f64, f64)) {
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
    /// Records the results `fs` at the consecutive non-NaN inputs from key `first` on (blocks arrive in
    /// increasing key order). Each tracker is one pass over the block (the drops are rare branches), not
    /// a chain of updates per input.
    pub(super) fn track(&mut self, first: u32, fs: &[f32]) {
        let (Some(&head), Some(&tail)) = (fs.first(), fs.last()) else { return };
        let key = |i: usize| first + i as u32;
        self.inputs += fs.len() as u64;
        // `any` over the whole block (no early exit, so it vectorizes) before the scalar searches: most
        // blocks hold no 0 and no result below 1, and the searches would walk them to the end.
        let any = |p: fn(f32) -> bool| fs.iter().fold(false, |acc, &f| acc | p(f));
        if any(|f| f == 0.0) {
            self.last_zero = fs.iter().rposition(|&f| f == 0.0).map(key);
        }
        if self.first_positive.is_none() {
            self.first_positive = fs.iter().position(|&f| f > 0.0).map(key);
        }
        if self.first_one.is_none() {
            self.first_one = fs.iter().position(|&f| f == 1.0).map(key);
        }
        if any(|f| f < 1.0) {
            self.last_below_one = fs.iter().rposition(|&f| f < 1.0).map(key);
        }
        // The step from the previous block's last input into this block, then the steps within it.
        let mut drop = |prev: f32, f: f32, i: usize| {
            if f < prev {
                self.decreases += 1;
                self.max_drop =
                    max_of(self.max_drop, Some(Max { value: f64::from(prev) - f64::from(f), key: key(i) }));
            }
        };
        if let Some(prev) = self.last_value {
            drop(prev, head, 0);
        }
        if fs.windows(2).fold(false, |acc, w| acc | (w[1] < w[0])) {
            for (i, w) in fs.windows(2).enumerate() {
                drop(w[0], w[1], i + 1);
            }
        }
        if self.first_key.is_none() {
            (self.first_key, self.first_value) = (Some(first), Some(head));
        }
        self.last_value = Some(tail);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulp_exponent_matches_the_judge() {
        for t in [0.0, 1e-45, 1e-40, 0.3, 0.5, 0.999_999, 1.0] {
            assert_eq!(libm::ldexp(1.0, ulp_f32_exponent(t)), crate::golden::judge::ulp(t, 24), "{t}");
        }
    }

    #[test]
    fn log_bound_never_skips_a_new_maximum() {
        // At the maximum just below |log1p(r)|, the logarithm must be taken (the input is a new maximum).
        let mut r = 1e-300_f64;
        while r < 0.6 {
            for r in [r, -r, r * 1.000_000_1, -r * 0.999_999_9] {
                let value = libm::log1p(r).abs();
                let below = f64::from_bits(value.to_bits() - 1);
                assert!(log_may_exceed(r, Some(Max { value: below, key: 0 })), "r = {r:e}");
            }
            r *= 1.37;
        }
        // And it does skip far below the maximum, which is what saves the time.
        assert!(!log_may_exceed(1e-7, Some(Max { value: 1e-3, key: 0 })));
    }
}
