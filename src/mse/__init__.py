"""Информационная система медико-социальной экспертизы (МСЭ).

The package tree is the architecture (see docs/architecture.md):
domain (pure) <- services (use cases) <- web / cli / demo; adapters implement the ports.
"""

__version__ = "0.1.0"
