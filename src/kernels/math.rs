//! Which elementary functions a kernel uses: `libm`'s (bit-identical to the pointwise helpers) or the
//! vectorisable ones of `fast_math` (several times faster, within the golden tolerances).

use super::fast_math;
use super::precision::FastReal;
use crate::Real;

/// The elementary functions of a kernel, chosen at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Math {
    /// `libm`, as `Real` and the pointwise helpers use: results bit-identical to
    /// `log_likelihood_point` and `normal_kl_point`, one scalar call per function and element; the
    /// stable kernels run `crate::stable`'s pointwise functions themselves (branches, scalar).
    Libm,
    /// `fast_math`: branch-free polynomials that vectorise; within 2.3 ulps per function, which
    /// every golden case admits; the erf CDF's `1/sqrt 2` is folded into a scale shared by both bin
    /// edges (one rounding more than upstream's division, also admitted). The stable kernels use their own branch-free log-space algorithm
    /// (`kernels::stable`), judged by the golden `stable` tolerance.
    Fast,
}

/// The elementary functions a kernel is monomorphised over.
pub(crate) trait Elementary {
    /// Whether the erf CDF's `1/sqrt 2` is folded into the scale of both CDF arguments
    /// (`formulas::cdf_arguments`): one rounding more than upstream's division, which the golden
    /// tolerances admit (tests/kernels.rs), so only where bit-identity is not promised.
    const FOLDS_ERF_SCALE: bool;
    fn exp<T: FastReal>(x: T) -> T;
    /// Of a positive normal number or NaN: the kernels take it of probabilities clamped to >= 1e-12.
    fn ln<T: FastReal>(x: T) -> T;
    fn tanh<T: FastReal>(x: T) -> T;
    fn erf<T: FastReal>(x: T) -> T;
}

/// [`Math::Libm`] as a type.
pub(crate) struct Libm;

/// [`Math::Fast`] as a type.
pub(crate) struct Fast;

impl Elementary for Libm {
    const FOLDS_ERF_SCALE: bool = false;
    #[inline(always)]
    fn exp<T: FastReal>(x: T) -> T {
        Real::exp(x)
    }
    #[inline(always)]
    fn ln<T: FastReal>(x: T) -> T {
        Real::ln(x)
    }
    #[inline(always)]
    fn tanh<T: FastReal>(x: T) -> T {
        Real::tanh(x)
    }
    #[inline(always)]
    fn erf<T: FastReal>(x: T) -> T {
        Real::erf(x)
    }
}

impl Elementary for Fast {
    const FOLDS_ERF_SCALE: bool = true;
    #[inline(always)]
    fn exp<T: FastReal>(x: T) -> T {
        fast_math::exp(x)
    }
    #[inline(always)]
    fn ln<T: FastReal>(x: T) -> T {
        fast_math::ln_normal(x)
    }
    #[inline(always)]
    fn tanh<T: FastReal>(x: T) -> T {
        fast_math::tanh(x)
    }
    #[inline(always)]
    fn erf<T: FastReal>(x: T) -> T {
        fast_math::erf(x)
    }
}
