//! Section 5, `mean_flat`: the f32 per-sample mean by pairwise and by naive running summation against
//! the exact mean, per tensor shape and data.

use super::super::mean::{MeanAudit, MeanRow, Method};
use super::cells::{fig, kebab, max, or_dash};
use super::table::Table;
use super::template;
use crate::Error;

/// The `mean_flat` section.
pub(super) fn render(mean: &MeanAudit) -> Result<String, Error> {
    let table = Table::<&MeanRow>::new()
        .column("shape", |r| format!("{:?}", r.shape))
        .column("data", |r| kebab(&r.kind))
        .column("f32 summation", |r| {
            match r.method {
                Method::Pairwise => "pairwise (mean_flat)",
                Method::NaiveRunning => "naive running sum",
            }
            .into()
        })
        .column("max ulps", |r| max(r.ulps.as_ref()))
        .column("mean ulps", |r| or_dash(r.ulps.as_ref(), |s| fig(s.mean)))
        .column("max rel err", |r| fig(r.max_relative))
        .render(&mean.rows);
    template::fill("mean", &[("table", table)])
}
