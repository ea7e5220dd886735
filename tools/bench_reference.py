#!/usr/bin/env python3
"""Reference throughput against mpmath, measured in one run.

Runs `cargo bench --bench reference` (criterion; our correctly rounded values, 40 digits each) and times
mpmath (`pip install mpmath gmpy2`) on the same inputs at 40 significant digits (mp.dps = 40), then prints
values per second for both and the ratio. With gmpy2 installed mpmath uses GMP integers; the backend in
use is printed, and the README's figures use gmpy2 (`MPMATH_NOGMPY=1` forces the pure-Python backend).
mpmath is what SciPy's xsref uses to make reference tables; note that it does not certify correct rounding,
our reference does (Ziv's strategy), so the comparison favours mpmath.

    python3 tools/bench_reference.py
"""
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Keep in step with benches/reference.rs.
Z = [-3.7, -1.25, -0.3, 0.05, 0.8, 1.9, 2.6, 4.4]
LOG_Z = [-12.5, -8.0, -5.5, -2.25, -0.7, 0.4, 3.1, 7.5]
PIXELS = [(0.5, 0.49, -4.0), (-0.25, -0.2, -3.0), (0.0078125, 0.0, -4.5), (0.75, 0.8, -2.5),
          (-0.6, -0.61, -3.5), (0.3, 0.35, -2.0), (-0.9, -0.88, -4.0), (0.1, 0.1, -3.0)]


def mpmath_workloads():
    import mpmath as mp
    mp.mp.dps = 40

    def phi():
        return [mp.ncdf(mp.mpf(z)) for z in Z]

    def log_phi():
        return [mp.log(mp.ncdf(mp.mpf(z))) for z in LOG_Z]

    def loglik():
        out = []
        for x, m, s in PIXELS:
            inv = mp.exp(-mp.mpf(s))
            c = mp.mpf(x) - mp.mpf(m)
            h = mp.mpf(1) / 255
            out.append(mp.log(mp.ncdf(inv * (c + h)) - mp.ncdf(inv * (c - h))))
        return out

    return {"phi": phi, "log_phi": log_phi, "loglik_interior": loglik}


def time_median(fn, runs=30):
    fn()  # warm up
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def criterion_median(name):
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    path = target / "criterion" / "reference" / name / "new" / "estimates.json"
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"] * 1e-9  # ns -> s


def main():
    try:
        workloads = mpmath_workloads()
    except ImportError:
        sys.exit("mpmath is not installed: python3 -m pip install mpmath")
    import mpmath
    subprocess.run(["cargo", "bench", "--bench", "reference"], cwd=ROOT, check=True)
    print(f"mpmath {mpmath.__version__}, backend {mpmath.libmp.BACKEND}")
    print(f"{'workload':<18} {'ddpm-golden /s':>15} {'mpmath dps=40 /s':>17} {'ratio':>7}")
    for name, fn in workloads.items():
        ours = 8 / criterion_median(name)
        theirs = 8 / time_median(fn)
        print(f"{name:<18} {ours:>15.0f} {theirs:>17.0f} {ours / theirs:>6.1f}x")


if __name__ == "__main__":
    main()
