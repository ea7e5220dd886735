//! The stable variants (`crate::stable`'s meaning: the true Gaussian, accurate in f32) for
//! `Math::Fast`: branch-free, in log space, from `fast_math` and the `FastReal` tables.
//!
//! The log-likelihood of a pixel is `ln` of the Gaussian mass of a bin `[a, b]` (`a = -inf` at the left
//! edge, `b = +inf` at the right one), clamped at `ln(1e-12)`. Every case is computed and one selected:
//! - narrow bins (`w max(1, |m|) <= 1/4`, `w = b - a`, `m` the midpoint): `ln pdf(m) + ln(w (1 + s))`,
//!   `s` the Hermite series of the mass around the midpoint (no difference of CDFs);
//! - other bins are first mirrored into the lower half (`[a, b] -> [-b, -a]` when `a >= 0`, the same
//!   mass), so that only `ln Phi(z)` for `z <= 0` is needed: `ln(t/2) + G(t) - z^2/2` with
//!   `t = 2 / (2 - z / sqrt 2)` and `G` the fitted [`FastReal::NDTR_LOG`], in log space without `exp`;
//! - a bin in the lower tail (`b <= 0`) is `ln Phi(b) + ln(-expm1(ln Phi(a) - ln Phi(b)))`, one tail's
//!   mass minus a smaller one without cancellation;
//! - a bin across 0 is `ln(1 - Phi(a) - Phi(-b))`, two tail masses of at most 1/2 each (a bin across 0
//!   that is not narrow is wider than 1/4 and holds at least `Phi(1/4) - 1/2 = 0.099`, so the
//!   subtraction loses at most ~3.3 bits).
//!
//! The work is cut into three stages per block (`parallel::par_blocks`): the bin and its narrow-bin
//! value per pixel, `ln Phi` of both tail arguments in one loop, and the combination per pixel.

use super::fast_math::{exp, exp_normal, expm1, horner, ln};
use super::parallel::{stage, BLOCK};
use super::precision::FastReal;
use super::select;
use std::f64::consts::FRAC_1_SQRT_2;

/// Bins up to this `w max(1, |m|)` take the midpoint series, whose `FastReal::NARROW_TERMS` terms are
/// then below 0.2 ulp. Wider bins have `|ln Phi(a) - ln Phi(b)| > 0.2`, where `1 - e^y` loses less
/// than 3 bits.
/// (The pointwise `crate::stable` uses 1/20 with one three-term series for both precisions.)
const NARROW: f64 = 0.25;

/// ln sqrt(2 pi).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// The case of a pixel, carried between the stages as a value of `T`.
const STRADDLE: f64 = 0.0;
const TAIL: f64 = 1.0;
const NARROW_BIN: f64 = 2.0;

/// The buffers of [`log_likelihood_block`]'s stages.
#[derive(Clone)]
pub(crate) struct Scratch<T> {
    tail_args: [T; 2 * BLOCK],
    kind: [T; BLOCK],
    narrow_arg: [T; BLOCK],
    narrow_add: [T; BLOCK],
    q: [T; 2 * BLOCK],
    r: [T; 2 * BLOCK],
}

impl<T: FastReal> Scratch<T> {
    pub(crate) fn new() -> Self {
        let (one, two) = ([T::zero(); BLOCK], [T::zero(); 2 * BLOCK]);
        Scratch { tail_args: two, kind: one, narrow_arg: one, narrow_add: one, q: two, r: two }
    }
}

/// One block of the stable log-likelihood in three stages (see the module documentation).
#[inline(always)]
pub(crate) fn log_likelihood_block<T: FastReal>(
    scratch: &mut Scratch<T>,
    [x, means, log_scales]: [&[T]; 3],
    out: &mut [T],
) {
    let n = out.len();
    let Scratch { tail_args, kind, narrow_arg, narrow_add, q, r } = scratch;
    let (far, near) = tail_args[..2 * n].split_at_mut(n);
    stage(
        [x, means, log_scales],
        [far, near, &mut kind[..n], &mut narrow_arg[..n], &mut narrow_add[..n]],
        #[inline(always)]
        |[x, m, s]| bin(x, m, s),
    );
    stage(
        [&tail_args[..2 * n]],
        [&mut q[..2 * n], &mut r[..2 * n]],
        #[inline(always)]
        |[z]| log_phi_parts(z),
    );
    let floor = T::PROB_FLOOR.ln();
    let ((q_far, q_near), (r_far, r_near)) = (q[..2 * n].split_at(n), r[..2 * n].split_at(n));
    stage(
        [q_far, r_far, q_near, r_near, &kind[..n], &narrow_arg[..n], &narrow_add[..n]],
        [out],
        #[inline(always)]
        |[q1, r1, q2, r2, kind, arg, add]| [combine(q1, r1, q2, r2, kind, arg, add).clamp_min(floor)],
    );
}

/// Stage 1: the pixel's bin `[a, b] = inv_stdv (centered_x -+ 1/255)`, open at an edge, mirrored into
/// the lower half; returns the two arguments whose `ln Phi` stage 2 needs (`u1 <= 0`: the bin's lower
/// end; `u2 <= 0`: its upper end in the tail, `-b` across 0), the case, and the narrow-bin value as
/// `ln(arg) + add`. Width and midpoint are formed directly, as `crate::stable` does.
#[inline(always)]
fn bin<T: FastReal>(x: T, mean: T, log_scale: T) -> [T; 5] {
    let centered_x = x - mean;
    let inv_stdv = exp(-log_scale);
    let (left, right) = (x < -T::EDGE, x > T::EDGE);
    let lo = select(left, T::neg_infinity(), inv_stdv * (centered_x - T::BIN_HALF_WIDTH));
    let hi = select(right, T::infinity(), inv_stdv * (centered_x + T::BIN_HALF_WIDTH));
    let mirror = lo >= T::zero();
    let (lo, hi) = (select(mirror, -hi, lo), select(mirror, -lo, hi));
    let in_tail = hi <= T::zero();
    let width = inv_stdv * (T::BIN_HALF_WIDTH + T::BIN_HALF_WIDTH);
    let mid = inv_stdv * centered_x;
    let spread = width * select(mid.abs() > T::one(), mid.abs(), T::one());
    let narrow = !(left || right) && spread <= T::cast(NARROW);
    let (arg, add) = narrow_bin(mid, width);
    let kind = select(narrow, T::cast(NARROW_BIN), select(in_tail, T::cast(TAIL), T::cast(STRADDLE)));
    [lo, select(in_tail, hi, -hi), kind, arg, add]
}

/// The Gaussian mass of a bin of width `w` around `m` as `pdf(m) w (1 + s)`, returned as
/// `(w (1 + s), -m^2/2 - ln sqrt(2 pi))`: `s = sum_k He_2k(m) (w/2)^2k / (2k+1)!` (the even Hermite
/// terms of the integral of `pdf(m + t)` over `|t| <= w/2`), with the scaled polynomials
/// `H_n = He_n(m) (w/2)^n` from `H_(n+1) = mu H_n - n omega H_(n-1)`, `mu = m w/2`, `omega = (w/2)^2`, which
/// stay small where the bin is narrow (no overflow for large `|m|`).
#[inline(always)]
fn narrow_bin<T: FastReal>(m: T, w: T) -> (T, T) {
    let half_w = w * T::cast(0.5);
    let (mu, omega) = (m * half_w, half_w * half_w);
    let (mut previous, mut current) = (T::one(), mu);
    let (mut s, mut factorial) = (T::zero(), 2.0f64);
    for n in 1..2 * T::NARROW_TERMS {
        let next = mu.fma(current, -(T::cast(n as f64) * omega) * previous);
        (previous, current) = (current, next);
        factorial *= (n + 2) as f64;
        if n % 2 == 1 {
            // H_(n+1), n + 1 = 2k: weight 1/(2k+1)! = 1/(n+2)!.
            s = next.fma(T::cast(1.0 / factorial), s);
        }
    }
    (w.fma(s, w), (-T::cast(0.5) * m).fma(m, -T::cast(LN_SQRT_2PI)))
}

/// Stage 2: `ln Phi(z) = ln(q) + r` for `z <= 0` (NaN passes), returned as `[q, r]` with
/// `q = t/2 = 1 / (2 + x)`, `x = -z / sqrt 2`, and `r = G(t) - z^2/2` (`z^2` rounded once). `z` is
/// raised to `NDTR_Z_MIN` first, which changes no result (see there) and keeps `-inf` finite.
#[inline(always)]
fn log_phi_parts<T: FastReal>(z: T) -> [T; 2] {
    let z = select(z < T::NDTR_Z_MIN, T::NDTR_Z_MIN, z);
    let x = z * T::cast(-FRAC_1_SQRT_2);
    let q = T::one() / (T::cast(2.0) + x);
    let g = horner(T::NDTR_LOG, ((q + q) - T::NDTR_T_MID) * T::NDTR_T_SCALE);
    [q, (-T::cast(0.5) * z).fma(z, g)]
}

/// Stage 3: the pixel's log-probability from `ln Phi(u1) = ln q1 + r1`, `ln Phi(u2) = ln q2 + r2`, the
/// case and the narrow-bin value. `y = ln Phi(u1) - ln Phi(u2)` (`ln` of the ratio `q1/q2`, close to 1,
/// loses nothing), `e = expm1(-|y|)`; with the larger of the two as `ln(q) + r`:
/// tail `ln(q (-e)) + r`, across 0 `ln(1 - q e^r (2 + e))`, narrow `ln(arg) + add`, one `ln` for all.
#[inline(always)]
fn combine<T: FastReal>(q1: T, r1: T, q2: T, r2: T, kind: T, arg: T, add: T) -> T {
    let y = ln(q1 / q2) + (r1 - r2);
    let e = expm1(-y.abs());
    let first = y > T::zero();
    let (q, r) = (select(first, q1, q2), select(first, r1, r2));
    // Both ends at NDTR_Z_MIN give e = 0: the tail's mass is then 0, its ln -inf, and the clamp gives the
    // floor.
    let tail = q * -e;
    let across = (-(q * exp_normal(r))).fma(T::cast(2.0) + e, T::one());
    let (is_tail, is_narrow) = (kind == T::cast(TAIL), kind == T::cast(NARROW_BIN));
    let value = select(is_narrow, arg, select(is_tail, tail, across));
    ln(value) + select(is_narrow, add, select(is_tail, r, T::zero()))
}

/// The stable KL, `0.5 (expm1(d) - d + (mean1 - mean2)^2 e^-logvar2)`, `d = logvar1 - logvar2`, with
/// `expm1(d) - d` as `d^2 P(d)` ([`FastReal::EXPM1_REMAINDER`]) for `|d| < 1/2`, where the subtraction
/// would cancel, and directly above (as `crate::stable::normal_kl_stable`).
#[inline(always)]
pub(crate) fn normal_kl<T: FastReal>(mean1: T, logvar1: T, mean2: T, logvar2: T) -> T {
    let d = logvar1 - logvar2;
    let gap = mean1 - mean2;
    let series = d * d * horner(T::EXPM1_REMAINDER, d);
    let variance_term = select(d.abs() < T::cast(0.5), series, expm1(d) - d);
    T::cast(0.5) * (variance_term + gap * gap * exp(-logvar2))
}
