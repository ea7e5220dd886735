"""Verify against upstream itself: the helpers as their authors wrote them, transcribed verbatim below,
pass the golden files through the bridge (`ddpm_golden.assert_port`) in float32 and float64 PyTorch.

Sources (read at these commits; only the code of the functions is copied, docstrings shortened):
- openai/improved-diffusion, commit 51fc1064dff882cce87b37fb0bcc0eddfd450f56, `improved_diffusion/losses.py`:
  `normal_kl`, `approx_standard_normal_cdf`, `discretized_gaussian_log_likelihood`;
- openai/improved-diffusion, commit e593c92b3cd143ed8e858eb70e4a6554a8f23933, `improved_diffusion/nn.py`:
  `mean_flat`;
- facebookresearch/DiT, commit 29e4fa6cad818789364b9c45effd725ee4649e78, `diffusion/diffusion_utils.py`:
  `continuous_gaussian_log_likelihood`;
- openai/improved-diffusion, commit 6051920c0865d53146db7841bfba43c3e67edef6,
  `improved_diffusion/gaussian_diffusion.py`: the posterior arrays of `GaussianDiffusion.__init__`,
  `_extract_into_tensor`, `q_posterior_mean_variance`, the START_X and LEARNED_RANGE branches of
  `p_mean_variance`, `_prior_bpd` (with `q_mean_variance`) and `_vb_terms_bpd`,
  restated operation for operation (same operations, same order, same dtypes: float64 NumPy arrays,
  the element indexed then `.float()`ed) rather than copied; the schedule is test_schedule.py's.

Each helper is one `Upstream` entry of `UPSTREAM`: the golden function it is judged as, the variant, an
adapter where the calling convention differs, and how special cases (NaN or infinite inputs) are
treated. The schedule and the derived arrays of `gaussian_diffusion.py`, called once per case with names,
are judged in test_schedule.py and test_derived.py. `_vb_terms_bpd` takes a model: its adapter builds one
that returns the case's `pred_xstart` and `model_var_values` (docs/golden-format.md, "`_vb_terms_bpd`").
"""

import functools
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


# ---- openai/improved-diffusion improved_diffusion/gaussian_diffusion.py (6051920c), restated ----


class PosteriorArrays:
    """The arrays `GaussianDiffusion.__init__` builds for the posterior and the prior, in float64 as
    upstream does."""

    def __init__(self, betas):
        betas = np.array(betas, dtype=np.float64)
        assert (betas > 0).all() and (betas <= 1).all()
        alphas = 1.0 - betas
        alphas_cumprod = np.cumprod(alphas, axis=0)
        alphas_cumprod_prev = np.append(1.0, alphas_cumprod[:-1])
        self.betas = betas
        self.posterior_variance = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)
        # Element 0 of the variance is 0: its log is replaced by element 1's.
        self.posterior_log_variance_clipped = np.log(
            np.append(self.posterior_variance[1], self.posterior_variance[1:])
        )
        self.posterior_mean_coef1 = betas * np.sqrt(alphas_cumprod_prev) / (1.0 - alphas_cumprod)
        self.posterior_mean_coef2 = (1.0 - alphas_cumprod_prev) * np.sqrt(alphas) / (1.0 - alphas_cumprod)
        self.num_timesteps = int(betas.shape[0])
        self.sqrt_alphas_cumprod = np.sqrt(alphas_cumprod)
        self.log_one_minus_alphas_cumprod = np.log(1.0 - alphas_cumprod)


def extract_into_tensor(arr, timesteps, broadcast_shape):
    """The float64 array indexed at the timesteps, `.float()`ed, broadcast to the tensors' shape."""
    res = th.from_numpy(arr).to(device=timesteps.device)[timesteps].float()
    return res.reshape(-1, *([1] * (len(broadcast_shape) - 1))).expand(broadcast_shape)


@functools.lru_cache(maxsize=None)
def diffusion(schedule_name, num_diffusion_timesteps):
    """The diffusion of a case, built once per schedule and step count (the adapter's cache)."""
    from test_schedule import get_named_beta_schedule

    return PosteriorArrays(get_named_beta_schedule(schedule_name, num_diffusion_timesteps))


def q_posterior_mean_variance(schedule_name, num_diffusion_timesteps, x_start, x_t, t):
    """`GaussianDiffusion.q_posterior_mean_variance(x_start, x_t, t)` of the case's diffusion."""
    return posterior_of(diffusion(schedule_name, num_diffusion_timesteps), x_start, x_t, t)


def posterior_of(d, x_start, x_t, t):
    """`q_posterior_mean_variance` of the diffusion `d`."""
    assert x_start.shape == x_t.shape
    posterior_mean = (
        extract_into_tensor(d.posterior_mean_coef1, t, x_t.shape) * x_start
        + extract_into_tensor(d.posterior_mean_coef2, t, x_t.shape) * x_t
    )
    posterior_variance = extract_into_tensor(d.posterior_variance, t, x_t.shape)
    posterior_log_variance_clipped = extract_into_tensor(d.posterior_log_variance_clipped, t, x_t.shape)
    return posterior_mean, posterior_variance, posterior_log_variance_clipped


def learned_range_log_variance(schedule_name, num_diffusion_timesteps, model_var_values, t):
    """`p_mean_variance(...)["log_variance"]` with `ModelVarType.LEARNED_RANGE`: the model's second half of
    channels is `model_var_values`, given directly."""
    d = diffusion(schedule_name, num_diffusion_timesteps)
    shape = model_var_values.shape
    min_log = extract_into_tensor(d.posterior_log_variance_clipped, t, shape)
    max_log = extract_into_tensor(np.log(d.betas), t, shape)
    frac = (model_var_values + 1) / 2
    return frac * max_log + (1 - frac) * min_log


def prior_bpd(schedule_name, num_diffusion_timesteps, x_start):
    """`GaussianDiffusion._prior_bpd(x_start)`: q(x_T | x_0) from `q_mean_variance` at t = T - 1 against
    N(0, 1), averaged over the non-batch axes, in bits."""
    d = diffusion(schedule_name, num_diffusion_timesteps)
    t = th.tensor([d.num_timesteps - 1] * x_start.shape[0], device=x_start.device)
    qt_mean = extract_into_tensor(d.sqrt_alphas_cumprod, t, x_start.shape) * x_start
    qt_log_variance = extract_into_tensor(d.log_one_minus_alphas_cumprod, t, x_start.shape)
    kl_prior = normal_kl(mean1=qt_mean, logvar1=qt_log_variance, mean2=0.0, logvar2=0.0)
    return mean_flat(kl_prior) / np.log(2.0)


def p_mean_variance(schedule_name, num_diffusion_timesteps, model, x, t, clip_denoised=True):
    """`GaussianDiffusion.p_mean_variance(model, x, t, clip_denoised)` with `ModelMeanType.START_X` and
    `ModelVarType.LEARNED_RANGE` (the branches this diffusion takes; no denoised_fn, no model_kwargs,
    `rescale_timesteps=False`): the model's output split in two along the channels."""
    d = diffusion(schedule_name, num_diffusion_timesteps)
    B, C = x.shape[:2]
    assert t.shape == (B,)
    model_output = model(x, t)
    assert model_output.shape == (B, C * 2, *x.shape[2:])
    model_output, model_var_values = th.split(model_output, C, dim=1)
    model_log_variance = learned_range_log_variance(schedule_name, num_diffusion_timesteps, model_var_values, t)
    pred_xstart = model_output.clamp(-1, 1) if clip_denoised else model_output
    model_mean, _, _ = posterior_of(d, pred_xstart, x, t)
    assert model_mean.shape == model_log_variance.shape == pred_xstart.shape == x.shape
    return {"mean": model_mean, "log_variance": model_log_variance, "pred_xstart": pred_xstart}


def vb_terms_parts(schedule_name, num_diffusion_timesteps, model, x_start, x_t, t, clip_denoised=True):
    """`_vb_terms_bpd`'s two terms before `th.where`: the posterior KL and the decoder NLL, in bits."""
    d = diffusion(schedule_name, num_diffusion_timesteps)
    true_mean, _, true_log_variance_clipped = posterior_of(d, x_start, x_t, t)
    out = p_mean_variance(schedule_name, num_diffusion_timesteps, model, x_t, t, clip_denoised=clip_denoised)
    kl = normal_kl(true_mean, true_log_variance_clipped, out["mean"], out["log_variance"])
    kl = mean_flat(kl) / np.log(2.0)
    decoder_nll = -discretized_gaussian_log_likelihood(
        x_start, means=out["mean"], log_scales=0.5 * out["log_variance"]
    )
    assert decoder_nll.shape == x_start.shape
    decoder_nll = mean_flat(decoder_nll) / np.log(2.0)
    return kl, decoder_nll


def vb_terms_bpd(schedule_name, num_diffusion_timesteps, x_start, x_t, t, pred_xstart, model_var_values):
    """The adapter a port of the method writes: the model is the case's data, `_vb_terms_bpd(model,
    x_start, x_t, t, clip_denoised=False)["output"]` (the decoder NLL at t = 0, the KL otherwise)."""

    def model(x, ts):
        return th.cat([pred_xstart, model_var_values], dim=1)

    kl, decoder_nll = vb_terms_parts(
        schedule_name, num_diffusion_timesteps, model, x_start, x_t, t, clip_denoised=False
    )
    return th.where((t == 0), decoder_nll, kl)


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
    Upstream(q_posterior_mean_variance, "q_posterior_mean_variance"),
    Upstream(learned_range_log_variance, "learned_range_log_variance"),
    Upstream(prior_bpd, "prior_bpd"),
    Upstream(vb_terms_bpd, "vb_terms_bpd"),
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


def unclipped_posterior(schedule_name, num_diffusion_timesteps, x_start, x_t, t):
    """A port that takes the log of the posterior variance without replacing element 0 (log 0 = -inf)."""
    mean, variance, _ = q_posterior_mean_variance(schedule_name, num_diffusion_timesteps, x_start, x_t, t)
    return mean, variance, th.log(variance)


def prior_in_nats(schedule_name, num_diffusion_timesteps, x_start):
    """A port of the prior that forgets the division by ln 2."""
    return prior_bpd(schedule_name, num_diffusion_timesteps, x_start) * np.log(2.0)


def raw_frac(schedule_name, num_diffusion_timesteps, model_var_values, t):
    """A port whose learned range takes `frac = model_var_values` (the map to [0, 1] forgotten)."""
    return learned_range_log_variance(schedule_name, num_diffusion_timesteps, 2 * model_var_values - 1, t)


def where_swapped(schedule_name, num_diffusion_timesteps, x_start, x_t, t, pred_xstart, model_var_values):
    """A port of `_vb_terms_bpd` whose `th.where` returns the KL at t = 0 and the decoder NLL after."""

    def model(x, ts):
        return th.cat([pred_xstart, model_var_values], dim=1)

    kl, decoder_nll = vb_terms_parts(
        schedule_name, num_diffusion_timesteps, model, x_start, x_t, t, clip_denoised=False
    )
    return th.where((t == 0), kl, decoder_nll)


def without_float(port):
    """The port run with `_extract_into_tensor` keeping the float64 element (no `.float()`): in float64 the
    goldens (expected values on `f32(exact element)`) must reject it; `_prior_bpd` is not among them (its
    float32-evaluated variance terms, upstream's own, dwarf the effect: docs/golden-format.md)."""

    def keeping_float64(arr, timesteps, broadcast_shape):
        res = th.from_numpy(arr).to(device=timesteps.device)[timesteps]
        return res.reshape(-1, *([1] * (len(broadcast_shape) - 1))).expand(broadcast_shape)

    @functools.wraps(port)
    def run(*args, **kwargs):
        global extract_into_tensor
        upstream = extract_into_tensor
        extract_into_tensor = keeping_float64
        try:
            return port(*args, **kwargs)
        finally:
            extract_into_tensor = upstream

    return run


@pytest.mark.parametrize(
    "port, function",
    (
        (q_posterior_mean_variance, "q_posterior_mean_variance"),
        (learned_range_log_variance, "learned_range_log_variance"),
        (vb_terms_bpd, "vb_terms_bpd"),
    ),
    ids=("posterior", "learned-range", "vb-terms"),
)
def test_float64_port_without_float_fails(port, function):
    report = ddpm_golden.check(without_float(port), function=function, dtype=th.float64)
    assert not report.passed and report.judged > 0, report


@pytest.mark.parametrize("dtype", (th.float32, th.float64), ids=("float32", "float64"))
@pytest.mark.parametrize(
    "port, function",
    (
        (unclipped_posterior, "q_posterior_mean_variance"),
        (raw_frac, "learned_range_log_variance"),
        (prior_in_nats, "prior_bpd"),
        (where_swapped, "vb_terms_bpd"),
    ),
    ids=("unclipped-posterior", "raw-frac", "prior-in-nats", "vb-where-swapped"),
)
def test_wrong_diffusion_ports_fail(port, function, dtype):
    report = ddpm_golden.check(port, function=function, dtype=dtype)
    assert not report.passed and report.judged > 0, report
