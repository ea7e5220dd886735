//! The first pass's constants and tables, each rounded once from a 384-bit `mp` ball, and the
//! operations built on them: division (a tabulated reciprocal for small integers, Newton's
//! iteration otherwise), `exp` (Taylor series with tabulated `1/i!`, after argument reduction and
//! squaring), `ln` (a table of `ln(i/32)` plus `2 atanh`) and `ln(1 + x)`, `exp(x) - 1`. Arguments
//! that do not fit (huge exponential arguments, wide balls) give unusable balls: `mp.rs` takes over.

use std::sync::OnceLock;

use super::ball::{add, exp2i, mul, sub, up, WBall, FIRST_ORDER_LIN, FLOOR};
use super::wide::{Wide, LIMBS, U};
use crate::reference::arith::{Arith, Num};
use crate::reference::mp;

/// Exponential arguments beyond this are left to `mp.rs`.
const EXP_MAX: f64 = 1048576.0;

/// First `i` of the table of `ln(i/32)` (`round(32 m)` for `m >= 1/sqrt2`).
const LN_TABLE_FIRST: i64 = 23;
/// Last `i` of the table (`round(32 m)` for `m < sqrt2`).
const LN_TABLE_LAST: i64 = 45;

/// The accuracy the pass aims at: series (here and in the generic kernels) stop once their tail
/// is below `2^-(TARGET_BITS + 8)` of the sum. 40 digits need 133 bits; the margin keeps near-ties,
/// which send a value to `mp.rs`, rare, while the arithmetic's own `BITS` absorb rounding and
/// cancellation.
pub(super) const TARGET_BITS: i64 = 160;
/// See [`TARGET_BITS`].
const SERIES_BITS: i64 = TARGET_BITS + 8;

/// Size of the table of reciprocals.
const RECIPS: u64 = 1024;

/// The constants at the working width, each rounded once from a 384-bit `mp` ball.
pub(super) struct Consts {
    /// `ln(i/32)` for `i` in `LN_TABLE_FIRST..=LN_TABLE_LAST` (`ln(32/32) = 0` exactly).
    ln_32ths: Vec<WBall>,
    /// `1/n` for `n < RECIPS`, each within `2U` (the series divide by small integers: a product
    /// costs a fraction of a multi-word division).
    recips: Vec<WBall>,
    /// `1/i!` for the Taylor series of `exp`, each within `2iU` (one division per factor).
    inv_fact: Vec<WBall>,
    pub ln2: WBall,
    pub ln10: WBall,
    pub ln_sqrt_2pi: WBall,
    pub inv_sqrt_2pi: WBall,
    pub sqrt_2_over_pi: WBall,
    pub tanh_cubic: WBall,
    pub sqrt2: WBall,
    /// `10^j` for every `j` whose power is exact at this width (`5^j < 2^BITS`).
    pub pow10: Vec<Wide>,
}

/// The constants, computed once per process.
pub(super) fn consts() -> &'static Consts {
    static K: OnceLock<Consts> = OnceLock::new();
    K.get_or_init(|| {
        let c = mp::Ctx::new(384);
        let w = |b: mp::Ball| {
            let x = WBall::from_f(&b.mid);
            x.widen(b.lrel().exp2() * (1.0 + 1e-12))
        };
        let ten = Wide::from_i64(10);
        let pow10 = std::iter::successors(Some((Wide::from_i64(1), true)), |(p, _)| Some(p.mul(&ten)))
            .take_while(|&(_, exact)| exact)
            .map(|(p, _)| p)
            .collect();
        let ln_32ths = (LN_TABLE_FIRST..=LN_TABLE_LAST)
            .map(|i| match i {
                32 => WBall::exact(Wide::ZERO),
                _ => w(c.sub(&c.ln(&mp::Ball::int(i)), &c.mul(&mp::Ball::int(5), &c.ln2()))),
            })
            .collect();
        let ball = |(v, exact): (Wide, bool), e: f64| WBall::new(v, if exact { e } else { e + 2.0 * U });
        let recips = (0..RECIPS).map(|n| {
            if n == 0 {
                WBall::exact(Wide::ZERO)
            } else {
                ball(Wide::from_i64(1).div_word(n), 0.0)
            }
        });
        let inv_fact = (1..32).scan(WBall::exact(Wide::from_i64(1)), |f, i| {
            let out = *f;
            *f = ball(f.v.div_word(i), f.e);
            Some(out)
        });
        Consts {
            ln_32ths,
            recips: recips.collect(),
            inv_fact: inv_fact.collect(),
            ln2: w(c.ln2()),
            ln10: w(c.ln10()),
            ln_sqrt_2pi: w(c.ln_sqrt_2pi()),
            inv_sqrt_2pi: w(c.inv_sqrt_2pi()),
            sqrt_2_over_pi: w(c.sqrt_2_over_pi()),
            tanh_cubic: w(c.tanh_cubic()),
            sqrt2: w(c.sqrt2()),
            pow10,
        }
    })
}

/// `1/b` for a nonzero exact `b` by Newton's iteration `y (2 - b y)` from an `f64` seed: a
/// relative error `eps` becomes `eps^2 + 5U` (one truncation in each of the three operations,
/// plus their products), so from `eps <= 2^-51` a few steps (two at 192 bits) reach `6U`.
fn recip(b: &Wide) -> (Wide, f64) {
    let top = (b.words()[LIMBS - 1] as f64) * 2f64.powi(-64); // in [1/2, 1)
    let seed = if b.is_neg() { -1.0 / top } else { 1.0 / top };
    let mut y = Wide::from_f64(seed).scale2(-b.exp2_top());
    let mut eps = 2f64.powi(-51); // f64 conversion, seed division, dropped words
    let two = Wide::from_i64(2);
    while eps > 8.0 * U {
        let by = b.mul(&y).0;
        let t = two.add(&by.neg()).0;
        y = y.mul(&t).0;
        eps = up(eps * eps + 5.0 * U);
    }
    (y, eps)
}

/// `a / n` for a word-sized `n > 0`: exact scaling for powers of two; a product with the
/// tabulated reciprocal for small `n` (the series' divisors; at most `2U` from the table and
/// `U` from the product); otherwise quotient digits beyond `BITS` then one truncation, at most
/// `2U` relative together.
fn div_word(a: &WBall, n: u64) -> WBall {
    if n.is_power_of_two() {
        return WBall { v: a.v.scale2(-i64::from(n.trailing_zeros())), e: a.e };
    }
    if let Some(r) = consts().recips.get(n as usize) {
        return mul(a, r);
    }
    let (v, exact) = a.v.div_word(n);
    if exact {
        WBall { v, e: a.e }
    } else {
        WBall::new(v, a.e + 2.0 * U)
    }
}

/// The word-sized positive integer an exact ball holds, if any.
fn as_word(b: &WBall) -> Option<u64> {
    if b.e != 0.0 || b.v.is_zero() || b.v.is_neg() {
        return None;
    }
    let (w, e) = (b.v.words(), b.v.exp2_top());
    if !(1..=64).contains(&e) || w[..LIMBS - 1].iter().any(|&x| x != 0) {
        return None;
    }
    let top = w[LIMBS - 1];
    (e == 64 || top << e == 0).then(|| top >> (64 - e))
}

/// `a / b` (unusable unless `b` is bounded away from 0).
pub(super) fn div(a: &WBall, b: &WBall) -> WBall {
    if b.v.is_zero() || b.e > FIRST_ORDER_LIN || b.e.is_nan() {
        return WBall::unusable();
    }
    if let Some(n) = as_word(b) {
        return div_word(a, n);
    }
    let (y, eps) = recip(&b.v);
    // 1/B = (1/b)(1 + beta'), |beta'| <= eb / (1 - eb) <= eb (1 + 2^-19).
    let inv = WBall::new(y, eps + b.e * (1.0 + 2f64.powi(-19)) + eps * b.e * 2.0);
    mul(a, &inv)
}

/// `exp(v)` of an exact `v` with `|v| <= EXP_MAX`: `v = k ln2 + r`, `exp(r) =
/// (sum_(i<n) (r/2^8)^i / i!)^(2^8)` (Horner with tabulated `1/i!`), times `2^k`. The
/// reduction's error (the rounding of `k ln2` and of the subtraction, absolute) is a relative
/// error `e^d - 1` of the result.
fn exp_exact(v: &Wide) -> WBall {
    const S: i64 = 8;
    let k = (v.approx() / std::f64::consts::LN_2).round() as i64;
    let kl = mul(&WBall::int(k), &consts().ln2);
    let r = add(&WBall::exact(*v), &kl.neg());
    let d = r.abs_err();
    let rs = r.v.scale2(-S);
    // Terms rho^i / i! until one (`term`, i = n) is below 2^-SERIES_BITS; the rest is at most
    // twice that (ratios <= 1/2) and p >= e^-rho >= 1/2.
    let rho = rs.approx().abs();
    let (mut term, mut n) = (1.0f64, 0usize);
    while term >= exp2i(-SERIES_BITS) {
        n += 1;
        term *= rho / n as f64;
    }
    let inv_fact = &consts().inv_fact;
    if n > inv_fact.len() {
        return WBall::unusable(); // |r| is at most ln2/2 unless v was not reduced
    }
    let rb = WBall::exact(rs);
    let mut p = inv_fact[n - 1];
    for c in inv_fact[..n - 1].iter().rev() {
        p = add(c, &mul(&rb, &p));
    }
    let mut p = p.widen(4.0 * term * (1.0 + 1e-12));
    for _ in 0..S {
        p = mul(&p, &p);
    }
    let out = WBall { v: p.v.scale2(k), e: p.e };
    out.widen(d * (1.0 + 2.0 * d))
}

/// `2 atanh(t) = 2t sum_(i<=n) t^(2i) / (2i+1)` for a ball `|t| <= 0.18` (Horner in `t^2`
/// with tabulated `1/(2i+1)`). `n` is chosen up front so that the tail,
/// `t^(2n+2) / ((2n+3)(1 - t^2))`, is below `2^-SERIES_BITS`; the sum is at least 1.
fn two_atanh(t: &WBall) -> WBall {
    let t2 = mul(t, t);
    // log2 of the tail after term n, with 1 - t^2 >= 0.96.
    let lt2 = t2.v.log2() + t2.e;
    let ltail = |n: usize| (n + 1) as f64 * lt2 - ((2 * n + 3) as f64).log2() - 0.96f64.log2();
    let Some(n) = (0..200).find(|&n| ltail(n) < -SERIES_BITS as f64) else {
        return WBall::unusable();
    };
    let recips = &consts().recips;
    let mut p = recips[2 * n + 1];
    for i in (0..n).rev() {
        p = add(&recips[2 * i + 1], &mul(&t2, &p));
    }
    let p = p.widen((ltail(n) + 1e-9).exp2() + FLOOR);
    mul(t, &p).scale2(1)
}

/// `ln(v)` of an exact positive `v`: `v = 2^j m` with `m` in `[1/sqrt2, sqrt2)`, `i =
/// round(32 m)` in `23..=45`, `ln m = ln(i/32) + 2 atanh(t)` with `t = (32m - i)/(32m + i)`
/// (exact numerator and denominator, `|t| <= 1/90`: about 13 bits per series term). Near
/// `v = 1` the table term is exactly 0 (`i = 32`), so `ln v` keeps its full relative accuracy.
fn ln_exact(v: &Wide) -> WBall {
    let mut j = v.exp2_top();
    let mut m = v.scale2(-j);
    if m.approx() < std::f64::consts::FRAC_1_SQRT_2 {
        m = m.scale2(1);
        j -= 1;
    }
    let i = (m.approx() * 32.0).round() as i64;
    let (m32, ci) = (WBall::exact(m.scale2(5)), WBall::int(i));
    let t = div(&sub(&m32, &ci), &add(&m32, &ci));
    let s = if t.is_zero() { t } else { two_atanh(&t) };
    let table = consts().ln_32ths[(i - LN_TABLE_FIRST) as usize];
    add(&add(&mul(&WBall::int(j), &consts().ln2), &table), &s)
}

/// `exp(a)`.
pub(super) fn exp(a: &WBall) -> WBall {
    if a.v.is_zero() && a.e == 0.0 {
        return WBall::int(1);
    }
    let d = a.abs_err(); // an absolute error d of the argument is a relative e^d - 1
    if a.v.approx().abs() > EXP_MAX || d > FIRST_ORDER_LIN || d.is_nan() {
        return WBall::unusable();
    }
    exp_exact(&a.v).widen(d * (1.0 + 2.0 * d))
}

/// `exp(a) - 1` for `a <= 0`.
pub(super) fn expm1_nonpos(a: &WBall) -> WBall {
    if a.v.is_zero() && a.e == 0.0 {
        return WBall::exact(Wide::ZERO);
    }
    if a.is_unusable() || !a.v.is_neg() || a.sign().is_none() || a.v.approx() < -EXP_MAX {
        return WBall::unusable();
    }
    let x = WBall::exact(a.v);
    let mid = if a.v.approx() < -2f64.powi(-12) {
        // e^x - 1 loses at most 12 bits to cancellation, which the ball tracks.
        sub(&exp_exact(&a.v), &WBall::int(1))
    } else {
        // sum_(i>=1) x^i / i!: ratios <= 2^-12, so the tail is below the last term.
        let (mut t, mut s) = (x, x);
        let stop = x.v.log2() - SERIES_BITS as f64;
        for i in 2u64.. {
            t = div_word(&mul(&t, &x), i);
            s = add(&s, &t);
            if t.v.log2() < stop {
                break;
            }
        }
        s.widen(2.0 * exp2i(-SERIES_BITS))
    };
    // |expm1(A) - expm1(x)| <= e^(|x| ea) |x| ea while |expm1(x)| >= |x| e^x: relative ea(1 + 2|x|ea).
    mid.widen(a.e * (1.0 + 2.0 * a.abs_err()))
}

/// `ln(a)` for `a > 0`.
pub(super) fn ln(a: &WBall) -> WBall {
    if !a.is_positive() || a.is_unusable() {
        return WBall::unusable();
    }
    let out = ln_exact(&a.v);
    // A relative error ea of the argument is an absolute ea(1 + 2ea) of the logarithm.
    out.widen_abs(a.e * (1.0 + 2.0 * a.e))
}

/// `ln(1 + a)` for `a >= -1/2`.
pub(super) fn ln_1p(a: &WBall) -> WBall {
    if a.v.is_zero() && a.e == 0.0 {
        return WBall::exact(Wide::ZERO);
    }
    // The propagation rule below needs |x| ea <= 2^-20 (as the other first-order rules).
    if a.is_unusable() || a.v.approx() < -0.5 || a.abs_err().is_nan() || a.abs_err() > FIRST_ORDER_LIN {
        return WBall::unusable();
    }
    let x = WBall::exact(a.v);
    let out = if a.v.approx().abs() >= 2f64.powi(-6) {
        ln(&add(&WBall::int(1), &x))
    } else {
        // ln(1 + x) = 2 atanh(x / (2 + x)), |x / (2 + x)| < 2^-6.9.
        two_atanh(&div(&x, &add(&WBall::int(2), &x)))
    };
    // |ln(1 + A) - ln(1 + x)| <= |x| ea / (1 - |x| - |x| ea) <= 2.1 |x| ea for x >= -1/2.
    out.widen_abs(2.1 * a.abs_err())
}
