//! `FastReal`: what the vectorisable elementary functions need to know about a precision — bit-level
//! hooks, range limits and fitted polynomial coefficients — so that `fast_math` is written once for both.

use crate::Real;

/// A precision with branch-free elementary functions ([`crate::kernels::fast_math`]).
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
    /// Degree of the Taylor polynomial of `expm1` on `|r| <= ln2/2` (truncation below 0.1 ulp).
    const EXPM1_DEGREE: usize;
    /// Terms of the `atanh` series of `ln` on `[sqrt(1/2), sqrt(2))` (truncation below 0.2 ulp).
    const LN_TERMS: usize;
    /// `(tanh(y)/y - 1) / y^2` as a polynomial in `y^2` on `|y| < ln(3)/2`, lowest degree first.
    const TANH_SMALL: &'static [Self];
    /// `erf(x) / x` as a polynomial in `x^2` on `|x| < 0.75`, lowest degree first. This,
    /// [`FastReal::TANH_SMALL`] and [`FastReal::ERFC_LOG`] are `mpmath.chebyfit` fits at 60 digits
    /// (Chebyshev interpolation), rounded to the precision; their truncation error is below 0.2 ulp.
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
    const EXPM1_DEGREE: usize = 7;
    const LN_TERMS: usize = 5;
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
    const ERFC_T_MID: f32 = 35.0 / 66.0; // t in [2/6, 2/2.75]
    const ERFC_T_SCALE: f32 = 66.0 / 13.0;
    const ERF_SATURATION: f32 = 4.0;

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
    const EXPM1_DEGREE: usize = 13;
    const LN_TERMS: usize = 10;
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
    const ERFC_T_MID: f64 = 43.0 / 88.0; // t in [2/8, 2/2.75]
    const ERFC_T_SCALE: f64 = 88.0 / 21.0;
    const ERF_SATURATION: f64 = 6.0;

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
