//! What the reference's algorithms (`erf.rs`, `gaussian.rs`, `helpers.rs`) need from a working
//! precision: a ball type ([`Num`]: a midpoint and a rigorous relative error bound) and its operations
//! and constants ([`Arith`]). Two implementations run the same algorithms: `first_pass/`, the
//! first Ziv pass on 192-bit fixed-size floats, and `mp.rs`, arbitrary precision for the retries
//! (so they cannot check each other's algorithms: tests/reference_external.rs does, against mpmath).
//! A [`Task`] is a computation written once over any [`Arith`]; `ziv.rs` drives it through the
//! passes. Only the traits and the types they speak of live here, no working precision.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::fmt::Debug;

use dashu_int::Sign;

use super::dyadic::{lsum, F, FIRST_ORDER, SLACK};

/// A real number known to lie within `|mid| 2^lrel` of a midpoint.
pub(crate) trait Num: Clone + Debug {
    /// A ball that carries no information: every result computed from it is unusable too.
    fn unusable() -> Self;
    /// log2 of the relative bound (`-inf`: exact).
    fn lrel(&self) -> f64;
    /// The same midpoint with relative bound `2^lrel`.
    fn with_lrel(&self, lrel: f64) -> Self;
    /// log2 of the midpoint's magnitude (`-inf` for 0).
    fn l2(&self) -> f64;
    /// Midpoint as an approximate `f64` (for branch decisions that are re-checked rigorously).
    fn approx(&self) -> f64;
    /// Whether the midpoint is 0.
    fn is_zero(&self) -> bool;
    /// Sign of the midpoint.
    fn mid_sign(&self) -> Sign;
    fn neg(&self) -> Self;
    /// `self * 2^k` (exact scaling).
    fn scale2(&self, k: isize) -> Self;
    /// Whether this midpoint is `>=` the other's (exactly).
    fn mid_ge(&self, other: &Self) -> bool;
    /// Whether both balls are the same (midpoint and bound).
    fn same(&self, other: &Self) -> bool;

    fn is_exact(&self) -> bool {
        self.lrel() == f64::NEG_INFINITY
    }
    /// The midpoint taken as exact.
    fn mid_exact(&self) -> Self {
        self.with_lrel(f64::NEG_INFINITY)
    }
    /// Too wide for the first-order error rules (or no information at all).
    fn is_unusable(&self) -> bool {
        let l = self.lrel();
        l > FIRST_ORDER || l.is_nan()
    }
    /// log2 of an upper bound on the absolute error.
    fn labs(&self) -> f64 {
        self.l2() + self.lrel()
    }
    /// Upper bound on `|x|` as log2.
    fn l2_upper(&self) -> f64 {
        self.l2() + lsum(&[0.0, self.lrel()]) + SLACK
    }
    /// `Some(sign)` when the whole ball lies strictly on one side of 0 (or is exactly 0).
    fn sign(&self) -> Option<Sign> {
        if self.is_zero() {
            return self.is_exact().then_some(Sign::Positive);
        }
        (self.lrel() < 0.0).then(|| self.mid_sign())
    }
    /// Whether the whole ball is `> 0`.
    fn is_positive(&self) -> bool {
        self.sign() == Some(Sign::Positive) && !self.is_zero()
    }
    /// Widens the bound by an absolute error `2^labs`.
    fn add_abs_err(&self, labs: f64) -> Self {
        let l = if self.is_zero() { f64::INFINITY } else { labs - self.l2() };
        self.widen_rel(l)
    }
    /// Widens the bound by a relative error `2^l`.
    fn widen_rel(&self, l: f64) -> Self {
        self.with_lrel(lsum(&[self.lrel(), l]) + SLACK)
    }
}

/// A working precision: operations on its balls, each returning a ball that contains the exact
/// result of the operation on any points of its operands.
pub(crate) trait Arith {
    type B: Num;
    /// Precision in bits (series stop when their tail is `2^-(bits + 8)` of the sum).
    fn bits(&self) -> usize;
    /// log2 of the per-operation rounding bound.
    fn lu(&self) -> f64;
    fn int(&self, n: i64) -> Self::B;
    /// An exact dyadic number (a ball around it if it does not fit the precision).
    fn exact(&self, x: &F) -> Self::B;
    fn add(&self, a: &Self::B, b: &Self::B) -> Self::B;
    fn mul(&self, a: &Self::B, b: &Self::B) -> Self::B;
    /// `a / b` (unusable unless `b` is bounded away from 0).
    fn div(&self, a: &Self::B, b: &Self::B) -> Self::B;
    fn exp(&self, a: &Self::B) -> Self::B;
    /// `exp(a) - 1` for `a <= 0`.
    fn expm1_nonpos(&self, a: &Self::B) -> Self::B;
    /// `ln(a)` for `a > 0`.
    fn ln(&self, a: &Self::B) -> Self::B;
    /// `ln(1 + a)` for `a >= -1/2`.
    fn ln_1p(&self, a: &Self::B) -> Self::B;
    fn ln2(&self) -> Self::B;
    fn ln10(&self) -> Self::B;
    /// `ln(sqrt(2 pi))`.
    fn ln_sqrt_2pi(&self) -> Self::B;
    /// `1 / sqrt(2 pi)`, the standard normal density at 0.
    fn inv_sqrt_2pi(&self) -> Self::B;
    /// `sqrt(2 / pi)`, the tanh formula's constant.
    fn sqrt_2_over_pi(&self) -> Self::B;
    /// The exact real `0.044715`.
    fn tanh_cubic(&self) -> Self::B;
    /// `sqrt(2)`.
    fn sqrt2(&self) -> Self::B;
    /// Certified `(f64, 40 digits)` of a value, or `None` if the ball is too wide (or the value
    /// is one this precision does not finalise).
    fn finalize(&self, v: &Val<Self::B>) -> Option<(f64, String)>;
    /// Results of the expensive kernels already computed in this evaluation.
    fn memo(&self) -> &Memo<Self::B>;

    fn sub(&self, a: &Self::B, b: &Self::B) -> Self::B {
        self.add(a, &b.neg())
    }
    fn sqr(&self, a: &Self::B) -> Self::B {
        self.mul(a, a)
    }
    /// `ln(1e-12) = -12 ln 10`, the log of the clamp floor.
    fn ln_clamp(&self) -> Self::B {
        self.mul(&self.int(-12), &self.ln10())
    }
    /// Compares two balls: `Some(ordering)` only when they are disjoint or both exact.
    fn cmp(&self, a: &Self::B, b: &Self::B) -> Option<Ordering> {
        let d = self.sub(a, b);
        if d.is_zero() && d.is_exact() {
            return Some(Ordering::Equal);
        }
        match d.sign()? {
            Sign::Positive => Some(Ordering::Greater),
            Sign::Negative => Some(Ordering::Less),
        }
    }
}

/// Which kernel a memoised result belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kernel {
    /// `P(w) = Phi(w) - 1/2` by its series.
    PSeries,
    /// The Mills ratio by its continued fraction.
    Mills,
}

/// Kernel results of one evaluation at one precision: the log-likelihood needs `P` and the
/// Mills ratio of the same arguments several times (for the CDFs, their logs and the bin mass).
#[derive(Debug)]
pub(crate) struct Memo<B>(RefCell<Vec<(Kernel, B, B)>>);

impl<B: Num> Memo<B> {
    pub fn new() -> Self {
        Memo(RefCell::new(Vec::new()))
    }
    /// The kernel's value at `arg`, computed by `f` the first time.
    pub fn get(&self, kernel: Kernel, arg: &B, f: impl FnOnce() -> B) -> B {
        let hit =
            self.0.borrow().iter().find(|(k, a, _)| *k == kernel && a.same(arg)).map(|(_, _, v)| v.clone());
        hit.unwrap_or_else(|| {
            let v = f();
            self.0.borrow_mut().push((kernel, arg.clone(), v.clone()));
            v
        })
    }
}

/// A value ready to be finalised: linear, or given by its natural logarithm (for magnitudes far
/// outside any binary exponent worth forming, e.g. `Phi(-1e30) = exp(-5e59)`).
#[derive(Clone, Debug)]
pub(crate) enum Val<B> {
    Lin(B),
    /// `(-1)^neg * exp(l)`.
    Exp {
        neg: bool,
        l: B,
    },
}

impl<B: Num> Val<B> {
    /// Natural log of a positive value.
    pub fn ln<A: Arith<B = B>>(&self, c: &A) -> B {
        match self {
            Val::Lin(b) => c.ln(b),
            Val::Exp { l, .. } => l.clone(),
        }
    }
}

/// A computation written once for every working precision.
pub(crate) trait Task {
    type Out;
    /// The result certified at this precision, or `None` to retry at a higher one.
    fn at<A: Arith>(&self, c: &A) -> Option<Self::Out>;
}
