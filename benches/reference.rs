//! Throughput of the arbitrary-precision reference: correctly rounded f64 values (plus 40 digits) per
//! second for Phi, log Phi and the interior log-likelihood at typical inputs. tools/bench_reference.py
//! runs this bench and mpmath on the same inputs at 40 digits and prints the ratio from one run.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ddpm_golden::reference::{self, Variant};
use std::hint::black_box;

/// The inputs, shared with tools/bench_reference.py (keep them in step).
const Z: [f64; 8] = [-3.7, -1.25, -0.3, 0.05, 0.8, 1.9, 2.6, 4.4];
const LOG_Z: [f64; 8] = [-12.5, -8.0, -5.5, -2.25, -0.7, 0.4, 3.1, 7.5];
/// (x, mean, log_scale): decoder outputs at t = 0 with sigma = e^-4 .. e^-2.
const PIXELS: [(f64, f64, f64); 8] = [
    (0.5, 0.49, -4.0),
    (-0.25, -0.2, -3.0),
    (0.0078125, 0.0, -4.5),
    (0.75, 0.8, -2.5),
    (-0.6, -0.61, -3.5),
    (0.3, 0.35, -2.0),
    (-0.9, -0.88, -4.0),
    (0.1, 0.1, -3.0),
];

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("reference");
    group.throughput(Throughput::Elements(Z.len() as u64));
    group.bench_function("phi", |b| {
        b.iter(|| {
            Z.iter().map(|&z| reference::phi(black_box(z)).map(|e| e.value).unwrap_or(f64::NAN)).sum::<f64>()
        })
    });
    group.bench_function("log_phi", |b| {
        b.iter(|| {
            LOG_Z
                .iter()
                .map(|&z| reference::log_phi(black_box(z)).map(|e| e.value).unwrap_or(f64::NAN))
                .sum::<f64>()
        })
    });
    group.bench_function("loglik_interior", |b| b.iter(|| loglik_sum(black_box(PIXELS))));
    // The same values through arbitrary precision only (the path taken where the first pass cannot
    // certify): what a value costs there.
    group.bench_function("loglik_interior_arbitrary_precision", |b| {
        b.iter(|| reference::with_start_precision(192, || loglik_sum(black_box(PIXELS))))
    });
    group.finish();
}

/// Sum of the correctly rounded interior log-likelihoods of the pixels (Gaussian variant).
fn loglik_sum(pixels: [(f64, f64, f64); 8]) -> f64 {
    pixels
        .iter()
        .map(|&(x, m, s)| {
            reference::discretized_gaussian_log_likelihood(x, m, s, Variant::Gaussian)
                .map(|r| r.value.value)
                .unwrap_or(f64::NAN)
        })
        .sum()
}

criterion_group!(benches, bench);
criterion_main!(benches);
