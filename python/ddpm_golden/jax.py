"""The stable log-likelihood and KL in pure JAX: drop-in replacements for improved-diffusion's
`discretized_gaussian_log_likelihood` and `normal_kl` with the true Gaussian's meaning, accurate in
float32 (src/stable/mod.rs's algorithm: log space, `log_ndtr`, no cancellation), on any device, under
`jax.jit`, and differentiable:

    from ddpm_golden.jax import discretized_gaussian_log_likelihood
    log_probs = discretized_gaussian_log_likelihood(x, means=means, log_scales=log_scales)

The log-likelihood has a `jax.custom_vjp` with the analytic derivatives with respect to `means` and
`log_scales`: finite and accurate wherever the value is above the clamp at ln(1e-12), including the far
tails where upstream's float32 probability underflows and its gradient is exactly 0 (it is 0 here too
where the true probability is below 1e-12: the clamped function is flat). float64 needs
`jax_enable_x64`, as everywhere in JAX; float16 and bfloat16 are computed in float32 with upstream's
constants rounded to their dtype and the result rounded back.
"""

import functools

import jax
import jax.numpy as jnp
from jax.scipy.special import log_ndtr

from . import _stable

__all__ = ["discretized_gaussian_log_likelihood", "normal_kl"]


class _Ops:
    """The array namespace `_stable` is written over, in JAX."""

    where = staticmethod(jnp.where)
    exp = staticmethod(jnp.exp)
    expm1 = staticmethod(jnp.expm1)
    log = staticmethod(jnp.log)
    log1p = staticmethod(jnp.log1p)
    abs = staticmethod(jnp.abs)
    log_ndtr = staticmethod(log_ndtr)
    isfinite = staticmethod(jnp.isfinite)
    clamp_min = staticmethod(jnp.maximum)


@functools.lru_cache(maxsize=None)
def _constants(dtype_name):
    compute = "float64" if dtype_name == "float64" else "float32"
    return _stable.Constants(lambda v: float(jnp.asarray(v, dtype=dtype_name)), compute)


@functools.lru_cache(maxsize=None)
def _log_likelihood(dtype_name):
    """The clamped log-probability with `dtype_name`'s constants: the value before the clamp is a
    `custom_vjp` with the analytic derivatives of `_stable.log_prob_grads`; the clamp is differentiated by
    JAX."""
    constants = _constants(dtype_name)

    @jax.custom_vjp
    def log_prob(x, means, log_scales):
        return _stable.log_prob(_Ops, constants, x, means, log_scales)

    def forward(x, means, log_scales):
        lnp = log_prob(x, means, log_scales)
        return lnp, (x, means, log_scales, lnp)

    def backward(residuals, grad):
        x, means, log_scales, lnp = residuals
        d_mean, d_scale = _stable.log_prob_grads(_Ops, constants, x, means, log_scales, lnp)
        return -grad * d_mean, grad * d_mean, grad * d_scale

    log_prob.defvjp(forward, backward)
    return lambda x, means, log_scales: _stable.clamp(_Ops, constants, log_prob(x, means, log_scales))


def _arrays(*values):
    """The arguments as JAX arrays of one floating dtype (Python numbers take the arrays' dtype),
    broadcast to one shape."""
    dtype = jnp.result_type(*values)
    if not jnp.issubdtype(dtype, jnp.floating):
        raise TypeError(f"expected floating-point arrays, got {dtype}")
    return jnp.broadcast_arrays(*(jnp.asarray(v, dtype=dtype) for v in values)), jnp.dtype(dtype).name


def _compute_dtype(dtype_name):
    """float16 and bfloat16 are computed in float32 (with their own constants), as `log_ndtr` needs."""
    return jnp.float32 if dtype_name in ("float16", "bfloat16") else dtype_name


def discretized_gaussian_log_likelihood(x, *, means, log_scales):
    """The log-likelihood of `x` (pixel values in [-1, 1], bins of half-width 1/255, edges at +-0.999)
    under N(means, exp(log_scales)^2), elementwise, clamped at ln(1e-12) as upstream's, but with the true
    Gaussian computed in log space (accurate in float32). Same signature and broadcasting as upstream."""
    (x, means, log_scales), dtype = _arrays(x, means, log_scales)
    compute = _compute_dtype(dtype)
    lnp = _log_likelihood(dtype)(x.astype(compute), means.astype(compute), log_scales.astype(compute))
    return lnp.astype(dtype)


def normal_kl(mean1, logvar1, mean2, logvar2):
    """KL(N(mean1, e^logvar1) || N(mean2, e^logvar2)) elementwise, as
    `0.5 (expm1(d) - d + (mean1 - mean2)^2 e^-logvar2)`, d = logvar1 - logvar2: never negative, and
    accurate in float32 for nearly equal Gaussians. Broadcasting and Python numbers as upstream's."""
    arrays, dtype = _arrays(mean1, logvar1, mean2, logvar2)
    compute = _compute_dtype(dtype)
    return _stable.normal_kl(_Ops, *(a.astype(compute) for a in arrays)).astype(dtype)
