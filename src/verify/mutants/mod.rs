//! Plausible port bugs ("mutants") and the kill table: a golden suite is only as good as the bugs it
//! catches. Each mutant is upstream with one mistake seen in real ports; every one must fail the goldens
//! in every precision it is a bug in (docs/mutants.md, `ddpm-golden mutants`), counted without the
//! `special` family (NaN and infinite inputs), which `verify --specials report` sets apart.

use crate::functions::{Precision, Variant};
use crate::golden::catalog::{Inputs, SPECIAL};
use crate::golden::evaluate::{case_inputs, eval_fast};
use crate::golden::format::{Case, GoldenFile, Tolerance};
use crate::golden::generate::broadcast_points;
use crate::golden::judge::{judge, values};
use crate::upstream::continuous::LN_SQRT_2PI;
use crate::upstream::loglik::{bin_cdfs, Branch};
use crate::upstream::mean_flat::opmath_mean;
use crate::upstream::normal_kl::normal_kl_point;
use crate::{Cdf, Function, Real};
use num_traits::float::FloatCore;

mod diffusion;

/// One plausible port bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutant {
    /// The tanh CDF where erf is declared.
    TanhDeclaredErf,
    /// The erf CDF where tanh is declared.
    ErfDeclaredTanh,
    /// `0.5 * (1 + erf(z))`: the 1/sqrt(2) forgotten.
    ErfWithoutSqrt2,
    /// The tanh CDF with `pow(x, 2)` for `pow(x, 3)` in its cubic term.
    TanhSquareForCube,
    /// Bin half-width 1/256 instead of 1/255.
    HalfWidth256,
    /// Bin half-width 1/127.5 (the full bin width) instead of 1/255.
    HalfWidth127,
    /// Edge thresholds at +-0.99 instead of +-0.999.
    Threshold099,
    /// The right edge computed as `1 - cdf_plus` instead of `1 - cdf_min`.
    RightEdgeFromCdfPlus,
    /// The two edge branches swapped.
    EdgeBranchesSwapped,
    /// Probabilities floored at 1e-7 instead of 1e-12.
    Floor1e7,
    /// Probabilities floored at 1e-10 instead of 1e-12.
    Floor1e10,
    /// Probabilities floored at 1e-15 (lucidrains/denoising-diffusion-pytorch's `log(t, eps=1e-15)`).
    Floor1e15,
    /// No clamp before the log.
    NoClamp,
    /// A clamp that turns NaN into the floor (Rust's `f32::max`, NumPy's `fmax`).
    ClampSwallowsNan,
    /// log_scales treated as log-variances: `inv_stdv = exp(-0.5 * log_scales)`.
    LogScalesAsLogVariances,
    /// `log_scales.clamp(min=-9)` before the formula (a "numerical safety" clamp).
    LogScalesClampedAtMinus9,
    /// NaN wherever the float32 admissible interval is the only constraint (what "unconstrained" let pass).
    NanWhereIntervalOnly,
    /// The log-likelihood evaluated in bfloat16 and cast up.
    LoglikBf16,
    /// The log-likelihood evaluated in float16 and cast up.
    LoglikF16,
    /// The CDF evaluated in bfloat16 and cast up.
    CdfBf16,
    /// normal_kl with the two Gaussians swapped.
    KlSwapped,
    /// normal_kl without the -1.
    KlWithoutMinusOne,
    /// normal_kl without the 0.5.
    KlWithoutHalf,
    /// normal_kl evaluated in float16 and cast up.
    KlF16,
    /// normal_kl that does not broadcast: an operand with fewer elements than the result is read by the
    /// result's flat index and is 0 past its end (a kernel written for equal shapes).
    KlScalarNotBroadcast,
    /// mean_flat as a mean over all axes (the batch mean in every row).
    MeanOverAllAxes,
    /// mean_flat as a sum.
    SumInsteadOfMean,
    /// mean_flat with a naive running sum in the working precision.
    MeanNaiveRunningSum,
    /// mean_flat as the mean of 1024-element chunk means (the short last chunk weighted like a full one).
    MeanOfChunkMeans1024,
    /// Upstream's formula (erf CDF, `exp(d) - 1 - d` in the KL) presented as the stable variant.
    UpstreamDeclaredStable,
    /// The continuous log-likelihood with the `-log_scales` Jacobian added: the true log-density of `x`
    /// under N(means, e^(2 log_scales)), which is not what upstream computes.
    ContinuousJacobianAdded,
    /// The continuous log-likelihood without the `- ln sqrt(2 pi)` normalisation.
    ContinuousNoLnSqrt2Pi,
    /// The continuous log-likelihood with `ln(2 pi)` for `ln sqrt(2 pi)` (the square root forgotten).
    ContinuousLn2PiForLnSqrt2Pi,
    /// The continuous log-likelihood with `exp(log_scales)` for `exp(-log_scales)` (scale for inverse).
    ContinuousExpPlusLogScales,
    /// The continuous log-likelihood with log_scales taken as log-variances: `exp(-0.5 * log_scales)`.
    ContinuousLogScalesAsLogVariances,
    /// The continuous log-likelihood evaluated in float16 and cast up.
    ContinuousF16,
    /// A beta schedule one step off: beta `i` computed at step `i + 1`.
    ScheduleOffByOne,
    /// The cosine schedule without `max_beta`: its last beta is 1, not 0.999.
    ScheduleNoMaxBeta,
    /// The schedule computed in float32 (`torch.linspace`, `math.cos` on float32 tensors) instead of
    /// upstream's float64.
    ScheduleInFloat32,
    /// `posterior_log_variance_clipped` without its clipping: `log(posterior_variance)`, `-inf` at `t = 0`.
    DerivedNoClipping,
    /// `posterior_log_variance_clipped` clipped as Ho et al.'s DDPM code does it,
    /// `log(np.maximum(posterior_variance, 1e-20))`: `log(1e-20)` at `t = 0`.
    DerivedFloor1e20,
    /// `alphas_cumprod_prev` sliced one off: `np.append(1.0, alphas_cumprod[1:])` for `[:-1]`.
    DerivedPrevOffByOne,
    /// The derived arrays computed in float32 (from `.float()` of the float64 betas, as a port that
    /// builds them as float32 tensors) instead of upstream's float64.
    DerivedInFloat32,
    /// The posterior's log-variance without replacing element 0 (`log(0) = -inf` at `t = 0`).
    PosteriorUnclipped,
    /// The learned range with `frac = model_var_values` instead of `(model_var_values + 1) / 2`.
    LearnedRangeFracRaw,
    /// `GaussianDiffusion`'s arrays derived in float32 (from the float32 betas) instead of float64.
    PosteriorArraysInFloat32,
    /// Timesteps read one step early, `arr[t - 1]` (Python wraps `t = 0` to the last step).
    TimestepOneEarly,
    /// The learned range's `max_log` as the float32 log of the float32 beta, not `.float()` of the
    /// float64 `np.log(betas)[t]`.
    MaxLogOfFloat32Beta,
    /// The extracted elements kept in float64 (`_extract_into_tensor` without `.float()`): a bug only in a
    /// float64 port (in float32 the promotion rounds the element as `.float()` does).
    ExtractedWithoutFloat,
    /// `_prior_bpd` in nats: the division by `ln 2` forgotten.
    PriorInNats,
    /// `_vb_terms_bpd` with `where(t == 0, kl, decoder_nll)`: each term where the other belongs.
    VbWhereSwapped,
    /// `_vb_terms_bpd`'s decoder with `log_scales = log_variance` (the 0.5 forgotten).
    VbLogScalesUnhalved,
    /// `_vb_terms_bpd` in nats: the division by `ln 2` forgotten.
    VbInNats,
    /// `_vb_terms_bpd`'s decoder with the erf CDF where upstream's uses the tanh approximation.
    VbDecoderErf,
}

impl Mutant {
    /// Every mutant, in table order.
    pub const ALL: [Mutant; 54] = [
        Mutant::TanhDeclaredErf,
        Mutant::ErfDeclaredTanh,
        Mutant::ErfWithoutSqrt2,
        Mutant::TanhSquareForCube,
        Mutant::HalfWidth256,
        Mutant::HalfWidth127,
        Mutant::Threshold099,
        Mutant::RightEdgeFromCdfPlus,
        Mutant::EdgeBranchesSwapped,
        Mutant::Floor1e7,
        Mutant::Floor1e10,
        Mutant::Floor1e15,
        Mutant::NoClamp,
        Mutant::ClampSwallowsNan,
        Mutant::LogScalesAsLogVariances,
        Mutant::LogScalesClampedAtMinus9,
        Mutant::NanWhereIntervalOnly,
        Mutant::LoglikBf16,
        Mutant::LoglikF16,
        Mutant::CdfBf16,
        Mutant::KlSwapped,
        Mutant::KlWithoutMinusOne,
        Mutant::KlWithoutHalf,
        Mutant::KlF16,
        Mutant::KlScalarNotBroadcast,
        Mutant::MeanOverAllAxes,
        Mutant::SumInsteadOfMean,
        Mutant::MeanNaiveRunningSum,
        Mutant::MeanOfChunkMeans1024,
        Mutant::UpstreamDeclaredStable,
        Mutant::ContinuousJacobianAdded,
        Mutant::ContinuousNoLnSqrt2Pi,
        Mutant::ContinuousLn2PiForLnSqrt2Pi,
        Mutant::ContinuousExpPlusLogScales,
        Mutant::ContinuousLogScalesAsLogVariances,
        Mutant::ContinuousF16,
        Mutant::ScheduleOffByOne,
        Mutant::ScheduleNoMaxBeta,
        Mutant::ScheduleInFloat32,
        Mutant::DerivedNoClipping,
        Mutant::DerivedFloor1e20,
        Mutant::DerivedPrevOffByOne,
        Mutant::DerivedInFloat32,
        Mutant::PosteriorUnclipped,
        Mutant::LearnedRangeFracRaw,
        Mutant::PosteriorArraysInFloat32,
        Mutant::TimestepOneEarly,
        Mutant::MaxLogOfFloat32Beta,
        Mutant::ExtractedWithoutFloat,
        Mutant::PriorInNats,
        Mutant::VbWhereSwapped,
        Mutant::VbLogScalesUnhalved,
        Mutant::VbInNats,
        Mutant::VbDecoderErf,
    ];

    /// A short kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Mutant::TanhDeclaredErf => "tanh-declared-erf",
            Mutant::ErfDeclaredTanh => "erf-declared-tanh",
            Mutant::ErfWithoutSqrt2 => "erf-without-sqrt2",
            Mutant::TanhSquareForCube => "tanh-square-for-cube",
            Mutant::HalfWidth256 => "half-width-1/256",
            Mutant::HalfWidth127 => "half-width-1/127.5",
            Mutant::Threshold099 => "threshold-0.99",
            Mutant::RightEdgeFromCdfPlus => "right-edge-from-cdf-plus",
            Mutant::EdgeBranchesSwapped => "edge-branches-swapped",
            Mutant::Floor1e7 => "prob-floor-1e-7",
            Mutant::Floor1e10 => "prob-floor-1e-10",
            Mutant::Floor1e15 => "prob-floor-1e-15",
            Mutant::NoClamp => "no-clamp",
            Mutant::ClampSwallowsNan => "clamp-swallows-nan",
            Mutant::LogScalesAsLogVariances => "log-scales-as-log-variances",
            Mutant::LogScalesClampedAtMinus9 => "log-scales-clamped-at-minus-9",
            Mutant::NanWhereIntervalOnly => "nan-where-interval-only",
            Mutant::LoglikBf16 => "loglik-in-bfloat16",
            Mutant::LoglikF16 => "loglik-in-float16",
            Mutant::CdfBf16 => "cdf-in-bfloat16",
            Mutant::KlSwapped => "kl-gaussians-swapped",
            Mutant::KlWithoutMinusOne => "kl-without-minus-one",
            Mutant::KlWithoutHalf => "kl-without-half",
            Mutant::KlF16 => "kl-in-float16",
            Mutant::KlScalarNotBroadcast => "kl-scalar-not-broadcast",
            Mutant::MeanOverAllAxes => "mean-over-all-axes",
            Mutant::SumInsteadOfMean => "sum-instead-of-mean",
            Mutant::MeanNaiveRunningSum => "mean-naive-running-sum",
            Mutant::MeanOfChunkMeans1024 => "mean-of-1024-chunk-means",
            Mutant::UpstreamDeclaredStable => "upstream-declared-stable",
            Mutant::ContinuousJacobianAdded => "continuous-jacobian-added",
            Mutant::ContinuousNoLnSqrt2Pi => "continuous-without-ln-sqrt-2pi",
            Mutant::ContinuousLn2PiForLnSqrt2Pi => "continuous-ln-2pi-for-ln-sqrt-2pi",
            Mutant::ContinuousExpPlusLogScales => "continuous-exp-plus-log-scales",
            Mutant::ContinuousLogScalesAsLogVariances => "continuous-log-scales-as-log-variances",
            Mutant::ContinuousF16 => "continuous-in-float16",
            Mutant::ScheduleOffByOne => "schedule-off-by-one",
            Mutant::ScheduleNoMaxBeta => "schedule-without-max-beta",
            Mutant::ScheduleInFloat32 => "schedule-in-float32",
            Mutant::DerivedNoClipping => "derived-log-variance-not-clipped",
            Mutant::DerivedFloor1e20 => "derived-log-variance-floor-1e-20",
            Mutant::DerivedPrevOffByOne => "derived-prev-off-by-one",
            Mutant::DerivedInFloat32 => "derived-in-float32",
            Mutant::PosteriorUnclipped => "posterior-log-variance-unclipped",
            Mutant::LearnedRangeFracRaw => "learned-range-frac-v",
            Mutant::PosteriorArraysInFloat32 => "diffusion-arrays-in-float32",
            Mutant::TimestepOneEarly => "timestep-one-early",
            Mutant::MaxLogOfFloat32Beta => "max-log-of-float32-beta",
            Mutant::ExtractedWithoutFloat => "extracted-without-float",
            Mutant::PriorInNats => "prior-in-nats",
            Mutant::VbWhereSwapped => "vb-where-swapped",
            Mutant::VbLogScalesUnhalved => "vb-log-scales-unhalved",
            Mutant::VbInNats => "vb-terms-in-nats",
            Mutant::VbDecoderErf => "vb-decoder-erf",
        }
    }

    /// The helpers whose goldens must kill this mutant.
    pub fn functions(self) -> &'static [Function] {
        use Mutant::*;
        match self {
            TanhDeclaredErf | ErfDeclaredTanh | ErfWithoutSqrt2 | TanhSquareForCube | CdfBf16 => {
                &[Function::StandardNormalCdf, Function::DiscretizedGaussianLogLikelihood]
            }
            KlSwapped | KlWithoutMinusOne | KlWithoutHalf | KlF16 | KlScalarNotBroadcast => {
                &[Function::NormalKl]
            }
            MeanOverAllAxes | SumInsteadOfMean | MeanNaiveRunningSum | MeanOfChunkMeans1024 => {
                &[Function::MeanFlat]
            }
            UpstreamDeclaredStable => &[Function::NormalKl, Function::DiscretizedGaussianLogLikelihood],
            ContinuousJacobianAdded
            | ContinuousNoLnSqrt2Pi
            | ContinuousLn2PiForLnSqrt2Pi
            | ContinuousExpPlusLogScales
            | ContinuousLogScalesAsLogVariances
            | ContinuousF16 => &[Function::ContinuousGaussianLogLikelihood],
            ScheduleOffByOne | ScheduleNoMaxBeta | ScheduleInFloat32 => &[Function::GetNamedBetaSchedule],
            DerivedNoClipping | DerivedFloor1e20 | DerivedPrevOffByOne | DerivedInFloat32 => {
                &[Function::GaussianDiffusionArrays]
            }
            PosteriorUnclipped | PosteriorArraysInFloat32 => {
                &[Function::QPosteriorMeanVariance, Function::LearnedRangeLogVariance, Function::VbTermsBpd]
            }
            TimestepOneEarly => &[
                Function::QPosteriorMeanVariance,
                Function::LearnedRangeLogVariance,
                Function::PriorBpd,
                Function::VbTermsBpd,
            ],
            PriorInNats => &[Function::PriorBpd],
            VbWhereSwapped | VbLogScalesUnhalved | VbInNats | VbDecoderErf => &[Function::VbTermsBpd],
            LearnedRangeFracRaw => &[Function::LearnedRangeLogVariance, Function::VbTermsBpd],
            MaxLogOfFloat32Beta => &[Function::LearnedRangeLogVariance],
            // Not `_prior_bpd`: its float64 `sqrt_alphas_cumprod` moves the prior by ~6e-8 abar x^2,
            // far below the float32 evaluation of its variance terms that upstream's own float64 run has.
            ExtractedWithoutFloat => {
                &[Function::QPosteriorMeanVariance, Function::LearnedRangeLogVariance, Function::VbTermsBpd]
            }
            _ => &[Function::DiscretizedGaussianLogLikelihood],
        }
    }

    /// The precisions in which the mutant is a bug and the goldens must kill it. Left out where it
    /// computes what a correct port does: a running f64 sum of f32 data is exact up to ~2^29 terms of
    /// similar magnitude; bfloat16 rounds 1/255 to 1/256 and 0.999 to 1 (no edge branch on [-1, 1]);
    /// float16 rounds 1e-12, 1e-10 and 1e-15 to 0 (its clamp is at 0) and has no NaN-only mutant of its
    /// own; the half-precision mutants claim the native precisions, and so do the mutants of helpers
    /// judged in those only (the schedule, the derived arrays, the per-timestep methods); a float64 port
    /// that skips `.float()` claims float64 only.
    pub fn precisions(self) -> &'static [Precision] {
        use Mutant::*;
        use Precision::*;
        if self == ExtractedWithoutFloat {
            return &[F64];
        }
        if self.functions().iter().all(|f| f.precisions() == Precision::NATIVE.as_slice()) {
            return &Precision::NATIVE;
        }
        match self {
            MeanNaiveRunningSum => &[F32, F16, Bf16],
            HalfWidth256 | RightEdgeFromCdfPlus | EdgeBranchesSwapped => &[F32, F64, F16],
            Floor1e7 => &[F32, F64, F16, Bf16],
            Floor1e10 | Floor1e15 | NoClamp => &[F32, F64, Bf16],
            NanWhereIntervalOnly => &[F32],
            LoglikBf16 | LoglikF16 | CdfBf16 | KlF16 | ContinuousF16 => &Precision::NATIVE,
            // The two CDFs differ by at most 1.7e-4, below the half types' rounding of a CDF near 1/2,
            // and both round to 0 or 1 in the tails.
            TanhDeclaredErf | ErfDeclaredTanh => &Precision::NATIVE,
            _ => &Precision::ALL,
        }
    }

    /// The variant the mutant claims to implement (the golden key it is judged against).
    pub fn declared(self, function: Function) -> Variant {
        match (function.has_cdf_variants(), self) {
            (_, Mutant::UpstreamDeclaredStable) => Variant::Stable,
            (false, _) => Variant::Upstream,
            (true, Mutant::ErfDeclaredTanh | Mutant::TanhSquareForCube) => Variant::Tanh,
            (true, _) => Variant::Erf,
        }
    }

    /// The mutant's output on `inputs` when it claims precision `T` (half-precision mutants compute in
    /// half precision whatever they claim); `interval_only` says whether the case constrains the claimed
    /// precision and variant by its interval only (the one thing [`Mutant::NanWhereIntervalOnly`] reads).
    pub fn eval<T: Real>(self, inputs: &Inputs, interval_only: bool) -> Vec<f64> {
        use Mutant::*;
        match (self, inputs) {
            (NanWhereIntervalOnly, _) if interval_only => {
                vec![f64::NAN; eval_fast::<T>(inputs, Cdf::Erf).len()]
            }
            (TanhDeclaredErf, _) => eval_fast::<T>(inputs, Cdf::Tanh),
            (ErfDeclaredTanh, _) => eval_fast::<T>(inputs, Cdf::Erf),
            (LoglikBf16 | CdfBf16, _) => eval_fast::<half::bf16>(inputs, Cdf::Erf),
            (LoglikF16 | KlF16 | ContinuousF16, _) => eval_fast::<half::f16>(inputs, Cdf::Erf),
            (_, Inputs::Continuous { x, means, log_scales }) => {
                let t = |v: &f32| T::cast(f64::from(*v));
                vec![continuous(self, t(x), t(means), t(log_scales)).as_f64()]
            }
            (ErfWithoutSqrt2, Inputs::Cdf(z)) => vec![erf_without_sqrt2(T::cast(f64::from(*z))).as_f64()],
            (TanhSquareForCube, Inputs::Cdf(z)) => {
                vec![tanh_square_for_cube(T::cast(f64::from(*z))).as_f64()]
            }
            (_, Inputs::Loglik { x, means, log_scales }) => {
                let t = |v: &f32| T::cast(f64::from(*v));
                vec![loglik(self, t(x), t(means), t(log_scales)).as_f64()]
            }
            (KlSwapped | KlWithoutMinusOne | KlWithoutHalf, Inputs::NormalKl(a)) => {
                let [m1, l1, m2, l2] = a.map(|v| T::cast(f64::from(v)));
                let kl = match self {
                    KlSwapped => normal_kl_point(m2, l2, m1, l1),
                    // 0.5 * (x - 1) without the -1 is 0.5 * x = upstream + 0.5.
                    KlWithoutMinusOne => normal_kl_point(m1, l1, m2, l2) + T::cast(0.5),
                    _ => normal_kl_point(m1, l1, m2, l2) * T::cast(2.0),
                };
                vec![kl.as_f64()]
            }
            (MeanNaiveRunningSum, Inputs::MeanFlat { shape, data }) => {
                let n = shape.iter().skip(1).product::<usize>().max(1);
                let values: Vec<T> = data.values().into_iter().map(|v| T::cast(f64::from(v))).collect();
                let mean =
                    |row: &[T]| (row.iter().fold(T::zero(), |acc, &v| acc + v) / T::cast(n as f64)).as_f64();
                values.chunks(n).take(shape[0]).map(mean).collect()
            }
            (MeanOfChunkMeans1024, Inputs::MeanFlat { shape, data }) => {
                let n = shape.iter().skip(1).product::<usize>().max(1);
                let values: Vec<T> = data.values().into_iter().map(|v| T::cast(f64::from(v))).collect();
                let chunked = |row: &[T]| {
                    let means: Vec<T> = row.chunks(1024).map(opmath_mean).collect();
                    opmath_mean(&means).as_f64()
                };
                values.chunks(n).take(shape[0]).map(chunked).collect()
            }
            (KlScalarNotBroadcast, Inputs::NormalKlBroadcast(ops)) => {
                let n = broadcast_points(ops).len();
                let read =
                    |k: usize, i: usize| T::cast(f64::from(ops[k].data.get(i).copied().unwrap_or(0.0)));
                (0..n)
                    .map(|i| normal_kl_point(read(0, i), read(1, i), read(2, i), read(3, i)).as_f64())
                    .collect()
            }
            (MeanOverAllAxes | SumInsteadOfMean, Inputs::MeanFlat { shape, .. }) => {
                let rows = eval_fast::<T>(inputs, Cdf::Erf);
                let n = shape.iter().skip(1).product::<usize>() as f64;
                if self == SumInsteadOfMean {
                    rows.iter().map(|m| m * n).collect()
                } else {
                    let all = rows.iter().sum::<f64>() / rows.len() as f64;
                    vec![all; rows.len()]
                }
            }
            (_, Inputs::BetaSchedule { schedule, steps }) => {
                diffusion::schedule::<T>(self, *schedule, *steps)
            }
            (_, Inputs::DerivedArray { schedule, steps, array }) => {
                diffusion::derived::<T>(self, *schedule, *steps, *array)
            }
            // Upstream's extraction for the mutants not of these methods.
            (_, Inputs::Diffusion(call)) => diffusion::per_timestep::<T>(self, call),
            // A mutant applied to another helper's inputs behaves like upstream.
            _ => eval_fast::<T>(inputs, Cdf::Erf),
        }
    }
}

fn erf_without_sqrt2<T: Real>(z: T) -> T {
    T::cast(0.5) * (T::one() + z.erf())
}

fn tanh_square_for_cube<T: Real>(z: T) -> T {
    T::cast(0.5) * (T::one() + (T::SQRT_2_OVER_PI * (z + T::TANH_CUBIC * (z * z))).tanh())
}

/// Upstream's log-likelihood with the mutant's one mistake.
fn loglik<T: Real>(m: Mutant, x: T, mean: T, log_scale: T) -> T {
    use Mutant::*;
    let half_width = match m {
        HalfWidth256 => T::cast(1.0 / 256.0),
        HalfWidth127 => T::cast(1.0 / 127.5),
        _ => T::BIN_HALF_WIDTH,
    };
    let log_scale = match m {
        LogScalesAsLogVariances => log_scale * T::cast(0.5),
        LogScalesClampedAtMinus9 => log_scale.clamp_min(T::cast(-9.0)),
        _ => log_scale,
    };
    let cdf: fn(T) -> T = match m {
        ErfWithoutSqrt2 => erf_without_sqrt2,
        TanhSquareForCube => tanh_square_for_cube,
        _ => |z| Cdf::Erf.eval(z),
    };
    let bin = bin_cdfs(x, mean, log_scale, half_width, cdf);
    let branch = Branch::with_threshold(x, if m == Threshold099 { T::cast(0.99) } else { T::EDGE });
    let p = match (m, branch) {
        (RightEdgeFromCdfPlus, Branch::EdgeRight) => T::one() - bin.cdf_plus,
        (EdgeBranchesSwapped, Branch::EdgeLeft) => bin.probability(Branch::EdgeRight),
        (EdgeBranchesSwapped, Branch::EdgeRight) => bin.probability(Branch::EdgeLeft),
        _ => bin.probability(branch),
    };
    match m {
        Floor1e7 => p.clamp_min(T::cast(1e-7)).ln(),
        Floor1e10 => p.clamp_min(T::cast(1e-10)).ln(),
        Floor1e15 => p.clamp_min(T::cast(1e-15)).ln(),
        NoClamp => p.ln(),
        ClampSwallowsNan => FloatCore::max(p, T::PROB_FLOOR).ln(),
        _ => p.clamp_min(T::PROB_FLOOR).ln(),
    }
}

/// Upstream's continuous log-likelihood with the mutant's one mistake (steps as in
/// `upstream::continuous::continuous_log_likelihood_point`).
fn continuous<T: Real>(m: Mutant, x: T, mean: T, log_scale: T) -> T {
    use Mutant::*;
    let inv_stdv = match m {
        ContinuousExpPlusLogScales => log_scale.exp(),
        ContinuousLogScalesAsLogVariances => (-(log_scale * T::cast(0.5))).exp(),
        _ => (-log_scale).exp(),
    };
    let normalized_x = (x - mean) * inv_stdv;
    let half_square = -(normalized_x * normalized_x) / T::cast(2.0);
    match m {
        ContinuousJacobianAdded => half_square - log_scale - T::cast(LN_SQRT_2PI),
        ContinuousNoLnSqrt2Pi => half_square,
        ContinuousLn2PiForLnSqrt2Pi => half_square - T::cast(2.0 * LN_SQRT_2PI),
        _ => half_square - T::cast(LN_SQRT_2PI),
    }
}

/// One row of the kill table: a mutant in a claimed precision, and the cases that caught it.
#[derive(Debug, Clone)]
pub struct Kill {
    /// The mutant.
    pub mutant: Mutant,
    /// The precision claimed.
    pub precision: Precision,
    /// The helper whose goldens were run.
    pub function: Function,
    /// Ids of the cases outside the `special` family that the mutant failed.
    pub killed_by: Vec<String>,
    /// How many `special` cases it failed.
    pub special: usize,
}

impl Kill {
    /// Whether any case, special or not, caught the mutant.
    pub fn killed(&self) -> bool {
        !self.killed_by.is_empty() || self.special > 0
    }
}

/// Whether `case` constrains `precision`/`variant` by its interval only.
fn interval_only(case: &Case, precision: Precision, variant: Variant) -> bool {
    matches!(case.tolerance_for(precision, variant), Some(Tolerance::Bound(b)) if b.abs.is_none())
}

/// The cases of `file` that `mutant`, claiming precision `T`, fails: (non-special ids, special count).
fn killing_cases<T: Real>(mutant: Mutant, file: &GoldenFile) -> (Vec<String>, usize) {
    let precision = Precision::of::<T>();
    let variant = mutant.declared(file.function);
    let (mut ids, mut special) = (Vec::new(), 0);
    for case in &file.cases {
        let (Some(e), Some(t)) =
            (case.expected_for(file.function, variant), case.tolerance_for(precision, variant))
        else {
            continue;
        };
        let Ok(inputs) = case_inputs(file.function, case) else { continue };
        let got = mutant.eval::<T>(&inputs, interval_only(case, precision, variant));
        // A mutant that produced no value (or the wrong number) was not judged, so not killed.
        let failed =
            got.len() == values(&e.value).len() && judge(e, t, &got, precision).iter().any(|v| !v.pass);
        if !failed {
            continue;
        }
        if case.tags.first().map(String::as_str) == Some(SPECIAL) {
            special += 1;
        } else {
            ids.push(case.id.clone());
        }
    }
    (ids, special)
}

/// The kill table over the given golden files (one per helper), every mutant in every precision it
/// claims.
pub fn kill_table(files: &[GoldenFile]) -> Vec<Kill> {
    let mut rows = Vec::new();
    for mutant in Mutant::ALL {
        for file in files.iter().filter(|f| mutant.functions().contains(&f.function)) {
            for &precision in mutant.precisions() {
                let (killed_by, special) =
                    crate::with_real!(precision, T => killing_cases::<T>(mutant, file));
                rows.push(Kill { mutant, precision, function: file.function, killed_by, special });
            }
        }
    }
    rows
}
