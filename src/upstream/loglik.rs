//! `discretized_gaussian_log_likelihood`: the log-probability of 8-bit pixel values under a Gaussian
//! decoder, with the bin edges of the first and last pixel level stretched to -inf and +inf.

use crate::{Cdf, Error, Real};
use ndarray::{ArrayD, ArrayViewD, Zip};
use serde::{Deserialize, Serialize};

/// Which of the three formulas a pixel value selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Branch {
    /// `x < -0.999`: pixel level 0, probability `cdf(plus_in)` (the bin reaches down to -inf).
    EdgeLeft,
    /// `x > 0.999`: pixel level 255, probability `1 - cdf(min_in)` (the bin reaches up to +inf).
    EdgeRight,
    /// Every other value (NaN too: both comparisons are false), probability `cdf(plus_in) - cdf(min_in)`.
    Interior,
}

impl Branch {
    /// The branch upstream takes for `x` in precision `T`, comparing against `T`'s rounding of 0.999.
    #[inline]
    pub fn of<T: Real>(x: T) -> Branch {
        Branch::with_threshold(x, T::EDGE)
    }

    /// The branch for `x` with edge threshold `edge` (`x < -edge`, `x > edge`, else interior).
    #[inline]
    pub fn with_threshold<T: Real>(x: T, edge: T) -> Branch {
        if x < -edge {
            Branch::EdgeLeft
        } else if x > edge {
            Branch::EdgeRight
        } else {
            Branch::Interior
        }
    }

    /// The branch's name in golden files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Branch::EdgeLeft => "edge-left",
            Branch::EdgeRight => "edge-right",
            Branch::Interior => "interior",
        }
    }
}

/// The three inputs, by name: upstream takes `means` and `log_scales` as keyword-only arguments so that
/// they cannot be swapped, and named fields give the Rust API the same protection.
#[derive(Debug, Clone)]
pub struct PixelInputs<'a, T> {
    /// Pixel values scaled from uint8 to [-1, 1] (`k/127.5 - 1`).
    pub x: ArrayViewD<'a, T>,
    /// Decoder means, same shape as `x`.
    pub means: ArrayViewD<'a, T>,
    /// Decoder log standard deviations (not log-variances), same shape as `x`.
    pub log_scales: ArrayViewD<'a, T>,
}

/// The two CDF values of a pixel's bin, `cdf(plus_in)` and `cdf(min_in)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinCdfs<T> {
    /// `cdf(inv_stdv * (centered_x + half_width))`.
    pub cdf_plus: T,
    /// `cdf(inv_stdv * (centered_x - half_width))`.
    pub cdf_min: T,
}

/// The upstream steps up to the CDFs: `centered_x = x - means`, `inv_stdv = exp(-log_scales)`,
/// `plus_in = inv_stdv * (centered_x + half_width)`, `min_in = inv_stdv * (centered_x - half_width)`.
/// `half_width` and `cdf` are parameters so that the mutation tests can vary them.
#[inline]
pub fn bin_cdfs<T: Real>(x: T, mean: T, log_scale: T, half_width: T, cdf: impl Fn(T) -> T) -> BinCdfs<T> {
    let centered_x = x - mean;
    let inv_stdv = (-log_scale).exp();
    BinCdfs {
        cdf_plus: cdf(inv_stdv * (centered_x + half_width)),
        cdf_min: cdf(inv_stdv * (centered_x - half_width)),
    }
}

impl<T: Real> BinCdfs<T> {
    /// The probability upstream assigns to `branch`: `cdf_plus`, `1 - cdf_min`, or `cdf_plus - cdf_min`.
    #[inline]
    pub fn probability(self, branch: Branch) -> T {
        match branch {
            Branch::EdgeLeft => self.cdf_plus,
            Branch::EdgeRight => T::one() - self.cdf_min,
            Branch::Interior => self.cdf_plus - self.cdf_min,
        }
    }
}

impl<T> PixelInputs<'_, T> {
    /// `Ok` when `x`, `means` and `log_scales` have exactly one shape (upstream asserts it; no
    /// broadcasting), else the error naming all three.
    pub fn check_shapes(&self) -> Result<(), Error> {
        let (x, m, s) = (self.x.shape(), self.means.shape(), self.log_scales.shape());
        if x == m && x == s {
            return Ok(());
        }
        Err(Error::LoglikShape { x: x.to_vec(), means: m.to_vec(), log_scales: s.to_vec() })
    }
}

/// The log-likelihood of one pixel value, evaluated step by step as upstream does:
/// ```text
/// centered_x = x - means;  inv_stdv = exp(-log_scales)
/// plus_in = inv_stdv * (centered_x + 1/255);  min_in = inv_stdv * (centered_x - 1/255)
/// cdf_plus = cdf(plus_in);  cdf_min = cdf(min_in)
/// x < -0.999 ? log(clamp_min(cdf_plus, 1e-12))
///   : x > 0.999 ? log(clamp_min(1 - cdf_min, 1e-12))
///   : log(clamp_min(cdf_plus - cdf_min, 1e-12))
/// ```
/// with the constants rounded to `T` and a NaN-propagating clamp. Computing only the selected branch
/// gives the same value as upstream's `th.where` over all three, since elements are independent.
#[inline]
pub fn log_likelihood_point<T: Real>(x: T, mean: T, log_scale: T, cdf: Cdf) -> T {
    let bin = bin_cdfs(x, mean, log_scale, T::BIN_HALF_WIDTH, |z| cdf.eval(z));
    bin.probability(Branch::of(x)).clamp_min(T::PROB_FLOOR).ln()
}

/// Elementwise log-likelihood of `x` under `N(means, exp(log_scales)^2)` discretised to 256 bins.
/// The three tensors must have exactly one shape (upstream asserts it; no broadcasting).
pub fn discretized_gaussian_log_likelihood<T: Real>(
    inputs: &PixelInputs<'_, T>,
    cdf: Cdf,
) -> Result<ArrayD<T>, Error> {
    inputs.check_shapes()?;
    let PixelInputs { x, means, log_scales } = inputs;
    Ok(Zip::from(x).and(means).and(log_scales).map_collect(|&x, &m, &s| log_likelihood_point(x, m, s, cdf)))
}
