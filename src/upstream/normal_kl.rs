//! `normal_kl`: the KL divergence between two diagonal Gaussians, elementwise with broadcasting.

use crate::upstream::broadcast::broadcast_shape;
use crate::{Error, Real};
use ndarray::{ArrayD, ArrayViewD, Dimension, IxDyn, Zip};

/// KL(N(mean1, e^logvar1) || N(mean2, e^logvar2)) at one point, evaluated exactly as upstream does, in
/// this order: `0.5 * ((((-1 + logvar2) - logvar1) + exp(logvar1 - logvar2)) + (mean1 - mean2)^2 * exp(-logvar2))`.
///
/// For nearly identical Gaussians the exact value is ~d^2/4 (d = logvar1 - logvar2) while the terms are
/// O(1): the sum cancels, so in f32 the result can be 0 or negative. That is the upstream behaviour this
/// function reproduces on purpose.
#[inline]
pub fn normal_kl_point<T: Real>(mean1: T, logvar1: T, mean2: T, logvar2: T) -> T {
    let d = mean1 - mean2;
    T::cast(0.5) * (-T::one() + logvar2 - logvar1 + (logvar1 - logvar2).exp() + d * d * (-logvar2).exp())
}

/// Elementwise `normal_kl` over numpy-broadcast operands; the output has the broadcast shape.
pub fn normal_kl<T: Real>(
    mean1: ArrayViewD<'_, T>,
    logvar1: ArrayViewD<'_, T>,
    mean2: ArrayViewD<'_, T>,
    logvar2: ArrayViewD<'_, T>,
) -> Result<ArrayD<T>, Error> {
    broadcast_map([mean1, logvar1, mean2, logvar2], normal_kl_point)
}

/// `f` applied elementwise to four numpy-broadcast operands (`normal_kl`'s argument order); the output
/// has the broadcast shape. Shared by upstream's and the stable `normal_kl`.
pub fn broadcast_map<T: Real>(
    ops: [ArrayViewD<'_, T>; 4],
    f: impl Fn(T, T, T, T) -> T,
) -> Result<ArrayD<T>, Error> {
    let [mean1, logvar1, mean2, logvar2] = ops;
    let shape =
        broadcast_shape("normal_kl", &[mean1.shape(), logvar1.shape(), mean2.shape(), logvar2.shape()])?;
    let dim = IxDyn(&shape);
    let (m1, l1, m2, l2) =
        (stretch(&mean1, &dim)?, stretch(&logvar1, &dim)?, stretch(&mean2, &dim)?, stretch(&logvar2, &dim)?);
    Ok(Zip::from(&m1).and(&l1).and(&m2).and(&l2).map_collect(|&a, &b, &c, &d| f(a, b, c, d)))
}

/// A broadcast view of `a` with shape `dim` (no copy).
fn stretch<'a, T>(a: &'a ArrayViewD<'_, T>, dim: &IxDyn) -> Result<ArrayViewD<'a, T>, Error> {
    a.broadcast(dim.clone()).ok_or_else(|| Error::Broadcast {
        function: "normal_kl",
        left: a.shape().to_vec(),
        right: dim.slice().to_vec(),
    })
}
