//! Section 8, the variational bound: improved-diffusion's full bits/dim estimate against its exact value
//! per configuration, one table per schedule, and the paragraph that states what each choice costs.

use super::super::stats::worse;
use super::super::vlb::compose::Arrays;
use super::super::vlb::{ConfigRow, Quantity, ScheduleVlb, VlbAudit, KL_STEPS};
use super::cells::{judged, num};
use super::table::Table;
use super::template;
use crate::functions::Precision;
use crate::Error;

/// A quantity's cell: the largest error over the images (mean after it).
fn error(q: &Quantity) -> String {
    format!("{} ({})", judged(q.error.max.0, q.error.truth), num(q.error.mean.0))
}

/// The largest error of quantity `q` over the schedules and CDFs of the rows that `pick` selects.
fn worst(audit: &VlbAudit, pick: impl Fn(&ConfigRow) -> bool, q: impl Fn(&ConfigRow) -> &Quantity) -> f64 {
    audit
        .schedules
        .iter()
        .flat_map(|s| &s.rows)
        .filter(|r| pick(r))
        .map(|r| q(r).error.max.0)
        .fold(0.0, worse)
}

/// The largest error of the full estimate over the rows that `pick` selects.
fn worst_total(audit: &VlbAudit, pick: impl Fn(&ConfigRow) -> bool) -> f64 {
    worst(audit, pick, |r| &r.total)
}

/// One schedule's exact figures and table.
fn schedule(s: &ScheduleVlb) -> Result<String, Error> {
    let mut table = Table::<&ConfigRow>::new()
        .column("CDF", |r| r.config.cdf.name().into())
        .column("tensors", |r| r.config.precision.name().into())
        .column("arrays", |r| r.config.arrays.name().into())
        .column("full estimate: max err (mean)", |r| error(&r.total))
        .column("decoder t = 0", |r| error(&r.decoder));
    for (k, t) in KL_STEPS.iter().enumerate() {
        table = table.column(format!("KL t = {t}"), move |r: &&ConfigRow| error(&r.kl[k]));
    }
    let table = table
        .column("prior", |r| error(&r.prior))
        .column("every term: max (t, image)", |r| {
            let w = r.every_term.worst();
            format!("{} ({}, {})", judged(r.every_term.max.0, r.every_term.truth), w.t, w.image)
        })
        .render(&s.rows);
    let e = &s.exact;
    template::fill(
        "vlb_schedule",
        &[
            ("schedule", s.schedule.name().into()),
            ("total_gaussian", num(e.total_gaussian.0)),
            ("total_tanh", num(e.total_tanh.0)),
            ("tanh_shift", num(e.total_tanh.0 - e.total_gaussian.0)),
            ("decoder_gaussian", num(e.decoder_gaussian.0)),
            ("kl_sum", num(e.kl_sum.0)),
            (
                "kl_steps",
                KL_STEPS
                    .iter()
                    .zip(&e.kl)
                    .map(|(t, v)| format!("{} (t = {t})", num(v.0)))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            ("prior", num(e.prior.0)),
            ("table", table),
        ],
    )
}

/// The section.
pub(super) fn render(audit: &VlbAudit) -> Result<String, Error> {
    let upstream =
        |p: Precision| move |r: &ConfigRow| r.config.arrays == Arrays::Upstream && r.config.precision == p;
    let shift =
        audit.schedules.iter().map(|s| s.exact.total_tanh.0 - s.exact.total_gaussian.0).fold(0.0, worse);
    let [b, c, h, w] = audit.shape;
    template::fill(
        "vlb",
        &[
            ("shape", format!("[{b}, {c}, {h}, {w}]")),
            ("steps", audit.steps.to_string()),
            ("error_scale", num(audit.error_scale)),
            ("tanh_shift", num(shift)),
            ("f32_total", num(worst_total(audit, upstream(Precision::F32)))),
            ("f64_total", num(worst_total(audit, upstream(Precision::F64)))),
            ("kept_total", num(worst_total(audit, |r| r.config.arrays == Arrays::Float64Kept))),
            ("f32_schedule_total", num(worst_total(audit, |r| r.config.arrays == Arrays::Float32))),
            (
                "f32_schedule_decoder",
                num(worst(audit, |r| r.config.arrays == Arrays::Float32, |r| &r.decoder)),
            ),
            ("schedules", audit.schedules.iter().map(schedule).collect::<Result<Vec<_>, _>>()?.join("\n\n")),
        ],
    )
}
