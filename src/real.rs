//! `Real`: the one trait that makes every fast helper generic over `f32` and `f64`.
//!
//! Elementary functions come from the `libm` crate (not the platform's libm) so that results are
//! bit-identical on every platform. The constants are the precision's own roundings of the Python
//! double literals, exactly what PyTorch uses when a Python scalar meets a tensor of that dtype.

use num_traits::float::FloatCore;
use std::fmt::{Debug, Display};

/// A floating-point precision the helpers are evaluated in (`f32` or `f64`).
pub trait Real: FloatCore + Debug + Display + Default + Send + Sync + 'static {
    /// Name of the precision as used in golden files (`"f32"`, `"f64"`).
    const NAME: &'static str;
    /// Half-width of a pixel bin, `1/255` (the double `1.0/255.0` rounded to this precision).
    const BIN_HALF_WIDTH: Self;
    /// Lower clamp of probabilities before the log, `1e-12` rounded to this precision.
    const PROB_FLOOR: Self;
    /// Edge-branch threshold `0.999` rounded to this precision.
    const EDGE: Self;
    /// `sqrt(2/pi)` as computed in double by `np.sqrt(2.0 / np.pi)`, rounded to this precision.
    const SQRT_2_OVER_PI: Self;
    /// The cubic coefficient `0.044715` of the tanh approximation, rounded to this precision.
    const TANH_CUBIC: Self;
    /// `math.sqrt(2)` rounded to this precision (the erf variant divides by it).
    const SQRT_2: Self;

    /// Widens a small exact constant or count (values here are exactly representable or meant rounded).
    fn cast(v: f64) -> Self;
    /// Widens to f64 exactly.
    fn as_f64(self) -> f64;
    /// `exp` from `libm`.
    fn exp(self) -> Self;
    /// Natural log from `libm`.
    fn ln(self) -> Self;
    /// `tanh` from `libm`.
    fn tanh(self) -> Self;
    /// `erf` from `libm`.
    fn erf(self) -> Self;
    /// `erfc` from `libm` (accurate in the upper tail, where `1 - erf` cancels).
    fn erfc(self) -> Self;
    /// `exp(x) - 1` from `libm`, accurate near 0.
    fn exp_m1(self) -> Self;
    /// `ln(1 + x)` from `libm`, accurate near 0.
    fn ln_1p(self) -> Self;
    /// `self * a + b` with one rounding (fused multiply-add), for error-free products.
    fn mul_add(self, a: Self, b: Self) -> Self;
    /// `max(self, floor)` that propagates NaN like `torch.clamp(min=...)`: `f32::max` would return
    /// `floor` for a NaN `self` and silently turn a NaN input into `ln(1e-12)`.
    fn clamp_min(self, floor: Self) -> Self {
        if self.is_nan() || self >= floor {
            self
        } else {
            floor
        }
    }
}

/// `Real` for a native precision: the constants are the Python doubles rounded to it, the functions the
/// `libm` ones of that precision.
macro_rules! native_real {
    ($t:ty, $name:literal, $exp:ident, $log:ident, $tanh:ident, $erf:ident, $erfc:ident, $expm1:ident, $log1p:ident, $fma:ident) => {
        impl Real for $t {
            const NAME: &'static str = $name;
            const BIN_HALF_WIDTH: $t = (1.0f64 / 255.0) as $t;
            const PROB_FLOOR: $t = 1e-12f64 as $t;
            const EDGE: $t = 0.999f64 as $t;
            const SQRT_2_OVER_PI: $t = 0.7978845608028654f64 as $t;
            const TANH_CUBIC: $t = 0.044715f64 as $t;
            const SQRT_2: $t = std::f64::consts::SQRT_2 as $t;

            fn cast(v: f64) -> $t {
                v as $t
            }
            fn as_f64(self) -> f64 {
                self as f64
            }
            fn exp(self) -> $t {
                libm::$exp(self)
            }
            fn ln(self) -> $t {
                libm::$log(self)
            }
            fn tanh(self) -> $t {
                libm::$tanh(self)
            }
            fn erf(self) -> $t {
                libm::$erf(self)
            }
            fn erfc(self) -> $t {
                libm::$erfc(self)
            }
            fn exp_m1(self) -> $t {
                libm::$expm1(self)
            }
            fn ln_1p(self) -> $t {
                libm::$log1p(self)
            }
            fn mul_add(self, a: $t, b: $t) -> $t {
                libm::$fma(self, a, b)
            }
        }
    };
}

native_real!(f32, "f32", expf, logf, tanhf, erff, erfcf, expm1f, log1pf, fmaf);
native_real!(f64, "f64", exp, log, tanh, erf, erfc, expm1, log1p, fma);

/// The half precisions, emulated op by op (each operation in f32, rounded back, as PyTorch's CPU
/// kernels do for bfloat16/float16). Used by the mutation tests: a port evaluated in half precision
/// and cast up must fail the f32 goldens.
macro_rules! half_real {
    ($t:ty, $name:literal) => {
        impl Real for $t {
            const NAME: &'static str = $name;
            const BIN_HALF_WIDTH: $t = <$t>::from_f64_const(1.0 / 255.0);
            const PROB_FLOOR: $t = <$t>::from_f64_const(1e-12);
            const EDGE: $t = <$t>::from_f64_const(0.999);
            const SQRT_2_OVER_PI: $t = <$t>::from_f64_const(0.7978845608028654);
            const TANH_CUBIC: $t = <$t>::from_f64_const(0.044715);
            const SQRT_2: $t = <$t>::from_f64_const(std::f64::consts::SQRT_2);

            fn cast(v: f64) -> $t {
                <$t>::from_f64(v)
            }
            fn as_f64(self) -> f64 {
                self.to_f64()
            }
            fn exp(self) -> $t {
                <$t>::from_f32(libm::expf(self.to_f32()))
            }
            fn ln(self) -> $t {
                <$t>::from_f32(libm::logf(self.to_f32()))
            }
            fn tanh(self) -> $t {
                <$t>::from_f32(libm::tanhf(self.to_f32()))
            }
            fn erf(self) -> $t {
                <$t>::from_f32(libm::erff(self.to_f32()))
            }
            fn erfc(self) -> $t {
                <$t>::from_f32(libm::erfcf(self.to_f32()))
            }
            fn exp_m1(self) -> $t {
                <$t>::from_f32(libm::expm1f(self.to_f32()))
            }
            fn ln_1p(self) -> $t {
                <$t>::from_f32(libm::log1pf(self.to_f32()))
            }
            fn mul_add(self, a: $t, b: $t) -> $t {
                <$t>::from_f32(libm::fmaf(self.to_f32(), a.to_f32(), b.to_f32()))
            }
        }
    };
}

half_real!(half::bf16, "bf16");
half_real!(half::f16, "f16");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqrt_2_over_pi_is_numpys_double() {
        // np.sqrt(2.0 / np.pi): 2/pi rounded to double, then a correctly rounded sqrt.
        let numpy = (2.0f64 / std::f64::consts::PI).sqrt();
        assert_eq!(numpy.to_bits(), <f64 as Real>::SQRT_2_OVER_PI.to_bits());
    }

    #[test]
    fn clamp_min_propagates_nan_and_keeps_larger_values() {
        assert!(f32::NAN.clamp_min(1e-12).is_nan());
        assert_eq!(0.0f32.clamp_min(1e-12), 1e-12);
        assert_eq!(0.5f64.clamp_min(1e-12), 0.5);
        assert_eq!(f64::NEG_INFINITY.clamp_min(1e-12), 1e-12);
    }
}
