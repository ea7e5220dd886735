//! improved-diffusion's `get_named_beta_schedule` (openai/improved-diffusion
//! `improved_diffusion/gaussian_diffusion.py` at 6051920c0865d53146db7841bfba43c3e67edef6), step by
//! step, generic over the working precision: upstream runs it in float64 (NumPy's `linspace`, Python
//! floats and `math.cos`); float32 is what a port that builds the schedule in float32 computes.

use crate::Real;

/// A named schedule of `get_named_beta_schedule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// `np.linspace(scale * 0.0001, scale * 0.02, T)`, `scale = 1000 / T`.
    Linear,
    /// `betas_for_alpha_bar(T, lambda t: cos((t + 0.008) / 1.008 * pi / 2) ** 2)`, `max_beta = 0.999`.
    Cosine,
}

impl Schedule {
    /// Both schedules, in the order golden files list them.
    pub const ALL: [Schedule; 2] = [Schedule::Linear, Schedule::Cosine];

    /// The `schedule_name` upstream takes.
    pub fn name(self) -> &'static str {
        match self {
            Schedule::Linear => "linear",
            Schedule::Cosine => "cosine",
        }
    }

    /// Looks a schedule up by its upstream name.
    pub fn from_name(name: &str) -> Option<Schedule> {
        Schedule::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A precision with the cosine the schedule and the square root the derived arrays need (the `libm`
/// crate's, like every function of [`Real`]; kept apart from `Real` so that the exhaustive scan's
/// fingerprinted sources stay as they are) and its rounding of `math.pi`.
pub trait Trig: Real {
    /// `cos(self)`.
    fn cos(self) -> Self;
    /// `sqrt(self)`, correctly rounded (IEEE 754), as `np.sqrt` and `torch.sqrt`.
    fn sqrt(self) -> Self;
    /// `math.pi` rounded to this precision.
    const PI: Self;
}

impl Trig for f64 {
    fn cos(self) -> f64 {
        libm::cos(self)
    }
    fn sqrt(self) -> f64 {
        libm::sqrt(self)
    }
    const PI: f64 = std::f64::consts::PI;
}

impl Trig for f32 {
    fn cos(self) -> f32 {
        libm::cosf(self)
    }
    fn sqrt(self) -> f32 {
        libm::sqrtf(self)
    }
    const PI: f32 = std::f32::consts::PI;
}

/// How a schedule is built; [`Recipe::UPSTREAM`] is upstream, the other settings are port bugs the
/// mutants in `verify::mutants` apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipe {
    /// Indices shifted by this many steps (a port's off-by-one: `t = (i + 1) / T` for `i / T`).
    pub shift: u64,
    /// Whether the cosine betas are clipped at `max_beta = 0.999`.
    pub max_beta: bool,
}

impl Recipe {
    /// Upstream's schedule.
    pub const UPSTREAM: Recipe = Recipe { shift: 0, max_beta: true };
}

/// NumPy's `linspace(start, stop, n)`: `i * step + start` with `step = (stop - start) / (n - 1)`, the
/// last element set to `stop`; `[start]` for `n = 1`.
fn linspace<T: Real>(start: T, stop: T, n: u64, shift: u64) -> Vec<T> {
    if n == 1 {
        return vec![start];
    }
    let step = (stop - start) / T::cast((n - 1) as f64);
    (shift..n + shift).map(|i| if i == n - 1 { stop } else { T::cast(i as f64) * step + start }).collect()
}

/// `abar(t) = cos((t + 0.008) / 1.008 * pi / 2) ** 2`, in upstream's order of operations.
fn alpha_bar<T: Trig>(t: T) -> T {
    let c = ((t + T::cast(0.008)) / T::cast(1.008) * T::PI / T::cast(2.0)).cos();
    c * c
}

/// `get_named_beta_schedule(schedule, steps)` in precision `T` as `recipe` builds it.
pub fn beta_schedule_with<T: Trig>(schedule: Schedule, steps: u64, recipe: Recipe) -> Vec<T> {
    let n = T::cast(steps as f64);
    match schedule {
        Schedule::Linear => {
            let scale = T::cast(1000.0) / n;
            linspace(scale * T::cast(0.0001), scale * T::cast(0.02), steps, recipe.shift)
        }
        Schedule::Cosine => (recipe.shift..steps + recipe.shift)
            .map(|i| {
                let (t1, t2) = (T::cast(i as f64) / n, T::cast((i + 1) as f64) / n);
                let beta = T::one() - alpha_bar(t2) / alpha_bar(t1);
                // Python's min(beta, max_beta): beta itself unless max_beta is smaller.
                if recipe.max_beta && T::cast(0.999) < beta {
                    T::cast(0.999)
                } else {
                    beta
                }
            })
            .collect(),
    }
}

/// `get_named_beta_schedule(schedule, steps)` as upstream computes it in precision `T`.
pub fn beta_schedule<T: Trig>(schedule: Schedule, steps: u64) -> Vec<T> {
    beta_schedule_with(schedule, steps, Recipe::UPSTREAM)
}
