"""A roadmap status entered on the page: a new dated report in its own batch, audited, undoable, never an overwrite."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, text

from rsnms import store
from rsnms.access import Actor, Role
from rsnms.errors import RsnmsError
from rsnms.status_entry import Entry, record

NOW = dt.datetime(2022, 12, 31, 9, 0, tzinfo=dt.UTC)


def _item(engine: Engine, code: str = "004-RM-12") -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM roadmap_item WHERE code = :c"), {"c": code}).scalar_one())


def _reports(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT item_id, as_of, status, actual_quantity, evidence FROM roadmap_report"))
        return [tuple(row) for row in rows]


def test_an_entry_is_a_dated_report_in_its_own_batch_and_audited(store_engine: Engine) -> None:
    item = _item(store_engine)
    entry = Entry(item, dt.date(2022, 12, 30), "partial", 3.0, " https://example.org/prikaz.pdf ")
    batch = record(store_engine, entry, actor=Actor("cnppm1", Role.CNPPM), now=NOW)
    [(item_id, as_of, status, quantity, evidence)] = _reports(store_engine)
    assert (item_id, str(as_of)[:10], status, quantity) == (item, "2022-12-30", "partial", 3.0)
    assert evidence == "https://example.org/prikaz.pdf"
    with store_engine.connect() as conn:
        kind, user, created = conn.execute(
            text("SELECT kind, user_login, n_created FROM upload_batch WHERE id = :b"), {"b": batch}
        ).one()
        audit = conn.execute(text("SELECT action, batch_id FROM audit_event")).all()
    assert (kind, user, created) == ("roadmap_status_entry", "cnppm1", 1)
    assert [tuple(row) for row in audit] == [("roadmap_status", batch)]
    later = Entry(item, dt.date(2022, 12, 31), "done")
    record(store_engine, later, actor=Actor(None, Role.ADMIN), now=NOW)
    assert len(_reports(store_engine)) == 2  # a new report, the first one kept
    store.undo(store_engine, batch_id=batch, now=NOW)
    assert [row[2] for row in _reports(store_engine)] == ["done"]  # the journal can take an entry back


@pytest.mark.parametrize(
    ("entry", "role", "message"),
    [
        (Entry(0, dt.date(2022, 12, 30), "done"), Role.MINISTRY, "Недостаточно прав"),
        (Entry(0, dt.date(2022, 12, 30), "done"), Role.ANALYST, "Недостаточно прав"),
        (Entry(0, dt.date(2023, 1, 5), "done"), Role.CNPPM, "не может быть позже"),
        (Entry(0, dt.date(2022, 12, 30), "finished"), Role.CNPPM, "Выберите статус"),
        (Entry(0, dt.date(2022, 12, 30), "done", -1.0), Role.CNPPM, "не меньше нуля"),
    ],
)
def test_refused_entries_change_nothing(store_engine: Engine, entry: Entry, role: Role, message: str) -> None:
    entry = Entry(_item(store_engine), entry.as_of, entry.status, entry.quantity, entry.evidence)
    with pytest.raises(RsnmsError, match=message):
        record(store_engine, entry, actor=Actor(None, role), now=NOW)
    assert _reports(store_engine) == []


def test_a_report_is_never_overwritten(store_engine: Engine) -> None:
    entry = Entry(_item(store_engine), dt.date(2022, 12, 30), "in_progress")
    cnppm = Actor(None, Role.CNPPM)
    record(store_engine, entry, actor=cnppm, now=NOW)
    with pytest.raises(RsnmsError, match="не перезаписываются"):
        record(store_engine, Entry(entry.item_id, entry.as_of, "done"), actor=cnppm, now=NOW)
    assert [row[2] for row in _reports(store_engine)] == ["in_progress"]
