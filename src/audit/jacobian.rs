//! The continuous log-likelihood's missing Jacobian in one figure: DiT's
//! `continuous_gaussian_log_likelihood` is the standard normal log-density at the normalized value,
//! without the `-log_scales` term of the density of `x` itself, so its NLL exceeds the true Gaussian NLL
//! by `-log_scales` nats per element. Measured on the log-likelihood section's calibrated decoder outputs.

use super::loglik::Family;
use super::Settings;
use crate::reference;
use crate::Error;
use rayon::prelude::*;
use serde::Serialize;

/// The figures of the Jacobian sentence (means over the family's elements, bits/dim = nats / ln 2).
#[derive(Debug, Clone, Serialize)]
pub struct JacobianAudit {
    /// The family measured.
    pub family: Family,
    /// Its number of elements.
    pub count: usize,
    /// Mean `log_scale` of the decoder outputs.
    pub mean_log_scale: f64,
    /// NLL in bits/dim of upstream's formula (exact values from the reference, averaged in f64).
    pub upstream_bits_per_dim: f64,
    /// NLL in bits/dim of the true Gaussian density: upstream's minus `-log_scale` per element.
    pub true_bits_per_dim: f64,
}

impl JacobianAudit {
    /// How many bits/dim upstream's NLL lies above the true one.
    pub fn missing_bits_per_dim(&self) -> f64 {
        self.upstream_bits_per_dim - self.true_bits_per_dim
    }
}

/// Evaluates the calibrated family's elements with the reference.
pub fn audit(settings: &Settings) -> Result<JacobianAudit, Error> {
    let family = Family::Calibrated;
    let pixels = family.pixels(settings);
    let exact: Vec<(f64, f64)> = pixels
        .par_iter()
        .map(|p| {
            let (x, m, s) = (f64::from(p.x), f64::from(p.mean), f64::from(p.log_scale));
            reference::continuous_gaussian_log_likelihood(x, m, s).map(|ll| (ll.value, s))
        })
        .collect::<Result<_, _>>()?;
    let n = exact.len() as f64;
    let ln2 = std::f64::consts::LN_2;
    let mean_log_scale = exact.iter().map(|(_, s)| s).sum::<f64>() / n;
    let upstream_nll = -exact.iter().map(|(ll, _)| ll).sum::<f64>() / n;
    // The true log-density is ll - log_scale, so its NLL is upstream's plus the mean log_scale.
    let true_nll = upstream_nll + mean_log_scale;
    Ok(JacobianAudit {
        family,
        count: exact.len(),
        mean_log_scale,
        upstream_bits_per_dim: upstream_nll / ln2,
        true_bits_per_dim: true_nll / ln2,
    })
}
