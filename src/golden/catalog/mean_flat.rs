//! Cases of `mean_flat`: shapes, constant and cancelling rows, specials, an image batch, rows whose
//! lengths are not multiples of a power of two (ramps, so that chunked means show), a grid, random
//! tensors and regressions.

use super::{case, regression, uniform, CaseSpec, Data, Inputs, SPECIAL};
use crate::golden::recipe::{unit_f32, Recipe};

fn mean_flat(shape: &[usize], data: Vec<f32>) -> Inputs {
    Inputs::MeanFlat { shape: shape.to_vec(), data: Data::Inline(data) }
}

/// The catalog, random cases drawn from stream `seed`.
pub(super) fn cases(seed: u64) -> Vec<CaseSpec> {
    let mut out = Vec::new();
    let ramp = |n: usize, scale: f32| (0..n).map(|i| (i as f32 - (n / 2) as f32) * scale).collect::<Vec<_>>();
    out.push(case("shape/[B,1]".into(), &["edge", "shape"], mean_flat(&[3, 1], vec![0.5, -2.0, 7.25])));
    out.push(case("shape/[B,C]".into(), &["edge", "shape"], mean_flat(&[2, 5], ramp(10, 0.3))));
    out.push(case("shape/[B,C,H,W]".into(), &["edge", "shape"], mean_flat(&[2, 3, 4, 4], ramp(96, 0.01))));
    out.push(case("constant/0.1".into(), &["edge", "constant"], mean_flat(&[2, 64], vec![0.1; 128])));
    out.push(case("constant/3.75".into(), &["edge", "constant"], mean_flat(&[1, 1000], vec![3.75; 1000])));
    // A long constant row: a running f32 sum drifts by ~1e4 u here, any cascade/pairwise sum does not.
    let long = Recipe::uniform(seed, 65536, 0.1, 0.0);
    out.push(case(
        "constant/0.1-long".into(),
        &["edge", "constant"],
        Inputs::MeanFlat { shape: vec![1, 65536], data: Data::Recipe(long) },
    ));
    // Cancellation: large terms that cancel leave a small mean.
    let mut cancel = Vec::new();
    for i in 0..256 {
        cancel.extend([1e4f32, 1.0 + i as f32 * 1e-3, -1e4]);
    }
    out.push(case("cancellation/1e4".into(), &["edge", "cancellation"], mean_flat(&[1, 768], cancel)));
    out.push(case("special/nan-row".into(), &[SPECIAL], mean_flat(&[2, 2], vec![1.0, f32::NAN, 2.0, 3.0])));
    out.push(case(
        "special/inf-rows".into(),
        &[SPECIAL],
        mean_flat(
            &[3, 2],
            vec![f32::INFINITY, 1.0, f32::NEG_INFINITY, 1.0, f32::INFINITY, f32::NEG_INFINITY],
        ),
    ));
    // An image batch [4,3,256,256] in [-1, 1), kept small on disk as a recipe.
    let recipe = Recipe::uniform(seed ^ 0x1111, 4 * 3 * 256 * 256, -1.0, 2.0);
    out.push(case(
        "image-batch/[4,3,256,256]".into(),
        &["edge", "image-batch"],
        Inputs::MeanFlat { shape: vec![4, 3, 256, 256], data: Data::Recipe(recipe) },
    ));
    // Rows whose lengths are not multiples of a large power of two, holding ramps: a mean of chunk means
    // (1024-element chunks, or any power of two >= 16) weights the short last chunk like a full one.
    for (b, n) in [(2usize, 1000usize), (2, 1025), (1, 4097), (1, 65537), (1, 3 * 256 * 256 + 1)] {
        let ramp = Recipe::linear(b * n, -1.0, 2.0);
        out.push(case(
            format!("odd-length/[{b},{n}]"),
            &["edge", "odd-length"],
            Inputs::MeanFlat { shape: vec![b, n], data: Data::Recipe(ramp) },
        ));
    }
    // The same with dyadic values, exact in the half types: 64 periods of 16 levels and one more value.
    let levels: Vec<f32> = (0..1025).map(|i| (i % 16) as f32 / 8.0 - 1.0).collect();
    out.push(case(
        "odd-length/[1,1025]/dyadic".into(),
        &["edge", "odd-length"],
        mean_flat(&[1, 1025], levels),
    ));
    for n in [1usize, 2, 3, 7, 16, 100, 1000, 4096] {
        out.push(case(format!("grid/[2,{n}]"), &["grid"], mean_flat(&[2, n], ramp(2 * n, 0.125))));
    }
    for i in 0..24u64 {
        let b = 1 + (unit_f32(seed, 1000 + i) * 4.0) as usize;
        let n = 1 + (unit_f32(seed, 2000 + i) * 300.0) as usize;
        let data = (0..b * n).map(|j| uniform(seed ^ (i + 1), j as u64, -3.0, 3.0) as f32).collect();
        out.push(case(format!("random/{i:02}/[{b},{n}]"), &["random"], mean_flat(&[b, n], data)));
    }
    out.push(regression(
        "sum-not-mean",
        "a row of 8 values with mean 0.5 and sum 4: ports that sum instead of averaging fail",
        mean_flat(&[2, 8], vec![0.5; 16]),
    ));
    out.push(regression(
        "per-sample-not-global",
        "rows with means 1 and 3: a mean over all axes (2) fails both rows",
        mean_flat(&[2, 4], vec![1.0, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0]),
    ));
    out
}
