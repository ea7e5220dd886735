"""What a beta schedule computed in float32 costs: improved-diffusion's two schedules evaluated in torch
float32 (torch.linspace; torch.cos on a float32 tensor, clamped at 0.999) against the exact betas of
golden/get_named_beta_schedule.json, on the grid cases. Prints, per case, the largest and mean relative
error and how many betas fall outside the f32 tolerance (which admits f32(exact) and f32(upstream's
float64 beta)). Run: python3 tools/float32_schedule_cost.py (needs numpy and torch)."""

import json
import math
from pathlib import Path

import numpy as np
import torch

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "get_named_beta_schedule.json"


def float32_schedule(name, steps):
    """The schedule as a port that builds it on float32 tensors computes it."""
    if name == "linear":
        scale = 1000 / steps
        return torch.linspace(scale * 0.0001, scale * 0.02, steps, dtype=torch.float32)
    t = torch.arange(steps + 1, dtype=torch.float32) / steps
    alpha_bar = torch.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
    return torch.clamp(1 - alpha_bar[1:] / alpha_bar[:-1], max=0.999)


def main():
    golden = json.loads(GOLDEN.read_text())
    print(f"torch {torch.__version__}")
    for case in golden["cases"]:
        if not case["id"].startswith("grid/"):
            continue
        inputs = case["inputs"]
        steps = int(inputs["num_diffusion_timesteps"])
        exact = np.array(case["expected"]["upstream"]["value"], dtype=np.float64)
        tol = np.array(case["tolerance"]["f32"]["upstream"]["abs"], dtype=np.float64)
        got = float32_schedule(inputs["schedule_name"], steps).double().numpy()
        rel = np.abs(got - exact) / exact
        worst = int(rel.argmax())
        outside = int((np.abs(got - exact) > tol).sum())
        print(
            f"{case['id']:<22} max rel {rel.max():.3g} (i = {worst}, beta {exact[worst]:.3g}), "
            f"mean rel {rel.mean():.3g}, outside the f32 tolerance {outside}/{steps}"
        )


if __name__ == "__main__":
    main()
