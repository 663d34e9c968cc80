"""Intake benchmark (not a test): N signed referrals through the whole pipeline vs a bare durable insert.

    .venv/bin/python -m bench.intake.run [--n 200] [--format json]

Pipeline = `receive_referral` (parse the JSON, find the sender, verify the GOST detached signature with
openssl, form validation, NA1–NA4 and RR1–RR5 checks, store the bytes + referral + outbox + audit in one
transaction). Baseline, measured in the same run on the same database = one INSERT of the body and its
SHA-256 into incoming_documents per document, each in its own committed transaction.
Documents are signed before timing (signing is the МО's cost). SQLite: a temporary file database; PostgreSQL
when MSE_BENCH_PG_URL (or MSE_TEST_PG_URL) is set: a fresh database is created there and dropped afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url
from tests.intake_support import rich_referral

from mse.adapters.db.engine import make_engine
from mse.adapters.db.migrate import upgrade
from mse.adapters.db.tables import incoming_documents
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.documents.json_referral import JsonReferralReader
from mse.adapters.refdata.icd10 import icd10
from mse.adapters.signature.pki import create_root_ca, issue_certificate, write_trusted_roots
from mse.adapters.signature.signer import GostCmsSigner
from mse.adapters.signature.verifier import GostCmsVerifier
from mse.domain.identity import SYSTEM_ACTOR, Actor, Role
from mse.domain.organisation import Profile, UnitKind
from mse.domain.ports import SystemClock
from mse.domain.values import make_ogrn, make_snils
from mse.rules.reference import ExamList
from mse.services import organisation
from mse.services.intake import IntakeReferences, receive_referral
from mse.services.intake_ports import Submission

OGRN = make_ogrn("102770000001").digits


def _world(engine: Engine) -> Actor:
    clock = SystemClock()
    with SqlAlchemyUnitOfWork(engine) as uow:
        root = organisation.create_unit(uow, SYSTEM_ACTOR, clock, kind=UnitKind.FEDERAL, name="ФБ", short_name="ФБ",
                                        parent_id=None, region_code=None)
        main = organisation.create_unit(uow, SYSTEM_ACTOR, clock, kind=UnitKind.MAIN, name="ГБ 77", short_name="ГБ-77",
                                        parent_id=root.id, region_code="77")
        organisation.create_unit(uow, SYSTEM_ACTOR, clock, kind=UnitKind.BUREAU, name="Бюро 1", short_name="Б-1",
                                 parent_id=main.id, region_code="77", profile=Profile.GENERAL)
        mo = organisation.create_medical_org(uow, SYSTEM_ACTOR, clock, name="ГБУЗ «Поликлиника X»", ogrn=OGRN, region_code="77")
        uow.commit()
    return Actor(user_id=0, login="bench-mo", role=Role.MEDICAL_ORG, display_name=mo.name, medical_org_id=mo.id, channel="api-token")


def _documents(n: int, pki_dir: Path) -> tuple[Path, list[tuple[bytes, bytes]]]:
    root = create_root_ca(pki_dir, name="root")
    roots = write_trusted_roots(pki_dir / "trusted-roots.pem", root)
    cert = issue_certificate(root, pki_dir, name="mo", common_name="ГБУЗ Поликлиника X", ogrn=OGRN)
    signer = GostCmsSigner(cert.cert, cert.key)
    bodies = []
    for i in range(n):
        data = rich_referral(protocolNumber=f"ВК-{i + 1}", snils=make_snils(f"{200_000_000 + i * 7919:09d}").formatted)
        doc = {"document_id": f"bench-{i + 1}", "sender_ogrn": OGRN, "referral": data}
        bodies.append(json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        sigs = list(pool.map(signer.sign, bodies))
    return roots, list(zip(bodies, sigs, strict=True))


def _stats(times: list[float]) -> dict[str, float]:
    total = sum(times)
    q = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else [times[0]] * 99
    return {"per_second": round(len(times) / total, 1), "p50_ms": round(q[49] * 1000, 2), "p95_ms": round(q[94] * 1000, 2),
            "total_s": round(total, 3)}


def run_backend(name: str, url: str, docs: list[tuple[bytes, bytes]], roots: Path) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    try:
        actor = _world(engine)
        clock = SystemClock()
        reader = JsonReferralReader(max_bytes=2 * 1024 * 1024)
        verifier = GostCmsVerifier(roots)
        with SqlAlchemyUnitOfWork(engine) as uow:
            refs = IntakeReferences(icd=icd10(), exams=ExamList(uow.intake.exam_requirements()))

        baseline: list[float] = []
        for i, (body, _sig) in enumerate(docs):
            t0 = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(insert(incoming_documents).values(
                    received_at=datetime.now(UTC), channel="import", content_type="application/json", filename=f"base-{i}.json",
                    body=body, body_sha256=hashlib.sha256(body).hexdigest(), size=len(body), status="accepted"))
            baseline.append(time.perf_counter() - t0)

        pipeline: list[float] = []
        states: dict[str, int] = {}
        for i, (body, sig) in enumerate(docs):
            t0 = time.perf_counter()
            result = receive_referral(lambda: SqlAlchemyUnitOfWork(engine), actor, Submission(body, sig, f"bench-{i}.json"),
                                      reader=reader, verifier=verifier, clock=clock, refs=refs)
            pipeline.append(time.perf_counter() - t0)
            states[result.referral.state.value] = states.get(result.referral.state.value, 0) + 1
    finally:
        engine.dispose()
    p, b = _stats(pipeline), _stats(baseline)
    return {"backend": name, "n": len(docs), "pipeline": p, "baseline_insert": b, "states": states,
            "ratio_baseline_to_pipeline": round(b["per_second"] / p["per_second"], 1)}


def _pg(url: str, docs: list[tuple[bytes, bytes]], roots: Path) -> dict[str, Any]:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"mse_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
        settings = {r[0]: r[1] for r in c.execute(text("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit')"))}
    try:
        out = run_backend("postgresql", make_url(url).set(database=name).render_as_string(hide_password=False), docs, roots)
        out["server_settings"] = settings
        return out
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--n", type=int, default=200, help="number of referrals (default 200)")
    ap.add_argument("--format", choices=("text", "json"), default="text")
    ap.add_argument("--no-pg", action="store_true", help="skip PostgreSQL even when a URL is set")
    args = ap.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="mse-bench-") as tmp:
        t0 = time.perf_counter()
        roots, docs = _documents(args.n, Path(tmp) / "pki")
        signing = time.perf_counter() - t0
        results.append(run_backend("sqlite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", docs, roots))
        pg_url = os.environ.get("MSE_BENCH_PG_URL") or os.environ.get("MSE_TEST_PG_URL")
        if pg_url and not args.no_pg:
            results.append(_pg(pg_url, docs, roots))
    if args.format == "json":
        sys.stdout.write(json.dumps({"n": args.n, "presign_s": round(signing, 2), "results": results}, ensure_ascii=False) + "\n")
        return 0
    print(f"Направлений: {args.n}; подготовка и подпись заранее (не входят в замер): {signing:.1f} с")
    for r in results:
        p, b = r["pipeline"], r["baseline_insert"]
        extra = f" (сервер: {r['server_settings']})" if "server_settings" in r else ""
        print(f"\n{r['backend']}{extra}")
        print(f"  весь конвейер приёма:  {p['per_second']:8.1f} напр./с   p50 {p['p50_ms']:7.2f} мс   p95 {p['p95_ms']:7.2f} мс")
        print(f"  голая запись (INSERT): {b['per_second']:8.1f} док./с    p50 {b['p50_ms']:7.2f} мс   p95 {b['p95_ms']:7.2f} мс")
        print(f"  отношение: голая запись быстрее конвейера в {r['ratio_baseline_to_pipeline']} раза; состояния: {r['states']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
