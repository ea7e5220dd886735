"""The stable log-likelihood and KL in pure PyTorch: drop-in replacements for improved-diffusion's
`discretized_gaussian_log_likelihood` and `normal_kl` with the true Gaussian's meaning, accurate in
float32 (src/stable/mod.rs's algorithm: log space, `log_ndtr`, no cancellation), on any device, under
`torch.compile`, and differentiable:

    from ddpm_golden.torch import discretized_gaussian_log_likelihood
    log_probs = discretized_gaussian_log_likelihood(x, means=means, log_scales=log_scales)

The log-likelihood's backward pass is analytic (a `torch.autograd.Function`): the derivatives with
respect to `means` and `log_scales` stay finite and accurate wherever the value is above the clamp at
ln(1e-12), including the far tails where upstream's float32 probability underflows and its gradient is
exactly 0 (it is 0 here too where the true probability is below 1e-12: the clamped function is flat).
float16 and bfloat16 inputs are computed in float32 with upstream's constants rounded to their dtype
and the result rounded back.
"""

import torch

from . import _stable

__all__ = ["discretized_gaussian_log_likelihood", "normal_kl"]


class _Ops:
    """The array namespace `_stable` is written over, in PyTorch."""

    where = staticmethod(torch.where)
    exp = staticmethod(torch.exp)
    expm1 = staticmethod(torch.expm1)
    log = staticmethod(torch.log)
    log1p = staticmethod(torch.log1p)
    abs = staticmethod(torch.abs)
    log_ndtr = staticmethod(torch.special.log_ndtr)
    isfinite = staticmethod(torch.isfinite)
    clamp_min = staticmethod(torch.clamp_min)


_HALF = (torch.float16, torch.bfloat16)


# Upstream's constants rounded to each floating dtype, computed once at import (so that `torch.compile`
# reads a dict instead of tracing their rounding).
_CONSTANTS = {
    dtype: _stable.Constants(lambda v, dtype=dtype: torch.tensor(v, dtype=dtype).item(),
                             "float64" if dtype == torch.float64 else "float32")
    for dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64)
}


class _LogLikelihood(torch.autograd.Function):
    """The log-probability before the clamp (applied outside, in autograd), with the analytic derivatives
    of `_stable.log_prob_grads` as its backward."""

    @staticmethod
    def forward(x, means, log_scales, constants):
        return _stable.log_prob(_Ops, constants, x, means, log_scales)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, means, log_scales, constants = inputs
        ctx.constants = constants
        ctx.save_for_backward(x, means, log_scales, output)

    @staticmethod
    def backward(ctx, grad):
        x, means, log_scales, lnp = ctx.saved_tensors
        d_mean, d_scale = _stable.log_prob_grads(_Ops, ctx.constants, x, means, log_scales, lnp)
        return -grad * d_mean, grad * d_mean, grad * d_scale, None


def _tensors(*values):
    """The arguments as tensors of one dtype and device (Python numbers take the tensors' dtype),
    broadcast to one shape."""
    like = next((v for v in values if isinstance(v, torch.Tensor)), None)
    if like is None:
        raise TypeError("at least one argument must be a torch.Tensor")
    dtype = like.dtype
    for v in values:
        if isinstance(v, torch.Tensor):
            dtype = torch.promote_types(dtype, v.dtype)
    if dtype not in _CONSTANTS:
        raise TypeError(f"expected float16, bfloat16, float32 or float64 tensors, got {dtype}")
    tensors = [torch.as_tensor(v, dtype=dtype, device=like.device) for v in values]
    return torch.broadcast_tensors(*tensors), dtype


def discretized_gaussian_log_likelihood(x, *, means, log_scales):
    """The log-likelihood of `x` (pixel values in [-1, 1], bins of half-width 1/255, edges at +-0.999)
    under N(means, exp(log_scales)^2), elementwise, clamped at ln(1e-12) as upstream's, but with the true
    Gaussian computed in log space (accurate in float32; upstream's tanh CDF is not the Gaussian, and
    its float32 formula loses up to ~10 nats). Same signature and broadcasting as upstream."""
    (x, means, log_scales), dtype = _tensors(x, means, log_scales)
    constants = _CONSTANTS[dtype]
    compute = torch.float32 if dtype in _HALF else dtype
    lnp = _LogLikelihood.apply(x.to(compute), means.to(compute), log_scales.to(compute), constants)
    return _stable.clamp(_Ops, constants, lnp).to(dtype)


def normal_kl(mean1, logvar1, mean2, logvar2):
    """KL(N(mean1, e^logvar1) || N(mean2, e^logvar2)) elementwise, as
    `0.5 (expm1(d) - d + (mean1 - mean2)^2 e^-logvar2)`, d = logvar1 - logvar2: never negative, and
    accurate in float32 for nearly equal Gaussians, where upstream's `-1 + ... + exp(d)` cancels.
    Broadcasting and Python numbers as upstream's `normal_kl`."""
    tensors, dtype = _tensors(mean1, logvar1, mean2, logvar2)
    compute = torch.float32 if dtype in _HALF else dtype
    return _stable.normal_kl(_Ops, *(t.to(compute) for t in tensors)).to(dtype)
