"""gaitback benchmarks: speed and accuracy side by side with the field's tools.

Run ``python benchmarks/run.py`` from the repository root (see benchmarks/README.md).
"""
