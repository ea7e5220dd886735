//! The one parallel driver: the batch in chunks that rayon distributes over its threads, each chunk in
//! blocks that a kernel takes through its stages, each stage one vectorised loop over the block.
//!
//! Why stages: a helper's whole formula per element is one long chain of dependent operations (for the
//! log-likelihood: `exp`, a division, two polynomials, another `exp`, `ln`, ~250 cycles), and a single
//! fused loop over elements runs at that chain's latency, because the out-of-order window cannot reach
//! the next element past hundreds of waiting operations. Cut into stages over a block of [`BLOCK`]
//! elements (arguments, then CDFs, then the log), each loop's chain is short and the core overlaps the
//! chains of consecutive elements; the block's intermediate values stay in L1 and nothing the size of
//! the batch is allocated but the output.

use rayon::prelude::*;
use std::cell::Cell;

/// Elements per task: large enough that scheduling costs nothing next to ~10-100 ns of work per
/// element, small enough (64 KiB of f32 per slice) that the chunks of all inputs stay in L2 and that two
/// threads get balanced work on a batch.
const CHUNK: usize = 16 * 1024;

/// Elements per block: a stage's buffers (a few of `BLOCK` values each) fit in L1 with the block's
/// inputs, and a loop of 256 iterations leaves no measurable start-up cost.
pub(crate) const BLOCK: usize = 256;

thread_local! {
    /// Whether kernels called from this thread take the portable block loop ([`with_portable_blocks`]).
    static PORTABLE: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with every kernel called from this thread in the portable block loop (compiled for the
/// target's baseline instruction set), even where the CPU has AVX2 and FMA: the results must be
/// bit-identical to the AVX2 loop's, which tests/kernels.rs checks on the golden corpus.
pub fn with_portable_blocks<R>(f: impl FnOnce() -> R) -> R {
    /// Restores the caller's setting, also when `f` panics.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            PORTABLE.set(self.0);
        }
    }
    let _restore = Restore(PORTABLE.replace(true));
    f()
}

/// Runs `kernel(inputs, out)` on consecutive blocks of at most [`BLOCK`] elements of every input slice
/// and of `out`, chunks in parallel. The caller checks that every slice has `out.len()` elements;
/// `kernel` should be an `#[inline(always)]` closure made of [`stage`]s, so that its loops are compiled
/// for the CPU's vector unit below.
pub(crate) fn par_blocks<T, K, const N: usize>(inputs: [&[T]; N], out: &mut [T], kernel: K)
where
    T: Copy + Send + Sync,
    K: Fn([&[T]; N], &mut [T]) + Sync,
{
    debug_assert!(inputs.iter().all(|s| s.len() == out.len()));
    // Read on the calling thread: the chunks run on rayon's.
    let portable = PORTABLE.get();
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, out)| {
        let start = c * CHUNK;
        let chunk = inputs.map(|s| &s[start..start + out.len()]);
        #[cfg(target_arch = "x86_64")]
        if !portable
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { blocks_avx2(chunk, out, &kernel) };
        }
        blocks(chunk, out, &kernel)
    });
}

/// The block loop of one chunk. Without FMA in the instruction set (x86-64 before AVX2 and FMA3),
/// `FastReal::fma` is a library call and the stages run scalar: same results, slower.
#[inline(always)]
fn blocks<T: Copy, K: Fn([&[T]; N], &mut [T]), const N: usize>(inputs: [&[T]; N], out: &mut [T], kernel: &K) {
    for (b, out) in out.chunks_mut(BLOCK).enumerate() {
        let start = b * BLOCK;
        kernel(inputs.map(|s| &s[start..start + out.len()]), out);
    }
}

/// [`blocks`] compiled for AVX2 and FMA: four f64 or eight f32 lanes, a fused multiply-add per
/// polynomial step. The results are meant to be bit-identical to [`blocks`] compiled for the baseline:
/// Rust never contracts `a * b + c` on its own, and the explicit fused multiply-adds round the same in
/// hardware and in the library. tests/kernels.rs compares the two loops bit for bit on the golden
/// corpus for every kernel ([`with_portable_blocks`]) on CPUs that have AVX2 and FMA.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn blocks_avx2<T: Copy, K: Fn([&[T]; N], &mut [T]), const N: usize>(
    inputs: [&[T]; N],
    out: &mut [T],
    kernel: &K,
) {
    #[cfg(test)]
    tests::IN_AVX2.set(true);
    blocks(inputs, out, kernel);
    #[cfg(test)]
    tests::IN_AVX2.set(false);
}

/// One stage of a kernel: `outputs[j][i] = f([inputs[0][i], ...])[j]` for every `i` below the
/// outputs' common length (inputs at least as long). Slicing everything to that length beforehand lets
/// the compiler drop the bounds checks, so the loop vectorises; `f` should be `#[inline(always)]`.
#[inline(always)]
pub(crate) fn stage<T: Copy, F: Fn([T; N]) -> [T; M], const N: usize, const M: usize>(
    inputs: [&[T]; N],
    outputs: [&mut [T]; M],
    f: F,
) {
    let n = outputs.iter().map(|o| o.len()).min().unwrap_or(0);
    let inputs = inputs.map(|s| &s[..n]);
    let mut outputs = outputs.map(|o| &mut o[..n]);
    for i in 0..n {
        let values = f(inputs.map(|s| s[i]));
        for (o, v) in outputs.iter_mut().zip(values) {
            o[i] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// Set while this thread runs [`blocks_avx2`].
        pub(super) static IN_AVX2: Cell<bool> = const { Cell::new(false) };
    }

    /// Which loop ran each element: 1 for the AVX2 loop, 0 for the portable one.
    fn paths() -> Vec<f64> {
        let input = vec![0.0; 3 * CHUNK];
        let mut out = vec![f64::NAN; input.len()];
        par_blocks([&input], &mut out, |_, out: &mut [f64]| out.fill(f64::from(u8::from(IN_AVX2.get()))));
        out
    }

    #[test]
    fn portable_blocks_are_forced_and_restored() {
        #[cfg(target_arch = "x86_64")]
        let avx2 = std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
        #[cfg(not(target_arch = "x86_64"))]
        let avx2 = false;
        let dispatched = f64::from(u8::from(avx2));
        assert!(paths().iter().all(|&p| p == dispatched));
        assert!(with_portable_blocks(paths).iter().all(|&p| p == 0.0));
        assert!(paths().iter().all(|&p| p == dispatched), "the setting is restored");
    }
}
