//! The beta schedules: how far improved-diffusion's float64 schedule is from the exact one (constants as
//! reals), and what building it in float32 costs, per schedule and step count. Truth: the reference's
//! exact betas at every step.

use crate::reference;
use crate::upstream::schedule::{beta_schedule, Schedule};
use crate::Error;
use serde::Serialize;

/// The step counts audited.
pub const STEPS: [u64; 3] = [50, 1000, 4000];

/// One schedule at one step count.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleRow {
    /// The schedule.
    pub schedule: Schedule,
    /// `T`.
    pub steps: u64,
    /// Upstream's float64 betas: the largest error in float64 ulps of the exact beta, and its step.
    pub f64_max_ulps: f64,
    /// The step of `f64_max_ulps`.
    pub f64_worst_step: u64,
    /// The same schedule computed in float32 (libm `cosf`): the largest relative error, and its step.
    pub f32_max_relative: f64,
    /// The step of `f32_max_relative`.
    pub f32_worst_step: u64,
    /// Its mean relative error over the steps.
    pub f32_mean_relative: f64,
    /// Its largest error in float32 ulps (what `.float()` of upstream's float64 schedule keeps within 0.5).
    pub f32_max_ulps: f64,
}

/// The section's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleAudit {
    /// Every schedule at every step count of [`STEPS`].
    pub rows: Vec<ScheduleRow>,
}

/// The largest of `values` and its index.
fn worst(values: impl Iterator<Item = f64>) -> (f64, u64) {
    values.zip(0..).fold((0.0, 0), |best, (v, i)| if v > best.0 { (v, i) } else { best })
}

/// Runs the section.
pub fn audit() -> Result<ScheduleAudit, Error> {
    let mut rows = Vec::new();
    for schedule in Schedule::ALL {
        for steps in STEPS {
            let exact = reference::beta_schedule(schedule, steps)?;
            let upstream = beta_schedule::<f64>(schedule, steps);
            let in_f32 = beta_schedule::<f32>(schedule, steps);
            let (f64_max_ulps, f64_worst_step) =
                worst(exact.iter().zip(&upstream).map(|(e, &g)| e.error_ulps(g, 53)));
            let relative: Vec<f64> =
                exact.iter().zip(&in_f32).map(|(e, &g)| ((f64::from(g) - e.value) / e.value).abs()).collect();
            let (f32_max_relative, f32_worst_step) = worst(relative.iter().copied());
            let f32_max_ulps = worst(exact.iter().zip(&in_f32).map(|(e, &g)| e.error_ulps(g.into(), 24))).0;
            rows.push(ScheduleRow {
                schedule,
                steps,
                f64_max_ulps,
                f64_worst_step,
                f32_max_relative,
                f32_worst_step,
                f32_mean_relative: relative.iter().sum::<f64>() / relative.len() as f64,
                f32_max_ulps,
            });
        }
    }
    Ok(ScheduleAudit { rows })
}
