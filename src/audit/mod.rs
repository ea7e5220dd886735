//! The accuracy audit: how far the tanh approximation and the erf form of the normal CDF, evaluated in f32
//! and f64, are from the truth, and what that does to log-likelihoods, bits/dim, `normal_kl` and
//! `mean_flat`. Quick mode samples with a fixed seed (every maximum labelled `sampled`, a lower bound);
//! the exhaustive scan evaluates all 2^32 float32 inputs of each f32 CDF (labelled `exhaustive`).
//!
//! Truth ([`stats::Truth`], printed with every maximum): the arbitrary-precision reference at every input
//! of every quick sweep, so no subject (the stable variants included) is judged by code it shares; the
//! exhaustive scan locates its maxima with the f64 engine (`stable::engine`) and values them with the
//! reference, and measures the engine against the reference on a sample ([`exhaustive::TruthCheck`]).

pub mod cdf;
pub mod exhaustive;
pub mod jacobian;
pub mod kl;
pub mod loglik;
pub mod mean;
pub mod merge;
pub mod plots;
pub mod report;
pub mod sample;
pub mod schedule;
pub mod stats;
pub mod vlb;

use crate::{Cdf, Error, Real};
use serde::Serialize;

pub use crate::functions::Precision;

impl Precision {
    /// `cdf(z)` evaluated in this precision (`z` is representable in it), widened to f64.
    pub fn cdf(self, cdf: Cdf, z: f64) -> f64 {
        crate::with_real!(self, T => eval_cdf::<T>(cdf, z))
    }
}

/// `cdf(z)` in `T`.
fn eval_cdf<T: Real>(cdf: Cdf, z: f64) -> f64 {
    cdf.eval(T::cast(z)).as_f64()
}

/// Sizes and seed of a quick audit. Every sweep draws from its own stream of this seed.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// Seed of every sampled sweep (SplitMix64 streams).
    pub seed: u64,
    /// Sampled CDF inputs.
    pub cdf_samples: usize,
    /// Rows of 256 pixel levels per log-likelihood family.
    pub loglik_rows: usize,
    /// Samples per `normal_kl` family.
    pub kl_samples: usize,
    /// Batch size B of the `mean_flat` tensors.
    pub mean_batch: usize,
    /// Images B of the variational-bound batch (`[B, 3, 8, 8]`, every timestep of T = 1000).
    pub vlb_images: usize,
}

impl Settings {
    /// The defaults of `audit`: about 1.4 million reference values, some 26 s of CPU in release and 42 s in
    /// the dev profile (spread over the cores by rayon), plus the variational bound's two exact bounds
    /// (about 2 s of CPU each in release, measured on a loaded 2-core machine).
    pub fn quick() -> Settings {
        Settings {
            seed: 20_240_601,
            cdf_samples: 1 << 18,
            loglik_rows: 512,
            kl_samples: 1 << 16,
            mean_batch: 8,
            vlb_images: 4,
        }
    }
}

/// Everything the report shows; serialized as `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    /// What was sampled, with which seed.
    pub settings: Settings,
    /// The CDF section.
    pub cdf: cdf::CdfAudit,
    /// The log-likelihood section.
    pub loglik: loglik::LoglikAudit,
    /// The `normal_kl` section.
    pub normal_kl: kl::KlAudit,
    /// The `mean_flat` section.
    pub mean_flat: mean::MeanAudit,
    /// The continuous log-likelihood's missing Jacobian.
    pub continuous_jacobian: jacobian::JacobianAudit,
    /// The beta schedules section.
    pub schedule: schedule::ScheduleAudit,
    /// The variational bound in bits/dim.
    pub vlb: vlb::VlbAudit,
    /// The exhaustive float32 scan, when `exhaustive.json` is present.
    pub exhaustive: Option<exhaustive::Exhaustive>,
}

/// Runs the quick audit (deterministic for given settings), attaching an exhaustive result if given.
pub fn run(settings: &Settings, exhaustive: Option<exhaustive::Exhaustive>) -> Result<Audit, Error> {
    Ok(Audit {
        settings: settings.clone(),
        cdf: cdf::audit(settings)?,
        loglik: loglik::audit(settings)?,
        normal_kl: kl::audit(settings)?,
        mean_flat: mean::audit(settings)?,
        continuous_jacobian: jacobian::audit(settings)?,
        schedule: schedule::audit()?,
        vlb: vlb::audit(settings)?,
        exhaustive,
    })
}
