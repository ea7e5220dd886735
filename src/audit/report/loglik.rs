//! Section 3, the log-likelihood: per family the error table of every configuration, what the bits/dim
//! errors mean, the stable rows, the error by bin probability, the causes of the f32 breakdown, the worst
//! inputs.

use super::super::loglik::{
    CauseCount, Config, ConfigAudit, DecadeRow, Family, FamilyAudit, Form, LoglikAudit, Pixel, WorstRow,
};
use super::super::stats::Summary;
use super::super::{Precision, Settings};
use super::cells::{fig, kebab, max, num, or_dash, range};
use super::table::Table;
use super::template;
use crate::reference::Variant;
use crate::{Cdf, Error};

/// A row of a family's error table: one configuration against one exact function.
struct ErrorRow<'a> {
    /// The configuration's figures.
    config: &'a ConfigAudit,
    /// The error against the exact function of this row.
    errors: Option<&'a Summary<Pixel>>,
    /// Whether the exact function is the configuration's own formula (the clamp and the bits/dim against
    /// the own formula are shown only then).
    own: bool,
}

impl ErrorRow<'_> {
    /// `f` of the configuration's own-formula figures, `-` in the rows against another function.
    fn own(&self, f: impl FnOnce(&ConfigAudit) -> String) -> String {
        if self.own {
            f(self.config)
        } else {
            "-".into()
        }
    }
}

/// The error table of one family and the paragraph around it.
fn family(f: &FamilyAudit) -> Result<String, Error> {
    let own = f.configs.iter().map(|c| ErrorRow { config: c, errors: c.vs_formula.as_ref(), own: true });
    let gaussian = f
        .configs
        .iter()
        .filter_map(|c| c.vs_gaussian.as_ref().map(|s| ErrorRow { config: c, errors: Some(s), own: false }));
    let share = |i: usize| move |r: &ErrorRow| or_dash(r.errors, |s| num(s.beyond[i].share.0));
    let table = Table::<ErrorRow>::new()
        .column("config", |r| {
            let against = match (r.own, r.config.config.formula()) {
                (true, Variant::Tanh) => "tanh formula",
                _ => "Gaussian",
            };
            format!("{} vs exact {against}", r.config.config.name())
        })
        .column("max err", |r| max(r.errors))
        .column("mean err", |r| or_dash(r.errors, |s| fig(s.mean)))
        .column("median err", |r| or_dash(r.errors, |s| fig(s.median)))
        .column("> 1e-3", share(0))
        .column("> 0.1", share(1))
        .column("> 1", share(2))
        .column("clamp fires / should", |r| {
            r.own(|c| {
                format!(
                    "{} / {} ({} spurious, {} missed)",
                    c.clamp_fires, c.clamp_should, c.clamp_spurious, c.clamp_missed
                )
            })
        })
        .column("bits/dim", |r| fig(r.config.bits_per_dim))
        .column("- exact own", |r| r.own(|c| fig(c.minus_exact_formula)))
        .column("- exact Gaussian", |r| fig(r.config.minus_exact_gaussian))
        .render(own.chain(gaussian));
    template::fill(
        "loglik_family",
        &[
            ("family", f.family.name().into()),
            ("count", f.count.to_string()),
            ("exact_gaussian", fig(f.exact_bits_per_dim)),
            ("exact_tanh", fig(f.exact_tanh_bits_per_dim)),
            ("table", table),
            ("tanh_minus_erf_f32", fig(f.tanh_minus_erf[0])),
            ("tanh_minus_erf_f64", fig(f.tanh_minus_erf[1])),
        ],
    )
}

/// What the bits/dim errors of one family mean.
fn what_to_do(f: &FamilyAudit) -> Result<String, Error> {
    let d = |form: Form, precision: Precision| fig(f.config(form, precision).minus_exact_gaussian);
    let (erf, tanh) = (Form::Upstream(Cdf::Erf), Form::Upstream(Cdf::Tanh));
    template::fill(
        "loglik_what_to_do",
        &[
            ("family", f.family.name().into()),
            ("erf_f32", d(erf, Precision::F32)),
            ("tanh_f32", d(tanh, Precision::F32)),
            ("tanh_f64", d(tanh, Precision::F64)),
            ("erf_f64", d(erf, Precision::F64)),
            ("stable_f32", d(Form::Stable, Precision::F32)),
            ("stable_f64", d(Form::Stable, Precision::F64)),
        ],
    )
}

/// The log-likelihood section.
pub(super) fn render(l: &LoglikAudit, settings: &Settings) -> Result<String, Error> {
    let paragraphs = |f: fn(&FamilyAudit) -> Result<String, Error>| -> Result<String, Error> {
        Ok(l.families.iter().map(f).collect::<Result<Vec<_>, Error>>()?.join("\n\n"))
    };
    // One figure per family, e.g. "5.74e-6 (calibrated), 5.80e-6 (miscalibrated)".
    let per_family = |form: Form, precision: Precision, cell: fn(&ConfigAudit) -> String| {
        let each =
            l.families.iter().map(|f| format!("{} ({})", cell(f.config(form, precision)), f.family.name()));
        each.collect::<Vec<_>>().join(", ")
    };
    let max_vs_own = |c: &ConfigAudit| max(c.vs_formula.as_ref());
    let by_probability = {
        let mut table = Table::<&DecadeRow>::new().column("P", |r| {
            if r.prob_from.0 == 0.0 {
                "P < 1e-12 (clamped)".into()
            } else {
                range(r.prob_from, r.prob_to)
            }
        });
        for (c, config) in Config::ALL.iter().enumerate() {
            table = table.column(config.name(), move |r| {
                format!("{} / {} (n={})", fig(r.max[c]), fig(r.median[c]), r.count[c])
            });
        }
        table.render(&l.by_probability)
    };
    let causes = {
        let mut table = Table::<&CauseCount>::new()
            .column("cause", |r| format!("`{}`", kebab(&r.cause)))
            .column("what happens", |r| r.cause.explain().into());
        let f32_configs = Config::ALL.iter().filter(|c| c.precision == Precision::F32);
        for (i, config) in f32_configs.enumerate() {
            table = table.column(config.name(), move |r| r.count[i].to_string());
        }
        table.render(&l.causes)
    };
    let worst = Table::<(Family, &WorstRow)>::new()
        .column("family", |r| r.0.name().into())
        .column("config", |r| r.1.config.name())
        .column("x, mean, log_scale", |r| {
            format!("{}, {}, {}", r.1.pixel.x, r.1.pixel.mean, r.1.pixel.log_scale)
        })
        .column("branch", |r| r.1.branch.name().into())
        .column("min_in, plus_in", |r| format!("{}, {}", num(r.1.min_in), num(r.1.plus_in)))
        .column("cdf(min_in), cdf(plus_in)", |r| match (r.1.cdf_min, r.1.cdf_plus) {
            (Some(lo), Some(hi)) => format!("{}, {}", num(lo), num(hi)),
            _ => "-".into(),
        })
        .column("computed", |r| fig(r.1.computed))
        .column("exact (reference)", |r| fig(r.1.exact))
        .column("exact P", |r| fig(r.1.exact_prob))
        .column("cause", |r| format!("`{}`", kebab(&r.1.cause)))
        .render(l.families.iter().flat_map(|f| f.worst.iter().map(move |w| (f.family, w))));
    let stable_f32_share = |c: &ConfigAudit| or_dash(c.vs_formula.as_ref(), |s| num(s.beyond[0].share.0));
    template::fill(
        "loglik",
        &[
            ("rows", settings.loglik_rows.to_string()),
            ("families", paragraphs(family)?),
            ("what_to_do", paragraphs(what_to_do)?),
            ("stable_f32_max", per_family(Form::Stable, Precision::F32, max_vs_own)),
            ("erf_f32_max", per_family(Form::Upstream(Cdf::Erf), Precision::F32, max_vs_own)),
            ("stable_f32_share", per_family(Form::Stable, Precision::F32, stable_f32_share)),
            (
                "stable_f32_clamp",
                per_family(Form::Stable, Precision::F32, |c| {
                    format!("{} / {}", c.clamp_fires, c.clamp_should)
                }),
            ),
            ("stable_f64_max", per_family(Form::Stable, Precision::F64, max_vs_own)),
            ("by_probability_table", by_probability),
            ("causes_table", causes),
            ("worst_table", worst),
        ],
    )
}
