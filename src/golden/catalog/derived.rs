//! Cases of `GaussianDiffusion.__init__`'s derived arrays: one case per schedule, step count and array.
//! Every array at the small step counts where upstream builds finite arrays (cosine `T = 2`, linear
//! `T = 21` as edges, 50 as the grid, two seeded random counts per schedule, a regression), the arrays
//! with the largest cancellations at `T = 1000`, and the worst of them at `T = 4000` (docs/golden-format.md,
//! "Derived arrays": every array at every count would be 9 MB; the file stays under the 4 MiB the golden
//! tests allow). `T = 1` and linear `T <= 20` are not cases: upstream raises or its arrays are infinite
//! (`reference::derived::Diffusion::new` says which).

use super::{case, regression, uniform, CaseSpec, Inputs};
use crate::upstream::derived::DerivedArray;
use crate::upstream::schedule::Schedule;

fn arrays(schedule: Schedule, steps: u32, array: DerivedArray) -> Inputs {
    Inputs::DerivedArray { schedule, steps, array }
}

/// The arrays judged at `T = 1000` too: the cumulative product (its error grows with `T`) and the arrays
/// whose float64 evaluation cancels most: `log(1 - alphas_cumprod)` at the last steps, `sqrt(1 /
/// alphas_cumprod - 1)` and `posterior_mean_coef1` at `t = 0`, and the clipped posterior log-variance the
/// variational bound reads.
const AT_1000: [DerivedArray; 5] = [
    DerivedArray::AlphasCumprod,
    DerivedArray::LogOneMinusAlphasCumprod,
    DerivedArray::SqrtRecipm1AlphasCumprod,
    DerivedArray::PosteriorLogVarianceClipped,
    DerivedArray::PosteriorMeanCoef1,
];

/// The catalog, random step counts drawn from stream `seed`.
pub(super) fn cases(seed: u64) -> Vec<CaseSpec> {
    let mut out = Vec::new();
    for s in Schedule::ALL {
        let name = s.name();
        let edge = if s == Schedule::Linear { 21u32 } else { 2 };
        let random: Vec<u32> = (0..2u64)
            .map(|i| {
                // Step counts log-uniform in [edge + 1, 200).
                let k = 10 + 2 * u64::from(s == Schedule::Cosine) + i;
                uniform(seed, k, f64::from(edge + 1).ln(), 200f64.ln()).exp() as u32
            })
            .collect();
        for a in DerivedArray::ALL {
            let an = a.name();
            let mut add = |family: &str, label: String, steps: u32| {
                out.push(case(
                    format!("{family}/{name}/{label}/{an}"),
                    &[family, name, an],
                    arrays(s, steps, a),
                ));
            };
            add("edge", format!("T={edge}"), edge);
            add("grid", "T=50".into(), 50);
            if AT_1000.contains(&a) {
                add("grid", "T=1000".into(), 1000);
            }
            // The largest cancellation of all: 1.1e9 ulps upstream at the last step.
            if s == Schedule::Cosine && a == DerivedArray::LogOneMinusAlphasCumprod {
                add("grid", "T=4000".into(), 4000);
            }
            for (i, &steps) in random.iter().enumerate() {
                add("random", i.to_string(), steps);
            }
        }
    }
    for a in [DerivedArray::PosteriorLogVarianceClipped, DerivedArray::PosteriorMeanCoef1] {
        out.push(regression(
            &format!("cosine/T=10/{}", a.name()),
            "few steps: element 0 of the clipped log-variance is element 1's, and the posterior mean's \
             coefficients at t = 0 are exactly 1 and 0, with a last beta clipped at 0.999",
            arrays(Schedule::Cosine, 10, a),
        ));
    }
    out
}
