//! Counter-based random numbers (SplitMix64) and the data recipes (uniform, ramp) that keep large
//! golden tensors small on disk. Counter-based means value i depends only on (seed, i), so NumPy can
//! regenerate a recipe with vectorised uint64 arithmetic and generation is deterministic under any
//! parallel schedule.

use serde::{Deserialize, Serialize};

/// SplitMix64's output for counter `i` of stream `seed` (Steele, Lea, Flood 2014).
pub fn splitmix64(seed: u64, i: u64) -> u64 {
    let mut z = seed.wrapping_add(i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform f32 in [0, 1): the top 24 bits of `splitmix64(seed, i)` times 2^-24 (exact in f32).
pub fn unit_f32(seed: u64, i: u64) -> f32 {
    (splitmix64(seed, i) >> 40) as f32 * (1.0 / 16_777_216.0)
}

/// Data of `len` f32 values made by a generator: `splitmix64-uniform-f32`, value i =
/// `low + span * unit_f32(seed, i)` with both operations rounded to f32; or `linear-f32`, the ramp
/// value i = `f32(low + span * (i / len))` evaluated in f64 (seed 0), whose chunks have different means,
/// so that any unequal weighting of chunks shows in the mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// One of [`Recipe::GENERATORS`].
    pub generator: String,
    /// Stream seed (0 for `linear-f32`).
    pub seed: u64,
    /// Number of values.
    pub len: usize,
    /// Offset (an f32).
    pub low: f32,
    /// Width of the interval (an f32).
    pub span: f32,
}

impl Recipe {
    /// The uniform generator's name.
    pub const UNIFORM: &'static str = "splitmix64-uniform-f32";
    /// The ramp generator's name.
    pub const LINEAR: &'static str = "linear-f32";
    /// The generator names this version understands.
    pub const GENERATORS: [&'static str; 2] = [Recipe::UNIFORM, Recipe::LINEAR];

    /// A recipe for `len` values uniform in `[low, low + span)`.
    pub fn uniform(seed: u64, len: usize, low: f32, span: f32) -> Recipe {
        Recipe { generator: Recipe::UNIFORM.into(), seed, len, low, span }
    }

    /// A recipe for the ramp of `len` values from `low` towards `low + span`.
    pub fn linear(len: usize, low: f32, span: f32) -> Recipe {
        Recipe { generator: Recipe::LINEAR.into(), seed: 0, len, low, span }
    }

    /// Whether the generator is known (and a ramp's seed is 0).
    pub fn is_known(&self) -> bool {
        self.generator == Recipe::UNIFORM || (self.generator == Recipe::LINEAR && self.seed == 0)
    }

    /// The values, or `None` for an unknown generator.
    pub fn values(&self) -> Option<Vec<f32>> {
        if !self.is_known() {
            return None;
        }
        let (low, span, n) = (f64::from(self.low), f64::from(self.span), self.len as f64);
        Some(if self.generator == Recipe::UNIFORM {
            (0..self.len as u64).map(|i| self.low + self.span * unit_f32(self.seed, i)).collect()
        } else {
            (0..self.len).map(|i| (low + span * (i as f64 / n)) as f32).collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_published_sequence() {
        // Reference output of Vigna's splitmix64.c with state 1234567 (first three values).
        let expected = [6457827717110365317u64, 3203168211198807973, 9817491932198370423];
        for (i, e) in expected.iter().enumerate() {
            assert_eq!(splitmix64(1234567, i as u64), *e);
        }
    }
}
