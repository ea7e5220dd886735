//! Fused `normal_kl` over contiguous operands of one shape (no broadcasting: the training loss compares
//! distributions of the same shape).

use super::array::{output, slice, standard};
use super::formulas;
use super::math::{Fast, Libm, Math};
use super::parallel::par_map;
use super::precision::FastReal;
use crate::Error;
use ndarray::{ArrayD, ArrayViewD};

/// `out[i] = KL(N(mean1[i], e^logvar1[i]) || N(mean2[i], e^logvar2[i]))` in one parallel pass; every
/// slice must have `out.len()` elements (else `Error::Broadcast`, with the lengths).
pub fn normal_kl_into<T: FastReal>(
    mean1: &[T],
    logvar1: &[T],
    mean2: &[T],
    logvar2: &[T],
    math: Math,
    out: &mut [T],
) -> Result<(), Error> {
    let inputs = [mean1, logvar1, mean2, logvar2];
    if let Some(bad) = inputs.iter().find(|s| s.len() != out.len()) {
        return Err(Error::Broadcast {
            function: "normal_kl",
            left: vec![bad.len()],
            right: vec![out.len()],
        });
    }
    match math {
        Math::Libm => par_map(
            inputs,
            out,
            #[inline(always)]
            |[m1, l1, m2, l2]| formulas::normal_kl::<T, Libm>(m1, l1, m2, l2),
        ),
        Math::Fast => par_map(
            inputs,
            out,
            #[inline(always)]
            |[m1, l1, m2, l2]| formulas::normal_kl::<T, Fast>(m1, l1, m2, l2),
        ),
    }
    Ok(())
}

/// [`normal_kl_into`] on four arrays of one shape (else `Error::Broadcast`), returning a new array.
/// Inputs in standard (C) order are read in place; others are copied once first.
pub fn normal_kl<T: FastReal>(
    mean1: ArrayViewD<'_, T>,
    logvar1: ArrayViewD<'_, T>,
    mean2: ArrayViewD<'_, T>,
    logvar2: ArrayViewD<'_, T>,
    math: Math,
) -> Result<ArrayD<T>, Error> {
    let shape = mean1.shape();
    if let Some(bad) = [&logvar1, &mean2, &logvar2].into_iter().find(|a| a.shape() != shape) {
        let (left, right) = (shape.to_vec(), bad.shape().to_vec());
        return Err(Error::Broadcast { function: "normal_kl", left, right });
    }
    let [m1, l1, m2, l2] = [&mean1, &logvar1, &mean2, &logvar2].map(standard);
    let mut out = output(shape);
    let dst = out.as_slice_mut().expect("a fresh array is contiguous");
    normal_kl_into(slice(&m1), slice(&l1), slice(&m2), slice(&l2), math, dst)?;
    Ok(out)
}
