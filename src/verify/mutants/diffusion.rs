//! The mutants of the diffusion helpers (beta schedules, derived arrays, the per-timestep methods): each
//! is upstream's code (src/upstream/{schedule,derived,posterior,vb_terms}.rs) run with the recipe that
//! carries the mutant's one mistake; a mutant of another helper runs upstream's recipe.

use super::Mutant;
use crate::golden::catalog::{DiffusionCall, Inputs};
use crate::golden::evaluate::{eval_diffusion_port, eval_fast};
use crate::upstream::derived::{derived_array, derived_array_with, DerivedArray, DerivedRecipe};
use crate::upstream::posterior::{Frac, StepRecipe};
use crate::upstream::schedule::{beta_schedule, beta_schedule_with, Recipe, Schedule};
use crate::upstream::vb_terms::VbRecipe;
use crate::{Cdf, Real};

/// `get_named_beta_schedule` with the mutant's mistake, claimed in `T` (`.float()` of float64 betas).
pub(super) fn schedule<T: Real>(m: Mutant, schedule: Schedule, steps: u32) -> Vec<f64> {
    use Mutant::*;
    match m {
        ScheduleOffByOne | ScheduleNoMaxBeta => {
            let recipe = Recipe { shift: u64::from(m == ScheduleOffByOne), max_beta: m == ScheduleOffByOne };
            let betas = beta_schedule_with::<f64>(schedule, steps.into(), recipe);
            betas.into_iter().map(|b| T::cast(b).as_f64()).collect()
        }
        ScheduleInFloat32 => {
            let betas = beta_schedule_with::<f32>(schedule, steps.into(), Recipe::UPSTREAM);
            betas.into_iter().map(f64::from).collect()
        }
        _ => eval_fast::<T>(&Inputs::BetaSchedule { schedule, steps }, Cdf::Erf),
    }
}

/// One derived array of `GaussianDiffusion.__init__` with the mutant's mistake, claimed in `T`.
pub(super) fn derived<T: Real>(m: Mutant, schedule: Schedule, steps: u32, array: DerivedArray) -> Vec<f64> {
    use Mutant::*;
    match m {
        DerivedNoClipping | DerivedFloor1e20 | DerivedPrevOffByOne => {
            let recipe = DerivedRecipe {
                clip_first: !matches!(m, DerivedNoClipping | DerivedFloor1e20),
                prev_shifted: m != DerivedPrevOffByOne,
                floor_1e20: m == DerivedFloor1e20,
            };
            let betas = beta_schedule::<f64>(schedule, steps.into());
            let values = derived_array_with(&betas, array, recipe).unwrap_or_default();
            values.into_iter().map(|v| T::cast(v).as_f64()).collect()
        }
        DerivedInFloat32 => {
            let betas: Vec<f32> =
                beta_schedule::<f64>(schedule, steps.into()).into_iter().map(|b| b as f32).collect();
            derived_array(&betas, array).unwrap_or_default().into_iter().map(f64::from).collect()
        }
        _ => eval_fast::<T>(&Inputs::DerivedArray { schedule, steps, array }, Cdf::Erf),
    }
}

/// A per-timestep method with the mutant's one mistake (golden::evaluate::eval_diffusion_port).
pub(super) fn per_timestep<T: Real>(m: Mutant, call: &DiffusionCall) -> Vec<f64> {
    let recipe = StepRecipe {
        arrays: DerivedRecipe { clip_first: m != Mutant::PosteriorUnclipped, ..DerivedRecipe::UPSTREAM },
        index_minus_one: m == Mutant::TimestepOneEarly,
        log_beta_of_float32: m == Mutant::MaxLogOfFloat32Beta,
        skip_float: m == Mutant::ExtractedWithoutFloat,
    };
    let vb = VbRecipe {
        frac: if m == Mutant::LearnedRangeFracRaw { Frac::Raw } else { Frac::UPSTREAM },
        cdf: if m == Mutant::VbDecoderErf { Cdf::Erf } else { Cdf::Tanh },
        where_swapped: m == Mutant::VbWhereSwapped,
        log_scales_unhalved: m == Mutant::VbLogScalesUnhalved,
        nats: m == Mutant::VbInNats,
    };
    let out = eval_diffusion_port::<T>(call, recipe, m == Mutant::PosteriorArraysInFloat32, vb);
    let nats = m == Mutant::PriorInNats;
    out.into_iter()
        .map(|v| if nats { (T::cast(v) * T::cast(std::f64::consts::LN_2)).as_f64() } else { v })
        .collect()
}
