//! Admissible intervals: for a case, precision and variant, a sound interval `[lo, hi]` holding every
//! output a correct implementation of the upstream algorithm can produce, found by evaluating the
//! algorithm step by step on ranges (interval arithmetic): each computed value is bounded from the
//! ranges of its operands, the rounding of the precision and the error of the elementary functions
//! (error_model's assumptions), plus two facts of the formulas (docs/error-model.md, "Admissible
//! intervals"): erf and tanh return exactly +-1 within [`SATURATION`] times their type's unit roundoff
//! of +-1 (saturation), and a computed CDF `0.5 * (1 + f)` is a multiple of 2^-(p+1) (granularity: a
//! bin probability below that is exactly 0 and clamps). A case where NaN is possible has no interval.

use crate::golden::error_model::{Model, FUNCTION_ULPS, SAFETY};
use crate::upstream::loglik::Branch;
use crate::Cdf;

/// The values one computation may produce: every number in `[lo, hi]` (bounds may be infinite and are
/// attainable; `lo > hi` means no number), and NaN when `nan`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Smallest possible value.
    pub lo: f64,
    /// Largest possible value.
    pub hi: f64,
    /// Whether NaN is possible.
    pub nan: bool,
}

const INF: f64 = f64::INFINITY;

/// erf and tanh return exactly +-1 where their exact value is within this fraction of the unit roundoff
/// (of the type they are evaluated in) of +-1. A correctly rounded function does so within 1/2; the
/// latest measured is NumPy's float32 tanh, which returns 1 only from |x| = 10 on, where 1 - tanh is
/// u/14 (tools/check_half_model.py); 2^-10 leaves a factor 70 below that.
pub const SATURATION: f64 = 1.0 / 1024.0;

impl Range {
    /// Only NaN.
    pub const NAN: Range = Range { lo: INF, hi: -INF, nan: true };

    /// Exactly `v` (an input, exact in the precision).
    pub fn point(v: f64) -> Range {
        if v.is_nan() {
            Range::NAN
        } else {
            Range { lo: v, hi: v, nan: false }
        }
    }

    fn new(lo: f64, hi: f64, nan: bool) -> Range {
        Range { lo, hi, nan }
    }

    /// Whether no number is possible (only NaN, or nothing).
    pub fn no_number(&self) -> bool {
        self.lo > self.hi
    }

    /// Every value of either.
    pub fn hull(self, other: Range) -> Range {
        Range::new(self.lo.min(other.lo), self.hi.max(other.hi), self.nan || other.nan)
    }

    /// The numbers of `self` within `[lo, hi]` (NaN kept as it is).
    pub fn within(self, lo: f64, hi: f64) -> Range {
        Range::new(self.lo.max(lo), self.hi.min(hi), self.nan)
    }

    fn contains_zero(&self) -> bool {
        self.lo <= 0.0 && self.hi >= 0.0
    }

    fn has_infinity(&self) -> bool {
        !self.no_number() && (self.lo == -INF || self.hi == INF)
    }

    pub(crate) fn neg(self) -> Range {
        Range::new(-self.hi, -self.lo, self.nan)
    }

    /// Exact sums; NaN where an infinity may meet the opposite one.
    fn add(self, b: Range) -> Range {
        if self.no_number() || b.no_number() {
            return Range::NAN;
        }
        let nan = self.nan || b.nan || (self.lo == -INF && b.hi == INF) || (self.hi == INF && b.lo == -INF);
        // An infinite bound plus the opposite infinite bound: the sum may be anything.
        let sum = |x: f64, y: f64, inf: f64| if (x + y).is_nan() { inf } else { x + y };
        Range::new(sum(self.lo, b.lo, -INF), sum(self.hi, b.hi, INF), nan)
    }

    fn sub(self, b: Range) -> Range {
        self.add(b.neg())
    }

    /// Exact products; NaN where 0 may meet an infinity.
    fn mul(self, b: Range) -> Range {
        if self.no_number() || b.no_number() {
            return Range::NAN;
        }
        let nan = self.nan
            || b.nan
            || (self.contains_zero() && b.has_infinity())
            || (b.contains_zero() && self.has_infinity());
        let products = [self.lo * b.lo, self.lo * b.hi, self.hi * b.lo, self.hi * b.hi];
        let finite_or_zero = products.map(|p| if p.is_nan() { 0.0 } else { p });
        let lo = finite_or_zero.iter().copied().fold(INF, f64::min);
        let hi = finite_or_zero.iter().copied().fold(-INF, f64::max);
        Range::new(lo, hi, nan)
    }

    /// Exact squares (never negative).
    pub(crate) fn square(self) -> Range {
        if self.no_number() {
            return Range::NAN;
        }
        let (a, b) = (self.lo * self.lo, self.hi * self.hi);
        let lo = if self.contains_zero() { 0.0 } else { a.min(b) };
        Range::new(lo, a.max(b), self.nan)
    }

    /// `max(self, floor)`, NaN propagated (torch.clamp).
    fn clamp_min(self, floor: f64) -> Range {
        if self.no_number() {
            return self;
        }
        Range::new(self.lo.max(floor), self.hi.max(floor), self.nan)
    }

    /// The values of a monotone non-decreasing `f` on this range.
    fn map_increasing(self, f: impl Fn(f64) -> f64) -> Range {
        if self.no_number() {
            return self;
        }
        Range::new(f(self.lo), f(self.hi), self.nan)
    }

    /// Rounds the bounds to multiples of `g` inward (every computed value is such a multiple).
    fn on_grid(self, g: f64) -> Range {
        if self.no_number() {
            return self;
        }
        Range::new((self.lo / g).ceil() * g, (self.hi / g).floor() * g, self.nan)
    }
}

/// Interval arithmetic in the precision of a model: every operation's exact result range widened by the
/// precision's rounding (or an elementary function's error) and by [`SAFETY`], which also covers the
/// f64 evaluation of the bounds themselves.
#[derive(Debug, Clone, Copy)]
pub struct Eval<'a> {
    /// The precision.
    pub p: &'a Model,
}

impl Eval<'_> {
    /// The computed values of one rounded operation whose exact results lie in `exact`. Rounding is
    /// monotone, so the bounds' own roundings bound the result: a bound that is a value of the precision
    /// stays (in f64 every bound is one: it is the correctly rounded result of the op on the operands'
    /// bounds), any other moves out by the rounding error.
    pub fn rounded(&self, exact: Range) -> Range {
        let p = self.p;
        let err = |y: f64| {
            if p.precision.holds(y) {
                return 0.0;
            }
            let subnormal = if y.abs() < p.precision.min_normal() { p.tiny } else { 0.0 };
            SAFETY * (p.u * y.abs() + subnormal)
        };
        self.overflowed(exact, err)
    }

    /// The computed values of an elementary function whose exact values on the operand lie in `exact`
    /// (`extra`: an absolute error on top of the model's).
    fn function(&self, exact: Range, extra: f64) -> Range {
        let p = self.p;
        self.overflowed(exact, |y| SAFETY * (p.func * y.abs() + FUNCTION_ULPS * p.tiny + extra))
    }

    /// `exact` widened by `err` at each finite bound; results beyond the largest finite value may be
    /// infinite, and (where every intermediate is rounded to the precision) certainly are beyond it.
    fn overflowed(&self, exact: Range, err: impl Fn(f64) -> f64) -> Range {
        if exact.no_number() {
            return exact;
        }
        let widen = |y: f64, dir: f64| if y.is_finite() { y + dir * err(y) } else { y };
        let (mut lo, mut hi) = (widen(exact.lo, -1.0), widen(exact.hi, 1.0));
        let max = self.p.max;
        if hi > max {
            hi = INF;
        }
        if lo < -max {
            lo = -INF;
        }
        if self.p.per_op {
            if lo > max {
                lo = INF;
            }
            if hi < -max {
                hi = -INF;
            }
        }
        Range::new(lo, hi, exact.nan)
    }

    pub(crate) fn add(&self, a: Range, b: Range) -> Range {
        self.rounded(a.add(b))
    }

    pub(crate) fn sub(&self, a: Range, b: Range) -> Range {
        self.rounded(a.sub(b))
    }

    pub(crate) fn mul(&self, a: Range, b: Range) -> Range {
        self.rounded(a.mul(b))
    }

    /// A constant of the formulas as an implementation holds it: `exact` rounded, within `rel`.
    pub(crate) fn constant(&self, exact: f64, rel: f64) -> Range {
        Range::new(exact * (1.0 - rel), exact * (1.0 + rel), false)
    }

    pub(crate) fn exp(&self, a: Range) -> Range {
        self.function(a.map_increasing(f64::exp), 0.0).within(0.0, INF)
    }

    /// `ln` of a range of non-negative numbers (ln 0 = -inf); `ln` of at most 1 is at most 0.
    fn ln(&self, a: Range) -> Range {
        if a.no_number() {
            return a;
        }
        let nan = a.nan || a.lo < 0.0;
        let exact = Range::new(a.lo.max(0.0).ln(), a.hi.ln(), nan);
        let out = self.function(exact, 0.0);
        if a.hi <= 1.0 {
            out.within(-INF, 0.0)
        } else {
            out
        }
    }

    /// `f` (erf or tanh, odd, increasing to +-1) on `a`, with `complement(t) = 1 - f(t)` for t >= 0: the
    /// function's error bound, the range [-1, 1], and saturation at +-1.
    fn saturating(&self, a: Range, f: fn(f64) -> f64, complement: impl Fn(f64) -> f64, extra: f64) -> Range {
        if a.no_number() {
            return a;
        }
        let mut out = self.function(a.map_increasing(f), extra).within(-1.0, 1.0);
        let near_one = |t: f64| complement(t) <= self.p.opmath_u * SATURATION;
        if a.hi < 0.0 && near_one(-a.hi) {
            out.hi = -1.0;
            out.lo = -1.0;
        }
        if a.lo > 0.0 && near_one(a.lo) {
            out.lo = 1.0;
            out.hi = 1.0;
        }
        out
    }

    /// The upstream CDF `0.5 * (1 + f(...))` at the computed arguments `z`.
    pub fn cdf(&self, cdf: Cdf, z: Range) -> Range {
        let p = self.p;
        let f = match cdf {
            Cdf::Erf => {
                let q = self.rounded(divide(z, self.constant(std::f64::consts::SQRT_2, p.sqrt2_rel)));
                self.saturating(q, libm::erf, libm::erfc, p.erf_abs)
            }
            Cdf::Tanh => {
                let cube = self.mul(self.mul(z, z), z);
                let inner = self.add(z, self.mul(self.constant(0.044715, p.c2_rel), cube));
                let s = self.mul(self.constant(SQRT_2_OVER_PI, p.c1_rel), inner);
                self.saturating(s, libm::tanh, |t| 2.0 / (libm::exp(2.0 * t) + 1.0), 0.0)
            }
        };
        let one_plus = self.add(Range::point(1.0), f).within(0.0, 2.0);
        self.on_grid(self.mul(Range::point(0.5), one_plus)).within(0.0, 1.0)
    }

    /// Where every intermediate is a value of the precision, a computed CDF or bin probability is a
    /// multiple of 2^-(p+1) (docs/error-model.md): the bounds move inward to such multiples.
    fn on_grid(&self, r: Range) -> Range {
        if self.p.per_op {
            r.on_grid(self.p.unit / 2.0)
        } else {
            r
        }
    }
}

/// sqrt(2/pi) to 17 digits (only its relative deviation is taken from the model).
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;

/// Exact quotients by a positive constant range.
fn divide(a: Range, c: Range) -> Range {
    if a.no_number() {
        return a;
    }
    let q = [a.lo / c.lo, a.lo / c.hi, a.hi / c.lo, a.hi / c.hi];
    Range::new(q.iter().copied().fold(INF, f64::min), q.iter().copied().fold(-INF, f64::max), a.nan)
}

/// The computed CDF arguments `(plus_in, min_in)` of upstream's log-likelihood at exact inputs.
pub fn loglik_arguments(e: &Eval, x: f64, mean: f64, log_scale: f64) -> (Range, Range) {
    let p = e.p;
    let centered = e.sub(Range::point(x), Range::point(mean));
    let inv_stdv = e.exp(Range::point(-log_scale));
    let h = Range::point(p.half_width);
    let plus = e.mul(inv_stdv, e.add(centered, h));
    let minus = e.mul(inv_stdv, e.sub(centered, h));
    (plus, minus)
}

/// The computed values of upstream's log-likelihood with `cdf` at exact inputs, on `branch`.
pub fn loglik(p: &Model, cdf: Cdf, (x, mean, log_scale): (f64, f64, f64), branch: Branch) -> Range {
    let e = Eval { p };
    let (plus_in, min_in) = loglik_arguments(&e, x, mean, log_scale);
    let prob = match branch {
        Branch::EdgeLeft => e.cdf(cdf, plus_in),
        Branch::EdgeRight => e.on_grid(e.sub(Range::point(1.0), e.cdf(cdf, min_in))),
        Branch::Interior => e.on_grid(e.sub(e.cdf(cdf, plus_in), e.cdf(cdf, min_in))),
    };
    e.ln(prob.clamp_min(p.floor))
}

/// The computed values of the stable log-likelihood (src/stable) at exact inputs, before its error
/// bound (error_model) narrows them: in `[ln floor, 0]`, and NaN only where upstream's CDF arguments may
/// be NaN (an overflowing `exp(-log_scales)` times a zero).
pub fn stable_loglik(p: &Model, (x, mean, log_scale): (f64, f64, f64)) -> Range {
    let e = Eval { p };
    let (plus_in, min_in) = loglik_arguments(&e, x, mean, log_scale);
    let ln_floor = e.ln(Range::point(p.floor));
    Range::new(ln_floor.lo, 0.0, plus_in.nan || min_in.nan)
}

/// The computed values of upstream's `normal_kl` at exact inputs, in its order of operations:
/// `0.5 * ((((-1 + lv2) - lv1) + exp(lv1 - lv2)) + (m1 - m2)^2 * exp(-lv2))`.
pub fn normal_kl(p: &Model, [m1, lv1, m2, lv2]: [f64; 4]) -> Range {
    let e = Eval { p };
    let (m1, lv1, m2, lv2) = (Range::point(m1), Range::point(lv1), Range::point(m2), Range::point(lv2));
    let partial = e.sub(e.add(Range::point(-1.0), lv2), lv1);
    let variance = e.add(partial, e.exp(e.sub(lv1, lv2)));
    let gap = e.mul(e.rounded(e.sub(m1, m2).square()), e.exp(lv2.neg()));
    e.mul(Range::point(0.5), e.add(variance, gap))
}

/// The computed values of the stable `normal_kl` at exact inputs, before its error bound (error_model)
/// narrows them: never negative (both of its terms are not), +inf where a term certainly overflows, and
/// NaN where an overflowing `exp(-lv2)` may meet a zero gap. `0.5 * (expm1(d) - d + g^2 e^-lv2)`.
pub fn stable_normal_kl(p: &Model, [m1, lv1, m2, lv2]: [f64; 4]) -> Range {
    let e = Eval { p };
    let d = e.sub(Range::point(lv1), Range::point(lv2));
    // Only its overflow matters here: expm1(d) - d grows like e^d (and like -d below).
    let variance = e.function(d.map_increasing(|t| if t > 1.0 { t.exp() } else { 0.0 }), 0.0);
    let gap = e.mul(e.rounded(e.sub(Range::point(m1), Range::point(m2)).square()), e.exp(Range::point(-lv2)));
    let sum = e.add(variance, gap);
    Range::new(if sum.lo == INF { INF } else { 0.0 }, INF, sum.nan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::Precision;

    #[test]
    fn saturated_tails_pin_the_f32_log_likelihood_at_the_clamp() {
        // tail/near-zero/z=8/log_scale=-4: both CDFs of the bin are erf(-5.7) = -1 exactly in f32.
        let p = Model::of(Precision::F32);
        let mean = (0.5 + 8.0 * (-4.0f64).exp()) as f32;
        let r = loglik(&p, Cdf::Erf, (0.5, mean.into(), -4.0), Branch::Interior);
        let ln_floor = f64::from(1e-12f32).ln();
        assert!(!r.nan && r.lo <= ln_floor && ln_floor <= r.hi && r.hi - r.lo < 1e-4, "{r:?}");
        // A 1e-7 floor (-16.1) is outside; so is anything above.
        assert!(r.hi < 1e-7f64.ln());
    }

    #[test]
    fn an_overflowing_inverse_scale_times_zero_may_be_nan() {
        // exp(12) overflows float16; x - mean = -h exactly makes plus_in = inf * 0.
        let p = Model::of(Precision::F16);
        let h = p.half_width;
        let r = loglik(&p, Cdf::Erf, (0.0, h, -12.0), Branch::Interior);
        assert!(r.nan);
        // float32 does not overflow there: a number in [ln floor, 0].
        let p = Model::of(Precision::F32);
        let r = loglik(&p, Cdf::Erf, (0.0, p.half_width, -12.0), Branch::Interior);
        assert!(!r.nan && r.hi <= 0.0 && r.lo >= f64::from(1e-12f32).ln() - 1e-4, "{r:?}");
    }

    #[test]
    fn float16_clamps_at_zero_so_an_empty_bin_is_minus_infinity() {
        let p = Model::of(Precision::F16);
        let r = loglik(&p, Cdf::Tanh, (0.5, -0.5, -4.0), Branch::Interior);
        assert_eq!((r.lo, r.hi, r.nan), (-INF, -INF, false));
    }

    #[test]
    fn kl_overflow_to_infinity_is_certain_in_f32_and_nan_where_zero_meets_it() {
        let p = Model::of(Precision::F32);
        let r = normal_kl(&p, [0.5, 89.0, 0.25, 0.0]);
        assert_eq!((r.lo, r.hi, r.nan), (INF, INF, false));
        assert!(normal_kl(&p, [0.25, -1.0, 0.25, -95.0]).nan);
    }

    #[test]
    fn ranges_contain_the_fast_implementations() {
        use crate::upstream::loglik::log_likelihood_point;
        for &(x, m, s) in
            &[(0.0f32, 0.01f32, -4.0f32), (-1.0, -0.96, -5.0), (1.0, 0.7, -1.0), (0.3, 0.2, 2.0)]
        {
            for cdf in Cdf::ALL {
                let p = Model::of(Precision::F32);
                let got = f64::from(log_likelihood_point(x, m, s, cdf));
                let r = loglik(&p, cdf, (x.into(), m.into(), s.into()), p.branch(x.into()));
                assert!(r.lo <= got && got <= r.hi, "{x} {m} {s} {cdf:?}: {got} {r:?}");
            }
        }
    }
}
