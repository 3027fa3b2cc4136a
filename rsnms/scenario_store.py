"""Scenarios in the store: create, copy, rename, delete, save overrides; read them; XLSX import.

Every change checks the actor's role on the server (``access.edits_scenarios``) and writes an audit event
(``scenario_change``) in the same transaction. Official targets (``indicator_target``) are never written here.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from typing import Any

import openpyxl
import pandas as pd
from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from rsnms import audit, formatting, methodists, models, monitoring, queries, scenarios
from rsnms.access import Actor, edits_scenarios, require
from rsnms.errors import RsnmsError
from rsnms.ingest import guard
from rsnms.scenarios import Analysis, Scenario

AUDIT_ACTION = "scenario_change"


def analyse_store(engine: Engine, scenario: Scenario, *, year: int) -> Analysis:
    """:func:`scenarios.analyse` with the official figures read from the store (the command line's path)."""
    years = sorted(queries.data_years(engine, region=scenario.region))
    return scenarios.analyse(
        monitoring.scored(engine, region=scenario.region, years=years),
        scenario=scenario,
        official=queries.targets(
            engine, region=scenario.region, years=list(range(scenarios.FIRST_YEAR, scenarios.LAST_YEAR + 1))
        ),
        base=methodists.base(engine, region=scenario.region, year=year),
        official_norm=queries.constant(engine, code=scenarios.NORM_CODE),
        close_band=queries.constant(engine, code="status_close_band"),
        year=year,
    )


def table(
    engine: Engine, scenario: Scenario, *, year: int, by_municipality: bool = False, municipality: str | None = None
) -> pd.DataFrame:
    """``monitoring.table`` with the scenario's targets and statuses (the ``indicators --scenario`` command)."""
    frame = monitoring.table(
        engine, region=scenario.region, year=year, by_municipality=by_municipality, municipality=municipality
    )
    catalogue = queries.indicator_catalogue(engine, region=scenario.region)
    ids = queries.municipalities(engine, region=scenario.region).set_index("name")["id"]
    scoped = frame.assign(
        year=year,
        municipality_id=frame["municipality"].map(ids) if "municipality" in frame else None,
        polarity=frame["code"].map(dict(zip(catalogue["code"], catalogue["polarity"], strict=True))),
    )
    official = queries.targets(engine, region=scenario.region, years=[year])
    band = queries.constant(engine, code="status_close_band")
    return scenarios.apply(scoped, official=official, overrides=scenario.target_frame(), close_band=band)[
        list(frame.columns)
    ]


# --- Store --------------------------------------------------------------------------------------------------


def listing(engine: Engine, *, region: str) -> pd.DataFrame:
    """A region's scenarios: ``id``, ``name``, ``description``, ``author``, ``updated_at``, counts of overrides."""
    sql = """
        SELECT s.id, s.name, s.description, s.author, s.updated_at,
               (SELECT COUNT(*) FROM scenario_target t WHERE t.scenario_id = s.id) AS targets,
               (SELECT COUNT(*) FROM scenario_constant c WHERE c.scenario_id = s.id) AS constants
        FROM scenario s JOIN region r ON r.id = s.region_id WHERE r.code = :region ORDER BY s.name
    """
    return queries.sql_frame(engine, sql, region=region)


def load(engine: Engine, *, scenario_id: int) -> Scenario:
    """A stored scenario with its overrides; RsnmsError when there is none with this id."""
    with Session(engine) as session:
        row = session.get(models.Scenario, scenario_id)
        if row is None:
            raise RsnmsError(f"Сценарий № {scenario_id} не найден: возможно, его удалили.")
        region = session.get(models.Region, row.region_id) if row.region_id is not None else None
        codes = {i.id: i.code for i in session.exec(select(models.Indicator))}
        targets = session.exec(
            select(models.ScenarioTarget)
            .where(models.ScenarioTarget.scenario_id == scenario_id)
            .order_by(col(models.ScenarioTarget.indicator_id), col(models.ScenarioTarget.year))
        ).all()
        constants = session.exec(
            select(models.ScenarioConstant).where(models.ScenarioConstant.scenario_id == scenario_id)
        ).all()
        return Scenario(
            id=scenario_id,
            name=row.name,
            region=region.code if region is not None else "",
            description=row.description,
            author=row.author,
            created_at=row.created_at,
            updated_at=row.updated_at,
            targets=tuple((codes[t.indicator_id], t.year, t.municipality_id, t.value) for t in targets),
            constants=tuple(sorted((c.code, c.value) for c in constants)),
        )


def _checked_name(session: Session, name: str, *, other_than: int | None = None) -> str:
    name = name.strip()
    if not name or len(name) > scenarios.MAX_NAME:
        raise RsnmsError(f"Название сценария — от 1 до {scenarios.MAX_NAME} символов.")
    taken = session.exec(select(models.Scenario).where(models.Scenario.name == name)).first()
    if taken is not None and taken.id != other_than:
        raise RsnmsError(f"Сценарий «{name}» уже есть: выберите другое название.")
    return name


def _write_overrides(
    session: Session, scenario: models.Scenario, targets: pd.DataFrame, constants: Mapping[str, float]
) -> None:
    """Replace the scenario's overrides after checking them against the region's act and the ranges."""
    region = session.get(models.Region, scenario.region_id)
    code = region.code if region is not None else ""
    engine = session.get_bind()
    if not isinstance(engine, Engine):
        raise TypeError("a scenario session is bound to an engine")
    found = scenarios.target_problems(
        targets,
        catalogue=queries.indicator_catalogue(engine, region=code),
        municipalities=queries.municipalities(engine, region=code),
    )
    found += scenarios.constant_problems(constants)
    if found:
        raise RsnmsError("Сценарий не сохранён. " + " ".join(found))
    ids = {i.code: _id(i.id) for i in session.exec(select(models.Indicator))}
    scenario_id, region_id = _id(scenario.id), _id(scenario.region_id)
    for table_model in (models.ScenarioTarget, models.ScenarioConstant):
        session.connection().execute(delete(table_model).where(col(table_model.scenario_id) == scenario_id))
    for row in scenarios.as_targets(targets).to_dict("records"):
        place = None if pd.isna(row["municipality_id"]) else int(row["municipality_id"])
        session.add(
            models.ScenarioTarget(
                scenario_id=scenario_id,
                indicator_id=ids[row["code"]],
                region_id=region_id,
                municipality_id=place,
                year=int(row["year"]),
                value=float(row["target"]),
            )
        )
    for name, value in constants.items():
        session.add(models.ScenarioConstant(scenario_id=scenario_id, code=name, value=float(value)))


def _id(value: int | None) -> int:
    if value is None:
        raise ValueError("a stored row has an id")
    return value


def _audit(session: Session, actor: Actor, detail: str, now: dt.datetime) -> None:
    audit.record(session.connection(), action=AUDIT_ACTION, user=actor.login, detail=detail, at=now)


def create(
    engine: Engine,
    *,
    name: str,
    region: str,
    actor: Actor,
    now: dt.datetime,
    description: str = "",
    targets: pd.DataFrame | None = None,
    constants: Mapping[str, float] | None = None,
) -> int:
    """Store a new scenario of a region (optionally with overrides) and return its id."""
    require(edits_scenarios(actor.role), "создавать сценарии")
    with Session(engine) as session:
        region_row = session.exec(select(models.Region).where(models.Region.code == region)).first()
        if region_row is None:
            raise RsnmsError(f"Регион «{region}» не найден.")
        row = models.Scenario(
            name=_checked_name(session, name),
            description=description.strip(),
            author=actor.login,
            region_id=region_row.id,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        _write_overrides(
            session,
            row,
            targets if targets is not None else scenarios.as_targets(pd.DataFrame(columns=scenarios.TARGET_COLUMNS)),
            constants or {},
        )
        _audit(session, actor, f"создан сценарий № {row.id} «{row.name}»", now)
        session.commit()
        return _id(row.id)


def copy(engine: Engine, *, scenario_id: int, name: str, actor: Actor, now: dt.datetime) -> int:
    """A new scenario with the same region, description and overrides; returns its id."""
    source = load(engine, scenario_id=scenario_id)
    return create(
        engine,
        name=name,
        region=source.region,
        actor=actor,
        now=now,
        description=source.description,
        targets=source.target_frame(),
        constants=dict(source.constants),
    )


def _stored(session: Session, scenario_id: int) -> models.Scenario:
    row = session.get(models.Scenario, scenario_id)
    if row is None:
        raise RsnmsError(f"Сценарий № {scenario_id} не найден: возможно, его удалили.")
    return row


def rename(engine: Engine, *, scenario_id: int, name: str, description: str, actor: Actor, now: dt.datetime) -> None:
    """Give a scenario another name and description."""
    require(edits_scenarios(actor.role), "изменять сценарии")
    with Session(engine) as session:
        row = _stored(session, scenario_id)
        before = row.name
        row.name, row.description, row.updated_at = (
            _checked_name(session, name, other_than=scenario_id),
            description.strip(),
            now,
        )
        _audit(session, actor, f"сценарий № {scenario_id} «{before}» переименован в «{row.name}»", now)
        session.commit()


def delete_scenario(engine: Engine, *, scenario_id: int, actor: Actor, now: dt.datetime) -> None:
    """Delete a scenario and its overrides (official targets are untouched)."""
    require(edits_scenarios(actor.role), "удалять сценарии")
    with Session(engine) as session:
        row = _stored(session, scenario_id)
        _audit(session, actor, f"удалён сценарий № {scenario_id} «{row.name}»", now)
        session.delete(row)
        session.commit()


def save_overrides(
    engine: Engine,
    *,
    scenario_id: int,
    targets: pd.DataFrame,
    constants: Mapping[str, float],
    actor: Actor,
    now: dt.datetime,
) -> None:
    """Replace a scenario's target and constant overrides (checked; nothing is stored when any is wrong)."""
    require(edits_scenarios(actor.role), "изменять сценарии")
    with Session(engine) as session:
        row = _stored(session, scenario_id)
        _write_overrides(session, row, targets, constants)
        row.updated_at = now
        norm = constants.get(scenarios.NORM_CODE)
        shown = "официальная" if norm is None else formatting.short_number(norm)
        _audit(session, actor, f"сценарий № {scenario_id} «{row.name}»: целей {len(targets)}, норма {shown}", now)
        session.commit()


def _sheet(book: Any, name: str) -> pd.DataFrame:
    if name not in book.sheetnames:
        raise RsnmsError(f"В файле нет листа «{name}»: загрузите книгу, выгруженную со страницы «Сценарии».")
    rows = list(book[name].iter_rows(values_only=True))
    if not rows:
        return pd.DataFrame()
    return pd.DataFrame(rows[1:], columns=[str(c) for c in rows[0]])


def import_xlsx(
    engine: Engine, content: bytes, *, file_name: str, region: str, actor: Actor, now: dt.datetime, max_mb: int
) -> int:
    """Create a scenario from a workbook exported by :func:`to_xlsx`; returns its id.

    The name is the one the workbook's «Сценарий» sheet gives («Название»), with « (2)», « (3)»… added
    when it is taken. Raises RsnmsError (every problem of
    the targets at once) when the file is not such a workbook or its scenario is of another region.
    """
    require(edits_scenarios(actor.role), "загружать сценарии")
    guard.check_workbook(content, file_name=file_name, max_mb=max_mb)
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    about = _sheet(book, scenarios.SHEET_ABOUT)
    if not {"Параметр", "Значение"} <= set(about.columns):
        raise RsnmsError(f"На листе «{scenarios.SHEET_ABOUT}» нужны столбцы «Параметр» и «Значение».")
    fields = {
        str(k): ("" if scenarios.is_blank(v) else str(v))
        for k, v in zip(about["Параметр"], about["Значение"], strict=True)
    }
    if fields.get("Код региона", region) != region:
        raise RsnmsError(
            f"Сценарий составлен для региона «{fields['Код региона']}»: выберите этот регион и загрузите снова."
        )
    targets_sheet = _sheet(book, scenarios.SHEET_TARGETS)
    missing = [c for c in scenarios.EDITOR_COLUMNS if c not in targets_sheet.columns]
    if missing:
        raise RsnmsError(f"На листе «{scenarios.SHEET_TARGETS}» нет столбцов: {', '.join(missing)}.")
    targets = scenarios.from_editor(
        targets_sheet,
        catalogue=queries.indicator_catalogue(engine, region=region),
        municipalities=queries.municipalities(engine, region=region),
    )
    constants_sheet = _sheet(book, scenarios.SHEET_CONSTANTS)
    constants = {}
    if {"Код", "Значение"} <= set(constants_sheet.columns):
        for code, value in zip(constants_sheet["Код"], constants_sheet["Значение"], strict=True):
            number = scenarios.parse_number(None if scenarios.is_blank(value) else value)
            if not scenarios.is_blank(code) and number is not None:
                constants[str(code)] = number
    base = fields.get("Название", "").strip() or file_name.rsplit(".", 1)[0]
    taken = set(queries.sql_frame(engine, "SELECT name FROM scenario")["name"])
    name = next(
        candidate for n in range(1, len(taken) + 2) if (candidate := base if n == 1 else f"{base} ({n})") not in taken
    )
    return create(
        engine,
        name=name,
        region=region,
        actor=actor,
        now=now,
        description=fields.get("Описание", ""),
        targets=targets,
        constants=constants,
    )
