//! Fused `discretized_gaussian_log_likelihood` over contiguous inputs of one shape.

use super::array::{output, slice, standard};
use super::formulas::log_likelihood;
use super::math::{Elementary, Fast, Libm, Math};
use super::parallel::par_map;
use super::precision::FastReal;
use crate::loglik::PixelInputs;
use crate::{Cdf, Error};
use ndarray::ArrayD;

/// `out[i]` = the log-likelihood of `x[i]` under `N(means[i], exp(log_scales[i])^2)` discretised to
/// 256 bins, in one parallel pass; every slice must have `out.len()` elements (else
/// `Error::LoglikShape`, with the lengths).
pub fn log_likelihood_into<T: FastReal>(
    x: &[T],
    means: &[T],
    log_scales: &[T],
    cdf: Cdf,
    math: Math,
    out: &mut [T],
) -> Result<(), Error> {
    if [x, means, log_scales].iter().any(|s| s.len() != out.len()) {
        let len = |s: &[T]| vec![s.len()];
        return Err(Error::LoglikShape { x: len(x), means: len(means), log_scales: len(log_scales) });
    }
    match math {
        Math::Libm => run::<T, Libm>([x, means, log_scales], cdf, out),
        Math::Fast => run::<T, Fast>([x, means, log_scales], cdf, out),
    }
    Ok(())
}

/// One monomorphised loop per CDF, so that neither the variant nor the math is decided per element.
fn run<T: FastReal, M: Elementary>(inputs: [&[T]; 3], cdf: Cdf, out: &mut [T]) {
    match cdf {
        Cdf::Tanh => par_map(
            inputs,
            out,
            #[inline(always)]
            |[x, m, s]| log_likelihood::<T, M>(Cdf::Tanh, x, m, s),
        ),
        Cdf::Erf => par_map(
            inputs,
            out,
            #[inline(always)]
            |[x, m, s]| log_likelihood::<T, M>(Cdf::Erf, x, m, s),
        ),
    }
}

/// [`log_likelihood_into`] on three arrays of one shape (else `Error::LoglikShape`), returning a new
/// array. Inputs in standard (C) order are read in place; others are copied once first.
pub fn discretized_gaussian_log_likelihood<T: FastReal>(
    inputs: &PixelInputs<'_, T>,
    cdf: Cdf,
    math: Math,
) -> Result<ArrayD<T>, Error> {
    inputs.check_shapes()?;
    let PixelInputs { x, means, log_scales } = inputs;
    let [x, m, s] = [x, means, log_scales].map(standard);
    let mut out = output(x.shape());
    let dst = out.as_slice_mut().expect("a fresh array is contiguous");
    log_likelihood_into(slice(&x), slice(&m), slice(&s), cdf, math, dst)?;
    Ok(out)
}
