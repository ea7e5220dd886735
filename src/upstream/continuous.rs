//! `continuous_gaussian_log_likelihood` (DiT's and PixArt's `diffusion_utils.py`): the log-density of a
//! **standard** normal at `normalized_x = (x - means) * exp(-log_scales)`. The density of `x` under
//! `N(means, exp(log_scales)^2)` would subtract `log_scales` as well (the Jacobian of the change of
//! variable); upstream does not, and neither does this reproduction. Elementwise: callers map it over
//! their tensors (golden::evaluate, verify).

use crate::Real;

/// `math.log(math.sqrt(2 * math.pi))`, the Python double torch subtracts. Not the nearest double to the
/// real ln sqrt(2 pi) = 0.91893853320467274178...: sqrt and log each round, and the result is 7.2e-17
/// (0.65 ulp) below it. Each precision holds its own rounding of this double.
pub const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_7;

/// One element, step by step as upstream and `torch.distributions.Normal(0, 1).log_prob` evaluate it:
/// ```text
/// centered_x = x - means;  inv_stdv = exp(-log_scales);  normalized_x = centered_x * inv_stdv
/// log_prob = -((normalized_x - 0) ** 2) / (2 * 1) - log(1) - log(sqrt(2 pi))
/// ```
/// `- 0`, `/ 2` and `- log(1) = - 0` are exact (halving is exact above the subnormal range), so the
/// roundings are those of the difference, exp, the product, the square and the final subtraction.
/// No `- log_scales` term: upstream's quirk, kept.
#[inline]
pub fn continuous_log_likelihood_point<T: Real>(x: T, mean: T, log_scale: T) -> T {
    let normalized_x = (x - mean) * (-log_scale).exp();
    -(normalized_x * normalized_x) / T::cast(2.0) - T::cast(LN_SQRT_2PI)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jacobian_is_missing_and_specials_follow_ieee() {
        // N(0, 1) at 0: -ln sqrt(2 pi) whatever the scale (a true density would add 4.5 here).
        assert_eq!(continuous_log_likelihood_point(0.25f64, 0.25, -4.5), -LN_SQRT_2PI);
        // normalized_x = 2: -2 - ln sqrt(2 pi).
        assert_eq!(continuous_log_likelihood_point(3.0f64, 1.0, 0.0), -2.0 - LN_SQRT_2PI);
        // exp(89) overflows f32: 0 * inf = NaN; a nonzero difference gives -inf.
        assert!(continuous_log_likelihood_point(0.5f32, 0.5, -89.0).is_nan());
        assert_eq!(continuous_log_likelihood_point(0.5f32, 0.25, -89.0), f32::NEG_INFINITY);
    }
}
