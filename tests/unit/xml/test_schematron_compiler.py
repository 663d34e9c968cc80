"""The Schematron → XSLT 3.0 compiler on tiny hand-written schemas."""

from __future__ import annotations

import threading

import pytest

from mse.adapters.xml.schematron import SchematronError, SchematronValidator, compile_schematron, rule_id

SCHEMA = """<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">
  <ns prefix="x" uri="urn:example:x"/>
  <pattern>
    <rule context="item[@kind='special']">
      <assert test="@code='S'">T1-1. Особый элемент должен иметь код S.</assert>
    </rule>
    <rule context="item">
      <assert test="@code!=''">T1-2. Элемент item должен иметь код.</assert>
      <report test="@code='FORBIDDEN'">T1-3. Код FORBIDDEN запрещён.</report>
    </rule>
  </pattern>
  <pattern>
    <rule context="doc">
      <assert test="count(x:ext)=1">Общие ограничения. Нужен ровно один x:ext.</assert>
      <assert test="matches(missing/@v, '^a$')">T2-1. Ошибка вычисления теста — нарушение.</assert>
      <report test="matches(absent/@v, '^a$')">T2-2. Ошибка вычисления в report — не срабатывает.</report>
    </rule>
    <rule context="@code[.='BAD']">
      <report test="true()">T3-1. Код BAD.</report>
    </rule>
  </pattern>
</schema>""".encode()


@pytest.fixture(scope="module")
def validator() -> SchematronValidator:
    return SchematronValidator(SCHEMA, default_element_namespace="urn:example:doc")


def _rules(validator: SchematronValidator, xml: str) -> list[str]:
    return sorted(v.rule for v in validator.validate(xml.encode()))


def test_valid_document_has_no_violations(validator: SchematronValidator) -> None:
    xml = '<doc xmlns="urn:example:doc" xmlns:x="urn:example:x"><x:ext/><missing v="a"/><item code="A"/><item kind="special" code="S"/></doc>'
    assert _rules(validator, xml) == []


def test_assert_report_and_first_rule_wins(validator: SchematronValidator) -> None:
    # The special item fails T1-1 only: the second (generic) rule of the pattern does not apply to it.
    xml = '<doc xmlns="urn:example:doc" xmlns:x="urn:example:x"><x:ext/><missing v="a"/><item kind="special" code=""/><item code="FORBIDDEN"/></doc>'
    assert _rules(validator, xml) == ["T1-1", "T1-3"]


def test_namespaces_default_and_prefixed(validator: SchematronValidator) -> None:
    # No x:ext → «Общие ограничения» (ОБЩ); an element in no namespace is not matched by the unprefixed contexts.
    xml = '<doc xmlns="urn:example:doc"><missing v="a"/><item xmlns="" code=""/></doc>'
    violations = validator.validate(xml.encode())
    assert [v.rule for v in violations] == ["ОБЩ"]
    assert violations[0].location == "/doc[1]"
    assert violations[0].message.startswith("Общие ограничения.")


def test_dynamic_error_fails_the_assert_but_not_the_report(validator: SchematronValidator) -> None:
    xml = '<doc xmlns="urn:example:doc" xmlns:x="urn:example:x"><x:ext/></doc>'
    assert _rules(validator, xml) == ["T2-1"]


def test_attribute_context_and_location(validator: SchematronValidator) -> None:
    xml = '<doc xmlns="urn:example:doc" xmlns:x="urn:example:x"><x:ext/><missing v="a"/><item code="A"/><item code="BAD"/></doc>'
    violations = validator.validate(xml.encode())
    assert [(v.rule, v.location) for v in violations] == [("T3-1", "/doc[1]/item[2]/@code")]


def test_threads_share_one_validator(validator: SchematronValidator) -> None:
    xml = '<doc xmlns="urn:example:doc" xmlns:x="urn:example:x"><x:ext/><missing v="a"/><item code="FORBIDDEN"/></doc>'
    results: list[list[str]] = []

    def work() -> None:
        for _ in range(5):
            results.append(_rules(validator, xml))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [["T1-3"]] * 15


def test_unsupported_elements_are_refused() -> None:
    with pytest.raises(SchematronError):
        compile_schematron(b'<schema xmlns="http://purl.oclc.org/dsdl/schematron"><let name="a" value="1"/></schema>')
    with pytest.raises(SchematronError):
        compile_schematron(
            b'<schema xmlns="http://purl.oclc.org/dsdl/schematron"><pattern><rule context="a"><assert test="b">x <value-of select="c"/></assert></rule></pattern></schema>'
        )


def test_rule_id_extraction() -> None:
    assert rule_id("У1-11. Элемент ClinicalDocument/templateId …") == "У1-11"
    assert rule_id("Core02-1. Элемент //addr …") == "Core02-1"
    assert rule_id("Main05-1. Элемент …") == "Main05-1"
    assert rule_id("Общие ограничения. СНИЛС …") == "ОБЩ"
    assert rule_id("Без идентификатора") == "SCH"
