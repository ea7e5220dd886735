"""Deliberately wrong ports: each is one plausible porting mistake, written once over a framework's port
module (numpy_port, torch_port or jax_port) so that every framework gets the same mistake. The tests
require `ddpm_golden.check` to fail each in float32 and float64.
"""

import numpy as np

from ports import numpy_port, torch_port


def _named(f, mutant, port):
    """Names a mutant of a port `mutant(port)` in reports (module:qualname)."""
    f.__name__ = mutant.__name__
    f.__qualname__ = f"{mutant.__name__}({port.__name__.rsplit('.', 1)[-1]})"
    return f


def loglik_floor_1e7(port):
    """A probability floor of 1e-7 instead of 1e-12 (a float32-minded clamp)."""

    def f(x, *, means, log_scales):
        return port.discretized(port.approx_standard_normal_cdf, x, means, log_scales, floor=1e-7)

    return _named(f, loglik_floor_1e7, port)


def loglik_floor_1e10(port):
    """A probability floor of 1e-10 instead of 1e-12."""

    def f(x, *, means, log_scales):
        return port.discretized(port.approx_standard_normal_cdf, x, means, log_scales, floor=1e-10)

    return _named(f, loglik_floor_1e10, port)


def loglik_floor_1e15(port):
    """A probability floor of 1e-15 (lucidrains/denoising-diffusion-pytorch's `log(t, eps=1e-15)`)."""

    def f(x, *, means, log_scales):
        return port.discretized(port.approx_standard_normal_cdf, x, means, log_scales, floor=1e-15)

    return _named(f, loglik_floor_1e15, port)


def loglik_log_scales_clamped_at_minus_9(port):
    """`log_scales.clamp(min=-9)` before the formula, written as max(l, -9) = (l - 9 + |l + 9|) / 2 so that
    one definition serves every framework."""

    def f(x, *, means, log_scales):
        clamped = (log_scales - 9.0 + abs(log_scales + 9.0)) * 0.5
        return port.discretized(port.approx_standard_normal_cdf, x, means, clamped)

    return _named(f, loglik_log_scales_clamped_at_minus_9, port)


def loglik_half_width_1_256(port):
    """Bins of width 2/256 instead of 2/255 (the 8-bit bin width confused with 1/256)."""

    def f(x, *, means, log_scales):
        return port.discretized(port.approx_standard_normal_cdf, x, means, log_scales, half_width=1.0 / 256.0)

    return _named(f, loglik_half_width_1_256, port)


def normal_kl_without_half(port):
    """The KL without its factor 0.5."""

    def f(mean1, logvar1, mean2, logvar2):
        return 2.0 * port.normal_kl(mean1, logvar1, mean2, logvar2)

    return _named(f, normal_kl_without_half, port)


def mean_flat_global(port):
    """One mean over the whole batch instead of one per sample."""

    def f(tensor):
        return port.mean_flat(tensor) * 0.0 + tensor.mean()

    return _named(f, mean_flat_global, port)


def mean_flat_chunk_means(port):
    """The mean of 1024-element chunk means: the short last chunk weighs like a full one."""

    def f(tensor):
        rows = tensor.reshape(tensor.shape[0], -1)
        means = [port.mean_flat(rows[:, i : i + 1024]) for i in range(0, rows.shape[1], 1024)]
        return sum(means) / len(means)

    return _named(f, mean_flat_chunk_means, port)


# (mutant, helper, variant it claims): each must fail.
def continuous_jacobian_added(port):
    """DiT's continuous log-likelihood with the -log_scales Jacobian added: the true log-density of x,
    which is not what upstream computes."""

    def f(x, *, means, log_scales):
        return port.continuous(x, means, log_scales, jacobian=True)

    return _named(f, continuous_jacobian_added, port)


MUTANTS = (
    (loglik_floor_1e7, "discretized_gaussian_log_likelihood", "tanh"),
    (loglik_floor_1e10, "discretized_gaussian_log_likelihood", "tanh"),
    (loglik_floor_1e15, "discretized_gaussian_log_likelihood", "tanh"),
    (loglik_log_scales_clamped_at_minus_9, "discretized_gaussian_log_likelihood", "tanh"),
    (mean_flat_chunk_means, "mean_flat", None),
    (loglik_half_width_1_256, "discretized_gaussian_log_likelihood", "tanh"),
    (normal_kl_without_half, "normal_kl", None),
    (mean_flat_global, "mean_flat", None),
    (continuous_jacobian_added, "continuous_gaussian_log_likelihood", None),
)

# A correct port declared as the other CDF: the tanh CDF judged as erf, the erf log-likelihood as tanh.
MISDECLARED = (
    ("approx_standard_normal_cdf", "standard_normal_cdf", "erf"),
    ("discretized_gaussian_log_likelihood_erf", "discretized_gaussian_log_likelihood", "tanh"),
)


# NumPy-only mistakes.


def loglik_clamp_swallows_nan(x, *, means, log_scales):
    """A clamp that turns NaN into the floor (np.fmax, like Rust's f32::max) instead of propagating it."""
    return numpy_port.discretized(numpy_port.approx_standard_normal_cdf, x, means, log_scales, clamp=np.fmax)


def normal_kl_scalar_not_broadcast(mean1, logvar1, mean2, logvar2):
    """A KL written for equal shapes: every argument read flat by the result's index, 0 past its end (a
    Python float scalar counts for the first element only)."""
    arrays = [np.asarray(a) for a in (mean1, logvar1, mean2, logvar2)]
    dtype = next(a.dtype for a in arrays if a.ndim > 0)
    shape = np.broadcast_shapes(*[a.shape for a in arrays])
    n = int(np.prod(shape))
    flat = [np.concatenate([a.astype(dtype).reshape(-1), np.zeros(n, dtype)])[:n] for a in arrays]
    return numpy_port.normal_kl(*flat).reshape(shape)


def cdf_tanh_wrong_constant(z):
    """The tanh CDF with 0.0447 for 0.044715."""
    dtype = z.dtype
    with np.errstate(all="ignore"):
        inner = dtype.type(np.sqrt(2.0 / np.pi)) * (z + dtype.type(0.0447) * z * z * z)
        return dtype.type(0.5) * (dtype.type(1.0) + np.tanh(inner))


# Module-level instances for the command-line tests (python -m ddpm_golden check ports.mutants:NAME).
torch_loglik_floor_1e7 = loglik_floor_1e7(torch_port)
