"""`check` and `assert_port`: evaluate a port on the golden cases and have the Rust verifier judge it."""

import inspect
import json

import numpy as np

from . import _report
from ._evaluate import SPECIALS, Caller, call_text, check_signature, evaluate, load_cases, parse_shape
from ._frameworks import DTYPES, Framework, dtype_name, frameworks_referenced, infer_framework
from ._native import UsageError, judge, resolve, table


def describe(fn):
    """`module:qualname` of a function, as the CLI names it."""
    target = getattr(fn, "func", fn)  # functools.partial
    module = getattr(target, "__module__", None)
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    return f"{module}:{name}" if module and name else repr(fn)


def _nothing_judged(label, function, fw, call, layout, evaluation, fn):
    """The UsageError for a port that raised on every case it was given: say what was tried and why it
    may have failed (wrong framework, a signature or layout that needs an adapter)."""
    first = evaluation.raised[0] if evaluation.raised else None
    lines = [f"{label}: nothing judged: the function raised on every case it was called on."]
    if first is not None:
        where = f"\n    at {first.where}" if first.where else ""
        lines.append(f"  first error (case {first.id}): {first.error}{where}")
    shape = "one case per element" if layout is None else f"laid out as {layout}"
    lines.append(f"  it was called as {call_text(function, call)} with {fw.describe()}, {shape}")
    others = [f for f in frameworks_referenced(fn) or frameworks_referenced(call) if f != fw.name]
    if others:
        lines.append(
            f"  wrong framework? its module uses {others[0]}: pass framework={others[0]!r} "
            f"(command line: --framework {others[0]}) or a {others[0]} dtype"
        )
    if layout is None and function != "mean_flat":
        lines.append(
            "  if it needs a layout such as [B, C, H, W], pass shape=(-1, 1, 1, 1) (command line: --shape N,1,1,1)"
        )
    if call is None:
        lines.append(
            "  if its arguments differ from upstream's, pass an adapter call=lambda fn, ...: fn(...) "
            "(command line: --call 'fn(...)')"
        )
    return UsageError("\n".join(lines))


def check(
    fn,
    *,
    function,
    dtype,
    variant=None,
    framework=None,
    call=None,
    shape=None,
    device=None,
    specials="strict",
    implementation=None,
):
    """Judges a port of a helper on every golden case and returns its `Report`.

    fn: the port. function: the helper it ports (`discretized_gaussian_log_likelihood`, `normal_kl`,
    `standard_normal_cdf`, `mean_flat`, `continuous_gaussian_log_likelihood`, `get_named_beta_schedule`:
    called as `fn(schedule_name, num_diffusion_timesteps)`, returning the array of betas;
    `gaussian_diffusion_arrays`: called as `fn(schedule_name, num_diffusion_timesteps, array)`, returning
    the array of that name `GaussianDiffusion.__init__` derives, e.g. `"posterior_log_variance_clipped"`;
    `q_posterior_mean_variance`: `fn(schedule_name, num_diffusion_timesteps, x_start, x_t, t)` returning
    upstream's tuple; `learned_range_log_variance`: `fn(schedule_name, num_diffusion_timesteps,
    model_var_values, t)` returning `p_mean_variance`'s "log_variance" under LEARNED_RANGE; `prior_bpd`:
    `fn(schedule_name, num_diffusion_timesteps, x_start)` returning `_prior_bpd`'s [B] bits;
    `vb_terms_bpd`: `fn(schedule_name, num_diffusion_timesteps, x_start, x_t, t, pred_xstart,
    model_var_values)` returning `_vb_terms_bpd(...)["output"]`'s [B] bits, the model given as data with
    START_X and LEARNED_RANGE, clip_denoised=False). dtype:
    "float32" / "float64", or a NumPy, torch or JAX dtype (which also names the framework). variant: the
    CDF the port uses, "tanh" (improved-diffusion's
    approximation) or "erf" (required for the CDF and the log-likelihood; "stable" for the true-Gaussian
    log-space variants). framework: "numpy", "torch" or "jax" (default: from dtype, else from the
    function's module). call: an adapter `call(fn, **upstream_named_args)` for other signatures and
    methods. shape: the layout of the batch, e.g. (-1, 1, 1, 1) for ports that require 4-D input.
    device: where torch/JAX arrays live ("cuda", "gpu"). specials: "strict" (a raise on a NaN or
    infinite input fails), "allow-raise" (it is reported, not failed) or "skip". implementation: the
    name in the report (default module:function).

    Raises UsageError (a ValueError) when no verdict is possible: bad options, a signature that cannot
    take the arguments, or a port that raised on every case.
    """
    name = dtype_name(dtype)
    functions, precisions = table()
    if function not in dict(functions):
        raise UsageError(f"function: unknown helper {function!r}; one of {', '.join(dict(functions))}")
    precision = DTYPES[name]
    if precision not in precisions:
        carried = ", ".join(k for k, v in DTYPES.items() if v in precisions)
        raise UsageError(f"dtype: the golden files carry {carried} only, not {name}")
    variant_key = resolve(function, precision, variant)
    if specials not in SPECIALS:
        raise UsageError(f"specials: {specials!r} is not one of {', '.join(SPECIALS)}")
    if call is not None and not callable(call):
        raise UsageError(f"call: {call!r} is not callable")
    if not callable(fn):
        raise UsageError(f"function: {fn!r} is not callable")
    layout = parse_shape(shape, function)
    label = implementation or describe(fn)
    fw = Framework(infer_framework(framework, dtype, fn, call), name, device)
    check_signature(fn, function, call, label)

    cases = load_cases(function)
    with np.errstate(all="ignore"):
        evaluation = evaluate(Caller(fn, function, fw, call, layout), cases, specials)
    if not evaluation.values:
        raise _nothing_judged(label, function, fw, call, layout, evaluation, fn)

    listed = {i for i, shaped in zip(cases.ids, cases.shaped) if shaped}
    document = {
        "implementation": label,
        "precision": precision,
        "variant": variant_key,
        "outputs": {i: _report.encode(v if i in listed else v[0]) for i, v in evaluation.values.items()},
    }
    raw = json.loads(judge(function, json.dumps(document, allow_nan=False), list(evaluation.values)))
    return _report.build(
        raw,
        function=function,
        dtype=name,
        framework=fw.name,
        cases=cases,
        evaluation=evaluation,
        specials=specials,
    )


def assert_port(fn, **options):
    """`check(fn, **options)`, raising AssertionError with the report's text unless it passed: one line
    in a pytest test, whose failure message shows the verdict and the worst cases."""
    __tracebackhide__ = True  # pytest shows the caller's line, not this one
    report = check(fn, **options)
    if not report.passed:
        raise AssertionError(str(report))
    return report


assert_port.__signature__ = inspect.signature(check)
