"""`python -m ddpm_golden check`: the verdicts of `check`, on stdout only, with exit 0 pass, 1 a judged
case failed, 2 no verdict."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import ddpm_golden
from ports import mutants

TESTS = Path(__file__).resolve().parent
LOGLIK = ["--function", "discretized_gaussian_log_likelihood", "--variant", "tanh"]


def cli(*args):
    """Runs the CLI from this folder (so that `ports` imports), stdout and stderr apart."""
    done = subprocess.run(
        [sys.executable, "-m", "ddpm_golden", "check", *args],
        cwd=TESTS,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_improved_diffusion_port_passes_and_a_wrong_floor_fails(dtype, tmp_path):
    code, out, err = cli("ports.torch_port:discretized_gaussian_log_likelihood", *LOGLIK, "--dtype", dtype)
    assert (code, err) == (0, ""), out + err
    assert out.startswith("ddpm_golden PASS: ports.torch_port:discretized_gaussian_log_likelihood")

    report = tmp_path / "report.json"
    code, out, err = cli(
        "ports.mutants:torch_loglik_floor_1e7", *LOGLIK, "--dtype", dtype, "--json", str(report)
    )
    assert (code, err) == (1, ""), out + err
    assert out.startswith("ddpm_golden FAIL: ") and "worst failures" in out
    # The same verdict as the library's.
    library = ddpm_golden.check(
        mutants.torch_loglik_floor_1e7,
        function="discretized_gaussian_log_likelihood",
        variant="tanh",
        dtype=dtype,
    )
    data = json.loads(report.read_text())
    assert [f["id"] for f in data["failures"]] == [f.id for f in library.failures]
    assert data["judged"] == library.judged


@pytest.mark.parametrize(
    "args, code, text",
    [
        (["ports/numpy_port.py:normal_kl", "--function", "normal_kl", "--dtype", "float32"], 0, "PASS"),
        (
            [
                "ports.frictions:loglik_positional",
                *LOGLIK,
                "--dtype",
                "float32",
                "--call",
                "fn(x, means, log_scales)",
            ],
            0,
            "PASS",
        ),
        (["ports.frictions:loglik_4d", *LOGLIK, "--dtype", "float32", "--shape", "N,1,1,1"], 0, "PASS"),
        (["ports.frictions:loglik_4d", *LOGLIK, "--dtype", "float64", "--shape=-1,1,1,1"], 0, "PASS"),
        (["ports.jax_port:normal_kl", "--function", "normal_kl", "--dtype", "float64"], 0, "jax float64"),
        (
            [
                "ports.frictions:distributions_cdf",
                "--function",
                "standard_normal_cdf",
                "--variant",
                "erf",
                "--dtype",
                "float32",
            ],
            1,
            "specials='allow-raise'",
        ),
        (
            [
                "ports.frictions:distributions_cdf",
                "--function",
                "standard_normal_cdf",
                "--variant",
                "erf",
                "--dtype",
                "float32",
                "--specials",
                "allow-raise",
            ],
            0,
            "accepted by specials='allow-raise'",
        ),
        (
            [
                "ports.mutants:cdf_tanh_wrong_constant",
                "--function",
                "standard_normal_cdf",
                "--variant",
                "tanh",
                "--dtype",
                "float32",
            ],
            1,
            "FAIL",
        ),
        (["ports.frictions:loglik_positional", *LOGLIK, "--dtype", "float32"], 2, "signature: "),
        (["ports.frictions:loglik_4d", *LOGLIK, "--dtype", "float32"], 2, "shape=(-1, 1, 1, 1)"),
        (
            [
                "ports.torch_port:normal_kl",
                "--function",
                "normal_kl",
                "--dtype",
                "float32",
                "--framework",
                "numpy",
            ],
            2,
            "pass framework='torch' (command line: --framework torch)",
        ),
        (
            ["no_such_module_xyz:normal_kl", "--function", "normal_kl", "--dtype", "float32"],
            2,
            "cannot import",
        ),
        (
            ["ports.torch_port:no_such_function", "--function", "normal_kl", "--dtype", "float32"],
            2,
            "has no attribute 'no_such_function'",
        ),
        (["ports/no_such_file.py:f", "--function", "normal_kl", "--dtype", "float32"], 2, "no such file"),
        (["ports.torch_port:normal_kl", "--function", "normal_kl", "--dtype", "int8"], 2, "invalid choice"),
        (
            [
                "ports.torch_port:approx_standard_normal_cdf",
                "--function",
                "standard_normal_cdf",
                "--dtype",
                "float32",
            ],
            2,
            'variant: must be "erf" or "tanh"',
        ),
        (
            ["ports.torch_port:normal_kl", "--function", "normal_kl", "--dtype", "float32", "--shape", "a,b"],
            2,
            "--shape",
        ),
        (
            ["ports.torch_port:normal_kl", "--function", "normal_kl", "--dtype", "float32", "--call", "fn(("],
            2,
            "--call",
        ),
    ],
)
def test_exit_codes(args, code, text):
    got, out, err = cli(*args)
    assert (got, err) == (code, ""), out + err
    assert text in out


def test_help_stands_alone():
    got, out, err = cli("--help")
    assert got == 0 and "Exit codes: 0 pass" in out and "--specials" in out
