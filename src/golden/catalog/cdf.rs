//! Cases of the standard normal CDF: zero, small and subnormal inputs, large ones where float32 and
//! float64 round to 0 or 1, specials, a grid, random magnitudes and regressions.

use super::{case, regression, signed, uniform, CaseSpec, Inputs, SPECIAL};
use crate::golden::recipe::unit_f32;

/// The catalog, random cases drawn from stream `seed`.
pub(super) fn cases(seed: u64) -> Vec<CaseSpec> {
    let mut out = Vec::new();
    let mut edge = |z: f32, label: &str| {
        out.push(case(format!("{label}/z={}", signed(z)), &["edge", label], Inputs::Cdf(z)))
    };
    for z in [0.0f32, -0.0] {
        edge(z, "zero");
    }
    for m in [1e-3f32, 1e-10, 1e-30, f32::MIN_POSITIVE, 1e-40, 1e-45] {
        edge(m, if m < f32::MIN_POSITIVE { "subnormal" } else { "small" });
        edge(-m, if m < f32::MIN_POSITIVE { "subnormal" } else { "small" });
    }
    // Underflow regions: f32's 1+erf rounds to 0 beyond z ~ -5.4 and its upper tail to 1 beyond +5.4;
    // f64's beyond +-8.3; the true Phi underflows f64 below -38.5.
    for m in
        [5.0f32, 5.4, 5.5, 6.0, 8.0, 8.3, 8.5, 10.0, 13.0, 20.0, 26.0, 37.0, 38.5, 40.0, 1e3, 1e10, f32::MAX]
    {
        edge(m, "large");
        edge(-m, "large");
    }
    for s in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        out.push(case(format!("special/z={}", signed(s)), &[SPECIAL], Inputs::Cdf(s)));
    }
    for i in -160..=160i32 {
        let z = i as f32 * 0.25;
        out.push(case(format!("grid/z={}", signed(z)), &["grid"], Inputs::Cdf(z)));
    }
    for i in 0..300u64 {
        // log-uniform magnitudes from 1e-3 to 40, random sign
        let mag = (uniform(seed, 2 * i, (1e-3f64).ln(), 40f64.ln())).exp();
        let z = if unit_f32(seed, 2 * i + 1) < 0.5 { -mag } else { mag } as f32;
        out.push(case(format!("random/{i:03}"), &["random"], Inputs::Cdf(z)));
    }
    out.extend([
        regression(
            "phi-minus-10",
            "Phi(-10) = 7.6198530241605e-24, far below float32's 1+erf resolution",
            Inputs::Cdf(-10.0),
        ),
        regression(
            "tanh-max-error",
            "near z = +-2.1 the tanh formula is ~1.7e-4 away from Phi, its peak absolute error",
            Inputs::Cdf(-2.1),
        ),
        regression(
            "erf-without-sqrt2",
            "at z = 1, 0.5*(1+erf(z)) = 0.921 while Phi(1) = 0.841",
            Inputs::Cdf(1.0),
        ),
    ]);
    out
}
