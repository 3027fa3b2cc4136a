"""What-if scenarios (design.md §1, §4): named overrides of targets and of the methodist norm, never official.

A scenario belongs to a region and holds target overrides (indicator, year, the region or one municipality,
value) and constant overrides (``methodist_norm``). Official targets stay in ``indicator_target`` and are never
touched. Under a scenario an indicator's target for a scope and year is, most specific first: the scenario's
for the municipality, the official one for the municipality, the scenario's for the region, the official one
for the region. This module is pure (statuses, comparison, pace, presets, validation, what a reader sees, the
XLSX); ``rsnms.scenario_store`` stores scenarios, checking the role and auditing every change.

Frames of targets have the columns of ``queries.targets``: ``code``, ``year``, ``municipality_id`` (NA: the
region) and ``target``. Functions copy their inputs and never modify them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from rsnms import export, formatting, indicators, labels, methodists, monitoring, overview
from rsnms.errors import RsnmsError

FIRST_YEAR, LAST_YEAR = 2021, 2030
NORM_CODE = methodists.NORM_CODE
NORM_RANGE = (150, 400)
CONSTANTS = {NORM_CODE: "Норма: педагогов на 1 методиста"}
TARGET_COLUMNS = ["code", "year", "municipality_id", "target"]
EDITOR_COLUMNS = ["Показатель", "Муниципальное образование", "Год", "Цель"]
WHOLE_REGION = "весь регион"
MAX_NAME = 120
PRESET_POINTS = 10.0
PRESET_SHIFT = (2024, 2026)
PRESET_NORM = 200.0
PRESET_DECIMALS = 1  # a target a person reads, and one an XLSX round trip keeps exactly
PACE_STATES = {
    "met": "цель уже достигнута",
    "on_track": "успевает при нынешнем тренде",
    "behind": "тренда не хватает",
    "no_trend": "тренд неизвестен (меньше двух лет данных)",
    "unreachable": "недостижима: срок цели прошёл",
    "no_target": "цель не установлена",
    "no_data": "нет данных",
}
SHEET_ABOUT, SHEET_TARGETS, SHEET_CONSTANTS = "Сценарий", "Цели", "Константы"


@dataclass(frozen=True)
class Scenario:
    """A stored scenario: ``targets`` are (code, year, municipality id or None, value); ``constants`` (code, value)."""

    id: int
    name: str
    region: str
    description: str = ""
    author: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    targets: tuple[tuple[str, int, int | None, float], ...] = ()
    constants: tuple[tuple[str, float], ...] = ()

    def target_frame(self) -> pd.DataFrame:
        """The target overrides in the ``queries.targets`` shape."""
        return as_targets(pd.DataFrame(list(self.targets), columns=TARGET_COLUMNS))

    def constant(self, code: str, default: float) -> float:
        """The scenario's value of a constant, or ``default`` (the official value) when it has none."""
        return dict(self.constants).get(code, default)


@dataclass(frozen=True, eq=False)  # frames do not compare to a bool
class Analysis:
    """A scenario against the official figures of one year: statuses, the pace needed, the methodists to hire."""

    scored: pd.DataFrame = field(repr=False)  # monitoring.scored under the scenario
    comparison: pd.DataFrame = field(repr=False)
    pace: pd.DataFrame = field(repr=False)
    hiring: pd.DataFrame = field(repr=False)
    official_norm: float
    scenario_norm: float


def only_municipality(analysis: Analysis, municipality_id: int) -> Analysis:
    """The analysis of one municipality alone (a municipal account sees and exports nothing else)."""

    def own(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["municipality_id"] == municipality_id].reset_index(drop=True)

    return replace(
        analysis,
        scored=own(analysis.scored),
        comparison=own(analysis.comparison),
        pace=own(analysis.pace),
        hiring=own(analysis.hiring),
    )


def as_targets(frame: pd.DataFrame) -> pd.DataFrame:
    """The target columns of a frame, typed (``municipality_id`` nullable); a new frame."""
    return frame[TARGET_COLUMNS].astype({"code": str, "year": int, "municipality_id": "Int64", "target": float})


# --- Targets, statuses, comparison ------------------------------------------------------------------------


def effective_targets(official: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
    """The official targets with the scenario's overrides in their place (same code, year and scope)."""
    both = pd.concat([as_targets(overrides), as_targets(official)], ignore_index=True)
    return both.drop_duplicates(["code", "year", "municipality_id"]).reset_index(drop=True)


def apply(scored: pd.DataFrame, *, official: pd.DataFrame, overrides: pd.DataFrame, close_band: float) -> pd.DataFrame:
    """``monitoring.scored`` rows with the scenario's targets and the statuses they give (a new frame)."""
    return monitoring.with_targets(scored, effective_targets(official, overrides), close_band=close_band)


def compare(official: pd.DataFrame, scenario: pd.DataFrame, *, year: int) -> pd.DataFrame:
    """Every indicator and scope of a year under both: value, each target and status, and ``changed``."""
    columns = ["code", "short_name", "unit", "municipality_id", "value"]
    left = official[official["year"] == year][[*columns, "target", "status"]]
    right = scenario[scenario["year"] == year][["code", "municipality_id", "target", "status"]]
    both = left.merge(right, on=["code", "municipality_id"], suffixes=("_official", "_scenario"))
    both["changed"] = both["status_official"] != both["status_scenario"]
    return both.reset_index(drop=True)


def changes(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per indicator (region-only ones too): municipalities compared, those whose status changes, the region's."""
    places = comparison[comparison["municipality_id"].notna()].groupby("code")["changed"].agg(["size", "sum"])
    region = comparison[comparison["municipality_id"].isna()][["code", "short_name", "changed"]]
    summary = region.rename(columns={"changed": "region_changed"}).merge(
        places.rename(columns={"size": "municipalities", "sum": "changed"}),
        left_on="code",
        right_index=True,
        how="left",
    )
    summary[["municipalities", "changed"]] = summary[["municipalities", "changed"]].fillna(0).astype(int)
    return summary[["code", "short_name", "municipalities", "changed", "region_changed"]].reset_index(drop=True)


def changed_municipalities(comparison: pd.DataFrame) -> int:
    """How many municipalities change the status of at least one indicator."""
    places = comparison[comparison["municipality_id"].notna() & comparison["changed"]]
    return int(places["municipality_id"].nunique())


# --- Required pace ------------------------------------------------------------------------------------------


def final_targets(targets: pd.DataFrame, scopes: pd.DataFrame) -> pd.DataFrame:
    """The last target of each indicator and scope: ``target_year``, ``target`` added to ``scopes``.

    ``scopes`` has ``code`` and ``municipality_id``; a municipality takes the region's target for the years it
    has none of its own (so the last one may be the region's).
    """
    ordered = as_targets(targets).sort_values("year")
    regional = (
        ordered[ordered["municipality_id"].isna()].drop(columns="municipality_id").drop_duplicates("code", keep="last")
    )
    own = ordered[ordered["municipality_id"].notna()].drop_duplicates(["code", "municipality_id"], keep="last")
    keys = scopes[["code", "municipality_id"]].astype({"municipality_id": "Int64"})
    own_last = keys.merge(own, on=["code", "municipality_id"], how="left")
    region_last = keys[["code"]].merge(regional, on="code", how="left")
    use_region = own_last["year"].isna() | (region_last["year"] > own_last["year"])
    result = keys.copy()
    result["target_year"] = region_last["year"].where(use_region, own_last["year"]).to_numpy()
    result["target"] = region_last["target"].where(use_region, own_last["target"]).to_numpy()
    return result


def _slopes(known: pd.DataFrame, keys: list[str]) -> pd.Series:
    """The least-squares slope per group (the trend ``monitoring.forecast`` extends); NaN under two years."""
    grouped = known.groupby(keys, dropna=False)
    dx = known["year"] - grouped["year"].transform("mean")
    dy = known["value"] - grouped["value"].transform("mean")
    parts = pd.DataFrame({**{k: known[k] for k in keys}, "xy": dx * dy, "xx": dx * dx})
    sums = parts.groupby(keys, dropna=False)[["xy", "xx"]].sum()
    return (sums["xy"] / sums["xx"].replace(0, np.nan)).rename("trend")


def pace(scored: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """For every indicator and scope: the increase per year (and month) needed to reach the last target.

    Args:
        scored: ``monitoring.scored`` rows (``code``, ``short_name``, ``unit``, ``polarity``, ``municipality_id``,
            ``year``, ``value``) over the years with data.
        targets: the targets to reach (official, or ``effective_targets`` of a scenario).

    Returns:
        One row per indicator and scope: ``latest_year``, ``latest``, ``target_year``, ``target``, ``needed``
        (per year; negative when the value must fall), ``needed_month``, ``trend`` (the observed change per
        year) and ``state`` (a key of ``PACE_STATES``).
    """
    keys = ["code", "municipality_id"]
    frame = scored[[*keys, "short_name", "unit", "polarity", "year", "value"]].copy()
    frame["municipality_id"] = frame["municipality_id"].astype("Int64")
    scopes = frame.drop_duplicates(keys)[[*keys, "short_name", "unit", "polarity"]].reset_index(drop=True)
    known = frame.dropna(subset=["value"]).sort_values("year")
    latest = known.drop_duplicates(keys, keep="last")[[*keys, "year", "value"]]
    result = scopes.merge(latest.rename(columns={"year": "latest_year", "value": "latest"}), on=keys, how="left")
    result = result.merge(_slopes(known, keys).reset_index(), on=keys, how="left")
    finals = final_targets(targets, scopes)
    result["target_year"], result["target"] = finals["target_year"].to_numpy(), finals["target"].to_numpy()
    years_left = result["target_year"] - result["latest_year"]
    result["needed"] = ((result["target"] - result["latest"]) / years_left.where(years_left > 0)).astype(float)
    result["needed_month"] = result["needed"] / 12
    result["state"] = [_pace_state(row) for row in result.to_dict("records")]
    return result


def _pace_state(row: Mapping[Any, Any]) -> str:
    latest, target, trend, needed = (float(row[k]) for k in ("latest", "target", "trend", "needed"))
    if math.isnan(latest):
        return "no_data"
    if math.isnan(target):
        return "no_target"
    if indicators.status(latest, target, polarity=row["polarity"], unit=row["unit"], close_band=0) == "met":
        return "met"
    if math.isnan(needed):
        return "unreachable"
    if math.isnan(trend):
        return "no_trend"
    sign = -1.0 if row["polarity"] == "at_most_target" else 1.0
    return "on_track" if sign * trend >= sign * needed else "behind"


def hiring(base: pd.DataFrame, *, official_norm: float, scenario_norm: float) -> pd.DataFrame:
    """Per municipality with teachers: methodists required and missing under the official and the scenario norm."""
    official = methodists.municipalities(base, norm=official_norm)
    scenario = methodists.municipalities(base, norm=scenario_norm)
    columns = ["municipality_id", "required", "shortfall"]
    both = official.merge(scenario[columns], on="municipality_id", suffixes=("_official", "_scenario"))
    return both[both["status"] != methodists.NO_DATA].reset_index(drop=True)


def analyse(
    scored: pd.DataFrame,
    *,
    scenario: Scenario,
    official: pd.DataFrame,
    base: pd.DataFrame,
    official_norm: float,
    close_band: float,
    year: int,
) -> Analysis:
    """Everything the scenario page and its export show, from the official scored frame of every year with data."""
    under = apply(scored, official=official, overrides=scenario.target_frame(), close_band=close_band)
    norm = scenario.constant(NORM_CODE, official_norm)
    return Analysis(
        scored=under,
        comparison=compare(scored, under, year=year),
        pace=pace(scored, effective_targets(official, scenario.target_frame())),
        hiring=hiring(base, official_norm=official_norm, scenario_norm=norm),
        official_norm=official_norm,
        scenario_norm=norm,
    )


# --- Presets ------------------------------------------------------------------------------------------------


def _merged(overrides: pd.DataFrame, new: pd.DataFrame, official: pd.DataFrame) -> pd.DataFrame:
    """The overrides with ``new`` in their place, less the rows equal to the official target (they change nothing)."""
    rounded = as_targets(new).assign(target=lambda frame: frame["target"].round(PRESET_DECIMALS))
    result = effective_targets(pd.DataFrame(columns=TARGET_COLUMNS), pd.concat([rounded, as_targets(overrides)]))
    same = result.merge(as_targets(official), on=["code", "year", "municipality_id"], how="left", suffixes=("", "_off"))
    return result[~np.isclose(same["target"], same["target_off"].astype(float))].reset_index(drop=True)


def raise_targets(
    overrides: pd.DataFrame, *, official: pd.DataFrame, catalogue: pd.DataFrame, points: float = PRESET_POINTS
) -> pd.DataFrame:
    """«цель +10 п.п.»: every share target (higher is better) of the catalogue raised by ``points``, at most 100."""
    targets = effective_targets(official, overrides)
    shares = catalogue[(catalogue["unit"] == indicators.PERCENT_UNIT) & (catalogue["polarity"] == "higher_is_better")]
    raised = targets[targets["code"].isin(shares["code"])].copy()
    raised["target"] = (raised["target"] + points).clip(upper=100.0)
    return _merged(overrides, raised, official)


def shift_targets(
    overrides: pd.DataFrame, *, official: pd.DataFrame, catalogue: pd.DataFrame, years: tuple[int, int] = PRESET_SHIFT
) -> pd.DataFrame:
    """«перенести цели 2024 на 2026»: the targets of the first year become those of the second.

    The years between (the first included) get the straight line from the scope's previous target to it,
    so the first year's target becomes an intermediate step.
    """
    source, until = years
    targets = effective_targets(official, overrides)
    targets = targets[targets["code"].isin(catalogue["code"])].sort_values("year")
    moved = []
    for row in targets[targets["year"] == source].to_dict("records"):
        scope = (
            targets["municipality_id"].isna()
            if pd.isna(row["municipality_id"])
            else (targets["municipality_id"] == row["municipality_id"])
        )
        before = targets[scope & (targets["code"] == row["code"]) & (targets["year"] < source)].tail(1)
        moved.append({**row, "year": until})
        if before.empty:
            continue
        start_year, start = int(before["year"].iloc[0]), float(before["target"].iloc[0])
        step = (float(row["target"]) - start) / (until - start_year)
        moved += [{**row, "year": y, "target": start + step * (y - start_year)} for y in range(source, until)]
    new = pd.DataFrame(moved, columns=TARGET_COLUMNS) if moved else pd.DataFrame(columns=TARGET_COLUMNS)
    return _merged(overrides, new, official)


# --- Validation and the editor table ----------------------------------------------------------------------


def target_problems(targets: pd.DataFrame, *, catalogue: pd.DataFrame, municipalities: pd.DataFrame) -> list[str]:
    """What is wrong with target overrides, in Russian: unknown codes or places, years and values out of range."""
    units = dict(zip(catalogue["code"], catalogue["unit"], strict=True))
    names = dict(zip(catalogue["code"], catalogue["short_name"], strict=True))
    places = dict(zip(municipalities["id"], municipalities["name"], strict=True))
    found = []
    for row in as_targets(targets).to_dict("records"):
        code, year, place, value = row["code"], int(row["year"]), row["municipality_id"], float(row["target"])
        where = f"{names.get(code, code)}, {WHOLE_REGION if pd.isna(place) else places.get(place, place)}, {year}"
        if code not in units:
            found.append(f"{where}: такого показателя нет в акте региона.")
            continue
        if not pd.isna(place) and place not in places:
            found.append(f"{where}: муниципальное образование не относится к региону.")
        if not FIRST_YEAR <= year <= LAST_YEAR:
            found.append(f"{where}: год должен быть от {FIRST_YEAR} до {LAST_YEAR}.")
        unit = units[code]
        if math.isnan(value) or (unit == indicators.PERCENT_UNIT and not 0 <= value <= 100):
            found.append(f"{where}: цель {formatting.short_number(value)} — доля должна быть от 0 до 100.")
        elif value < 0:
            found.append(f"{where}: цель не может быть отрицательной.")
    duplicated = as_targets(targets).duplicated(["code", "year", "municipality_id"])
    if duplicated.any():
        found.append(f"Одна и та же цель задана дважды (строк с повтором: {int(duplicated.sum())}).")
    return found


def constant_problems(constants: Mapping[str, float]) -> list[str]:
    """What is wrong with constant overrides, in Russian."""
    found = [f"Неизвестная константа «{code}»." for code in constants if code not in CONSTANTS]
    norm = constants.get(NORM_CODE)
    if norm is not None and not (NORM_RANGE[0] <= norm <= NORM_RANGE[1]):
        found.append(f"Норма нагрузки должна быть от {NORM_RANGE[0]} до {NORM_RANGE[1]} педагогов на 1 методиста.")
    return found


def editor_frame(targets: pd.DataFrame, *, catalogue: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """The overrides as the page's editor (and the XLSX «Цели» sheet) show them, with Russian headers."""
    names = dict(zip(catalogue["code"], catalogue["short_name"], strict=True))
    places = dict(zip(municipalities["id"], municipalities["name"], strict=True))
    frame = as_targets(targets)
    return pd.DataFrame(
        {
            "Показатель": [names.get(code, code) for code in frame["code"]],
            "Муниципальное образование": [
                WHOLE_REGION if pd.isna(m) else places.get(m, str(m)) for m in frame["municipality_id"]
            ],
            "Год": frame["year"].astype("Int64"),
            "Цель": frame["target"].astype(float),
        }
    ).astype({"Показатель": "string", "Муниципальное образование": "string"})  # text even with no rows (the editor)


def from_editor(edited: pd.DataFrame, *, catalogue: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """The editor's (or an imported sheet's) rows as target overrides; RsnmsError with every problem in Russian.

    Indicators are named by short name or code, places by name, short name or «весь регион» (empty: the region);
    rows left wholly empty are skipped.
    """
    codes = {**{c: c for c in catalogue["code"]}, **dict(zip(catalogue["short_name"], catalogue["code"], strict=True))}
    places = {**dict(zip(municipalities["short_name"], municipalities["id"], strict=True))}
    places.update(dict(zip(municipalities["name"], municipalities["id"], strict=True)))
    rows, found = [], []
    for number, row in enumerate(edited[EDITOR_COLUMNS].to_dict("records"), start=1):
        cells = {key: (None if is_blank(value) else value) for key, value in row.items()}
        if all(value is None for value in cells.values()):
            continue
        indicator, place = cells["Показатель"], cells["Муниципальное образование"]
        year, value = parse_number(cells["Год"]), parse_number(cells["Цель"])
        problems = []
        if indicator is None or str(indicator).strip() not in codes:
            problems.append(f"показатель «{indicator or ''}» не найден")
        if place is not None and str(place).strip() != WHOLE_REGION and str(place).strip() not in places:
            problems.append(f"муниципальное образование «{place}» не найдено")
        if year is None or not float(year).is_integer():
            problems.append("укажите год целым числом")
        if value is None:
            problems.append("укажите цель числом")
        if problems:
            found.append(f"Строка {number}: " + "; ".join(problems) + ".")
            continue
        where = None if place is None or str(place).strip() == WHOLE_REGION else places[str(place).strip()]
        rows.append(
            {"code": codes[str(indicator).strip()], "year": int(year or 0), "municipality_id": where, "target": value}
        )
    frame = as_targets(pd.DataFrame(rows, columns=TARGET_COLUMNS))
    found += target_problems(frame, catalogue=catalogue, municipalities=municipalities)
    if found:
        raise RsnmsError("Сценарий не сохранён. " + " ".join(found))
    return frame


def is_blank(value: Any) -> bool:
    """True for an empty cell: None, NaN/NA or whitespace."""
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (not isinstance(value, str) and pd.isna(value))
    )


def parse_number(value: Any) -> float | None:
    """A number from a cell: 12.5, «12,5», «1 234»; None when it is not one."""
    if value is None:
        return None
    try:
        return float(str(value).replace("\u2009", "").replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        return None


# --- What a reader sees -------------------------------------------------------------------------------------


def overrides(scenario: Scenario, *, municipalities: pd.DataFrame) -> pd.DataFrame:
    """``kind`` (target or constant), ``code``, ``year``, ``municipality``, ``value``: what the scenario overrides."""
    targets = scenario.target_frame()
    rows = pd.DataFrame(
        {
            "kind": "target",
            "code": targets["code"],
            "year": targets["year"].astype("Int64"),
            "municipality": _place_names(targets, municipalities),
            "value": targets["target"],
        }
    )
    constants = pd.DataFrame(
        [("constant", code, pd.NA, "", value) for code, value in scenario.constants], columns=list(rows.columns)
    )
    return pd.concat([rows, constants], ignore_index=True) if len(constants) else rows


def display_listing(listed: pd.DataFrame) -> pd.DataFrame:
    """The scenarios of a region as the page lists them (Russian headers)."""
    when = pd.to_datetime(listed["updated_at"], utc=True, format="mixed").dt.strftime("%d.%m.%Y %H:%M")
    return pd.DataFrame(
        {
            "№": listed["id"],
            "Название": listed["name"],
            "Описание": listed["description"],
            "Автор": listed["author"].fillna("—"),
            "Изменён (UTC)": when,
            "Целей": listed["targets"],
            "Своя норма": ["да" if n else "нет" for n in listed["constants"]],
        }
    )


def _place_names(frame: pd.DataFrame, municipalities: pd.DataFrame) -> list[str]:
    names = dict(zip(municipalities["id"], municipalities["name"], strict=True))
    return [WHOLE_REGION if pd.isna(m) else names.get(int(m), str(m)) for m in frame["municipality_id"]]


def _target_text(value: float, unit: str) -> str:
    return "—" if formatting.is_missing(value) else overview.format_value(value, unit)


def display_comparison(comparison: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """The comparison with Russian headers, numbers and status words (the region first, then municipalities)."""
    frame = comparison.assign(_region=comparison["municipality_id"].notna()).sort_values(["_region"], kind="stable")
    status = labels.INDICATOR_STATUS
    return pd.DataFrame(
        {
            "Показатель": frame["short_name"],
            "Муниципальное образование": _place_names(frame, municipalities),
            "Значение": [overview.format_value(v, u) for v, u in zip(frame["value"], frame["unit"], strict=True)],
            "Цель (официальная)": [
                _target_text(t, u) for t, u in zip(frame["target_official"], frame["unit"], strict=True)
            ],
            "Статус (официальный)": [status[s] for s in frame["status_official"]],
            "Цель (сценарий)": [
                _target_text(t, u) for t, u in zip(frame["target_scenario"], frame["unit"], strict=True)
            ],
            "Статус (сценарий)": [status[s] for s in frame["status_scenario"]],
            "Статус меняется": ["да" if c else "нет" for c in frame["changed"]],
        }
    )


def _per(value: float, unit: str) -> str:
    if formatting.is_missing(value):
        return "—"
    suffix = " п.п." if unit == indicators.PERCENT_UNIT else ""
    return f"{formatting.signed(value, 2)}{suffix}"


def display_pace(frame: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """The pace table with Russian headers and numbers."""

    def year(value: float) -> str:
        return "—" if formatting.is_missing(value) else str(int(value))

    return pd.DataFrame(
        {
            "Показатель": frame["short_name"],
            "Муниципальное образование": _place_names(frame, municipalities),
            "Последнее значение": [
                overview.format_value(v, u) for v, u in zip(frame["latest"], frame["unit"], strict=True)
            ],
            "Год значения": [year(v) for v in frame["latest_year"]],
            "Цель": [_target_text(t, u) for t, u in zip(frame["target"], frame["unit"], strict=True)],
            "Год цели": [year(v) for v in frame["target_year"]],
            "Нужно в год": [_per(v, u) for v, u in zip(frame["needed"], frame["unit"], strict=True)],
            "Нужно в месяц": [_per(v, u) for v, u in zip(frame["needed_month"], frame["unit"], strict=True)],
            "Тренд в год": [_per(v, u) for v, u in zip(frame["trend"], frame["unit"], strict=True)],
            "Оценка": [PACE_STATES[s] for s in frame["state"]],
        }
    )


def display_hiring(frame: pd.DataFrame, *, official_norm: float, scenario_norm: float) -> pd.DataFrame:
    """Methodists required and to hire per municipality under both norms, with Russian headers."""
    official, scenario = formatting.number(official_norm), formatting.number(scenario_norm)
    return pd.DataFrame(
        {
            "Муниципалитет": frame["municipality"],
            "Педагогов": [formatting.number(n) for n in frame["teachers"]],
            "Ставок методистов": [formatting.short_number(n, 2) for n in frame["methodists_fte"]],
            f"Нужно ставок (официальная норма {official})": [formatting.number(n) for n in frame["required_official"]],
            f"Нанять (официальная норма {official})": [
                formatting.short_number(n, 2) for n in frame["shortfall_official"]
            ],
            f"Нужно ставок (сценарий: норма {scenario})": [formatting.number(n) for n in frame["required_scenario"]],
            f"Нанять (сценарий: норма {scenario})": [
                formatting.short_number(n, 2) for n in frame["shortfall_scenario"]
            ],
        }
    )


def display_constants(scenario: Scenario, *, official_norm: float) -> pd.DataFrame:
    """The scenario's constants beside the official values (also the XLSX «Константы» sheet)."""
    return pd.DataFrame(
        {
            "Код": list(CONSTANTS),
            "Константа": list(CONSTANTS.values()),
            "Официальное значение": [official_norm],
            "Значение": [scenario.constant(code, math.nan) for code in CONSTANTS],
        }
    )


# --- XLSX ---------------------------------------------------------------------------------------------------


def to_xlsx(
    scenario: Scenario,
    analysis: Analysis,
    *,
    catalogue: pd.DataFrame,
    municipalities: pd.DataFrame,
    region_name: str,
    year: int,
) -> bytes:
    """The scenario and its comparison as a workbook.

    The sheets «Сценарий», «Цели» and «Константы» are what ``scenario_store.import_xlsx`` reads back.
    """
    when = [v.strftime("%d.%m.%Y %H:%M") if v else "" for v in (scenario.created_at, scenario.updated_at)]
    about = pd.DataFrame(
        {
            "Параметр": [
                "Название",
                "Описание",
                "Автор",
                "Регион",
                "Код региона",
                "Создан",
                "Изменён",
                "Год сравнения",
            ],
            "Значение": [
                scenario.name,
                scenario.description,
                scenario.author or "—",
                region_name,
                scenario.region,
                *when,
                str(year),
            ],
        }
    )
    changed = analysis.comparison[analysis.comparison["changed"]]
    return export.to_xlsx(
        {
            SHEET_ABOUT: about,
            SHEET_TARGETS: editor_frame(scenario.target_frame(), catalogue=catalogue, municipalities=municipalities),
            SHEET_CONSTANTS: display_constants(scenario, official_norm=analysis.official_norm),
            f"Сравнение {year}": display_comparison(analysis.comparison, municipalities),
            "Меняют статус": display_comparison(changed, municipalities),
            "Темп": display_pace(analysis.pace, municipalities),
            "Методисты": display_hiring(
                analysis.hiring, official_norm=analysis.official_norm, scenario_norm=analysis.scenario_norm
            ),
        }
    )
