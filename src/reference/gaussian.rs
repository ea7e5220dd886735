//! The two CDFs of the log-likelihood on ball arguments: the true `Phi` (via the kernels in
//! `erf.rs`) and the tanh formula `T(z) = sigma(t)`, `t = 2 sqrt(2/pi) z (1 + 0.044715 z^2)`,
//! with `sigma(t) = 1/(1+e^-t)`, evaluated exactly. Lower tails, upper tails
//! (`1 - F(z) = F(-z)` for both) and bin masses are all formed without cancellation.
//!
//! Callers pass the sign of each argument explicitly: in the log-likelihood it is known exactly
//! (it is the sign of `255 (x - mean) +- 1`), so no decision is taken on an uncertain ball.

use super::arith::{Arith, Num, Val};
use super::erf::exp_bound_log2;
use super::erf::{half, ln_q, log1mexp, log_add, one_minus_from_log, p_val, q_diff, q_val, sum_logs, W_CF};
use super::types::Variant;

/// `t >= ` this makes `e^-t` a mere error term (and `t <= -`this makes the log form necessary).
const TINY_EXP: f64 = 1000.0;

/// `Phi(z)`; `neg` is the (exact) sign of `z`.
pub(crate) fn phi_val<A: Arith>(c: &A, z: &A::B, neg: bool) -> Val<A::B> {
    if neg {
        q_val(c, &z.neg())
    } else {
        Val::Lin(c.add(&half(c), &p_val(c, z)))
    }
}

/// `ln Phi(z)`; for `z >= 0` it is `ln(1 - Q(z))`, taken as `ln_1p(-Q)` (no cancellation) or,
/// when `Q` is astronomically small, as `-Q` with the relative error `Q` of that step.
pub(crate) fn log_phi_val<A: Arith>(c: &A, z: &A::B, neg: bool) -> Val<A::B> {
    if neg {
        return Val::Lin(ln_q(c, &z.neg()));
    }
    match q_val(c, z) {
        Val::Lin(q) => Val::Lin(c.ln_1p(&q.neg())),
        // -ln(1-Q) = Q (1 + Q/2 + ...): its log differs from ln Q by at most Q.
        Val::Exp { l, .. } => Val::Exp { neg: true, l: l.add_abs_err(exp_bound_log2(&l)) },
    }
}

/// `t = 2 sqrt(2/pi) z (1 + 0.044715 z^2)` (all exact constants; `1 + a z^2 > 0`, no cancellation).
pub(crate) fn tanh_arg<A: Arith>(c: &A, z: &A::B) -> A::B {
    let k = c.sqrt_2_over_pi();
    let inner = c.add(&c.int(1), &c.mul(&c.tanh_cubic(), &c.sqr(z)));
    c.mul(&c.mul(&k, z), &inner).scale2(1)
}

/// `sigma(t)`; `neg` is the sign of `t`.
pub(crate) fn sigma_val<A: Arith>(c: &A, t: &A::B, neg: bool) -> Val<A::B> {
    if !neg {
        if t.approx() > TINY_EXP {
            // 1/(1+e^-t) in [1 - e^-t, 1].
            return Val::Lin(c.int(1).add_abs_err(exp_bound_log2(&t.neg())));
        }
        let e = c.exp(&t.neg());
        Val::Lin(c.div(&c.int(1), &c.add(&c.int(1), &e)))
    } else if t.approx() < -TINY_EXP {
        // ln sigma(t) = t - ln(1 + e^t) in [t - e^t, t].
        Val::Exp { neg: false, l: t.add_abs_err(exp_bound_log2(t)) }
    } else {
        let e = c.exp(t);
        Val::Lin(c.div(&e, &c.add(&c.int(1), &e)))
    }
}

/// `ln sigma(t)`: `-ln_1p(e^-t)` for `t >= 0`, `t - ln_1p(e^t)` for `t < 0` (two negative terms).
pub(crate) fn log_sigma_val<A: Arith>(c: &A, t: &A::B, neg: bool) -> Val<A::B> {
    if !neg {
        if t.approx() > TINY_EXP {
            // -ln(1 + u) = -u (1 - u/2 + ...), u = e^-t: its log is -t within u.
            let l = t.neg();
            return Val::Exp { neg: true, l: l.add_abs_err(exp_bound_log2(&l)) };
        }
        Val::Lin(c.ln_1p(&c.exp(&t.neg())).neg())
    } else if t.approx() < -TINY_EXP {
        Val::Lin(t.add_abs_err(exp_bound_log2(t)))
    } else {
        Val::Lin(c.sub(t, &c.ln_1p(&c.exp(t))))
    }
}

/// The CDF `F(z)` of the chosen variant, and its logarithm.
pub(crate) fn cdf<A: Arith>(c: &A, v: Variant, z: &A::B, neg: bool) -> (Val<A::B>, Val<A::B>) {
    match v {
        // Below 0 the CDF is the tail Q(-z) itself: take its log instead of re-evaluating it.
        Variant::Gaussian if neg => {
            let q = phi_val(c, z, neg);
            let l = Val::Lin(q.ln(c));
            (q, l)
        }
        Variant::Gaussian => (phi_val(c, z, neg), log_phi_val(c, z, neg)),
        Variant::Tanh => {
            let t = tanh_arg(c, z);
            (sigma_val(c, &t, neg), log_sigma_val(c, &t, neg))
        }
    }
}

/// The bin mass `F(b) - F(a)` and its logarithm, for `a < b` (signs `a_neg`, `b_neg` exact),
/// given `width = b - a` computed without cancellation.
pub(crate) fn delta<A: Arith>(
    c: &A,
    v: Variant,
    a: &A::B,
    b: &A::B,
    width: &A::B,
    signs: (bool, bool),
) -> (Val<A::B>, Val<A::B>) {
    let (a_neg, b_neg) = signs;
    match v {
        Variant::Gaussian => {
            let mass = if b_neg {
                q_diff(c, &b.neg(), &a.neg(), width)
            } else if !a_neg {
                q_diff(c, a, b, width)
            } else if b.approx() >= W_CF && -a.approx() >= W_CF {
                // Both tails small: 1 - (Q(b) + Q(-a)), logarithm by ln_1p.
                let lm = log_add(c, &q_val(c, b).ln(c), &q_val(c, &a.neg()).ln(c));
                return one_minus_from_log(c, &lm);
            } else {
                // Straddling 0: P(b) + P(-a), two positive terms.
                Val::Lin(c.add(&p_val(c, b), &p_val(c, &a.neg())))
            };
            let ln = Val::Lin(mass.ln(c));
            (mass, ln)
        }
        Variant::Tanh => {
            // sigma(tb) - sigma(ta) = sigma(tb) sigma(-ta) (1 - e^-(tb - ta)), every factor positive;
            // tb - ta = 2k (b - a)(1 + 0.044715 (a^2 + ab + b^2)) and a^2+ab+b^2 >= (a^2+b^2)/2.
            let (ta, tb) = (tanh_arg(c, a), tanh_arg(c, b));
            let k = c.sqrt_2_over_pi();
            let quad = c.add(&c.add(&c.sqr(a), &c.sqr(b)), &c.mul(a, b));
            let inner = c.add(&c.int(1), &c.mul(&c.tanh_cubic(), &quad));
            let dt = c.mul(&c.mul(&k, width), &inner).scale2(1);
            let parts =
                [log_sigma_val(c, &tb, b_neg), log_sigma_val(c, &ta.neg(), !a_neg), log1mexp(c, &dt.neg())];
            match sum_logs(c, &parts) {
                Val::Lin(l) => (Val::Exp { neg: false, l: l.clone() }, Val::Lin(l)),
                // The mass is 1 - (astronomically small).
                Val::Exp { l, .. } => {
                    let one = c.int(1).add_abs_err(exp_bound_log2(&l) + 1.0);
                    (Val::Lin(one), Val::Exp { neg: true, l })
                }
            }
        }
    }
}
