//! The code under test: the upstream formulas of improved-diffusion / DiT, reproduced step by step and
//! generic over [`Real`](crate::Real) so that their float32 and float64 behaviour can be measured.

pub(crate) mod broadcast;
pub mod cdf;
pub mod continuous;
pub mod derived;
pub mod loglik;
pub mod mean_flat;
pub mod normal_kl;
pub mod posterior;
pub mod schedule;
pub mod vb_terms;
