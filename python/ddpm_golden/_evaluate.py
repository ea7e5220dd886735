"""Calling a port on the golden cases.

Finite cases go in one batch call and special cases (a NaN or infinite input) in another (a case whose
arguments have shapes of their own, `mean_flat`'s tensors and `normal_kl`'s broadcast calls, is called
alone, its 0-d arguments as Python floats as upstream passes them); a batch that
raises is retried case by case, so that every raise names its case and a raise confined to special cases
leaves the finite verdict standing. A batch that returns something other than one value per case gives no
verdict (case by case, a reducing port would look elementwise). The methods of `GaussianDiffusion`
(`q_posterior_mean_variance`, `learned_range_log_variance`, `prior_bpd`, `vb_terms_bpd`) are called once
per case as `fn(schedule_name, num_diffusion_timesteps, <tensors and t in upstream's order>)` with `t` an
integer array; the posterior
returns its tuple, read as the mean's elements then each batch element's variance and clipped
log-variance. Nothing here
judges a value: the values go to the Rust verifier. `get_named_beta_schedule` is called once per case as
upstream calls it, `fn(schedule_name, num_diffusion_timesteps)` with a string and an int, and returns the
array of betas (judged in float32 after rounding, as `.float()` would); `gaussian_diffusion_arrays` likewise
as `fn(schedule_name, num_diffusion_timesteps, array)`, `array` the name of one of `GaussianDiffusion`'s
derived arrays (`"alphas_cumprod"`, ...), returning that array (float64 as upstream, or its `.float()`).
"""

import functools
import math
import traceback
from dataclasses import dataclass, field

import numpy as np

from ._frameworks import signature_of
from ._native import UsageError, array_names, cases as native_cases, schedule_names

# How upstream calls each helper (improved-diffusion's signatures): positional names, keyword-only names.
UPSTREAM_CALLS = {
    "normal_kl": (("mean1", "logvar1", "mean2", "logvar2"), ()),
    "mean_flat": (("tensor",), ()),
    "standard_normal_cdf": (("z",), ()),
    "discretized_gaussian_log_likelihood": (("x",), ("means", "log_scales")),
    # DiT's and PixArt's `diffusion_utils.py`.
    "continuous_gaussian_log_likelihood": (("x",), ("means", "log_scales")),
    "get_named_beta_schedule": (("schedule_name", "num_diffusion_timesteps"), ()),
    # `getattr(GaussianDiffusion(betas=get_named_beta_schedule(schedule_name, num_diffusion_timesteps), ...),
    # array)`: one of the arrays `GaussianDiffusion.__init__` derives, named by `array`.
    "gaussian_diffusion_arrays": (("schedule_name", "num_diffusion_timesteps", "array"), ()),
    # Methods of improved-diffusion's GaussianDiffusion: the diffusion (its schedule), then the method's
    # arguments; a port's adapter builds (or caches) the diffusion from the first two.
    "q_posterior_mean_variance": (("schedule_name", "num_diffusion_timesteps", "x_start", "x_t", "t"), ()),
    "learned_range_log_variance": (("schedule_name", "num_diffusion_timesteps", "model_var_values", "t"), ()),
    # `_prior_bpd(x_start)`: its timestep is T - 1, set by the method.
    "prior_bpd": (("schedule_name", "num_diffusion_timesteps", "x_start"), ()),
    # `_vb_terms_bpd(model, x_start, x_t, t, clip_denoised=False)["output"]` with the model given as data:
    # START_X's `pred_xstart` and LEARNED_RANGE's `model_var_values` (an adapter builds the model,
    # `lambda x, ts: th.cat([pred_xstart, model_var_values], dim=1)`: docs/golden-format.md).
    "vb_terms_bpd": (
        ("schedule_name", "num_diffusion_timesteps", "x_start", "x_t", "t", "pred_xstart", "model_var_values"),
        (),
    ),
}

# The helpers whose cases build a diffusion: a schedule name and a step count, then tensors and `t`.
DIFFUSION = ("q_posterior_mean_variance", "learned_range_log_variance", "prior_bpd", "vb_terms_bpd")


def result_count(function, case):
    """How many values a case's result has: one per step for a schedule or a derived array; for the
    diffusion methods every element, and for the posterior also its variance and clipped log-variance per
    batch element; one per batch element for the prior and `_vb_terms_bpd`."""
    if function in ("get_named_beta_schedule", "gaussian_diffusion_arrays"):
        return case["num_diffusion_timesteps"]
    tensor = next(v for v in case.values() if isinstance(v, np.ndarray) and v.ndim > 1)
    if function in ("prior_bpd", "vb_terms_bpd"):  # one value in bits per batch element
        return tensor.shape[0]
    return tensor.size + 2 * len(case["t"]) if function == "q_posterior_mean_variance" else tensor.size

# What to do with special cases: judge them and count a raise as a failure; judge what they return but
# accept a raise (a port that validates its inputs, as torch.distributions does); or leave them out.
SPECIALS = ("strict", "allow-raise", "skip")


@dataclass(frozen=True)
class Raised:
    """A case on which the port raised, or returned something other than one value per case."""

    id: str
    family: str
    special: bool
    error: str
    """`"ValueError: message"`."""
    where: str
    """The innermost frame, `"file.py:12 in fn"` (empty when the port returned a bad value)."""
    counted: bool
    """Whether it fails the report (special cases under `specials="allow-raise"` do not)."""


class PortError(Exception):
    """The port returned something that cannot be read as one value per case."""


@dataclass(frozen=True)
class Cases:
    """Every case of one helper: ids, families, and each input as one float64 array per case."""

    ids: tuple
    families: tuple
    inputs: tuple
    """Per case, `{upstream name: array}` (0-d for scalars, the case's tensor for mean_flat)."""
    special: tuple
    """Per case, whether an input is NaN or infinite."""
    shaped: tuple
    """Per case, whether it is called alone with its own shapes (mean_flat, normal_kl's broadcast calls):
    its outputs are a list."""


@functools.lru_cache(maxsize=None)
def load_cases(function):
    """The golden cases of `function`, from the extension (read once per process)."""
    ids, families, columns = native_cases(function)
    per_case = [dict() for _ in ids]
    for name, shapes, data in columns:
        flat = np.frombuffer(data, dtype="<f4").astype(np.float64)
        start = 0
        for case, shape in zip(per_case, shapes):
            size = math.prod(shape)
            case[name] = flat[start : start + size].reshape(shape)
            start += size
    special = tuple(not all(np.isfinite(v).all() for v in case.values()) for case in per_case)
    shaped = tuple(any(v.ndim > 0 for v in case.values()) for case in per_case)
    if function in ("get_named_beta_schedule", "gaussian_diffusion_arrays") or function in DIFFUSION:
        # Names (sent as indices) and a count, as upstream passes them; each case its own call.
        names, arrays = schedule_names(), array_names()
        for case in per_case:
            case["schedule_name"] = names[int(case["schedule_name"])]
            case["num_diffusion_timesteps"] = int(case["num_diffusion_timesteps"])
            if "array" in case:
                case["array"] = arrays[int(case["array"])]
            if "t" in case:  # the timesteps, an integer index array as upstream's th.long tensor
                case["t"] = case["t"].astype(np.int64)
        shaped = (True,) * len(per_case)
    return Cases(tuple(ids), tuple(families), tuple(per_case), special, shaped)


def parse_shape(shape, function):
    """The layout of a batch of N cases: `(-1, 1, 1, 1)` puts the cases on the first axis of a 4-D array."""
    if shape is None:
        return None
    if function == "mean_flat":
        raise UsageError("shape: mean_flat is called on each case's own tensor; shape does not apply")
    try:
        layout = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise UsageError(f"shape: {shape!r} is not a tuple of integers such as (-1, 1, 1, 1)") from None
    if layout.count(-1) != 1 or any(d not in (-1, 1) for d in layout):
        raise UsageError(
            f"shape: {shape!r} must hold one -1 (the axis of the cases) and otherwise 1, e.g. (-1, 1, 1, 1)"
        )
    return layout


def call_text(function, call):
    """How the port is called, for messages."""
    positional, keyword = UPSTREAM_CALLS[function]
    if call is not None:
        return f"call(fn, {', '.join(f'{n}=...' for n in positional + keyword)})"
    return f"fn({', '.join(positional + tuple(f'{k}=...' for k in keyword))})"


def check_signature(fn, function, call, label):
    """Refuses, before any call, a function (or adapter) whose signature cannot take the arguments."""
    positional, keyword = UPSTREAM_CALLS[function]
    if call is not None:
        target, args, kwargs, what = call, ("fn",), positional + keyword, "the adapter call"
    else:
        target, args, kwargs, what = fn, positional, keyword, label
    sig = signature_of(target)
    if sig is None:
        return
    try:
        sig.bind(*args, **{k: None for k in kwargs})
    except TypeError as e:
        names = ", ".join(positional + keyword)
        raise UsageError(
            f"signature: {what}{sig} cannot be called as {call_text(function, call)} ({e}). Map the upstream "
            f"arguments to yours with an adapter: call=lambda fn, {names}: fn(...) "
            f"(command line: --call 'fn(...)' using {names})"
        ) from None


class Caller:
    """Calls the port on NumPy case arrays in its framework and layout; returns float64 values."""

    def __init__(self, fn, function, framework, call, layout):
        self.fn = fn
        self.function = function
        self.framework = framework
        self.call = call
        self.layout = layout
        self.positional, self.keyword = UPSTREAM_CALLS[function]
        self.returned_dtypes = set()

    def __call__(self, arrays, count, own_shapes=False):
        """`arrays`: upstream name -> float64 array; `count`: the number of values expected back;
        `own_shapes`: one case with arguments of their own shapes, a 0-d one passed as a Python float."""

        def arg(name):
            a = arrays[name]
            if not isinstance(a, np.ndarray):  # a schedule's name and step count, passed as they are
                return a
            if own_shapes and a.dtype == np.int64:  # timesteps index arrays: integers, not the dtype
                return self.framework.index_array(a)
            if own_shapes:
                return float(a) if a.ndim == 0 else self.framework.array(a)
            if self.layout is not None:
                a = a.reshape(tuple(len(a) if d == -1 else d for d in self.layout))
            return self.framework.array(a)

        if self.call is not None:
            out = self.call(self.fn, **{n: arg(n) for n in self.positional + self.keyword})
        else:
            out = self.fn(*(arg(n) for n in self.positional), **{k: arg(k) for k in self.keyword})
        if self.function == "q_posterior_mean_variance":
            out = self._posterior(out, len(arrays["t"]))
        try:
            result = self.framework.to_numpy(out)
        except Exception as e:
            raise PortError(f"returned {type(out).__name__}, which is not an array: {e}") from None
        if result.dtype.kind != "f":
            raise PortError(f"returned dtype {result.dtype}, not floating point")
        if result.size != count:
            raise PortError(f"returned shape {tuple(result.shape)} where {count} values were expected")
        self.returned_dtypes.add(str(result.dtype))
        return result.astype(np.float64).reshape(-1)


    def _posterior(self, out, batch):
        """`(posterior_mean, posterior_variance, posterior_log_variance_clipped)` as one flat array: the
        mean's elements, then each batch element's variance and clipped log-variance (upstream expands
        them to x_t's shape; the first element of each row is read, so [B] or [B, 1, 1, 1] work too)."""
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            raise PortError(f"returned {type(out).__name__}, not the tuple (mean, variance, log_variance)")
        try:
            mean, variance, log_variance = (self.framework.to_numpy(o) for o in out)
        except Exception as e:
            raise PortError(f"returned a tuple whose items are not arrays: {e}") from None
        per_row = [np.asarray(v).reshape(batch, -1)[:, 0] for v in (variance, log_variance)]
        return np.concatenate([np.asarray(mean).reshape(-1), *per_row])


def _one_line(text, limit=300):
    """An exception's text on one line, cut at `limit` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _where(error):
    """The deepest frame of the traceback outside installed packages (the port's own code), else the
    deepest frame; empty for a bad return value."""
    if isinstance(error, PortError) or error.__traceback__ is None:
        return ""
    frames = traceback.extract_tb(error.__traceback__)[1:] or traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if "-packages" not in f.filename and not f.filename.startswith("<frozen")]
    frame = (own or frames)[-1]
    return f"{frame.filename}:{frame.lineno} in {frame.name}"


def _raised(cases, i, error, counted_specials):
    special = cases.special[i]
    text = str(error) if isinstance(error, PortError) else f"{type(error).__name__}: {error}"
    return Raised(
        cases.ids[i],
        cases.families[i],
        special,
        _one_line(text),
        _where(error),
        counted_specials or not special,
    )


@dataclass
class Evaluation:
    """What the port returned: values per case id, the cases it raised on, and notes for the report."""

    values: dict = field(default_factory=dict)
    raised: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def evaluate(caller, cases, specials):
    """Evaluates the port on every case (special ones as `specials` says)."""
    ev = Evaluation()
    counted_specials = specials == "strict"
    finite = [i for i, s in enumerate(cases.special) if not s]
    special = [i for i, s in enumerate(cases.special) if s]
    if specials == "skip":
        ev.skipped = [cases.ids[i] for i in special]
        special = []

    def one(i):
        case = cases.inputs[i]
        try:
            if "tensor" in case:
                values = caller(case, case["tensor"].shape[0])
            elif "num_diffusion_timesteps" in case:  # a schedule, a derived array or a diffusion method
                values = caller(case, result_count(caller.function, case), own_shapes=True)
            elif cases.shaped[i]:  # a broadcast call: the result has the broadcast shape
                count = math.prod(np.broadcast_shapes(*(v.shape for v in case.values())))
                values = caller(case, count, own_shapes=True)
            else:  # a batch of one
                values = caller({n: v.reshape(1) for n, v in case.items()}, 1)
            ev.values[cases.ids[i]] = values.tolist()
        except Exception as e:  # any raise of the port is reported against its case
            ev.raised.append(_raised(cases, i, e, counted_specials))

    for name, indices in (("finite", finite), ("special", special)):
        for i in [i for i in indices if cases.shaped[i]]:  # every case its own call
            one(i)
        indices = [i for i in indices if not cases.shaped[i]]
        if not indices:
            continue
        batch = {n: np.array([cases.inputs[i][n] for i in indices]) for n in cases.inputs[0]}
        try:
            values = caller(batch, len(indices))
        except PortError as e:  # not a raise: the port's shape or type, which case by case would hide
            raise UsageError(
                f"nothing judged: on the {len(indices)} {name} cases at once the port {e} (one per case: "
                "the helpers are elementwise); a port that reduces or needs another layout needs an "
                "adapter (call=...) or shape=(-1, 1, 1, 1)"
            ) from None
        except Exception as e:
            ev.notes.append(
                f"the batch call on the {len(indices)} {name} cases raised "
                f"{_one_line(f'{type(e).__name__}: {e}')}; retried case by case"
            )
            for i in indices:
                one(i)
            continue
        for i, v in zip(indices, values.tolist()):
            ev.values[cases.ids[i]] = [v]
    for dtype in sorted(caller.returned_dtypes - {caller.framework.dtype}):
        ev.notes.append(
            f"the port returned {dtype} for {caller.framework.dtype} inputs (judged as {caller.framework.dtype})"
        )
    return ev
