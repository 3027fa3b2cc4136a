"""The protected changes of the upload pages, checked against the role on the server and audited.

``pipeline.commit`` and ``store.undo``/``erase_personal`` do the work; these are what pages and the
command line call, so a page that forgot to hide a button still cannot let the wrong role change data.
The audit event is written right after the change, in its own transaction (the batch itself also records
who and when, so a failure between the two loses no trace of an upload).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from rsnms import audit, store
from rsnms.access import Actor, require, uploads
from rsnms.ingest import pipeline


def commit_upload(engine: Engine, preview: pipeline.Preview, *, actor: Actor, now: dt.datetime) -> store.Committed:
    """Commit a clean upload preview as the actor (ЦНППМ or administrator)."""
    require(uploads(actor.role), "загружать данные")
    committed = pipeline.commit(engine, preview, user=actor.login, now=now)
    with engine.begin() as conn:
        detail = f"{preview.file_name}: новых {committed.created}, изменено {committed.updated}"
        audit.record(conn, action="upload", user=actor.login, detail=detail, at=now, batch_id=committed.batch_id)
    return committed


def undo_batch(engine: Engine, *, batch_id: int, actor: Actor, now: dt.datetime) -> None:
    """Undo a batch as the actor (ЦНППМ or administrator)."""
    require(uploads(actor.role), "отменять загрузки")
    store.undo(engine, batch_id=batch_id, now=now)
    with engine.begin() as conn:
        audit.record(conn, action="undo", user=actor.login, detail=f"загрузка № {batch_id}", at=now, batch_id=batch_id)


def erase_batch(engine: Engine, *, batch_id: int, actor: Actor, now: dt.datetime) -> int:
    """Erase the person-level rows a batch brought, as the actor; returns how many rows went."""
    require(uploads(actor.role), "удалять персональные данные")
    removed = store.erase_personal(engine, batch_id=batch_id, now=now)
    with engine.begin() as conn:
        detail = f"загрузка № {batch_id}: удалено строк {removed}"
        audit.record(conn, action="erase_personal", user=actor.login, detail=detail, at=now, batch_id=batch_id)
    return removed
