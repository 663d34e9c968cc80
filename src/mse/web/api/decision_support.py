"""/api/v1/decision-support — the suggested expert decision for a described case (no side effects, nothing stored)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from mse.domain.errors import Forbidden
from mse.domain.identity import Role
from mse.rules.decision_input import parse_input
from mse.rules.decision_support import evaluate
from mse.services import criteria
from mse.web.deps import CurrentActor, Uow
from mse.web.responses import ERRORS

router = APIRouter(tags=["поддержка экспертного решения"], responses=ERRORS)
STAFF = frozenset({Role.EXPERT, Role.HEAD, Role.MAIN_EXPERT, Role.FEDERAL_EXPERT})

EXAMPLE: dict[str, Any] = {
    "decision_date": "2026-03-10", "registration_date": "2026-03-02", "birth_date": "1970-05-14", "purposes": ["23.1", "23.13"],
    "primary": True, "impairments": [{"type": "79.4", "percent": 70, "icd10": "I69.3"}, {"type": "79.5", "percent": 40}],
    "aggravation": True, "limitations": {"78.1": 2, "78.2": 2, "78.7": 2}, "icd10": ["I69.3", "I11.9"],
}


class ImpairmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(max_length=8, description="Вид стойкого нарушения: код пункта протокола 79.1–79.12")
    percent: int = Field(ge=0, le=1000, description="Количественная оценка, % (10–100 с шагом 10)")
    icd10: str | None = Field(default=None, max_length=8, description="Код МКБ-10 заболевания, обусловившего нарушение")


class HistoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_established_on: date | None = Field(default=None, description="Дата первичного признания инвалидом")
    rehab_cannot_reduce: bool = Field(default=False, description="Реабилитация не устраняет и не уменьшает ограничений")


class DecisionInputIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})
    decision_date: date = Field(description="Дата решения: по ней выбираются классификации и критерии (585н / 374н)")
    registration_date: date | None = Field(default=None, description="Дата регистрации дела (для сравнения при смене критериев)")
    birth_date: date = Field(description="Дата рождения: возраст в полных годах на дату решения")
    purposes: list[str] = Field(max_length=21, description="Цели МСЭ — коды пункта 23 протокола (23.1, 23.2, …)")
    primary: bool | None = Field(default=None, description="Освидетельствование первичное (22.1)")
    impairments: list[ImpairmentIn] = Field(default_factory=list, max_length=12, description="Нарушения (пункты 79.1–79.12)")
    aggravation: bool | None = Field(default=None, description="Влияние других нарушений на максимально выраженное (79.13.2)")
    limitations: dict[str, int] = Field(default_factory=dict, max_length=7, description="Степени ограничений 78.1–78.7: 1, 2 или 3")
    icd10: list[Annotated[str, Field(max_length=8)]] = Field(default_factory=list, max_length=50, description="Коды МКБ-10 диагнозов")
    disability_history: HistoryIn | None = None
    indefinite_ground: str | None = Field(default=None, max_length=500,
                                          description="Основание «бессрочно» — пункт перечня приложения к ПП 588, указанный экспертом")
    compare: bool = Field(default=False, description="Показать также оценку по другим классификациям и критериям")


class StepOut(BaseModel):
    id: str
    title: str
    result: str = Field(description="Вывод шага на русском языке")
    rule: str = Field(description="Идентификатор правила, например 374n.degree.III")
    citation: str
    verified: bool = Field(description="false — положение не сверено с текстом акта [K]")


class MatchedRowOut(BaseModel):
    ruleset: str
    item: str
    population: str
    percent_min: int
    percent_max: int
    crg: str | None
    characteristic: str
    derived: bool = Field(description="Сопоставлено по классу МКБ-10 раздела приложения, а не по коду строки")
    percent_fits: bool | None


class AppendixOut(BaseModel):
    icd10: str
    message: str
    rows: list[MatchedRowOut]


class DominantOut(BaseModel):
    type: str
    label: str
    percent: int


class TermOut(BaseModel):
    kind: str = Field(description="Пункт 83.1: term (на срок) или indefinite (бессрочно)")
    fnsi: str = Field(description="Код срока по ФНСИ 1.2.643.5.1.13.13.99.2.358")
    fnsi_oid: str
    fnsi_label: str
    text: str | None = Field(description="Пункт 83.term")
    reexam_on: date | None = Field(description="Пункт 84")
    until: date | None = Field(description="Пункт 83.2")
    verified: bool


class SuggestionOut(BaseModel):
    ruleset: str
    ruleset_title: str
    decision_date: date
    age: int
    adult: bool
    dominant: DominantOut | None
    aggravation_applied: bool
    final_percent: int | None
    degree: str | None
    degree_label: str | None
    degree_option: str | None
    disability_requested: bool
    outcome: str | None = Field(description="Пункт 80: 80.1–80.5; null — решение об инвалидности не запрошено")
    outcome_label: str
    crg: list[str]
    crg_provided: bool
    term: TermOut | None
    appendix: list[AppendixOut]
    warnings: list[str]
    steps: list[StepOut]
    alternative: SuggestionOut | None = Field(description="Оценка по другим классификациям и критериям")


@router.post("/decision-support", response_model=SuggestionOut, summary="Предложение экспертного решения по классификациям и критериям",
             description="Расчёт по классификациям и критериям, действующим на дату решения (585н по 28.02.2025, 374н с 01.03.2025), "
                         "с обоснованием по шагам. Ничего не сохраняет. Доступно специалистам и руководителям бюро, экспертам "
                         "главного и Федерального бюро.")
def decision_support(actor: CurrentActor, uow: Uow,
                     body: Annotated[DecisionInputIn, Body(openapi_examples={"adult": {"summary": "Взрослый, два нарушения",
                                                                                      "value": EXAMPLE}})]) -> SuggestionOut:
    if actor.role not in STAFF:
        raise Forbidden("Расчёт предложения экспертного решения доступен специалистам бюро и экспертам", "decision_support_forbidden")
    inp = parse_input(body.model_dump(mode="json", exclude_unset=True))
    with uow:
        rows = criteria.all_rows(uow)
    return SuggestionOut.model_validate(evaluate(inp, rows).to_json())
