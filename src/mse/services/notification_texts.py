"""Texts of the notifications to the citizen and to the head, as data: one entry per event, `$name` placeholders.

Every entry cites where the obligation comes from. Wording is ours (the acts prescribe the content, not the text):
the invitation carries date, time, place (address and room), form of conducting, what to bring (адм. регламент п.24,
process.md §2.2) and the right to invite a specialist with an advisory vote until the day of examination inclusive
(адм. регламент п.49, DL-10; п.53 — the citizen is informed of the procedure).
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template


@dataclass(frozen=True)
class NoticeText:
    subject: str
    body: str
    sms: str
    source: str


WHAT_TO_BRING = (
    "документ, удостоверяющий личность (паспорт гражданина Российской Федерации — с 14 лет, свидетельство о рождении — "
    "до 14 лет), СНИЛС, документ, подтверждающий полномочия законного (уполномоченного) представителя (если вы "
    "действуете через представителя), медицинские документы, имеющиеся у вас на руках"
)
INVITE_SPECIALIST = (
    "Вы вправе пригласить любого специалиста с его согласия для участия в проведении медико-социальной экспертизы "
    "с правом совещательного голоса (за свой счёт). Заявление об этом подаётся не позднее дня проведения "
    "экспертизы включительно."
)

TEXTS: dict[str, NoticeText] = {
    "invitation": NoticeText(
        "Приглашение на медико-социальную экспертизу, дело № $case_number",
        "Уважаемый(ая) $full_name!\n\n"
        "Приглашаем вас на медико-социальную экспертизу.\n"
        "Дата: $date\nВремя: $time\nМесто: $place\nАдрес: $address\nКабинет: $room\n"
        "Форма проведения: $form\n\n"
        "При себе необходимо иметь: $what_to_bring.\n\n"
        "$invite_specialist\n\n"
        "Если вы не можете прийти в назначенное время, сообщите об этом в бюро: запись будет перенесена.\n\n"
        "$bureau_name",
        "МСЭ, дело $case_number: приглашение на $date в $time, $address, каб. $room. Возьмите паспорт и СНИЛС.",
        "адм. регламент п.11 (DL-04), п.24, п.49, п.53",
    ),
    "return": NoticeText(
        "Направление на медико-социальную экспертизу возвращено, дело № $case_number",
        "Уважаемый(ая) $full_name!\n\nНаправление на медико-социальную экспертизу возвращено в медицинскую организацию.\n"
        "Причина: $reason\n\nОбратитесь, пожалуйста, в медицинскую организацию, выдавшую направление.\n\n$bureau_name",
        "МСЭ, дело $case_number: направление возвращено в медицинскую организацию. Причина: $reason",
        "process.md §7.4 RETURNED_TO_MO; ПП 588",
    ),
    "postponement": NoticeText(
        "Перенос срока проведения медико-социальной экспертизы, дело № $case_number",
        "Уважаемый(ая) $full_name!\n\nСрок проведения медико-социальной экспертизы перенесён.\nПричина: $reason\n"
        "$details\n\n$bureau_name",
        "МСЭ, дело $case_number: срок проведения перенесён. $reason",
        "адм. регламент п.30 (process.md §6.3)",
    ),
    "decision": NoticeText(
        "Решение по результатам медико-социальной экспертизы, дело № $case_number",
        "Уважаемый(ая) $full_name!\n\nПо результатам медико-социальной экспертизы принято решение. $details\n"
        "Решение может быть обжаловано в месячный срок: решение бюро — в главное бюро, решение главного бюро — "
        "в Федеральное бюро (через бюро, проводившее экспертизу, или непосредственно).\n\n$bureau_name",
        "МСЭ, дело $case_number: решение принято. Обжаловать можно в течение месяца.",
        "адм. регламент п.50, п.105 (DL-11, DL-21)",
    ),
    "documents_ready": NoticeText(
        "Документы по результатам медико-социальной экспертизы оформлены, дело № $case_number",
        "Уважаемый(ая) $full_name!\n\nДокументы по результатам медико-социальной экспертизы оформлены. $details\n\n$bureau_name",
        "МСЭ, дело $case_number: документы оформлены.",
        "process.md §7.4 DOCUMENTS_ISSUING",
    ),
    "appeal_accepted": NoticeText(
        "Заявление об обжаловании решения принято, дело № $case_number",
        "Уважаемый(ая) $full_name!\n\nВаше заявление об обжаловании решения принято и направлено в $details.\n\n$bureau_name",
        "МСЭ, дело $case_number: заявление об обжаловании принято.",
        "адм. регламент п.19, п.105 (DL-22)",
    ),
    "deadline_change": NoticeText(
        "Изменение срока по делу № $case_number",
        "Уважаемый(ая) $full_name!\n\nСрок по вашему делу изменён: $details.\nПричина: $reason\n\n$bureau_name",
        "МСЭ, дело $case_number: срок изменён — $details.",
        "process.md §10.1 C-2",
    ),
    "pdo_assigned": NoticeText(
        "Программа дополнительного обследования, дело № $case_number",
        "Уважаемый(ая) $full_name!\n\nДля проведения медико-социальной экспертизы вам составлена программа "
        "дополнительного обследования: $details.\n\nВы вправе отказаться от программы (полностью или частично): "
        "тогда решение будет принято на основании имеющихся данных. Программа и отказ от неё оформляются в бюро.\n\n"
        "$bureau_name",
        "МСЭ, дело $case_number: составлена программа дополнительного обследования. Подробности — в бюро.",
        "адм. регламент п.14–15, п.56–58 (DL-08, DL-09)",
    ),
    "terminated": NoticeText(
        "Производство по делу прекращено, дело № $case_number",
        "Уважаемый(ая) $full_name!\n\nПроизводство по делу о медико-социальной экспертизе прекращено.\n"
        "Основание: $reason\n\nПо вопросам обращайтесь в бюро.\n\n$bureau_name",
        "МСЭ, дело $case_number: производство прекращено. Основание: $reason",
        "process.md §3.8, §6.8 (GAP G-7: основания прекращения в актах не установлены)",
    ),
    "reexam_reminder": NoticeText(
        "Срок переосвидетельствования, дело № $case_number",
        "Уважаемый(ая) $full_name!\n\nНапоминаем: приближается срок очередного переосвидетельствования. "
        "Переосвидетельствование может быть проведено заблаговременно, но не ранее чем за 2 месяца до окончания "
        "установленного срока инвалидности. Для направления на медико-социальную экспертизу обратитесь в медицинскую "
        "организацию.\n\n$bureau_name",
        "МСЭ: приближается срок переосвидетельствования. Обратитесь в медицинскую организацию за направлением.",
        "адм. регламент п.68–69 (DL-30); process.md §3.7 REEXAM_DUE",
    ),
    "control_exam": NoticeText(
        "Контрольное освидетельствование, дело № $case_number",
        "Уважаемый(ая) $full_name!\n\nВышестоящее бюро назначило контрольное освидетельствование по решению, "
        "принятому в отношении вас. О дате, времени и месте вы будете приглашены отдельно.\n\n$bureau_name",
        "МСЭ, дело $case_number: назначено контрольное освидетельствование. Приглашение придёт отдельно.",
        "адм. регламент п.99; 316н п.4б (process.md §10 G-6)",
    ),
    "escalation": NoticeText(
        "Просрочен срок по делу № $case_number ($deadline)",
        "Руководителю: $head\n\nПо делу № $case_number ($bureau_name) истёк срок: $deadline — $due_on. "
        "Просрочено дней: $days_over.\nСостояние дела: $state.\n\nСообщение сформировано контролем сроков.",
        "Просрочен срок по делу $case_number: $deadline ($due_on).",
        "адм. регламент п.8 (персональная ответственность за сроки); process.md §3.7",
    ),
}


def render(event: str, context: dict[str, str]) -> tuple[str, str, str]:
    """(subject, body, sms) of the event; a missing placeholder is a programming error and raises KeyError."""
    text = TEXTS[event]
    ctx = {"what_to_bring": WHAT_TO_BRING, "invite_specialist": INVITE_SPECIALIST, **context}
    return (Template(text.subject).substitute(ctx), Template(text.body).substitute(ctx), Template(text.sms).substitute(ctx))
