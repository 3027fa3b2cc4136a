"""Адресные рекомендации: explicit rules over the figures of the аналитическая справка.

Every rule reads only what the report itself shows (the same scored indicators, deficit matrix, load table and
roadmap statuses), and every recommendation cites the figures that triggered it, so the reader can check it in
the report. A small deficit cell hidden from the reader's role has no figures and never triggers a rule.
The thresholds are data (``data/reference/recommendations.yaml``); the report's appendix lists those in force.

Rules (a rule fires when its figure is *above* its threshold, or *at least* it where the wording says so):

``indicator_gap``
    A share indicator of the act (unit «%») falls short of its target by more than ``region_points`` п.п. for
    the region (→ the region's education authority and the ЦНППМ, one per indicator) or ``municipality_points``
    п.п. for a municipality (→ its ОМСУ and methodical service, one per municipality listing each indicator).
    The measure is the indicator's entry of ``actions``. Cites value, target and the gap.
``deficit_above_region``
    A municipality's share of educators with a deficit in a competency area exceeds the region's share in that
    area by more than ``points`` п.п., at least ``min_assessed`` people assessed (→ ЦНППМ and the municipality's
    methodical service: ФР ДППО programmes and internships in those areas). Cites both shares, the difference
    and the people assessed.
``deficit_area_region``
    The region's share with a deficit in an area is at least ``share`` % (→ ЦНППМ: ФР ДППО programmes in the
    next year's plan). Cites the share and the counts.
``methodist_load``
    Teachers per methodist FTE exceed the norm by more than ``over_norm_percent`` % of it, or a municipality
    has teachers and no methodist (→ the education authority and the ЦНППМ: the FTE missing, teachers ÷ norm
    up to a quarter FTE − FTE, as on the «Нагрузка методистов» page). For the region and for each
    municipality. Cites teachers, FTE, load and norm.
``roadmap_late``
    A roadmap item reported «не выполнено» at the report's date, or overdue with its last due date at least
    ``min_days`` days before it (→ its responsible bodies). Cites the deadline, the days late and the status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from rsnms import deficits, formatting, labels, methodists, roadmap
from rsnms.config import REFERENCE_DIR
from rsnms.errors import RsnmsError

RULES_FILE = REFERENCE_DIR / "recommendations.yaml"
RULE_NAMES = {
    "indicator_gap": "Показатель ниже цели",
    "deficit_above_region": "Дефициты выше, чем по региону",
    "deficit_area_region": "Распространённый дефицит в регионе",
    "methodist_load": "Нагрузка методистов выше нормы",
    "roadmap_late": "Мероприятие дорожной карты не выполнено в срок",
}
AUTHORITY = "Региональный орган управления образованием"
MUNICIPAL_BODIES = "ОМСУ, осуществляющий управление в сфере образования; муниципальная методическая служба"
GENERAL_ACTION = "принять меры для достижения целевого значения показателя"
DAY_FORMS = ("день", "дня", "дней")
_FIELDS = {  # (section, key) of the rules file → field of Rules
    ("indicator_gap", "region_points"): "region_gap_points",
    ("indicator_gap", "municipality_points"): "municipality_gap_points",
    ("deficit_above_region", "points"): "deficit_points",
    ("deficit_above_region", "min_assessed"): "deficit_min_assessed",
    ("deficit_area_region", "share"): "region_deficit_share",
    ("methodist_load", "over_norm_percent"): "load_over_norm_percent",
    ("roadmap_late", "min_days"): "late_min_days",
}


@dataclass(frozen=True)
class Rules:
    """The thresholds of the rules (see the module docstring) and the measure per indicator code."""

    region_gap_points: float
    municipality_gap_points: float
    deficit_points: float
    deficit_min_assessed: float
    region_deficit_share: float
    load_over_norm_percent: float
    late_min_days: float
    actions: dict[str, str] = field(default_factory=dict)


def load_rules(path: Path = RULES_FILE) -> Rules:
    """The rules file; a missing or wrong threshold is refused in Russian."""
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RsnmsError(f"Не удалось прочитать файл правил рекомендаций «{path.name}».") from error
    raw = raw if isinstance(raw, dict) else {}
    values: dict[str, float] = {}
    for (section, key), name in _FIELDS.items():
        value = (raw.get(section) or {}).get(key) if isinstance(raw.get(section) or {}, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise RsnmsError(f"В файле правил «{path.name}» укажите {section}.{key}: неотрицательное число.")
        values[name] = float(value)
    actions = raw.get("actions") or {}
    if not isinstance(actions, dict):
        raise RsnmsError(f"В файле правил «{path.name}» раздел actions — код показателя: текст меры.")
    return Rules(**values, actions={str(code): " ".join(str(text).split()) for code, text in actions.items()})


def describe(rules: Rules) -> pd.DataFrame:
    """The rules with the thresholds in force, as the report's appendix and the page list them."""
    n = formatting.short_number
    rows = [
        (
            "indicator_gap",
            f"Доля по показателю акта ниже цели более чем на {n(rules.region_gap_points)} п.п. по региону "
            f"или более чем на {n(rules.municipality_gap_points)} п.п. по муниципалитету",
            "Мера, закреплённая за показателем (например, диагностика, ИОМ, программы ФР ДППО, наставничество)",
            f"{AUTHORITY}, ЦНППМ; по муниципалитету — ОМСУ и ММС",
        ),
        (
            "deficit_above_region",
            f"Доля педагогов с дефицитом по компетенции в муниципалитете выше, чем по региону, более чем на "
            f"{n(rules.deficit_points)} п.п.; оценено не меньше {n(rules.deficit_min_assessed)} чел.",
            "Обучение по программам ФР ДППО и стажировки по этим компетенциям, учёт в ИОМ",
            "ЦНППМ, ММС",
        ),
        (
            "deficit_area_region",
            f"Доля педагогов с дефицитом по компетенции по региону не ниже {n(rules.region_deficit_share)} %",
            "Программы ФР ДППО по компетенции в плане повышения квалификации на следующий год",
            "ЦНППМ",
        ),
        (
            "methodist_load",
            f"Педагогов на 1 ставку методиста больше нормы более чем на {n(rules.load_over_norm_percent)} % "
            "нормы или в муниципалитете есть педагоги и нет методиста",
            "Недостающие ставки региональных методистов: педагоги ÷ норма (вверх до 0,25) − ставки",
            f"{AUTHORITY}, ЦНППМ",
        ),
        (
            "roadmap_late",
            "Мероприятие отмечено как невыполненное или его срок прошёл не меньше чем за "
            f"{n(rules.late_min_days)} {formatting.plural(rules.late_min_days, DAY_FORMS)} до даты справки",
            "Обеспечить выполнение мероприятия и отчитаться о нём",
            "Ответственные исполнители мероприятия",
        ),
    ]
    return pd.DataFrame(
        [(RULE_NAMES[code], *rest) for code, *rest in rows], columns=["Правило", "Условие", "Рекомендация", "Кому"]
    )


@dataclass(frozen=True)
class Figures:
    """What the report and its rules read, computed once for a region and year (see ``rsnms.report.gather``).

    ``scored``: ``monitoring.scored`` of the year and the one before; ``grid``: ``deficits.matrix`` of the
    municipalities, small cells hidden as the reader's role requires; ``load``: ``methodists.municipalities``
    at ``norm``; ``items``: ``roadmap.statuses`` as of ``as_of``; ``places``: ``queries.municipalities``.
    ``municipality_id``: the one municipality the report is about (None: the whole region).
    """

    region: str
    region_name: str
    year: int
    as_of: dt.date
    municipality_id: int | None
    places: pd.DataFrame
    scored: pd.DataFrame
    grid: pd.DataFrame
    load: pd.DataFrame
    norm: float
    items: pd.DataFrame
    scale_rule: str
    suppress_below: int | None

    def place_name(self, municipality_id: object) -> str:
        """A municipality's full name by id."""
        return str(self.places.set_index("id").loc[_id(municipality_id), "name"])


@dataclass(frozen=True)
class Recommendation:
    """One recommendation: which rule, where (None: the region), to whom, what, and the figures behind it."""

    rule: str
    municipality_id: int | None
    place: str
    addressee: str
    text: str
    grounds: tuple[str, ...]


def recommend(figures: Figures, rules: Rules) -> list[Recommendation]:
    """Every recommendation the rules give, the region's first, then the municipalities' in reference order.

    A report about one municipality keeps that municipality's only.
    """
    found = [
        *_indicator_gap(figures, rules),
        *_deficit_above_region(figures, rules),
        *_deficit_area_region(figures, rules),
        *_methodist_load(figures, rules),
        *_roadmap_late(figures, rules),
    ]
    if figures.municipality_id is not None:
        found = [item for item in found if item.municipality_id == figures.municipality_id]
    order = {int(place): index for index, place in enumerate(figures.places["id"], start=1)}
    rank = list(RULE_NAMES)
    return sorted(found, key=lambda item: (order.get(item.municipality_id or 0, 0), rank.index(item.rule)))


def display(found: list[Recommendation]) -> pd.DataFrame:
    """The recommendations as the page previews them."""
    return pd.DataFrame(
        {
            "№": range(1, len(found) + 1),
            "Где": [item.place for item in found],
            "Кому": [item.addressee for item in found],
            "Рекомендация": [item.text for item in found],
            "Основание": ["\n".join(item.grounds) for item in found],
            "Правило": [RULE_NAMES[item.rule] for item in found],
        }
    )


def _id(value: object) -> int:
    """A municipality id from a frame cell (an int, or a float where the column also holds NaN)."""
    return int(float(str(value)))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _indicator_gap(figures: Figures, rules: Rules) -> list[Recommendation]:
    if figures.scored.empty:  # the region's act lists no indicators
        return []
    rows = figures.scored[(figures.scored["year"] == figures.year) & (figures.scored["unit"] == "%")]
    rows = rows[rows["value"].notna() & rows["target"].notna()]
    over = rows["polarity"] == "at_most_target"
    rows = rows.assign(_gap=np.where(over, rows["value"] - rows["target"], rows["target"] - rows["value"]))
    regional = rows[rows["municipality_id"].isna() & (rows["_gap"] > rules.region_gap_points)]
    found = [
        Recommendation(
            "indicator_gap",
            None,
            figures.region_name,
            f"{AUTHORITY}, ЦНППМ",
            _sentence(rules.actions.get(row["code"], GENERAL_ACTION)),
            (_gap_text(row),),
        )
        for row in regional.to_dict("records")
    ]
    municipal = rows[rows["municipality_id"].notna() & (rows["_gap"] > rules.municipality_gap_points)]
    for place, own in municipal.groupby("municipality_id", sort=False):
        measures = "; ".join(rules.actions.get(code, GENERAL_ACTION) for code in dict.fromkeys(own["code"]))
        grounds = tuple(_gap_text(row) for row in own.to_dict("records"))
        name = figures.place_name(place)
        found.append(Recommendation("indicator_gap", _id(place), name, MUNICIPAL_BODIES, _sentence(measures), grounds))
    return found


def _gap_text(row: Mapping[Hashable, Any]) -> str:
    side = "выше" if row["polarity"] == "at_most_target" else "ниже"
    return (
        f"«{row['short_name']}»: {formatting.percent(row['value'])} при цели {formatting.percent(row['target'])} "
        f"(на {formatting.number(row['_gap'], 1)} п.п. {side} цели)."
    )


def _deficit_above_region(figures: Figures, rules: Rules) -> list[Recommendation]:
    cells = figures.grid[~figures.grid["area_total"] & (figures.grid["state"] == deficits.DATA)]
    region = cells[cells["row_total"]].set_index("area")["share"]
    body = cells[~cells["row_total"]].assign(_region=lambda frame: frame["area"].map(region).astype(float))
    body = body[
        (body["share"] - body["_region"] > rules.deficit_points)
        & (body["n_assessed"].astype(float) >= rules.deficit_min_assessed)
    ]
    found = []
    for place, own in body.groupby("row_id", sort=False):
        areas = ", ".join(f"«{area}»" for area in own["area"])
        which = "компетенции" if len(own) == 1 else "компетенциям"
        text = (
            f"Включить педагогов муниципалитета в обучение по программам ФР ДППО по {which} {areas}; организовать "
            "стажировки на базе региональных стажировочных площадок и учесть эти дефициты в индивидуальных "
            "образовательных маршрутах."
        )
        grounds = tuple(
            f"«{row['area']}»: дефицит у {formatting.percent(row['share'])} оценённых при "
            f"{formatting.percent(row['_region'])} по региону (на {formatting.number(row['share'] - row['_region'], 1)}"
            f" п.п. выше); оценено {formatting.number(float(row['n_assessed']))} чел."
            for row in own.to_dict("records")
        )
        found.append(
            Recommendation("deficit_above_region", _id(place), figures.place_name(place), "ЦНППМ, ММС", text, grounds)
        )
    return found


def _deficit_area_region(figures: Figures, rules: Rules) -> list[Recommendation]:
    grid = figures.grid
    region = grid[grid["row_total"] & ~grid["area_total"] & (grid["state"] == deficits.DATA)]
    found = []
    for row in region[region["share"] >= rules.region_deficit_share].to_dict("records"):
        text = (
            f"Предусмотреть в плане повышения квалификации на {figures.year + 1} год программы ФР ДППО по "
            f"компетенции «{row['area']}» и методическое сопровождение педагогов по ней."
        )
        counts = f"{formatting.number(float(row['n_with_deficit']))} из {formatting.number(float(row['n_assessed']))}"
        grounds = (
            f"По региону дефицит по компетенции «{row['area']}» у {formatting.percent(row['share'])} оценённых "
            f"({counts} чел.).",
        )
        found.append(Recommendation("deficit_area_region", None, figures.region_name, "ЦНППМ", text, grounds))
    return found


def _load_text(teachers: float, fte: float, load: float, norm: float) -> str:
    per = "ставок нет" if formatting.is_missing(load) else f"на 1 ставку — {formatting.number(load)}"
    return (
        f"Педагогических работников: {formatting.number(teachers)}; ставок методистов: "
        f"{formatting.short_number(fte, 2)}; {per} при норме не более {formatting.number(norm)}."
    )


def _fte(amount: float) -> str:
    return formatting.short_number(amount, 2)


def _methodist_load(figures: Figures, rules: Rules) -> list[Recommendation]:
    limit = figures.norm * (1 + rules.load_over_norm_percent / 100)
    totals = methodists.totals(figures.load, norm=figures.norm)
    found = []
    if totals["teachers_per_methodist"] > limit:
        text = (
            "Довести число ставок региональных методистов до нормы (недостающих ставок: "
            f"{_fte(totals['shortfall'])}; нагрузка выше нормы или нет методиста в {totals['over_norm']} из "
            f"{totals['municipalities']} муниципалитетов)."
        )
        grounds = (
            _load_text(totals["teachers"], totals["methodists_fte"], totals["teachers_per_methodist"], figures.norm),
        )
        found.append(Recommendation("methodist_load", None, figures.region_name, f"{AUTHORITY}, ЦНППМ", text, grounds))
    counted = figures.load[figures.load["status"] != methodists.NO_DATA]
    for row in counted.to_dict("records"):
        alone = row["status"] == methodists.NO_METHODIST
        if not alone and not row["teachers_per_methodist"] > limit:
            continue
        text = (
            f"Закрепить за муниципалитетом региональных методистов (ставок по норме: {_fte(row['required'])})."
            if alone
            else "Добавить региональных методистов, чтобы нагрузка не превышала нормы (недостающих ставок: "
            f"{_fte(row['shortfall'])})."
        )
        grounds = (_load_text(row["teachers"], row["methodists_fte"], row["teachers_per_methodist"], figures.norm),)
        place = int(row["municipality_id"])
        found.append(
            Recommendation("methodist_load", place, figures.place_name(place), f"{AUTHORITY}, ЦНППМ", text, grounds)
        )
    return found


def _roadmap_late(figures: Figures, rules: Rules) -> list[Recommendation]:
    found = []
    for row in figures.items[figures.items["status"].isin(roadmap.LATE_STATUSES)].to_dict("records"):
        last = row["last_due"] if isinstance(row["last_due"], dt.date) else None
        days = (figures.as_of - last).days if last else None
        if row["status"] == "overdue" and days is not None and days < rules.late_min_days:
            continue
        passed = f"{days} {formatting.plural(days, DAY_FORMS)}" if days is not None else ""
        late = f" Срок {formatting.long_date(last)} прошёл {passed} назад." if last else ""
        status = labels.ROADMAP_STATUS[str(row["status"])][0]
        bodies = ", ".join(roadmap.responsible_bodies(row["responsible"])) or "Ответственные исполнители"
        text = (
            f"Обеспечить выполнение мероприятия {row['roadmap_code']} № {row['item_no'] or '—'} "
            f"«{' '.join(str(row['activity']).split())}» и представить отчёт о его исполнении."
        )
        on = formatting.long_date(figures.as_of)
        grounds = (f"Срок по акту: {row['deadline_raw'] or '—'}.{late} Статус на {on}: {status}.",)
        found.append(Recommendation("roadmap_late", None, figures.region_name, bodies, text, grounds))
    return found
