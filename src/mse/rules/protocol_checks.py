"""Cross-item rules of the protocol of MSE (389н), each a named, dated entry with its citation.

The form data (forms/data/protocol-389n) already says when an item applies and when it is required;
these rules check what a single item cannot: dates in order, percents consistent with each other,
a decision present for every purpose of the MSE, an outcome consistent with the age. Rule ids are
those of the digest (spec/protocol.md §3). ``tag``: "seed" — stated by 389н; "derived" — our reading
of the form's structure; "external" — from another act the seed only names (585н), unverified here.
Severity "error" blocks signing; "warning" is shown to the expert and recorded, but does not block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from mse.domain.periods import in_force
from mse.domain.protocols import DISABILITY_ESTABLISHED
from mse.forms import FormSchema
from mse.forms.conditions import as_date, compute_facts, is_empty

FORM = "389н"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    item: str  # the item key the message points at
    message: str  # Russian
    severity: str  # "error" | "warning"
    citation: str


@dataclass(frozen=True)
class ProtocolParams:
    """Numbers from acts outside the seed (585н), kept as configuration (protocol.md §4.3)."""

    severity_bands: Mapping[str, tuple[int, int]] = field(default_factory=lambda: {
        "1": (10, 30), "2": (40, 60), "3": (70, 80), "4": (90, 100),  # I–IV степень, 585н п.5 [external]
    })
    percent_step: int = 10  # 585н: the percent is set in steps of 10 [external]
    summary_max_raise: int = 10  # 585н: other impairments raise the maximal one by at most 10 % [external]
    adult_age: int = 18


@dataclass(frozen=True)
class SchemaIndex:
    """What the rules look up in the schema, gathered once per schema instead of walking its ~330 items per rule."""

    keys: frozenset[str]  # every item key, headings included
    dated_options: tuple[tuple[str, str, date], ...]  # (item key, option code, valid_from), in form order


_INDEXES: dict[int, tuple[FormSchema, SchemaIndex]] = {}


def schema_index(schema: FormSchema) -> SchemaIndex:
    cached = _INDEXES.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    index = SchemaIndex(frozenset(it.key for it in schema.items()),
                        tuple((it.key, o.code, o.valid_from) for it in schema.items() for o in it.options if o.valid_from is not None))
    if len(_INDEXES) > 256:  # schemas built ad hoc (tests): keep the cache bounded
        _INDEXES.clear()
    _INDEXES[id(schema)] = (schema, index)  # the entry holds the schema, so its id is not reused while cached
    return index


class Ctx:
    """The document with typed accessors; every accessor returns None for a missing or unreadable value."""

    def __init__(self, data: Mapping[str, object], schema: FormSchema, params: ProtocolParams) -> None:
        self.data = data
        self.schema = schema
        self.index = schema_index(schema)
        self.params = params
        self._days: dict[str, date | None] = {}  # several rules read the same dates (item 2 in five of them)
        self._scores: dict[str, tuple[str, int] | None] = {}  # A8 and G5 read the twelve scores
        facts = compute_facts(schema.facts, data)
        years, months = facts.get("age_years"), facts.get("age_months")
        self.age: int | None = None if years is None else int(years)
        self.months: int | None = None if months is None else int(months)

    def filled(self, key: str) -> bool:
        return not is_empty(self.data.get(key))

    def day(self, key: str) -> date | None:
        if key not in self._days:
            self._days[key] = as_date(self.data.get(key))
        return self._days[key]

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        return value if isinstance(value, str) and value else None

    def number(self, key: str) -> int | None:
        value = self.data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def codes(self, key: str) -> set[str]:
        value = self.data.get(key)
        if isinstance(value, list):
            return {str(v) for v in value}
        if isinstance(value, dict):
            option = value.get("option")
            return {str(option)} if option is not None else set()
        return {str(value)} if isinstance(value, str) and value else set()

    def score(self, key: str) -> tuple[str, int] | None:
        if key in self._scores:
            return self._scores[key]
        value = self.data.get(key)
        score = None
        if isinstance(value, dict) and isinstance(value.get("option"), str) and isinstance(value.get("percent"), int):
            score = str(value["option"]), int(value["percent"])
        self._scores[key] = score
        return score


Issue = tuple[str, str]  # (item key, Russian message)


@dataclass(frozen=True)
class ProtocolRule:
    rule_id: str
    title: str
    citation: str
    tag: str  # seed | derived | external
    severity: str
    check: Callable[[Ctx], Iterable[Issue]]
    valid_from: date = date(2022, 9, 27)
    valid_to: date | None = None


def _fmt(d: date) -> str:
    return d.strftime("%d.%m.%Y")


# ---- dates (protocol.md §3.B) ---------------------------------------------------------------------


def _dates_in_order(c: Ctx) -> Iterable[Issue]:
    received, held, decided = c.day("1"), c.day("2"), c.day("3.4")
    if received and held and received > held:
        yield "2", f"Дата проведения МСЭ ({_fmt(held)}) раньше даты поступления направления ({_fmt(received)}, пункт 1)"
    if held and decided and decided < held:
        yield "3.4", f"Дата принятия решения ({_fmt(decided)}) раньше даты проведения МСЭ ({_fmt(held)}, пункт 2)"


def _times_in_order(c: Ctx) -> Iterable[Issue]:
    arrived, started = c.text("3.2"), c.text("3.3")
    if arrived and started and started < arrived:
        yield "3.3", f"Начало проведения МСЭ ({started}) раньше времени прибытия гражданина ({arrived}, пункт 3.2)"


def _life_dates(c: Ctx) -> Iterable[Issue]:
    born, held, died = c.day("5"), c.day("2"), c.day("5.death")
    if born and held and born >= held:
        yield "5", "Дата рождения должна быть раньше даты проведения МСЭ (пункт 2)"
    if died and born and died < born:
        yield "5.death", "Дата смерти раньше даты рождения"
    if died and held and died > held:
        yield "5.death", "Дата смерти позже даты проведения МСЭ (пункт 2)"
    for key in ("16.date", "17.3.date", "17.4.date"):
        issued = c.day(key)
        if issued and held and issued > held:
            yield key, f"Дата выдачи документа ({_fmt(issued)}) позже даты проведения МСЭ"
    for key in ("16.date", "17.4.date"):  # the representative's own passport (17.3) may well predate the citizen
        issued = c.day(key)
        if issued and born and issued < born:
            yield key, "Документ выдан раньше даты рождения гражданина"


def _age_recorded(c: Ctx) -> Iterable[Issue]:
    # 389н прил.2 п.9(2): полных лет, для ребенка до 1 года — полных месяцев.
    if c.age is None or not c.filled("5.age"):
        return
    unit = c.text("5.age_unit")
    want_unit, want = ("months", c.months) if c.age == 0 else ("years", c.age)
    if unit != want_unit or c.number("5.age") != want:
        label = "полных месяцев" if want_unit == "months" else "полных лет"
        yield "5.age", f"Возраст на дату проведения МСЭ — {want} ({label}); в протоколе указано иначе"


def _term_dates(c: Ctx) -> Iterable[Issue]:
    held, until, next_mse = c.day("2"), c.day("83.2"), c.day("84")
    if until and held and until <= held:
        yield "83.2", "Срок, до которого установлена инвалидность, должен быть позже даты проведения МСЭ"
    if next_mse and until and next_mse > until:
        yield "84", "Дата очередного освидетельствования позже срока, до которого установлена инвалидность (пункт 83.2)"


def _ranges(c: Ctx) -> Iterable[Issue]:
    held = c.day("2")
    for item in ("85", "86", "87.7", "88.7", "88.9"):
        start, end = c.day(f"{item}.from"), c.day(f"{item}.to")
        if start and end and start > end:
            yield f"{item}.to", f"Пункт {item}: дата окончания периода раньше даты начала"
        if end and held and end > held:
            yield f"{item}.to", f"Пункт {item}: пропущенный период не может заканчиваться позже даты проведения МСЭ"


# ---- section II (§3.D) ----------------------------------------------------------------------------

_SOURCE_TO_BASIS = {"medical": "19.1", "pension": "19.2", "insurer": "19.4", "employer": "19.5", "court": "19.6",
                    "application": "19.3"}


def _source_matches_basis(c: Ctx) -> Iterable[Issue]:
    source, basis = c.text("1.source"), c.text("19")
    if source in _SOURCE_TO_BASIS and basis and _SOURCE_TO_BASIS[source] != basis:
        yield "19", f"Основание проведения МСЭ ({basis}) не соответствует документу, указанному в пункте 1"


def _options_in_force(c: Ctx) -> Iterable[Issue]:
    # 389н п.3: 20.3 and 21.8 apply from 01.06.2023, 20.4 from 01.01.2024; later acts add options the same way.
    # The dates are the options' own valid_from in the form data, judged on the date of the MSE (item 2).
    held = c.day("2")
    if held is None:
        return
    for key, code, since in c.index.dated_options:
        if held < since and code in c.codes(key):
            yield key, f"Вариант {code} применяется с {_fmt(since)}, а МСЭ проведена {_fmt(held)}"


def _remote_place(c: Ctx) -> Iterable[Issue]:
    form, place = c.codes("20"), c.codes("21")
    if "20.3" in form and place and place != {"21.8"}:
        yield "21", "При дистанционной форме (20.3) место проведения — 21.8"
    if "20.2" in form and "21.8" in place:
        yield "21", "Вариант 21.8 относится к дистанционной форме (20.3), а не к МСЭ с личным присутствием"


def _purpose_age(c: Ctx) -> Iterable[Issue]:
    if c.age is None:
        return
    purposes = c.codes("23")
    if "23.2" in purposes and c.age >= c.params.adult_age:
        yield "23", "Цель 23.2 (категория «ребенок-инвалид») — для лиц в возрасте до 18 лет"
    if "23.1" in purposes and c.age < c.params.adult_age:
        yield "23", "Цель 23.1 (группа инвалидности) — для лиц в возрасте 18 лет и старше; для ребенка — 23.2"


def _previous_disability(c: Ctx) -> Iterable[Issue]:
    purposes = c.codes("23")
    had = c.codes("24.1") & {"24.1.1", "24.1.2", "24.1.3", "24.1.4"}
    for purpose in ("23.16", "23.18"):
        if purpose in purposes and not had:
            yield "24.1", f"Цель {purpose} предполагает установленную ранее инвалидность (пункт 24.1)"
    if "23.17" in purposes and not c.filled("24.6"):
        yield "24.6", "Цель 23.17 предполагает установленную ранее степень утраты профессиональной трудоспособности (пункт 24.6)"
    if "23.14" in purposes and not c.filled("74.ipra_number"):
        yield "74.ipra_number", "Цель 23.14 (исправления в ИПРА) предполагает ранее разработанную ИПРА (пункт 74)"


# ---- decisions (§3.D D11, §3.G) -------------------------------------------------------------------

_PURPOSE_DECISIONS: dict[str, tuple[str, ...]] = {
    "23.1": ("80",), "23.2": ("80",), "23.3": ("81",), "23.4": ("96",), "23.5": ("83.1",),
    "23.6": ("87.1", "88.1"), "23.7": ("89",), "23.8": ("90",), "23.9": ("91",), "23.10": ("98",), "23.11": ("99",),
    "23.12": ("97",), "23.13": ("92",), "23.14": ("92",), "23.15": ("94",), "23.19": ("86(1)",),
}


def _decision_for_purpose(c: Ctx) -> Iterable[Issue]:
    undecided = [purpose for purpose in c.codes("23") if (wanted := _PURPOSE_DECISIONS.get(purpose))
                 and not any(c.filled(k) for k in wanted) and any(_has_item(c, k) for k in wanted)]
    for purpose in sorted(undecided, key=_code_key):  # only the undecided ones are put in the form's order (issue 7, P2)
        wanted = _PURPOSE_DECISIONS[purpose]
        yield wanted[0], f"Для цели {purpose} не вынесено решение (пункт {' или '.join(wanted)})"


def _has_item(c: Ctx, key: str) -> bool:
    return key in c.index.keys


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(p) for p in code.replace("(", ".").replace(")", "").split(".") if p.isdigit())


def _outcome_age(c: Ctx) -> Iterable[Issue]:
    if c.age is None:
        return
    outcome = c.text("80")
    if outcome == "80.4" and c.age >= c.params.adult_age:
        yield "80", "Категория «ребенок-инвалид» устанавливается лицам в возрасте до 18 лет"
    if outcome in ("80.1", "80.2", "80.3") and c.age < c.params.adult_age:
        yield "80", "Группа инвалидности устанавливается лицам в возрасте 18 лет и старше; ребенку — категория «ребенок-инвалид»"


def _outcome_complete(c: Ctx) -> Iterable[Issue]:
    outcome = c.text("80")
    if outcome in DISABILITY_ESTABLISHED:
        if not c.filled("81"):
            yield "81", "При установлении инвалидности указывается ее причина (пункт 81)"
        if not c.filled("83.1"):
            yield "83.1", "При установлении инвалидности указывается срок (пункт 83)"
    if outcome == "80.5" and c.text("92") == "yes":
        yield "92", "ИПРА разрабатывается инвалиду (ребенку-инвалиду): инвалидность не установлена (80.5)"


def _ipra_flags(c: Ctx) -> Iterable[Issue]:
    if c.text("93") == "yes" and c.text("92") != "yes":
        yield "93", "ИПРА не может быть выдана, если она не разработана (пункт 92)"
    if c.text("95") == "yes" and c.text("94") != "yes":
        yield "95", "ПРП не может быть выдана, если она не разработана (пункт 94)"


SCORED = tuple(f"79.{n}" for n in range(1, 13))  # 389н п.79.1–79.12: the impairments scored by degree and percent


def _severity_bands(c: Ctx) -> Iterable[Issue]:
    for key in SCORED:
        score = c.score(key)
        if score is None:
            continue
        option, percent = score
        column = option.rsplit(".", 1)[-1]
        band = c.params.severity_bands.get(column)
        if percent % c.params.percent_step:
            yield key, f"Пункт {key}: процент устанавливается кратным {c.params.percent_step} (от 10 до 100)"
        elif band and not band[0] <= percent <= band[1]:
            yield key, f"Пункт {key}: {percent} % не соответствует отмеченной степени ({band[0]}–{band[1]} %)"
    final = c.number("79.13.4.percent")
    if final is not None and final % c.params.percent_step:
        yield "79.13.4.percent", f"Итоговая оценка (79.13.4) устанавливается кратной {c.params.percent_step} %"


def _summary(c: Ctx) -> Iterable[Issue]:
    scores = [s[1] for key in SCORED if (s := c.score(key)) is not None]
    if len(scores) < 2:
        return
    highest, written = max(scores), c.number("79.13.1")
    if written is not None and written != highest:
        yield "79.13.1", f"Пункт 79.13.1: указывается максимально выраженное нарушение — {highest} %"
    final = c.number("79.13.4.percent")
    if final is None or written is None:
        return
    influence = c.text("79.13.2")
    if final < written:
        yield "79.13.4.percent", "Итоговая оценка не может быть ниже максимально выраженного нарушения (79.13.1)"
    elif influence == "no" and final != written:
        yield "79.13.4.percent", "Без влияния других нарушений (79.13.2 — нет) итоговая оценка равна 79.13.1"
    elif final > written + c.params.summary_max_raise:
        yield "79.13.4.percent", f"Итоговая оценка превышает максимальное нарушение более чем на {c.params.summary_max_raise} %"
    option = c.text("79.13.4")
    band = c.params.severity_bands.get(option.rsplit(".", 1)[-1]) if option else None
    if band and not band[0] <= final <= band[1]:
        yield "79.13.4", f"Отмеченная степень не соответствует итоговой оценке {final} % ({band[0]}–{band[1]} %)"


def _family_counts(c: Ctx) -> Iterable[Issue]:
    # 28.a members, 28.b of them children under 18, 28.c of them disabled, 28.d disabled children under 18.
    total, children, disabled, disabled_children = (c.number(f"28.{s}") for s in "abcd")
    for key, part in (("28.b", children), ("28.c", disabled)):
        if total is not None and part is not None and part > total:
            yield key, "Пункт 28: часть членов семьи не может превышать их общее число"
    if disabled_children is not None:
        bounds = [b for b in (children, disabled) if b is not None]
        if bounds and disabled_children > min(bounds):
            yield "28.d", "Пункт 28: детей-инвалидов не может быть больше, чем детей или инвалидов в семье"


def _minors_only(c: Ctx) -> Iterable[Issue]:
    if c.age is not None and c.age >= c.params.adult_age and c.codes("25") & {"25.3", "25.4"}:
        yield "25", "Статус сироты / оставшегося без попечения родителей отмечается для лиц до 18 лет"


def _family_of_deceased(c: Ctx) -> Iterable[Issue]:
    if c.text("17.kind") == "family" and "23.12" not in c.codes("23"):
        yield "17.kind", "Член семьи умершего участвует в МСЭ для установления причины смерти (цель 23.12)"


RULES: tuple[ProtocolRule, ...] = (
    ProtocolRule("B3", "Даты поступления, проведения и решения по порядку", f"{FORM} пп.1, 2, 3.4 [derived]", "derived", "error", _dates_in_order),
    ProtocolRule("B4", "Начало МСЭ не раньше прибытия", f"{FORM} пп.3.2, 3.3 [derived]", "derived", "error", _times_in_order),
    ProtocolRule("B6", "Даты рождения, смерти, выдачи документов", f"{FORM} пп.5, 16, 17 [derived]", "derived", "error", _life_dates),
    ProtocolRule("A11", "Возраст — полных лет (до 1 года — месяцев) на дату МСЭ", f"{FORM} прил.2 п.9(2)", "seed", "error", _age_recorded),
    ProtocolRule("B7", "Срок инвалидности и дата переосвидетельствования", f"{FORM} пп.83, 84 [derived]", "derived", "error", _term_dates),
    ProtocolRule("B8", "Периоды пропуска переосвидетельствования", f"{FORM} пп.85, 86 [derived]", "derived", "error", _ranges),
    ProtocolRule("D1", "Документ-основание в п.1 соответствует п.19", f"{FORM} пп.1, 19 [derived]", "derived", "warning", _source_matches_basis),
    ProtocolRule("D2", "Варианты, введённые позднее (20.3, 21.8, 20.4…), — с даты вступления в силу", f"{FORM} п.3 приказа", "seed",
                 "error", _options_in_force),
    ProtocolRule("D3a", "Дистанционная форма и место проведения", f"{FORM} прил.2 п.10(3) [derived]", "derived", "error", _remote_place),
    ProtocolRule("D12", "Цели 23.1/23.2 и возраст", f"{FORM} п.23 [derived]", "derived", "warning", _purpose_age),
    ProtocolRule("D13", "Цели 23.14/23.16–23.18 требуют ранее установленного решения", f"{FORM} пп.23, 24 [derived]", "derived", "warning", _previous_disability),
    ProtocolRule("D11", "Решение по каждой цели МСЭ", f"{FORM} прил.2 п.4, п.15 [derived]", "derived", "error", _decision_for_purpose),
    ProtocolRule("G9", "Группа / категория «ребенок-инвалид» и возраст", f"{FORM} п.80 [derived]; ПП 588", "external", "error", _outcome_age),
    ProtocolRule("G10", "При установлении инвалидности — причина и срок", f"{FORM} пп.80–84, 92 [derived]", "derived", "error", _outcome_complete),
    ProtocolRule("G20", "ИПРА/ПРП выдаются только разработанные", f"{FORM} пп.92–95 [derived]", "derived", "error", _ipra_flags),
    ProtocolRule("A8", "Процент соответствует степени выраженности", f"{FORM} прил.2 п.15(2); 585н [external]", "external", "error", _severity_bands),
    ProtocolRule("G5", "Сводная оценка при нескольких нарушениях", f"{FORM} п.79.13; 585н [external]", "external", "error", _summary),
    ProtocolRule("E2", "Состав семьи", f"{FORM} п.28 [derived]", "derived", "error", _family_counts),
    ProtocolRule("E3", "Сирота / без попечения — до 18 лет", f"{FORM} п.25 [derived]", "derived", "warning", _minors_only),
    ProtocolRule("C12", "Член семьи умершего — для цели 23.12", f"{FORM} пп.17, 23.12 [derived]", "derived", "warning", _family_of_deceased),
)


def check_protocol(schema: FormSchema, data: Mapping[str, object], *, on: date,
                   params: ProtocolParams | None = None, rules: tuple[ProtocolRule, ...] = RULES) -> list[Finding]:
    ctx = Ctx(data, schema, params or ProtocolParams())
    out: list[Finding] = []
    for rule in rules:
        if not in_force(rule.valid_from, rule.valid_to, on):
            continue
        for item, message in rule.check(ctx):
            out.append(Finding(rule.rule_id, item, message, rule.severity, rule.citation))
    return out
