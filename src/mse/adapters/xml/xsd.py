"""XSD validation of the referral ред.6 against the official schema ``semd/121/CDA.xsd`` (lxml / libxml2)."""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

from lxml import etree

from . import SemdViolation

SEMD_DIR = Path(__file__).parent / "semd"
REFERRAL_R6_XSD = SEMD_DIR / "121" / "CDA.xsd"

_lock = threading.Lock()


@cache
def _schema(path: Path = REFERRAL_R6_XSD) -> etree.XMLSchema:
    # The schema files are ours (packaged), read from disk; still: no network, no entity resolution.
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(path), parser=parser))


def xsd_violations(root: etree._Element, *, schema_path: Path = REFERRAL_R6_XSD) -> list[SemdViolation]:
    """Every XSD error of the document (empty when valid), rule "XSD"."""
    schema = _schema(schema_path)
    # An XMLSchema object keeps its error_log per instance: validate and read the log under one lock.
    with _lock:
        ok = schema.validate(root)
        errors = [] if ok else list(schema.error_log)
    return [
        SemdViolation(
            rule="XSD",
            message=f"Документ не соответствует XSD-схеме СЭМД (строка {e.line}): {e.message}",
            location=e.path or "",
        )
        for e in errors
    ]
