//! The fused kernels: every golden case through them (both precisions, the tanh, erf and stable
//! variants, both `Math`s) judged at its variant's tolerance; `Math::Libm` bit-identical to the
//! pointwise helpers (`crate::stable`'s for the stable kernels); vector loops bit-identical to their
//! scalar remainder and the AVX2 and AVX-512 block loops to the portable one; NaN and infinities as
//! in the pointwise helpers; shape errors; allocations. (The accuracy of `fast_math` is measured by
//! the library's unit test `kernels::fast_math_accuracy`.)

use ddpm_golden::functions::{Precision, Variant};
use ddpm_golden::golden::catalog::Inputs;
use ddpm_golden::golden::evaluate::case_inputs;
use ddpm_golden::golden::format::GoldenFile;
use ddpm_golden::golden::generate::broadcast_points;
use ddpm_golden::golden::judge::{judge, ulp, values, Class};
use ddpm_golden::kernels::{self, BlockLoop, FastReal, Math};
use ddpm_golden::stable::{log_likelihood_stable, normal_kl_stable};
use ddpm_golden::upstream::loglik::{log_likelihood_point, PixelInputs};
use ddpm_golden::upstream::normal_kl::normal_kl_point;
use ddpm_golden::{Cdf, Error, Function};
use ndarray::{Array2, ArrayView1, ArrayViewD, IxDyn};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Allocations of at least this many bytes are counted: only the allocation test makes any (the other
/// tests' buffers stay below 2 MB), so it can count them while the other tests run.
const LARGE: usize = 16 << 20;
static LARGE_ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting large allocations.
struct CountingAllocator;

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn count(size: usize) {
    if size >= LARGE {
        LARGE_ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const MATHS: [Math; 2] = [Math::Fast, Math::Libm];

/// The log-likelihood kernels and the `normal_kl` kernels, as the function table lists them.
const LOGLIKS: &[Variant] = Function::DiscretizedGaussianLogLikelihood.kernel_variants();
const KLS: &[Variant] = Function::NormalKl.kernel_variants();

/// The pointwise log-likelihood helper a kernel computes: upstream's formula with the variant's CDF,
/// or the stable variant.
fn loglik_point<T: FastReal>(variant: Variant, x: T, mean: T, log_scale: T) -> T {
    match variant.cdf() {
        Some(cdf) => log_likelihood_point(x, mean, log_scale, cdf),
        None => log_likelihood_stable(x, mean, log_scale),
    }
}

/// The pointwise `normal_kl` helper a kernel computes.
fn kl_point<T: FastReal>(variant: Variant, [m1, l1, m2, l2]: [T; 4]) -> T {
    match variant {
        Variant::Stable => normal_kl_stable(m1, l1, m2, l2),
        _ => normal_kl_point(m1, l1, m2, l2),
    }
}

/// Special and ordinary values whose combinations exercise NaN and inf propagation in every position.
const SPECIALS: [f64; 9] = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -1.0, 1.0, 0.5, -4.0, 30.0];

fn load(function: Function) -> GoldenFile {
    let path = format!("{}/golden/{}.json", env!("CARGO_MANIFEST_DIR"), function.name());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The inputs of every case of `file`, one column per argument, in `T` (the format's f32 values); a
/// broadcast `normal_kl` case contributes one row per element of its result, its operands broadcast
/// as a caller of the (non-broadcasting) kernels does.
fn columns<T: FastReal, const N: usize>(file: &GoldenFile) -> [Vec<T>; N] {
    let mut cols: [Vec<T>; N] = std::array::from_fn(|_| Vec::new());
    for case in &file.cases {
        let points: Vec<Vec<f32>> = match case_inputs(file.function, case).expect("committed cases decode") {
            Inputs::Loglik { x, means, log_scales } => vec![vec![x, means, log_scales]],
            Inputs::NormalKl(args) => vec![args.to_vec()],
            Inputs::NormalKlBroadcast(ops) => {
                broadcast_points(&ops).into_iter().map(|a| a.to_vec()).collect()
            }
            other => panic!("{}: not a kernel input: {other:?}", case.id),
        };
        for values in points {
            for (col, v) in cols.iter_mut().zip(values) {
                col.push(T::cast(f64::from(v)));
            }
        }
    }
    cols
}

/// Judges `got[i]` against case `i` of `file` for tolerance key `key` (against the expected value that
/// key means: the true Gaussian for `stable`); returns the failures and the largest error in tolerance
/// units.
fn judge_file<T: FastReal>(file: &GoldenFile, key: Variant, got: &[T]) -> (Vec<String>, f64) {
    let precision = Precision::of::<T>();
    let (mut failures, mut worst) = (Vec::new(), 0.0f64);
    let mut rest = got;
    for case in &file.cases {
        let tolerance = case.tolerance_for(precision, key).expect("every case has every kernel's tolerance");
        let expected = case.expected_for(file.function, key).expect("every case has every expected value");
        let (values, after) = rest.split_at(values(&expected.value).len());
        rest = after;
        let values: Vec<f64> = values.iter().map(|v| v.as_f64()).collect();
        let verdicts = judge(expected, tolerance, &values, precision);
        for v in verdicts.iter().filter(|v| v.class != Class::Unconstrained) {
            if v.tol_units.is_finite() {
                worst = worst.max(v.tol_units);
            }
            if !v.pass {
                failures.push(format!("{} {} {key}: got {values:?}, {v:?}", case.id, T::NAME));
            }
        }
    }
    assert!(rest.is_empty(), "one value per element of every case");
    (failures, worst)
}

fn loglik_batch<T: FastReal>(cols: &[Vec<T>; 3], variant: Variant, math: Math) -> Vec<T> {
    let mut out = vec![T::zero(); cols[0].len()];
    let [x, m, s] = cols;
    match variant.cdf() {
        Some(cdf) => kernels::log_likelihood_into(x, m, s, cdf, math, &mut out),
        None => kernels::log_likelihood_stable_into(x, m, s, math, &mut out),
    }
    .unwrap();
    out
}

fn kl_batch<T: FastReal>(cols: &[Vec<T>; 4], variant: Variant, math: Math) -> Vec<T> {
    let mut out = vec![T::zero(); cols[0].len()];
    let [m1, l1, m2, l2] = cols;
    match variant {
        Variant::Stable => kernels::normal_kl_stable_into(m1, l1, m2, l2, math, &mut out),
        _ => kernels::normal_kl_into(m1, l1, m2, l2, math, &mut out),
    }
    .unwrap();
    out
}

fn loglik_goldens<T: FastReal>(file: &GoldenFile, report: &mut Vec<String>, failures: &mut Vec<String>) {
    let cols = columns::<T, 3>(file);
    for math in MATHS {
        for &variant in LOGLIKS {
            let key = variant;
            let (fails, worst) = judge_file(file, key, &loglik_batch(&cols, variant, math));
            report.push(format!("loglik {} {key} {math:?}: max tol_units {worst:.3}", T::NAME));
            failures.extend(fails);
        }
    }
}

fn kl_goldens<T: FastReal>(file: &GoldenFile, report: &mut Vec<String>, failures: &mut Vec<String>) {
    let cols = columns::<T, 4>(file);
    for math in MATHS {
        for &variant in KLS {
            let key = variant;
            let (fails, worst) = judge_file(file, key, &kl_batch(&cols, variant, math));
            report.push(format!("normal_kl {} {key} {math:?}: max tol_units {worst:.3}", T::NAME));
            failures.extend(fails);
        }
    }
}

#[test]
fn kernels_pass_every_golden_case() {
    let (mut report, mut failures) = (Vec::new(), Vec::new());
    let loglik = load(Function::DiscretizedGaussianLogLikelihood);
    loglik_goldens::<f32>(&loglik, &mut report, &mut failures);
    loglik_goldens::<f64>(&loglik, &mut report, &mut failures);
    let kl = load(Function::NormalKl);
    kl_goldens::<f32>(&kl, &mut report, &mut failures);
    kl_goldens::<f64>(&kl, &mut report, &mut failures);
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Golden inputs plus every combination of [`SPECIALS`].
fn loglik_inputs<T: FastReal>() -> [Vec<T>; 3] {
    let mut cols = columns::<T, 3>(&load(Function::DiscretizedGaussianLogLikelihood));
    for &x in &SPECIALS {
        for &m in &SPECIALS {
            for &s in &SPECIALS {
                for (col, v) in cols.iter_mut().zip([x, m, s]) {
                    col.push(T::cast(v));
                }
            }
        }
    }
    cols
}

fn kl_inputs<T: FastReal>() -> [Vec<T>; 4] {
    let mut cols = columns::<T, 4>(&load(Function::NormalKl));
    for i in 0..SPECIALS.len().pow(4) {
        let digits = [i % 9, i / 9 % 9, i / 81 % 9, i / 729];
        for (col, d) in cols.iter_mut().zip(digits) {
            col.push(T::cast(SPECIALS[d]));
        }
    }
    cols
}

/// Significand bits of `T`, as `judge` counts them.
fn bits<T: FastReal>() -> i32 {
    if T::NAME == "f32" {
        24
    } else {
        53
    }
}

/// Same bits, or both NaN.
fn same<T: FastReal>(a: T, b: T) -> bool {
    a.as_f64().to_bits() == b.as_f64().to_bits() || (a.is_nan() && b.is_nan())
}

fn libm_is_pointwise<T: FastReal>() {
    let cols = loglik_inputs::<T>();
    for &variant in LOGLIKS {
        let got = loglik_batch(&cols, variant, Math::Libm);
        for (i, &g) in got.iter().enumerate() {
            let want = loglik_point(variant, cols[0][i], cols[1][i], cols[2][i]);
            assert!(same(g, want), "{} {variant:?} #{i}: kernel {g}, pointwise {want}", T::NAME);
        }
    }
    let cols = kl_inputs::<T>();
    for &variant in KLS {
        for (i, &g) in kl_batch(&cols, variant, Math::Libm).iter().enumerate() {
            let want = kl_point(variant, [0, 1, 2, 3].map(|k| cols[k][i]));
            assert!(same(g, want), "{} {variant:?} #{i}: kernel {g}, pointwise {want}", T::NAME);
        }
    }
}

#[test]
fn libm_kernels_are_bit_identical_to_the_pointwise_helpers() {
    libm_is_pointwise::<f32>();
    libm_is_pointwise::<f64>();
}

/// A batch against the same elements one at a time (slices of length 1 run every stage's scalar
/// remainder): the vectorised loops (SSE2, AVX2 or AVX-512) compute exactly what the scalar code does.
fn vector_is_scalar<T: FastReal>() {
    let cols = loglik_inputs::<T>();
    for (math, variant) in MATHS.into_iter().flat_map(|m| LOGLIKS.iter().map(move |&v| (m, v))) {
        let batch = loglik_batch(&cols, variant, math);
        for (i, &b) in batch.iter().enumerate() {
            let one: [Vec<T>; 3] = std::array::from_fn(|k| vec![cols[k][i]]);
            let single = loglik_batch(&one, variant, math)[0];
            assert!(same(b, single), "{} {variant:?} {math:?} #{i}: batch {b}, single {single}", T::NAME);
        }
    }
    let cols = kl_inputs::<T>();
    for (math, variant) in MATHS.into_iter().flat_map(|m| KLS.iter().map(move |&v| (m, v))) {
        for (i, &b) in kl_batch(&cols, variant, math).iter().enumerate() {
            let one: [Vec<T>; 4] = std::array::from_fn(|k| vec![cols[k][i]]);
            let single = kl_batch(&one, variant, math)[0];
            assert!(same(b, single), "{} {variant:?} {math:?} #{i}: batch {b}, single {single}", T::NAME);
        }
    }
}

#[test]
fn vector_loops_are_bit_identical_to_scalar_code() {
    vector_is_scalar::<f32>();
    vector_is_scalar::<f64>();
}

/// Every block loop this CPU supports (AVX2, AVX-512) against the portable one
/// (`kernels::with_block_loop`), bit for bit, on the whole golden corpus plus the specials, for every
/// kernel, `Math` and precision. Where the CPU has no vector loop the comparison is vacuous (the test
/// says so).
fn loop_is_portable<T: FastReal>(block_loop: BlockLoop) -> usize {
    let mut compared = 0;
    let cols = loglik_inputs::<T>();
    for (math, variant) in MATHS.into_iter().flat_map(|m| LOGLIKS.iter().map(move |&v| (m, v))) {
        let vector = kernels::with_block_loop(block_loop, || loglik_batch(&cols, variant, math));
        let portable = kernels::with_portable_blocks(|| loglik_batch(&cols, variant, math));
        for (i, (&d, &p)) in vector.iter().zip(&portable).enumerate() {
            assert!(same(d, p), "{} {variant:?} {math:?} #{i}: {block_loop:?} {d}, portable {p}", T::NAME);
        }
        compared += portable.len();
    }
    let cols = kl_inputs::<T>();
    for (math, variant) in MATHS.into_iter().flat_map(|m| KLS.iter().map(move |&v| (m, v))) {
        let vector = kernels::with_block_loop(block_loop, || kl_batch(&cols, variant, math));
        let portable = kernels::with_portable_blocks(|| kl_batch(&cols, variant, math));
        for (i, (&d, &p)) in vector.iter().zip(&portable).enumerate() {
            assert!(same(d, p), "{} {variant:?} {math:?} #{i}: {block_loop:?} {d}, portable {p}", T::NAME);
        }
        compared += portable.len();
    }
    compared
}

#[test]
fn vector_block_loops_are_bit_identical_to_portable_blocks() {
    let vector: Vec<BlockLoop> =
        BlockLoop::ALL.into_iter().filter(|&l| l != BlockLoop::Portable && l.is_supported()).collect();
    for &block_loop in &vector {
        let compared = loop_is_portable::<f32>(block_loop) + loop_is_portable::<f64>(block_loop);
        eprintln!("{block_loop:?} against portable: {compared} kernel outputs identical");
    }
    if vector.is_empty() {
        eprintln!("no vector block loop on this CPU: nothing to compare");
    }
}

/// NaN, +inf, -inf or finite.
fn class<T: FastReal>(v: T) -> &'static str {
    match v {
        _ if v.is_nan() => "nan",
        _ if v == T::infinity() => "+inf",
        _ if v == T::neg_infinity() => "-inf",
        _ => "finite",
    }
}

fn specials_propagate<T: FastReal>() {
    let cols = loglik_inputs::<T>();
    for &variant in LOGLIKS {
        let got = loglik_batch(&cols, variant, Math::Fast);
        for (i, &g) in got.iter().enumerate() {
            let (x, m, s) = (cols[0][i], cols[1][i], cols[2][i]);
            let want = loglik_point(variant, x, m, s);
            assert_eq!(class(g), class(want), "{} {variant:?} x={x} m={m} s={s}: {g} vs {want}", T::NAME);
            if x.is_nan() || m.is_nan() || s.is_nan() {
                assert!(g.is_nan(), "{} {variant:?}: NaN input gave {g}", T::NAME);
            }
            if s == T::infinity() && x.is_finite() && m.is_finite() {
                // inv_stdv = 0: the interior bin is empty, the edge bins hold 1/2. The stable kernel
                // reaches ln Phi(0) through its tail polynomial at t = 1, whose fit and rounding errors
                // (~3e-8 in f32) may move ln(1/2) by an ulp (measured: 1 ulp in f32, 0 in f64).
                let floor = T::PROB_FLOOR.ln();
                let edge = T::cast(0.5).ln();
                let slack = if variant == Variant::Stable { ulp(edge.as_f64(), bits::<T>()) } else { 0.0 };
                let at_edge = (g.as_f64() - edge.as_f64()).abs() <= slack;
                assert!(g == floor || at_edge, "{} {variant:?} x={x} s=inf: {g}", T::NAME);
            }
        }
    }
    let cols = kl_inputs::<T>();
    for &variant in KLS {
        for (i, &g) in kl_batch(&cols, variant, Math::Fast).iter().enumerate() {
            let args = [0, 1, 2, 3].map(|k| cols[k][i]);
            let want = kl_point(variant, args);
            assert_eq!(class(g), class(want), "{} {variant:?} {args:?}: {g} vs {want}", T::NAME);
        }
    }
}

#[test]
fn fast_kernels_propagate_nan_and_infinities_as_the_pointwise_helpers() {
    specials_propagate::<f32>();
    specials_propagate::<f64>();
}

#[test]
fn mismatched_lengths_and_shapes_are_errors() {
    let (a, b, mut out) = (vec![0.0f32; 3], vec![0.0f32; 2], vec![0.0f32; 3]);
    let loglik_error = Error::LoglikShape { x: vec![3], means: vec![2], log_scales: vec![3] };
    let err = kernels::log_likelihood_into(&a, &b, &a, Cdf::Erf, Math::Fast, &mut out).unwrap_err();
    assert_eq!(err, loglik_error);
    let err = kernels::log_likelihood_stable_into(&a, &b, &a, Math::Fast, &mut out).unwrap_err();
    assert_eq!(err, loglik_error);
    for (function, kernel) in [
        ("normal_kl", kernels::normal_kl_into::<f32> as KlInto<f32>),
        ("normal_kl_stable", kernels::normal_kl_stable_into::<f32>),
    ] {
        let err = kernel(&a, &a, &b, &a, Math::Fast, &mut out).unwrap_err();
        assert_eq!(err, Error::KernelLength { function, operand: "mean2", len: 2, out_len: 3 });
        assert_eq!(err.to_string(), format!("{function}: mean2 has 2 elements but the output has 3"));
        let err = kernel(&a, &a, &a, &a, Math::Libm, &mut out[..2]).unwrap_err();
        assert_eq!(err, Error::KernelLength { function, operand: "mean1", len: 3, out_len: 2 });
    }

    let (x, y) = (Array2::<f64>::zeros((2, 3)).into_dyn(), Array2::<f64>::zeros((3, 2)).into_dyn());
    let inputs = PixelInputs { x: x.view(), means: y.view(), log_scales: x.view() };
    let err = kernels::discretized_gaussian_log_likelihood(&inputs, Cdf::Tanh, Math::Fast).unwrap_err();
    assert!(matches!(err, Error::LoglikShape { .. }), "{err:?}");
    let err = kernels::log_likelihood_stable(&inputs, Math::Fast).unwrap_err();
    assert!(matches!(err, Error::LoglikShape { .. }), "{err:?}");
    // [1, 3] broadcasts against [2, 3], but the kernels take one shape: a shape error, not a broadcast one.
    let row = Array2::<f64>::zeros((1, 3)).into_dyn();
    let err = kernels::normal_kl(x.view(), x.view(), x.view(), y.view(), Math::Fast).unwrap_err();
    let (shape, expected) = (vec![3, 2], vec![2, 3]);
    assert_eq!(err, Error::KernelShape { function: "normal_kl", operand: "logvar2", shape, expected });
    let err = kernels::normal_kl_stable(x.view(), row.view(), x.view(), x.view(), Math::Libm).unwrap_err();
    let (shape, expected) = (vec![1, 3], vec![2, 3]);
    assert_eq!(err, Error::KernelShape { function: "normal_kl_stable", operand: "logvar1", shape, expected });
}

/// The signature of the slice `normal_kl` kernels.
type KlInto<T> = fn(&[T], &[T], &[T], &[T], Math, &mut [T]) -> Result<(), Error>;

/// `v` as a [3, 5] array, transposed: a [5, 3] view that is not contiguous in standard order.
fn transposed(v: &[f64]) -> ArrayViewD<'_, f64> {
    ArrayViewD::from_shape(IxDyn(&[3, 5]), v).unwrap().reversed_axes()
}

#[test]
fn array_wrappers_accept_any_layout_and_keep_the_shape() {
    let n = 3 * 5;
    let grid = |f: fn(f64) -> f64| -> Vec<f64> { (0..n).map(|i| f(i as f64)).collect() };
    let (x, m, s) = (grid(|i| i / 7.5 - 1.0), grid(|i| i / 7.4 - 1.0), grid(|i| -1.0 - i / 5.0));
    let (xt, mt, st) = (transposed(&x), transposed(&m), transposed(&s));
    assert!(xt.as_slice().is_none(), "the transposed view is not contiguous");
    for math in MATHS {
        let inputs = PixelInputs { x: xt.clone(), means: mt.clone(), log_scales: st.clone() };
        let got = kernels::discretized_gaussian_log_likelihood(&inputs, Cdf::Erf, math).unwrap();
        assert_eq!(got.shape(), &[5, 3]);
        let want =
            ddpm_golden::upstream::loglik::discretized_gaussian_log_likelihood(&inputs, Cdf::Erf).unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert!(math == Math::Fast || g == w, "{math:?}: {g} vs {w}");
            assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{math:?}: {g} vs {w}");
        }
        let stable = kernels::log_likelihood_stable(&inputs, math).unwrap();
        assert_eq!(stable.shape(), &[5, 3]);
        let pointwise = |(x, (m, s)): (&f64, (&f64, &f64))| log_likelihood_stable(*x, *m, *s);
        let want: Vec<f64> = xt.iter().zip(mt.iter().zip(st.iter())).map(pointwise).collect();
        for (g, w) in stable.iter().zip(&want) {
            assert!(math == Math::Fast || g == w, "stable {math:?}: {g} vs {w}");
            assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "stable {math:?}: {g} vs {w}");
        }
        let kl = kernels::normal_kl(xt.clone(), st.clone(), mt.clone(), st.clone(), math).unwrap();
        let kl_want =
            ddpm_golden::upstream::normal_kl::normal_kl(xt.clone(), st.clone(), mt.clone(), st.clone())
                .unwrap();
        assert_eq!(kl.shape(), &[5, 3]);
        for (g, w) in kl.iter().zip(&kl_want) {
            assert!((g - w).abs() <= 1e-15 * w.abs().max(1.0), "{math:?}: {g} vs {w}");
        }
        let kl = kernels::normal_kl_stable(xt.clone(), st.clone(), mt.clone(), mt.clone(), math).unwrap();
        assert_eq!(kl.shape(), &[5, 3]);
        let pointwise = |(a, (b, c)): (&f64, (&f64, &f64))| normal_kl_stable(*a, *b, *c, *c);
        for (g, w) in kl.iter().zip(xt.iter().zip(st.iter().zip(mt.iter())).map(pointwise)) {
            assert!(math == Math::Fast || *g == w, "stable {math:?}: {g} vs {w}");
            assert!((g - w).abs() <= 1e-14 * w.abs().max(1e-300), "stable {math:?}: {g} vs {w}");
        }
    }
}

/// `v` as a rank-1 array.
fn flat(v: &[f32]) -> ArrayViewD<'_, f32> {
    ArrayView1::from(v).into_dyn()
}

#[test]
fn kernels_allocate_nothing_input_sized_but_the_output() {
    let n = LARGE / 4; // f32 elements: every input and the output is a large allocation
    let x: Vec<f32> = (0..n).map(|i| (i % 256) as f32 / 127.5 - 1.0).collect();
    let (m, s) = (vec![0.01f32; n], vec![-3.0f32; n]);
    for math in MATHS {
        let before = LARGE_ALLOCATIONS.load(Ordering::SeqCst);
        let inputs = PixelInputs { x: flat(&x), means: flat(&m), log_scales: flat(&s) };
        let out = kernels::discretized_gaussian_log_likelihood(&inputs, Cdf::Tanh, math).unwrap();
        let stable = kernels::log_likelihood_stable(&inputs, math).unwrap();
        let kl = kernels::normal_kl(flat(&m), flat(&s), flat(&x), flat(&s), math).unwrap();
        let kl_stable = kernels::normal_kl_stable(flat(&m), flat(&s), flat(&x), flat(&s), math).unwrap();
        assert_eq!(LARGE_ALLOCATIONS.load(Ordering::SeqCst) - before, 4, "{math:?}: one output each");
        assert!(out.iter().chain(&stable).chain(&kl).chain(&kl_stable).all(|v| v.is_finite()));
    }
}
