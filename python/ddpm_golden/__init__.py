"""Golden tests for PyTorch, JAX and NumPy ports of the likelihood helpers of diffusion models
(`discretized_gaussian_log_likelihood`, `normal_kl`, the standard normal CDF, `mean_flat`, and DiT's
`continuous_gaussian_log_likelihood`).

    import torch, ddpm_golden
    from mypkg.losses import discretized_gaussian_log_likelihood

    def test_loglik():
        ddpm_golden.assert_port(discretized_gaussian_log_likelihood,
                                function="discretized_gaussian_log_likelihood", dtype=torch.float32, variant="tanh")

The golden files (exact values from an arbitrary-precision reference, per-case tolerances) and the
verifier that judges them are the Rust library's, compiled into `ddpm_golden._native`. Command line:
`python -m ddpm_golden check module:function --function ... --dtype ... [--variant ...]`.

Also shipped, imported on demand: `ddpm_golden.torch` and `ddpm_golden.jax` (the stable log-likelihood and
`normal_kl`: the true Gaussian in log space, differentiable, drop-in for improved-diffusion's) and
`ddpm_golden.kernels` (the fused Rust kernels on NumPy arrays and CPU torch tensors).
"""

from ._check import assert_port, check
from ._evaluate import SPECIALS, Raised
from ._native import UsageError
from ._report import Failure, FamilyCounts, Report

__all__ = ["check", "assert_port", "Report", "Failure", "FamilyCounts", "Raised", "UsageError", "SPECIALS"]
