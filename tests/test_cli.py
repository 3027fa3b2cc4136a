"""The command line, on real SQLite files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from rsnms import db
from rsnms.cli import main
from rsnms.reference import reference_counts


def _use(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("RSNMS_DATABASE_URL", url)


def test_init_twice_is_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    _use(monkeypatch, url)
    assert main(["init", "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["init", "--format", "json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert first == second
    assert {row["table"]: row["rows"] for row in first} == reference_counts(db.get_engine(url))
    assert {"table": "roadmap_item", "rows": 126} in first


def test_overview_prints_the_headline(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, small_engine.url.render_as_string(hide_password=False))
    assert main(["overview", "--region", "omsk", "--year", "2024", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["indicators_met"], row["indicators_with_target"]) == (2, 4)
    assert row["teachers_per_methodist"] == pytest.approx(275.0)
    assert row["roadmap_overdue"] == 14  # 10 dated items and 4 periodic ones, none reported


def test_overview_without_data_is_a_russian_error(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, small_engine.url.render_as_string(hide_password=False))
    assert main(["overview", "--region", "kirov"]) == 1
    assert "По региону kirov нет данных" in capsys.readouterr().err


def test_demo_if_empty_keeps_existing_data(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, small_engine.url.render_as_string(hide_password=False))
    assert main(["demo", "--if-empty"]) == 0
    assert "не перезаписан" in capsys.readouterr().err


def test_wrong_usage_exits_with_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["overview", "--region", "moscow"])
    assert stopped.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_indicators_command_matches_the_page_figures(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, small_engine.url.render_as_string(hide_password=False))
    assert main(["indicators", "--region", "omsk", "--year", "2024", "--format", "json"]) == 0
    rows = {row["code"]: row for row in json.loads(capsys.readouterr().out)}
    assert list(rows["diag_deficits_share"]) == [
        "code",
        "wording",
        "unit",
        "numerator",
        "denominator",
        "value",
        "target",
        "status",
    ]
    assert (rows["diag_deficits_share"]["numerator"], rows["diag_deficits_share"]["status"]) == (330.0, "met")
    assert rows["fr_dpo_programs_share"]["value"] is None  # no data: empty, never zero
    assert (
        main(["indicators", "--region", "omsk", "--year", "2024", "--municipality", "г. Омск", "--format", "csv"]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("municipality,code,wording")
    assert lines[1].startswith("г. Омск,diag_deficits_share,") and ",300.0,1000.0,30.0,25.0,met" in lines[1]


def test_indicators_command_refuses_an_unknown_municipality(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, small_engine.url.render_as_string(hide_password=False))
    assert main(["indicators", "--region", "omsk", "--year", "2024", "--municipality", "Атлантида"]) == 1
    assert "«Атлантида» не найдено" in capsys.readouterr().err


def test_deficits_command(
    ref_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, ref_engine.url.render_as_string(hide_password=False))
    with ref_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO deficit_aggregate (region_id, year, municipality_id, area_id, n_assessed, n_with_deficit) "
                "SELECT m.region_id, 2024, m.id, a.id, 20, 5 FROM municipality m, competency_area a "
                "WHERE m.name = 'г. Омск' AND a.code = 'digital'"
            )
        )
    assert (
        main(["deficits", "--region", "omsk", "--year", "2024", "--municipality", "г. Омск", "--format", "json"]) == 0
    )
    [row] = json.loads(capsys.readouterr().out)
    assert row == {
        "municipality": "г. Омск",
        "area": "цифровая",
        "n_assessed": 20,
        "n_with_deficit": 5,
        "share": 25.0,
        "mean_score": None,
    }


def test_methodists_command(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, small_engine.url.render_as_string(hide_password=False))
    assert main(["methodists", "--region", "omsk", "--year", "2024", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert list(rows[0]) == [
        "municipality",
        "teachers",
        "methodists_fte",
        "teachers_per_methodist",
        "required",
        "shortfall",
        "unassigned",
    ]
    total = sum(row["teachers"] for row in rows) / sum(row["methodists_fte"] for row in rows)
    assert total == pytest.approx(275.0)  # 1 100 teachers on 4 FTE, as on the «Обзор» tile
    assert main(["methodists", "--region", "omsk", "--year", "2024", "--norm", "0"]) == 1
    assert "больше нуля" in capsys.readouterr().err


def test_roadmap_command(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, small_engine.url.render_as_string(hide_password=False))
    assert main(["roadmap", "--region", "omsk", "--as-of", "31.12.2024", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert list(rows[0]) == [
        "item_id",
        "plan",
        "item_no",
        "activity",
        "responsible",
        "deadline_raw",
        "next_due",
        "status",
    ]
    assert len(rows) == 27 and sum(row["status"] == "overdue" for row in rows) == 14  # as on «Обзор»
    assert rows[0]["item_id"] == "004-RM-01" and rows[0]["deadline_raw"] == "Апрель 2022 года"
    with pytest.raises(SystemExit) as usage:
        main(["roadmap", "--region", "omsk", "--as-of", "вчера"])
    assert usage.value.code == 2
    assert "ДД.ММ.ГГГГ" in capsys.readouterr().err
