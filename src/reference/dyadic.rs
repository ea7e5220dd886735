//! Exact dyadic numbers ([`F`]) and the log2 bookkeeping of error bounds shared by both working
//! precisions, with the constants that make the first-order bound rules valid. A leaf: it uses
//! nothing else from the reference.

use dashu_float::{round::mode::HalfEven, FBig};
use dashu_int::ops::{BitTest, UnsignedAbs};

/// The working float: binary, round-half-to-even.
pub(crate) type F = FBig<HalfEven, 2>;

/// Added (in log2) to every propagated bound: covers the neglected second-order terms (each
/// `<= 2^-19` relative because operand bounds are `<= 2^-20`) and the `f64` bookkeeping error.
pub(crate) const SLACK: f64 = 1e-5;
/// Operand bounds above `2^FIRST_ORDER` make the first-order rules invalid: the result is
/// marked unusable instead (it could never pass finalisation anyway).
pub(crate) const FIRST_ORDER: f64 = -20.0;
/// Ziv gives up (returns an error) beyond this precision; no input in the documented domain
/// needs it. Radii of exact intervals are capped relative to it (a wider interval is still sound).
pub(crate) const MAX_BITS: usize = 1 << 15;

/// log2(sum 2^x_i), robust to infinities; NaN (from `inf - inf` bookkeeping) counts as unusable.
pub(crate) fn lsum(xs: &[f64]) -> f64 {
    let m = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if xs.iter().any(|x| x.is_nan()) || m == f64::INFINITY {
        return f64::INFINITY;
    }
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + xs.iter().map(|x| (x - m).exp2()).sum::<f64>().log2()
}

/// log2|x| to about 1e-15 (from the top 64 significand bits); `-inf` for zero.
pub(crate) fn log2_abs(x: &F) -> f64 {
    let (sig, exp) = (x.repr().significand(), x.repr().exponent());
    let m = sig.unsigned_abs();
    let bits = m.bit_len();
    if bits == 0 {
        return f64::NEG_INFINITY;
    }
    let shift = bits.saturating_sub(64);
    let top = u64::try_from(&(m >> shift)).expect("64 bits fit");
    (top as f64).log2() + (exp as f64) + shift as f64
}

/// An `f64` (finite) as an exact float.
pub(crate) fn f(x: f64) -> F {
    F::try_from(x).expect("finite f64")
}

/// Exact sum of two dyadic numbers (no rounding at all).
pub(crate) fn exact_add(a: &F, b: &F) -> F {
    let (sa, ea) = (a.repr().significand(), a.repr().exponent());
    let (sb, eb) = (b.repr().significand(), b.repr().exponent());
    if sa.is_zero() {
        return b.clone();
    }
    if sb.is_zero() {
        return a.clone();
    }
    let e = ea.min(eb);
    let s = (sa.clone() << (ea - e) as usize) + (sb.clone() << (eb - e) as usize);
    F::from_parts(s, e)
}

/// `|x|` exactly.
pub(crate) fn abs_f(x: &F) -> F {
    F::from_parts(x.repr().significand().unsigned_abs().into(), x.repr().exponent())
}

/// `x * 2^k` exactly.
pub(crate) fn scale2(x: &F, k: isize) -> F {
    F::from_parts(x.repr().significand().clone(), x.repr().exponent() + k)
}
