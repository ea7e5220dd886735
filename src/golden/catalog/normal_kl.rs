//! Cases of `normal_kl`: identical and nearly identical Gaussians, large gaps, exp overflow, specials,
//! a grid, random pairs, regressions, and calls with 0-d scalar and broadcast arguments.

use super::{case, regression, signed, uniform, CaseSpec, Inputs, Operand, SPECIAL};

fn kl(mean1: f32, logvar1: f32, mean2: f32, logvar2: f32) -> Inputs {
    Inputs::NormalKl([mean1, logvar1, mean2, logvar2])
}

/// The catalog, random cases drawn from stream `seed`.
pub(super) fn cases(seed: u64) -> Vec<CaseSpec> {
    let mut out = Vec::new();
    for (m, lv) in [(0.0f32, 0.0f32), (0.3, -2.5), (-7.0, 4.0), (1e3, -30.0), (0.5, -20.0), (-0.25, 10.0)] {
        let id = format!("identical/mean={}/logvar={}", signed(m), signed(lv));
        out.push(case(id, &["edge", "identical"], kl(m, lv, m, lv)));
    }
    // Nearly identical Gaussians, the regime of most VLB terms: the naive float32 formula returns 0 or
    // a negative number for logvar differences below ~1e-3.
    for dlv in [1e-3f32, 1e-4, 1e-5, 1e-6, 1e-7] {
        for base in [-5.0f32, 0.0, 2.0] {
            for gap in [0.0f32, 1e-4] {
                let id =
                    format!("nearly-identical/dlogvar={dlv:e}/logvar2={}/mean-gap={gap:e}", signed(base));
                out.push(case(id, &["edge", "nearly-identical"], kl(0.1 + gap, base + dlv, 0.1, base)));
            }
        }
    }
    // The same with dyadic inputs, exact in the half types (whose upstream formula cancels to 0 or worse).
    for (lv2, dlv, gap) in [
        (0.0f32, 0.0625f32, 0.0f32),
        (1.0, 0.0078125, 0.0),
        (-2.0, 0.015625, 0.0),
        (0.0, -0.00390625, 0.0),
        (1.0, 0.0078125, 0.015625),
        (-1.0, -0.03125, 0.0625),
    ] {
        let id = format!(
            "nearly-identical/dyadic/logvar1={}/logvar2={}/mean-gap={gap}",
            signed(lv2 + dlv),
            signed(lv2)
        );
        out.push(case(id, &["edge", "nearly-identical"], kl(0.25 + gap, lv2 + dlv, 0.25, lv2)));
    }
    for gap in [10.0f32, 1e2, 1e4, 1e8, 1e15] {
        out.push(case(format!("large-gap/mean-gap={gap:e}"), &["edge", "large-gap"], kl(gap, 0.0, 0.0, 0.0)));
    }
    // exp overflows in f32: exp(logvar1 - logvar2) for a difference > 88.7, exp(-logvar2) for logvar2 < -88.7.
    for (lv1, lv2) in
        [(-90.0f32, -90.0f32), (-100.0, -100.0), (0.0, -90.0), (89.0, 0.0), (100.0, -5.0), (-5.0, -95.0)]
    {
        let id = format!("exp-overflow/logvar1={}/logvar2={}", signed(lv1), signed(lv2));
        out.push(case(id, &["edge", "exp-overflow"], kl(0.5, lv1, 0.25, lv2)));
    }
    for special in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        for arg in 0..4 {
            let mut a = [0.5f32, -1.0, 0.25, -2.0];
            a[arg] = special;
            let name = ["mean1", "logvar1", "mean2", "logvar2"][arg];
            out.push(case(
                format!("special/{name}={}", signed(special)),
                &[SPECIAL],
                kl(a[0], a[1], a[2], a[3]),
            ));
        }
    }
    for gap in [-3.0f32, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0] {
        for lv1 in [-4.0f32, -2.0, 0.0, 2.0] {
            for lv2 in [-4.0f32, -2.0, 0.0, 2.0] {
                let id =
                    format!("grid/mean-gap={}/logvar1={}/logvar2={}", signed(gap), signed(lv1), signed(lv2));
                out.push(case(id, &["grid"], kl(gap, lv1, 0.0, lv2)));
            }
        }
    }
    for i in 0..300u64 {
        let m2 = uniform(seed, 8 * i, -1.0, 1.0) as f32;
        let lv2 = uniform(seed, 8 * i + 1, -10.0, 2.0) as f32;
        // Half the draws are near-identical pairs, as in a trained model's VLB terms.
        let (m1, lv1) = if i % 2 == 0 {
            (
                m2 + uniform(seed, 8 * i + 2, -0.01, 0.01) as f32,
                lv2 + uniform(seed, 8 * i + 3, -0.01, 0.01) as f32,
            )
        } else {
            (uniform(seed, 8 * i + 2, -1.0, 1.0) as f32, uniform(seed, 8 * i + 3, -10.0, 2.0) as f32)
        };
        out.push(case(format!("random/{i:03}"), &["random"], kl(m1, lv1, m2, lv2)));
    }
    out.extend([
        regression(
            "vlb-term-t1",
            "posterior vs model log-variance differing by 1e-4 with a 1e-3 mean gap: naive float32 returns a negative KL",
            kl(0.012, -6.9078, 0.011, -6.9079),
        ),
        regression(
            "swapped-arguments",
            "KL is asymmetric: KL(p||q) = 1.8069 but KL(q||p) = 0.8466 here, so swapped Gaussians fail",
            kl(0.0, 2.0, 1.0, 0.0),
        ),
        regression("zero-mean-gap-unit", "KL(N(0,1) || N(1,1)) = 1/2 exactly", kl(0.0, 0.0, 1.0, 0.0)),
    ]);
    out.extend(broadcast_cases());
    out
}

/// A tensor argument of `shape` with dyadic values (exact in the half types) from `f(i)`, i the flat
/// index.
fn tensor(shape: &[usize], f: impl Fn(usize) -> f32) -> Operand {
    Operand { shape: shape.to_vec(), data: (0..shape.iter().product()).map(f).collect() }
}

/// A 0-d scalar argument (a Python float in upstream's calls).
fn scalar(v: f32) -> Operand {
    Operand { shape: Vec::new(), data: vec![v] }
}

/// Calls as upstream makes them: the prior term `normal_kl(mean1=qt_mean, logvar1=qt_log_variance,
/// mean2=0.0, logvar2=0.0)` with Python floats, other scalars (which a port that does not broadcast them
/// gets wrong for every element but the first), per-sample log-variances `[B,1,1,1]` against `[B,C,H,W]`
/// means, and a per-channel prior `[C]` against `[B,C]`.
fn broadcast_cases() -> Vec<CaseSpec> {
    let mean = |k: usize| move |i: usize| ((i * 5 + k) % 9) as f32 / 8.0 - 0.5;
    let logvar = |k: usize| move |i: usize| ((i * 3 + k) % 7) as f32 / 2.0 - 1.5;
    let image = [2, 3, 2, 2];
    let calls = [
        (
            "prior-term/[2,3]-vs-0.0",
            [tensor(&[2, 3], mean(0)), tensor(&[2, 3], logvar(0)), scalar(0.0), scalar(0.0)],
        ),
        (
            "scalars/[2,3,2,2]-vs-mean2=+0.5,logvar2=-1",
            [tensor(&image, mean(1)), tensor(&image, logvar(1)), scalar(0.5), scalar(-1.0)],
        ),
        (
            "scalar-logvar1/[4]-vs-logvar1=-2",
            [tensor(&[4], mean(2)), scalar(-2.0), tensor(&[4], mean(3)), tensor(&[4], logvar(2))],
        ),
        (
            "[B,1,1,1]-vs-[B,C,H,W]",
            [
                tensor(&image, mean(4)),
                tensor(&[2, 1, 1, 1], logvar(3)),
                tensor(&image, mean(5)),
                tensor(&[2, 1, 1, 1], logvar(4)),
            ],
        ),
        (
            "[C]-vs-[B,C]",
            [
                tensor(&[3, 4], mean(6)),
                tensor(&[3, 4], logvar(5)),
                tensor(&[4], mean(7)),
                tensor(&[4], logvar(6)),
            ],
        ),
        (
            "[B,1,1,1]-vs-scalars",
            [tensor(&image, mean(8)), tensor(&[2, 1, 1, 1], logvar(0)), scalar(0.25), scalar(0.5)],
        ),
    ];
    calls
        .into_iter()
        .map(|(id, args)| {
            case(format!("broadcast/{id}"), &["edge", "broadcast"], Inputs::NormalKlBroadcast(args))
        })
        .collect()
}
