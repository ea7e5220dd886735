//! The standard normal CDF in the two forms diffusion code uses: the tanh approximation of
//! improved-diffusion and the erf rewrite. Both are evaluated exactly as upstream writes them, step by
//! step in the working precision, because the point is to reproduce what ports compute.

use crate::Real;
use ndarray::{ArrayD, ArrayViewD};
use serde::{Deserialize, Serialize};

/// Which formula stands in for the standard normal CDF Phi(z).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cdf {
    /// improved-diffusion's `approx_standard_normal_cdf`:
    /// `0.5 * (1 + tanh(sqrt(2/pi) * (z + 0.044715 * z^3)))`, with `z^3` as `z*z*z` (what `torch.pow(z, 3)`
    /// computes). Off from Phi by up to ~2e-4 absolute, and by whole orders of magnitude in the tails.
    Tanh,
    /// The common rewrite `0.5 * (1 + erf(z / sqrt(2)))`: the true Phi up to rounding, but it cannot
    /// represent upper-tail probabilities below the precision's epsilon (it returns exactly 1).
    Erf,
}

impl Cdf {
    /// Both variants, in the order reports list them.
    pub const ALL: [Cdf; 2] = [Cdf::Erf, Cdf::Tanh];

    /// The variant's name as used in golden files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Cdf::Tanh => "tanh",
            Cdf::Erf => "erf",
        }
    }

    /// Evaluates this CDF at one point, in `T`.
    #[inline]
    pub fn eval<T: Real>(self, z: T) -> T {
        self.of_argument(self.argument(z))
    }

    /// The argument of the elementary function, as upstream computes it: `sqrt(2/pi) * (z + 0.044715 *
    /// (z*z*z))` (tanh), `z / sqrt(2)` (erf). Plain arithmetic, apart from [`Cdf::of_argument`] so that
    /// array code can evaluate it over many inputs in vector lanes (the same IEEE operations, so the same
    /// bits; for tiny z the tanh form's subnormal `z^3` costs a microcode assist per instruction, shared
    /// by the lanes).
    #[inline]
    pub fn argument<T: Real>(self, z: T) -> T {
        match self {
            Cdf::Tanh => T::SQRT_2_OVER_PI * (z + T::TANH_CUBIC * (z * z * z)),
            Cdf::Erf => z / T::SQRT_2,
        }
    }

    /// The CDF from its [`Cdf::argument`] `a`: `0.5 * (1 + tanh(a))` or `0.5 * (1 + erf(a))`.
    #[inline]
    pub fn of_argument<T: Real>(self, a: T) -> T {
        let half = T::cast(0.5);
        let one = T::one();
        match self {
            Cdf::Tanh => half * (one + a.tanh()),
            Cdf::Erf => half * (one + a.erf()),
        }
    }
}

impl std::fmt::Display for Cdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Elementwise `cdf(z)` over a tensor of any rank.
pub fn standard_normal_cdf<T: Real>(z: ArrayViewD<'_, T>, cdf: Cdf) -> ArrayD<T> {
    z.mapv(|v| cdf.eval(v))
}
