#!/usr/bin/env python3
"""Fits the polynomial coefficients of the fused kernels' elementary functions (src/kernels/precision.rs).

Every table is an `mpmath.chebyfit` fit at 60 significant digits (Chebyshev interpolation, close to
minimax) of a smooth function on a fixed interval, rounded to f32 and f64; the number of terms per
precision is the smallest that keeps the fit's own error below ~0.2 ulp of the function it serves (the
measured maximum is printed beside each table). The kernels evaluate them with `fast_math::horner`,
lowest degree first. Tables whose function is `1 + v Q(v)` keep only `Q`: the kernels add the leading
1 exactly.

    python3 -m pip install mpmath numpy
    python3 tools/fit_kernel_coefficients.py            # print the Rust tables (about a minute)
    python3 tools/fit_kernel_coefficients.py --check    # compare with src/kernels/precision.rs

`--check` exits 1 naming every constant whose committed value differs from the fit, 0 when all agree.
"""
import argparse
import pathlib
import re
import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Optional

import mpmath as mp
import numpy as np

mp.mp.dps = 60
PRECISION_RS = pathlib.Path(__file__).resolve().parent.parent / "src" / "kernels" / "precision.rs"
DTYPES = {"f32": np.float32, "f64": np.float64}
# Literals the Rust file writes as named constants (clippy::approx_constant), by value.
NAMED = {float(2 / mp.sqrt(mp.pi)): "std::f64::consts::FRAC_2_SQRT_PI"}


def erfc_log(t):
    """ln(erfc(x) / t) + x^2 with x = 2/t - 2: smooth in t on (0, 1] (Numerical Recipes' erfccheb form)."""
    x = 2 / t - 2
    return mp.log(mp.erfc(x) / t) + x * x


def t_interval(x_lo, x_hi):
    """The t = 2 / (2 + x) interval of x in [x_lo, x_hi], as exact fractions (mid, 1/half-width)."""
    t_lo, t_hi = Fraction(2) / (2 + Fraction(x_hi)), Fraction(2) / (2 + Fraction(x_lo))
    return (t_lo + t_hi) / 2, 2 / (t_hi - t_lo)


def ratio(f, at_zero):
    """f with its removable singularity at 0 filled in."""
    return lambda v: f(v) if v != 0 else mp.mpf(at_zero)


@dataclass
class Table:
    """One coefficient table: `function` of the table's variable on [lo, hi]."""

    name: str
    what: str
    function: Callable
    lo: object
    hi: object
    terms: dict  # precision -> number of coefficients in the Rust table
    drop_constant: bool = False  # fit 1 + v Q(v), keep Q
    # For the t-variable tables: (MID const name, SCALE const name, (x_lo, x_hi) per precision).
    t_consts: Optional[tuple] = None


def sqrt_ratio(f):
    """f(sqrt(s)) / sqrt(s) as a function of s (odd functions fitted in the square of their argument)."""
    return ratio(lambda s: f(mp.sqrt(s)) / mp.sqrt(s), 1)


TANH_SWITCH = mp.log(3) / 2
LN_F_MAX = (mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)  # |f| of ln's atanh form for m in [sqrt(1/2), sqrt 2)
ERF_SATURATION = {"f32": 4, "f64": 6}
NDTR_X_MAX = {"f32": 7, "f64": Fraction(17, 2)}

TABLES = [
    Table("TANH_SMALL", "tanh(y)/y = 1 + s Q(s), s = y^2 < (ln(3)/2)^2", sqrt_ratio(mp.tanh),
          0, TANH_SWITCH**2, {"f32": 5, "f64": 10}, drop_constant=True),
    Table("ERF_SMALL", "erf(x)/x in s = x^2 < 0.75^2", ratio(lambda s: mp.erf(mp.sqrt(s)) / mp.sqrt(s),
          2 / mp.sqrt(mp.pi)), 0, mp.mpf("0.5625"), {"f32": 6, "f64": 11}),
    Table("ERFC_LOG", "ln(erfc(x)/t) + x^2, t = 2/(2+x), 0.75 <= x <= ERF_SATURATION", erfc_log,
          None, None, {"f32": 8, "f64": 18},
          t_consts=("ERFC_T_MID", "ERFC_T_SCALE", {p: (Fraction(3, 4), ERF_SATURATION[p]) for p in DTYPES})),
    Table("NDTR_LOG", "ln(erfc(x)/t) + x^2, t = 2/(2+x), 0 <= x <= -NDTR_Z_MIN/sqrt(2) (with margin)",
          erfc_log, None, None, {"f32": 11, "f64": 24},
          t_consts=("NDTR_T_MID", "NDTR_T_SCALE", {p: (0, NDTR_X_MAX[p]) for p in DTYPES})),
    Table("EXPM1_REMAINDER", "(e^d - 1 - d)/d^2, |d| <= 1/2", ratio(lambda d: (mp.expm1(d) - d) / (d * d),
          mp.mpf(1) / 2), -mp.mpf(1) / 2, mp.mpf(1) / 2, {"f32": 7, "f64": 12}),
    Table("ATANH_SERIES", "atanh(f)/f = 1 + s Q(s), s = f^2, |f| <= (sqrt 2 - 1)/(sqrt 2 + 1)",
          sqrt_ratio(mp.atanh), 0, LN_F_MAX**2, {"f32": 3, "f64": 7}, drop_constant=True),
]


def fit(table, precision):
    """(coefficients lowest degree first as Python floats of the precision, max error, consts)."""
    n = table.terms[precision] + (1 if table.drop_constant else 0)
    consts = {}
    if table.t_consts:
        mid_name, scale_name, ranges = table.t_consts
        mid, scale = t_interval(*ranges[precision])
        consts = {mid_name: mid, scale_name: scale}
        m, s = mp.mpf(mid.numerator) / mid.denominator, mp.mpf(scale.numerator) / scale.denominator
        f, lo, hi = (lambda v: table.function(m + v / s)), -1, 1
    else:
        f, lo, hi = table.function, table.lo, table.hi
    coefficients = mp.chebyfit(f, [lo, hi], n)  # highest degree first
    error = max(abs(mp.polyval(coefficients, v) - f(v)) for v in mp.linspace(lo, hi, 1001))
    low_first = coefficients[::-1][1:] if table.drop_constant else coefficients[::-1]
    dtype = DTYPES[precision]
    return [float(dtype(float(c))) for c in low_first], float(error), consts


def literal(value, precision):
    """The shortest literal that rounds back to `value` in the precision, digits grouped by three."""
    if precision == "f64" and value in NAMED:
        return NAMED[value]
    text = str(np.float32(value)) if precision == "f32" else repr(value)
    mantissa, _, exponent = text.partition("e")
    sign = "-" if mantissa.startswith("-") else ""
    whole, _, frac = mantissa.lstrip("-").partition(".")
    frac = "_".join(frac[i:i + 3] for i in range(0, len(frac), 3)) or "0"
    exp = f"e{int(exponent)}" if exponent else ""
    return f"{sign}{whole}.{frac}{exp}"


def rust_table(name, values, precision):
    """`const NAME: &'static [f32] = &[...];` laid out as rustfmt does at max_width = 110."""
    items = [literal(v, precision) for v in values]
    head = f"    const {name}: &'static [{precision}] ="
    one_line = f"{head} &[{', '.join(items)}];"
    if len(one_line) <= 110:
        return one_line
    wrapped = f"        &[{', '.join(items)}];"
    if len(wrapped) <= 110:
        return f"{head}\n{wrapped}"
    body = "".join(f"        {item},\n" for item in items)
    return f"{head} &[\n{body}    ];"


def fraction_literal(q, precision):
    return f"    const {{}}: {precision} = {q.numerator}.0 / {q.denominator}.0;"


def committed():
    """{precision: {const name: value or list of values}} from precision.rs."""
    text = PRECISION_RS.read_text()
    found = {}
    for precision in DTYPES:
        body = re.search(r"impl FastReal for " + precision + r" \{(.*?)\n\}", text, re.S).group(1)
        consts = {}
        for name, value in re.findall(r"const (\w+): [^=]+=\s*(.*?);", body, re.S):
            consts[name] = parse_value(value)
        found[precision] = consts
    return found


def parse_value(text):
    text = re.sub(r"//[^\n]*", "", text).strip()
    if text.startswith("&["):
        return [parse_value(item) for item in text[2:-1].split(",") if item.strip()]
    names = {v: k for k, v in NAMED.items()}
    if text in names:
        return names[text]
    if "/" in text:
        num, den = (float(part.replace("_", "")) for part in text.split("/"))
        return Fraction(num).limit_denominator(10**6) / Fraction(den).limit_denominator(10**6)
    try:
        return float(text.replace("_", ""))
    except ValueError:
        return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help=f"compare with {PRECISION_RS.name}; exit 1 if different")
    args = parser.parse_args()
    have = committed() if args.check else None
    mismatches = []
    for precision in DTYPES:
        print(f"// impl FastReal for {precision}")
        for table in TABLES:
            values, error, consts = fit(table, precision)
            print(f"    // {table.what}: {len(values)} terms, fit error {error:.1e}")
            for name, q in consts.items():
                print(fraction_literal(q, precision).format(name))
                if have is not None and have[precision].get(name) != q:
                    mismatches.append(f"{precision} {name}: committed {have[precision].get(name)}, fit {q}")
            print(rust_table(table.name, values, precision))
            if have is not None:
                old = have[precision].get(table.name)
                if old is None or len(old) != len(values) or any(
                    float(DTYPES[precision](a)) != b for a, b in zip(old, values)
                ):
                    mismatches.append(f"{precision} {table.name}: committed {old}, fit {values}")
        print()
    if args.check:
        for m in mismatches:
            print(f"differs: {m}", file=sys.stderr)
        print(f"{PRECISION_RS}: {'all tables agree' if not mismatches else f'{len(mismatches)} differ'}",
              file=sys.stderr)
        sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
