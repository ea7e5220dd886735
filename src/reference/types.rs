//! The reference's public types: its results ([`Exact`], [`LoglikExact`]) and the choice of CDF
//! ([`Variant`]). Apart from `mod.rs` (which re-exports them) so that the algorithms use them
//! without importing the API module back.

use super::dyadic::f;
use super::exact_rounding::{finalize_exact, special_digits};

/// What the per-timestep formulas receive of a derived array's element (`_extract_into_tensor`): the
/// exact element (the true function: the audit's variational bound) or its float32 rounding (upstream's
/// `.float()`, `f32(exact element)`: the golden files, docs/golden-format.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extraction {
    /// The exact element.
    Exact,
    /// The exact element rounded to the nearest float32 (ties to even).
    Float32,
}

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

impl Exact {
    /// `|got - x|` in ulps of the exact value `x` in a format of `bits` significand bits (24 or 53;
    /// below the normal range an ulp is the smallest subnormal), taken from
    /// the 40 digits, so that fractions of an `f64` ulp are resolved (the `f64` value alone would leave
    /// half an ulp unknown). A non-finite `got` is exact only where it equals `value` (NaN: both NaN).
    /// Values far outside the `f64` range (decimal exponent beyond +-400) are taken as their `value`,
    /// 0 or infinite: the error of `got` is then off by less than 2^-26 ulps.
    pub fn error_ulps(&self, got: f64, bits: i32) -> f64 {
        let in_range = |d: &str| {
            d.rsplit_once('e').and_then(|(_, e)| e.parse::<i32>().ok()).is_some_and(|e| e.abs() <= 400)
        };
        let exact = match self.digits.as_str() {
            d if !in_range(d) => None,
            d => d.parse::<dashu_float::DBig>().ok(),
        };
        match exact {
            _ if !got.is_finite() || !self.value.is_finite() => {
                let same = got == self.value || (got.is_nan() && self.value.is_nan());
                if same {
                    0.0
                } else {
                    f64::INFINITY
                }
            }
            None => (got - self.value).abs() / ulp(self.value, bits),
            Some(decimal) => ulps_between(got, &decimal.with_base_and_precision::<2>(192).value(), bits),
        }
    }
}

/// `|got - exact|` in ulps of the nonzero `exact` in a format of `bits` significand bits (24 or 53), for
/// accuracy measurements against exact values.
pub(crate) fn ulps_between<R: dashu_float::round::Round>(
    got: f64,
    exact: &dashu_float::FBig<R, 2>,
    bits: i32,
) -> f64 {
    use dashu_int::ops::BitTest;
    let min_exp = if bits == 24 { -126 } else { -1022 };
    let (sig, exp) = (exact.repr().significand(), exact.repr().exponent());
    let log2 = exp + sig.bit_len() as isize - 1;
    let k = log2.max(min_exp) - (bits as isize - 1);
    let got = dashu_float::FBig::<R, 2>::try_from(got).expect("finite");
    let diff = got - exact.clone();
    let scaled =
        dashu_float::FBig::<R, 2>::from_parts(diff.repr().significand().clone(), diff.repr().exponent() - k);
    scaled.to_f64().value().abs()
}

/// The spacing of `bits`-bit floats at `v` (the subnormal step below the normal range).
fn ulp(v: f64, bits: i32) -> f64 {
    let min_exp = if bits == 24 { -126 } else { -1022 };
    let e = if v == 0.0 { min_exp } else { (libm::frexp(v.abs()).1 - 1).max(min_exp) };
    libm::ldexp(1.0, e - (bits - 1))
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
