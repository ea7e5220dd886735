//! Fused `discretized_gaussian_log_likelihood`, upstream (tanh or erf CDF) and stable, over contiguous
//! inputs of one shape.

use super::array::{output, slice, standard};
use super::formulas::{cdf_arguments, log_probability};
use super::math::{Elementary, Fast, Libm, Math};
use super::parallel::{par_blocks, stage, BLOCK};
use super::precision::FastReal;
use super::{formulas, stable};
use crate::upstream::loglik::PixelInputs;
use crate::{Cdf, Error};
use ndarray::ArrayD;

/// `out[i]` = the log-likelihood of `x[i]` under `N(means[i], exp(log_scales[i])^2)` discretised to
/// 256 bins, upstream's formula with `cdf`, in one parallel pass; every slice must have `out.len()`
/// elements (else `Error::LoglikShape`, with the lengths).
pub fn log_likelihood_into<T: FastReal>(
    x: &[T],
    means: &[T],
    log_scales: &[T],
    cdf: Cdf,
    math: Math,
    out: &mut [T],
) -> Result<(), Error> {
    check_lengths(x, means, log_scales, out)?;
    match math {
        Math::Libm => run::<T, Libm>([x, means, log_scales], cdf, out),
        Math::Fast => run::<T, Fast>([x, means, log_scales], cdf, out),
    }
    Ok(())
}

/// `out[i]` = the stable log-likelihood of `x[i]` (`crate::stable::log_likelihood_stable`'s meaning:
/// the true Gaussian, accurate in f32), in one parallel pass; every slice must have `out.len()`
/// elements (else `Error::LoglikShape`). `Math::Libm` evaluates `log_likelihood_stable` itself per
/// element (bit-identical, scalar); `Math::Fast` the branch-free log-space algorithm of
/// `kernels::stable`, within the golden `stable` tolerance.
pub fn log_likelihood_stable_into<T: FastReal>(
    x: &[T],
    means: &[T],
    log_scales: &[T],
    math: Math,
    out: &mut [T],
) -> Result<(), Error> {
    check_lengths(x, means, log_scales, out)?;
    let inputs = [x, means, log_scales];
    match math {
        Math::Libm => par_blocks(
            inputs,
            out,
            (),
            #[inline(always)]
            |_, inputs, out| {
                stage(
                    inputs,
                    [out],
                    #[inline(always)]
                    |[x, m, s]| [crate::stable::log_likelihood_stable(x, m, s)],
                )
            },
        ),
        Math::Fast => par_blocks(
            inputs,
            out,
            stable::Scratch::new(),
            #[inline(always)]
            |scratch, inputs, out| stable::log_likelihood_block(scratch, inputs, out),
        ),
    }
    Ok(())
}

/// `Error::LoglikShape` unless every slice has `out.len()` elements.
fn check_lengths<T>(x: &[T], means: &[T], log_scales: &[T], out: &[T]) -> Result<(), Error> {
    if [x, means, log_scales].iter().any(|s| s.len() != out.len()) {
        let len = |s: &[T]| vec![s.len()];
        return Err(Error::LoglikShape { x: len(x), means: len(means), log_scales: len(log_scales) });
    }
    Ok(())
}

/// One monomorphised kernel per CDF, so that neither the variant nor the math is decided per element.
fn run<T: FastReal, M: Elementary>(inputs: [&[T]; 3], cdf: Cdf, out: &mut [T]) {
    match cdf {
        Cdf::Tanh => par_blocks(
            inputs,
            out,
            ([T::zero(); 2 * BLOCK], [T::zero(); 2 * BLOCK]),
            #[inline(always)]
            |scratch, inputs, out| block::<T, M>(Cdf::Tanh, scratch, inputs, out),
        ),
        Cdf::Erf => par_blocks(
            inputs,
            out,
            ([T::zero(); 2 * BLOCK], [T::zero(); 2 * BLOCK]),
            #[inline(always)]
            |scratch, inputs, out| block::<T, M>(Cdf::Erf, scratch, inputs, out),
        ),
    }
}

/// One block of the upstream formula in three stages: both CDF arguments of every pixel, then the CDF
/// of all `2n` arguments in one loop, then each pixel's log probability; `args` and `cdfs` hold the
/// stages' values.
#[inline(always)]
fn block<T: FastReal, M: Elementary>(
    cdf: Cdf,
    (args, cdfs): &mut ([T; 2 * BLOCK], [T; 2 * BLOCK]),
    [x, means, log_scales]: [&[T]; 3],
    out: &mut [T],
) {
    let n = out.len();
    let (plus, minus) = args[..2 * n].split_at_mut(n);
    stage(
        [x, means, log_scales],
        [plus, minus],
        #[inline(always)]
        |[x, m, s]| cdf_arguments::<T, M>(cdf, x, m, s),
    );
    stage(
        [&args[..2 * n]],
        [&mut cdfs[..2 * n]],
        #[inline(always)]
        |[z]| [formulas::cdf::<T, M>(cdf, z)],
    );
    let (cdf_plus, cdf_min) = cdfs[..2 * n].split_at(n);
    stage(
        [x, cdf_plus, cdf_min],
        [out],
        #[inline(always)]
        |[x, p, m]| [log_probability::<T, M>(x, p, m)],
    );
}

/// [`log_likelihood_into`] on three arrays of one shape (else `Error::LoglikShape`), returning a new
/// array. Inputs in standard (C) order are read in place; others are copied once first.
pub fn discretized_gaussian_log_likelihood<T: FastReal>(
    inputs: &PixelInputs<'_, T>,
    cdf: Cdf,
    math: Math,
) -> Result<ArrayD<T>, Error> {
    with_output(inputs, |[x, m, s], out| log_likelihood_into(x, m, s, cdf, math, out))
}

/// [`log_likelihood_stable_into`] on three arrays of one shape (else `Error::LoglikShape`), returning a
/// new array. Inputs in standard (C) order are read in place; others are copied once first.
pub fn log_likelihood_stable<T: FastReal>(
    inputs: &PixelInputs<'_, T>,
    math: Math,
) -> Result<ArrayD<T>, Error> {
    with_output(inputs, |[x, m, s], out| log_likelihood_stable_into(x, m, s, math, out))
}

/// Checks the shapes, lays the inputs out as slices and runs `kernel` into a fresh output array.
fn with_output<T: FastReal>(
    inputs: &PixelInputs<'_, T>,
    kernel: impl FnOnce([&[T]; 3], &mut [T]) -> Result<(), Error>,
) -> Result<ArrayD<T>, Error> {
    inputs.check_shapes()?;
    let PixelInputs { x, means, log_scales } = inputs;
    let [x, m, s] = [x, means, log_scales].map(standard);
    let mut out = output(x.shape());
    let dst = out.as_slice_mut().expect("a fresh array is contiguous");
    kernel([slice(&x), slice(&m), slice(&s)], dst)?;
    Ok(out)
}
