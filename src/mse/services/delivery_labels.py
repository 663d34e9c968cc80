"""Russian names of outbox topics, recipients and delivery states, as the operator and the bureau see them."""

from __future__ import annotations

from mse.services.delivery_ports import DeliveryStatus

# Recipients (process.md §1.3, §5.1): the МО gets the results through ЕГИСЗ РЭМД (D24), the pension body — today
# the Social Fund — the extract from the act (D16), the military commissariat its information (D18).
RECIPIENT_LABELS: dict[str, str] = {
    "mo": "Медицинская организация (РЭМД ЕГИСЗ)",
    "sfr": "Социальный фонд России",
    "fri": "ФГИС ФРИ",
    "military": "Военный комиссариат",
    "epgu": "Личный кабинет на ЕПГУ",
    "foms": "ТФОМС",
}

TOPIC_LABELS: dict[str, str] = {
    "mo.return_notice": "Уведомление о возврате направления на МСЭ",
    "foms.return_notice": "Сведения о возврате направления на МСЭ",
    "mo.referral_not_accepted": "Направление на МСЭ не принято",
    "result.mo": "Сведения о результатах проведённой МСЭ",
    "result.sfr": "Выписка из акта освидетельствования гражданина, признанного инвалидом",
    "result.fri": "Сведения о результатах МСЭ в ФГИС ФРИ",
    "result.military": "Сведения в военный комиссариат о признании гражданина инвалидом",
    "result.epgu": "Результаты МСЭ в личный кабинет гражданина",
}

STATUS_LABELS: dict[DeliveryStatus, str] = {
    DeliveryStatus.PENDING: "ожидает отправки",
    DeliveryStatus.DELIVERED: "доставлено",
    DeliveryStatus.DEAD: "не доставлено, отправка остановлена",
}


def topic_label(topic: str) -> str:
    return TOPIC_LABELS.get(topic, topic)


def recipient_label(recipient: str) -> str:
    return RECIPIENT_LABELS.get(recipient, recipient)
