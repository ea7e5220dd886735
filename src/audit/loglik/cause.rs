//! Why an f32 log-likelihood is off: a classification of each badly-off element by the clamp and the
//! tail its bin sits in.

use super::{Evaluated, ExactLoglik};
use crate::upstream::loglik::Branch;
use serde::Serialize;

/// Why an f32 log-likelihood is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The computed probability fell below 1e-12 (usually to exactly 0) although the exact one is not.
    SpuriousClamp,
    /// The clamp should have fired but the computed probability stayed above 1e-12.
    MissedClamp,
    /// Upper tail: `1 - cdf` or `cdf - cdf` of values near 1, spaced 2^-24 apart in f32.
    UpperTail,
    /// Lower tail: `1 + erf` / `1 + tanh` near -1 leaves the CDF an absolute error of ~2^-25.
    LowerTail,
    /// Neither tail: the rounding of `x - mean`, `exp` and the CDF in the bulk.
    Bulk,
}

impl Cause {
    /// Every cause, in report order.
    pub const ALL: [Cause; 5] =
        [Cause::SpuriousClamp, Cause::MissedClamp, Cause::UpperTail, Cause::LowerTail, Cause::Bulk];

    /// A one-line explanation.
    pub fn explain(self) -> &'static str {
        match self {
            Cause::SpuriousClamp => {
                "computed probability below 1e-12 (mostly exactly 0) while the exact one is above"
            }
            Cause::MissedClamp => "exact probability below 1e-12 but the computed one above (clamp missed)",
            Cause::UpperTail => "upper tail: 1 - cdf or cdf - cdf of CDF values near 1 (spacing 6e-8 in f32)",
            Cause::LowerTail => {
                "lower tail: 1 + erf (or 1 + tanh) near 0 leaves an absolute error ~3e-8 in f32"
            }
            Cause::Bulk => "bulk: rounding of x - mean, exp(-log_scale) and the CDF",
        }
    }

    /// Classifies an element from its computed and exact values.
    pub(super) fn of(ev: &Evaluated, ex: &ExactLoglik) -> Cause {
        let upper = match ex.branch {
            Branch::EdgeRight => true,
            Branch::EdgeLeft => false,
            Branch::Interior => ex.min_in > 0.0,
        };
        let lower = match ex.branch {
            Branch::EdgeLeft => ex.plus_in < 0.0,
            Branch::EdgeRight => false,
            Branch::Interior => ex.plus_in < 0.0,
        };
        match (ev.fires, ex.clamped) {
            (true, false) => Cause::SpuriousClamp,
            (false, true) => Cause::MissedClamp,
            _ if upper => Cause::UpperTail,
            _ if lower => Cause::LowerTail,
            _ => Cause::Bulk,
        }
    }
}
