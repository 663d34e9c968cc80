"""A small ISO Schematron → XSLT 3.0 compiler, run with Saxon (``saxonche``).

Only the subset the official СЭМД rules use is supported: ``schema``, ``ns``, ``pattern``, ``rule/@context``,
``assert/@test``, ``report/@test`` with plain-text messages (no ``let``, ``abstract``, ``extends``,
``diagnostics``, ``value-of``/``name`` in messages, phases); anything else is refused at compile time.

Semantics (ISO/IEC 19757-3 §6.5), as compiled:
- every pattern is an XSLT mode that walks the whole document (document node, elements, and attributes or
  text nodes when one of the pattern's contexts can match such nodes);
- within a pattern a node is handled by the *first* rule (document order) whose context matches: rule *i*
  of *n* gets priority *n − i*, the recursion template priority −10;
- a failed ``assert`` or a ``report`` whose test is true is a violation; the walk continues into children.

The official СЭМД Schematron names CDA elements without a prefix while the documents are in
``urn:hl7-org:v3``; the reference validator (1CMedicine/semd_validator) strips that default namespace before
running it. We get the same effect without touching the document: ``xpath-default-namespace`` on the
generated stylesheet (``default_element_namespace``).

The output of the stylesheet is one text line per violation: ``<index of assert/report>\\t<XPath>``.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor, PyXsltExecutable

from . import SemdViolation
from .safe import CDA_NS

SCH_NS = "http://purl.oclc.org/dsdl/schematron"
XSL_NS = "http://www.w3.org/1999/XSL/Transform"
XS_NS = "http://www.w3.org/2001/XMLSchema"
FN_NS = "urn:mse:schematron:functions"
REFERRAL_R6_SCH = Path(__file__).parent / "semd" / "121.sch"

_SUPPORTED = {"schema", "ns", "pattern", "rule", "assert", "report", "title", "p"}
_RULE_ID = re.compile(r"^\s*(?:\(Требование:\s*)?([A-Za-zА-Яа-яЁё]+\d*(?:[-.]\d+)*-\d+)")
_COMMON = "Общие ограничения"


class SchematronError(ValueError):
    """The schema uses something outside the supported subset, or does not compile."""


@dataclass(frozen=True, slots=True)
class Check:
    """One ``assert``/``report`` of the schema, in document order."""

    kind: str  # "assert" | "report"
    test: str
    context: str
    message: str
    rule: str  # the requirement id extracted from the message


def rule_id(message: str) -> str:
    """«У1-11. Элемент …» → "У1-11"; «Общие ограничения. …» → "ОБЩ"; otherwise "SCH"."""
    if message.lstrip().startswith(_COMMON):
        return "ОБЩ"
    m = _RULE_ID.match(message)
    return m.group(1) if m else "SCH"


@dataclass(frozen=True, slots=True)
class CompiledSchematron:
    xslt: str
    checks: tuple[Check, ...]
    patterns: int
    rules: int


def compile_schematron(source: bytes, *, default_element_namespace: str | None = None) -> CompiledSchematron:
    """Translate a Schematron schema (bytes) into an XSLT 3.0 stylesheet and the list of its checks."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    schema = etree.fromstring(source, parser=parser)
    if schema.tag != f"{{{SCH_NS}}}schema":
        raise SchematronError("root element is not sch:schema")
    namespaces: dict[str, str] = {}
    for el in schema.iter():
        if not isinstance(el.tag, str):
            continue
        q = etree.QName(el)
        if q.namespace != SCH_NS or q.localname not in _SUPPORTED:
            raise SchematronError(f"unsupported Schematron element {el.tag}")
        if q.localname == "ns":
            namespaces[el.get("prefix", "")] = el.get("uri", "")
    reserved = {"xsl", "xs", "sv"}
    if reserved & set(namespaces):
        raise SchematronError(f"namespace prefixes {sorted(reserved & set(namespaces))} are reserved by the compiler")

    nsmap: dict[str | None, str] = {"xsl": XSL_NS, "xs": XS_NS, "sv": FN_NS, **namespaces}  # type: ignore[dict-item]
    xsl = etree.Element(f"{{{XSL_NS}}}stylesheet", nsmap=nsmap)
    xsl.set("version", "3.0")
    xsl.set("exclude-result-prefixes", " ".join(["xs", "sv", *namespaces]))
    if default_element_namespace:
        xsl.set("xpath-default-namespace", default_element_namespace)
    etree.SubElement(xsl, f"{{{XSL_NS}}}output", method="text", encoding="UTF-8")
    _path_function(xsl)

    checks: list[Check] = []
    patterns = [p for p in schema if isinstance(p.tag, str) and p.tag == f"{{{SCH_NS}}}pattern"]
    root_template = etree.SubElement(xsl, f"{{{XSL_NS}}}template", match="/")
    n_rules = 0
    for p_index, pattern in enumerate(patterns):
        mode = f"p{p_index}"
        etree.SubElement(root_template, f"{{{XSL_NS}}}apply-templates", select=".", mode=mode)
        rules = [r for r in pattern if isinstance(r.tag, str) and r.tag == f"{{{SCH_NS}}}rule"]
        children = _walk([str(r.get("context", "")) for r in rules])
        for r_index, rule in enumerate(rules):
            context = rule.get("context")
            if not context:
                raise SchematronError(f"pattern {p_index}: rule without @context")
            template = etree.SubElement(
                xsl, f"{{{XSL_NS}}}template", match=context, mode=mode, priority=str(len(rules) - r_index)
            )
            for check in rule:
                if not isinstance(check.tag, str):
                    continue
                kind = etree.QName(check).localname
                if kind not in ("assert", "report"):
                    raise SchematronError(f"unsupported element {kind} in a rule")
                if len(check):
                    raise SchematronError("only plain-text messages are supported")
                test = check.get("test")
                if not test:
                    raise SchematronError(f"{kind} without @test")
                message = " ".join((check.text or "").split())
                index = len(checks)
                checks.append(Check(kind, test, context, message, rule_id(message)))
                cond = f"not({test})" if kind == "assert" else f"boolean({test})"
                line = f"concat('{index}', codepoints-to-string(9), sv:path(.), codepoints-to-string(10))"
                # A dynamic error in a test (e.g. matches() on an absent node, XPTY0004) must not abort the whole
                # validation: a failing assert counts as violated, a failing report as not fired.
                attempt = etree.SubElement(template, f"{{{XSL_NS}}}try")
                etree.SubElement(etree.SubElement(attempt, f"{{{XSL_NS}}}if", test=cond), f"{{{XSL_NS}}}value-of", select=line)
                caught = etree.SubElement(attempt, f"{{{XSL_NS}}}catch")
                if kind == "assert":
                    etree.SubElement(caught, f"{{{XSL_NS}}}value-of", select=line)
            etree.SubElement(template, f"{{{XSL_NS}}}apply-templates", select=children, mode=mode)
            n_rules += 1
        fallback = etree.SubElement(xsl, f"{{{XSL_NS}}}template", match=f"/|{children}", mode=mode, priority="-10")
        etree.SubElement(fallback, f"{{{XSL_NS}}}apply-templates", select=children, mode=mode)
    text = etree.tostring(xsl, encoding="unicode")
    return CompiledSchematron(xslt=text, checks=tuple(checks), patterns=len(patterns), rules=n_rules)


def _outside_predicates(context: str) -> str:
    """The context with every [...] predicate and quoted literal removed (what the matched node itself is)."""
    out: list[str] = []
    depth = 0
    quote: str | None = None
    for ch in context:
        if quote:
            quote = None if ch == quote else quote
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _walk(contexts: list[str]) -> str:
    """Which nodes a pattern's walk must visit: elements always; attributes and other nodes only when a rule
    context can match them (a speed-up: the walk is the cost of validation, and ред.6 has 169 patterns)."""
    steps = [_outside_predicates(c) for c in contexts]
    kinds = ["*"]
    if any("@" in s or "attribute::" in s or "attribute(" in s or "node()" in s for s in steps):
        kinds.insert(0, "@*")
    if any(k in s for s in steps for k in ("text()", "node()", "comment()", "processing-instruction(")):
        kinds = ["@*", "node()"]
    return "|".join(kinds)


def _path_function(xsl: etree._Element) -> None:
    """sv:path($n): /ClinicalDocument[1]/recordTarget[1]/… (/@attr for attributes) — the violation location."""
    fn = etree.SubElement(xsl, f"{{{XSL_NS}}}function", name="sv:path", **{"as": "xs:string"})
    etree.SubElement(fn, f"{{{XSL_NS}}}param", name="n", **{"as": "node()"})
    etree.SubElement(fn, f"{{{XSL_NS}}}sequence").set(
        "select",
        "string-join(for $a in $n/ancestor-or-self::* return "
        "concat('/', name($a), '[', count($a/preceding-sibling::*[node-name(.) eq node-name($a)]) + 1, ']'), '')"
        " || (if ($n instance of attribute()) then concat('/@', name($n)) else '')"
        " || (if ($n instance of document-node()) then '/' else '')",
    )


# ---------------------------------------------------------------------------------------------- runtime


_processor_lock = threading.Lock()
_processor: PySaxonProcessor | None = None


def _saxon() -> PySaxonProcessor:
    global _processor
    with _processor_lock:
        if _processor is None:
            _processor = PySaxonProcessor(license=False)
        return _processor


class SchematronValidator:
    """A compiled schema, ready to validate documents; safe to share between threads.

    Compilation (Schematron → XSLT → Saxon executable) happens once; each thread runs its own clone of the
    executable (``PyXsltExecutable`` is not thread-safe, SaxonC docs).
    """

    def __init__(self, source: bytes, *, default_element_namespace: str | None = None) -> None:
        started = time.perf_counter()
        self.compiled = compile_schematron(source, default_element_namespace=default_element_namespace)
        proc = _saxon()
        with _processor_lock:
            xslt = proc.new_xslt30_processor()
            try:
                self._executable: PyXsltExecutable = xslt.compile_stylesheet(stylesheet_text=self.compiled.xslt, encoding="UTF-8")
            except Exception as exc:  # saxonche raises PySaxonApiError
                raise SchematronError(f"the generated stylesheet does not compile: {exc}") from exc
        self.compile_seconds = time.perf_counter() - started
        self._local = threading.local()
        self.last_seconds = 0.0

    def _thread_executable(self) -> PyXsltExecutable:
        exe = getattr(self._local, "exe", None)
        if exe is None:
            with _processor_lock:
                exe = self._executable.clone()
            self._local.exe = exe
        return exe

    def validate(self, document: etree._Element | bytes) -> list[SemdViolation]:
        """Violations of the schema by the document (an lxml element or serialized XML without a DTD)."""
        started = time.perf_counter()
        xml = document if isinstance(document, bytes) else etree.tostring(document, encoding="UTF-8")
        proc = _saxon()
        # Saxon parses the text again; it never sees a DTD: the intake refuses DOCTYPE before (safe.parse_xml).
        node = proc.parse_xml(xml_text=xml.decode("utf-8"))
        out = self._thread_executable().transform_to_string(xdm_node=node) or ""
        violations: list[SemdViolation] = []
        for line in out.splitlines():
            if not line.strip():
                continue
            index, _, location = line.partition("\t")
            check = self.compiled.checks[int(index)]
            violations.append(SemdViolation(rule=check.rule, message=check.message, location=location))
        elapsed = time.perf_counter() - started
        self._local.last_seconds = elapsed
        self.last_seconds = elapsed
        return violations


_r6_lock = threading.Lock()


def referral_r6_validator() -> SchematronValidator:
    """The official ред.6 Schematron (``semd/121.sch``), compiled once per process."""
    with _r6_lock:
        return _referral_r6_validator()


@cache
def _referral_r6_validator() -> SchematronValidator:
    return SchematronValidator(REFERRAL_R6_SCH.read_bytes(), default_element_namespace=CDA_NS)


def schematron_violations(root: etree._Element) -> list[SemdViolation]:
    return referral_r6_validator().validate(root)
