"""The README's example for PyTorch / JAX / NumPy users, run as written: its pytest file passes against
improved-diffusion's port and fails, readably, against a port with the probability floor 1e-7; its CI
command gives the same verdicts with exit codes 0 and 1; the two-line replacement and the kernels'
example run."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
README = (TESTS.parents[1] / "README.md").read_text()
SECTION = README[README.index("## PyTorch / JAX / NumPy users") :]
SECTION = SECTION[: SECTION.index("\n## ", 1)]
PYTEST_EXAMPLE = re.search(r"```python\n(.*?)```", SECTION, re.S).group(1)
CI_COMMAND = re.search(r"```sh\n(python -m ddpm_golden check .*?)```", SECTION, re.S).group(1)
IMPORT = "from mypkg.losses import discretized_gaussian_log_likelihood"
# The README's port stands for improved-diffusion's; the wrong one is the same code with a floor of 1e-7.
PORTS = {
    "upstream": "from ports.torch_port import discretized_gaussian_log_likelihood",
    "floor 1e-7": "from ports.mutants import torch_loglik_floor_1e7 as discretized_gaussian_log_likelihood",
}


def run_example(port):
    assert IMPORT in PYTEST_EXAMPLE
    namespace = {}
    exec(PYTEST_EXAMPLE.replace(IMPORT, PORTS[port]), namespace)  # noqa: S102 (the README's own code)
    tests = [f for name, f in namespace.items() if name.startswith("test_")]
    assert len(tests) == 1
    tests[0]()


def test_the_pytest_example_passes_against_improved_diffusion():
    run_example("upstream")


def test_the_pytest_example_fails_readably_against_a_wrong_floor():
    with pytest.raises(AssertionError) as info:
        run_example("floor 1e-7")
    text = str(info.value)
    assert text.startswith("ddpm_golden FAIL: ports.mutants:loglik_floor_1e7(torch_port)")
    assert (
        "worst failures" in text and "expected -27.631021115928547" in text and "got      -16.118095" in text
    )


@pytest.mark.parametrize(
    "port, module, code",
    [
        ("upstream", "ports.torch_port:discretized_gaussian_log_likelihood", 0),
        ("floor 1e-7", "ports.mutants:torch_loglik_floor_1e7", 1),
    ],
)
def test_the_ci_command_gives_the_same_verdicts(port, module, code):
    args = shlex.split(CI_COMMAND.replace("\\\n", " "))
    assert args[:4] == ["python", "-m", "ddpm_golden", "check"]
    args = [sys.executable, *args[1:4], module, *args[5:]]
    done = subprocess.run(args, cwd=TESTS, capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stderr) == (code, ""), done.stdout + done.stderr
    assert done.stdout.startswith("ddpm_golden PASS" if code == 0 else "ddpm_golden FAIL")


def _python_block(containing):
    blocks = re.findall(r"```python\n(.*?)```", SECTION, re.S)
    found = [b for b in blocks if containing in b]
    assert len(found) == 1, containing
    return found[0]


def test_the_two_line_replacement_imports_the_stable_torch_functions():
    import ddpm_golden.torch

    block = _python_block("from ddpm_golden.torch import")
    assert len(block.strip().splitlines()) == 2
    namespace = {}
    exec(block, namespace)  # noqa: S102 (the README's own code)
    for name in ("discretized_gaussian_log_likelihood", "normal_kl"):
        assert namespace[name] is getattr(ddpm_golden.torch, name)


def test_the_kernels_example_runs():
    import numpy as np

    rng = np.random.default_rng(0)
    arrays = (rng.random((2, 3)).astype(np.float32) for _ in range(7))
    x, means, log_scales, mean1, logvar1, mean2, logvar2 = arrays
    namespace = dict(x=x, means=means, log_scales=log_scales, mean1=mean1, logvar1=logvar1, mean2=mean2,
                     logvar2=logvar2, buffer=np.empty((2, 3), np.float32))
    exec(_python_block("from ddpm_golden import kernels"), namespace)  # noqa: S102
    assert namespace["ll"].shape == (2, 3) and namespace["kl"] is namespace["buffer"]
