//! The library's error type: every failure names the function and the shapes or values involved.

use thiserror::Error;

/// Everything the library can refuse to do. The binary adds file and field context on top.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum Error {
    /// Operands whose shapes do not broadcast together (numpy rules).
    #[error("{function}: shapes {left:?} and {right:?} cannot be broadcast together")]
    Broadcast { function: &'static str, left: Vec<usize>, right: Vec<usize> },
    /// `discretized_gaussian_log_likelihood` needs `x`, `means` and `log_scales` of one shape.
    #[error(
        "discretized_gaussian_log_likelihood: x {x:?}, means {means:?} and log_scales {log_scales:?} \
         must have exactly the same shape (no broadcasting, as upstream asserts)"
    )]
    LoglikShape { x: Vec<usize>, means: Vec<usize>, log_scales: Vec<usize> },
    /// A slice handed to a fused `normal_kl` kernel whose length differs from the output's.
    #[error("{function}: {operand} has {len} elements but the output has {out_len}")]
    KernelLength { function: &'static str, operand: &'static str, len: usize, out_len: usize },
    /// An array handed to a fused `normal_kl` kernel whose shape differs from `mean1`'s: the kernels
    /// take operands of one shape and do not broadcast.
    #[error("{function}: {operand} has shape {shape:?} but mean1 has {expected:?} (fused kernels do not broadcast)")]
    KernelShape { function: &'static str, operand: &'static str, shape: Vec<usize>, expected: Vec<usize> },
    /// `mean_flat` has no batch axis to keep on a 0-d tensor.
    #[error("mean_flat: a rank-0 tensor has no batch axis; expected shape [B, ...]")]
    MeanFlatRank0,
    /// A shape and a flat data buffer that disagree in length.
    #[error("{function}: shape {shape:?} holds {expected} elements but {got} were given")]
    DataLength { function: &'static str, shape: Vec<usize>, expected: usize, got: usize },
    /// A golden case whose field cannot be used.
    #[error("case '{case}': field '{field}' {problem}")]
    GoldenField { case: String, field: String, problem: String },
    /// A golden or outputs file that cannot be used: names the file and the field.
    #[error("{file}: {field}: {problem}")]
    Unusable { file: String, field: String, problem: String },
    /// The reference cannot certify a value for this input (outside its documented domain).
    #[error("reference {function}: cannot certify a correctly rounded value at {inputs} ({reason})")]
    ReferenceDomain { function: &'static str, inputs: String, reason: String },
}
