//! Throughput of the fused kernels on a [64, 3, 256, 256] batch (12.6M elements), per helper, variant
//! (tanh, erf, stable), precision and elementary functions (`Math::Fast`, `Math::Libm`), output
//! allocated per call as PyTorch does. tools/bench_torch.py runs this bench at 1 and 2 rayon threads
//! (`RAYON_NUM_THREADS`) next to PyTorch and NumPy on the same shape and prints the ratios.

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use ddpm_golden::kernels::{
    discretized_gaussian_log_likelihood, log_likelihood_into, log_likelihood_stable, normal_kl,
    normal_kl_into, normal_kl_stable, FastReal, Math,
};
use ddpm_golden::upstream::loglik::PixelInputs;
use ddpm_golden::{Cdf, Real};
use ndarray::ArrayViewD;
use std::time::Duration;

/// The batch shape of the issue: 64 RGB images of 256 x 256.
const SHAPE: [usize; 4] = [64, 3, 256, 256];

/// SplitMix64, so the inputs are the same on every run and platform.
fn uniforms(seed: u64, n: usize) -> impl Iterator<Item = f64> {
    let mut state = seed;
    std::iter::repeat_with(move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    })
    .take(n)
}

/// Decoder-like inputs: 8-bit pixels scaled to [-1, 1], means within a few levels of them, log scales
/// in [-5, -1] (so all three branches and both tails of the CDF occur).
fn pixels<T: Real>(n: usize) -> [Vec<T>; 3] {
    let x: Vec<T> = uniforms(1, n).map(|u| T::cast((u * 256.0).floor() / 127.5 - 1.0)).collect();
    let means = x.iter().zip(uniforms(2, n)).map(|(&x, u)| x + T::cast((u - 0.5) * 0.1)).collect();
    let log_scales = uniforms(3, n).map(|u| T::cast(-5.0 + 4.0 * u)).collect();
    [x, means, log_scales]
}

/// Means in [-1, 1] and log-variances in [-8, 0], as the posterior and model outputs of a DDPM.
fn gaussians<T: Real>(n: usize) -> [Vec<T>; 4] {
    let mean = |seed| uniforms(seed, n).map(|u| T::cast(2.0 * u - 1.0)).collect();
    let logvar = |seed| uniforms(seed, n).map(|u| T::cast(-8.0 * u)).collect();
    [mean(4), logvar(5), mean(6), logvar(7)]
}

/// `v` as a batch-shaped array.
fn view<T>(v: &[T]) -> ArrayViewD<'_, T> {
    ArrayViewD::from_shape(&SHAPE[..], v).expect("the batch has the shape's element count")
}

fn bench_precision<T: FastReal>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let n = SHAPE.iter().product();
    let [x, means, log_scales] = pixels::<T>(n);
    let inputs = PixelInputs { x: view(&x), means: view(&means), log_scales: view(&log_scales) };
    let [m1, l1, m2, l2] = gaussians::<T>(n);
    // The same kernel into an output allocated once: the difference to `loglik_erf_*_fast` is the
    // cost of first touching a fresh output's pages (README, performance).
    let mut out = vec![T::cast(0.0); n];
    group.bench_function(format!("loglik_erf_into_{}_fast", T::NAME), |b| {
        b.iter(|| log_likelihood_into(&x, &means, &log_scales, Cdf::Erf, Math::Fast, &mut out).unwrap())
    });
    // Likewise `normal_kl` into a reused output: its fresh-output row minus this is the page faults.
    group.bench_function(format!("normal_kl_into_{}_fast", T::NAME), |b| {
        b.iter(|| normal_kl_into(&m1, &l1, &m2, &l2, Math::Fast, &mut out).unwrap())
    });
    for math in [Math::Fast, Math::Libm] {
        let m = format!("{math:?}").to_lowercase();
        for cdf in Cdf::ALL {
            group.bench_function(format!("loglik_{cdf}_{}_{m}", T::NAME), |b| {
                b.iter(|| discretized_gaussian_log_likelihood(&inputs, cdf, math).unwrap())
            });
        }
        group.bench_function(format!("loglik_stable_{}_{m}", T::NAME), |b| {
            b.iter(|| log_likelihood_stable(&inputs, math).unwrap())
        });
        group.bench_function(format!("normal_kl_{}_{m}", T::NAME), |b| {
            b.iter(|| normal_kl(view(&m1), view(&l1), view(&m2), view(&l2), math).unwrap())
        });
        group.bench_function(format!("normal_kl_stable_{}_{m}", T::NAME), |b| {
            b.iter(|| normal_kl_stable(view(&m1), view(&l1), view(&m2), view(&l2), math).unwrap())
        });
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("kernels");
    group.throughput(Throughput::Elements(SHAPE.iter().product::<usize>() as u64));
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    bench_precision::<f32>(&mut group);
    bench_precision::<f64>(&mut group);
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
