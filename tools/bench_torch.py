#!/usr/bin/env python3
"""Our fused kernels against eager PyTorch and NumPy on a [64, 3, 256, 256] batch, measured in one run.

For 1 and 2 threads, runs `cargo bench --bench kernels` with RAYON_NUM_THREADS set (criterion; the
medians are read from <target>/criterion/kernels/<id>/new/estimates.json), times improved-diffusion's
PyTorch code (`approx_standard_normal_cdf`, `discretized_gaussian_log_likelihood`, `normal_kl`, and the
erf rewrite of the CDF, from python/tests/ports/torch_port.py) under `torch.set_num_threads`, and the
NumPy ports of python/tests/ports/numpy_port.py, on
inputs of the same shape and distribution, in float32 and float64. Prints elements per second and the
ratios of our `Math::Fast` kernels to PyTorch and NumPy. Our stable kernels (`loglik_stable`,
`normal_kl_stable`) have no PyTorch counterpart: their rows compare them with the upstream formula of
the same meaning, the erf log-likelihood (the true Gaussian) and `normal_kl`.

    python3 -m pip install numpy torch      # torch from PyPI: a large download (CUDA wheels on Linux)
    python3 tools/bench_torch.py [--repeats 3]

Without torch the PyTorch column is skipped with a message. NumPy's ufuncs run on one thread whatever
the setting, so its figure is measured once and shown in both thread rows; NumPy has no erf, so the erf
variant uses scipy.special.erf when SciPy is installed, else numpy_port's per-element math.erf (slow:
the column says which). Other processes on the machine slow every column alike but not by the same
factor: the load average is printed before and after.
"""
import argparse
import json
import math
import os
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python" / "tests"))
from ports import numpy_port  # noqa: E402  (the Python package's test fixtures: ports of upstream)

SHAPE = (64, 3, 256, 256)
N = math.prod(SHAPE)
THREADS = (1, 2)
DTYPES = {"f32": np.float32, "f64": np.float64}
# Criterion ids are <workload>_<precision>_<fast|libm>: keep in step with benches/kernels.rs. Each of our
# workloads is compared with the PyTorch/NumPy workload beside it (the stable variants with the upstream
# formula of the same meaning).
WORKLOADS = (
    ("loglik_tanh", "loglik_tanh"),
    ("loglik_erf", "loglik_erf"),
    ("loglik_stable", "loglik_erf"),
    ("normal_kl", "normal_kl"),
    ("normal_kl_stable", "normal_kl"),
)


def pixel_inputs(dtype, rng):
    """Decoder-like inputs as benches/kernels.rs makes them: 8-bit pixels in [-1, 1], means within a
    few levels of them, log scales in [-5, -1]."""
    x = (np.floor(rng.random(SHAPE) * 256) / 127.5 - 1).astype(dtype)
    means = (x + (rng.random(SHAPE) - 0.5) * 0.1).astype(dtype)
    log_scales = (-5 + 4 * rng.random(SHAPE)).astype(dtype)
    return x, means, log_scales


def gaussian_inputs(dtype, rng):
    """Means in [-1, 1] and log-variances in [-8, 0]."""
    def mean():
        return (2 * rng.random(SHAPE) - 1).astype(dtype)

    def logvar():
        return (-8 * rng.random(SHAPE)).astype(dtype)

    return mean(), logvar(), mean(), logvar()


def torch_workloads():
    """improved-diffusion's code (python/tests/ports/torch_port.py), plus the erf form of the CDF."""
    from ports import torch_port

    def loglik(cdf):
        return lambda x, m, s: torch_port.discretized(cdf, x, m, s)

    return {
        "loglik_tanh": loglik(torch_port.approx_standard_normal_cdf),
        "loglik_erf": loglik(torch_port.erf_standard_normal_cdf),
        "normal_kl": torch_port.normal_kl,
    }


def numpy_workloads():
    """python/tests/ports/numpy_port.py, with the erf CDF through scipy.special.erf when SciPy is installed."""
    try:
        from scipy.special import erf

        def erf_cdf(z):
            c = z.dtype.type
            return c(0.5) * (c(1.0) + erf(z / c(math.sqrt(2.0))))

        erf_label = "scipy.special.erf"
    except ImportError:
        erf_cdf, erf_label = numpy_port.erf_standard_normal_cdf, "math.erf per element"

    def loglik(cdf):
        return lambda x, m, s: numpy_port.discretized(cdf, x, m, s)

    workloads = {
        "loglik_tanh": loglik(numpy_port.approx_standard_normal_cdf),
        "loglik_erf": loglik(erf_cdf),
        "normal_kl": numpy_port.normal_kl,
    }
    return workloads, erf_label


def elements_per_second(fn, args, repeats):
    """N / the median of `repeats` timed calls after one warm-up call."""
    fn(*args)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        samples.append(time.perf_counter() - start)
    return N / statistics.median(samples)


def criterion_dir():
    if "CRITERION_HOME" in os.environ:
        return pathlib.Path(os.environ["CRITERION_HOME"])
    return pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "criterion"


def run_ours(threads):
    """Runs the criterion bench with `threads` rayon threads; returns {bench id: elements per second}."""
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    subprocess.run(["cargo", "bench", "--bench", "kernels"], cwd=ROOT, env=env, check=True)
    rates = {}
    for path in (criterion_dir() / "kernels").glob("*/new/estimates.json"):
        with open(path) as f:
            rates[path.parent.parent.name] = N / (json.load(f)["median"]["point_estimate"] * 1e-9)
    return rates


def measure(workloads, dtype_inputs, repeats):
    """{(workload, precision): elements per second} for one framework."""
    return {
        (name, p): elements_per_second(fn, dtype_inputs[p][name], repeats)
        for p in DTYPES
        for name, fn in workloads.items()
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per PyTorch/NumPy workload")
    args = parser.parse_args()
    load_before = os.getloadavg()

    rng = np.random.default_rng(0)
    arrays = {}
    for p, dtype in DTYPES.items():
        pixels = pixel_inputs(dtype, rng)
        arrays[p] = {"loglik_tanh": pixels, "loglik_erf": pixels, "normal_kl": gaussian_inputs(dtype, rng)}

    try:
        import torch as th
    except ImportError:
        th = None
        print("PyTorch is not installed: skipping the torch column (python3 -m pip install torch).")

    np_workloads, erf_label = numpy_workloads()
    print(f"NumPy {np.__version__} (one thread; erf: {erf_label}) ...", flush=True)
    numpy_rates = measure(np_workloads, arrays, args.repeats)

    rows = []
    for threads in THREADS:
        torch_rates = {}
        if th is not None:
            th.set_num_threads(threads)
            print(f"PyTorch {th.__version__}, {threads} thread(s) ...", flush=True)
            tensors = {
                p: {name: tuple(th.from_numpy(a) for a in args) for name, args in d.items()}
                for p, d in arrays.items()
            }
            torch_rates = measure(torch_workloads(), tensors, args.repeats)
        ours = run_ours(threads)
        for p in DTYPES:
            for name, reference in WORKLOADS:
                fast, libm = ours.get(f"{name}_{p}_fast"), ours.get(f"{name}_{p}_libm")
                theirs = torch_rates.get((reference, p)), numpy_rates[reference, p]
                label = name if name == reference else f"{name} (vs {reference})"
                rows.append((threads, label, p, fast, libm, *theirs))

    def mega(v):
        return f"{v / 1e6:9.1f}" if v else f"{'-':>9}"

    def ratio(a, b):
        return f"{a / b:8.1f}x" if a and b else f"{'-':>9}"

    print(f"\n[{', '.join(map(str, SHAPE))}] = {N} elements; million elements per second (median)")
    load_after = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores; load average {load_before[0]:.2f} before, {load_after:.2f} after;")
    print("other processes may have been running: compare columns within a row")
    header = ("threads", "workload", "prec", "fast", "libm", "torch", "numpy", "fast/torch", "fast/numpy")
    print("{:>7} {:<34} {:<4} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}".format(*header))
    for threads, name, p, fast, libm, torch_rate, numpy_rate in rows:
        rates = " ".join(mega(v) for v in (fast, libm, torch_rate, numpy_rate))
        ratios = f"{ratio(fast, torch_rate):>10} {ratio(fast, numpy_rate):>10}"
        print(f"{threads:>7} {name:<34} {p:<4} {rates} {ratios}")


if __name__ == "__main__":
    main()
