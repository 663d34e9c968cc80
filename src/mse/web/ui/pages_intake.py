"""Referral intake pages of the bureau: the queue, one referral (register / return), the registration journal,
the quarantine. Everything goes through the intake services; this module only parses, renders and downloads."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from mse.domain.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from mse.domain.identity import STAFF_ROLES, Actor
from mse.domain.policy import Action, Kind, Scope, allowed, may_ever
from mse.domain.referrals import PRIORITY_LABELS, STATE_LABELS, Priority, ReferralState, ReturnReason
from mse.forms import FormSchema, Item, ItemType, load_form
from mse.rules.deadlines import INTAKE_DEADLINES
from mse.rules.intake import RETURN_REASON_IDS, RULES_BY_ID
from mse.services import referral_queries, registration
from mse.services.intake_ports import QueueQuery, ReferralRecord
from mse.services.ports import UnitOfWork
from mse.web.deps import ClockDep, Uow
from mse.web.intake_wiring import IntakeWiring
from mse.web.ui.common import Form, Pager, UiActor, page_param, render, ru_plural, text_param
from mse.web.ui.pages_persons import parse_date

router = APIRouter()

PER_PAGE = 20
JOURNAL_STATES = (ReferralState.ACCEPTED, ReferralState.RETURNED)
STATE_FILTERS: dict[str, tuple[ReferralState, ...]] = {
    **{s.value: (s,) for s in ReferralState}, "all": tuple(ReferralState),
}
CHANNEL_LABELS = {"api_json": "API (JSON по схеме формы 088/у)", "api_semd": "API (СЭМД)", "import": "Загрузка из каталога",
                  "paper": "Бумажное направление"}
CSV_HEADERS = ("№ п/п", "Регистрационный номер", "Дата регистрации", "Отправитель", "Пациент", "Дата рождения", "Диагноз",
               "Результат")


def _require_intake(actor: Actor) -> None:
    """Intake pages are the bureau staff's work place; the МО uses the API, the auditor and admin see no referrals."""
    if actor.role not in STAFF_ROLES or not may_ever(actor, Kind.REFERRAL, Action.READ):
        raise Forbidden("Приём направлений на МСЭ доступен сотрудникам бюро")


def waiting_text(since: datetime, now: datetime) -> str:
    """How long an item has waited: «15 мин», «2 ч», «3 дн.»."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} мин"
    if seconds < 86400:
        return f"{seconds // 3600} ч"
    return f"{seconds // 86400} дн."


def _regions(uow: UnitOfWork) -> dict[str, str]:
    return {r.code: r.name for r in uow.orgs.regions()}


# ---------------------------------------------------------------------------------------------------- the queue

@router.get("/intake")
def queue_page(request: Request, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require_intake(actor)
    params = request.query_params
    state = text_param(params, "state", 20) or ReferralState.RECEIVED.value
    if state not in STATE_FILTERS:
        state = ReferralState.RECEIVED.value
    values = {"state": state, "text": text_param(params, "text")}
    page = page_param(params)
    query = QueueQuery(states=STATE_FILTERS[state], text=values["text"] or None)
    with uow:
        result = referral_queries.referral_queue(uow, actor, query, clock, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        counts = referral_queries.queue_counts(uow, actor)
        regions = _regions(uow)
    now = clock.now()
    ctx = {
        "values": values, "rows": result.rows, "regions": regions,
        "pager": Pager(page, PER_PAGE, result.total, "/intake", tuple(values.items())),
        "state_options": [(s.value, STATE_LABELS[s]) for s in ReferralState] + [("all", "Все")],
        "counts": [(s, STATE_LABELS[s], counts.get(s.value, 0)) for s in ReferralState],
        "waiting": {r.id: waiting_text(r.received_at, now) for r in result.rows},
        "priority_label": _priority_label, "STATE_LABELS": STATE_LABELS, "filtered": bool(values["text"]) or state != ReferralState.RECEIVED.value,
    }
    return render(request, "intake/queue.html", ctx, section="intake")


def _priority_label(code: str) -> str:
    try:
        return PRIORITY_LABELS[Priority(code)]
    except ValueError:
        return code


# ------------------------------------------------------------------------------------------- one referral

@dataclass(frozen=True)
class Shown:
    """A filled item of the form as displayed: point number, label and either text or a table."""

    code: str
    label: str
    text: str | None = None
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


def _value_text(item: Item, value: Any) -> str:
    labels = {o.code: o.label for o in item.options}
    if item.type is ItemType.BOOLEAN:
        return "да" if value else "нет"
    if item.type is ItemType.CHOICE:
        return labels.get(str(value), str(value))
    if isinstance(value, list):
        return "; ".join(labels.get(str(v), str(v)) for v in value)
    if item.type is ItemType.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    if item.type is ItemType.SNILS and isinstance(value, str):
        digits = "".join(ch for ch in value if ch.isdigit())
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}" if len(digits) == 11 else value
    return str(value)


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


def form_view(schema: FormSchema, data: Mapping[str, Any]) -> list[tuple[str, list[Shown]]]:
    """The referral as the form prints it: sections in order, each filled item with its point number."""
    out: list[tuple[str, list[Shown]]] = []
    for section in schema.sections:
        shown: list[Shown] = []
        for item in section.items:
            value = data.get(item.key)
            if not _filled(value):
                continue
            if item.type is ItemType.TABLE and isinstance(value, list):
                cols = item.columns
                rows = tuple(tuple(_value_text(c, row.get(c.key)) if _filled(row.get(c.key)) else "—" for c in cols)
                             for row in value if isinstance(row, dict))
                shown.append(Shown(item.code, item.label, columns=tuple(c.label for c in cols), rows=rows))
            else:
                shown.append(Shown(item.code, item.label, _value_text(item, value)))
        if shown:
            out.append((section.title, shown))
    return out


def _findings(referral: ReferralRecord) -> list[dict[str, Any]]:
    return list(referral.checks.get("findings", []))


def _may_decide(actor: Actor, referral: ReferralRecord) -> bool:
    return (referral.state is ReferralState.RECEIVED
            and allowed(actor, Kind.REFERRAL, Action.UPDATE, Scope(unit_path=referral.bureau_path)))


def _dues(referral: ReferralRecord) -> list[tuple[str, date]]:
    """The case's deadlines as stored at registration (the single computation lives in the service)."""
    titles = {d.id: d.title for d in INTAKE_DEADLINES}
    stored = (("DL-04", referral.due_invitation), ("DL-01", referral.due_decision))
    return [(titles[key], day) for key, day in stored if day is not None]


def _view(request: Request, uow: UnitOfWork, actor: Actor, referral: ReferralRecord, *,
          chosen: set[str] | None = None, texts: dict[str, str] | None = None,
          errors: dict[str, list[str]] | None = None, status: int = 200) -> Response:
    try:
        schema: FormSchema | None = load_form("referral-088u", referral.form_version)
    except NotFound:  # a version without a schema file: the header and the checks are shown anyway
        schema = None
    suggested = {r.code: r.text for r in registration.suggested_reasons(referral)}
    findings = _findings(referral)
    texts = texts if texts is not None else {code: suggested.get(code, "") for code in RETURN_REASON_IDS}
    chosen = chosen if chosen is not None else set(suggested)
    ctx = {
        "r": referral, "state_label": STATE_LABELS[referral.state], "regions": _regions(uow),
        "receipt": [f for f in findings if f.get("stage") == "receipt"],
        "content": [f for f in findings if f.get("stage") == "content"],
        "notes": list(referral.checks.get("notes", [])),
        "form": form_view(schema, referral.data) if schema else [], "schema": schema,
        "may_decide": _may_decide(actor, referral),
        "reasons": [(code, RULES_BY_ID[code].title) for code in RETURN_REASON_IDS],
        "chosen": chosen, "texts": texts, "errors": errors or {}, "dues": _dues(referral),
        "channel": CHANNEL_LABELS.get(referral.channel, referral.channel),
        "priority_label": _priority_label, "done": request.query_params.get("done"),
    }
    return render(request, "intake/referral.html", ctx, status=status, section="intake")


@router.get("/intake/{referral_id:int}")
def referral_page(request: Request, referral_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require_intake(actor)
    with uow:
        referral = referral_queries.read_referral(uow, actor, referral_id, clock)
        return _view(request, uow, actor, referral)


@router.post("/intake/{referral_id:int}/register")
def register(request: Request, referral_id: int, form: Form, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require_intake(actor)
    with uow:
        try:
            registration.register_referral(uow, actor, referral_id, clock)
        except Conflict as e:
            referral = referral_queries.read_referral(uow, actor, referral_id, clock)
            return _view(request, uow, actor, referral, errors={"form": [e.message]}, status=409)
    return RedirectResponse(f"/intake/{referral_id}?done=registered", status_code=303)


def _reason_problems(problems: list[FieldProblem], codes: list[str]) -> dict[str, list[str]]:
    """reasons.{i}.text of the service → text.RRn of the form (the i-th ticked reason)."""
    errors: dict[str, list[str]] = {}
    for p in problems:
        parts = p.field.split(".")
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(codes):
            key = f"{parts[2]}.{codes[int(parts[1])]}"
        else:
            key = "reasons" if p.field.startswith("reasons") else "form"
        errors.setdefault(key, []).append(p.message)
    return errors


@router.post("/intake/{referral_id:int}/return")
def return_to_mo(request: Request, referral_id: int, form: Form, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require_intake(actor)
    ticked = [str(v) for v in form.getlist("reason")]
    codes = [c for c in RETURN_REASON_IDS if c in ticked]
    texts = {c: str(form.get(f"text.{c}") or "")[:2500] for c in RETURN_REASON_IDS}
    reasons = [ReturnReason(c, texts[c]) for c in codes]
    wiring: IntakeWiring = request.app.state.intake
    with uow:
        try:
            registration.return_referral(uow, actor, referral_id, reasons, clock, notices=wiring.notices, signer=wiring.signer)
        except (ValidationFailed, Conflict) as e:
            errors = (_reason_problems(e.problems, codes) if isinstance(e, ValidationFailed) else {"form": [e.message]})
            referral = referral_queries.read_referral(uow, actor, referral_id, clock)
            return _view(request, uow, actor, referral, chosen=set(codes), texts=texts, errors=errors,
                         status=422 if isinstance(e, ValidationFailed) else 409)
    return RedirectResponse(f"/intake/{referral_id}?done=returned", status_code=303)


def _download(body: bytes, filename: str, media_type: str) -> Response:
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})


@router.get("/intake/{referral_id:int}/return-notice.xml")
def return_notice(referral_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require_intake(actor)
    with uow:
        notice, _ = referral_queries.return_notice(uow, actor, referral_id, clock)
    return _download(notice, f"return-notice-{referral_id}.xml", "application/xml")


@router.get("/intake/{referral_id:int}/return-notice.sig")
def return_notice_signature(referral_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require_intake(actor)
    with uow:
        _, signature = referral_queries.return_notice(uow, actor, referral_id, clock)
    if signature is None:
        raise Conflict("return_notice_unsigned", "Уведомление о возврате не подписано")
    return _download(signature, f"return-notice-{referral_id}.xml.sig", "application/pkcs7-signature")


# ------------------------------------------------------------------------------------- the journal

def _journal_query(params: Mapping[str, str]) -> tuple[dict[str, str], dict[str, list[str]], QueueQuery]:
    values = {"text": text_param(params, "text"), "date_from": text_param(params, "date_from", 20),
              "date_to": text_param(params, "date_to", 20)}
    errors: dict[str, list[str]] = {}
    dates: dict[str, date | None] = {"date_from": None, "date_to": None}
    for name in dates:
        if values[name]:
            try:
                dates[name] = parse_date(values[name])
            except ValueError as e:
                errors[name] = [str(e)]
    start, end = dates["date_from"], dates["date_to"]
    if start and end and start > end:
        errors["date_to"] = ["Дата окончания периода раньше даты начала"]
    return values, errors, QueueQuery(states=JOURNAL_STATES, text=values["text"] or None, registered_from=start,
                                      registered_to=end, journal=True)


def _result(state: ReferralState) -> str:
    return "Принято к рассмотрению" if state is ReferralState.ACCEPTED else "Возвращено в МО"


@router.get("/intake/journal")
def journal_page(request: Request, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require_intake(actor)
    values, errors, query = _journal_query(request.query_params)
    page = page_param(request.query_params)
    rows: list[Any] = []
    total = 0
    if not errors:
        with uow:
            result = referral_queries.referral_queue(uow, actor, query, clock, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        rows, total = result.rows, result.total
    ctx = {"values": values, "errors": errors, "rows": rows, "result_label": _result,
           "pager": Pager(page, PER_PAGE, total, "/intake/journal", tuple(values.items())),
           "csv_url": Pager(1, PER_PAGE, 0, "/intake/journal.csv", tuple(values.items())).url(1),
           "filtered": any(values.values())}
    return render(request, "intake/journal.html", ctx, status=422 if errors else 200, section="intake")


@router.get("/intake/journal.csv")
def journal_csv(request: Request, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require_intake(actor)
    _, errors, query = _journal_query(request.query_params)
    if errors:
        raise ValidationFailed([FieldProblem(k, m) for k, ms in errors.items() for m in ms], "Условия отбора заполнены с ошибками")
    rows: list[Any] = []
    with uow:
        while True:  # the whole selection, in pages of the service
            page = referral_queries.referral_queue(uow, actor, query, clock, limit=500, offset=len(rows))
            rows.extend(page.rows)
            if not page.rows or len(rows) >= page.total:
                break
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for n, r in enumerate(rows, 1):
        writer.writerow([n, r.registration_number or "", r.registration_date.strftime("%d.%m.%Y") if r.registration_date else "",
                         r.sender_name, r.patient_name, r.patient_birth_date.strftime("%d.%m.%Y") if r.patient_birth_date else "",
                         r.diagnosis_icd or "", _result(r.state)])
    name = f"journal-{clock.today():%Y%m%d}.csv"
    return Response(("\ufeff" + out.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


# ----------------------------------------------------------------------------------- the quarantine

@router.get("/intake/quarantine")
def quarantine_page(request: Request, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require_intake(actor)
    page = page_param(request.query_params)
    with uow:
        result = referral_queries.quarantine_page(uow, actor, clock, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    ctx = {"rows": result.rows, "pager": Pager(page, PER_PAGE, result.total, "/intake/quarantine", ()),
           "channel": lambda c: CHANNEL_LABELS.get(c, c), "size": _size}
    return render(request, "intake/quarantine.html", ctx, section="intake")


def _safe_name(name: str | None, fallback: str) -> str:
    """The sender's file name when it is plain ASCII (it goes into a header), else a generated one."""
    if name and re.fullmatch(r"[A-Za-z0-9._-]{1,100}", name):
        return name
    return fallback


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} {ru_plural(n, 'байт', 'байта', 'байт')}"
    return f"{n / 1024:.1f} КБ".replace(".", ",")


@router.get("/intake/quarantine/{incoming_id:int}/file")
def quarantine_file(incoming_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require_intake(actor)
    with uow:
        record, body, _ = referral_queries.quarantined_file(uow, actor, incoming_id, clock)
    return _download(body, _safe_name(record.filename, f"quarantine-{incoming_id}.bin"), "application/octet-stream")


@router.get("/intake/quarantine/{incoming_id:int}/signature")
def quarantine_signature(incoming_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require_intake(actor)
    with uow:
        _, _, signature = referral_queries.quarantined_file(uow, actor, incoming_id, clock)
    if signature is None:
        raise Conflict("quarantine_unsigned", "Документ поступил без подписи")
    return _download(signature, f"quarantine-{incoming_id}.sig", "application/pkcs7-signature")

