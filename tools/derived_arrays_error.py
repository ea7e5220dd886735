"""How far improved-diffusion's float64 arrays of GaussianDiffusion.__init__ are from the exact functions of
the float64 betas they start from (vlb-semantics 2), in ulps of the exact value: the cancellations the
derived-array goldens (golden/gaussian_diffusion_arrays.json, whose expected values are the exact arrays of the
exact schedule instead; docs/error-model.md, "Derived arrays") must admit. Schedules as upstream computes them
(NumPy, math.cos); exact values with mpmath at 300 bits.
Run: python3 tools/derived_arrays_error.py (needs numpy and mpmath)."""

import math

import mpmath as mp
import numpy as np

from derived_arrays_mpmath import arrays  # the exact arrays, written once

mp.mp.prec = 300


def schedule(name, steps):
    """improved-diffusion's get_named_beta_schedule (6051920c), as written."""
    if name == "linear":
        scale = 1000 / steps
        return np.linspace(scale * 0.0001, scale * 0.02, steps, dtype=np.float64)

    def alpha_bar(t):
        return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2

    return np.array([min(1 - alpha_bar((i + 1) / steps) / alpha_bar(i / steps), 0.999) for i in range(steps)])


def upstream(betas):
    """GaussianDiffusion.__init__'s arrays, in upstream's order of operations (float64)."""
    alphas = 1.0 - betas
    ac = np.cumprod(alphas)
    prev = np.append(1.0, ac[:-1])
    post = betas * (1.0 - prev) / (1.0 - ac)
    return {
        "alphas_cumprod": ac,
        "alphas_cumprod_prev": prev,
        "alphas_cumprod_next": np.append(ac[1:], 0.0),
        "sqrt_alphas_cumprod": np.sqrt(ac),
        "sqrt_one_minus_alphas_cumprod": np.sqrt(1.0 - ac),
        "log_one_minus_alphas_cumprod": np.log(1.0 - ac),
        "sqrt_recip_alphas_cumprod": np.sqrt(1.0 / ac),
        "sqrt_recipm1_alphas_cumprod": np.sqrt(1.0 / ac - 1),
        "posterior_variance": post,
        "posterior_log_variance_clipped": np.log(np.append(post[1], post[1:])),
        "posterior_mean_coef1": betas * np.sqrt(prev) / (1.0 - ac),
        "posterior_mean_coef2": (1.0 - prev) * np.sqrt(alphas) / (1.0 - ac),
    }


def exact(betas):
    """The same arrays as exact functions of the float64 betas (mpmath)."""
    return arrays([mp.mpf(float(x)) for x in betas])


def main():
    for name, steps in [("linear", 1000), ("cosine", 1000), ("cosine", 4000)]:
        betas = schedule(name, steps)
        got, want = upstream(betas), exact(betas)
        print(f"== {name} T={steps}: upstream's float64 arrays vs the exact functions of its betas (ulps)")
        for key, values in got.items():
            worst, at = 0.0, 0
            for t, (g, x) in enumerate(zip(values, want[key])):
                if x == 0:
                    continue
                ulp = mp.mpf(2) ** (mp.floor(mp.log(abs(x), 2)) - 52)
                err = float(abs(mp.mpf(float(g)) - x) / ulp)
                if err > worst:
                    worst, at = err, t
            print(f"  {key:<32} max {worst:14.1f} ulps at t = {at}")


if __name__ == "__main__":
    main()
