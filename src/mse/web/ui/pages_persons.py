"""Person search (full page or HTMX fragment) and the person card."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mse.domain.errors import FieldProblem, Forbidden, ValidationFailed
from mse.domain.policy import Action, Kind, may_ever
from mse.domain.values import Snils
from mse.services import persons
from mse.services.ports import PersonQuery
from mse.web.deps import ClockDep, Uow
from mse.web.ui.common import Pager, UiActor, age_text, is_htmx_fragment, page_param, query_url, render, text_param

router = APIRouter()

PER_PAGE = 20
_RU_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
SEARCH_FIELDS = ("snils", "surname", "name", "patronymic", "birth_date")


def parse_date(raw: str) -> date:
    """ГГГГ-ММ-ДД from <input type="date">, or ДД.ММ.ГГГГ typed by hand where the picker is missing."""
    match = _RU_DATE.match(raw)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError("Укажите дату в формате ДД.ММ.ГГГГ") from None


def _query(values: dict[str, str]) -> PersonQuery:
    problems: list[FieldProblem] = []
    snils = birth = None
    if values["snils"]:
        try:
            snils = Snils.parse(values["snils"]).digits
        except ValueError as e:
            problems.append(FieldProblem("snils", str(e)))
    if values["birth_date"]:
        try:
            birth = parse_date(values["birth_date"])
        except ValueError as e:
            problems.append(FieldProblem("birth_date", str(e)))
    if problems:
        raise ValidationFailed(problems)
    return PersonQuery(snils, values["surname"] or None, values["name"] or None, values["patronymic"] or None, birth)


@router.get("/persons")
def search_page(request: Request, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    if not may_ever(actor, Kind.PERSON, Action.READ):
        raise Forbidden("Поиск граждан недоступен для вашей роли")
    params = request.query_params
    values = {f: text_param(params, f) for f in SEARCH_FIELDS}
    submitted = "q" in params or any(values.values())
    page, search = page_param(params), (("q", "1"), *values.items())
    ctx: dict[str, Any] = {"values": values, "errors": {}, "submitted": submitted, "result": None, "pager": None,
                           "may_register": may_ever(actor, Kind.PERSON, Action.CREATE)}
    status = 200
    if submitted:
        try:
            query = _query(values)
            with uow:
                result = persons.search_persons(uow, actor, query, clock, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
            ctx["result"] = result
            ctx["pager"] = Pager(page, PER_PAGE, result.total, "/persons", search)
        except ValidationFailed as e:
            status = 422
            for p in e.problems:
                ctx["errors"].setdefault(p.field, []).append(p.message)
    if is_htmx_fragment(request):
        # Errors of the fields are swapped out-of-band next to the inputs; the rest goes to #results.
        response = render(request, "persons/_results.html", {**ctx, "oob": True})  # htmx swaps only 2xx
        # The address bar gets the clean search (empty fields left out), so it can be bookmarked and reloaded.
        response.headers["HX-Push-Url"] = query_url("/persons", search, page)
        return response
    return render(request, "persons/search.html", ctx, status=status, section="persons")


@router.get("/persons/{person_id:int}")
def person_card(request: Request, person_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    with uow:
        person = persons.read_person(uow, actor, person_id, clock)
        bureau = uow.orgs.get_unit(person.bureau_id) if person.bureau_id is not None else None
        source = uow.orgs.get_medical_org(person.source_org_id) if person.source_org_id is not None else None
    ctx = {"person": person, "d": person.data, "age": age_text(person.data.birth_date, clock.today()),
           "bureau": bureau, "source": source}
    return render(request, "persons/card.html", ctx, section="persons")
