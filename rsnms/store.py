"""Writing uploads: diff by natural key, commit all-or-nothing under one batch, undo, erase.

An upload is a list of :class:`Write` (one per table, parents first). Each row is matched to the
stored row with the same natural key: no match → created; a match with other values → updated
(its previous values are kept in ``batch_change`` so the batch can be undone); otherwise
unchanged. The preview and the commit run the same code, the commit inside one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    Table,
    and_,
    bindparam,
    delete,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select
from sqlmodel import SQLModel

from rsnms.errors import RsnmsError
from rsnms.models import BATCH_TABLES, PERSON_TABLES

if TYPE_CHECKING:
    import psycopg

CHUNK = 900  # values per IN (...) list, well under every driver's parameter limit
ID = "id"
# Python types that plain() returns unchanged (a float only when it is not NaN).
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime, dt.time, dt.timedelta})
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}  # DBAPI paramstyles with positional rows


@dataclass(frozen=True)
class Ref:
    """A foreign key given by natural columns: ``column`` = id of the ``table`` row they name."""

    column: str
    table: str
    natural: dict[str, str]  # frame column → parent column
    where: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Write:
    """Rows for one table; ``key`` identifies a stored row, ``values`` are compared and written."""

    table: str
    label: str
    rows: pd.DataFrame
    key: tuple[str, ...]
    values: tuple[str, ...]
    refs: tuple[Ref, ...] = ()
    insert_only: tuple[str, ...] = ()  # written for new rows, never compared or overwritten


@dataclass(frozen=True)
class Change:
    """What a write will do (or did): rows to create and update, and how many stay unchanged."""

    write: Write
    created: pd.DataFrame
    updated: pd.DataFrame  # with ``id`` and the previous values as ``<column>__old``
    unchanged: int


def table(name: str) -> Table:
    """The SQLAlchemy table of a model."""
    return SQLModel.metadata.tables[name]


def plain(value: Any) -> Any:
    """Python scalars for the driver: NaN/NaT → None, numpy numbers → int/float."""
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def plain_values(values: pd.Series) -> npt.NDArray[np.object_]:
    """:func:`plain` of every value of a column, without a Python call per value where the dtype allows."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        numbers = values.to_numpy()
        result: npt.NDArray[np.object_] = numbers.astype(object)  # Python bools, ints and floats
        if dtype.kind == "f":
            result[np.isnan(numbers)] = None
        return result
    if isinstance(dtype, pd.BooleanDtype | pd.Int64Dtype | pd.Int32Dtype | pd.Float64Dtype | pd.StringDtype):
        result = values.to_numpy(dtype=object, na_value=cast(Any, None))
        if set(map(type, result)) <= _PLAIN_TYPES:
            result[pd.isna(result)] = None
            return result
    elif isinstance(dtype, np.dtype) and dtype.kind == "O":
        result = values.to_numpy(dtype=object, copy=True)
        kinds = set(map(type, result))
        if kinds <= _PLAIN_TYPES:
            if float in kinds:
                result[pd.isna(result)] = None
            return result
    result = np.empty(len(values), dtype=object)
    result[:] = [plain(value) for value in values]
    return result


def _same(new: Any, old: Any) -> bool:
    return _same_plain(plain(new), plain(old))


def _same_plain(new: Any, old: Any) -> bool:
    if new is None or old is None:
        return new is None and old is None
    if isinstance(new, int | float) and isinstance(old, int | float) and not isinstance(new, bool):
        return math.isclose(float(new), float(old), rel_tol=1e-9, abs_tol=1e-9)
    return bool(new == old)


def _same_values(new: npt.NDArray[np.object_], old: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    """:func:`_same` of two columns of plain values, with numpy when both hold numbers."""
    new_none, old_none = pd.isna(new), pd.isna(old)
    same = new_none & old_none
    both = np.flatnonzero(~new_none & ~old_none)
    a, b = new[both], old[both]
    if set(map(type, a)) <= {int, float} and set(map(type, b)) <= {int, float, bool}:
        x, y = a.astype(np.float64), b.astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            gap = np.abs(y - x)
            close = (gap <= np.abs(1e-9 * y)) | (gap <= np.abs(1e-9 * x)) | (gap <= 1e-9)
            same[both] = (x == y) | (close & ~np.isinf(x) & ~np.isinf(y))
    else:
        same[both] = [_same_plain(one, other) for one, other in zip(a, b, strict=True)]
    return same


def resolve(conn: Connection, write: Write) -> pd.DataFrame:
    """The write's rows with every reference turned into its id column (NaN while the parent is new)."""
    rows = write.rows.copy()
    for ref in write.refs:
        parent = table(ref.table)
        query = select(parent.c.id.label(ref.column), *(parent.c[c].label(f) for f, c in ref.natural.items()))
        for column, value in ref.where.items():
            query = query.where(parent.c[column] == value)
        ids = pd.DataFrame(conn.execute(query).mappings().all(), columns=[ref.column, *ref.natural])
        rows, ids = _nullable_ids(rows, list(ref.natural)), _nullable_ids(ids, list(ref.natural))
        rows = rows.drop(columns=[ref.column], errors="ignore").merge(ids, on=list(ref.natural), how="left")
    kept = (*write.key, *write.values, *write.insert_only)
    natural = {column for ref in write.refs for column in ref.natural if column not in kept}
    return rows.drop(columns=sorted(natural))


def _nullable_ids(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Id columns as nullable integers, so that a column of blanks still joins a column of ids."""
    cast = {column: "Int64" for column in columns if column.endswith("_id") and column in frame}
    return frame.astype(cast) if cast else frame


def _existing(conn: Connection, write: Write, rows: pd.DataFrame) -> pd.DataFrame:
    """Stored rows whose first key column takes one of the values in ``rows``."""
    target = table(write.table)
    names = list(dict.fromkeys([ID, "batch_id", *write.key, *write.values]))  # the key may be the id itself
    columns = [target.c[name] for name in names]
    first = write.key[0]
    wanted = [plain(value) for value in rows[first].dropna().unique()]
    found: list[dict[str, Any]] = []
    for start in range(0, len(wanted), CHUNK):
        query = select(*columns).where(target.c[first].in_(wanted[start : start + CHUNK]))
        found += [dict(row) for row in conn.execute(query).mappings()]
    return pd.DataFrame(found, columns=names).drop_duplicates(list(write.key))


def diff(conn: Connection, write: Write) -> Change:
    """Classify the write's rows as created, updated or unchanged against the store."""
    rows = resolve(conn, write)
    existing = _existing(conn, write, rows)
    old = existing.rename(columns={c: f"{c}__old" for c in (*write.values, "batch_id")})
    rows, old = _nullable_ids(rows, list(write.key)), _nullable_ids(old, list(write.key))
    merged = rows.merge(old, on=list(write.key), how="left")
    is_new = merged[ID].isna()
    stored = np.flatnonzero(~is_new.to_numpy())  # only rows with a stored match can differ
    changed = np.zeros(len(merged), dtype=bool)
    for column in write.values:
        new, previous = merged[column].iloc[stored], merged[f"{column}__old"].iloc[stored]
        changed[stored] |= ~_same_values(plain_values(new), plain_values(previous))
    differs = pd.Series(changed, index=merged.index)
    created = merged.loc[is_new, list(dict.fromkeys((*write.key, *write.values, *write.insert_only)))]
    updated = merged.loc[~is_new & differs]
    return Change(write, created, updated, int((~is_new & ~differs).sum()))


def _records(frame: pd.DataFrame, columns: Sequence[str], **extra: Any) -> list[dict[str, Any]]:
    data = {column: plain_values(frame[column]) for column in columns}
    return [dict(zip(data, values, strict=True)) | extra for values in zip(*data.values(), strict=True)]


def _insert(conn: Connection, target: Table, frame: pd.DataFrame, **extra: Any) -> None:
    """``INSERT`` every row of ``frame`` (plus the ``extra`` constants) as Core would, but faster.

    Core's ``insert()`` with a list of dicts spends most of its time building and reading those
    dicts; here the rows go to the DBAPI as tuples, after the same bind processors and scalar column
    defaults that Core applies: PostgreSQL through ``COPY … FROM STDIN`` (psycopg adapts and escapes
    each value; one ``INSERT`` per row took 18 s for 271 000 rows), others through ``executemany``.
    Other dialects and non-scalar defaults use Core.
    """
    columns: dict[str, Sequence[Any]] = {column: list(plain_values(frame[column])) for column in frame.columns}
    constants = dict(extra)
    for column in target.columns:
        if column.name in columns or column.name in constants or column.primary_key or column.default is None:
            continue
        if not column.default.is_scalar:
            conn.execute(insert(target), _records(frame, list(frame.columns), **extra))
            return
        constants[column.name] = column.default.arg  # type: ignore[attr-defined]
    placeholder = _PLACEHOLDERS.get(conn.dialect.paramstyle)
    if placeholder is None:
        conn.execute(insert(target), _records(frame, list(frame.columns), **extra))
        return
    data: dict[str, Sequence[Any]] = {**columns, **{name: [value] * len(frame) for name, value in constants.items()}}
    values: list[Sequence[Any]] = []
    for name, column_values in data.items():
        processor = target.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        values.append(_processed(processor, column_values) if processor else column_values)
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in data)
    if conn.dialect.name == "postgresql":
        # COPY takes no cast: an id column a left merge made float (NaN where no parent) must give 221, not 221.0
        values = [
            [int(value) if isinstance(value, float) and value.is_integer() else value for value in column_values]
            if isinstance(target.c[name].type, Integer)
            else column_values
            for name, column_values in zip(data, values, strict=True)
        ]
        driver = cast("psycopg.Connection[Any]", conn.connection.driver_connection)  # in this transaction
        with driver.cursor() as cursor, cursor.copy(f"COPY {quote(target.name)} ({names}) FROM STDIN") as copy:
            for row in zip(*values, strict=True):
                copy.write_row(row)
        return
    statement = f"INSERT INTO {quote(target.name)} ({names}) VALUES ({', '.join([placeholder] * len(data))})"
    conn.exec_driver_sql(statement, list(zip(*values, strict=True)))


def _processed(processor: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    """A bind processor applied to every value; once per distinct value when that is the same thing."""
    kinds = set(map(type, values)) - {type(None)}
    if len(kinds) == 1 and kinds <= {bool, str, dt.date}:  # equal values of one of these types: equal results
        done = {value: processor(value) for value in set(values)}
        return [done[value] for value in values]
    return [processor(value) for value in values]


def _apply(conn: Connection, change: Change, batch_id: int) -> None:
    write, target = change.write, table(change.write.table)
    if not change.created.empty:
        _insert(conn, target, change.created, batch_id=batch_id)
    if change.updated.empty:
        return
    before_columns = [f"{c}__old" for c in (*write.values, "batch_id")]
    befores = [
        {
            "batch_id": batch_id,
            "table_name": write.table,
            "row_id": int(row[ID]),
            "before": json.dumps({c.removesuffix("__old"): plain(row[c]) for c in before_columns}, default=str),
            "before_batch_id": plain(row["batch_id__old"]),
        }
        for row in change.updated.to_dict("records")
    ]
    conn.execute(insert(table("batch_change")), befores)
    params = _records(change.updated.rename(columns={ID: "row_id"}), ["row_id", *write.values], batch_id=batch_id)
    statement = update(target).where(target.c.id == bindparam("row_id"))
    conn.execute(statement.values({c: bindparam(c) for c in (*write.values, "batch_id")}), params)


# Derived from the results, kept at every write of them: diagnostic_result.is_latest (an educator's latest result
# per area and year; only rows whose flag is wrong are written — after a typical upload, the few results a later
# one in the file replaced) and diagnosed_educator (the municipalities and years in which an educator has results).
_REFRESH_LATEST = """
    UPDATE diagnostic_result SET is_latest = NOT is_latest
    WHERE {scope} is_latest = EXISTS (
        SELECT 1 FROM diagnostic_result later
        WHERE later.year = diagnostic_result.year AND later.educator_id = diagnostic_result.educator_id
          AND later.area_id = diagnostic_result.area_id AND later.taken_on > diagnostic_result.taken_on
    )
"""
_CLEAR_DIAGNOSED = "DELETE FROM diagnosed_educator {where}"
_REFRESHED = "refreshed_educator"  # a temporary table: the educators of one refresh_results call
_FILL_DIAGNOSED = """
    INSERT INTO diagnosed_educator (educator_id, year, municipality_id)
    SELECT DISTINCT educator_id, year, municipality_id FROM diagnostic_result {where}
"""


def refresh_results(conn: Connection, educator_ids: Iterable[int] | None = None) -> None:
    """Make what is derived from these educators' results right again (every educator's when None).

    Runs in the caller's transaction. The ids go to a temporary table (one array on PostgreSQL, one
    ``executemany`` on SQLite): each statement then runs once for all of them, instead of once per
    IN-list of :data:`CHUNK` ids (a 30 000-educator upload: 34 rounds).
    """
    if educator_ids is None:
        for statement in (_REFRESH_LATEST.format(scope=""), _CLEAR_DIAGNOSED, _FILL_DIAGNOSED):
            conn.execute(text(statement.format(where="")))
        return
    ids = sorted(set(educator_ids))
    if not ids:
        return
    on_commit = " ON COMMIT DROP" if conn.dialect.name == "postgresql" else ""
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_REFRESHED} (id BIGINT PRIMARY KEY){on_commit}")
    conn.exec_driver_sql(f"DELETE FROM {_REFRESHED}")
    if conn.dialect.name == "postgresql":  # one array, not a round trip per id
        conn.execute(text(f"INSERT INTO {_REFRESHED} (id) SELECT unnest(CAST(:ids AS BIGINT[]))"), {"ids": ids})
        conn.exec_driver_sql(f"ANALYZE {_REFRESHED}")  # temporary tables are never analysed on their own
    else:
        conn.execute(text(f"INSERT INTO {_REFRESHED} (id) VALUES (:id)"), [{"id": one} for one in ids])
    # PostgreSQL: two transactions writing results of one educator at once would each miss the other's
    # uncommitted rows; the second waits here for the first to commit, then sees its rows (SQLite writers
    # are serialised anyway, and it has no FOR UPDATE). Ascending ids: no deadlock between refreshes.
    # FOR NO KEY UPDATE: it does not wait for the key-share locks the foreign-key checks of the results'
    # inserts hold, so two uploads naming one educator cannot deadlock on them.
    educators = table("educator")
    chosen: Select[Any] = select(literal_column("id")).select_from(text(_REFRESHED))
    lock = (
        select(educators.c.id)
        .where(educators.c.id.in_(chosen))
        .order_by(educators.c.id)
        .with_for_update(key_share=True)
    )
    conn.execute(lock).all()
    scope = f"educator_id IN (SELECT id FROM {_REFRESHED})"
    for statement in (
        _REFRESH_LATEST.format(scope=f"{scope} AND"),
        _CLEAR_DIAGNOSED.format(where=f"WHERE {scope}"),
        _FILL_DIAGNOSED.format(where=f"WHERE {scope}"),
    ):
        conn.execute(text(statement))


def _batch_educators(conn: Connection, batch_id: int) -> list[int]:
    """The educators with results the batch wrote (created, or updated: those carry its batch_id too)."""
    results = table("diagnostic_result")
    query = select(results.c.educator_id).distinct().where(results.c.batch_id == batch_id)
    return [int(educator) for educator in conn.execute(query).scalars()]


@dataclass(frozen=True)
class Committed:
    """The batch a commit created and its counts."""

    batch_id: int
    created: int
    updated: int
    unchanged: int


def commit(conn: Connection, writes: Sequence[Write], *, batch: dict[str, Any]) -> Committed:
    """Write every change under a new batch, in the caller's transaction (parents first)."""
    batches = table("upload_batch")
    batch_id = int(conn.execute(insert(batches).values(batch).returning(batches.c.id)).scalar_one())
    created = updated = unchanged = 0
    for write in writes:
        change = diff(conn, write)
        _apply(conn, change, batch_id)
        created, updated = created + len(change.created), updated + len(change.updated)
        unchanged += change.unchanged
    if any(write.table == "diagnostic_result" for write in writes):
        refresh_results(conn, _batch_educators(conn, batch_id))
    counts = {"n_created": created, "n_updated": updated, "n_unchanged": unchanged}
    conn.execute(update(batches).where(batches.c.id == batch_id).values(counts))
    return Committed(batch_id, created, updated, unchanged)


def _restore_value(target: Table, column: str, value: Any) -> Any:
    kind = target.c[column].type
    if value is None:
        return None
    if isinstance(kind, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return dt.date.fromisoformat(value)
    return value


def undo(engine: Engine, *, batch_id: int, now: dt.datetime) -> None:
    """Restore the state before a batch: updated rows get their old values, created rows go.

    Raises:
        RsnmsError: the batch is not committed, or a later batch changed or uses its rows.
    """
    batches, changes = table("upload_batch"), table("batch_change")
    with engine.begin() as conn:
        state = conn.execute(select(batches.c.state).where(batches.c.id == batch_id)).scalar_one_or_none()
        if state != "committed":
            raise RsnmsError(f"Загрузка № {batch_id} не найдена или уже отменена.")
        later = conn.execute(
            select(changes.c.batch_id)
            .distinct()
            .join(batches, batches.c.id == changes.c.batch_id)
            .where(and_(changes.c.before_batch_id == batch_id, batches.c.state == "committed"))
        ).scalars()
        blocking = sorted(int(number) for number in later)
        if blocking:
            listed = ", ".join(f"№ {number}" for number in blocking)
            raise RsnmsError(f"Загрузку № {batch_id} изменили более поздние загрузки ({listed}): отмените их первыми.")
        assessed = _batch_educators(conn, batch_id)
        rows = conn.execute(select(changes).where(changes.c.batch_id == batch_id).order_by(changes.c.id.desc()))
        for change in rows.mappings().all():
            target = table(change["table_name"])
            values = {c: _restore_value(target, c, v) for c, v in json.loads(change["before"]).items()}
            conn.execute(update(target).where(target.c.id == change["row_id"]).values(values))
        try:
            for name in BATCH_TABLES:
                conn.execute(delete(table(name)).where(table(name).c.batch_id == batch_id))
        except IntegrityError as error:
            message = f"Загрузку № {batch_id} нельзя отменить: на её строки ссылаются данные более поздних загрузок."
            raise RsnmsError(message) from error
        refresh_results(conn, assessed)
        conn.execute(update(batches).where(batches.c.id == batch_id).values(state="undone", undone_at=now))


def erase_personal(engine: Engine, *, batch_id: int, now: dt.datetime) -> int:
    """Delete the person-level rows a batch brought (152-ФЗ), and its educators nobody else needs.

    Returns how many rows went; aggregates and the batch record stay.
    """
    batches, educators = table("upload_batch"), table("educator")
    removed = 0
    with engine.begin() as conn:
        assessed = _batch_educators(conn, batch_id)
        for name in (*PERSON_TABLES, "methodist_assignment"):
            rows = table(name)
            condition = rows.c.batch_id == batch_id
            if name == "methodist_assignment":
                condition = and_(condition, rows.c.educator_id.is_not(None))
            removed += conn.execute(delete(rows).where(condition)).rowcount
        used = [  # NOT IN against a NULL is never true: organisation-level links have no educator
            select(table(name).c.educator_id).where(table(name).c.educator_id.is_not(None))
            for name in (*PERSON_TABLES, "methodist_assignment")
        ]
        orphans = and_(educators.c.batch_id == batch_id, *(educators.c.id.not_in(query) for query in used))
        removed += conn.execute(delete(educators).where(orphans)).rowcount
        refresh_results(conn, assessed)
        conn.execute(update(batches).where(batches.c.id == batch_id).values(erased_at=now))
    return removed
