//! The first pass's finalisation: direct correct rounding of a narrow [`WBall`] to a normal `f64`
//! and to 40 significant decimal digits, or `None` (near a rounding boundary, outside the normal
//! `f64` range): the value then goes to `mp.rs`.

use super::ball::{mul, WBall};
use super::kernels::{consts, div, exp};
use super::wide::{Wide, LIMBS};
use crate::reference::arith::{Num, Val};
use crate::reference::exact_rounding::special_digits;

/// Certified `(f64, 40 digits)` of a value, or `None` if this pass does not finalise it.
pub(super) fn finalize(v: &Val<WBall>) -> Option<(f64, String)> {
    match v {
        Val::Lin(b) => {
            if b.v.is_zero() {
                return (b.e == 0.0).then(|| (0.0, special_digits(0.0)));
            }
            if b.e.is_nan() || b.e >= 2f64.powi(-64) {
                return None;
            }
            Some((round_f64(b)?, digits40(b)?))
        }
        Val::Exp { neg, l } => {
            if l.approx().abs() > 700.0 {
                return None; // beyond the normal f64 range: left to mp.rs
            }
            let e = exp(l);
            finalize(&Val::Lin(if *neg { e.neg() } else { e }))
        }
    }
}

/// The 64 bits of a significand starting `start` bits below its top (zeros past the end).
fn bits_at(w: &Wide, start: i64) -> u64 {
    let words = w.words();
    let word = |k: i64| if (0..LIMBS as i64).contains(&k) { words[k as usize] } else { 0 };
    let (wi, sh) = (LIMBS as i64 - 1 - start.div_euclid(64), start.rem_euclid(64) as u32);
    if sh == 0 {
        word(wi)
    } else {
        (word(wi) << sh) | (word(wi - 1) >> (64 - sh))
    }
}

/// The significand's bits below its top `keep` bits as a fraction in `[0, 1)`, to within `2^-100`.
fn fraction_below(w: &Wide, keep: i64) -> f64 {
    bits_at(w, keep) as f64 * 2f64.powi(-64) + bits_at(w, keep + 64) as f64 * 2f64.powi(-128)
}

/// Correct rounding to a normal `f64`, or `None` near a rounding boundary or outside the normal range.
fn round_f64(b: &WBall) -> Option<f64> {
    let e = b.v.exp2_top();
    if e - 1 < -1021 || e > 1023 {
        return None;
    }
    let q = b.v.words()[LIMBS - 1] >> 11; // the top 53 bits
    let tail = fraction_below(&b.v, 53); // position between q and q + 1, in ulps
    let rad = b.e * 2f64.powi(53) * 1.001; // |x - v| <= |v| e < 2^e e = (2^53 e) ulps
    if (tail - 0.5).abs() <= rad + 2f64.powi(-50) || rad > 0.25 {
        return None;
    }
    let q = q + u64::from(tail > 0.5);
    let v = libm::scalbn(q as f64, (e - 53) as i32);
    Some(if b.v.is_neg() { -v } else { v })
}

/// The correctly rounded 40 significant digits, formatted as `exact_rounding::fmt_digits` does, or
/// `None` near a tie.
fn digits40(b: &WBall) -> Option<String> {
    let k = consts();
    let abs = WBall { v: b.v.abs(), e: b.e };
    let mut s = 39 - (b.v.log2() * std::f64::consts::LOG10_2).floor() as i64;
    for _ in 0..3 {
        if s.abs() > 440 {
            return None; // beyond the f64 range: not finalised here
        }
        // 10^|s| = (10^m)^q 10^r with 10^m the largest exact power: one truncation per factor.
        let m = k.pow10.len() as i64 - 1;
        let (q, r) = (s.abs() / m, (s.abs() % m) as usize);
        let p = (0..q).fold(WBall::exact(k.pow10[r]), |p, _| mul(&p, &WBall::exact(k.pow10[m as usize])));
        let y = if s >= 0 { mul(&abs, &p) } else { div(&abs, &p) };
        // A decade boundary is not a rounding boundary (values just below 10^39 round up to it
        // at the next scale), so only the range of the midpoint matters here.
        if y.v.cmp_abs(&k.pow10[39]) == std::cmp::Ordering::Less {
            s += 1;
            continue;
        }
        if y.v.cmp_abs(&k.pow10[40]) != std::cmp::Ordering::Less {
            s -= 1;
            continue;
        }
        // y in (10^39, 10^40) has 130..=133 integer bits.
        let ib = y.v.exp2_top();
        let frac = fraction_below(&y.v, ib);
        let rad = y.e * y.v.approx() * 1.001;
        if (frac - 0.5).abs() <= rad + 2f64.powi(-50) {
            return None;
        }
        let mut int = integer_part(&y.v, ib);
        if frac > 0.5 {
            add_one(&mut int);
        }
        let mut exp10 = 39 - s;
        let mut digits = decimal(&int);
        if digits.len() == 41 {
            digits = format!("1{}", "0".repeat(39));
            exp10 += 1;
        }
        let sign = if b.v.is_neg() { "-" } else { "" };
        return Some(format!("{sign}{}.{}e{exp10}", &digits[..1], &digits[1..]));
    }
    None
}

/// The integer part of a value with `ib` (<= 192) integer bits, as three little-endian words.
fn integer_part(w: &Wide, ib: i64) -> [u64; 3] {
    // Word k (from the bottom) holds the bits [ib - 64(k+1), ib - 64k) counted from the top.
    let mut out = [0u64; 3];
    for (k, o) in out.iter_mut().enumerate() {
        let end = ib - 64 * k as i64; // bits before `end` from the top
        if end <= 0 {
            break;
        }
        let start = end - 64;
        *o = if start >= 0 { bits_at(w, start) } else { bits_at(w, 0) >> (-start) };
    }
    out
}

fn add_one(x: &mut [u64; 3]) {
    for w in x.iter_mut() {
        let (s, c) = w.overflowing_add(1);
        *w = s;
        if !c {
            return;
        }
    }
}

/// Decimal digits of a three-word integer below `10^41`.
fn decimal(x: &[u64; 3]) -> String {
    const P19: u64 = 10_000_000_000_000_000_000;
    // x = (hi * 2^128 + mid * 2^64 + lo): divide by 10^19 twice, word by word.
    let div = |x: &[u64; 3]| -> ([u64; 3], u64) {
        let mut q = [0u64; 3];
        let mut rem = 0u128;
        for i in (0..3).rev() {
            let cur = (rem << 64) | u128::from(x[i]);
            q[i] = (cur / u128::from(P19)) as u64;
            rem = cur % u128::from(P19);
        }
        (q, rem as u64)
    };
    let (q1, r1) = div(x);
    let (q2, r2) = div(&q1);
    let top = u128::from(q2[0]) | (u128::from(q2[1]) << 64);
    format!("{top}{r2:019}{r1:019}")
}
