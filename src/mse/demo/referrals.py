"""Demo referrals 088/у: a demo PKI and a few hundred signed referrals through the real intake pipeline.

`ensure_pki` makes (or reuses) a throwaway GOST PKI: a root CA whose certificate goes into the trusted-roots
bundle, the bureau's own signing certificate, one certificate per demo medical organisation carrying its ОГРН,
and two bad ones (issued by an untrusted root; expired) for the NA3 examples. Files that exist are reused, so
repeated loads do not reissue anything.

`send_demo_referrals` attaches every demo МО to a bureau of its region, loads a small DEMO examination list
(not the official 402н/631н list: it exists only so that RR3 has something to check), signs the referrals
(deterministic by seed) and sends them through `receive_referral` with the real GostCmsVerifier: about 70%
are clean, the rest fail one check each (NA1, NA3, NA4, RR1–RR5) and a couple are malformed (quarantine).
Then a demo registrar of each bureau registers about 40% and returns a few with the suggested reasons.
"""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.documents.json_referral import JsonReferralReader
from mse.adapters.documents.return_notice import ReturnNoticeXmlBuilder
from mse.adapters.refdata.icd10 import icd10
from mse.adapters.signature.pki import IssuedCertificate, create_root_ca, issue_certificate
from mse.adapters.signature.signer import GostCmsSigner
from mse.adapters.signature.verifier import GostCmsVerifier
from mse.demo.generator import Tree, _Generator
from mse.domain.identity import Actor, Role
from mse.domain.organisation import MedicalOrganisation, OrgUnit, Position, Profile
from mse.domain.people import Citizenship, DocumentKind, PersonData
from mse.domain.ports import SystemClock
from mse.domain.referrals import ReferralState
from mse.domain.values import Sex
from mse.rules.reference import ExamList, ExamSection, RequiredExam
from mse.services.intake import IntakeReferences, IntakeRejected, receive_referral
from mse.services.intake_ports import Submission
from mse.services.registration import register_referral, return_referral, suggested_reasons

Progress = Callable[[str, int, int], None]

STAGE_PKI = "Демо-PKI (сертификаты)"
STAGE_SIGN = "Подпись направлений"
STAGE_SEND = "Направления на МСЭ"
STAGE_DECIDE = "Регистрация и возврат"

DEMO_EXAM_SOURCE = ("ДЕМО: демонстрационный перечень «mse demo load» — НЕ официальный перечень приказа 402н/631н; "
                    "загрузите действующий перечень командой «mse refdata exams load»")
_DEMO_MARK = " (демо-перечень)"


@dataclass(frozen=True)
class DemoPkiPaths:
    directory: Path  # var/pki
    trusted_roots: Path  # settings.trusted_roots
    bureau_cert: Path  # settings.bureau_signing_cert
    bureau_key: Path  # settings.bureau_signing_key


@dataclass(frozen=True)
class DemoPki:
    roots: Path
    bureau_cert: Path
    bureau_key: Path
    mo: dict[str, IssuedCertificate]  # by ОГРН
    untrusted: IssuedCertificate  # issued by a root nobody trusts (ОГРН of the first МО)
    expired: IssuedCertificate  # trusted root, validity over (ОГРН of the second МО)


@dataclass
class DemoReferralStats:
    sent: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)  # received | not_accepted | quarantined | replayed
    codes: Counter[str] = field(default_factory=Counter)  # rule ids and quarantine codes seen
    registered: int = 0
    returned: int = 0


# ------------------------------------------------------------------------------------------------ PKI

def _reuse(directory: Path, name: str, make: Callable[[], IssuedCertificate]) -> IssuedCertificate:
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    if cert.is_file() and key.is_file():
        return IssuedCertificate(cert=cert, key=key, key_bits=256)
    return make()


def ensure_pki(paths: DemoPkiPaths, orgs: list[MedicalOrganisation], report: Progress | None = None) -> DemoPki:
    """Create the demo PKI under ``paths.directory`` or reuse the files already there."""
    report = report or (lambda _s, _d, _t: None)
    d = paths.directory
    d.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    total = 4 + len(orgs)
    root = _reuse(d, "demo-root", lambda: create_root_ca(d, name="demo-root", common_name="Демонстрационный УЦ МСЭ (не для работы)"))
    stranger_root = _reuse(d, "untrusted-root", lambda: create_root_ca(
        d, name="untrusted-root", common_name="Посторонний УЦ (не доверенный, демо)"))
    report(STAGE_PKI, 2, total)

    # The trusted-roots bundle: keep whatever is there and add the demo root once.
    root_pem = root.cert_pem()
    existing = paths.trusted_roots.read_text(encoding="ascii") if paths.trusted_roots.is_file() else ""
    if root_pem.strip() not in existing:
        paths.trusted_roots.parent.mkdir(parents=True, exist_ok=True)
        paths.trusted_roots.write_text(existing + ("" if not existing or existing.endswith("\n") else "\n") + root_pem,
                                       encoding="ascii")

    if not (paths.bureau_cert.is_file() and paths.bureau_key.is_file()):
        bureau = _reuse(d, "demo-bureau", lambda: issue_certificate(
            root, d, name="demo-bureau", common_name="ФГБУ ФБ МСЭ Минтруда России (демо)", organization="ФГБУ ФБ МСЭ Минтруда России",
            ogrn="1027739000018", not_after=now + timedelta(days=5 * 365)))
        for src, dst in ((bureau.cert, paths.bureau_cert), (bureau.key, paths.bureau_key)):
            if src.resolve() != dst.resolve():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)
    report(STAGE_PKI, 3, total)

    def mo_cert(org: MedicalOrganisation) -> IssuedCertificate:
        return _reuse(d, f"mo-{org.ogrn}", lambda: issue_certificate(
            root, d, name=f"mo-{org.ogrn}", common_name=org.name[:64], organization=org.name[:64], ogrn=org.ogrn,
            not_after=now + timedelta(days=5 * 365)))

    # One at a time: `openssl ca` keeps its database in one directory per CA.
    certs = [mo_cert(o) for o in orgs]
    report(STAGE_PKI, 3 + len(orgs), total)
    first, second = orgs[0], orgs[1 % len(orgs)]
    untrusted = _reuse(d, f"untrusted-{first.ogrn}", lambda: issue_certificate(
        stranger_root, d, name=f"untrusted-{first.ogrn}", common_name=first.name[:64], ogrn=first.ogrn))
    expired = _reuse(d, f"expired-{second.ogrn}", lambda: issue_certificate(
        root, d, name=f"expired-{second.ogrn}", common_name=second.name[:64], ogrn=second.ogrn,
        not_before=now - timedelta(days=400), not_after=now - timedelta(days=35)))
    report(STAGE_PKI, total, total)
    return DemoPki(roots=paths.trusted_roots, bureau_cert=paths.bureau_cert, bureau_key=paths.bureau_key,
                   mo={o.ogrn: c for o, c in zip(orgs, certs, strict=True)}, untrusted=untrusted, expired=expired)


# ------------------------------------------------------------------------------------------------ clinical pictures

@dataclass(frozen=True)
class _Picture:
    icd: str
    diagnosis: str
    anamnesis: str
    complaints: str
    status: str
    exams: tuple[tuple[str, str, str], ...]  # code, name, result
    comorbidity: tuple[str, str] | None = None  # text, ICD
    prosthetics: bool = False


PICTURES: tuple[_Picture, ...] = (
    _Picture("I69.3", "Последствия ишемического инсульта в бассейне левой средней мозговой артерии",
             "Длительно страдает артериальной гипертензией. Перенёс ишемический инсульт, лечился стационарно, "
             "проведена ранняя реабилитация; сохраняется правосторонний гемипарез и моторная афазия.",
             "Слабость в правых конечностях, затруднение речи.", "Правосторонний гемипарез до 3 баллов, моторная афазия.",
             (("B01.023.001", "Прием (осмотр, консультация) врача-невролога первичный", "Гемипарез справа"),
              ("A05.23.009", "Магнитно-резонансная томография головного мозга", "Постинсультная киста в бассейне левой СМА")),
             ("Гипертоническая болезнь III стадии", "I11.9")),
    _Picture("E11.7", "Сахарный диабет 2 типа с множественными осложнениями",
             "Сахарный диабет 2 типа более 12 лет, инсулинотерапия. Диабетическая нефропатия, ретинопатия, полинейропатия "
             "нижних конечностей; неоднократные госпитализации по поводу декомпенсации.",
             "Жажда, онемение стоп, снижение зрения.", "Гликированный гемоглобин 9,4 %, снижение чувствительности стоп.",
             (("B01.058.001", "Прием (осмотр, консультация) врача-эндокринолога первичный", "Декомпенсация углеводного обмена"),
              ("A09.05.083", "Исследование уровня гликированного гемоглобина в крови", "9,4 %")),
             ("Ожирение 1 степени", "E66.0")),
    _Picture("M17.1", "Первичный гонартроз двусторонний, III стадия, нарушение функции суставов 2 степени",
             "Боли в коленных суставах около 10 лет, прогрессирующее ограничение ходьбы; консервативное лечение "
             "без стойкого эффекта, рекомендовано эндопротезирование.",
             "Боли в коленных суставах при ходьбе, ограничение движений.", "Сгибательная контрактура коленных суставов, хромота.",
             (("B01.050.001", "Прием (осмотр, консультация) врача-травматолога-ортопеда первичный", "Контрактура обоих коленных суставов"),
              ("A06.04.005", "Рентгенография коленного сустава", "Сужение суставной щели, остеофиты, III стадия"))),
    _Picture("J44.1", "Хроническая обструктивная болезнь лёгких с обострением, дыхательная недостаточность 2 степени",
             "Курит 30 лет, одышка нарастает в течение 8 лет; ежегодные обострения с госпитализацией, "
             "постоянная бронхолитическая терапия.",
             "Одышка при минимальной нагрузке, кашель с мокротой.", "ЧДД 24 в минуту, сатурация 90 %.",
             (("B01.037.001", "Прием (осмотр, консультация) врача-пульмонолога первичный", "ХОБЛ, тяжёлое течение"),
              ("A12.09.001", "Исследование неспровоцированных дыхательных объемов и потоков", "ОФВ1 38 % от должного"))),
    _Picture("H40.1", "Первичная открытоугольная глаукома далекозашедшей стадии обоих глаз",
             "Глаукома выявлена 9 лет назад; несмотря на антиглаукомную операцию на правом глазу, прогрессирует "
             "сужение полей зрения, снижение остроты зрения.",
             "Снижение зрения, сужение полей зрения.", "Острота зрения OD 0,05, OS 0,1; поля зрения до 10 градусов.",
             (("B01.029.001", "Прием (осмотр, консультация) врача-офтальмолога первичный", "Глаукома IIIа обоих глаз"),
              ("A02.26.005", "Периметрия статическая", "Концентрическое сужение до 10 градусов"))),
    _Picture("I25.1", "Ишемическая болезнь сердца: стенокардия напряжения III функционального класса, хроническая сердечная недостаточность IIА",
             "Стенокардия около 6 лет, перенёс инфаркт миокарда, стентирование коронарных артерий; "
             "сохраняются приступы стенокардии при малой нагрузке.",
             "Давящие боли за грудиной при ходьбе до 200 м, одышка.", "Отёки голеней, ЧСС 78 в минуту.",
             (("B01.015.001", "Прием (осмотр, консультация) врача-кардиолога первичный", "Стенокардия III ФК"),
              ("A04.10.002", "Эхокардиография", "Фракция выброса 42 %, гипокинез нижней стенки")),
             ("Гиперхолестеринемия", "E78.0")),
    _Picture("Z89.6", "Приобретённое отсутствие нижней конечности выше колена (культя правого бедра)",
             "Ампутация правого бедра на уровне средней трети после осложнения облитерирующего атеросклероза; "
             "культя сформирована, нуждается в первичном протезировании.",
             "Невозможность самостоятельного передвижения без костылей.", "Культя правого бедра, рубец состоятельный.",
             (("B01.050.001", "Прием (осмотр, консультация) врача-травматолога-ортопеда первичный", "Культя бедра пригодна к протезированию"),),
             prosthetics=True),
    _Picture("C50.9", "Злокачественное новообразование правой молочной железы, состояние после комбинированного лечения",
             "Рак правой молочной железы выявлен 2 года назад; проведены радикальная мастэктомия, химио- и лучевая терапия; "
             "лимфостаз правой верхней конечности.",
             "Слабость, отёк и ограничение движений правой руки.", "Лимфостаз правой верхней конечности 2 степени.",
             (("B01.027.001", "Прием (осмотр, консультация) врача-онколога первичный", "Ремиссия, лимфостаз"),
              ("A06.09.005", "Компьютерная томография органов грудной полости", "Без признаков прогрессирования"))),
)


def demo_exam_list(today: date) -> list[RequiredExam]:
    """DEMO only: for each demo picture its examinations as «basic». NOT the official 402н/631н list."""
    start = today.replace(month=1, day=1) - timedelta(days=365 * 3)
    rows: list[RequiredExam] = []
    for p in PICTURES:
        rubric = p.icd.split(".")[0]
        for code, name, _ in p.exams:
            rows.append(RequiredExam(icd_ranges=rubric, code=code, name=name + _DEMO_MARK, basic=True, section=ExamSection.ADULT,
                                     valid_from=start, valid_to=None))
    return rows


# ------------------------------------------------------------------------------------------------ the plan

CLEAN = "clean"
# kind → share of the referrals (at least one each); the rest are clean.
FAILING: tuple[tuple[str, float], ...] = (
    ("NA1", 0.03), ("NA3-untrusted", 0.01), ("NA3-expired", 0.01), ("NA4", 0.03), ("RR1-snils", 0.02), ("RR1-birth", 0.02),
    ("RR2", 0.03), ("RR3", 0.03), ("RR4-nonspecific", 0.02), ("RR4-unknown", 0.02), ("RR5", 0.03), ("malformed", 0.007),
)


def plan(n: int, rng: random.Random) -> list[str]:
    kinds: list[str] = []
    for kind, share in FAILING:
        kinds += [kind] * max(1, round(n * share))
    kinds = kinds[:max(0, n - 1)]
    kinds += [CLEAN] * (n - len(kinds))
    rng.shuffle(kinds)
    if kinds and kinds[0] != CLEAN:  # a duplicate (NA1) needs an earlier referral to repeat
        i = kinds.index(CLEAN)
        kinds[0], kinds[i] = kinds[i], kinds[0]
    return kinds


@dataclass
class _Doc:
    kind: str
    org: MedicalOrganisation
    body: bytes
    cert: IssuedCertificate
    data: dict[str, Any] | None = None
    signature: bytes = b""


def _form(person: PersonData, org: MedicalOrganisation, pic: _Picture, rng: random.Random, today: date, protocol: str) -> dict[str, Any]:
    name = person.full_name
    age = today.year - person.birth_date.year - ((today.month, today.day) < (person.birth_date.month, person.birth_date.day))
    addr = person.addresses[0]
    doc = person.documents[0]
    protocol_date = today - timedelta(days=rng.randint(2, 12))
    phone = person.contacts.phone_mobile or person.contacts.phone_home or "+7 495 000-00-00"
    purposes = ["1", "10"] if rng.random() < 0.8 else ["1"]
    data: dict[str, Any] = {
        "organizationName": org.name, "organizationAddress": org.address or "", "organizationOgrn": org.ogrn,
        "protocolNumber": protocol, "protocolDate": protocol_date.isoformat(),
        "needsHomeVisit": False, "needsPalliativeCare": False, "needsPrimaryProsthetics": pic.prosthetics,
        "purposes": purposes,
        "patientLastName": name.surname, "patientFirstName": name.name, "patientBirthDate": person.birth_date.isoformat(),
        "patientAge": str(age), "sex": "1" if person.sex is Sex.MALE else "2", "citizenship": "1",
        "militaryStatus": "4", "residenceCountry": "Российская Федерация", "residencePostcode": addr.postal_code or "",
        "residenceSubject": addr.region, "residenceLocality": addr.settlement, "residenceHouse": addr.house,
        "stayLocation": "5", "contactPhones": phone, "snils": person.snils.formatted if person.snils else "",
        "idDocName": "Паспорт гражданина Российской Федерации", "idDocSeriesNumber": f"{doc.series or ''} {doc.number}".strip(),
        "idDocIssuedBy": doc.issued_by or "", "idDocIssueDate": (doc.issue_date or person.birth_date).isoformat(),
        "referralOrder": "1", "consentDate": (protocol_date - timedelta(days=1)).isoformat(), "preferredForm": "1",
        "noticeMethods": ["3"], "employment": "не работает" if age >= 60 or rng.random() < 0.5 else "работает",
        "observedSinceYear": today.year - rng.randint(1, 10),
        "anamnesisDisease": pic.anamnesis, "anamnesisLife": "Рос и развивался соответственно возрасту. Вредные привычки отрицает.",
        "elnPresent": False, "bodyHeight": rng.randint(150, 192), "bodyWeight": float(rng.randint(50, 110)), "bodyBuild": "1",
        "healthStatus": pic.status, "complaints": pic.complaints,
        "examinations": [{"date": (protocol_date - timedelta(days=rng.randint(3, 20))).isoformat(), "code": c, "name": n, "result": r}
                         for c, n, r in pic.exams],
        "diagnosisMain": pic.diagnosis, "diagnosisMainIcd": pic.icd,
        "clinicalPrognosis": "11", "rehabPotential": "15", "rehabPrognosis": "18",
        "rehabRecommendations": "Курс медицинской реабилитации, лечебная физкультура, наблюдение профильного специалиста.",
        "fillDate": protocol_date.isoformat(), "commissionChairName": "Председатель ВК (демо)",
        "commissionMembers": [{"name": "Член ВК 1 (демо)"}, {"name": "Член ВК 2 (демо)"}],
    }
    if name.patronymic:
        data["patientMiddleName"] = name.patronymic
    if addr.street:
        data["residenceStreet"] = addr.street
    if addr.apartment:
        data["residenceApartment"] = addr.apartment
    if pic.comorbidity:
        data["comorbidities"], icd = pic.comorbidity
        data["comorbiditiesIcd"] = [icd]
    # Priority flags on about one referral in ten (ПП 588 п.19(2)): palliative care, prosthetics, sick leave.
    u = rng.random()
    if u < 0.03:
        data["needsPalliativeCare"] = True
    elif u < 0.06:
        data["needsPrimaryProsthetics"] = True
    elif u < 0.10 and age < 65:
        data["elnPresent"], data["elnNumber"] = True, f"9{rng.randint(10**10, 10**11 - 1)}"
        data["employment"] = "работает"
    return data


def _spoil(kind: str, data: dict[str, Any], today: date) -> None:
    if kind == "RR1-snils":
        data.pop("snils", None)
    elif kind == "RR1-birth":
        data["patientBirthDate"] = (today + timedelta(days=40)).isoformat()
    elif kind == "RR2":
        data["anamnesisDisease"] = "нет"
    elif kind == "RR3":
        data["examinations"] = data["examinations"][1:] or [
            {"date": data["protocolDate"], "code": "B01.047.001", "name": "Прием (осмотр, консультация) врача-терапевта первичный",
             "result": "Осмотрен"}]
    elif kind == "RR4-nonspecific":
        data["diagnosisMainIcd"] = "I63"
    elif kind == "RR4-unknown":
        data["diagnosisMainIcd"] = "Z99.99"
    elif kind == "RR5":
        data["purposes"] = ["1", "10"]
        data.pop("rehabRecommendations", None)


def _adult_rf(gen: _Generator, tree: Tree) -> tuple[PersonData, str]:
    while True:
        person, _bureau, _org = gen.person(tree)
        age = gen.today.year - person.birth_date.year
        if (age >= 19 and person.citizenship is Citizenship.RF and not person.representatives and person.addresses
                and person.documents and person.documents[0].kind is DocumentKind.PASSPORT_RF):
            return person, person.addresses[0].region_code or ""


def _envelope(document_id: str, ogrn: str, data: dict[str, Any], bureau_id: int | None = None) -> bytes:
    doc: dict[str, Any] = {"document_id": document_id, "sender_ogrn": ogrn, "referral": data}
    if bureau_id is not None:
        doc["bureau_id"] = bureau_id
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _build(n: int, seed: int, tree: Tree, pki: DemoPki, today: date) -> list[_Doc]:
    rng = random.Random(f"referrals:{seed}")
    gen = _Generator(seed + 104_729, today)  # its own stream: the persons of the demo stay as they were
    orgs_by_region = {rs.demo.code: [mo for mo, _ in rs.medical_orgs] for rs in tree.regions}
    bureaus_by_region = {rs.demo.code: [b for b, _ in rs.bureaus] for rs in tree.regions}
    first_org = tree.regions[0].medical_orgs[0][0]
    docs: list[_Doc] = []
    clean: list[_Doc] = []
    malformed = 0
    for i, kind in enumerate(plan(n, rng)):
        document_id = f"demo-{seed}-{i + 1:05d}"
        if kind == "NA1":
            twin = rng.choice(clean)
            assert twin.data is not None
            docs.append(_Doc(kind, twin.org, _envelope(document_id, twin.org.ogrn, twin.data), twin.cert))
            continue
        person, region = _adult_rf(gen, tree)
        orgs = orgs_by_region.get(region) or [first_org]
        org = rng.choice(orgs)
        if kind == "NA3-untrusted":
            org = next(o for rs in tree.regions for o, _ in rs.medical_orgs if o.ogrn in pki.untrusted.cert.stem)
        elif kind == "NA3-expired":
            org = next(o for rs in tree.regions for o, _ in rs.medical_orgs if o.ogrn in pki.expired.cert.stem)
        cert = pki.untrusted if kind == "NA3-untrusted" else pki.expired if kind == "NA3-expired" else pki.mo[org.ogrn]
        pic = rng.choices(PICTURES, weights=[0.3 if p.prosthetics else 1.0 for p in PICTURES])[0]
        data = _form(person, org, pic, rng, today, f"ВК-{rng.randint(100, 999)}/{i + 1}")
        _spoil(kind, data, today)
        if kind == "malformed":
            malformed += 1
            body = (_envelope(document_id, org.ogrn, data)[:-120] if malformed % 2 else
                    json.dumps({"document_id": document_id, "sender_ogrn": org.ogrn, "referral": "см. вложение"},
                               ensure_ascii=False).encode("utf-8"))
            docs.append(_Doc(kind, org, body, cert))
            continue
        bureau_id = None
        if kind == "NA4":
            foreign = [b for code, bs in bureaus_by_region.items() if code != org.region_code for b in bs]
            bureau_id = rng.choice(foreign).id
        doc = _Doc(kind, org, _envelope(document_id, org.ogrn, data, bureau_id), cert, data)
        docs.append(doc)
        if kind == CLEAN:
            clean.append(doc)
    return docs


# ------------------------------------------------------------------------------------------------ sending

def _registrar(uow: SqlAlchemyUnitOfWork, bureau: OrgUnit, cache: dict[int, Actor]) -> Actor:
    if bureau.id not in cache:
        members = [m for m in uow.orgs.staff_of_unit(bureau.id) if m.position is Position.REGISTRAR]
        who = members[0].full_name if members else "Регистратор (демо)"
        cache[bureau.id] = Actor(user_id=0, login="demo-registrar", role=Role.REGISTRAR, display_name=who, unit_id=bureau.id,
                                 scope_path=bureau.path, channel="cli")
    return cache[bureau.id]


def attach_orgs(engine: Engine, tree: Tree) -> int:
    """Each demo МО to a bureau of its region (general profile first, round robin) when it has none yet."""
    attached = 0
    with SqlAlchemyUnitOfWork(engine) as uow:
        for rs in tree.regions:
            general = [b for b, _ in rs.bureaus if b.profile is Profile.GENERAL] or [b for b, _ in rs.bureaus]
            for i, (mo, _) in enumerate(rs.medical_orgs):
                attached += uow.orgs.attach_medical_org(mo.id, general[i % len(general)].id)
        uow.commit()
    return attached


def send_demo_referrals(engine: Engine, tree: Tree, *, n: int, seed: int, paths: DemoPkiPaths,
                        progress: Progress | None = None) -> DemoReferralStats:
    report: Progress = progress or (lambda _s, _d, _t: None)
    clock = SystemClock()
    today = clock.today()
    stats = DemoReferralStats()
    orgs = [mo for rs in tree.regions for mo, _ in rs.medical_orgs]
    pki = ensure_pki(paths, orgs, report)
    attach_orgs(engine, tree)
    with SqlAlchemyUnitOfWork(engine) as uow:
        if not uow.intake.exam_requirements():  # never replace a list an administrator loaded
            uow.intake.replace_exam_requirements(demo_exam_list(today), source=DEMO_EXAM_SOURCE, now=clock.now())
            uow.commit()
        exams = ExamList(uow.intake.exam_requirements())
    refs = IntakeReferences(icd=icd10(), exams=exams)

    docs = _build(n, seed, tree, pki, today)
    signed = 0

    def sign(doc: _Doc) -> None:
        doc.signature = GostCmsSigner(doc.cert.cert, doc.cert.key).sign(doc.body)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in pool.map(sign, docs):
            signed += 1
            if signed % 20 == 0 or signed == len(docs):
                report(STAGE_SIGN, signed, len(docs))

    reader = JsonReferralReader(max_bytes=2 * 1024 * 1024)
    verifier = GostCmsVerifier(pki.roots)
    received: list[int] = []
    for i, doc in enumerate(docs, start=1):
        actor = Actor(user_id=0, login=f"mo-{doc.org.ogrn}", role=Role.MEDICAL_ORG, display_name=doc.org.name,
                      medical_org_id=doc.org.id, channel="api-token")
        stats.kinds[doc.kind] += 1
        try:
            result = receive_referral(lambda: SqlAlchemyUnitOfWork(engine), actor,
                                      Submission(doc.body, doc.signature, f"{doc.kind}-{i}.json"),
                                      reader=reader, verifier=verifier, clock=clock, refs=refs)
        except IntakeRejected as rej:
            stats.outcomes["quarantined"] += 1
            stats.codes[rej.code] += 1
            stats.codes.update({d["rule"] for d in rej.details if d.get("rule")})
        else:
            rec = result.referral
            stats.outcomes["replayed" if result.replayed else rec.state.value] += 1
            stats.codes.update({f["rule_id"] for f in rec.checks.get("findings", [])})
            if rec.state is ReferralState.RECEIVED and not result.replayed:
                received.append(rec.id)
        stats.sent += 1
        if i % 10 == 0 or i == len(docs):
            report(STAGE_SEND, i, len(docs))

    _decide(engine, received, paths, seed, stats, report)
    return stats


def _decide(engine: Engine, received: list[int], paths: DemoPkiPaths, seed: int, stats: DemoReferralStats, report: Progress) -> None:
    """About 40% registered (the clean ones first), a few with content findings returned with the suggested reasons."""
    rng = random.Random(f"decisions:{seed}")
    clock = SystemClock()
    notices = ReturnNoticeXmlBuilder()
    signer = GostCmsSigner(paths.bureau_cert, paths.bureau_key) if paths.bureau_cert.is_file() and paths.bureau_key.is_file() else None
    registrars: dict[int, Actor] = {}
    with SqlAlchemyUnitOfWork(engine) as uow:
        records = [r for r in (uow.intake.referral(i) for i in received) if r is not None]
    clean = [r for r in records if not any(f.get("stage") == "content" for f in r.checks.get("findings", []))]
    faulty = [r for r in records if r not in clean]
    to_register = set(rng.sample([r.id for r in clean], min(len(clean), round(0.4 * (len(records) + 1)))))
    to_return = {r.id for r in faulty[: max(1, len(faulty) // 2)]} if faulty else set()
    todo = [r for r in records if r.id in to_register or r.id in to_return]
    for done, rec in enumerate(todo, start=1):
        with SqlAlchemyUnitOfWork(engine) as uow:
            bureau = uow.orgs.get_unit(rec.bureau_id)
            assert bureau is not None
            actor = _registrar(uow, bureau, registrars)
            if rec.id in to_register:
                register_referral(uow, actor, rec.id, clock)
                stats.registered += 1
            else:
                return_referral(uow, actor, rec.id, suggested_reasons(rec), clock, notices=notices, signer=signer)
                stats.returned += 1
        if done % 10 == 0 or done == len(todo):
            report(STAGE_DECIDE, done, len(todo))


def stats_as_data(stats: DemoReferralStats) -> dict[str, Any]:
    return {"sent": stats.sent, "kinds": dict(stats.kinds), "outcomes": dict(stats.outcomes), "codes": dict(stats.codes),
            "registered": stats.registered, "returned": stats.returned}

