"""docs/case-states.md is generated from the transition table: CI fails when it is stale."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from mse.domain.case_lifecycle import TRANSITIONS

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_case_diagram", ROOT / "tools/gen_case_diagram.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_diagram_is_what_the_generator_writes_now() -> None:
    committed = (ROOT / "docs/case-states.md").read_text(encoding="utf-8")
    assert committed == _generator().render(), "docs/case-states.md устарел: запустите python tools/gen_case_diagram.py"


def test_every_transition_is_in_the_diagram_and_the_table() -> None:
    text = _generator().render()
    for t in TRANSITIONS:
        assert f": {t.id} {t.event}" in text
        assert f"| {t.id} | `{t.event}`" in text
