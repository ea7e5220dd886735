"""40-digit values of GaussianDiffusion.__init__'s derived arrays for the exact schedules (constants read as
reals: true pi, decimal literals), by mpmath at 80 digits, independently of the crate: the unit-test table of
src/reference/derived.rs. Run: python3 tools/derived_arrays_mpmath.py (needs mpmath)."""

import mpmath as mp

mp.mp.dps = 80


def betas(name, steps):
    if name == "linear":
        scale = mp.mpf(1000) / steps
        start, end = scale * mp.mpf("0.0001"), scale * mp.mpf("0.02")
        return [start + i * (end - start) / (steps - 1) for i in range(steps)]

    def abar(t):
        return mp.cos((t + mp.mpf("0.008")) / mp.mpf("1.008") * mp.pi / 2) ** 2

    return [min(1 - abar(mp.mpf(i + 1) / steps) / abar(mp.mpf(i) / steps), mp.mpf("0.999")) for i in range(steps)]


def arrays(b):
    ac, p = [], mp.mpf(1)
    for x in b:
        p *= 1 - x
        ac.append(p)
    prev = [mp.mpf(1)] + ac[:-1]
    post = [b[i] * (1 - prev[i]) / (1 - ac[i]) for i in range(len(b))]
    return {
        "alphas_cumprod": ac,
        "alphas_cumprod_prev": prev,
        "alphas_cumprod_next": ac[1:] + [mp.mpf(0)],
        "sqrt_alphas_cumprod": [mp.sqrt(x) for x in ac],
        "sqrt_one_minus_alphas_cumprod": [mp.sqrt(1 - x) for x in ac],
        "log_one_minus_alphas_cumprod": [mp.log(1 - x) for x in ac],
        "sqrt_recip_alphas_cumprod": [mp.sqrt(1 / x) for x in ac],
        "sqrt_recipm1_alphas_cumprod": [mp.sqrt(1 / x - 1) for x in ac],
        "posterior_variance": post,
        "posterior_log_variance_clipped": [mp.log(x) for x in [post[1]] + post[1:]],
        "posterior_mean_coef1": [b[i] * mp.sqrt(prev[i]) / (1 - ac[i]) for i in range(len(b))],
        "posterior_mean_coef2": [(1 - prev[i]) * mp.sqrt(1 - b[i]) / (1 - ac[i]) for i in range(len(b))],
    }


POINTS = [
    ("cosine", 1000, "alphas_cumprod", 999),
    ("cosine", 1000, "log_one_minus_alphas_cumprod", 999),
    ("cosine", 1000, "log_one_minus_alphas_cumprod", 998),
    ("cosine", 1000, "sqrt_recipm1_alphas_cumprod", 0),
    ("cosine", 1000, "posterior_log_variance_clipped", 0),
    ("cosine", 1000, "posterior_mean_coef1", 1),
    ("cosine", 1000, "posterior_mean_coef2", 500),
    ("cosine", 1000, "alphas_cumprod_next", 998),
    ("cosine", 2, "posterior_variance", 1),
    ("cosine", 50, "sqrt_one_minus_alphas_cumprod", 0),
    ("linear", 1000, "alphas_cumprod", 999),
    ("linear", 1000, "posterior_mean_coef2", 1),
    ("linear", 1000, "sqrt_recip_alphas_cumprod", 999),
    ("linear", 21, "log_one_minus_alphas_cumprod", 20),
    ("linear", 21, "posterior_mean_coef1", 20),
    ("linear", 50, "alphas_cumprod_prev", 1),
]


def digits(x):
    if x == 0:
        return "0"
    s = mp.nstr(x, 40, min_fixed=1, max_fixed=0, strip_zeros=False)
    m, e = s.split("e")
    return f"{m}e{int(e)}"


if __name__ == "__main__":
    cache = {}
    for name, steps, array, t in POINTS:
        if (name, steps) not in cache:
            cache[(name, steps)] = arrays(betas(name, steps))
        print(f'    (Schedule::{name.capitalize()}, {steps}, "{array}", {t}, "{digits(cache[(name, steps)][array][t])}"),')
