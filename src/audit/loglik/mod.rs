//! The log-likelihood section: `discretized_gaussian_log_likelihood` at t = 0 on realistic decoder outputs
//! (all 256 pixel levels), per form (upstream with erf or tanh, or the stable log-space variant) and
//! precision: errors in nats, clamp behaviour, bits/dim, the error by bin probability, the causes of the f32
//! breakdown with the worst inputs, and the heatmaps. This file holds the section's figures as data;
//! `sweep.rs` computes them.

mod cause;
mod config;
mod heatmap;
mod inputs;
mod sweep;

pub use cause::Cause;
pub use config::{Config, Evaluated, Form};
pub use heatmap::{heatmaps, Heatmap};
pub use inputs::{ExactLoglik, Family, Pixel};
pub use sweep::audit;

use super::stats::{Fig, Summary};
use super::Precision;
use crate::upstream::loglik::Branch;
use serde::Serialize;

/// Error thresholds (nats) whose exceedance shares the report gives.
pub const THRESHOLDS: [f64; 3] = [1e-3, 0.1, 1.0];

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

impl ConfigAudit {
    /// The error against the true Gaussian: `vs_gaussian` for tanh, `vs_formula` for the others (whose own
    /// formula is the Gaussian).
    pub fn vs_true_gaussian(&self) -> Option<&Summary<Pixel>> {
        self.vs_gaussian.as_ref().or(self.vs_formula.as_ref())
    }
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
    /// Exact log-likelihood of the own formula (reference).
    pub exact: Fig,
    /// The exact branch probability (own formula).
    pub exact_prob: Fig,
    /// Why it is off.
    pub cause: Cause,
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
    /// The worst f32 inputs (top `TOP_K` per f32 configuration, against the own formula).
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
}
