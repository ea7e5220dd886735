//! Arbitrary-precision, correctly rounded reference values of every helper (the project's source of truth).
//!
//! Inputs are `f64` values taken as exact real numbers (every `f32` is one); the constants
//! `1/255`, `1e-12`, `0.999`, `sqrt(2/pi)`, `0.044715` and `ln sqrt(2 pi)` are the exact reals.
//! Each result is the real value rounded to nearest-even `f64` plus its first 40 significant
//! decimal digits (correctly rounded), both certified by Ziv's strategy over a rigorous ball arithmetic. The
//! algorithms (`erf.rs`, `gaussian.rs`, `helpers.rs`) are written once over `arith::Arith`;
//! `ziv.rs` runs them first in `first_pass/` (192-bit fixed-size floats on the stack: 6-14 us per
//! value), which settles nearly every input of the usual ranges; what it cannot certify
//! (near-ties, values outside the normal `f64` range, heavy cancellation) goes to `mp.rs`
//! (dashu-float): start at 192 bits, double on failure, give up beyond 32768 bits.
//!
//! The two passes share the algorithms and their error bounds, so their agreement (tests/reference.rs)
//! checks the arithmetic, not the algorithms. The independent check is an external table computed
//! with mpmath by `tools/mpmath_reference_table.py` (tests/data/mpmath_reference.json, 6073 values
//! over every function and branch): tests/reference_external.rs requires every value here to equal
//! it, the f64 bit for bit and the 40 digits character for character.
//!
//! Specials follow IEEE semantics through the upstream formula steps: NaN in, NaN out (digits
//! `"nan"`); infinities give `"inf"`/`"-inf"`; values that are exactly zero give `"0"`.
//! Astronomically small or large values (e.g. `phi(-1e30) = exp(-5e59)`) round to `0`/`inf`
//! while `digits` still gives their true 40 digits (with a long decimal exponent).
//!
//! Values that are exact rationals (`mean_flat_row`) are rounded directly; a value that is an
//! exact dyadic part plus an astronomically small positive remainder (`normal_kl` with
//! `logvar1 - logvar2 < -1000`) has a rounding tie at the exact part resolved upwards, since no
//! ball around it could ever decide it.
//!
//! Every function returns `Err(Error::ReferenceDomain)` instead of a value it cannot certify; it
//! never panics. Supported domain (`cargo bench --bench reference`: 6-14 us per value of the usual
//! ranges in release builds, about 0.5 ms through arbitrary precision alone; far corners such as
//! `x - mean ~ 1e308` with `log_scale = -1000` need thousands of bits and take much longer):
//!
//! * `erf`, `erfc`, `phi`, `log_phi`, `log_one_minus_phi`, `tanh_cdf`, `log_tanh_cdf`,
//!   `normal_kl`, `mean_flat_row`, `continuous_gaussian_log_likelihood`: every `f64` input,
//!   including NaN and infinities;
//! * `log_gaussian_mass(a, b)`: every `a < b` (either may be infinite);
//! * the log-likelihood: every `x`, `mean`, `log_scale` (finite or not) except a finite
//!   `log_scale` below [`LOG_SCALE_MIN`], refused up front. Above 2000 it is evaluated through the
//!   CDFs' linearisation at 0 with a rigorous remainder (any `log_scale` up to `f64::MAX`). Below
//!   -1000 the normalised arguments exceed `2^360` and the CDF tails are `exp(-t)` with `t > 2^719`:
//!   certifying their 40 digits needs a precision that grows with `|log_scale|` (the tails'
//!   logarithms are about `e^(-2 log_scale)` and must be known to `2^-133` absolutely) and soon
//!   exceeds the 32768-bit cap (at `log_scale = -1e300` the decimal exponent alone would have
//!   `1e300` digits), so the reference refuses them up front. `exp(-log_scale)` is finite in
//!   `f64` only above -709.8, so every `log_scale` that upstream code evaluates is inside.
//!
//! Anything else that cannot be certified (none is known) is reported the same way: the
//! precision cap and any refusal of the underlying arithmetic are errors, not panics.

mod arith;
mod continuous;
pub(crate) mod derived;
mod dyadic;
mod erf;
mod exact_rounding;
mod first_pass;
mod gaussian;
mod helpers;
mod mp;
mod posterior;
mod schedule;
mod types;
mod vlb;
mod ziv;

use arith::{Arith, Task};
use ziv::run;

pub use helpers::LOG_SCALE_MIN;
pub use posterior::Posterior;
#[cfg_attr(not(test), allow(unused_imports))]
// for the unit tests measuring accuracy against exact values
pub(crate) use types::ulps_between;
pub use types::{Branch, Exact, Extraction, LoglikExact, Variant};
pub use vlb::{VlbBatch, VlbExact, VARIANTS as VLB_VARIANTS};

use crate::upstream::derived as derived_array;
use crate::Error;

/// The error for a value that cannot be certified (or an input refused up front).
fn domain_error(function: &'static str, inputs: String, reason: String) -> Error {
    Error::ReferenceDomain { function, inputs, reason }
}

/// The one-argument functions, evaluated by [`UnaryTask`].
#[derive(Clone, Copy, Debug)]
enum Unary {
    Erf,
    Erfc,
    Phi,
    LogPhi,
    TanhCdf,
    LogTanhCdf,
}

/// A one-argument function at an exact finite argument.
struct UnaryTask {
    f: Unary,
    x: f64,
}

impl Task for UnaryTask {
    type Out = Exact;

    fn at<A: Arith>(&self, c: &A) -> Option<Exact> {
        let (x, neg) = (self.x, self.x < 0.0);
        let z = || c.exact(&dyadic::f(x));
        let v = match self.f {
            Unary::Erf => erf::erf_val(c, x),
            Unary::Erfc => erf::erfc_val(c, x),
            Unary::Phi => gaussian::phi_val(c, &z(), neg),
            Unary::LogPhi => gaussian::log_phi_val(c, &z(), neg),
            Unary::TanhCdf => gaussian::sigma_val(c, &gaussian::tanh_arg(c, &z()), neg),
            Unary::LogTanhCdf => gaussian::log_sigma_val(c, &gaussian::tanh_arg(c, &z()), neg),
        };
        c.finalize(&v).map(Exact::from)
    }
}

impl Unary {
    /// The function's name and its argument's name, for errors.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Unary::Erf => ("erf", "x"),
            Unary::Erfc => ("erfc", "x"),
            Unary::Phi => ("phi", "z"),
            Unary::LogPhi => ("log_phi", "z"),
            Unary::TanhCdf => ("tanh_cdf", "z"),
            Unary::LogTanhCdf => ("log_tanh_cdf", "z"),
        }
    }

    /// The values at `+inf` and `-inf` (limits, exact).
    fn at_infinities(self) -> (f64, f64) {
        match self {
            Unary::Erf => (1.0, -1.0),
            Unary::Erfc => (0.0, 2.0),
            Unary::Phi | Unary::TanhCdf => (1.0, 0.0),
            Unary::LogPhi | Unary::LogTanhCdf => (0.0, f64::NEG_INFINITY),
        }
    }
}

/// Evaluates a one-argument function: NaN, the infinities and `erf(+-0) = +-0` exactly, every
/// other argument through Ziv's loop.
fn unary(f: Unary, x: f64) -> Result<Exact, Error> {
    let (inf, neg_inf) = f.at_infinities();
    match x {
        _ if x.is_nan() => Ok(Exact::of_f64(f64::NAN)),
        f64::INFINITY => Ok(Exact::of_f64(inf)),
        f64::NEG_INFINITY => Ok(Exact::of_f64(neg_inf)),
        _ if x == 0.0 && matches!(f, Unary::Erf) => Ok(Exact::of_f64(x)),
        _ => run(&UnaryTask { f, x }).map_err(|r| {
            let (what, arg) = f.names();
            domain_error(what, format!("{arg} = {x:?}"), r)
        }),
    }
}

/// The error function `erf(x)`.
pub fn erf(x: f64) -> Result<Exact, Error> {
    unary(Unary::Erf, x)
}

/// The complementary error function `erfc(x) = 1 - erf(x)` (never formed by subtraction for `x > 0`).
pub fn erfc(x: f64) -> Result<Exact, Error> {
    unary(Unary::Erfc, x)
}

/// The standard normal CDF `Phi(z)` (`Phi(0) = 1/2` exactly).
pub fn phi(z: f64) -> Result<Exact, Error> {
    unary(Unary::Phi, z)
}

/// `ln Phi(z)`, also far below the `f64` range of `Phi` (e.g. `z = -1e30`).
pub fn log_phi(z: f64) -> Result<Exact, Error> {
    unary(Unary::LogPhi, z)
}

/// `ln(1 - Phi(z)) = ln Phi(-z)` (the upper tail, never by subtraction).
pub fn log_one_minus_phi(z: f64) -> Result<Exact, Error> {
    log_phi(-z)
}

/// The tanh formula `1/(1 + exp(-2 sqrt(2/pi) (z + 0.044715 z^3)))` evaluated exactly.
pub fn tanh_cdf(z: f64) -> Result<Exact, Error> {
    unary(Unary::TanhCdf, z)
}

/// `ln` of [`tanh_cdf`], also far below the `f64` range of the CDF itself.
pub fn log_tanh_cdf(z: f64) -> Result<Exact, Error> {
    unary(Unary::LogTanhCdf, z)
}

/// The discretized Gaussian log-likelihood of one element (upstream `improved-diffusion`
/// semantics, exact real arithmetic; see the module docs for specials and the domain of
/// `log_scale`).
pub fn discretized_gaussian_log_likelihood(
    x: f64,
    mean: f64,
    log_scale: f64,
    variant: Variant,
) -> Result<LoglikExact, Error> {
    helpers::loglik(x, mean, log_scale, variant, None).map_err(|r| {
        domain_error(
            "discretized_gaussian_log_likelihood",
            format!("x = {x:?}, mean = {mean:?}, log_scale = {log_scale:?}, {variant:?}"),
            r,
        )
    })
}

/// The same with the branch forced (e.g. the one a lower precision's comparison selects), so the
/// value a fast implementation computes in its own branch can be judged; `branch` is reported.
pub fn log_likelihood_in_branch(
    x: f64,
    mean: f64,
    log_scale: f64,
    variant: Variant,
    branch: Branch,
) -> Result<LoglikExact, Error> {
    helpers::loglik(x, mean, log_scale, variant, Some(branch)).map_err(|r| {
        domain_error(
            "log_likelihood_in_branch",
            format!("x = {x:?}, mean = {mean:?}, log_scale = {log_scale:?}, {variant:?}, {branch:?}"),
            r,
        )
    })
}

/// `ln(Phi(b) - Phi(a))`: the log of the standard normal mass of the bin `[a, b]` (`a < b`, either end
/// may be infinite), without cancellation; the quantity the stable log-likelihood evaluates, so that
/// its evaluation can be judged apart from the rounding of its inputs.
pub fn log_gaussian_mass(a: f64, b: f64) -> Result<Exact, Error> {
    helpers::log_gaussian_mass(a, b)
        .map_err(|r| domain_error("log_gaussian_mass", format!("a = {a:?}, b = {b:?}"), r))
}

/// `0.5 (-1 + logvar2 - logvar1 + exp(logvar1 - logvar2) + (mean1 - mean2)^2 exp(-logvar2))`.
pub fn normal_kl(mean1: f64, logvar1: f64, mean2: f64, logvar2: f64) -> Result<Exact, Error> {
    helpers::normal_kl(mean1, logvar1, mean2, logvar2).map_err(|r| {
        domain_error(
            "normal_kl",
            format!("mean1 = {mean1:?}, logvar1 = {logvar1:?}, mean2 = {mean2:?}, logvar2 = {logvar2:?}"),
            r,
        )
    })
}

/// DiT's `continuous_gaussian_log_likelihood` of one element: `-((x - mean) e^-log_scale)^2 / 2 -
/// ln sqrt(2 pi)`, the standard normal log-density at the normalised value (no `-log_scale` term, as
/// upstream). Every `f64` input: NaN and infinities follow IEEE semantics through the formula's steps
/// (`0 * inf` is NaN), values beyond the `f64` range round to `-inf` with their true digits.
pub fn continuous_gaussian_log_likelihood(x: f64, mean: f64, log_scale: f64) -> Result<Exact, Error> {
    continuous::continuous(x, mean, log_scale).map_err(|r| {
        domain_error(
            "continuous_gaussian_log_likelihood",
            format!("x = {x:?}, mean = {mean:?}, log_scale = {log_scale:?}"),
            r,
        )
    })
}

/// The exact mean of a list (exact sum, one rounding); NaN for an empty list, IEEE semantics
/// for non-finite elements.
pub fn mean_flat_row(data: &[f64]) -> Result<Exact, Error> {
    helpers::mean_flat_row(data)
        .map_err(|r| domain_error("mean_flat_row", format!("a row of {} values", data.len()), r))
}

/// Every beta of improved-diffusion's `get_named_beta_schedule(schedule, steps)` with its constants read
/// as exact reals (true pi, decimal literals), correctly rounded (src/reference/schedule.rs).
pub fn beta_schedule(schedule: schedule::Schedule, steps: u64) -> Result<Vec<Exact>, Error> {
    schedule::betas(schedule, steps).map_err(|r| {
        domain_error("beta_schedule", format!("schedule = {}, steps = {steps}", schedule.name()), r)
    })
}

/// Each of `arrays` of improved-diffusion's `GaussianDiffusion(betas=get_named_beta_schedule(schedule,
/// steps))` for the exact schedule (constants as reals), every element correctly rounded
/// (src/reference/derived.rs). Refused for `T = 1` and linear `T <= 20` (no finite arrays upstream).
pub fn derived_arrays(
    schedule: schedule::Schedule,
    steps: u64,
    arrays: &[derived_array::DerivedArray],
) -> Result<Vec<Vec<Exact>>, Error> {
    derived::arrays(schedule, steps, arrays).map_err(|r| {
        domain_error("derived_arrays", format!("schedule = {}, steps = {steps}", schedule.name()), r)
    })
}

/// Element `t` of one derived array (as [`derived_arrays`]) as `extraction` gives it (the element, or
/// `f32(exact element)`), correctly rounded.
pub fn derived_value(
    schedule: schedule::Schedule,
    steps: u64,
    array: derived_array::DerivedArray,
    t: u64,
    extraction: Extraction,
) -> Result<Exact, Error> {
    derived::value(schedule, steps, array, t, extraction).map_err(|r| {
        domain_error(
            "derived_value",
            format!("schedule = {}, steps = {steps}, array = {}, t = {t}", schedule.name(), array.name()),
            r,
        )
    })
}

/// `ln(betas[t])` of the exact schedule (upstream's `np.log(self.betas)`, the learned-range variance's
/// upper end), correctly rounded; the same domain as [`derived_arrays`].
pub fn derived_log_beta(schedule: schedule::Schedule, steps: u64, t: u64) -> Result<Exact, Error> {
    derived::log_beta(schedule, steps, t).map_err(|r| {
        domain_error(
            "derived_log_beta",
            format!("schedule = {}, steps = {steps}, t = {t}", schedule.name()),
            r,
        )
    })
}

/// Checks the arguments of a per-timestep case: at least two steps (`GaussianDiffusion` reads
/// `posterior_variance[1]`), every `t` below the step count, `data` of equal length, finite values.
fn diffusion_args(what: &'static str, steps: u64, ts: &[u64], data: &[&[f64]]) -> Result<(), Error> {
    let problem = if steps < 2 {
        Some(format!("{steps} steps (GaussianDiffusion needs at least 2)"))
    } else if ts.is_empty() || ts.iter().any(|&t| t >= steps) {
        Some(format!("timesteps {ts:?} (each in 0..{steps}, at least one)"))
    } else if data.iter().any(|d| d.is_empty() || d.len() % ts.len() != 0 || d.len() != data[0].len()) {
        Some(format!(
            "tensors of {:?} values for {} timesteps",
            data.iter().map(|d| d.len()).collect::<Vec<_>>(),
            ts.len()
        ))
    } else if data.iter().any(|d| d.iter().any(|v| !v.is_finite())) {
        Some("a NaN or infinite tensor value".into())
    } else {
        None
    };
    match problem {
        Some(p) => Err(domain_error(what, p, "refused".into())),
        None => Ok(()),
    }
}

/// improved-diffusion's `q_posterior_mean_variance(x_start, x_t, t)` of `GaussianDiffusion(betas =
/// get_named_beta_schedule(schedule, steps))`, exactly on the coefficients as `extraction` gives them
/// (src/reference/posterior.rs): `x_start` and `x_t` are `[B, ...]` row-major with `B = ts.len()`.
pub fn q_posterior_mean_variance(
    schedule: schedule::Schedule,
    steps: u64,
    extraction: Extraction,
    ts: &[u64],
    x_start: &[f64],
    x_t: &[f64],
) -> Result<Posterior, Error> {
    diffusion_args("q_posterior_mean_variance", steps, ts, &[x_start, x_t])?;
    posterior::q_posterior(schedule, steps, extraction, ts, x_start, x_t).map_err(|r| {
        domain_error("q_posterior_mean_variance", format!("{} T = {steps}, t = {ts:?}", schedule.name()), r)
    })
}

/// The `log_variance` of `p_mean_variance` with `ModelVarType.LEARNED_RANGE`, exactly (coefficients as
/// `extraction` gives them):
/// `frac ln(beta_t) + (1 - frac) posterior_log_variance_clipped_t`, `frac = (v + 1) / 2`, per element of
/// the `[B, ...]` row-major `model_var_values` (`B = ts.len()`).
pub fn learned_range_log_variance(
    schedule: schedule::Schedule,
    steps: u64,
    extraction: Extraction,
    ts: &[u64],
    model_var_values: &[f64],
) -> Result<Vec<Exact>, Error> {
    diffusion_args("learned_range_log_variance", steps, ts, &[model_var_values])?;
    posterior::learned_range(schedule, steps, extraction, ts, model_var_values).map_err(|r| {
        domain_error("learned_range_log_variance", format!("{} T = {steps}, t = {ts:?}", schedule.name()), r)
    })
}

/// improved-diffusion's `_prior_bpd(x_start)` of `GaussianDiffusion(betas = get_named_beta_schedule(
/// schedule, steps))`, exactly (coefficients as `extraction` gives them): per row of the `[B, ...]` row-major `x_start`, the mean over the row of
/// `normal_kl(sqrt(abar) x, ln(1 - abar), 0, 0)` at `abar = alphas_cumprod[T - 1]`, divided by `ln 2`.
pub fn prior_bpd(
    schedule: schedule::Schedule,
    steps: u64,
    extraction: Extraction,
    x_start: &[f64],
    batch: usize,
) -> Result<Vec<Exact>, Error> {
    let ts = vec![steps.saturating_sub(1); batch];
    diffusion_args("prior_bpd", steps, &ts, &[x_start])?;
    posterior::prior(schedule, steps, extraction, x_start, batch)
        .map_err(|r| domain_error("prior_bpd", format!("{} T = {steps}", schedule.name()), r))
}

/// improved-diffusion's `_vb_terms_bpd(model, x_start, x_t, t, clip_denoised=False)["output"]` with the
/// model given as data (`START_X`, `LEARNED_RANGE`), exactly on the coefficients as `extraction` gives
/// them (src/reference/vlb.rs): per row of the `[B,
/// ...]` row-major tensors (`B = ts.len()`) the tanh decoder's NLL at `t = 0`, the KL of the posteriors
/// otherwise, in bits per dimension. `x_t` does not enter: the two posterior means share `coef2 x_t`.
/// Refused as the other per-timestep methods, and `model_var_values` outside `[-1, 1]`.
pub fn vb_terms_bpd(
    schedule: schedule::Schedule,
    steps: u64,
    extraction: Extraction,
    ts: &[u64],
    x_start: &[f64],
    pred_xstart: &[f64],
    model_var_values: &[f64],
) -> Result<Vec<Exact>, Error> {
    diffusion_args("vb_terms_bpd", steps, ts, &[x_start, pred_xstart, model_var_values])?;
    let inputs = || format!("{} T = {steps}, t = {ts:?}", schedule.name());
    if model_var_values.iter().any(|v| !(-1.0..=1.0).contains(v)) {
        return Err(domain_error("vb_terms_bpd", inputs(), "model_var_values outside [-1, 1]".into()));
    }
    vlb::vb_terms(schedule, steps, extraction, ts, x_start, pred_xstart, model_var_values)
        .map_err(|r| domain_error("vb_terms_bpd", inputs(), r))
}

/// The per-timestep values `[coef1, coef2, variance, log_variance_clipped, log_beta]` of
/// `GaussianDiffusion`'s arrays at `t` as extracted (exact, or `f32(exact element)`), correctly rounded
/// (the error model's magnitudes and float32 ambiguities).
pub fn posterior_step(
    schedule: schedule::Schedule,
    steps: u64,
    t: u64,
    extraction: Extraction,
) -> Result<[Exact; 5], Error> {
    diffusion_args("posterior_step", steps, &[t], &[&[0.0]])?;
    posterior::step_values(schedule, steps, t, extraction)
        .map_err(|r| domain_error("posterior_step", format!("{} T = {steps}, t = {t}", schedule.name()), r))
}

/// Runs `f` with every Ziv loop on this thread in arbitrary precision only, starting at `bits`
/// (without the 192-bit first pass; by default the arbitrary-precision retries start at 192 bits):
/// a low start exercises the retry path, and any start must give the same results as the default.
pub fn with_start_precision<T>(bits: usize, f: impl FnOnce() -> T) -> T {
    ziv::with_start_precision(bits, f)
}

/// Number of results certified by the 192-bit first pass on this thread so far (the rest went
/// to arbitrary precision).
pub fn fast_pass_count() -> u64 {
    ziv::fast_hits()
}

/// Number of Ziv precision raises performed on this thread so far.
pub fn retry_count() -> u64 {
    ziv::retries()
}

/// improved-diffusion's variational bound in bits/dim (`calc_bpd_loop`: every `_vb_terms_bpd` term,
/// `_prior_bpd` and their sum per image) for model outputs given as data, exactly
/// (src/reference/vlb.rs). Refused: fewer than 2 steps, sizes that do not match, values that are not
/// finite or `model_var_values` outside `[-1, 1]`.
pub fn variational_bound(batch: &VlbBatch<'_>) -> Result<VlbExact, Error> {
    let n = batch.channels.checked_mul(batch.pixels).unwrap_or(0);
    let images = batch.x_start.len().checked_div(n).unwrap_or(0);
    let steps = usize::try_from(batch.steps).unwrap_or(usize::MAX);
    let problem = if images == 0 || images * n != batch.x_start.len() {
        Some(format!("x_start of {} values for {n} per image", batch.x_start.len()))
    } else if Some(batch.pred_xstart.len()) != steps.checked_mul(batch.x_start.len()) {
        Some(format!("pred_xstart of {} values for {steps} steps", batch.pred_xstart.len()))
    } else if Some(batch.model_var_values.len()) != steps.checked_mul(images * batch.channels) {
        Some(format!("model_var_values of {} values", batch.model_var_values.len()))
    } else if [batch.x_start, batch.pred_xstart].iter().any(|d| d.iter().any(|v| !v.is_finite()))
        || batch.model_var_values.iter().any(|v| !(-1.0..=1.0).contains(v))
    {
        Some("a value that is not finite, or model_var_values outside [-1, 1]".into())
    } else {
        None
    };
    let inputs = || format!("{} T = {}, {images} images", batch.schedule.name(), batch.steps);
    if let Some(p) = problem {
        return Err(domain_error("variational_bound", inputs(), p));
    }
    vlb::exact(batch).map_err(|r| domain_error("variational_bound", inputs(), r))
}
