//! The report: `report.md`, `summary.json` (every figure) and the plots, all deterministic for given
//! settings so that a test keeps the committed report in step.
//!
//! The audit computes each section as data ([`Audit`], serialized as `summary.json`); one renderer per
//! section here turns its figures into Markdown: the prose comes from `template.md`, every table from
//! [`table::Table`], every figure through [`cells`]. A renderer computes nothing beyond choosing and
//! formatting figures, so a new attribute of a figure (such as which truth judged it) is a field of the
//! section's data plus one cell function.

mod cdf;
mod cells;
mod exhaustive;
mod headline;
mod jacobian;
mod kl;
mod loglik;
mod mean;
mod schedule;
mod table;
mod template;
mod vlb;

use super::{plots, Audit};
use crate::Error;

/// The headline table (also printed on the terminal).
pub fn headline(audit: &Audit) -> String {
    headline::render(audit)
}

/// `report.md`.
pub fn markdown(audit: &Audit) -> Result<String, Error> {
    let s = &audit.settings;
    let text = template::fill(
        "report",
        &[
            ("seed", s.seed.to_string()),
            ("headline", headline::render(audit)),
            ("cdf", cdf::render(&audit.cdf, s)?),
            ("exhaustive", exhaustive::render(audit.exhaustive.as_ref())?),
            ("loglik", loglik::render(&audit.loglik, s)?),
            ("kl", kl::render(&audit.normal_kl)?),
            ("mean", mean::render(&audit.mean_flat)?),
            ("jacobian", jacobian::render(&audit.continuous_jacobian)?),
            ("schedule", schedule::render(&audit.schedule)?),
            ("vlb", vlb::render(&audit.vlb)?),
        ],
    )?;
    // Every paragraph, the last one included, is followed by a blank line.
    Ok(text + "\n\n")
}

/// Every output file as `(name, contents)`: `report.md`, `summary.json` and the plots.
pub fn files(audit: &Audit) -> Result<Vec<(String, String)>, Error> {
    let summary = serde_json::to_string_pretty(audit).map_err(|e| Error::Unusable {
        file: "summary.json".into(),
        field: "audit".into(),
        problem: e.to_string(),
    })? + "\n";
    let mut files = vec![("report.md".to_string(), markdown(audit)?), ("summary.json".to_string(), summary)];
    files.extend(plots::render(&audit.loglik)?);
    Ok(files)
}
