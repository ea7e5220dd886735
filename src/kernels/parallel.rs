//! The one parallel driver: a map of `N` equally long input slices into an output slice, split into
//! chunks that rayon distributes over its threads, each chunk's loop vectorised for the widest vector
//! unit the CPU has.

use rayon::prelude::*;

/// Elements per task: large enough that scheduling costs nothing next to ~10-100 ns of work per
/// element, small enough (64 KiB of f32 per slice) that the chunks of all inputs stay in L2 and that two
/// threads get balanced work on a batch.
const CHUNK: usize = 16 * 1024;

/// `out[i] = f([inputs[0][i], ..., inputs[N-1][i]])` for every `i`, in parallel. The caller checks that
/// every slice has `out.len()` elements; `f` should be an `#[inline(always)]` closure, so that it is
/// inlined into the loop and the loop vectorises.
pub(crate) fn par_map<T, F, const N: usize>(inputs: [&[T]; N], out: &mut [T], f: F)
where
    T: Copy + Send + Sync,
    F: Fn([T; N]) -> T + Sync,
{
    debug_assert!(inputs.iter().all(|s| s.len() == out.len()));
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, out)| {
        let start = c * CHUNK;
        let chunk = inputs.map(|s| &s[start..start + out.len()]);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { map_avx2(chunk, out, &f) };
        }
        map(chunk, out, &f)
    });
}

/// The element loop. Slicing every input to the output's length beforehand lets the compiler drop the
/// bounds checks, so the loop vectorises. Without FMA in the instruction set (x86-64 before AVX2 and
/// FMA3), `FastReal::fma` is a library call and this loop runs scalar: same results, slower.
#[inline(always)]
fn map<T: Copy, F: Fn([T; N]) -> T, const N: usize>(inputs: [&[T]; N], out: &mut [T], f: &F) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = f(inputs.map(|s| s[i]));
    }
}

/// [`map`] compiled for AVX2 and FMA: four f64 or eight f32 lanes, a fused multiply-add per polynomial
/// step. The results are bit-identical to [`map`] on any CPU: Rust never contracts `a * b + c` on its
/// own, and the explicit fused multiply-adds round the same in hardware and in the library.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn map_avx2<T: Copy, F: Fn([T; N]) -> T, const N: usize>(inputs: [&[T]; N], out: &mut [T], f: &F) {
    map(inputs, out, f)
}
