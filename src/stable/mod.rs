//! Stable variants: drop-in replacements for the upstream log-likelihood and `normal_kl` with the same
//! meaning (the true Gaussian, the same clamp and branches) that stay accurate in float32, where the
//! upstream formulas lose up to ~10 nats (CDFs within u of 1 or of each other) and return 0 or negative
//! KLs for nearly identical Gaussians.

pub mod engine;

use crate::stable::engine::log_phi;
use crate::upstream::loglik::Branch;
use crate::Real;

/// `ln(1 - e^x)` for x <= 0 (Maechler 2012): `ln(-expm1(x))` near 0, `ln_1p(-exp(x))` below -ln 2,
/// each where it does not cancel.
pub fn log1mexp<T: Real>(x: T) -> T {
    if x > T::cast(-std::f64::consts::LN_2) {
        (-x.exp_m1()).ln()
    } else {
        (-x.exp()).ln_1p()
    }
}

/// ln of the Gaussian mass of `[a, b]` when the bin is narrow against the density's curvature
/// (`w max(1, |m|) <=` [`NARROW`] `= 1/20`, w = b - a, m the midpoint): `ln pdf(m) + ln w + ln_1p(s)` with
/// `s = (m^2-1) w^2/24 + (m^4-6m^2+3) w^4/1920 + (m^6-15m^4+45m^2-15) w^6/322560` (the even Hermite terms of
/// the integral of pdf(m + t) over |t| <= w/2); the next term is below 2^-60 relative there.
fn log_narrow_bin<T: Real>(m: T, w: T) -> T {
    let (m2, w2) = (m * m, w * w);
    let c = |v: f64| T::cast(v);
    let s = w2
        * ((m2 - c(1.0)) / c(24.0)
            + w2 * ((m2 * (m2 - c(6.0)) + c(3.0)) / c(1920.0)
                + w2 * ((m2 * (m2 * (m2 - c(15.0)) + c(45.0)) - c(15.0)) / c(322_560.0))));
    -c(0.5) * m2 - c(0.918_938_533_204_672_8) + w.ln() + s.ln_1p()
}

/// Bins up to this `w max(1, |m|)` take the three-term midpoint series (next term below 2^-60 relative,
/// so one series serves f32 and f64). The fused kernel (kernels/stable.rs) uses 1/4 instead: it carries
/// per-precision series of 4 (f32) and 6 (f64) terms, so that more bins avoid its branch-free tail
/// path, whose `1 - e^y` loses up to 3 bits where `y` is small. Both are judged by the same golden
/// `stable` tolerance; the kernel's `Math::Libm` path calls this function and is bit-identical to it.
const NARROW: f64 = 0.05;

/// ln of the Gaussian mass of `[a, b]`, a <= b, without cancellation: narrow bins by the midpoint
/// series; bins in one tail as `ln F(near) + log1mexp(ln F(far) - ln F(near))` in that tail; bins
/// straddling 0 as `ln_1p(-(Phi(a) + Phi(-b)))`, two tail masses below 1/2 each.
pub fn log_bin_mass<T: Real>(a: T, b: T, m: T, w: T) -> T {
    if w * m.abs().max(T::one()) <= T::cast(NARROW) {
        return log_narrow_bin(m, w);
    }
    // In one tail: the nearer edge's tail mass minus the farther one's. A bin at infinity has no mass
    // (and -inf - -inf would be NaN).
    let one_tail =
        |near: T, far: T| if near == T::neg_infinity() { near } else { near + log1mexp(far - near) };
    if a >= T::zero() {
        one_tail(log_phi(-a), log_phi(-b))
    } else if b <= T::zero() {
        one_tail(log_phi(b), log_phi(a))
    } else {
        (-(log_phi(a).exp() + log_phi(-b).exp())).ln_1p()
    }
}

/// The stable log-likelihood of one pixel value: upstream's meaning (true Gaussian CDF, bins of
/// half-width 1/255, edges at +-0.999, probabilities clamped at 1e-12, NaN propagated) computed in log
/// space: edges as `ln Phi(plus_in)` and `ln Phi(-min_in)`, the interior by [`log_bin_mass`] with the
/// bin width `2 inv_stdv / 255` and midpoint `inv_stdv * centered_x` formed directly (never by subtracting
/// the two arguments). The clamp becomes `max(ln p, ln 1e-12)`, NaN-propagating.
pub fn log_likelihood_stable<T: Real>(x: T, mean: T, log_scale: T) -> T {
    let centered_x = x - mean;
    let inv_stdv = (-log_scale).exp();
    let plus_in = inv_stdv * (centered_x + T::BIN_HALF_WIDTH);
    let min_in = inv_stdv * (centered_x - T::BIN_HALF_WIDTH);
    let log_p = match Branch::of(x) {
        Branch::EdgeLeft => log_phi(plus_in),
        Branch::EdgeRight => log_phi(-min_in),
        Branch::Interior => {
            let width = inv_stdv * (T::BIN_HALF_WIDTH + T::BIN_HALF_WIDTH);
            let mid = inv_stdv * centered_x;
            if inv_stdv == T::zero() && centered_x.is_finite() {
                // log_scales = +inf: an infinitely wide Gaussian puts no mass in any finite bin.
                T::neg_infinity()
            } else {
                log_bin_mass(min_in, plus_in, mid, width)
            }
        }
    };
    log_p.clamp_min(T::PROB_FLOOR.ln())
}

/// The stable KL divergence between two diagonal Gaussians, `0.5 * (expm1(d) - d + (m1 - m2)^2 e^-lv2)`,
/// d = lv1 - lv2. `expm1(d) - d` is taken from its Taylor series `d^2 (1/2 + d/6 + ...)` for |d| < 1/2 (the
/// subtraction would cancel there) and directly above; it is never negative for exact inputs.
pub fn normal_kl_stable<T: Real>(mean1: T, logvar1: T, mean2: T, logvar2: T) -> T {
    let d = logvar1 - logvar2;
    let gap = mean1 - mean2;
    let variance_term = if d.abs() < T::cast(0.5) {
        // sum_{k>=2} d^k / k!, Horner from k = 18 (0.5^17/18! < 2^-80).
        let mut acc = T::zero();
        for k in (2..=18u32).rev() {
            acc = (acc * d + T::one()) / T::cast(f64::from(k));
        }
        acc * d * d
    } else {
        d.exp_m1() - d
    };
    T::cast(0.5) * (variance_term + gap * gap * (-logvar2).exp())
}
