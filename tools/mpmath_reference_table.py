#!/usr/bin/env python3
"""An external table of reference values (in the manner of SciPy's xsref): every helper of
`ddpm_golden::reference` at a few thousand inputs, computed with mpmath, an implementation that shares
no code with the reference's own two passes (`src/reference`), its cancellation-free forms (differences
of tails or of odd parts, ln_1p of tails) chosen here independently of theirs.

Semantics are the reference's (src/reference/mod.rs): inputs are f64 values taken as exact reals, the
constants 1/255, 1e-12, 0.999, sqrt(2/pi), 0.044715 and ln sqrt(2 pi) are the exact reals, branches are decided
exactly (x < -999/1000, x > 999/1000), the clamp compares the exact probability with exactly 1e-12.
Each value is recorded as its correctly rounded f64 (round-half-even, subnormals and overflow to inf
included) and its first 40 significant decimal digits (round-half-even), in the reference's digit
format. NaN and infinite inputs are left to tests/reference.rs.

Certainty of the roundings: every value is computed at two working precisions (50 digits and twice
that, doubling further on failure up to MAX_DPS); it is accepted only when both give the same f64 and
the same 40 digits and the higher-precision value lies farther from every rounding boundary (f64
midpoints, 40-digit half-units, the clamp threshold) than 16 times the difference between the two
evaluations plus 10^(15 - dps) relative. A value that never passes stops the script. Exact
rationals (`mean_flat_row`) are rounded exactly with fractions.

    python3 -m pip install mpmath
    python3 tools/mpmath_reference_table.py            # write tests/data/mpmath_reference.json
    python3 tools/mpmath_reference_table.py --check    # regenerate and compare with the committed file

`--check` exits 1 naming the first entries that differ (or a stale provenance), 0 when all agree.
`cargo test --test reference_external` requires every reference value to equal the table's f64 bit for
bit and its 40 digits character for character.
"""
import argparse
import hashlib
import json
import math
import pathlib
import struct
import sys
from fractions import Fraction

import mpmath
from mpmath import mp, mpf

ROOT = pathlib.Path(__file__).resolve().parent.parent
TABLE = ROOT / "tests" / "data" / "mpmath_reference.json"
SCHEMA = "ddpm-golden/mpmath-reference/1"
DIGITS = 40
SEED = 0x00DD_0E7E_2026_0013
START_DPS = 50
MAX_DPS = 6400


# ---------------------------------------------------------------- inputs


def splitmix64(state):
    """The next (state, output) of SplitMix64 (Steele, Lea, Flood 2014)."""
    state = (state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return state, z ^ (z >> 31)


class Rng:
    """A fixed stream of inputs from SEED (SplitMix64), independent of Python's `random`."""

    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state, out = splitmix64(self.state)
        return out

    def uniform(self, lo, hi):
        return lo + (hi - lo) * ((self.next() >> 11) * 2.0**-53)

    def below(self, n):
        return self.next() % n


def f32(v):
    """v rounded to float32 (round-half-even), as a float."""
    return struct.unpack("<f", struct.pack("<f", v))[0]


def pixel(k):
    """Pixel level k of 256 in [-1, 1], as the float32 upstream code holds it."""
    return f32(k / 127.5 - 1.0)


def unary_inputs(rng):
    """Arguments of the one-argument functions: a grid over [-40, 40], both tails down to z = -38 and
    far beyond (Phi leaves the normal range at -37.5, the subnormal range at -38.5), tiny and huge."""
    zs = [k / 4 for k in range(-160, 161)]
    zs += [rng.uniform(-40.0, 40.0) for _ in range(60)]
    zs += [rng.uniform(-1.0, 1.0) * 2.0 ** -rng.below(60) for _ in range(20)]
    zs += [-37.5, -37.9, -38.0, -38.3, -38.5, -38.6, -39.0, -45.0, -50.0, -100.0, -1e3, -1e5, -1e10]
    zs += [-1e30, -1e100, -3e300, 8.3, 9.5, 27.0, 27.3, 1e3, 1e10, 1e30, 1e300]
    zs += [2.0**-30, 1e-300, 5e-324, -5e-324, 0.0]
    out = []
    for z in zs:
        if z not in out:
            out.append(z)
    return out


def loglik_inputs(rng):
    """(x, mean, log_scale) spanning every branch: pixel levels, x at the +-0.999 thresholds in f64 and
    f32 (f64 0.999 is below 999/1000, f32 0.999 above), bins across 0, probabilities at the 1e-12 clamp,
    log_scale from -1000 (the reference's limit) to 1e6 (beyond 2000 the reference linearises)."""
    out = []
    # Thresholds: x at and next to +-0.999 in both precisions, with means in and out of the bin.
    for x in [0.999, -0.999, f32(0.999), f32(-0.999), math.nextafter(0.999, 1), math.nextafter(-0.999, -1)]:
        for dm, s in [(0.0, -3.0), (0.002, -4.5), (-0.01, -2.0), (0.3, -1.0)]:
            out.append((x, x + dm, s))
    # log_scale across its range, for edge and interior pixels, calibrated and not.
    scales = [-1000.0, -709.5, -100.0, -20.0, -12.0, -8.0, -5.0, -3.0, -1.0, 0.0, 0.5, 3.0, 10.0, 100.0]
    scales += [700.0, 1999.0, 2000.0, 2001.0, 1e4, 1e6]
    for s in scales:
        for x, m in [(-1.0, -1.0), (1.0, 0.99), (0.0, 0.001), (pixel(128), pixel(128) + 2.0**-12), (0.5, -0.25)]:
            if s < -700 and (x, m) != ((-1.0, -1.0) if s == -1000.0 else (0.0, 0.001)):
                continue  # normalised arguments near e^1000 need thousands of digits: one element each
            out.append((x, m, s))
    # Bins across 0 (|x - mean| < 1/255), and bins with an edge right next to 0.
    for s in [-8.0, -3.0, 0.0, 2.0]:
        for c in [0.0, 1e-9, 0.001, -0.003, f32(1 / 255), -f32(1 / 255), 1 / 255, 0.0039]:
            out.append((0.25, 0.25 - c, s))
    # Probabilities at the clamp: Phi(z) = 1e-12 at z = -7.034483825..., edge and interior.
    z_clamp = float(mp.sqrt(2) * -mp.erfinv(1 - 2 * mpf(10) ** -12))
    for s in [-5.0, -2.0, 0.0]:
        for rel in [0.0, 1e-6, -1e-6, 1e-3, -1e-3]:
            z = z_clamp * (1 + rel)
            out.append((-1.0, -1.0 + 1 / 255 - z * math.exp(s), s))  # edge-left: P = Phi(plus_in)
            out.append((0.0, 0.0 - 1 / 255 - z * math.exp(s), s))  # interior bin far in the upper tail
    # Random pixels, decoder means near and far, log-scales of trained models and beyond.
    for i in range(120):
        x = rng.uniform(-1.0, 1.0) if i % 8 == 0 else pixel(rng.below(256))
        mean = f32(x + rng.uniform(-0.1, 0.1) * 2.0 ** -rng.below(12))
        s = round(rng.uniform(-12.0, 4.0)) * (1.0 if i % 3 == 0 else 0.37)
        out.append((x, mean, s))
    return out


def kl_inputs(rng):
    """(mean1, logvar1, mean2, logvar2): identical Gaussians, tiny and huge log-variance gaps (the
    reference's series and exact-part paths), huge mean gaps, random moderate ones."""
    out = [(0.25, -3.0, 0.25, -3.0), (0.0, 0.0, 0.0, 0.0), (1.0, 0.0, 1.0, 0.0)]
    for k in [1, 5, 10, 20, 30, 40, 52, 60, 100, 300, 1000, 1074]:
        gap = 2.0**-k if k < 1075 else 0.0
        out.append((0.5, 1.0 + gap if k < 52 else gap, 0.5, 1.0 if k < 52 else 0.0))
        out.append((0.0, -gap, 0.0, 0.0))
        out.append((1e-3, -2.0, 1e-3 + gap, -2.0))
    for d in [0.49, 0.5, 0.51, -0.49, -0.5, -0.51, 3.0, -3.0, 30.0, -30.0, 700.0, -700.0]:
        out.append((0.1, d, -0.2, 0.0))
    for d in [1e3, -1e3, 1001.0, -1001.0, 1e4, -1e4, 1e6, -1e6, 1e300, -1e300]:
        out.append((0.0, d, 0.0, 0.0))
        out.append((0.3, d - 5.0, -0.7, -5.0))
    for gap, lv2 in [(1e100, 0.0), (1e300, 0.0), (1e150, -10.0), (1.0, -1e3), (1.0, 1e3), (2.0, -800.0)]:
        out.append((gap, 0.5, 0.0, lv2))
    for _ in range(150):
        m1, m2 = rng.uniform(-3.0, 3.0), rng.uniform(-3.0, 3.0)
        l1 = rng.uniform(-20.0, 5.0)
        l2 = l1 + rng.uniform(-1.0, 1.0) * 2.0 ** -rng.below(40)
        out.append((m1, l1, m2, l2))
    return out


def continuous_inputs(rng):
    """(x, mean, log_scale) of the continuous log-likelihood: x = mean, moderate and huge normalized
    values (the reference's direct and log-domain paths), exp(-log_scale) far below and above the f64
    range, random decoder outputs."""
    out = [(0.25, 0.25, -3.0), (1.0, 0.0, 0.0), (0.5, -0.5, 2.0), (-0.4, -0.4, -800.0)]
    for s in [-700.0, -500.0, -354.0, -355.0, -400.0, -710.0, -1e4, 20.0, 100.0, 499.0, 501.0, 745.0, 1e4]:
        out.append((1.0, -1.0, s))
        out.append((0.0, 1e-30, s))
    for c in [1e-300, 1e-30, 1e30, 1e300]:
        out.append((c, 0.0, 0.0))
    for _ in range(60):
        x = f32(rng.uniform(-1.0, 1.0))
        s = f32(rng.uniform(-8.0, 1.0))
        out.append((x, f32(x - rng.uniform(-4.0, 4.0) * math.exp(s)), s))
    return out


def mass_inputs(rng):
    """(a, b) for ln(Phi(b) - Phi(a)): narrow and wide bins in the body, both tails and across 0."""
    out = []
    for m in [-40.0, -38.0, -20.0, -8.0, -5.5, -3.4, -1.0, -0.25, 0.0, 0.25, 1.0, 3.4, 5.5, 8.0, 20.0, 38.0]:
        for h in [2.0**-30, 2.0**-12, 2.0**-6, 0.025, 0.1, 0.5, 2.0, 8.0]:
            out.append((m - h, m + h))
    for _ in range(60):
        a = rng.uniform(-10.0, 10.0)
        b = a + rng.uniform(0.0, 1.0) * 2.0 ** -rng.below(30)
        if b > a:
            out.append((a, b))
    return out


def mean_inputs(rng):
    """Rows: exact cancellation, an f64 tie, a 40-digit tie, magnitudes across the range."""
    rows = [
        [1e300, -1e300, 2.5, -2.5],
        [1e300, 1.0, -1e300],
        [1.0, 1.0 + 2.0**-52],  # mean 1 + 2^-53: an f64 tie, to even
        [1.0 + 2.0**-41, 0.0, 0.0, 0.0, 0.0],  # (1 + 2^-41)/5: a tie at the 40th digit
        [5e-324, 0.0, 0.0],
        [1.7976931348623157e308, 1.7976931348623157e308],
        [0.1] * 7,
    ]
    for _ in range(40):
        n = 1 + rng.below(20)
        scale = 2.0 ** (rng.below(200) - 100)
        rows.append([rng.uniform(-1.0, 1.0) * scale for _ in range(n)])
    return rows


# ---------------------------------------------------------------- rounding


def exact(v):
    """The float v as an exact mpf."""
    return mpf(v)


def f64_rounding(v):
    """(f64 nearest to the mpf v, ties to even; relative distance of v to the nearest rounding boundary)."""
    if v == 0:
        return (-0.0 if mpmath.sign(v) < 0 else 0.0), math.inf
    sign, man, exp, bc = v._mpf_
    s = -1.0 if sign else 1.0
    top = exp + bc  # |v| in [2^(top-1), 2^top)
    if top > 1026:
        return s * math.inf, math.inf
    if top < -1076:
        return s * 0.0, math.inf
    frac = Fraction(man) * (Fraction(2) ** exp)
    try:
        f = float(frac)
    except OverflowError:
        f = math.inf
    # Boundaries: midpoints to the neighbours (the overflow threshold 2^1024 - 2^970 above MAX).
    if f == math.inf:
        lo_b, hi_b = Fraction(2) ** 1024 - Fraction(2) ** 970, None
    else:
        below, above = math.nextafter(f, 0.0), math.nextafter(f, math.inf)
        lo_b = (Fraction(f) + Fraction(below)) / 2 if f > 0 else None
        hi_b = (Fraction(f) + Fraction(above)) / 2 if above != math.inf else Fraction(2) ** 1024 - Fraction(2) ** 970
    dist = min(abs(frac - b) for b in (lo_b, hi_b) if b is not None)
    return s * f, float(dist / frac)


def fmt_digits(neg, mantissa, exp10):
    """The reference's digit format: `d.ddd…e<exp10>` with DIGITS significant digits."""
    s = str(mantissa)
    assert len(s) == DIGITS, s
    return f"{'-' if neg else ''}{s[0]}.{s[1:]}e{exp10}"


def digits_rounding(v):
    """(40 significant digits of the mpf v, half-even, in the reference's format; relative distance of
    v to the nearest half-unit boundary), at the working precision."""
    if v == 0:
        return ("-0" if mpmath.sign(v) < 0 else "0"), math.inf
    a = abs(v)
    # Far outside the f64 range, 10^-e10 is formed from the fractional part of log10 |v|, which needs
    # as many more digits as the binary exponent has.
    far = abs(a._mpf_[2]) > 10_000
    with mp.workdps(mp.dps + 20 + (len(str(abs(a._mpf_[2]))) if far else 0)):
        log10 = mp.log10(a)
        e10 = int(mp.floor(log10))
        scaled = (lambda k: mp.power(10, log10 - k)) if far else (lambda k: a * mp.power(10, -k))
        m = scaled(e10 - DIGITS + 1)
        while m >= mpf(10) ** DIGITS:
            e10 += 1
            m = scaled(e10 - DIGITS + 1)
        while m < mpf(10) ** (DIGITS - 1):
            e10 -= 1
            m = scaled(e10 - DIGITS + 1)
        n = int(mp.floor(m))
        rest = m - n
        n_round = n + 1 if rest > 0.5 or (rest == 0.5 and n % 2 == 1) else n
        dist = abs(rest - mpf(0.5)) / m / 10  # the half-unit below a power of 10 is 10 times closer
    if n_round == 10**DIGITS:
        n_round, e10 = 10 ** (DIGITS - 1), e10 + 1
    return fmt_digits(mpmath.sign(v) < 0, n_round, e10), float(dist)


def fraction_digits(q):
    """Exact 40 digits of the nonzero rational q, half-even."""
    a = abs(q)
    e10 = math.floor(math.log10(a.numerator) - math.log10(a.denominator))
    for _ in range(3):
        m = a * Fraction(10) ** (DIGITS - 1 - e10)
        if m >= 10**DIGITS:
            e10 += 1
        elif m < 10 ** (DIGITS - 1):
            e10 -= 1
        else:
            break
    n, rest = divmod(m.numerator, m.denominator)
    twice = 2 * rest
    if twice > m.denominator or (twice == m.denominator and n % 2 == 1):
        n += 1
    if n == 10**DIGITS:
        n, e10 = 10 ** (DIGITS - 1), e10 + 1
    return fmt_digits(q < 0, n, e10)


class Uncertain(Exception):
    """A value whose rounding is not settled at MAX_DPS."""


def certify(compute, what):
    """[(f64, digits)] of the mpf values `compute()` returns at the working precision, settled by two
    precisions (see the module docs)."""
    dps = START_DPS
    with mp.workdps(dps):
        prev = compute()
    while dps <= MAX_DPS:
        dps *= 2
        with mp.workdps(dps):
            cur = compute()
            settled, out = True, []
            for p, c in zip(prev, cur):
                if c == 0 and p == 0:
                    out.append(((-0.0 if mpmath.sign(c) < 0 else 0.0), "-0" if mpmath.sign(c) < 0 else "0"))
                    continue
                if c == 0 or p == 0:
                    settled = False
                    break
                diff = abs(p - c) / abs(c)
                slack = float(16 * diff) + 10.0 ** (15 - dps) if diff < 1 else math.inf
                (fp, _), (dp, _) = f64_rounding(p), digits_rounding(p)
                (fc, mf), (dc, md) = f64_rounding(c), digits_rounding(c)
                same = (math.copysign(1, fp) == math.copysign(1, fc)) and (fp == fc) and dp == dc
                if not (same and mf > slack and md > slack):
                    settled = False
                    break
                out.append((fc, dc))
        if settled:
            return out
        prev = cur
    raise Uncertain(f"{what}: not settled at {MAX_DPS} digits")


# ---------------------------------------------------------------- functions (mpmath)


def erfc(x):
    """erfc(x); mpmath's erfc overflows an internal float beyond |x| ~ 1e150, where the incomplete gamma
    function Gamma(1/2, x^2) = sqrt(pi) erfc(|x|) is used instead (erfc(x) = 2 - erfc(-x) below 0)."""
    if abs(x) > 1e100:
        tail = mp.gammainc(mpf(0.5), x * x) / mp.sqrt(mp.pi)
        return tail if x > 0 else 2 - tail
    return mp.erfc(x)


def gauss_upper(z):
    """Q(z) = 1 - Phi(z) = erfc(z / sqrt 2) / 2, relative-accurate for any z."""
    return erfc(z / mp.sqrt(2)) / 2


def tanh_arg(z):
    """t = 2 sqrt(2/pi) z (1 + 0.044715 z^2) with the exact constants: T(z) = 1 / (1 + e^-t)."""
    return 2 * mp.sqrt(2 / mp.pi) * z * (1 + mpf(44715) / 10**6 * z * z)


def tanh_upper(z):
    """1 - T(z) = T(-z) = 1 / (1 + e^t)."""
    return 1 / (1 + mp.exp(tanh_arg(z)))


UPPER = {"Gaussian": gauss_upper, "Tanh": tanh_upper}


def cdf(variant, z):
    return UPPER[variant](-z)


def log_cdf(variant, z):
    """ln F(z): the log of the lower tail below 0, ln_1p of minus the upper tail above."""
    return mp.log(cdf(variant, z)) if z < 0 else mp.log1p(-UPPER[variant](z))


def odd_part(variant, z):
    """2 F(z) - 1 (erf(z/sqrt 2) or tanh(t/2)), relative-accurate near 0."""
    return mp.erf(z / mp.sqrt(2)) if variant == "Gaussian" else mp.tanh(tanh_arg(z) / 2)


def bin_mass(variant, a, b):
    """(F(b) - F(a), its log) for a < b, without cancellation: in one tail as a difference of the
    tails (of the odd part near 0), across 0 as two positive terms (as 1 minus two tails when both
    are small, with the log by ln_1p)."""
    if a >= 0 or b <= 0:
        near, far = (a, b) if a >= 0 else (-b, -a)
        if near < 1:
            mass = (odd_part(variant, far) - odd_part(variant, near)) / 2
        else:
            mass = UPPER[variant](near) - UPPER[variant](far)
        return mass, mp.log(mass)
    if min(b, -a) >= 1:
        tails = UPPER[variant](b) + UPPER[variant](-a)
        return 1 - tails, mp.log1p(-tails)
    mass = (odd_part(variant, b) + odd_part(variant, -a)) / 2
    return mass, mp.log(mass)


def loglik(x, mean, log_scale, variant):
    """[cdf_plus, one_minus_cdf_min, cdf_delta, ln P (taken branch), ln 1e-12, ln P - ln 1e-12] at the
    working precision, and the branch. Settling the last one's digits settles the clamp decision."""
    c = mpmath.fsub(exact(x), exact(mean), exact=True)
    inv = mp.exp(-exact(log_scale))
    n = mpmath.fmul(c, 255, exact=True)
    b = inv * mpmath.fadd(n, 1, exact=True) / 255
    a = inv * mpmath.fsub(n, 1, exact=True) / 255
    fx = Fraction(x)
    branch = "EdgeLeft" if fx < Fraction(-999, 1000) else "EdgeRight" if fx > Fraction(999, 1000) else "Interior"
    mass, ln_mass = bin_mass(variant, a, b)
    ln_p = {"EdgeLeft": lambda: log_cdf(variant, b), "EdgeRight": lambda: log_cdf(variant, -a)}.get(
        branch, lambda: ln_mass
    )()
    ln_floor = -12 * mp.log(10)
    return [cdf(variant, b), cdf(variant, -a), mass, ln_p, ln_floor, ln_p - ln_floor], branch


def normal_kl(m1, l1, m2, l2):
    """(e^d - 1 - d + m^2 e^-logvar2) / 2 with d = l1 - l2 and m = m1 - m2 exact; the working precision
    is raised by the digits that e^d - 1 - d cancels (about log10(2/|d|))."""
    d = mpmath.fsub(exact(l1), exact(l2), exact=True)
    m = mpmath.fsub(exact(m1), exact(m2), exact=True)
    if d == 0 and m == 0:
        return mpf(0)
    extra = 0 if d == 0 else max(0, int(-mp.log10(abs(d))) + 5)
    with mp.workdps(mp.dps + extra):
        g = mp.expm1(d) - d
        v = (g + m * m * mp.exp(-exact(l2))) / 2
    return +v


def continuous(x, mean, log_scale):
    """-(c e^-s)^2 / 2 - ln sqrt(2 pi) with c = x - mean exact (DiT's formula, no -log_scale term)."""
    c = mpmath.fsub(exact(x), exact(mean), exact=True)
    return -(c * mp.exp(-exact(log_scale))) ** 2 / 2 - mp.log(mp.sqrt(2 * mp.pi))


# ---------------------------------------------------------------- the table


def fmt(v):
    """A float as the shortest decimal that reads back to the same bits (Python's repr)."""
    return repr(float(v))


def entry(function, inputs, out, **extra):
    return {"function": function, "inputs": [fmt(v) for v in inputs], **extra, "out": out}


def pair(fd):
    return [fmt(fd[0]), fd[1]]


def build():
    rng = Rng(SEED)
    entries = []
    unary = {
        "erf": lambda z: mp.erf(z),
        "erfc": lambda z: erfc(z),
        "phi": lambda z: cdf("Gaussian", z),
        "log_phi": lambda z: log_cdf("Gaussian", z),
        "tanh_cdf": lambda z: cdf("Tanh", z),
        "log_tanh_cdf": lambda z: log_cdf("Tanh", z),
    }
    for z in unary_inputs(rng):
        for name, f in unary.items():
            if name == "erf" and z == 0:
                continue  # erf(+-0) = +-0 is a special, tested in tests/reference.rs
            [value] = certify(lambda: [f(exact(z))], f"{name}({z!r})")
            entries.append(entry(name, [z], {"value": pair(value)}))
    for x, mean, s in loglik_inputs(rng):
        for variant in ["Gaussian", "Tanh"]:
            branch = loglik(x, mean, s, variant)[1]
            what = f"loglik({x!r}, {mean!r}, {s!r}, {variant})"
            plus, upper, mass, ln_p, ln_floor, margin = certify(lambda: loglik(x, mean, s, variant)[0], what)
            clamped = margin[1].startswith("-")
            out = {
                "value": pair(ln_floor if clamped else ln_p),
                "log_prob_unclamped": pair(ln_p),
                "cdf_plus": pair(plus),
                "one_minus_cdf_min": pair(upper),
                "cdf_delta": pair(mass),
            }
            entries.append(entry("loglik", [x, mean, s], out, variant=variant, branch=branch, clamped=clamped))
    for a, b in mass_inputs(rng):
        [value] = certify(lambda: [bin_mass("Gaussian", exact(a), exact(b))[1]], f"mass({a!r}, {b!r})")
        entries.append(entry("log_gaussian_mass", [a, b], {"value": pair(value)}))
    for args in kl_inputs(rng):
        [value] = certify(lambda: [normal_kl(*map(float, args))], f"normal_kl{args!r}")
        entries.append(entry("normal_kl", args, {"value": pair(value)}))
    for row in mean_inputs(rng):
        q = sum((Fraction(v) for v in row), Fraction(0)) / len(row)
        value = (float(q), fraction_digits(q)) if q != 0 else (0.0, "0")
        entries.append(entry("mean_flat_row", row, {"value": pair(value)}))
    for args in continuous_inputs(rng):
        [value] = certify(lambda: [continuous(*args)], f"continuous{args!r}")
        entries.append(entry("continuous_gaussian_log_likelihood", args, {"value": pair(value)}))
    return entries


def input_checksum(entries):
    """SHA-256 of every entry's function, variant and inputs, one line each (as the Rust test computes it)."""
    lines = "".join(f"{e['function']} {e.get('variant', '-')} {' '.join(e['inputs'])}\n" for e in entries)
    return hashlib.sha256(lines.encode()).hexdigest()


def render(entries):
    values = sum(len(e["out"]) for e in entries)
    provenance = {
        "generator": "tools/mpmath_reference_table.py",
        "script_sha256": hashlib.sha256(pathlib.Path(__file__).read_bytes()).hexdigest(),
        "mpmath": mpmath.__version__,
        "seed": SEED,
        "inputs_sha256": input_checksum(entries),
        "entries": len(entries),
        "values": values,
        "rounding": f"f64 round-half-even and {DIGITS} significant digits round-half-even, each settled at two "
        f"working precisions from {START_DPS} digits (see the script)",
    }
    lines = [json.dumps(e, separators=(", ", ": ")) for e in entries]
    head = json.dumps({"schema": SCHEMA, "provenance": provenance}, indent=2)[:-2]
    return head + ',\n  "entries": [\n    ' + ",\n    ".join(lines) + "\n  ]\n}\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help=f"compare with {TABLE.relative_to(ROOT)}; exit 1 if different")
    args = parser.parse_args()
    try:
        text = render(build())
    except Uncertain as e:
        sys.exit(f"mpmath_reference_table: {e}")
    if not args.check:
        TABLE.parent.mkdir(parents=True, exist_ok=True)
        TABLE.write_text(text)
        print(f"wrote {TABLE.relative_to(ROOT)} ({json.loads(text)['provenance']['values']} values)")
        return
    try:
        committed = TABLE.read_text()
    except OSError as e:
        sys.exit(f"mpmath_reference_table: cannot read {TABLE}: {e}")
    if committed == text:
        print(f"{TABLE.relative_to(ROOT)}: up to date")
        return
    old, new = committed.splitlines(), text.splitlines()
    diffs = [i for i in range(max(len(old), len(new))) if i >= len(old) or i >= len(new) or old[i] != new[i]]
    for i in diffs[:5]:
        print(f"line {i + 1}:\n  committed: {old[i] if i < len(old) else '(none)'}\n  fresh:     {new[i] if i < len(new) else '(none)'}")
    print(f"{TABLE.relative_to(ROOT)}: {len(diffs)} lines differ; regenerate with tools/mpmath_reference_table.py")
    sys.exit(1)


if __name__ == "__main__":
    main()
