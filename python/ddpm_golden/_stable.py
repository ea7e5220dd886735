"""The stable log-likelihood and KL of src/stable/mod.rs, written once over an array namespace so that
`ddpm_golden.torch` and `ddpm_golden.jax` run the same algorithm: the true Gaussian, in log space, with
no cancellation, every branch computed and one selected (branch-free, so that it compiles and runs on
any device), and the analytic derivatives of the log-probability for the custom backward passes.

`ops` is a small adapter over torch or jax.numpy: `where`, `exp`, `expm1`, `log`, `log1p`, `abs`,
`log_ndtr`, `isfinite`, `clamp_min` (NaN-propagating, a Python float bound).
"""

import math

# ln sqrt(2 pi)
LN_SQRT_2PI = 0.9189385332046728
# The midpoint series' reach `w max(1, |m|)`: src/stable/mod.rs's NARROW, 1/20, where the three terms'
# truncation is below 2^-60 relative; computing in float32 (and the half types), 1/4, where it is below
# 2^-35 relative (the next term, He_8(m) (w/2)^8 / 9!), so that fewer bins take the one-tail difference,
# whose `log1mexp` amplifies the error of ln Phi by about 1/(w |m|).
NARROW = {"float64": 0.05, "float32": 0.25}
LN2 = math.log(2.0)


class Constants:
    """Upstream's constants rounded to the dtype the caller's tensors have (as a Python scalar meets a
    tensor in PyTorch), as Python floats: the bin half-width 1/255, the edge 0.999 and ln of the floor
    1e-12 (`-inf` in float16, where 1e-12 rounds to 0: no clamp); and the midpoint series' reach for the
    dtype computed in (`compute`: "float32" or "float64")."""

    def __init__(self, round_to_dtype, compute):
        self.half_width = round_to_dtype(1.0 / 255.0)
        self.edge = round_to_dtype(0.999)
        floor = round_to_dtype(1e-12)
        self.log_floor = math.log(floor) if floor > 0 else -math.inf
        self.narrow = NARROW[compute]


def _log1mexp(ops, d):
    """ln(1 - e^d) for d <= 0 (Maechler 2012), each form where it does not cancel."""
    return ops.where(d > -LN2, ops.log(-ops.expm1(d)), ops.log1p(-ops.exp(d)))


def _log_narrow_bin(ops, m, w):
    """ln of the Gaussian mass of a bin of width w around m, three even Hermite terms (as the Rust
    `log_narrow_bin`)."""
    m2, w2 = m * m, w * w
    s = w2 * ((m2 - 1.0) / 24.0 + w2 * ((m2 * (m2 - 6.0) + 3.0) / 1920.0
                                       + w2 * ((m2 * (m2 * (m2 - 15.0) + 45.0) - 15.0) / 322560.0)))
    return -0.5 * m2 - LN_SQRT_2PI + ops.log(w) + ops.log1p(s)


def pieces(ops, c, x, means, log_scales):
    """The pixel's bin: `inv_stdv`, the ends `a = min_in`, `b = plus_in`, midpoint and width (formed
    directly, never by subtracting the ends), and the edge masks."""
    centered_x = x - means
    inv_stdv = ops.exp(-log_scales)
    a = inv_stdv * (centered_x - c.half_width)
    b = inv_stdv * (centered_x + c.half_width)
    mid = inv_stdv * centered_x
    width = inv_stdv * (c.half_width + c.half_width)
    return centered_x, inv_stdv, a, b, mid, width, x < -c.edge, x > c.edge


def log_prob(ops, c, x, means, log_scales):
    """ln of the bin's Gaussian mass, unclamped (src/stable's `log_likelihood_stable` before its clamp):
    the left edge `ln Phi(b)`, the right edge `ln Phi(-a)`, a narrow interior bin by the midpoint series,
    a bin in one tail as `ln F(near) + log1mexp(ln F(far) - ln F(near))`, a bin across 0 as
    `ln_1p(-(Phi(a) + Phi(-b)))`. Two `log_ndtr` per element; untaken branches see harmless values."""
    centered_x, inv_stdv, a, b, mid, width, left, right = pieces(ops, c, x, means, log_scales)
    interior = ~(left | right)
    narrow = interior & (width * ops.where(ops.abs(mid) > 1.0, ops.abs(mid), 1.0) <= c.narrow)
    upper = a >= 0.0  # the bin in the upper tail: mirrored, -b <= -a <= 0
    lower = b <= 0.0
    tail = upper | lower
    # First argument: the edge's own, or the nearer end of a tail bin, or `a` across 0.
    arg1 = ops.where(left, b, ops.where(right | upper, -a, ops.where(lower, b, a)))
    arg2 = ops.where(upper | ~tail, -b, a)
    p1, p2 = ops.log_ndtr(arg1), ops.log_ndtr(arg2)
    # A bin at infinity has no mass (and -inf - -inf would be NaN).
    one_tail = ops.where(p1 == -math.inf, p1, p1 + _log1mexp(ops, ops.where(tail, p2 - p1, -1.0)))
    across = ops.log1p(-(ops.exp(p1) + ops.exp(p2)))
    safe_w = ops.where(narrow, width, 1.0)
    narrow_value = _log_narrow_bin(ops, ops.where(narrow, mid, 0.0), safe_w)
    inner = ops.where(narrow, narrow_value, ops.where(tail, one_tail, across))
    # log_scales = +inf: an infinitely wide Gaussian puts no mass in any finite bin.
    inner = ops.where((inv_stdv == 0.0) & ops.isfinite(centered_x), -math.inf, inner)
    return ops.where(left | right, p1, inner)


def clamp(ops, c, lnp):
    """The probability floor in log space, `max(ln p, ln 1e-12)`, NaN-propagating."""
    return ops.clamp_min(lnp, c.log_floor)


def _times(ops, factor, ratio):
    """`factor * ratio`, 0 where `ratio` is 0 (an infinite end of a bin carries no density)."""
    return ops.where(ratio == 0.0, 0.0, factor * ratio)


def log_prob_grads(ops, c, x, means, log_scales, lnp):
    """d ln p / d means and d ln p / d log_scales at `lnp = log_prob(...)`, from the exact derivatives
    `-(pdf(b) - pdf(a)) / (sigma p)` and `-(b pdf(b) - a pdf(a)) / p`, each ratio `pdf / p` taken in log
    space. Where `|m w / 2| <= 1` the interior differences cancel and take the factored forms
    `pdf(a) - pdf(b) = 2 pdf(m) e^(-w^2/8) sinh(m w/2)` and
    `a pdf(a) - b pdf(b) = pdf(m) e^(-w^2/8) (2 m sinh(m w/2) - w cosh(m w/2))` (no cancellation but at
    the derivative's true zero `m^2 ~ 1`); elsewhere the two ratios differ by at least e^2 and are
    subtracted. 0 where the clamp holds the value (the clamped function is flat there) and where the value
    is -inf."""
    _, inv_stdv, a, b, mid, width, left, right = pieces(ops, c, x, means, log_scales)

    def ratio(z):  # pdf(z) / p
        return ops.exp(-0.5 * z * z - LN_SQRT_2PI - lnp)

    ra, rb = ratio(ops.where(left, 0.0, a)), ratio(ops.where(right, 0.0, b))
    ra, rb = ops.where(left, 0.0, ra), ops.where(right, 0.0, rb)
    d_mean_wide = _times(ops, inv_stdv, ra) - _times(ops, inv_stdv, rb)
    d_scale_wide = _times(ops, a, ra) - _times(ops, b, rb)
    # Factored interior forms, with w folded into the exponent so that a tiny width does not overflow:
    # kw = w pdf(m) e^(-w^2/8) / p, sinhc = sinh(y)/y, y = m w/2.
    y = mid * width * 0.5
    factored = ~(left | right) & (ops.abs(y) <= 1.0)
    ys, ws = ops.where(factored, y, 1.0), ops.where(factored, width, 1.0)
    ms = ops.where(factored, mid, 0.0)
    e_plus, e_minus = ops.expm1(ys), ops.expm1(-ys)
    sinhc = ops.where(ys == 0.0, 1.0, 0.5 * (e_plus - e_minus) / ys)
    cosh = 1.0 + 0.5 * (e_plus + e_minus)
    kw = ops.exp(-0.5 * ms * ms - LN_SQRT_2PI - 0.125 * ws * ws - lnp + ops.log(ws))
    d_mean = ops.where(factored, inv_stdv * ms * sinhc * kw, d_mean_wide)
    d_scale = ops.where(factored, (ms * ms * sinhc - cosh) * kw, d_scale_wide)
    # Flat where the clamp holds the value, and where it is -inf (float16 has no clamp).
    held = (lnp < c.log_floor) | (lnp == -math.inf)
    return ops.where(held, 0.0, d_mean), ops.where(held, 0.0, d_scale)


def normal_kl(ops, mean1, logvar1, mean2, logvar2):
    """`0.5 (expm1(d) - d + (mean1 - mean2)^2 e^-logvar2)`, d = logvar1 - logvar2, with `expm1(d) - d`
    from its Taylor series `d^2 (1/2 + d/6 + ...)` for |d| < 1/2 (the subtraction cancels there); the
    series sees d = 0 where it is not taken, so that its gradient stays finite (as src/stable/mod.rs's
    `normal_kl_stable`)."""
    d = logvar1 - logvar2
    gap = mean1 - mean2
    small = ops.abs(d) < 0.5
    ds = ops.where(small, d, 0.0)
    acc = 0.0 * ds
    for k in range(18, 1, -1):  # sum_{k>=2} d^k / k!, Horner from k = 18 (0.5^17/18! < 2^-80)
        acc = (acc * ds + 1.0) / float(k)
    variance_term = ops.where(small, acc * ds * ds, ops.expm1(d) - d)
    return 0.5 * (variance_term + gap * gap * ops.exp(-logvar2))
