//! Section 4, `normal_kl` for nearly identical Gaussians: the relative error by decade of the logvar
//! difference, per family, form and precision, and what the stable form changes.

use super::super::kl::{KlAudit, KlInput, KlRow};
use super::super::stats::Summary;
use super::super::Precision;
use super::cells::{fig, max, num, or_dash, range};
use super::table::Table;
use super::template;
use crate::Error;

/// A row's relative error summary.
fn errors(r: &KlRow) -> Option<&Summary<KlInput>> {
    r.relative_error.as_ref()
}

/// The `normal_kl` section.
pub(super) fn render(kl: &KlAudit) -> Result<String, Error> {
    let table = Table::<&KlRow>::new()
        .column("family", |r| r.family.name().into())
        .column("form", |r| r.form.name().into())
        .column("precision", |r| r.precision.name().into())
        .column("abs(d)", |r| if r.d_to.0 == 0.0 { "d = 0".into() } else { range(r.d_from, r.d_to) })
        .column("n", |r| r.count.to_string())
        .column("max rel err", |r| max(errors(r)))
        .column("median rel err", |r| or_dash(errors(r), |s| fig(s.median)))
        .column("share rel err > 1", |r| or_dash(errors(r), |s| num(s.beyond[1].share.0)))
        .column("share = 0", |r| fig(r.zero_share))
        .column("share < 0", |r| fig(r.negative_share))
        .column("identical Gaussians: n (max abs KL)", |r| {
            if r.identical == 0 {
                "-".into()
            } else {
                format!("{} (max {})", r.identical, fig(r.identical_max_abs))
            }
        })
        .render(&kl.rows);
    template::fill(
        "kl",
        &[
            ("table", table),
            ("stable_f32_max", num(kl.stable_max_relative_error(Precision::F32))),
            ("stable_f64_max", num(kl.stable_max_relative_error(Precision::F64))),
            ("stable_zero_or_negative", num(kl.stable_zero_or_negative_share())),
        ],
    )
}
