//! Counter-based random numbers (SplitMix64) and the data recipes that keep large golden tensors small
//! on disk. Counter-based means value i depends only on (seed, i), so NumPy can regenerate a recipe with
//! vectorised uint64 arithmetic and generation is deterministic under any parallel schedule.

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

/// Data of `len` f32 values `low + span * unit_f32(seed, i)`, both operations rounded to f32.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// Always `"splitmix64-uniform-f32"`.
    pub generator: String,
    /// Stream seed.
    pub seed: u64,
    /// Number of values.
    pub len: usize,
    /// Offset (an f32).
    pub low: f32,
    /// Width of the interval (an f32).
    pub span: f32,
}

impl Recipe {
    /// The generator name this version understands.
    pub const GENERATOR: &'static str = "splitmix64-uniform-f32";

    /// A recipe for `len` values in `[low, low + span)`.
    pub fn uniform(seed: u64, len: usize, low: f32, span: f32) -> Recipe {
        Recipe { generator: Recipe::GENERATOR.into(), seed, len, low, span }
    }

    /// The values, or `None` for an unknown generator name.
    pub fn values(&self) -> Option<Vec<f32>> {
        (self.generator == Recipe::GENERATOR)
            .then(|| (0..self.len as u64).map(|i| self.low + self.span * unit_f32(self.seed, i)).collect())
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
