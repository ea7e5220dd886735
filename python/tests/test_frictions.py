"""Each friction the earlier bridge (tools/check_port.py) had with real ports, as a regression test:
positional signatures, methods, 4-D-only functions, a CDF that raises on NaN, the wrong framework, bad
options."""

import math

import jax.numpy as jnp
import numpy as np
import pytest
import torch

import ddpm_golden
from ports import frictions, torch_port

LOGLIK = {"function": "discretized_gaussian_log_likelihood", "variant": "tanh"}


def test_positional_signature_is_refused_before_any_call_naming_the_adapter():
    calls = []

    def spy(x0, mean, log_scale):
        calls.append(1)
        return frictions.loglik_positional(x0, mean, log_scale)

    with pytest.raises(ddpm_golden.UsageError, match=r"signature: .*\(x0, mean, log_scale\).*call=lambda fn"):
        ddpm_golden.check(spy, dtype="float32", **LOGLIK)
    assert calls == []


def test_positional_signature_passes_through_an_adapter():
    report = ddpm_golden.check(
        frictions.loglik_positional,
        dtype="float32",
        **LOGLIK,
        call=lambda fn, x, means, log_scales: fn(x, means, log_scales),
    )
    assert report.passed, report


def test_bound_methods_pass_and_an_unbound_one_needs_an_adapter():
    diffusion = frictions.Diffusion()
    assert ddpm_golden.check(diffusion.log_likelihood, dtype="float64", **LOGLIK).passed
    assert ddpm_golden.check(diffusion.kl, function="normal_kl", dtype="float64").passed
    with pytest.raises(ddpm_golden.UsageError, match="signature"):
        ddpm_golden.check(frictions.Diffusion.log_likelihood, dtype="float64", **LOGLIK)
    report = ddpm_golden.check(
        frictions.Diffusion.log_likelihood,
        dtype="float64",
        **LOGLIK,
        call=lambda fn, **args: fn(diffusion, args["x"], means=args["means"], log_scales=args["log_scales"]),
    )
    assert report.passed, report


def test_a_function_requiring_4d_input_gets_a_hint_then_passes_with_shape():
    with pytest.raises(
        ddpm_golden.UsageError, match=r"nothing judged(.|\n)*AssertionError(.|\n)*shape=\(-1, 1, 1, 1\)"
    ):
        ddpm_golden.check(frictions.loglik_4d, dtype="float32", **LOGLIK)
    report = ddpm_golden.check(frictions.loglik_4d, dtype="float32", **LOGLIK, shape=(-1, 1, 1, 1))
    assert report.passed, report


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_cdf_that_raises_on_nan_keeps_its_finite_verdict(dtype):
    cdf = {"function": "standard_normal_cdf", "variant": "erf", "dtype": dtype}
    strict = ddpm_golden.check(frictions.distributions_cdf, **cdf)
    assert not strict.passed
    assert strict.failures == [] and strict.judged > 0
    assert strict.raised and all(r.special and r.counted for r in strict.raised)
    # torch.distributions refuses NaN but accepts infinities: exactly the NaN cases raised, by id.
    cases = ddpm_golden._evaluate.load_cases("standard_normal_cdf")
    nan_ids = {i for i, inputs in zip(cases.ids, cases.inputs) if math.isnan(inputs["z"])}
    assert {r.id for r in strict.raised} == nan_ids
    assert "ValueError" in strict.raised[0].error
    assert "specials='allow-raise'" in str(strict)

    allowed = ddpm_golden.check(frictions.distributions_cdf, **cdf, specials="allow-raise")
    assert allowed.passed, allowed
    assert allowed.raised and not any(r.counted for r in allowed.raised)
    assert allowed.judged == strict.judged

    skipped = ddpm_golden.check(frictions.distributions_cdf, **cdf, specials="skip")
    assert skipped.passed and not skipped.raised
    assert sum(c.skipped for c in skipped.families.values()) == sum(cases.special)


def test_a_raise_on_a_finite_case_fails_with_its_id_whatever_specials_says():
    def refuses_zero(z):
        if bool((z == 0).any()):
            raise ValueError("zero refused")
        return torch_port.approx_standard_normal_cdf(z)

    report = ddpm_golden.check(
        refuses_zero,
        function="standard_normal_cdf",
        variant="tanh",
        dtype="float64",
        framework="torch",
        specials="allow-raise",
    )
    assert not report.passed
    assert [r for r in report.raised if r.counted] and all(not r.special for r in report.raised if r.counted)
    assert any("batch call" in n for n in report.notes)
    assert "zero refused" in str(report)


def test_the_wrong_framework_says_so():
    with pytest.raises(
        ddpm_golden.UsageError, match=r"wrong framework\? its module uses torch: pass framework='torch'"
    ):
        ddpm_golden.check(torch_port.normal_kl, function="normal_kl", dtype="float32", framework="numpy")


def test_framework_is_inferred_from_the_dtype_then_the_module():
    kl = {"function": "normal_kl"}
    assert ddpm_golden.check(torch_port.normal_kl, dtype=torch.float32, **kl).framework == "torch"
    assert ddpm_golden.check(torch_port.normal_kl, dtype="float64", **kl).framework == "torch"
    def numpy_kl(m1, l1, m2, l2):
        return 0.5 * (-1.0 + l2 - l1 + np.exp(l1 - l2) + (m1 - m2) ** 2 * np.exp(-l2))

    assert ddpm_golden.check(numpy_kl, dtype=np.float64, **kl).framework == "numpy"

    def jax_kl(m1, l1, m2, l2):
        return 0.5 * (-1.0 + l2 - l1 + jnp.exp(l1 - l2) + (m1 - m2) ** 2 * jnp.exp(-l2))

    report = ddpm_golden.check(jax_kl, dtype=jnp.float32, **kl)
    assert report.framework == "jax" and report.passed, report


@pytest.mark.parametrize(
    "options, message",
    [
        ({"function": "normal_kl", "dtype": "int32"}, "dtype: 'int32' is not a floating dtype"),
        ({"function": "no_such", "dtype": "float32"}, "function: unknown helper 'no_such'"),
        ({"function": "standard_normal_cdf", "dtype": "float32"}, 'variant: must be "erf" or "tanh"'),
        ({"function": "normal_kl", "dtype": "float32", "variant": "tanh"}, "variant: must be omitted"),
        ({"function": "normal_kl", "dtype": "float32", "specials": "lenient"}, "specials: 'lenient'"),
        ({"function": "normal_kl", "dtype": "float32", "framework": "tf"}, "framework: 'tf'"),
        ({"function": "normal_kl", "dtype": "float32", "shape": (2, -1)}, "shape: .* one -1"),
        ({"function": "mean_flat", "dtype": "float32", "shape": (-1, 1)}, "shape: mean_flat"),
        (
            {"function": "normal_kl", "dtype": "float32", "device": "no-such-device"},
            "device: torch cannot use",
        ),
    ],
)
def test_unusable_options_are_refused_before_any_call(options, message):
    calls = []

    def spy(*args):
        calls.append(1)
        return torch_port.normal_kl(*args)

    with pytest.raises(ddpm_golden.UsageError, match=message):
        ddpm_golden.check(spy, **{"framework": "torch", **options})
    assert calls == []


def test_device_cpu_runs_torch_and_jax():
    kl = {"function": "normal_kl", "dtype": "float32", "device": "cpu"}
    assert ddpm_golden.check(torch_port.normal_kl, **kl).passed
    from ports import jax_port

    assert ddpm_golden.check(jax_port.normal_kl, **kl).passed


def test_a_port_returning_one_value_for_the_batch_is_unusable():
    with pytest.raises(
        ddpm_golden.UsageError, match=r"nothing judged: .*returned shape \(\) where \d+ values were expected"
    ):
        ddpm_golden.check(
            lambda *a: torch_port.normal_kl(*a).mean(),
            function="normal_kl",
            dtype="float32",
            framework="torch",
        )
