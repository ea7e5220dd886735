//! The error model behind every tolerance: a first-order forward error bound of the upstream algorithm
//! in a given precision, computed from exact intermediate values. Derived in docs/error-model.md.
//!
//! Assumptions (a correct port may violate none of them):
//! - `+ - * /` are correctly rounded (relative error <= u, u = 2^-24 for f32, 2^-53 for f64); in the half
//!   types each op is computed in f32 and rounded to the half type, so u = 2^-p + 2^-24 (double rounding);
//! - `exp`, `log`, `erf`, `tanh` are within [`FUNCTION_ULPS`] ulps, plus as many subnormal steps (loose
//!   enough for the vectorised SLEEF/XLA/Eigen versions PyTorch, JAX and NumPy use); in the half types
//!   the f32 function's error plus the final rounding, and [`HALF_ERF_ABS`] more for erf;
//! - constants are the precision's roundings of the Python doubles; their deviation from the exact reals
//!   is known and enters the bound exactly (for the half types, the larger of the half and the f32
//!   rounding: PyTorch multiplies by the f32 rounding, NumPy and JAX by the half one).
//!
//! The first-order bound is doubled ([`SAFETY`]) to cover second-order terms and the f64 evaluation of
//! the bound itself. The factor is a margin, not a measured quantity: second-order terms are products of
//! two relative errors (~u^2 against u), so they need far less than a factor 2.

use crate::functions::Precision;
use crate::upstream::loglik::Branch;
use crate::{Cdf, Real};

/// Ulps allowed to each elementary function.
pub const FUNCTION_ULPS: f64 = 4.0;
/// Multiplier on the first-order bound.
pub const SAFETY: f64 = 2.0;
/// Absolute error of erf before the final rounding in the half types, 2^-21: PyTorch computes
/// float16/bfloat16 erf with an f32 approximation (`Vectorized<float>::erf`) whose absolute error
/// reaches 3.3e-7 near 0 (measured over every half input by tools/check_half_model.py), far above 4 ulps
/// of small results.
pub const HALF_ERF_ABS: f64 = 4.76837158203125e-7;

/// What the error model needs to know about a precision: its rounding unit, range and the roundings of
/// upstream's constants.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    /// The precision modelled.
    pub precision: Precision,
    /// Relative error bound of one `+ - * /`: 2^-p (for the half types plus the f32 rounding before it).
    pub u: f64,
    /// The precision's own unit roundoff 2^-p.
    pub unit: f64,
    /// Smallest positive subnormal.
    pub tiny: f64,
    /// Largest finite value.
    pub max: f64,
    /// Relative error bound of an elementary function: FUNCTION_ULPS ulps, an ulp being <= 2u relative
    /// (for the half types: of the f32 function, plus the final rounding).
    pub func: f64,
    /// Absolute error of erf on top of `func` ([`HALF_ERF_ABS`] in the half types, else 0).
    pub erf_abs: f64,
    /// Unit roundoff of the type the elementary functions are evaluated in (f32 for the half types):
    /// erf and tanh return exactly +-1 close enough to +-1 (golden::admissible), and reductions
    /// accumulate in it.
    pub opmath_u: f64,
    /// Whether every intermediate is a value of this precision (f32, f64). In the half types a fused
    /// evaluation may keep intermediates in f32 (XLA's excess precision), so the granularity argument
    /// (docs/error-model.md) is not used there.
    pub per_op: bool,
    /// The precision's 1/255.
    pub half_width: f64,
    /// The precision's 1e-12 (0 in float16, whose smallest subnormal is 6e-8).
    pub floor: f64,
    /// The precision's 0.999 (1 in bfloat16: its edge branches never fire on [-1, 1]).
    pub edge: f64,
    /// `|fl(sqrt 2) / sqrt 2 - 1|`.
    pub sqrt2_rel: f64,
    /// The precision's sqrt(2/pi) and its relative deviation from the exact constant.
    pub c1: f64,
    /// `|fl(sqrt(2/pi)) / sqrt(2/pi) - 1|`.
    pub c1_rel: f64,
    /// The precision's 0.044715.
    pub c2: f64,
    /// `|fl(0.044715) / 0.044715 - 1|`.
    pub c2_rel: f64,
}

/// sqrt(2) and sqrt(2/pi) to 17+ digits; only relative deviations of ~1e-8 are taken from them.
const SQRT_2: f64 = std::f64::consts::SQRT_2;
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
/// f32's unit roundoff, the opmath of the half types.
const U32: f64 = 5.960464477539063e-8;

impl Model {
    /// The model of `precision`.
    pub fn of(precision: Precision) -> Model {
        crate::with_real!(precision, T => Model::of_type::<T>(precision))
    }

    /// The model of the type `T`, which is `precision`.
    fn of_type<T: Real>(precision: Precision) -> Model {
        let unit = T::epsilon().as_f64() / 2.0;
        let half = precision.is_half();
        // The half types round each f32 result again; constants may be taken in either rounding.
        let (u, func, opmath_u) = if half {
            (unit + U32, FUNCTION_ULPS * 2.0 * U32 + unit + U32, U32)
        } else {
            (unit, FUNCTION_ULPS * 2.0 * unit, unit)
        };
        let rel = |rounded: T, exact: f64| {
            let own = (rounded.as_f64() / exact - 1.0).abs();
            let opmath = f64::from(exact as f32) / exact - 1.0;
            if half {
                own.max(opmath.abs())
            } else {
                own
            }
        };
        Model {
            precision,
            u,
            unit,
            tiny: (T::min_positive_value().as_f64()) * T::epsilon().as_f64(),
            max: T::max_value().as_f64(),
            func,
            erf_abs: if half { HALF_ERF_ABS } else { 0.0 },
            opmath_u,
            per_op: !half,
            half_width: T::BIN_HALF_WIDTH.as_f64(),
            floor: T::PROB_FLOOR.as_f64(),
            edge: T::EDGE.as_f64(),
            sqrt2_rel: rel(T::SQRT_2, SQRT_2),
            c1: T::SQRT_2_OVER_PI.as_f64(),
            c1_rel: rel(T::SQRT_2_OVER_PI, SQRT_2_OVER_PI),
            c2: T::TANH_CUBIC.as_f64(),
            c2_rel: rel(T::TANH_CUBIC, 0.044715),
        }
    }

    /// Every precision's model, in [`Precision::ALL`] order.
    pub fn all() -> [Model; 4] {
        Precision::ALL.map(Model::of)
    }

    /// Error bound of one elementary-function result `y`: FUNCTION_ULPS ulps relative, plus as many
    /// subnormal steps for results near underflow.
    pub fn func_err(&self, y: f64) -> f64 {
        self.func * y.abs() + FUNCTION_ULPS * self.tiny
    }

    /// The branch this precision's own comparisons take for `x` (against its rounding of 0.999).
    pub fn branch(&self, x: f64) -> Branch {
        Branch::with_threshold(x, self.edge)
    }
}

/// Standard normal density.
fn density(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The tanh formula's pieces at z: (s, F(z), dF/ds = 0.5 sech^2 s), in f64 (only magnitudes matter).
fn tanh_parts(z: f64) -> (f64, f64, f64) {
    let s = SQRT_2_OVER_PI * (z + 0.044715 * z * z * z);
    let e = (-2.0 * s.abs()).exp();
    let sech2 = 4.0 * e / ((1.0 + e) * (1.0 + e));
    (s, 0.5 * (1.0 + s.tanh()), 0.5 * sech2)
}

/// Absolute error bound of `cdf` evaluated in `p` at a computed input `z'` with `|z' - z| <= dz`:
/// propagated input error plus the formula's own evaluation error (see docs/error-model.md, section CDF).
pub fn cdf_error(p: &Model, cdf: Cdf, z: f64, dz: f64) -> f64 {
    if !z.is_finite() {
        return 0.0;
    }
    match cdf {
        Cdf::Erf => {
            let q = z / SQRT_2;
            let f = 0.5 * libm::erfc(-q);
            let phi = density(z);
            // q = z/sqrt2 rounded, with the constant's own deviation; erf within `func`; 1 + erf rounded.
            phi * dz
                + phi * z.abs() * (p.u + p.sqrt2_rel)
                + 0.5 * (p.func_err(libm::erf(q)) + p.erf_abs)
                + p.u * f
        }
        Cdf::Tanh => {
            let (s, f, dfds) = tanh_parts(z);
            let cube = p.c2 * z.abs().powi(3);
            // z*z*z: 2 roundings; times c2: 1 rounding + constant; + z: 1 rounding; times c1: 1 + constant.
            let ds = p.c1 * (cube * (3.0 * p.u + p.c2_rel) + p.u * (z + 0.044715 * z * z * z).abs())
                + s.abs() * (p.u + p.c1_rel);
            let dfdz = dfds * SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044715 * z * z);
            dfdz * dz + dfds * ds + 0.5 * p.func_err(s.tanh()) + p.u * f
        }
    }
}

/// Outcome of the model for one case, precision and variant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// `|got - expected| <= abs` for every correct implementation.
    Abs(f64),
    /// No finite bound on `|got - expected|` (the admissible interval, golden::admissible, still applies).
    Unconstrained,
}

impl Bound {
    /// `Abs(a)` for a finite `a`, else `Unconstrained` (e.g. float16's clamp at 0, whose log is -inf).
    pub fn finite(a: f64) -> Bound {
        if a.is_finite() {
            Bound::Abs(a)
        } else {
            Bound::Unconstrained
        }
    }

    /// The bound as a number, infinite when unconstrained (the inverse of [`Bound::finite`]), for
    /// composite models that add bounds.
    pub fn or_inf(self) -> f64 {
        match self {
            Bound::Abs(a) => a,
            Bound::Unconstrained => f64::INFINITY,
        }
    }
}

/// Exact facts about a log-likelihood case that the bound is computed from.
#[derive(Debug, Clone, Copy)]
pub struct LoglikFacts {
    /// Inputs (f32 values).
    pub x: f64,
    /// Decoder mean.
    pub mean: f64,
    /// Decoder log standard deviation.
    pub log_scale: f64,
    /// The branch whose probability is bounded.
    pub branch: Branch,
    /// ln of that branch's exact probability (unclamped; may be far below f64's range of p itself).
    pub log_prob: f64,
    /// The exact log-likelihood (clamped), the value the bound is centred on.
    pub expected: f64,
}

/// The cases both log-likelihood models settle before any analysis, or the model's inputs: the exact
/// `centered_x` and `inv_stdv` of a finite case within the precision's range.
fn loglik_inputs(p: &Model, f: &LoglikFacts) -> Result<(f64, f64), Bound> {
    if f.expected.is_nan() {
        return Err(Bound::Abs(0.0));
    }
    if !(f.x.is_finite() && f.mean.is_finite() && f.log_scale.is_finite()) {
        // The special paths produce ln(1), ln(1/2) or the clamp exactly up to the log's own error.
        let ln_floor_gap = (p.floor.ln() - 1e-12f64.ln()).abs();
        return Err(Bound::finite(SAFETY * (p.func_err(f.expected) + ln_floor_gap)));
    }
    let c = f.x - f.mean;
    let v = (-f.log_scale).exp();
    if v > p.max || v * (c.abs() + p.half_width) > p.max {
        // exp(-log_scale) or the CDF argument overflows the precision: outside the model.
        return Err(Bound::Unconstrained);
    }
    Ok((c, v))
}

/// Bound on `|got - expected|` of upstream's log-likelihood evaluated in `p` with `cdf`.
pub fn loglik_bound(p: &Model, cdf: Cdf, f: &LoglikFacts) -> Bound {
    loglik_bound_with(p, cdf, f, (0.0, 0.0))
}

/// [`loglik_bound`] where `means` and `log_scales` are themselves computed, within `dmean` and
/// `dlog_scale` of the exact ones (`_vb_terms_bpd`'s decoder): those errors move both CDF arguments
/// `z = exp(-log_scale) (x - mean +- h)` by `exp(-log_scale) dmean + |z| dlog_scale` (first order).
pub fn loglik_bound_with(p: &Model, cdf: Cdf, f: &LoglikFacts, (dmean, dlog_scale): (f64, f64)) -> Bound {
    let (c, v) = match loglik_inputs(p, f) {
        Ok(cv) => cv,
        Err(settled) => return settled,
    };
    let ln_floor_gap = (p.floor.ln() - 1e-12f64.ln()).abs();
    let h = 1.0 / 255.0;
    let hw_err = (p.half_width - h).abs();
    // Error of z = inv_stdv * (centered + -h): centered rounded, constant deviation, sum rounded, exp
    // within `func`, product rounded.
    let z_err = |z: f64, shifted: f64| {
        v * (p.u * c.abs() + hw_err + p.u * shifted.abs() + dmean) + z.abs() * (p.func + p.u + dlog_scale)
    };
    let (zp, zm) = (v * (c + h), v * (c - h));
    let plus = || cdf_error(p, cdf, zp, z_err(zp, c + h));
    let minus = || cdf_error(p, cdf, zm, z_err(zm, c - h));
    let prob = f.log_prob.exp();
    let dp = SAFETY
        * match f.branch {
            Branch::EdgeLeft => plus(),
            Branch::EdgeRight => minus() + p.u * prob,
            Branch::Interior => plus() + minus() + p.u * prob,
        };
    let hi = (prob + dp).max(p.floor);
    if hi <= p.floor {
        // Both ends clamp: the result is ln(floor) up to the log's error.
        return Bound::finite(
            SAFETY * p.func_err(p.floor.ln()) + ln_floor_gap + (f.expected - 1e-12f64.ln()).abs(),
        );
    }
    if dp >= prob {
        // The computed probability may be 0: the precision cannot tell this bin from an empty one.
        return Bound::Unconstrained;
    }
    let lo = (prob - dp).max(p.floor);
    let log_err = |q: f64| SAFETY * p.func_err(q.ln());
    let below = f.expected - (lo.ln() - log_err(lo));
    let above = (hi.ln() + log_err(hi)) - f.expected;
    Bound::finite(below.max(above).max(0.0))
}

/// Ulps of `max(1, |ln p|)` (an ulp being `2u`) allowed to the stable log-likelihood's own log-space
/// evaluation. Measured with exact inputs against the reference (the unit test `golden::stable_ulps`,
/// which asserts the measurement stays within this constant): 14.0 (f32) and 13.1 (f64), for bins just
/// wider than the midpoint series' reach, where `log1mexp` amplifies the error of `ln Phi` (itself within
/// 2.5 f32 and 3 f64 ulps, tests/engine.rs) by about `1 / (w |m|)`. Widened from 8 (which the measurement
/// exceeded) to 20: the measured worst plus a margin for the sampled search; [`SAFETY`] stays a margin
/// for second-order terms, not for the evaluation.
pub const STABLE_LOGLIK_ULPS: f64 = 20.0;

/// Ulps of the variance term allowed to `normal_kl_stable`'s own evaluation. Measured (same test): 2.3
/// (f32) and 2.4 (f64).
pub const STABLE_KL_ULPS: f64 = 8.0;

/// Bound on `|got - expected|` of the stable log-likelihood (src/stable/mod.rs) in `p`: the rounding of its
/// inputs (centered_x, exp(-log_scale), the constant 1/255) propagated through the exact derivatives of
/// ln p, plus [`STABLE_LOGLIK_ULPS`] ulps of `max(1, |ln p|)` for the evaluation itself. Judged against the
/// true-Gaussian expected value.
pub fn stable_loglik_bound(p: &Model, f: &LoglikFacts) -> Bound {
    let (c, v) = match loglik_inputs(p, f) {
        Ok(cv) => cv,
        Err(settled) => return settled,
    };
    let h = 1.0 / 255.0;
    let hw_rel = (p.half_width - h).abs() / h;
    let (b, a) = (v * (c + h), v * (c - h));
    // d ln p / dz = pdf(z) / p, in log space so that tiny p and pdf do not underflow.
    let ratio = |z: f64| (-0.5 * z * z - 0.918_938_533_204_672_8 - f.log_prob).exp();
    let z_err = |z: f64, shifted: f64| {
        v * (p.u * c.abs() + hw_rel * h + p.u * shifted.abs()) + z.abs() * (p.func + p.u)
    };
    let propagated = match f.branch {
        Branch::EdgeLeft => ratio(b) * z_err(b, c + h),
        Branch::EdgeRight => ratio(a) * z_err(a, c - h),
        Branch::Interior => {
            // Through the midpoint m = v c and width w = 2 v h, both formed directly:
            // d ln p/dm = (pdf(b) - pdf(a))/p, d ln p/dw = (pdf(b) + pdf(a))/(2p).
            let (m, w) = (v * c, 2.0 * v * h);
            let dm = m.abs() * (p.func + 2.0 * p.u);
            let dw = w * (p.func + p.u + hw_rel);
            let narrow = w * m.abs().max(1.0) <= 0.05;
            // Wide bins use the two arguments, each rounded once more when formed.
            let wide =
                if narrow { 0.0 } else { p.u * v * (ratio(b) * (c + h).abs() + ratio(a) * (c - h).abs()) };
            (ratio(b) - ratio(a)).abs() * dm + 0.5 * (ratio(b) + ratio(a)) * dw + wide
        }
    };
    let own = STABLE_LOGLIK_ULPS * 2.0 * p.u * f.log_prob.abs().max(1.0) + FUNCTION_ULPS * p.tiny;
    let delta = SAFETY * (propagated + own);
    // The clamp max(ln p, ln floor) applied to both ends of [ln p - delta, ln p + delta]; ln floor is
    // itself evaluated in the precision (one more log error).
    if 2.0 * (f.log_prob.abs() + delta) > p.max {
        // ln p ~ -z^2/2 is formed from z^2, which overflows the precision (float16 beyond |z| = 256, where
        // its clamp at 0 lets the result through).
        return Bound::Unconstrained;
    }
    let ln_floor = p.floor.ln();
    let lo = (f.log_prob - delta).max(ln_floor);
    let hi = (f.log_prob + delta).max(ln_floor);
    // float16's floor rounds to 0: no clamp, nothing to evaluate.
    let floor_err = if ln_floor.is_finite() { SAFETY * p.func_err(ln_floor) } else { 0.0 };
    Bound::finite((f.expected - lo).abs().max((hi - f.expected).abs()) + floor_err)
}

/// Exact facts about a `normal_kl` case that both of its bounds are computed from.
#[derive(Debug, Clone, Copy)]
pub struct KlFacts {
    /// Mean of the first Gaussian.
    pub mean1: f64,
    /// Log-variance of the first Gaussian.
    pub logvar1: f64,
    /// Mean of the second Gaussian.
    pub mean2: f64,
    /// Log-variance of the second Gaussian.
    pub logvar2: f64,
    /// The exact KL, the value the bound is centred on.
    pub expected: f64,
}

impl KlFacts {
    /// `(logvar1 - logvar2, mean1 - mean2)`, or `None` when the expected value is NaN or infinite (the
    /// result must then match it exactly: tolerance 0).
    fn differences(&self) -> Option<(f64, f64)> {
        self.expected.is_finite().then_some((self.logvar1 - self.logvar2, self.mean1 - self.mean2))
    }
}

/// Bound on `|got - expected|` of the stable `normal_kl` (src/stable/mod.rs): both terms are non-negative,
/// so relative errors add: `expm1(d) - d` inherits d's rounding through its derivative `expm1(d)` and
/// [`STABLE_KL_ULPS`] ulps of evaluation; the gap term as in the upstream model.
pub fn stable_normal_kl_bound(p: &Model, f: &KlFacts) -> Bound {
    let Some((d, g)) = f.differences() else { return Bound::Abs(0.0) };
    let e2 = (-f.logvar2).exp();
    let variance_term = d.exp_m1() - d;
    let gap_term = g * g * e2;
    if [variance_term, e2, gap_term, g * g].iter().any(|m| m.is_nan() || m.abs() > p.max) {
        return Bound::Unconstrained;
    }
    let first_order = d.exp_m1().abs() * d.abs() * p.u
        + STABLE_KL_ULPS * 2.0 * p.u * variance_term
        + gap_term * (4.0 * p.u + p.func)
        + g * g * FUNCTION_ULPS * p.tiny
        + p.u * (variance_term + gap_term);
    Bound::Abs(SAFETY * 0.5 * first_order + FUNCTION_ULPS * p.tiny)
}

/// Bound on `|got - expected|` of upstream `normal_kl` evaluated in `p` (docs/error-model.md, KL).
pub fn normal_kl_bound(p: &Model, f: &KlFacts) -> Bound {
    let Some((d, g)) = f.differences() else { return Bound::Abs(0.0) };
    let e1 = d.exp();
    let e2 = (-f.logvar2).exp();
    let t = g * g * e2;
    let a1 = -1.0 + f.logvar2;
    let a2 = a1 - f.logvar1;
    let a3 = a2 + e1;
    let a4 = a3 + t;
    let magnitudes = [e1, e2, t, a4.abs(), g * g];
    if magnitudes.iter().any(|m| m.is_nan() || m.abs() > p.max) {
        // exp or the squared gap overflows the precision (e.g. logvar2 < -88.7 in f32): 0 * inf = NaN
        // or inf is what the formula gives there; the model does not cover it.
        return Bound::Unconstrained;
    }
    // Each partial sum rounded once; exp(d) inherits d's rounding (relative |d| u) and its own error; the
    // gap term carries (m1-m2) and its square rounded (3u), the product (u) and exp(-logvar2)'s error.
    let first_order = p.u * (a1.abs() + a2.abs() + a3.abs() + a4.abs())
        + e1 * d.abs() * p.u
        + p.func_err(e1)
        + t * 4.0 * p.u
        + g * g * p.func_err(e2);
    Bound::Abs(SAFETY * 0.5 * first_order)
}

/// The longest chain of dependent additions in the summation orders real implementations use:
/// PyTorch's CPU cascade sum (4 levels of up to 2^max(4, ceil(L/4)) sequential terms, L = ceil(log2 n)),
/// NumPy's pairwise sum (blocks of 128 in 8 accumulators: 16 + 3 adds, then L - 7 pairwise levels) and
/// plain pairwise summation (L); never more than the n - 1 of a running sum.
pub fn summation_depth(n: usize) -> f64 {
    let levels = (n.max(1) as f64).log2().ceil();
    let cascade = 4.0 * 2f64.powf((levels / 4.0).ceil().max(4.0));
    (cascade + levels + 19.0).min(n.saturating_sub(1) as f64)
}

/// Bound on the mean of `data` by any of those summations (in the opmath type) followed by one division:
/// `depth u sum|x| / n + u |mean|`. A naive running sum (depth n - 1) exceeds it on long rows.
pub fn mean_bound(p: &Model, data: &[f64], expected: f64) -> Bound {
    if !expected.is_finite() {
        return Bound::Abs(0.0);
    }
    let n = data.len() as f64;
    let abs_sum: f64 = data.iter().map(|v| v.abs()).sum();
    if abs_sum > p.max {
        return Bound::Unconstrained;
    }
    // The sum accumulates in the opmath type (f32 for the half types), the mean is rounded once more.
    Bound::Abs(SAFETY * (summation_depth(data.len()) * p.opmath_u * abs_sum / n + p.u * expected.abs()))
}

/// Bound on `|got - expected|` of the CDF itself at an exact input z.
pub fn cdf_bound(p: &Model, cdf: Cdf, z: f64, expected: f64) -> Bound {
    if expected.is_nan() {
        return Bound::Abs(0.0);
    }
    Bound::Abs(SAFETY * cdf_error(p, cdf, z, 0.0))
}
