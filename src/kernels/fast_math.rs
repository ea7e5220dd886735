//! Branch-free `exp`, `expm1`, `ln`, `tanh` and `erf`, written once for f32 and f64: range reduction
//! with bit operations, fitted polynomials (`FastReal`'s tables) evaluated with fused multiply-adds,
//! every case computed and the right one selected. Loops of them vectorise, where the `libm`
//! functions (branches on ranges, calls) cannot.
//!
//! Accuracy: within 2.3 ulps of the exact value, every function in both precisions, measured against
//! exact arithmetic (dashu-float at 320 bits; `erf` against the reference) over each function's whole
//! range by `kernels::fast_math_accuracy` (`cargo test --lib fast_math_accuracy -- --nocapture`):
//!
//! | max ulps | exp | expm1 | ln | tanh | erf |
//! | --- | ---: | ---: | ---: | ---: | ---: |
//! | f32 | 0.94 | 1.02 | 1.74 | 1.11 | 2.24 |
//! | f64 | 0.92 | 1.51 | 1.72 | 1.25 | 1.39 |
//!
//! That is inside the 4 ulps per function that the golden tolerances assume of any port
//! (`golden::error_model::FUNCTION_ULPS`), so the kernels built on them pass the goldens by
//! construction, which tests/kernels.rs confirms. Crate-private: only the kernels call them, on the
//! inputs their docs name.

use super::precision::FastReal;
use super::select;
use std::f64::consts::LOG2_E;

/// `c[0] + c[1] v + ... + c[n-1] v^(n-1)`, `n >= 2`, as `c[0] + v Q(v)` with `Q` split into four
/// interleaved Horner chains in `v^4`, `Q0(v^4) + v Q1(v^4) + v^2 (Q2(v^4) + v Q3(v^4))`, each step a
/// fused multiply-add. The chains are a quarter as long as plain Horner's, so that a loop of these is
/// not bound by the latency of one long chain; the last step is Horner's, so the leading term is
/// rounded only once.
#[inline(always)]
pub(crate) fn horner<T: FastReal>(c: &[T], v: T) -> T {
    let v2 = v * v;
    let v4 = v2 * v2;
    // Exclusive ranges: LLVM unrolls these completely, but not `RangeInclusive`, whose leftover loop
    // would keep the element loop from vectorising.
    let chain = |j: usize| {
        let mut terms = (j + 1..c.len()).step_by(4).rev();
        let top = terms.next().map_or(T::zero(), |i| c[i]);
        terms.fold(top, |acc, i| acc.fma(v4, c[i]))
    };
    let q = v2.fma(v.fma(chain(3), chain(2)), v.fma(chain(1), chain(0)));
    v.fma(q, c[0])
}

/// `x = k ln2 + r` with integer `k` and `|r| <= ln2/2` (Cody-Waite: `k * LN2_HI` is exact).
#[inline(always)]
fn reduce<T: FastReal>(x: T) -> (T, T) {
    let k = x.fma(T::cast(LOG2_E), T::ROUND_MAGIC) - T::ROUND_MAGIC;
    (k, (-k).fma(T::LN2_LO, (-k).fma(T::LN2_HI, x)))
}

/// `expm1(r)` for `|r| <= ln2/2`: `r + r^2 P(r)` ([`FastReal::EXPM1_REMAINDER`]), the leading term
/// exact and the correction at most a sixth of it, so the result is within ~0.7 ulp.
#[inline(always)]
fn expm1_reduced<T: FastReal>(r: T) -> T {
    (r * r).fma(horner(T::EXPM1_REMAINDER, r), r)
}

/// `e^x`. Arguments are clamped (NaN passes through) to where the result is 0 or inf anyway; `2^k` is
/// applied as two factors, so results in the subnormal range are rounded once, as IEEE multiplication
/// rounds, and overflow gives inf.
#[inline(always)]
pub(crate) fn exp<T: FastReal>(x: T) -> T {
    let x = select(x < T::EXP_MIN, T::EXP_MIN, x);
    let x = select(x > T::EXP_MAX, T::EXP_MAX, x);
    let (k, r) = reduce(x);
    let half = (k * T::cast(0.5) + T::ROUND_MAGIC) - T::ROUND_MAGIC;
    (T::one() + expm1_reduced(r)) * T::pow2(half) * T::pow2(k - half)
}

/// `e^x` for arguments whose result is a normal number (no clamp, one scaling): the stable kernels'
/// `e^x` of log-probabilities above `ln Phi(NDTR_Z_MIN)` and `erf`'s tail factor.
#[inline(always)]
pub(crate) fn exp_normal<T: FastReal>(x: T) -> T {
    let (k, r) = reduce(x);
    (T::one() + expm1_reduced(r)) * T::pow2(k)
}

/// `e^x - 1`, accurate near 0: `2^k expm1(r) + (2^k - 1)`, each part exact but for the final sum's
/// rounding. Below -64 the result rounds to -1 (the clamp keeps `2^k` normal); from `k > 64` on the -1
/// is below half an ulp and `exp`'s two factors take over (overflow gives inf). NaN propagates.
#[inline(always)]
pub(crate) fn expm1<T: FastReal>(x: T) -> T {
    let limit = T::cast(64.0);
    let x = select(x < -limit, -limit, x);
    let x = select(x > T::EXP_MAX, T::EXP_MAX, x);
    let (k, r) = reduce(x);
    let m = expm1_reduced(r);
    let scale = T::pow2(k);
    let near = m.fma(scale, scale - T::one());
    let half = (k * T::cast(0.5) + T::ROUND_MAGIC) - T::ROUND_MAGIC;
    let far = (T::one() + m) * T::pow2(half) * T::pow2(k - half);
    select(k > limit, far, near)
}

/// Natural log, correct for every input: `x = m 2^e` with `m` in [sqrt(1/2), sqrt 2), `ln m = 2 atanh(f)`,
/// `f = (m-1)/(m+1)` (`m - 1` is exact, so values near `x = 1` keep their relative accuracy), plus
/// `e ln2` in two parts ([`ln_split`]). Subnormals are scaled by 2^64 first (the exponent field of a
/// subnormal is 0); `ln(+-0) = -inf`, `ln(x < 0) = NaN`, `ln(inf) = inf`, NaN propagates. The stable
/// kernels take logs of ratios of tail factors in [0.19, 5.2] and of bin masses that may underflow to 0
/// (then clamped).
#[inline(always)]
pub(crate) fn ln<T: FastReal>(x: T) -> T {
    let subnormal = x < T::min_positive_value();
    let scale = T::cast(SUBNORMAL_SCALE);
    let (m, e) = T::split_exponent(select(subnormal, x * scale, x));
    let result = ln_split(m, select(subnormal, e - T::cast(SUBNORMAL_SCALE.log2()), e));
    // `x` itself is the answer at inf and NaN.
    let special = select(x == T::zero(), T::neg_infinity(), select(x < T::zero(), T::nan(), x));
    select((x > T::zero()) & (x < T::infinity()), result, special)
}

/// [`ln`] of a positive normal number or NaN (NaN propagates), the same value without the subnormal
/// scaling and the other specials: the upstream kernels' log of a probability clamped to >= 1e-12.
#[inline(always)]
pub(crate) fn ln_normal<T: FastReal>(x: T) -> T {
    let (m, e) = T::split_exponent(x);
    select(x.is_nan(), x, ln_split(m, e))
}

/// `ln(m 2^e)` for `m` in [1, 2) and an integer-valued `e` (see [`ln`]).
#[inline(always)]
fn ln_split<T: FastReal>(m: T, e: T) -> T {
    let big = m > T::SQRT_2;
    let (m, e) = (select(big, m * T::cast(0.5), m), select(big, e + T::one(), e));
    let f = (m - T::one()) / (m + T::one());
    let s = f * f;
    // atanh(f)/f - 1 = s Q(s)
    let series = horner(T::ATANH_SERIES, s);
    let two_f = f + f;
    let ln_m = two_f.fma(s * series, two_f);
    e.fma(T::LN2_HI, e.fma(T::LN2_LO, ln_m))
}

/// 2^64: takes every subnormal of f32 and f64 into the normal range, exactly.
const SUBNORMAL_SCALE: f64 = 18_446_744_073_709_551_616.0;

/// `tanh` switches from the odd polynomial to the exponential form at `ln(3)/2`, where `tanh = 1/2`.
const TANH_SWITCH: f64 = 0.549_306_144_334_054_9;

/// `tanh` caps `|y|` here: `2 / (e^(2|y|) + 1) < 2^-55` from `|y| = 19.1` on, so `tanh` rounds to 1 in
/// f32 and f64 alike, and `e^40` is a normal number in both (one scaling, no clamp).
const TANH_SATURATION: f64 = 20.0;

/// Hyperbolic tangent: `|y| + |y| s Q(s)` (`s = y^2`, [`FastReal::TANH_SMALL`]) below `ln(3)/2`, where
/// the leading term is exact; above, `1 - 2 / (e^(2|y|) + 1)`, whose subtraction from 1 loses nothing
/// there (`2 / (e^(2|y|) + 1) <= 1/2`) and which reaches 1 at [`TANH_SATURATION`]; then the sign of `y`.
#[inline(always)]
pub(crate) fn tanh<T: FastReal>(y: T) -> T {
    // On |y|, so that the zero correction term cannot turn -0 into +0; the sign is applied last.
    let a = y.abs();
    let s = a * a;
    let small = a.fma(s * horner(T::TANH_SMALL, s), a);
    // NaN fails the comparison and passes.
    let capped = select(a > T::cast(TANH_SATURATION), T::cast(TANH_SATURATION), a);
    let large = T::one() - T::cast(2.0) / (exp_normal(capped + capped) + T::one());
    let t = select(a < T::cast(TANH_SWITCH), small, large);
    select(y.is_sign_negative(), -t, t)
}

/// The error function: `x P(x^2)` below 0.75, else `1 - erfc(|x|)` with the sign of `x`, where
/// `erfc(x) = t exp(G(t) - x^2)`, `t = 2/(2+x)` (the form of Numerical Recipes' `erfccheb`; our own
/// fits, see [`FastReal::ERFC_LOG`]). `|x|` is capped where `erf` rounds to 1.
#[inline(always)]
pub(crate) fn erf<T: FastReal>(x: T) -> T {
    let small = x * horner(T::ERF_SMALL, x * x);
    let a = x.abs();
    let a = select(a > T::ERF_SATURATION, T::ERF_SATURATION, a);
    let two = T::cast(2.0);
    let t = two / (two + a);
    let g = horner(T::ERFC_LOG, (t - T::ERFC_T_MID) * T::ERFC_T_SCALE);
    let large = (-t).fma(exp_normal((-a).fma(a, g)), T::one());
    select(x.abs() < T::cast(0.75), small, select(x.is_sign_negative(), -large, large))
}
