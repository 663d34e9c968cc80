"""Result documents of the expert decision, rendered from the decision snapshot (``mse-decision-snapshot/1``)."""

from .fields import SnapshotInvalid
from .render import KINDS, MEDIA_TYPES, RenderedDocument, build_document, build_documents, kinds_for
from .snapshot import SCHEMA, DecisionSnapshot, read_snapshot

__all__ = [
    "KINDS",
    "MEDIA_TYPES",
    "SCHEMA",
    "DecisionSnapshot",
    "RenderedDocument",
    "SnapshotInvalid",
    "build_document",
    "build_documents",
    "kinds_for",
    "read_snapshot",
]
