"""Deliberately wrong NumPy ports: `tools/test_check_port.sh` requires check_port.py to FAIL each (exit 1).

Each mutant is one plausible porting mistake on top of tools/numpy_port.py.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy_port  # noqa: E402
from numpy_port import approx_standard_normal_cdf  # noqa: E402


def _loglik(x, means, log_scales, half_width=1.0 / 255.0, clamp=np.maximum):
    dtype = x.dtype
    with np.errstate(all="ignore"):
        centered_x = x - means
        inv_stdv = np.exp(-log_scales)
        cdf_plus = approx_standard_normal_cdf(inv_stdv * (centered_x + dtype.type(half_width)))
        cdf_min = approx_standard_normal_cdf(inv_stdv * (centered_x - dtype.type(half_width)))
        floor = dtype.type(1e-12)
        return np.where(
            x < dtype.type(-0.999),
            np.log(clamp(cdf_plus, floor)),
            np.where(
                x > dtype.type(0.999),
                np.log(clamp(dtype.type(1.0) - cdf_min, floor)),
                np.log(clamp(cdf_plus - cdf_min, floor)),
            ),
        )


def loglik_half_width_1_256(x, *, means, log_scales):
    """Bins of width 2/256 instead of 2/255 (the 8-bit bin width confused with 1/256)."""
    return _loglik(x, means, log_scales, half_width=1.0 / 256.0)


def loglik_clamp_swallows_nan(x, *, means, log_scales):
    """A clamp that turns NaN into the floor (np.fmax, like Rust's f32::max) instead of propagating it."""
    return _loglik(x, means, log_scales, clamp=np.fmax)


def normal_kl_without_half(mean1, logvar1, mean2, logvar2):
    """The KL without its factor 0.5."""
    return 2 * numpy_port.normal_kl(mean1, logvar1, mean2, logvar2)


def mean_flat_naive_running_sum(tensor):
    """A float32 running sum (np.cumsum accumulates sequentially), which loses precision on large rows.

    Not required to fail yet: no golden case has a large row whose running sum grows (the large
    image-batch case is uniform in [-1, 1], so its running sum stays small). A row of 196608 values
    uniform in [0, 1] would put this at ~1.6 tolerance units, a [1, 65536] row of 0.1 at ~545.
    """
    rows = tensor.reshape(tensor.shape[0], -1)
    with np.errstate(all="ignore"):
        return np.cumsum(rows, axis=1, dtype=tensor.dtype)[:, -1] / tensor.dtype.type(rows.shape[1])


def cdf_tanh_wrong_constant(z):
    """The tanh CDF with 0.0447 for 0.044715."""
    dtype = z.dtype
    with np.errstate(all="ignore"):
        inner = dtype.type(np.sqrt(2.0 / np.pi)) * (z + dtype.type(0.0447) * z * z * z)
        return dtype.type(0.5) * (dtype.type(1.0) + np.tanh(inner))
