//! Tests of the fast implementations against values derivable by hand, their error paths, broadcasting
//! and the propagation of NaN and infinities. Accuracy against the exact reference lives in the golden tests.

use ddpm_golden::upstream::cdf::standard_normal_cdf;
use ddpm_golden::upstream::loglik::{
    discretized_gaussian_log_likelihood, log_likelihood_point, Branch, PixelInputs,
};
use ddpm_golden::upstream::mean_flat::mean_flat;
use ddpm_golden::upstream::normal_kl::{normal_kl, normal_kl_point};
use ddpm_golden::{Cdf, Error, Real};
use ndarray::{arr0, arr1, arr2, ArrayD, IxDyn};

/// Runs a generic check in both precisions.
macro_rules! both_precisions {
    ($check:ident) => {
        $check::<f32>();
        $check::<f64>();
    };
}

fn identical_gaussians_have_zero_kl<T: Real>() {
    // -1 + l - l + exp(0) + 0 * exp(-l) = -1 + 0 + 1 + 0 = 0 with every step exact.
    for (m, l) in [(0.0, 0.0), (0.3, -2.5), (-7.0, 4.0), (1e3, -30.0)] {
        let (m, l) = (T::cast(m), T::cast(l));
        assert_eq!(normal_kl_point(m, l, m, l), T::zero(), "{}: m={m} l={l}", T::NAME);
    }
}

fn unit_mean_gap_has_kl_one_half<T: Real>() {
    // 0.5 * (-1 + 0 - 0 + exp(0) + 1^2 * exp(0)) = 0.5 exactly.
    assert_eq!(normal_kl_point(T::zero(), T::zero(), T::one(), T::zero()), T::cast(0.5));
    // Variance ratio e: 0.5 * (-1 + 0 - 1 + e) = (e - 2)/2 = 0.35914..., up to the rounding of exp(1).
    let kl = normal_kl_point(T::zero(), T::one(), T::zero(), T::zero()).as_f64();
    assert!((kl - (std::f64::consts::E - 2.0) / 2.0).abs() < 1e-6, "{}: {kl}", T::NAME);
}

fn cdfs_are_one_half_at_zero<T: Real>() {
    // tanh(0) = 0 and erf(0) = 0 exactly, so 0.5 * (1 + 0) = 0.5 exactly.
    for cdf in Cdf::ALL {
        assert_eq!(cdf.eval(T::zero()), T::cast(0.5));
        assert_eq!(cdf.eval(-T::zero()), T::cast(0.5));
    }
}

fn narrow_gaussian_on_a_pixel_has_loglik_zero<T: Real>() {
    // sigma = e^-12 ~ 6e-6 while the bin half-width is 1/255 ~ 4e-3: plus_in ~ +645, min_in ~ -645, so
    // cdf_plus = 1 and cdf_min = 0 in both precisions and log(1 - 0) = 0 exactly.
    for cdf in Cdf::ALL {
        for x in [-1.0, -0.2, 0.0, 0.6, 1.0] {
            let x = T::cast(x);
            assert_eq!(log_likelihood_point(x, x, T::cast(-12.0), cdf), T::zero(), "{} {cdf} x={x}", T::NAME);
        }
    }
}

#[test]
fn hand_checkable_values() {
    both_precisions!(identical_gaussians_have_zero_kl);
    both_precisions!(unit_mean_gap_has_kl_one_half);
    both_precisions!(cdfs_are_one_half_at_zero);
    both_precisions!(narrow_gaussian_on_a_pixel_has_loglik_zero);
}

#[test]
fn unit_gaussian_bin_at_zero_is_width_times_density() {
    // Phi(h) - Phi(-h) = 2h * phi(0) * (1 - h^2/6 + ...) with h = 1/255, phi(0) = 1/sqrt(2 pi); the
    // neglected h^2/6 term is 2.6e-6 relative, so the log is right to ~3e-6 absolute.
    let h = 1.0 / 255.0;
    let expected = (2.0 * h / (2.0 * std::f64::consts::PI).sqrt()).ln();
    let got = log_likelihood_point(0.0f64, 0.0, 0.0, Cdf::Erf);
    assert!((got - expected).abs() < 3e-6, "{got} vs {expected}");
}

#[test]
fn normal_kl_broadcasts_like_numpy() {
    let mean1 = arr2(&[[1.0f64], [2.0]]).into_dyn(); // [2, 1]
    let zeros = arr1(&[0.0f64, 0.0, 0.0]).into_dyn(); // [3]
    let scalar = arr0(0.0f64).into_dyn(); // []
    let kl = normal_kl(mean1.view(), scalar.view(), zeros.view(), scalar.view()).unwrap();
    assert_eq!(kl.shape(), &[2, 3]);
    // 0.5 * m^2 for unit variances.
    assert_eq!(kl.iter().copied().collect::<Vec<_>>(), vec![0.5, 0.5, 0.5, 2.0, 2.0, 2.0]);

    let batch = ArrayD::<f32>::zeros(IxDyn(&[4, 3, 8, 8]));
    let per_sample = ArrayD::<f32>::zeros(IxDyn(&[4, 1, 1, 1]));
    let kl = normal_kl(batch.view(), per_sample.view(), per_sample.view(), batch.view()).unwrap();
    assert_eq!(kl.shape(), &[4, 3, 8, 8]);
}

#[test]
fn normal_kl_rejects_shapes_that_do_not_broadcast() {
    let a = ArrayD::<f64>::zeros(IxDyn(&[2, 3]));
    let b = ArrayD::<f64>::zeros(IxDyn(&[3, 3]));
    let err = normal_kl(a.view(), a.view(), b.view(), a.view()).unwrap_err();
    assert_eq!(err, Error::Broadcast { function: "normal_kl", left: vec![2, 3], right: vec![3, 3] });
    let message = err.to_string();
    assert!(message.contains("[2, 3]") && message.contains("[3, 3]"), "{message}");
}

#[test]
fn loglik_requires_one_shape_and_names_all_three() {
    let x = ArrayD::<f32>::zeros(IxDyn(&[2, 3]));
    let means = ArrayD::<f32>::zeros(IxDyn(&[2, 3]));
    let log_scales = ArrayD::<f32>::zeros(IxDyn(&[2, 1]));
    let inputs = PixelInputs { x: x.view(), means: means.view(), log_scales: log_scales.view() };
    let err = discretized_gaussian_log_likelihood(&inputs, Cdf::Erf).unwrap_err();
    assert!(matches!(err, Error::LoglikShape { .. }));
    let message = err.to_string();
    assert!(message.contains("x [2, 3]") && message.contains("log_scales [2, 1]"), "{message}");
}

#[test]
fn loglik_array_matches_pointwise() {
    let x = arr1(&[-1.0f32, -0.5, 0.0, 0.5, 1.0]).into_dyn();
    let means = arr1(&[-0.9f32, -0.45, 0.1, 0.5, 0.97]).into_dyn();
    let log_scales = arr1(&[-3.0f32, -2.0, -4.0, -6.0, -1.0]).into_dyn();
    let inputs = PixelInputs { x: x.view(), means: means.view(), log_scales: log_scales.view() };
    for cdf in Cdf::ALL {
        let out = discretized_gaussian_log_likelihood(&inputs, cdf).unwrap();
        for i in 0..5 {
            assert_eq!(out[i].to_bits(), log_likelihood_point(x[i], means[i], log_scales[i], cdf).to_bits());
            assert!(out[i] <= 0.0 && out[i] >= 1e-12f32.ln(), "{cdf} {i}: {}", out[i]);
        }
        let cdf_out = standard_normal_cdf(x.view(), cdf);
        assert_eq!(cdf_out.shape(), x.shape());
    }
}

fn nan_propagates_everywhere<T: Real>() {
    let (nan, one, zero) = (T::nan(), T::one(), T::zero());
    for i in 0..4 {
        let mut args = [zero, zero, one, zero];
        args[i] = nan;
        assert!(normal_kl_point(args[0], args[1], args[2], args[3]).is_nan(), "{} kl arg {i}", T::NAME);
    }
    for cdf in Cdf::ALL {
        assert!(cdf.eval(nan).is_nan());
        // x = NaN takes the interior branch (both comparisons false) and NaN survives the clamp;
        // NaN means or log_scales reach every branch, edges included.
        for x in [T::nan(), -one, zero, one] {
            for (m, s) in [(nan, zero), (zero, nan)] {
                assert!(log_likelihood_point(x, m, s, cdf).is_nan(), "{} {cdf} x={x} m={m} s={s}", T::NAME);
            }
        }
        assert!(log_likelihood_point(nan, zero, zero, cdf).is_nan());
    }
    let data = ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![one, nan, one, one]).unwrap();
    let means = mean_flat(data.view()).unwrap();
    assert!(means[0].is_nan() && means[1] == one);
}

fn infinities_follow_ieee<T: Real>() {
    let (inf, zero, one) = (T::infinity(), T::zero(), T::one());
    let ln_floor = T::PROB_FLOOR.ln();
    let ln_half = T::cast(0.5).ln();
    let ll = |x: f64, m: T, s: T, cdf| log_likelihood_point(T::cast(x), m, s, cdf);
    for cdf in Cdf::ALL {
        // log_scales = +inf: inv_stdv = 0, both CDFs are cdf(0) = 1/2, the interior bin is empty.
        assert_eq!(ll(0.0, zero, inf, cdf), ln_floor);
        assert_eq!(ll(-1.0, zero, inf, cdf), ln_half);
        assert_eq!(ll(1.0, zero, inf, cdf), ln_half);
        // log_scales = -inf: a point mass at the mean; the bin holding it has probability 1.
        assert_eq!(ll(0.0, T::cast(0.001), -inf, cdf), zero);
        assert_eq!(ll(0.0, T::cast(0.5), -inf, cdf), ln_floor);
        assert_eq!(ll(1.0, T::cast(0.5), -inf, cdf), ln_floor);
        assert_eq!(ll(1.0, T::cast(0.999), -inf, cdf), zero);
        // means = +inf: every z is -inf; only the right edge holds the mass (1 - cdf(-inf) = 1).
        assert_eq!(ll(0.0, inf, zero, cdf), ln_floor);
        assert_eq!(ll(-1.0, inf, zero, cdf), ln_floor);
        assert_eq!(ll(1.0, inf, zero, cdf), zero);
        // means = -inf: the mirror image.
        assert_eq!(ll(0.0, -inf, zero, cdf), ln_floor);
        assert_eq!(ll(-1.0, -inf, zero, cdf), zero);
        assert_eq!(ll(1.0, -inf, zero, cdf), ln_floor);
        // log_scales = +inf with an infinite mean: 0 * inf = NaN, as in IEEE arithmetic.
        assert!(ll(0.0, inf, inf, cdf).is_nan());
        assert_eq!(cdf.eval(inf), one);
        assert_eq!(cdf.eval(-inf), zero);
    }
    // normal_kl: an infinite mean gap gives +inf; inf - inf in the logvar terms gives NaN.
    assert_eq!(normal_kl_point(inf, zero, zero, zero), inf);
    assert!(normal_kl_point(zero, inf, zero, inf).is_nan());
}

#[test]
fn special_values() {
    both_precisions!(nan_propagates_everywhere);
    both_precisions!(infinities_follow_ieee);
}

#[test]
fn pixel_levels_take_the_same_branch_in_both_precisions() {
    for k in 0..256u32 {
        // As float32 computes it: x = k / 127.5 - 1 in f32.
        let x32 = k as f32 / 127.5f32 - 1.0f32;
        let expected = match k {
            0 => Branch::EdgeLeft,
            255 => Branch::EdgeRight,
            _ => Branch::Interior,
        };
        assert_eq!(Branch::of(x32), expected, "k={k}");
        assert_eq!(Branch::of(f64::from(x32)), expected, "k={k}");
    }
}

#[test]
fn mean_flat_ranks() {
    // Rank 1 keeps each element (the per-sample intent), rank 0 is refused, empty rows are 0/0 = NaN.
    let v = arr1(&[1.5f32, -2.0]).into_dyn();
    assert_eq!(mean_flat(v.view()).unwrap().to_vec(), vec![1.5, -2.0]);
    assert_eq!(mean_flat(arr0(1.0f64).into_dyn().view()), Err(Error::MeanFlatRank0));
    let empty = ArrayD::<f64>::zeros(IxDyn(&[2, 0]));
    assert!(mean_flat(empty.view()).unwrap().iter().all(|m| m.is_nan()));
    // 0.375 = 3/8: every partial sum of 35 copies is exact, so the mean is exactly 0.375.
    let constant = ArrayD::<f32>::from_elem(IxDyn(&[3, 5, 7]), 0.375);
    assert!(mean_flat(constant.view()).unwrap().iter().all(|&m| m == 0.375));
}

#[test]
fn mean_flat_strided_equals_contiguous() {
    let data: Vec<f32> = (0..60).map(|i| (i as f32).sin()).collect();
    let a = ArrayD::from_shape_vec(IxDyn(&[3, 4, 5]), data).unwrap();
    let permuted = a.view().permuted_axes(IxDyn(&[0, 2, 1]));
    let contiguous = permuted.as_standard_layout().to_owned();
    let strided = mean_flat(permuted).unwrap();
    let packed = mean_flat(contiguous.view()).unwrap();
    for (s, p) in strided.iter().zip(&packed) {
        assert!((s - p).abs() <= 4.0 * f32::EPSILON, "{s} {p}");
    }
}

#[test]
fn mean_flat_f32_is_accurate_on_an_image_batch() {
    // Data are multiples of 2^-24 in [0, 1): each row's sum (< 2^18) is a multiple of 2^-24 below 2^42,
    // so the f64 sum is exact, and sum/n rounded to f64 then f32 is within 0.5 ulp + a hair of the truth.
    let (b, n) = (4usize, 3 * 256 * 256);
    let mut state = 0x2545_f491_4f6c_dd1du64; // fixed seed, xorshift64
    let data: Vec<f32> = (0..b * n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32
        })
        .collect();
    let t = ArrayD::from_shape_vec(IxDyn(&[b, 3, 256, 256]), data.clone()).unwrap();
    let means = mean_flat(t.view()).unwrap();
    for (row, &m) in data.chunks(n).zip(&means) {
        let exact = row.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
        let ulp = f64::from(f32::EPSILON) * exact; // one f32 ulp at |exact| in [0.25, 1) is <= eps * exact
        assert!((f64::from(m) - exact).abs() <= 2.0 * ulp, "pairwise mean {m} vs exact {exact}");
    }
}
