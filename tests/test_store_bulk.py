"""The store's column-at-a-time helpers give what the per-value ones give; bulk inserts equal Core's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, insert, select, text

from rsnms import store

NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

SERIES = {
    "float": pd.Series([1.5, np.nan, -0.0, 3.0]),
    "int": pd.Series([1, 2, 3]),
    "bool": pd.Series([True, False]),
    "Int64": pd.Series([1, None, 3], dtype="Int64"),
    "boolean": pd.Series([True, None], dtype="boolean"),
    "str": pd.Series(["a", None, "б"], dtype="str"),
    "object plain": pd.Series(["a", 1, 2.5, float("nan"), None, True, dt.date(2024, 1, 1)], dtype=object),
    "object numpy": pd.Series([np.int64(3), np.float64(np.nan), pd.NA, pd.NaT, np.bool_(True)], dtype=object),
    "datetime64": pd.Series(pd.to_datetime(["2024-01-01", None])),
    "empty": pd.Series([], dtype=object),
}


@pytest.mark.parametrize("name", sorted(SERIES))
def test_plain_values_matches_plain(name: str) -> None:
    series = SERIES[name]
    got, expected = list(store.plain_values(series)), [store.plain(value) for value in series]
    assert [type(value) for value in got] == [type(value) for value in expected]
    assert got == expected or all(a == b or (a != a and b != b) for a, b in zip(got, expected, strict=True))


PAIRS: list[tuple[Any, Any]] = [
    (1, 1.0), (1.0, 1.0 + 1e-12), (1.0, 1.1), (0.0, 1e-10), (None, None), (None, 0), (0, None), (True, 1),
    (1, True), (2, True), (float("inf"), float("inf")), (float("inf"), 1e308), ("a", "a"), ("a", "b"),
    (dt.date(2024, 1, 1), dt.date(2024, 1, 1)), (dt.date(2024, 1, 1), "2024-01-01"), (10**20, 1e20), (5, "5"),
]  # fmt: skip


@pytest.mark.parametrize("numbers_only", [True, False])
def test_same_values_matches_same(numbers_only: bool) -> None:
    pairs = [pair for pair in PAIRS if not numbers_only or all(isinstance(v, int | float) for v in pair)]
    new, old = np.empty(len(pairs), dtype=object), np.empty(len(pairs), dtype=object)
    new[:], old[:] = [a for a, _ in pairs], [b for _, b in pairs]
    expected = [store._same(a, b) for a, b in pairs]
    assert store._same_values(store.plain_values(pd.Series(new)), store.plain_values(pd.Series(old))).tolist() == (
        expected
    )


def _batch(conn: Any) -> int:
    batches = store.table("upload_batch")
    values = {"kind": "test", "file_name": "x.xlsx", "sha256": "0" * 64, "created_at": NOW}
    return int(conn.execute(insert(batches).values(values).returning(batches.c.id)).scalar_one())


def _rows(conn: Any, name: str, batch_id: int, drop: tuple[str, ...]) -> list[tuple[Any, ...]]:
    target = store.table(name)
    columns = [column for column in target.c if column.name not in ("id", "batch_id", *drop)]
    query = select(*columns).where(target.c.batch_id == batch_id).order_by(target.c.id)
    return [tuple(row) for row in conn.execute(query)]


def test_bulk_insert_writes_what_core_writes(store_engine: Engine) -> None:
    """Defaults, dates, booleans, floats, NaN, float ids and numpy scalars, on every configured backend."""
    with store_engine.begin() as conn:
        region = conn.execute(text("SELECT id FROM region WHERE code = 'omsk'")).scalar_one()
        municipality = conn.execute(text("SELECT min(id) FROM municipality")).scalar_one()
        item = conn.execute(text("SELECT min(id) FROM roadmap_item")).scalar_one()
        frames = {
            "organisation": pd.DataFrame(
                {
                    "municipality_id": pd.array([municipality] * 3, dtype="Int64"),
                    "region_id": np.int64(region),
                    "external_code": ["1", None, "3"],
                }
            ),  # kind and the flags come from the column defaults
            "methodist": pd.DataFrame(
                {
                    "region_id": region,
                    "municipality_id": [float(municipality), np.nan, np.nan],  # ids a left merge made float
                    "fte": [0.25, np.float64(0.5), 1.0],
                    "is_active": [True, False, np.bool_(True)],
                }
            ),  # fmt: skip
            "roadmap_report": pd.DataFrame(
                {
                    "item_id": [item, item],
                    "status": ["done", "partial"],
                    "as_of": [dt.date(2022, 4, 29), dt.date(2022, 12, 30)],
                    "actual_quantity": [np.nan, 2.5],
                }
            ),  # fmt: skip
        }
        naming = {"organisation": "name", "methodist": "code"}
        batches = {}
        for way in ("core", "bulk"):
            batch_id = batches[way] = _batch(conn)
            for name, frame in frames.items():
                rows = frame.copy()
                if name in naming:
                    rows[naming[name]] = [f"{way}-{i}" for i in range(len(rows))]
                if name == "roadmap_report":
                    rows["as_of"] = [day + dt.timedelta(days=1 if way == "bulk" else 0) for day in rows["as_of"]]
                if way == "core":
                    conn.execute(insert(store.table(name)), store._records(rows, list(rows.columns), batch_id=batch_id))
                else:
                    store._insert(conn, store.table(name), rows, batch_id=batch_id)
        for name in frames:
            drop = (naming[name],) if name in naming else ("as_of",)
            assert _rows(conn, name, batches["bulk"], drop) == _rows(conn, name, batches["core"], drop)
        organisation = store.table("organisation")
        kinds = conn.execute(select(organisation.c.kind).where(organisation.c.batch_id == batches["bulk"]))
        assert kinds.scalars().all() == ["", "", ""]
