//! Fused kernels: each helper as one parallel pass over contiguous inputs, writing straight into the
//! output, for the image-sized batches of training and evaluation loops.
//!
//! Eager PyTorch evaluates `discretized_gaussian_log_likelihood` as a dozen elementwise ops, each
//! allocating and streaming a temporary the size of the batch. Here each block of 512 elements goes
//! from its inputs to its results in a few short vectorised stages through buffers that stay in L1
//! (no temporaries the size of the batch besides the output; `parallel.rs` explains the stages), rayon
//! spreads chunks of the batch over the threads, and the formula's branches are all evaluated and one
//! selected with comparisons, as upstream's `th.where` does. [`Math`] chooses the elementary functions: `libm`'s, bit-identical to
//! the pointwise helpers, or the vectorisable `fast_math` ones (within 2.3 ulps), which the golden
//! tolerances admit.
//! The stable variants (`crate::stable`: the true Gaussian, accurate in f32) have kernels too:
//! [`log_likelihood_stable`] and [`normal_kl_stable`], whose `Math::Fast` form is a branch-free
//! log-space algorithm of its own (`stable.rs`).

mod array;
mod fast_math;
mod formulas;
mod loglik;
mod math;
mod normal_kl;
mod parallel;
mod precision;
mod stable;

pub use loglik::{
    discretized_gaussian_log_likelihood, log_likelihood_into, log_likelihood_stable,
    log_likelihood_stable_into,
};
pub use math::Math;
pub use normal_kl::{normal_kl, normal_kl_into, normal_kl_stable, normal_kl_stable_into};
pub use parallel::{with_block_loop, with_portable_blocks, BlockLoop};
pub use precision::FastReal;

/// `if c { a } else { b }` with both sides already computed: a blend or conditional move, no jump, so
/// that loops over it vectorise.
#[inline(always)]
fn select<T: Copy>(c: bool, a: T, b: T) -> T {
    if c {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod fast_math_accuracy;
