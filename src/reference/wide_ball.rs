//! The reference's first Ziv pass: ball arithmetic on [`Wide`] (192-bit truncating floats) with the
//! relative error bound kept as a plain `f64`, elementary functions built from those operations, and
//! the final rounding to `f64` and to 40 decimal digits. Every bound below is an upper bound:
//! bookkeeping in `f64` is rounded up by [`up`], and a bound that would underflow is raised to
//! [`FLOOR`] (far below the `2^-255` of any rounded operation). Inputs that do not fit (huge
//! exponential arguments, results outside the normal `f64` range, near-ties) make the pass give up,
//! and `mp.rs` takes over; the two must agree wherever both answer (tests/reference.rs).

use std::sync::OnceLock;

use dashu_int::ops::UnsignedAbs;
use dashu_int::Sign;

use super::arith::{Arith, Memo, Num, Val};
use super::mp::{self, F, FIRST_ORDER};
use super::wide::{Wide, BITS, LIMBS, U};

/// Lower limit of a nonzero bound (keeps bounds from underflowing to "exact").
const FLOOR: f64 = f64::from_bits((1023 - 1000) << 52);
/// Operand bounds above this make the first-order rules invalid (as in `mp.rs`).
const FIRST_ORDER_LIN: f64 = f64::from_bits(((1023 + FIRST_ORDER as i64) as u64) << 52);
/// Exponential arguments beyond this are left to `mp.rs`.
const EXP_MAX: f64 = 1048576.0;

/// Rounds a bound computed in `f64` up past its own rounding errors (a few ulps of `f64`).
fn up(e: f64) -> f64 {
    if e == 0.0 {
        0.0
    } else {
        e * (1.0 + 1e-12) + FLOOR
    }
}

/// `2^k` as an `f64` for an integer `k` (0 below the range, `inf` above).
fn exp2i(k: i64) -> f64 {
    if k < -1022 {
        0.0
    } else if k > 1023 {
        f64::INFINITY
    } else {
        f64::from_bits(((k + 1023) as u64) << 52)
    }
}

/// Upper bound on `|a| / |b|` for nonzero `a`, `b` (leading words as `f64`, exponents apart).
fn ratio(a: &Wide, b: &Wide) -> f64 {
    let top = |w: &Wide| w.words()[LIMBS - 1] as f64;
    (top(a) + 1.0) / top(b) * exp2i(a.exp2_top() - b.exp2_top()) * (1.0 + 1e-12)
}

/// A ball: `|x - v| <= |v| e`; `e = 0` exact, `e = inf` unusable.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WBall {
    v: Wide,
    e: f64,
}

impl WBall {
    fn exact(v: Wide) -> Self {
        WBall { v, e: 0.0 }
    }
    /// The ball of a value computed with relative bound `e` (0 when exact).
    fn new(v: Wide, e: f64) -> Self {
        WBall { v, e: up(e) }
    }
    /// Widens by a relative `d`: `(1 + e)(1 + d) - 1`.
    fn widen(self, d: f64) -> Self {
        WBall::new(self.v, self.e + d + self.e * d)
    }
    /// Upper bound on the absolute error, `2^top e` (`inf` if it does not fit, the smallest
    /// subnormal if it is smaller, NaN for an unusable ball).
    fn abs_err(&self) -> f64 {
        if self.e == 0.0 {
            return 0.0;
        }
        let l = self.v.exp2_top() as f64 + self.e.log2();
        if l < -1074.0 {
            f64::from_bits(1)
        } else {
            l.exp2() * (1.0 + 1e-12)
        }
    }
}

impl Num for WBall {
    fn unusable() -> Self {
        WBall { v: Wide::from_i64(1), e: f64::INFINITY }
    }
    fn lrel(&self) -> f64 {
        if self.e.is_nan() {
            f64::INFINITY
        } else {
            self.e.log2()
        }
    }
    fn with_lrel(&self, lrel: f64) -> Self {
        let e = if lrel == f64::NEG_INFINITY { 0.0 } else { (lrel.exp2() * (1.0 + 1e-12)).max(FLOOR) };
        WBall { v: self.v, e: if lrel.is_nan() { f64::INFINITY } else { e } }
    }
    fn l2(&self) -> f64 {
        self.v.log2()
    }
    fn approx(&self) -> f64 {
        self.v.approx()
    }
    fn is_zero(&self) -> bool {
        self.v.is_zero()
    }
    fn mid_sign(&self) -> Sign {
        if self.v.is_neg() {
            Sign::Negative
        } else {
            Sign::Positive
        }
    }
    fn neg(&self) -> Self {
        WBall { v: self.v.neg(), e: self.e }
    }
    fn scale2(&self, k: isize) -> Self {
        WBall { v: self.v.scale2(k as i64), e: self.e }
    }
    fn mid_ge(&self, other: &Self) -> bool {
        self.v.cmp(&other.v) != std::cmp::Ordering::Less
    }
    fn same(&self, other: &Self) -> bool {
        self.v == other.v && self.e.to_bits() == other.e.to_bits()
    }
    /// `|x| <= |v| (1 + e) < 2^top e^e`: no logarithm needed (at most a bit looser).
    fn l2_upper(&self) -> f64 {
        self.v.exp2_top() as f64 + self.e * std::f64::consts::LOG2_E * (1.0 + 1e-12)
    }
}

/// First `i` of the table of `ln(i/32)` (`round(32 m)` for `m >= 1/sqrt2`).
const LN_TABLE_FIRST: i64 = 23;
/// Last `i` of the table (`round(32 m)` for `m < sqrt2`).
const LN_TABLE_LAST: i64 = 45;

/// The accuracy the pass aims at: series (here and in the generic kernels) stop once their tail
/// is below `2^-(TARGET_BITS + 8)` of the sum. 40 digits need 133 bits; the margin keeps near-ties,
/// which send a value to `mp.rs`, rare, while the arithmetic's own `BITS` absorb rounding and
/// cancellation.
const TARGET_BITS: i64 = 160;
/// See [`TARGET_BITS`].
const SERIES_BITS: i64 = TARGET_BITS + 8;

/// Size of the table of reciprocals.
const RECIPS: u64 = 1024;

/// The constants at the working width, each rounded once from a 384-bit `mp` ball.
struct Consts {
    /// `ln(i/32)` for `i` in `LN_TABLE_FIRST..=LN_TABLE_LAST` (`ln(32/32) = 0` exactly).
    ln_32ths: Vec<WBall>,
    /// `1/n` for `n < RECIPS`, each within `2U` (the series divide by small integers: a product
    /// costs a fraction of a multi-word division).
    recips: Vec<WBall>,
    /// `1/i!` for the Taylor series of `exp`, each within `2iU` (one division per factor).
    inv_fact: Vec<WBall>,
    ln2: WBall,
    ln10: WBall,
    ln_sqrt_2pi: WBall,
    inv_sqrt_2pi: WBall,
    sqrt_2_over_pi: WBall,
    tanh_cubic: WBall,
    sqrt2: WBall,
    /// `10^j` for every `j` whose power is exact at this width (`5^j < 2^BITS`).
    pow10: Vec<Wide>,
}

fn consts() -> &'static Consts {
    static K: OnceLock<Consts> = OnceLock::new();
    K.get_or_init(|| {
        let c = mp::Ctx::new(384);
        let w = |b: mp::Ball| {
            let x = WideCtx::new().exact(&b.mid);
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

/// The 192-bit working precision, with the kernel results of one evaluation.
pub(crate) struct WideCtx {
    memo: Memo<WBall>,
}

impl WideCtx {
    pub fn new() -> Self {
        WideCtx { memo: Memo::new() }
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

    /// `exp(v)` of an exact `v` with `|v| <= EXP_MAX`: `v = k ln2 + r`, `exp(r) =
    /// (sum_(i<n) (r/2^8)^i / i!)^(2^8)` (Horner with tabulated `1/i!`), times `2^k`. The
    /// reduction's error (the rounding of `k ln2` and of the subtraction, absolute) is a relative
    /// error `e^d - 1` of the result.
    fn exp_exact(&self, v: &Wide) -> WBall {
        const S: i64 = 8;
        let k = (v.approx() / std::f64::consts::LN_2).round() as i64;
        let kl = self.mul(&self.int(k), &consts().ln2);
        let r = self.add(&WBall::exact(*v), &kl.neg());
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
            p = self.add(c, &self.mul(&rb, &p));
        }
        let mut p = p.widen(4.0 * term * (1.0 + 1e-12));
        for _ in 0..S {
            p = self.mul(&p, &p);
        }
        let out = WBall { v: p.v.scale2(k), e: p.e };
        out.widen(d * (1.0 + 2.0 * d))
    }

    /// `2 atanh(t) = 2t sum_(i<=n) t^(2i) / (2i+1)` for a ball `|t| <= 0.18` (Horner in `t^2`
    /// with tabulated `1/(2i+1)`). `n` is chosen up front so that the tail,
    /// `t^(2n+2) / ((2n+3)(1 - t^2))`, is below `2^-SERIES_BITS`; the sum is at least 1.
    fn two_atanh(&self, t: &WBall) -> WBall {
        let t2 = self.mul(t, t);
        // log2 of the tail after term n, with 1 - t^2 >= 0.96.
        let lt2 = t2.v.log2() + t2.e;
        let ltail = |n: usize| (n + 1) as f64 * lt2 - ((2 * n + 3) as f64).log2() - 0.96f64.log2();
        let Some(n) = (0..200).find(|&n| ltail(n) < -SERIES_BITS as f64) else {
            return WBall::unusable();
        };
        let recips = &consts().recips;
        let mut p = recips[2 * n + 1];
        for i in (0..n).rev() {
            p = self.add(&recips[2 * i + 1], &self.mul(&t2, &p));
        }
        let p = p.widen((ltail(n) + 1e-9).exp2() + FLOOR);
        self.mul(t, &p).scale2(1)
    }

    /// `ln(v)` of an exact positive `v`: `v = 2^j m` with `m` in `[1/sqrt2, sqrt2)`, `i =
    /// round(32 m)` in `23..=45`, `ln m = ln(i/32) + 2 atanh(t)` with `t = (32m - i)/(32m + i)`
    /// (exact numerator and denominator, `|t| <= 1/90`: about 13 bits per series term). Near
    /// `v = 1` the table term is exactly 0 (`i = 32`), so `ln v` keeps its full relative accuracy.
    fn ln_exact(&self, v: &Wide) -> WBall {
        let mut j = v.exp2_top();
        let mut m = v.scale2(-j);
        if m.approx() < std::f64::consts::FRAC_1_SQRT_2 {
            m = m.scale2(1);
            j -= 1;
        }
        let i = (m.approx() * 32.0).round() as i64;
        let (m32, ci) = (WBall::exact(m.scale2(5)), self.int(i));
        let t = self.div(&self.sub(&m32, &ci), &self.add(&m32, &ci));
        let s = if t.is_zero() { t } else { self.two_atanh(&t) };
        let table = consts().ln_32ths[(i - LN_TABLE_FIRST) as usize];
        self.add(&self.add(&self.mul(&self.int(j), &consts().ln2), &table), &s)
    }

    /// `a / n` for a word-sized `n > 0`: exact scaling for powers of two; a product with the
    /// tabulated reciprocal for small `n` (the series' divisors; at most `2U` from the table and
    /// `U` from the product); otherwise quotient digits beyond `BITS` then one truncation, at most
    /// `2U` relative together.
    fn div_word(&self, a: &WBall, n: u64) -> WBall {
        if n.is_power_of_two() {
            return WBall { v: a.v.scale2(-i64::from(n.trailing_zeros())), e: a.e };
        }
        if let Some(r) = consts().recips.get(n as usize) {
            return self.mul(a, r);
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
}

impl Arith for WideCtx {
    type B = WBall;

    fn bits(&self) -> usize {
        TARGET_BITS as usize
    }
    fn lu(&self) -> f64 {
        (1 - BITS) as f64
    }
    fn int(&self, n: i64) -> WBall {
        WBall::exact(Wide::from_i64(n))
    }
    fn exact(&self, x: &F) -> WBall {
        let sig = x.repr().significand();
        let mag = sig.unsigned_abs();
        let words = mag.as_words();
        let e_top = x.repr().exponent() as i64 + 64 * words.len() as i64;
        let (v, exact) = Wide::from_words(sig.sign() == Sign::Negative, words, e_top);
        WBall { v, e: if exact { 0.0 } else { U } }
    }

    fn add(&self, a: &WBall, b: &WBall) -> WBall {
        let (v, err) = a.v.add(&b.v);
        if v.is_zero() {
            // The midpoint 0 is kept (as `mp.rs` does): callers may bound `|d|` absolutely.
            let exact = a.e == 0.0 && b.e == 0.0 && err.is_none();
            return WBall { v, e: if exact { 0.0 } else { f64::INFINITY } };
        }
        // |x - v| <= |a| ea + |b| eb + 2^err, divided by |v| >= 2^(top - 1).
        let mut e = 0.0;
        if a.e != 0.0 {
            e += ratio(&a.v, &v) * a.e;
        }
        if b.e != 0.0 {
            e += ratio(&b.v, &v) * b.e;
        }
        if let Some(k) = err {
            e += exp2i(k - (v.exp2_top() - 1));
        }
        WBall::new(v, e)
    }

    fn mul(&self, a: &WBall, b: &WBall) -> WBall {
        if (a.v.is_zero() && a.e == 0.0) || (b.v.is_zero() && b.e == 0.0) {
            return WBall::exact(Wide::ZERO);
        }
        let (v, exact) = a.v.mul(&b.v);
        if a.e > FIRST_ORDER_LIN || b.e > FIRST_ORDER_LIN || a.e.is_nan() || b.e.is_nan() {
            return WBall { v, e: f64::INFINITY };
        }
        let r = if exact { 0.0 } else { U };
        WBall::new(v, a.e + b.e + a.e * b.e + r * (1.0 + a.e + b.e + a.e * b.e))
    }

    fn div(&self, a: &WBall, b: &WBall) -> WBall {
        if b.v.is_zero() || b.e > FIRST_ORDER_LIN || b.e.is_nan() {
            return WBall::unusable();
        }
        if let Some(n) = Self::as_word(b) {
            return self.div_word(a, n);
        }
        let (y, eps) = Self::recip(&b.v);
        // 1/B = (1/b)(1 + beta'), |beta'| <= eb / (1 - eb) <= eb (1 + 2^-19).
        let inv = WBall::new(y, eps + b.e * (1.0 + 2f64.powi(-19)) + eps * b.e * 2.0);
        self.mul(a, &inv)
    }

    fn exp(&self, a: &WBall) -> WBall {
        if a.v.is_zero() && a.e == 0.0 {
            return self.int(1);
        }
        let d = a.abs_err(); // an absolute error d of the argument is a relative e^d - 1
        if a.v.approx().abs() > EXP_MAX || d > FIRST_ORDER_LIN || d.is_nan() {
            return WBall::unusable();
        }
        self.exp_exact(&a.v).widen(d * (1.0 + 2.0 * d))
    }

    fn expm1_nonpos(&self, a: &WBall) -> WBall {
        if a.v.is_zero() && a.e == 0.0 {
            return WBall::exact(Wide::ZERO);
        }
        if a.is_unusable() || !a.v.is_neg() || a.sign().is_none() || a.v.approx() < -EXP_MAX {
            return WBall::unusable();
        }
        let x = WBall::exact(a.v);
        let mid = if a.v.approx() < -2f64.powi(-12) {
            // e^x - 1 loses at most 12 bits to cancellation, which the ball tracks.
            self.sub(&self.exp_exact(&a.v), &self.int(1))
        } else {
            // sum_(i>=1) x^i / i!: ratios <= 2^-12, so the tail is below the last term.
            let (mut t, mut s) = (x, x);
            let stop = x.v.log2() - SERIES_BITS as f64;
            for i in 2u64.. {
                t = self.div_word(&self.mul(&t, &x), i);
                s = self.add(&s, &t);
                if t.v.log2() < stop {
                    break;
                }
            }
            s.widen(2.0 * exp2i(-SERIES_BITS))
        };
        // |expm1(A) - expm1(x)| <= e^(|x| ea) |x| ea while |expm1(x)| >= |x| e^x: relative ea(1 + 2|x|ea).
        mid.widen(a.e * (1.0 + 2.0 * a.abs_err()))
    }

    fn ln(&self, a: &WBall) -> WBall {
        if !a.is_positive() || a.is_unusable() {
            return WBall::unusable();
        }
        let out = self.ln_exact(&a.v);
        // A relative error ea of the argument is an absolute ea(1 + 2ea) of the logarithm.
        self.abs_widen(out, a.e * (1.0 + 2.0 * a.e))
    }

    fn ln_1p(&self, a: &WBall) -> WBall {
        if a.v.is_zero() && a.e == 0.0 {
            return WBall::exact(Wide::ZERO);
        }
        // The propagation rule below needs |x| ea <= 2^-20 (as the other first-order rules).
        if a.is_unusable() || a.v.approx() < -0.5 || a.abs_err().is_nan() || a.abs_err() > FIRST_ORDER_LIN {
            return WBall::unusable();
        }
        let x = WBall::exact(a.v);
        let out = if a.v.approx().abs() >= 2f64.powi(-6) {
            self.ln(&self.add(&self.int(1), &x))
        } else {
            // ln(1 + x) = 2 atanh(x / (2 + x)), |x / (2 + x)| < 2^-6.9.
            self.two_atanh(&self.div(&x, &self.add(&self.int(2), &x)))
        };
        // |ln(1 + A) - ln(1 + x)| <= |x| ea / (1 - |x| - |x| ea) <= 2.1 |x| ea for x >= -1/2.
        self.abs_widen(out, 2.1 * a.abs_err())
    }

    fn ln2(&self) -> WBall {
        consts().ln2
    }
    fn ln10(&self) -> WBall {
        consts().ln10
    }
    fn ln_sqrt_2pi(&self) -> WBall {
        consts().ln_sqrt_2pi
    }
    fn inv_sqrt_2pi(&self) -> WBall {
        consts().inv_sqrt_2pi
    }
    fn sqrt_2_over_pi(&self) -> WBall {
        consts().sqrt_2_over_pi
    }
    fn tanh_cubic(&self) -> WBall {
        consts().tanh_cubic
    }
    fn sqrt2(&self) -> WBall {
        consts().sqrt2
    }
    fn memo(&self) -> &Memo<WBall> {
        &self.memo
    }

    fn finalize(&self, v: &Val<WBall>) -> Option<(f64, String)> {
        match v {
            Val::Lin(b) => {
                if b.v.is_zero() {
                    return (b.e == 0.0).then(|| (0.0, mp::special_digits(0.0)));
                }
                if b.e.is_nan() || b.e >= 2f64.powi(-64) {
                    return None;
                }
                Some((round_f64(b)?, digits40(self, b)?))
            }
            Val::Exp { neg, l } => {
                if l.approx().abs() > 700.0 {
                    return None; // beyond the normal f64 range: left to mp.rs
                }
                let e = self.exp(l);
                self.finalize(&Val::Lin(if *neg { e.neg() } else { e }))
            }
        }
    }
}

impl WideCtx {
    /// Widens a ball by an absolute error `d` (unusable if the ball is 0).
    fn abs_widen(&self, b: WBall, d: f64) -> WBall {
        if d == 0.0 {
            return b;
        }
        if b.v.is_zero() || d.is_nan() {
            return WBall::unusable();
        }
        b.widen((d.log2() - b.v.log2() + 1e-9).exp2() + FLOOR)
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

/// The correctly rounded 40 significant digits, formatted as `mp` does, or `None` near a tie.
fn digits40(c: &WideCtx, b: &WBall) -> Option<String> {
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
        let p = (0..q).fold(WBall::exact(k.pow10[r]), |p, _| c.mul(&p, &WBall::exact(k.pow10[m as usize])));
        let y = if s >= 0 { c.mul(&abs, &p) } else { c.div(&abs, &p) };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::mp::{exact_add, log2_abs, lsum, Ball, Ctx};
    use dashu_int::{IBig, UBig};

    /// The exact dyadic value of a `Wide`.
    fn to_f(w: &Wide) -> F {
        let mag = IBig::from(UBig::from_words(w.words()));
        F::from_parts(if w.is_neg() { -mag } else { mag }, (w.exp2_top() - BITS) as isize)
    }

    /// Whether the balls overlap: `|m - w| <= |w| e_w + |m| e_m` (each op's result must contain
    /// the exact value, which the 1024-bit ball pins down to `2^-1000`).
    fn overlaps(w: &WBall, m: &Ball) -> bool {
        let d = exact_add(&m.mid, &-to_f(&w.v));
        let bound = lsum(&[w.v.log2() + w.e.log2(), m.l2() + m.lrel]) + 1e-9;
        log2_abs(&d) <= bound
    }

    /// splitmix64 stream of `f64` arguments of several magnitudes (fixed seed).
    fn args(seed: u64, lo: f64, hi: f64, n: usize) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = s;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                z ^= z >> 31;
                lo + (hi - lo) * (z >> 11) as f64 * 2f64.powi(-53)
            })
            .collect()
    }

    /// Every operation's ball contains the exact result, for exact operands and for operands
    /// that carry errors from earlier operations (propagation), over thousands of arguments.
    #[test]
    fn every_operation_contains_the_exact_result() {
        let (w, m) = (WideCtx::new(), Ctx::new(1024));
        let pair = |x: f64| (w.exact(&mp::f(x)), Ball::exact(mp::f(x)));
        let xs = args(1, -50.0, 50.0, 400);
        let ys = args(2, -3.0, 3.0, 400);
        let mut checked = 0;
        for (&x, &y) in xs.iter().zip(&ys) {
            let ((wx, mx), (wy, my)) = (pair(x), pair(y));
            // Inexact operands: a third, then the same ops; and exact operands of full width (the
            // truncated thirds taken as exact), so that every truncation shows.
            let (wt, mt) = (w.div(&wx, &w.int(3)), m.div(&mx, &Ball::int(3)));
            let (wf, mf) = (WBall::exact(wt.v), Ball::exact(to_f(&wt.v)));
            let (wg, mg) =
                (WBall::exact(w.div(&wy, &w.int(7)).v), Ball::exact(to_f(&w.div(&wy, &w.int(7)).v)));
            let operands =
                [(&wx, &mx, &wy, &my), (&wt, &mt, &wy, &my), (&wt, &mt, &wt, &mt), (&wf, &mf, &wg, &mg)];
            for (a, ma, b, mb) in operands {
                let big = 1_000_003; // beyond the reciprocal table: multi-word division
                let cases = [
                    (w.add(a, b), m.add(ma, mb)),
                    (w.sub(a, b), m.sub(ma, mb)),
                    (w.mul(a, b), m.mul(ma, mb)),
                    (w.div(a, b), m.div(ma, mb)),
                    (w.div(a, &w.int(big)), m.div(ma, &Ball::int(big))),
                ];
                for (wr, mr) in cases {
                    assert!(overlaps(&wr, &mr), "{x} {y}: {wr:?} vs {mr:?}");
                    checked += 1;
                }
                let e = (w.exp(a), m.exp(ma));
                assert!(overlaps(&e.0, &e.1), "exp({x})");
                let (wa, ma_abs) = (
                    WBall { v: a.v.abs(), e: a.e },
                    Ball {
                        mid: if ma.mid < F::ZERO { -ma.mid.clone() } else { ma.mid.clone() },
                        lrel: ma.lrel,
                    },
                );
                let l = (w.ln(&wa), m.ln(&ma_abs));
                assert!(overlaps(&l.0, &l.1), "ln({x})");
                checked += 2;
            }
            // ln_1p on [-1/2, 4], expm1 on (-50, 0), also at tiny arguments.
            for (a, ma) in [pair(y.abs() - 0.5), pair((y + 3.0) * 2f64.powi(-30) - 2f64.powi(-29))] {
                let r = (w.ln_1p(&a), m.ln_1p(&ma));
                assert!(r.0.is_unusable() || overlaps(&r.0, &r.1), "ln_1p({:?})", a.v.approx());
                checked += 1;
            }
            for (a, ma) in [pair(-x.abs() - 1e-3), pair(-(y.abs() + 1e-3) * 2f64.powi(-20))] {
                let r = (w.expm1_nonpos(&a), m.expm1_nonpos(&ma));
                assert!(overlaps(&r.0, &r.1), "expm1({:?})", a.v.approx());
                checked += 1;
            }
        }
        assert!(checked > 9000);
    }
}
