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

/// Elements per block: a stage's buffers (a few of `BLOCK` values each; 36 KiB for the stable f64
/// kernel, the largest) fit in a 48 KiB L1 with the block's inputs, and a stage's loop is long enough
/// (32 iterations of 16 f32 lanes) that its start-up and the switch between stages cost little: 512
/// measured 3-19% faster than 256 with AVX-512 (CPU time, best of 5, scratch driver on 2^20 elements).
pub(crate) const BLOCK: usize = 512;

/// The block loops a kernel can run in, narrowest first: each is the same code compiled for more of the
/// CPU's vector unit, with bit-identical results (tests/kernels.rs compares each available one with
/// [`BlockLoop::Portable`] on the golden corpus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BlockLoop {
    /// The target's baseline instruction set (SSE2 on x86-64).
    Portable,
    /// AVX2 and FMA: eight f32 or four f64 lanes.
    Avx2,
    /// AVX-512 (F, BW, DQ, VL) and FMA: sixteen f32 or eight f64 lanes, 32 vector registers (the
    /// polynomials' coefficients stay in registers) and mask registers for the selects.
    Avx512,
}

impl BlockLoop {
    /// Every loop, narrowest first.
    pub const ALL: [BlockLoop; 3] = [BlockLoop::Portable, BlockLoop::Avx2, BlockLoop::Avx512];

    /// Whether this CPU can run the loop.
    pub fn is_supported(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            match self {
                BlockLoop::Portable => true,
                BlockLoop::Avx2 => has!("avx2") && has!("fma"),
                BlockLoop::Avx512 => {
                    has!("avx512f") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl") && has!("fma")
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == BlockLoop::Portable
        }
    }

    /// The widest loop this CPU supports up to `self`: the one kernels take under [`with_block_loop`].
    pub fn dispatched(self) -> BlockLoop {
        BlockLoop::ALL
            .into_iter()
            .filter(|&l| l <= self && l.is_supported())
            .max()
            .unwrap_or(BlockLoop::Portable)
    }
}

thread_local! {
    /// The widest block loop kernels called from this thread may take ([`with_block_loop`]).
    static WIDEST: Cell<BlockLoop> = const { Cell::new(BlockLoop::Avx512) };
}

/// Runs `f` with every kernel called from this thread in the widest block loop up to `widest` that the
/// CPU supports ([`BlockLoop::dispatched`]), so that tests can compare the loops: their results must be
/// bit-identical, which tests/kernels.rs checks on the golden corpus.
pub fn with_block_loop<R>(widest: BlockLoop, f: impl FnOnce() -> R) -> R {
    /// Restores the caller's setting, also when `f` panics.
    struct Restore(BlockLoop);
    impl Drop for Restore {
        fn drop(&mut self) {
            WIDEST.set(self.0);
        }
    }
    let _restore = Restore(WIDEST.replace(widest));
    f()
}

/// Runs `f` with every kernel called from this thread in the portable block loop (compiled for the
/// target's baseline instruction set), even where the CPU has AVX2 or AVX-512:
/// `with_block_loop(BlockLoop::Portable, f)`.
pub fn with_portable_blocks<R>(f: impl FnOnce() -> R) -> R {
    with_block_loop(BlockLoop::Portable, f)
}

/// Runs `kernel(&mut scratch, inputs, out)` on consecutive blocks of at most [`BLOCK`] elements of
/// every input slice and of `out`, chunks in parallel, each chunk with its own copy of `scratch` (the
/// stages' buffers, initialised once per chunk rather than per block). The caller checks that every
/// slice has `out.len()` elements; `kernel` should be an `#[inline(always)]` closure made of
/// [`stage`]s, so that its loops are compiled for the CPU's vector unit below.
pub(crate) fn par_blocks<T, S, K, const N: usize>(inputs: [&[T]; N], out: &mut [T], scratch: S, kernel: K)
where
    T: Copy + Send + Sync,
    S: Clone + Send + Sync,
    K: Fn(&mut S, [&[T]; N], &mut [T]) + Sync,
{
    debug_assert!(inputs.iter().all(|s| s.len() == out.len()));
    // Read on the calling thread: the chunks run on rayon's.
    let block_loop = WIDEST.get().dispatched();
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, out)| {
        let start = c * CHUNK;
        let chunk = inputs.map(|s| &s[start..start + out.len()]);
        let mut scratch = scratch.clone();
        match block_loop {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `dispatched` chose this loop because the CPU supports AVX-512 and FMA.
            BlockLoop::Avx512 => unsafe { blocks_avx512(&mut scratch, chunk, out, &kernel) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `dispatched` chose this loop because the CPU supports AVX2 and FMA.
            BlockLoop::Avx2 => unsafe { blocks_avx2(&mut scratch, chunk, out, &kernel) },
            _ => blocks(&mut scratch, chunk, out, &kernel),
        }
    });
}

/// The block loop of one chunk. Without FMA in the instruction set (x86-64 before AVX2 and FMA3),
/// `FastReal::fma` is a library call and the stages run scalar: same results, slower.
#[inline(always)]
fn blocks<T: Copy, S, K: Fn(&mut S, [&[T]; N], &mut [T]), const N: usize>(
    scratch: &mut S,
    inputs: [&[T]; N],
    out: &mut [T],
    kernel: &K,
) {
    for (b, out) in out.chunks_mut(BLOCK).enumerate() {
        let start = b * BLOCK;
        kernel(scratch, inputs.map(|s| &s[start..start + out.len()]), out);
    }
}

/// [`blocks`] compiled for AVX2 and FMA: four f64 or eight f32 lanes, a fused multiply-add per
/// polynomial step. The results are meant to be bit-identical to [`blocks`] compiled for the baseline:
/// Rust never contracts `a * b + c` on its own, and the explicit fused multiply-adds round the same in
/// hardware and in the library. tests/kernels.rs compares the two loops bit for bit on the golden
/// corpus for every kernel ([`with_block_loop`]) on CPUs that have AVX2 and FMA.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn blocks_avx2<T: Copy, S, K: Fn(&mut S, [&[T]; N], &mut [T]), const N: usize>(
    scratch: &mut S,
    inputs: [&[T]; N],
    out: &mut [T],
    kernel: &K,
) {
    #[cfg(test)]
    tests::IN.set(BlockLoop::Avx2);
    blocks(scratch, inputs, out, kernel);
    #[cfg(test)]
    tests::IN.set(BlockLoop::Portable);
}

/// [`blocks`] compiled for AVX-512 and FMA: twice the lanes of [`blocks_avx2`], 32 registers and
/// masked selects, the same operations (bit-identical results, checked like the AVX2 loop's).
///
/// # Safety
/// The CPU must support AVX-512 F, BW, DQ, VL and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
unsafe fn blocks_avx512<T: Copy, S, K: Fn(&mut S, [&[T]; N], &mut [T]), const N: usize>(
    scratch: &mut S,
    inputs: [&[T]; N],
    out: &mut [T],
    kernel: &K,
) {
    #[cfg(test)]
    tests::IN.set(BlockLoop::Avx512);
    blocks(scratch, inputs, out, kernel);
    #[cfg(test)]
    tests::IN.set(BlockLoop::Portable);
}

/// One stage of a kernel: `outputs[j][i] = f([inputs[0][i], ...])[j]` for every `i` below the
/// outputs' common length (inputs at least as long), in fixed-length steps ([`stage_in_steps`]);
/// `f` should be `#[inline(always)]`.
#[inline(always)]
pub(crate) fn stage<T: Copy, F: Fn([T; N]) -> [T; M], const N: usize, const M: usize>(
    inputs: [&[T]; N],
    outputs: [&mut [T]; M],
    f: F,
) {
    if std::mem::size_of::<T>() >= 8 {
        stage_in_steps::<T, F, N, M, 32>(inputs, outputs, f)
    } else {
        stage_in_steps::<T, F, N, M, 16>(inputs, outputs, f)
    }
}

/// [`stage`] `STEP` elements at a time taken as fixed-length arrays (no bounds checks inside, so each
/// step is vectorised completely), then a scalar tail shorter than `STEP` (only in a block shorter
/// than a whole number of steps: the batch's last).
///
/// Why steps: LLVM gave the plain loop over `0..n` a scalar epilogue that ran the last 16 elements of
/// every stage scalar even when `n` was a multiple of the vector width (seen in a perf profile of the
/// erf f32 kernel). [`stage`] takes 16 f32 (one AVX-512 register) or 32 f64 (four): the faster of 16
/// and 32 for each precision in a before/after measurement under load with a scratch driver (8 f64 was
/// vectorised badly), `normal_kl`'s single stage 16 in f64; re-measure with `cargo bench --bench
/// kernels` on a quiet machine before changing them.
#[inline(always)]
pub(crate) fn stage_in_steps<T, F, const N: usize, const M: usize, const STEP: usize>(
    inputs: [&[T]; N],
    outputs: [&mut [T]; M],
    f: F,
) where
    T: Copy,
    F: Fn([T; N]) -> [T; M],
{
    let n = outputs.iter().map(|o| o.len()).min().unwrap_or(0);
    let whole = n - n % STEP;
    let mut outputs = outputs;
    for start in (0..whole).step_by(STEP) {
        let step_in = inputs.map(|s| -> &[T; STEP] { s[start..start + STEP].try_into().expect("STEP long") });
        let mut step_out = outputs
            .each_mut()
            .map(|o| -> &mut [T; STEP] { (&mut o[start..start + STEP]).try_into().expect("STEP long") });
        for i in 0..STEP {
            let values = f(step_in.map(|s| s[i]));
            for (o, v) in step_out.iter_mut().zip(values) {
                o[i] = v;
            }
        }
    }
    for i in whole..n {
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
        /// The loop this thread is running in (set by [`blocks_avx2`] and [`blocks_avx512`]).
        pub(super) static IN: Cell<BlockLoop> = const { Cell::new(BlockLoop::Portable) };
    }

    /// Which loop ran each element, as its index in [`BlockLoop::ALL`].
    fn paths() -> Vec<f64> {
        let input = vec![0.0; 3 * CHUNK];
        let mut out = vec![f64::NAN; input.len()];
        par_blocks([&input], &mut out, (), |_, _, out: &mut [f64]| out.fill(IN.get() as u8 as f64));
        out
    }

    #[test]
    fn block_loops_are_dispatched_capped_and_restored() {
        let widest = BlockLoop::Avx512.dispatched();
        assert!(widest.is_supported() && BlockLoop::Portable.is_supported());
        assert!(paths().iter().all(|&p| p == widest as u8 as f64), "the widest supported loop by default");
        for cap in BlockLoop::ALL {
            let want = cap.dispatched() as u8 as f64;
            assert!(with_block_loop(cap, paths).iter().all(|&p| p == want), "{cap:?}");
        }
        assert!(with_portable_blocks(paths).iter().all(|&p| p == 0.0));
        assert!(paths().iter().all(|&p| p == widest as u8 as f64), "the setting is restored");
    }
}
