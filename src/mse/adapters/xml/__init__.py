"""XML adapters: safe parsing, XSD and Schematron validation, and the СЭМД «Направление на МСЭ» (CDA ред.6).

Modules (import them directly; importing this package loads neither lxml schemas nor Saxon):

- ``safe``: ``parse_xml`` (size limit, no DTD/entities/network/XInclude) and ``XmlRejected``;
- ``xsd``: validation against the official ред.6 XSD (``semd/121/CDA.xsd``);
- ``schematron``: a compiler of the ISO Schematron subset used by the official rules into XSLT 3.0,
  run with Saxon (``saxonche``); the ред.6 rules are ``semd/121.sch``;
- ``referral_cda``: form 088/у JSON ⇄ CDA ред.6 (``build_referral_cda``, ``extract_referral``);
- ``validate``: ``check_semd_referral``, the single entry point of the intake pipeline.

Provenance of the official files: ``semd/SOURCE.md``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SemdViolation:
    """One failed requirement of a СЭМД.

    ``rule`` is "XSD" for schema errors; for Schematron it is the requirement id the message starts
    with («У1-11», «Core02-1», «Main05-1», …) or "ОБЩ" for «Общие ограничения»; ``message`` is the full
    (Russian) text; ``location`` an XPath of the offending node.
    """

    rule: str
    message: str
    location: str


__all__ = ["SemdViolation"]
