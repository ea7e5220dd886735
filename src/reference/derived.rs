//! The exact derived arrays of improved-diffusion's `GaussianDiffusion.__init__` for the exact schedules of
//! `schedule.rs` (constants read as reals; docs/golden-format.md, "Derived arrays"), as balls that further
//! exact computations compose with ([`Diffusion::step`]) and correctly rounded by Ziv's loop
//! ([`arrays`], [`value`]).
//!
//! Every quantity is formed without cancellation, so a modest precision certifies it:
//!
//! * `cosine`: with `x_k = (T - k) 125 / (126 T) pi / 2` and `s_k = sin x_k` (so that `abar(k / T) = s_k^2`),
//!   `alphas_cumprod[t] = (s_(t+1) / s_0)^2` and `1 - alphas_cumprod[t] = sin(x_0 - x_(t+1)) sin(x_0 +
//!   x_(t+1)) / s_0^2` (`sin^2 a - sin^2 b = sin(a - b) sin(a + b)`), `beta_t = sin(x_t - x_(t+1)) sin(x_t +
//!   x_(t+1)) / s_t^2`: every angle is an exact rational times `pi / 2`. Only the last beta is clipped at
//!   0.999: for `t <= T - 2`, `s_(t+1) / s_t = sin y / sin(y + d) >= sin d / sin 2d >= 1/2` (`y >= d`, `d = x_t
//!   - x_(t+1)`), so `beta_t <= 3/4`; at `t = T - 1`, `abar(1) = 0` and `beta = 0.999`, `alpha = 1/1000`.
//! * `linear`: the betas are rationals; `alphas_cumprod` is their running product and `1 -
//!   alphas_cumprod[t] = (1 - alphas_cumprod[t-1]) + alphas_cumprod[t-1] beta_t`, a sum of positive terms.
//!
//! Exact values stay exact: `alphas_cumprod_prev[0] = 1`, `1 - alphas_cumprod_prev[0] = 0`,
//! `alphas_cumprod_next[T-1] = 0`, hence `posterior_variance[0] = posterior_mean_coef2[0] = 0`, and
//! `posterior_mean_coef1[0] = beta_0 / (1 - alphas_cumprod[0]) = 1`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::arith::{Arith, Num, Val};
use super::dyadic::f;
use super::mp::{round_ball_f32, Ball, Ctx};
use super::schedule::sin;
use super::types::{Exact, Extraction};
use super::ziv::arbitrary_precision;
use crate::upstream::derived::DerivedArray;
use crate::upstream::schedule::Schedule;

/// The exact quantities of one timestep `t` at one precision (balls), from which each derived array's
/// element at `t` is formed ([`Step::element`]) and which further exact computations compose with.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    /// The timestep.
    pub t: u64,
    /// `betas[t]`.
    pub beta: Ball,
    /// `alphas[t] = 1 - betas[t]`.
    pub alpha: Ball,
    /// `alphas_cumprod[t]`.
    pub abar: Ball,
    /// `1 - alphas_cumprod[t]`, formed without cancellation.
    pub one_minus_abar: Ball,
    /// `alphas_cumprod_prev[t]` (exactly 1 at `t = 0`).
    pub abar_prev: Ball,
    /// `1 - alphas_cumprod_prev[t]` (exactly 0 at `t = 0`).
    pub one_minus_abar_prev: Ball,
    /// `alphas_cumprod_next[t]` (exactly 0 at `t = T - 1`).
    pub abar_next: Ball,
    /// `posterior_variance[max(t, 1)]`, whose log is `posterior_log_variance_clipped[t]`.
    pub variance_clipped: Ball,
}

impl Step {
    /// `array[t]` as a ball.
    pub fn element(&self, c: &Ctx, array: DerivedArray) -> Ball {
        let one = Ball::int(1);
        match array {
            DerivedArray::AlphasCumprod => self.abar.clone(),
            DerivedArray::AlphasCumprodPrev => self.abar_prev.clone(),
            DerivedArray::AlphasCumprodNext => self.abar_next.clone(),
            DerivedArray::SqrtAlphasCumprod => c.sqrt(&self.abar),
            DerivedArray::SqrtOneMinusAlphasCumprod => c.sqrt(&self.one_minus_abar),
            DerivedArray::LogOneMinusAlphasCumprod => {
                // ln(1 - a) as ln_1p(-a) while a < 1/2: no cancellation either way.
                if self.abar.approx() < 0.5 {
                    c.ln_1p(&self.abar.neg())
                } else {
                    c.ln(&self.one_minus_abar)
                }
            }
            DerivedArray::SqrtRecipAlphasCumprod => c.div(&one, &c.sqrt(&self.abar)),
            DerivedArray::SqrtRecipm1AlphasCumprod => c.sqrt(&c.div(&self.one_minus_abar, &self.abar)),
            DerivedArray::PosteriorVariance => {
                c.div(&c.mul(&self.beta, &self.one_minus_abar_prev), &self.one_minus_abar)
            }
            DerivedArray::PosteriorLogVarianceClipped => c.ln(&self.variance_clipped),
            // beta_0 / (1 - alphas_cumprod[0]) = beta_0 / beta_0 exactly.
            DerivedArray::PosteriorMeanCoef1 if self.t == 0 => one,
            DerivedArray::PosteriorMeanCoef1 => {
                c.div(&c.mul(&self.beta, &c.sqrt(&self.abar_prev)), &self.one_minus_abar)
            }
            DerivedArray::PosteriorMeanCoef2 => {
                c.div(&c.mul(&self.one_minus_abar_prev, &c.sqrt(&self.alpha)), &self.one_minus_abar)
            }
        }
    }

    /// `ln(betas[t])`, the upper end of the learned-range log-variance (`np.log(self.betas)`).
    pub fn log_beta(&self, c: &Ctx) -> Ball {
        c.ln(&self.beta)
    }

    /// `array[t]` as the formulas receive it (`how`): the element, or its float32 rounding as an exact
    /// ball; `None` while the element's ball straddles a float32 rounding boundary (Ziv's loop retries).
    pub fn extracted(&self, c: &Ctx, array: DerivedArray, how: Extraction) -> Option<Ball> {
        extract(self.element(c, array), how)
    }

    /// `ln(betas[t])` as the formulas receive it (`np.log(self.betas)` extracted, `how`).
    pub fn extracted_log_beta(&self, c: &Ctx, how: Extraction) -> Option<Ball> {
        extract(self.log_beta(c), how)
    }
}

/// A ball as extracted: itself, or its certified float32 rounding (exact: a float32 is a dyadic).
fn extract(b: Ball, how: Extraction) -> Option<Ball> {
    match how {
        Extraction::Exact => Some(b),
        Extraction::Float32 => round_ball_f32(&b).map(|v| Ball::exact(f(f64::from(v)))),
    }
}

/// `GaussianDiffusion(betas=get_named_beta_schedule(schedule, steps))` in exact arithmetic: a schedule
/// and step count that upstream accepts and whose arrays are finite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Diffusion {
    schedule: Schedule,
    steps: u64,
}

impl Diffusion {
    /// The exact diffusion, or why it has no finite arrays: `T = 1` raises an `IndexError` upstream
    /// (`posterior_variance[1]`), linear `T < 20` has betas above 1 (upstream's assert) and linear
    /// `T = 20` a last beta of exactly 1, so `alphas_cumprod` ends in 0 and `1 / alphas_cumprod` is infinite.
    pub fn new(schedule: Schedule, steps: u64) -> Result<Diffusion, String> {
        let least = match schedule {
            Schedule::Linear => 21,
            Schedule::Cosine => 2,
        };
        if steps < least {
            return Err(format!(
                "the {} schedule needs at least {least} steps for finite derived arrays \
                 (T = 1: IndexError; linear T < 20: betas above 1; linear T = 20: alphas_cumprod reaches 0)",
                schedule.name()
            ));
        }
        if steps > 1 << 20 {
            return Err(format!("{steps} steps: more than 2^20 are not supported"));
        }
        Ok(Diffusion { schedule, steps })
    }

    /// The exact quantities of timestep `t < T` at the precision of `c` (linear: `O(t)` products; cosine:
    /// a few sines).
    pub fn step(&self, c: &Ctx, t: u64) -> Step {
        self.source(c, (t + 2).max(2)).step(c, t)
    }

    /// Every timestep's quantities at the precision of `c`, in one `O(T)` pass.
    pub fn all_steps(&self, c: &Ctx) -> Vec<Step> {
        let source = self.source(c, self.steps);
        (0..self.steps).map(|t| source.step(c, t)).collect()
    }

    /// What timesteps `t < upto - 1` need (linear: the running products up to index `upto - 1`; `step` at
    /// `t` also reads index `t + 1`, and index 1 at `t = 0`).
    fn source(&self, c: &Ctx, upto: u64) -> Source {
        let steps = self.steps;
        match self.schedule {
            Schedule::Cosine => Source::Cosine { steps, sines: RefCell::new(HashMap::new()) },
            Schedule::Linear => {
                let den = (10 * steps * (steps - 1)) as i64;
                let (mut abar, mut one_minus) = (Ball::int(1), Ball::int(0));
                let (mut betas, mut cumulative) = (Vec::new(), Vec::new());
                for i in 0..upto.min(steps) {
                    // beta_i = (T - 1 + 199 i) / (10 T (T - 1)), alpha_i = 1 - beta_i: exact rationals.
                    let num = (steps - 1 + 199 * i) as i64;
                    let (beta, alpha) = (
                        c.div(&Ball::int(num), &Ball::int(den)),
                        c.div(&Ball::int(den - num), &Ball::int(den)),
                    );
                    one_minus = c.add(&one_minus, &c.mul(&abar, &beta));
                    abar = c.mul(&abar, &alpha);
                    betas.push((beta, alpha));
                    cumulative.push((abar.clone(), one_minus.clone()));
                }
                Source::Linear { steps, betas, cumulative }
            }
        }
    }
}

/// Where a timestep's quantities come from: the linear schedule's running products, or the cosine
/// schedule's closed forms (its sines memoised by angle).
enum Source {
    Linear { steps: u64, betas: Vec<(Ball, Ball)>, cumulative: Vec<(Ball, Ball)> },
    Cosine { steps: u64, sines: RefCell<HashMap<u64, Ball>> },
}

impl Source {
    fn steps(&self) -> u64 {
        match self {
            Source::Linear { steps, .. } | Source::Cosine { steps, .. } => *steps,
        }
    }

    /// `sin(n / (126 T) pi / 2)` for `0 <= n <= 2 (126 T)`, reduced to an angle in `[0, pi / 2]`.
    fn sin_half_pi(c: &Ctx, sines: &RefCell<HashMap<u64, Ball>>, steps: u64, n: u64) -> Ball {
        let den = 126 * steps;
        let n = if n > den { 2 * den - n } else { n };
        if let Some(s) = sines.borrow().get(&n) {
            return s.clone();
        }
        let angle = c.mul(&c.div(&Ball::int(n as i64), &Ball::int(den as i64)), &c.pi()).scale2(-1);
        let s = sin(c, &angle);
        sines.borrow_mut().insert(n, s.clone());
        s
    }

    /// `(beta_k, 1 - beta_k)`.
    fn beta(&self, c: &Ctx, k: u64) -> (Ball, Ball) {
        match self {
            Source::Linear { betas, .. } => betas[k as usize].clone(),
            Source::Cosine { steps, sines } => {
                let steps = *steps;
                if k + 1 == steps {
                    return (
                        c.div(&Ball::int(999), &Ball::int(1000)),
                        c.div(&Ball::int(1), &Ball::int(1000)),
                    );
                }
                // x_k = 125 (T - k) / (126 T) pi / 2: x_k - x_(k+1) = 125 / (126 T) pi / 2.
                let s = |n: u64| Source::sin_half_pi(c, sines, steps, n);
                let (sk, sk1) = (s(125 * (steps - k)), s(125 * (steps - k - 1)));
                let s2 = c.sqr(&sk);
                let beta = c.div(&c.mul(&s(125), &s(125 * (2 * steps - 2 * k - 1))), &s2);
                (beta, c.sqr(&c.div(&sk1, &sk)))
            }
        }
    }

    /// `(alphas_cumprod[k], 1 - alphas_cumprod[k])` for `-1 <= k <= T - 1` (exactly `(1, 0)` at -1).
    fn cumulative(&self, c: &Ctx, k: i64) -> (Ball, Ball) {
        if k < 0 {
            return (Ball::int(1), Ball::int(0));
        }
        let k = k as u64;
        match self {
            Source::Linear { cumulative, .. } => cumulative[k as usize].clone(),
            Source::Cosine { steps, sines } => {
                let steps = *steps;
                let s = |n: u64| Source::sin_half_pi(c, sines, steps, n);
                if k + 1 == steps {
                    // The clipped last step: alpha = 1/1000, and 1 - abar of a small abar does not cancel.
                    let (before, _) = self.cumulative(c, k as i64 - 1);
                    let abar = c.div(&before, &Ball::int(1000));
                    return (abar.clone(), c.sub(&Ball::int(1), &abar));
                }
                let s0 = c.sqr(&s(125 * steps));
                let abar = c.sqr(&c.div(&s(125 * (steps - k - 1)), &s(125 * steps)));
                // sin^2 x_0 - sin^2 x_(k+1) = sin(x_0 - x_(k+1)) sin(x_0 + x_(k+1)).
                let diff = c.mul(&s(125 * (k + 1)), &s(125 * (2 * steps - k - 1)));
                (abar, c.div(&diff, &s0))
            }
        }
    }

    /// Every quantity of timestep `t`.
    fn step(&self, c: &Ctx, t: u64) -> Step {
        let steps = self.steps();
        let (beta, alpha) = self.beta(c, t);
        let (abar, one_minus_abar) = self.cumulative(c, t as i64);
        let (abar_prev, one_minus_abar_prev) = self.cumulative(c, t as i64 - 1);
        let abar_next = if t + 1 == steps { Ball::int(0) } else { self.cumulative(c, t as i64 + 1).0 };
        // posterior_variance[k] = beta_k (1 - alphas_cumprod[k-1]) / (1 - alphas_cumprod[k]), k = max(t, 1).
        let variance_clipped = if t == 0 {
            let (b1, _) = self.beta(c, 1);
            let (_, om1) = self.cumulative(c, 1);
            c.div(&c.mul(&b1, &one_minus_abar), &om1)
        } else {
            c.div(&c.mul(&beta, &one_minus_abar_prev), &one_minus_abar)
        };
        Step {
            t,
            beta,
            alpha,
            abar,
            one_minus_abar,
            abar_prev,
            one_minus_abar_prev,
            abar_next,
            variance_clipped,
        }
    }
}

/// Certified `(f64, digits)` of a ball (an exact zero is 0), or `None` to retry at a higher precision.
pub(super) fn round(c: &Ctx, b: &Ball) -> Option<Exact> {
    if b.is_zero() && b.is_exact() {
        return Some(Exact::of_f64(0.0));
    }
    c.finalize(&Val::Lin(b.clone())).map(Exact::from)
}

/// `make(t)` for each of `ts`, each distinct timestep formed once and shared (batches repeat timesteps).
pub(super) fn per_timestep<K>(ts: &[u64], mut make: impl FnMut(u64) -> Option<K>) -> Option<Vec<Rc<K>>> {
    let mut done: Vec<(u64, Rc<K>)> = Vec::new();
    ts.iter()
        .map(|&t| match done.iter().find(|(u, _)| *u == t) {
            Some((_, k)) => Some(k.clone()),
            None => {
                let k = Rc::new(make(t)?);
                done.push((t, k.clone()));
                Some(k)
            }
        })
        .collect()
}

/// `array[t]` as extracted (`how`: the element, or its float32 rounding), correctly rounded, by Ziv's loop.
pub(crate) fn value(
    schedule: Schedule,
    steps: u64,
    array: DerivedArray,
    t: u64,
    how: Extraction,
) -> Result<Exact, String> {
    let d = Diffusion::new(schedule, steps)?;
    if t >= steps {
        return Err(format!("timestep {t} is not below T = {steps}"));
    }
    arbitrary_precision(|c| round(c, &d.step(c, t).extracted(c, array, how)?))
}

/// `ln(betas[t])` (upstream's `np.log(self.betas)`, the learned-range variance's upper end), correctly
/// rounded, by Ziv's loop.
pub(crate) fn log_beta(schedule: Schedule, steps: u64, t: u64) -> Result<Exact, String> {
    let d = Diffusion::new(schedule, steps)?;
    if t >= steps {
        return Err(format!("timestep {t} is not below T = {steps}"));
    }
    arbitrary_precision(|c| round(c, &d.step(c, t).log_beta(c)))
}

/// Each of `arrays`, every element correctly rounded: one pass at the starting precision, then Ziv's loop
/// element by element for what it could not certify.
pub(crate) fn arrays(
    schedule: Schedule,
    steps: u64,
    arrays: &[DerivedArray],
) -> Result<Vec<Vec<Exact>>, String> {
    let d = Diffusion::new(schedule, steps)?;
    let first = arbitrary_precision(|c| {
        let all = d.all_steps(c);
        Some(
            arrays
                .iter()
                .map(|&a| all.iter().map(|s| round(c, &s.element(c, a))).collect::<Vec<_>>())
                .collect::<Vec<_>>(),
        )
    })?;
    first
        .into_iter()
        .zip(arrays)
        .map(|(column, &a)| {
            (0..steps)
                .zip(column)
                .map(|(t, got)| got.map_or_else(|| value(schedule, steps, a, t, Extraction::Exact), Ok))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `python3 tools/derived_arrays_mpmath.py` (mpmath 1.3.0 at 80 digits, outside this crate): the exact
    /// schedule (true pi, decimal constants), `alphas_cumprod` as the running product of `1 - beta`, the
    /// arrays by upstream's formulas.
    const MPMATH: [(Schedule, u64, &str, u64, &str); 16] = [
        (Schedule::Cosine, 1000, "alphas_cumprod", 999, "2.428766907034468355989156484173712659828e-9"),
        (
            Schedule::Cosine,
            1000,
            "log_one_minus_alphas_cumprod",
            999,
            "-2.428766909983922705117736823320974024696e-9",
        ),
        (
            Schedule::Cosine,
            1000,
            "log_one_minus_alphas_cumprod",
            998,
            "-2.428769856493588408980963410068271423793e-6",
        ),
        (
            Schedule::Cosine,
            1000,
            "sqrt_recipm1_alphas_cumprod",
            0,
            "6.425412771127170756103349955359131792653e-3",
        ),
        (
            Schedule::Cosine,
            1000,
            "posterior_log_variance_clipped",
            0,
            "-1.073408253246636924390777571164923259836e1",
        ),
        (Schedule::Cosine, 1000, "posterior_mean_coef1", 1, "5.277814093362119487416617185145177958705e-1"),
        (Schedule::Cosine, 1000, "posterior_mean_coef2", 500, "9.953562794552249612276454279204090069067e-1"),
        (Schedule::Cosine, 1000, "alphas_cumprod_next", 998, "2.428766907034468355989156484173712659828e-9"),
        (Schedule::Cosine, 2, "posterior_variance", 1, "5.059000886659939758309430229827559124876e-1"),
        (
            Schedule::Cosine,
            50,
            "sqrt_one_minus_alphas_cumprod",
            0,
            "4.180327180814256781524024378608026755822e-2",
        ),
        (Schedule::Linear, 1000, "alphas_cumprod", 999, "4.035829765375683314817635161554144039077e-5"),
        (Schedule::Linear, 1000, "posterior_mean_coef2", 1, "4.547084989905646721127934020190122786576e-1"),
        (
            Schedule::Linear,
            1000,
            "sqrt_recip_alphas_cumprod",
            999,
            "1.574104572515004802072751116124563628068e2",
        ),
        (
            Schedule::Linear,
            21,
            "log_one_minus_alphas_cumprod",
            20,
            "-8.016231497270377082940511548372675572586e-9",
        ),
        (Schedule::Linear, 21, "posterior_mean_coef1", 20, "3.907558388476493035345526746951433165350e-4"),
        (Schedule::Linear, 50, "alphas_cumprod_prev", 1, "9.980000000000000000000000000000000000000e-1"),
    ];

    #[test]
    fn matches_mpmath_to_40_digits() {
        for (schedule, steps, name, t, digits) in MPMATH {
            let array = DerivedArray::from_name(name).unwrap();
            let got = value(schedule, steps, array, t, Extraction::Exact).unwrap();
            assert_eq!(got.digits, digits, "{schedule:?} T = {steps} {} [{t}]", array.name());
            assert_eq!(got.value, digits.parse::<f64>().unwrap());
        }
    }

    /// `Extraction::Float32` is the float32 rounding of the element (mpmath's 40 digits, parsed to f32).
    #[test]
    fn float32_extraction_rounds_the_exact_element() {
        for (schedule, steps, name, t, digits) in MPMATH {
            let array = DerivedArray::from_name(name).unwrap();
            let got = value(schedule, steps, array, t, Extraction::Float32).unwrap();
            assert_eq!(got.value, f64::from(digits.parse::<f32>().unwrap()), "{name} [{t}]");
        }
    }

    #[test]
    fn one_pass_over_all_steps_agrees_with_each_step_alone() {
        for (schedule, steps) in [(Schedule::Cosine, 7u64), (Schedule::Linear, 23)] {
            let all = arrays(schedule, steps, &DerivedArray::ALL).unwrap();
            for (column, a) in all.iter().zip(DerivedArray::ALL) {
                for t in [0, 1, steps / 2, steps - 2, steps - 1] {
                    assert_eq!(
                        column[t as usize],
                        value(schedule, steps, a, t, Extraction::Exact).unwrap(),
                        "{} [{t}]",
                        a.name()
                    );
                }
            }
        }
    }

    #[test]
    fn exact_values_stay_exact() {
        let cols = arrays(Schedule::Cosine, 50, &DerivedArray::ALL).unwrap();
        let get = |a: DerivedArray, t: usize| {
            cols[DerivedArray::ALL.iter().position(|&x| x == a).unwrap()][t].clone()
        };
        assert_eq!(
            get(DerivedArray::AlphasCumprodPrev, 0).digits,
            "1.000000000000000000000000000000000000000e0"
        );
        assert_eq!(get(DerivedArray::AlphasCumprodNext, 49).digits, "0");
        assert_eq!(get(DerivedArray::PosteriorVariance, 0).digits, "0");
        assert_eq!(get(DerivedArray::PosteriorMeanCoef2, 0).digits, "0");
        assert_eq!(get(DerivedArray::PosteriorMeanCoef1, 0).value, 1.0);
        assert_eq!(
            get(DerivedArray::PosteriorLogVarianceClipped, 0),
            get(DerivedArray::PosteriorLogVarianceClipped, 1)
        );
        // alphas_cumprod_prev and _next are alphas_cumprod shifted.
        assert_eq!(get(DerivedArray::AlphasCumprodPrev, 10), get(DerivedArray::AlphasCumprod, 9));
        assert_eq!(get(DerivedArray::AlphasCumprodNext, 10), get(DerivedArray::AlphasCumprod, 11));
    }

    #[test]
    fn refuses_what_has_no_finite_arrays() {
        assert!(Diffusion::new(Schedule::Cosine, 1).is_err());
        assert!(Diffusion::new(Schedule::Linear, 20).is_err());
        assert!(Diffusion::new(Schedule::Linear, 21).is_ok());
        assert!(value(Schedule::Cosine, 10, DerivedArray::AlphasCumprod, 10, Extraction::Exact).is_err());
    }

    #[test]
    fn log_beta_of_the_clipped_last_step_is_ln_0_999() {
        // ln(0.999) = -1.000500333583533500142982254068344960755e-3 (mpmath at 60 digits).
        let got = log_beta(Schedule::Cosine, 10, 9).unwrap();
        assert_eq!(got.digits, "-1.000500333583533500142982254068344960755e-3");
    }
}
