//! Gaussian tail kernels on the normalised argument `w` (`Phi(w) = 1/2 + P(w) = 1 - Q(w)`),
//! and `erf`/`erfc` built from them (`erf(x) = 2 P(sqrt2 x)`, `erfc(x) = 2 Q(sqrt2 x)`).
//!
//! * `P(w)` for moderate `w >= 0`: `phi(w) * sum_n w^(2n+1) / (1*3*...*(2n+1))`, a series of
//!   positive terms (no cancellation), truncated with a geometric tail bound.
//! * `Q(w)` for `w >= W_CF`: `phi(w) * R(w)` with the Mills ratio
//!   `R(w) = 1/(w+ 1/(w+ 2/(w+ 3/(w+ ...))))` evaluated by the forward recurrence (positive
//!   terms only, so rounding errors stay relative); consecutive convergents bracket `R`, and
//!   their gap is `(n-1)! / (B_n B_(n-1))` exactly (the determinant identity), which gives the
//!   truncation bound. For huge `w` the result is kept as its logarithm
//!   `-w^2/2 - ln sqrt(2 pi) + ln R(w)`, so `exp(-w^2/2)` is never formed.

use super::arith::{Arith, Kernel, Num, Val};
use super::dyadic::{f, lsum};

/// Below this `w` the series (and `Q = 1/2 - P`, losing at most `w^2/2/ln 2 ~ 18` bits) is
/// used; above it the continued fraction, which then converges in `O((p/w)^2)` steps.
pub(crate) const W_CF: f64 = 5.0;
/// Relative bounds above this make a difference of logs too uncertain for `exp` (`mp`'s
/// first-order limit is `2^-20`).
const FIRST_ORDER_REL: f64 = -24.0;
/// Above this `w^2/2`, `Q(w)` is returned as its logarithm (see `arith::Val::Exp`).
const LOG_FORM: f64 = 1000.0;

/// The exact number 1/2.
pub(crate) fn half<A: Arith>(c: &A) -> A::B {
    c.int(1).scale2(-1)
}

/// log2 of an upper bound on `exp(l)`, for tiny correction terms.
pub(crate) fn exp_bound_log2<B: Num>(l: &B) -> f64 {
    exp_bound_log2_at(l.approx(), l.lrel())
}

/// The same for a value with approximate midpoint `m` and relative bound `2^lrel`.
pub(crate) fn exp_bound_log2_at(m: f64, lrel: f64) -> f64 {
    if m == f64::NEG_INFINITY {
        return f64::MIN; // l < -f64::MAX, so l log2(e) is below f64::MIN too
    }
    let up = m + m.abs() * (lrel.exp2() + 1e-12) + 1e-9;
    up * std::f64::consts::LOG2_E * if up < 0.0 { 1.0 - 1e-12 } else { 1.0 + 1e-12 }
}

/// `P(w) = Phi(w) - 1/2` for a ball `0 <= w`, by the positive series (memoised).
fn p_series<A: Arith>(c: &A, w: &A::B) -> A::B {
    c.memo().get(Kernel::PSeries, w, || p_series_sum(c, w))
}

fn p_series_sum<A: Arith>(c: &A, w: &A::B) -> A::B {
    if w.is_zero() && w.is_exact() {
        return c.int(0);
    }
    let w2 = c.sqr(w);
    let lw2 = w2.l2_upper();
    let (mut t, mut s) = (w.clone(), w.clone());
    for n in 1i64.. {
        t = c.div(&c.mul(&t, &w2), &c.int(2 * n + 1));
        s = c.add(&s, &t);
        // Later ratios t_(m+1)/t_m = w^2/(2m+3) <= r for m >= n; if r <= 1/2 the tail is
        // <= t_n r/(1-r) <= 2 r t_n.
        let lr = lw2 - ((2 * n + 3) as f64).log2();
        if lr <= -1.0 || t.lrel() == f64::INFINITY {
            let ltail = t.l2_upper() + lr + 1.0;
            if ltail - s.l2() < -(c.bits() as f64) - 8.0 || t.lrel() == f64::INFINITY {
                s = s.add_abs_err(ltail);
                break;
            }
        }
    }
    c.mul(&density(c, &w2), &s)
}

/// `phi(w) = exp(-w^2/2) / sqrt(2 pi)` from `w^2`.
fn density<A: Arith>(c: &A, w2: &A::B) -> A::B {
    c.mul(&c.exp(&w2.scale2(-1).neg()), &c.inv_sqrt_2pi())
}

/// Mills ratio `R(w) = Q(w) / phi(w)` for `w > 0` by its continued fraction (memoised).
fn mills<A: Arith>(c: &A, w: &A::B) -> A::B {
    c.memo().get(Kernel::Mills, w, || mills_cf(c, w))
}

fn mills_cf<A: Arith>(c: &A, w: &A::B) -> A::B {
    // A_n = w A_(n-1) + (n-1) A_(n-2), B_n likewise; A_0 = 0, A_1 = 1, B_0 = 1, B_1 = w.
    let (mut a0, mut a1) = (c.int(0), c.int(1));
    let (mut b0, mut b1) = (c.int(1), w.clone());
    let mut lfact = 0.0; // log2((n-1)!)
    for n in 2i64.. {
        let k = c.int(n - 1);
        let a2 = c.add(&c.mul(w, &a1), &c.mul(&k, &a0));
        let b2 = c.add(&c.mul(w, &b1), &c.mul(&k, &b0));
        lfact += ((n - 1) as f64).log2();
        (a0, a1, b0, b1) = (a1, a2, b1, b2);
        // |K_n - K_(n-1)| / K_n = (n-1)! / (A_n B_(n-1)); the true R lies between them.
        let lgap = lfact - a1.l2() - b0.l2() + 1e-4;
        if lgap < -(c.bits() as f64) - 8.0 || a1.lrel() == f64::INFINITY {
            let r = c.div(&a1, &b1);
            return r.widen_rel(lgap);
        }
    }
    unreachable!()
}

/// `ln Q(w)` for `w >= W_CF` from the continued fraction: `-w^2/2 - ln sqrt(2 pi) + ln R(w)`.
fn ln_q_cf<A: Arith>(c: &A, w: &A::B) -> A::B {
    let h = c.sqr(w).scale2(-1);
    c.add(&c.sub(&c.ln(&mills(c, w)), &h), &c.ln_sqrt_2pi().neg())
}

/// Upper tail `Q(w)` for a ball `w >= 0`.
pub(crate) fn q_val<A: Arith>(c: &A, w: &A::B) -> Val<A::B> {
    if w.approx() < W_CF {
        return Val::Lin(c.sub(&half(c), &p_series(c, w)));
    }
    let w2 = c.sqr(w);
    if w2.approx() / 2.0 < LOG_FORM {
        Val::Lin(c.mul(&density(c, &w2), &mills(c, w)))
    } else {
        Val::Exp { neg: false, l: ln_q_cf(c, w) }
    }
}

/// `ln Q(w)` for a ball `w >= 0`.
pub(crate) fn ln_q<A: Arith>(c: &A, w: &A::B) -> A::B {
    if w.approx() < W_CF {
        c.ln(&c.sub(&half(c), &p_series(c, w)))
    } else {
        ln_q_cf(c, w)
    }
}

/// `1/2 - Q` or `1 - Q` style complements: `base - Q(w)` where `Q(w)` may be astronomically small.
pub(crate) fn minus_q<A: Arith>(c: &A, base: &A::B, w: &A::B) -> A::B {
    match q_val(c, w) {
        Val::Lin(q) => c.sub(base, &q),
        Val::Exp { l, .. } => base.add_abs_err(exp_bound_log2(&l)),
    }
}

/// `P(w) = Phi(w) - 1/2` for a ball `w >= 0`.
pub(crate) fn p_val<A: Arith>(c: &A, w: &A::B) -> A::B {
    if w.approx() < W_CF {
        p_series(c, w)
    } else {
        minus_q(c, &half(c), w)
    }
}

/// `Q(a) - Q(b)` for balls `0 <= a < b`, with `width = b - a` known without cancellation.
pub(crate) fn q_diff<A: Arith>(c: &A, a: &A::B, b: &A::B, width: &A::B) -> Val<A::B> {
    if a.approx() < W_CF {
        // = P(b) - P(a); the cancellation is tracked by the ball (it is at most (a+b)/(b-a)).
        return Val::Lin(c.sub(&p_val(c, b), &p_val(c, a)));
    }
    // ln(Q(a) - Q(b)) = ln Q(a) + ln(1 - e^D), D = ln Q(b) - ln Q(a)
    //   = -(b - a)(b + a)/2 + ln(R(b)/R(a))   (both terms negative: no cancellation).
    let (ra, rb) = (mills(c, a), mills(c, b));
    let la = c.add(&c.sub(&c.ln(&ra), &c.sqr(a).scale2(-1)), &c.ln_sqrt_2pi().neg());
    let quad = c.mul(width, &c.add(a, b)).scale2(-1);
    let d = c.sub(&c.ln(&c.div(&rb, &ra)), &quad);
    match sum_logs(c, &[Val::Lin(la), log1mexp(c, &d)]) {
        Val::Lin(l) => Val::Exp { neg: false, l },
        Val::Exp { .. } => unreachable!("ln Q(a) is a ball"),
    }
}

/// `ln(1 - e^d)` for a ball `d < 0` (negative; astronomically small when `d` is very negative).
pub(crate) fn log1mexp<A: Arith>(c: &A, d: &A::B) -> Val<A::B> {
    let dm = d.approx();
    if dm < -LOG_FORM {
        // -ln(1 - u) = u (1 + u/2 + u^2/3 + ...) in [u, u/(1-u)] for u = e^d <= 1/2: its log is
        // d within -ln(1-u) <= 2u (an error bound that shrinks with u, not a constant).
        return Val::Exp { neg: true, l: d.add_abs_err(exp_bound_log2(d) + 1.0) };
    }
    Val::Lin(if dm > -1.0 {
        // -expm1(d) in (0, 0.64): ln has no cancellation.
        c.ln(&c.expm1_nonpos(d).neg())
    } else {
        // e^d <= 1/e < 1/2, as ln_1p's bound requires.
        c.ln_1p(&c.exp(d).neg())
    })
}

/// `ln(e^x + e^y)` = max + ln_1p(e^(min - max)) (the correction is an error term when tiny).
pub(crate) fn log_add<A: Arith>(c: &A, x: &A::B, y: &A::B) -> A::B {
    let (hi, lo) = if x.mid_ge(y) { (x, y) } else { (y, x) };
    let d = c.sub(lo, hi);
    // Absolute error of d, valid even when d is ~0 relative to its error (so `d.lrel()` is useless,
    // e.g. x and y computed identically, or huge x and y whose difference is comparatively small).
    let dabs = lsum(&[lo.labs(), hi.labs(), d.l2() + c.lu()]) + 1e-5;
    if d.approx() < -LOG_FORM {
        // 0 < ln(1 + e^d) <= e^d <= e^(dm + 2^dabs).
        let wide = d.with_lrel(dabs - d.l2());
        return hi.add_abs_err(exp_bound_log2(&wide));
    }
    if d.lrel() > FIRST_ORDER_REL {
        if dabs > FIRST_ORDER_REL {
            return A::B::unusable(); // not enough precision yet
        }
        // Take d's midpoint as exact (-1000 <= dm <= 0) and add its absolute error afterwards:
        // ln(1 + e^d) is 1-Lipschitz.
        let corr = c.ln_1p(&c.exp(&d.mid_exact())).add_abs_err(dabs);
        return c.add(hi, &corr);
    }
    c.add(hi, &c.ln_1p(&c.exp(&d)))
}

/// Sum of logarithms, each a ball or an astronomically small negative number `-exp(l)`.
pub(crate) fn sum_logs<A: Arith>(c: &A, vals: &[Val<A::B>]) -> Val<A::B> {
    let mut lin: Option<A::B> = None;
    let mut tiny: Option<A::B> = None; // ln of the total of the tiny magnitudes
    for v in vals {
        match v {
            Val::Lin(b) => lin = Some(lin.map_or_else(|| b.clone(), |s| c.add(&s, b))),
            Val::Exp { l, .. } => tiny = Some(tiny.map_or_else(|| l.clone(), |t| log_add(c, &t, l))),
        }
    }
    match (lin, tiny) {
        (Some(s), Some(t)) => Val::Lin(s.add_abs_err(exp_bound_log2(&t))),
        (Some(s), None) => Val::Lin(s),
        (None, Some(t)) => Val::Exp { neg: true, l: t },
        (None, None) => Val::Lin(c.int(0)),
    }
}

/// A probability `1 - m` given `ln m` (`m` small): the mass and its logarithm `ln_1p(-m)`.
pub(crate) fn one_minus_from_log<A: Arith>(c: &A, lm: &A::B) -> (Val<A::B>, Val<A::B>) {
    if lm.approx() < -LOG_FORM {
        let one = c.int(1).add_abs_err(exp_bound_log2(lm));
        // -ln(1 - m) = m (1 + m/2 + ...): its log is ln m within m.
        return (Val::Lin(one), Val::Exp { neg: true, l: lm.add_abs_err(exp_bound_log2(lm)) });
    }
    let m = c.exp(lm);
    (Val::Lin(c.sub(&c.int(1), &m)), Val::Lin(c.ln_1p(&m.neg())))
}

/// `w = sqrt(2) |x|` for erf/erfc of an exact `x`.
fn erf_arg<A: Arith>(c: &A, x: f64) -> A::B {
    c.mul(&c.sqrt2(), &c.exact(&f(x.abs())))
}

/// `erf(x)` for finite `x` (odd; `erf(0) = 0` exactly).
pub(crate) fn erf_val<A: Arith>(c: &A, x: f64) -> Val<A::B> {
    if x == 0.0 {
        return Val::Lin(c.int(0));
    }
    let e = p_val(c, &erf_arg(c, x)).scale2(1);
    Val::Lin(if x < 0.0 { e.neg() } else { e })
}

/// `erfc(x)` for finite `x` (`erfc(0) = 1` exactly).
pub(crate) fn erfc_val<A: Arith>(c: &A, x: f64) -> Val<A::B> {
    let w = erf_arg(c, x);
    if x < 0.0 {
        return Val::Lin(c.add(&c.int(1), &p_val(c, &w).scale2(1)));
    }
    match q_val(c, &w) {
        Val::Lin(q) => Val::Lin(q.scale2(1)),
        Val::Exp { neg, l } => Val::Exp { neg, l: c.add(&l, &c.ln2()) },
    }
}
