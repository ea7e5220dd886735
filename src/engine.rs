//! The accurate f64 engine: Phi, log Phi and the tanh formula in plain f64 arithmetic (libm plus a few
//! error-free transformations), within a few ulps of the exact values and fast enough for sweeps over all
//! 2^32 float32 inputs. Judged against the arbitrary-precision reference in tests/engine.rs.

use std::f64::consts::FRAC_1_SQRT_2;

/// The low part of 1/sqrt(2): `FRAC_1_SQRT_2 + SQRT_HALF_LO` is 1/sqrt(2) to ~2^-106 relative.
const SQRT_HALF_LO: f64 = -4.833_646_656_726_457e-17;
/// 2/sqrt(pi), the derivative scale of erfc.
const TWO_OVER_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;
/// ln(sqrt(2 pi)), the normalising constant in log phi.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
/// Below this z, `log_phi` uses the asymptotic (continued-fraction) form; Phi(-30) ~ 5e-198 is still
/// far from f64's subnormal range, so `ln(phi(z))` is accurate everywhere above it.
const LOG_PHI_ASYMPTOTIC_BELOW: f64 = -30.0;

/// The true standard normal CDF, `0.5 * erfc(-z/sqrt(2))`, with the rounding error of `z/sqrt(2)`
/// corrected to first order. Without the correction the naive form is off by ~2 t^2 * 2^-53 relative
/// (t = z/sqrt(2)), over 1000 ulps at z = -38, because d ln erfc(t)/dt ~ -2t amplifies it.
pub fn phi(z: f64) -> f64 {
    // t = -z/sqrt(2) as an unevaluated sum t_hi + t_lo (two_prod of z and the split constant).
    let t_hi = -z * FRAC_1_SQRT_2;
    let t_lo = (-z).mul_add(FRAC_1_SQRT_2, -t_hi) + (-z) * SQRT_HALF_LO;
    let erfc = libm::erfc(t_hi);
    // erfc(t_hi + t_lo) = erfc(t_hi) * (1 - g(t_hi) * t_lo + O(t_lo^2)), g = -d ln erfc / dt.
    0.5 * erfc * (1.0 - erfc_log_slope(t_hi, erfc) * t_lo)
}

/// `g(t) = 2/sqrt(pi) * exp(-t^2) / erfc(t)`, the magnitude of the log-derivative of erfc. Only used to
/// scale a correction of relative size ~1e-13, so a relative error of 1e-6 in g is harmless.
fn erfc_log_slope(t: f64, erfc: f64) -> f64 {
    if erfc > 1e-300 {
        TWO_OVER_SQRT_PI * libm::exp(-t * t) / erfc
    } else {
        // erfc(t) ~ exp(-t^2)/(t sqrt(pi)) * (1 - 1/(2t^2)), so g ~ 2t + 1/t (t > 26 here).
        2.0 * t + 1.0 / t
    }
}

/// ln Phi(z), accurate over the whole f64 range of z, including z far below where Phi underflows.
///
/// z > 0: `log1p(-Phi(-z))` (Phi(z) is near 1, the log of it is tiny and must not cancel);
/// -30 <= z <= 0: `ln(phi(z))` (Phi is a normal number with a few ulps of relative error);
/// z < -30: `-z^2/2 - ln(-z) - ln sqrt(2 pi) + ln(R)`, R = |z| sqrt(pi/2) erfcx(|z|/sqrt 2) from a
/// continued fraction, with z^2 split exactly so the huge leading term carries no rounding error.
pub fn log_phi(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    if z > 0.0 {
        return libm::log1p(-phi(-z));
    }
    if z >= LOG_PHI_ASYMPTOTIC_BELOW {
        return libm::log(phi(z));
    }
    if z == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    let w = -z;
    if w > 1e154 {
        // w^2 overflows; the leading term alone is -inf in f64 anyway.
        return f64::NEG_INFINITY;
    }
    let sq_hi = w * w;
    let sq_lo = w.mul_add(w, -sq_hi);
    -0.5 * sq_hi + (-0.5 * sq_lo - libm::log(w) - LN_SQRT_2PI + libm::log(mills_ratio_scaled(w)))
}

/// `w * (1 - Phi(w)) / phi(w)` for w >= 30 (the Mills ratio times w, 1 - 1/w^2 + 3/w^4 - ...), by the
/// continued fraction `1/(w + 1/(w + 2/(w + 3/(w + ...))))` evaluated backwards; at w >= 30 forty terms
/// are far more than the 1e-17 relative accuracy needs.
fn mills_ratio_scaled(w: f64) -> f64 {
    let mut tail = w;
    for k in (1..=40).rev() {
        tail = w + k as f64 / tail;
    }
    w / tail
}

/// ln(1 - Phi(z)) computed as ln Phi(-z): the subtraction 1 - Phi(z) would lose everything for z > 8.
pub fn log_one_minus_phi(z: f64) -> f64 {
    log_phi(-z)
}

/// sqrt(2/pi) as an unevaluated sum hi + lo (~2^-106 relative).
const SQRT_2_OVER_PI: (f64, f64) = (0.797_884_560_802_865_4, -4.984_654_404_555_46e-17);
/// 0.044715 as an unevaluated sum hi + lo (the decimal is not a binary number).
const TANH_CUBIC: (f64, f64) = (0.044715, 2.196_021_142_708_559_5e-18);

/// The tanh formula `0.5 * (1 + tanh(s))`, `s = sqrt(2/pi) * (z + 0.044715 z^3)`, evaluated as
/// `1 / (1 + exp(-2 s))` so that the lower tail keeps its relative accuracy (tanh(s) -> -1 would cancel).
/// s is carried in double-double and its low part applied to exp as a factor `1 - 2 s_lo`: a plain f64
/// s has relative error ~3 * 2^-53, which exp(-2s) would amplify by 2|s| (~150 ulps at z = -12).
pub fn tanh_cdf(z: f64) -> f64 {
    1.0 / (1.0 + exp_minus_two(tanh_argument(z)))
}

/// ln of the tanh formula, `-log1p(exp(-2 s))`, finite far below where the formula itself underflows.
pub fn log_tanh_cdf(z: f64) -> f64 {
    let (hi, lo) = tanh_argument(z);
    if hi < -15.0 {
        // log1p(e^m) = m + log1p(e^-m) with m = -2s > 30: -ln T = -2s + log1p(e^{2s}).
        2.0 * hi + 2.0 * lo - libm::log1p(libm::exp(2.0 * hi))
    } else {
        -libm::log1p(exp_minus_two((hi, lo)))
    }
}

/// `exp(-2 (hi + lo))` as `exp(-2 hi) * (1 - 2 lo)`: -2 hi is exact, |lo| <= 2^-53 |hi|.
fn exp_minus_two((hi, lo): (f64, f64)) -> f64 {
    libm::exp(-2.0 * hi) * (1.0 - 2.0 * lo)
}

/// `s = sqrt(2/pi) * z * (1 + 0.044715 z^2)` in double-double arithmetic (error-free products by fma),
/// relative error ~2^-100.
fn tanh_argument(z: f64) -> (f64, f64) {
    let z2 = z * z;
    let z2_lo = z.mul_add(z, -z2);
    // w = c2 * z^2 (double-double)
    let w = TANH_CUBIC.0 * z2;
    let w_lo = TANH_CUBIC.0.mul_add(z2, -w) + TANH_CUBIC.0 * z2_lo + TANH_CUBIC.1 * z2;
    // v = 1 + w (two-sum; w >= 0 so 1 + w >= 1)
    let v = 1.0 + w;
    let v_lo = (1.0 - v + w) + w_lo;
    // u = z * v
    let u = z * v;
    let u_lo = z.mul_add(v, -u) + z * v_lo;
    // s = c1 * u
    let s = SQRT_2_OVER_PI.0 * u;
    let s_lo = SQRT_2_OVER_PI.0.mul_add(u, -s) + SQRT_2_OVER_PI.0 * u_lo + SQRT_2_OVER_PI.1 * u;
    // renormalise
    let hi = s + s_lo;
    (hi, s_lo - (hi - s))
}
