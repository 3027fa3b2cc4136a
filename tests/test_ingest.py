"""The upload pipeline on real files: samples, every problem kind, refusals that change nothing, undo."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, select, text
from sqlmodel import SQLModel

from rsnms import store
from rsnms.errors import ProblemCode, RsnmsError
from rsnms.ingest import pipeline

DATA = Path(__file__).resolve().parent / "data"
NOW = dt.datetime(2025, 2, 1, 12, 0, tzinfo=dt.UTC)


def prepare(engine: Engine, content: bytes, name: str = "file.xlsx", **kwargs: Any) -> pipeline.Preview:
    return pipeline.prepare(engine, content, file_name=name, max_mb=20, pseudonym_key="test-key", **kwargs)


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered: «unchanged» means equal snapshots."""
    with engine.connect() as conn:
        return {
            name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
            for name, table in SQLModel.metadata.tables.items()
        }


def workbook(rows: list[list[Any]], *, title: str = "Лист1", above: list[list[Any]] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in [*(above or []), *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


INDICATOR_HEADER = [
    "Муниципальное образование",
    "Всего педагогических работников",
    "Всего управленческих кадров",
    "Прошли диагностику в ЦНППМ",
]


def indicators_file(*rows: list[Any]) -> bytes:
    return workbook([INDICATOR_HEADER, *rows], above=[["Сводные показатели за 2024 год"]])


# --- the samples ------------------------------------------------------------------------------


def _counts(preview: pipeline.Preview) -> dict[str, tuple[int, int, int]]:
    return {c.write.table: (len(c.created), len(c.updated), c.unchanged) for c in preview.changes}


def test_sample_indicators(ref_engine: Engine) -> None:
    preview = prepare(ref_engine, sample("pokazateli_2023.xlsx"), "pokazateli_2023.xlsx")
    assert preview.problems == []
    assert (preview.region, preview.region_source) == ("omsk", "по названиям муниципалитетов")
    assert (preview.year, preview.year_source) == (2023, "по заголовку таблицы")
    assert [(s.kind, s.header_row, s.rows) for s in preview.sheets] == [("indicators", 2, 33)]  # «Итого» skipped
    assert _counts(preview) == {"aggregate_count": (330, 0, 0)}
    pipeline.commit(ref_engine, preview, user="cnppm", now=NOW)
    with ref_engine.connect() as conn:
        total = conn.execute(text("SELECT SUM(value) FROM aggregate_count WHERE metric = 'ped_workers_total'")).scalar()
        omsk = conn.execute(
            text(
                "SELECT value FROM aggregate_count a JOIN municipality m ON m.id = a.municipality_id "
                "WHERE m.name = 'г. Омск' AND metric = 'ped_workers_total' AND year = 2023"
            )
        ).scalar()
    assert (total, omsk) == (20709, 7735)  # «7 735» stored as text in the file


def test_sample_methodists_two_sheets(ref_engine: Engine) -> None:
    preview = prepare(ref_engine, sample("metodisty_2023.xlsx"), "metodisty_2023.xlsx")
    assert preview.problems == []
    assert [(s.name, s.kind, s.rows) for s in preview.sheets] == [
        ("Методисты", "methodists", 70),
        ("Закрепление", "assignments", 538),
    ]
    assert (preview.year, preview.year_source) == (2023, "по имени файла")
    assert _counts(preview) == {
        "methodist": (70, 0, 0),
        "organisation": (530, 0, 0),
        "methodist_assignment": (538, 0, 0),
    }
    pipeline.commit(ref_engine, preview, user=None, now=NOW)
    with ref_engine.connect() as conn:
        fte = conn.execute(text("SELECT SUM(fte) FROM methodist")).scalar()
    assert fte == pytest.approx(64.75)  # «0,25», «1,0» as text with decimal commas


def test_sample_roadmap_report(ref_engine: Engine) -> None:
    preview = prepare(ref_engine, sample("dorozhnaya_karta_omsk_2022.xlsx"), "dorozhnaya_karta_omsk_2022.xlsx")
    assert preview.problems == []
    assert (preview.region, preview.year) == ("omsk", 2022)
    assert _counts(preview) == {"roadmap_report": (27, 0, 0)}  # 4 section rows skipped
    pipeline.commit(ref_engine, preview, user=None, now=NOW)
    with ref_engine.connect() as conn:
        statuses = dict(conn.execute(text("SELECT status, COUNT(*) FROM roadmap_report GROUP BY status")).all())
        sql = "SELECT rr.as_of FROM roadmap_report rr JOIN roadmap_item ri ON ri.id = rr.item_id WHERE ri.code = :code"
        first = conn.execute(text(sql), {"code": "004-RM-01"}).scalar()
    assert statuses == {"done": 15, "partial": 1, "in_progress": 9, "not_done": 2}
    assert str(first) == "2022-04-29"


def test_sample_diagnostics_pseudonymised(ref_engine: Engine) -> None:
    preview = prepare(ref_engine, sample("diagnostika_2023.xlsx"), "diagnostika_2023.xlsx")
    assert preview.problems == []
    assert _counts(preview) == {
        "organisation": (606, 0, 0),
        "educator": (3000, 0, 0),
        "diagnostic_result": (18000, 0, 0),
    }
    pipeline.commit(ref_engine, preview, user=None, now=NOW)
    with ref_engine.connect() as conn:
        levels = dict(
            conn.execute(text("SELECT level_code, COUNT(*) FROM diagnostic_result GROUP BY level_code")).all()
        )
        keys = conn.execute(text("SELECT pseudo_key FROM educator")).scalars().all()
        managers = conn.execute(text("SELECT COUNT(*) FROM educator WHERE category = 'manager'")).scalar()
    assert levels == {"severe": 868, "partial": 5901, "none": 11231}
    assert all(len(key) == 64 and not key.startswith("ОМ") for key in keys)
    assert managers and managers > 0


def test_reupload_changes_nothing(ref_engine: Engine) -> None:
    content = sample("pokazateli_2023.xlsx")
    first = prepare(ref_engine, content)
    batch = pipeline.commit(ref_engine, first, user=None, now=NOW).batch_id
    before = snapshot(ref_engine)
    again = prepare(ref_engine, content)
    assert _counts(again) == {"aggregate_count": (0, 0, 330)}
    assert (again.has_changes, again.can_commit, again.same_file_batch) == (False, False, batch)
    with pytest.raises(RsnmsError, match="Загружать нечего"):
        pipeline.commit(ref_engine, again, user=None, now=NOW)
    assert snapshot(ref_engine) == before


# --- undo -------------------------------------------------------------------------------------


def test_corrected_file_updates_and_undo_restores_the_exact_prior_state(ref_engine: Engine) -> None:
    empty = snapshot(ref_engine)
    first = pipeline.commit(
        ref_engine, prepare(ref_engine, indicators_file(["г. Омск", 7000, 500, 1500])), user=None, now=NOW
    )
    after_first = snapshot(ref_engine)
    corrected = prepare(ref_engine, indicators_file(["г. Омск", 7100, 500, 1500], ["Омский р-н", 1600, 90, 300]))
    assert _counts(corrected) == {"aggregate_count": (3, 1, 2)}
    second = pipeline.commit(ref_engine, corrected, user=None, now=NOW)
    with pytest.raises(RsnmsError, match="более поздние загрузки"):
        store.undo(ref_engine, batch_id=first.batch_id, now=NOW)
    store.undo(ref_engine, batch_id=second.batch_id, now=NOW)
    restored = snapshot(ref_engine)
    for name in ("upload_batch", "batch_change"):  # the journal remembers the undone batch
        restored.pop(name), after_first.pop(name)
    assert restored == after_first
    store.undo(ref_engine, batch_id=first.batch_id, now=NOW)
    now_empty, expected = snapshot(ref_engine), dict(empty)
    for name in ("upload_batch", "batch_change"):
        now_empty.pop(name), expected.pop(name)
    assert now_empty == expected
    with pytest.raises(RsnmsError, match="уже отменена"):
        store.undo(ref_engine, batch_id=first.batch_id, now=NOW)


DIAGNOSTICS_HEADER = ["Муниципальное образование", "Код педагога", "Компетенция", "Балл", "Дата диагностики"]


def _latest_flags(engine: Engine) -> tuple[list[bool], int]:
    """Each result's stored flag, and how many disagree with «no later result of the educator, area and year».

    Also checks the other derived rows: diagnosed_educator is the distinct (educator, year, municipality).
    """
    with engine.connect() as conn:
        derived = conn.execute(text("SELECT educator_id, year, municipality_id FROM diagnosed_educator")).all()
        distinct = conn.execute(text("SELECT DISTINCT educator_id, year, municipality_id FROM diagnostic_result")).all()
        assert sorted(map(tuple, derived)) == sorted(map(tuple, distinct))
        flags = [
            bool(flag) for flag in conn.execute(text("SELECT is_latest FROM diagnostic_result ORDER BY id")).scalars()
        ]
        wrong = conn.execute(
            text(
                "SELECT COUNT(*) FROM diagnostic_result d WHERE d.is_latest = EXISTS (SELECT 1 FROM "
                "diagnostic_result later WHERE later.year = d.year AND later.educator_id = d.educator_id "
                "AND later.area_id = d.area_id AND later.taken_on > d.taken_on)"
            )
        ).scalar_one()
    return flags, wrong


def _commit_results(engine: Engine, rows: list[list[Any]]) -> store.Committed:
    return pipeline.commit(engine, prepare(engine, workbook([DIAGNOSTICS_HEADER, *rows])), user=None, now=NOW)


def test_the_latest_result_flag_is_kept_by_commit_reassessment_undo_and_erase(store_engine: Engine) -> None:
    rows = [
        ["г. Омск", "T-1", "цифровая", 40, dt.date(2024, 10, 1)],
        ["г. Омск", "T-2", "цифровая", 90, dt.date(2024, 10, 1)],
    ]
    first = _commit_results(store_engine, rows)
    flags, wrong = _latest_flags(store_engine)
    assert (wrong, flags) == (0, [True, True])
    # T-1 is assessed again the same year, twice in one file (the later date is the latest)
    again = [
        ["г. Омск", "T-1", "цифровая", 85, dt.date(2024, 12, 1)],
        ["г. Омск", "T-1", "цифровая", 80, dt.date(2024, 11, 2)],
    ]
    second = _commit_results(store_engine, again)
    flags, wrong = _latest_flags(store_engine)
    assert (wrong, flags) == (0, [False, True, True, False])
    with store_engine.connect() as conn:
        counted = conn.execute(text("SELECT SUM(score) FROM diagnostic_result WHERE is_latest = true")).scalar()
    assert counted == 90 + 85
    store.undo(store_engine, batch_id=second.batch_id, now=NOW)
    flags, wrong = _latest_flags(store_engine)
    assert (wrong, flags) == (0, [True, True])
    second = _commit_results(store_engine, again)
    store.erase_personal(store_engine, batch_id=second.batch_id, now=NOW)
    flags, wrong = _latest_flags(store_engine)
    assert (wrong, flags) == (0, [True, True])
    assert first.batch_id < second.batch_id


def test_erase_personal_data_of_a_batch(ref_engine: Engine) -> None:
    preview = prepare(ref_engine, sample("diagnostika_2023.xlsx"))
    batch = pipeline.commit(ref_engine, preview, user=None, now=NOW).batch_id
    assert store.erase_personal(ref_engine, batch_id=batch, now=NOW) == 21000
    with ref_engine.connect() as conn:
        left = [conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in ("educator", "diagnostic_result")]
        organisations = conn.execute(text("SELECT COUNT(*) FROM organisation")).scalar()
    assert (left, organisations) == ([0, 0], 606)


def test_a_failure_during_commit_writes_nothing(ref_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    preview = prepare(ref_engine, sample("metodisty_2023.xlsx"), "metodisty_2023.xlsx")
    before = snapshot(ref_engine)
    real_apply = store._apply
    calls = []

    def failing(conn: Any, change: store.Change, batch_id: int) -> None:
        calls.append(change.write.table)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real_apply(conn, change, batch_id)

    monkeypatch.setattr(store, "_apply", failing)
    with pytest.raises(RuntimeError):
        pipeline.commit(ref_engine, preview, user=None, now=NOW)
    assert snapshot(ref_engine) == before


# --- refusals leave the database as it was ----------------------------------------------------


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 40_000_000)
    return buffer.getvalue()


def _formula() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(INDICATOR_HEADER)
    sheet.append(["г. Омск", 7000, 500, "=B2/10"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


BAD_INPUTS: dict[str, tuple[Callable[[], bytes], str, ProblemCode]] = {
    "csv renamed": (lambda: "МО;Педагогов\nг. Омск;7735\n".encode(), "data.xlsx", ProblemCode.NOT_XLSX),
    "macro file": (lambda: sample("pokazateli_2023.xlsx"), "data.xlsm", ProblemCode.MACRO_ENABLED),
    "zip bomb": (_bomb, "bomb.xlsx", ProblemCode.SUSPICIOUS_ARCHIVE),
    "empty": (lambda: b"", "empty.xlsx", ProblemCode.EMPTY_FILE),
    "formula without value": (_formula, "formula.xlsx", ProblemCode.FORMULA_WITHOUT_VALUE),
    "no header": (lambda: workbook([["что-то"], ["ещё что-то", 5]]), "x.xlsx", ProblemCode.NO_KNOWN_SHEET),
    "conflicting duplicates": (
        lambda: indicators_file(["г. Омск", 7000, 500, 1500], ["г. Омск", 7100, 500, 1500]),
        "dup.xlsx",
        ProblemCode.DUPLICATE_CONFLICT,
    ),
    "out of range": (lambda: indicators_file(["г. Омск", -5, 500, 10]), "neg.xlsx", ProblemCode.OUT_OF_RANGE),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_a_bad_input_is_refused_in_russian_and_changes_nothing(ref_engine: Engine, case: str) -> None:
    pipeline.commit(ref_engine, prepare(ref_engine, sample("pokazateli_2023.xlsx")), user=None, now=NOW)
    before = snapshot(ref_engine)
    make, name, code = BAD_INPUTS[case]
    preview = prepare(ref_engine, make(), name)
    assert code in {problem.code for problem in preview.errors}
    assert not preview.can_commit
    assert all(any("а" <= ch <= "я" for ch in p.message.lower()) for p in preview.problems)
    with pytest.raises(RsnmsError):
        pipeline.commit(ref_engine, preview, user=None, now=NOW)
    assert snapshot(ref_engine) == before


# --- one test per problem kind: code, Excel row, column ---------------------------------------


def _only(preview: pipeline.Preview, code: ProblemCode) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.column) for p in preview.problems if p.code == code]


def test_not_a_number_names_row_and_column(ref_engine: Engine) -> None:
    preview = prepare(ref_engine, indicators_file(["г. Омск", "семь тысяч", 500, 1500]))
    assert _only(preview, ProblemCode.NOT_A_NUMBER) == [(3, "Всего педагогических работников")]


def test_required_value(ref_engine: Engine) -> None:
    preview = prepare(
        ref_engine, workbook([["Код методиста", "Муниципальное образование"], [None, "г. Омск"], ["РМ-2", "г. Омск"]])
    )
    assert _only(preview, ProblemCode.REQUIRED_VALUE) == [(2, "Код методиста")]


def test_cross_field_rule(ref_engine: Engine) -> None:
    preview = prepare(ref_engine, indicators_file(["г. Омск", 100, 10, 150]))
    assert _only(preview, ProblemCode.CROSS_FIELD) == [(3, "Прошли диагностику в ЦНППМ")]


def test_unknown_and_ambiguous_municipalities(ref_engine: Engine) -> None:
    preview = prepare(ref_engine, indicators_file(["г. Омск", 10, 1, 1], ["Атлантида", 10, 1, 1]), region="omsk")
    assert _only(preview, ProblemCode.UNKNOWN_MUNICIPALITY) == [(4, "Муниципальное образование")]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("г. Шуя", "г. Шуя"),
        ("городской округ Шуя", "г. Шуя"),
        ("Шуйский муниципальный район", "Шуйский муниципальный район"),
        ("Шуйский р-н", "Шуйский муниципальный район"),
        ("ШУЙСКИЙ  район", "Шуйский муниципальный район"),
    ],
)
def test_municipality_forms_are_matched(ref_engine: Engine, written: str, expected: str) -> None:
    preview = prepare(ref_engine, indicators_file([written, 100, 10, 5]))
    assert preview.errors == [] and preview.region == "ivanovo"
    [change] = preview.changes
    with ref_engine.connect() as conn:
        name = conn.execute(
            text("SELECT name FROM municipality WHERE id = :id"), {"id": int(change.created["municipality_id"].iloc[0])}
        ).scalar()
    assert name == expected


def test_unknown_code_and_not_a_date(ref_engine: Engine) -> None:
    header = [
        "Муниципальное образование",
        "Образовательная организация",
        "Код педагога",
        "Компетенция",
        "Балл",
        "Дата диагностики",
    ]
    rows = [
        ["г. Омск", 'МБОУ "СОШ № 1"', "ОМ-1", "астрология", 50, "01.11.2023"],
        ["г. Омск", 'МБОУ "СОШ № 1"', "ОМ-1", "цифровая", 50, "вчера"],
    ]
    preview = prepare(ref_engine, workbook([header, *rows]))
    assert _only(preview, ProblemCode.UNKNOWN_CODE) == [(2, "Компетенция")]
    assert _only(preview, ProblemCode.NOT_A_DATE) == [(3, "Дата диагностики")]


def test_personal_data_columns_are_dropped_and_reported(ref_engine: Engine) -> None:
    header = ["ФИО", "СНИЛС", "Код методиста", "Муниципальное образование", "Ставка"]
    preview = prepare(
        ref_engine, workbook([header, ["Иванова И. И.", "123-456-789 00", "РМ-001", "г. Омск", 1]]), year=2024
    )
    assert preview.dropped_columns == ["Лист1: ФИО", "Лист1: СНИЛС"]
    assert preview.errors == []
    [change] = preview.changes
    assert "Иванова И. И." not in change.created.to_string()


def test_text_dates_and_region_from_title(ref_engine: Engine) -> None:
    header = ["№ п/п", "Наименование мероприятия", "Статус", "Дата отчёта"]
    rows = [[1, None, "исполнено", "Ноябрь 2022 года"], [2, None, "реализуется", "ноябрь 2022"]]
    content = workbook([header, *rows], above=[["Отчёт по дорожной карте Омской области"]])
    preview = prepare(ref_engine, content)
    assert (preview.region, preview.errors) == ("omsk", [])
    [change] = preview.changes
    assert change.created["status"].tolist() == ["done", "in_progress"]
    assert {str(d) for d in change.created["as_of"]} == {"2022-11-01"}


def test_region_that_cannot_be_inferred_is_asked_for(ref_engine: Engine) -> None:
    content = workbook([["Код методиста", "Муниципальное образование"], ["РМ-1", "Нигде"]])
    preview = prepare(ref_engine, content)
    assert _only(preview, ProblemCode.REGION_UNRESOLVED) == [(None, None)]
    assert not preview.can_commit


def test_a_value_far_from_the_municipality_history_is_a_warning_not_an_error(ref_engine: Engine) -> None:
    for year, teachers in ((2021, 7000), (2022, 7100), (2023, 7050)):
        content = workbook([INDICATOR_HEADER, ["г. Омск", teachers, 500, 100]], above=[[f"Показатели за {year} год"]])
        pipeline.commit(ref_engine, prepare(ref_engine, content), user=None, now=NOW)
    preview = prepare(ref_engine, indicators_file(["г. Омск", 70500, 500, 100]))
    [warning] = preview.problems
    assert (warning.code, warning.row, warning.column, warning.is_error) == (
        ProblemCode.OUTLIER,
        3,
        "Всего педагогических работников",
        False,
    )
    assert preview.can_commit


def test_erase_removes_the_educators_even_with_organisation_level_links(ref_engine: Engine) -> None:
    from rsnms import demo

    demo.load_demo(ref_engine, pseudonym_key="test-key")  # its methodists are linked to organisations only
    with ref_engine.connect() as conn:
        batch = conn.execute(text("SELECT id FROM upload_batch")).scalar_one()
        links = conn.execute(text("SELECT COUNT(*) FROM methodist_assignment WHERE educator_id IS NULL")).scalar()
    assert links and store.erase_personal(ref_engine, batch_id=batch, now=NOW) > 0
    with ref_engine.connect() as conn:
        left = [conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in ("educator", "diagnostic_result")]
    assert left == [0, 0]  # no pseudonym, birth year or subject of anyone stays behind
