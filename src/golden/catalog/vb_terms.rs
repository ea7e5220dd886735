//! Cases of `_vb_terms_bpd` (the model given as data: `pred_xstart` and the learned range's
//! `model_var_values`): `[4, 3, 5, 5]` batches as the posterior's cases (`x_start` on the pixel grid,
//! `x_t` drawn as `q_sample` draws it), whose `B = 4` timesteps cover 0, 1, `T - 1` and a random step,
//! each diffusion with two models:
//!
//! * `near`: `pred_xstart` within about 1e-6 of `x_start` and `model_var_values` within 1e-5 of -1 (the
//!   model's variance at the posterior's): the KL terms are 4e-8 bits and below, where upstream's float32
//!   `normal_kl` is rounding noise of 1e-7 (vlb-semantics 6);
//! * `far`: for `t > 0` a `pred_xstart` uniform in [-1, 1] and `model_var_values` uniform in [-1, 1] with
//!   -1, 1 and 0 among them (KL terms of bits to thousands of bits); at `t = 0`, where the decoder is
//!   judged, `pred_xstart` is `x_start` plus a normal draw of half the decoder's smallest standard
//!   deviation, so that the bins' probabilities stay where float32 can resolve them (a mean many
//!   standard deviations off puts them between the clamp and float32's resolution of a CDF near 1,
//!   where no error bound holds).
//!
//! Every term is finite in both branches of `where` for every batch element (the learned range is
//! finite, the log-likelihood clamped), so a NaN in either branch is a port's own.

use super::posterior::{base, noised, normal, pixels, step_in, var_values, SHAPE};
use super::{case, regression, uniform, CaseSpec, DiffusionCall, Inputs};
use crate::golden::recipe::unit_f32;
use crate::upstream::derived::{derived_array, DerivedArray};
use crate::upstream::schedule::{beta_schedule, Schedule};
use crate::Function;

/// The model of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    /// Close to the posterior: near-zero KL terms.
    Near,
    /// A poor model (KL), a decoder within a few standard deviations of the data.
    Far,
}

impl Model {
    fn name(self) -> &'static str {
        match self {
            Model::Near => "near",
            Model::Far => "far",
        }
    }
}

/// Half the decoder's smallest standard deviation at `t = 0`, `exp(min(ln beta_0, lvc_0) / 2) / 2`
/// (upstream's float64 arrays: only the inputs' realism depends on it).
fn decoder_spread(schedule: Schedule, steps: u32) -> f64 {
    let betas = beta_schedule::<f64>(schedule, steps.into());
    let lvc = derived_array(&betas, DerivedArray::PosteriorLogVarianceClipped).map_or(0.0, |a| a[0]);
    0.5 * (0.5 * lvc.min(betas[0].ln())).exp()
}

fn call(schedule: Schedule, steps: u32, t: Vec<u32>, model: Model, seed: u64, k: u64) -> Inputs {
    let n: usize = SHAPE.iter().product();
    let row = n / SHAPE[0];
    let from = base(Function::VbTermsBpd, k);
    let x_start = pixels(seed, from, n);
    let x_t = noised(schedule, steps, &t, &x_start, seed, from + n as u64);
    let spread = decoder_spread(schedule, steps);
    let draws = from + 3 * n as u64;
    let pred: Vec<f32> = x_start
        .iter()
        .enumerate()
        .map(|(k, &x)| {
            let i = draws + k as u64;
            let x = f64::from(x);
            (match (model, t[k / row]) {
                (Model::Near, _) => x + 1e-6 * normal(seed, i),
                (Model::Far, 0) => x + spread * normal(seed, i),
                (Model::Far, _) => 2.0 * f64::from(unit_f32(seed, i)) - 1.0,
            }) as f32
        })
        .collect();
    let v = match model {
        Model::Near => (0..n as u64)
            .map(|i| if i == 0 { -1.0 } else { -1.0 + 1e-5 * unit_f32(seed, draws + n as u64 + i) })
            .collect(),
        Model::Far => var_values(seed, draws + n as u64, n),
    };
    let function = Function::VbTermsBpd;
    Inputs::Diffusion(DiffusionCall {
        function,
        schedule,
        steps,
        t,
        shape: SHAPE.to_vec(),
        tensors: vec![x_start, x_t, pred, v],
    })
}

/// The catalog of `_vb_terms_bpd`, random draws from stream `seed`.
pub(super) fn cases(seed: u64) -> Vec<CaseSpec> {
    let function = Function::VbTermsBpd;
    let mut out = Vec::new();
    let mut k = 0u64;
    let ts = |t: &[u32]| t.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    for model in [Model::Near, Model::Far] {
        let m = model.name();
        k += 1;
        let t = vec![0, 1, 1, 0];
        let id = format!("edge/cosine/T=2/{m}/t={}", ts(&t));
        out.push(case(id, &["edge", "cosine", m], call(Schedule::Cosine, 2, t, model, seed, k)));
    }
    for s in Schedule::ALL {
        let name = s.name();
        for steps in [50u32, 1000, 4000] {
            for model in [Model::Near, Model::Far] {
                let m = model.name();
                k += 1;
                let t = vec![0, 1, steps - 1, step_in(seed, base(function, k) - 1, 2, steps - 1)];
                let id = format!("grid/{name}/T={steps}/{m}/t={}", ts(&t));
                out.push(case(id, &["grid", name, m], call(s, steps, t, model, seed, k)));
            }
        }
        for (i, model) in [Model::Near, Model::Far].into_iter().enumerate() {
            let m = model.name();
            k += 1;
            // Step counts log-uniform in [21, 2000), four random timesteps.
            let counter = base(function, k) - 8;
            let steps = uniform(seed, counter, 21f64.ln(), 2000f64.ln()).exp() as u32;
            let t: Vec<u32> = (1..=4).map(|j| step_in(seed, counter + j, 0, steps)).collect();
            let id = format!("random/{name}/{i}/T={steps}/{m}/t={}", ts(&t));
            out.push(case(id, &["random", name, m], call(s, steps, t, model, seed, k)));
        }
    }
    out.push(regression(
        "linear/T=1000/far/t=0,1,2,3",
        "the first steps, where 1 - alphas_cumprod is about beta_0 = 1e-4: arrays computed in float32 lose \
         about 13 bits there, and the decoder at t = 0 reads the clipped posterior log-variance",
        call(Schedule::Linear, 1000, vec![0, 1, 2, 3], Model::Far, seed, k + 1),
    ));
    out.push(regression(
        "cosine/T=4000/near/t=0,1,3998,3999",
        "the cosine schedule's smallest first beta (1e-5), a decoder of standard deviation 2e-3, and the \
         clipped last steps with a model at the posterior: near-zero KL terms where beta_t is 0.999",
        call(Schedule::Cosine, 4000, vec![0, 1, 3998, 3999], Model::Near, seed, k + 2),
    ));
    out
}
