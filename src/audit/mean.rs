//! The `mean_flat` section: the f32 per-sample mean of realistic loss tensors, by our pairwise `mean_flat`
//! and by a naive running f32 sum, against the exact mean (reference: exact sum, one rounding).

use super::sample::Stream;
use super::stats::{summarize, Fig, Summary};
use super::Settings;
use crate::golden::judge::ulp;
use crate::upstream::mean_flat::mean_flat;
use crate::{reference, Error, Real};
use ndarray::{ArrayD, IxDyn};
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

/// A running sum in `T`, divided by the count.
fn naive_mean<T: Real>(values: &[T]) -> T {
    values.iter().fold(T::zero(), |acc, &v| acc + v) / T::cast(values.len() as f64)
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
    for (s, side) in [32usize, 64, 256].iter().enumerate() {
        let shape = vec![settings.mean_batch, 3, *side, *side];
        let row_len = 3 * side * side;
        for (k, kind) in Kind::ALL.iter().enumerate() {
            let stream = Stream::new(settings.seed, 30 + 2 * s as u64 + k as u64);
            let data: Vec<f32> =
                (0..(settings.mean_batch * row_len) as u64).map(|j| kind.value(stream, j)).collect();
            let exact: Vec<f64> = data
                .chunks(row_len)
                .map(|row| {
                    Ok(reference::mean_flat_row(&row.iter().map(|&v| f64::from(v)).collect::<Vec<_>>())?
                        .value)
                })
                .collect::<Result<_, Error>>()?;
            let tensor =
                ArrayD::from_shape_vec(IxDyn(&shape), data.clone()).map_err(|_| Error::DataLength {
                    function: "mean_flat",
                    shape: shape.clone(),
                    expected: shape.iter().product(),
                    got: data.len(),
                })?;
            let pairwise: Vec<f64> = mean_flat(tensor.view())?.iter().map(|&v| f64::from(v)).collect();
            let naive: Vec<f64> = data.chunks(row_len).map(|row| f64::from(naive_mean(row))).collect();
            for (method, got) in [(Method::Pairwise, pairwise), (Method::NaiveRunning, naive)] {
                let ulps: Vec<f64> =
                    got.iter().zip(&exact).map(|(g, e)| (g - e).abs() / ulp(*e, 24)).collect();
                let rel = got.iter().zip(&exact).map(|(g, e)| ((g - e) / e).abs()).fold(0.0, f64::max);
                let rows_idx: Vec<usize> = (0..got.len()).collect();
                rows.push(MeanRow {
                    shape: shape.clone(),
                    kind: *kind,
                    method,
                    ulps: summarize(&ulps, &rows_idx, &[]),
                    max_relative: Fig(rel),
                });
            }
        }
    }
    Ok(MeanAudit { rows })
}
