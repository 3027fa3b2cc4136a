"""Shared fixtures: real databases (SQLite files, and PostgreSQL when configured), reference data."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from rsnms import auth, db, models, store
from rsnms.access import Actor, Role
from rsnms.reference import load_reference

POSTGRES_URL = os.environ.get("RSNMS_TEST_DATABASE_URL", "")
STORE_BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


def _fresh_postgres() -> Engine:
    engine = db.make_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    return engine


@pytest.fixture(params=STORE_BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of every configured backend (not migrated)."""
    if request.param == "postgresql":
        engine = _fresh_postgres()
    else:
        engine = db.make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def store_engine(empty_engine: Engine) -> Engine:
    """A migrated database of every configured backend, with the reference data loaded."""
    db.migrate(empty_engine)
    load_reference(empty_engine)
    return empty_engine


@pytest.fixture
def ref_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite file with the reference data loaded (for tests that need one backend)."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'ref.db'}")
    db.migrate(engine)
    load_reference(engine)
    yield engine
    engine.dispose()


# A small hand-made Omsk dataset for 2024 whose figures are computed by hand in the tests:
# region totals ped 1 100, managers 120, diagnosed 330 (27,0 %), ИОМ 160 (13,1 %), methodists 4 FTE
# (275 teachers per methodist), young teachers 45 of 60 (75 %), mentoring model 11 of 25 ОО (44 %).
SMALL_COUNTS = {
    "г. Омск": {
        "ped_workers_total": 900,
        "managers_total": 100,
        "diag_passed": 300,
        "iom_developed": 150,
        "fr_dpo_completed": 90,
        "orgs_total": 20,
        "mgmt_teams_trained": 8,
        "young_teachers_total": 50,
        "young_teachers_supported": 40,
        "orgs_mentoring_model": 10,
        "methodists_fte": 3,
    },
    "Азовский немецкий национальный муниципальный район": {
        "ped_workers_total": 200,
        "managers_total": 20,
        "diag_passed": 30,
        "iom_developed": 10,
        "fr_dpo_completed": 10,
        "orgs_total": 5,
        "mgmt_teams_trained": 1,
        "young_teachers_total": 10,
        "young_teachers_supported": 5,
        "orgs_mentoring_model": 1,
        "methodists_fte": 1,
    },
}
SMALL_TARGETS = {
    "diag_deficits_share": 25.0,
    "iom_share": 20.0,
    "young_teachers_support_share": 70.0,
    "mentoring_model_orgs_share": 50.0,
    "fr_dpo_programs_share": 50.0,
}
SMALL_REPORTS = {"004-RM-01": "done", "004-RM-02": "in_progress"}


def seed_small(engine: Engine) -> int:
    """Write the small Omsk dataset as one committed upload batch; returns the batch id."""
    with Session(engine) as session:
        region = session.exec(select(models.Region).where(models.Region.code == "omsk")).one()
        batch = models.UploadBatch(
            kind="indicators",
            region_id=region.id,
            file_name="pokazateli_2024.xlsx",
            sha256="0" * 64,
            user_login="cnppm",
            created_at=dt.datetime(2025, 1, 20, 9, 30, tzinfo=dt.UTC),
            data_as_of=dt.date(2024, 12, 31),
        )
        session.add(batch)
        session.flush()
        municipalities = {m.name: m.id for m in session.exec(select(models.Municipality))}
        for name, counts in SMALL_COUNTS.items():
            for metric, value in counts.items():
                session.add(
                    models.AggregateCount(
                        region_id=region.id,
                        municipality_id=municipalities[name],
                        year=2024,
                        metric=metric,
                        value=value,
                        batch_id=batch.id,
                    )
                )
        indicator_ids = {i.code: i.id for i in session.exec(select(models.Indicator))}
        for code, value in SMALL_TARGETS.items():
            session.add(
                models.IndicatorTarget(
                    indicator_id=indicator_ids[code],
                    region_id=region.id,
                    year=2024,
                    value=value,
                    source="целевые значения",
                    batch_id=batch.id,
                )
            )
        item_ids = {i.code: i.id for i in session.exec(select(models.RoadmapItem))}
        for code, status in SMALL_REPORTS.items():
            session.add(
                models.RoadmapReport(
                    item_id=item_ids[code], as_of=dt.date(2022, 12, 30), status=status, batch_id=batch.id
                )
            )
        session.commit()
        assert batch.id is not None
        return batch.id


@pytest.fixture
def small_engine(ref_engine: Engine) -> Engine:
    """A migrated SQLite file with the reference data and the small Omsk 2024 dataset."""
    seed_small(ref_engine)
    return ref_engine


# Hand-made diagnostics (Omsk): educator → (municipality, organisation, kind, category, subject, birth, start).
DEFICIT_CITY, DEFICIT_AZOV = "г. Омск", "Азовский немецкий национальный муниципальный район"
DEFICIT_PEOPLE = {
    "a": (DEFICIT_CITY, "СОШ № 1", "general_school", "pedagogue", "Математика", 1980, 2005),
    "b": (DEFICIT_CITY, "СОШ № 1", "general_school", "pedagogue", "Математика", 1985, 2010),
    "c": (DEFICIT_CITY, "Детский сад № 2", "preschool", "manager", "", 1995, 2023),
}
# (educator, area, date, score, level word code or None). «a» is re-assessed in digital (the later result
# counts); «b» has a score of 45 but the file said «дефицит отсутствует» (the word wins); nobody but «a» is
# assessed in subject; «c» scores 69, just under the default threshold of 70.
DEFICIT_RESULTS = [
    ("a", "digital", "2024-03-01", 40, None),
    ("a", "digital", "2024-10-01", 80, None),
    ("a", "subject", "2024-03-01", 55, None),
    ("b", "digital", "2024-03-01", 45, "none"),
    ("c", "digital", "2024-05-01", 69, None),
    ("c", "managerial", "2024-05-01", 90, None),
    ("a", "digital", "2023-05-01", 30, None),
]


def seed_deficits(engine: Engine) -> None:
    """The people and results above, and uploaded counts for the city (ignored: it has results) and Azov."""
    with engine.begin() as conn:
        for key, (municipality, organisation, kind, category, subject, born, since) in DEFICIT_PEOPLE.items():
            place = {"m": municipality, "o": organisation, "kind": kind}
            conn.execute(
                text(
                    "INSERT INTO organisation (region_id, municipality_id, name, kind, is_low_results, "
                    "has_mentoring_model, is_internship_site) SELECT m.region_id, m.id, CAST(:o AS VARCHAR(255)), "
                    ":kind, false, false, false FROM municipality m WHERE m.name = :m AND NOT EXISTS (SELECT 1 "
                    "FROM organisation o WHERE o.name = CAST(:o AS VARCHAR(255)) AND o.municipality_id = m.id)"
                ),
                place,
            )
            conn.execute(
                text(
                    "INSERT INTO educator (region_id, pseudo_key, organisation_id, category, position, subject, "
                    "birth_year, career_start_year, qualification) SELECT o.region_id, :k, o.id, :c, '', :s, :b, "
                    ":y, '' FROM organisation o WHERE o.name = :o"
                ),
                {"k": key, "c": category, "s": subject, "b": born, "y": since, "o": organisation},
            )
        for key, area, taken_on, score, level in DEFICIT_RESULTS:
            conn.execute(
                text(
                    "INSERT INTO diagnostic_result (educator_id, area_id, taken_on, year, organisation_id, "
                    "municipality_id, score, level_code) SELECT e.id, a.id, :t, :y, e.organisation_id, "
                    "o.municipality_id, :s, :l FROM educator e JOIN organisation o ON o.id = e.organisation_id, "
                    "competency_area a WHERE e.pseudo_key = :k AND a.code = :a"
                ),
                {"k": key, "a": area, "t": taken_on, "y": int(taken_on[:4]), "s": score, "l": level},
            )
        store.refresh_results(conn)
        conn.execute(
            text(
                "INSERT INTO deficit_aggregate (region_id, year, municipality_id, area_id, n_assessed, "
                "n_with_deficit, mean_score) SELECT m.region_id, 2024, m.id, a.id, 40, 10, 71.5 "
                "FROM municipality m, competency_area a WHERE m.name IN (:city, :azov) AND a.code = 'digital'"
            ),
            {"city": DEFICIT_CITY, "azov": DEFICIT_AZOV},
        )


def session_user(engine: Engine, role: Role, municipality: str | None = None) -> dict[str, object]:
    """A user of the role registered in the store (once) and its session entry, as ui.sign_in keeps it.

    The app re-reads the signed-in user from the store on every page, so a test's user must exist there.
    """
    login = f"test-{role.value}" + (f"-{abs(hash(municipality)) % 10_000}" if municipality else "")
    if login not in set(auth.users(engine)["login"]):
        auth.add_user(
            engine, login=login, password="test-password-1", role=role, region="omsk" if municipality else None,
            municipality=municipality, actor=Actor(None, Role.ADMIN), now=dt.datetime.now(dt.UTC),
        )  # fmt: skip
    user = auth.refreshed(engine, login)
    assert user is not None
    return {"login": login, "role": role.value, "region": user.region, "municipality_id": user.municipality_id,
            "municipality": user.municipality}  # fmt: skip
