//! Plausible port bugs ("mutants") and the kill table: a golden suite is only as good as the bugs it
//! catches. Each mutant is upstream with one mistake seen in real ports; every one must fail the goldens
//! in f32 and in f64 (docs/mutants.md, `ddpm-golden mutants`).

use crate::functions::{Precision, Variant};
use crate::golden::catalog::Inputs;
use crate::golden::evaluate::{case_inputs, eval_fast};
use crate::golden::format::GoldenFile;
use crate::golden::judge::{judge, values};
use crate::upstream::loglik::{bin_cdfs, Branch};
use crate::upstream::normal_kl::normal_kl_point;
use crate::{Cdf, Function, Real};
use num_traits::float::FloatCore;

/// One plausible port bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutant {
    /// The tanh CDF where erf is declared.
    TanhDeclaredErf,
    /// The erf CDF where tanh is declared.
    ErfDeclaredTanh,
    /// `0.5 * (1 + erf(z))`: the 1/sqrt(2) forgotten.
    ErfWithoutSqrt2,
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
    /// The clamp at 1e-10 instead of 1e-12.
    Clamp1e10,
    /// No clamp before the log.
    NoClamp,
    /// A clamp that turns NaN into the floor (Rust's `f32::max`, NumPy's `fmax`).
    ClampSwallowsNan,
    /// log_scales treated as log-variances: `inv_stdv = exp(-0.5 * log_scales)`.
    LogScalesAsLogVariances,
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
    /// mean_flat as a mean over all axes (the batch mean in every row).
    MeanOverAllAxes,
    /// mean_flat as a sum.
    SumInsteadOfMean,
    /// mean_flat with a naive running sum in the working precision.
    MeanNaiveRunningSum,
    /// Upstream's formula (erf CDF, `exp(d) - 1 - d` in the KL) presented as the stable variant.
    UpstreamDeclaredStable,
}

impl Mutant {
    /// Every mutant, in table order.
    pub const ALL: [Mutant; 23] = [
        Mutant::TanhDeclaredErf,
        Mutant::ErfDeclaredTanh,
        Mutant::ErfWithoutSqrt2,
        Mutant::HalfWidth256,
        Mutant::HalfWidth127,
        Mutant::Threshold099,
        Mutant::RightEdgeFromCdfPlus,
        Mutant::EdgeBranchesSwapped,
        Mutant::Clamp1e10,
        Mutant::NoClamp,
        Mutant::ClampSwallowsNan,
        Mutant::LogScalesAsLogVariances,
        Mutant::LoglikBf16,
        Mutant::LoglikF16,
        Mutant::CdfBf16,
        Mutant::KlSwapped,
        Mutant::KlWithoutMinusOne,
        Mutant::KlWithoutHalf,
        Mutant::KlF16,
        Mutant::MeanOverAllAxes,
        Mutant::SumInsteadOfMean,
        Mutant::MeanNaiveRunningSum,
        Mutant::UpstreamDeclaredStable,
    ];

    /// A short kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Mutant::TanhDeclaredErf => "tanh-declared-erf",
            Mutant::ErfDeclaredTanh => "erf-declared-tanh",
            Mutant::ErfWithoutSqrt2 => "erf-without-sqrt2",
            Mutant::HalfWidth256 => "half-width-1/256",
            Mutant::HalfWidth127 => "half-width-1/127.5",
            Mutant::Threshold099 => "threshold-0.99",
            Mutant::RightEdgeFromCdfPlus => "right-edge-from-cdf-plus",
            Mutant::EdgeBranchesSwapped => "edge-branches-swapped",
            Mutant::Clamp1e10 => "clamp-1e-10",
            Mutant::NoClamp => "no-clamp",
            Mutant::ClampSwallowsNan => "clamp-swallows-nan",
            Mutant::LogScalesAsLogVariances => "log-scales-as-log-variances",
            Mutant::LoglikBf16 => "loglik-in-bfloat16",
            Mutant::LoglikF16 => "loglik-in-float16",
            Mutant::CdfBf16 => "cdf-in-bfloat16",
            Mutant::KlSwapped => "kl-gaussians-swapped",
            Mutant::KlWithoutMinusOne => "kl-without-minus-one",
            Mutant::KlWithoutHalf => "kl-without-half",
            Mutant::KlF16 => "kl-in-float16",
            Mutant::MeanOverAllAxes => "mean-over-all-axes",
            Mutant::SumInsteadOfMean => "sum-instead-of-mean",
            Mutant::MeanNaiveRunningSum => "mean-naive-running-sum",
            Mutant::UpstreamDeclaredStable => "upstream-declared-stable",
        }
    }

    /// The helpers whose goldens must kill this mutant.
    pub fn functions(self) -> &'static [Function] {
        use Mutant::*;
        match self {
            TanhDeclaredErf | ErfDeclaredTanh | ErfWithoutSqrt2 | CdfBf16 => {
                &[Function::StandardNormalCdf, Function::DiscretizedGaussianLogLikelihood]
            }
            KlSwapped | KlWithoutMinusOne | KlWithoutHalf | KlF16 => &[Function::NormalKl],
            MeanOverAllAxes | SumInsteadOfMean | MeanNaiveRunningSum => &[Function::MeanFlat],
            UpstreamDeclaredStable => &[Function::NormalKl, Function::DiscretizedGaussianLogLikelihood],
            _ => &[Function::DiscretizedGaussianLogLikelihood],
        }
    }

    /// The precisions in which the mutant is a bug. A running f64 sum of f32 data is exact up to ~2^29
    /// terms of similar magnitude, so the naive sum is only wrong in f32.
    pub fn precisions(self) -> &'static [Precision] {
        match self {
            Mutant::MeanNaiveRunningSum => &[Precision::F32],
            _ => &Precision::ALL,
        }
    }

    /// The variant the mutant claims to implement (the golden key it is judged against).
    pub fn declared(self, function: Function) -> Variant {
        match (function.has_cdf_variants(), self) {
            (_, Mutant::UpstreamDeclaredStable) => Variant::Stable,
            (false, _) => Variant::Upstream,
            (true, Mutant::ErfDeclaredTanh) => Variant::Tanh,
            (true, _) => Variant::Erf,
        }
    }

    /// The mutant's output on `inputs` when it claims precision `T` (half-precision mutants compute in
    /// half precision whatever they claim).
    pub fn eval<T: Real>(self, inputs: &Inputs) -> Vec<f64> {
        use Mutant::*;
        match (self, inputs) {
            (TanhDeclaredErf, _) => eval_fast::<T>(inputs, Cdf::Tanh),
            (ErfDeclaredTanh, _) => eval_fast::<T>(inputs, Cdf::Erf),
            (LoglikBf16 | CdfBf16, _) => eval_fast::<half::bf16>(inputs, Cdf::Erf),
            (LoglikF16 | KlF16, _) => eval_fast::<half::f16>(inputs, Cdf::Erf),
            (ErfWithoutSqrt2, Inputs::Cdf(z)) => vec![erf_without_sqrt2(T::cast(f64::from(*z))).as_f64()],
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
            // A mutant applied to another helper's inputs behaves like upstream.
            _ => eval_fast::<T>(inputs, Cdf::Erf),
        }
    }
}

fn erf_without_sqrt2<T: Real>(z: T) -> T {
    T::cast(0.5) * (T::one() + z.erf())
}

/// Upstream's log-likelihood with the mutant's one mistake.
fn loglik<T: Real>(m: Mutant, x: T, mean: T, log_scale: T) -> T {
    use Mutant::*;
    let half_width = match m {
        HalfWidth256 => T::cast(1.0 / 256.0),
        HalfWidth127 => T::cast(1.0 / 127.5),
        _ => T::BIN_HALF_WIDTH,
    };
    let log_scale = if m == LogScalesAsLogVariances { log_scale * T::cast(0.5) } else { log_scale };
    let bin = if m == ErfWithoutSqrt2 {
        bin_cdfs(x, mean, log_scale, half_width, erf_without_sqrt2)
    } else {
        bin_cdfs(x, mean, log_scale, half_width, |z| Cdf::Erf.eval(z))
    };
    let branch = Branch::with_threshold(x, if m == Threshold099 { T::cast(0.99) } else { T::EDGE });
    let p = match (m, branch) {
        (RightEdgeFromCdfPlus, Branch::EdgeRight) => T::one() - bin.cdf_plus,
        (EdgeBranchesSwapped, Branch::EdgeLeft) => bin.probability(Branch::EdgeRight),
        (EdgeBranchesSwapped, Branch::EdgeRight) => bin.probability(Branch::EdgeLeft),
        _ => bin.probability(branch),
    };
    match m {
        Clamp1e10 => p.clamp_min(T::cast(1e-10)).ln(),
        NoClamp => p.ln(),
        ClampSwallowsNan => FloatCore::max(p, T::PROB_FLOOR).ln(),
        _ => p.clamp_min(T::PROB_FLOOR).ln(),
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
    /// Ids of the cases the mutant failed.
    pub killed_by: Vec<String>,
}

/// The ids of `file`'s cases that `mutant`, claiming precision `T`, fails.
fn killing_cases<T: Real>(mutant: Mutant, precision: Precision, file: &GoldenFile) -> Vec<String> {
    let variant = mutant.declared(file.function);
    file.cases
        .iter()
        .filter(|case| {
            let Ok(inputs) = case_inputs(file.function, case) else { return false };
            let got = mutant.eval::<T>(&inputs);
            match (case.expected_for(file.function, variant), case.tolerance_for(precision, variant)) {
                // A mutant that produced no value (or the wrong number) was not judged, so not killed.
                (Some(e), Some(t)) => {
                    got.len() == values(&e.value).len()
                        && judge(e, t, &got, precision.bits()).iter().any(|v| !v.pass)
                }
                _ => false,
            }
        })
        .map(|case| case.id.clone())
        .collect()
}

/// The kill table over the given golden files (one per helper), every mutant in f32 and f64.
pub fn kill_table(files: &[GoldenFile]) -> Vec<Kill> {
    let mut rows = Vec::new();
    for mutant in Mutant::ALL {
        for file in files.iter().filter(|f| mutant.functions().contains(&f.function)) {
            for &precision in mutant.precisions() {
                let killed_by = match precision {
                    Precision::F32 => killing_cases::<f32>(mutant, precision, file),
                    Precision::F64 => killing_cases::<f64>(mutant, precision, file),
                };
                rows.push(Kill { mutant, precision, function: file.function, killed_by });
            }
        }
    }
    rows
}

/// docs/mutants.md: the kill table as markdown.
pub fn kill_table_markdown(rows: &[Kill]) -> String {
    let mut out = String::from(
        "# Mutation tests: the plausible port bugs the goldens catch\n\n\
         Generated by `cargo run --release -- mutants`; checked by `cargo test --test mutants`.\n\
         Each mutant is upstream with one mistake, judged against the golden tolerance of the precision and\n\
         variant it claims. A mutant survives if no case fails; the test fails if any survives.\n\n\
         | mutant | claims | golden file | cases failed | first cases that kill it |\n\
         | --- | --- | --- | ---: | --- |\n",
    );
    for k in rows {
        let first: Vec<String> = k.killed_by.iter().take(3).map(|id| format!("`{id}`")).collect();
        out.push_str(&format!(
            "| {} | {} {} | {} | {} | {} |\n",
            k.mutant.name(),
            k.precision,
            k.mutant.declared(k.function),
            k.function.name(),
            k.killed_by.len(),
            if first.is_empty() { "**survives**".to_string() } else { first.join(", ") }
        ));
    }
    out
}
