//! The upstream helpers evaluated in exact real arithmetic: the discretized Gaussian
//! log-likelihood, `normal_kl` and the mean of a row.

use dashu_int::ops::UnsignedAbs;
use dashu_int::Sign;

use super::arith::{Arith, Num, Task, Val};
use super::dyadic::{exact_add, f, log2_abs, lsum, scale2, F};
use super::erf::{exp_bound_log2, exp_bound_log2_at, log_add};
use super::exact_rounding::{finalize_above, finalize_ratio, round_f64};
use super::gaussian::{cdf, delta, log_phi_val};
use super::types::{Branch, Exact, LoglikExact, Variant};
use super::ziv::{arbitrary_precision, run};

/// Smallest finite `log_scale` the log-likelihood accepts (`exp(-log_scale) = e^1000`; the
/// normalised arguments then reach `2^2100` for the largest `f64` `x - mean`; below it the CDF
/// tails have no printable 40-digit form, see the module docs).
pub const LOG_SCALE_MIN: f64 = -1000.0;

/// `ln(1e-12)` correctly rounded (the clamped log-likelihood), computed once.
fn ln_clamp_exact() -> Exact {
    static FLOOR: std::sync::OnceLock<Exact> = std::sync::OnceLock::new();
    FLOOR
        .get_or_init(|| {
            arbitrary_precision(|c| c.finalize(&Val::Lin(c.ln_clamp())).map(Exact::from))
                .expect("ln(1e-12) certifies at 192 bits")
        })
        .clone()
}

/// `ln(1e-12) = -27.631021115928548208...` to f64 accuracy, for the cheap clamp decision.
const LN_CLAMP_APPROX: f64 = -27.631021115928548;

/// Whether `ln P < ln(1e-12)`, or `None` if undecidable at this precision. Far from the
/// threshold (more than 1e-9 away, while the ball is narrower than 2^-40 and the f64 constant
/// is within 4e-15) the f64 comparison is already rigorous; close to it the balls are compared.
pub(super) fn below_clamp<A: Arith>(c: &A, l: &A::B) -> Option<bool> {
    let m = l.approx();
    if (m - LN_CLAMP_APPROX).abs() > 1e-9 && l.labs() < -40.0 {
        return Some(m < LN_CLAMP_APPROX);
    }
    Some(c.cmp(l, &c.ln_clamp())?.is_lt())
}

/// `255 * x + s` exactly, for a dyadic `x` and `s = +-1`.
pub(super) fn affine255(x: &F, s: i64) -> F {
    exact_add(&F::from_parts(x.repr().significand() * 255, x.repr().exponent()), &F::from(s))
}

pub(super) fn is_neg(x: &F) -> bool {
    x.repr().significand().sign() == Sign::Negative
}

/// See [`super::discretized_gaussian_log_likelihood`]; `forced` overrides the branch. `Err`
/// gives the reason a value cannot be certified.
pub(crate) fn loglik(
    x: f64,
    mean: f64,
    log_scale: f64,
    variant: Variant,
    forced: Option<Branch>,
) -> Result<LoglikExact, String> {
    // Exact comparisons with 0.999 = 999/1000: 1000 x < -999 (1000 x is exact in an FBig).
    let x1000 = x.is_finite().then(|| {
        let fx = f(x);
        F::from_parts(fx.repr().significand() * 1000, fx.repr().exponent())
    });
    let branch = match (x, x1000) {
        (_, Some(t)) if t < F::from(-999) => Branch::EdgeLeft,
        (_, Some(t)) if t > F::from(999) => Branch::EdgeRight,
        (x, None) if x == f64::NEG_INFINITY => Branch::EdgeLeft,
        (x, None) if x == f64::INFINITY => Branch::EdgeRight,
        _ => Branch::Interior,
    };
    let branch = forced.unwrap_or(branch);
    let finite = x.is_finite() && mean.is_finite() && (log_scale.is_finite() || log_scale == f64::INFINITY);
    if !finite {
        return Ok(loglik_nonfinite(x, mean, log_scale, variant, branch));
    }
    if log_scale < LOG_SCALE_MIN {
        return Err(format!(
            "log_scale below {LOG_SCALE_MIN}: the CDF tails are exp(-t) with t > 2^719, whose 40 digits \
             need a precision growing with e^(-2 log_scale) that soon exceeds the 32768-bit cap; \
             exp(-log_scale) already overflows f64 below -709.8"
        ));
    }
    let cx = exact_add(&f(x), &-f(mean));
    let (n_plus, n_min) = (affine255(&cx, 1), affine255(&cx, -1));
    let floor = ln_clamp_exact();
    if log_scale.is_finite() && log_scale > TINY_SCALE {
        return run(&TinyScaleTask(Element { branch, n_plus, n_min, log_scale, floor }));
    }
    let signs = (is_neg(&n_min), is_neg(&n_plus));
    // inv_stdv = exp(-log_scale) = 0 exactly for log_scale = +inf: plus_in = min_in = 0.
    let zero_scale = log_scale == f64::INFINITY;
    run(&LoglikTask { el: Element { branch, n_plus, n_min, log_scale, floor }, variant, signs, zero_scale })
}

/// The CDF values and logarithms of one element: `(cdf_plus, ln cdf_plus)`, `(1 - cdf_min, its
/// log)`, `(cdf_plus - cdf_min, its log)`; `None` for the log of an exact zero mass.
type Parts<B> = [(Val<B>, Option<Val<B>>); 3];

/// Picks the branch's probability, decides the clamp and certifies every reported value.
fn assemble<A: Arith>(c: &A, branch: Branch, floor: &Exact, parts: Parts<A::B>) -> Option<LoglikExact> {
    let [(cdf_plus, ln_cdf_plus), (upper, ln_upper), (mass, ln_mass)] = parts;
    let ln_p = match branch {
        Branch::EdgeLeft => ln_cdf_plus,
        Branch::EdgeRight => ln_upper,
        Branch::Interior => ln_mass,
    };
    // Clamped iff P < 1e-12 iff ln P < ln 1e-12 (P = 0 exactly only for log_scale = +inf).
    let (clamped, unclamped) = match &ln_p {
        None => (true, Exact::of_f64(f64::NEG_INFINITY)),
        Some(lp) => {
            let below = match lp {
                Val::Lin(l) => below_clamp(c, l)?,
                Val::Exp { .. } => false, // an astronomically small negative log: P ~ 1
            };
            (below, c.finalize(lp)?.into())
        }
    };
    Some(LoglikExact {
        value: if clamped { floor.clone() } else { unclamped.clone() },
        branch,
        clamped,
        log_prob_unclamped: unclamped,
        cdf_plus: c.finalize(&cdf_plus)?.into(),
        one_minus_cdf_min: c.finalize(&upper)?.into(),
        cdf_delta: c.finalize(&mass)?.into(),
    })
}

/// Above this `log_scale` the normalised arguments `z = e^-log_scale (255 (x - mean) +- 1) / 255`
/// are below `e^-1200` in magnitude (`|x - mean| < 2^1025`), and both CDFs are taken by their
/// linearisation at 0 with a rigorous remainder: `exp(-log_scale)` itself is never formed.
const TINY_SCALE: f64 = 2000.0;

/// The log-likelihood for `log_scale > TINY_SCALE`. Both variants satisfy
/// `F(z) = 1/2 + phi0 z (1 + d)`, `phi0 = 1/sqrt(2 pi)`, `|d| <= z^2` (Gaussian: `-z^2/6 <= d <=
/// 0`; tanh formula: its slope at 0 is `sqrt(2/pi)/2 = phi0`, and `-0.22 z^2 <= d <= 0.045 z^2`).
/// Hence `F(z) = 1/2 +- |z|/2` and `ln F(z) = -ln 2 +- 2|z|`, while the bin mass is
/// `phi0 (b - a)(1 + eta)` with `b - a = 2 e^-log_scale / 255` and `|eta| <= (|a|^3 + |b|^3) / (b - a)`.
struct TinyScaleTask(Element);

/// One element's exact inputs.
struct Element {
    branch: Branch,
    /// `255 (x - mean) + 1` and `255 (x - mean) - 1`, exactly.
    n_plus: F,
    n_min: F,
    log_scale: f64,
    /// The clamped value `ln(1e-12)`, certified once.
    floor: Exact,
}

impl Task for TinyScaleTask {
    type Out = LoglikExact;

    fn at<A: Arith>(&self, c: &A) -> Option<LoglikExact> {
        // log2 upper bounds of e^-log_scale and of |z| = e^-log_scale |n| / 255.
        let l_inv = -self.0.log_scale * std::f64::consts::LOG2_E * (1.0 - 1e-12);
        let l_z = |n: &F| l_inv + log2_abs(n) - 255f64.log2() + 1e-9;
        let half = c.int(1).scale2(-1);
        let side = |n: &F| {
            let lz = l_z(n);
            (Val::Lin(half.add_abs_err(lz - 1.0)), Some(Val::Lin(c.ln2().neg().add_abs_err(lz + 1.0))))
        };
        // |eta| <= 2 zmax^3 / (2 e^-log_scale / 255) = e^(-2 log_scale) nmax^3 / 255^2, and
        // |ln(1 + eta)| <= 2 |eta|. (Written so that log_scale near f64::MAX gives -inf, not NaN.)
        let l_nmax = log2_abs(&self.0.n_plus).max(log2_abs(&self.0.n_min));
        let l_eta = -self.0.log_scale * std::f64::consts::LOG2_E * (2.0 - 4e-12) + 3.0 * l_nmax
            - 2.0 * 255f64.log2()
            + 1e-9;
        // ln(phi0 2 / 255) = ln 2 - ln sqrt(2 pi) - ln 255.
        let k = c.sub(&c.sub(&c.ln2(), &c.ln_sqrt_2pi()), &c.ln(&c.int(255)));
        let l_mass = c.sub(&k, &c.exact(&f(self.0.log_scale))).add_abs_err(l_eta + 1.0);
        let mass = (Val::Exp { neg: false, l: l_mass.clone() }, Some(Val::Lin(l_mass)));
        assemble(c, self.0.branch, &self.0.floor, [side(&self.0.n_plus), side(&self.0.n_min), mass])
    }
}

/// The finite log-likelihood at one precision (the inputs are exact dyadic numbers).
struct LoglikTask {
    el: Element,
    variant: Variant,
    /// Signs of `n_min` and `n_plus`.
    signs: (bool, bool),
    zero_scale: bool,
}

impl Task for LoglikTask {
    type Out = LoglikExact;

    fn at<A: Arith>(&self, c: &A) -> Option<LoglikExact> {
        let inv255 = if self.zero_scale {
            c.int(0)
        } else {
            c.div(&c.exp(&c.exact(&-f(self.el.log_scale))), &c.int(255))
        };
        // plus_in = inv (c + 1/255) = inv (255c + 1)/255: one rounding, no cancellation.
        let b = c.mul(&inv255, &c.exact(&self.el.n_plus));
        let a = c.mul(&inv255, &c.exact(&self.el.n_min));
        let (cdf_plus, ln_cdf_plus) = cdf(c, self.variant, &b, self.signs.1);
        let (upper, ln_upper) = cdf(c, self.variant, &a.neg(), !self.signs.0);
        let (mass, ln_mass) = if self.zero_scale {
            (Val::Lin(c.int(0)), None)
        } else {
            let (m, l) = delta(c, self.variant, &a, &b, &inv255.scale2(1), self.signs);
            (m, Some(l))
        };
        assemble(
            c,
            self.el.branch,
            &self.el.floor,
            [(cdf_plus, Some(ln_cdf_plus)), (upper, Some(ln_upper)), (mass, ln_mass)],
        )
    }
}

/// IEEE semantics for NaN/infinite inputs: `plus_in`/`min_in` are then NaN or +-inf (or both 0
/// when only `log_scale = +inf`, handled by the finite path), so every CDF value is 0, 1 or NaN
/// and the formula steps are exact in `f64`.
fn loglik_nonfinite(x: f64, mean: f64, log_scale: f64, variant: Variant, branch: Branch) -> LoglikExact {
    let _ = variant; // both CDFs map -inf, +inf, NaN to 0, 1, NaN
    let centered = x - mean;
    let inv = (-log_scale).exp();
    let h = 1.0 / 255.0; // only its sign and finiteness matter here
    let cdf = |z: f64| {
        if z.is_nan() {
            f64::NAN
        } else if z > 0.0 {
            1.0
        } else {
            0.0
        }
    };
    let (plus_in, min_in) = (inv * (centered + h), inv * (centered - h));
    debug_assert!(!plus_in.is_finite() && !min_in.is_finite());
    let (cdf_plus, cdf_min) = (cdf(plus_in), cdf(min_in));
    let (upper, mass) = (1.0 - cdf_min, cdf_plus - cdf_min);
    let p = match branch {
        Branch::EdgeLeft => cdf_plus,
        Branch::EdgeRight => upper,
        Branch::Interior => mass,
    };
    let clamped = p < 1e-12;
    let unclamped = Exact::of_f64(p.ln());
    LoglikExact {
        value: if p.is_nan() {
            Exact::of_f64(f64::NAN)
        } else if clamped {
            ln_clamp_exact()
        } else {
            unclamped.clone()
        },
        branch,
        clamped,
        log_prob_unclamped: unclamped,
        cdf_plus: Exact::of_f64(cdf_plus),
        one_minus_cdf_min: Exact::of_f64(upper),
        cdf_delta: Exact::of_f64(mass),
    }
}

/// See [`super::log_gaussian_mass`].
pub(crate) fn log_gaussian_mass(a: f64, b: f64) -> Result<Exact, String> {
    if a.is_nan() || b.is_nan() || a >= b {
        return Err("needs a < b".into());
    }
    match (a.is_finite(), b.is_finite()) {
        (false, false) => Ok(Exact::of_f64(0.0)),
        (false, true) => run(&LogMassTask { a: None, b: f(b) }),
        (true, false) => run(&LogMassTask { a: None, b: -f(a) }),
        (true, true) => run(&LogMassTask { a: Some(f(a)), b: f(b) }),
    }
}

/// `ln(Phi(b) - Phi(a))` for exact `a < b`, `a = None` meaning `-inf` (then `ln Phi(b)`).
struct LogMassTask {
    a: Option<F>,
    b: F,
}

impl Task for LogMassTask {
    type Out = Exact;

    fn at<A: Arith>(&self, c: &A) -> Option<Exact> {
        let b = c.exact(&self.b);
        let ln = match &self.a {
            None => log_phi_val(c, &b, is_neg(&self.b)),
            Some(a) => {
                let width = c.exact(&exact_add(&self.b, &-a.clone()));
                delta(c, Variant::Gaussian, &c.exact(a), &b, &width, (is_neg(a), is_neg(&self.b))).1
            }
        };
        c.finalize(&ln).map(Exact::from)
    }
}

/// Below this `|argument|` the exponentials of `normal_kl` are formed directly; beyond it the
/// result is assembled in the log domain.
const KL_LIN: f64 = 1000.0;

/// See [`super::normal_kl`].
pub(crate) fn normal_kl(mean1: f64, logvar1: f64, mean2: f64, logvar2: f64) -> Result<Exact, String> {
    if ![mean1, logvar1, mean2, logvar2].iter().all(|v| v.is_finite()) {
        // Upstream formula in IEEE arithmetic; with an infinite input every evaluation order
        // yields +inf or NaN (some term is infinite, or inf - inf / 0 * inf appears).
        let v = 0.5
            * (-1.0 + logvar2 - logvar1
                + (logvar1 - logvar2).exp()
                + (mean1 - mean2) * (mean1 - mean2) * (-logvar2).exp());
        return Ok(Exact::of_f64(v));
    }
    let d = exact_add(&f(logvar1), &-f(logvar2));
    let m = exact_add(&f(mean1), &-f(mean2));
    let (dz, mz) = (d.repr().significand().is_zero(), m.repr().significand().is_zero());
    if dz && mz {
        return Ok(Exact::of_f64(0.0)); // identical Gaussians: exactly 0
    }
    let (dapprox, lv2) = (round_f64(&d), logvar2);
    if dapprox < -KL_LIN {
        if let Some(out) = kl_exact_part(&d, &m, lv2) {
            return Ok(out);
        }
    }
    run(&NormalKlTask { d, m, dz, mz, dapprox, lv2 })
}

/// `normal_kl` at one precision from the exact differences of its inputs.
struct NormalKlTask {
    /// `logvar1 - logvar2` and `mean1 - mean2`, exactly, and whether each is zero.
    d: F,
    m: F,
    dz: bool,
    mz: bool,
    dapprox: f64,
    lv2: f64,
}

impl Task for NormalKlTask {
    type Out = Exact;

    fn at<A: Arith>(&self, c: &A) -> Option<Exact> {
        let db = c.exact(&self.d);
        // KL = (g(d) + m^2 e^-logvar2) / 2, g(d) = e^d - 1 - d >= 0: two nonnegative terms.
        let v = if self.dapprox.abs() <= KL_LIN && self.lv2.abs() <= KL_LIN {
            let g = kl_g(c, &db);
            let mt = c.mul(&c.sqr(&c.exact(&self.m)), &c.exp(&c.exact(&-f(self.lv2))));
            Val::Lin(c.add(&g, &mt).scale2(-1))
        } else {
            let lg = (!self.dz).then(|| kl_ln_g(c, &db, self.dapprox));
            let lm = (!self.mz).then(|| {
                let lm2 = c.ln(&c.sqr(&c.exact(&self.m)));
                c.sub(&lm2, &c.exact(&f(self.lv2)))
            });
            let l = match (lg, lm) {
                (Some(x), Some(y)) => log_add(c, &x, &y),
                (Some(x), None) | (None, Some(x)) => x,
                (None, None) => unreachable!("exact zero handled above"),
            };
            Val::Exp { neg: false, l: c.sub(&l, &c.ln2()) }
        };
        c.finalize(&v).map(Exact::from)
    }
}

/// `normal_kl` for `d < -KL_LIN` as an exact part plus a positive remainder:
/// `KL = E + T`, `E = (-d - 1 + [logvar2 = 0] m^2) / 2` (a dyadic number),
/// `T = (e^d + [logvar2 != 0] m^2 e^-logvar2) / 2 > 0`. When `T` is negligible, `E` may be a
/// rounding tie (e.g. 41 significant digits ending in 5) that no ball around `E + T` could ever
/// decide: the tie is then resolved upwards. `None` if `T` is not negligible.
fn kl_exact_part(d: &F, m: &F, lv2: f64) -> Option<Exact> {
    let mut e = exact_add(&-d.clone(), &F::from(-1));
    let mz = m.repr().significand().is_zero();
    let mut lts = vec![exp_bound_log2_at(d.to_f64().value(), f64::NEG_INFINITY)];
    if lv2 == 0.0 {
        let (sig, ex) = (m.repr().significand(), m.repr().exponent());
        e = exact_add(&e, &F::from_parts(sig * sig, 2 * ex));
    } else if !mz {
        // log2(m^2 e^-lv2), rounded up generously.
        let x = -lv2 * std::f64::consts::LOG2_E;
        lts.push(2.0 * log2_abs(m) + x + x.abs() * 1e-12 + 1e-9);
    }
    let e = scale2(&e, -1);
    finalize_above(&e, lsum(&lts) - 1.0 + 1e-9).map(Exact::from)
}

/// `g(d) = e^d - 1 - d` without cancellation: the series `sum_(n>=2) d^n/n!` for `|d| < 1/2`
/// (tail after term `t_n` is at most `|t_n|`, the ratios being `<= 1/8`); otherwise
/// `e^d - (1 + d)`, where cancellation amplifies the error by at most ~10 for `|d| >= 1/2`.
pub(super) fn kl_g<A: Arith>(c: &A, d: &A::B) -> A::B {
    if d.is_zero() {
        return c.int(0);
    }
    if d.approx().abs() >= 0.5 {
        return c.sub(&c.exp(d), &c.add(&c.int(1), d));
    }
    let mut t = c.sqr(d).scale2(-1);
    let mut s = t.clone();
    for n in 3i64.. {
        t = c.div(&c.mul(&t, d), &c.int(n));
        s = c.add(&s, &t);
        if t.l2_upper() - s.l2() < -(c.bits() as f64) - 8.0 || t.lrel() == f64::INFINITY {
            return s.add_abs_err(t.l2_upper());
        }
    }
    unreachable!()
}

/// `ln g(d)` for `d != 0`, valid for any magnitude of `d`.
fn kl_ln_g<A: Arith>(c: &A, d: &A::B, dapprox: f64) -> A::B {
    if dapprox > KL_LIN {
        // g = e^d (1 - (1+d) e^-d): ln g = d + ln_1p(-u), u = (1+d)e^-d tiny, |ln_1p(-u)| <= 2u.
        // log2(1 + d) <= log2(d) + 1e-3 for d > 1000 (from the ball, as d may exceed f64::MAX).
        let lu = d.l2_upper() + 1e-3 + exp_bound_log2(&d.neg());
        d.add_abs_err(lu + 1.0)
    } else if dapprox < -KL_LIN {
        // g = (-d - 1) + e^d: ln g = ln(-d-1) + ln_1p(e^d/(-d-1)), the last term <= e^d.
        let base = c.ln(&c.sub(&d.neg(), &c.int(1)));
        base.add_abs_err(exp_bound_log2(d))
    } else {
        c.ln(&kl_g(c, d))
    }
}

/// See [`super::mean_flat_row`].
pub(crate) fn mean_flat_row(data: &[f64]) -> Result<Exact, String> {
    if data.is_empty() || data.iter().any(|v| !v.is_finite()) {
        // IEEE: the f64 sum of the non-finite values decides (inf - inf = NaN, NaN propagates).
        let s: f64 = data.iter().filter(|v| !v.is_finite()).sum();
        return Ok(Exact::of_f64(if data.is_empty() { f64::NAN } else { s }));
    }
    // The sum of finitely many binary numbers is a binary number: form it exactly.
    let sum = data.iter().fold(F::ZERO, |s, &v| exact_add(&s, &f(v)));
    if sum.repr().significand().is_zero() {
        return Ok(Exact::of_f64(0.0));
    }
    // The mean is the exact rational sum / n: rounded directly (a Ziv loop could not decide a
    // mean that is exactly a decimal rounding tie, e.g. (1 + 2^-41) / 5).
    let neg = sum.repr().significand().sign() == Sign::Negative;
    let den = dashu_int::UBig::from(data.len());
    Ok(finalize_ratio(neg, &sum.repr().significand().unsigned_abs(), sum.repr().exponent(), &den).into())
}
