//! Ziv's strategy, the driver of every [`Task`]: the 192-bit first pass (`first_pass/`) first, which
//! settles nearly every input of the usual ranges, then arbitrary precision (`mp.rs`) from
//! [`DEFAULT_START_BITS`] upwards, doubling on failure until [`MAX_BITS`]. The per-thread switches
//! and counters (first pass on/off, start precision, hits, retries) live here too.

use std::cell::Cell;

use super::arith::Task;
use super::dyadic::MAX_BITS;
use super::first_pass::WideCtx;
use super::mp::Ctx;

/// Precision of the first arbitrary-precision attempt (enough for 40 digits after typical
/// cancellation).
const DEFAULT_START_BITS: usize = 192;

thread_local! {
    static FAST_PASS: Cell<bool> = const { Cell::new(true) };
    static FAST_HITS: Cell<u64> = const { Cell::new(0) };
    static START_BITS: Cell<usize> = const { Cell::new(DEFAULT_START_BITS) };
    static RETRIES: Cell<u64> = const { Cell::new(0) };
}

/// Number of results certified by the 192-bit first pass on this thread so far.
pub(crate) fn fast_hits() -> u64 {
    FAST_HITS.with(Cell::get)
}

/// Total number of Ziv retries (precision raises) on this thread so far.
pub(crate) fn retries() -> u64 {
    RETRIES.with(Cell::get)
}

/// Runs `f` without the first pass on this thread, the arbitrary-precision loop starting at
/// `bits` (clamped to `2..=MAX_BITS`).
pub(crate) fn with_start_precision<T>(bits: usize, f: impl FnOnce() -> T) -> T {
    let old_pass = FAST_PASS.with(|s| s.replace(false));
    let old_bits = START_BITS.with(|s| s.replace(bits.clamp(2, MAX_BITS)));
    let out = f();
    START_BITS.with(|s| s.set(old_bits));
    FAST_PASS.with(|s| s.set(old_pass));
    out
}

/// Ziv's strategy over both arithmetics: the first pass (unless switched off), then
/// [`arbitrary_precision`].
pub(crate) fn run<T: Task>(task: &T) -> Result<T::Out, String> {
    if FAST_PASS.with(Cell::get) {
        if let Some(out) = task.at(&WideCtx::new()) {
            FAST_HITS.with(|h| h.set(h.get() + 1));
            return Ok(out);
        }
    }
    arbitrary_precision(|c| task.at(c))
}

/// Ziv's loop in arbitrary precision: evaluate at increasing precision until `eval` can certify
/// its result. Fails (with the reason) when the precision would exceed [`MAX_BITS`] or an
/// operation could not be carried out at all ([`Ctx::take_fatal`]); a certified result is always
/// returned, even if some operation of an unused branch failed.
pub(crate) fn arbitrary_precision<T>(mut eval: impl FnMut(&Ctx) -> Option<T>) -> Result<T, String> {
    let mut p = START_BITS.with(Cell::get);
    loop {
        let c = Ctx::new(p);
        if let Some(out) = eval(&c) {
            return Ok(out);
        }
        if let Some(reason) = c.take_fatal() {
            return Err(reason);
        }
        p *= 2;
        if p > MAX_BITS {
            return Err(format!(
                "correct rounding not certified within {MAX_BITS} bits of precision \
                 (input outside the supported domain)"
            ));
        }
        RETRIES.with(|r| r.set(r.get() + 1));
    }
}
