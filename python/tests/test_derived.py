"""The derived arrays of GaussianDiffusion.__init__ through the package: upstream's float64 arithmetic (openai/
improved-diffusion improved_diffusion/gaussian_diffusion.py at 6051920c0865d53146db7841bfba43c3e67edef6,
`GaussianDiffusion.__init__`, in its order of operations on the betas of its own get_named_beta_schedule)
passes in float64 and, as `_extract_into_tensor` hands it to a model (`th.from_numpy(arr)[timesteps]
.float()`), in float32; so does a port with log1p for upstream's cancelling `np.log(1.0 - alphas_cumprod)`.
Arrays built on float32 tensors, the posterior log-variance without its clipping or clipped at 1e-20 as Ho
et al.'s code does, and alphas_cumprod_prev sliced one off fail. Calling convention: fn(schedule_name, num_diffusion_timesteps, array) returns the
array named `array`."""

import numpy as np
import torch as th

from ddpm_golden import check
from test_schedule import get_named_beta_schedule


def derive(betas, clip_first=True, prev_slice=slice(None, -1), floor=None):
    """GaussianDiffusion.__init__'s arrays, as upstream computes them (NumPy, the dtype of `betas`)."""
    alphas = 1.0 - betas
    alphas_cumprod = np.cumprod(alphas, axis=0)
    alphas_cumprod_prev = np.append(1.0, alphas_cumprod[prev_slice]).astype(betas.dtype)
    posterior_variance = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)
    first = posterior_variance[1] if clip_first else posterior_variance[0]
    clipped = np.append(first, posterior_variance[1:]).astype(betas.dtype)
    return {
        "alphas_cumprod": alphas_cumprod,
        "alphas_cumprod_prev": alphas_cumprod_prev,
        "alphas_cumprod_next": np.append(alphas_cumprod[1:], 0.0).astype(betas.dtype),
        "sqrt_alphas_cumprod": np.sqrt(alphas_cumprod),
        "sqrt_one_minus_alphas_cumprod": np.sqrt(1.0 - alphas_cumprod),
        "log_one_minus_alphas_cumprod": np.log(1.0 - alphas_cumprod),
        "sqrt_recip_alphas_cumprod": np.sqrt(1.0 / alphas_cumprod),
        "sqrt_recipm1_alphas_cumprod": np.sqrt(1.0 / alphas_cumprod - 1),
        "posterior_variance": posterior_variance,
        "posterior_log_variance_clipped": np.log(clipped if floor is None else np.maximum(clipped, floor)),
        "posterior_mean_coef1": betas * np.sqrt(alphas_cumprod_prev) / (1.0 - alphas_cumprod),
        "posterior_mean_coef2": (1.0 - alphas_cumprod_prev) * np.sqrt(alphas) / (1.0 - alphas_cumprod),
    }


def upstream(schedule_name, num_diffusion_timesteps, array):
    return derive(get_named_beta_schedule(schedule_name, num_diffusion_timesteps))[array]


def extracted(schedule_name, num_diffusion_timesteps, array):
    """Every element as _extract_into_tensor gives it: the float64 element, `.float()`."""
    timesteps = th.arange(num_diffusion_timesteps)
    return th.from_numpy(upstream(schedule_name, num_diffusion_timesteps, array))[timesteps].float()


def with_log1p(schedule_name, num_diffusion_timesteps, array):
    if array == "log_one_minus_alphas_cumprod":
        return np.log1p(-upstream(schedule_name, num_diffusion_timesteps, "alphas_cumprod"))
    return upstream(schedule_name, num_diffusion_timesteps, array)


def in_float32(schedule_name, num_diffusion_timesteps, array):
    betas = get_named_beta_schedule(schedule_name, num_diffusion_timesteps).astype(np.float32)
    return derive(betas)[array]


def not_clipped(schedule_name, num_diffusion_timesteps, array):
    betas = get_named_beta_schedule(schedule_name, num_diffusion_timesteps)
    with np.errstate(divide="ignore"):
        return derive(betas, clip_first=False)[array]


def ho_floor(schedule_name, num_diffusion_timesteps, array):
    """The log-variance clipped as Ho et al.'s DDPM code does: log(np.maximum(posterior_variance, 1e-20))."""
    betas = get_named_beta_schedule(schedule_name, num_diffusion_timesteps)
    return derive(betas, clip_first=False, floor=1e-20)[array]


def prev_off_by_one(schedule_name, num_diffusion_timesteps, array):
    betas = get_named_beta_schedule(schedule_name, num_diffusion_timesteps)
    return derive(betas, prev_slice=slice(1, None))[array]


def test_upstream_arrays_pass_in_float64_and_after_float():
    for port, dtype, framework in (
        (upstream, "float64", "numpy"),
        (extracted, "float32", "torch"),
        (with_log1p, "float64", "numpy"),
        (with_log1p, "float32", "numpy"),
    ):
        report = check(port, function="gaussian_diffusion_arrays", dtype=dtype, framework=framework)
        assert report.passed, str(report)
        assert report.judged == 109, report.judged


def test_wrong_arrays_fail():
    for port, dtype, failing in (
        (in_float32, "float32", "alphas_cumprod"),
        (not_clipped, "float64", "posterior_log_variance_clipped"),
        (ho_floor, "float64", "posterior_log_variance_clipped"),
        (prev_off_by_one, "float64", "alphas_cumprod_prev"),
    ):
        report = check(port, function="gaussian_diffusion_arrays", dtype=dtype, framework="numpy")
        assert not report.passed, port.__name__
        assert any(f.id.endswith(failing) for f in report.failures), (port.__name__, str(report))
