"""Acceptance checks of the 389н protocol form data against the text of the act itself.

The authority is the seed text of Order 389н (its Appendix 1 is the form). The tests parse every
item code the form prints and require it in the exported schema, compare the editions, and check
the option labels of the closed lists that decide the outcome (items 20, 23, 24.2, 79, 80, 81)
word by word against the printed text.

The seed's text is kept in tests/data/reference (byte for byte, see its SOURCE.md); a missing copy fails.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mse.forms import available_forms, form_in_force, load_form, schema_as_data

FORM = "protocol-389n"
# The act's text, copied into the repository (see its SOURCE.md); MSE_PROTOCOL_SEED points at another copy.
SEED = Path(os.environ.get("MSE_PROTOCOL_SEED", "") or Path(__file__).parents[1] / "data" / "reference" / "order_389n_2022.txt")
VERSIONS = available_forms()[FORM]
LATEST = VERSIONS[-1]

# Printed misprints of the form, with the code the schema uses instead (protocol.md §4.4 "Known
# defects"): item 3 there — the form prints "62.3" for the rail option of item 61; it is 61.3
# (ConsultantPlus note in the seed; the procedure P13(4) uses 61.3).
MISPRINTS = {"62.3": "61.3"}

# Items added by 685н (10.12.2024): absent from every earlier edition.
CODES_685N = ("3.4", "23.20", "24.2.20", "24.2.21", "81.19", "81.20", "86(1)", "101.20")

# ------------------------------------------------------------------------------------------------ the seed

# Editorial text of the ConsultantPlus copy that is not part of the form: its notes (one paragraph
# after the marker), its page furniture (footer, header, links) and the list of amending acts.
_NOTE = re.compile(r"КонсультантПлюс: примечание\.\n.*?(?=\n[ \t]*\n)", re.S)
_PAGE = re.compile(r"КонсультантПлюс\nнадежная правовая поддержка.*?(?:https://www\.consultant\.ru\n)+", re.S)
_AMENDMENTS = re.compile(r"Список изменяющих документов\n\(в ред\..*?\)\n", re.S)

# A printed item code: a token of its own, followed by the printed dot and white space.
#   * multi-level — "3.4.", "24.2.17.", "79.13.1.1.", "86(1).12." — anywhere on a line (the form
#     prints several checkboxes per line); each part after the first has one or two digits, so a date
#     ("01.06.2023") or an amount never reads as a code, and the trailing dot + space excludes the ЦРГ
#     names "ЦРГ 4.1" that stand inside labels;
#   * one-level — "4.", "86(1)." — only at the start of a line (after the scan's indent), as the
#     points are printed; elsewhere "1." is ordinary text.
_CODE = re.compile(
    r"(?<![\w.()/-])(?P<multi>\d{1,3}(?:\(\d{1,2}\))?(?:\.\d{1,2})+)\.(?=\s|$)"
    r"|^[ \t]*(?P<top>\d{1,3}(?:\(\d{1,2}\))?)\.[ \t]",
    re.M,
)
# The appendix to the form ("Учет мероприятий и услуг…") numbers its tables 1–7, 7.1, 7.2 anew.
_APPENDIX = "\nПриложение\nк форме протокола"


def _form_text() -> str:
    if not SEED.is_file():
        pytest.fail(f"seed text of 389н not found at {SEED}")
    text = SEED.read_text(encoding="utf-8")
    start = text.index("Приложение N 1\n")
    end = text.index("\nПриложение N 2\n", start)
    form = text[start:end]
    for editorial in (_NOTE, _PAGE, _AMENDMENTS):
        form = editorial.sub("\n", form)
    return form


@dataclass(frozen=True)
class Printed:
    main: list[str]  # item codes of the form, in printed order (a code may repeat)
    appendix: list[str]  # table numbers of the appendix "Учет…"


@cache
def printed_codes() -> Printed:
    form = _form_text()
    cut = form.index(_APPENDIX)

    def codes(text: str) -> list[str]:
        return [m.group("multi") or m.group("top") for m in _CODE.finditer(text)]

    return Printed(main=codes(form[:cut]), appendix=codes(form[cut:]))


@dataclass(frozen=True)
class Token:
    word: str  # normalised
    line: int
    code: str | None  # the item code when the token is a printed code


def normalise(word: str) -> str:
    word = word.lower().replace("ё", "е")
    return re.sub(r"[«»“”„\"]", '"', word)


def words(text: str) -> list[str]:
    return [w for w in (normalise(t) for t in text.split()) if re.search(r"[^\W_]", w)]


@cache
def seed_tokens() -> tuple[Token, ...]:
    """The main part of the form as normalised words (punctuation-only and blank «____» tokens dropped), codes marked."""
    form = _form_text()
    form = form[: form.index(_APPENDIX)]
    starts = {m.start("multi") if m.group("multi") else m.start("top"): m.group("multi") or m.group("top") for m in _CODE.finditer(form)}
    out: list[Token] = []
    for m in re.finditer(r"\S+", form):
        line = form.count("\n", 0, m.start())
        if m.start() in starts:
            out.append(Token(m.group(0), line, starts[m.start()]))
        elif re.search(r"[^\W_]", m.group(0)):
            out.append(Token(normalise(m.group(0)), line, None))
    return tuple(out)


# ------------------------------------------------------------------------------------------------ the schema

def schema_names(version: str) -> set[str]:
    """Every key, item code, option code and fixed-row code of the exported schema of an edition."""
    data = schema_as_data(load_form(FORM, version))
    names: set[str] = set()

    def walk(items: list[dict[str, Any]]) -> None:
        for it in items:
            names.update((it["key"], it["code"]))
            names.update(o["code"] for o in (*it.get("options", ()), *it.get("rows", ())))
            walk(it.get("columns", []))

    for section in data["sections"]:
        walk(section["items"])
    return names


def exported_items(version: str) -> dict[str, dict[str, Any]]:
    data = schema_as_data(load_form(FORM, version))
    return {it["key"]: it for s in data["sections"] for it in s["items"]}


# ------------------------------------------------------------------------------------------------ 1. codes

def test_the_parser_reads_the_whole_form() -> None:
    printed = printed_codes()
    distinct = set(printed.main)
    assert len(distinct) > 700, f"only {len(distinct)} codes parsed: the code pattern no longer fits the seed"
    # Anchors of every shape of code, first to last point.
    for code in ("1", "3.4", "13.1.1", "24.2.17", "47.2.10", "79.13.1.1", "86(1)", "86(1).12", "86(1).53", "101.20", "102"):
        assert code in distinct, code
    assert printed.appendix == ["1", "2", "3", "4", "5", "6", "7", "7.1", "7.2"]
    # Not codes: dates, the ЦРГ names inside labels, the numbers of acts and pages.
    for not_code in ("01.06", "04.07", "29.03", "4.1", "12.13"):
        assert not_code not in distinct, not_code


def test_every_printed_code_is_in_the_latest_schema() -> None:
    printed = printed_codes()
    names = schema_names(LATEST)
    expected = {MISPRINTS.get(c, c) for c in printed.main} | {f"appendix.{c}" for c in printed.appendix}
    missing = sorted(expected - names, key=_order)
    assert missing == [], f"codes printed in the form but absent from {FORM} {LATEST}: {missing}"


def test_misprinted_codes_are_listed_and_not_carried_into_the_schema() -> None:
    printed = set(printed_codes().main)
    names = schema_names(LATEST)
    for wrong, right in MISPRINTS.items():
        assert wrong in printed, f"{wrong} is no longer printed: drop it from MISPRINTS"
        assert wrong not in names
        assert right in names


@pytest.mark.parametrize("version", [v for v in VERSIONS if "685н" not in load_form(FORM, v).act])
def test_editions_before_685n_lack_its_codes(version: str) -> None:
    names = schema_names(version)
    present = [c for c in CODES_685N if c in names]
    present += sorted(n for n in names if n.startswith("86(1)."))
    assert present == [], f"edition {version} holds items of 685н: {present}"


def test_the_685n_edition_has_its_codes() -> None:
    names = schema_names(LATEST)
    assert [c for c in CODES_685N if c not in names] == []


def test_remote_forms_enter_in_2023_and_2024() -> None:
    first = schema_names(VERSIONS[0])
    assert VERSIONS[0] < "2023-06-01"
    assert [c for c in ("20.3", "21.8", "20.4") if c in first] == []
    assert form_in_force(FORM, date(2023, 5, 31)).version == VERSIONS[0]
    june_2023 = schema_names("2023-06-01")
    assert {"20.3", "21.8"} <= june_2023
    assert "20.4" not in june_2023
    assert form_in_force(FORM, date(2023, 12, 31)).version == "2023-06-01"
    assert "20.4" in schema_names("2024-01-01")
    assert form_in_force(FORM, date(2024, 1, 1)).version == "2024-01-01"


# ------------------------------------------------------------------------------------------------ 2. option labels

WINDOW = 400  # words: the form prints some columns interleaved, so a label's words are in order, not contiguous
MAX_PIECES = 3  # a word broken by the scan's line breaks ("(статодинамиче" / "ских)") is joined from up to 3 pieces

# Closed lists whose option labels are checked word by word: item → its option codes are the printed
# children of the item's code. Item 79 is checked per score row (79.1–79.12): a row's own label is the
# impairment type, its options' labels the printed severity column headers; 79.13.4 has the same columns.
LABEL_ITEMS = ("20", "23", "24.2", *(f"79.{n}" for n in range(1, 13)), "79.13.4", "80", "81")


def _order(code: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", code))


def _children(code: str) -> list[str]:
    child = re.compile(re.escape(code) + r"\.\d{1,2}")
    return sorted({c for c in printed_codes().main if child.fullmatch(c)}, key=_order)


def _code_index(code: str) -> int:
    at = [n for n, t in enumerate(seed_tokens()) if t.code == code]
    assert len(at) == 1, f"{code} is printed {len(at)} times in the form"
    return at[0]


def _region_end(start: int, item: str) -> int:
    """The first printed code after ``start`` that is neither the item nor below it: the item's printed extent."""
    tokens = seed_tokens()
    for n in range(start + 1, len(tokens)):
        code = tokens[n].code
        if code is not None and code != item and not code.startswith(item + "."):
            return n
    return len(tokens)


def _match(word: str, start: int, limit: int, claimed: Collection[int]) -> list[int] | None:
    """Seed positions (one, or the pieces of a word broken across lines) of the first unclaimed match."""
    tokens = seed_tokens()
    for n in range(start, limit):
        if n in claimed or tokens[n].code is not None:
            continue
        if tokens[n].word == word:
            return [n]
        piece, used = tokens[n].word, [n]
        while word.startswith(piece) and len(used) < MAX_PIECES:
            nxt = used[-1] + 1
            if nxt >= limit or nxt in claimed or tokens[nxt].code is not None or tokens[nxt].line == tokens[used[-1]].line:
                break
            piece, used = piece + tokens[nxt].word, [*used, nxt]
            if piece == word:
                return used
    return None


def _first_words(index: int) -> list[str]:
    """Up to two words printed right after the code: on its line, or on the first line after it, up to the next code."""
    tokens = seed_tokens()
    out: list[str] = []
    for t in tokens[index + 1 :]:
        if t.code is not None or (out and t.line != tokens[index + 1].line) or len(out) == 2:
            break
        out.append(t.word)
    return out


def label_problems(item_key: str, labels: dict[str, str]) -> list[str]:
    """Problems of the labels of one item (``labels``: code → label, the item's own label included for a 79 row).

    Each label's words must be found, in order and each seed word used by one label only, from its
    code's position on, within WINDOW words and within the item's printed extent; every word the seed
    prints in that extent must be used by some label; the label must begin with the words printed
    right after its code.
    """
    tokens = seed_tokens()
    problems: list[str] = []
    claimed: dict[int, str] = {}  # seed position → the code whose label holds that word
    first_code = min((_code_index(c) for c in labels), default=0)
    end = _region_end(first_code, item_key)
    for code, label in labels.items():
        at = _code_index(code)
        pos, label_words = at + 1, words(label)
        for n, word in enumerate(label_words, 1):
            found = _match(word, pos, min(at + 1 + WINDOW, end), claimed)
            if found is None:
                after = " ".join(tokens[p].code or tokens[p].word for p in range(pos, min(pos + 8, end)) if p not in claimed)
                previous = f"; the previous word «{label_words[n - 2]}» was matched {pos - at - 1} seed words after the code" if n > 1 else ""
                taken = sorted({claimed[p] for p in range(at + 1, end) if p in claimed and tokens[p].word == word})
                owner = f"; printed there, but matched by the label of {', '.join(taken)}" if taken else ""
                problems.append(f"{code}: label word {n}/{len(label_words)} «{word}» not found in the seed within {WINDOW} words "
                                f"after «{code}.» (seed continues: «{after} …»{previous}{owner}); label: «{label}»")
                break
            claimed.update(dict.fromkeys(found, code))
            pos = found[-1] + 1
        first = " ".join(_first_words(at))
        if not " ".join(label_words).startswith(first):
            problems.append(f"{code}: the seed prints «{first}» right after the code; label: «{label}»")
    stray = [tokens[n].word for n in range(first_code, end) if tokens[n].code is None and n not in claimed]
    if stray and not problems:
        problems.append(f"{item_key}: words printed under the item that no label holds: {stray}")
    return problems


def test_label_items_cover_the_printed_closed_lists() -> None:
    assert _children("79") == [f"79.{n}" for n in range(1, 14)]
    options = sum(len(_children(key)) for key in LABEL_ITEMS)
    assert options == 122  # 4 + 20 + 21 + 12×4 + 4 + 5 + 20


@pytest.mark.parametrize("item_key", LABEL_ITEMS)
def test_option_codes_are_those_printed(item_key: str) -> None:
    item = exported_items(LATEST)[item_key]
    assert [o["code"] for o in item["options"]] == _children(item_key)


def test_score_rows_of_79_are_those_printed() -> None:
    rows = [k for k, it in exported_items(LATEST).items() if it["type"] == "score"]
    assert rows == [f"79.{n}" for n in range(1, 13)]


@pytest.mark.parametrize("item_key", LABEL_ITEMS)
def test_option_labels_are_the_printed_text(item_key: str) -> None:
    item = exported_items(LATEST)[item_key]
    labels = {o["code"]: o["label"] for o in item["options"]}
    if item["type"] == "score":  # the row's own label: the impairment type printed under the row's code
        labels = {item_key: item["label"]} | labels
    problems = label_problems(item_key, labels)
    assert problems == [], "\n".join(problems)
