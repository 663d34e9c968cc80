"""What the HTTP benchmarks need in a fresh database, created through the real services (not SQL fixtures).

* a PKI (root CA trusted by the server, the МО's GOST certificate) and pre-signed referrals 088/у — signing is the
  МО's cost and stays outside every timing; bodies are written as ready multipart/form-data files for wrk;
* a bureau tree (federal → main 77 → bureau), the medical organisation with its account and API token, an expert
  and a registrar of the bureau with UI sessions (cookie + CSRF token);
* `cases` registered cases (intake → registration), each with ~24 history rows and an opened protocol filled with
  the full adult protocol of bench/protocol (≈250 items of the ~800 of the form) — what an expert autosaves.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.intake_support import rich_referral

from mse.adapters.db.engine import make_engine
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.documents.json_referral import JsonReferralReader
from mse.adapters.passwords import Argon2Hasher
from mse.adapters.refdata.icd10 import icd10
from mse.adapters.signature.pki import IssuedCertificate, create_root_ca, issue_certificate, write_trusted_roots
from mse.adapters.signature.signer import GostCmsSigner
from mse.adapters.signature.verifier import GostCmsVerifier
from mse.domain.identity import SYSTEM_ACTOR, Role
from mse.domain.organisation import Position, Profile, UnitKind
from mse.domain.ports import SystemClock
from mse.domain.values import FullName, make_ogrn, make_snils
from mse.forms import ItemType, form_in_force
from mse.services import auth, organisation, protocols, registration
from mse.services.case_ports import HistoryEntry
from mse.services.intake import IntakeReferences, receive_referral
from mse.services.intake_ports import Submission

OGRN = make_ogrn("102770000001").digits
BOUNDARY = "mse-bench-boundary-7f3a9c"
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway database of a benchmark run
HISTORY_ROWS = 24  # the card shows the latest of them


@dataclass(frozen=True)
class Pki:
    roots: Path
    mo: IssuedCertificate


def make_pki(directory: Path) -> Pki:
    root = create_root_ca(directory, name="root", common_name="УЦ нагрузочного теста")
    return Pki(roots=write_trusted_roots(directory / "trusted-roots.pem", root),
               mo=issue_certificate(root, directory, name="mo", common_name="ГБУЗ Поликлиника X", ogrn=OGRN))


def referral_body(i: int) -> bytes:
    """The i-th distinct referral (own document id, protocol number and СНИЛС: no duplicate, no replay)."""
    data = rich_referral(protocolNumber=f"ВК-{i + 1}", snils=make_snils(f"{300_000_000 + i * 7919 % 600_000_000:09d}").formatted)
    return json.dumps({"document_id": f"bench-{i + 1}", "sender_ogrn": OGRN, "referral": data}, ensure_ascii=False).encode()


def sign_referrals(pki: Pki, first: int, count: int) -> list[tuple[bytes, bytes]]:
    signer = GostCmsSigner(pki.mo.cert, pki.mo.key)
    bodies = [referral_body(i) for i in range(first, first + count)]
    with ThreadPoolExecutor(max_workers=2) as pool:  # openssl children: both cores
        sigs = list(pool.map(signer.sign, bodies))
    return list(zip(bodies, sigs, strict=True))


def multipart(body: bytes, signature: bytes, name: str) -> bytes:
    def part(field_name: str, filename: str, ctype: str, payload: bytes) -> bytes:
        head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field_name}\"; filename=\"{filename}\"\r\n"
                f"Content-Type: {ctype}\r\n\r\n")
        return head.encode() + payload + b"\r\n"
    return (part("document", f"{name}.json", "application/json", body)
            + part("signature", f"{name}.json.sig", "application/pkcs7-signature", signature) + f"--{BOUNDARY}--\r\n".encode())


def write_bodies(docs: list[tuple[bytes, bytes]], directory: Path, *, first: int = 0) -> Path:
    """One ready request body per file, <directory>/<n>.bin (n from 0), for bench/lua/intake.lua."""
    directory.mkdir(parents=True, exist_ok=True)
    for n, (body, sig) in enumerate(docs):
        (directory / f"{n}.bin").write_bytes(multipart(body, sig, f"r{first + n}"))
    return directory


def content_type() -> str:
    return f"multipart/form-data; boundary={BOUNDARY}"


@dataclass
class Session:
    cookie: str  # "mse_session=…"
    csrf: str


@dataclass
class World:
    url: str
    token: str  # the МО's API token
    expert: Session
    registrar: Session
    bureau_id: int
    case_ids: list[int] = field(default_factory=list)
    protocol_ids: list[int] = field(default_factory=list)
    revisions: dict[int, int] = field(default_factory=dict)  # protocol id -> revision after the world was built
    autosave_keys: list[str] = field(default_factory=list)  # 10 text items an autosave changes
    protocol_items: int = 0


def build_world(url: str, pki: Pki, *, cases: int, first_doc: int = 1_000_000) -> World:
    """Creates the world in the (migrated, empty) database `url`; `cases` cases with history and a full protocol."""
    clock = SystemClock()
    hasher = Argon2Hasher(fast=True)
    engine = make_engine(url)
    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            def unit(kind: UnitKind, name: str, parent: int | None, profile: Profile | None = None) -> int:
                return organisation.create_unit(uow, SYSTEM_ACTOR, clock, kind=kind, name=name, short_name=name, parent_id=parent,
                                                region_code=None if kind is UnitKind.FEDERAL else "77", profile=profile).id
            root = unit(UnitKind.FEDERAL, "ФБ", None)
            main = unit(UnitKind.MAIN, "ГБ-77", root)
            bureau = unit(UnitKind.BUREAU, "Бюро-1", main, Profile.GENERAL)
            mo = organisation.create_medical_org(uow, SYSTEM_ACTOR, clock, name="ГБУЗ «Поликлиника X»", ogrn=OGRN, region_code="77")
            now, secret = clock.now(), hasher.hash(PASSWORD)
            mo_user = uow.identity.add_account(login="bench-mo", password_hash=None, role=Role.MEDICAL_ORG,
                                               display_name=mo.name, now=now, medical_org_id=mo.id)
            for login, role, pos in (("bench-expert", Role.EXPERT, Position.EXPERT), ("bench-registrar", Role.REGISTRAR, Position.REGISTRAR)):
                person = organisation.add_staff(uow, SYSTEM_ACTOR, clock, unit_id=bureau, position=pos, full_name=FullName("Нагрузкин", login, None))
                uow.identity.add_account(login=login, password_hash=secret, role=role, display_name=f"Сотрудник {login}", now=now,
                                         unit_id=bureau, staff_id=person.id)
            uow.commit()
        with SqlAlchemyUnitOfWork(engine) as uow:
            token = auth.issue_api_token(uow, SYSTEM_ACTOR, clock, user_id=mo_user, name="МИС нагрузочного теста", days=30).token
        sessions: dict[str, Session] = {}
        for login in ("bench-expert", "bench-registrar"):
            with SqlAlchemyUnitOfWork(engine) as uow:
                s = auth.login(uow, login, PASSWORD, hasher, clock, ip="127.0.0.1", session_hours=8)
                sessions[login] = Session(f"mse_session={s.token}", s.csrf_token)
        world = World(url=url, token=token, expert=sessions["bench-expert"], registrar=sessions["bench-registrar"], bureau_id=bureau)
        if cases:
            _cases(engine, world, pki, cases, first_doc)
        return world
    finally:
        engine.dispose()


def _cases(engine: Any, world: World, pki: Pki, n: int, first_doc: int) -> None:
    from bench.protocol.run import HELD, full_protocol

    clock = SystemClock()
    reader, verifier = JsonReferralReader(max_bytes=2 * 1024 * 1024), GostCmsVerifier(pki.roots)
    refs = IntakeReferences(icd=icd10())

    def uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(engine)

    with uow() as u:
        mo_actor = auth.token_actor(u, world.token, clock, ip=None)
        registrar, _ = auth.session_actor(u, world.registrar.cookie.split("=", 1)[1], clock, ip=None, session_hours=8)
        expert, _ = auth.session_actor(u, world.expert.cookie.split("=", 1)[1], clock, ip=None, session_hours=8)
    schema = form_in_force("protocol-389n", HELD)
    full = full_protocol(schema, icd10().exists)
    world.protocol_items = len(full)
    texts = [it.key for it in schema.items() if it.key in full and it.type in (ItemType.TEXT, ItemType.LONGTEXT)]
    world.autosave_keys = texts[-10:]
    for i, (body, sig) in enumerate(sign_referrals(pki, first_doc, n)):
        received = receive_referral(uow, mo_actor, Submission(body, sig, f"w{i}.json"), reader=reader, verifier=verifier,
                                    clock=clock, refs=refs)
        with uow() as u:
            case_id = registration.register_referral(u, registrar, received.referral.id, clock).case_id
            start = clock.now()
            for k in range(HISTORY_ROWS - 1):  # the card's history: the registration row plus notes of later work
                u.cases.add_history(HistoryEntry(case_id=case_id, at=start + timedelta(seconds=k + 1), from_state="registered",
                                                 to_state="registered", event=None, actor_user_id=None, actor_role="registrar",
                                                 reason=f"Запись истории № {k + 1} (нагрузочный тест)", details=None))
            u.commit()
        record = protocols.open_for_case(uow, expert, case_id, clock)
        saved = protocols.save_draft(uow, expert, record.id, full, expected_revision=record.revision, clock=clock)
        world.case_ids.append(case_id)
        world.protocol_ids.append(record.id)
        world.revisions[record.id] = saved.record.revision
