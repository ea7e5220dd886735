"""`ddpm_golden.kernels` as an API: broadcasting, no copy of contiguous NumPy arrays and CPU torch tensors,
copies of the others, `out=`, threads, the GIL released during the work, and errors naming the
arguments for bad input (never a crash)."""

import threading
import time

import numpy as np
import pytest
import torch

from ddpm_golden import kernels


def _pixels(shape, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    x = (np.floor(rng.random(shape) * 256) / 127.5 - 1).astype(dtype)
    means = (x + (rng.random(shape) - 0.5) * 0.1).astype(dtype)
    log_scales = (-5 + 4 * rng.random(shape)).astype(dtype)
    return x, means, log_scales


def _loglik(x, means, log_scales, **kw):
    return kernels.discretized_gaussian_log_likelihood(x, means=means, log_scales=log_scales, **kw)


def test_broadcasting_equals_the_explicit_arrays():
    x, means, _ = _pixels((2, 3, 4, 5))
    scales = np.full((3, 1, 1), -2.0, np.float32)
    got = _loglik(x, means, scales, cdf="stable")
    want = _loglik(x, means, np.broadcast_to(scales, x.shape).copy(), cdf="stable")
    assert got.shape == x.shape and np.array_equal(got, want)
    # Python numbers take the arrays' dtype.
    assert _loglik(x, 0.0, -2, cdf="erf").dtype == np.float32
    kl = kernels.normal_kl(np.zeros((4, 1), np.float64), 0.0, np.ones(3), np.zeros(3), stable=True)
    assert kl.shape == (4, 3) and np.allclose(kl, 0.5)


def test_contiguous_inputs_are_read_in_place_others_copied():
    x, means, log_scales = _pixels((8, 16))
    inputs, dtype, shape = kernels._prepare(("x", "means", "log_scales"), (x, means, log_scales))
    assert all(a is b for a, b in zip(inputs, (x, means, log_scales)))
    tx = torch.from_numpy(x.copy())
    inputs, _, _ = kernels._prepare(("x", "means", "log_scales"), (tx, means, log_scales))
    assert inputs[0].__array_interface__["data"][0] == tx.data_ptr(), "a CPU torch tensor is not copied"
    strided = np.asfortranarray(log_scales)
    inputs, _, _ = kernels._prepare(("x", "means", "log_scales"), (x, means, strided[:, ::1]))
    assert inputs[2].flags.c_contiguous and not np.shares_memory(inputs[2], strided)
    # The values do not depend on the layout.
    got = _loglik(x[:, ::2], means[:, ::2], log_scales.T.copy().T[:, ::2], cdf="tanh")
    assert np.array_equal(got, _loglik(x[:, ::2].copy(), means[:, ::2].copy(), log_scales[:, ::2].copy(),
                                       cdf="tanh"))


def test_torch_in_torch_out_and_out_argument():
    x, means, log_scales = (torch.from_numpy(a) for a in _pixels((3, 5), np.float64))
    got = _loglik(x, means, log_scales, cdf="stable")
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
    out = torch.empty_like(x)
    assert _loglik(x, means, log_scales, cdf="stable", out=out) is out
    assert torch.equal(out, got)
    # out aliasing an input: computed through a temporary, same values.
    x2 = x.clone()
    _loglik(x2, means, log_scales, cdf="stable", out=x2)
    assert torch.equal(x2, got)


def test_threads_give_identical_results():
    x, means, log_scales = _pixels((70_000,))
    one = _loglik(x, means, log_scales, cdf="stable", threads=1)
    two = _loglik(x, means, log_scales, cdf="stable", threads=2)
    kernels.set_num_threads(2)
    try:
        assert kernels.get_num_threads() == 2
        default = _loglik(x, means, log_scales, cdf="stable")
    finally:
        kernels.set_num_threads(0)
    assert np.array_equal(one, two) and np.array_equal(one, default)


def test_the_gil_is_released_during_the_work():
    """A Python thread keeps running while a kernel works: the longest pause between its iterations is a
    small part of the kernel's duration (with the GIL held, it would be all of it)."""
    x, means, log_scales = _pixels((1 << 21,), np.float64)
    start = time.perf_counter()
    _loglik(x, means, log_scales, cdf="stable", math="libm", threads=1)
    duration = time.perf_counter() - start
    stop, ticks = threading.Event(), []

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    time.sleep(0.01)
    _loglik(x, means, log_scales, cdf="stable", math="libm", threads=1)
    stop.set()
    thread.join()
    longest = max(np.diff(ticks))
    assert longest < 0.5 * duration, (longest, duration)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda x: _loglik(x, x.astype(np.float64), x, cdf="erf"), TypeError, ["x float32", "means float64"]),
        (lambda x: _loglik(x, x[:3], x, cdf="erf"), ValueError, ["x (8,)", "means (3,)"]),
        (lambda x: _loglik(x.astype(np.int32), x, x, cdf="erf"), TypeError, ["x", "int32"]),
        (lambda x: _loglik(x.astype(np.float16), 0.0, 0.0, cdf="erf"), TypeError, ["x", "float16"]),
        (lambda x: _loglik(x, x, x, cdf="gauss"), ValueError, ["cdf", "'gauss'"]),
        (lambda x: _loglik(x, x, x, cdf="erf", math="exact"), ValueError, ["math"]),
        (lambda x: _loglik(x, x, x, cdf="erf", threads=-1), ValueError, ["threads"]),
        (lambda x: _loglik(x, x, x, cdf="erf", out=np.empty(3, np.float32)), ValueError, ["out", "(3,)"]),
        (lambda x: _loglik(x, x, x, cdf="erf", out=np.empty(8)), TypeError, ["out", "float64"]),
        (lambda x: _loglik(x, x, x, cdf="erf", out=np.empty(16, np.float32)[::2]), ValueError, ["out"]),
        (lambda x: _loglik(x, x, x, cdf="erf", out=[0.0] * 8), TypeError, ["out", "list"]),
        (lambda x: _loglik(torch.from_numpy(x).requires_grad_(), x, x, cdf="erf"), TypeError, ["x", "grad"]),
        (lambda x: _loglik(x, "a", x, cdf="erf"), TypeError, ["means"]),
        (lambda x: _loglik(x, True, x, cdf="erf"), TypeError, ["means", "bool"]),
        (lambda x: kernels.normal_kl(x, x, x, np.ones(3, np.float32)), ValueError,
         ["mean1 (8,)", "logvar2 (3,)"]),
        (lambda x: kernels.normal_kl(x, x, x, x, stable="yes"), TypeError, ["stable"]),
        (lambda x: kernels.normal_kl(0.0, 0.0, 0.0, 0.0, out=np.empty((), np.float32)), TypeError, ["out"]),
    ],
)
def test_bad_input_raises_naming_the_argument(call, error, words):
    with pytest.raises(error) as info:
        call(np.linspace(-1, 1, 8, dtype=np.float32))
    assert all(w in str(info.value) for w in words), str(info.value)


def test_empty_and_zero_dimensional():
    assert _loglik(np.empty((0, 3), np.float32), 0.0, 0.0, cdf="stable").shape == (0, 3)
    value = _loglik(np.float64(1.0), 1.0, -3.0, cdf="stable")
    assert value.shape == () and value < 0


class _LyingArray(np.ndarray):
    """An ndarray subclass whose `__array_interface__` claims a huge shape at a bogus address."""

    @property
    def __array_interface__(self):
        return {"data": (8, False), "shape": (1 << 40,), "strides": None, "typestr": "<f4", "version": 3}


class _FakeArray:
    __array_interface__ = {"data": (8, False), "shape": (4,), "strides": None, "typestr": "<f4", "version": 3}


def test_the_private_entry_point_checks_every_array_itself():
    """`_native.kernel` reads each array's memory through numpy.ndarray's own interface and refuses what
    would make it read or write out of bounds: a ValueError or TypeError, never a crash."""
    from ddpm_golden import _native

    a = np.zeros(4, np.float32)
    out = np.empty(4, np.float32)
    read_only = np.empty(4, np.float32)
    read_only.flags.writeable = False

    def call(inputs, target, dtype="float32", name="loglik_erf"):
        return _native.kernel(name, dtype, inputs, target, "fast", 1)

    call([a, a.copy(), a.copy()], out)  # the contract met: runs
    assert np.isfinite(out).all()
    bad = {
        "not an ndarray": ([_FakeArray(), a, a], out),
        "a list": ([[0.0] * 4, a, a], out),
        "wrong dtype": ([a.astype(np.float64), a, a], out),
        "non-contiguous": ([np.zeros(8, np.float32)[::2], a, a], out),
        "element count": ([np.zeros(5, np.float32), a, a], out),
        "read-only out": ([a, a, a], read_only),
        "out overlaps an input": ([out, a, a], out),
        "operand count": ([a, a], out),
    }
    for what, (inputs, target) in bad.items():
        with pytest.raises((ValueError, TypeError)):
            call(inputs, target)
            pytest.fail(what)
    # A subclass cannot substitute its own interface: the real one (4 elements here) is read.
    lying = np.zeros(4, np.float32).view(_LyingArray)
    call([lying, a, a], out)
    with pytest.raises(ValueError, match="5 elements"):
        call([np.zeros(5, np.float32).view(_LyingArray), a, a], out)
