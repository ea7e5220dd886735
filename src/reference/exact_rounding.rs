//! Correct rounding of exactly known numbers (dyadic or rational) to the nearest `f64` and to
//! [`DIGITS`] significant decimal digits, with the tie rules, and the digit strings' format.
//! `mp.rs` finalises through it (from a ball's exact endpoints), the helpers round their exact
//! rationals with it directly (no Ziv loop needed), and every result's digit string has its format.

use dashu_int::ops::{BitTest, DivRem, UnsignedAbs};
use dashu_int::{IBig, Sign, UBig};

use super::dyadic::{exact_add, f, log2_abs, F, MAX_BITS};

/// Number of significant decimal digits in `Exact::digits`.
pub(crate) const DIGITS: usize = 40;

/// How an exact tie is resolved when rounding: half-even for an exactly known value, or
/// towards the larger / smaller magnitude when the true value lies just above / below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tie {
    Even,
    Up,
    Down,
}

/// `true` to round `hi + 1` (magnitude up) given the remainder comparison and the tie mode.
fn round_up(twice_rem: &UBig, den: &UBig, odd: bool, tie: Tie) -> bool {
    match twice_rem.cmp(den) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => match tie {
            Tie::Even => odd,
            Tie::Up => true,
            Tie::Down => false,
        },
    }
}

/// Round an exact dyadic value to the nearest `f64`, ties to even (own implementation: dashu's
/// `to_f64` double-rounds in `[2^-1075, 0.75 * 2^-1074]`).
pub(crate) fn round_f64(x: &F) -> f64 {
    let neg = x.repr().significand().sign() == Sign::Negative;
    round_ratio_f64(neg, &x.repr().significand().unsigned_abs(), x.repr().exponent(), &UBig::ONE, Tie::Even)
}

/// Round an exact dyadic value to the nearest `f32`, ties to even: the `f64` rounding first, then to
/// float32; rounding twice errs only where the `f64` lands on a float32 midpoint that `x` is not, and
/// there the side of `x` decides (float32 midpoints are `f64` values).
pub(crate) fn round_f32(x: &F) -> f32 {
    let v = round_f64(x);
    let y = v as f32;
    if !v.is_finite() || f64::from(y) == v {
        return y;
    }
    let n = if f64::from(y) < v { y.next_up() } else { y.next_down() };
    if (f64::from(y) + f64::from(n)) / 2.0 != v {
        return y;
    }
    let (lo, hi) = if y < n { (y, n) } else { (n, y) };
    match x.partial_cmp(&f(v)) {
        Some(std::cmp::Ordering::Greater) => hi,
        Some(std::cmp::Ordering::Less) => lo,
        _ => y,
    }
}

/// Round `(-1)^neg m 2^e / den` (exact rational, `den > 0`) to the nearest `f64`.
fn round_ratio_f64(neg: bool, m: &UBig, e: isize, den: &UBig, tie: Tie) -> f64 {
    let sgn = if neg { -1.0 } else { 1.0 };
    let (bm, bd) = (m.bit_len() as isize, den.bit_len() as isize);
    if bm == 0 {
        return sgn * 0.0;
    }
    // m/den in [2^(s-1), 2^(s+1)) with s = bm - bd; decide which half exactly.
    let s = bm - bd;
    let ge = if s >= 0 { *m >= (den.clone() << s as usize) } else { (m.clone() << (-s) as usize) >= *den };
    let top = e as i128 + s as i128 - if ge { 0 } else { 1 }; // value in [2^top, 2^(top+1))
    if top > 1023 {
        return sgn * f64::INFINITY;
    }
    if top < -1076 {
        return sgn * 0.0; // below a quarter of the smallest subnormal, whatever the tie mode
    }
    let q = (top - 52).max(-1074) as isize; // exponent of the target ulp
                                            // n = round(m 2^(e-q) / den).
    let (num, dd) = if e >= q {
        (m.clone() << (e - q) as usize, den.clone())
    } else {
        (m.clone(), den.clone() << (q - e) as usize)
    };
    let (hi, lo) = num.div_rem(&dd);
    let n = if round_up(&(lo << 1), &dd, hi.bit(0), tie) { hi + UBig::ONE } else { hi };
    let n = u64::try_from(&n).expect("at most 2^53");
    // n * 2^q is representable (n <= 2^53, q >= -1074) unless it overflows: scalbn is exact.
    sgn * libm::scalbn(n as f64, q as i32)
}

/// `(D, k)` with `10^(DIGITS-1) <= D < 10^DIGITS` and `D * 10^k` the correctly rounded
/// (half-even) `DIGITS`-digit decimal of the nonzero dyadic `x` (sign ignored).
pub(crate) fn dec_digits(x: &F) -> (UBig, isize) {
    dec_digits_ratio(&x.repr().significand().unsigned_abs(), x.repr().exponent(), &UBig::ONE, Tie::Even)
}

/// The same for the nonzero rational `m 2^e / den`, ties resolved by `tie`.
fn dec_digits_ratio(m: &UBig, e: isize, den0: &UBig, tie: Tie) -> (UBig, isize) {
    let top = e as f64 + m.bit_len() as f64 - den0.bit_len() as f64;
    let mut k = (top * std::f64::consts::LOG10_2).floor() as isize - (DIGITS as isize - 1);
    let lo = UBig::from(10u8).pow(DIGITS - 1);
    let hi = UBig::from(10u8).pow(DIGITS);
    loop {
        let ten_k = UBig::from(10u8).pow(k.unsigned_abs());
        let (mut num, mut den) = (m.clone(), den0.clone());
        if e >= 0 {
            num <<= e as usize
        } else {
            den <<= (-e) as usize
        }
        if k >= 0 {
            den *= ten_k
        } else {
            num *= ten_k
        }
        let (q, r) = num.div_rem(&den);
        let d = if round_up(&(r << 1), &den, q.bit(0), tie) { q + UBig::ONE } else { q };
        if d >= hi {
            k += 1;
        } else if d < lo {
            k -= 1;
        } else {
            return (d, k);
        }
    }
}

/// Certified `(f64, digits)` of the exact positive rational `m 2^e / den` (no Ziv loop needed).
pub(crate) fn finalize_ratio(neg: bool, m: &UBig, e: isize, den: &UBig) -> (f64, String) {
    if m.bit_len() == 0 {
        return (0.0, special_digits(0.0));
    }
    let v = round_ratio_f64(neg, m, e, den, Tie::Even);
    let (d, k) = dec_digits_ratio(m, e, den, Tie::Even);
    (v, fmt_digits(neg, &d, k + DIGITS as isize - 1))
}

/// Certified `(f64, digits)` of an exact dyadic number (e.g. an `f64` taken as exact).
pub(crate) fn finalize_exact(x: &F) -> (f64, String) {
    let neg = x.repr().significand().sign() == Sign::Negative;
    finalize_ratio(neg, &x.repr().significand().unsigned_abs(), x.repr().exponent(), &UBig::ONE)
}

/// Certified `(f64, digits)` of a value known to lie in `(lo, lo + 2^labs]` for an exact
/// positive dyadic `lo`: an exact part plus a positive remainder too small to form (e.g.
/// `e^-1e19`). A rounding tie at `lo` is then resolved upwards. `None` if the interval is too
/// wide to decide.
pub(crate) fn finalize_above(lo: &F, labs: f64) -> Option<(f64, String)> {
    debug_assert!(lo.repr().significand().sign() == Sign::Positive);
    if labs.is_nan() || labs >= log2_abs(lo) - 4.0 {
        return None;
    }
    // A wider interval is still sound: cap the radius at 2^-(4 MAX_BITS) relative.
    let k = labs.ceil().max(log2_abs(lo).floor() - 4.0 * MAX_BITS as f64) as isize;
    let hi = exact_add(lo, &F::from_parts(IBig::ONE, k));
    let parts = |x: &F| (x.repr().significand().unsigned_abs(), x.repr().exponent());
    let ((ml, el), (mh, eh)) = (parts(lo), parts(&hi));
    let vlo = round_ratio_f64(false, &ml, el, &UBig::ONE, Tie::Up);
    let vhi = round_ratio_f64(false, &mh, eh, &UBig::ONE, Tie::Down);
    if vlo != vhi {
        return None;
    }
    let (dlo, klo) = dec_digits_ratio(&ml, el, &UBig::ONE, Tie::Up);
    let (dhi, khi) = dec_digits_ratio(&mh, eh, &UBig::ONE, Tie::Down);
    if dlo != dhi || klo != khi {
        return None;
    }
    Some((vlo, fmt_digits(false, &dlo, klo + DIGITS as isize - 1)))
}

/// `d.ddd…e<exp10>` from the `DIGITS` digits `d` and the decimal exponent of the first one.
pub(crate) fn fmt_digits(neg: bool, d: &UBig, exp10: impl std::fmt::Display) -> String {
    let s = d.to_string();
    format!("{}{}.{}e{}", if neg { "-" } else { "" }, &s[..1], &s[1..], exp10)
}

/// Decimal digits string of a special or exactly zero `f64`.
pub(crate) fn special_digits(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v == f64::INFINITY {
        "inf".into()
    } else if v == f64::NEG_INFINITY {
        "-inf".into()
    } else {
        debug_assert!(v == 0.0);
        if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rounding through f64 would land on the float32 midpoint `1 + 2^-24` and tie to 1; the value lies
    /// above it, so its float32 is `1 + 2^-23` (and below it, 1).
    #[test]
    fn float32_rounding_is_not_double_rounding() {
        let midpoint = exact_add(&F::ONE, &F::from_parts(IBig::ONE, -24));
        let above = exact_add(&midpoint, &F::from_parts(IBig::ONE, -80));
        let below = exact_add(&midpoint, &F::from_parts(-IBig::ONE, -80));
        assert_eq!(round_f64(&above) as f32, 1.0);
        assert_eq!(round_f32(&above), 1.0 + f32::EPSILON);
        assert_eq!(round_f32(&below), 1.0);
        assert_eq!(round_f32(&midpoint), 1.0);
    }
}
