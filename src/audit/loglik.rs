//! The log-likelihood section: `discretized_gaussian_log_likelihood` at t = 0 on realistic decoder outputs
//! (all 256 pixel levels), per form (upstream with erf or tanh, or the stable log-space variant) and
//! precision: errors in nats, clamp behaviour, bits/dim, the error by bin probability, the causes of the f32
//! breakdown with the worst inputs, and the heatmaps.

use super::accurate::{self, Loglik};
use super::sample::Stream;
use super::stats::{summarize, top_k, Fig, Summary};
use super::{Precision, Settings};
use crate::reference::{self, Variant};
use crate::stable::log_likelihood_stable;
use crate::upstream::loglik::{bin_cdfs, log_likelihood_point, Branch};
use crate::{Cdf, Error, Real};
use serde::Serialize;
use std::f64::consts::LN_2;

/// Error thresholds (nats) whose exceedance shares the report gives.
pub const THRESHOLDS: [f64; 3] = [1e-3, 0.1, 1.0];

/// A family of decoder outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// `log_scale ~ U[-6, -2]`, `mean = x - scale * g`, `g ~ N(0, 1)`: the decoder is as uncertain as it
    /// claims (means off by about one predicted scale).
    Calibrated,
    /// `log_scale ~ U[-6, -2]`, `mean = x + U[-0.03, 0.03]`: confident scales, means off by up to a few
    /// hundredths (up to 12 scales), which puts many pixels in the far tails.
    Miscalibrated,
}

impl Family {
    /// Both families.
    pub const ALL: [Family; 2] = [Family::Calibrated, Family::Miscalibrated];

    /// The family's name.
    pub fn name(self) -> &'static str {
        match self {
            Family::Calibrated => "calibrated",
            Family::Miscalibrated => "miscalibrated",
        }
    }

    /// Element `j` (row `j / 256`, pixel level `j % 256`) of the family.
    fn pixel(self, stream: Stream, j: u64) -> Pixel {
        let x = (j % 256) as f32 / 127.5 - 1.0;
        let log_scale = stream.fork(0).uniform(j, -6.0, -2.0);
        let mean = match self {
            Family::Calibrated => x - libm::expf(log_scale) * stream.fork(1).normal(j) as f32,
            Family::Miscalibrated => x + stream.fork(2).uniform(j, -0.03, 0.03),
        };
        Pixel { x, mean, log_scale }
    }
}

/// One element's inputs (all f32: both precisions see the same point).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pixel {
    /// Pixel value in [-1, 1].
    pub x: f32,
    /// Decoder mean.
    pub mean: f32,
    /// Decoder log standard deviation.
    pub log_scale: f32,
}

/// How a configuration computes the log-likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Upstream's formula with this CDF.
    Upstream(Cdf),
    /// [`log_likelihood_stable`]: the true Gaussian in log space.
    Stable,
}

impl Form {
    /// `"erf"`, `"tanh"` or `"stable"`.
    pub fn name(self) -> &'static str {
        match self {
            Form::Upstream(cdf) => cdf.name(),
            Form::Stable => "stable",
        }
    }

    /// The upstream CDF, `None` for the stable form (it evaluates no CDF values).
    pub fn cdf(self) -> Option<Cdf> {
        match self {
            Form::Upstream(cdf) => Some(cdf),
            Form::Stable => None,
        }
    }
}

impl Serialize for Form {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A form (upstream CDF variant or stable) in a precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Config {
    /// The formula.
    pub form: Form,
    /// The working precision.
    pub precision: Precision,
}

impl Config {
    /// The six audited configurations.
    pub const ALL: [Config; 6] = [
        Config { form: Form::Upstream(Cdf::Erf), precision: Precision::F32 },
        Config { form: Form::Upstream(Cdf::Erf), precision: Precision::F64 },
        Config { form: Form::Upstream(Cdf::Tanh), precision: Precision::F32 },
        Config { form: Form::Upstream(Cdf::Tanh), precision: Precision::F64 },
        Config { form: Form::Stable, precision: Precision::F32 },
        Config { form: Form::Stable, precision: Precision::F64 },
    ];

    /// E.g. `"tanh f32"`.
    pub fn name(self) -> String {
        format!("{} {}", self.form.name(), self.precision.name())
    }

    /// The exact function the configuration approximates: the tanh formula for tanh, the true Gaussian
    /// for erf and stable.
    pub fn formula(self) -> Variant {
        match self.form {
            Form::Upstream(Cdf::Tanh) => Variant::Tanh,
            Form::Upstream(Cdf::Erf) | Form::Stable => Variant::Gaussian,
        }
    }

    /// Evaluates one element.
    pub fn evaluate(self, px: Pixel) -> Evaluated {
        match self.precision {
            Precision::F32 => evaluate_in::<f32>(px, self.form),
            Precision::F64 => evaluate_in::<f64>(px, self.form),
        }
    }
}

/// Indices of the f32 configurations in `Config::ALL`.
fn f32_configs() -> impl Iterator<Item = usize> {
    (0..Config::ALL.len()).filter(|&c| Config::ALL[c].precision == Precision::F32)
}

/// A fast evaluation of one element, with the intermediates that explain its error.
#[derive(Debug, Clone, Copy)]
pub struct Evaluated {
    /// The log-likelihood.
    pub value: f64,
    /// Whether the clamp fired (upstream: `prob < 1e-12` rounded to the precision; stable: the result
    /// is the clamped `ln 1e-12`).
    pub fires: bool,
    /// `cdf(plus_in)` in the precision (upstream forms only).
    pub cdf_plus: Option<f64>,
    /// `cdf(min_in)` in the precision (upstream forms only).
    pub cdf_min: Option<f64>,
}

/// [`Config::evaluate`] in `T`.
fn evaluate_in<T: Real>(px: Pixel, form: Form) -> Evaluated {
    let (x, mean, log_scale) = (T::cast(px.x.into()), T::cast(px.mean.into()), T::cast(px.log_scale.into()));
    match form {
        Form::Upstream(cdf) => {
            let bin = bin_cdfs(x, mean, log_scale, T::BIN_HALF_WIDTH, |z| cdf.eval(z));
            Evaluated {
                value: log_likelihood_point(x, mean, log_scale, cdf).as_f64(),
                fires: bin.probability(Branch::of(x)) < T::PROB_FLOOR,
                cdf_plus: Some(bin.cdf_plus.as_f64()),
                cdf_min: Some(bin.cdf_min.as_f64()),
            }
        }
        Form::Stable => {
            let value = log_likelihood_stable(x, mean, log_scale);
            Evaluated {
                value: value.as_f64(),
                fires: value <= T::PROB_FLOOR.ln(),
                cdf_plus: None,
                cdf_min: None,
            }
        }
    }
}

/// The accurate value of `variant` at `px`.
fn exact(px: Pixel, variant: Variant) -> Loglik {
    accurate::log_likelihood(px.x.into(), px.mean.into(), px.log_scale.into(), variant)
}

/// The reference value of `variant` at `px`.
fn reference_value(px: Pixel, variant: Variant) -> Result<f64, Error> {
    Ok(reference::discretized_gaussian_log_likelihood(
        px.x.into(),
        px.mean.into(),
        px.log_scale.into(),
        variant,
    )?
    .value
    .value)
}

/// Why an f32 log-likelihood is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The computed probability fell below 1e-12 (usually to exactly 0) although the exact one is not.
    SpuriousClamp,
    /// The clamp should have fired but the computed probability stayed above 1e-12.
    MissedClamp,
    /// Upper tail: `1 - cdf` or `cdf - cdf` of values near 1, spaced 2^-24 apart in f32.
    UpperTail,
    /// Lower tail: `1 + erf` / `1 + tanh` near -1 leaves the CDF an absolute error of ~2^-25.
    LowerTail,
    /// Neither tail: the rounding of `x - mean`, `exp` and the CDF in the bulk.
    Bulk,
}

impl Cause {
    /// Every cause, in report order.
    pub const ALL: [Cause; 5] =
        [Cause::SpuriousClamp, Cause::MissedClamp, Cause::UpperTail, Cause::LowerTail, Cause::Bulk];

    /// A one-line explanation.
    pub fn explain(self) -> &'static str {
        match self {
            Cause::SpuriousClamp => {
                "computed probability below 1e-12 (mostly exactly 0) while the exact one is above"
            }
            Cause::MissedClamp => "exact probability below 1e-12 but the computed one above (clamp missed)",
            Cause::UpperTail => "upper tail: 1 - cdf or cdf - cdf of CDF values near 1 (spacing 6e-8 in f32)",
            Cause::LowerTail => {
                "lower tail: 1 + erf (or 1 + tanh) near 0 leaves an absolute error ~3e-8 in f32"
            }
            Cause::Bulk => "bulk: rounding of x - mean, exp(-log_scale) and the CDF",
        }
    }

    /// Classifies an element from its computed and exact values.
    fn of(ev: &Evaluated, ex: &Loglik) -> Cause {
        let upper = match ex.branch {
            Branch::EdgeRight => true,
            Branch::EdgeLeft => false,
            Branch::Interior => ex.min_in > 0.0,
        };
        let lower = match ex.branch {
            Branch::EdgeLeft => ex.plus_in < 0.0,
            Branch::EdgeRight => false,
            Branch::Interior => ex.plus_in < 0.0,
        };
        match (ev.fires, ex.clamped) {
            (true, false) => Cause::SpuriousClamp,
            (false, true) => Cause::MissedClamp,
            _ if upper => Cause::UpperTail,
            _ if lower => Cause::LowerTail,
            _ => Cause::Bulk,
        }
    }
}

/// Counts of a cause among badly-off f32 elements.
#[derive(Debug, Clone, Serialize)]
pub struct CauseCount {
    /// The cause.
    pub cause: Cause,
    /// Elements with error > 0.1 nat (vs the own formula) attributed to it, per f32 configuration
    /// (`Config::ALL` order: erf, tanh, stable).
    pub count: Vec<usize>,
}

/// One configuration on one family.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigAudit {
    /// The configuration.
    pub config: Config,
    /// Error (nats) against the exact value of its own formula.
    pub vs_formula: Option<Summary<Pixel>>,
    /// Error (nats) against the exact value under the true Gaussian (tanh only; equals `vs_formula` for erf).
    pub vs_gaussian: Option<Summary<Pixel>>,
    /// Elements where the clamp fired.
    pub clamp_fires: usize,
    /// Elements where it should fire (exact probability of the own formula below 1e-12).
    pub clamp_should: usize,
    /// Fired but should not have.
    pub clamp_spurious: usize,
    /// Should have fired but did not.
    pub clamp_missed: usize,
    /// Mean of -loglik / ln 2.
    pub bits_per_dim: Fig,
    /// `bits_per_dim` minus the exact bits/dim of its own formula.
    pub minus_exact_formula: Fig,
    /// `bits_per_dim` minus the exact bits/dim under the true Gaussian.
    pub minus_exact_gaussian: Fig,
}

/// A worst input with everything that explains it.
#[derive(Debug, Clone, Serialize)]
pub struct WorstRow {
    /// The configuration.
    pub config: Config,
    /// The inputs.
    pub pixel: Pixel,
    /// The branch.
    pub branch: Branch,
    /// `plus_in`, `min_in` (f64).
    pub plus_in: f64,
    /// See `plus_in`.
    pub min_in: f64,
    /// The configuration's `cdf(plus_in)`, `cdf(min_in)` (upstream forms only).
    pub cdf_plus: Option<f64>,
    /// See `cdf_plus`.
    pub cdf_min: Option<f64>,
    /// Computed log-likelihood.
    pub computed: Fig,
    /// Exact log-likelihood of the own formula (accurate f64).
    pub exact: Fig,
    /// The same from the arbitrary-precision reference.
    pub reference: Fig,
    /// The exact branch probability (own formula).
    pub exact_prob: Fig,
    /// Why it is off.
    pub cause: Cause,
}

/// Agreement of the accurate f64 log-likelihood with the reference.
#[derive(Debug, Clone, Serialize)]
pub struct CrossCheck {
    /// Elements compared (a sample of each family and variant plus every reported worst input).
    pub count: usize,
    /// Largest |accurate - reference| in nats.
    pub max_abs_diff: Fig,
    /// Where.
    pub at: Pixel,
}

/// One family.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyAudit {
    /// The family.
    pub family: Family,
    /// Elements (rows x 256 levels).
    pub count: usize,
    /// Exact bits/dim under the true Gaussian.
    pub exact_bits_per_dim: Fig,
    /// Exact bits/dim under the tanh formula.
    pub exact_tanh_bits_per_dim: Fig,
    /// Per configuration, `Config::ALL` order.
    pub configs: Vec<ConfigAudit>,
    /// bits/dim of tanh minus erf, in f32 and f64.
    pub tanh_minus_erf: [Fig; 2],
    /// The worst f32 inputs (top 3 per f32 configuration, against the own formula).
    pub worst: Vec<WorstRow>,
}

impl FamilyAudit {
    /// The audit of `form` in `precision`.
    pub fn config(&self, form: Form, precision: Precision) -> &ConfigAudit {
        let wanted = Config { form, precision };
        self.configs.iter().find(|c| c.config == wanted).expect("every configuration is audited")
    }
}

/// Error by decade of the exact bin probability (own formula), over both families.
#[derive(Debug, Clone, Serialize)]
pub struct DecadeRow {
    /// Lower end of the decade (0 for the clamped row, P < 1e-12).
    pub prob_from: Fig,
    /// Upper end.
    pub prob_to: Fig,
    /// Elements per configuration (`Config::ALL` order).
    pub count: Vec<usize>,
    /// Median error (nats) per configuration.
    pub median: Vec<Fig>,
    /// Max error (nats) per configuration.
    pub max: Vec<Fig>,
}

/// The log-likelihood section.
#[derive(Debug, Clone, Serialize)]
pub struct LoglikAudit {
    /// Per family.
    pub families: Vec<FamilyAudit>,
    /// Error by bin probability.
    pub by_probability: Vec<DecadeRow>,
    /// Causes of f32 errors above 0.1 nat.
    pub causes: Vec<CauseCount>,
    /// The accurate f64 value against the reference.
    pub crosscheck: CrossCheck,
}

/// Everything computed for one element.
struct Element {
    px: Pixel,
    gaussian: Loglik,
    tanh: Loglik,
    /// `Config::ALL` order.
    fast: [Evaluated; Config::ALL.len()],
}

impl Element {
    fn new(px: Pixel) -> Element {
        Element {
            px,
            gaussian: exact(px, Variant::Gaussian),
            tanh: exact(px, Variant::Tanh),
            fast: Config::ALL.map(|c| c.evaluate(px)),
        }
    }

    fn exact(&self, variant: Variant) -> &Loglik {
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

/// Error summary of configuration `c` against `variant`, its worst input re-judged by the reference.
fn summary(elements: &[Element], c: usize, variant: Variant) -> Result<Option<Summary<Pixel>>, Error> {
    let errors: Vec<f64> = elements.iter().map(|e| e.error(c, variant)).collect();
    let inputs: Vec<Pixel> = elements.iter().map(|e| e.px).collect();
    let Some(mut s) = summarize(&errors, &inputs, &THRESHOLDS) else { return Ok(None) };
    let fast = Config::ALL[c].evaluate(s.worst).value;
    s.reference = Some(Fig((fast - reference_value(s.worst, variant)?).abs()));
    Ok(Some(s))
}

/// Audits one family.
fn family_audit(
    family: Family,
    elements: &[Element],
    check: &mut Vec<(Pixel, Variant)>,
) -> Result<FamilyAudit, Error> {
    let exact_g = bits_per_dim(elements.iter().map(|e| e.gaussian.value));
    let exact_t = bits_per_dim(elements.iter().map(|e| e.tanh.value));
    let mut configs = Vec::new();
    for (c, config) in Config::ALL.iter().enumerate() {
        let own = config.formula();
        let count = |f: &dyn Fn(&Element) -> bool| elements.iter().filter(|e| f(e)).count();
        let bpd = bits_per_dim(elements.iter().map(|e| e.fast[c].value));
        let vs_formula = summary(elements, c, own)?;
        let vs_gaussian = if own == Variant::Tanh { summary(elements, c, Variant::Gaussian)? } else { None };
        check.extend(vs_formula.iter().map(|s| (s.worst, own)));
        check.extend(vs_gaussian.iter().map(|s| (s.worst, Variant::Gaussian)));
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
    let worst = worst_rows(elements, check)?;
    let bpd = |c: usize| configs[c].bits_per_dim.0;
    Ok(FamilyAudit {
        family,
        count: elements.len(),
        exact_bits_per_dim: Fig(exact_g),
        exact_tanh_bits_per_dim: Fig(exact_t),
        tanh_minus_erf: [Fig(bpd(2) - bpd(0)), Fig(bpd(3) - bpd(1))],
        configs,
        worst,
    })
}

/// The top 3 f32 inputs of each f32 configuration against its own formula, each re-judged by the reference.
fn worst_rows(elements: &[Element], check: &mut Vec<(Pixel, Variant)>) -> Result<Vec<WorstRow>, Error> {
    let mut worst = Vec::new();
    for c in f32_configs() {
        let own = Config::ALL[c].formula();
        let errors: Vec<f64> = elements.iter().map(|e| e.error(c, own)).collect();
        for i in top_k(&errors, 3) {
            let e = &elements[i];
            let (ev, ex) = (&e.fast[c], e.exact(own));
            check.push((e.px, own));
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
                reference: Fig(reference_value(e.px, own)?),
                exact_prob: Fig(libm::exp(ex.log_prob)),
                cause: Cause::of(ev, ex),
            });
        }
    }
    Ok(worst)
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
                let s = summarize(&errors, &inputs, &[]);
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
    let n = settings.loglik_rows as u64 * 256;
    let mut families = Vec::new();
    let mut per_family = Vec::new();
    let mut check = Vec::new();
    for (k, family) in Family::ALL.iter().enumerate() {
        let stream = Stream::new(settings.seed, 10 + k as u64);
        let elements: Vec<Element> = (0..n).map(|j| Element::new(family.pixel(stream, j))).collect();
        // An evenly spaced sample for the cross-check of the accurate values.
        let stride = (elements.len() / settings.crosscheck.max(1)).max(1);
        for e in elements.iter().step_by(stride).take(settings.crosscheck) {
            check.push((e.px, Variant::Gaussian));
            check.push((e.px, Variant::Tanh));
        }
        families.push(family_audit(*family, &elements, &mut check)?);
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
                        .filter(|e| e.error(c, own) > 0.1 && Cause::of(&e.fast[c], e.exact(own)) == cause)
                        .count()
                })
                .collect(),
        })
        .collect();
    Ok(LoglikAudit {
        families,
        by_probability: by_probability(&all),
        causes,
        crosscheck: crosscheck(&check)?,
    })
}

/// Compares the accurate values with the reference at every `(pixel, variant)`.
fn crosscheck(points: &[(Pixel, Variant)]) -> Result<CrossCheck, Error> {
    let mut worst = (0.0, points.first().map_or(Pixel { x: 0.0, mean: 0.0, log_scale: 0.0 }, |p| p.0));
    for &(px, variant) in points {
        let diff = (exact(px, variant).value - reference_value(px, variant)?).abs();
        if diff > worst.0 {
            worst = (diff, px);
        }
    }
    Ok(CrossCheck { count: points.len(), max_abs_diff: Fig(worst.0), at: worst.1 })
}

/// A heatmap of f32 log-likelihood errors.
#[derive(Debug, Clone)]
pub struct Heatmap {
    /// Plot title.
    pub title: String,
    /// Column centres: (x - mean) / scale.
    pub offsets: Vec<f64>,
    /// Row centres: log_scale.
    pub log_scales: Vec<f64>,
    /// `error[row][column]`: the largest error (nats) over the sampled interior pixel levels.
    pub error: Vec<Vec<f64>>,
}

/// Interior pixel levels sampled in each heatmap cell.
const HEATMAP_LEVELS: [u32; 8] = [1, 40, 80, 127, 128, 170, 210, 254];

/// Heatmaps of the f32 error over ((x - mean)/scale, log_scale): erf against the Gaussian, tanh against
/// its formula (rounding only), tanh against the Gaussian (everything a tanh user gets) and the stable
/// form against the Gaussian.
pub fn heatmaps() -> Vec<Heatmap> {
    let offsets: Vec<f64> = (-24..=24).map(|k| f64::from(k) * 0.5).collect();
    let log_scales: Vec<f64> = (0..=28).map(|k| -7.0 + f64::from(k) * 0.25).collect();
    let panels = [
        ("erf f32 vs exact Gaussian", Form::Upstream(Cdf::Erf), Variant::Gaussian),
        ("tanh f32 vs exact tanh formula", Form::Upstream(Cdf::Tanh), Variant::Tanh),
        ("tanh f32 vs exact Gaussian", Form::Upstream(Cdf::Tanh), Variant::Gaussian),
        ("stable f32 vs exact Gaussian", Form::Stable, Variant::Gaussian),
    ];
    panels
        .iter()
        .map(|&(title, form, variant)| {
            let config = Config { form, precision: Precision::F32 };
            let error = log_scales
                .iter()
                .map(|&ls| {
                    offsets
                        .iter()
                        .map(|&u| {
                            HEATMAP_LEVELS
                                .iter()
                                .map(|&k| {
                                    let x = k as f32 / 127.5 - 1.0;
                                    let log_scale = ls as f32;
                                    let mean = x - (u * libm::exp(ls)) as f32;
                                    let px = Pixel { x, mean, log_scale };
                                    (config.evaluate(px).value - exact(px, variant).value).abs()
                                })
                                .fold(0.0, f64::max)
                        })
                        .collect()
                })
                .collect();
            Heatmap { title: title.into(), offsets: offsets.clone(), log_scales: log_scales.clone(), error }
        })
        .collect()
}
