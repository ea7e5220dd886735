"""NumPy ports of the likelihood helpers of openai/improved-diffusion, written from the upstream formulas.

A test fixture of the Python package (python/tests: it must pass every golden file) and an example of
what a correct port looks like, not part of the Rust crate: it was written from improved-diffusion's
`improved_diffusion/losses.py` and `nn.py`, not from the Rust code. `discretized` takes the probability
floor, the bin half-width and the clamp as parameters so that tests/ports/mutants.py can get them wrong.

Every function is dtype-preserving: float32 inputs are computed in float32 arithmetic, float64 inputs in
float64, float16 inputs in float16 (NumPy computes each float16 op in float32 and rounds the result, as
PyTorch does). Constants are the dtype's rounding of the Python doubles upstream writes (`1.0 / 255.0`, `1e-12`,
`0.999`, `np.sqrt(2.0 / np.pi)`, `0.044715`, `math.sqrt(2)`), which is what PyTorch does when a Python
scalar meets a tensor. The casts are explicit because NumPy's promotion rules differ from PyTorch's: a
NumPy float64 scalar such as `np.sqrt(2.0 / np.pi)` would promote a float32 array to float64 (NumPy >= 2).

NaN and infinite inputs are intended (the golden files test them), so floating-point warnings are
suppressed.
"""

import math

import numpy as np

__all__ = [
    "discretized",
    "normal_kl",
    "mean_flat",
    "approx_standard_normal_cdf",
    "erf_standard_normal_cdf",
    "discretized_gaussian_log_likelihood_tanh",
    "discretized_gaussian_log_likelihood_erf",
    "discretized_gaussian_log_likelihood",
    "continuous",
    "continuous_gaussian_log_likelihood",
]


def _float_dtype(*arrays):
    """The common floating dtype of the arguments (float16, float32 or float64)."""
    dtype = np.result_type(*arrays)
    if dtype not in (np.float16, np.float32, np.float64):
        raise TypeError(f"expected float16, float32 or float64 arrays, got {dtype}")
    return dtype


def _c(dtype, value):
    """The dtype's rounding of a Python double (how PyTorch treats a Python scalar)."""
    return dtype.type(value)


def normal_kl(mean1, logvar1, mean2, logvar2):
    """KL(N(mean1, exp(logvar1)) || N(mean2, exp(logvar2))), elementwise with broadcasting.

    Upstream: 0.5 * (-1.0 + logvar2 - logvar1 + exp(logvar1 - logvar2) + (mean1 - mean2)**2 * exp(-logvar2)).
    """
    # Python floats (upstream's `mean2=0.0, logvar2=0.0`) take the dtype of the arrays, as in PyTorch.
    arrays = [a if isinstance(a, float) else np.asarray(a) for a in (mean1, logvar1, mean2, logvar2)]
    dtype = _float_dtype(*[a for a in arrays if not isinstance(a, float)])
    arrays = [np.asarray(a, dtype=dtype) for a in arrays]
    mean1, logvar1, mean2, logvar2 = (a.astype(dtype, copy=False) for a in arrays)
    with np.errstate(all="ignore"):
        return _c(dtype, 0.5) * (
            _c(dtype, -1.0)
            + logvar2
            - logvar1
            + np.exp(logvar1 - logvar2)
            + ((mean1 - mean2) ** 2) * np.exp(-logvar2)
        )


def mean_flat(tensor):
    """The mean over every axis but the first: [B, ...] -> [B].

    Upstream: tensor.mean(dim=list(range(1, len(tensor.shape)))). NumPy reduces with pairwise summation
    in the array's own dtype. A rank-1 array is returned unchanged (one value per row), as the golden
    files' semantics say.
    """
    tensor = np.asarray(tensor)
    _float_dtype(tensor)
    if tensor.ndim == 0:
        raise ValueError("mean_flat needs at least one axis (the batch axis)")
    with np.errstate(all="ignore"):
        return tensor.mean(axis=tuple(range(1, tensor.ndim)), dtype=tensor.dtype)


def approx_standard_normal_cdf(x):
    """improved-diffusion's tanh approximation of the standard normal CDF.

    Upstream: 0.5 * (1.0 + tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * th.pow(x, 3)))).
    PyTorch evaluates pow(x, 3) as x * x * x, so this port does too.
    """
    x = np.asarray(x)
    dtype = _float_dtype(x)
    with np.errstate(all="ignore"):
        cube = x * x * x
        inner = _c(dtype, np.sqrt(2.0 / np.pi)) * (x + _c(dtype, 0.044715) * cube)
        return _c(dtype, 0.5) * (_c(dtype, 1.0) + np.tanh(inner))


_erf = np.frompyfunc(math.erf, 1, 1)


def erf_standard_normal_cdf(x):
    """The exact Gaussian CDF in erf form: 0.5 * (1 + erf(x / sqrt(2))).

    NumPy has no erf; `math.erf` is evaluated in double on the dtype's value of x / sqrt(2) and rounded
    back to the dtype (within 1 ulp for float32, a few for float64).
    """
    x = np.asarray(x)
    dtype = _float_dtype(x)
    with np.errstate(all="ignore"):
        q = x / _c(dtype, math.sqrt(2.0))
        e = _erf(q.astype(np.float64)).astype(np.float64).astype(dtype)
        return _c(dtype, 0.5) * (_c(dtype, 1.0) + e)


def discretized(cdf, x, means, log_scales, *, floor=1e-12, half_width=1.0 / 255.0, clamp=np.maximum):
    """The log-likelihood of upstream with the CDF `cdf` (and, for mutants, another floor, bin or clamp)."""
    x, means, log_scales = (np.asarray(a) for a in (x, means, log_scales))
    if not x.shape == means.shape == log_scales.shape:
        raise ValueError(f"shapes differ: x {x.shape}, means {means.shape}, log_scales {log_scales.shape}")
    dtype = _float_dtype(x, means, log_scales)
    x, means, log_scales = (a.astype(dtype, copy=False) for a in (x, means, log_scales))
    half_width = _c(dtype, half_width)
    floor = _c(dtype, floor)
    with np.errstate(all="ignore"):
        centered_x = x - means
        inv_stdv = np.exp(-log_scales)
        plus_in = inv_stdv * (centered_x + half_width)
        cdf_plus = cdf(plus_in)
        min_in = inv_stdv * (centered_x - half_width)
        cdf_min = cdf(min_in)
        # clamp(min=1e-12) propagating NaN as torch.clamp does: np.maximum (the default) propagates NaN.
        log_cdf_plus = np.log(clamp(cdf_plus, floor))
        log_one_minus_cdf_min = np.log(clamp(_c(dtype, 1.0) - cdf_min, floor))
        cdf_delta = cdf_plus - cdf_min
        log_probs = np.where(
            x < _c(dtype, -0.999),
            log_cdf_plus,
            np.where(x > _c(dtype, 0.999), log_one_minus_cdf_min, np.log(clamp(cdf_delta, floor))),
        )
    assert log_probs.shape == x.shape and log_probs.dtype == dtype
    return log_probs


def discretized_gaussian_log_likelihood_tanh(x, *, means, log_scales):
    """improved-diffusion's discretized_gaussian_log_likelihood (tanh CDF), in log nats per element."""
    return discretized(approx_standard_normal_cdf, x, means, log_scales)


def discretized_gaussian_log_likelihood_erf(x, *, means, log_scales):
    """The same with the exact (erf) Gaussian CDF."""
    return discretized(erf_standard_normal_cdf, x, means, log_scales)


# Upstream's name, as upstream defines it (tanh CDF).
discretized_gaussian_log_likelihood = discretized_gaussian_log_likelihood_tanh


def continuous(x, means, log_scales, *, jacobian=False):
    """DiT's continuous_gaussian_log_likelihood (`diffusion/diffusion_utils.py`) in the order of
    torch.distributions.Normal(0, 1).log_prob: -(n ** 2) / 2 - log(1) - log(sqrt(2 pi)), n = (x - means)
    * exp(-log_scales). No -log_scales Jacobian (upstream's quirk) unless `jacobian` (a mutant)."""
    x, means, log_scales = (np.asarray(a) for a in (x, means, log_scales))
    dtype = _float_dtype(x, means, log_scales)
    x, means, log_scales = (a.astype(dtype, copy=False) for a in (x, means, log_scales))
    with np.errstate(all="ignore"):
        normalized_x = (x - means) * np.exp(-log_scales)
        log_probs = -(normalized_x**2) / _c(dtype, 2.0) - _c(dtype, math.log(math.sqrt(2 * math.pi)))
        if jacobian:
            log_probs = log_probs - log_scales
    assert log_probs.dtype == dtype
    return log_probs


def continuous_gaussian_log_likelihood(x, *, means, log_scales):
    """The log-likelihood of x under a continuous Gaussian, as DiT computes it (no Jacobian)."""
    return continuous(x, means, log_scales)
