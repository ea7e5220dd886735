//! The continuous Gaussian log-likelihood of DiT in exact real arithmetic:
//! `-(c e^-s)^2 / 2 - ln sqrt(2 pi)` with `c = x - mean` formed exactly and the constant the real
//! `ln sqrt(2 pi)` (upstream's formula, without the `-log_scale` Jacobian term).

use super::arith::{Arith, Num, Task, Val};
use super::dyadic::{exact_add, f, log2_abs, scale2, F};
use super::types::Exact;
use super::ziv::run;

/// Beyond `|ln q| = LOG_LIN` (`q = (c e^-s)^2 / 2`) the result is assembled in the log domain: `q` is
/// then never formed, and the other term enters as a rigorous error bound (the same limit as
/// `normal_kl`'s direct exponentials).
const LOG_LIN: f64 = 1000.0;

/// See [`super::continuous_gaussian_log_likelihood`]; `Err` gives the reason a value cannot be certified.
pub(crate) fn continuous(x: f64, mean: f64, log_scale: f64) -> Result<Exact, String> {
    if !(x.is_finite() && mean.is_finite() && log_scale.is_finite()) {
        // IEEE semantics of the formula's steps: normalized_x is NaN, +-inf, or 0 (finite x - mean
        // times exp(-inf) = 0), the last the only finite case.
        let n = (x - mean) * (-log_scale).exp();
        if n != 0.0 {
            return Ok(Exact::of_f64(-(n * n) / 2.0));
        }
        return run(&ContinuousTask { c: F::ZERO, s: F::ZERO, ln_q: f64::NEG_INFINITY });
    }
    let c = exact_add(&f(x), &-f(mean));
    // ln q to ~1e-12: enough to choose the evaluation, which is rigorous either way.
    let ln_q = 2.0 * (log2_abs(&c) * std::f64::consts::LN_2 - log_scale) - std::f64::consts::LN_2;
    run(&ContinuousTask { c, s: f(log_scale), ln_q })
}

/// `-(q + ln sqrt(2 pi))` with `q = c^2 e^(-2 s) / 2` at one precision.
struct ContinuousTask {
    /// `x - mean`, exactly (zero: the result is `-ln sqrt(2 pi)`).
    c: F,
    /// `log_scale`, exactly.
    s: F,
    /// Approximate `ln q` (`-inf` for `c = 0`).
    ln_q: f64,
}

impl Task for ContinuousTask {
    type Out = Exact;

    fn at<A: Arith>(&self, c: &A) -> Option<Exact> {
        let k = c.ln_sqrt_2pi();
        // Exactly ln q = ln(c^2) - ln 2 - 2 s (a ball: c^2 and 2 s are exact).
        let ln_q =
            || c.sub(&c.sub(&c.ln(&c.sqr(&c.exact(&self.c))), &c.ln2()), &c.exact(&scale2(&self.s, 1)));
        let v = if self.ln_q == f64::NEG_INFINITY {
            Val::Lin(k.neg())
        } else if self.ln_q > LOG_LIN {
            // -(q + K) = -exp(ln q + ln(1 + K/q)), 0 < ln(1 + K/q) < K/q < e^-LOG_LIN.
            let bound = -self.ln_q * std::f64::consts::LOG2_E + 1.0;
            Val::Exp { neg: true, l: ln_q().add_abs_err(bound) }
        } else if self.ln_q < -LOG_LIN {
            // -(K + q) with 0 < q < e^-LOG_LIN: K widened by q's bound.
            Val::Lin(k.neg().add_abs_err(self.ln_q * std::f64::consts::LOG2_E + 1.0))
        } else {
            // Two positive terms: no cancellation.
            Val::Lin(c.add(&c.exp(&ln_q()), &k).neg())
        };
        c.finalize(&v).map(Exact::from)
    }
}
