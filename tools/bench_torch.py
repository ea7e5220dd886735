#!/usr/bin/env python3
"""The likelihood helpers on one batch shape in one run: PyTorch eager and torch.compile, JAX eager and
jax.jit, our Rust kernels called from Python (`ddpm_golden.kernels`) and our stable torch/JAX
implementations (`ddpm_golden.torch`, `ddpm_golden.jax`), at 1 and 2 threads, with the machine's
streaming bandwidth and each of our figures as a fraction of the memory bound.

    pip install ./python                      # ddpm_golden with its extension (repository root)
    python3 tools/bench_torch.py              # [64, 3, 256, 256], 1 and 2 threads, medians of 5 calls
    python3 tools/bench_torch.py --quick --shape 4,3,32,32     # smoke test: f32, 1 thread, 2 calls
    python3 tools/bench_torch.py --criterion  # also the Rust kernels called directly (cargo bench)

Each thread count runs in a child process pinned with `taskset -c` to the first `threads` cores (the same
cores for every column): PyTorch under `torch.set_num_threads`, our kernels with `threads=`, and JAX/XLA,
whose CPU thread pool cannot be resized in a running process, on the cores it is allowed. Rows:
upstream's formulas (improved-diffusion's code: python/tests/ports/) in PyTorch and JAX against our
kernels of the same formula, and the stable variants, where the PyTorch and JAX columns are our pure
`ddpm_golden.torch` / `ddpm_golden.jax` implementations (eager and compiled) and `ours` the stable
Rust kernel. Compilation is excluded: every function is called once (compiling it) before the timed
calls, whose median is reported; torch.compile uses inductor on the CPU, jax.jit XLA's CPU backend.

Memory bound: the streaming bandwidth is the faster of a NumPy copy (one thread) and a torch copy under
`set_num_threads(threads)` of an array the batch's size, counted as 2 bytes moved per byte copied; a
helper must read its inputs and write its output (log-likelihood 3 + 1 arrays, normal_kl 4 + 1), so its
rate is at most bandwidth / (that many arrays x element size): `bound` is our kernel's share of it.
The copy writes into an existing array; a helper's output is fresh (its pages are faulted in and zeroed
during the call), so the run also times `normal_kl`'s traffic alone: torch.compile of `a + b + c + d` on
the four `normal_kl` inputs into a fresh output, one pass, no transcendental functions.

Python call overhead: `call us` is our Python wrapper's time for a one-element call (argument checks,
dispatch, the GIL release: what every call pays on top of the kernel), and `%batch` that time as a share
of the batch's time through Python. With `--criterion`, `cargo bench --bench kernels` (fixed shape
[64, 3, 256, 256]; run it with the default `--shape`) is also run, pinned the same way, and `py/rust` is
the time through Python over the Rust kernel's criterion median (1.00 = no overhead).
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

PRECISIONS = {"f32": np.float32, "f64": np.float64}
# (row, our kernel / criterion id prefix, arrays moved per element)
WORKLOADS = (
    ("loglik_tanh", "loglik_tanh", 4),
    ("loglik_erf", "loglik_erf", 4),
    ("loglik_stable", "loglik_stable", 4),
    ("normal_kl", "normal_kl", 5),
    ("normal_kl_stable", "normal_kl_stable", 5),
)
COLUMNS = ("torch", "torch.compile", "jax", "jax.jit", "ours", "bound", "call us", "%batch")


def inputs(shape, dtype, rng):
    """Decoder-like pixels (8-bit values in [-1, 1], means within a few levels, log scales in [-5, -1])
    and Gaussians (means in [-1, 1], log-variances in [-8, 0]), as benches/kernels.rs makes them."""
    x = (np.floor(rng.random(shape) * 256) / 127.5 - 1).astype(dtype)
    means = (x + (rng.random(shape) - 0.5) * 0.1).astype(dtype)
    log_scales = (-5 + 4 * rng.random(shape)).astype(dtype)
    def mean():
        return (2 * rng.random(shape) - 1).astype(dtype)

    def logvar():
        return (-8 * rng.random(shape)).astype(dtype)

    gauss = (mean(), logvar(), mean(), logvar())
    return (x, means, log_scales), gauss


def median_seconds(fn, repeats, sync=lambda r: r):
    """The median of `repeats` timed calls after one untimed call (which compiles, for compiled
    functions)."""
    sync(fn())
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        sync(fn())
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def framework_functions():
    """{row: (torch eager, torch compiled, jax eager, jax jitted)} taking positional arrays."""
    import jax
    import torch

    import ddpm_golden.jax as dj
    import ddpm_golden.torch as dt
    from ports import jax_port, torch_port

    def pixels(f):
        return lambda x, m, s: f(x, means=m, log_scales=s)

    torch_eager = {
        "loglik_tanh": lambda x, m, s: torch_port.discretized(torch_port.approx_standard_normal_cdf, x, m, s),
        "loglik_erf": lambda x, m, s: torch_port.discretized(torch_port.erf_standard_normal_cdf, x, m, s),
        "loglik_stable": pixels(dt.discretized_gaussian_log_likelihood),
        "normal_kl": torch_port.normal_kl,
        "normal_kl_stable": dt.normal_kl,
    }
    jax_eager = {
        "loglik_tanh": lambda x, m, s: jax_port.discretized(jax_port.approx_standard_normal_cdf, x, m, s),
        "loglik_erf": lambda x, m, s: jax_port.discretized(jax_port.erf_standard_normal_cdf, x, m, s),
        "loglik_stable": pixels(dj.discretized_gaussian_log_likelihood),
        "normal_kl": jax_port.normal_kl,
        "normal_kl_stable": dj.normal_kl,
    }
    return {
        row: (torch_eager[row], torch.compile(torch_eager[row]), jax_eager[row], jax.jit(jax_eager[row]))
        for row in torch_eager
    }


def bandwidth(shape, threads, repeats):
    """Bytes per second of the faster of a NumPy and a torch copy of an f32 array of `shape`."""
    import torch

    src = np.ones(shape, np.float32)
    dst = np.empty_like(src)
    moved = 2 * src.nbytes
    numpy_rate = moved / median_seconds(lambda: np.copyto(dst, src), repeats)
    torch.set_num_threads(threads)
    t_src, t_dst = torch.from_numpy(src), torch.from_numpy(dst)
    torch_rate = moved / median_seconds(lambda: t_dst.copy_(t_src), repeats)
    return max(numpy_rate, torch_rate), numpy_rate, torch_rate


def child(args):
    """One thread count, in a process already pinned to its cores: prints one JSON line of results."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import torch

    from ddpm_golden import kernels

    threads, shape, repeats = args.child, args.shape, args.repeats
    torch.set_num_threads(threads)
    n = math.prod(shape)
    best, numpy_bw, torch_bw = bandwidth(shape, threads, repeats)
    functions = framework_functions()
    rng = np.random.default_rng(0)
    results = {"bandwidth": best, "numpy_bw": numpy_bw, "torch_bw": torch_bw, "rows": {}}
    sum4 = torch.compile(lambda a, b, c, d: a + b + c + d)
    for p in args.precisions:
        pixels, gauss = inputs(shape, PRECISIONS[p], rng)
        # normal_kl's memory traffic without its arithmetic: four inputs, one fresh output, one pass.
        t_gauss = tuple(torch.from_numpy(a) for a in gauss)
        results.setdefault("traffic", {})[p] = n / median_seconds(lambda: sum4(*t_gauss), repeats)
        for row, kernel, arrays in WORKLOADS:
            if args.quick and row not in ("loglik_erf", "loglik_stable", "normal_kl_stable"):
                continue
            data = pixels if row.startswith("loglik") else gauss
            t_data = tuple(torch.from_numpy(a) for a in data)
            j_data = tuple(jnp.asarray(a) for a in data)
            rates = {}
            for column, fn, args_ in zip(COLUMNS[:4], functions[row], (t_data, t_data, j_data, j_data)):
                sync = (lambda r: r.block_until_ready()) if column.startswith("jax") else (lambda r: r)
                rates[column] = n / median_seconds(lambda: fn(*args_), repeats, sync)
            if row.startswith("loglik"):
                cdf = row.split("_", 1)[1]

                def ours(d=data, cdf=cdf):
                    return kernels.discretized_gaussian_log_likelihood(
                        d[0], means=d[1], log_scales=d[2], cdf=cdf, threads=threads)
            else:
                def ours(d=data, stable=row.endswith("stable")):
                    return kernels.normal_kl(*d, stable=stable, threads=threads)
            seconds = median_seconds(ours, repeats)
            rates["ours"] = n / seconds
            rates["bound"] = rates["ours"] / (best / (arrays * np.dtype(PRECISIONS[p]).itemsize))
            one = tuple(a.reshape(-1)[:1].copy() for a in data)
            call = median_seconds(lambda: ours(d=one), max(repeats, 20))
            rates["call us"], rates["%batch"] = call * 1e6, 100 * call / seconds
            rates["seconds"] = seconds
            results["rows"][f"{row} {p}"] = rates
    print(json.dumps(results))


def criterion_medians(cores):
    """Runs `cargo bench --bench kernels` pinned to `cores`; {criterion id: seconds per call}."""
    threads = len(cores.split(","))
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    subprocess.run(["taskset", "-c", cores, "cargo", "bench", "--bench", "kernels", "--", "_fast"],
                   cwd=ROOT, env=env, check=True)
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    medians = {}
    for path in (target / "criterion" / "kernels").glob("*/new/estimates.json"):
        with open(path) as f:
            medians[path.parent.parent.name] = json.load(f)["median"]["point_estimate"] * 1e-9
    return medians


def cpu_description():
    model, flags = "?", "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model == "?":
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags") and flags == "?":
                    flags = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return model, flags


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="64,3,256,256", help="batch shape, e.g. 4,3,32,32")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per column (median)")
    parser.add_argument("--threads", default="1,2", help="thread counts, e.g. 1,2")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: float32, three rows, 2 calls, first thread count only")
    parser.add_argument("--criterion", action="store_true",
                        help="also run cargo bench --bench kernels (full shape only) for py/rust")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.shape = tuple(int(v) for v in args.shape.split(","))
    args.precisions = ["f32"] if args.quick else list(PRECISIONS)
    if args.quick:
        args.repeats = min(args.repeats, 2)
    if args.child:
        return child(args)
    if args.criterion and args.shape != (64, 3, 256, 256):
        parser.error("--criterion compares with benches/kernels.rs, whose shape is 64,3,256,256")

    thread_counts = [int(t) for t in args.threads.split(",")][: 1 if args.quick else None]
    cores = sorted(os.sched_getaffinity(0))
    load_before = os.getloadavg()[0]
    model, flags = cpu_description()
    tables = {}
    for threads in thread_counts:
        pinned = ",".join(map(str, cores[:threads]))
        command = ["taskset", "-c", pinned, sys.executable, __file__, "--child", str(threads),
                   "--shape", ",".join(map(str, args.shape)), "--repeats", str(args.repeats)]
        if args.quick:
            command.append("--quick")
        print(f"{threads} thread(s) on cores {pinned} ...", flush=True)
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        tables[threads] = (pinned, json.loads(out.strip().splitlines()[-1]))
        if args.criterion:
            tables[threads] += (criterion_medians(pinned),)
    load_after = os.getloadavg()[0]

    import jax
    import torch

    n = math.prod(args.shape)
    print(f"\n[{', '.join(map(str, args.shape))}] = {n} elements; million elements per second, median of "
          f"{args.repeats} calls after a compiling/warm-up call; torch {torch.__version__}, jax "
          f"{jax.__version__}, numpy {np.__version__}")
    print(f"CPU: {model}; {os.cpu_count()} cores; load average {load_before:.2f} before, "
          f"{load_after:.2f} after")
    print(f"flags: {flags}")
    header = ("threads", "workload", "prec") + COLUMNS + (("py/rust",) if args.criterion else ())
    print("{:>7} {:<17} {:<4}".format(*header[:3]) + "".join(f" {h:>13}" for h in header[3:]))
    for threads, (pinned, result, *rust) in tables.items():
        bw = result["bandwidth"]
        print(f"{threads:>7} streaming bandwidth {bw / 1e9:.1f} GB/s "
              f"(NumPy copy {result['numpy_bw'] / 1e9:.1f}, "
              f"torch copy {result['torch_bw'] / 1e9:.1f}) on cores {pinned}")
        print(f"{threads:>7} normal_kl's traffic alone (torch.compile of a + b + c + d into a fresh output): "
              + ", ".join(f"{p} {rate / 1e6:.1f} M/s" for p, rate in result["traffic"].items()))
        for key, rates in result["rows"].items():
            row, p = key.split()
            cells = [f"{rates[c] / 1e6:13.1f}" for c in COLUMNS[:5]]
            cells += [f"{100 * rates['bound']:12.0f}%", f"{rates['call us']:13.1f}",
                      f"{rates['%batch']:12.3f}%"]
            if rust:
                rust_seconds = rust[0].get(f"{row}_{p}_fast")
                cells.append(f"{rates['seconds'] / rust_seconds:13.2f}" if rust_seconds else f"{'-':>13}")
            print(f"{threads:>7} {row:<17} {p:<4}" + "".join(f" {c}" for c in cells))
    print("stable rows: the torch/jax columns are ddpm_golden.torch / ddpm_golden.jax (the true Gaussian in "
          "log space); the other rows upstream's formulas (python/tests/ports/)")


if __name__ == "__main__":
    main()
