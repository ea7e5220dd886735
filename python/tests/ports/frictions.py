"""Correct ports in the shapes real code bases give them, each of which needed a hand-written adapter or
lost its verdict with the earlier bridge (tools/check_port.py): positional arguments, a method, a
function that requires 4-D input, a CDF that refuses NaN. All PyTorch, all numerically upstream's.
"""

import torch

from ports import torch_port


def loglik_positional(x0, mean, log_scale):
    """modelscope's signature: positional arguments with other names."""
    return torch_port.discretized(torch_port.approx_standard_normal_cdf, x0, mean, log_scale)


def loglik_4d(x, *, means, log_scales):
    """LSGM's habit: the function asserts image-shaped input."""
    assert x.dim() == 4, f"expected [B, C, H, W], got {tuple(x.shape)}"
    return torch_port.discretized(torch_port.approx_standard_normal_cdf, x, means, log_scales)


class Diffusion:
    """A diffusion object whose loss terms are methods (guided-diffusion's GaussianDiffusion style)."""

    def __init__(self, cdf=torch_port.approx_standard_normal_cdf):
        self.cdf = cdf

    def log_likelihood(self, x, *, means, log_scales):
        return torch_port.discretized(self.cdf, x, means, log_scales)

    def kl(self, mean_1, log_var_1, mean_2, log_var_2):
        """Another naming of normal_kl's arguments."""
        return torch_port.normal_kl(mean_1, log_var_1, mean_2, log_var_2)


def distributions_cdf(z):
    """The erf CDF through torch.distributions, which validates its argument: it raises on NaN."""
    return torch.distributions.Normal(0.0, 1.0).cdf(z)
