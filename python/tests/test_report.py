"""The report's fields: failures carry what is needed to read them without the golden file, the counts
add up, the JSON round-trips, and the text reads as a pytest failure message."""

import json
import math

import mpmath
import pytest
import torch

import ddpm_golden
from ports import mutants, torch_port

KL = {"function": "normal_kl", "dtype": "float64", "framework": "torch"}


@pytest.fixture(scope="module")
def failing():
    return ddpm_golden.check(mutants.normal_kl_without_half(torch_port), **KL)


def exact_normal_kl(mean1, logvar1, mean2, logvar2):
    """normal_kl in 60-digit arithmetic, rounded once to float64."""
    with mpmath.workdps(60):
        m1, l1, m2, l2 = (mpmath.mpf(v) for v in (mean1, logvar1, mean2, logvar2))
        return float(0.5 * (-1 + l2 - l1 + mpmath.exp(l1 - l2) + (m1 - m2) ** 2 * mpmath.exp(-l2)))


def test_failures_carry_inputs_values_expected_and_tolerance(failing):
    assert not failing.passed and failing.failed == len(failing.failures) > 0
    units = [f.tol_units for f in failing.failures]
    assert units == sorted(units, reverse=True), "worst first"
    # The scalar cases (a broadcast case's inputs are tensors, its values lists).
    for f in [f for f in failing.failures if not isinstance(f.got, list)][:50]:
        assert set(f.inputs) == {"mean1", "logvar1", "mean2", "logvar2"}
        args = [
            torch.tensor([f.inputs[k]], dtype=torch.float64) for k in ("mean1", "logvar1", "mean2", "logvar2")
        ]
        assert f.got == 2.0 * torch_port.normal_kl(*args).item()  # what the mutant returned on these inputs
        if math.isfinite(f.expected):
            assert abs(
                f.expected - exact_normal_kl(*(f.inputs[k] for k in ("mean1", "logvar1", "mean2", "logvar2")))
            ) <= math.ulp(f.expected)
            assert f.abs_err == pytest.approx(abs(f.got - f.expected), rel=1e-12)
            assert f.tol_units == pytest.approx(f.abs_err / f.tolerance["abs"], rel=1e-12)
            assert f.tol_units > 1 and f.ulps > 0
        assert f.family in failing.families


def test_counts_add_up(failing):
    families = failing.families.values()
    assert sum(c.judged for c in families) == failing.judged
    assert sum(c.failed for c in families) == failing.failed
    assert sum(c.cases for c in families) == 486
    for c in families:
        assert c.judged + c.unconstrained + c.raised + c.skipped == c.cases
    assert failing.worst[0] == failing.failures[0].id
    assert failing.precision == "f64" and failing.variant == "upstream" and failing.dtype == "float64"


def test_json_round_trips(failing):
    data = json.loads(failing.to_json())
    assert data["passed"] is False and data["failed"] == failing.failed
    assert [f["id"] for f in data["failures"]] == [f.id for f in failing.failures]
    assert data["families"].keys() == failing.families.keys()
    assert data["worst"]["id"] == failing.worst[0]
    assert data["golden"]["inputs_sha256"]
    special = [f for f in data["failures"] if isinstance(f["got"], str)]
    assert all(f["got"] in ("nan", "inf", "-inf") for f in special)


def test_the_text_reads_as_a_failure_message(failing):
    text = str(failing)
    first = failing.failures[0]
    assert text.startswith("ddpm_golden FAIL: ")
    assert f"{failing.judged} of 486 cases judged, {failing.failed} failed" in text
    assert first.id in text and repr(first.got) in text and "tolerance units" in text
    assert "When a verdict fails" in text
    assert len(failing.text(shown=2).splitlines()) < len(text.splitlines())


def test_assert_port_raises_the_text_and_returns_a_passing_report():
    with pytest.raises(AssertionError) as info:
        ddpm_golden.assert_port(mutants.normal_kl_without_half(torch_port), **KL)
    assert str(info.value).startswith("ddpm_golden FAIL: ")
    report = ddpm_golden.assert_port(torch_port.normal_kl, **KL)
    assert report.passed and report.failures == [] and report.raised == []
    assert str(report).startswith("ddpm_golden PASS: ")


def test_every_finite_float32_log_likelihood_case_is_judged_at_least_by_its_interval():
    report = ddpm_golden.check(
        torch_port.discretized_gaussian_log_likelihood,
        dtype="float32",
        function="discretized_gaussian_log_likelihood",
        variant="tanh",
    )
    assert report.passed and not report.unconstrained
    assert report.judged == 2029


def test_mean_flat_failures_list_one_value_per_row():
    report = ddpm_golden.check(
        mutants.mean_flat_global(torch_port), function="mean_flat", dtype="float32", framework="torch"
    )
    row_failures = [f for f in report.failures if isinstance(f.got, list)]
    assert row_failures and all(len(f.got) == len(f.expected) == f.inputs["shape"][0] for f in row_failures)
