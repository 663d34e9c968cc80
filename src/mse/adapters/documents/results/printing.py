"""HTML → PDF/A-3b for the result documents, byte for byte reproducible.

Reuses the protocol print's fonts, stylesheet, sRGB output intent and the local-only URL fetcher
(``mse.adapters.pdf.form_pdf``). WeasyPrint 70 takes the PDF creation and modification dates from
``<meta name="dcterms.created">`` / ``dcterms.modified`` (left out, it writes none) and the first half of the
trailer /ID from ``pdf_identifier`` (the second half is the MD5 of the file body, itself deterministic); the
PDF/A-3b XMP packet carries no random DocumentID (only PDF/X-4 adds one). So both dates are the snapshot's
``issued_on`` and the identifier is derived from the snapshot bytes and the document kind: the same snapshot
gives the same bytes in any process on any day (checked in tests/integration/test_result_documents.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import weasyprint  # type: ignore[import-untyped]  # no stubs or py.typed in WeasyPrint 70
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from mse.adapters.pdf.form_pdf import OUTPUT_INTENT, SRGB_PROFILE, TEMPLATES, LocalFileFetcher, font_config, font_urls

from .common import iso_to_print
from .snapshot import DecisionSnapshot

RESULTS_TEMPLATES = TEMPLATES / "results"
GENERATOR = "МСЭ: документы по результатам медико-социальной экспертизы"

_ENV = Environment(
    loader=FileSystemLoader([RESULTS_TEMPLATES, TEMPLATES]),  # results/ first; shared partials (_pdf_style.html) above
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,  # a misspelt fact fails the render instead of printing an empty line
)
_ENV.filters["day"] = iso_to_print
_ENV.filters["yesno"] = lambda v: "да" if v else "нет"
_ENV.filters["or_dash"] = lambda v: "—" if v in (None, "", []) else v


def render_html(template: str, snapshot: DecisionSnapshot, doc: Mapping[str, Any], *, title: str, note: str | None) -> str:
    """The print HTML of one document; ``doc`` is the JSON document, so the PDF prints exactly its facts."""
    return _ENV.get_template(template).render(
        doc=doc,
        title=title,
        note=note,
        institution=snapshot.bureau.name,
        institution_address=snapshot.bureau.address,
        parent=snapshot.bureau.parent,
        head=snapshot.head,
        issued_on=snapshot.issued_on.isoformat(),
        fonts=font_urls(),
        color_profile={"name": OUTPUT_INTENT, "url": SRGB_PROFILE.as_uri()},
        css_url=(TEMPLATES / "print.css").as_uri(),
        generator=GENERATOR,
    )


def pdf_identifier(snapshot: DecisionSnapshot, kind: str) -> bytes:
    """32 hex digits: the same snapshot and kind always give the same /ID, different ones differ."""
    return hashlib.sha256(kind.encode() + b"\x00" + snapshot.raw).hexdigest()[:32].encode()


def html_to_pdf(html: str, identifier: bytes) -> bytes:
    document = weasyprint.HTML(string=html, base_url=RESULTS_TEMPLATES.as_uri() + "/", url_fetcher=LocalFileFetcher())
    pdf = document.write_pdf(pdf_variant="pdf/a-3b", pdf_tags=True, output_intent=OUTPUT_INTENT, pdf_identifier=identifier,
                             font_config=font_config())  # one per thread, not one per document
    assert isinstance(pdf, bytes)
    return pdf
