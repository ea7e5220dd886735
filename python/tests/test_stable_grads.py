"""Gradients of the stable log-likelihood of `ddpm_golden.torch` and `ddpm_golden.jax` against the exact
derivatives of the exact log-probability, computed here with mpmath at 60 digits, at 400+ points: every
branch (both edges, narrow and wide interior bins, bins across 0 and in either tail), log-probabilities
from 0 down to the clamp at ln(1e-12) (the far tails where upstream's float32 probability underflows),
clamped points (exact derivative 0) and extreme scales.

The error measure is dimensionless: `sigma * d/dmeans` and `d/dlog_scales`, each `|got - exact| /
max(|exact|, 1)` (relative where the derivative is at least 1, absolute below). Measured worst over the
1016 points kept (`python -m pytest python/tests/test_stable_grads.py -s` prints them): float32 1.3e-05
(torch eager and compiled, JAX eager and jitted), at x = 0.25, means = -0.341, log_scales = -2 (a bin in
the upper tail at ln p = -13.3 whose `w |m|` = 0.253 is just beyond the float32 midpoint series' reach
1/4, where `log1mexp` amplifies the error of ln Phi by about 1/(w |m|)); float64 8.5e-14 (torch) and
7.6e-14 (JAX). The ratios pdf/p inherit the absolute error of ln p, which the stable tolerance allows up
to 20 ulps of |ln p| (3.3e-5 in float32 at the clamp, 6e-14 in float64): the bounds asserted are 1e-4
(float32) and 1e-12 (float64). (With src/stable's reach 1/20 in float32 too, the float32 worst was 5.2e-5.)
"""

import math

import mpmath as mp
import numpy as np
import pytest
import torch

import ddpm_golden.jax as dj
import ddpm_golden.torch as dt
from compiled import torch_compile
from ports import torch_port

LOG_FLOOR = math.log(1e-12)
BOUND = {"float32": 1e-4, "float64": 1e-12}


def _points():
    """(x, means, log_scales) as float32 values, deterministic: a grid over branches, bin positions in
    units of sigma, and scales from narrow bins (large sigma) to sigma = e^-12."""
    rng = np.random.default_rng(16)
    xs = (-1.0, 1.0, -0.5, 0.0, 0.25, 0.9)
    log_scales = (-12.0, -8.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.5, -1.0, 0.0, 2.0, 6.0)
    zs = (0.0, 0.3, -0.7, 1.0, -1.5, 2.5, -3.5, 4.5, -5.5, 6.3, -7.0, 7.3, -9.0, 40.0)
    points = []
    for x in xs:
        for s in log_scales:
            for z in zs:
                mean = x - z * math.exp(s) + rng.uniform(-0.2, 0.2) * math.exp(s)
                points.append((x, mean, s))
    # Extremes: tiny and huge scales, means far away (clamped), a zero offset.
    points += [(0.0, 0.0, -80.0), (0.0, 1e-30, -60.0), (0.5, 0.5, 80.0), (-1.0, 3.0, 40.0), (1.0, -1e6, 0.0),
               (0.0, 0.0, -100.0), (0.3, 0.3 + 1 / 255, -7.0), (-1.0, -1.0 + 1e-3, -10.0)]
    return np.array(points, dtype=np.float32).astype(np.float64)


def _exact(x, mean, log_scale):
    """(ln p, sigma d ln p/dmeans, d ln p/dlog_scales) with mpmath at 60 digits; the derivatives of the
    clamped function (0 where ln p < ln 1e-12)."""
    with mp.workdps(60):
        x, mean, log_scale = mp.mpf(x), mp.mpf(mean), mp.mpf(log_scale)
        sigma = mp.exp(log_scale)
        h = mp.mpf(1) / 255
        a, b = (x - mean - h) / sigma, (x - mean + h) / sigma
        pdf = mp.npdf
        if x < -0.999:
            p, pa, pb = mp.ncdf(b), mp.mpf(0), pdf(b)
            apa, bpb = mp.mpf(0), b * pdf(b)
        elif x > 0.999:
            p, pa, pb = mp.ncdf(-a), pdf(a), mp.mpf(0)
            apa, bpb = a * pdf(a), mp.mpf(0)
        else:
            p = mp.ncdf(-a) - mp.ncdf(-b) if a >= 0 else mp.ncdf(b) - mp.ncdf(a)
            pa, pb, apa, bpb = pdf(a), pdf(b), a * pdf(a), b * pdf(b)
        lnp = mp.log(p) if p > 0 else -mp.inf
        if lnp < LOG_FLOOR:
            return float(lnp), 0.0, 0.0
        return float(lnp), float((pa - pb) / p), float((apa - bpb) / p)


@pytest.fixture(scope="module")
def expected():
    points = _points()
    exact = np.array([_exact(*p) for p in points])
    # Leave out points whose exact ln p is within 0.01 of the clamp: a rounding of the value there
    # decides whether the (flat) clamp holds, so either derivative is right.
    keep = np.abs(exact[:, 0] - LOG_FLOOR) > 0.01
    return points[keep], exact[keep]


def _torch_grads(fn, points, dtype):
    x, means, log_scales = (torch.tensor(points[:, i], dtype=dtype) for i in range(3))
    means.requires_grad_(True)
    log_scales.requires_grad_(True)
    fn(x, means=means, log_scales=log_scales).sum().backward()
    return means.grad.double().numpy(), log_scales.grad.double().numpy()


def _jax_grads(fn, points, dtype):
    import jax
    import jax.numpy as jnp

    x, means, log_scales = (jnp.asarray(points[:, i], dtype=dtype) for i in range(3))
    grad = jax.grad(lambda m, s: fn(x, means=m, log_scales=s).sum(), argnums=(0, 1))(means, log_scales)
    return tuple(np.asarray(g, dtype=np.float64) for g in grad)


def _worst(points, exact, d_mean, d_scale):
    sigma = np.exp(points[:, 2])
    assert np.isfinite(d_mean).all() and np.isfinite(d_scale).all(), "a gradient is not finite"
    err_mean = np.abs(d_mean * sigma - exact[:, 1]) / np.maximum(np.abs(exact[:, 1]), 1)
    err_scale = np.abs(d_scale - exact[:, 2]) / np.maximum(np.abs(exact[:, 2]), 1)
    err = np.maximum(err_mean, err_scale)
    i = int(np.argmax(err))
    return err[i], points[i]


def _compiled_torch():
    return torch_compile(dt.discretized_gaussian_log_likelihood, dynamic=True, fullgraph=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("framework", ["torch", "torch.compile", "jax", "jax.jit"])
def test_gradients_match_mpmath(expected, framework, dtype):
    points, exact = expected
    if framework.startswith("torch"):
        fn = _compiled_torch() if framework == "torch.compile" else dt.discretized_gaussian_log_likelihood
        d_mean, d_scale = _torch_grads(fn, points, getattr(torch, dtype))
    else:
        import jax

        jax.config.update("jax_enable_x64", True)
        fn = jax.jit(dj.discretized_gaussian_log_likelihood) if framework == "jax.jit" else None
        fn = fn or dj.discretized_gaussian_log_likelihood
        d_mean, d_scale = _jax_grads(fn, points, dtype)
    worst, at = _worst(points, exact, d_mean, d_scale)
    print(f"\n{framework} {dtype}: worst gradient error {worst:.2e} over {len(points)} points at "
          f"(x, means, log_scales) = {tuple(at)}")
    assert worst <= BOUND[dtype]


def test_gradients_live_where_upstream_float32_is_clamped(expected):
    """Upstream's float32 erf formula clamps (gradient exactly 0) at points where the true probability is
    well above 1e-12; the stable gradients there are nonzero and accurate (the test above)."""
    points, exact = expected
    x, means, log_scales = (torch.tensor(points[:, i], dtype=torch.float32) for i in range(3))
    means.requires_grad_(True)
    torch_port.discretized(torch_port.erf_standard_normal_cdf, x, means, log_scales).sum().backward()
    upstream_zero = means.grad.numpy() == 0
    alive = (exact[:, 0] > LOG_FLOOR + 1) & (exact[:, 1] != 0)
    assert (upstream_zero & alive).sum() >= 20, (upstream_zero & alive).sum()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_gradients_are_finite_on_the_whole_golden_corpus(dtype):
    """Every golden case with finite inputs (2,000+: all branches, tails, clamps, extreme scales) gets
    finite gradients with respect to every input, and never NaN. In float16, which has no clamp (its
    rounding of 1e-12 is 0), slopes of the unclamped far tails exceed its largest value 65504 and round
    to +-inf: measured on 54 cases, all with log_scales <= -6 (slopes grow as |z| / sigma); the test
    allows that there and nowhere else."""
    from ddpm_golden._evaluate import load_cases

    cases = load_cases("discretized_gaussian_log_likelihood")
    finite = [c for c, special in zip(cases.inputs, cases.special) if not special]
    columns = [torch.tensor([float(c[k]) for c in finite], dtype=dtype, requires_grad=True)
               for k in ("x", "means", "log_scales")]
    value = dt.discretized_gaussian_log_likelihood(columns[0], means=columns[1], log_scales=columns[2])
    value.sum().backward()
    overflow_allowed = (columns[2] <= -6) if dtype == torch.float16 else torch.zeros_like(value, dtype=bool)
    for name, column in zip(("x", "means", "log_scales"), columns):
        assert not torch.isnan(column.grad).any(), name
        assert (torch.isfinite(column.grad) | overflow_allowed).all(), name
    assert len(finite) > 2000


def test_torch_gradcheck_in_float64():
    """The analytic backward (all three inputs, x included) against finite differences, at points away
    from the branch switches (edges, narrow and wide interior bins, a tail)."""
    x = torch.tensor([-1.0, 1.0, 0.0, 0.5, 0.2, -0.3], dtype=torch.float64)
    means = torch.tensor([-0.98, 0.9, 0.001, 0.45, 0.2, -0.1], dtype=torch.float64, requires_grad=True)
    log_scales = torch.tensor([-4.0, -2.0, 1.0, -3.0, -6.0, -2.5], dtype=torch.float64, requires_grad=True)
    x.requires_grad_(True)

    def fn(x, means, log_scales):
        return dt.discretized_gaussian_log_likelihood(x, means=means, log_scales=log_scales)

    assert (fn(x, means, log_scales) > LOG_FLOOR + 1).all(), "a point is clamped: its gradient is 0"
    assert torch.autograd.gradcheck(fn, (x, means, log_scales), eps=1e-7, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_normal_kl_gradients(framework):
    """The stable KL's gradients (autograd through the series / expm1 selection, the series fed d = 0
    where not taken) against the exact ones: d/dlogvar1 = expm1(d)/2, d/dmean1 = (mean1 - mean2) e^-lv2,
    at |d| on both sides of the switch at 1/2, and finite on every golden case with a finite value in
    float32."""
    from ddpm_golden._evaluate import load_cases

    d = np.array([-40.0, -3.0, -0.6, -0.49, -1e-3, -1e-30, 0.0, 1e-7, 0.3, 0.5, 0.51, 2.0, 30.0])
    gap = np.linspace(-2, 2, len(d))
    logvar1 = d - 0.25
    exact_lv1, exact_m1 = np.expm1(logvar1 + 0.25) / 2, gap * np.exp(0.25)  # d as the inputs hold it
    cases = load_cases("normal_kl")
    finite = [c for c, special in zip(cases.inputs, cases.special)
              if not special and all(v.shape == () for v in c.values())]
    corpus = [np.array([float(c[k]) for c in finite], np.float32)
              for k in ("mean1", "logvar1", "mean2", "logvar2")]
    if framework == "torch":
        def grads(m1, l1, m2, l2, dtype):
            dtype = getattr(torch, dtype)
            m1, l1 = (torch.tensor(a, dtype=dtype, requires_grad=True) for a in (m1, l1))
            value = dt.normal_kl(m1, l1, torch.tensor(m2, dtype=dtype), torch.tensor(l2, dtype=dtype))
            value.sum().backward()
            return value.detach().double().numpy(), m1.grad.double().numpy(), l1.grad.double().numpy()
    else:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)

        def grads(m1, l1, m2, l2, dtype):
            def kl(a, b):
                return dj.normal_kl(a, b, jnp.asarray(m2, dtype), jnp.asarray(l2, dtype)).sum()

            g = jax.grad(kl, argnums=(0, 1))(jnp.asarray(m1, dtype), jnp.asarray(l1, dtype))
            value = dj.normal_kl(*(jnp.asarray(a, dtype) for a in (m1, l1, m2, l2)))
            return tuple(np.asarray(v, np.float64) for v in (value, *g))
    _, g_m1, g_lv1 = grads(gap, logvar1, np.zeros_like(d), np.full_like(d, -0.25), "float64")
    assert np.allclose(g_lv1, exact_lv1, rtol=1e-14, atol=1e-300)
    assert np.allclose(g_m1, exact_m1, rtol=1e-14)
    value, g_m1, g_lv1 = grads(*corpus, "float32")
    # Where the KL itself overflows float32 (the family exp-overflow), so may its slope.
    finite = np.isfinite(value)
    assert np.isfinite(g_m1[finite]).all() and np.isfinite(g_lv1[finite]).all() and finite.sum() > 300
