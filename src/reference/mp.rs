//! Arbitrary-precision ball arithmetic (dashu-float) for the Ziv retries (`ziv.rs`) and the
//! finalisation of values the first pass does not handle (near-ties, astronomically small or large
//! magnitudes).
//!
//! A [`Ball`] is a midpoint `mid` (a dyadic `FBig`) and a bound `2^lrel` on the relative
//! distance of the true real value from it: `|x - mid| <= |mid| * 2^lrel`. The bound is kept as
//! a base-2 logarithm in an `f64`, so it never underflows however many bits are in use, and
//! `-inf` means "exact". Every operation below states why its output bound holds:
//!
//! * dashu's `Context` operations round the exact result once to `p` bits, so each adds at
//!   most `2^(1-p)` relative (one ulp; correct rounding would give half of that) unless dashu
//!   reports the result exact;
//! * products, quotients, `exp`, `ln` propagate the operand bounds to first order; the
//!   neglected second-order terms are at most `2^-19` relative to the first-order ones because
//!   every operand bound is required to be `<= 2^-20` (otherwise the result is marked unusable,
//!   `lrel = +inf`), and [`SLACK`] (an additive `1e-5` in log2, i.e. a factor `1.0000069`)
//!   covers them together with the `f64` rounding of the bookkeeping itself;
//! * sums use the exact absolute-error rule `|a|ea + |b|eb` divided by the result, so
//!   cancellation amplifies the bound by exactly the factor it amplifies the error.
//!
//! Finalisation widens the ball once more by a factor 2 and accepts only if both ends round to
//! the same `f64` and to the same 40 significant decimal digits; otherwise the caller retries at
//! twice the precision (Ziv's strategy).

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use dashu_float::{round::mode::HalfEven, Context, FpResult};
use dashu_int::{IBig, Sign};

use super::arith::{Arith, Memo, Num, Val};
use super::dyadic::{abs_f, exact_add, log2_abs, lsum, scale2, F, FIRST_ORDER, MAX_BITS, SLACK};
use super::exact_rounding::{dec_digits, fmt_digits, round_f32, round_f64, special_digits, DIGITS};

/// `exp` refuses arguments above `2^EXP_MAX_L2` in magnitude (no input of the documented domain
/// needs more than ~2^21; far beyond, dashu overflows or takes very long).
const EXP_MAX_L2: f64 = 24.0;
/// `|ln v|` above which a value `v = exp(l)` is finalised from its logarithm (its decimal
/// exponent is computed from `l / ln 10`) rather than by forming `v` in binary.
const LOG_ROUTE: f64 = 2000.0;

/// The constants at one precision, each computed once per thread (the same `Ball` every time,
/// so results stay deterministic).
#[derive(Default)]
struct Consts {
    pi: OnceCell<Ball>,
    ln2: OnceCell<Ball>,
    ln10: OnceCell<Ball>,
    ln_sqrt_2pi: OnceCell<Ball>,
    inv_sqrt_2pi: OnceCell<Ball>,
    sqrt_2_over_pi: OnceCell<Ball>,
    tanh_cubic: OnceCell<Ball>,
}

thread_local! {
    static CONSTS: RefCell<Vec<(usize, Rc<Consts>)>> = const { RefCell::new(Vec::new()) };
}

/// A real number known to lie within `|mid| * 2^lrel` of `mid`.
#[derive(Clone, Debug)]
pub(crate) struct Ball {
    pub mid: F,
    pub lrel: f64,
}

impl Ball {
    pub fn exact(mid: F) -> Self {
        Ball { mid, lrel: f64::NEG_INFINITY }
    }
    pub fn int(n: i64) -> Self {
        Ball::exact(F::from(n))
    }
}

impl Num for Ball {
    fn unusable() -> Self {
        Ball { mid: F::ONE, lrel: f64::INFINITY }
    }
    fn lrel(&self) -> f64 {
        self.lrel
    }
    fn with_lrel(&self, lrel: f64) -> Self {
        Ball { mid: self.mid.clone(), lrel }
    }
    fn l2(&self) -> f64 {
        log2_abs(&self.mid)
    }
    fn approx(&self) -> f64 {
        self.mid.to_f64().value()
    }
    fn is_zero(&self) -> bool {
        self.mid.repr().significand().is_zero()
    }
    fn mid_sign(&self) -> Sign {
        self.mid.repr().significand().sign()
    }
    fn neg(&self) -> Self {
        Ball { mid: -self.mid.clone(), lrel: self.lrel }
    }
    fn scale2(&self, k: isize) -> Self {
        Ball { mid: scale2(&self.mid, k), lrel: self.lrel }
    }
    fn mid_ge(&self, other: &Self) -> bool {
        self.mid >= other.mid
    }
    fn same(&self, other: &Self) -> bool {
        self.mid == other.mid && self.lrel.to_bits() == other.lrel.to_bits()
    }
}

/// A working precision and the operations on [`Ball`]s at that precision.
pub(crate) struct Ctx {
    pub p: usize,
    k: Rc<Consts>,
    /// Set when an operation cannot be performed at all (dashu refused it, or an argument is
    /// beyond what it can evaluate in reasonable time): the Ziv loop then stops with this reason.
    fatal: RefCell<Option<String>>,
    ctx: Context<HalfEven>,
    /// log2 of the per-operation rounding bound `2^(1-p)`.
    lu: f64,
    memo: Memo<Ball>,
}

impl Ctx {
    pub fn new(p: usize) -> Self {
        let k = CONSTS.with(|m| {
            let mut m = m.borrow_mut();
            if let Some((_, k)) = m.iter().find(|(q, _)| *q == p) {
                return k.clone();
            }
            let k = Rc::new(Consts::default());
            m.push((p, k.clone()));
            k
        });
        Ctx { p, k, fatal: RefCell::new(None), ctx: Context::new(p), lu: 1.0 - p as f64, memo: Memo::new() }
    }

    /// The reason an operation could not be carried out at all, if any (then no higher
    /// precision helps: the Ziv loop stops with it).
    pub fn take_fatal(&self) -> Option<String> {
        self.fatal.take()
    }

    /// Records that an operation is impossible (the first reason is kept) and returns an
    /// unusable ball in its place.
    fn fail(&self, reason: impl FnOnce() -> String) -> Ball {
        let mut f = self.fatal.borrow_mut();
        if f.is_none() {
            *f = Some(reason());
        }
        Ball::unusable()
    }

    /// Unwraps a dashu result into (value, log2 of its rounding bound); a dashu error (e.g. an
    /// infinite operand or an overflow) yields an unusable value and stops the Ziv loop.
    fn rounded(&self, r: FpResult<F>, what: &str) -> (F, f64) {
        match r {
            Ok(dashu_float::round::Rounded::Exact(v)) => (v, f64::NEG_INFINITY),
            Ok(dashu_float::round::Rounded::Inexact(v, _)) => (v, self.lu),
            Err(e) => {
                let b = self.fail(|| format!("{what} failed at {} bits: {e:?}", self.p));
                (b.mid, b.lrel)
            }
        }
    }

    /// Bound for `mid` computed from operands with relative bounds `ls`, to first order.
    fn first_order(&self, ls: &[f64], round: f64) -> f64 {
        if ls.iter().any(|&l| l > FIRST_ORDER) {
            f64::INFINITY
        } else {
            let mut all = ls.to_vec();
            all.push(round);
            lsum(&all) + SLACK
        }
    }

    fn log_bound(&self, abs: f64, mid: &F, r: f64) -> f64 {
        let lm = log2_abs(mid);
        if abs > FIRST_ORDER {
            f64::INFINITY
        } else if lm == f64::NEG_INFINITY {
            if abs == f64::NEG_INFINITY {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        } else {
            lsum(&[abs - lm, r]) + SLACK
        }
    }

    /// `sqrt(a)`: relative error halves.
    pub fn sqrt(&self, a: &Ball) -> Ball {
        if !a.is_positive() || a.is_unusable() {
            return Ball::unusable();
        }
        let (mid, r) = self.rounded(self.ctx.sqrt(a.mid.repr()), "sqrt");
        Ball { mid, lrel: self.first_order(&[a.lrel - 1.0], r) }
    }

    /// pi to `p` bits.
    pub fn pi(&self) -> Ball {
        self.k
            .pi
            .get_or_init(|| {
                let (mid, r) = self.rounded(Ok(self.ctx.pi::<2>(None)), "pi");
                Ball { mid, lrel: r }
            })
            .clone()
    }
}

impl Arith for Ctx {
    type B = Ball;

    fn bits(&self) -> usize {
        self.p
    }
    fn lu(&self) -> f64 {
        self.lu
    }
    fn int(&self, n: i64) -> Ball {
        Ball::int(n)
    }
    fn exact(&self, x: &F) -> Ball {
        Ball::exact(x.clone())
    }
    fn sqrt2(&self) -> Ball {
        self.sqrt(&Ball::int(2))
    }
    fn memo(&self) -> &Memo<Ball> {
        &self.memo
    }
    fn finalize(&self, v: &Val<Ball>) -> Option<(f64, String)> {
        finalize_mp(self, v)
    }
    fn add(&self, a: &Ball, b: &Ball) -> Ball {
        let (mid, r) = self.rounded(self.ctx.add(a.mid.repr(), b.mid.repr()), "add");
        // |x - mid| <= |a_mid| ea + |b_mid| eb + |mid| u, divided by |mid|.
        let lm = log2_abs(&mid);
        let lrel = if lm == f64::NEG_INFINITY {
            if a.is_exact() && b.is_exact() {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        } else {
            let ta = if a.is_exact() { f64::NEG_INFINITY } else { a.labs() - lm };
            let tb = if b.is_exact() { f64::NEG_INFINITY } else { b.labs() - lm };
            lsum(&[ta, tb, r]) + SLACK
        };
        Ball { mid, lrel }
    }

    fn mul(&self, a: &Ball, b: &Ball) -> Ball {
        if (a.is_zero() && a.is_exact()) || (b.is_zero() && b.is_exact()) {
            return Ball::exact(F::ZERO);
        }
        let (mid, r) = self.rounded(self.ctx.mul(a.mid.repr(), b.mid.repr()), "mul");
        Ball { mid, lrel: self.first_order(&[a.lrel, b.lrel], r) }
    }

    /// `a / b` (unusable unless `b` is bounded away from 0).
    fn div(&self, a: &Ball, b: &Ball) -> Ball {
        if b.is_zero() || b.is_unusable() {
            return Ball::unusable();
        }
        if a.is_zero() && a.is_exact() {
            return Ball::exact(F::ZERO);
        }
        // (1+ea)/(1-eb) - 1 <= (ea + eb)(1 + 2^-19) for eb <= 2^-20.
        let (mid, r) = self.rounded(self.ctx.div(a.mid.repr(), b.mid.repr()), "div");
        Ball { mid, lrel: self.first_order(&[a.lrel, b.lrel], r) }
    }

    /// `exp(a)`: an absolute error `d` of the argument becomes a relative `e^d - 1 <= d(1+d)`.
    fn exp(&self, a: &Ball) -> Ball {
        if a.is_zero() && a.is_exact() {
            return Ball::int(1);
        }
        if a.l2() > EXP_MAX_L2 {
            // Only a usable ball proves the argument really is that large (a low-precision
            // midpoint may be garbage: then retrying at a higher precision is the answer).
            if a.is_unusable() {
                return Ball::unusable();
            }
            return self.fail(|| format!("exp argument {:e} beyond 2^{EXP_MAX_L2}", a.approx()));
        }
        let (mid, r) = self.rounded(self.ctx.exp(a.mid.repr(), None), "exp");
        let d = if a.is_exact() { f64::NEG_INFINITY } else { a.labs() };
        Ball { mid, lrel: self.first_order(&[d, a.lrel.min(FIRST_ORDER)], r) }
    }

    /// `exp(a) - 1` for `a <= 0`: the mean value theorem gives an absolute error
    /// `<= e^am e^(|am| ea) |am| ea` while `|expm1(am)| >= |am| e^am`, so the relative bound is
    /// `ea` to first order (this needs `|am| ea <= 2^-20` too).
    fn expm1_nonpos(&self, a: &Ball) -> Ball {
        if a.is_zero() && a.is_exact() {
            return Ball::exact(F::ZERO);
        }
        if a.is_unusable() || a.sign() != Some(Sign::Negative) || a.l2() > EXP_MAX_L2 {
            return Ball::unusable();
        }
        let (mid, r) = self.rounded(self.ctx.exp_m1(a.mid.repr(), None), "exp_m1");
        Ball { mid, lrel: self.first_order(&[a.lrel, a.labs().min(FIRST_ORDER)], r) }
    }

    /// `ln(a)` for `a > 0`: a relative error `ea` of `a` is an absolute `<= ea(1+2ea)` of the
    /// result, divided by `|mid|` for the relative bound.
    fn ln(&self, a: &Ball) -> Ball {
        if !a.is_positive() || a.is_unusable() {
            return Ball::unusable();
        }
        let (mid, r) = self.rounded(self.ctx.ln(a.mid.repr(), None), "ln");
        let lrel = self.log_bound(a.lrel, &mid, r);
        Ball { mid, lrel }
    }

    /// `ln(1 + a)` for `a >= -1/2`: the absolute error is `<= |am| ea / (1 + am - |am| ea)
    /// <= 2(1 + 2^-19) |am| ea`, divided by `|mid|`.
    fn ln_1p(&self, a: &Ball) -> Ball {
        if a.is_zero() && a.is_exact() {
            return Ball::exact(F::ZERO);
        }
        if a.is_unusable() || a.mid < F::from_parts((-1).into(), -1) {
            return Ball::unusable();
        }
        let (mid, r) = self.rounded(self.ctx.ln_1p(a.mid.repr(), None), "ln_1p");
        let abs = if a.is_exact() { f64::NEG_INFINITY } else { a.labs() + 1.0 };
        let lrel = self.log_bound(abs, &mid, r);
        Ball { mid, lrel }
    }

    fn ln_sqrt_2pi(&self) -> Ball {
        self.k.ln_sqrt_2pi.get_or_init(|| self.ln(&self.pi().scale2(1)).scale2(-1)).clone()
    }

    fn inv_sqrt_2pi(&self) -> Ball {
        self.k.inv_sqrt_2pi.get_or_init(|| self.div(&Ball::int(1), &self.sqrt(&self.pi().scale2(1)))).clone()
    }

    fn sqrt_2_over_pi(&self) -> Ball {
        self.k.sqrt_2_over_pi.get_or_init(|| self.sqrt(&self.div(&Ball::int(2), &self.pi()))).clone()
    }

    /// The exact real `0.044715` to `p` bits.
    fn tanh_cubic(&self) -> Ball {
        self.k.tanh_cubic.get_or_init(|| self.div(&Ball::int(44_715), &Ball::int(1_000_000))).clone()
    }

    fn ln2(&self) -> Ball {
        self.k.ln2.get_or_init(|| self.ln(&Ball::int(2))).clone()
    }

    fn ln10(&self) -> Ball {
        self.k.ln10.get_or_init(|| self.ln(&Ball::int(10))).clone()
    }
}

/// Exact endpoints of the ball widened by a factor 2 (and outward to a power of 2), or `None`
/// if it is too wide to be useful.
fn endpoints(b: &Ball) -> Option<(F, F)> {
    if b.is_exact() {
        return Some((b.mid.clone(), b.mid.clone()));
    }
    if b.lrel > -4.0 {
        return None;
    }
    // A wider radius is still sound: cap the relative radius at 2^-(4 MAX_BITS).
    let k = (b.lrel + 1.0).ceil().max(-4.0 * MAX_BITS as f64) as isize;
    let rad = scale2(&abs_f(&b.mid), k);
    Some((exact_add(&b.mid, &-rad.clone()), exact_add(&b.mid, &rad)))
}

/// The certified float32 rounding of a ball's value (ties to even), or `None` while the ball
/// straddles a float32 rounding boundary at this precision (Ziv's loop then retries).
pub(crate) fn round_ball_f32(b: &Ball) -> Option<f32> {
    let (lo, hi) = endpoints(b)?;
    let (a, z) = (round_f32(&lo), round_f32(&hi));
    (a == z && a.is_sign_negative() == z.is_sign_negative()).then_some(a)
}

/// Certified `(f64, digits)` of a value, or `None` if the ball is too wide at this precision.
fn finalize_mp(c: &Ctx, v: &Val<Ball>) -> Option<(f64, String)> {
    match v {
        Val::Lin(b) => {
            if b.is_zero() {
                return b.is_exact().then(|| (0.0, special_digits(0.0)));
            }
            let l2 = b.l2();
            if l2.abs() > LOG_ROUTE * std::f64::consts::LOG2_E {
                // Too far out to print from binary cheaply: go through the logarithm.
                let neg = b.mid.repr().significand().sign() == Sign::Negative;
                let abs = Ball { mid: abs_f(&b.mid), lrel: b.lrel };
                return finalize_mp(c, &Val::Exp { neg, l: c.ln(&abs) });
            }
            let (lo, hi) = endpoints(b)?;
            let (vlo, vhi) = (round_f64(&lo), round_f64(&hi));
            if vlo != vhi || vlo.is_sign_negative() != vhi.is_sign_negative() {
                return None;
            }
            let (dlo, klo) = dec_digits(&lo);
            let (dhi, khi) = dec_digits(&hi);
            if dlo != dhi || klo != khi {
                return None;
            }
            let neg = b.mid.repr().significand().sign() == Sign::Negative;
            Some((vlo, fmt_digits(neg, &dlo, klo + DIGITS as isize - 1)))
        }
        Val::Exp { neg, l } => {
            let sgn = if *neg { -1.0 } else { 1.0 };
            let lm = l.approx();
            if lm.abs() <= LOG_ROUTE {
                let e = c.exp(l);
                return finalize_mp(c, &Val::Lin(if *neg { e.neg() } else { e }));
            }
            // |l| > 2000: the value is far below the smallest subnormal or far above f64::MAX.
            if l.lrel > -4.0 {
                return None;
            }
            let value = if lm < 0.0 { sgn * 0.0 } else { sgn * f64::INFINITY };
            // v = 10^t with t = l / ln 10 = n + f, n integer, f in [0, 1): mantissa 10^f.
            let t = c.div(l, &c.ln10());
            let n = t.mid.floor();
            let frac = c.sub(&t, &Ball::exact(n.clone()));
            if frac.sign() != Some(Sign::Positive) || frac.is_zero() {
                return None;
            }
            let mant = c.exp(&c.mul(&frac, &c.ln10()));
            let (lo, hi) = endpoints(&mant)?;
            let (dlo, klo) = dec_digits(&lo);
            let (dhi, khi) = dec_digits(&hi);
            if dlo != dhi || klo != khi {
                return None;
            }
            // mant in [1, 10) so its decimal exponent klo + DIGITS - 1 is 0 (or 1 if it rounds to 10).
            let exp10 = IBig::from(klo + DIGITS as isize - 1) + n.to_int().value();
            Some((value, fmt_digits(*neg, &dlo, exp10)))
        }
    }
}
