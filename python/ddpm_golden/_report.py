"""The verdict on a port: what the Rust verifier judged, what the port raised on, and a readable text.

`str(report)` is the message `assert_port` raises, written to read like `torch.testing.assert_close`:
the verdict first, then the worst cases with their inputs, value, expected value and tolerance.
"""

import json
import math
from dataclasses import asdict, dataclass, field


# How many failures and raises the text shows (all are in `failures`, `raised` and `to_json()`).
SHOWN = 5


def _number(v):
    """A JSON number of the verifier's reports: finite numbers as numbers, the strings "nan", "inf",
    "-inf" as floats."""
    if isinstance(v, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[v]
    return float(v)


def _numbers(v):
    if isinstance(v, list):
        return [_numbers(x) for x in v]
    if isinstance(v, dict):
        return {k: _numbers(x) for k, x in v.items()}
    if isinstance(v, (int, float)) or v in ("nan", "inf", "-inf"):
        return _number(v)
    return v


@dataclass(frozen=True)
class Failure:
    """A judged case whose value is outside its tolerance."""

    id: str
    family: str
    inputs: dict
    """The case's inputs by upstream name (long tensors summarised)."""
    got: object
    """The port's value (a list of per-row means for mean_flat)."""
    expected: object
    """The exact value, correctly rounded to float64 (a list for mean_flat)."""
    tolerance: dict
    """The admissible set as the golden file states it: `{"abs": bound}` around `expected`, with an
    `"alternative"` value and bound where rounding a threshold to the precision flips a branch."""
    tol_units: float
    """`|got - expected| / abs`: at most 1 passes; `inf` when a special value is missed."""
    abs_err: float
    ulps: float
    """The error in units in the last place of the precision at the expected value."""


@dataclass(frozen=True)
class FamilyCounts:
    """Cases of one family (the first tag of a case: edge, grid, random, regression, ...)."""

    cases: int
    judged: int = 0
    failed: int = 0
    unconstrained: int = 0
    """Cases the precision cannot resolve: not judged (their error bound exceeds the output's range)."""
    raised: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class Report:
    """The verdict on one port for one helper, variant and dtype."""

    function: str
    variant: str
    dtype: str
    precision: str
    framework: str
    implementation: str
    passed: bool
    """No judged case failed and no raise counts against the port."""
    judged: int
    failed: int
    failures: list
    """Every failing case, worst first (`Failure`)."""
    raised: list
    """Every case the port raised on (`Raised`)."""
    families: dict
    """Counts per case family (`FamilyCounts`)."""
    worst: object
    """`(case id, tolerance units)` of the largest error over all judged cases, or None."""
    specials: str
    notes: list = field(default_factory=list)
    golden: dict = field(default_factory=dict)
    """Provenance of the golden file (generator, commit, inputs checksum)."""

    @property
    def unconstrained(self):
        """Unconstrained cases per family (not judged in this precision)."""
        return {name: c.unconstrained for name, c in self.families.items() if c.unconstrained}

    def to_dict(self):
        d = asdict(self)
        d["worst"] = None if self.worst is None else {"id": self.worst[0], "tol_units": self.worst[1]}
        return d

    def to_json(self, indent=2):
        """The whole report as JSON (NaN and infinities as the strings "nan", "inf", "-inf")."""
        return json.dumps(encode(self.to_dict()), indent=indent, allow_nan=False)

    def text(self, shown=SHOWN):
        """The verdict, the `shown` worst failures and raises, unconstrained cases and notes."""
        return "\n".join(_render(self, shown))

    def __str__(self):
        return self.text()


def encode(v):
    """Floats, lists and dicts for JSON: NaN and infinities as the strings "nan", "inf", "-inf"."""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, list):
        return [encode(x) for x in v]
    if isinstance(v, dict):
        return {k: encode(x) for k, x in v.items()}
    return v


def build(raw, *, function, dtype, framework, cases, evaluation, specials):
    """A Report from the verifier's JSON (`raw`, already parsed) and the evaluation."""
    one = function != "mean_flat"

    def scalar(values):
        values = _numbers(values)
        return values[0] if one and len(values) == 1 else values

    failures = [
        Failure(
            id=f["id"],
            family=f["family"],
            inputs=_numbers(f["inputs"]),
            got=scalar(f["got"]),
            expected=scalar(f["expected"]),
            tolerance=_numbers(f["tolerance"]),
            tol_units=_number(f["tol_units"]),
            abs_err=_number(f["abs_err"]),
            ulps=_number(f["ulps"]),
        )
        for f in raw["failures"]
    ]
    raised_by_family, skipped_by_family, cases_by_family = {}, {}, {}
    for r in evaluation.raised:
        raised_by_family[r.family] = raised_by_family.get(r.family, 0) + 1
    skipped = set(evaluation.skipped)
    for case_id, family in zip(cases.ids, cases.families):
        cases_by_family[family] = cases_by_family.get(family, 0) + 1
        if case_id in skipped:
            skipped_by_family[family] = skipped_by_family.get(family, 0) + 1
    families = {}
    for family, total in cases_by_family.items():
        judged = raw["families"].get(family, {})
        families[family] = FamilyCounts(
            cases=total,
            judged=judged.get("judged", 0),
            failed=judged.get("failed", 0),
            unconstrained=judged.get("unconstrained", 0),
            raised=raised_by_family.get(family, 0),
            skipped=skipped_by_family.get(family, 0),
        )
    worst = raw.get("worst")
    return Report(
        function=function,
        variant=raw["variant"],
        dtype=dtype,
        precision=raw["precision"],
        framework=framework,
        implementation=raw["implementation"],
        passed=raw["passed"] and not any(r.counted for r in evaluation.raised),
        judged=raw["judged"],
        failed=raw["failed"],
        failures=failures,
        raised=list(evaluation.raised),
        families=families,
        worst=None if worst is None else (worst["id"], _number(worst["tol_units"])),
        specials=specials,
        notes=list(evaluation.notes),
        golden=raw.get("golden", {}),
    )


def _g(v):
    """A value as Python writes it (shortest round trip), lists shortened."""
    if isinstance(v, list):
        shown = ", ".join(_g(x) for x in v[:4])
        return f"[{shown}{', ...' if len(v) > 4 else ''}]"
    return repr(v) if isinstance(v, float) else str(v)


def _count(n, noun):
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _tolerance_text(tolerance):
    if not isinstance(tolerance, dict):
        return str(tolerance)
    if "interval" in tolerance:
        interval = tolerance["interval"]
        rows = isinstance(interval, list) and bool(interval) and isinstance(interval[0], (list, type(None)))
        first = interval[0] if rows else interval
        # null: the result must be NaN; a list of intervals: one per row or element, the first shown.
        text = "NaN" if first is None else f"in [{_g(first[0])}, {_g(first[1])}]"
        if rows:
            text = f"{text} (element 0 of {len(interval)})"
    elif "abs" in tolerance:
        text = f"± {_g(tolerance['abs'])}"
    else:
        text = json.dumps(encode(tolerance))
    alt = tolerance.get("alternative")
    if alt:
        text += f" (or {_g(alt.get('value'))} ± {_g(alt.get('abs'))}, the {alt.get('branch')} branch)"
    return text


def _render(r, shown):
    head = "PASS" if r.passed else "FAIL"
    yield (
        f"ddpm_golden {head}: {r.implementation} as {r.function} (variant {r.variant}), "
        f"{r.framework} {r.dtype}"
    )
    total = sum(c.cases for c in r.families.values())
    line = f"  {r.judged} of {total} cases judged, {r.failed} failed"
    if r.worst is not None:
        line += f"; worst {r.worst[1]:.3g} tolerance units (case {r.worst[0]}; at most 1 passes)"
    yield line
    if r.failures:
        yield f"  worst failures ({min(shown, len(r.failures))} of {len(r.failures)}):"
        for f in r.failures[:shown]:
            inputs = ", ".join(f"{k}={_g(v)}" for k, v in f.inputs.items())
            yield f"    {f.id}  [{f.family}]"
            yield f"      inputs   {inputs}"
            yield f"      got      {_g(f.got)}"
            yield f"      expected {_g(f.expected)} {_tolerance_text(f.tolerance)}"
            yield f"      error    {f.abs_err:.3g} = {f.tol_units:.3g} tolerance units = {f.ulps:.3g} ulps"
    if r.raised:
        counted = [x for x in r.raised if x.counted]
        specials = sum(1 for x in r.raised if x.special)
        state = "failing the verdict" if counted else f"accepted by specials={r.specials!r}"
        yield (
            f"  raised on {_count(len(r.raised), 'case')} ({specials} special: NaN or infinite inputs), {state}:"
        )
        for x in r.raised[:shown]:
            where = f" at {x.where}" if x.where else ""
            yield f"    {x.id}: {x.error}{where}"
        if counted and all(x.special for x in counted):
            yield (
                "    the finite cases stand on their own; if refusing NaN or infinite inputs is intended, "
                "pass specials='allow-raise'"
            )
    free = ", ".join(f"{k} {v}" for k, v in r.unconstrained.items())
    if free:
        yield f"  unconstrained in {r.dtype} (not judged: beyond what {r.dtype} can resolve): {free}"
    skipped = sum(c.skipped for c in r.families.values())
    if skipped:
        yield f"  {skipped} special cases skipped (specials='skip')"
    for note in r.notes:
        yield f"  note: {note}"
    if not r.passed:
        yield "  all failures: report.failures or report.to_json(); what to do: README, 'When a verdict fails'"
