//! Section 1, the normal CDF: the tanh formula's approximation error, every implementation against the
//! true Phi and against its own formula, where each becomes exactly 0 and 1, and the tail probabilities.
//! Also the judged-table shape the exhaustive section shares.

use super::super::cdf::{CdfAudit, Judged, Subject, SubjectAudit, TailRow};
use super::super::stats::{Fig, Summary};
use super::super::Settings;
use super::cells::{fig, input, max, num, or_dash};
use super::table::Table;
use super::template;
use crate::Error;

/// One row of a table of CDF errors against one truth: (max, at z) per measure (ulps, absolute, log) and
/// how many results were flushed to 0 and to 1.
pub(super) struct JudgedRow {
    /// The CDF and truth the row is about.
    pub(super) name: String,
    /// (max, at z) for ulps, absolute and log error.
    pub(super) worst: [(String, String); 3],
    /// Results exactly 0 although the truth rounds to a nonzero number (marked with its truth).
    pub(super) flushed_to_zero: String,
    /// Results exactly 1 although the truth rounds below 1 (marked with its truth).
    pub(super) flushed_to_one: String,
}

impl JudgedRow {
    /// The row of a sampled judgement.
    fn sampled(name: String, j: &Judged) -> JudgedRow {
        let worst = |s: &Option<Summary<f32>>| (max(s.as_ref()), or_dash(s.as_ref(), |s| input(*s.worst())));
        JudgedRow {
            name,
            worst: [worst(&j.ulps), worst(&j.abs), worst(&j.log)],
            flushed_to_zero: j.flushed_to_zero.to_string(),
            flushed_to_one: j.flushed_to_one.to_string(),
        }
    }
}

/// The table of judged rows.
pub(super) fn judged_table(rows: impl IntoIterator<Item = JudgedRow>) -> String {
    let mut table = Table::<JudgedRow>::new().column("CDF", |r| r.name.clone());
    for (i, measure) in ["max ulps", "max abs", "max log err"].into_iter().enumerate() {
        table = table
            .column(measure, move |r| r.worst[i].0.clone())
            .column("at z", move |r| r.worst[i].1.clone());
    }
    table
        .column("flushed to 0", |r| r.flushed_to_zero.clone())
        .column("flushed to 1", |r| r.flushed_to_one.clone())
        .render(rows)
}

/// The CDF section.
pub(super) fn render(cdf: &CdfAudit, settings: &Settings) -> Result<String, Error> {
    let a = &cdf.approximation;
    let log_error = Table::<&(Fig, f64)>::new()
        .column("log-space error beyond", |r| format!("{} nats", fig(r.0)))
        .column("for all z at or below", |r| num(r.1))
        .render(&a.log_error_beyond);
    let vs_phi = cdf.subjects.iter().map(|s| JudgedRow::sampled(s.subject.name(), &s.vs_phi));
    let vs_formula = cdf
        .subjects
        .iter()
        .filter_map(|s| s.vs_formula.as_ref().map(|j| JudgedRow::sampled(s.subject.name(), j)));
    let thresholds = Table::<&SubjectAudit>::new()
        .column("CDF", |s| s.subject.name())
        .column("F = 0 for z <=", |s| num(s.zero_at.z))
        .column("true Phi there", |s| fig(s.zero_at.true_tail))
        .column("F = 1 for z >=", |s| num(s.one_at.z))
        .column("true 1 - Phi there", |s| fig(s.one_at.true_tail))
        .render(&cdf.subjects);
    let mut tails =
        Table::<&TailRow>::new().column("z", |r| num(r.z.into())).column("true tail", |r| fig(r.true_tail));
    for (i, subject) in Subject::ALL.iter().enumerate() {
        tails = tails.column(subject.name(), move |r| fig(r.relative_error[i]));
    }
    let tails = tails.column("tanh formula, exact", |r| fig(r.tanh_formula)).render(&cdf.tails);
    template::fill(
        "cdf",
        &[
            ("tanh_max_abs", fig(a.max_abs)),
            ("tanh_max_at", num(a.at)),
            ("tanh_log_error_table", log_error),
            ("samples", settings.cdf_samples.to_string()),
            ("seed", settings.seed.to_string()),
            ("vs_phi_table", judged_table(vs_phi)),
            ("vs_formula_table", judged_table(vs_formula)),
            ("thresholds_table", thresholds),
            ("tails_table", tails),
        ],
    )
}
