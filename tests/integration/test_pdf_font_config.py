"""One WeasyPrint font configuration per thread (not per document): the same PDF bytes, one configuration reused."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import weasyprint  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

from mse.adapters.documents.results import build_documents
from mse.adapters.documents.results.printing import RESULTS_TEMPLATES, pdf_identifier, render_html
from mse.adapters.documents.results.render import PRINTED
from mse.adapters.documents.results.snapshot import read_snapshot
from mse.adapters.pdf.form_pdf import OUTPUT_INTENT, LocalFileFetcher, font_config

SNAPSHOT = Path(__file__).parents[1] / "data" / "decision_snapshot_adult.json"


def _fresh_configuration_per_document(raw: bytes) -> dict[str, bytes]:
    """What rendering did before the shared configuration: WeasyPrint's default, a new FontConfiguration each time."""
    s = read_snapshot(raw)
    out = {}
    for module in PRINTED:
        if module.applies(s):
            html = render_html(f"{module.KIND}.html", s, module.document(s), title=module.title(s), note=module.note(s))
            document = weasyprint.HTML(string=html, base_url=RESULTS_TEMPLATES.as_uri() + "/", url_fetcher=LocalFileFetcher())
            out[module.KIND] = document.write_pdf(pdf_variant="pdf/a-3b", pdf_tags=True, output_intent=OUTPUT_INTENT,
                                                  pdf_identifier=pdf_identifier(s, module.KIND), font_config=FontConfiguration())
    return out


def test_the_shared_configuration_gives_the_same_bytes_as_a_fresh_one() -> None:
    raw = SNAPSHOT.read_bytes()
    expected = _fresh_configuration_per_document(raw)
    assert len(expected) == 4  # act, certificate, ИПРА, extract for СФР
    for _ in range(2):  # the second pass renders with a configuration that already holds both fonts
        shared = {d.kind: d.content for d in build_documents(raw) if d.format == "pdf"}
        assert shared == expected


def test_one_configuration_per_thread() -> None:
    mine = font_config()
    assert font_config() is mine
    other: list[Any] = []
    worker = threading.Thread(target=lambda: other.extend([font_config(), font_config()]))
    worker.start()
    worker.join()
    assert other[0] is other[1]
    assert other[0] is not mine
