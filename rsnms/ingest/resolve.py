"""Matching what a spreadsheet writes to the reference: municipalities, areas, levels, statuses.

Municipality names come in many forms: «г. Шуя», «городской округ Шуя», «Шуйский муниципальный
район», «Шуйский р-н» name two different units, and each is found. A name that fits several
units is ambiguous; one that fits none is unknown: both are reported, never guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from rsnms.ingest.text import normalise

CITY, DISTRICT = "city", "district"
_CITY_PREFIX = re.compile(r"^(г|город|городской округ|го|зато)\s+")
_CITY_SUFFIX = re.compile(r"\s+(городской округ|го)$")
_DISTRICT_SUFFIX = re.compile(r"\s+(муниципальный район|муниципальный округ|район|р-н|р-он|мр|мо)$")


def _stem(text: str) -> tuple[str, str | None]:
    """(stem, kind hint) of a normalised municipality name."""
    if _CITY_PREFIX.search(text) or _CITY_SUFFIX.search(text):
        return _CITY_SUFFIX.sub("", _CITY_PREFIX.sub("", text)), CITY
    if _DISTRICT_SUFFIX.search(text):
        return _DISTRICT_SUFFIX.sub("", text), DISTRICT
    return text, None


@dataclass(frozen=True)
class Match:
    """The municipalities a written name may mean (none: unknown; several: ambiguous)."""

    ids: tuple[int, ...]
    regions: tuple[str, ...]


class MunicipalityIndex:
    """Look up municipality ids by any usual form of their name."""

    def __init__(self, municipalities: pd.DataFrame) -> None:
        """``municipalities``: ``id``, ``region`` (code), ``name``, ``kind``."""
        self._by_stem: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        self.names = {int(m): str(n) for m, n in zip(municipalities["id"], municipalities["name"], strict=True)}
        for row in municipalities.to_dict("records"):
            stem, hint = _stem(normalise(row["name"]))
            kind = hint or (CITY if row["kind"] == "городской округ" else DISTRICT)
            self._by_stem[stem].append((int(row["id"]), str(row["region"]), kind))

    def lookup(self, text: str, *, region: str | None = None) -> Match:
        """Every municipality (of ``region`` when given) that ``text`` may name."""
        stem, hint = _stem(normalise(text))
        found = [
            (muni_id, code)
            for muni_id, code, kind in self._by_stem.get(stem, [])
            if (hint is None or kind == hint) and (region is None or code == region)
        ]
        return Match(tuple(muni_id for muni_id, _ in found), tuple(code for _, code in found))


def area_code(text: str, areas: pd.DataFrame) -> str | None:
    """The competency area a written name or code means («Цифровые компетенции» → digital)."""
    value = normalise(text)
    for row in areas.to_dict("records"):
        name = normalise(row["name"])
        if value in (row["code"], name) or value.startswith(name[:-2]):
            return str(row["code"])
    return None


def level_code(text: str) -> str | None:
    """«выраженный дефицит» → severe, «частичный…» → partial, «дефицит отсутствует» → none."""
    value = normalise(text)
    if "отсутств" in value or value.startswith(("нет", "без")):
        return "none"
    if "выражен" in value or "высок" in value:
        return "severe"
    if "частич" in value or "умерен" in value:
        return "partial"
    return None


# Checked in order: the specific phrases first («не выполнено» contains «выполнено»).
_STATUS_WORDS = (
    ("partial", ("частич",)),
    ("not_started", ("не начат",)),
    ("not_done", ("не выполн", "не исполн", "сорван", "просроч")),
    ("in_progress", ("в работе", "реализу", "в процессе", "выполняет", "исполняет")),
    ("done", ("выполнен", "исполнен", "завершен", "реализован")),
)


def report_status(text: str) -> str | None:
    """A roadmap status code from the words a report uses."""
    value = normalise(text)
    for code, words in _STATUS_WORDS:
        if any(word in value for word in words):
            return code
    return None


MANAGER_WORDS = ("директор", "заведующ", "заместител", "руководител", "начальник")


def category(position: str | None) -> str:
    """Управленческие кадры for heads and deputies, педагогические работники otherwise."""
    value = normalise(position or "")
    return "manager" if any(word in value for word in MANAGER_WORDS) else "pedagogue"


# Organisation kinds as written («СОШ», «детский сад», «колледж») → stored codes; the first match wins.
_ORG_KINDS = (
    ("dpo", ("дпо", "повышения квалификации", "институт развития")),
    ("preschool", ("дошкол", "детский сад", "доу")),
    ("additional_ed", ("дополнительного образования", "творчества", "до ")),
    ("spo", ("профессиональн", "колледж", "техникум", "спо")),
    ("general_school", ("общеобразоват", "школ", "сош", "оош", "гимназ", "лице")),
)


def org_kind(text: str | None) -> str:
    """The stored kind of an organisation from the words a file uses (empty when unknown)."""
    value = f"{normalise(text or '')} "
    return next((code for code, words in _ORG_KINDS if any(word in value for word in words)), "")
