//! The error model of `GaussianDiffusion.__init__`'s derived arrays (docs/error-model.md, "Derived
//! arrays"): how far upstream's float64 arrays can be from the exact arrays of the exact schedule. It
//! propagates the float64 betas' own error (`schedule_model`) through each array's condition number and
//! adds each rounding of upstream's order of operations; float32 is `.float()` of that, as for the betas.

use crate::functions::Precision;
use crate::golden::error_model::{Model, SAFETY};
use crate::golden::schedule_model::beta_bound;
use crate::upstream::derived::DerivedArray;
use crate::upstream::schedule::Schedule;

/// Exact quantities (in f64, a few ulps from the reals: the bound's own evaluation, covered by `SAFETY`)
/// and first-order relative errors of upstream's float64 intermediates at every timestep.
pub(crate) struct Chain {
    beta: Vec<f64>,
    alpha: Vec<f64>,
    abar: Vec<f64>,
    one_minus: Vec<f64>,
    /// Relative error of `betas[t]` (the schedule's float64 bound over the exact beta).
    r_beta: Vec<f64>,
    /// Relative error of `alphas[t] = 1.0 - betas[t]`.
    r_alpha: Vec<f64>,
    /// Relative error of `alphas_cumprod[t]`.
    r_abar: Vec<f64>,
    /// Relative error of `1.0 - alphas_cumprod[t]`: cancellation amplifies `r_abar` by `abar / (1 - abar)`.
    r_one_minus: Vec<f64>,
}

impl Chain {
    /// The chain of upstream's float64 derivation from the exact betas of `schedule` (`betas`).
    pub(crate) fn new(schedule: Schedule, betas: &[f64]) -> Chain {
        let f64m = Model::of(Precision::F64);
        let (u, steps) = (f64m.u, betas.len() as u64);
        let n = betas.len();
        let mut c = Chain {
            beta: betas.to_vec(),
            alpha: Vec::with_capacity(n),
            abar: Vec::with_capacity(n),
            one_minus: Vec::with_capacity(n),
            r_beta: Vec::with_capacity(n),
            r_alpha: Vec::with_capacity(n),
            r_abar: Vec::with_capacity(n),
            r_one_minus: Vec::with_capacity(n),
        };
        let (mut abar, mut one_minus, mut r_abar) = (1.0, 0.0, 0.0);
        for (i, &b) in betas.iter().enumerate() {
            let db = beta_bound(&f64m, schedule, i as u64, steps, b) / SAFETY;
            let a = 1.0 - b;
            // 1.0 - beta: the beta's error and one rounding.
            let r_alpha = (db + u * a) / a;
            // cumprod: each product adds the factor's error and one rounding (none for the first).
            r_abar = if i == 0 { r_alpha } else { r_abar + r_alpha + u };
            // 1 - abar without cancellation: (1 - abar_(t-1)) + abar_(t-1) beta_t.
            one_minus += abar * b;
            abar *= a;
            c.alpha.push(a);
            c.abar.push(abar);
            c.one_minus.push(one_minus);
            c.r_beta.push(db / b);
            c.r_alpha.push(r_alpha);
            c.r_abar.push(r_abar);
            c.r_one_minus.push(abar * r_abar / one_minus + u);
        }
        c
    }

    /// `(alphas_cumprod_prev[t], its relative error, 1 - it, the relative error of 1.0 - it)`: exactly
    /// `(1, 0, 0, 0)` at `t = 0`, where `1.0 - 1.0 = 0` is exact.
    fn prev(&self, t: usize) -> (f64, f64, f64, f64) {
        if t == 0 {
            (1.0, 0.0, 0.0, 0.0)
        } else {
            (self.abar[t - 1], self.r_abar[t - 1], self.one_minus[t - 1], self.r_one_minus[t - 1])
        }
    }

    /// `posterior_variance[t]` and its relative error: `betas * (1.0 - prev)`, then `/ (1.0 - abar)`.
    fn posterior_variance(&self, t: usize, u: f64) -> (f64, f64) {
        let (_, _, om_prev, r_om_prev) = self.prev(t);
        let v = self.beta[t] * om_prev / self.one_minus[t];
        (v, self.r_beta[t] + r_om_prev + self.r_one_minus[t] + 2.0 * u)
    }

    /// First-order bound on `|np.log(betas)[t] - ln(exact beta_t)|`, before `SAFETY` (the learned
    /// range's `max_log`).
    pub(crate) fn log_beta_bound(&self, t: usize, m: &Model) -> f64 {
        self.r_beta[t] + m.func * self.beta[t].ln().abs()
    }

    /// First-order bound on `|upstream's float64 array[t] - exact|`, before `SAFETY`.
    pub(crate) fn bound(&self, array: DerivedArray, t: usize, m: &Model) -> f64 {
        let (u, func) = (m.u, m.func);
        let (abar, r_abar, om, r_om) = (self.abar[t], self.r_abar[t], self.one_minus[t], self.r_one_minus[t]);
        let (prev, r_prev, _, r_om_prev) = self.prev(t);
        match array {
            DerivedArray::AlphasCumprod => abar * r_abar,
            DerivedArray::AlphasCumprodPrev => prev * r_prev,
            DerivedArray::AlphasCumprodNext => self.abar.get(t + 1).map_or(0.0, |a| a * self.r_abar[t + 1]),
            DerivedArray::SqrtAlphasCumprod => abar.sqrt() * (r_abar / 2.0 + u),
            DerivedArray::SqrtOneMinusAlphasCumprod => om.sqrt() * (r_om / 2.0 + u),
            // d ln(x (1 + r)) = r, plus the log's own relative error: where 1 - abar is near 1 the
            // result is small and the rounding of 1.0 - abar (u absolute) is most of it.
            DerivedArray::LogOneMinusAlphasCumprod => r_om + func * om.ln().abs(),
            // 1.0 / abar, then sqrt.
            DerivedArray::SqrtRecipAlphasCumprod => (1.0 / abar).sqrt() * ((r_abar + u) / 2.0 + u),
            // 1.0 / abar - 1: the quotient's error (r_abar + u) / abar over the difference (1 - abar) / abar.
            DerivedArray::SqrtRecipm1AlphasCumprod => {
                let r = (r_abar + u) / om + u;
                (om / abar).sqrt() * (r / 2.0 + u)
            }
            DerivedArray::PosteriorVariance => {
                let (v, r) = self.posterior_variance(t, u);
                v * r
            }
            DerivedArray::PosteriorLogVarianceClipped => {
                let (v, r) = self.posterior_variance(t.max(1), u);
                r + func * v.ln().abs()
            }
            // betas * sqrt(prev), then / (1.0 - abar): exactly beta_0 / (1 - abar_0) = 1 at t = 0 in the
            // reals, where 1.0 - abar_0 carries the cancellation of abar_0 ~ 1.
            DerivedArray::PosteriorMeanCoef1 => {
                let v = self.beta[t] * prev.sqrt() / om;
                v * (self.r_beta[t] + r_prev / 2.0 + u + r_om + 2.0 * u)
            }
            // (1.0 - prev) * sqrt(alphas), then / (1.0 - abar): exactly 0 at t = 0.
            DerivedArray::PosteriorMeanCoef2 => {
                let (_, _, om_prev, _) = self.prev(t);
                let v = om_prev * self.alpha[t].sqrt() / om;
                v * (r_om_prev + self.r_alpha[t] / 2.0 + u + r_om + 2.0 * u)
            }
        }
    }
}

/// Bounds on `|got - exact|` for every element of `array` of the exact schedule `schedule` (its exact
/// betas, correctly rounded, in `betas`) in precision `p`: upstream's float64 bound, plus (float32) the
/// rounding of that float64 value by `.float()`, so that both `f32(exact)` and `f32(upstream's float64
/// element)` are admitted. `exact` holds the array's exact values.
pub fn array_bounds(
    p: &Model,
    schedule: Schedule,
    betas: &[f64],
    array: DerivedArray,
    exact: &[f64],
) -> Vec<f64> {
    let chain = Chain::new(schedule, betas);
    let f64m = Model::of(Precision::F64);
    exact
        .iter()
        .enumerate()
        .map(|(t, &x)| {
            let b = SAFETY * chain.bound(array, t, &f64m);
            match p.precision {
                Precision::F64 => b,
                _ => b + p.u * (x.abs() + b),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::{beta_schedule, derived_arrays};
    use crate::upstream::derived::derived_array;
    use crate::upstream::schedule::beta_schedule as upstream_betas;

    /// The cancellations the bound has to admit are real: upstream's float64 error at these elements is
    /// thousands to hundreds of millions of ulps (measured: 1.3e8, 1.6e4, 1.6e4, 8.8e3; a bound of a few
    /// ulps would fail it), and within the bound.
    #[test]
    fn upstream_cancellations_are_large_and_bounded() {
        let f64m = Model::of(Precision::F64);
        let steps = 1000u64;
        let exact_betas: Vec<f64> =
            beta_schedule(Schedule::Cosine, steps).unwrap().iter().map(|e| e.value).collect();
        let betas = upstream_betas::<f64>(Schedule::Cosine, steps);
        for (array, t, least_ulps) in [
            (DerivedArray::LogOneMinusAlphasCumprod, 999usize, 1e7),
            (DerivedArray::SqrtRecipm1AlphasCumprod, 0, 1e3),
            (DerivedArray::PosteriorMeanCoef1, 1, 1e3),
            (DerivedArray::PosteriorVariance, 1, 1e3),
        ] {
            let exact = derived_arrays(Schedule::Cosine, steps, &[array]).unwrap().remove(0);
            let values: Vec<f64> = exact.iter().map(|e| e.value).collect();
            let got = derived_array::<f64>(&betas, array).unwrap()[t];
            let ulps = exact[t].error_ulps(got, 53);
            let bound = array_bounds(&f64m, Schedule::Cosine, &exact_betas, array, &values)[t];
            assert!(ulps > least_ulps, "{} [{t}]: {ulps} ulps", array.name());
            assert!((got - values[t]).abs() <= bound, "{} [{t}]: outside {bound}", array.name());
        }
    }
}
