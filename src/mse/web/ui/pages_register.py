"""Registration of a person (389н items 4–16) through the same PersonIn model as the API.

Form inputs are named by the API's dotted paths ("documents.0.number"), so a pydantic location or a
domain FieldProblem.field points straight at the input that shows the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from mse.domain.errors import Conflict, Forbidden, ValidationFailed
from mse.domain.identity import Actor, Role
from mse.domain.organisation import UnitKind
from mse.domain.people import AddressKind, Citizenship, DocumentKind
from mse.domain.policy import Action, Kind, may_ever
from mse.services import organisation, persons
from mse.services.ports import UnitOfWork
from mse.web.api.schemas import PersonIn
from mse.web.deps import ClockDep, Uow
from mse.web.errors import pydantic_errors_ru
from mse.web.ui.common import Form, UiActor, render

router = APIRouter()

PERSON_FIELDS = ("surname", "name", "patronymic", "birth_date", "sex", "citizenship", "snils")
DOC_FIELDS = ("kind", "series", "number", "issued_by", "issue_date")
ADDR_FIELDS = ("kind", "country", "postal_code", "region_code", "district", "settlement", "rural", "street", "house",
               "apartment")
ADDR_TYPED = ("postal_code", "region_code", "district", "settlement", "street", "house", "apartment")
CONTACT_FIELDS = ("phone_home", "phone_mobile", "email")
FORM_FIELDS = (
    *PERSON_FIELDS, *(f"documents.0.{f}" for f in DOC_FIELDS), *(f"addresses.0.{f}" for f in ADDR_FIELDS),
    *(f"contacts.{f}" for f in CONTACT_FIELDS), "homeless", "bureau_id",
)
DEFAULTS = {"citizenship": Citizenship.RF.value, "documents.0.kind": DocumentKind.PASSPORT_RF.value,
            "addresses.0.kind": AddressKind.RESIDENCE.value, "addresses.0.country": "Россия", "addresses.0.rural": "0"}
# Names of the inputs for the error summary at the top of the form.
FIELD_LABELS = {
    "surname": "Фамилия", "name": "Имя", "patronymic": "Отчество", "birth_date": "Дата рождения", "sex": "Пол",
    "citizenship": "Гражданство", "snils": "СНИЛС", "bureau_id": "Бюро",
    "documents": "Документ, удостоверяющий личность", "documents.0.kind": "Вид документа",
    "documents.0.series": "Серия документа", "documents.0.number": "Номер документа",
    "documents.0.issued_by": "Кем выдан документ", "documents.0.issue_date": "Дата выдачи документа",
    "addresses": "Адрес", "addresses.0.kind": "Вид адреса", "addresses.0.country": "Государство",
    "addresses.0.postal_code": "Почтовый индекс", "addresses.0.region_code": "Субъект Российской Федерации",
    "addresses.0.district": "Район", "addresses.0.settlement": "Населённый пункт",
    "addresses.0.rural": "Тип поселения", "addresses.0.street": "Улица", "addresses.0.house": "Дом",
    "addresses.0.apartment": "Квартира", "contacts.phone_home": "Телефон (домашний)",
    "contacts.phone_mobile": "Телефон (мобильный)", "contacts.email": "Адрес электронной почты",
}
# Problems about a value the form derives from another input are shown at that input.
ALIASES = {"addresses.0.region": "addresses.0.region_code", "full_name": "surname"}


def form_values(form: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(form.get(name) or "").strip()[:500] for name in FORM_FIELDS}


def to_payload(v: Mapping[str, str], regions: Mapping[str, str]) -> dict[str, Any]:
    """The PersonIn body the API would get: empty inputs are left out, so model defaults and rules apply."""
    def pick(prefix: str, names: tuple[str, ...]) -> dict[str, Any]:
        return {n: v[prefix + n] for n in names if v.get(prefix + n)}

    data: dict[str, Any] = pick("", PERSON_FIELDS)
    doc = pick("documents.0.", DOC_FIELDS)
    if set(doc) - {"kind"}:
        data["documents"] = [doc]
    if any(v.get(f"addresses.0.{n}") for n in ADDR_TYPED):
        addr = pick("addresses.0.", ADDR_FIELDS)
        addr["rural"] = v.get("addresses.0.rural") == "1"
        region = regions.get(addr.get("region_code", ""))
        if region:
            addr["region"] = region
        else:  # left out, so the model reports it as a missing (required) choice
            addr.pop("region_code", None)
        data["addresses"] = [addr]
    contacts = pick("contacts.", CONTACT_FIELDS)
    if contacts:
        data["contacts"] = contacts
    data["homeless"] = v.get("homeless") == "on"
    if v.get("bureau_id", "").isdigit():
        data["bureau_id"] = int(v["bureau_id"])
    return data


def _bureau_choices(uow: UnitOfWork, actor: Actor) -> list[Any]:
    """A head of a main bureau registers into one of its bureaus; a bureau's own staff need no choice."""
    if actor.role is not Role.HEAD:
        return []
    items = organisation.institution_tree(uow, actor)
    own = next((it.unit for it in items if it.unit.id == actor.unit_id), None)
    if own is None or own.kind is UnitKind.BUREAU:
        return []
    return [it.unit for it in items if it.unit.kind is UnitKind.BUREAU and it.unit.path.startswith(actor.scope_path)]


def _form_page(request: Request, uow: UnitOfWork, actor: Actor, values: dict[str, str],
               errors: dict[str, list[str]], status: int = 200) -> Response:
    ctx = {"v": values, "errors": errors, "regions": uow.orgs.regions(), "bureaus": _bureau_choices(uow, actor),
           "summary": [(field, f"{FIELD_LABELS[field]}: {msg}" if field in FIELD_LABELS else msg)
                       for field, msgs in errors.items() for msg in msgs]}
    return render(request, "persons/new.html", ctx, status=status, section="persons_new")


def _require_create(actor: Actor) -> None:
    if not may_ever(actor, Kind.PERSON, Action.CREATE):
        raise Forbidden("Регистрировать граждан может регистратор или руководитель бюро")


@router.get("/persons/new")
def new_person_form(request: Request, actor: UiActor, uow: Uow) -> Response:
    _require_create(actor)
    with uow:
        return _form_page(request, uow, actor, {**dict.fromkeys(FORM_FIELDS, ""), **DEFAULTS}, {})


@router.post("/persons/new")
def new_person_submit(request: Request, form: Form, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require_create(actor)
    values = form_values(form)
    errors: dict[str, list[str]] = {}
    status = 422
    with uow:
        regions = {r.code: r.name for r in uow.orgs.regions()}
        try:
            body = PersonIn.model_validate(to_payload(values, regions))
            person_id = persons.register_person(uow, actor, body.to_domain(), clock, bureau_id=body.bureau_id)
            return RedirectResponse(f"/persons/{person_id}", status_code=303)
        except ValidationError as e:
            for p in pydantic_errors_ru(list(e.errors())):
                errors.setdefault(ALIASES.get(p["field"], p["field"]), []).append(p["message"])
        except ValidationFailed as e:
            for fp in e.problems:
                errors.setdefault(ALIASES.get(fp.field, fp.field), []).append(fp.message)
        except Conflict as e:
            status = 409
            errors.setdefault("snils" if e.code == "person_snils_exists" else "form", []).append(e.message)
        return _form_page(request, uow, actor, values, errors, status=status)
