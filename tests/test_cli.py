"""The command line, on real SQLite files."""

from __future__ import annotations

import io
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
    assert main(["deficits", "--year", "2024", "--by", "region", "--municipality", "г. Омск"]) == 1
    assert "не сочетается с --by region" in capsys.readouterr().err
    assert main(["deficits", "--year", "2024", "--by", "region", "--format", "json"]) == 0
    [country] = json.loads(capsys.readouterr().out)
    assert (country["region"], country["area"], country["n_assessed"], country["share"]) == (
        "Омская область",
        "цифровая",
        20,
        25.0,
    )


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
    assert main(["methodists", "--year", "2024", "--by", "region", "--format", "json"]) == 0
    [omsk] = json.loads(capsys.readouterr().out)
    assert (omsk["region"], omsk["teachers_per_methodist"]) == ("Омская область", pytest.approx(275.0))
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


def test_scenario_commands_and_the_scenario_option(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import datetime as dt

    import pandas as pd

    from rsnms import scenario_store
    from rsnms.access import Actor, Role

    _use(monkeypatch, small_engine.url.render_as_string(hide_password=False))
    iom = pd.DataFrame({"code": ["iom_share"], "year": [2024], "municipality_id": [None], "target": [10.0]})
    made = scenario_store.create(
        small_engine, name="ИОМ 10", region="omsk", actor=Actor("a", Role.ANALYST), now=dt.datetime.now(dt.UTC),
        targets=iom, constants={"methodist_norm": 200},
    )  # fmt: skip
    assert main(["scenario", "list", "--region", "omsk", "--format", "json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["id"], listed["name"], listed["targets"], listed["constants"]) == (made, "ИОМ 10", 1, 1)
    assert main(["scenario", "show", str(made), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "kind,code,year,municipality,value",
        "target,iom_share,2024,весь регион,10.0",
        "constant,methodist_norm,,,200.0",
    ]
    assert main(["indicators", "--region", "omsk", "--year", "2024", "--scenario", str(made), "--format", "json"]) == 0
    rows = {row["code"]: row for row in json.loads(capsys.readouterr().out)}
    assert (rows["iom_share"]["target"], rows["iom_share"]["status"]) == (10.0, "met")
    assert main(["methodists", "--region", "omsk", "--year", "2024", "--scenario", str(made), "--format", "json"]) == 0
    city = json.loads(capsys.readouterr().out)[0]
    assert (city["municipality"], city["required"]) == ("г. Омск", 4.5)  # 900 teachers at 200 per methodist
    output = tmp_path / "сценарий.xlsx"
    assert main(["scenario", "export", str(made), "-o", str(output)]) == 0
    assert output.read_bytes()[:2] == b"PK"
    assert "выгружены" in capsys.readouterr().out
    assert main(["indicators", "--region", "kirov", "--year", "2024", "--scenario", str(made)]) == 1
    assert "составлен для региона omsk" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["methodists", "--region", "omsk", "--year", "2024", "--norm", "300", "--scenario", str(made)])
    assert usage.value.code == 2


def test_user_commands(ref_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _use(monkeypatch, ref_engine.url.render_as_string(hide_password=False))
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse 1\n"))
    assert main(["user", "add", "ivanova", "--role", "cnppm", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("tara password 1\n"))
    municipal = ["user", "add", "tara", "--role", "municipal", "--region", "omsk", "--municipality"]
    assert main([*municipal, "Тарский муниципальный район", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["user", "set-password", "ivanova", "--password-stdin"]) == 1
    assert "не короче 10" in capsys.readouterr().err
    assert main(["user", "disable", "tara"]) == 0
    capsys.readouterr()
    assert main(["user", "list", "--format", "json"]) == 0
    listed = {row["login"]: row for row in json.loads(capsys.readouterr().out)}
    assert (listed["ivanova"]["role"], listed["tara"]["municipality"]) == ("cnppm", "Тарский муниципальный район")
    assert not listed["tara"]["is_active"] and "password_hash" not in listed["ivanova"]
    assert main(["user", "disable", "nobody"]) == 1


def test_report_command_writes_the_demo_region_as_pdf_and_docx(
    ref_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import docx
    from pypdf import PdfReader

    from rsnms import demo

    demo.load_demo(ref_engine, pseudonym_key="test-key")
    _use(monkeypatch, ref_engine.url.render_as_string(hide_password=False))
    pdf, word = tmp_path / "x.pdf", tmp_path / "x.docx"
    assert main(["report", "--region", "omsk", "--year", "2024", "-o", str(pdf)]) == 0
    assert f"Аналитическая справка за 2024 год записана: {pdf}" in capsys.readouterr().out
    assert "Адресные рекомендации" in "".join(page.extract_text() for page in PdfReader(pdf).pages)
    tara = ["--municipality", "Тарский муниципальный район", "--sections", "deficits", "recommendations"]
    assert main(["report", "--region", "omsk", "--year", "2024", *tara, "-o", str(word)]) == 0
    headings = [
        p.text for p in docx.Document(str(word)).paragraphs if p.style is not None and p.style.name == "Heading 1"
    ]
    assert headings[:2] == ["1. Профессиональные дефициты", "2. Адресные рекомендации"]
    assert main(["report", "--region", "omsk", "--year", "2019", "-o", str(pdf)]) == 1
    assert "нет данных за 2019 год" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["report", "--region", "omsk", "--year", "2024", "-o", str(tmp_path / "x.txt")])
    assert usage.value.code == 2
    assert "файл справки — .docx или .pdf" in capsys.readouterr().err
