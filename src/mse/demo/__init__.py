"""Demo data: a realistic, deterministic, idempotent slice of the МСЭ system (see `load.py`)."""

from mse.demo.load import DEMO_ACCOUNTS, DemoSummary, load_demo

__all__ = ["DEMO_ACCOUNTS", "DemoSummary", "load_demo"]
