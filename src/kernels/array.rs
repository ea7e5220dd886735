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
    let data = vec![T::zero(); n];
    advise_huge_pages(&data);
    ArrayD::from_shape_vec(IxDyn(shape), data).expect("length is the shape's product")
}

/// Outputs from this size on ask for transparent huge pages before their first touch, as NumPy does
/// for its arrays (same 4 MiB threshold): a 50 MB output then faults in ~25 pages of 2 MiB instead of
/// ~12 000 of 4 KiB, whose faults cost about 1.7 ns per f32 element here, a quarter of the erf kernel.
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

/// `madvise(MADV_HUGEPAGE)` on the whole pages of `data` (Linux; elsewhere nothing). Advice only: the
/// contents are unchanged and a refusal (THP disabled) is ignored.
fn advise_huge_pages<T>(data: &[T]) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        let bytes = std::mem::size_of_val(data);
        if bytes < HUGE_PAGE_MIN_BYTES {
            return;
        }
        let start = data.as_ptr() as usize;
        let first = start.next_multiple_of(PAGE);
        let len = (start + bytes - first) / PAGE * PAGE;
        // SAFETY: the range is whole pages inside `data`'s allocation; MADV_HUGEPAGE changes no contents.
        unsafe {
            libc::madvise(first as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = data;
}
