//! The helpers' per-element formulas over a choice of elementary functions: the same operations in the
//! same order as `Cdf::eval`, `log_likelihood_point` and `normal_kl_point` (tests/kernels.rs checks
//! bit-identity with `Math::Libm`), with the log-likelihood's branch selected rather than taken and its
//! formula cut into the three stages of the kernel (arguments, CDFs, log probability).

use super::math::Elementary;
use super::precision::FastReal;
use super::select;
use crate::Cdf;

/// `Cdf::eval` with `M`'s `tanh` or `erf`. `cdf` is a constant in every monomorphised loop, so the
/// match folds away.
#[inline(always)]
pub(crate) fn cdf<T: FastReal, M: Elementary>(cdf: Cdf, z: T) -> T {
    let half = T::cast(0.5);
    match cdf {
        Cdf::Tanh => half * (T::one() + M::tanh(T::SQRT_2_OVER_PI * (z + T::TANH_CUBIC * (z * z * z)))),
        Cdf::Erf if M::FOLDS_ERF_SCALE => half * (T::one() + M::erf(z)),
        Cdf::Erf => half * (T::one() + M::erf(z / T::SQRT_2)),
    }
}

/// The two CDF arguments of one pixel, `[plus_in, min_in]`, as `log_likelihood_point` forms them;
/// for the erf CDF under [`Elementary::FOLDS_ERF_SCALE`] already divided by sqrt 2, through a scale
/// `inv_stdv / sqrt 2` shared by both (one multiply per pixel instead of a division per argument).
#[inline(always)]
pub(crate) fn cdf_arguments<T: FastReal, M: Elementary>(cdf: Cdf, x: T, mean: T, log_scale: T) -> [T; 2] {
    let centered_x = x - mean;
    let inv_stdv = M::exp(-log_scale);
    let scale = match cdf {
        Cdf::Erf if M::FOLDS_ERF_SCALE => inv_stdv * T::cast(std::f64::consts::FRAC_1_SQRT_2),
        _ => inv_stdv,
    };
    [scale * (centered_x + T::BIN_HALF_WIDTH), scale * (centered_x - T::BIN_HALF_WIDTH)]
}

/// One pixel's log-likelihood from its two CDF values: all three branch probabilities, the branch
/// chosen by comparisons as upstream's nested `th.where` does. A NaN `x` fails both comparisons and
/// selects the interior, as in upstream; the clamp keeps NaN (`Real::clamp_min`), so NaN in any input
/// gives NaN.
#[inline(always)]
pub(crate) fn log_probability<T: FastReal, M: Elementary>(x: T, cdf_plus: T, cdf_min: T) -> T {
    let edge_left = cdf_plus;
    let edge_right = T::one() - cdf_min;
    let interior = cdf_plus - cdf_min;
    let p = select(x < -T::EDGE, edge_left, select(x > T::EDGE, edge_right, interior));
    M::ln(p.clamp_min(T::PROB_FLOOR))
}

/// `normal_kl_point` with `M`'s `exp`.
#[inline(always)]
pub(crate) fn normal_kl<T: FastReal, M: Elementary>(mean1: T, logvar1: T, mean2: T, logvar2: T) -> T {
    let d = mean1 - mean2;
    T::cast(0.5) * (-T::one() + logvar2 - logvar1 + M::exp(logvar1 - logvar2) + d * d * M::exp(-logvar2))
}
