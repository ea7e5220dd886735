//! The report: `report.md` (tables, each with a line on what to do with it), `summary.json` (every figure)
//! and the plots, all deterministic for given settings so that a test keeps the committed report in step.

use super::cdf::{CdfAudit, Judged, Subject};
use super::exhaustive::{self, Exhaustive};
use super::kl::{Form as KlForm, KlAudit};
use super::loglik::{Config, ConfigAudit, FamilyAudit, Form, LoglikAudit};
use super::mean::{MeanAudit, Method};
use super::stats::{Fig, Summary};
use super::{plots, Audit, Precision};
use crate::{Cdf, Error};
use std::fmt::Write;

/// A figure with 3 significant digits (plain notation between 1e-3 and 1e5).
pub fn num(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    let mag = libm::floor(libm::log10(v.abs()));
    if (-3.0..5.0).contains(&mag) {
        let decimals = (2.0 - mag).max(0.0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.2e}")
    }
}

/// An input z (an f32) in its shortest round-trip form, in scientific notation when tiny or huge.
fn input(z: f32) -> String {
    if z == 0.0 || (1e-4..1e6).contains(&z.abs()) {
        format!("{z}")
    } else {
        format!("{z:e}")
    }
}

/// [`num`] of a figure.
fn fig(f: Fig) -> String {
    num(f.0)
}

/// A summary's maximum as the reference re-judged it (the engine's figure when there is none).
fn max_of<I>(s: &Option<Summary<I>>) -> String {
    s.as_ref().map_or("-".into(), |s| fig(s.reference.unwrap_or(s.max)))
}

/// A markdown table from a header and rows.
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", " --- |".repeat(header.len()));
    for r in rows {
        let _ = writeln!(out, "| {} |", r.join(" | "));
    }
    out.push('\n');
}

/// The loglik error of a configuration against the true Gaussian (erf: its own formula is the Gaussian).
fn vs_true_gaussian(f: &FamilyAudit, c: usize) -> &Option<Summary<super::loglik::Pixel>> {
    let a = &f.configs[c];
    if a.vs_gaussian.is_some() {
        &a.vs_gaussian
    } else {
        &a.vs_formula
    }
}

/// The headline table (also printed on the terminal).
pub fn headline(audit: &Audit) -> String {
    let mut rows = Vec::new();
    // The CDF of an upstream configuration (the stable form evaluates none: "-").
    let subject = |c: &Config| audit.cdf.subjects.iter().find(|s| s.subject.name() == c.name());
    let cdf_cell =
        |c: &Config, f: &dyn Fn(&super::cdf::SubjectAudit) -> String| subject(c).map_or("-".into(), f);
    let cols = |f: &dyn Fn(usize, &Config) -> String| {
        Config::ALL.iter().enumerate().map(|(i, c)| f(i, c)).collect::<Vec<_>>()
    };
    let mut row = |label: String, cells: Vec<String>| rows.push([vec![label], cells].concat());
    row("CDF: max abs error vs Phi (sampled)".into(), cols(&|_, c| cdf_cell(c, &|s| max_of(&s.vs_phi.abs))));
    row("CDF: exactly 0 at and below z".into(), cols(&|_, c| cdf_cell(c, &|s| num(s.zero_at.z))));
    row("CDF: exactly 1 at and above z".into(), cols(&|_, c| cdf_cell(c, &|s| num(s.one_at.z))));
    if let Some(ex) = &audit.exhaustive {
        // The proven figures exist for the f32 columns only.
        let proven = |pick: &dyn Fn(&exhaustive::Judged) -> &Option<exhaustive::Worst>| {
            cols(&|_, c| match (c.precision, ex.variants.iter().find(|v| Some(v.cdf) == c.form.cdf())) {
                (Precision::F32, Some(v)) => {
                    pick(&v.vs_phi).as_ref().map_or("-".into(), |w| num(w.reference_error.0))
                }
                _ => "-".into(),
            })
        };
        row("CDF: max abs error vs Phi, all f32 inputs (proven)".into(), proven(&|j| &j.abs));
        row("CDF: max log error vs Phi where F > 0, all f32 inputs (proven)".into(), proven(&|j| &j.log));
    }
    for f in &audit.loglik.families {
        let name = f.family.name();
        row(
            format!("loglik, {name}: max error vs true Gaussian (nats)"),
            cols(&|c, _| max_of(vs_true_gaussian(f, c))),
        );
        row(
            format!("loglik, {name}: share > 0.1 nat off"),
            cols(&|c, _| vs_true_gaussian(f, c).as_ref().map_or("-".into(), |s| num(s.beyond[1].share.0))),
        );
        row(
            format!("bits/dim, {name}: minus exact Gaussian"),
            cols(&|c, _| fig(f.configs[c].minus_exact_gaussian)),
        );
        row(
            format!("clamp, {name}: fires / should"),
            cols(&|c, _| format!("{} / {}", f.configs[c].clamp_fires, f.configs[c].clamp_should)),
        );
    }
    let mut out = String::new();
    let header: Vec<String> =
        std::iter::once(String::new()).chain(Config::ALL.iter().map(|c| c.name())).collect();
    table(&mut out, &header.iter().map(String::as_str).collect::<Vec<_>>(), &rows);
    out
}

/// The CDF judged-against table rows for one truth.
fn judged_row(name: String, j: &Judged) -> Vec<String> {
    vec![
        name,
        max_of(&j.ulps),
        j.ulps.as_ref().map_or("-".into(), |s| input(s.worst)),
        max_of(&j.abs),
        j.abs.as_ref().map_or("-".into(), |s| input(s.worst)),
        max_of(&j.log),
        j.log.as_ref().map_or("-".into(), |s| input(s.worst)),
        j.flushed_to_zero.to_string(),
        j.flushed_to_one.to_string(),
    ]
}

fn cdf_section(out: &mut String, cdf: &CdfAudit, seed: u64, samples: usize) {
    let a = &cdf.approximation;
    let _ = writeln!(out, "## 1. The normal CDF\n");
    let _ = writeln!(
        out,
        "**Approximation error of the tanh formula** (exact arithmetic): max |T(z) - Phi(z)| = {} at |z| = {} \
         (grid step 2^-12, sampled). The absolute error is small, but in the tails the formula is off by whole \
         factors: |ln T - ln Phi| exceeds each threshold everywhere below the z given (grid step 2^-8, down \
         to z = -40; the upper tail mirrors it):\n",
        fig(a.max_abs),
        num(a.at)
    );
    let rows: Vec<Vec<String>> =
        a.log_error_beyond.iter().map(|(t, z)| vec![format!("{} nats", fig(*t)), num(*z)]).collect();
    table(out, &["log-space error beyond", "for all z at or below"], &rows);
    let _ = writeln!(
        out,
        "What to do: a log-likelihood term whose bin sits beyond |z| ~ 3 inherits the tanh formula's tail error \
         on top of any rounding; use erf when tail pixels matter (they dominate bits/dim of confident decoders).\n"
    );
    let _ = writeln!(
        out,
        "**Every implementation against the true Phi** ({samples} f32 inputs, seed {seed}: thirds uniform on \
         [-8, 8], uniform on [-40, 40], and ±2^u, u in [-24, 3]; every maximum `sampled`, re-judged at its \
         input by the arbitrary-precision reference). Ulps are of the evaluation precision at the true value; \
         the log error is taken where F > 0 and Phi is a normal number of the precision; *flushed* counts inputs where F is \
         exactly 0 (or 1) though the correctly rounded Phi is not.\n"
    );
    let header =
        ["CDF", "max ulps", "at z", "max abs", "at z", "max log err", "at z", "flushed to 0", "flushed to 1"];
    let rows: Vec<Vec<String>> =
        cdf.subjects.iter().map(|s| judged_row(s.subject.name(), &s.vs_phi)).collect();
    table(out, &header, &rows);
    let _ = writeln!(
        out,
        "What to do: the huge ulp errors are the tails, where `0.5 * (1 + erf)` and `0.5 * (1 + tanh)` \
         cancel: an f32 CDF carries an absolute error of ~3e-8 there, so a tail probability P has a relative \
         error of about 3e-8 / P (a few percent at P = 1e-6, all of it below ~1.5e-8, where F is exactly 0 or \
         1); f64 behaves the same way with 1e-16 in place of 3e-8. If you need tail probabilities, compute them \
         as `0.5 * erfc(-z/sqrt 2)` (as statrs does; its 1e-10 relative error comes from its own erf/erfc) or \
         in log space.\n"
    );
    let _ = writeln!(
        out,
        "**Rounding error alone** (tanh against its own exact formula; erf's own formula is Phi):\n"
    );
    let rows: Vec<Vec<String>> = cdf
        .subjects
        .iter()
        .filter_map(|s| s.vs_formula.as_ref().map(|j| judged_row(s.subject.name(), j)))
        .collect();
    table(out, &header, &rows);
    let _ = writeln!(
        out,
        "**Where each CDF becomes exactly 0 and 1** (bisection over the precision's numbers, `sampled`: it \
         assumes monotonicity; the exhaustive scan below proves the f32 ones):\n"
    );
    let rows: Vec<Vec<String>> = cdf
        .subjects
        .iter()
        .map(|s| {
            vec![
                s.subject.name(),
                num(s.zero_at.z),
                fig(s.zero_at.true_tail),
                num(s.one_at.z),
                fig(s.one_at.true_tail),
            ]
        })
        .collect();
    table(out, &["CDF", "F = 0 for z <=", "true Phi there", "F = 1 for z >=", "true 1 - Phi there"], &rows);
    let _ = writeln!(
        out,
        "**Tail probabilities**: relative error of min(F, 1 - F) against the true tail (1 means the tail is \
         lost: F is exactly 0 or 1).\n"
    );
    let mut header = vec!["z".to_string(), "true tail".into()];
    header.extend(Subject::ALL.iter().map(|s| s.name()));
    header.push("tanh formula, exact".into());
    let rows: Vec<Vec<String>> = cdf
        .tails
        .iter()
        .map(|r| {
            let mut row = vec![num(r.z.into()), fig(r.true_tail)];
            row.extend(r.relative_error.iter().map(|&f| fig(f)));
            row.push(fig(r.tanh_formula));
            row
        })
        .collect();
    table(out, &header.iter().map(String::as_str).collect::<Vec<_>>(), &rows);
    let _ = writeln!(
        out,
        "![CDF absolute error](cdf_abs_error.svg)\n\n![CDF tail relative error](cdf_tail_error.svg)\n"
    );
}

fn exhaustive_section(out: &mut String, ex: Option<&Exhaustive>) {
    let _ = writeln!(out, "## 2. Exhaustive float32 scan (proven)\n");
    let Some(ex) = ex else {
        let _ = writeln!(
            out,
            "Not run yet: `cargo run --release -- audit --exhaustive` writes `exhaustive.json` here and this \
             section from it.\n"
        );
        return;
    };
    let threads: Vec<String> = ex.threads.iter().map(|t| t.to_string()).collect();
    let _ = writeln!(
        out,
        "All 2^32 float32 inputs of each f32 variant, judged against the accurate f64 engine; every maximum \
         re-judged at its input by the arbitrary-precision reference (the figures shown). Measured duration: \
         **{:.0} s** wall ({} shard(s), {} threads; {:.0} s summed over shards). Inputs whose f32 results are \
         exactly 1/2 at |z| < 2^-30, 1 at z > 6 or 0 at z < -15 are short-circuited (their f32 results are \
         still computed): their errors are provably below {} absolute, {} ulp and {} in log space, under \
         every maximum reported. A max ulp error of 2^23 to 2^24 means F = 0 where Phi is still a normal \
         f32: the whole value is lost.\n",
        ex.wall_seconds,
        ex.shards,
        threads.join("+"),
        ex.total_seconds,
        num(ex.shortcut_bounds.0),
        num(ex.shortcut_bounds.1),
        num(ex.shortcut_bounds.2),
    );
    let worst = |w: &Option<exhaustive::Worst>| {
        w.as_ref().map_or(["-".to_string(), "-".into()], |w| [num(w.reference_error.0), input(w.z)])
    };
    let mut rows = Vec::new();
    for v in &ex.variants {
        let judged =
            std::iter::once(("Phi", &v.vs_phi)).chain(v.vs_formula.as_ref().map(|j| ("own formula", j)));
        for (against, j) in judged {
            let [u, uz] = worst(&j.ulps);
            let [a, az] = worst(&j.abs);
            let [l, lz] = worst(&j.log);
            rows.push(vec![
                format!("{} f32 vs {against}", v.cdf),
                u,
                uz,
                a,
                az,
                l,
                lz,
                j.flushed_to_zero.to_string(),
                j.flushed_to_one.to_string(),
            ]);
        }
    }
    table(
        out,
        &[
            "CDF",
            "max ulps",
            "at z",
            "max abs",
            "at z",
            "max log err",
            "at z",
            "flushed to 0",
            "flushed to 1",
        ],
        &rows,
    );
    let edge = |e: &exhaustive::Edge| e.z.map_or("never".into(), input);
    let rows: Vec<Vec<String>> = ex
        .variants
        .iter()
        .map(|v| {
            vec![
                format!("{} f32", v.cdf),
                format!("{}{}", edge(&v.zero), if v.zero.clean { "" } else { " (not a clean half-line)" }),
                v.zero.true_tail.map_or("-".into(), |t| num(t.0)),
                format!("{}{}", edge(&v.one), if v.one.clean { "" } else { " (not a clean half-line)" }),
                v.one.true_tail.map_or("-".into(), |t| num(t.0)),
                match &v.max_drop {
                    Some(d) => format!("{} (largest {} at z = {})", v.decreases, num(d.by.0), input(d.z)),
                    None => "0".into(),
                },
                format!("{} of {} NaN", v.nan_outputs, v.nan_inputs),
                format!("{} / {}", num(v.at_infinities.0 .0), num(v.at_infinities.1 .0)),
            ]
        })
        .collect();
    table(
        out,
        &[
            "CDF",
            "F = 0 for z <=",
            "true Phi there",
            "F = 1 for z >=",
            "true 1 - Phi",
            "decreasing steps",
            "NaN in",
            "F(-inf) / F(inf)",
        ],
        &rows,
    );
    let _ = writeln!(
        out,
        "What to do: these are the guarantees an f32 port can rely on. \"Decreasing steps\" counts adjacent \
         float32 inputs where the computed CDF goes down (0 = monotone over every float).\n"
    );
}

fn loglik_section(out: &mut String, l: &LoglikAudit, rows_per_family: usize) {
    let _ = writeln!(out, "## 3. Log-likelihood at t = 0\n");
    let _ = writeln!(
        out,
        "`discretized_gaussian_log_likelihood` on {rows_per_family} rows of all 256 pixel levels per family \
         (x = k/127.5 - 1 in f32). *Calibrated*: log_scale ~ U[-6, -2], mean = x - scale * N(0, 1). \
         *Miscalibrated*: log_scale ~ U[-6, -2], mean = x + U[-0.03, 0.03] (up to 12 scales off). Errors in \
         nats against the exact value of each configuration's own formula (true Gaussian for erf and for the \
         stable form `log_likelihood_stable`, tanh formula for tanh), from a careful f64 evaluation in log space; maxima re-judged by the reference. The clamp \
         *should* fire where the exact probability is below exactly 1e-12.\n"
    );
    for f in &l.families {
        let _ = writeln!(
            out,
            "**{}** ({} elements): exact bits/dim {} (true Gaussian), {} (tanh formula).\n",
            f.family.name(),
            f.count,
            fig(f.exact_bits_per_dim),
            fig(f.exact_tanh_bits_per_dim)
        );
        let errors = |s: &Option<Summary<super::loglik::Pixel>>| -> Vec<String> {
            let Some(s) = s.as_ref() else { return vec!["-".into(); 6] };
            let share = |i: usize| num(s.beyond[i].share.0);
            vec![fig(s.reference.unwrap_or(s.max)), fig(s.mean), fig(s.median), share(0), share(1), share(2)]
        };
        let mut rows = Vec::new();
        for c in &f.configs {
            let own = match c.config.formula() {
                crate::reference::Variant::Tanh => "tanh formula",
                crate::reference::Variant::Gaussian => "Gaussian",
            };
            let mut row = vec![format!("{} vs exact {own}", c.config.name())];
            row.extend(errors(&c.vs_formula));
            row.push(format!(
                "{} / {} ({} spurious, {} missed)",
                c.clamp_fires, c.clamp_should, c.clamp_spurious, c.clamp_missed
            ));
            row.extend([fig(c.bits_per_dim), fig(c.minus_exact_formula), fig(c.minus_exact_gaussian)]);
            rows.push(row);
        }
        for c in f.configs.iter().filter(|c| c.vs_gaussian.is_some()) {
            let mut row = vec![format!("{} vs exact Gaussian", c.config.name())];
            row.extend(errors(&c.vs_gaussian));
            row.extend(["-".into(), fig(c.bits_per_dim), "-".into(), fig(c.minus_exact_gaussian)]);
            rows.push(row);
        }
        table(
            out,
            &[
                "config",
                "max err",
                "mean err",
                "median err",
                "> 1e-3",
                "> 0.1",
                "> 1",
                "clamp fires / should",
                "bits/dim",
                "- exact own",
                "- exact Gaussian",
            ],
            &rows,
        );
        let _ = writeln!(
            out,
            "bits/dim of tanh minus erf: {} (f32), {} (f64).\n",
            fig(f.tanh_minus_erf[0]),
            fig(f.tanh_minus_erf[1])
        );
    }
    for f in &l.families {
        let d = |c: usize| fig(f.configs[c].minus_exact_gaussian);
        let _ = writeln!(
            out,
            "What to do ({}): against the exact Gaussian bits/dim, erf in f32 is off by {}, tanh by {} (f32) and \
             {} (f64), erf in f64 by {}, the stable form by {} (f32) and {} (f64). A bits/dim difference between \
             two models smaller than the error of the configuration that measured it is noise.\n",
            f.family.name(),
            d(0),
            d(2),
            d(3),
            d(1),
            d(4),
            d(5)
        );
    }
    stable_loglik_note(out, l);
    let _ = writeln!(
        out,
        "**Where f32 breaks down: error by the exact bin probability P** (both families; max / median nats \
         against the own formula):\n"
    );
    let rows: Vec<Vec<String>> = l
        .by_probability
        .iter()
        .map(|r| {
            let mut row = vec![if r.prob_from.0 == 0.0 {
                "P < 1e-12 (clamped)".to_string()
            } else {
                format!("[{}, {})", fig(r.prob_from), fig(r.prob_to))
            }];
            row.extend(
                (0..r.count.len())
                    .map(|c| format!("{} / {} (n={})", fig(r.max[c]), fig(r.median[c]), r.count[c])),
            );
            row
        })
        .collect();
    let header: Vec<String> =
        std::iter::once("P".to_string()).chain(Config::ALL.iter().map(|c| c.name())).collect();
    table(out, &header.iter().map(String::as_str).collect::<Vec<_>>(), &rows);
    let _ = writeln!(
        out,
        "Why: the f32 CDFs carry an absolute error of ~3e-8 (`1 + erf` and `1 + tanh` near 0, and values near \
         1 spaced 6e-8 apart), so a bin of probability P is off by roughly 3e-8 / P nats; once P < ~1e-7 both \
         CDF values round to the same number and the computed probability is 0, which the clamp turns into \
         ln(1e-12). Causes of the f32 errors above 0.1 nat:\n"
    );
    let rows: Vec<Vec<String>> = l
        .causes
        .iter()
        .map(|c| {
            vec![format!("`{}`", kebab(&c.cause)), c.cause.explain().into()]
                .into_iter()
                .chain(c.count.iter().map(usize::to_string))
                .collect()
        })
        .collect();
    let header: Vec<String> = ["cause".to_string(), "what happens".into()]
        .into_iter()
        .chain(Config::ALL.iter().filter(|c| c.precision == Precision::F32).map(|c| c.name()))
        .collect();
    table(out, &header.iter().map(String::as_str).collect::<Vec<_>>(), &rows);
    let _ = writeln!(out, "**Worst f32 inputs** (against the own formula):\n");
    let rows: Vec<Vec<String>> = l
        .families
        .iter()
        .flat_map(|f| {
            f.worst.iter().map(move |w| {
                vec![
                    f.family.name().to_string(),
                    w.config.name(),
                    format!("{}, {}, {}", w.pixel.x, w.pixel.mean, w.pixel.log_scale),
                    w.branch.name().into(),
                    format!("{}, {}", num(w.min_in), num(w.plus_in)),
                    match (w.cdf_min, w.cdf_plus) {
                        (Some(lo), Some(hi)) => format!("{}, {}", num(lo), num(hi)),
                        _ => "-".into(),
                    },
                    fig(w.computed),
                    fig(w.reference),
                    fig(w.exact_prob),
                    format!("`{}`", kebab(&w.cause)),
                ]
            })
        })
        .collect();
    table(
        out,
        &[
            "family",
            "config",
            "x, mean, log_scale",
            "branch",
            "min_in, plus_in",
            "cdf(min_in), cdf(plus_in)",
            "computed",
            "exact (reference)",
            "exact P",
            "cause",
        ],
        &rows,
    );
    let _ = writeln!(
        out,
        "Cross-check: the accurate f64 log-likelihood agrees with the arbitrary-precision reference within {} \
         nats on {} elements (a sample of each family and variant plus every worst input).\n",
        fig(l.crosscheck.max_abs_diff),
        l.crosscheck.count
    );
    let _ = writeln!(
        out,
        "![erf f32 heatmap](loglik_heatmap_erf_f32.svg)\n\n![tanh f32 heatmap](loglik_heatmap_tanh_f32.svg)\n\n\
         ![tanh f32 vs Gaussian heatmap](loglik_heatmap_tanh_f32_vs_gaussian.svg)\n\n\
         ![stable f32 heatmap](loglik_heatmap_stable_f32.svg)\n\n![bits/dim](bits_per_dim.svg)\n"
    );
}

/// What the stable log-likelihood rows show, in figures from the audit.
fn stable_loglik_note(out: &mut String, l: &LoglikAudit) {
    let max = |c: &ConfigAudit| c.vs_formula.as_ref().map_or(f64::NAN, |s| s.reference.unwrap_or(s.max).0);
    let per_family = |pick: &dyn Fn(&FamilyAudit) -> String| {
        l.families.iter().map(|f| format!("{} ({})", pick(f), f.family.name())).collect::<Vec<_>>().join(", ")
    };
    let _ = writeln!(
        out,
        "**Stable rows**: in f32 `log_likelihood_stable` is off the exact Gaussian by at most {} nats, erf \
         f32 by up to {}; its share of elements off by more than 1e-3 nat is {}, its clamp fires / should \
         {}. In f64 its maxima are {} nats. The sweep truth shares `engine::log_phi` with the stable form: \
         in f64 only these reference-judged maxima are independent of it (its bits/dim difference is not).\n",
        per_family(&|f| num(max(f.config(Form::Stable, Precision::F32)))),
        per_family(&|f| num(max(f.config(Form::Upstream(Cdf::Erf), Precision::F32)))),
        per_family(&|f| {
            let c = f.config(Form::Stable, Precision::F32);
            c.vs_formula.as_ref().map_or("-".into(), |s| num(s.beyond[0].share.0))
        }),
        per_family(&|f| {
            let c = f.config(Form::Stable, Precision::F32);
            format!("{} / {}", c.clamp_fires, c.clamp_should)
        }),
        per_family(&|f| num(max(f.config(Form::Stable, Precision::F64)))),
    );
}

/// The serialized (kebab-case) name of a unit enum variant.
fn kebab<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

fn kl_section(out: &mut String, kl: &KlAudit) {
    let _ = writeln!(out, "## 4. normal_kl for nearly identical Gaussians\n");
    let _ = writeln!(
        out,
        "logvar2 ~ U[-10, -1], logvar1 = logvar2 + d with |d| = 10^U[-7, -2] (rounded to f32, so the realised d \
         is a multiple of logvar2's spacing, 5e-7 to 1e-6 near -8), means equal or apart by 10^U[-7, -2] \
         standard deviations. Relative error against an accurate f64 KL (`e^d - 1 - d` by its series), maxima \
         re-judged by the reference.\n"
    );
    let rows: Vec<Vec<String>> = kl
        .rows
        .iter()
        .map(|r| {
            let s = r.relative_error.as_ref();
            vec![
                r.family.name().into(),
                r.form.name().into(),
                r.precision.name().into(),
                if r.d_to.0 == 0.0 {
                    "d = 0".into()
                } else {
                    format!("[{}, {})", fig(r.d_from), fig(r.d_to))
                },
                r.count.to_string(),
                max_of(&r.relative_error),
                s.map_or("-".into(), |s| fig(s.median)),
                s.map_or("-".into(), |s| num(s.beyond[1].share.0)),
                fig(r.zero_share),
                fig(r.negative_share),
                if r.identical == 0 {
                    "-".into()
                } else {
                    format!("{} (max {})", r.identical, fig(r.identical_max_abs))
                },
            ]
        })
        .collect();
    table(
        out,
        &[
            "family",
            "form",
            "precision",
            "abs(d)",
            "n",
            "max rel err",
            "median rel err",
            "share rel err > 1",
            "share = 0",
            "share < 0",
            "identical Gaussians: n (max abs KL)",
        ],
        &rows,
    );
    let _ = writeln!(
        out,
        "The relative error counts elements whose exact KL is positive; \"share = 0\" and \"share < 0\" are \
         of all elements of the row (a KL is never negative). What to do: in f32 the KL of nearly identical \
         Gaussians is noise, its absolute error ~1e-6 against an exact value ~d^2/4 (and it is nonzero, of \
         either sign, for identical ones); compute `normal_kl` in f64, or use `normal_kl_stable` \
         (`0.5 * (expm1(d) - d + gap^2 exp(-logvar2))`). Accurate-KL cross-check: within {} relative of the \
         reference at every worst input.\n",
        fig(kl.crosscheck_max_rel_diff)
    );
    let stable = |p: Precision| kl.rows.iter().filter(move |r| r.form == KlForm::Stable && r.precision == p);
    let worst = |p: Precision| {
        stable(p)
            .filter_map(|r| r.relative_error.as_ref())
            .map(|s| s.reference.unwrap_or(s.max).0)
            .fold(0.0, f64::max)
    };
    let zero_or_negative = Precision::ALL
        .iter()
        .flat_map(|&p| stable(p))
        .map(|r| r.zero_share.0 + r.negative_share.0)
        .fold(0.0, f64::max);
    let _ = writeln!(
        out,
        "Stable rows: `normal_kl_stable` stays within {} relative of the exact KL in f32 and {} in f64 over \
         every row (maxima re-judged by the reference); the largest share of results that are 0 or negative in \
         any of its rows is {}.\n",
        num(worst(Precision::F32)),
        num(worst(Precision::F64)),
        num(zero_or_negative)
    );
}

fn mean_section(out: &mut String, mean: &MeanAudit) {
    let _ = writeln!(out, "## 5. mean_flat\n");
    let _ = writeln!(
        out,
        "Per-sample f32 means of realistic loss tensors against the exact mean (reference: exact sum, one \
         rounding). *squared-error*: (0.2 g)^2; *nats*: 3.5 + 1.5 g, g ~ N(0, 1).\n"
    );
    let rows: Vec<Vec<String>> = mean
        .rows
        .iter()
        .map(|r| {
            vec![
                format!("{:?}", r.shape),
                kebab(&r.kind),
                match r.method {
                    Method::Pairwise => "pairwise (mean_flat)".into(),
                    Method::NaiveRunning => "naive running sum".into(),
                },
                max_of(&r.ulps),
                r.ulps.as_ref().map_or("-".into(), |s| fig(s.mean)),
                fig(r.max_relative),
            ]
        })
        .collect();
    table(out, &["shape", "data", "f32 summation", "max ulps", "mean ulps", "max rel err"], &rows);
    let _ = writeln!(
        out,
        "What to do: pairwise summation keeps the f32 mean within a few ulps at every image size; a hand-written \
         running sum drifts with the row length, so do not use one for per-image losses of large images.\n"
    );
}

/// `report.md`.
pub fn markdown(audit: &Audit) -> String {
    let mut out = String::new();
    let s = &audit.settings;
    let _ = writeln!(out, "# Accuracy audit: erf vs tanh, f32 vs f64\n");
    let _ = writeln!(
        out,
        "Generated by `cargo run --release -- audit` (seed {}; `tests/audit.rs` checks that this file is up to \
         date). Labels follow the Accuracy-of-Mathematical-Functions reports: **proven** maxima come from \
         evaluating every input; **sampled** maxima are over a sample and are lower bounds. Truth: the accurate \
         f64 engine for sweeps, the arbitrary-precision reference for cross-checks and for every reported \
         maximum. Inputs are f32 values, evaluated in f32 and in f64. All figures are in `summary.json`.\n",
        s.seed
    );
    let _ = writeln!(out, "## Headline\n");
    out.push_str(&headline(audit));
    let _ = writeln!(
        out,
        "Every maximum is `sampled` (a lower bound) except the row marked proven. bits/dim is the mean of \
         -loglik / ln 2 over the family; \"fires / should\" counts elements where the 1e-12 clamp fired and \
         where the exact probability is below 1e-12. *stable*: `log_likelihood_stable` (true Gaussian in log \
         space, no CDF values, hence no CDF rows).\n"
    );
    cdf_section(&mut out, &audit.cdf, s.seed, s.cdf_samples);
    exhaustive_section(&mut out, audit.exhaustive.as_ref());
    loglik_section(&mut out, &audit.loglik, s.loglik_rows);
    kl_section(&mut out, &audit.normal_kl);
    mean_section(&mut out, &audit.mean_flat);
    out
}

/// Every output file as `(name, contents)`: `report.md`, `summary.json` and the plots.
pub fn files(audit: &Audit) -> Result<Vec<(String, String)>, Error> {
    let summary = serde_json::to_string_pretty(audit).map_err(|e| Error::Unusable {
        file: "summary.json".into(),
        field: "audit".into(),
        problem: e.to_string(),
    })? + "\n";
    let mut files = vec![("report.md".to_string(), markdown(audit)), ("summary.json".to_string(), summary)];
    files.extend(plots::render(&audit.loglik)?);
    Ok(files)
}
