//! Cases of the per-timestep methods of `GaussianDiffusion` (`q_posterior_mean_variance`, the
//! learned-range log-variance): small seeded `[B, C, H, W]` batches whose `B = 4` timesteps cover 0, 1,
//! `T - 1` and a random step (or four random steps), for both schedules at the grid's step counts, the
//! smallest valid diffusion (cosine `T = 2`) and seeded step counts. `x_start` lies on the pixel grid
//! `k / 127.5 - 1` as real data does (rounded to f32), `x_t` is drawn as `q_sample` draws it, and the
//! learned range's `model_var_values` are uniform in [-1, 1] with the ends and 0 included.
//!
//! Not cases: `T = 1` (`GaussianDiffusion.__init__` reads `posterior_variance[1]` and raises) and the
//! linear schedule below 21 steps (betas of 1 or above: the assert fails below 20, and at 20 the last
//! beta is 1, so `alphas_cumprod` ends in 0 and `log(1 - alphas_cumprod)` is 0).

use super::{case, regression, uniform, CaseSpec, DiffusionCall, Inputs};
use crate::golden::recipe::unit_f32;
use crate::upstream::schedule::{beta_schedule, Schedule};
use crate::Function;

/// The batch layout of every case: 4 timesteps, 3 channels, 5 x 5 pixels (300 elements).
pub(super) const SHAPE: [usize; 4] = [4, 3, 5, 5];

/// Counter ranges of the case with catalog index `k` (the case's uniform draws; `normal` reads counters
/// `2i` and `2i + 1`, which may fall in other cases' ranges: still deterministic).
pub(super) fn base(function: Function, k: u64) -> u64 {
    let salt = match function {
        Function::LearnedRangeLogVariance => 1 << 40,
        Function::PriorBpd => 2 << 40,
        Function::VbTermsBpd => 3 << 40,
        _ => 0,
    };
    salt + (k + 1) * (1 << 20)
}

/// `x_start` on the pixel grid `k / 127.5 - 1`, `k` uniform in 0..=255, rounded to f32.
pub(super) fn pixels(seed: u64, from: u64, n: usize) -> Vec<f32> {
    (0..n as u64)
        .map(|i| {
            let k = (f64::from(unit_f32(seed, from + i)) * 256.0).floor();
            (k / 127.5 - 1.0) as f32
        })
        .collect()
}

/// A standard normal draw (Box-Muller on two counters).
pub(super) fn normal(seed: u64, i: u64) -> f64 {
    let u1 = 1.0 - f64::from(unit_f32(seed, 2 * i));
    let u2 = f64::from(unit_f32(seed, 2 * i + 1));
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// `x_t` as `q_sample` draws it: `sqrt(abar_t) x_start + sqrt(1 - abar_t) noise`, rounded to f32 (abar
/// from upstream's float64 schedule: only the inputs' realism depends on it).
pub(super) fn noised(
    schedule: Schedule,
    steps: u32,
    t: &[u32],
    x_start: &[f32],
    seed: u64,
    from: u64,
) -> Vec<f32> {
    let betas = beta_schedule::<f64>(schedule, steps.into());
    let abar: Vec<f64> = betas.iter().scan(1.0, |a, b| Some(*a * (1.0 - b)).inspect(|v| *a = *v)).collect();
    let row = x_start.len() / t.len();
    x_start
        .iter()
        .enumerate()
        .map(|(k, &x)| {
            let a = abar[t[k / row] as usize];
            (a.sqrt() * f64::from(x) + (1.0 - a).sqrt() * normal(seed, from + k as u64)) as f32
        })
        .collect()
}

/// `model_var_values` uniform in [-1, 1] (f32), with -1, 1 and 0 as the first three.
pub(super) fn var_values(seed: u64, from: u64, n: usize) -> Vec<f32> {
    (0..n as u64)
        .map(|i| match i {
            0 => -1.0,
            1 => 1.0,
            2 => 0.0,
            _ => 2.0 * unit_f32(seed, from + i) - 1.0,
        })
        .collect()
}

fn call(function: Function, schedule: Schedule, steps: u32, t: Vec<u32>, seed: u64, k: u64) -> Inputs {
    let n: usize = SHAPE.iter().product();
    let from = base(function, k);
    let tensors = match function {
        Function::QPosteriorMeanVariance => {
            let x_start = pixels(seed, from, n);
            let x_t = noised(schedule, steps, &t, &x_start, seed, from + n as u64);
            vec![x_start, x_t]
        }
        Function::PriorBpd => vec![pixels(seed, from, n)],
        _ => vec![var_values(seed, from, n)],
    };
    Inputs::Diffusion(DiffusionCall { function, schedule, steps, t, shape: SHAPE.to_vec(), tensors })
}

/// A step uniform in `lo..hi` from counter `i`.
pub(super) fn step_in(seed: u64, i: u64, lo: u32, hi: u32) -> u32 {
    (uniform(seed, i, f64::from(lo), f64::from(hi)) as u32).min(hi - 1)
}

/// The prior's catalog: its timestep is `T - 1` for every batch element (set by `_prior_bpd`), so the
/// cases vary the diffusion: both schedules at the grid's step counts, cosine `T = 2`, seeded `T`.
fn prior_cases(seed: u64) -> Vec<CaseSpec> {
    let function = Function::PriorBpd;
    let mut out = Vec::new();
    let last = |steps: u32| vec![steps - 1; SHAPE[0]];
    out.push(case(
        "edge/cosine/T=2".into(),
        &["edge", "cosine"],
        call(function, Schedule::Cosine, 2, last(2), seed, 1),
    ));
    let mut k = 1;
    for s in Schedule::ALL {
        let name = s.name();
        for steps in [50u32, 1000, 4000] {
            k += 1;
            let id = format!("grid/{name}/T={steps}");
            out.push(case(id, &["grid", name], call(function, s, steps, last(steps), seed, k)));
        }
        for i in 0..2u64 {
            k += 1;
            let steps = uniform(seed, base(function, k) - 8, 21f64.ln(), 2000f64.ln()).exp() as u32;
            let id = format!("random/{name}/{i}/T={steps}");
            out.push(case(id, &["random", name], call(function, s, steps, last(steps), seed, k)));
        }
    }
    out.push(regression(
        "linear/T=21",
        "the fewest steps a linear diffusion has (21): betas up to 0.952, alphas_cumprod[T - 1] is 8.0e-9, \
         so the prior is ~2e-9 bits, near zero as at the cosine schedule's end",
        call(function, Schedule::Linear, 21, last(21), seed, k + 1),
    ));
    out
}

/// The catalog of `function` (a per-timestep method), random draws from stream `seed`.
pub(super) fn cases(function: Function, seed: u64) -> Vec<CaseSpec> {
    if function == Function::PriorBpd {
        return prior_cases(seed);
    }
    let mut out = Vec::new();
    let mut k = 0u64;
    let mut next = || {
        k += 1;
        k
    };
    let ts = |t: &[u32]| t.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    out.push(case(
        "edge/cosine/T=2/t=0,1,1,0".into(),
        &["edge", "cosine"],
        call(function, Schedule::Cosine, 2, vec![0, 1, 1, 0], seed, next()),
    ));
    for s in Schedule::ALL {
        let name = s.name();
        for steps in [50u32, 1000, 4000] {
            let k = next();
            let t = vec![0, 1, steps - 1, step_in(seed, base(function, k) - 1, 2, steps - 1)];
            let id = format!("grid/{name}/T={steps}/t={}", ts(&t));
            out.push(case(id, &["grid", name], call(function, s, steps, t, seed, k)));
        }
        for i in 0..2u64 {
            let k = next();
            // Step counts log-uniform in [21, 2000), four random timesteps.
            let counter = base(function, k) - 8;
            let steps = uniform(seed, counter, 21f64.ln(), 2000f64.ln()).exp() as u32;
            let t: Vec<u32> = (1..=4).map(|j| step_in(seed, counter + j, 0, steps)).collect();
            let id = format!("random/{name}/{i}/T={steps}/t={}", ts(&t));
            out.push(case(id, &["random", name], call(function, s, steps, t, seed, k)));
        }
    }
    out.push(regression(
        "linear/T=1000/t=0,1,2,3",
        "the first steps, where 1 - alphas_cumprod is about beta_0 = 1e-4: arrays computed in float32 \
         lose about 13 bits there (coefficients off by 1e-3 relative), and t = 0 reads the clipped \
         element of posterior_log_variance_clipped",
        call(function, Schedule::Linear, 1000, vec![0, 1, 2, 3], seed, next()),
    ));
    out.push(regression(
        "cosine/T=4000/t=0,1,3998,3999",
        "the cosine schedule's smallest first beta (1e-5) and its last two steps, where max_beta = 0.999 \
         clips and alphas_cumprod is about 1e-8 and 1e-11",
        call(function, Schedule::Cosine, 4000, vec![0, 1, 3998, 3999], seed, next()),
    ));
    out
}
