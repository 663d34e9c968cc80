"""P2 — validation of one referral (088/у, ~40 KiB) and of one full protocol (389н, ~40 KiB): p99 per document against
`orjson.loads` of the same bytes, measured in the same run.

What is timed (one process, no database, documents built before timing):
* baseline — `orjson.loads(body)`: the cheapest thing one can do with the bytes;
* *-schema — `validate_document(schema, data, icd_exists=…)` on the parsed document: types, options, shown/required
  conditions, ICD-10 lookups — what intake and `services.protocols.check` run;
* *-all-rules — the same plus the cross-item rules: `rules.intake.evaluate` (NA1–NA4, RR1–RR5) for the referral,
  `rules.protocol_checks.check_protocol` for the protocol.
The figure is the validation of an already parsed document (the services receive parsed data); parse + validate is
in `details`. Targets (issue 7): p99 ≤ 1.5 ms, ratio ≤ 3× (schema) / ≤ 10× (all rules).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import orjson

from bench.harness import Context, Result, benchmark, percentile, ratio, summary_ms

TITLE = "Проверка направления и протокола"
TARGET = "p99 ≤ 1,5 мс; ≤ 3× orjson.loads (схема), ≤ 10× (все правила)"
HELD = date(2026, 3, 10)
RECEIVED = date(2026, 3, 2)
TARGET_BYTES = 40 * 1024

RESULT_TEXT = ("Очаговые изменения вещества головного мозга в бассейне левой средней мозговой артерии, постишемическая "
               "киста 18×12 мм, умеренная наружная и внутренняя гидроцефалия; динамика по сравнению с исследованием "
               "от 12.09.2025 без отрицательной динамики.")
EXAMS = (("B01.023.001", "Прием (осмотр, консультация) врача-невролога первичный"),
         ("A05.23.009", "Магнитно-резонансная томография головного мозга"),
         ("B03.016.003", "Общий (клинический) анализ крови развернутый"),
         ("A05.10.006", "Регистрация электрокардиограммы"),
         ("B01.047.001", "Прием (осмотр, консультация) врача-терапевта первичный"))


def big_referral() -> dict[str, Any]:
    """The tests' rich referral enriched to ~40 KiB of JSON: long anamnesis, many examinations and sick-leave periods."""
    from tests.intake_support import rich_referral

    data = rich_referral()
    data["anamnesisDisease"] = (str(data["anamnesisDisease"]) + " ") * 6
    data["healthStatus"] = (str(data["healthStatus"]) + " ") * 5
    data["rehabMeasuresDone"] = "Курсы стационарной и амбулаторной реабилитации в 2025–2026 гг.: кинезиотерапия, логопед, ЛФК. " * 4
    data["tempDisability"] = [{"startDate": f"2025-{m:02d}-01", "endDate": f"2025-{m:02d}-25", "duration": "25 дней",
                               "diagnosis": "I63.5"} for m in range(1, 9)]
    exams: list[dict[str, Any]] = []
    while len(orjson.dumps(data | {"examinations": exams})) < TARGET_BYTES:
        code, name = EXAMS[len(exams) % len(EXAMS)]
        exams.append({"date": f"2026-02-{1 + len(exams) % 25:02d}", "code": code, "name": name, "result": RESULT_TEXT})
    data["examinations"] = exams
    return data


def _referral_steps() -> tuple[bytes, Callable[[dict[str, Any]], object], Callable[[dict[str, Any]], object]]:
    from mse.adapters.refdata.icd10 import icd10
    from mse.domain.signatures import SignatureVerdict
    from mse.forms import form_in_force, validate_document
    from mse.rules.intake import IntakeFacts, evaluate
    from mse.rules.reference import ExamList, ExamSection, RequiredExam

    schema = form_in_force("referral-088u", RECEIVED)
    icd = icd10()
    exams = ExamList([RequiredExam(icd_ranges="I60-I69", code=c, name=n, basic=True, section=ExamSection.ADULT,
                                   valid_from=date(2020, 1, 1)) for c, n in EXAMS[:2]])
    signature = SignatureVerdict(True, None, "Подпись действительна")
    doc = big_referral()

    def schema_only(data: dict[str, Any]) -> object:
        return validate_document(schema, data, icd_exists=icd.exists)

    def all_rules(data: dict[str, Any]) -> object:
        problems = validate_document(schema, data, icd_exists=icd.exists)
        report = evaluate(IntakeFacts(data=data, schema=schema, received_on=RECEIVED, sender_ogrn=str(data["organizationOgrn"]),
                                      signature=signature, sender_region="77", bureau_region="77", icd=icd, exams=exams))
        return problems, report

    problems, report = all_rules(doc)  # type: ignore[misc]
    if problems or report.findings:
        raise RuntimeError(f"the benchmark referral is not clean: {problems[:3]} {report.findings[:3]}")
    return orjson.dumps(doc), schema_only, all_rules


def _protocol_steps() -> tuple[bytes, Callable[[dict[str, Any]], object], Callable[[dict[str, Any]], object]]:
    from bench.protocol.run import full_protocol
    from mse.adapters.refdata.icd10 import icd10
    from mse.forms import form_in_force, validate_document
    from mse.rules.protocol_checks import check_protocol

    schema = form_in_force("protocol-389n", HELD)
    icd = icd10().exists
    doc = full_protocol(schema, icd)

    def schema_only(data: dict[str, Any]) -> object:
        return validate_document(schema, data, icd_exists=icd)

    def all_rules(data: dict[str, Any]) -> object:
        return validate_document(schema, data, icd_exists=icd), check_protocol(schema, data, on=HELD)

    if all_rules(doc) != ([], []):
        raise RuntimeError("the benchmark protocol does not validate")
    return orjson.dumps(doc), schema_only, all_rules


def _interleaved(body: bytes, step: Callable[[dict[str, Any]], object], n: int) -> tuple[list[float], list[float], list[float]]:
    """Per document: parse (baseline), validate (figure), parse + validate — interleaved so machine noise hits all three."""
    data = orjson.loads(body)
    for _ in range(min(200, n)):  # warm-up (plans compiled, caches filled)
        step(orjson.loads(body))
    parse, check, both = [], [], []
    clock = time.perf_counter
    for _ in range(n):
        t0 = clock()
        fresh = orjson.loads(body)
        t1 = clock()
        step(data)
        t2 = clock()
        step(fresh)
        t3 = clock()
        parse.append(t1 - t0)
        check.append(t2 - t1)
        both.append((t1 - t0) + (t3 - t2))
    return parse, check, both


def _why(doc_name: str, kind: str, check: list[float], parse: list[float], limit: float) -> list[str]:
    """Why a miss is a miss: preemption of the process, or the cost of walking the document in Python."""
    p50, base50 = percentile(check, 50), percentile(parse, 50)
    out = [f"медиана: {p50 * 1000:.3f} мс, {ratio(p50, base50)}× медианы orjson.loads"]
    if percentile(check, 99) > 4 * p50:
        out.append("p99 в разы выше медианы: процесс вытеснялся (машина загружена другими процессами), повторите замер")
    elif doc_name == "protocol" and kind == "schema":
        # issue 7, P2: the protocol of 389н holds ~250 filled items and ~35 table rows × 9 columns (~600 values);
        # Python spends ~0.2–0.3 µs per value on its type, limit, options and conditions, orjson parses the same
        # bytes in C in ~0.08 ms, so 3× (~0.24 ms) is the floor of a per-value walk in Python.
        out.append("протокол: ~600 значений (≈250 пунктов и ≈35 строк × 9 столбцов таблиц) проверяются в Python по ~0,2–0,3 мкс "
                   f"на значение; orjson разбирает те же байты на C, поэтому {limit:g}× — предел пообъектной проверки")
    return out


@benchmark("P2", TITLE, TARGET)
def run(ctx: Context) -> list[Result]:
    n = ctx.size(5000, 400)
    out: list[Result] = []
    for doc_name, steps in (("referral", _referral_steps), ("protocol", _protocol_steps)):
        body, schema_only, all_rules = steps()
        for kind, step, limit in (("schema", schema_only, 3.0), ("all-rules", all_rules, 10.0)):
            parse, check, both = _interleaved(copy.copy(body), step, n)
            p99, base = percentile(check, 99), percentile(parse, 99)
            r = ratio(p99, base)
            met = p99 * 1000 <= 1.5 and r <= limit
            notes = [] if met else [f"цель не достигнута: p99 {p99 * 1000:.3f} мс, отношение {r} (порог {limit:g}×)", *_why(
                doc_name, kind, check, parse, limit)]
            out.append(Result("P2", TITLE, f"{doc_name}-{kind}", round(p99 * 1000, 3), "мс p99", round(base * 1000, 3),
                              "мс p99", "orjson.loads тех же байт", r, "p99 проверки / p99 orjson.loads",
                              f"p99 ≤ 1,5 мс; ≤ {limit:g}× orjson.loads", met, notes,
                              {"bytes": len(body), "validate": summary_ms(check), "orjson_loads": summary_ms(parse),
                               "parse_plus_validate": summary_ms(both),
                               "ratio_with_parse": ratio(percentile(both, 99), base)}))
    return out
