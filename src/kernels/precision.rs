//! `FastReal`: what the vectorisable elementary functions need to know about a precision — bit-level
//! hooks, range limits and fitted polynomial coefficients — so that `fast_math` is written once for both.

use crate::Real;

/// A precision with branch-free elementary functions (the crate-private `kernels::fast_math`).
pub trait FastReal: Real {
    /// ln 2 = `LN2_HI + LN2_LO`, with `LN2_HI` short enough that `k * LN2_HI` is exact for every
    /// integer `|k| <= 1100` (Cody-Waite reduction).
    const LN2_HI: Self;
    /// The rest of ln 2.
    const LN2_LO: Self;
    /// `1.5 * 2^(p-1)` (`p` significand bits): `(v + M) - M` rounds `|v| < 2^(p-2)` to an integer.
    const ROUND_MAGIC: Self;
    /// `exp` arguments are clamped to `[EXP_MIN, EXP_MAX]`: `exp(EXP_MIN)` rounds to 0 and
    /// `exp(EXP_MAX)` overflows to inf, while `2^k` of the reduction stays representable as two factors.
    const EXP_MIN: Self;
    /// See [`FastReal::EXP_MIN`].
    const EXP_MAX: Self;
    /// `tanh(y)/y = 1 + s Q(s)`, `s = y^2`, on `|y| < ln(3)/2`: the coefficients of `Q`, lowest degree
    /// first. Every table here is an `mpmath.chebyfit` fit at 60 digits (Chebyshev interpolation),
    /// rounded to the precision, with a fit error below 0.2 ulp: `tools/fit_kernel_coefficients.py`
    /// prints them all (`--check` compares them with this file).
    const TANH_SMALL: &'static [Self];
    /// `erf(x) / x` as a polynomial in `x^2` on `|x| < 0.75`, lowest degree first.
    const ERF_SMALL: &'static [Self];
    /// `ln(erfc(x) / t) + x^2` with `t = 2 / (2 + x)`, as a polynomial in `v = (t - ERFC_T_MID) *
    /// ERFC_T_SCALE` in [-1, 1] covering `0.75 <= x <= ERF_SATURATION`, lowest degree first.
    const ERFC_LOG: &'static [Self];
    /// Centre of the `t` interval of [`FastReal::ERFC_LOG`].
    const ERFC_T_MID: Self;
    /// Inverse half-width of the `t` interval of [`FastReal::ERFC_LOG`].
    const ERFC_T_SCALE: Self;
    /// From here on `1 - erfc(x)` rounds to 1 (`erfc(x) < 2^-(p+1)`).
    const ERF_SATURATION: Self;
    /// The function of [`FastReal::ERFC_LOG`] over all of `0 <= x <= -NDTR_Z_MIN / sqrt(2)` (and a
    /// little beyond), in `v = (t - NDTR_T_MID) * NDTR_T_SCALE`: `ln Phi(z) = ln(t/2) + G(t) - z^2/2`
    /// with `x = -z / sqrt(2)`, in log space with no cancellation, for the stable kernels.
    const NDTR_LOG: &'static [Self];
    /// Centre of the `t` interval of [`FastReal::NDTR_LOG`].
    const NDTR_T_MID: Self;
    /// Inverse half-width of the `t` interval of [`FastReal::NDTR_LOG`].
    const NDTR_T_SCALE: Self;
    /// The stable kernels evaluate `ln Phi(z)` at `max(z, NDTR_Z_MIN)`: `ln Phi(NDTR_Z_MIN)` lies so far
    /// below `ln(1e-12)` (by more than `(p + 1) ln 2`) that a result clamped there, or a bin edge moved
    /// there, changes no result.
    const NDTR_Z_MIN: Self;
    /// `(e^d - 1 - d) / d^2` as a polynomial in `d` on `|d| <= 1/2`: `expm1(r) = r + r^2 P(r)` after
    /// the reduction of `exp` and `expm1`, and the stable `normal_kl`'s `expm1(d) - d`, which cancels.
    const EXPM1_REMAINDER: &'static [Self];
    /// `atanh(f)/f = 1 + s Q(s)`, `s = f^2`, `|f| <= (sqrt 2 - 1)/(sqrt 2 + 1)`: the coefficients of `Q`
    /// (`ln m = 2 atanh((m - 1)/(m + 1))` for `m` in [sqrt(1/2), sqrt(2))).
    const ATANH_SERIES: &'static [Self];
    /// Terms of the Hermite series of a narrow bin's Gaussian mass in the stable kernel (truncation
    /// below 0.2 ulp for `w max(1, |m|) <= 1/4`).
    const NARROW_TERMS: usize;

    /// `2^k` for an integer-valued `k` within the normal exponent range (integer ops only, so it
    /// vectorises without float-to-int conversions the instruction set lacks).
    fn pow2(k: Self) -> Self;
    /// `(m, e)` with `x = m * 2^e`, `m` in [1, 2), for positive normal `x` (bit operations only).
    fn split_exponent(x: Self) -> (Self, Self);
    /// `self * a + b` rounded once: one instruction where the CPU has FMA (the AVX2 loops require it),
    /// a correctly rounded library call elsewhere, so results are the same on every platform.
    fn fma(self, a: Self, b: Self) -> Self;
}

impl FastReal for f32 {
    const LN2_HI: f32 = 0.693_359_4; // 0x3f318000: 12 significant bits
    const LN2_LO: f32 = -2.121_944_4e-4;
    const ROUND_MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23
    const EXP_MIN: f32 = -104.0;
    const EXP_MAX: f32 = 89.0;
    const TANH_SMALL: &'static [f32] =
        &[-0.333_333_1, 0.133_324_65, -0.053_843_17, 0.021_041_831, -0.006_238_935];
    #[allow(clippy::approx_constant)] // the fitted constant term is 2/sqrt(pi) to f32 precision
    const ERF_SMALL: &'static [f32] =
        &[1.128_379_1, -0.376_126_2, 0.112_833_865, -0.026_835_114, 0.005_115_332, -0.000_675_648];
    const ERFC_LOG: &'static [f32] = &[
        -0.630_864_5,
        0.267_034_53,
        0.005_993_269_4,
        -0.002_993_011_8,
        -0.000_171_580_93,
        8.791_251e-5,
        3.032_337_4e-6,
        -3.175_430_7e-6,
    ];
    const ERFC_T_MID: f32 = 35.0 / 66.0; // t in [2/(2 + ERF_SATURATION), 2/2.75]
    const ERFC_T_SCALE: f32 = 66.0 / 13.0;
    const ERF_SATURATION: f32 = 4.0;
    const NDTR_LOG: &'static [f32] = &[
        -0.520_513_65,
        0.533_878_45,
        0.008_566_272,
        -0.024_054_98,
        0.000_128_357_76,
        0.002_514_471_8,
        -0.000_341_307_84,
        -0.000_282_668_4,
        9.744_226_6e-5,
        2.155_436e-5,
        -1.397_022_5e-5,
    ];
    const NDTR_T_MID: f32 = 11.0 / 18.0; // t in [2/(2 + 7), 1]
    const NDTR_T_SCALE: f32 = 18.0 / 7.0;
    const NDTR_Z_MIN: f32 = -9.25; // ln Phi = -45.9
    const EXPM1_REMAINDER: &'static [f32] =
        &[0.5, 0.166_666_67, 0.041_666_668, 0.008_333_182, 0.001_388_873_8, 0.000_199_621_76, 2.492_243_6e-5];
    const ATANH_SERIES: &'static [f32] = &[0.333_334_1, 0.199_874_25, 0.149_621_95];
    const NARROW_TERMS: usize = 4;

    #[inline(always)]
    fn fma(self, a: f32, b: f32) -> f32 {
        self.mul_add(a, b)
    }
    fn pow2(k: f32) -> f32 {
        // k + 2^23 + 127 holds the biased exponent in its low mantissa bits; shift it into place.
        f32::from_bits((k + 8_388_735.0).to_bits() << 23)
    }
    fn split_exponent(x: f32) -> (f32, f32) {
        let bits = x.to_bits();
        (f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000), (bits >> 23) as i32 as f32 - 127.0)
    }
}

impl FastReal for f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238e-1; // 0x3fe62e42fee00000: 32 significant bits
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
    const EXP_MIN: f64 = -746.0;
    const EXP_MAX: f64 = 710.0;
    const TANH_SMALL: &'static [f64] = &[
        -0.333_333_333_333_318_44,
        0.133_333_333_331_352_55,
        -0.053_968_253_865_356_37,
        0.021_869_485_787_598_612,
        -0.008_863_192_551_767_204,
        0.003_591_706_999_712_223,
        -0.001_453_164_842_757_795_3,
        0.000_579_007_446_843_785_9,
        -0.000_210_122_204_376_060_6,
        5.091_457_440_347_758e-5,
    ];
    const ERF_SMALL: &'static [f64] = &[
        std::f64::consts::FRAC_2_SQRT_PI, // the fit reproduces 2/sqrt(pi) to the last bit
        -0.376_126_389_031_837_15,
        0.112_837_916_709_525_96,
        -0.026_866_170_644_428_485,
        0.005_223_977_615_420_539,
        -0.000_854_832_618_875_975_2,
        0.000_120_552_895_675_417_06,
        -1.492_419_630_556_961_7e-5,
        1.643_068_417_974_155e-6,
        -1.594_006_685_466_171_7e-7,
        1.147_249_970_109_469_1e-8,
    ];
    const ERFC_LOG: &'static [f64] = &[
        -0.687_056_428_034_737_9,
        0.319_972_734_120_732_2,
        0.011_505_432_367_243_117,
        -0.004_995_893_815_690_951,
        -0.000_563_551_580_110_21,
        0.000_211_979_839_364_092_55,
        2.516_785_042_336_58e-5,
        -1.301_171_725_552_734e-5,
        -7.696_879_758_563_005e-7,
        8.864_545_801_796_1e-7,
        -2.932_485_974_666_511_6e-8,
        -5.631_158_466_790_581_6e-8,
        8.441_538_588_831_052e-9,
        2.760_663_516_097_442_3e-9,
        -9.195_067_297_270_174e-10,
        -5.517_275_321_599_063e-11,
        5.606_027_743_470_993_6e-11,
        -4.063_393_902_014_019_5e-12,
    ];
    const ERFC_T_MID: f64 = 43.0 / 88.0; // t in [2/(2 + ERF_SATURATION), 2/2.75]
    const ERFC_T_SCALE: f64 = 88.0 / 21.0;
    const ERF_SATURATION: f64 = 6.0;
    const NDTR_LOG: &'static [f64] = &[
        -0.542_288_696_108_233,
        0.554_816_468_758_788_3,
        0.012_470_197_249_753_796,
        -0.027_098_333_113_632_35,
        -0.000_460_258_486_210_619_3,
        0.003_161_501_389_575_314_4,
        -0.000_328_975_643_522_033_85,
        -0.000_416_091_240_094_392_93,
        0.000_130_846_123_278_424_63,
        4.051_859_221_078_012_4e-5,
        -3.169_110_901_203_733e-5,
        1.023_690_703_335_483_8e-6,
        5.235_637_613_684_177e-6,
        -1.642_990_015_968_668e-6,
        -4.328_160_108_473_418e-7,
        4.122_092_197_601_853_7e-7,
        -5.204_651_283_878_67e-8,
        -5.299_492_184_474_513_5e-8,
        2.502_484_512_545_554e-8,
        8.895_997_656_997_235e-10,
        -4.102_534_254_796_564e-9,
        9.158_775_826_643_673e-10,
        2.919_879_061_313_585_7e-10,
        -1.227_536_551_538_750_2e-10,
    ];
    const NDTR_T_MID: f64 = 25.0 / 42.0; // t in [2/(2 + 8.5), 1]
    const NDTR_T_SCALE: f64 = 42.0 / 17.0;
    const NDTR_Z_MIN: f64 = -11.5; // ln Phi = -69.6
    const EXPM1_REMAINDER: &'static [f64] = &[
        0.5,
        0.166_666_666_666_666_66,
        0.041_666_666_666_667_06,
        0.008_333_333_333_333_36,
        0.001_388_888_888_870_455,
        0.000_198_412_698_411_469_93,
        2.480_158_761_614_541_4e-5,
        2.755_731_943_362_024e-6,
        2.755_707_663_664_272_5e-7,
        2.505_194_670_972_162e-8,
        2.096_295_581_597_607_6e-9,
        1.611_649_651_437_154_8e-10,
    ];
    const ATANH_SERIES: &'static [f64] = &[
        0.333_333_333_333_338_26,
        0.199_999_999_996_511_7,
        0.142_857_143_803_208_4,
        0.111_110_985_283_630_24,
        0.090_918_158_401_146_64,
        0.076_562_640_741_820_95,
        0.074_048_551_803_276_38,
    ];
    const NARROW_TERMS: usize = 6;

    #[inline(always)]
    fn fma(self, a: f64, b: f64) -> f64 {
        self.mul_add(a, b)
    }
    fn pow2(k: f64) -> f64 {
        // k + 2^52 + 1023 holds the biased exponent in its low mantissa bits; shift it into place.
        f64::from_bits((k + 4_503_599_627_371_519.0).to_bits() << 52)
    }
    fn split_exponent(x: f64) -> (f64, f64) {
        let bits = x.to_bits();
        let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
        // The biased exponent as the low bits of 2^52 + e: subtracting 2^52 + 1023 converts it exactly.
        let e = f64::from_bits(0x4330_0000_0000_0000 | (bits >> 52)) - 4_503_599_627_371_519.0;
        (m, e)
    }
}
