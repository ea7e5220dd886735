//! Cases of `get_named_beta_schedule`: both schedules at the step counts the issue names (1 and 2 as
//! edges, 50, 1000 and 4000 as the grid), seeded random step counts and regressions. Every count is a
//! valid call of the schedule function itself; which of them `GaussianDiffusion.__init__` then refuses
//! is recorded in docs/golden-format.md ("Beta schedules").

use super::{case, regression, uniform, CaseSpec, Inputs};
use crate::upstream::schedule::Schedule;

fn schedule(schedule: Schedule, steps: u32) -> Inputs {
    Inputs::BetaSchedule { schedule, steps }
}

/// The catalog, random step counts drawn from stream `seed`.
pub(super) fn cases(seed: u64) -> Vec<CaseSpec> {
    let mut out = Vec::new();
    for s in Schedule::ALL {
        let name = s.name();
        for steps in [1u32, 2] {
            out.push(case(format!("edge/{name}/T={steps}"), &["edge", name], schedule(s, steps)));
        }
        for steps in [50u32, 1000, 4000] {
            out.push(case(format!("grid/{name}/T={steps}"), &["grid", name], schedule(s, steps)));
        }
        for i in 0..2u64 {
            // Step counts log-uniform in [3, 2000).
            let k = if s == Schedule::Linear { i } else { 2 + i };
            let steps = uniform(seed, k, 3f64.ln(), 2000f64.ln()).exp() as u32;
            out.push(case(format!("random/{name}/{i}"), &["random", name], schedule(s, steps)));
        }
    }
    out.extend([
        regression(
            "linear/T=20",
            "the largest linear beta is exactly 1 at T = 20 (beta_end = 1000 / 20 * 0.02); below 20 steps \
             it exceeds 1 and GaussianDiffusion's assert fails",
            schedule(Schedule::Linear, 20),
        ),
        regression(
            "cosine/T=10",
            "few steps: the cosine betas before the clipped last one reach 0.46, so an unclipped or \
             shifted schedule is far off everywhere",
            schedule(Schedule::Cosine, 10),
        ),
    ]);
    out
}
