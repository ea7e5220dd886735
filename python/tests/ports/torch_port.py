"""PyTorch ports of the likelihood helpers: openai/improved-diffusion's code (`improved_diffusion/losses.py`
and `nn.py`), transcribed, plus the erf form of the CDF. A test fixture of the Python package (every port
here passes every golden file) and what tools/bench_torch.py times. `discretized` is upstream's
log-likelihood with the CDF, the probability floor and the bin half-width as parameters, so that
tests/ports/mutants.py can get them wrong.
"""

import math

import numpy as np
import torch as th


def normal_kl(mean1, logvar1, mean2, logvar2):
    """KL divergence between two gaussians, elementwise with broadcasting (upstream, verbatim)."""
    tensor = None
    for obj in (mean1, logvar1, mean2, logvar2):
        if isinstance(obj, th.Tensor):
            tensor = obj
            break
    assert tensor is not None, "at least one argument must be a Tensor"
    # Force variances to be Tensors. Broadcasting helps convert scalars to Tensors, but it does not
    # work for th.exp().
    logvar1, logvar2 = [
        x if isinstance(x, th.Tensor) else th.tensor(x).to(tensor) for x in (logvar1, logvar2)
    ]
    return 0.5 * (
        -1.0 + logvar2 - logvar1 + th.exp(logvar1 - logvar2) + ((mean1 - mean2) ** 2) * th.exp(-logvar2)
    )


def mean_flat(tensor):
    """Take the mean over all non-batch dimensions (upstream nn.py)."""
    return tensor.mean(dim=list(range(1, len(tensor.shape))))


def approx_standard_normal_cdf(x):
    """A fast approximation of the cumulative distribution function of the standard normal (upstream)."""
    return 0.5 * (1.0 + th.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * th.pow(x, 3))))


def erf_standard_normal_cdf(x):
    """The exact standard normal CDF in erf form."""
    return 0.5 * (1.0 + th.erf(x / math.sqrt(2.0)))


def discretized(cdf, x, means, log_scales, *, floor=1e-12, half_width=1.0 / 255.0):
    """Upstream's discretized_gaussian_log_likelihood body with `cdf`, `floor` and `half_width` made
    parameters."""
    assert x.shape == means.shape == log_scales.shape
    centered_x = x - means
    inv_stdv = th.exp(-log_scales)
    plus_in = inv_stdv * (centered_x + half_width)
    cdf_plus = cdf(plus_in)
    min_in = inv_stdv * (centered_x - half_width)
    cdf_min = cdf(min_in)
    log_cdf_plus = th.log(cdf_plus.clamp(min=floor))
    log_one_minus_cdf_min = th.log((1.0 - cdf_min).clamp(min=floor))
    cdf_delta = cdf_plus - cdf_min
    log_probs = th.where(
        x < -0.999,
        log_cdf_plus,
        th.where(x > 0.999, log_one_minus_cdf_min, th.log(cdf_delta.clamp(min=floor))),
    )
    assert log_probs.shape == x.shape
    return log_probs


def discretized_gaussian_log_likelihood(x, *, means, log_scales):
    """The log-likelihood of a Gaussian discretizing to a given image (upstream: tanh CDF)."""
    return discretized(approx_standard_normal_cdf, x, means, log_scales)


def discretized_gaussian_log_likelihood_erf(x, *, means, log_scales):
    """The same with the exact (erf) CDF."""
    return discretized(erf_standard_normal_cdf, x, means, log_scales)


def continuous(x, means, log_scales, *, jacobian=False):
    """DiT's continuous_gaussian_log_likelihood (`diffusion/diffusion_utils.py`): the standard normal
    log-density at the normalized value, without the -log_scales Jacobian unless `jacobian` (a mutant).
    validate_args=False: torch's default validation raises on a NaN normalized_x, which the golden's
    special cases contain (tests/test_upstream.py runs the verbatim code with specials="allow-raise")."""
    centered_x = x - means
    inv_stdv = th.exp(-log_scales)
    normalized_x = centered_x * inv_stdv
    normal = th.distributions.Normal(th.zeros_like(x), th.ones_like(x), validate_args=False)
    log_probs = normal.log_prob(normalized_x)
    return log_probs - log_scales if jacobian else log_probs


def continuous_gaussian_log_likelihood(x, *, means, log_scales):
    """The log-likelihood of x under a continuous Gaussian, as DiT computes it (no Jacobian)."""
    return continuous(x, means, log_scales)
