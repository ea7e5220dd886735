//! The `mean_flat` section: the f32 per-sample mean of realistic loss tensors, by our pairwise `mean_flat`
//! and by a naive running f32 sum, against the exact mean (reference: exact sum, one rounding).

use super::sample::Stream;
use super::stats::{summarize, worse, Fig, Summary, Truth};
use super::Settings;
use crate::golden::judge::ulp;
use crate::upstream::mean_flat::mean_flat;
use crate::{reference, Error, Real};
use ndarray::{ArrayViewD, IxDyn};
use serde::Serialize;

/// What the tensor holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Squared noise-prediction errors `(0.2 g)^2`: positive, skewed (the MSE loss).
    SquaredError,
    /// Per-pixel negative log-likelihoods `3.5 + 1.5 g` nats: mostly positive, some negative terms.
    Nats,
}

impl Kind {
    /// Both kinds.
    pub const ALL: [Kind; 2] = [Kind::SquaredError, Kind::Nats];

    /// Element `j` of the tensor.
    fn value(self, stream: Stream, j: u64) -> f32 {
        let g = stream.normal(j);
        match self {
            Kind::SquaredError => ((0.2 * g) * (0.2 * g)) as f32,
            Kind::Nats => (3.5 + 1.5 * g) as f32,
        }
    }
}

/// How the mean is summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Our `mean_flat` (pairwise summation) in f32.
    Pairwise,
    /// A running f32 sum divided by n (what a hand-written loop does).
    NaiveRunning,
}

impl Method {
    /// Both methods.
    pub const ALL: [Method; 2] = [Method::Pairwise, Method::NaiveRunning];

    /// The f32 mean of one row by this method (pairwise: `mean_flat` of the row as a `[1, n]` tensor,
    /// which reduces it exactly as it reduces that row of a batch).
    pub fn mean(self, row: &[f32]) -> Result<f32, Error> {
        match self {
            Method::Pairwise => {
                let shape = [1, row.len()];
                let view = ArrayViewD::from_shape(IxDyn(&shape), row).map_err(|_| Error::DataLength {
                    function: "mean_flat",
                    shape: shape.to_vec(),
                    expected: row.len(),
                    got: row.len(),
                })?;
                Ok(mean_flat(view)?[0])
            }
            Method::NaiveRunning => Ok(naive_mean(row)),
        }
    }
}

/// A running sum in `T`, divided by the count.
fn naive_mean<T: Real>(values: &[T]) -> T {
    values.iter().fold(T::zero(), |acc, &v| acc + v) / T::cast(values.len() as f64)
}

/// Image sides of the audited tensors `[B, 3, side, side]`.
pub const SIDES: [usize; 3] = [32, 64, 256];

/// The tensor of `kind` with image side `SIDES[s]` in an audit with `settings`, row-major, `B` rows.
pub fn data(settings: &Settings, s: usize, kind: Kind) -> Vec<f32> {
    let k = Kind::ALL.iter().position(|&x| x == kind).unwrap_or_default() as u64;
    let stream = Stream::new(settings.seed, 30 + 2 * s as u64 + k);
    let len = settings.mean_batch * 3 * SIDES[s] * SIDES[s];
    (0..len as u64).map(|j| kind.value(stream, j)).collect()
}

/// One tensor shape, kind and method.
#[derive(Debug, Clone, Serialize)]
pub struct MeanRow {
    /// `[B, 3, H, W]`.
    pub shape: Vec<usize>,
    /// The data.
    pub kind: Kind,
    /// The summation.
    pub method: Method,
    /// Error in f32 ulps of the exact mean, per row (the worst input is the row index).
    pub ulps: Option<Summary<usize>>,
    /// Largest relative error.
    pub max_relative: Fig,
}

/// The `mean_flat` section.
#[derive(Debug, Clone, Serialize)]
pub struct MeanAudit {
    /// Per shape, kind and method.
    pub rows: Vec<MeanRow>,
}

/// Runs the `mean_flat` section.
pub fn audit(settings: &Settings) -> Result<MeanAudit, Error> {
    let mut rows = Vec::new();
    for (s, side) in SIDES.iter().enumerate() {
        let shape = vec![settings.mean_batch, 3, *side, *side];
        let row_len = 3 * side * side;
        for kind in Kind::ALL {
            let data = data(settings, s, kind);
            let exact: Vec<f64> = data
                .chunks(row_len)
                .map(|row| {
                    Ok(reference::mean_flat_row(&row.iter().map(|&v| f64::from(v)).collect::<Vec<_>>())?
                        .value)
                })
                .collect::<Result<_, Error>>()?;
            for method in Method::ALL {
                let got: Vec<f64> = data
                    .chunks(row_len)
                    .map(|row| Ok(method.mean(row)?.into()))
                    .collect::<Result<_, Error>>()?;
                let ulps: Vec<f64> =
                    got.iter().zip(&exact).map(|(g, e)| (g - e).abs() / ulp(*e, 24)).collect();
                let rel = got.iter().zip(&exact).map(|(g, e)| ((g - e) / e).abs()).fold(0.0, worse);
                let rows_idx: Vec<usize> = (0..got.len()).collect();
                rows.push(MeanRow {
                    shape: shape.clone(),
                    kind,
                    method,
                    ulps: summarize(&ulps, &rows_idx, &[], Truth::Reference),
                    max_relative: Fig(rel),
                });
            }
        }
    }
    Ok(MeanAudit { rows })
}
