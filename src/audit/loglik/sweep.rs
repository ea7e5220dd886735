//! The sweep: every configuration on every element of both families against the reference (both exact
//! values of every element, computed in parallel), summarised into the section's figures.

use super::super::stats::{exceeds, summarize, top_k, Fig, Summary, Truth, TOP_K};
use super::super::Settings;
use super::config::f32_configs;
use super::inputs::ExactLoglik;
use super::{
    Cause, CauseCount, Config, ConfigAudit, DecadeRow, Evaluated, Family, FamilyAudit, LoglikAudit, Pixel,
    WorstRow, THRESHOLDS,
};
use crate::reference::Variant;
use crate::Error;
use rayon::prelude::*;
use std::f64::consts::LN_2;

/// Everything computed for one element.
struct Element {
    px: Pixel,
    gaussian: ExactLoglik,
    tanh: ExactLoglik,
    /// `Config::ALL` order.
    fast: [Evaluated; Config::ALL.len()],
}

impl Element {
    fn new(px: Pixel) -> Result<Element, Error> {
        Ok(Element {
            px,
            gaussian: px.exact(Variant::Gaussian)?,
            tanh: px.exact(Variant::Tanh)?,
            fast: Config::ALL.map(|c| c.evaluate(px)),
        })
    }

    fn exact(&self, variant: Variant) -> &ExactLoglik {
        match variant {
            Variant::Gaussian => &self.gaussian,
            Variant::Tanh => &self.tanh,
        }
    }

    /// Error of configuration `c` (index into `Config::ALL`) against `variant`'s exact value.
    fn error(&self, c: usize, variant: Variant) -> f64 {
        (self.fast[c].value - self.exact(variant).value).abs()
    }
}

/// Mean of -loglik / ln 2 over `values`.
fn bits_per_dim(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s - v, n + 1));
    sum / n as f64 / LN_2
}

/// Error summary of configuration `c` against `variant`.
fn summary(elements: &[Element], c: usize, variant: Variant) -> Option<Summary<Pixel>> {
    let errors: Vec<f64> = elements.iter().map(|e| e.error(c, variant)).collect();
    let inputs: Vec<Pixel> = elements.iter().map(|e| e.px).collect();
    summarize(&errors, &inputs, &THRESHOLDS, Truth::Reference)
}

/// Audits one family.
fn family_audit(family: Family, elements: &[Element]) -> FamilyAudit {
    let exact_g = bits_per_dim(elements.iter().map(|e| e.gaussian.value));
    let exact_t = bits_per_dim(elements.iter().map(|e| e.tanh.value));
    let mut configs = Vec::new();
    for (c, config) in Config::ALL.iter().enumerate() {
        let own = config.formula();
        let count = |f: &dyn Fn(&Element) -> bool| elements.iter().filter(|e| f(e)).count();
        let bpd = bits_per_dim(elements.iter().map(|e| e.fast[c].value));
        let vs_formula = summary(elements, c, own);
        let vs_gaussian = if own == Variant::Tanh { summary(elements, c, Variant::Gaussian) } else { None };
        configs.push(ConfigAudit {
            config: *config,
            vs_formula,
            vs_gaussian,
            clamp_fires: count(&|e| e.fast[c].fires),
            clamp_should: count(&|e| e.exact(own).clamped),
            clamp_spurious: count(&|e| e.fast[c].fires && !e.exact(own).clamped),
            clamp_missed: count(&|e| !e.fast[c].fires && e.exact(own).clamped),
            bits_per_dim: Fig(bpd),
            minus_exact_formula: Fig(bpd - if own == Variant::Tanh { exact_t } else { exact_g }),
            minus_exact_gaussian: Fig(bpd - exact_g),
        });
    }
    let worst = worst_rows(elements);
    let bpd = |c: usize| configs[c].bits_per_dim.0;
    FamilyAudit {
        family,
        count: elements.len(),
        exact_bits_per_dim: Fig(exact_g),
        exact_tanh_bits_per_dim: Fig(exact_t),
        tanh_minus_erf: [Fig(bpd(2) - bpd(0)), Fig(bpd(3) - bpd(1))],
        configs,
        worst,
    }
}

/// The top [`TOP_K`] inputs of each f32 configuration against its own formula.
fn worst_rows(elements: &[Element]) -> Vec<WorstRow> {
    let mut worst = Vec::new();
    for c in f32_configs() {
        let own = Config::ALL[c].formula();
        let errors: Vec<f64> = elements.iter().map(|e| e.error(c, own)).collect();
        for i in top_k(&errors, TOP_K) {
            let e = &elements[i];
            let (ev, ex) = (&e.fast[c], e.exact(own));
            worst.push(WorstRow {
                config: Config::ALL[c],
                pixel: e.px,
                branch: ex.branch,
                plus_in: ex.plus_in,
                min_in: ex.min_in,
                cdf_plus: ev.cdf_plus,
                cdf_min: ev.cdf_min,
                computed: Fig(ev.value),
                exact: Fig(ex.value),
                exact_prob: Fig(libm::exp(ex.log_prob)),
                cause: Cause::of(ev, ex),
            });
        }
    }
    worst
}

/// The decade table over all elements.
fn by_probability(all: &[&Element]) -> Vec<DecadeRow> {
    // Decade k covers [10^-(k+1), 10^-k) for k = 0..12; the last row is P < 1e-12 (clamped).
    let decade = |e: &Element, c: usize| {
        let ex = e.exact(Config::ALL[c].formula());
        if ex.clamped {
            12
        } else {
            ((-ex.log_prob / std::f64::consts::LN_10).floor() as usize).min(11)
        }
    };
    (0..13)
        .map(|k| {
            let mut count = Vec::new();
            let mut median = Vec::new();
            let mut max = Vec::new();
            for (c, config) in Config::ALL.iter().enumerate() {
                let errors: Vec<f64> =
                    all.iter().filter(|e| decade(e, c) == k).map(|e| e.error(c, config.formula())).collect();
                let inputs = vec![(); errors.len()];
                let s = summarize(&errors, &inputs, &[], Truth::Reference);
                count.push(errors.len());
                median.push(s.as_ref().map_or(Fig(0.0), |s| s.median));
                max.push(s.as_ref().map_or(Fig(0.0), |s| s.max));
            }
            let (from, to) = if k == 12 {
                (0.0, 1e-12)
            } else {
                (libm::pow(10.0, -(k as f64) - 1.0), libm::pow(10.0, -(k as f64)))
            };
            DecadeRow { prob_from: Fig(from), prob_to: Fig(to), count, median, max }
        })
        .collect()
}

/// Runs the log-likelihood section.
pub fn audit(settings: &Settings) -> Result<LoglikAudit, Error> {
    let mut families = Vec::new();
    let mut per_family = Vec::new();
    for family in Family::ALL {
        // The reference dominates the cost (two exact values per element): one element per task.
        let elements =
            family.pixels(settings).into_par_iter().map(Element::new).collect::<Result<Vec<_>, Error>>()?;
        families.push(family_audit(family, &elements));
        per_family.push(elements);
    }
    let all: Vec<&Element> = per_family.iter().flatten().collect();
    let causes = Cause::ALL
        .iter()
        .map(|&cause| CauseCount {
            cause,
            count: f32_configs()
                .map(|c| {
                    let own = Config::ALL[c].formula();
                    all.iter()
                        .filter(|e| {
                            exceeds(e.error(c, own), 0.1) && Cause::of(&e.fast[c], e.exact(own)) == cause
                        })
                        .count()
                })
                .collect(),
        })
        .collect();
    Ok(LoglikAudit { families, by_probability: by_probability(&all), causes })
}
