//! The audited inputs: two families of realistic decoder outputs over all 256 pixel levels, drawn as f32
//! so that both precisions see the same points, and their true log-likelihoods.

use super::super::accurate::{self, Loglik};
use super::super::sample::Stream;
use crate::reference::{self, Variant};
use crate::Error;
use serde::Serialize;

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
    pub(super) fn pixel(self, stream: Stream, j: u64) -> Pixel {
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

impl Pixel {
    /// The exact-semantics value of `variant`'s log-likelihood here from the accurate f64 evaluation
    /// (the sweeps' truth).
    pub fn accurate(self, variant: Variant) -> Loglik {
        accurate::log_likelihood(self.x.into(), self.mean.into(), self.log_scale.into(), variant)
    }

    /// The correctly rounded value from the arbitrary-precision reference (the truth of every reported
    /// maximum and of the cross-check).
    pub fn reference(self, variant: Variant) -> Result<f64, Error> {
        Ok(reference::discretized_gaussian_log_likelihood(
            self.x.into(),
            self.mean.into(),
            self.log_scale.into(),
            variant,
        )?
        .value
        .value)
    }
}
