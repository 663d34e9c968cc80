"""The suite: every module `bench/p<NN>_<name>.py` registers its benchmark(s) with `harness.benchmark` on import."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
    if info.name.startswith("p") and info.name[1:3].isdigit():
        importlib.import_module(f"bench.{info.name}")
