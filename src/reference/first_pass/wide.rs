//! `Wide`: a fixed-size binary float (`LIMBS` = 3 64-bit words of significand, a 64-bit exponent) whose
//! operations truncate, each reporting whether it was exact. It is the number type of the reference's
//! first Ziv pass (`first_pass/`): values live on the stack, so an operation costs tens of
//! nanoseconds where an arbitrary-precision one costs microseconds.
//!
//! A nonzero value is `m * 2^(e - BITS)` with `2^(BITS-1) <= m < 2^BITS`, i.e. in `[2^(e-1), 2^e)`.
//! Truncating the exact result of an operation to `BITS` bits changes it by less than one unit in the
//! last place, at most `2^(1-BITS)` of its magnitude ([`U`]).

use std::cmp::Ordering;

/// Number of 64-bit words in the significand.
pub(crate) const LIMBS: usize = 3;
/// Significand bits.
pub(crate) const BITS: i64 = 64 * LIMBS as i64;
/// Relative bound of one truncation, `2^(1 - BITS)`.
pub(crate) const U: f64 = f64::from_bits(((1023 + 1 - BITS) as u64) << 52);

/// A truncating binary float with `BITS` significant bits (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Wide {
    /// Little-endian words; the top bit of the last word is set unless the value is zero.
    m: [u64; LIMBS],
    /// The value lies in `[2^(e-1), 2^e)`.
    e: i64,
    neg: bool,
}

impl Wide {
    pub const ZERO: Wide = Wide { m: [0; LIMBS], e: 0, neg: false };

    /// Normalises `(-1)^neg * buf * 2^(e_top - 64 len)` (little-endian words) to `BITS` bits by
    /// truncation; the flag tells whether no nonzero bit was dropped. (Inlined so that the loops
    /// over fixed-size buffers unroll.)
    #[inline(always)]
    pub fn from_words(neg: bool, buf: &[u64], e_top: i64) -> (Wide, bool) {
        let Some(top) = buf.iter().rposition(|&w| w != 0) else {
            return (Wide::ZERO, true);
        };
        let bs = buf[top].leading_zeros();
        let word = |i: isize| if i >= 0 { buf[i as usize] } else { 0 };
        let mut m = [0u64; LIMBS];
        for (k, out) in m.iter_mut().rev().enumerate() {
            let i = top as isize - k as isize;
            *out = if bs == 0 { word(i) } else { (word(i) << bs) | (word(i - 1) >> (64 - bs)) };
        }
        // Unconsumed: the low `64 - bs` bits of word `top - LIMBS` (all of it if bs = 0) and below.
        let rest = top as isize - LIMBS as isize;
        let low = word(rest);
        let mut exact = if bs == 0 { low == 0 } else { low << bs == 0 };
        exact &= rest <= 0 || buf[..rest as usize].iter().all(|&w| w == 0);
        let lz = (buf.len() - 1 - top) as i64 * 64 + i64::from(bs);
        (Wide { m, e: e_top - lz, neg }, exact)
    }

    /// A finite `f64`, exactly.
    pub fn from_f64(x: f64) -> Wide {
        if x == 0.0 {
            return Wide::ZERO;
        }
        let bits = x.to_bits();
        let be = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1 << 52) - 1);
        // x = sig * 2^q
        let (sig, q) = if be == 0 { (frac, -1074) } else { (frac | (1 << 52), be - 1075) };
        Wide::from_words(x < 0.0, &[sig], q + 64).0
    }

    /// A small integer, exactly.
    pub fn from_i64(n: i64) -> Wide {
        Wide::from_words(n < 0, &[n.unsigned_abs()], 64).0
    }

    pub fn is_zero(&self) -> bool {
        self.m[LIMBS - 1] == 0
    }
    pub fn is_neg(&self) -> bool {
        self.neg
    }
    /// The exponent `e`: the value lies in `[2^(e-1), 2^e)`.
    pub fn exp2_top(&self) -> i64 {
        self.e
    }
    /// Little-endian significand words.
    pub fn words(&self) -> &[u64; LIMBS] {
        &self.m
    }
    pub fn neg(self) -> Wide {
        if self.is_zero() {
            self
        } else {
            Wide { neg: !self.neg, ..self }
        }
    }
    pub fn abs(self) -> Wide {
        Wide { neg: false, ..self }
    }
    /// `self * 2^k`, exactly.
    pub fn scale2(self, k: i64) -> Wide {
        if self.is_zero() {
            self
        } else {
            Wide { e: self.e + k, ..self }
        }
    }

    /// log2 of the magnitude to about 1e-15 (`-inf` for zero).
    pub fn log2(&self) -> f64 {
        if self.is_zero() {
            return f64::NEG_INFINITY;
        }
        ((self.m[LIMBS - 1] as f64) * 2f64.powi(-64)).log2() + self.e as f64
    }

    /// The value rounded to an `f64` (approximately: for decisions that are checked rigorously).
    pub fn approx(&self) -> f64 {
        if self.is_zero() {
            return 0.0;
        }
        let top = (self.m[LIMBS - 1] as f64) * 2f64.powi(-64); // in [1/2, 1)
        let v = if self.e.abs() < 1000 {
            top * 2f64.powi(self.e as i32)
        } else if self.e > 0 {
            f64::INFINITY
        } else {
            0.0
        };
        if self.neg {
            -v
        } else {
            v
        }
    }

    /// Compares magnitudes.
    pub fn cmp_abs(&self, other: &Wide) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        self.e.cmp(&other.e).then_with(|| self.m.iter().rev().cmp(other.m.iter().rev()))
    }

    /// Signed comparison.
    pub fn cmp(&self, other: &Wide) -> Ordering {
        let sign = |w: &Wide| {
            if w.is_zero() {
                0
            } else if w.neg {
                -1
            } else {
                1
            }
        };
        match (sign(self), sign(other)) {
            (a, b) if a != b => a.cmp(&b),
            (a, _) if a >= 0 => self.cmp_abs(other),
            _ => other.cmp_abs(self),
        }
    }

    /// The truncated product and whether it is exact.
    pub fn mul(&self, b: &Wide) -> (Wide, bool) {
        if self.is_zero() || b.is_zero() {
            return (Wide::ZERO, true);
        }
        let mut p = [0u64; 2 * LIMBS];
        for (i, &x) in self.m.iter().enumerate() {
            if x == 0 {
                continue;
            }
            let mut carry = 0u128;
            for (j, &y) in b.m.iter().enumerate() {
                let t = u128::from(x) * u128::from(y) + u128::from(p[i + j]) + carry;
                p[i + j] = t as u64;
                carry = t >> 64;
            }
            p[i + LIMBS] = carry as u64;
        }
        Wide::from_words(self.neg != b.neg, &p, self.e + b.e)
    }

    /// The truncated quotient by a nonzero word and whether it is exact (relative error below
    /// `2^(1-BITS)`: the quotient keeps more than `BITS` bits before the final truncation).
    pub fn div_word(&self, d: u64) -> (Wide, bool) {
        debug_assert!(d != 0);
        let mut q = [0u64; LIMBS + 1];
        // Numerator: the significand followed by one zero word.
        let word = |i: usize| if i == 0 { 0 } else { self.m[i - 1] };
        let rem_zero = if d < 1 << 32 {
            // Half-word steps: every partial dividend fits a u64 (no 128-bit division).
            let mut rem = 0u64;
            for i in (0..=LIMBS).rev() {
                let w = word(i);
                let hi = (rem << 32) | (w >> 32);
                rem = hi % d;
                let lo = (rem << 32) | (w & 0xffff_ffff);
                rem = lo % d;
                q[i] = ((hi / d) << 32) | (lo / d);
            }
            rem == 0
        } else {
            let mut rem = 0u128;
            for i in (0..=LIMBS).rev() {
                let cur = (rem << 64) | u128::from(word(i));
                q[i] = (cur / u128::from(d)) as u64;
                rem = cur % u128::from(d);
            }
            rem == 0
        };
        let (w, exact) = Wide::from_words(self.neg, &q, self.e);
        (w, exact && rem_zero)
    }

    /// The sum and `k` with `2^k` bounding its absolute error (`None` when exact). Works on a
    /// buffer with two guard words below the larger operand; bits of the smaller one shifted out
    /// below it are dropped (less than one unit of the buffer), then the result is truncated.
    pub fn add(&self, b: &Wide) -> (Wide, Option<i64>) {
        if b.is_zero() {
            return (*self, None);
        }
        if self.is_zero() {
            return (*b, None);
        }
        let (x, y) = if self.cmp_abs(b) == Ordering::Less { (b, self) } else { (self, b) };
        const G: usize = 2; // guard words
        const LEN: usize = LIMBS + G + 1; // plus one carry word
        let unit = x.e - 64 * (LIMBS + G) as i64; // log2 of the buffer's last place
        let d = (x.e - y.e) as u64; // shift of y relative to x (>= 0)
        if d >= 64 * (LIMBS + G) as u64 {
            return (*x, Some(y.e)); // y is below the buffer entirely: |y| < 2^(y.e)
        }
        let mut buf = [0u64; LEN];
        buf[G..G + LIMBS].copy_from_slice(&x.m);
        let mut lost = false;
        let mut ys = [0u64; LEN];
        {
            let (ws, bs) = ((d / 64) as usize, (d % 64) as u32);
            // y's words placed at G..G+LIMBS, then shifted right by d bits.
            for (k, &w) in y.m.iter().enumerate() {
                let pos = (G + k) as isize - ws as isize;
                if bs == 0 {
                    if pos >= 0 {
                        ys[pos as usize] |= w;
                    } else {
                        lost |= w != 0;
                    }
                } else {
                    if pos >= 0 {
                        ys[pos as usize] |= w >> bs;
                    } else {
                        lost |= w >> bs != 0;
                    }
                    if pos >= 1 {
                        ys[pos as usize - 1] |= w << (64 - bs);
                    } else {
                        lost |= w << (64 - bs) != 0;
                    }
                }
            }
        }
        if x.neg == y.neg {
            let mut carry = false;
            for (a, &b) in buf.iter_mut().zip(&ys) {
                let (s1, c1) = a.overflowing_add(b);
                let (s2, c2) = s1.overflowing_add(u64::from(carry));
                *a = s2;
                carry = c1 || c2;
            }
        } else {
            // |x| >= |y| >= the truncated y: no final borrow.
            let mut borrow = false;
            for (a, &b) in buf.iter_mut().zip(&ys) {
                let (s1, c1) = a.overflowing_sub(b);
                let (s2, c2) = s1.overflowing_sub(u64::from(borrow));
                *a = s2;
                borrow = c1 || c2;
            }
        }
        let (r, exact) = Wide::from_words(x.neg, &buf, unit + 64 * LEN as i64);
        let ulp = r.e - BITS;
        let err = match (lost, exact) {
            (false, true) => None,
            (true, true) => Some(unit),
            (false, false) => Some(ulp),
            (true, false) => Some(unit.max(ulp) + 1),
        };
        (r, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_exact_flags() {
        for x in [1.0, -3.5, 1e-300, 5e-324, 123456789.0, f64::MAX] {
            let w = Wide::from_f64(x);
            assert!(w.approx() == x || x.abs() < 1e-290 || x.abs() > 1e290);
            assert!((w.log2() - x.abs().log2()).abs() < 1e-12);
        }
        let third = Wide::from_i64(1).div_word(3);
        assert!(!third.1);
        // The truncated third times 3 is 1 - 2^-BITS (exactly: BITS one bits).
        let (p, exact) = third.0.mul(&Wide::from_i64(3));
        assert!(
            exact && p.cmp(&Wide::from_i64(1)) == Ordering::Less && p.words().iter().all(|&w| w == u64::MAX)
        );
        let (s, err) = Wide::from_i64(1).add(&Wide::from_f64(-0.25));
        assert_eq!((s.approx(), err), (0.75, None));
        let (s, err) = Wide::from_i64(1).add(&Wide::from_f64(2f64.powi(-600)));
        assert_eq!((s.approx(), err), (1.0, Some(-599)));
        let (s, err) = Wide::from_i64(1).add(&Wide::from_f64(2f64.powi(-200)));
        assert_eq!((s, err), (Wide::from_i64(1), Some(1 - BITS))); // truncated to the last place
    }
}
