//! The reference's first Ziv pass: ball arithmetic on 192-bit truncating floats, the same
//! algorithms as `mp.rs` at a fixed precision with every operand on the stack. Inputs that do not
//! fit (huge exponential arguments, results outside the normal `f64` range, near-ties) make the
//! pass give up, and `mp.rs` takes over; the two must agree wherever both answer
//! (tests/reference.rs).
//!
//! * `wide.rs`: [`Wide`](wide::Wide), the truncating float;
//! * `ball.rs`: [`WBall`], a `Wide` with a relative error bound, and the sum and product;
//! * `kernels.rs`: the constants and tables, division, `exp`, `ln` and their relatives;
//! * `rounding.rs`: the final rounding to `f64` and to 40 decimal digits.

mod ball;
mod kernels;
mod rounding;
mod wide;

use ball::{add, mul, WBall};
use kernels::{consts, TARGET_BITS};
use wide::BITS;

use super::arith::{Arith, Memo, Val};
use super::dyadic::F;

/// The 192-bit working precision, with the kernel results of one evaluation.
pub(crate) struct WideCtx {
    memo: Memo<WBall>,
}

impl WideCtx {
    pub fn new() -> Self {
        WideCtx { memo: Memo::new() }
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
        WBall::int(n)
    }
    fn exact(&self, x: &F) -> WBall {
        WBall::from_f(x)
    }
    fn add(&self, a: &WBall, b: &WBall) -> WBall {
        add(a, b)
    }
    fn mul(&self, a: &WBall, b: &WBall) -> WBall {
        mul(a, b)
    }
    fn div(&self, a: &WBall, b: &WBall) -> WBall {
        kernels::div(a, b)
    }
    fn exp(&self, a: &WBall) -> WBall {
        kernels::exp(a)
    }
    fn expm1_nonpos(&self, a: &WBall) -> WBall {
        kernels::expm1_nonpos(a)
    }
    fn ln(&self, a: &WBall) -> WBall {
        kernels::ln(a)
    }
    fn ln_1p(&self, a: &WBall) -> WBall {
        kernels::ln_1p(a)
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
        rounding::finalize(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::arith::Num;
    use crate::reference::dyadic::{exact_add, f, log2_abs, lsum};
    use crate::reference::mp::{Ball, Ctx};
    use dashu_int::{IBig, UBig};
    use wide::Wide;

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
        let pair = |x: f64| (w.exact(&f(x)), Ball::exact(f(x)));
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
