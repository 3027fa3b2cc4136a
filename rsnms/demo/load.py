"""Loading the demo region into a migrated database in one transaction."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, Table, delete, insert, select, update
from sqlmodel import SQLModel

from rsnms.demo.data import CREATED_AT, DATA_AS_OF, DEFAULT_SEED, DEMO_REGION, OMSK, TARGET_SOURCE, Rows
from rsnms.demo.generate import DemoData, checksum, generate
from rsnms.models import BATCH_TABLES
from rsnms.pseudonym import pseudonymise
from rsnms.store import refresh_results


@dataclass(frozen=True)
class DemoSummary:
    """What ``load_demo`` wrote: the batch id and the rows inserted per table."""

    batch_id: int
    counts: dict[str, int]


# --- Loading ----------------------------------------------------------------------------------


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


@dataclass(frozen=True)
class _Key:
    """Swap the natural-key columns ``natural`` of a frame for the id column ``column``."""

    column: str
    natural: tuple[str, ...]
    ids: Mapping[Any, int]


def _records(frame: pd.DataFrame, *keys: _Key) -> Rows:
    """Frame rows as dicts of plain Python values (NaN as None), natural keys swapped for ids."""
    rows = [
        {str(k): None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in frame.to_dict("records")
    ]
    for row in rows:
        for key in keys:
            value = tuple(row[column] for column in key.natural)
            row[key.column] = None if value[0] is None else key.ids[value if len(value) > 1 else value[0]]
        for column in {column for key in keys for column in key.natural}:
            del row[column]
    return rows


class _Loader:
    """Writes one DemoData into an open transaction, resolving natural keys to database ids."""

    def __init__(self, conn: Connection, data: DemoData) -> None:
        self.conn, self.data, self.batch_id = conn, data, 0
        self.counts: dict[str, int] = {}
        self.region_id = self.ids("region", "code")[DEMO_REGION]
        self.munis = _Key(
            "municipality_id",
            ("municipality",),
            self.ids("municipality", "name", {"region_id": self.region_id}),
        )

    def ids(self, name: str, key: str, where: Mapping[str, int] | None = None) -> dict[Any, int]:
        """Map natural key(s) → id for the rows of table ``name`` (``key`` may name several columns)."""
        table, columns = _table(name), key.split(",")
        query = select(table.c.id, *(table.c[column] for column in columns))
        for column, value in (where or {}).items():
            query = query.where(table.c[column] == value)
        return {(row[1] if len(columns) == 1 else tuple(row[1:])): row[0] for row in self.conn.execute(query)}

    def insert(self, name: str, rows: Rows, key: str = "") -> dict[Any, int]:
        """Bulk-insert ``rows`` into the demo batch (and region); return the batch's ids by ``key``."""
        table = _table(name)
        extra = {"batch_id": self.batch_id} | ({"region_id": self.region_id} if "region_id" in table.c else {})
        if rows:
            self.conn.execute(insert(table), [row | extra for row in rows])
        self.counts[name] = len(rows)
        return self.ids(name, key, {"batch_id": self.batch_id}) if key else {}

    def delete_old_demo(self) -> None:
        """Delete every row of earlier demo batches, children first, and then those batches."""
        batch, audit = _table("upload_batch"), _table("audit_event")
        old = [row[0] for row in self.conn.execute(select(batch.c.id).where(batch.c.is_demo.is_(True)))]
        if old:
            for name in BATCH_TABLES:
                self.conn.execute(delete(_table(name)).where(_table(name).c.batch_id.in_(old)))
            self.conn.execute(update(audit).where(audit.c.batch_id.in_(old)).values(batch_id=None))
            self.conn.execute(delete(batch).where(batch.c.id.in_(old)))

    def create_batch(self, digest: str) -> None:
        """Insert the upload batch that every demo row points to."""
        total = sum(len(getattr(self.data, field.name)) for field in fields(self.data))
        values = {
            "kind": "demo",
            "region_id": self.region_id,
            "file_name": "демонстрационные данные",
            "kinds": "Демонстрационный регион (все виды данных)",
            "sha256": digest,
            "created_at": CREATED_AT,
            "data_as_of": DATA_AS_OF,
            "is_demo": True,
            "n_created": total,
            "state": "committed",
        }
        batch = _table("upload_batch")
        self.batch_id = int(self.conn.execute(insert(batch).values(values).returning(batch.c.id)).scalar_one())

    def load(self, pseudonym_key: str) -> None:
        """Insert every frame, parents before children."""
        data = self.data
        by_id = self.insert("organisation", _records(data.organisations, self.munis), "municipality_id,name")
        names = {muni_id: name for name, muni_id in self.munis.ids.items()}
        orgs = _Key(
            "organisation_id",
            ("municipality", "organisation"),
            {(names[m], o): i for (m, o), i in by_id.items()},
        )
        pseudo = [pseudonymise(local_id, key=pseudonym_key) for local_id in data.educators["local_id"]]
        educators = _records(data.educators.assign(pseudo_key=pseudo).drop(columns="local_id"), orgs)
        ids = self.insert("educator", educators, "pseudo_key")
        local_ids = dict(zip(data.educators["local_id"], (ids[key] for key in pseudo), strict=True))
        people = _Key("educator_id", ("local_id",), local_ids)
        self._load_person_level(people, orgs)
        codes = self.insert("methodist", _records(data.methodists, self.munis), "code")
        methodists = _Key("methodist_id", ("methodist_code",), codes)
        self.insert("methodist_assignment", _records(data.assignments, orgs, methodists))
        self.insert("management_team_training", _records(data.management_training, orgs))
        self._load_counts(orgs)

    def _load_person_level(self, people: _Key, orgs: _Key) -> None:
        data, areas = self.data, _Key("area_id", ("area_code",), self.ids("competency_area", "code"))
        where = data.educators[["local_id", "municipality", "organisation"]]
        # The demo's platform exports scores only: the scale in force decides each level when counted.
        scores = data.diagnostics.drop(columns=["level_code", "is_deficit"])
        diagnostics = scores.merge(where, on="local_id", how="left", validate="many_to_one")
        self.insert("diagnostic_result", _records(diagnostics, people, areas, orgs, self.munis))
        refresh_results(self.conn, people.ids.values())
        self.insert("iom", _records(data.ioms, people))
        self.insert("support_participation", _records(data.support, people))
        programmes = _records(data.dpo_programmes.drop(columns="since_year"), areas)
        titles = self.insert("dpo_programme", programmes, "provider,title")
        programme = _Key("programme_id", ("provider", "title"), titles)
        self.insert("course_completion", _records(data.course_completions, people, programme))

    def _load_counts(self, orgs: _Key) -> None:
        data = self.data
        city = _Key("organisation_id", ("organisation",), {o: i for (m, o), i in orgs.ids.items() if m == OMSK})
        self.insert("aggregate_count", _records(data.aggregates.drop(columns="scope"), self.munis, city))
        indicators = _Key("indicator_id", ("indicator_code",), self.ids("indicator", "code"))
        targets = _records(data.targets, indicators)
        self.insert("indicator_target", [row | {"municipality_id": None, "source": TARGET_SOURCE} for row in targets])
        items = _Key("item_id", ("item_code",), self.ids("roadmap_item", "code"))
        self.insert("roadmap_report", _records(data.roadmap_reports, items))


def load_demo(engine: Engine, *, seed: int = DEFAULT_SEED, pseudonym_key: str) -> DemoSummary:
    """Replace the demo batch of a migrated database that holds the reference data, in one transaction.

    Returns the new batch id and the rows inserted per table; loading twice leaves the same counts.
    """
    data = generate(seed)
    digest = checksum(data)
    with engine.begin() as conn:
        loader = _Loader(conn, data)
        loader.delete_old_demo()
        loader.create_batch(digest)
        loader.load(pseudonym_key)
    return DemoSummary(batch_id=loader.batch_id, counts=dict(loader.counts))
