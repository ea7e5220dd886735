//! Cases of `discretized_gaussian_log_likelihood`: the pixel grid, the edges and thresholds, the clamp
//! boundary, the tails, huge and tiny scales, dyadic inputs exact in the half types, specials, random
//! decoder outputs and regressions.

use super::{case, regression, signed, uniform, CaseSpec, Inputs, SPECIAL};
use crate::golden::recipe::unit_f32;
use crate::stable::engine;
use crate::Cdf;

/// log_scales of the pixel grid: -12 (sharp decoders late in training) to +3.
const GRID_LOG_SCALES: [f32; 16] =
    [-12.0, -11.0, -10.0, -9.0, -8.0, -7.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0];
/// Offsets of the mean from the pixel, in units of the predicted scale.
const GRID_OFFSETS: [f64; 8] = [0.0, 0.25, -0.5, 1.0, -2.0, 4.0, -8.0, 16.0];

/// Pixel level k as float32 computes it: `k / 127.5 - 1`.
pub fn pixel(k: u32) -> f32 {
    k as f32 / 127.5f32 - 1.0f32
}

fn loglik(x: f32, means: f32, log_scales: f32) -> Inputs {
    Inputs::Loglik { x, means, log_scales }
}

/// The catalog, random cases drawn from stream `seed`.
pub(super) fn cases(seed: u64) -> Vec<CaseSpec> {
    let mut out = Vec::new();
    // Grid: every pixel level, four (log_scale, offset) pairs each, rotating so that all 16 log_scales
    // and all 8 offsets meet every region of [-1, 1].
    for k in 0..256u32 {
        let x = pixel(k);
        for (j, (li, oi)) in
            [(k, k), (k * 5 + 3, k + 3), (k * 7 + 9, k + 5), (k * 11 + 4, k + 6)].into_iter().enumerate()
        {
            let ls = GRID_LOG_SCALES[(li % 16) as usize];
            let off = GRID_OFFSETS[(oi % 8) as usize] * if j % 2 == 0 { 1.0 } else { -1.0 };
            let mean = (f64::from(x) + off * f64::from(ls).exp()) as f32;
            let id = format!("pixel/k={k:03}/log_scale={}/offset={}sd", signed(ls), signed(off));
            out.push(case(id, &["grid", "pixel-level"], loglik(x, mean, ls)));
        }
    }
    // Edge branches at x = -1 and x = +1 exactly.
    for (name, x) in [("edge-left", -1.0f32), ("edge-right", 1.0)] {
        for off in [-0.04f32, -0.01, 0.0, 0.004, 0.04, 0.3] {
            for ls in [-12.0f32, -8.0, -5.0, -3.0, -1.0, 0.0, 3.0] {
                let mean = x - x.signum() * off;
                let id = format!("{name}/mean-offset={}/log_scale={}", signed(x.signum() * -off), signed(ls));
                out.push(case(id, &["edge", name], loglik(x, mean, ls)));
            }
        }
    }
    // The +-0.999 thresholds: f32(0.999) > 0.999 and f32(-0.999) < -0.999 as reals, so these sit on
    // the other side of the threshold as reals than as f32 values; their neighbours and nearby levels.
    let t = 0.999f32;
    let around = |v: f32| {
        [f32::from_bits(v.to_bits() - 2), f32::from_bits(v.to_bits() - 1), v, f32::from_bits(v.to_bits() + 1)]
    };
    let mut xs: Vec<f32> = around(t).into_iter().chain(around(-t)).collect();
    xs.extend([0.998f32, -0.998, 0.9992, -0.9992, pixel(1), pixel(254)]);
    for x in xs {
        for (ls, off) in [(-5.0f32, 0.0f32), (-3.0, 0.01), (-7.0, -0.002)] {
            let id = format!("threshold/x={x:e}/log_scale={}/mean-offset={}", signed(ls), signed(off));
            out.push(case(id, &["edge", "threshold"], loglik(x, x + off, ls)));
        }
    }
    out.extend(clamp_boundary_cases());
    out.extend(tail_cases());
    // Huge and tiny scales: exp(-log_scales) under- and overflows f32 near |log_scales| = 88.
    for ls in [
        5.0f32, 10.0, 20.0, 50.0, 80.0, 88.0, 89.0, 100.0, -15.0, -20.0, -40.0, -80.0, -87.0, -88.0, -89.0,
        -100.0,
    ] {
        for x in [-1.0f32, 0.0, 0.5, 1.0] {
            let id = format!("scale/log_scale={}/x={}", signed(ls), signed(x));
            out.push(case(id, &["edge", "scale"], loglik(x, x + 0.001, ls)));
        }
    }
    out.extend(dyadic_cases());
    // NaN and infinities in each input, on each branch.
    for special in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        out.push(case(format!("special/x={}", signed(special)), &[SPECIAL], loglik(special, 0.0, -3.0)));
        for x in [-1.0f32, 0.3, 1.0] {
            let tag = format!("x={}", signed(x));
            out.push(case(
                format!("special/means={}/{tag}", signed(special)),
                &[SPECIAL],
                loglik(x, special, -3.0),
            ));
            out.push(case(
                format!("special/log_scales={}/{tag}", signed(special)),
                &[SPECIAL],
                loglik(x, 0.2, special),
            ));
        }
    }
    out.push(case(
        "special/means=+inf/log_scales=+inf".into(),
        &[SPECIAL],
        loglik(0.0, f32::INFINITY, f32::INFINITY),
    ));
    // Random decoder outputs around random pixels.
    for i in 0..400u64 {
        let k = (unit_f32(seed, 4 * i) * 256.0) as u32;
        let x = pixel(k.min(255));
        let ls = uniform(seed, 4 * i + 1, -8.0, 1.0) as f32;
        let off = uniform(seed, 4 * i + 2, -3.0, 3.0);
        let mean = (f64::from(x) + off * f64::from(ls).exp()) as f32;
        out.push(case(format!("random/{i:03}"), &["random"], loglik(x, mean, ls)));
    }
    let f32_999 = 0.999f32;
    out.extend([
        regression(
            "x=f32(0.999)",
            "f32(0.999) = 0.99900001287 exceeds 0.999 as a real (edge-right) but not as an f32 (interior): ports must accept either",
            loglik(f32_999, f32_999, -6.0),
        ),
        regression(
            "mean-at-upper-bin-edge",
            "means = x + f32(1/255): plus_in is ~0 and all of the bin's mass sits in one half",
            loglik(0.0, (1.0f64 / 255.0) as f32, -5.0),
        ),
        regression(
            "both-cdfs-near-one",
            "both CDFs ~1 - 1e-9: float32 0.5*(1+erf) rounds both to 1 and clamps, losing ~6 nats",
            loglik(0.5, 0.5 - 6.0 * (-4.0f32).exp(), -4.0),
        ),
        regression(
            "narrow-gaussian-on-pixel",
            "sigma = e^-12 centred on a pixel: the bin holds all the mass, log-likelihood exactly 0",
            loglik(pixel(128), pixel(128), -12.0),
        ),
        regression(
            "log-variance-as-log-scale",
            "a typical t=0 decoder output; ports that feed log-variances as log_scales are off by a factor 2 in scale here",
            loglik(pixel(200), pixel(200) + 0.01, -4.5),
        ),
        regression(
            "tanh-tail-underestimate",
            "at z ~ -5 the tanh formula's CDF is 10x below the true Phi: the two variants differ by ~2.3 nats",
            loglik(-1.0, -1.0 + 5.0 * (-3.0f32).exp(), -3.0),
        ),
    ]);
    // An infinite input puts a regression in the special family.
    let mut plus_inf = regression(
        "log-scales-plus-inf",
        "log_scales = +inf: inv_stdv = 0, both CDFs are 1/2 and the interior bin is empty",
        loglik(0.25, 0.25, f32::INFINITY),
    );
    plus_inf.tags = vec![SPECIAL.into(), "regression".into()];
    out.push(plus_inf);
    out
}

/// Inputs whose exact probability in each branch is just above, at and just below the clamp 1e-12,
/// for each CDF variant, found by bisection on the mean with the f64 engine.
fn clamp_boundary_cases() -> Vec<CaseSpec> {
    let mut out = Vec::new();
    let h = 1.0 / 255.0;
    for cdf in Cdf::ALL {
        let log_f = |z: f64| match cdf {
            Cdf::Erf => engine::log_phi(z),
            Cdf::Tanh => engine::log_tanh_cdf(z),
        };
        let f = |z: f64| log_f(z).exp();
        // (branch name, x, log_scale, ln of the branch's probability as a function of the mean)
        type Prob<'a> = Box<dyn Fn(f64) -> f64 + 'a>;
        let branches: [(&str, f32, f32, Prob); 4] = [
            ("edge-left", -1.0, -3.0, Box::new(move |m: f64| log_f((-1.0 - m + h) / (-3.0f64).exp()))),
            ("edge-right", 1.0, -3.0, Box::new(move |m: f64| log_f(-(1.0 - m - h) / (-3.0f64).exp()))),
            (
                "interior-low",
                0.0,
                -4.0,
                Box::new(move |m: f64| {
                    let s = (-4.0f64).exp();
                    (f((-m + h) / s) - f((-m - h) / s)).ln()
                }),
            ),
            (
                "interior-high",
                0.0,
                -4.0,
                Box::new(move |m: f64| {
                    let s = (-4.0f64).exp();
                    (f((m + h) / s) - f((m - h) / s)).ln()
                }),
            ),
        ];
        for (name, x, ls, ln_p) in branches {
            // ln p decreases as the mean moves away from x; bracket the mean where ln p = ln 1e-12.
            let target = 1e-12f64.ln();
            let dir = if name == "edge-right" || name == "interior-low" { -1.0 } else { 1.0 };
            let (mut near, mut far) = (f64::from(x), f64::from(x) + dir * 2.0);
            for _ in 0..200 {
                let mid = 0.5 * (near + far);
                if ln_p(mid) > target {
                    near = mid;
                } else {
                    far = mid;
                }
            }
            let at = near as f32;
            let step = |m: f32, k: i32| f32::from_bits((m.to_bits() as i64 + k as i64) as u32);
            // Moving the mean by 16 f32 steps changes p by ~1e-4 relative: "just" above and below.
            let toward_x = if f64::from(at) > f64::from(x) { -1 } else { 1 };
            for (pos, m) in
                [("above", step(at, 16 * toward_x)), ("at", at), ("below", step(at, -16 * toward_x))]
            {
                let id = format!("clamp-boundary/{}/{name}/{pos}", cdf.name());
                out.push(case(id, &["edge", "clamp-boundary"], loglik(x, m, ls)));
            }
        }
    }
    out
}

/// Both CDFs near 1 and both near 0: the cancellation that costs f32 ports up to ~10 nats.
fn tail_cases() -> Vec<CaseSpec> {
    let mut out = Vec::new();
    for ls in [-3.0f32, -4.0] {
        let s = f64::from(ls).exp();
        for z in [3.0f64, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0] {
            for (side, sign) in [("near-one", 1.0), ("near-zero", -1.0)] {
                // centre of the bin at z standard deviations from the mean
                let mean = (0.5 - sign * z * s) as f32;
                let id = format!("tail/{side}/z={z}/log_scale={}", signed(ls));
                out.push(case(id, &["edge", "tail", side], loglik(0.5, mean, ls)));
            }
        }
    }
    out
}

/// Dyadic inputs with few significant bits, exact in float16 or bfloat16 (or both), so that the half
/// precisions have cases of their own: x on a coarse grid of [-1, 1] and the last level below each
/// edge, means a few bin widths away (2^-8 + 2^-12 puts the bin's edge 2^-12 from the mean), and
/// log-scales from -12 (exp(12) overflows float16) to 2.
fn dyadic_cases() -> Vec<CaseSpec> {
    const XS: [f32; 11] = [-1.0, -0.996_093_75, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 0.996_093_75, 1.0];
    const EDGE_NEAR: f32 = 1.0 / 256.0 + 1.0 / 4096.0;
    const OFFSETS: [f32; 10] = [
        0.0,
        1.0 / 1024.0,
        -1.0 / 1024.0,
        EDGE_NEAR,
        -EDGE_NEAR,
        1.0 / 128.0,
        -1.0 / 64.0,
        0.0625,
        -0.125,
        0.5,
    ];
    const LOG_SCALES: [f32; 12] = [-12.0, -10.0, -8.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0];
    let mut out = Vec::new();
    // The bin's edge 2^-12 from the mean of a sharp decoder, at x = 0 (exact in bfloat16 too): a
    // log-scale clamped at -9 moves that edge within 2 standard deviations.
    for (off, ls) in [(EDGE_NEAR, -12.0f32), (-EDGE_NEAR, -12.0), (EDGE_NEAR, -10.0), (-EDGE_NEAR, -10.0)] {
        let id = format!("dyadic/x=+0/mean-offset={}/log_scale={}/sharp", signed(off), signed(ls));
        out.push(case(id, &["grid", "dyadic"], loglik(0.0, off, ls)));
    }
    for (i, x) in XS.into_iter().enumerate() {
        for (j, off) in OFFSETS.into_iter().enumerate() {
            for k in 0..3 {
                let ls = LOG_SCALES[(3 * i + 5 * j + 4 * k) % LOG_SCALES.len()];
                let id =
                    format!("dyadic/x={}/mean-offset={}/log_scale={}", signed(x), signed(off), signed(ls));
                out.push(case(id, &["grid", "dyadic"], loglik(x, x + off, ls)));
            }
        }
    }
    out
}
