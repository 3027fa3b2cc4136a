"""Loads the project's reference data (data/reference) into the store, idempotently.

Reference data: the five seed regions, their municipalities, the metric and competency-area
vocabularies, the deficit scale, constants, the indicator catalogue with each region's wording,
window and official targets, and the 126 roadmap items. Rows are matched by natural key and
updated in place, so ``load_reference`` can run any number of times with the same result.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, func, select

from rsnms import deficits
from rsnms.config import REFERENCE_DIR
from rsnms.db import session_scope
from rsnms.models import (
    CompetencyArea,
    Constant,
    DeficitLevel,
    Indicator,
    IndicatorRegion,
    IndicatorTarget,
    Metric,
    Municipality,
    Region,
    Roadmap,
    RoadmapItem,
)

Row = TypeVar("Row", bound=SQLModel)
ACT_TARGET_SOURCE = "act"


class ReferenceError(ValueError):
    """The reference files contradict themselves (a developer error, not a user one)."""


@dataclass(frozen=True)
class Reference:
    """The parsed contents of data/reference."""

    regions: list[dict[str, Any]]
    municipalities: list[dict[str, str]]
    catalogue: dict[str, list[dict[str, Any]]]
    indicators: list[dict[str, Any]]
    roadmaps: list[dict[str, Any]]
    roadmap_items: list[dict[str, str]]


def _yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_reference(directory: Path = REFERENCE_DIR) -> Reference:
    """Parse the reference files and check that they fit together."""
    reference = Reference(
        regions=_yaml(directory / "regions.yaml")["regions"],
        municipalities=_csv(directory / "municipalities.csv"),
        catalogue=_yaml(directory / "catalogue.yaml"),
        indicators=_yaml(directory / "indicators.yaml")["indicators"],
        roadmaps=_yaml(directory / "roadmaps.yaml")["roadmaps"],
        roadmap_items=_csv(directory / "roadmap_items.csv"),
    )
    _check(reference)
    return reference


def _check(reference: Reference) -> None:
    region_codes = {region["code"] for region in reference.regions}
    metric_codes = {metric["code"] for metric in reference.catalogue["metrics"]}
    for indicator in reference.indicators:
        unknown = set(indicator["numerator"] + indicator["denominator"]) - metric_codes
        if unknown:
            raise ReferenceError(f"indicator {indicator['code']}: unknown metrics {sorted(unknown)}")
        if set(indicator["regions"]) - region_codes:
            raise ReferenceError(f"indicator {indicator['code']}: unknown region")
    scale = [deficits.Level(**level) for level in reference.catalogue["deficit_levels"]]
    problems = deficits.scale_problems(scale)
    if problems:
        raise ReferenceError(f"deficit scale: {' '.join(problems)}")
    roadmap_codes = {roadmap["code"] for roadmap in reference.roadmaps}
    for item in reference.roadmap_items:
        if item["roadmap_code"] not in roadmap_codes:
            raise ReferenceError(f"roadmap item {item['code']}: unknown roadmap {item['roadmap_code']}")


def _upsert(session: Session, model: type[Row], key: Mapping[str, Any], values: Mapping[str, Any]) -> Row:
    """Update the row matching ``key`` with ``values``, or add it."""
    query = select(model)
    for name, value in key.items():
        query = query.where(getattr(model, name) == value)
    row = session.exec(query).first()
    if row is None:
        row = model(**key, **values)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    session.add(row)
    session.flush()
    return row


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def load_reference(engine: Engine, reference: Reference | None = None) -> None:
    """Write the reference data into a migrated database; running it again changes nothing."""
    reference = reference or read_reference()
    with session_scope(engine) as session:
        regions = _load_regions(session, reference)
        _load_catalogue(session, reference.catalogue)
        _load_indicators(session, reference.indicators, regions)
        _load_roadmaps(session, reference, regions)


def _load_regions(session: Session, reference: Reference) -> dict[str, int]:
    ids: dict[str, int] = {}
    for order, region in enumerate(reference.regions, start=1):
        values = {"name": region["name"], "authority": region["authority"], "act": region["act"]}
        row = _upsert(session, Region, {"code": region["code"]}, {**values, "sort_order": order})
        assert row.id is not None  # flushed rows have ids
        ids[region["code"]] = row.id
    for municipality in reference.municipalities:
        _upsert(
            session,
            Municipality,
            {"region_id": ids[municipality["region_code"]], "name": municipality["name"]},
            {
                "short_name": municipality["short_name"],
                "kind": municipality["kind"],
                "sort_order": int(municipality["sort_order"]),
            },
        )
    return ids


def _load_catalogue(session: Session, catalogue: Mapping[str, list[dict[str, Any]]]) -> None:
    for order, metric in enumerate(catalogue["metrics"], start=1):
        values = {"name": metric["name"], "unit": metric["unit"], "scope": metric["scope"]}
        _upsert(session, Metric, {"code": metric["code"]}, {**values, "sort_order": order})
    for order, area in enumerate(catalogue["competency_areas"], start=1):
        values = {"name": area["name"], "applies_to": area["applies_to"], "sort_order": order}
        _upsert(session, CompetencyArea, {"code": area["code"]}, values)
    if session.exec(select(func.count()).select_from(DeficitLevel)).one() == 0:  # an edited scale is kept
        for order, level in enumerate(catalogue["deficit_levels"], start=1):
            session.add(DeficitLevel(**level, sort_order=order))
    for constant in catalogue["constants"]:
        values = {key: constant[key] for key in ("value", "name", "source")}
        _upsert(session, Constant, {"code": constant["code"]}, values)


def _load_indicators(session: Session, indicators: list[dict[str, Any]], regions: Mapping[str, int]) -> None:
    for order, spec in enumerate(indicators, start=1):
        indicator = _upsert(
            session,
            Indicator,
            {"code": spec["code"]},
            {
                "name": spec["name"],
                "short_name": spec["short_name"],
                "unit": spec["unit"],
                "polarity": spec["polarity"],
                "numerator_metrics": ",".join(spec["numerator"]),
                "denominator_metrics": ",".join(spec["denominator"]),
                "factor": float(spec["factor"]),
                "scope": spec["scope"],
                "sort_order": order,
            },
        )
        for region_code, profile in spec["regions"].items():
            key = {"indicator_id": indicator.id, "region_id": regions[region_code]}
            _upsert(
                session,
                IndicatorRegion,
                key,
                {
                    "wording": profile["wording"],
                    "unit_in_source": profile["unit_in_source"],
                    "window_rule": profile["window"],
                    "window_start_year": profile["window_start_year"],
                    "source_location": profile["location"],
                    "note": profile["note"],
                    "sort_order": order,
                },
            )
            for year, value in profile["targets"].items():
                target_key = {**key, "municipality_id": None, "year": int(year), "source": ACT_TARGET_SOURCE}
                _upsert(session, IndicatorTarget, target_key, {"value": float(value)})


_ROADMAP_ITEM_TEXT_FIELDS = (
    "section", "item_no", "activity", "responsible", "responsible_position", "deadline_raw",
    "deadline_type", "due_dates", "recurrence", "expected_result", "quantitative_target", "target_audience",
)  # fmt: skip


def _load_roadmaps(session: Session, reference: Reference, regions: Mapping[str, int]) -> None:
    roadmap_ids: dict[str, int | None] = {}
    for spec in reference.roadmaps:
        roadmap = _upsert(
            session,
            Roadmap,
            {"code": spec["code"]},
            {
                "region_id": regions[spec["region_code"]],
                "title": spec["title"],
                "act": spec["act"],
                "period_start": _date(spec["period_start"]),
                "period_end": _date(spec["period_end"]),
            },
        )
        roadmap_ids[spec["code"]] = roadmap.id
    for order, item in enumerate(reference.roadmap_items, start=1):
        values: dict[str, Any] = {name: item[name] for name in _ROADMAP_ITEM_TEXT_FIELDS}
        values.update(roadmap_id=roadmap_ids[item["roadmap_code"]], due_date=_date(item["due_date"]))
        values.update(indicator_codes=item["indicator_codes"], sort_order=order)
        _upsert(session, RoadmapItem, {"code": item["code"]}, values)


def reference_counts(engine: Engine) -> dict[str, int]:
    """Row counts of the reference tables (for the CLI and the idempotence test)."""
    models: list[type[SQLModel]] = [Region, Municipality, Metric, CompetencyArea, DeficitLevel, Constant]
    models += [Indicator, IndicatorRegion, IndicatorTarget, Roadmap, RoadmapItem]
    with Session(engine) as session:
        return {
            str(model.__tablename__): session.exec(select(func.count()).select_from(model)).one() for model in models
        }
