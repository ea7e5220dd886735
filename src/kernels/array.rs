//! Adapters from `ndarray` to the slice kernels: contiguous inputs and a lazily zeroed output.

use crate::Real;
use ndarray::{ArrayD, ArrayViewD, CowArray, IxDyn};

/// `a` as a view in standard (C) order: borrowed when it already is, else copied once.
pub(crate) fn standard<'a, T: Real>(a: &'a ArrayViewD<'_, T>) -> CowArray<'a, T, IxDyn> {
    a.as_standard_layout()
}

/// The elements of a standard-layout array as a slice.
pub(crate) fn slice<'a, T: Real>(a: &'a CowArray<'_, T, IxDyn>) -> &'a [T] {
    a.as_slice().expect("a standard-layout array is contiguous")
}

/// An output array of `shape`. `vec![0.0; n]` is a `calloc`: the pages are zeroed by the OS on first
/// touch, which happens inside the parallel kernel, so there is no separate zeroing pass.
pub(crate) fn output<T: Real>(shape: &[usize]) -> ArrayD<T> {
    let n = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), vec![T::zero(); n]).expect("length is the shape's product")
}
