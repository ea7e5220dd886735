//! The one table of helpers × variants × precisions: names, upstream argument names, the variants judged
//! and the kernels that exist. Case
//! generation, the CLI, tests and coverage all iterate over [`Function::ALL`], so a helper added here
//! is picked up everywhere (the pattern of rust-lang's libm-test function list).

use serde::{Deserialize, Serialize};

use crate::{Cdf, Real};

/// One of the helpers under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Function {
    /// `normal_kl(mean1, logvar1, mean2, logvar2)`.
    NormalKl,
    /// `mean_flat(t)`, the per-sample mean.
    MeanFlat,
    /// `cdf(z)`, the standard normal CDF in the tanh or erf form.
    StandardNormalCdf,
    /// `discretized_gaussian_log_likelihood(x, means=..., log_scales=...)`.
    DiscretizedGaussianLogLikelihood,
    /// `continuous_gaussian_log_likelihood(x, means=..., log_scales=...)` (DiT, PixArt): the standard
    /// normal log-density at `(x - means) * exp(-log_scales)`, without the `-log_scales` Jacobian.
    ContinuousGaussianLogLikelihood,
    /// `get_named_beta_schedule(schedule_name, num_diffusion_timesteps)`: the betas, an array.
    GetNamedBetaSchedule,
    /// One of the arrays `GaussianDiffusion.__init__` derives from a named schedule's betas
    /// (`alphas_cumprod`, ..., `posterior_mean_coef2`), named by the input `array`.
    GaussianDiffusionArrays,
    /// `GaussianDiffusion.q_posterior_mean_variance(x_start, x_t, t)`: the posterior mean per element,
    /// then its variance and clipped log-variance per batch element (one flat result).
    QPosteriorMeanVariance,
    /// The `log_variance` of `GaussianDiffusion.p_mean_variance` under `ModelVarType.LEARNED_RANGE`:
    /// `frac log(beta_t) + (1 - frac) posterior_log_variance_clipped_t`, `frac = (v + 1) / 2`.
    LearnedRangeLogVariance,
    /// `GaussianDiffusion._prior_bpd(x_start)`: `mean_flat(normal_kl(q_mean, q_logvar, 0, 0)) / ln 2` at
    /// `t = T - 1`, in bits per dimension, one value per batch element.
    PriorBpd,
    /// `GaussianDiffusion._vb_terms_bpd(model, x_start, x_t, t, clip_denoised=False)["output"]` with the
    /// model given as data (`START_X`: `pred_xstart`; `LEARNED_RANGE`: `model_var_values`): the decoder
    /// NLL at `t = 0`, the posterior KL otherwise, in bits per dimension, one value per batch element.
    VbTermsBpd,
}

impl Function {
    /// Every helper, in the order files and reports list them.
    pub const ALL: [Function; 11] = [
        Function::NormalKl,
        Function::MeanFlat,
        Function::StandardNormalCdf,
        Function::DiscretizedGaussianLogLikelihood,
        Function::ContinuousGaussianLogLikelihood,
        Function::GetNamedBetaSchedule,
        Function::GaussianDiffusionArrays,
        Function::QPosteriorMeanVariance,
        Function::LearnedRangeLogVariance,
        Function::PriorBpd,
        Function::VbTermsBpd,
    ];

    /// The upstream Python name, also the golden file's stem.
    pub fn name(self) -> &'static str {
        match self {
            Function::NormalKl => "normal_kl",
            Function::MeanFlat => "mean_flat",
            Function::StandardNormalCdf => "standard_normal_cdf",
            Function::DiscretizedGaussianLogLikelihood => "discretized_gaussian_log_likelihood",
            Function::ContinuousGaussianLogLikelihood => "continuous_gaussian_log_likelihood",
            Function::GetNamedBetaSchedule => "get_named_beta_schedule",
            Function::GaussianDiffusionArrays => "gaussian_diffusion_arrays",
            Function::QPosteriorMeanVariance => "q_posterior_mean_variance",
            Function::LearnedRangeLogVariance => "learned_range_log_variance",
            // Upstream's method is `_prior_bpd` (private by convention); the file drops the underscore.
            Function::PriorBpd => "prior_bpd",
            // `_vb_terms_bpd`, likewise.
            Function::VbTermsBpd => "vb_terms_bpd",
        }
    }

    /// Looks a helper up by its upstream name.
    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The scalar inputs, named exactly as upstream names the arguments (mean_flat takes a tensor,
    /// given as `shape` and `data`).
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            Function::NormalKl => &["mean1", "logvar1", "mean2", "logvar2"],
            Function::MeanFlat => &["shape", "data"],
            Function::StandardNormalCdf => &["z"],
            Function::DiscretizedGaussianLogLikelihood | Function::ContinuousGaussianLogLikelihood => {
                &["x", "means", "log_scales"]
            }
            Function::GetNamedBetaSchedule => &["schedule_name", "num_diffusion_timesteps"],
            Function::GaussianDiffusionArrays => &["schedule_name", "num_diffusion_timesteps", "array"],
            // The diffusion (its schedule), then the method's own arguments in upstream's order.
            Function::QPosteriorMeanVariance => {
                &["schedule_name", "num_diffusion_timesteps", "x_start", "x_t", "t"]
            }
            Function::LearnedRangeLogVariance => {
                &["schedule_name", "num_diffusion_timesteps", "model_var_values", "t"]
            }
            // Its timestep is T - 1 for every batch element, set by the method itself.
            Function::PriorBpd => &["schedule_name", "num_diffusion_timesteps", "x_start"],
            // The model's two outputs (`pred_xstart`, `model_var_values`) are inputs: the model is data.
            Function::VbTermsBpd => &[
                "schedule_name",
                "num_diffusion_timesteps",
                "x_start",
                "x_t",
                "t",
                "pred_xstart",
                "model_var_values",
            ],
        }
    }

    /// The precisions judged: all four for the helpers on float inputs; f64 (upstream's NumPy
    /// arrays) and f32 (those arrays after `.float()`) for the schedule and the derived arrays, whose
    /// inputs are names and a count; f32 and f64 tensors for the per-timestep methods, whose pixel-grid
    /// and model inputs are not values of the half types.
    pub const fn precisions(self) -> &'static [Precision] {
        match self {
            Function::GetNamedBetaSchedule
            | Function::GaussianDiffusionArrays
            | Function::QPosteriorMeanVariance
            | Function::LearnedRangeLogVariance
            | Function::PriorBpd
            | Function::VbTermsBpd => &Precision::NATIVE,
            _ => &Precision::ALL,
        }
    }

    /// Whether the helper is pointwise on float inputs that can be NaN or infinite (it then has a
    /// `special` family, and `eval` takes it); not the schedule and the per-timestep methods.
    pub fn has_float_inputs(self) -> bool {
        !self.is_diffusion()
            && !matches!(self, Function::GetNamedBetaSchedule | Function::GaussianDiffusionArrays)
    }

    /// Whether the helper is a method of `GaussianDiffusion` at given timesteps (inputs: a schedule, a
    /// step count, `t` and tensors of shape `[B, ...]`).
    pub fn is_diffusion(self) -> bool {
        matches!(
            self,
            Function::QPosteriorMeanVariance
                | Function::LearnedRangeLogVariance
                | Function::PriorBpd
                | Function::VbTermsBpd
        )
    }

    /// The tensor arguments of a per-timestep method, in [`Function::inputs`] order (empty for the others).
    pub fn tensor_inputs(self) -> Vec<&'static str> {
        if !self.is_diffusion() {
            return Vec::new();
        }
        let fixed = ["schedule_name", "num_diffusion_timesteps", "t"];
        self.inputs().iter().copied().filter(|n| !fixed.contains(n)).collect()
    }

    /// Whether the result depends on the CDF variant (tanh or erf).
    pub fn has_cdf_variants(self) -> bool {
        matches!(self, Function::StandardNormalCdf | Function::DiscretizedGaussianLogLikelihood)
    }

    /// The variants the golden files judge for this helper, in the order their keys appear.
    pub const fn variants(self) -> &'static [Variant] {
        match self {
            Function::NormalKl => &[Variant::Upstream, Variant::Stable],
            // No stable variant of the continuous log-likelihood: upstream's formula has no cancellation
            // (two non-negative terms negated and added), so it is already accurate in every precision.
            Function::MeanFlat | Function::ContinuousGaussianLogLikelihood => &[Variant::Upstream],
            Function::StandardNormalCdf => &[Variant::Erf, Variant::Tanh],
            Function::DiscretizedGaussianLogLikelihood => &[Variant::Erf, Variant::Tanh, Variant::Stable],
            Function::GetNamedBetaSchedule
            | Function::GaussianDiffusionArrays
            | Function::QPosteriorMeanVariance
            | Function::LearnedRangeLogVariance
            | Function::PriorBpd
            | Function::VbTermsBpd => &[Variant::Upstream],
        }
    }

    /// The variants with a fused kernel in `crate::kernels` (judged case by case in tests/kernels.rs).
    pub const fn kernel_variants(self) -> &'static [Variant] {
        match self {
            Function::NormalKl => &[Variant::Upstream, Variant::Stable],
            Function::DiscretizedGaussianLogLikelihood => &[Variant::Erf, Variant::Tanh, Variant::Stable],
            Function::MeanFlat
            | Function::StandardNormalCdf
            | Function::ContinuousGaussianLogLikelihood
            | Function::GetNamedBetaSchedule
            | Function::GaussianDiffusionArrays
            | Function::QPosteriorMeanVariance
            | Function::LearnedRangeLogVariance
            | Function::PriorBpd
            | Function::VbTermsBpd => &[],
        }
    }

    /// The `expected` entry a variant is judged against: its own, except that the stable log-likelihood
    /// means the true Gaussian (`erf`) and the stable `normal_kl` the exact KL (`upstream`).
    pub fn expected_variant(self, variant: Variant) -> Variant {
        match (variant, self) {
            (Variant::Stable, Function::DiscretizedGaussianLogLikelihood) => Variant::Erf,
            (Variant::Stable, _) => Variant::Upstream,
            (other, _) => other,
        }
    }
}

impl std::fmt::Display for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

/// An implementation of a helper that the golden files judge: one of upstream's two CDF forms, the
/// single upstream form of helpers without a CDF, or the stable variant (src/stable). Its key names the
/// `expected` and `tolerance` entries of a golden case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// Upstream's formula with the tanh approximation of the CDF.
    Tanh,
    /// Upstream's formula with the erf CDF (the true Gaussian when evaluated exactly).
    Erf,
    /// Upstream's formula of a helper that has no CDF (`normal_kl`, `mean_flat`, the continuous log-likelihood).
    Upstream,
    /// The stable variant: the true-Gaussian meaning, accurate in float32.
    Stable,
}

impl Variant {
    /// Every variant, in the order golden files list their keys.
    pub const ALL: [Variant; 4] = [Variant::Erf, Variant::Tanh, Variant::Upstream, Variant::Stable];

    /// The key in golden and outputs files.
    pub fn key(self) -> &'static str {
        match self {
            Variant::Tanh => "tanh",
            Variant::Erf => "erf",
            Variant::Upstream => "upstream",
            Variant::Stable => "stable",
        }
    }

    /// Looks a variant up by its key.
    pub fn from_key(key: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.key() == key)
    }

    /// The variant that evaluates upstream's formula with `cdf`.
    pub fn of_cdf(cdf: Cdf) -> Variant {
        match cdf {
            Cdf::Tanh => Variant::Tanh,
            Cdf::Erf => Variant::Erf,
        }
    }

    /// The CDF of an upstream CDF form (`None` for `upstream` and `stable`).
    pub fn cdf(self) -> Option<Cdf> {
        match self {
            Variant::Tanh => Some(Cdf::Tanh),
            Variant::Erf => Some(Cdf::Erf),
            Variant::Upstream | Variant::Stable => None,
        }
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.key())
    }
}

/// A precision the golden files carry values and tolerances for: the native f32 and f64, and the half
/// types as PyTorch evaluates them (each elementwise op in float32, its result rounded to the half type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// IEEE single precision.
    F32,
    /// IEEE double precision.
    F64,
    /// IEEE half precision (`float16`): 11 significand bits, largest finite 65504.
    F16,
    /// `bfloat16`: 8 significand bits, the range of f32.
    Bf16,
}

impl Precision {
    /// Every precision, in the order of golden files and reports.
    pub const ALL: [Precision; 4] = [Precision::F32, Precision::F64, Precision::F16, Precision::Bf16];
    /// The native precisions, which every case is judged in (the half ones judge only the cases whose
    /// inputs are exact in them) and the audit and kernels cover.
    pub const NATIVE: [Precision; 2] = [Precision::F32, Precision::F64];

    /// `"f32"`, `"f64"`, `"f16"` or `"bf16"`, as in golden and outputs files.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => f32::NAME,
            Precision::F64 => f64::NAME,
            Precision::F16 => half::f16::NAME,
            Precision::Bf16 => half::bf16::NAME,
        }
    }

    /// Looks a precision up by its name.
    pub fn from_name(name: &str) -> Option<Precision> {
        Precision::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The precision of the type `T`.
    pub fn of<T: Real>() -> Precision {
        Precision::from_name(T::NAME).expect("every Real is one of the precisions")
    }

    /// Whether this is a half type (judged only on cases whose inputs it holds exactly).
    pub fn is_half(self) -> bool {
        matches!(self, Precision::F16 | Precision::Bf16)
    }

    /// Significand bits (24, 53, 11 or 8), for ulps.
    pub fn bits(self) -> i32 {
        match self {
            Precision::F32 => 24,
            Precision::F64 => 53,
            Precision::F16 => 11,
            Precision::Bf16 => 8,
        }
    }

    /// The smallest normal exponent: the smallest positive normal number is 2^min_exp.
    pub fn min_exp(self) -> i32 {
        match self {
            Precision::F32 | Precision::Bf16 => -126,
            Precision::F64 => -1022,
            Precision::F16 => -14,
        }
    }

    /// Half the smallest positive subnormal: values above it round to a nonzero number.
    pub fn underflow(self) -> f64 {
        libm::ldexp(1.0, self.min_exp() - self.bits())
    }

    /// The smallest positive normal number.
    pub fn min_normal(self) -> f64 {
        libm::ldexp(1.0, self.min_exp())
    }

    /// `z` rounded to this precision (to nearest, ties to even; overflow to infinity).
    pub fn round(self, z: f64) -> f64 {
        match self {
            Precision::F32 => f64::from(z as f32),
            Precision::F64 => z,
            Precision::F16 => half::f16::from_f64(z).to_f64(),
            Precision::Bf16 => half::bf16::from_f64(z).to_f64(),
        }
    }

    /// Whether `v` is a value of this precision (NaN and infinities are).
    pub fn holds(self, v: f64) -> bool {
        v.is_nan() || self.round(v) == v
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

/// One row of the table: a helper, a variant of it and a precision. Generation writes a tolerance for
/// each, verify accepts outputs for each, tests judge each and the coverage test requires a mutant
/// for each (and a kernel test where [`Function::kernel_variants`] lists one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Combination {
    /// The helper.
    pub function: Function,
    /// The variant judged.
    pub variant: Variant,
    /// The precision judged.
    pub precision: Precision,
}

impl Combination {
    /// Every combination: [`Function::ALL`] × [`Function::variants`] × [`Function::precisions`].
    pub fn all() -> impl Iterator<Item = Combination> {
        Function::ALL.into_iter().flat_map(|function| {
            function.variants().iter().flat_map(move |&variant| {
                function.precisions().iter().map(move |&precision| Combination {
                    function,
                    variant,
                    precision,
                })
            })
        })
    }
}

/// Evaluates `$body` with the type alias `$t` bound to the Rust type of precision `$p`: `f32`, `f64`,
/// or the emulated `half::f16` and `half::bf16` (each op in f32, rounded back). One dispatch for every
/// place that turns a [`Precision`] value into a generic call.
#[macro_export]
macro_rules! with_real {
    ($p:expr, $t:ident => $body:expr) => {
        match $p {
            $crate::functions::Precision::F32 => {
                type $t = f32;
                $body
            }
            $crate::functions::Precision::F64 => {
                type $t = f64;
                $body
            }
            $crate::functions::Precision::F16 => {
                type $t = half::f16;
                $body
            }
            $crate::functions::Precision::Bf16 => {
                type $t = half::bf16;
                $body
            }
        }
    };
}
