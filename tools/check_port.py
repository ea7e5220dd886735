#!/usr/bin/env python3
"""Check a Python port of a diffusion likelihood helper against a ddpm-golden golden file.

    python tools/check_port.py golden/discretized_gaussian_log_likelihood.json \\
        mypkg.losses:discretized_gaussian_log_likelihood --framework torch --dtype float32 --variant tanh

Steps: `ddpm-golden export` the golden file's inputs; build one batch tensor per argument in the chosen
framework and dtype; call the implementation with the upstream signature
(`f(x, means=..., log_scales=...)`, `normal_kl(mean1, logvar1, mean2, logvar2)`, `cdf(z)`, and
`mean_flat(t)` once per case); write an outputs file; run `ddpm-golden verify` and exit with its code:
0 every case within tolerance, 1 some case failed (or the implementation raised or returned the wrong
shape), 2 unusable arguments or files.

Needs the standard library and NumPy; torch or jax are imported only when selected.
"""

import argparse
import importlib
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent

# The functions a golden file can test, with the arguments in upstream order (keyword-only ones marked).
POSITIONAL = {
    "normal_kl": ["mean1", "logvar1", "mean2", "logvar2"],
    "standard_normal_cdf": ["z"],
    "discretized_gaussian_log_likelihood": ["x"],
    "mean_flat": [],  # one tensor per case
}
KEYWORD = {"discretized_gaussian_log_likelihood": ["means", "log_scales"]}
HAS_VARIANTS = {"standard_normal_cdf", "discretized_gaussian_log_likelihood"}


class UsageError(Exception):
    """Unusable arguments: exit 2."""


class PortFailure(Exception):
    """The implementation raised or returned something unusable: exit 1."""


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Check a Python port of a diffusion likelihood helper against a ddpm-golden golden file.",
        epilog="Exit codes: 0 pass, 1 some case failed, 2 unusable arguments or files.",
    )
    p.add_argument("golden", help="a golden file, e.g. golden/normal_kl.json")
    p.add_argument(
        "implementation",
        help="the function to check: module:function (e.g. mypkg.losses:normal_kl, importable from the "
        "current directory) or path/to/file.py:function",
    )
    p.add_argument("--framework", choices=["numpy", "torch", "jax"], default="numpy",
                   help="the array type the function takes (default numpy)")
    p.add_argument("--dtype", choices=["float32", "float64"], required=True,
                   help="the dtype of the input tensors; judged as f32 or f64")
    p.add_argument("--variant", choices=["erf", "tanh"],
                   help="the CDF the implementation uses (required for standard_normal_cdf and "
                   "discretized_gaussian_log_likelihood; optional, erf only, for the others)")
    p.add_argument("--ddpm-golden", metavar="PATH",
                   help="the ddpm-golden binary (default: ddpm-golden on PATH, else `cargo run --release` "
                   "in this repository)")
    p.add_argument("--outputs", metavar="FILE", help="keep the outputs file here (default: a temporary file)")
    p.add_argument("--json", metavar="REPORT", help="passed to verify: write the full report as JSON here")
    return p.parse_args(argv)


# ---------------------------------------------------------------------------------------------------
# ddpm-golden


def golden_command(explicit):
    """The argv prefix that runs ddpm-golden, and the directory to run it in."""
    if explicit:
        path = Path(explicit)
        if not (path.is_file() and os.access(path, os.X_OK)):
            found = shutil.which(explicit)
            if not found:
                raise UsageError(f"--ddpm-golden: {explicit} is not an executable file")
            path = Path(found)
        return [str(path.resolve())], None
    found = shutil.which("ddpm-golden")
    if found:
        return [found], None
    if (REPO_ROOT / "Cargo.toml").is_file() and shutil.which("cargo"):
        return ["cargo", "run", "--release", "--quiet", "--"], str(REPO_ROOT)
    raise UsageError(
        "--ddpm-golden: no ddpm-golden on PATH and no cargo with this repository to build it; "
        "pass --ddpm-golden PATH"
    )


def run_golden(cmd, cwd, args, capture):
    try:
        return subprocess.run(cmd + args, cwd=cwd, stdout=subprocess.PIPE if capture else None, text=True)
    except OSError as e:
        raise UsageError(f"--ddpm-golden: cannot run {' '.join(cmd)}: {e}") from e


# ---------------------------------------------------------------------------------------------------
# The implementation


def load_implementation(spec):
    module_part, sep, func_part = spec.rpartition(":")
    if not sep or not module_part or not func_part:
        raise UsageError(f"implementation: {spec!r} is not module:function or path/to/file.py:function")
    is_path = module_part.endswith(".py") or "/" in module_part or os.sep in module_part
    if is_path:
        path = Path(module_part)
        if not path.is_file():
            raise UsageError(f"implementation: no such file {module_part}")
        name = "_check_port_" + path.stem
        try:
            module_spec = importlib.util.spec_from_file_location(name, path.resolve())
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            module_spec.loader.exec_module(module)
        except Exception as e:
            raise UsageError(f"implementation: importing {module_part} raised {type(e).__name__}: {e}") from e
    else:
        # Resolve modules from the current directory, as `python -m` would (sys.path[0] is tools/ here).
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(module_part)
        except ModuleNotFoundError as e:
            if e.name and (module_part == e.name or module_part.startswith(e.name + ".")):
                raise UsageError(f"implementation: unknown module {module_part!r} (no module named {e.name!r})") from e
            raise UsageError(f"implementation: importing {module_part} failed: {e}") from e
        except Exception as e:
            raise UsageError(f"implementation: importing {module_part} raised {type(e).__name__}: {e}") from e
    obj = module
    for attr in func_part.split("."):
        if not hasattr(obj, attr):
            raise UsageError(f"implementation: module {module_part!r} has no function {func_part!r}")
        obj = getattr(obj, attr)
    if not callable(obj):
        raise UsageError(f"implementation: {module_part}:{func_part} is not callable")
    return obj


# ---------------------------------------------------------------------------------------------------
# Frameworks: numpy arrays in, numpy arrays out


def decode(v):
    if isinstance(v, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[v]
    return float(v)


def column(values, dtype):
    # Every golden input is exact in float32, so the cast loses nothing.
    return np.array([decode(v) for v in values], dtype=np.float64).astype(dtype)


class Framework:
    def __init__(self, name, dtype):
        self.name = name
        self.dtype = np.dtype(dtype)
        if name == "torch":
            try:
                import torch
            except ImportError as e:
                raise UsageError(f"--framework torch: cannot import torch ({e})") from e
            self.torch = torch
        elif name == "jax":
            try:
                import jax
            except ImportError as e:
                raise UsageError(f"--framework jax: cannot import jax ({e})") from e
            if self.dtype == np.float64:
                # Without this, JAX silently computes float64 inputs in float32.
                jax.config.update("jax_enable_x64", True)
            import jax.numpy as jnp

            self.jnp = jnp

    def tensor(self, array):
        if self.name == "numpy":
            return array
        if self.name == "torch":
            return self.torch.from_numpy(np.ascontiguousarray(array))
        return self.jnp.asarray(array)

    def to_numpy(self, out):
        if self.name == "torch" and isinstance(out, self.torch.Tensor):
            out = out.detach().cpu().numpy()
        return np.asarray(out)


def encode(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def result_values(fw, out, expected_shape, what):
    try:
        arr = fw.to_numpy(out)
    except Exception as e:
        raise PortFailure(f"{what}: cannot convert the result ({type(out).__name__}) to numbers: {e}") from e
    if arr.dtype.kind != "f":
        raise PortFailure(f"{what}: returned dtype {arr.dtype}, not a floating-point array")
    if arr.dtype != fw.dtype:
        print(f"check_port: warning: {what} returned {arr.dtype} for {fw.dtype} inputs "
              f"(judged as {fw.dtype} anyway)", file=sys.stderr)
    if arr.shape != expected_shape:
        raise PortFailure(f"{what}: returned shape {arr.shape}, expected {expected_shape}")
    return [encode(float(v)) for v in arr.astype(np.float64).reshape(-1)]


def call(func, what, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except Exception as e:
        traceback.print_exc()
        raise PortFailure(f"{what} raised {type(e).__name__}: {e}") from e


def evaluate(func, exported, fw):
    function = exported["function"]
    ids = exported["ids"]
    inputs = exported["inputs"]
    if function == "mean_flat":
        outputs = {}
        for case in inputs:
            shape = tuple(case["shape"])
            t = column(case["data"], fw.dtype).reshape(shape)
            what = f"mean_flat on case {case['id']!r} (shape {list(shape)})"
            out = call(func, what, fw.tensor(t))
            outputs[case["id"]] = result_values(fw, out, shape[:1], what)
        return outputs
    args = [fw.tensor(column(inputs[name], fw.dtype)) for name in POSITIONAL[function]]
    kwargs = {name: fw.tensor(column(inputs[name], fw.dtype)) for name in KEYWORD.get(function, [])}
    what = f"{function} on {len(ids)} cases"
    out = call(func, what, *args, **kwargs)
    return dict(zip(ids, result_values(fw, out, (len(ids),), what)))


# ---------------------------------------------------------------------------------------------------


def main(argv=None):
    args = parse_args(argv)
    golden = Path(args.golden)
    if not golden.is_file():
        raise UsageError(f"golden: no such file {args.golden}")
    func = load_implementation(args.implementation)
    fw = Framework(args.framework, args.dtype)
    cmd, cwd = golden_command(args.ddpm_golden)

    with tempfile.TemporaryDirectory(prefix="check_port-") as tmp:
        export_file = Path(tmp) / "inputs.json"
        done = run_golden(cmd, cwd, ["export", str(golden.resolve()), "--out", str(export_file)], capture=False)
        if done.returncode != 0:
            raise UsageError(f"golden: `ddpm-golden export {args.golden}` failed (exit {done.returncode})")
        exported = json.loads(export_file.read_text())
        function = exported["function"]
        if function not in POSITIONAL:
            raise UsageError(f"golden: {args.golden} tests {function!r}, which this tool does not know")
        if function in HAS_VARIANTS and args.variant is None:
            raise UsageError(f"--variant: {function} needs --variant erf or --variant tanh (the CDF it uses)")
        if function not in HAS_VARIANTS and args.variant == "tanh":
            raise UsageError(f"--variant: {function} has no tanh variant (omit --variant)")

        print(f"check_port: {args.implementation} ({args.framework} {args.dtype}"
              f"{', ' + args.variant if args.variant else ''}) on {len(exported['ids'])} cases of {function}",
              file=sys.stderr)
        values = evaluate(func, exported, fw)

        document = {
            "implementation": f"{args.implementation} ({args.framework} {args.dtype})",
            "precision": "f32" if fw.dtype == np.float32 else "f64",
        }
        if args.variant:
            document["variant"] = args.variant
        document["outputs"] = values
        outputs_file = Path(args.outputs) if args.outputs else Path(tmp) / "outputs.json"
        try:
            outputs_file.write_text(json.dumps(document, allow_nan=False))
        except OSError as e:
            raise UsageError(f"--outputs: cannot write {args.outputs}: {e}") from e

        verify = ["verify", str(golden.resolve()), str(outputs_file.resolve())]
        if args.json:
            verify += ["--json", str(Path(args.json).resolve())]
        sys.stdout.flush()
        return run_golden(cmd, cwd, verify, capture=False).returncode


if __name__ == "__main__":
    try:
        sys.exit(main())
    except UsageError as e:
        print(f"check_port: error: {e}", file=sys.stderr)
        sys.exit(2)
    except PortFailure as e:
        print(f"check_port: FAIL: {e}", file=sys.stderr)
        sys.exit(1)
