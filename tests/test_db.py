"""The store: migrations from empty, SQLite pragmas, foreign keys, schema = models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from rsnms import db, models
from rsnms.config import load_settings, normalize_database_url

TABLES = {
    "aggregate_count", "alembic_version", "app_user", "audit_event", "competency_area", "constant",
    "course_completion", "deficit_aggregate", "deficit_level", "diagnostic_result", "dpo_programme",
    "educator", "indicator", "indicator_region", "indicator_target", "iom", "management_team_training",
    "methodist", "methodist_assignment", "methodist_caseload", "metric", "municipality", "organisation",
    "region", "roadmap", "roadmap_item", "roadmap_report", "scenario", "scenario_constant",
    "scenario_target", "support_participation", "upload_batch", "batch_change", "diagnosed_educator",
}  # fmt: skip


def test_migrations_create_every_table_from_empty(empty_engine: Engine) -> None:
    assert not db.is_migrated(empty_engine)
    db.migrate(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) == TABLES
    assert db.is_migrated(empty_engine)


def test_migrating_twice_changes_nothing(empty_engine: Engine) -> None:
    db.migrate(empty_engine)
    db.migrate(empty_engine)
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0008"]


def test_migrated_schema_matches_the_models(empty_engine: Engine) -> None:
    db.migrate(empty_engine)
    with empty_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_foreign_keys_are_enforced(empty_engine: Engine) -> None:
    db.migrate(empty_engine)
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.execute(models.Municipality.__table__.insert(), {"region_id": 999, "name": "x"})


def test_sqlite_connections_get_wal_foreign_keys_and_busy_timeout(tmp_path: object) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path}/pragmas.db")
    with engine.connect() as connection:
        pragma = {
            name: connection.execute(text(f"PRAGMA {name}")).scalar() for name in ("foreign_keys", "busy_timeout")
        }
        journal = connection.execute(text("PRAGMA journal_mode")).scalar()
    assert pragma == {"foreign_keys": 1, "busy_timeout": db.SQLITE_BUSY_TIMEOUT_MS}
    assert journal == "wal"


def test_get_engine_is_one_engine_per_url(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/one.db"
    assert db.get_engine(url) is db.get_engine(url)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///data/x.db", "sqlite:///data/x.db"),
    ],
)
def test_database_urls_are_normalised(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected
    assert load_settings({"RSNMS_DATABASE_URL": given}).database_url == expected
