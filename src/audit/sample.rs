//! Deterministic draws for the sampled sweeps: counter-based (SplitMix64), so draw `i` of a stream
//! depends only on `(seed, stream, i)` and the audit gives the same numbers under any schedule.

use crate::golden::recipe::{splitmix64, unit_f32};

/// A stream of draws: one seed per sweep and per quantity, derived from the audit's seed.
#[derive(Debug, Clone, Copy)]
pub struct Stream(u64);

impl Stream {
    /// Stream number `id` of the audit seeded with `seed`.
    pub fn new(seed: u64, id: u64) -> Stream {
        Stream(splitmix64(seed, id))
    }

    /// An independent sub-stream `k`, one per drawn quantity, so that no two quantities share a counter.
    pub fn fork(self, k: u64) -> Stream {
        Stream(splitmix64(self.0, k))
    }

    /// A uniform f32 in `[lo, hi)` (rounded to f32), draw `i`.
    pub fn uniform(self, i: u64, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * unit_f32(self.0, i)
    }

    /// A standard normal draw `i` (Box-Muller on two uniforms, libm functions: platform independent).
    pub fn normal(self, i: u64) -> f64 {
        // 1 - u is in (0, 1], so the log is finite.
        let u1 = 1.0 - f64::from(unit_f32(self.0, 2 * i));
        let u2 = f64::from(unit_f32(self.0, 2 * i + 1));
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(std::f64::consts::TAU * u2)
    }

    /// `sign * 10^e` with `e` uniform in `[lo, hi)` and a random sign, draw `i`.
    pub fn signed_log_uniform(self, i: u64, lo: f64, hi: f64) -> f64 {
        let e = lo + (hi - lo) * f64::from(unit_f32(self.0, 2 * i));
        let sign = if unit_f32(self.0, 2 * i + 1) < 0.5 { -1.0 } else { 1.0 };
        sign * libm::pow(10.0, e)
    }
}
