//! The derived arrays of improved-diffusion's `GaussianDiffusion.__init__` (openai/improved-diffusion
//! `improved_diffusion/gaussian_diffusion.py` at 6051920c0865d53146db7841bfba43c3e67edef6), step by
//! step in upstream's order of operations, generic over the working precision: upstream computes them in
//! NumPy float64 from the float64 betas; float32 is what a port that builds them in float32 computes.

use super::schedule::Trig;
use crate::Error;

/// One of the arrays `GaussianDiffusion.__init__` derives from the betas (each of length `T`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DerivedArray {
    /// `np.cumprod(1 - betas)`.
    AlphasCumprod,
    /// `np.append(1.0, alphas_cumprod[:-1])`.
    AlphasCumprodPrev,
    /// `np.append(alphas_cumprod[1:], 0.0)`.
    AlphasCumprodNext,
    /// `np.sqrt(alphas_cumprod)`.
    SqrtAlphasCumprod,
    /// `np.sqrt(1.0 - alphas_cumprod)`.
    SqrtOneMinusAlphasCumprod,
    /// `np.log(1.0 - alphas_cumprod)` (a `log`, not `log1p`: it cancels where `alphas_cumprod` is small).
    LogOneMinusAlphasCumprod,
    /// `np.sqrt(1.0 / alphas_cumprod)`.
    SqrtRecipAlphasCumprod,
    /// `np.sqrt(1.0 / alphas_cumprod - 1)` (cancels at `t = 0`, where `alphas_cumprod` is near 1).
    SqrtRecipm1AlphasCumprod,
    /// `betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)` (0 at `t = 0`).
    PosteriorVariance,
    /// `np.log(np.append(posterior_variance[1], posterior_variance[1:]))`: element 0 is the log of
    /// element 1 (the variance itself is 0 there).
    PosteriorLogVarianceClipped,
    /// `betas * np.sqrt(alphas_cumprod_prev) / (1.0 - alphas_cumprod)`.
    PosteriorMeanCoef1,
    /// `(1.0 - alphas_cumprod_prev) * np.sqrt(alphas) / (1.0 - alphas_cumprod)`.
    PosteriorMeanCoef2,
}

impl DerivedArray {
    /// Every array, in the order `GaussianDiffusion.__init__` defines them.
    pub const ALL: [DerivedArray; 12] = [
        DerivedArray::AlphasCumprod,
        DerivedArray::AlphasCumprodPrev,
        DerivedArray::AlphasCumprodNext,
        DerivedArray::SqrtAlphasCumprod,
        DerivedArray::SqrtOneMinusAlphasCumprod,
        DerivedArray::LogOneMinusAlphasCumprod,
        DerivedArray::SqrtRecipAlphasCumprod,
        DerivedArray::SqrtRecipm1AlphasCumprod,
        DerivedArray::PosteriorVariance,
        DerivedArray::PosteriorLogVarianceClipped,
        DerivedArray::PosteriorMeanCoef1,
        DerivedArray::PosteriorMeanCoef2,
    ];

    /// The attribute's name on upstream's `GaussianDiffusion`.
    pub fn name(self) -> &'static str {
        match self {
            DerivedArray::AlphasCumprod => "alphas_cumprod",
            DerivedArray::AlphasCumprodPrev => "alphas_cumprod_prev",
            DerivedArray::AlphasCumprodNext => "alphas_cumprod_next",
            DerivedArray::SqrtAlphasCumprod => "sqrt_alphas_cumprod",
            DerivedArray::SqrtOneMinusAlphasCumprod => "sqrt_one_minus_alphas_cumprod",
            DerivedArray::LogOneMinusAlphasCumprod => "log_one_minus_alphas_cumprod",
            DerivedArray::SqrtRecipAlphasCumprod => "sqrt_recip_alphas_cumprod",
            DerivedArray::SqrtRecipm1AlphasCumprod => "sqrt_recipm1_alphas_cumprod",
            DerivedArray::PosteriorVariance => "posterior_variance",
            DerivedArray::PosteriorLogVarianceClipped => "posterior_log_variance_clipped",
            DerivedArray::PosteriorMeanCoef1 => "posterior_mean_coef1",
            DerivedArray::PosteriorMeanCoef2 => "posterior_mean_coef2",
        }
    }

    /// Looks an array up by its attribute name.
    pub fn from_name(name: &str) -> Option<DerivedArray> {
        DerivedArray::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// How the arrays are derived; [`DerivedRecipe::UPSTREAM`] is upstream, the other settings are port
/// bugs the mutants in `verify::mutants` apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DerivedRecipe {
    /// Whether element 0 of `posterior_log_variance_clipped` is replaced by element 1 (without it,
    /// `log(0) = -inf`).
    pub clip_first: bool,
    /// Whether `alphas_cumprod_prev` drops the last element (`alphas_cumprod[:-1]`); `false` is the
    /// off-by-one slice `alphas_cumprod[1:]`, which leaves `prev[t] = alphas_cumprod[t]` for `t >= 1`.
    pub prev_shifted: bool,
    /// Whether the log-variance is taken of `np.maximum(posterior_variance, 1e-20)`, the clipping of Ho et
    /// al.'s `diffusion_utils_2.py` that improved-diffusion replaced (a port from that code keeps it, and
    /// its element 0 is `log(1e-20) = -46`).
    pub floor_1e20: bool,
}

impl DerivedRecipe {
    /// Upstream's arrays.
    pub const UPSTREAM: DerivedRecipe =
        DerivedRecipe { clip_first: true, prev_shifted: true, floor_1e20: false };
}

/// Why `GaussianDiffusion.__init__` refuses `betas`, as upstream does: the assert on their range, or the
/// `IndexError` of `posterior_variance[1]` for a single step.
fn check_betas<T: Trig>(betas: &[T]) -> Result<(), Error> {
    let refuse = |reason: String| Err(Error::DiffusionInit { steps: betas.len(), reason });
    if betas.len() < 2 {
        return refuse("posterior_variance[1] raises IndexError with fewer than 2 steps".into());
    }
    if let Some((i, b)) = betas.iter().enumerate().find(|(_, &b)| !(b > T::zero() && b <= T::one())) {
        return refuse(format!("assert (betas > 0).all() and (betas <= 1).all() fails at beta[{i}] = {b}"));
    }
    Ok(())
}

/// `np.sqrt(a)` elementwise.
fn sqrt<T: Trig>(a: &[T]) -> Vec<T> {
    a.iter().map(|&x| x.sqrt()).collect()
}

/// `np.log(a)` elementwise.
fn ln<T: Trig>(a: &[T]) -> Vec<T> {
    a.iter().map(|&x| x.ln()).collect()
}

/// `array` of `GaussianDiffusion(betas=betas)` in precision `T` as `recipe` derives it: IEEE arithmetic
/// in upstream's order (NumPy's `cumprod` multiplies left to right; `1.0 / 0` would be `inf`). Refused
/// (as upstream) for fewer than 2 steps or betas outside `(0, 1]`.
pub fn derived_array_with<T: Trig>(
    betas: &[T],
    array: DerivedArray,
    recipe: DerivedRecipe,
) -> Result<Vec<T>, Error> {
    check_betas(betas)?;
    let one = T::one();
    let alphas: Vec<T> = betas.iter().map(|&b| one - b).collect();
    let cumprod: Vec<T> = alphas
        .iter()
        .scan(None, |acc: &mut Option<T>, &a| {
            let p = acc.map_or(a, |p| p * a);
            *acc = Some(p);
            Some(p)
        })
        .collect();
    let n = cumprod.len();
    let prev: Vec<T> = if recipe.prev_shifted {
        std::iter::once(one).chain(cumprod[..n - 1].iter().copied()).collect()
    } else {
        std::iter::once(one).chain(cumprod[1..].iter().copied()).collect()
    };
    let one_minus = |a: &[T]| -> Vec<T> { a.iter().map(|&x| one - x).collect() };
    let posterior_variance =
        || -> Vec<T> { (0..n).map(|t| betas[t] * (one - prev[t]) / (one - cumprod[t])).collect() };
    Ok(match array {
        DerivedArray::AlphasCumprod => cumprod,
        DerivedArray::AlphasCumprodPrev => prev,
        DerivedArray::AlphasCumprodNext => cumprod[1..].iter().copied().chain([T::zero()]).collect(),
        DerivedArray::SqrtAlphasCumprod => sqrt(&cumprod),
        DerivedArray::SqrtOneMinusAlphasCumprod => sqrt(&one_minus(&cumprod)),
        DerivedArray::LogOneMinusAlphasCumprod => ln(&one_minus(&cumprod)),
        DerivedArray::SqrtRecipAlphasCumprod => sqrt(&cumprod.iter().map(|&a| one / a).collect::<Vec<_>>()),
        DerivedArray::SqrtRecipm1AlphasCumprod => {
            sqrt(&cumprod.iter().map(|&a| one / a - one).collect::<Vec<_>>())
        }
        DerivedArray::PosteriorVariance => posterior_variance(),
        DerivedArray::PosteriorLogVarianceClipped => {
            let mut v = posterior_variance();
            if recipe.clip_first {
                v[0] = v[1];
            }
            if recipe.floor_1e20 {
                v.iter_mut().for_each(|x| *x = x.max(T::cast(1e-20)));
            }
            ln(&v)
        }
        DerivedArray::PosteriorMeanCoef1 => {
            (0..n).map(|t| betas[t] * prev[t].sqrt() / (one - cumprod[t])).collect()
        }
        DerivedArray::PosteriorMeanCoef2 => {
            (0..n).map(|t| (one - prev[t]) * alphas[t].sqrt() / (one - cumprod[t])).collect()
        }
    })
}

/// `array` of `GaussianDiffusion(betas=betas)` as upstream derives it in precision `T`.
pub fn derived_array<T: Trig>(betas: &[T], array: DerivedArray) -> Result<Vec<T>, Error> {
    derived_array_with(betas, array, DerivedRecipe::UPSTREAM)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upstream::schedule::{beta_schedule, Schedule};

    #[test]
    fn names_round_trip_and_are_upstreams_attributes() {
        for a in DerivedArray::ALL {
            assert_eq!(DerivedArray::from_name(a.name()), Some(a));
        }
        assert_eq!(DerivedArray::from_name("betas"), None);
    }

    #[test]
    fn hand_checkable_two_step_arrays() {
        // betas [1/2, 1/4]: alphas [1/2, 3/4], cumprod [1/2, 3/8]; every op below is exact in binary.
        let betas = [0.5f64, 0.25];
        let get = |a| derived_array(&betas, a).unwrap();
        assert_eq!(get(DerivedArray::AlphasCumprod), [0.5, 0.375]);
        assert_eq!(get(DerivedArray::AlphasCumprodPrev), [1.0, 0.5]);
        assert_eq!(get(DerivedArray::AlphasCumprodNext), [0.375, 0.0]);
        // posterior_variance = beta (1 - prev) / (1 - cumprod): [0, 0.25 * 0.5 / 0.625 = 0.2].
        let pv = get(DerivedArray::PosteriorVariance);
        assert_eq!(pv[0], 0.0);
        assert_eq!(pv[1], 0.25 * 0.5 / 0.625);
        let clipped = get(DerivedArray::PosteriorLogVarianceClipped);
        assert_eq!(clipped[0], clipped[1]);
        assert_eq!(clipped[1], pv[1].ln());
        // coef1 = beta sqrt(prev) / (1 - cumprod): 1 at t = 0; coef2 = (1 - prev) sqrt(alpha) / (1 - cumprod): 0.
        assert_eq!(get(DerivedArray::PosteriorMeanCoef1)[0], 1.0);
        assert_eq!(get(DerivedArray::PosteriorMeanCoef2)[0], 0.0);
        // The mutants differ from upstream where they should, and only there.
        let unclipped = DerivedRecipe { clip_first: false, ..DerivedRecipe::UPSTREAM };
        let v = derived_array_with(&betas, DerivedArray::PosteriorLogVarianceClipped, unclipped).unwrap();
        assert_eq!((v[0], v[1]), (f64::NEG_INFINITY, clipped[1]));
        let ho = DerivedRecipe { clip_first: false, floor_1e20: true, ..DerivedRecipe::UPSTREAM };
        let v = derived_array_with(&betas, DerivedArray::PosteriorLogVarianceClipped, ho).unwrap();
        assert_eq!((v[0], v[1]), (1e-20f64.ln(), clipped[1]));
        let unshifted = DerivedRecipe { prev_shifted: false, ..DerivedRecipe::UPSTREAM };
        assert_eq!(
            derived_array_with(&betas, DerivedArray::AlphasCumprodPrev, unshifted).unwrap(),
            [1.0, 0.375]
        );
    }

    #[test]
    fn refuses_what_gaussian_diffusion_refuses() {
        // T = 1 raises IndexError upstream; linear T = 2 has a beta of 10 (the assert).
        let one = beta_schedule::<f64>(Schedule::Cosine, 1);
        assert!(matches!(derived_array(&one, DerivedArray::AlphasCumprod), Err(Error::DiffusionInit { .. })));
        let two = beta_schedule::<f64>(Schedule::Linear, 2);
        let err = derived_array(&two, DerivedArray::AlphasCumprod).unwrap_err();
        assert!(err.to_string().contains("beta[1] = 10"), "{err}");
        // Linear T = 20 passes the assert (last beta exactly 1): alphas_cumprod ends in 0.
        let twenty = beta_schedule::<f64>(Schedule::Linear, 20);
        assert_eq!(derived_array(&twenty, DerivedArray::AlphasCumprod).unwrap()[19], 0.0);
        assert_eq!(derived_array(&twenty, DerivedArray::SqrtRecipAlphasCumprod).unwrap()[19], f64::INFINITY);
    }
}
