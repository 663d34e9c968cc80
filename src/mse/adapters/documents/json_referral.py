"""The JSON way in: a referral filled by the form schema 088/у inside a small envelope.

    {"document_id": "…", "sender_ogrn": "1027700132195", "bureau_id": 12 (optional), "referral": {item key: value}}

The detached signature covers these exact bytes, so the document is kept as received.
"""

from __future__ import annotations

import json
from typing import Any

from mse.domain.referrals import Channel
from mse.services.intake_ports import DocumentRejected, ParsedReferral


class JsonReferralReader:
    channel = Channel.API_JSON
    content_type = "application/json"

    def __init__(self, *, max_bytes: int, channel: Channel = Channel.API_JSON) -> None:
        self.max_bytes = max_bytes
        self.channel = channel

    def read(self, body: bytes) -> ParsedReferral:
        if len(body) > self.max_bytes:
            raise DocumentRejected("document_too_large", f"Документ больше допустимого размера ({self.max_bytes // 1024} КБ)")
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            where = f" (строка {exc.lineno}, позиция {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
            raise DocumentRejected("json_malformed", f"Документ не является корректным JSON в кодировке UTF-8{where}") from exc
        if not isinstance(doc, dict):
            raise DocumentRejected("json_not_object", "Ожидается JSON-объект с полями document_id, sender_ogrn и referral")
        problems = _envelope_problems(doc)
        if problems:
            raise DocumentRejected("envelope_invalid", "Неверно заполнен конверт направления", problems)
        bureau = doc.get("bureau_id")
        return ParsedReferral(document_id=doc["document_id"].strip(), sender_ogrn=doc["sender_ogrn"].strip(), data=doc["referral"],
                              bureau_id=bureau if isinstance(bureau, int) and not isinstance(bureau, bool) else None)


def _envelope_problems(doc: dict[str, Any]) -> list[dict[str, str]]:
    problems = []
    document_id = doc.get("document_id")
    if not isinstance(document_id, str) or not document_id.strip() or len(document_id) > 200:
        problems.append({"field": "document_id", "message": "Укажите идентификатор документа (строка до 200 символов)"})
    ogrn = doc.get("sender_ogrn")
    if not isinstance(ogrn, str) or not ogrn.strip().isdigit() or len(ogrn.strip()) not in (13, 15):
        problems.append({"field": "sender_ogrn", "message": "Укажите ОГРН медицинской организации-отправителя (13 цифр)"})
    if not isinstance(doc.get("referral"), dict):
        problems.append({"field": "referral", "message": "Поле referral должно содержать заполненную форму 088/у (JSON-объект)"})
    bureau = doc.get("bureau_id")
    if bureau is not None and (not isinstance(bureau, int) or isinstance(bureau, bool) or not 0 < bureau < 2**31):
        problems.append({"field": "bureau_id", "message": "bureau_id — целое число (идентификатор бюро) или отсутствует"})
    extra = set(doc) - {"document_id", "sender_ogrn", "referral", "bureau_id"}
    if extra:
        problems.append({"field": ",".join(sorted(extra)), "message": "Неизвестные поля конверта"})
    return problems
