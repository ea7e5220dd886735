//! Heatmaps of the f32 log-likelihood error over the offset of the pixel from the mean (in scales) and
//! the log scale: where in the decoder's output space each form breaks down.

use super::super::stats::worse;
use super::super::Precision;
use super::{Config, Form, Pixel};
use crate::reference::Variant;
use crate::{Cdf, Error};
use rayon::prelude::*;

/// A heatmap of f32 log-likelihood errors.
#[derive(Debug, Clone)]
pub struct Heatmap {
    /// Plot title.
    pub title: String,
    /// Column centres: (x - mean) / scale.
    pub offsets: Vec<f64>,
    /// Row centres: log_scale.
    pub log_scales: Vec<f64>,
    /// `error[row][column]`: the largest error (nats, against the reference) over the sampled interior
    /// pixel levels; NaN where a result is NaN ([`worse`]: the same rule as every maximum).
    pub error: Vec<Vec<f64>>,
}

/// Interior pixel levels sampled in each heatmap cell.
const HEATMAP_LEVELS: [u32; 8] = [1, 40, 80, 127, 128, 170, 210, 254];

/// Heatmaps of the f32 error over ((x - mean)/scale, log_scale): erf against the Gaussian, tanh against
/// its formula (rounding only), tanh against the Gaussian (everything a tanh user gets) and the stable
/// form against the Gaussian.
pub fn heatmaps() -> Result<Vec<Heatmap>, Error> {
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
            let cell = |ls: f64, u: f64| -> Result<f64, Error> {
                HEATMAP_LEVELS.iter().try_fold(0.0, |acc, &k| {
                    let x = k as f32 / 127.5 - 1.0;
                    let log_scale = ls as f32;
                    let mean = x - (u * libm::exp(ls)) as f32;
                    let px = Pixel { x, mean, log_scale };
                    Ok(worse(acc, (config.evaluate(px).value - px.exact(variant)?.value).abs()))
                })
            };
            let error = log_scales
                .par_iter()
                .map(|&ls| offsets.iter().map(|&u| cell(ls, u)).collect())
                .collect::<Result<_, Error>>()?;
            Ok(Heatmap {
                title: title.into(),
                offsets: offsets.clone(),
                log_scales: log_scales.clone(),
                error,
            })
        })
        .collect()
}
