"""JAX ports of the likelihood helpers, improved-diffusion's formulas transcribed as the JAX ports of
guided-diffusion and DiT write them. A test fixture of the Python package (every port here passes every
golden file, eager and under jax.jit). Constants are Python floats: JAX treats them as weakly typed, so
float32 stays float32 (a NumPy float64 constant would promote it when jax_enable_x64 is on).
`discretized` takes the CDF, the probability floor and the bin half-width as parameters for
tests/ports/mutants.py.
"""

import math

import jax.numpy as jnp
from jax.scipy.special import erf


def normal_kl(mean1, logvar1, mean2, logvar2):
    """KL divergence between two gaussians, elementwise with broadcasting."""
    return 0.5 * (
        -1.0 + logvar2 - logvar1 + jnp.exp(logvar1 - logvar2) + ((mean1 - mean2) ** 2) * jnp.exp(-logvar2)
    )


def mean_flat(tensor):
    """The mean over every axis but the first."""
    return jnp.mean(tensor, axis=tuple(range(1, tensor.ndim)))


def approx_standard_normal_cdf(x):
    """improved-diffusion's tanh approximation of the standard normal CDF."""
    return 0.5 * (1.0 + jnp.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * jnp.power(x, 3))))


def erf_standard_normal_cdf(x):
    """The exact standard normal CDF in erf form."""
    return 0.5 * (1.0 + erf(x / math.sqrt(2.0)))


def discretized(cdf, x, means, log_scales, *, floor=1e-12, half_width=1.0 / 255.0):
    """improved-diffusion's discretized_gaussian_log_likelihood with `cdf`, `floor` and `half_width` made
    parameters."""
    assert x.shape == means.shape == log_scales.shape
    centered_x = x - means
    inv_stdv = jnp.exp(-log_scales)
    cdf_plus = cdf(inv_stdv * (centered_x + half_width))
    cdf_min = cdf(inv_stdv * (centered_x - half_width))
    log_cdf_plus = jnp.log(jnp.clip(cdf_plus, min=floor))
    log_one_minus_cdf_min = jnp.log(jnp.clip(1.0 - cdf_min, min=floor))
    cdf_delta = cdf_plus - cdf_min
    return jnp.where(
        x < -0.999,
        log_cdf_plus,
        jnp.where(x > 0.999, log_one_minus_cdf_min, jnp.log(jnp.clip(cdf_delta, min=floor))),
    )


def discretized_gaussian_log_likelihood(x, *, means, log_scales):
    """The log-likelihood of a Gaussian discretizing to a given image (tanh CDF, as upstream)."""
    return discretized(approx_standard_normal_cdf, x, means, log_scales)


def discretized_gaussian_log_likelihood_erf(x, *, means, log_scales):
    """The same with the exact (erf) CDF."""
    return discretized(erf_standard_normal_cdf, x, means, log_scales)


def continuous(x, means, log_scales, *, jacobian=False):
    """DiT's continuous_gaussian_log_likelihood in torch.distributions.Normal(0, 1).log_prob's order:
    -(n ** 2) / 2 - log(1) - log(sqrt(2 pi)); `jacobian` subtracts log_scales (a mutant)."""
    normalized_x = (x - means) * jnp.exp(-log_scales)
    log_probs = -(normalized_x**2) / 2.0 - math.log(math.sqrt(2 * math.pi))
    return log_probs - log_scales if jacobian else log_probs


def continuous_gaussian_log_likelihood(x, *, means, log_scales):
    """The log-likelihood of x under a continuous Gaussian, as DiT computes it (no Jacobian)."""
    return continuous(x, means, log_scales)
