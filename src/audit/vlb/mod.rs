//! The variational bound in bits/dim: improved-diffusion's full estimate (`calc_bpd_loop`: prior + every
//! `_vb_terms_bpd` term) on a synthetic batch with a known exact value, under tanh/erf x f32/f64, with
//! upstream's arrays, with float64 arrays kept (no `.float()`) and with a float32 schedule. Truth: the
//! reference's exact bound (`reference::variational_bound`), every term and total certified.

pub mod compose;
pub mod data;

use super::stats::{summarize, Fig, Summary, Truth};
use super::Settings;
use crate::functions::Precision;
use crate::reference::{self, Exact, VlbBatch, VlbExact};
use crate::upstream::schedule::Schedule;
use crate::{Cdf, Error};
use compose::{estimate, Arrays, Estimate};
use data::{Batch, CHANNELS, PIXELS, STEPS};
use rayon::prelude::*;
use serde::Serialize;

/// The schedules of the section.
pub const SCHEDULES: [Schedule; 2] = [Schedule::Cosine, Schedule::Linear];

/// One configuration under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Config {
    /// The decoder's CDF.
    pub cdf: Cdf,
    /// The tensors' precision.
    pub precision: Precision,
    /// Where the coefficients come from.
    pub arrays: Arrays,
}

impl Config {
    /// Every configuration: upstream's arrays in both precisions and CDFs, float64 arrays kept in f64, a
    /// float32 schedule in f32.
    pub fn all() -> Vec<Config> {
        let mut all = Vec::new();
        for (arrays, precisions) in [
            (Arrays::Upstream, &[Precision::F32, Precision::F64][..]),
            (Arrays::Float64Kept, &[Precision::F64][..]),
            (Arrays::Float32, &[Precision::F32][..]),
        ] {
            for &precision in precisions {
                for cdf in [Cdf::Tanh, Cdf::Erf] {
                    all.push(Config { cdf, precision, arrays });
                }
            }
        }
        all
    }

    /// The estimate of `batch` in this configuration.
    pub fn estimate(self, batch: &Batch) -> Result<Estimate, Error> {
        crate::with_real!(self.precision, T => estimate::<T>(batch, self.arrays, self.cdf))
    }

    /// Index of the exact values of this configuration's decoder formula in [`VlbExact`].
    pub fn variant_index(self) -> usize {
        match self.cdf {
            Cdf::Erf => 0,
            Cdf::Tanh => 1,
        }
    }
}

/// The timesteps whose KL terms are reported on their own: 1, T/2, T - 1.
pub const KL_STEPS: [u64; 3] = [1, STEPS / 2, STEPS - 1];

/// One term's (or the total's) error over the images: `top` are image indices.
#[derive(Debug, Clone, Serialize)]
pub struct Quantity {
    /// The computed value at the worst image.
    pub computed: Fig,
    /// The exact value at the worst image.
    pub exact: Fig,
    /// |computed - exact| over the images.
    pub error: Summary<usize>,
}

/// A term of the estimate: timestep and image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TermInput {
    /// The timestep (0: the decoder term).
    pub t: u64,
    /// The image.
    pub image: usize,
}

/// One configuration's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigRow {
    /// The configuration.
    pub config: Config,
    /// The decoder term (t = 0) against the exact value of its own formula.
    pub decoder: Quantity,
    /// The KL terms at [`KL_STEPS`].
    pub kl: Vec<Quantity>,
    /// `_prior_bpd`.
    pub prior: Quantity,
    /// The full estimate against the exact bound with the configuration's decoder formula.
    pub total: Quantity,
    /// Every term of every image (T B of them).
    pub every_term: Summary<TermInput>,
}

/// The exact figures of one schedule, means over the images.
#[derive(Debug, Clone, Serialize)]
pub struct ExactMeans {
    /// The full bound with the Gaussian decoder (the true bound of this model).
    pub total_gaussian: Fig,
    /// The full bound with the tanh formula's decoder.
    pub total_tanh: Fig,
    /// Decoder term, Gaussian.
    pub decoder_gaussian: Fig,
    /// Decoder term, tanh formula.
    pub decoder_tanh: Fig,
    /// Sum of the KL terms t = 1 .. T - 1.
    pub kl_sum: Fig,
    /// The KL terms at [`KL_STEPS`].
    pub kl: Vec<Fig>,
    /// The prior term.
    pub prior: Fig,
}

/// One schedule's section.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleVlb {
    /// The schedule (T = [`STEPS`]).
    pub schedule: Schedule,
    /// The exact values.
    pub exact: ExactMeans,
    /// Every configuration.
    pub rows: Vec<ConfigRow>,
}

/// The section's figures.
#[derive(Debug, Clone, Serialize)]
pub struct VlbAudit {
    /// The batch shape `[B, C, H, W]`.
    pub shape: [usize; 4],
    /// T.
    pub steps: u64,
    /// [`data::ERROR_SCALE`].
    pub error_scale: f64,
    /// Per schedule.
    pub schedules: Vec<ScheduleVlb>,
}

/// The exact bound of `batch` from the reference.
pub fn exact(batch: &Batch) -> Result<VlbExact, Error> {
    let wide = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<f64>>();
    let (x_start, pred_xstart, model_var_values) =
        (wide(&batch.x_start), wide(&batch.pred_xstart), wide(&batch.model_var_values));
    reference::variational_bound(&VlbBatch {
        schedule: batch.schedule,
        steps: STEPS,
        channels: CHANNELS,
        pixels: PIXELS,
        x_start: &x_start,
        pred_xstart: &pred_xstart,
        model_var_values: &model_var_values,
    })
}

/// The errors of `computed` against `exact` over the images.
fn quantity(computed: &[f64], exact: &[Exact]) -> Quantity {
    let errors: Vec<f64> = computed.iter().zip(exact).map(|(c, e)| (c - e.value).abs()).collect();
    let images: Vec<usize> = (0..errors.len()).collect();
    let error = summarize(&errors, &images, &[], Truth::Reference).expect("at least one image");
    let w = *error.worst();
    Quantity { computed: Fig(computed[w]), exact: Fig(exact[w].value), error }
}

/// Mean of the exact values over the images.
fn mean(v: &[Exact]) -> Fig {
    Fig(v.iter().map(|e| e.value).sum::<f64>() / v.len() as f64)
}

/// One configuration's row.
pub fn row(config: Config, batch: &Batch, exact: &VlbExact) -> Result<ConfigRow, Error> {
    let est = config.estimate(batch)?;
    let k = config.variant_index();
    let exact_term = |t: usize| if t == 0 { &exact.decoder[k] } else { &exact.kl[t - 1] };
    let mut errors = Vec::new();
    let mut inputs = Vec::new();
    for (t, row) in est.terms.iter().enumerate() {
        for (image, (c, e)) in row.iter().zip(exact_term(t)).enumerate() {
            errors.push((c - e.value).abs());
            inputs.push(TermInput { t: t as u64, image });
        }
    }
    Ok(ConfigRow {
        config,
        decoder: quantity(&est.terms[0], &exact.decoder[k]),
        kl: KL_STEPS.iter().map(|&t| quantity(&est.terms[t as usize], exact_term(t as usize))).collect(),
        prior: quantity(&est.prior, &exact.prior),
        total: quantity(&est.total, &exact.total[k]),
        every_term: summarize(&errors, &inputs, &[], Truth::Reference).expect("terms"),
    })
}

/// Runs the section.
pub fn audit(settings: &Settings) -> Result<VlbAudit, Error> {
    let schedules = SCHEDULES
        .par_iter()
        .map(|&schedule| {
            let batch = data::batch(settings, schedule)?;
            let exact = exact(&batch)?;
            let rows = Config::all().into_iter().map(|c| row(c, &batch, &exact)).collect::<Result<_, _>>()?;
            let kl_sum: f64 =
                (0..batch.images).map(|b| exact.kl.iter().map(|row| row[b].value).sum::<f64>()).sum::<f64>()
                    / batch.images as f64;
            Ok(ScheduleVlb {
                schedule,
                exact: ExactMeans {
                    total_gaussian: mean(&exact.total[0]),
                    total_tanh: mean(&exact.total[1]),
                    decoder_gaussian: mean(&exact.decoder[0]),
                    decoder_tanh: mean(&exact.decoder[1]),
                    kl_sum: Fig(kl_sum),
                    kl: KL_STEPS.iter().map(|&t| mean(&exact.kl[t as usize - 1])).collect(),
                    prior: mean(&exact.prior),
                },
                rows,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(VlbAudit {
        shape: [settings.vlb_images, CHANNELS, 8, 8],
        steps: STEPS,
        error_scale: data::ERROR_SCALE,
        schedules,
    })
}
