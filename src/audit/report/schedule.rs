//! Section 7, the beta schedules: upstream's float64 schedule and a float32 one against the exact betas.

use super::super::schedule::{ScheduleAudit, ScheduleRow};
use super::cells::num;
use super::table::Table;
use super::template;
use crate::Error;

/// The schedule section.
pub(super) fn render(audit: &ScheduleAudit) -> Result<String, Error> {
    let table = Table::<&ScheduleRow>::new()
        .column("schedule", |r| r.schedule.name().into())
        .column("T", |r| r.steps.to_string())
        .column("f64 (upstream) max ulps", |r| format!("{} (t = {})", num(r.f64_max_ulps), r.f64_worst_step))
        .column("f32 schedule max rel err", |r| {
            format!("{} (t = {})", num(r.f32_max_relative), r.f32_worst_step)
        })
        .column("f32 schedule mean rel err", |r| num(r.f32_mean_relative))
        .column("f32 schedule max f32 ulps", |r| num(r.f32_max_ulps))
        .render(&audit.rows);
    template::fill("schedule", &[("table", table)])
}
