//! The code under test: a form (upstream with erf or tanh, or the stable log-space variant) in a
//! precision, evaluated on one element with the intermediates that explain its error.

use super::super::Precision;
use super::Pixel;
use crate::reference::Variant;
use crate::stable::log_likelihood_stable;
use crate::upstream::loglik::{bin_cdfs, log_likelihood_point, Branch};
use crate::{Cdf, Real};
use serde::Serialize;

/// How a configuration computes the log-likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Upstream's formula with this CDF.
    Upstream(Cdf),
    /// [`log_likelihood_stable`]: the true Gaussian in log space.
    Stable,
}

impl Form {
    /// `"erf"`, `"tanh"` or `"stable"`.
    pub fn name(self) -> &'static str {
        match self {
            Form::Upstream(cdf) => cdf.name(),
            Form::Stable => "stable",
        }
    }

    /// The upstream CDF, `None` for the stable form (it evaluates no CDF values).
    pub fn cdf(self) -> Option<Cdf> {
        match self {
            Form::Upstream(cdf) => Some(cdf),
            Form::Stable => None,
        }
    }
}

impl Serialize for Form {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A form (upstream CDF variant or stable) in a precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Config {
    /// The formula.
    pub form: Form,
    /// The working precision.
    pub precision: Precision,
}

impl Config {
    /// The six audited configurations.
    pub const ALL: [Config; 6] = [
        Config { form: Form::Upstream(Cdf::Erf), precision: Precision::F32 },
        Config { form: Form::Upstream(Cdf::Erf), precision: Precision::F64 },
        Config { form: Form::Upstream(Cdf::Tanh), precision: Precision::F32 },
        Config { form: Form::Upstream(Cdf::Tanh), precision: Precision::F64 },
        Config { form: Form::Stable, precision: Precision::F32 },
        Config { form: Form::Stable, precision: Precision::F64 },
    ];

    /// E.g. `"tanh f32"`.
    pub fn name(self) -> String {
        format!("{} {}", self.form.name(), self.precision.name())
    }

    /// The exact function the configuration approximates: the tanh formula for tanh, the true Gaussian
    /// for erf and stable.
    pub fn formula(self) -> Variant {
        match self.form {
            Form::Upstream(Cdf::Tanh) => Variant::Tanh,
            Form::Upstream(Cdf::Erf) | Form::Stable => Variant::Gaussian,
        }
    }

    /// Evaluates one element.
    pub fn evaluate(self, px: Pixel) -> Evaluated {
        crate::with_real!(self.precision, T => evaluate_in::<T>(px, self.form))
    }
}

/// Indices of the f32 configurations in `Config::ALL`.
pub(super) fn f32_configs() -> impl Iterator<Item = usize> {
    (0..Config::ALL.len()).filter(|&c| Config::ALL[c].precision == Precision::F32)
}

/// A fast evaluation of one element, with the intermediates that explain its error.
#[derive(Debug, Clone, Copy)]
pub struct Evaluated {
    /// The log-likelihood.
    pub value: f64,
    /// Whether the clamp fired (upstream: `prob < 1e-12` rounded to the precision; stable: the result
    /// is the clamped `ln 1e-12`).
    pub fires: bool,
    /// `cdf(plus_in)` in the precision (upstream forms only).
    pub cdf_plus: Option<f64>,
    /// `cdf(min_in)` in the precision (upstream forms only).
    pub cdf_min: Option<f64>,
}

/// [`Config::evaluate`] in `T`.
fn evaluate_in<T: Real>(px: Pixel, form: Form) -> Evaluated {
    let (x, mean, log_scale) = (T::cast(px.x.into()), T::cast(px.mean.into()), T::cast(px.log_scale.into()));
    match form {
        Form::Upstream(cdf) => {
            let bin = bin_cdfs(x, mean, log_scale, T::BIN_HALF_WIDTH, |z| cdf.eval(z));
            Evaluated {
                value: log_likelihood_point(x, mean, log_scale, cdf).as_f64(),
                fires: bin.probability(Branch::of(x)) < T::PROB_FLOOR,
                cdf_plus: Some(bin.cdf_plus.as_f64()),
                cdf_min: Some(bin.cdf_min.as_f64()),
            }
        }
        Form::Stable => {
            let value = log_likelihood_stable(x, mean, log_scale);
            Evaluated {
                value: value.as_f64(),
                fires: value <= T::PROB_FLOOR.ln(),
                cdf_plus: None,
                cdf_min: None,
            }
        }
    }
}
