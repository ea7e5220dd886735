"""The fused Rust kernels (`ddpm_golden::kernels`) on NumPy arrays and on anything NumPy can view without
a copy (CPU torch tensors and JAX arrays through DLPack, objects with `__array__`).

    from ddpm_golden import kernels
    ll = kernels.discretized_gaussian_log_likelihood(x, means=means, log_scales=log_scales, cdf="stable")
    kl = kernels.normal_kl(mean1, logvar1, mean2, logvar2, stable=True)

Arguments broadcast as NumPy broadcasts them; Python floats and ints take the arrays' dtype (as a
Python scalar does in PyTorch); the arrays must all be float32 or all float64. Inputs that are already
C-contiguous, aligned and of the result's shape are read in place (a CPU torch tensor's memory is read
directly, no copy); other inputs (non-contiguous, broadcast, misaligned) are copied once into a
contiguous array first. `out=` must be a writable C-contiguous array (or CPU torch tensor) of the
result's shape and dtype: it is written in place (through a temporary when it shares memory with an
input) and returned. The result is a NumPy array, or a torch tensor sharing its memory when `x`
(`mean1`) is a torch tensor. The work runs in Rust with the GIL released, on `threads` threads
(default: `set_num_threads`, else one per core or `RAYON_NUM_THREADS`).

`math="fast"` (default) uses the kernels' vectorised elementary functions (within 2.3 ulps, every golden
case passes); `math="libm"` is bit-identical to the Rust library's pointwise helpers and slower. Bad
arguments raise TypeError (types, dtypes) or ValueError (shapes, values), naming the argument.
"""

import numpy as np

from . import _native

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_CDFS = ("tanh", "erf", "stable")
_MATHS = ("fast", "libm")
_threads = 0


def set_num_threads(threads):
    """Sets the number of threads the kernels use from now on (`0`: one per core, or `RAYON_NUM_THREADS`).
    A pool of that size is started once and kept."""
    global _threads
    _threads = _thread_count(threads, "threads")


def get_num_threads():
    """The thread count set by `set_num_threads` (`0`: one per core, or `RAYON_NUM_THREADS`)."""
    return _threads


def _thread_count(threads, name):
    if threads is None:
        return _threads
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
        raise TypeError(f"{name}: expected a non-negative int, got {type(threads).__name__}")
    if not 0 <= threads <= 1024:
        raise ValueError(f"{name}: {threads} is not between 0 and 1024")
    return int(threads)


def _is_torch(value):
    return type(value).__module__.split(".", 1)[0] == "torch"


def _view(name, value):
    """`value` as a NumPy array without a copy where possible, or None for a Python number."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected a float array, got a bool")
    if isinstance(value, (int, float)):
        return None
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "__dlpack__"):
        try:
            return np.from_dlpack(value)
        except (BufferError, RuntimeError, TypeError, ValueError) as e:
            device = getattr(value, "device", None)
            raise TypeError(
                f"{name}: cannot read a {type(value).__name__} (device {device}) as a CPU array: {e}"
            ) from e
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name}: cannot read a {type(value).__name__} as an array: {e}") from e


def _prepare(names, values):
    """The inputs as C-contiguous, aligned arrays of one dtype and the broadcast shape (copied only where
    they are not already), and that dtype and shape."""
    views = [_view(n, v) for n, v in zip(names, values)]
    arrays = {n: a for n, a in zip(names, views) if a is not None}
    dtypes = {n: a.dtype for n, a in arrays.items()}
    for n, d in dtypes.items():
        if d not in _DTYPES:
            raise TypeError(f"{n}: dtype {d} is not supported; the kernels take float32 or float64")
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{n} {d}" for n, d in dtypes.items())
        raise TypeError(f"mixed dtypes: {listed}; pass every array in float32 or every one in float64")
    dtype = next(iter(dtypes.values()), np.dtype(np.float64))
    views = [np.asarray(v, dtype=dtype) if a is None else a for v, a in zip(values, views)]
    try:
        shape = np.broadcast_shapes(*(a.shape for a in views))
    except ValueError:
        listed = ", ".join(f"{n} {tuple(a.shape)}" for n, a in zip(names, views))
        raise ValueError(f"shapes do not broadcast: {listed}") from None
    ready = []
    for a in views:
        if a.shape != shape or not (a.flags.c_contiguous and a.flags.aligned):
            a = np.ascontiguousarray(np.broadcast_to(a, shape))
        ready.append(a)
    return ready, dtype, shape


def _output(out, dtype, shape, inputs):
    """The array to write into: a new one, or `out` checked; and whether the result must be copied into
    `out` afterwards (when `out` shares memory with an input)."""
    if out is None:
        return np.empty(shape, dtype), False
    if _is_torch(out):
        import torch

        if out.device.type != "cpu" or out.requires_grad:
            raise TypeError(
                f"out: a torch tensor on {out.device} with requires_grad={out.requires_grad}; "
                "pass a CPU tensor that does not require grad"
            )
        if out.dtype not in (torch.float32, torch.float64):
            raise TypeError(f"out: dtype {out.dtype} is not the result's dtype {dtype}")
        view = out.numpy()
    elif isinstance(out, np.ndarray):
        view = out
    else:
        raise TypeError(f"out: expected a NumPy array or a CPU torch tensor, got {type(out).__name__}")
    if view.dtype != dtype:
        raise TypeError(f"out: dtype {view.dtype} is not the result's dtype {dtype}")
    if view.shape != shape:
        raise ValueError(f"out: shape {tuple(view.shape)} is not the result's shape {tuple(shape)}")
    if not (view.flags.c_contiguous and view.flags.aligned and view.flags.writeable):
        raise ValueError("out: must be a writable, aligned, C-contiguous array")
    if any(np.may_share_memory(view, a) for a in inputs):
        return np.empty(shape, dtype), True
    return view, False


def _run(kernel, names, values, out, math, threads):
    if math not in _MATHS:
        raise ValueError(f"math: {math!r} is not one of {', '.join(map(repr, _MATHS))}")
    threads = _thread_count(threads, "threads")
    inputs, dtype, shape = _prepare(names, values)
    target, copy_back = _output(out, dtype, shape, inputs)
    if target.size:
        _native.kernel(kernel, dtype.name, inputs, target, math, threads)
    if out is not None:
        if copy_back:
            np.copyto(out.numpy() if _is_torch(out) else out, target)
        return out
    if _is_torch(values[0]):
        import torch

        return torch.from_numpy(target)
    return target


def discretized_gaussian_log_likelihood(x, *, means, log_scales, cdf, out=None, threads=None, math="fast"):
    """The log-likelihood of `x` (pixel values in [-1, 1]) under N(means, exp(log_scales)^2) discretised
    to 256 bins, elementwise, as improved-diffusion computes it: `cdf="tanh"` (its
    `approx_standard_normal_cdf`), `"erf"` (the exact CDF formula) or `"stable"` (the true Gaussian in log
    space, accurate in float32 where the other two lose up to ~10 nats). `cdf` has no default: the three
    disagree by up to ~10 nats in float32, so the call says which it means."""
    if cdf not in _CDFS:
        raise ValueError(f"cdf: {cdf!r} is not one of {', '.join(map(repr, _CDFS))}")
    names = ("x", "means", "log_scales")
    return _run(f"loglik_{cdf}", names, (x, means, log_scales), out, math, threads)


def normal_kl(mean1, logvar1, mean2, logvar2, *, stable=False, out=None, threads=None, math="fast"):
    """KL(N(mean1, e^logvar1) || N(mean2, e^logvar2)) elementwise: upstream's formula, or with
    `stable=True` the form `0.5 (expm1(d) - d + (mean1 - mean2)^2 e^-logvar2)` (d = logvar1 - logvar2),
    never negative and accurate in float32 for nearly equal Gaussians."""
    if not isinstance(stable, (bool, np.bool_)):
        raise TypeError(f"stable: expected a bool, got {type(stable).__name__}")
    names = ("mean1", "logvar1", "mean2", "logvar2")
    kernel = "normal_kl_stable" if stable else "normal_kl"
    return _run(kernel, names, (mean1, logvar1, mean2, logvar2), out, math, threads)
