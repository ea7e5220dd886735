//! The error model and the admissible interval of `continuous_gaussian_log_likelihood` (docs/error-model.md,
//! "Continuous log-likelihood"), under error_model's assumptions. Upstream's steps in a precision:
//! ```text
//! c' = fl(x - means)           |c' - c| <= u |c|
//! e' = exp(fl(-log_scales))    |e' - e| <= func e + 4 tiny   (negation exact)
//! n' = fl(c' e')               |n' - n| <= |c| de + e dc + u |n| + tiny
//! q' = fl(n' n')               |q' - q| <= 2 |n| dn + u q + tiny
//! h' = q' / 2                  exact above the subnormal range (+ tiny)
//! r' = fl(-h' - 0 - K')        |r' - r| <= dh + |K' - K| + u |r|
//! ```
//! with K = ln sqrt(2 pi) the exact real and K' the precision's rounding of upstream's Python double
//! (itself 7.2e-17 below K). Every term is non-negative before the negation, so there is no cancellation:
//! the relative error of the result is at most about `(5u + 2 func) q/2 / r`, a few ulps. The first-order
//! bound is doubled ([`SAFETY`]) as for the other helpers. Where `exp(-log_scales)`, `x - means` or the
//! square overflow the precision the model gives no bound; the interval (0 * inf = NaN, or -inf) rules.

use crate::golden::admissible::{Eval, Range};
use crate::golden::error_model::{Bound, Model, SAFETY};
use crate::upstream::continuous::LN_SQRT_2PI;

/// The real ln sqrt(2 pi) minus upstream's double [`LN_SQRT_2PI`] (mpmath at 200 bits:
/// 7.2239360881843e-17); together they give K to ~1e-32, far below any precision's rounding of it.
const LN_SQRT_2PI_LO: f64 = 7.223_936_088_184_323e-17;

/// `|K' - K|`: the deviation of the precision's constant from the real ln sqrt(2 pi). For the half types
/// the larger of the half and the f32 rounding (PyTorch subtracts the f32 rounding in its f32 opmath,
/// NumPy and JAX the half one).
pub fn constant_deviation(p: &Model) -> f64 {
    let dev = |rounded: f64| ((rounded - LN_SQRT_2PI) - LN_SQRT_2PI_LO).abs();
    let own = dev(p.precision.round(LN_SQRT_2PI));
    if p.precision.is_half() {
        own.max(dev(f64::from(LN_SQRT_2PI as f32)))
    } else {
        own
    }
}

/// Bound on `|got - expected|` of upstream's continuous log-likelihood evaluated in `p` at the exact
/// inputs `(x, means, log_scales)`, whose exact value is `expected`.
pub fn bound(p: &Model, (x, mean, log_scale): (f64, f64, f64), expected: f64) -> Bound {
    if !expected.is_finite() {
        // NaN in, NaN out; -inf only from an infinite normalized_x: matched exactly.
        return Bound::Abs(0.0);
    }
    let k = LN_SQRT_2PI + LN_SQRT_2PI_LO;
    if !(x.is_finite() && mean.is_finite() && log_scale.is_finite()) {
        // A finite result from infinite inputs is normalized_x = 0 exactly: -K' up to the subtraction.
        return Bound::Abs(SAFETY * (constant_deviation(p) + p.u * k));
    }
    let c = (x - mean).abs();
    let e = (-log_scale).exp();
    let n = c * e;
    let q = n * n;
    // (e is finite past the first two tests, so q is not NaN.)
    if c > p.max || e > p.max || q > p.max {
        return Bound::Unconstrained;
    }
    let dc = p.u * c;
    let de = p.func_err(e);
    let dn = c * de + e * dc + p.u * n + p.tiny;
    let dq = 2.0 * n * dn + p.u * q + p.tiny;
    let dh = 0.5 * dq + p.tiny;
    let dr = dh + constant_deviation(p) + p.u * (0.5 * q + k);
    Bound::finite(SAFETY * dr)
}

/// Every value a correct implementation in `p` can produce, by interval arithmetic over upstream's
/// steps: NaN possible where an overflowing `exp(-log_scales)` may meet a zero difference, `-inf` where
/// the square may overflow.
pub fn range(p: &Model, (x, mean, log_scale): (f64, f64, f64)) -> Range {
    let e = Eval { p };
    let centered = e.sub(Range::point(x), Range::point(mean));
    let inv_stdv = e.exp(Range::point(-log_scale));
    let normalized = e.mul(centered, inv_stdv);
    let half_square = e.mul(e.rounded(normalized.square()), Range::point(0.5));
    let k = LN_SQRT_2PI + LN_SQRT_2PI_LO;
    e.sub(half_square.neg(), e.constant(k, constant_deviation(p) / k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::Precision;
    use crate::reference;
    use crate::upstream::continuous::continuous_log_likelihood_point;

    #[test]
    fn the_python_constant_is_off_by_its_low_part_in_f64_and_by_the_rounding_in_f32() {
        assert_eq!(constant_deviation(&Model::of(Precision::F64)), LN_SQRT_2PI_LO);
        // f32(0.9189385332046727) = 0.91893851757..., 1.56e-8 below.
        let d = constant_deviation(&Model::of(Precision::F32));
        assert!((1.5e-8..1.6e-8).contains(&d), "{d}");
    }

    #[test]
    fn ranges_and_bounds_contain_the_fast_implementation() {
        for &(x, m, s) in
            &[(0.0f32, 0.01f32, -4.0f32), (-1.0, -0.96, -5.0), (1.0, 0.7, -1.0), (0.3, 0.2, 2.0)]
        {
            let p = Model::of(Precision::F32);
            let got = f64::from(continuous_log_likelihood_point(x, m, s));
            let wide = (f64::from(x), f64::from(m), f64::from(s));
            let r = range(&p, wide);
            assert!(r.lo <= got && got <= r.hi && !r.nan, "{x} {m} {s}: {got} {r:?}");
            // The f32 bound must cover the distance to the exact value (from the reference).
            let exact = reference::continuous_gaussian_log_likelihood(wide.0, wide.1, wide.2).unwrap().value;
            let Bound::Abs(a) = bound(&p, wide, exact) else { panic!("bounded") };
            assert!((got - exact).abs() <= a, "{x} {m} {s}: {got} vs {exact} within {a}");
        }
    }

    #[test]
    fn a_zero_difference_times_an_overflowing_inverse_scale_may_be_nan() {
        let p = Model::of(Precision::F32);
        assert!(range(&p, (0.25, 0.25, -89.0)).nan);
        assert_eq!(bound(&p, (0.25, 0.25, -89.0), -0.9189385332046728), Bound::Unconstrained);
        // f64 does not overflow there: exactly -K up to the constant and one rounding.
        assert!(!range(&Model::of(Precision::F64), (0.25, 0.25, -89.0)).nan);
    }
}
