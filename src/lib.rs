//! ddpm-golden: fast implementations, an arbitrary-precision reference, golden files and accuracy audits
//! for the likelihood helpers of diffusion models (`normal_kl`, `mean_flat`, the standard normal CDF and
//! `discretized_gaussian_log_likelihood`).

pub mod audit;
pub mod broadcast;
pub mod cdf;
pub mod engine;
pub mod error;
pub mod functions;
pub mod golden;
pub mod json_number;
pub mod kernels;
pub mod loglik;
pub mod mean_flat;
pub mod mutants;
pub mod normal_kl;
pub mod real;
pub mod reference;
pub mod stable;
pub mod verify;

pub use cdf::Cdf;
pub use error::Error;
pub use functions::Function;
pub use real::Real;
