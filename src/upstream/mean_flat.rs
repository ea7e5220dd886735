//! `mean_flat`: the per-sample mean over every axis except the first, `[B, ...] -> [B]`.

use crate::functions::Precision;
use crate::{Error, Real};
use ndarray::{Array1, ArrayViewD, Axis};

/// Below this many terms a plain loop is used; above it the row is split in halves (pairwise summation).
const PAIRWISE_BLOCK: usize = 32;

/// Pairwise (cascade) summation: the rounding error grows like `log2(n) * eps * sum|x|` instead of the
/// `n * eps * sum|x|` of a running sum, which keeps an f32 mean of a 196608-element image row within a
/// few ulps, as PyTorch's cascade sum is.
pub fn pairwise_sum<T: Real>(values: &[T]) -> T {
    if values.len() <= PAIRWISE_BLOCK {
        values.iter().fold(T::zero(), |acc, &v| acc + v)
    } else {
        let (left, right) = values.split_at(values.len() / 2);
        pairwise_sum(left) + pairwise_sum(right)
    }
}

/// The mean of `values` as PyTorch computes it in `T`: a pairwise sum in the "opmath" type (f32 for the
/// half types, which PyTorch, NumPy and JAX accumulate in f32; `T` itself for f32 and f64) divided by the
/// count, rounded to `T` once. NaN for no values (0/0).
pub fn opmath_mean<T: Real>(values: &[T]) -> T {
    if Precision::of::<T>().is_half() {
        let wide: Vec<f32> = values.iter().map(|v| v.as_f64() as f32).collect();
        // The f32 mean widens to f64 exactly; one rounding to the half type.
        T::cast(f64::from(pairwise_sum(&wide) / values.len() as f32))
    } else {
        pairwise_sum(values) / T::cast(values.len() as f64)
    }
}

/// The mean of each row `t[b, ...]` by [`opmath_mean`], as upstream's `t.mean(dim=list(range(1, t.ndim)))`.
///
/// Rank 1 (`[B]`) returns each element unchanged, the helper's documented intent ("per-sample mean");
/// PyTorch differs there: `t.mean(dim=[])` on a rank-1 tensor reduces over *all* axes to a 0-d scalar.
/// Rank 0 has no batch axis and is an error. A row with no elements (`[B, 0]`) has mean NaN (0/0), as
/// in PyTorch.
pub fn mean_flat<T: Real>(t: ArrayViewD<'_, T>) -> Result<Array1<T>, Error> {
    if t.ndim() == 0 {
        return Err(Error::MeanFlatRank0);
    }
    Ok(t.axis_iter(Axis(0))
        .map(|row| match row.as_slice() {
            Some(contiguous) => opmath_mean(contiguous),
            None => opmath_mean(&row.iter().copied().collect::<Vec<T>>()),
        })
        .collect())
}
