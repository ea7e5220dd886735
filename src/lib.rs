//! ddpm-golden: fast implementations, an arbitrary-precision reference, golden files and accuracy audits
//! for the likelihood helpers of diffusion models (`normal_kl`, `mean_flat`, the standard normal CDF and
//! `discretized_gaussian_log_likelihood`).
//!
//! Data flows one way: [`reference`] (the truth) → [`golden`] files → [`verify`] and [`audit`], which
//! judge the code under test ([`upstream`], [`stable`], [`kernels`]). docs/ARCHITECTURE.md is the map.

pub mod audit;
pub mod error;
pub mod functions;
pub mod golden;
pub mod input;
pub mod kernels;
pub mod real;
pub mod reference;
pub mod stable;
pub mod upstream;
pub mod verify;

pub use error::Error;
pub use functions::Function;
pub use real::Real;
pub use upstream::cdf::Cdf;
