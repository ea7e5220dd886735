"""`python -m ddpm_golden check module:function ...`: the CI command. Prints on stdout only (stderr joins
it, so that captured output keeps its order); exit 0 pass, 1 a judged case failed (or a raise counts
against the port), 2 no verdict (unusable options, an import error, a missing function, a signature that
cannot take the arguments, nothing judged)."""

import argparse
import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path

from ._check import check
from ._evaluate import SPECIALS, UPSTREAM_CALLS
from ._frameworks import DTYPES, FRAMEWORKS
from ._native import UsageError
from ._report import SHOWN


def parser():
    p = argparse.ArgumentParser(
        prog="python -m ddpm_golden",
        description="Golden tests for PyTorch, JAX and NumPy ports of the likelihood helpers of diffusion models.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser(
        "check",
        help="judge a port on every golden case",
        description="Judge a PyTorch, JAX or NumPy port of a helper on every golden case.",
        epilog="Exit codes: 0 pass; 1 a judged case failed, or the port raised on a case where that "
        "counts; 2 no verdict (bad options, import error, missing function, signature mismatch, "
        "nothing judged).",
    )
    c.add_argument(
        "implementation",
        help="the port: module:function (importable from the current directory; "
        "module:Class.method works for static methods) or path/to/file.py:function",
    )
    c.add_argument("--function", required=True, choices=sorted(UPSTREAM_CALLS), help="the helper it ports")
    c.add_argument("--dtype", required=True, choices=list(DTYPES), help="the dtype of the inputs")
    c.add_argument(
        "--variant",
        help="the CDF it uses: tanh (improved-diffusion) or erf; stable for the "
        "true-Gaussian log-space variants (required for the CDF and the log-likelihood)",
    )
    c.add_argument(
        "--framework",
        choices=FRAMEWORKS,
        help="the array type it takes (default: from the module's imports, else numpy)",
    )
    c.add_argument(
        "--call",
        metavar="EXPR",
        help="an adapter: an expression of fn and the upstream argument names, e.g. "
        "'fn(x, means, log_scales)', or module:function taking (fn, **arguments)",
    )
    c.add_argument(
        "--shape", metavar="DIMS", help="layout of the batch, N for the cases: N,1,1,1 for 4-D input"
    )
    c.add_argument("--device", help="run torch/JAX on this device (cuda, gpu)")
    c.add_argument(
        "--specials",
        choices=SPECIALS,
        default="strict",
        help="NaN/infinite inputs: strict (a raise fails), allow-raise (reported only), skip",
    )
    c.add_argument("--json", metavar="REPORT", help="also write the full report as JSON here")
    c.add_argument(
        "--show", type=int, default=SHOWN, metavar="N", help="failures shown (default %(default)s)"
    )
    return p


def load(spec, what):
    """A callable named module:attr.attr or path/to/file.py:attr."""
    module_part, sep, attr_part = spec.rpartition(":")
    if not sep or not module_part or not attr_part:
        raise UsageError(f"{what}: {spec!r} is not module:function or path/to/file.py:function")
    if module_part.endswith(".py") or os.sep in module_part or "/" in module_part:
        path = Path(module_part)
        if not path.is_file():
            raise UsageError(f"{what}: no such file {module_part}")
        name = f"_ddpm_golden_port_{path.stem}"
        spec_ = importlib.util.spec_from_file_location(name, path.resolve())
        module = importlib.util.module_from_spec(spec_)
        sys.modules[name] = module
        try:
            spec_.loader.exec_module(module)
        except Exception as e:
            raise UsageError(f"{what}: importing {module_part} raised {type(e).__name__}: {e}") from None
    else:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())  # as `python -m` does: modules of the current directory
        try:
            module = importlib.import_module(module_part)
        except ModuleNotFoundError as e:
            raise UsageError(f"{what}: cannot import {module_part!r} (no module named {e.name!r})") from None
        except Exception as e:
            raise UsageError(f"{what}: importing {module_part} raised {type(e).__name__}: {e}") from None
    obj = module
    for attr in attr_part.split("."):
        if not hasattr(obj, attr):
            raise UsageError(f"{what}: {module_part} has no attribute {attr_part!r}")
        obj = getattr(obj, attr)
    if not callable(obj):
        raise UsageError(f"{what}: {spec} is not callable")
    return obj, module


def adapter(expr, function, module):
    """`--call`: module:function, or an expression of `fn` and the upstream names made into a lambda."""
    if expr is None:
        return None
    if re.fullmatch(r"[\w.]+:[\w.]+", expr):
        return load(expr, "--call")[0]
    positional, keyword = UPSTREAM_CALLS[function]
    names = ", ".join(("fn",) + positional + keyword)
    try:
        return eval(f"lambda {names}: ({expr})", dict(vars(module)))  # noqa: S307 (the user's own code)
    except SyntaxError as e:
        raise UsageError(f"--call: {expr!r} is not a Python expression ({e.msg})") from None


def shape_arg(text):
    """`--shape N,1,1,1` (or `--shape=-1,1,1,1`): N, or -1, is the axis of the cases."""
    if text is None:
        return None
    try:
        return tuple(-1 if d.strip() == "N" else int(d) for d in text.split(","))
    except ValueError:
        raise UsageError(f"--shape: {text!r} is not a layout such as N,1,1,1") from None


def run(args):
    fn, module = load(args.implementation, "implementation")
    report = check(
        fn,
        function=args.function,
        dtype=args.dtype,
        variant=args.variant,
        framework=args.framework,
        call=adapter(args.call, args.function, module),
        shape=shape_arg(args.shape),
        device=args.device,
        specials=args.specials,
        implementation=args.implementation,
    )
    print(report.text(shown=args.show))
    if args.json:
        try:
            Path(args.json).write_text(report.to_json())
        except OSError as e:
            raise UsageError(f"--json: cannot write {args.json}: {e}") from None
    return 0 if report.passed else 1


def one_stream():
    """Everything on stdout, in order: what Python, torch or JAX would write on stderr joins it."""
    try:
        sys.stdout.reconfigure(line_buffering=True)
        sys.stdout.flush()
        os.dup2(sys.stdout.fileno(), sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # no file descriptors (an embedding host): Python's only
        pass
    sys.stderr = sys.stdout


def main(argv=None):
    one_stream()
    args = parser().parse_args(argv)
    try:
        return run(args)
    except UsageError as e:
        print(f"ddpm_golden: error: {e}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
