//! The reference's public types: its results ([`Exact`], [`LoglikExact`]) and the choice of CDF
//! ([`Variant`]). Apart from `mod.rs` (which re-exports them) so that the algorithms use them
//! without importing the API module back.

use super::dyadic::f;
use super::exact_rounding::{finalize_exact, special_digits};

/// A correctly rounded `f64` together with at least 40 correct significant decimal digits.
#[derive(Clone, Debug, PartialEq)]
pub struct Exact {
    /// The real value rounded to the nearest `f64` (ties to even).
    pub value: f64,
    /// Scientific notation `d.ddd…e±N` with 40 significant digits (correctly rounded from the
    /// real value), or `"nan"`, `"inf"`, `"-inf"`, `"0"`, `"-0"` for values that are exactly so.
    pub digits: String,
}

impl Exact {
    /// A value that is exactly an `f64` (0, 1/2, 1, NaN, an infinity, ...), formatted as every
    /// other result.
    pub(crate) fn of_f64(v: f64) -> Self {
        if !v.is_finite() || v == 0.0 {
            return Exact { value: v, digits: special_digits(v) };
        }
        finalize_exact(&f(v)).into()
    }
}

impl From<(f64, String)> for Exact {
    fn from((value, digits): (f64, String)) -> Self {
        Exact { value, digits }
    }
}

/// Which CDF the log-likelihood uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    /// The true standard normal CDF `Phi`.
    Gaussian,
    /// The tanh formula `0.5 (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))`, evaluated exactly.
    Tanh,
}

/// The branch of the log-likelihood (shared with the fast implementation).
pub use crate::upstream::loglik::Branch;

/// The exact log-likelihood of one element with its exact intermediates.
#[derive(Clone, Debug, PartialEq)]
pub struct LoglikExact {
    /// The clamped log-likelihood as upstream defines it.
    pub value: Exact,
    /// The branch taken.
    pub branch: Branch,
    /// Whether the taken branch's probability is below exactly `1e-12`.
    pub clamped: bool,
    /// `ln` of the taken branch's probability without the clamp (`-inf` if it is exactly 0).
    pub log_prob_unclamped: Exact,
    /// `cdf(plus_in)`.
    pub cdf_plus: Exact,
    /// `1 - cdf(min_in)`, computed as the upper tail `cdf(-min_in)`.
    pub one_minus_cdf_min: Exact,
    /// `cdf(plus_in) - cdf(min_in)`, computed without cancellation.
    pub cdf_delta: Exact,
}
