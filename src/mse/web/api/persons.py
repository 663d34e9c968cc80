"""/api/v1/persons — the person registry."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from mse.domain.errors import FieldProblem, ValidationFailed
from mse.domain.values import Snils
from mse.services import persons
from mse.services.ports import PersonQuery
from mse.web.api.schemas import Created, Page, PersonIn, PersonListItem, PersonOut
from mse.web.deps import ClockDep, CurrentActor, PathId, Uow
from mse.web.responses import ERRORS

router = APIRouter(prefix="/persons", tags=["граждане"], responses=ERRORS)


@router.post("", status_code=201, summary="Зарегистрировать гражданина", response_model=Created)
def create_person(body: PersonIn, actor: CurrentActor, uow: Uow, clock: ClockDep, response: Response) -> Created:
    try:
        data = body.to_domain()
    except ValueError as e:  # a domain rule the schema validators did not anticipate: still the client's error
        raise ValidationFailed([FieldProblem("body", str(e))]) from e
    with uow:
        person_id = persons.register_person(uow, actor, data, clock, bureau_id=body.bureau_id)
    response.headers["Location"] = f"/api/v1/persons/{person_id}"
    return Created(id=person_id)


@router.get("/{person_id}", summary="Карточка гражданина", response_model=PersonOut)
def get_person(person_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep) -> PersonOut:
    with uow:
        return PersonOut.of(persons.read_person(uow, actor, person_id, clock))


@router.get("", summary="Поиск граждан по СНИЛС или ФИО и дате рождения", response_model=Page[PersonListItem])
def search_persons(
    actor: CurrentActor, uow: Uow, clock: ClockDep,
    snils: Annotated[str | None, Query(max_length=20, description="СНИЛС")] = None,
    surname: Annotated[str | None, Query(max_length=100, description="Фамилия (без учёта регистра и ё/е)")] = None,
    name: Annotated[str | None, Query(max_length=100)] = None,
    patronymic: Annotated[str | None, Query(max_length=100)] = None,
    birth_date: date | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Page[PersonListItem]:
    parsed_snils = None
    if snils:
        try:
            parsed_snils = Snils.parse(snils).digits
        except ValueError as e:
            raise ValidationFailed([FieldProblem("snils", str(e))]) from e
    query = PersonQuery(parsed_snils, surname or None, name or None, patronymic or None, birth_date)
    with uow:
        result = persons.search_persons(uow, actor, query, clock, limit=limit, offset=offset)
    items = [PersonListItem(id=r.id, full_name=r.full_name, birth_date=r.birth_date,
                            snils=Snils(r.snils).formatted if r.snils else None) for r in result.rows]
    return Page[PersonListItem](items=items, total=result.total, limit=limit, offset=offset)
