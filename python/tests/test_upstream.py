"""Verify against upstream itself: the helpers as their authors wrote them, transcribed verbatim below,
pass the golden files through the bridge (`ddpm_golden.assert_port`) in float32 and float64 PyTorch.

Sources (read at these commits; only the code of the functions is copied, docstrings shortened):
- openai/improved-diffusion, commit 51fc1064dff882cce87b37fb0bcc0eddfd450f56, `improved_diffusion/losses.py`:
  `normal_kl`, `approx_standard_normal_cdf`, `discretized_gaussian_log_likelihood`;
- openai/improved-diffusion, commit e593c92b3cd143ed8e858eb70e4a6554a8f23933, `improved_diffusion/nn.py`:
  `mean_flat`;
- facebookresearch/DiT, commit 29e4fa6cad818789364b9c45effd725ee4649e78, `diffusion/diffusion_utils.py`:
  `continuous_gaussian_log_likelihood`.

Each helper is one `Upstream` entry of `UPSTREAM`: the golden function it is judged as, the variant, an
adapter where the calling convention differs, and how special cases (NaN or infinite inputs) are
treated. The schedule and the derived arrays of `gaussian_diffusion.py`, called once per case with names,
are judged in test_schedule.py and test_derived.py; the posterior and variational-bound functions join
this list when their golden files exist.
"""

from dataclasses import dataclass

import numpy as np
import pytest
import torch as th

import ddpm_golden

# ---- openai/improved-diffusion improved_diffusion/losses.py (51fc1064), verbatim ----


def normal_kl(mean1, logvar1, mean2, logvar2):
    """
    Compute the KL divergence between two gaussians.

    Shapes are automatically broadcasted, so batches can be compared to
    scalars, among other use cases.
    """
    tensor = None
    for obj in (mean1, logvar1, mean2, logvar2):
        if isinstance(obj, th.Tensor):
            tensor = obj
            break
    assert tensor is not None, "at least one argument must be a Tensor"

    # Force variances to be Tensors. Broadcasting helps convert scalars to
    # Tensors, but it does not work for th.exp().
    logvar1, logvar2 = [
        x if isinstance(x, th.Tensor) else th.tensor(x).to(tensor)
        for x in (logvar1, logvar2)
    ]

    return 0.5 * (
        -1.0
        + logvar2
        - logvar1
        + th.exp(logvar1 - logvar2)
        + ((mean1 - mean2) ** 2) * th.exp(-logvar2)
    )


def approx_standard_normal_cdf(x):
    """
    A fast approximation of the cumulative distribution function of the
    standard normal.
    """
    return 0.5 * (1.0 + th.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * th.pow(x, 3))))


def discretized_gaussian_log_likelihood(x, *, means, log_scales):
    """
    Compute the log-likelihood of a Gaussian distribution discretizing to a
    given image.
    """
    assert x.shape == means.shape == log_scales.shape
    centered_x = x - means
    inv_stdv = th.exp(-log_scales)
    plus_in = inv_stdv * (centered_x + 1.0 / 255.0)
    cdf_plus = approx_standard_normal_cdf(plus_in)
    min_in = inv_stdv * (centered_x - 1.0 / 255.0)
    cdf_min = approx_standard_normal_cdf(min_in)
    log_cdf_plus = th.log(cdf_plus.clamp(min=1e-12))
    log_one_minus_cdf_min = th.log((1.0 - cdf_min).clamp(min=1e-12))
    cdf_delta = cdf_plus - cdf_min
    log_probs = th.where(
        x < -0.999,
        log_cdf_plus,
        th.where(x > 0.999, log_one_minus_cdf_min, th.log(cdf_delta.clamp(min=1e-12))),
    )
    assert log_probs.shape == x.shape
    return log_probs


# ---- openai/improved-diffusion improved_diffusion/nn.py (e593c92b), verbatim ----


def mean_flat(tensor):
    """
    Take the mean over all non-batch dimensions.
    """
    return tensor.mean(dim=list(range(1, len(tensor.shape))))


# ---- facebookresearch/DiT diffusion/diffusion_utils.py (29e4fa6c), verbatim ----


def continuous_gaussian_log_likelihood(x, *, means, log_scales):
    """
    Compute the log-likelihood of a continuous Gaussian distribution.
    """
    centered_x = x - means
    inv_stdv = th.exp(-log_scales)
    normalized_x = centered_x * inv_stdv
    log_probs = th.distributions.Normal(th.zeros_like(x), th.ones_like(x)).log_prob(normalized_x)
    return log_probs


# ---- the list the test runs ----


def without_validation(fn, x, **named):
    """Calls upstream with torch.distributions' argument validation off (the arithmetic unchanged):
    `Normal.log_prob` validates by default and raises ValueError on a NaN normalized_x, which finite
    inputs produce too where exp(-log_scales) overflows and x = means (0 * inf); the golden admits NaN
    there ("unconstrained"), and the bridge counts a raise on a finite case as a failure."""
    previous = th.distributions.Distribution._validate_args
    th.distributions.Distribution.set_default_validate_args(False)
    try:
        return fn(x, **named)
    finally:
        th.distributions.Distribution.set_default_validate_args(previous)


@dataclass(frozen=True)
class Upstream:
    """One upstream helper and how the bridge judges it."""

    fn: object
    function: str
    """The golden file it is judged against."""
    variant: str = None
    call: object = None
    """An adapter `call(fn, **golden_named_args)` where upstream's calling convention differs."""
    specials: str = "strict"
    """How special cases (NaN or infinite inputs) are treated (`ddpm_golden.check`'s option)."""


UPSTREAM = (
    Upstream(normal_kl, "normal_kl"),
    Upstream(approx_standard_normal_cdf, "standard_normal_cdf", variant="tanh"),
    Upstream(discretized_gaussian_log_likelihood, "discretized_gaussian_log_likelihood", variant="tanh"),
    Upstream(mean_flat, "mean_flat"),
    Upstream(
        continuous_gaussian_log_likelihood, "continuous_gaussian_log_likelihood", call=without_validation
    ),
)


@pytest.mark.parametrize("dtype", (th.float32, th.float64), ids=("float32", "float64"))
@pytest.mark.parametrize("entry", UPSTREAM, ids=[u.fn.__name__ for u in UPSTREAM])
def test_upstream_passes_its_golden_file(entry, dtype):
    report = ddpm_golden.assert_port(
        entry.fn,
        function=entry.function,
        dtype=dtype,
        variant=entry.variant,
        call=entry.call,
        specials=entry.specials,
        implementation=f"upstream {entry.fn.__name__}",
    )
    assert report.framework == "torch" and report.judged > 0


@pytest.mark.parametrize("dtype", (th.float32, th.float64), ids=("float32", "float64"))
def test_dit_with_validation_raises_only_where_normalized_x_is_nan(dtype):
    """Called as DiT calls it (validation on), the helper raises on exactly the cases whose normalized
    value is NaN: NaN inputs, 0 * inf, and finite x = means where exp(-log_scales) overflows the dtype;
    every value it returns passes."""
    report = ddpm_golden.check(
        continuous_gaussian_log_likelihood,
        function="continuous_gaussian_log_likelihood",
        dtype=dtype,
        specials="allow-raise",
    )
    assert report.failed == 0 and report.judged > 0, report
    raised = {r.id for r in report.raised}
    overflow = {i for i in raised if not i.startswith("special/")}
    assert overflow and all(i.startswith("scale-overflow/zero-difference/") for i in overflow), raised
    assert "special/log_scales=-inf/x=means" in raised  # 0 * exp(inf)
    assert "special/x=+inf/means=+inf" in raised  # inf - inf
    assert "special/log_scales=+inf" not in raised  # normalized_x = 0: a finite value
    # float32's exp overflows beyond 88.72, float64's beyond 709.78.
    assert ("scale-overflow/zero-difference/log_scale=-89" in raised) == (dtype == th.float32)
    assert "scale-overflow/zero-difference/log_scale=-710" in raised
