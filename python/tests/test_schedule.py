"""The beta schedules through the package: improved-diffusion's get_named_beta_schedule, transcribed from
openai/improved-diffusion improved_diffusion/gaussian_diffusion.py at
6051920c0865d53146db7841bfba43c3e67edef6, passes in float64 and (as `.float()` gives it) in float32; the
same schedule built on float32 tensors, one step off, or without max_beta fails. Calling convention:
fn(schedule_name, num_diffusion_timesteps) returns the array of betas."""

import math

import numpy as np
import torch

from ddpm_golden import check


def betas_for_alpha_bar(num_diffusion_timesteps, alpha_bar, max_beta=0.999):
    betas = []
    for i in range(num_diffusion_timesteps):
        t1 = i / num_diffusion_timesteps
        t2 = (i + 1) / num_diffusion_timesteps
        betas.append(min(1 - alpha_bar(t2) / alpha_bar(t1), max_beta))
    return np.array(betas)


def get_named_beta_schedule(schedule_name, num_diffusion_timesteps):
    if schedule_name == "linear":
        scale = 1000 / num_diffusion_timesteps
        beta_start = scale * 0.0001
        beta_end = scale * 0.02
        return np.linspace(beta_start, beta_end, num_diffusion_timesteps, dtype=np.float64)
    elif schedule_name == "cosine":
        return betas_for_alpha_bar(
            num_diffusion_timesteps,
            lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2,
        )
    raise NotImplementedError(f"unknown beta schedule: {schedule_name}")


def float32_schedule(schedule_name, num_diffusion_timesteps):
    """The schedule on float32 tensors (torch.linspace, torch.cos), a common port."""
    if schedule_name == "linear":
        scale = 1000 / num_diffusion_timesteps
        return torch.linspace(scale * 0.0001, scale * 0.02, num_diffusion_timesteps, dtype=torch.float32)
    t = torch.arange(num_diffusion_timesteps + 1, dtype=torch.float32) / num_diffusion_timesteps
    alpha_bar = torch.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
    return torch.clamp(1 - alpha_bar[1:] / alpha_bar[:-1], max=0.999)


def off_by_one(schedule_name, num_diffusion_timesteps):
    """Cosine betas taken one step late (beta_i from t = (i + 1) / T and (i + 2) / T)."""
    longer = get_named_beta_schedule(schedule_name, num_diffusion_timesteps + 1)
    return longer[1:] if schedule_name == "cosine" else longer[:num_diffusion_timesteps]


def without_max_beta(schedule_name, num_diffusion_timesteps):
    betas = get_named_beta_schedule(schedule_name, num_diffusion_timesteps)
    if schedule_name == "cosine":
        betas[-1] = 1.0
    return betas


def test_upstream_schedule_passes_in_float64_and_after_float():
    for dtype in ("float64", "float32"):
        report = check(
            get_named_beta_schedule, function="get_named_beta_schedule", dtype=dtype, framework="numpy"
        )
        assert report.passed, str(report)


def test_wrong_schedules_fail():
    wrong = (
        (float32_schedule, "float32", "torch"),
        (off_by_one, "float64", "numpy"),
        (without_max_beta, "float64", "numpy"),
    )
    for port, dtype, framework in wrong:
        report = check(port, function="get_named_beta_schedule", dtype=dtype, framework=framework)
        assert not report.passed, port.__name__
        # A failure shows the first step's interval of the case's per-step intervals.
        assert "(element 0 of" in str(report), str(report)
