#!/usr/bin/env python3
"""Check the half-precision assumptions of the error model (docs/error-model.md) against PyTorch.

    python3 tools/check_half_model.py

The golden tolerances and admissible intervals of float16 and bfloat16 assume that PyTorch computes each
elementwise op on half tensors in float32 and rounds the result to the half type, with known exceptions.
This script measures every assumption the model relies on, on PyTorch's CPU kernels (CUDA uses the same
float32 "opmath" scheme; not measurable here without a GPU), and exits 1 if one fails:

- `+ - * /` of two half tensors: exactly the float32 result rounded (200k random pairs per dtype);
- `exp`, `log`, `tanh`, `expm1`, `log1p` of every finite half value: the correctly rounded result rounded
  to the half type; `erf`: within HALF_ERF_ABS (2^-21) of erf before that rounding (PyTorch's float32
  erf approximation for the half types);
- a Python scalar added to a half tensor is rounded to the half type; multiplied or divided, to float32
  (the model takes the larger deviation of the two);
- comparisons with 0.999 use its half rounding (bfloat16: 1.0, so its edge branches never fire on
  [-1, 1]); `clamp(min=1e-12)` uses its half rounding (float16: 0, whose log is -inf);
- `pow(x, 3)`: at most two roundings (float16: x*x*x in float32 rounded once; bfloat16: rounded twice);
- `mean` over half tensors: accumulated in float32, rounded once;
- saturation: erf and tanh return exactly +-1 wherever they are within SATURATION = 2^-10 times the unit
  roundoff of +-1 (src/golden/admissible.rs), in float32, float64 and the half types, in PyTorch and
  NumPy (whose float32 tanh returns 1 only from |x| = 10 on, the latest measured).

Needs numpy and torch.
"""

import math
import sys

import numpy as np
import torch

torch.set_num_threads(1)
HALF_ERF_ABS = 2.0**-21
SATURATION = 2.0**-10
failures = []


def check(name, ok, detail):
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    if not ok:
        failures.append(name)


def same(a, b):
    return bool(((a == b) | (a.isnan() & b.isnan())).all())


def all_half(dtype):
    v = torch.arange(0, 1 << 16, dtype=torch.int32).to(torch.int16).view(dtype)
    return v[torch.isfinite(v.float())]


def spacing(y, dtype):
    """The spacing of `dtype` values at |y| (the subnormal step below the normal range)."""
    bits, emin = (10, -14) if dtype == torch.float16 else (7, -126)
    e = torch.floor(torch.log2(y.abs().clamp(min=1e-300))).clamp(min=emin)
    return torch.pow(2.0, e - bits)


for dtype in (torch.float16, torch.bfloat16):
    name = str(dtype).replace("torch.", "")
    v = all_half(dtype)
    f = v.float()
    g = torch.Generator().manual_seed(1)
    a = v[torch.randint(0, v.numel(), (200_000,), generator=g)]
    b = v[torch.randint(0, v.numel(), (200_000,), generator=g)]
    for op in ("add", "sub", "mul", "div"):
        got = getattr(torch, op)(a, b).float()
        want = getattr(torch, op)(a.float(), b.float()).to(dtype).float()
        check(f"{name} {op}", same(got, want), "== float32 result rounded to the half type")
    for fn in ("exp", "log", "tanh", "expm1", "log1p"):
        got = getattr(torch, fn)(v).float()
        want = getattr(torch, fn)(v.double()).to(dtype).float()
        check(f"{name} {fn}", same(got, want), "== correctly rounded result rounded to the half type")
    exact = torch.erf(v.double())
    excess = ((torch.erf(v).double() - exact).abs() - spacing(exact, dtype).double() / 2).max().item()
    check(f"{name} erf", excess <= HALF_ERF_ABS,
          f"error beyond the final rounding {excess:.3g} <= 2^-21 = {HALF_ERF_ABS:.3g}")
    constants = ((1.0 / 255.0, "1/255"), (math.sqrt(2.0 / math.pi), "sqrt(2/pi)"), (0.044715, "0.044715"))
    for c, label in constants:
        add = same((v + c).float(), (f + torch.tensor(c, dtype=dtype).float()).to(dtype).float())
        mul = same((v * c).float(), (f * torch.tensor(c, dtype=torch.float32)).to(dtype).float())
        check(f"{name} scalar {label}", add and mul, "added in the half rounding, multiplied in float32's")
    sqrt2 = torch.tensor(math.sqrt(2.0), dtype=torch.float32)
    div = same((v / math.sqrt(2.0)).float(), (f / sqrt2).to(dtype).float())
    check(f"{name} scalar sqrt(2)", div, "divided by its float32 rounding")
    edge = torch.tensor(0.999, dtype=dtype)
    check(f"{name} x > 0.999", same((v > 0.999), (v > edge)),
          f"compares with the half rounding {edge.item()}")
    floor = torch.zeros(16, dtype=dtype).clamp(min=1e-12)[0].item()
    check(f"{name} clamp(min=1e-12)", floor == torch.tensor(1e-12, dtype=dtype).item(),
          f"clamps at the half rounding {floor} (log: {math.log(floor) if floor > 0 else '-inf'})")
    cube = torch.pow(v, 3).float()
    once = (f * f * f).to(dtype).float()
    twice = ((f * f).to(dtype).float() * f).to(dtype).float()
    check(f"{name} pow(x, 3)", bool(((cube == once) | (cube == twice) | cube.isnan()).all()),
          "x*x*x in float32, rounded once or after each product")
    rows = (torch.rand(4, 4097, generator=g) * 2 - 1).to(dtype)
    check(f"{name} mean", same(rows.mean(dim=1).float(), rows.float().mean(dim=1).to(dtype).float()),
          "accumulated in float32, rounded once")

grid = torch.linspace(0.0, 40.0, 400_001, dtype=torch.float64)
complements = {"erf": torch.special.erfc(grid), "tanh": 2.0 / (torch.exp(2 * grid) + 1.0)}


def saturation(label, fn, u, pos, neg):
    """+-1 wherever within SATURATION * u of +-1; reports where the function first returns 1."""
    near = complements[fn] <= u * SATURATION
    bad = int((near & ((pos != 1.0) | (neg != -1.0))).sum())
    first = grid[pos == 1.0][0].item()
    ratio = complements[fn][pos == 1.0][0].item() / u
    check(f"{label} {fn} saturation", bad == 0,
          f"+-1 wherever within 2^-10 u of +-1 ({bad} exceptions; 1 from x = {first:.6g}, "
          f"where 1 - f = {ratio:.3g} u)")


u32, u64 = 2.0**-24, 2.0**-53
for dtype, u in ((torch.float32, u32), (torch.float64, u64), (torch.float16, u32), (torch.bfloat16, u32)):
    # The half types compute erf and tanh in float32: its unit roundoff decides.
    for fn in ("erf", "tanh"):
        pos = getattr(torch, fn)(grid.to(dtype)).double()
        neg = getattr(torch, fn)((-grid).to(dtype)).double()
        saturation(f"torch {str(dtype).replace('torch.', '')}", fn, u, pos, neg)
for dtype, u in ((np.float32, 2.0**-24), (np.float64, 2.0**-53), (np.float16, 2.0**-24)):
    x = grid.numpy().astype(dtype)
    pos = torch.from_numpy(np.tanh(x).astype(np.float64))
    neg = torch.from_numpy(np.tanh(-x).astype(np.float64))
    saturation(f"numpy {np.dtype(dtype).name}", "tanh", u, pos, neg)

print(f"torch {torch.__version__}, numpy {np.__version__}: {len(failures)} assumption(s) failed")
sys.exit(1 if failures else 0)
