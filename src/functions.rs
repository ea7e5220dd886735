//! The one list of helpers: names, upstream argument names and whether a CDF variant applies. Case
//! generation, the CLI, tests and coverage all iterate over [`Function::ALL`], so a helper added here
//! is picked up everywhere (the pattern of rust-lang's libm-test function list).

use serde::{Deserialize, Serialize};

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
}

impl Function {
    /// Every helper, in the order files and reports list them.
    pub const ALL: [Function; 4] = [
        Function::NormalKl,
        Function::MeanFlat,
        Function::StandardNormalCdf,
        Function::DiscretizedGaussianLogLikelihood,
    ];

    /// The upstream Python name, also the golden file's stem.
    pub fn name(self) -> &'static str {
        match self {
            Function::NormalKl => "normal_kl",
            Function::MeanFlat => "mean_flat",
            Function::StandardNormalCdf => "standard_normal_cdf",
            Function::DiscretizedGaussianLogLikelihood => "discretized_gaussian_log_likelihood",
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
            Function::DiscretizedGaussianLogLikelihood => &["x", "means", "log_scales"],
        }
    }

    /// Whether the result depends on the CDF variant (tanh or erf).
    pub fn has_cdf_variants(self) -> bool {
        matches!(self, Function::StandardNormalCdf | Function::DiscretizedGaussianLogLikelihood)
    }
}

impl std::fmt::Display for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
