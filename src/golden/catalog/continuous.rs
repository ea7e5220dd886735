//! Cases of `continuous_gaussian_log_likelihood`: a grid of scales and offsets in standard deviations,
//! large `|normalized_x|` up to and past the square's overflow, `exp(-log_scales)` overflowing and
//! underflowing, a squared value in the subnormal range, dyadic inputs exact in the half types, specials,
//! random decoder outputs and regressions (the missing Jacobian).

use super::{case, regression, signed, uniform, CaseSpec, Inputs, SPECIAL};
use crate::golden::recipe::unit_f32;

/// log_scales of the grid: -12 (sharp decoders) to +3.
const GRID_LOG_SCALES: [f32; 16] =
    [-12.0, -11.0, -10.0, -9.0, -8.0, -7.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0];
/// Offsets of `x` from the mean in standard deviations (the exact normalized_x, up to the inputs'
/// rounding to f32).
const GRID_OFFSETS: [f64; 12] = [0.0, 0.125, -0.5, 1.0, -1.5, 2.0, -3.0, 4.0, -6.0, 8.0, -16.0, 40.0];

fn continuous(x: f32, means: f32, log_scales: f32) -> Inputs {
    Inputs::Continuous { x, means, log_scales }
}

/// The inputs putting `x` at `offset` standard deviations from `mean` for a given log-scale.
fn at_offset(mean: f32, log_scale: f32, offset: f64) -> Inputs {
    let x = (f64::from(mean) + offset * f64::from(log_scale).exp()) as f32;
    continuous(x, mean, log_scale)
}

/// The catalog, random cases drawn from stream `seed`.
pub(super) fn cases(seed: u64) -> Vec<CaseSpec> {
    let mut out = Vec::new();
    for (i, ls) in GRID_LOG_SCALES.into_iter().enumerate() {
        for (j, off) in GRID_OFFSETS.into_iter().enumerate() {
            let mean = [-0.75f32, 0.0, 0.3, 0.9][(i + j) % 4];
            let id = format!("grid/log_scale={}/offset={}sd/mean={}", signed(ls), signed(off), signed(mean));
            out.push(case(id, &["grid", "scale-offset"], at_offset(mean, ls, off)));
        }
    }
    // |normalized_x| from 1e3 to past the overflow of its square: f32's at 1.8e19, f64's at 1.3e154
    // (the result is then -inf in that precision while the exact value is finite, or beyond f64 too).
    for (x, means, ls) in [
        (1.0f32, 0.0f32, -7.0f32),
        (1.0, -1.0, -20.0),
        (0.5, -0.5, -40.0),
        (1.0, 0.0, -43.0),
        (1.0, 0.0, -44.0),
        (1.0, 0.0, -45.0),
        (1e19, 0.0, 0.0),
        (3e19, 0.0, 0.0),
        (1e30, -1e30, -10.0),
        (1.0, 0.0, -300.0),
        (1.0, 0.0, -354.0),
        (1.0, 0.0, -355.0),
        (1.0, 0.0, -700.0),
    ] {
        let id = format!("large/x={x:e}/means={means:e}/log_scale={}", signed(ls));
        out.push(case(id, &["edge", "large-normalized"], continuous(x, means, ls)));
    }
    // exp(-log_scales) overflows f32 beyond 88.72, f64 beyond 709.78: times a zero difference it is NaN
    // there (exactly the value is -ln sqrt(2 pi)), times anything else -inf.
    for ls in [-88.0f32, -88.75, -89.0, -100.0, -709.0, -710.0, -1000.0] {
        for (name, x, means) in [("zero-difference", 0.25f32, 0.25f32), ("tiny-difference", 0.0, 1e-30)] {
            let id = format!("scale-overflow/{name}/log_scale={}", signed(ls));
            out.push(case(id, &["edge", "scale-overflow"], continuous(x, means, ls)));
        }
    }
    // exp(-log_scales) underflows (to subnormals, then 0): the result tends to -ln sqrt(2 pi); a squared
    // normalized_x in the subnormal range of f32 and f64.
    for ls in [20.0f32, 50.0, 87.0, 100.0, 104.0, 200.0, 745.0, 1000.0] {
        let id = format!("scale-underflow/log_scale={}", signed(ls));
        out.push(case(id, &["edge", "scale-underflow"], continuous(1.0, -1.0, ls)));
    }
    for (x, ls) in [(1e-20f32, 0.0f32), (3e-22, 0.0), (1.0, 50.0), (1e-30, 330.0), (1.0, 370.0)] {
        let id = format!("subnormal-square/x={x:e}/log_scale={}", signed(ls));
        out.push(case(id, &["edge", "subnormal-square"], continuous(x, 0.0, ls)));
    }
    out.extend(dyadic_cases());
    // NaN and infinities in each input, and the combinations where 0 * inf or inf - inf makes NaN.
    for special in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let s = signed(special);
        out.push(case(format!("special/x={s}"), &[SPECIAL], continuous(special, 0.0, -3.0)));
        out.push(case(format!("special/means={s}"), &[SPECIAL], continuous(0.3, special, -3.0)));
        out.push(case(format!("special/log_scales={s}"), &[SPECIAL], continuous(0.3, 0.2, special)));
        out.push(case(format!("special/log_scales={s}/x=means"), &[SPECIAL], continuous(0.2, 0.2, special)));
    }
    out.push(case(
        "special/x=+inf/means=+inf".into(),
        &[SPECIAL],
        continuous(f32::INFINITY, f32::INFINITY, 0.0),
    ));
    out.push(case(
        "special/x=+inf/log_scales=+inf".into(),
        &[SPECIAL],
        continuous(f32::INFINITY, 0.0, f32::INFINITY),
    ));
    // Random decoder outputs: x a pixel value in [-1, 1], log-scale in [-8, 1], |offset| up to 4 sd.
    for i in 0..400u64 {
        let x = (2.0 * f64::from(unit_f32(seed, 3 * i)) - 1.0) as f32;
        let ls = uniform(seed, 3 * i + 1, -8.0, 1.0) as f32;
        let off = uniform(seed, 3 * i + 2, -4.0, 4.0);
        let mean = (f64::from(x) - off * f64::from(ls).exp()) as f32;
        out.push(case(format!("random/{i:03}"), &["random"], continuous(x, mean, ls)));
    }
    out.extend([
        regression(
            "missing-jacobian",
            "a typical t=0 decoder output (log_scales = -4.5): the true log-density adds 4.5 nats; upstream does not",
            at_offset(0.2, -4.5, 0.5),
        ),
        regression(
            "x-equals-means",
            "normalized_x = 0: exactly -ln sqrt(2 pi) = -0.9189385..., whatever the scale",
            continuous(-0.4, -0.4, -9.0),
        ),
        regression(
            "unit-normal-at-one",
            "N(0, 1) at 1: -1/2 - ln sqrt(2 pi); a port using ln(2 pi) or no constant is off by ~0.92",
            continuous(1.0, 0.0, 0.0),
        ),
        regression(
            "log-scale-positive",
            "log_scales = 2: exp(+log_scales) for exp(-log_scales) changes normalized_x by e^4",
            continuous(0.5, 0.0, 2.0),
        ),
    ]);
    out
}

/// Dyadic inputs with few significant bits, exact in float16 and bfloat16: x and means on a coarse grid
/// of [-1, 1], log-scales from -12 (exp(12) overflows float16) to 4, so that normalized_x reaches past
/// float16's square overflow (|normalized_x| > 256).
fn dyadic_cases() -> Vec<CaseSpec> {
    const XS: [f32; 9] = [-1.0, -0.75, -0.5, -0.125, 0.0, 0.25, 0.5, 0.875, 1.0];
    const OFFSETS: [f32; 8] = [0.0, 1.0 / 1024.0, -1.0 / 64.0, 0.0625, -0.125, 0.25, 0.5, -1.0];
    const LOG_SCALES: [f32; 12] = [-12.0, -10.0, -8.0, -6.0, -5.0, -4.0, -2.5, -1.0, 0.0, 1.0, 2.0, 4.0];
    let mut out = Vec::new();
    for (i, x) in XS.into_iter().enumerate() {
        for (j, off) in OFFSETS.into_iter().enumerate() {
            for k in 0..2 {
                let ls = LOG_SCALES[(3 * i + 5 * j + 7 * k) % LOG_SCALES.len()];
                let means = x + off;
                let id = format!("dyadic/x={}/means={}/log_scale={}", signed(x), signed(means), signed(ls));
                out.push(case(id, &["grid", "dyadic"], continuous(x, means, ls)));
            }
        }
    }
    out
}
