"""The person-level and catalogue upload kinds: roster, wide diagnostics, ИОМ, courses, support, caseload."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Engine, text

from rsnms import store
from rsnms.ingest import pipeline, plan
from rsnms.ingest.schemas import SCHEMAS
from tests.test_ingest import NOW, prepare, workbook


def _commit(engine: Engine, rows: list[list[Any]], **kwargs: Any) -> pipeline.Preview:
    preview = prepare(engine, workbook(rows), "file.xlsx", **kwargs)
    assert preview.errors == [], [p.message for p in preview.errors]
    pipeline.commit(engine, preview, user=None, now=NOW)
    return preview


def _scalar(engine: Engine, sql: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_wide_diagnostics_become_one_row_per_area(ref_engine: Engine) -> None:
    header = ["МО", "ОО", "Код педагога", "Должность", "Дата диагностики", "Цифровая", "Предметная", "Методическая"]
    rows = [
        header,
        ["г. Омск", 'МБОУ "СОШ № 1"', "ОМ-1", "учитель", "12.10.2024", 45, 80, 65],
        ["г. Омск", 'МБОУ "СОШ № 1"', "ОМ-2", "директор", "12.10.2024", 90, None, 71],
    ]
    preview = _commit(ref_engine, rows)
    assert [s.kind for s in preview.sheets] == ["diagnostics_wide"]
    scores = _scalar(
        ref_engine, "SELECT group_concat(score, ',') FROM (SELECT score FROM diagnostic_result ORDER BY score)"
    )
    assert scores.split(",") == ["45.0", "65.0", "71.0", "80.0", "90.0"]  # the blank score is skipped
    # scores alone: no level stored, the scale in force decides when counting
    assert _scalar(ref_engine, "SELECT COUNT(*) FROM diagnostic_result WHERE level_code IS NOT NULL") == 0
    assert _scalar(ref_engine, "SELECT COUNT(*) FROM educator WHERE category = 'manager'") == 1


def test_roster_then_iom_keeps_the_roster_attributes(ref_engine: Engine) -> None:
    roster = [
        ["Код педагога", "Муниципальное образование", "Образовательная организация", "Должность", "Год рождения"],
        ["ОМ-7", "Омский р-н", 'МБОУ "Ачаирская СОШ"', "заместитель директора", 1980],
    ]
    assert [s.kind for s in _commit(ref_engine, roster).sheets] == ["teachers"]
    ioms = [
        ["Код педагога", "Дата разработки ИОМ", "Статус ИОМ"],
        ["ОМ-7", "15.11.2024", "реализуется"],
        ["ОМ-8", "ноябрь 2024", "завершён"],
    ]
    preview = _commit(ref_engine, ioms, region="omsk")
    assert {c.write.table: (len(c.created), len(c.updated)) for c in preview.changes} == {
        "educator": (1, 0),
        "iom": (2, 0),
    }
    assert (
        _scalar(ref_engine, "SELECT category || '/' || birth_year FROM educator WHERE organisation_id IS NOT NULL")
        == "manager/1980"
    )
    assert (
        _scalar(ref_engine, "SELECT group_concat(status, ',') FROM (SELECT status FROM iom ORDER BY created_on)")
        == "completed,active"
    )


def test_programmes_give_provider_counts_and_completions_link_to_them(ref_engine: Engine) -> None:
    catalogue = [
        ["Организация ДПО", "Программа", "Объём, часов", "В ФР ДППО", "Компетенция", "Год"],
        ["БОУ ДПО «ИРООО»", "Цифровая школа", 36, "да", "цифровые компетенции", 2024],
        ["БОУ ДПО «ИРООО»", "Право в школе", 72, "нет", "нормативно-правовая", 2024],
    ]
    with ref_engine.begin() as conn:  # the provider is an organisation of the region
        conn.execute(
            text(
                "INSERT INTO organisation (region_id, municipality_id, name, kind, is_low_results, "
                "has_mentoring_model, is_internship_site) SELECT r.id, m.id, 'БОУ ДПО «ИРООО»', 'dpo', 0, 0, 0 "
                "FROM municipality m JOIN region r ON r.id = m.region_id WHERE m.name = 'г. Омск'"
            )
        )
    _commit(ref_engine, catalogue, region="omsk")
    counts = _scalar(
        ref_engine,
        "SELECT group_concat(metric || '=' || value, ',') FROM (SELECT * FROM aggregate_count ORDER BY metric)",
    )
    assert counts == "dpo_programs_in_fr=1.0,dpo_programs_total=2.0"
    completions = [
        ["Код педагога", "Организация ДПО", "Программа", "Дата окончания", "Подобрана по диагностике"],
        ["ОМ-1", "БОУ ДПО «ИРООО»", "Цифровая школа", dt.date(2024, 5, 15), "да"],
    ]
    preview = _commit(ref_engine, completions, region="omsk")
    assert {c.write.table: len(c.created) for c in preview.changes} == {
        "educator": 1,
        "dpo_programme": 0,
        "course_completion": 1,
    }
    assert (
        _scalar(
            ref_engine,
            "SELECT p.in_federal_register FROM course_completion c JOIN dpo_programme p ON p.id = c.programme_id",
        )
        == 1
    )


def test_support_and_caseload(ref_engine: Engine) -> None:
    support = [
        ["Код педагога", "Год рождения", "Год начала педагогической деятельности", "Форма поддержки", "Дата начала"],
        ["ОМ-9", 2001, 2023, "Наставничество", "01.09.2024"],
    ]
    _commit(ref_engine, support, region="omsk")
    assert _scalar(ref_engine, "SELECT form || '/' || year FROM support_participation") == "наставничество/2024"
    caseload = [
        ["Код методиста", "Муниципальное образование", "Число педагогов", "Ставка в МО"],
        ["РМ-001", "г. Омск", 240, 1],
        ["РМ-001", "Омский муниципальный район", 60, 0.25],
    ]
    _commit(ref_engine, caseload, year=2024)
    assert _scalar(ref_engine, "SELECT SUM(n_teachers) FROM methodist_caseload WHERE year = 2024") == 300
    assert _scalar(ref_engine, "SELECT COUNT(*) FROM methodist") == 1


def test_a_new_roadmap_with_parsed_deadlines(ref_engine: Engine) -> None:
    rows = [
        ["№ п/п", "Наименование мероприятия", "Срок", "Ответственный исполнитель"],
        [1, "Диагностика профессиональных дефицитов", "Ноябрь 2025 года", "ЦНППМ"],
        [2, "Семинары для молодых педагогов", "Ежеквартально", "ЦНППМ"],
        [3, "Обновление банка данных", "В течение года", "ИРООО"],
    ]
    content = workbook(rows, above=[["КОМПЛЕКС МЕР («дорожная карта») Омской области на 2025 год"]])
    preview = prepare(ref_engine, content, "dk.xlsx")
    assert (preview.region, preview.year, preview.errors) == ("omsk", 2025, [])
    assert [s.kind for s in preview.sheets] == ["roadmap_items"]
    pipeline.commit(ref_engine, preview, user=None, now=NOW)
    assert _scalar(ref_engine, "SELECT title FROM roadmap WHERE code = 'omsk-2025'").startswith("КОМПЛЕКС МЕР")
    items = _scalar(
        ref_engine,
        "SELECT group_concat(code || '=' || due_dates || '/' || recurrence, ' ') FROM "
        "(SELECT * FROM roadmap_item WHERE code LIKE 'omsk-2025-%' ORDER BY sort_order)",
    )
    assert items == "omsk-2025-1=2025-11-30/none omsk-2025-2=/quarterly omsk-2025-3=2025-12-31/none"


def test_updating_an_act_roadmap_item_and_undoing_it(ref_engine: Engine) -> None:
    activity = _scalar(ref_engine, "SELECT activity FROM roadmap_item WHERE code = '004-RM-01'")
    rows = [["№ п/п", "Наименование мероприятия", "Срок"], [1, activity, "Май 2022 года"]]
    preview = prepare(ref_engine, workbook(rows), "dk.xlsx")
    assert {c.write.table: (len(c.created), len(c.updated)) for c in preview.changes} == {"roadmap_item": (0, 1)}
    batch = pipeline.commit(ref_engine, preview, user=None, now=NOW).batch_id
    assert _scalar(ref_engine, "SELECT due_dates FROM roadmap_item WHERE code = '004-RM-01'") == "2022-05-31"
    store.undo(ref_engine, batch_id=batch, now=NOW)
    assert _scalar(
        ref_engine, "SELECT deadline_raw || '/' || due_dates FROM roadmap_item WHERE code = '004-RM-01'"
    ) == ("Апрель 2022 года/2022-04-30")


def test_every_kind_has_a_builder_and_a_place_in_the_order() -> None:
    kinds = {schema.kind for schema in SCHEMAS} | {"diagnostics_wide"}
    assert set(plan.BUILDERS) == kinds == set(plan.KIND_ORDER)


def test_a_row_without_a_teacher_code_is_an_error_not_a_crash(ref_engine: Engine) -> None:
    header = ["Муниципальное образование", "Код педагога", "Компетенция", "Балл", "Дата диагностики"]
    rows = [header, ["г. Омск", None, "цифровая", 50, "01.11.2024"], ["г. Омск", "ОМ-1", "цифровая", 80, "01.11.2024"]]
    preview = prepare(ref_engine, workbook(rows), "d.xlsx")
    assert [(p.code.value, p.row, p.column) for p in preview.errors] == [("required_value", 2, "Код педагога")]
    assert {c.write.table: len(c.created) for c in preview.changes}["diagnostic_result"] == 1


def test_municipality_reference_renames_dates_and_adds_units(ref_engine: Engine) -> None:
    rows = [
        ["Муниципальное образование", "Новое наименование", "Вид МО", "Действует с"],
        ["Омский р-н", "Омский муниципальный округ", "муниципальный округ", "01.01.2025"],
        ["Новоомский муниципальный округ", None, "муниципальный округ", "01.01.2025"],
    ]
    preview = prepare(ref_engine, workbook(rows), "mo.xlsx", region="omsk")
    assert preview.errors == []
    counts = {c.write.label: (len(c.created), len(c.updated)) for c in preview.changes}
    assert counts == {"Муниципальные образования (изменения)": (0, 1), "Муниципальные образования (новые)": (1, 0)}
    batch = pipeline.commit(ref_engine, preview, user=None, now=NOW).batch_id
    assert _scalar(
        ref_engine, "SELECT kind || '/' || valid_from FROM municipality WHERE name = 'Омский муниципальный округ'"
    ) == ("муниципальный округ/2025-01-01")
    assert (
        _scalar(
            ref_engine, "SELECT COUNT(*) FROM municipality m JOIN region r ON r.id = m.region_id WHERE r.code = 'omsk'"
        )
        == 34
    )
    store.undo(ref_engine, batch_id=batch, now=NOW)
    assert _scalar(ref_engine, "SELECT COUNT(*) FROM municipality WHERE name = 'Омский муниципальный район'") == 1
    assert (
        _scalar(
            ref_engine, "SELECT COUNT(*) FROM municipality m JOIN region r ON r.id = m.region_id WHERE r.code = 'omsk'"
        )
        == 33
    )


def test_rows_in_date_order_keep_the_file_order_of_equal_dates() -> None:
    days = [dt.date(2024, 3, 1), None, dt.date(2023, 10, 2), dt.date(2024, 3, 1), dt.date(2023, 10, 2), None]
    order = plan._stable_order(pd.Series(days, dtype=object))
    assert order.tolist() == [2, 4, 0, 3, 1, 5]


def test_texts_are_grouped_only_when_every_value_is_a_text_or_none() -> None:
    grouped = plan._by_distinct(pd.Series(["г. Омск", None, "Тара", "г. Омск"], dtype=object))
    assert grouped is not None
    codes, distinct = grouped
    assert (codes.tolist(), distinct) == ([0, -1, 1, 0], ["г. Омск", "Тара"])
    assert plan._by_distinct(pd.Series(["1", 1.0, True], dtype=object)) is None
    assert plan._by_distinct(pd.Series(["г. Омск", float("nan")], dtype=object)) is None


def _activity(engine: Engine, code: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT activity FROM roadmap_item WHERE code = :c"), {"c": code}).scalar())


def test_roadmap_reports_are_matched_by_activity_text_without_numbers(ref_engine: Engine) -> None:
    # Ivanovo's items 29–32 have no number at all; «ё», quotes, case and spaces differ from the act.
    plain = _activity(ref_engine, "001-RM-29")
    rows = [
        ["Наименование мероприятия", "Статус", "Дата отчёта"],
        [f"  {plain.upper().replace('Е', 'Ё', 1)} ", "выполнено", "20.12.2023"],
        [_activity(ref_engine, "001-RM-30").replace("банка", "«банка»"), "в работе", "20.12.2023"],
    ]
    _commit(ref_engine, rows, region="ivanovo")
    with ref_engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT ri.code, rr.status FROM roadmap_report rr JOIN roadmap_item ri ON ri.id = rr.item_id ORDER BY 1"
            )
        ).all()
    assert [tuple(row) for row in found] == [("001-RM-29", "done"), ("001-RM-30", "in_progress")]


def test_roadmap_report_rows_with_a_repeated_text_need_their_number(ref_engine: Engine) -> None:
    repeated = _activity(ref_engine, "003-RM-09")  # items 9 and 11 of Leningrad's roadmap share the text
    rows = [
        ["№ п/п", "Наименование мероприятия", "Статус", "Дата отчёта"],
        ["11", repeated, "выполнено", "30.12.2021"],
        ["", repeated, "выполнено", "30.12.2021"],
        ["3", "Мероприятие, которого нет в дорожной карте региона", "выполнено", "30.12.2021"],
    ]
    preview = prepare(ref_engine, workbook(rows), "file.xlsx", region="leningrad")
    assert [(p.row, p.column) for p in preview.errors] == [(3, "№ п/п"), (4, "Наименование мероприятия")]
    assert "нескольких пунктах" in preview.errors[0].expected  # listed, never dropped silently
    before = _scalar(ref_engine, "SELECT COUNT(*) FROM roadmap_report")
    assert before == 0
    del rows[2:]
    _commit(ref_engine, rows, region="leningrad")
    item = _scalar(ref_engine, "SELECT ri.code FROM roadmap_report rr JOIN roadmap_item ri ON ri.id = rr.item_id")
    assert item == "003-RM-11"
