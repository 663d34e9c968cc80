"""The specialists' workbench: the list of registered cases, the protocol of MSE (389н) generated from its
schema, autosave, the «before signing» summary, signing, the printed PDF and the JSON document."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from mse.domain.decisions import Vote
from mse.domain.errors import Conflict, FieldProblem, Forbidden, ValidationFailed
from mse.domain.identity import Actor, Role
from mse.domain.organisation import POSITION_LABELS
from mse.domain.policy import Action, Kind, may_ever
from mse.domain.protocols import SIGNER_ROLE_LABELS, STATUS_LABELS, ProtocolRecord, ProtocolStatus
from mse.forms import ItemType
from mse.services import decisions, protocols
from mse.services.protocol_ports import WorkRow
from mse.web.deps import ClockDep, Uow
from mse.web.protocol_wiring import ProtocolWiring, protocol_document, protocol_package, protocol_pdf
from mse.web.ui.common import Form, Pager, UiActor, page_param, render
from mse.web.ui.form_fields import display_value, parse_fields, table_rows
from mse.web.ui.protocol_view import build_sections, item_key_of, missing_items, schema_facts

router = APIRouter()
PER_PAGE = 20


def require_specialist(actor: Actor) -> None:
    if not may_ever(actor, Kind.PROTOCOL, Action.READ):
        raise Forbidden("Протоколы проведения МСЭ доступны специалистам и руководителю бюро")


def protocol_wiring(request: Request) -> ProtocolWiring:
    wiring: ProtocolWiring = request.app.state.protocols
    return wiring


@router.get("/protocols")
def work_list(request: Request, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    require_specialist(actor)
    page = page_param(request.query_params)
    with uow:
        rows, total = protocols.work_list(uow, actor, clock, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        uow.commit()
    ctx = {"rows": rows, "pager": Pager(page, PER_PAGE, total, "/protocols", ()), "STATUS_LABELS": STATUS_LABELS,
           "status_of": _status_label}
    return render(request, "protocols/list.html", ctx, section="protocols")


def _status_label(row: WorkRow) -> str:
    return STATUS_LABELS[row.protocol_status] if row.protocol_status else "не начат"


@router.post("/cases/{case_id:int}/protocol")
def open_protocol(case_id: int, actor: UiActor, uow: Uow, clock: ClockDep, form: Form) -> Response:
    require_specialist(actor)
    record = protocols.open_for_case(lambda: uow, actor, case_id, clock)
    return RedirectResponse(f"/protocols/{record.id}", status_code=303)


def _page(request: Request, record: ProtocolRecord, *, typed: dict[str, object] | None = None,
          problems: list[FieldProblem] | None = None, message: str | None = None, status: int = 200,
          icd: Any = None) -> Response:
    schema = protocols.schema_of(record)
    checked = protocols.check(record, icd_exists=icd)
    all_problems = (problems or []) + [p for p in checked.problems if p.code != "required"]
    sections = build_sections(schema, record.data, all_problems, checked.findings, record.prefilled, typed=typed)
    ctx = {
        "record": record, "schema": schema, "sections": sections, "missing": missing_items(sections),
        "errors": checked.errors, "warnings": checked.warnings,
        "structural": [(item_key_of(schema, p.field), p.message) for p in all_problems if p.code != "required"],
        "ready": checked.ready and not problems, "message": message or request.query_params.get("done"),
        "STATUS_LABELS": STATUS_LABELS, "SIGNER_ROLE_LABELS": SIGNER_ROLE_LABELS, "ItemType": ItemType,
        "display_value": display_value, "table_rows": table_rows, "facts": schema_facts(schema),
        "can_sign": protocol_wiring(request).keys() is not None, "demo_keys": protocol_wiring(request).demo_keys,
        "DONE": {"signed": "Протокол подписан", "saved": "Изменения сохранены"},
    }
    return render(request, "protocols/workbench.html", ctx, status=status, section="protocols")


@router.get("/protocols/{protocol_id:int}")
def workbench(request: Request, protocol_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    require_specialist(actor)
    with uow:
        record = protocols.access_protocol(uow, actor, protocol_id, clock)
        uow.commit()
    return _page(request, record, icd=protocol_wiring(request).icd_exists)


def _revision(form: Any) -> int:
    raw = form.get("revision")
    return int(raw) if isinstance(raw, str) and raw.isdigit() else -1


def _save(actor: Actor, uow: Uow, clock: ClockDep, protocol_id: int, form: Any) -> tuple[protocols.Saved, dict[str, object]]:
    with uow:
        record = protocols.access_protocol(uow, actor, protocol_id, clock, Action.UPDATE)
    typed = parse_fields(protocols.schema_of(record), form)
    changes: dict[str, object] = {k: None for k in record.data if k not in typed} | typed
    return protocols.save_draft(lambda: uow, actor, protocol_id, changes, expected_revision=_revision(form), clock=clock), typed


@router.post("/protocols/{protocol_id:int}")
def save(request: Request, protocol_id: int, actor: UiActor, uow: Uow, clock: ClockDep, form: Form) -> Response:
    """The form posted without JavaScript (or «Сохранить»): everything typed is kept on a refusal."""
    require_specialist(actor)
    try:
        saved, _ = _save(actor, uow, clock, protocol_id, form)
    except ValidationFailed as exc:
        with uow:
            record = protocols.access_protocol(uow, actor, protocol_id, clock)
            uow.commit()
        typed = parse_fields(protocols.schema_of(record), form)
        return _page(request, record, typed=typed, problems=exc.problems, message=exc.message, status=422)
    return RedirectResponse(f"/protocols/{saved.record.id}?done=saved", status_code=303)


@router.post("/protocols/{protocol_id:int}/autosave")
def autosave(request: Request, protocol_id: int, actor: UiActor, uow: Uow, clock: ClockDep, form: Form) -> Response:
    """The workbench's background save: JSON with the new revision and what still needs attention."""
    require_specialist(actor)
    try:
        saved, _ = _save(actor, uow, clock, protocol_id, form)
    except ValidationFailed as exc:
        return JSONResponse({"saved": False, "message": exc.message,
                             "problems": [{"field": p.field, "message": p.message} for p in exc.problems]}, status_code=422)
    except Conflict as exc:
        return JSONResponse({"saved": False, "message": exc.message, "code": exc.code}, status_code=409)
    record = saved.record
    checked = protocols.check(record, icd_exists=protocol_wiring(request).icd_exists)
    sections = build_sections(protocols.schema_of(record), record.data, checked.problems, checked.findings, record.prefilled)
    return JSONResponse({
        "saved": True, "revision": record.revision, "saved_at": record.updated_at.astimezone().strftime("%H:%M:%S"),
        "cleared": saved.cleared,
        "problems": [{"field": p.field, "message": p.message} for p in checked.problems if p.code != "required"]
        + [{"field": f.item, "message": f"{f.message} ({f.rule_id})", "severity": f.severity} for f in checked.findings],
        "missing": [{"key": m.key, "code": m.code, "label": m.label[:120], "section": m.section} for m in missing_items(sections)],
        "sections": {s.code: {"state": s.state, "missing": s.missing, "errors": s.errors} for s in sections},
        "ready": checked.ready,
    })


@router.post("/protocols/{protocol_id:int}/sign")
def sign(request: Request, protocol_id: int, actor: UiActor, uow: Uow, clock: ClockDep, form: Form) -> Response:
    require_specialist(actor)
    wiring = protocol_wiring(request)
    keys = wiring.keys()
    if keys is None:
        raise Conflict("signing_not_configured", "Подписание на сервере не настроено: ключи специалистов не подключены")
    with uow:
        position = staff_position(uow, actor)
        case_id = protocols.access_protocol(uow, actor, protocol_id, clock, Action.UPDATE).case_id
    try:
        # A specialist's signature is their vote «за»; the head's is the decision's (documents, results out).
        if actor.role is Role.HEAD:
            decisions.issue(lambda: uow, actor, case_id, position=position, keys=keys, clock=clock, build=wiring.documents,
                            icd_exists=wiring.icd_exists)
        else:
            decisions.vote(lambda: uow, actor, case_id, choice=Vote.FOR, opinion=None, position=position, keys=keys,
                           clock=clock, icd_exists=wiring.icd_exists)
    except (ValidationFailed, Conflict) as exc:
        with uow:
            record = protocols.access_protocol(uow, actor, protocol_id, clock)
            uow.commit()
        return _page(request, record, message=exc.message, status=422 if isinstance(exc, ValidationFailed) else 409,
                     icd=wiring.icd_exists)
    return RedirectResponse(f"/protocols/{protocol_id}?done=signed", status_code=303)


def staff_position(uow: Uow, actor: Actor) -> str:
    account = uow.identity.account(actor.user_id)
    if account is not None and account.staff_id is not None:
        found = uow.orgs.get_staff(account.staff_id)
        if found is not None:
            return POSITION_LABELS[found[0].position]
    return "руководитель бюро" if actor.role.value == "head" else "специалист бюро"


def _download(record: ProtocolRecord, body: bytes, media: str, ext: str) -> Response:
    name = f"protocol-{record.number.replace('/', '-')}.{ext}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get("/protocols/{protocol_id:int}/pdf")
def pdf(request: Request, protocol_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    require_specialist(actor)
    with uow:
        record = protocols.access_protocol(uow, actor, protocol_id, clock)
        institution = record.data.get("T.1")
        uow.commit()
    compact = request.query_params.get("full") != "1"
    body = protocol_pdf(record, institution=str(institution or ""), compact=compact)
    return _download(record, body, "application/pdf", "pdf")


@router.get("/protocols/{protocol_id:int}/document.json")
def document_json(protocol_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    require_specialist(actor)
    with uow:
        record = protocols.access_protocol(uow, actor, protocol_id, clock)
        uow.commit()
    return _download(record, protocol_document(record), "application/json", "json")


@router.get("/protocols/{protocol_id:int}/signed.json")
def signed_package(protocol_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    require_specialist(actor)
    with uow:
        record = protocols.access_protocol(uow, actor, protocol_id, clock)
        blobs = uow.protocols.signature_blobs(protocol_id)
        uow.commit()
    if record.status is ProtocolStatus.DRAFT:
        raise Conflict("protocol_not_signed", "Протокол ещё не подписан")
    return _download(record, protocol_package(record, blobs), "application/json", "signed.json")


@router.get("/protocols/{protocol_id:int}/history")
def history(request: Request, protocol_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    require_specialist(actor)
    page = page_param(request.query_params)
    with uow:
        record = protocols.access_protocol(uow, actor, protocol_id, clock)
        changes, total = uow.protocols.changes(protocol_id, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        uow.commit()
    ctx = {"record": record, "changes": changes, "pager": Pager(page, PER_PAGE, total, f"/protocols/{protocol_id}/history", ()),
           "display_value": display_value}
    return render(request, "protocols/history.html", ctx, section="protocols")
