//! Section 6, the continuous log-likelihood's missing Jacobian: one sentence, one number.

use super::super::jacobian::JacobianAudit;
use super::cells::{kebab, num};
use super::template;
use crate::Error;

/// The Jacobian section.
pub(super) fn render(j: &JacobianAudit) -> Result<String, Error> {
    template::fill(
        "jacobian",
        &[
            ("count", j.count.to_string()),
            ("family", kebab(&j.family)),
            ("mean_log_scale", num(j.mean_log_scale)),
            ("missing", num(j.missing_bits_per_dim())),
            ("upstream", num(j.upstream_bits_per_dim)),
            ("true_nll", num(j.true_bits_per_dim)),
        ],
    )
}
