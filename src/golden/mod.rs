//! Golden files: the format, the case catalog, the error model behind tolerances, the admissible
//! intervals, the generator and the judge that decides whether a result is admissible.

pub(crate) mod admissible;
pub mod catalog;
pub(crate) mod continuous_model;
pub(crate) mod derived_model;
pub(crate) mod error_model;
pub mod evaluate;
pub mod format;
pub mod generate;
pub mod json_number;
pub mod judge;
pub(crate) mod posterior_case;
pub(crate) mod posterior_model;
pub mod recipe;
pub(crate) mod schedule_model;
pub(crate) mod tolerance;
pub mod validate;
pub(crate) mod vb_terms_model;

#[cfg(test)]
mod stable_ulps;
