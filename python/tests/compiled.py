"""`torch.compile` for the tests, without its process-wide side effect."""

import torch


def torch_compile(fn, **options):
    """`torch.compile(fn, **options)`, restoring torch.distributions' default argument validation, which
    creating a compiled function turns off for the whole process (measured on torch 2.15): the frictions
    tests rely on `torch.distributions.Normal` refusing NaN."""
    validate = torch.distributions.Distribution._validate_args
    compiled = torch.compile(fn, **options)
    torch.distributions.Distribution.set_default_validate_args(validate)
    return compiled
