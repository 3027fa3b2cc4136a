"""Methodist load on a hand-made region: shared methodists, FTE splits, caseload counts, the norm as a what-if.

Omsk, 2024. Official teachers: г. Омск 600, Азовский 300, Тарский 100; the Омский район has no official
count but three pedagogues on the roster and no methodist.
- М-1 (г. Омск, 1,0): СОШ № 1 of the city (200 teachers) and Азовская СОШ (100): 2/3 FTE in the city, 1/3 in Azov.
- М-2 (г. Омск, 0,5): one educator directly and the Гимназия (no number given: its roster of two pedagogues).
- М-3 (Азовский, 1,0): nobody assigned: idle, counted at its base.
- М-4 (Тарский, 1,0): caseload counts only: Тарский 80 teachers, Азовский 40 teachers at a stated 0,25 FTE,
  so the remaining 0,75 serves Тарский.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from rsnms import charts, labels, methodists

CITY, AZOV, TARA, OMSKY = (
    "г. Омск",
    "Азовский немецкий национальный муниципальный район",
    "Тарский муниципальный район",
    "Омский муниципальный район",
)
NORM = 250.0


def _execute(conn: object, sql: str, **params: object) -> None:
    conn.execute(text(sql), params)  # type: ignore[attr-defined]


@pytest.fixture
def load_engine(store_engine: Engine) -> Engine:
    with store_engine.begin() as conn:
        for place, value in ((CITY, 600), (AZOV, 300), (TARA, 100)):
            _execute(
                conn,
                "INSERT INTO aggregate_count (region_id, year, municipality_id, metric, value) "
                "SELECT region_id, 2024, id, 'ped_workers_total', :v FROM municipality WHERE name = :m",
                v=value,
                m=place,
            )
        for place, name in ((CITY, "СОШ № 1"), (CITY, "Гимназия"), (AZOV, "Азовская СОШ"), (OMSKY, "Ачаирская СОШ")):
            _execute(
                conn,
                "INSERT INTO organisation (region_id, municipality_id, name, kind, is_low_results, "
                "has_mentoring_model, is_internship_site) SELECT region_id, id, CAST(:n AS VARCHAR(255)), "
                "'general_school', false, false, false FROM municipality WHERE name = :m",
                n=name,
                m=place,
            )
        people = [("e1", "СОШ № 1", "pedagogue"), ("g1", "Гимназия", "pedagogue"), ("g2", "Гимназия", "pedagogue")]
        people += [("g3", "Гимназия", "manager")] + [(f"o{i}", "Ачаирская СОШ", "pedagogue") for i in range(3)]
        for key, organisation, category in people:
            _execute(
                conn,
                "INSERT INTO educator (region_id, pseudo_key, organisation_id, category, position, subject, "
                "qualification) SELECT region_id, :k, id, :c, '', '', '' FROM organisation WHERE name = :o",
                k=key,
                o=organisation,
                c=category,
            )
        for code, place, fte in (("М-1", CITY, 1.0), ("М-2", CITY, 0.5), ("М-3", AZOV, 1.0), ("М-4", TARA, 1.0)):
            _execute(
                conn,
                "INSERT INTO methodist (region_id, code, display_name, municipality_id, specialisation, fte, "
                "is_active) SELECT region_id, :c, :n, id, 'Математика', :f, true FROM municipality WHERE name = :m",
                c=code,
                n=f"Методист {code}",
                m=place,
                f=fte,
            )
        for code, organisation, teachers in (
            ("М-1", "СОШ № 1", 200),
            ("М-1", "Азовская СОШ", 100),
            ("М-2", "Гимназия", None),
        ):
            _execute(
                conn,
                "INSERT INTO methodist_assignment (methodist_id, year, organisation_id, n_teachers) "
                "SELECT m.id, 2024, o.id, :t FROM methodist m, organisation o WHERE m.code = :c AND o.name = :o",
                c=code,
                o=organisation,
                t=teachers,
            )
        _execute(
            conn,
            "INSERT INTO methodist_assignment (methodist_id, year, educator_id) "
            "SELECT m.id, 2024, e.id FROM methodist m, educator e WHERE m.code = 'М-2' AND e.pseudo_key = 'e1'",
        )
        for place, teachers, fte in ((TARA, 80, None), (AZOV, 40, 0.25)):
            _execute(
                conn,
                "INSERT INTO methodist_caseload (methodist_id, year, municipality_id, n_teachers, fte) "
                "SELECT m.id, 2024, p.id, :t, :f FROM methodist m, municipality p WHERE m.code = 'М-4' AND p.name = :p",
                p=place,
                t=teachers,
                f=fte,
            )
    return store_engine


def _row(table: pd.DataFrame, place: str) -> dict[str, object]:
    return dict(table.set_index("municipality").loc[place])


def test_municipality_loads_from_links_caseloads_and_idle_methodists(load_engine: Engine) -> None:
    table = methodists.municipalities(methodists.base(load_engine, region="omsk", year=2024), norm=NORM)
    city, azov, tara, omsky = (_row(table, place) for place in (CITY, AZOV, TARA, OMSKY))
    assert city["methodists_fte"] == pytest.approx(2 / 3 + 0.5)
    assert city["assigned"] == 203  # 200 + 1 direct + the Гимназия's 2 pedagogues (not its manager)
    assert city["teachers_per_methodist"] == pytest.approx(600 / (2 / 3 + 0.5))
    # 600 / 250 = 2,4 FTE, hired in quarters: 2,5
    assert (city["required"], city["shortfall"], city["unassigned"]) == (2.5, pytest.approx(2.5 - 7 / 6), 397)
    assert city["status"] == methodists.OVER
    assert azov["methodists_fte"] == pytest.approx(1 / 3 + 1.0 + 0.25)  # М-1's third, idle М-3, М-4's stated 0,25
    assert (azov["assigned"], azov["required"], azov["status"]) == (140, 1.25, methodists.MET)
    assert azov["shortfall"] == 0  # within the norm: nothing missing
    assert tara["methodists_fte"] == pytest.approx(0.75) and tara["teachers_per_methodist"] == pytest.approx(100 / 0.75)
    assert (omsky["teachers"], omsky["teachers_source"], omsky["status"]) == (3, "реестр педагогов", "no_methodist")
    assert math.isnan(float(str(omsky["teachers_per_methodist"]))) and omsky["shortfall"] == 0.25
    assert table["municipality"].iloc[0] == OMSKY  # teachers and no methodist: listed first
    assert set(table.loc[table["status"] == methodists.NO_DATA, "teachers"].isna()) == {True}


def test_region_totals(load_engine: Engine) -> None:
    table = methodists.municipalities(methodists.base(load_engine, region="omsk", year=2024), norm=NORM)
    figures = methodists.totals(table, norm=NORM)
    assert figures["teachers"] == 1003 and figures["methodists_fte"] == pytest.approx(3.5)
    assert figures["teachers_per_methodist"] == pytest.approx(1003 / 3.5)
    assert figures["required"] == 2.5 + 1.25 + 0.5 + 0.25
    assert figures["shortfall"] == pytest.approx((2.5 - 7 / 6) + 0.25)  # only where the norm is exceeded
    assert figures["unassigned"] == 397 + 160 + 20 + 3
    assert (figures["over_norm"], figures["without_methodist"], figures["municipalities"]) == (2, 1, 4)
    assert figures["meeting_norm_share"] == 50.0


def test_a_different_norm_and_extra_methodists_recompute_exactly(load_engine: Engine) -> None:
    base = methodists.base(load_engine, region="omsk", year=2024)
    strict = methodists.municipalities(base, norm=150)
    assert _row(strict, CITY)["required"] == 4 and _row(strict, AZOV)["status"] == methodists.OVER
    assert methodists.totals(strict, norm=150)["shortfall"] == pytest.approx((4 - 7 / 6) + (2 - 19 / 12) + 0.25)
    omsky_id = int(base.loc[base["municipality"] == OMSKY, "municipality_id"].iloc[0])
    helped = methodists.municipalities(base, norm=NORM, extra={omsky_id: 1.0})
    assert (_row(helped, OMSKY)["status"], _row(helped, OMSKY)["shortfall"]) == (methodists.MET, 0)
    assert _row(methodists.municipalities(base, norm=NORM), OMSKY)["methodists_fte"] == 0  # the base is untouched


def test_methodists_table_loads_and_states(load_engine: Engine) -> None:
    staff = methodists.methodists(load_engine, region="omsk", year=2024, norm=NORM).set_index("code")
    assert staff.index.tolist() == ["М-1", "М-4", "М-2", "М-3"]  # by load, highest first; the idle one last
    assert (staff.loc["М-1", "teachers"], staff.loc["М-1", "load"], staff.loc["М-1", "state"]) == (
        300,
        300,
        "overloaded",
    )
    assert (staff.loc["М-2", "teachers"], staff.loc["М-2", "load"]) == (3, 6)
    assert (staff.loc["М-4", "teachers"], staff.loc["М-4", "fte"]) == (120, pytest.approx(1.0))
    assert (staff.loc["М-3", "teachers"], staff.loc["М-3", "state"]) == (0, "idle")
    shown = methodists.display_methodists(staff.reset_index(), with_names=False)
    assert "ФИО" not in shown.columns and shown["Состояние"].iloc[0] == "перегружен"
    assert methodists.display_methodists(staff.reset_index(), with_names=True)["ФИО"].iloc[0] == "Методист М-1"


def test_uploaded_fte_counts_when_no_methodist_is_on_record(store_engine: Engine) -> None:
    with store_engine.begin() as conn:
        for metric, value in (("ped_workers_total", 500), ("methodists_fte", 1.5)):
            _execute(
                conn,
                "INSERT INTO aggregate_count (region_id, year, municipality_id, metric, value) "
                "SELECT region_id, 2024, id, :k, :v FROM municipality WHERE name = :m",
                k=metric,
                v=value,
                m=TARA,
            )
    table = methodists.table(store_engine, region="omsk", year=2024)
    assert list(table.columns) == methodists.TABLE_COLUMNS
    tara = _row(table, TARA)
    assert (tara["teachers"], tara["methodists_fte"], tara["required"]) == (500, 1.5, 2)
    assert tara["teachers_per_methodist"] == pytest.approx(500 / 1.5) and math.isnan(float(str(tara["unassigned"])))


def test_every_region_at_once_keeps_each_region_s_own_rule(load_engine: Engine) -> None:
    with load_engine.begin() as conn:  # Kirov has no methodists on record: its uploaded FTE counts
        for metric, value in (("ped_workers_total", 600), ("methodists_fte", 2.0)):
            _execute(
                conn,
                "INSERT INTO aggregate_count (region_id, year, municipality_id, metric, value) SELECT m.region_id, "
                "2024, m.id, :k, :v FROM municipality m JOIN region r ON r.id = m.region_id WHERE r.code = 'kirov' "
                "AND m.id = (SELECT MIN(id) FROM municipality WHERE region_id = r.id)",
                k=metric,
                v=value,
            )
    frame = methodists.regions_table(load_engine, year=2024, norm=NORM).set_index("region")
    assert list(frame.index) == ["Кировская область", "Омская область"]  # the others have no data
    omsk = methodists.totals(
        methodists.municipalities(methodists.base(load_engine, region="omsk", year=2024), norm=NORM), norm=NORM
    )
    for column in frame.columns:
        assert frame.loc["Омская область", column] == pytest.approx(omsk[column], nan_ok=True), column
    kirov = frame.loc["Кировская область"]
    assert (kirov["teachers"], kirov["methodists_fte"], kirov["teachers_per_methodist"]) == (600, 2, 300)
    assert (kirov["required"], kirov["shortfall"], math.isnan(kirov["unassigned"])) == (2.5, 0.5, True)


def test_load_chart_has_the_norm_rule_and_the_no_methodist_rows_first() -> None:
    frame = pd.DataFrame(
        {"label": ["А", "Б", "В"], "value": [300.0, 200.0, math.nan], "status": ["not_met", "met", "no_methodist"]}
    )
    spec = charts.ranking(
        frame,
        label="label",
        target=250.0,
        target_caption="норма",
        statuses=labels.METHODIST_LOAD_STATUS,
        missing_first=True,
    ).to_dict()
    bars, missing, rule, caption = spec["layer"]
    assert bars["encoding"]["y"]["sort"] == ["В", "А", "Б"]
    assert bars["encoding"]["color"]["scale"]["domain"] == [name for name, _ in labels.METHODIST_LOAD_STATUS.values()]
    assert rule["mark"]["type"] == "rule" and rule["encoding"]["x"]["datum"] == 250.0
    assert caption["mark"]["text"] == "норма: 250"
    assert missing["encoding"]["text"]["field"] == "_status"
