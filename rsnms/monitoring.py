"""Indicator values of a region and its municipalities by year, from the store (design.md §6).

For every metric, scope and year the count comes from person-level rows when that scope has them
for the window, else from the uploaded aggregate counts: never both added. Denominators are always
aggregates (official statistics). Windows: the year, or cumulative from the profile's start year
(distinct people over the whole window). The yes/no indicators are derived from the roadmap reports
and the uploads of the year, unless an uploaded value overrides them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from rsnms import indicators, queries

PERSON, AGGREGATE, DERIVED = "персональные данные", "сводные показатели", "расчёт по данным системы"
DERIVED_METRICS = ("roadmap_in_force", "monitoring_system_in_force")


@dataclass(frozen=True)
class Counts:
    """A metric's count per municipality (and for the region) and where it came from."""

    by_municipality: dict[int, float]
    region: float
    source: str


def _span(spec: dict[str, Any], year: int) -> tuple[int, int]:
    start = spec.get("window_start_year")
    if spec.get("window_rule") == "cumulative" and isinstance(start, int | float) and not math.isnan(float(start)):
        return int(start), year
    return year, year


class _Store:
    """The counts one computation needs, fetched once: for one region, or for every region (``region`` None)."""

    def __init__(self, engine: Engine, region: str | None, first_year: int, last_year: int) -> None:
        self.engine, self.region = engine, region
        counts = queries.aggregate_counts(engine, region=region, first_year=first_year, last_year=last_year)
        # (region, metric) → its rows as plain tuples: the counts are read hundreds of times per country
        self.aggregates: dict[tuple[str, str], list[_Aggregate]] = {}
        columns = ("region", "metric", "year", "level", "municipality_id", "value")
        for code, metric, year, level, municipality, value in zip(*(counts[c] for c in columns), strict=True):
            aggregate = _Aggregate(int(year), int(level), _municipality(municipality), float(value))
            self.aggregates.setdefault((str(code), str(metric)), []).append(aggregate)
        self._person: dict[tuple[str, int, int], dict[str, pd.DataFrame]] = {}
        activity = queries.roadmap_activity(engine, region=region)
        self.report_years = _years_by_region(activity)
        self.upload_years = _years_by_region(queries.upload_years(engine, region=region))

    def person(self, region: str, metric: str, first: int, last: int) -> pd.DataFrame:
        key = (metric, first, last)
        if key not in self._person:
            rows = queries.person_counts(
                self.engine, region=self.region, metric=metric, first_year=first, last_year=last
            )
            self._person[key] = _by_region(rows)
        return self._person[key].get(region, _NO_ROWS)

    def aggregate(self, region: str, metric: str, first: int, last: int) -> tuple[dict[int, float], float]:
        """Per municipality the sum over the years; the region value (its own row, else the sum)."""
        rows = [row for row in self.aggregates.get((region, metric), []) if first <= row.year <= last]
        if not rows:  # also a window that starts after the year (a cumulative indicator before its start)
            return {}, math.nan
        by_municipality: dict[int, float] = {}
        for row in rows:
            if row.level == 1 and row.municipality_id is not None:
                by_municipality[row.municipality_id] = by_municipality.get(row.municipality_id, 0.0) + row.value
        for level in (0, 1, 2):
            at_level = [row for row in rows if row.level == level]
            if len({row.year for row in at_level}) == last - first + 1:
                return by_municipality, math.fsum(row.value for row in at_level)
        return by_municipality, math.nan

    def counts(self, region: str, metric: str, first: int, last: int) -> Counts:
        """The metric per municipality and for the region, person-level first."""
        by_municipality, total = self.aggregate(region, metric, first, last)
        source = AGGREGATE
        if metric in queries.PERSON_METRICS:
            person = self.person(region, metric, first, last)
            if not person.empty:
                counted = {int(m): float(v) for m, v in zip(person["municipality_id"], person["value"], strict=True)}
                by_municipality = {**by_municipality, **counted}
                total, source = float(sum(by_municipality.values())), PERSON
        if metric in DERIVED_METRICS and math.isnan(total):
            evidence = self.report_years if metric == "roadmap_in_force" else self.upload_years
            total, source = (1.0 if last in evidence.get(region, set()) else 0.0), DERIVED
        return Counts(by_municipality, total, source)


_NO_ROWS = pd.DataFrame()


@dataclass(frozen=True)
class _Aggregate:
    """One uploaded count: year, level (0 region, 1 municipality, 2 organisation), municipality, value."""

    year: int
    level: int
    municipality_id: int | None
    value: float


def _municipality(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _by_region(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {str(code): rows for code, rows in frame.groupby("region")}


def _years_by_region(frame: pd.DataFrame) -> dict[str, set[int]]:
    return {str(code): {int(year) for year in rows["year"]} for code, rows in frame.groupby("region")}


def values(engine: Engine, *, region: str, years: list[int], include_all: bool = False) -> pd.DataFrame:
    """Every indicator of the region's act for each year, for the region and each municipality.

    Returns:
        ``year``, ``code``, ``municipality_id`` (NA for the region), ``numerator``, ``denominator``,
        ``value`` (NaN: no data), ``source``, plus the catalogue columns (wording, unit, polarity, …).
    """
    catalogue = queries.indicator_catalogue(engine, region=region, include_all=include_all)
    if catalogue.empty or not years:
        return pd.DataFrame()
    starts = [int(s) for s in catalogue["window_start_year"].dropna()]
    store = _Store(engine, region, min([*starts, *years]), max(years))
    rows = []
    specs: list[dict[str, Any]] = [{str(k): v for k, v in spec.items()} for spec in catalogue.to_dict("records")]
    for spec in specs:
        for year in years:
            rows += _indicator_rows(store, spec, year)
    frame = pd.DataFrame(rows).astype({"municipality_id": "Int64"})
    return frame.merge(catalogue.drop(columns="region"), on="code")


def _indicator_rows(store: _Store, spec: dict[str, Any], year: int) -> list[dict[str, Any]]:
    first, last = _span(spec, year)
    region = str(spec["region"])
    numerators = [store.counts(region, m, first, last) for m in str(spec["numerator_metrics"]).split(",")]
    denominators = [store.counts(region, m, year, year) for m in str(spec["denominator_metrics"]).split(",") if m]
    factor = float(str(spec["factor"]))
    rows = [_row(spec, year, None, [c.region for c in numerators], [c.region for c in denominators], factor)]
    rows[0]["source"] = numerators[0].source
    if spec["scope"] == "municipality":
        municipalities = set().union(*(c.by_municipality for c in [*numerators, *denominators]))
        for municipality in sorted(municipalities):
            parts = [c.by_municipality.get(municipality, math.nan) for c in numerators]
            wholes = [c.by_municipality.get(municipality, math.nan) for c in denominators]
            rows.append(_row(spec, year, municipality, parts, wholes, factor) | {"source": numerators[0].source})
    return rows


def _row(
    spec: dict[str, Any], year: int, municipality: int | None, parts: list[float], wholes: list[float], factor: float
) -> dict[str, Any]:
    numerator = math.fsum(parts) if not any(math.isnan(p) for p in parts) else math.nan
    denominator = math.fsum(wholes) if wholes and not any(math.isnan(w) for w in wholes) else math.nan
    if not wholes:
        value = numerator
    else:
        value = numerator / denominator * factor if denominator and not math.isnan(denominator) else math.nan
    return {
        "year": year,
        "code": spec["code"],
        "municipality_id": municipality,
        "numerator": numerator,
        "denominator": denominator,
        "value": value,
    }


def scored(engine: Engine, *, region: str, years: list[int], include_all: bool = False) -> pd.DataFrame:
    """:func:`values` with the official targets (region level, or the municipality's own) and statuses."""
    frame = values(engine, region=region, years=years, include_all=include_all)
    if frame.empty:
        return frame
    targets = queries.targets(engine, region=region, years=years)
    return with_targets(frame, targets, close_band=queries.constant(engine, code="status_close_band"))


def with_targets(frame: pd.DataFrame, targets: pd.DataFrame, *, close_band: float) -> pd.DataFrame:
    """Values with their targets and statuses (a new frame; any ``target``/``status`` given are replaced).

    ``targets`` has ``code``, ``year``, ``municipality_id`` (NA: the region) and ``target``; a municipality
    without a target of its own for the year takes the region's.
    """
    values = frame.drop(columns=[column for column in ("target", "status") if column in frame.columns])
    keys = values[["code", "year", "municipality_id"]].astype({"municipality_id": "Int64"})
    own = keys.merge(targets, on=["code", "year", "municipality_id"], how="left")["target"]
    regional = targets[targets["municipality_id"].isna()].drop(columns="municipality_id")
    fallback = keys[["code", "year"]].merge(regional, on=["code", "year"], how="left")["target"]
    values["target"] = own.fillna(fallback).to_numpy()
    values["status"] = [
        indicators.status(value, target, polarity=polarity, unit=unit, close_band=close_band)
        for value, target, polarity, unit in zip(
            values["value"], values["target"], values["polarity"], values["unit"], strict=True
        )
    ]
    return values


TABLE_COLUMNS = ["code", "wording", "unit", "numerator", "denominator", "value", "target", "status"]


def table(
    engine: Engine, *, region: str, year: int, by_municipality: bool = False, municipality: str | None = None
) -> pd.DataFrame:
    """The indicators of a year as design.md §10 lists them: [municipality,] code, wording, unit, …, status."""
    frame = scored(engine, region=region, years=[year])
    if frame.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    if not by_municipality and municipality is None:
        return frame[frame["municipality_id"].isna()][TABLE_COLUMNS].reset_index(drop=True)
    names = queries.municipalities(engine, region=region)
    frame = frame.merge(
        names[["id", "name"]].rename(columns={"id": "municipality_id", "name": "municipality"}), on="municipality_id"
    )
    if municipality is not None:
        frame = frame[frame["municipality"] == municipality]
    return frame[["municipality", *TABLE_COLUMNS]].reset_index(drop=True)


BASELINE_YEAR = 2021


def target_path(history: pd.DataFrame, *, target: float, target_year: int) -> pd.DataFrame:
    """``year``, ``target``: the straight line from the baseline value (2021, or the first year known) to the target.

    Args:
        history: ``year`` and ``value`` of one indicator and scope (NaN values ignored).
    """
    known = history.dropna(subset=["value"]).sort_values("year")
    baseline = known[known["year"] >= BASELINE_YEAR].head(1)
    if baseline.empty or math.isnan(target) or int(baseline["year"].iloc[0]) >= target_year:
        return pd.DataFrame({"year": [], "target": []})
    start, value = int(baseline["year"].iloc[0]), float(baseline["value"].iloc[0])
    years = list(range(start, target_year + 1))
    step = (target - value) / (target_year - start)
    return pd.DataFrame({"year": years, "target": [value + step * (year - start) for year in years]})


def forecast(history: pd.DataFrame, *, until_year: int) -> pd.DataFrame:
    """``year``, ``value``: a linear trend through the known years, extended to ``until_year`` («прогноз»).

    Empty with fewer than two known years; starts at the last known year so the lines join.
    """
    known = history.dropna(subset=["value"]).sort_values("year")
    if len(known) < 2 or until_year <= int(known["year"].iloc[-1]):
        return pd.DataFrame({"year": [], "value": []})
    years, values = known["year"].astype(float), known["value"].astype(float)
    slope = float(((years - years.mean()) * (values - values.mean())).sum() / ((years - years.mean()) ** 2).sum())
    intercept = float(values.mean() - slope * years.mean())
    ahead = list(range(int(years.iloc[-1]), until_year + 1))
    return pd.DataFrame({"year": ahead, "value": [intercept + slope * year for year in ahead]})


def scope_rows(frame: pd.DataFrame, *, year: int, municipality_id: int | None) -> pd.DataFrame:
    """The rows of one year and scope (the region when ``municipality_id`` is None), in catalogue order."""
    scope = frame["municipality_id"].isna() if municipality_id is None else frame["municipality_id"] == municipality_id
    return frame[scope & (frame["year"] == year)].reset_index(drop=True)


def history(frame: pd.DataFrame, *, code: str, municipality_id: int | None) -> pd.DataFrame:
    """``year``, ``value``, ``target`` of one indicator and scope over every computed year."""
    scope = frame["municipality_id"].isna() if municipality_id is None else frame["municipality_id"] == municipality_id
    return frame[scope & (frame["code"] == code)][["year", "value", "target"]].sort_values("year")


def compare_regions(engine: Engine, *, year: int) -> pd.DataFrame:
    """One row per indicator, one column per region with data for the year (values of the region level).

    ``Формулировки`` says when the regions word the indicator differently (their acts differ). Every region's
    counts are fetched at once (a few queries for the whole country, not a few per region).
    """
    with_data = queries.regions_with_data(engine, year=year)
    catalogue = queries.indicator_catalogue(engine, region=None)
    catalogue = catalogue[catalogue["region"].isin(with_data)]
    if catalogue.empty:
        return pd.DataFrame(columns=["Показатель", "Формулировки"])
    starts = [int(s) for s in catalogue["window_start_year"].dropna()]
    store = _Store(engine, None, min([*starts, year]), year)
    regions = queries.regions(engine)
    names = dict(zip(regions["code"], regions["name"], strict=True))
    columns: dict[str, dict[str, float]] = {}
    wordings: dict[str, set[str]] = {}
    for spec in [{str(k): v for k, v in spec.items()} for spec in catalogue.to_dict("records")]:
        [region_row] = [row for row in _indicator_rows(store, spec, year) if row["municipality_id"] is None]
        columns.setdefault(names[str(spec["region"])], {})[str(spec["short_name"])] = region_row["value"]
        wordings.setdefault(str(spec["short_name"]), set()).add(str(spec["wording"]).lower())
    table_frame = pd.DataFrame(columns)
    table_frame.insert(
        0, "Формулировки", ["различаются" if len(wordings[s]) > 1 else "совпадают" for s in table_frame.index]
    )
    return table_frame.rename_axis("Показатель").reset_index()


def providers(engine: Engine, *, region: str, year: int, target: float, close_band: float) -> pd.DataFrame:
    """The ФР ДППО programme share of each ДПО provider, with its status against the regional target."""
    frame = queries.provider_programmes(engine, region=region, year=year)
    frame["value"] = [
        n / d * 100 if d and not math.isnan(d) and not math.isnan(n) else math.nan
        for n, d in zip(frame["numerator"], frame["denominator"], strict=True)
    ]
    frame["target"] = target
    frame["status"] = [
        indicators.status(value, target, polarity="higher_is_better", unit="%", close_band=close_band)
        for value in frame["value"]
    ]
    return frame
