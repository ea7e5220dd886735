"""The array frameworks a port may be written in (NumPy, PyTorch, JAX): which one a call means, the
dtype asked for, and the conversions between NumPy arrays (how cases are held) and the framework's own.

torch and jax are imported only when selected, so a NumPy user needs neither.
"""

import importlib
import inspect
import sys
import types

import numpy as np

from ._native import UsageError

FRAMEWORKS = ("numpy", "torch", "jax")
# The dtype names a user may ask for, and the golden precision each is judged in (float16 and bfloat16
# on the cases whose inputs they hold exactly).
DTYPES = {"float32": "f32", "float64": "f64", "float16": "f16", "bfloat16": "bf16"}


def dtype_name(dtype):
    """The name (`"float32"`, ...) of a dtype given as a string, a NumPy, torch or JAX dtype."""
    if isinstance(dtype, str):
        name = dtype
    else:
        # torch.float32 prints as "torch.float32"; np.float32, jnp.float32 and np.dtype("float32") have
        # `__name__` or `name` "float32".
        name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None) or str(dtype)
        name = str(name).rsplit(".", 1)[-1]
    if name not in DTYPES:
        raise UsageError(f"dtype: {dtype!r} is not a floating dtype; use one of {', '.join(DTYPES)}")
    return name


def framework_of_dtype(dtype):
    """The framework a dtype object belongs to, or None for a plain string."""
    if isinstance(dtype, str):
        return None
    module = type(dtype).__module__ if not isinstance(dtype, type) else dtype.__module__
    root = module.split(".", 1)[0]
    if root in ("torch", "jax", "jaxlib"):
        return "jax" if root == "jaxlib" else root
    return "numpy"


def _unwrap(fn):
    """The Python function behind partials, bound methods, decorators and jax.jit."""
    seen = set()
    while id(fn) not in seen:
        seen.add(id(fn))
        if hasattr(fn, "func") and callable(fn.func):  # functools.partial
            fn = fn.func
        elif hasattr(fn, "__func__"):  # bound method
            fn = fn.__func__
        elif hasattr(fn, "__wrapped__"):  # functools.wraps, jax.jit
            fn = fn.__wrapped__
    return fn


def _framework(value):
    """ "torch" or "jax" when `value` is (or belongs to) one of them, else None."""
    name = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
    root = {"jaxlib": "jax"}.get(str(name).split(".", 1)[0], str(name).split(".", 1)[0])
    return root if root in ("torch", "jax") else None


def _module_of(value):
    if isinstance(value, types.ModuleType):
        return value
    return sys.modules.get(getattr(value, "__module__", None) or "")


def _used_by(fn):
    """The globals and closure variables the code of `fn` refers to (empty where Python cannot tell)."""
    try:
        names = inspect.getclosurevars(fn)
    except (TypeError, ValueError):
        return []
    return list(names.nonlocals.values()) + list(names.globals.values())


def frameworks_referenced(fn):
    """The frameworks (torch, jax) the code of `fn` uses: what its code refers to, else what the modules
    it refers to import, else what its own module imports."""
    if fn is None:
        return []
    target = _unwrap(fn)
    used = [v for v in _used_by(target) if isinstance(v, types.ModuleType) or callable(v)]
    levels = (
        [target] + used,
        [v for u in used if (m := _module_of(u)) is not None for v in vars(m).values()],
        list(vars(_module_of(target) or types.ModuleType("none")).values()),
    )
    for level in levels:
        names = [n for n in map(_framework, level) if n is not None]
        if names:
            return list(dict.fromkeys(names))
    return []


def infer_framework(framework, dtype, fn, call):
    """The framework to call `fn` with: as given, else from the dtype object, else from the code of the
    function (failing that, of the adapter); NumPy when nothing names another."""
    if framework is not None:
        if framework not in FRAMEWORKS:
            raise UsageError(f"framework: {framework!r} is not one of {', '.join(FRAMEWORKS)}")
        return framework
    by_dtype = framework_of_dtype(dtype)
    if by_dtype is not None:
        return by_dtype
    found = frameworks_referenced(fn) or frameworks_referenced(call)
    if len(found) > 1:
        raise UsageError(
            f"framework: the function's modules use both {found[0]} and {found[1]}; pass framework= "
            "or a torch/JAX dtype"
        )
    return found[0] if found else "numpy"


class Framework:
    """One framework in one dtype on one device: NumPy arrays in, the framework's arrays out, and back."""

    def __init__(self, name, dtype, device=None):
        self.name = name
        self.dtype = dtype  # the dtype name, e.g. "float32"
        self.device = device
        if name == "numpy":
            if device not in (None, "cpu"):
                raise UsageError(f"device: NumPy runs on the CPU only, not on {device!r}")
            return
        try:
            self.module = importlib.import_module(name)
        except ImportError as e:
            raise UsageError(f"framework: cannot import {name} ({e})") from e
        if name == "torch":
            self.native_dtype = getattr(self.module, dtype)
            try:
                self.torch_device = self.module.device(device or "cpu")
                self.module.empty(0, device=self.torch_device)
            except (RuntimeError, AssertionError) as e:
                raise UsageError(f"device: torch cannot use {device!r}: {e}") from e
        else:
            import jax

            if dtype == "float64" and not jax.config.jax_enable_x64:
                # Without this JAX silently computes float64 inputs in float32.
                jax.config.update("jax_enable_x64", True)
            try:
                self.jax_device = jax.devices(device)[0] if device else None
            except RuntimeError as e:
                raise UsageError(f"device: JAX has no {device!r} device: {e}") from e

    def describe(self):
        where = f" on {self.device}" if self.device else ""
        kind = {"numpy": "NumPy arrays", "torch": "torch tensors", "jax": "JAX arrays"}[self.name]
        return f"{kind} of dtype {self.dtype}{where}"

    def array(self, values):
        """A NumPy float64 array of exact f32 values as the framework's array in the chosen dtype."""
        if self.name == "numpy":
            return values.astype(self.dtype)
        if self.name == "torch":
            # float64 first: every golden input is exact in it, and torch converts from there.
            tensor = self.module.from_numpy(np.ascontiguousarray(values, dtype=np.float64))
            return tensor.to(device=self.torch_device, dtype=self.native_dtype)
        import jax
        import jax.numpy as jnp

        array = jnp.asarray(values, dtype=getattr(jnp, self.dtype))
        return jax.device_put(array, self.jax_device) if self.jax_device else array

    def index_array(self, values):
        """An integer NumPy array (timesteps) as the framework's integer array: torch.long, NumPy int64,
        JAX's default integer type."""
        if self.name == "numpy":
            return values.astype(np.int64)
        if self.name == "torch":
            return self.module.from_numpy(np.ascontiguousarray(values, dtype=np.int64)).to(self.torch_device)
        import jax
        import jax.numpy as jnp

        array = jnp.asarray(values)
        return jax.device_put(array, self.jax_device) if self.jax_device else array

    def to_numpy(self, out):
        """A result as a NumPy array (float64 where the framework's dtype has no NumPy counterpart)."""
        if self.name == "torch" and isinstance(out, self.module.Tensor):
            out = out.detach().cpu()
            if out.dtype in (self.module.bfloat16, self.module.float16):
                out = out.to(self.module.float64)
            return out.numpy()
        return np.asarray(out)


def signature_of(fn):
    """`inspect.signature(fn)`, or None where Python cannot tell (builtins, some C extensions)."""
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None
