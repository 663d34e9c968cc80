"""The single check of an incoming СЭМД «Направление на МСЭ» (ред.6), called by the intake pipeline.

Order: safe parsing (size, DOCTYPE, well-formedness) → the document is a CDA referral of ред.6 → official XSD →
official Schematron → extraction of the referral. A refused document (``rejected``) gets no further checks; the
Schematron runs even when the XSD failed (both lists are reported), and the referral is extracted whenever the
document was parsed, so that the return notice can name the patient.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from lxml import etree

from . import SemdViolation
from .referral_cda import ExtractedReferral, extract_referral
from .safe import XmlRejected, parse_xml, require_semd_referral
from .schematron import schematron_violations
from .xsd import xsd_violations

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SemdCheck:
    root: etree._Element | None
    rejected: XmlRejected | None = None
    xsd: tuple[SemdViolation, ...] = ()
    schematron: tuple[SemdViolation, ...] = ()
    referral: ExtractedReferral | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds: parse, xsd, schematron, extract

    @property
    def valid(self) -> bool:
        """Accepted: parsed, of the right type, no XSD and no Schematron violation."""
        return self.rejected is None and not self.xsd and not self.schematron

    @property
    def violations(self) -> tuple[SemdViolation, ...]:
        return self.xsd + self.schematron


def check_semd_referral(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SemdCheck:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        root = parse_xml(data, max_bytes=max_bytes)
        require_semd_referral(root)
    except XmlRejected as exc:
        return SemdCheck(root=None, rejected=exc, timings={"parse": time.perf_counter() - started})
    timings["parse"] = time.perf_counter() - started
    started = time.perf_counter()
    xsd = tuple(xsd_violations(root))
    timings["xsd"] = time.perf_counter() - started
    started = time.perf_counter()
    sch = tuple(schematron_violations(root))
    timings["schematron"] = time.perf_counter() - started
    started = time.perf_counter()
    try:
        referral: ExtractedReferral | None = extract_referral(root)
    except (ValueError, TypeError, AttributeError):  # a badly broken document: report the violations only
        referral = None
    timings["extract"] = time.perf_counter() - started
    return SemdCheck(root=root, xsd=xsd, schematron=sch, referral=referral, timings=timings)
