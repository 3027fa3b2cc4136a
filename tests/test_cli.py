"""The command line, on real SQLite files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

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
    assert row["roadmap_overdue"] == 10


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
