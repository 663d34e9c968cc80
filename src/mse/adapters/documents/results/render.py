"""The result documents of one decision, rendered from its snapshot (issue 5 p.4; process.md §5.1).

| kind | document | when | formats |
|---|---|---|---|
| act | Акт медико-социальной экспертизы гражданина (D06, 517н) | always | pdf, json |
| certificate | Справка, подтверждающая факт установления инвалидности (D13) / справка о результатах МСЭ (D15, 80.5) | always | pdf, json |
| ipra | ИПРА инвалида / ребенка-инвалида (D12, 486н) | 389н п.92 «да» | pdf, json |
| extract_sfr | Выписка из акта МСЭ гражданина, признанного инвалидом, для СФР (D16) | 80.1–80.4 | pdf, json |
| semd_results | СЭМД «Сведения о результатах проведенной МСЭ» ред.3 (D24) | always | xml |

Every output is a pure function of the snapshot bytes: JSON is ``canonical_json``, XML has a fixed serialisation,
PDF dates and identifier come from the snapshot (``printing.py``). Nothing here signs: the decision service signs
each ``RenderedDocument.content`` with the head's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from mse.domain.canonical import canonical_json
from mse.domain.errors import FieldProblem, NotFound, ValidationFailed

from . import act, certificate, extract_sfr, ipra, semd_results
from .printing import html_to_pdf, pdf_identifier, render_html
from .snapshot import DecisionSnapshot, read_snapshot

MEDIA_TYPES = {"pdf": "application/pdf", "json": "application/json", "xml": "application/xml"}


class _PrintedKind(Protocol):  # act, certificate, ipra, extract_sfr
    KIND: str

    def applies(self, s: DecisionSnapshot) -> bool: ...
    def title(self, s: DecisionSnapshot) -> str: ...
    def note(self, s: DecisionSnapshot) -> str: ...
    def document(self, s: DecisionSnapshot) -> dict[str, Any]: ...


PRINTED: tuple[_PrintedKind, ...] = (act, certificate, ipra, extract_sfr)
KINDS: dict[str, tuple[str, ...]] = {m.KIND: ("pdf", "json") for m in PRINTED} | {semd_results.KIND: ("xml",)}


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    kind: str  # act | certificate | ipra | extract_sfr | semd_results
    format: str  # pdf | json | xml
    media_type: str
    filename: str
    content: bytes
    title: str


def _filename(s: DecisionSnapshot, kind: str, fmt: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in s.case.number)
    return f"{kind}-{safe}.{fmt}"


def _printed(s: DecisionSnapshot, module: _PrintedKind, fmt: str) -> RenderedDocument:
    doc = module.document(s)
    title = module.title(s)
    if fmt == "json":
        content = canonical_json(doc)
    else:
        html = render_html(f"{module.KIND}.html", s, doc, title=title, note=module.note(s))
        content = html_to_pdf(html, pdf_identifier(s, module.KIND))
    return RenderedDocument(module.KIND, fmt, MEDIA_TYPES[fmt], _filename(s, module.KIND, fmt), content, title)


def _semd(s: DecisionSnapshot) -> RenderedDocument:
    kind = semd_results.KIND
    return RenderedDocument(
        kind, "xml", MEDIA_TYPES["xml"], _filename(s, kind, "xml"), semd_results.build_xml(s), semd_results.title(s)
    )


def kinds_for(s: DecisionSnapshot) -> list[tuple[str, str]]:
    """(kind, format) pairs that exist for this decision, in issue order."""
    out = [(m.KIND, fmt) for m in PRINTED if m.applies(s) for fmt in KINDS[m.KIND]]
    return out + [(semd_results.KIND, "xml")]


def _one(s: DecisionSnapshot, kind: str, fmt: str) -> RenderedDocument:
    if kind == semd_results.KIND:
        return _semd(s)
    module = next(m for m in PRINTED if m.KIND == kind)
    return _printed(s, module, fmt)


def build_documents(snapshot: bytes) -> list[RenderedDocument]:
    """Every document the decision gives, each in each of its formats. ``SnapshotInvalid`` for a bad snapshot."""
    s = read_snapshot(snapshot)
    return [_one(s, kind, fmt) for kind, fmt in kinds_for(s)]


def build_document(snapshot: bytes, kind: str, format: str) -> RenderedDocument:
    """One document. ``ValidationFailed`` for an unknown kind or format, ``NotFound`` (code ``result_document_not_found``)
    when the kind does not apply to this decision (no ИПРА, no выписка for 80.5), ``SnapshotInvalid`` for a bad snapshot."""
    if format not in KINDS.get(kind, ()):
        known = ", ".join(f"{k} ({'/'.join(f)})" for k, f in KINDS.items())
        message = f"Документа «{kind}» в формате «{format}» не бывает; известны: {known}"
        raise ValidationFailed([FieldProblem("kind", message)], message)
    s = read_snapshot(snapshot)
    if (kind, format) not in kinds_for(s):
        raise NotFound(
            "result_document", f"Документ «{kind}» по этому решению не оформляется (инвалидность: {s.decision.group_label})"
        )
    return _one(s, kind, format)
