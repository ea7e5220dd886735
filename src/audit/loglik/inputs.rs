//! The audited inputs: two families of realistic decoder outputs over all 256 pixel levels, drawn as f32
//! so that both precisions see the same points, and their exact log-likelihoods from the reference.

use super::super::sample::Stream;
use super::super::Settings;
use crate::reference::{self, Variant};
use crate::upstream::loglik::Branch;
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

    /// Every element of the family in an audit with `settings` (`loglik_rows` rows of 256 levels).
    pub fn pixels(self, settings: &Settings) -> Vec<Pixel> {
        let k = Family::ALL.iter().position(|&f| f == self).unwrap_or_default() as u64;
        let stream = Stream::new(settings.seed, 10 + k);
        (0..settings.loglik_rows as u64 * 256).map(|j| self.pixel(stream, j)).collect()
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

/// Half-width of a pixel bin, 1/255 (the f64 nearest), for the descriptive `plus_in` and `min_in`.
const HALF_BIN: f64 = 1.0 / 255.0;

/// The exact log-likelihood of one element (arbitrary-precision reference, correctly rounded), with what
/// the audit needs to judge and explain it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExactLoglik {
    /// `ln(max(P, 1e-12))` with the exact real 1e-12.
    pub value: f64,
    /// `ln P` without the clamp (`-inf` where P is exactly 0).
    pub log_prob: f64,
    /// The branch selected by the exact comparison with 0.999.
    pub branch: Branch,
    /// Whether `P < 1e-12` (the clamp fires in exact arithmetic).
    pub clamped: bool,
    /// `plus_in` in f64 (descriptive: which tail the bin sits in).
    pub plus_in: f64,
    /// `min_in` in f64 (descriptive).
    pub min_in: f64,
}

impl Pixel {
    /// The exact value of `variant`'s log-likelihood here, from the reference (the truth of every sweep).
    pub fn exact(self, variant: Variant) -> Result<ExactLoglik, Error> {
        let (x, mean, log_scale) = (f64::from(self.x), f64::from(self.mean), f64::from(self.log_scale));
        let r = reference::discretized_gaussian_log_likelihood(x, mean, log_scale, variant)?;
        let inv_stdv = libm::exp(-log_scale);
        Ok(ExactLoglik {
            value: r.value.value,
            log_prob: r.log_prob_unclamped.value,
            branch: r.branch,
            clamped: r.clamped,
            plus_in: inv_stdv * (x - mean + HALF_BIN),
            min_in: inv_stdv * (x - mean - HALF_BIN),
        })
    }
}
