//! The exact beta schedules of improved-diffusion's `get_named_beta_schedule`, with its constants read
//! as the real numbers they denote (true pi, decimal `1e-4`, `0.02`, `0.008`, `0.999`, `1000 / T` as
//! a rational; docs/golden-format.md, "Beta schedules"):
//!
//! * `linear`: `np.linspace(s 1e-4, s 0.02, T)` with `s = 1000 / T` is the rational
//!   `beta_i = (T - 1 + 199 i) / (10 T (T - 1))` (`0.1` for `T = 1`), rounded directly;
//! * `cosine`: `beta_i = min(1 - abar((i + 1) / T) / abar(i / T), 0.999)` with
//!   `abar(t) = cos((t + 0.008) / 1.008 pi / 2)^2`. The cosine of an angle near `pi / 2` is formed as
//!   the sine of its complement, whose argument `(1 - t) / 1.008 pi / 2 = (T - i) 125 / (126 T) pi / 2`
//!   is an exact rational times pi: no cancellation before the series.

use dashu_int::UBig;

use super::arith::{Arith, Num, Val};
use super::exact_rounding::finalize_ratio;
use super::mp::{Ball, Ctx};
use super::types::Exact;
use super::ziv::arbitrary_precision;
pub use crate::upstream::schedule::Schedule;

/// `sin(x)` for an exact-or-ball `0 <= x <= 2` by its Taylor series: the terms decrease from the first
/// on (`x^2 < (2k + 2)(2k + 3)`) and alternate, so the first omitted term bounds the remainder, which
/// is added to the ball as an absolute error.
pub(crate) fn sin(c: &Ctx, x: &Ball) -> Ball {
    if x.is_zero() && x.is_exact() {
        return x.clone();
    }
    let x2 = c.sqr(x);
    let (mut term, mut sum) = (x.clone(), x.clone());
    let stop = -(c.bits() as f64) - 8.0;
    for k in 1i64.. {
        term = c.div(&c.mul(&term, &x2), &Ball::int(-(2 * k) * (2 * k + 1)));
        sum = c.add(&sum, &term);
        if term.is_unusable() || term.l2() - sum.l2() < stop {
            // The next term, bounded from the current one's magnitude (one bit of margin covers the
            // ball's radius).
            let next = term.l2() + 1.0 + x2.l2() - (((2 * k + 2) * (2 * k + 3)) as f64).log2();
            return sum.add_abs_err(next);
        }
    }
    unreachable!("the loop returns")
}

/// `0.999`, `max_beta`, correctly rounded.
fn max_beta() -> Exact {
    finalize_ratio(false, &UBig::from(999u32), 0, &UBig::from(1000u32)).into()
}

/// `beta_i` of the cosine schedule with `T` steps, certified by Ziv's loop.
fn cosine_beta(i: u64, steps: u64) -> Result<Exact, String> {
    if i + 1 == steps {
        // abar(1) = cos(pi / 2)^2 = 0 exactly: beta = 1, clipped.
        return Ok(max_beta());
    }
    arbitrary_precision(|c| {
        // sin((T - k) 125 / (126 T) pi / 2) = cos((k / T + 0.008) / 1.008 pi / 2).
        let complement = |k: u64| {
            let q = c.div(&Ball::int(((steps - k) * 125) as i64), &Ball::int((126 * steps) as i64));
            sin(c, &c.mul(&q, &c.pi()).scale2(-1))
        };
        let ratio = c.div(&complement(i + 1), &complement(i));
        let beta = c.sub(&Ball::int(1), &c.sqr(&ratio));
        let limit = c.div(&Ball::int(999), &Ball::int(1000));
        match c.cmp(&beta, &limit)? {
            std::cmp::Ordering::Less => c.finalize(&Val::Lin(beta)).map(Exact::from),
            _ => Some(max_beta()),
        }
    })
}

/// `beta_i` of the linear schedule: `(T - 1 + 199 i) / (10 T (T - 1))`, or `0.1` for `T = 1`.
fn linear_beta(i: u64, steps: u64) -> Exact {
    let (num, den) = if steps == 1 { (1, 10) } else { (steps - 1 + 199 * i, 10 * steps * (steps - 1)) };
    finalize_ratio(false, &UBig::from(num), 0, &UBig::from(den)).into()
}

/// Every beta of `schedule` with `steps` timesteps, correctly rounded (the cosine ones by Ziv's loop).
pub(crate) fn betas(schedule: Schedule, steps: u64) -> Result<Vec<Exact>, String> {
    (0..steps)
        .map(|i| match schedule {
            Schedule::Linear => Ok(linear_beta(i, steps)),
            Schedule::Cosine => cosine_beta(i, steps),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 40 digits of `1 - abar((i + 1) / T) / abar(i / T)` by mpmath 1.3.0 at 60 digits (true pi, decimal
    /// constants), computed outside this crate.
    const MPMATH_COSINE: [(u64, u64, &str); 7] = [
        (1000, 0, "4.128422482177780235346442712481930481595e-5"),
        (1000, 500, "3.155691441585002907761016061739880123127e-3"),
        (1000, 998, "7.499993929011620277827678502207759188289e-1"),
        (4000, 0, "9.865818813591632519739379216332127618371e-6"),
        (4000, 3998, "7.499999620563802155402631272028028472941e-1"),
        (50, 25, "6.304977735063308500074936655243730823279e-2"),
        (3, 1, "6.682546795866294919810175068095623817201e-1"),
    ];

    #[test]
    fn cosine_betas_match_mpmath_to_40_digits_and_the_last_is_clipped() {
        for (steps, i, digits) in MPMATH_COSINE {
            let betas = betas(Schedule::Cosine, steps).unwrap();
            assert_eq!(betas[i as usize].digits, digits, "T = {steps}, i = {i}");
            assert_eq!(betas[i as usize].value, digits.parse::<f64>().unwrap(), "T = {steps}, i = {i}");
            assert_eq!(betas[steps as usize - 1].value, 0.999, "T = {steps}: max_beta");
        }
    }

    #[test]
    fn linear_betas_are_the_decimal_linspace() {
        // scale * 1e-4 + i (scale * 0.02 - scale * 1e-4) / (T - 1), scale = 1000 / T, by hand.
        let cases = [(1u64, 0u64, 0.1), (2, 1, 10.0), (1000, 0, 1e-4), (1000, 999, 0.02), (20, 19, 1.0)];
        for (steps, i, want) in cases {
            assert_eq!(
                betas(Schedule::Linear, steps).unwrap()[i as usize].value,
                want,
                "T = {steps}, i = {i}"
            );
        }
        // T = 1000, i = 1: (999 + 199) / 9990000 = 1.1992e-4 (1198 / 9990000 in lowest terms 599 / 4995000).
        let b = &betas(Schedule::Linear, 1000).unwrap()[1];
        assert_eq!(b.digits, "1.199199199199199199199199199199199199199e-4");
    }

    #[test]
    fn sine_series_is_exact_at_zero_and_certifies_sin_one() {
        let c = Ctx::new(192);
        let zero = Ball::int(0);
        assert!(sin(&c, &zero).is_zero() && sin(&c, &zero).is_exact());
        // sin(1) = 0.8414709848078965066525023216302989996226 (Abramowitz & Stegun, Table 4.6).
        let (v, digits) = c.finalize(&Val::Lin(sin(&c, &Ball::int(1)))).unwrap();
        assert_eq!(v, digits.parse::<f64>().unwrap());
        assert_eq!(digits, "8.414709848078965066525023216302989996226e-1");
    }
}
