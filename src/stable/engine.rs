//! The accurate engine: Phi, log Phi and the tanh formula in plain floating-point arithmetic (libm plus a
//! few error-free transformations), within 3 ulps of the exact values in f64 (`log_phi` within 2.5 ulps
//! in f32), asserted by tests/engine.rs. In f64 it is fast enough for
//! sweeps over all 2^32 float32 inputs (judged against the arbitrary-precision reference in
//! tests/engine.rs); in f32 it is the core of the stable log-likelihood (src/stable/mod.rs).

use crate::Real;

/// An f64 constant as an unevaluated sum `hi + lo` in precision `T` (`lo` carries what `hi` rounds off,
/// to ~2^-48 relative in f32 and ~2^-106 in f64).
fn split<T: Real>(hi: f64, lo: f64) -> (T, T) {
    let head = T::cast(hi);
    (head, T::cast((hi - head.as_f64()) + lo))
}

/// 1/sqrt(2) = 0.7071067811865476 - 4.833646656726457e-17 (to ~2^-106).
fn frac_1_sqrt_2<T: Real>() -> (T, T) {
    split(std::f64::consts::FRAC_1_SQRT_2, -4.833_646_656_726_457e-17)
}

/// The true standard normal CDF, `0.5 * erfc(-z/sqrt(2))`, with the rounding error of `z/sqrt(2)`
/// corrected to first order. Without the correction the naive form is off by ~2 t^2 u relative
/// (t = z/sqrt(2)), over 1000 ulps at z = -38 in f64, because d ln erfc(t)/dt ~ -2t amplifies it.
pub fn phi<T: Real>(z: T) -> T {
    if z.is_infinite() {
        return if z > T::zero() { T::one() } else { T::zero() };
    }
    let (c, c_lo) = frac_1_sqrt_2::<T>();
    // t = -z/sqrt(2) as an unevaluated sum t_hi + t_lo (two_prod of z and the split constant).
    let t_hi = -z * c;
    let t_lo = (-z).mul_add(c, -t_hi) + (-z) * c_lo;
    let erfc = t_hi.erfc();
    if erfc == T::zero() {
        // Underflowed: no correction to apply (and g * t_lo could overflow).
        return erfc;
    }
    // erfc(t_hi + t_lo) = erfc(t_hi) * (1 - g(t_hi) * t_lo + O(t_lo^2)), g = -d ln erfc / dt.
    T::cast(0.5) * erfc * (T::one() - erfc_log_slope(t_hi, erfc) * t_lo)
}

/// `g(t) = 2/sqrt(pi) * exp(-t^2) / erfc(t)`, the magnitude of the log-derivative of erfc. Only used to
/// scale a correction of relative size ~t^2 u, so a relative error of 1e-3 in g is harmless.
fn erfc_log_slope<T: Real>(t: T, erfc: T) -> T {
    if erfc > T::min_positive_value() * T::cast(1e6) {
        T::cast(std::f64::consts::FRAC_2_SQRT_PI) * (-t * t).exp() / erfc
    } else {
        // erfc(t) ~ exp(-t^2)/(t sqrt(pi)) * (1 - 1/(2t^2)), so g ~ 2t + 1/t (t > 9 here).
        T::cast(2.0) * t + t.recip()
    }
}

/// Below this z (a fraction of where Phi leaves the normal range: -30 in f64, -10.5 in f32), `log_phi`
/// uses the asymptotic form; above it `ln(phi(z))` is accurate since Phi is a normal number.
fn asymptotic_below<T: Real>() -> T {
    T::cast(-(-2.0 * T::min_positive_value().as_f64().ln()).sqrt() * 0.8)
}

/// ln Phi(z), accurate over the whole range of z, including z far below where Phi underflows.
///
/// z > 0: `ln_1p(-Phi(-z))` (Phi(z) is near 1, the log of it is tiny and must not cancel);
/// moderate z <= 0: `ln(phi(z))` (Phi is a normal number with a few ulps of relative error);
/// z far below: `-z^2/2 - ln(-z) - ln sqrt(2 pi) + ln(R)`, R = |z| (1 - Phi(|z|)) / pdf(|z|) from a
/// continued fraction, with z^2 split exactly (fma) so the huge leading term carries no rounding error.
pub fn log_phi<T: Real>(z: T) -> T {
    if z.is_nan() {
        return z;
    }
    if z > T::zero() {
        return (-phi(-z)).ln_1p();
    }
    if z >= asymptotic_below::<T>() {
        return phi(z).ln();
    }
    if z == T::neg_infinity() {
        return z;
    }
    let w = -z;
    let sq_hi = w * w;
    if sq_hi.is_infinite() {
        // w^2 overflows; the leading term alone is -inf in this precision anyway.
        return T::neg_infinity();
    }
    let sq_lo = w.mul_add(w, -sq_hi);
    let half = T::cast(0.5);
    let ln_sqrt_2pi = T::cast(0.918_938_533_204_672_8);
    -half * sq_hi + (-half * sq_lo - w.ln() - ln_sqrt_2pi + mills_ratio_scaled(w).ln())
}

/// `w * (1 - Phi(w)) / pdf(w)` for large w (1 - 1/w^2 + 3/w^4 - ...), by the continued fraction
/// `w / (w + 1/(w + 2/(w + 3/(w + ...))))` evaluated backwards; for w >= 10 forty terms are far more
/// than f64's accuracy needs.
fn mills_ratio_scaled<T: Real>(w: T) -> T {
    let mut tail = w;
    for k in (1..=40).rev() {
        tail = w + T::cast(f64::from(k)) / tail;
    }
    w / tail
}

/// ln(1 - Phi(z)) computed as ln Phi(-z): the subtraction 1 - Phi(z) would lose everything for z > 8.
pub fn log_one_minus_phi<T: Real>(z: T) -> T {
    log_phi(-z)
}

/// The tanh formula `0.5 * (1 + tanh(s))`, `s = sqrt(2/pi) * (z + 0.044715 z^3)`, evaluated as
/// `1 / (1 + exp(-2 s))` so that the lower tail keeps its relative accuracy (tanh(s) -> -1 would cancel).
/// s is carried as an unevaluated sum and its low part applied to exp as a factor `1 - 2 s_lo`: a plain
/// s has relative error ~3u, which exp(-2s) would amplify by 2|s| (~150 ulps at z = -12 in f64).
pub fn tanh_cdf<T: Real>(z: T) -> T {
    (T::one() + exp_minus_two(tanh_argument(z))).recip()
}

/// ln of the tanh formula, `-ln_1p(exp(-2 s))`, finite far below where the formula itself underflows.
pub fn log_tanh_cdf<T: Real>(z: T) -> T {
    let (hi, lo) = tanh_argument(z);
    let two = T::cast(2.0);
    if hi < T::cast(-15.0) {
        // ln_1p(e^m) = m + ln_1p(e^-m) with m = -2s > 30: -ln T = -2s + ln_1p(e^{2s}).
        two * hi + two * lo - (two * hi).exp().ln_1p()
    } else {
        -exp_minus_two((hi, lo)).ln_1p()
    }
}

/// `exp(-2 (hi + lo))` as `exp(-2 hi) * (1 - 2 lo)`: -2 hi is exact, |lo| <= u |hi|.
fn exp_minus_two<T: Real>((hi, lo): (T, T)) -> T {
    let two = T::cast(2.0);
    (-two * hi).exp() * (T::one() - two * lo)
}

/// `s = sqrt(2/pi) * z * (1 + 0.044715 z^2)` as an unevaluated sum (error-free products by fma),
/// relative error ~u^2.
fn tanh_argument<T: Real>(z: T) -> (T, T) {
    let (c1, c1_lo) = split::<T>(0.797_884_560_802_865_4, -4.984_654_404_555_46e-17);
    let (c2, c2_lo) = split::<T>(0.044715, 2.196_021_142_708_559_5e-18);
    let z2 = z * z;
    let z2_lo = z.mul_add(z, -z2);
    // w = c2 * z^2
    let w = c2 * z2;
    let w_lo = c2.mul_add(z2, -w) + c2 * z2_lo + c2_lo * z2;
    // v = 1 + w (two-sum; w >= 0 so 1 + w >= 1)
    let v = T::one() + w;
    let v_lo = (T::one() - v + w) + w_lo;
    // u = z * v
    let u = z * v;
    let u_lo = z.mul_add(v, -u) + z * v_lo;
    // s = c1 * u, renormalised
    let s = c1 * u;
    let s_lo = c1.mul_add(u, -s) + c1 * u_lo + c1_lo * u;
    let hi = s + s_lo;
    (hi, s_lo - (hi - s))
}
