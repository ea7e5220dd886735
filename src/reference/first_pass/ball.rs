//! [`WBall`], the first pass's ball: a [`Wide`] midpoint and a relative error bound kept as a plain
//! `f64`, with the table-free operations (sum, product, widening). Every bound is an upper bound:
//! bookkeeping in `f64` is rounded up by [`up`], and a bound that would underflow is raised to
//! [`FLOOR`] (far below the `2^-255` of any rounded operation).

use dashu_int::ops::UnsignedAbs;
use dashu_int::Sign;

use super::wide::{Wide, LIMBS, U};
use crate::reference::arith::Num;
use crate::reference::dyadic::{F, FIRST_ORDER};

/// Lower limit of a nonzero bound (keeps bounds from underflowing to "exact").
pub(super) const FLOOR: f64 = f64::from_bits((1023 - 1000) << 52);
/// Operand bounds above this make the first-order rules invalid (as in `mp.rs`).
pub(super) const FIRST_ORDER_LIN: f64 = f64::from_bits(((1023 + FIRST_ORDER as i64) as u64) << 52);

/// Rounds a bound computed in `f64` up past its own rounding errors (a few ulps of `f64`).
pub(super) fn up(e: f64) -> f64 {
    if e == 0.0 {
        0.0
    } else {
        e * (1.0 + 1e-12) + FLOOR
    }
}

/// `2^k` as an `f64` for an integer `k` (0 below the range, `inf` above).
pub(super) fn exp2i(k: i64) -> f64 {
    if k < -1022 {
        0.0
    } else if k > 1023 {
        f64::INFINITY
    } else {
        f64::from_bits(((k + 1023) as u64) << 52)
    }
}

/// Upper bound on `|a| / |b|` for nonzero `a`, `b` (leading words as `f64`, exponents apart).
fn ratio(a: &Wide, b: &Wide) -> f64 {
    let top = |w: &Wide| w.words()[LIMBS - 1] as f64;
    (top(a) + 1.0) / top(b) * exp2i(a.exp2_top() - b.exp2_top()) * (1.0 + 1e-12)
}

/// A ball: `|x - v| <= |v| e`; `e = 0` exact, `e = inf` unusable.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WBall {
    pub(super) v: Wide,
    pub(super) e: f64,
}

impl WBall {
    pub(super) fn exact(v: Wide) -> Self {
        WBall { v, e: 0.0 }
    }
    /// A small integer, exactly.
    pub(super) fn int(n: i64) -> Self {
        WBall::exact(Wide::from_i64(n))
    }
    /// An exact dyadic number (within one truncation if it does not fit).
    pub(super) fn from_f(x: &F) -> Self {
        let sig = x.repr().significand();
        let mag = sig.unsigned_abs();
        let words = mag.as_words();
        let e_top = x.repr().exponent() as i64 + 64 * words.len() as i64;
        let (v, exact) = Wide::from_words(sig.sign() == Sign::Negative, words, e_top);
        WBall { v, e: if exact { 0.0 } else { U } }
    }
    /// The ball of a value computed with relative bound `e` (0 when exact).
    pub(super) fn new(v: Wide, e: f64) -> Self {
        WBall { v, e: up(e) }
    }
    /// Widens by a relative `d`: `(1 + e)(1 + d) - 1`.
    pub(super) fn widen(self, d: f64) -> Self {
        WBall::new(self.v, self.e + d + self.e * d)
    }
    /// Widens by an absolute error `d` (unusable if the ball is 0).
    pub(super) fn widen_abs(self, d: f64) -> Self {
        if d == 0.0 {
            return self;
        }
        if self.v.is_zero() || d.is_nan() {
            return WBall::unusable();
        }
        self.widen((d.log2() - self.v.log2() + 1e-9).exp2() + FLOOR)
    }
    /// Upper bound on the absolute error, `2^top e` (`inf` if it does not fit, the smallest
    /// subnormal if it is smaller, NaN for an unusable ball).
    pub(super) fn abs_err(&self) -> f64 {
        if self.e == 0.0 {
            return 0.0;
        }
        let l = self.v.exp2_top() as f64 + self.e.log2();
        if l < -1074.0 {
            f64::from_bits(1)
        } else {
            l.exp2() * (1.0 + 1e-12)
        }
    }
}

impl Num for WBall {
    fn unusable() -> Self {
        WBall { v: Wide::from_i64(1), e: f64::INFINITY }
    }
    fn lrel(&self) -> f64 {
        if self.e.is_nan() {
            f64::INFINITY
        } else {
            self.e.log2()
        }
    }
    fn with_lrel(&self, lrel: f64) -> Self {
        let e = if lrel == f64::NEG_INFINITY { 0.0 } else { (lrel.exp2() * (1.0 + 1e-12)).max(FLOOR) };
        WBall { v: self.v, e: if lrel.is_nan() { f64::INFINITY } else { e } }
    }
    fn l2(&self) -> f64 {
        self.v.log2()
    }
    fn approx(&self) -> f64 {
        self.v.approx()
    }
    fn is_zero(&self) -> bool {
        self.v.is_zero()
    }
    fn mid_sign(&self) -> Sign {
        if self.v.is_neg() {
            Sign::Negative
        } else {
            Sign::Positive
        }
    }
    fn neg(&self) -> Self {
        WBall { v: self.v.neg(), e: self.e }
    }
    fn scale2(&self, k: isize) -> Self {
        WBall { v: self.v.scale2(k as i64), e: self.e }
    }
    fn mid_ge(&self, other: &Self) -> bool {
        self.v.cmp(&other.v) != std::cmp::Ordering::Less
    }
    fn same(&self, other: &Self) -> bool {
        self.v == other.v && self.e.to_bits() == other.e.to_bits()
    }
    /// `|x| <= |v| (1 + e) < 2^top e^e`: no logarithm needed (at most a bit looser).
    fn l2_upper(&self) -> f64 {
        self.v.exp2_top() as f64 + self.e * std::f64::consts::LOG2_E * (1.0 + 1e-12)
    }
}

/// `a + b`.
pub(super) fn add(a: &WBall, b: &WBall) -> WBall {
    let (v, err) = a.v.add(&b.v);
    if v.is_zero() {
        // The midpoint 0 is kept (as `mp.rs` does): callers may bound `|d|` absolutely.
        let exact = a.e == 0.0 && b.e == 0.0 && err.is_none();
        return WBall { v, e: if exact { 0.0 } else { f64::INFINITY } };
    }
    // |x - v| <= |a| ea + |b| eb + 2^err, divided by |v| >= 2^(top - 1).
    let mut e = 0.0;
    if a.e != 0.0 {
        e += ratio(&a.v, &v) * a.e;
    }
    if b.e != 0.0 {
        e += ratio(&b.v, &v) * b.e;
    }
    if let Some(k) = err {
        e += exp2i(k - (v.exp2_top() - 1));
    }
    WBall::new(v, e)
}

/// `a - b`.
pub(super) fn sub(a: &WBall, b: &WBall) -> WBall {
    add(a, &b.neg())
}

/// `a * b`.
pub(super) fn mul(a: &WBall, b: &WBall) -> WBall {
    if (a.v.is_zero() && a.e == 0.0) || (b.v.is_zero() && b.e == 0.0) {
        return WBall::exact(Wide::ZERO);
    }
    let (v, exact) = a.v.mul(&b.v);
    if a.e > FIRST_ORDER_LIN || b.e > FIRST_ORDER_LIN || a.e.is_nan() || b.e.is_nan() {
        return WBall { v, e: f64::INFINITY };
    }
    let r = if exact { 0.0 } else { U };
    WBall::new(v, a.e + b.e + a.e * b.e + r * (1.0 + a.e + b.e + a.e * b.e))
}
