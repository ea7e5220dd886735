"""The package's surface: the Python call table agrees with the Rust function table, the golden files
are the committed ones, and the public names exist."""

import json
from pathlib import Path

import ddpm_golden
from ddpm_golden import _native
from ddpm_golden._evaluate import UPSTREAM_CALLS, load_cases

GOLDEN = Path(__file__).resolve().parents[2] / "golden"


def test_upstream_calls_cover_the_function_table():
    functions, precisions = _native.table()
    assert set(UPSTREAM_CALLS) == {name for name, _ in functions}
    for name, inputs in functions:
        positional, keyword = UPSTREAM_CALLS[name]
        expected = ["tensor"] if name == "mean_flat" else list(inputs)  # mean_flat's input is one tensor
        assert list(positional + keyword) == expected
    assert precisions == ["f32", "f64", "f16", "bf16"]


def test_embedded_cases_are_the_committed_golden_files():
    for name in UPSTREAM_CALLS:
        committed = json.loads((GOLDEN / f"{name}.json").read_text())
        cases = load_cases(name)
        assert list(cases.ids) == [c["id"] for c in committed["cases"]]
        assert list(cases.families) == [c["tags"][0] for c in committed["cases"]]
        # Spot-check the decoded inputs of every case against the file: scalars, and the tensors of the
        # broadcast normal_kl calls with their shapes.
        if name != "mean_flat":
            special = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}
            for inputs, case in zip(cases.inputs, committed["cases"]):
                for arg, value in case["inputs"].items():
                    if isinstance(value, dict):
                        assert list(inputs[arg].shape) == value["shape"], (case["id"], arg)
                        assert inputs[arg].reshape(-1).tolist() == value["data"], (case["id"], arg)
                        continue
                    if isinstance(inputs[arg], str):  # a schedule's name
                        assert inputs[arg] == value, (case["id"], arg)
                        continue
                    stored = special.get(value, value)
                    got = float(inputs[arg])
                    assert got == stored or (got != got and stored != stored), (case["id"], arg)


def test_judging_an_outputs_document_matches_the_cli_contract():
    # The verifier's own checks reach Python as UsageError naming the field.
    try:
        _native.judge("normal_kl", json.dumps({"precision": "f32", "outputs": {}}), ["no-such-case"])
    except ddpm_golden.UsageError as e:
        assert "no-such-case" in str(e)
    else:
        raise AssertionError("an unknown case id must be refused")
    try:
        _native.resolve("normal_kl", "f32", "tanh")
    except ddpm_golden.UsageError as e:
        assert str(e).startswith("variant: must be omitted")
    else:
        raise AssertionError("tanh is no variant of normal_kl")
    assert _native.resolve("normal_kl", "f32", "erf") == "upstream"
    assert _native.resolve("discretized_gaussian_log_likelihood", "f64", "stable") == "stable"


def test_public_names():
    assert issubclass(ddpm_golden.UsageError, ValueError)
    for name in ddpm_golden.__all__:
        assert hasattr(ddpm_golden, name)
