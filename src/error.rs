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
    /// An input path that is not a regular file (a FIFO, a device, a directory): refused before reading.
    #[error("{file}: is a {kind}, not a regular file")]
    NotRegularFile { file: String, kind: &'static str },
    /// An input file over the documented size limit (`input::MAX_INPUT_BYTES`).
    #[error("{file}: {size} bytes or more, over the limit of {limit} bytes for an input file")]
    TooLarge { file: String, size: u64, limit: u64 },
    /// An input file that cannot be opened or read as UTF-8 text.
    #[error("{file}: cannot read: {reason}")]
    Read { file: String, reason: String },
    /// A golden file whose `provenance.case_count` disagrees with its cases.
    #[error("{file}: provenance.case_count: is {declared} but the file holds {actual} cases")]
    CaseCount { file: String, declared: usize, actual: usize },
    /// A golden file whose inputs do not hash to `provenance.inputs_sha256` (edited or corrupted inputs).
    #[error(
        "{file}: provenance.inputs_sha256: is {declared} but the case ids and inputs hash to {computed}"
    )]
    Checksum { file: String, declared: String, computed: String },
    /// A case id given to two cases of one golden file.
    #[error("{file}: cases: id '{id}' is given to more than one case")]
    DuplicateId { file: String, id: String },
    /// A per-row field whose length disagrees with the case's rows (or a scalar case given rows).
    #[error("{file}: {field}: has {got} but the case has {expected}")]
    RowCount { file: String, field: String, expected: String, got: String },
    /// A tolerance that cannot be a bound: negative, NaN or infinite.
    #[error("{file}: {field}: is {found}; a tolerance must be a finite number >= 0 or \"unconstrained\"")]
    Tolerance { file: String, field: String, found: String },
    /// A precision and variant in which every case of a golden file is unconstrained: nothing to judge.
    #[error("{file}: tolerance: every case is \"unconstrained\" in {precision}/{variant}, nothing would be judged")]
    AllUnconstrained { file: String, precision: String, variant: String },
    /// A verify run in which no case was judged.
    #[error(
        "{file}: nothing judged: none of the {cases} cases constrains a {precision}/{variant} result \
         (unconstrained, inputs not exact in {precision}, or specials reported apart)"
    )]
    NothingJudged { file: String, precision: String, variant: String, cases: usize },
    /// Betas that improved-diffusion's `GaussianDiffusion.__init__` refuses (its assert on their range,
    /// or the `IndexError` of `posterior_variance[1]` for a single step).
    #[error("GaussianDiffusion.__init__ with {steps} betas: {reason}")]
    DiffusionInit { steps: usize, reason: String },
    /// The reference cannot certify a value for this input (outside its documented domain).
    #[error("reference {function}: cannot certify a correctly rounded value at {inputs} ({reason})")]
    ReferenceDomain { function: &'static str, inputs: String, reason: String },
}
