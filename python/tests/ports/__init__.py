"""Ports of the helpers used as test fixtures: correct ones in NumPy, PyTorch and JAX, the shapes real
code bases give them (frictions), and deliberately wrong ones (mutants)."""
