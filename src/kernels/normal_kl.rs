//! Fused `normal_kl`, upstream and stable, over contiguous operands of one shape (no broadcasting: the
//! training loss compares distributions of the same shape).

use super::array::{output, slice, standard};
use super::math::{Fast, Libm, Math};
use super::parallel::{par_blocks, stage_in_steps};
use super::precision::FastReal;
use super::{formulas, stable};
use crate::Error;
use ndarray::{ArrayD, ArrayViewD};

/// The operands' names, in argument order, for errors.
const OPERANDS: [&str; 4] = ["mean1", "logvar1", "mean2", "logvar2"];

/// `out[i] = KL(N(mean1[i], e^logvar1[i]) || N(mean2[i], e^logvar2[i]))`, upstream's formula, in one
/// parallel pass; every slice must have `out.len()` elements (else `Error::KernelLength`).
pub fn normal_kl_into<T: FastReal>(
    mean1: &[T],
    logvar1: &[T],
    mean2: &[T],
    logvar2: &[T],
    math: Math,
    out: &mut [T],
) -> Result<(), Error> {
    let inputs = checked("normal_kl", [mean1, logvar1, mean2, logvar2], out)?;
    match math {
        Math::Libm => run(inputs, out, formulas::normal_kl::<T, Libm>),
        Math::Fast => run(inputs, out, formulas::normal_kl::<T, Fast>),
    }
    Ok(())
}

/// The stable KL (`crate::stable::normal_kl_stable`'s `expm1(d) - d` form, never negative) in one
/// parallel pass; every slice must have `out.len()` elements (else `Error::KernelLength`).
/// `Math::Libm` evaluates `normal_kl_stable` itself per element (bit-identical); `Math::Fast` the
/// branch-free form of `kernels::stable`, within the golden `stable` tolerance.
pub fn normal_kl_stable_into<T: FastReal>(
    mean1: &[T],
    logvar1: &[T],
    mean2: &[T],
    logvar2: &[T],
    math: Math,
    out: &mut [T],
) -> Result<(), Error> {
    let inputs = checked("normal_kl_stable", [mean1, logvar1, mean2, logvar2], out)?;
    match math {
        Math::Libm => run(inputs, out, crate::stable::normal_kl_stable::<T>),
        Math::Fast => run(inputs, out, stable::normal_kl::<T>),
    }
    Ok(())
}

/// The operands, or `Error::KernelLength` naming the first whose length differs from the output's.
fn checked<'a, T>(function: &'static str, inputs: [&'a [T]; 4], out: &[T]) -> Result<[&'a [T]; 4], Error> {
    match inputs.iter().zip(OPERANDS).find(|(s, _)| s.len() != out.len()) {
        Some((s, operand)) => {
            Err(Error::KernelLength { function, operand, len: s.len(), out_len: out.len() })
        }
        None => Ok(inputs),
    }
}

/// `f` on every element in one stage of 16-element steps: the KL's chain of operations is short, so
/// one loop suffices.
fn run<T: FastReal, F: Fn(T, T, T, T) -> T + Sync>(inputs: [&[T]; 4], out: &mut [T], f: F) {
    par_blocks(
        inputs,
        out,
        (),
        #[inline(always)]
        |_, inputs, out| {
            stage_in_steps::<T, _, 4, 1, 16>(
                inputs,
                [out],
                #[inline(always)]
                |[m1, l1, m2, l2]| [f(m1, l1, m2, l2)],
            )
        },
    );
}

/// [`normal_kl_into`] on four arrays of one shape (else `Error::KernelShape`), returning a new array.
/// Inputs in standard (C) order are read in place; others are copied once first.
pub fn normal_kl<T: FastReal>(
    mean1: ArrayViewD<'_, T>,
    logvar1: ArrayViewD<'_, T>,
    mean2: ArrayViewD<'_, T>,
    logvar2: ArrayViewD<'_, T>,
    math: Math,
) -> Result<ArrayD<T>, Error> {
    with_output("normal_kl", [mean1, logvar1, mean2, logvar2], |[m1, l1, m2, l2], out| {
        normal_kl_into(m1, l1, m2, l2, math, out)
    })
}

/// [`normal_kl_stable_into`] on four arrays of one shape (else `Error::KernelShape`), returning a new
/// array. Inputs in standard (C) order are read in place; others are copied once first.
pub fn normal_kl_stable<T: FastReal>(
    mean1: ArrayViewD<'_, T>,
    logvar1: ArrayViewD<'_, T>,
    mean2: ArrayViewD<'_, T>,
    logvar2: ArrayViewD<'_, T>,
    math: Math,
) -> Result<ArrayD<T>, Error> {
    with_output("normal_kl_stable", [mean1, logvar1, mean2, logvar2], |[m1, l1, m2, l2], out| {
        normal_kl_stable_into(m1, l1, m2, l2, math, out)
    })
}

/// Checks that the four arrays have `mean1`'s shape, lays them out as slices and runs `kernel` into a
/// fresh output array.
fn with_output<T: FastReal>(
    function: &'static str,
    arrays: [ArrayViewD<'_, T>; 4],
    kernel: impl FnOnce([&[T]; 4], &mut [T]) -> Result<(), Error>,
) -> Result<ArrayD<T>, Error> {
    let shape = arrays[0].shape();
    if let Some((bad, operand)) = arrays.iter().zip(OPERANDS).find(|(a, _)| a.shape() != shape) {
        let (shape, expected) = (bad.shape().to_vec(), shape.to_vec());
        return Err(Error::KernelShape { function, operand, shape, expected });
    }
    let [m1, l1, m2, l2] = arrays.each_ref().map(standard);
    let mut out = output(shape);
    let dst = out.as_slice_mut().expect("a fresh array is contiguous");
    kernel([slice(&m1), slice(&l1), slice(&m2), slice(&l2)], dst)?;
    Ok(out)
}
