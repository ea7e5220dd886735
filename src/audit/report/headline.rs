//! The headline table: the figures a reader needs first, one column per log-likelihood configuration
//! (the CDF rows of the stable form, which evaluates no CDF, are `-`).

use super::super::cdf::{Subject, SubjectAudit};
use super::super::exhaustive::{Judged, Worst};
use super::super::loglik::{Config, ConfigAudit};
use super::super::{Audit, Precision};
use super::cells::{fig, judged, max, num, or_dash};
use super::exhaustive::truth_label;
use super::table::Table;

/// A row: its label and its cell in each configuration's column.
type Row<'a> = (String, Box<dyn Fn(Config) -> String + 'a>);

/// The headline table.
pub(super) fn render(audit: &Audit) -> String {
    let subject = |c: Config| -> Option<&SubjectAudit> {
        let wanted = Subject { implementation: c.form.cdf()?.into(), precision: c.precision };
        audit.cdf.subjects.iter().find(|s| s.subject == wanted)
    };
    let cdf_row = |label: &str, cell: fn(&SubjectAudit) -> String| -> Row {
        (label.into(), Box::new(move |c| or_dash(subject(c), cell)))
    };
    let mut rows = vec![
        cdf_row("CDF: max abs error vs Phi (sampled)", |s| max(s.vs_phi.abs.as_ref())),
        cdf_row("CDF: exactly 0 at and below z", |s| num(s.zero_at.z)),
        cdf_row("CDF: exactly 1 at and above z", |s| num(s.one_at.z)),
    ];
    if let Some(ex) = &audit.exhaustive {
        // The exhaustive figures exist for the f32 columns only.
        let label = truth_label(ex);
        let exhaustive = |what: &str, pick: fn(&Judged) -> &Option<Worst>| -> Row {
            let cell = move |c: Config| {
                let variant = ex.variants.iter().find(|v| Some(v.cdf) == c.form.cdf());
                let judgement = variant.filter(|_| c.precision == Precision::F32).map(|v| &v.vs_phi);
                let worst = judgement.and_then(|j| pick(j).as_ref().map(|w| (w, j.truth)));
                or_dash(worst, |(w, truth)| judged(w.reference_error.0, truth))
            };
            (format!("CDF: {what}, all f32 inputs ({label})"), Box::new(cell))
        };
        rows.push(exhaustive("max abs error vs Phi", |j| &j.abs));
        rows.push(exhaustive("max log error vs Phi where F > 0", |j| &j.log));
    }
    for f in &audit.loglik.families {
        let name = f.family.name();
        let row = |label: String, cell: fn(&ConfigAudit) -> String| -> Row {
            (label, Box::new(move |c: Config| cell(f.config(c.form, c.precision))))
        };
        rows.extend([
            row(format!("loglik, {name}: max error vs true Gaussian (nats)"), |c| max(c.vs_true_gaussian())),
            row(format!("loglik, {name}: share > 0.1 nat off"), |c| {
                or_dash(c.vs_true_gaussian(), |s| num(s.beyond[1].share.0))
            }),
            row(format!("bits/dim, {name}: minus exact Gaussian"), |c| fig(c.minus_exact_gaussian)),
            row(format!("clamp, {name}: fires / should"), |c| {
                format!("{} / {}", c.clamp_fires, c.clamp_should)
            }),
        ]);
    }
    let mut table = Table::<Row>::new().column("", |r| r.0.clone());
    for config in Config::ALL {
        table = table.column(config.name(), move |r| (r.1)(config));
    }
    table.render(rows)
}
