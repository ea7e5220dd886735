//! The error model of `get_named_beta_schedule` (docs/error-model.md, "Beta schedules"): how far
//! upstream's float64 betas can be from the exact schedule (constants as exact reals), and what the
//! float32 view `.float()` adds. Upstream runs in float64 whatever the port's precision, so the float64
//! bound is the base of both.

use crate::functions::Precision;
use crate::golden::error_model::{Model, SAFETY};
use crate::upstream::schedule::Schedule;

/// Bound on `|beta_i - exact|` for upstream's float64 `beta_i` (first order, doubled): the float64
/// unit roundoff `u`, `func` the error of `math.cos`.
fn float64_bound(schedule: Schedule, i: u64, steps: u64, exact: f64) -> f64 {
    let m = Model::of(Precision::F64);
    let (u, func) = (m.u, m.func);
    let n = steps as f64;
    match schedule {
        Schedule::Linear => {
            // scale = 1000 / T, start = scale * 0.0001, end = scale * 0.02: three roundings each
            // (the quotient, the literal, the product).
            let (start, end) = (0.1 / n, 20.0 / n);
            let (d_start, d_end) = (3.0 * u * start, 3.0 * u * end);
            if steps == 1 || i == 0 {
                return SAFETY * d_start;
            }
            if i + 1 == steps {
                return SAFETY * d_end;
            }
            // step = (end - start) / (T - 1), then i * step + start: each op rounded once.
            let step = (end - start) / (n - 1.0);
            let d_step = (d_start + d_end + u * (end - start)) / (n - 1.0) + u * step;
            let k = i as f64;
            SAFETY * (k * d_step + u * k * step + d_start + u * exact)
        }
        Schedule::Cosine => {
            // theta = (t + 0.008) / 1.008 * pi / 2 with t = k / T: six relative roundings (t, the sum,
            // the literals 0.008 and 1.008, the quotient, math.pi, the product; / 2 is exact).
            let alpha_bar = |k: u64| {
                let theta = (k as f64 / n + 0.008) / 1.008 * std::f64::consts::FRAC_PI_2;
                let d_theta = 6.0 * u * theta;
                let (c, s) = (theta.cos().abs(), theta.sin().abs());
                let dc = s * d_theta + func * (c + d_theta);
                (c * c, 2.0 * c * dc + dc * dc + u * c * c)
            };
            let ((a1, da1), (a2, da2)) = (alpha_bar(i), alpha_bar(i + 1));
            let r = a2 / a1;
            let dr = (da2 + r * da1) / a1 + u * r;
            let d_beta = dr + u * (1.0 - r).abs();
            // min(beta, 0.999) with the double 0.999 (within u of the real): the larger error of the two.
            SAFETY * d_beta.max(u * 0.999)
        }
    }
}

/// Bound on `|got - exact|` for beta `i` of `schedule` with `steps` steps in precision `p`: upstream's
/// float64 bound, plus (float32) the rounding of that float64 value by `.float()`, so that both
/// `f32(exact)` and `f32(upstream's float64 beta)` are admitted.
pub fn beta_bound(p: &Model, schedule: Schedule, i: u64, steps: u64, exact: f64) -> f64 {
    let b = float64_bound(schedule, i, steps, exact);
    match p.precision {
        Precision::F64 => b,
        _ => b + p.u * (exact.abs() + b),
    }
}
