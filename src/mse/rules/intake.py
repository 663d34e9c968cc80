"""Intake checks of a referral to МСЭ, each a dated rule with an id, a code and its legal citation.

Receipt checks (NA1–NA4) decide whether the referral is accepted at all; content checks (RR1–RR5)
run on the same facts and give the registrar the reasons to return it to the medical organisation
(process.md §3.6.1, §6.4, §6.5; seed EREF slides 23 and «Регистрация в ЕАВИИАС МСЭ»).
A rule applies when it is in force on the referral's receipt date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from mse.domain.periods import in_force
from mse.domain.referrals import CheckReport, Finding, RuleNote, Stage
from mse.domain.signatures import SignatureVerdict
from mse.domain.values import Snils, normalize_name
from mse.forms import FormSchema, validate_document

from .reference import ExamRequirements, ExamSection, IcdDictionary

EREF_RECEIPT = "Методические материалы ФБ МСЭ «Электронное направление на МСЭ», слайд 23 «Получение направления»"
EREF_CONTENT = ("ПП РФ № 95 п. 19(2), 19(3); приказ Минтруда России № 979н п. 45; ФБ МСЭ «Регистрация в ЕАВИИАС МСЭ» "
                "(слайд «После регистрации проверяем»)")


@dataclass(frozen=True)
class IntakeParams:
    """Tunable thresholds; each is a reading of an act that names no number (process.md §10)."""

    min_anamnesis_chars: int = 50  # «недостаточно описан анамнез»: ASSUMPTION, configurable
    max_age_years: int = 120  # older birth dates are «недостоверные сведения»


@dataclass(frozen=True)
class IntakeFacts:
    data: Mapping[str, object]
    schema: FormSchema
    received_on: date
    sender_ogrn: str
    signature: SignatureVerdict | None  # None: a paper referral entered at the bureau (no УКЭП)
    sender_region: str | None
    bureau_region: str | None
    extraterritorial: bool = False  # depersonalised absentee MSE in another region (ПП 588 п.30)
    duplicate_of: str | None = None  # the earlier referral with the same requisites, described
    paper_twin: str | None = None  # the case already decided on the paper analogue, described
    icd: IcdDictionary | None = None
    exams: ExamRequirements | None = None
    params: IntakeParams = field(default_factory=IntakeParams)


Outcome = Finding | RuleNote | None


@dataclass(frozen=True)
class IntakeRule:
    rule_id: str
    code: str
    stage: Stage
    title: str
    citation: str
    valid_from: date
    check: Callable[[IntakeFacts, IntakeRule], Outcome]
    valid_to: date | None = None
    verified: bool = True

    def in_force_on(self, day: date) -> bool:
        return in_force(self.valid_from, self.valid_to, day)

    def finding(self, message: str, details: tuple[str, ...] = ()) -> Finding:
        return Finding(rule_id=self.rule_id, code=self.code, stage=self.stage, title=self.title, message=message,
                       citation=self.citation, details=details, verified=self.verified)


# ---------------------------------------------------------------- receipt (EREF s.23)

def _duplicate(f: IntakeFacts, r: IntakeRule) -> Outcome:
    if f.duplicate_of:
        return r.finding(f"Уже получено направление с теми же реквизитами: {f.duplicate_of}")
    return None


def _paper_twin(f: IntakeFacts, r: IntakeRule) -> Outcome:
    if f.paper_twin:
        return r.finding(f"МСЭ уже проведена по бумажному направлению: {f.paper_twin}")
    return None


def _signature(f: IntakeFacts, r: IntakeRule) -> Outcome:
    if f.signature is not None and not f.signature.valid:
        return r.finding(f.signature.message, (f.signature.problem.value,) if f.signature.problem else ())
    return None


def _other_region(f: IntakeFacts, r: IntakeRule) -> Outcome:
    if f.extraterritorial or f.sender_region is None or f.bureau_region is None:
        return None
    if f.sender_region != f.bureau_region:
        return r.finding(f"Медицинская организация (субъект РФ {f.sender_region}) не относится к субъекту РФ бюро ({f.bureau_region})")
    return None


# ---------------------------------------------------------------- content (after registration)

PERSON_KEYS = frozenset(("patientLastName", "patientFirstName", "patientMiddleName", "patientBirthDate", "sex", "citizenship",
               "residenceCountry", "residencePostcode", "residenceSubject", "residenceDistrict", "residenceLocality",
               "residenceStreet", "residenceHouse", "residenceApartment", "stayLocation", "stayOrgAddress", "stayOrgOgrn",
               "snils", "idDocName", "idDocSeriesNumber", "idDocIssuedBy", "idDocIssueDate", "repFullName", "repBirthDate",
               "repAuthDocName", "repAuthDocSeriesNumber", "repSnils", "contactPhones", "contactEmail"))


def _person(f: IntakeFacts, r: IntakeRule) -> Outcome:
    # The form's problems with the citizen's items only, without re-checking the rest of the document (issue 7, P2).
    problems = validate_document(f.schema, f.data, only=PERSON_KEYS)
    details = [p.message for p in problems]
    birth = iso_date(f.data.get("patientBirthDate"))
    if birth is not None:
        if birth > f.received_on:
            details.append("Дата рождения позже даты поступления направления")
        elif (f.received_on.year - birth.year) > f.params.max_age_years:
            details.append(f"Возраст более {f.params.max_age_years} лет — проверьте дату рождения")
    snils = f.data.get("snils")
    if not snils and f.data.get("citizenship") in (None, "1"):
        details.append("Не указан СНИЛС гражданина Российской Федерации (п. 15)")
    elif isinstance(snils, str):
        try:
            Snils.parse(snils)
        except ValueError:
            pass  # already reported by the form validator
    if f.data.get("noFixedResidence") is not True and not f.data.get("residenceLocality"):
        details.append("Не указан адрес места жительства (п. 11)")
    if details:
        return r.finding("Сведения о гражданине представлены не полностью или недостоверно", tuple(dict.fromkeys(details)))
    return None


_PLACEHOLDERS = {"нет", "-", "—", "см. выше", "без особенностей", "не указано", "н/д"}
_PLACEHOLDER_MAX = max(map(len, _PLACEHOLDERS))


def _anamnesis(f: IntakeFacts, r: IntakeRule) -> Outcome:
    text = f.data.get("anamnesisDisease")
    if not isinstance(text, str) or not text.strip():
        return r.finding("Анамнез заболевания отсутствует (п. 24)")
    cleaned = text.strip()
    # Case folding never shortens a text, so a longer one cannot be a placeholder: a long anamnesis is not folded.
    placeholder = len(cleaned) <= _PLACEHOLDER_MAX and cleaned.casefold() in _PLACEHOLDERS
    if placeholder or len(cleaned) < f.params.min_anamnesis_chars:
        return r.finding(f"Анамнез заболевания описан недостаточно (п. 24): {len(cleaned)} знаков, "
                         f"ожидается не менее {f.params.min_anamnesis_chars}")
    return None


def _examinations(f: IntakeFacts, r: IntakeRule) -> Outcome:
    icd = f.data.get("diagnosisMainIcd")
    if not isinstance(icd, str) or not icd:
        return None  # no diagnosis: RR4 reports it
    if f.exams is None or not f.exams.is_loaded():
        return RuleNote(r.rule_id, "Перечень медицинских обследований (402н/631н) не загружен: проверка объёма обследований не выполнена")
    birth = iso_date(f.data.get("patientBirthDate"))
    child = birth is not None and 0 <= _age(birth, f.received_on) < 18
    section = ExamSection.CHILD if child else ExamSection.ADULT
    required = [e for e in f.exams.for_diagnosis(icd, section, f.received_on) if e.basic]
    if not required:
        return RuleNote(r.rule_id, f"Для кода {icd} ({'дети' if child else 'взрослые'}) в загруженном перечне нет основных обследований: "
                                   "проверка объёма не выполнена")
    done = f.data.get("examinations")
    rows = [row for row in done if isinstance(row, dict)] if isinstance(done, list) else []
    absent = {e.code.upper() for e in required}
    for row in rows:  # stops at the last required code found (issue 7, P2: a referral lists dozens of examinations)
        absent.discard(str(row.get("code", "")).strip().upper())
        if not absent:
            break
    missing = [e for e in required if e.code.upper() in absent]
    if missing:  # an examination without its code may still be there by name (the names are normalised only then)
        names = [normalize_name(str(row.get("name", ""))) for row in rows]
        missing = [e for e in missing if not any(normalize_name(e.name) in n for n in names)]
    if missing:
        return r.finding(f"Не проведены основные обследования, обязательные при {icd}: {len(missing)} из {len(required)}",
                         tuple(f"{e.code} {e.name}" for e in missing))
    return None


def _diagnosis(f: IntakeFacts, r: IntakeRule) -> Outcome:
    details: list[str] = []
    if not str(f.data.get("diagnosisMain") or "").strip():
        details.append("Не сформулирован диагноз основного заболевания (п. 31.1)")
    codes: list[tuple[str, object]] = [("основного заболевания (п. 31.2)", f.data.get("diagnosisMainIcd"))]
    extra = f.data.get("comorbiditiesIcd")
    if isinstance(extra, list):
        codes += [("сопутствующего заболевания (п. 31.5)", c) for c in extra]
    for what, code in codes:
        if not isinstance(code, str) or not code.strip():
            details.append(f"Не указан код {what} по МКБ-10")
        elif f.icd is not None and not f.icd.exists(code):
            details.append(f"Код {what} «{code}» отсутствует в МКБ-10 (ФНСИ 1.2.643.5.1.13.13.11.1005)")
        elif f.icd is not None and not f.icd.is_specific(code):
            details.append(f"Код {what} «{code}» — рубрика с подрубриками: укажите уточнённый код")
    if details:
        return r.finding("Диагноз сформулирован некорректно", tuple(details))
    return None


_IPRA_PURPOSES = {"10", "11"}  # 088/у п.5.10, 5.11 (ФНСИ 1.2.643.5.1.13.13.99.2.147)
_POTENTIAL_PRESENT = {"14", "15", "16"}  # высокий / удовлетворительный / низкий (99.2.148)


def _rehab(f: IntakeFacts, r: IntakeRule) -> Outcome:
    purposes = f.data.get("purposes")
    wants_program = isinstance(purposes, list) and bool(_IPRA_PURPOSES & {str(p) for p in purposes})
    has_potential = str(f.data.get("rehabPotential") or "") in _POTENTIAL_PRESENT
    if (wants_program or has_potential) and not str(f.data.get("rehabRecommendations") or "").strip():
        why = "цель направления — разработка ИПРА (программы реабилитации)" if wants_program else "указан реабилитационный потенциал"
        return r.finding(f"Не заполнен п. 35 «Рекомендуемые мероприятия по медицинской реабилитации», хотя {why}")
    return None


def iso_date(value: object) -> date | None:
    """A form date (ISO string) or None when absent or malformed."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


E_REFERRAL_START = date(2022, 1, 1)  # e-referrals through РЭМД (ПП 95 п.19(2) in force; СЭМД ред.5 from 01.01.2022)

RULES: tuple[IntakeRule, ...] = (
    IntakeRule("NA1", "duplicate", Stage.RECEIPT, "Дублирование («Дубль документа» — документ с аналогичными реквизитами)",
               EREF_RECEIPT, E_REFERRAL_START, _duplicate, verified=False),  # the key of «реквизиты» is an ASSUMPTION
    IntakeRule("NA2", "late_after_paper_twin", Stage.RECEIPT,
               "Позднее получение после проведения МСЭ по бумажному аналогу", EREF_RECEIPT, E_REFERRAL_START, _paper_twin),
    IntakeRule("NA3", "invalid_signature", Stage.RECEIPT, "Признание не действующей УКЭП", EREF_RECEIPT, E_REFERRAL_START, _signature),
    IntakeRule("NA4", "other_region", Stage.RECEIPT, "Направление на МСЭ из МО не Вашего субъекта РФ", EREF_RECEIPT, E_REFERRAL_START,
               _other_region),
    IntakeRule("RR1", "person_data_insufficient", Stage.CONTENT,
               "Недостаточно или недостоверно представлены сведения о гражданине", EREF_CONTENT, E_REFERRAL_START, _person),
    IntakeRule("RR2", "anamnesis_insufficient", Stage.CONTENT, "Отсутствует или недостаточно описан анамнез заболевания",
               EREF_CONTENT, E_REFERRAL_START, _anamnesis, verified=False),  # the length threshold is an ASSUMPTION
    IntakeRule("RR3", "examinations_incomplete", Stage.CONTENT,
               "Объем проведенных медицинских обследований не соответствует перечню медицинских обследований "
               "(совместный приказ Минтруда России № 402н / Минздрава России № 631н от 10.06.2021)",
               EREF_CONTENT + "; приказ 402н/631н", date(2021, 7, 1), _examinations),
    IntakeRule("RR4", "diagnosis_incorrect", Stage.CONTENT,
               "Некорректно сформулирован диагноз основного заболевания (его осложнений), сопутствующих заболеваний "
               "(их осложнений) или отсутствуют объективные основания для установления диагнозов в соответствии "
               "с диагностическими критериями МКБ-10", EREF_CONTENT, E_REFERRAL_START, _diagnosis),
    IntakeRule("RR5", "rehab_recommendations_missing", Stage.CONTENT,
               "Отсутствуют сведения о рекомендуемых мероприятиях по медицинской реабилитации (при их необходимости)",
               EREF_CONTENT, E_REFERRAL_START, _rehab, verified=False),  # «при их необходимости» read as ИПРА purpose/potential
)

RULES_BY_ID: dict[str, IntakeRule] = {r.rule_id: r for r in RULES}
RETURN_REASON_IDS = tuple(r.rule_id for r in RULES if r.stage is Stage.CONTENT)


def reason_titles(codes: Iterable[str]) -> list[str]:
    """The official wording of the reasons (EREF) for codes such as RR2; an unknown code is kept as it is."""
    return [RULES_BY_ID[c].title if c in RULES_BY_ID else c for c in codes]


def evaluate(facts: IntakeFacts, rules: tuple[IntakeRule, ...] = RULES) -> CheckReport:
    report = CheckReport()
    for rule in rules:
        if not rule.in_force_on(facts.received_on):
            continue
        outcome = rule.check(facts, rule)
        if isinstance(outcome, Finding):
            report.findings.append(outcome)
        elif isinstance(outcome, RuleNote):
            report.notes.append(outcome)
    return report


def patient_key(data: Mapping[str, object]) -> str:
    """СНИЛС digits when valid, else normalised surname|name|birth date (for NA1 requisites)."""
    snils = data.get("snils")
    if isinstance(snils, str):
        try:
            return Snils.parse(snils).digits
        except ValueError:
            pass
    parts = [normalize_name(str(data.get(k) or "")) for k in ("patientLastName", "patientFirstName", "patientMiddleName")]
    return "|".join([*parts, str(data.get("patientBirthDate") or "")])
