"""The аналитическая справка: the rules on hand-made figures, the DOCX and PDF of the demo region, the page."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterator
from pathlib import Path

import docx
import pandas as pd
import pytest
from conftest import seed_deficits, seed_small, session_user
from pypdf import PdfReader
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from rsnms import db, demo, methodists, report
from rsnms.access import Role
from rsnms.errors import RsnmsError
from rsnms.recommendations import RULE_NAMES, Figures, Recommendation, Rules, describe, load_rules, recommend
from rsnms.reference import load_reference

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2025, 11, 1)
AS_OF = dt.date(2024, 12, 31)
NBSP, THIN = "\u00a0", "\u2009"
PLACES = pd.DataFrame({"id": [1, 2], "name": ["г. Энск", "Энский район"], "short_name": ["г. Энск", "Энский"]})
RULES = Rules(
    region_gap_points=5,
    municipality_gap_points=10,
    deficit_points=10,
    deficit_min_assessed=20,
    region_deficit_share=30,
    load_over_norm_percent=10,
    late_min_days=30,
    actions={"iom_share": "разработать ИОМ"},
)


# --- the rules on hand-made figures ----------------------------------------------------------------------------


def _scored(
    *rows: tuple[int | None, float, float], polarity: str = "higher_is_better", unit: str = "%"
) -> pd.DataFrame:
    """The indicator «iom_share» of 2024 for each (municipality id or None for the region, value, target)."""
    return pd.DataFrame(
        {
            "year": 2024,
            "code": "iom_share",
            "short_name": "Разработаны ИОМ",
            "unit": unit,
            "polarity": polarity,
            "municipality_id": pd.array([place for place, _, _ in rows], dtype="Int64"),
            "value": [value for _, value, _ in rows],
            "target": [target for _, _, target in rows],
        }
    )


def _grid(region: float, place: float = 0.0, assessed: float = 100.0, state: str = "data") -> pd.DataFrame:
    """A deficit matrix of one area («цифровая»): the region's cell, «Энский»'s cell and its all-areas cell."""
    shown = place if state == "data" else math.nan

    def cell(row: str, row_id: float, area: str, share: float, n: float, cell_state: str) -> dict[str, object]:
        return {
            "row": row, "row_id": row_id, "area": area, "row_total": row_id != row_id, "area_total": area == "все",
            "share": share, "n_assessed": n, "n_with_deficit": share * n / 100, "state": cell_state, "label": "",
        }  # fmt: skip

    return pd.DataFrame(
        [
            cell("Весь регион", math.nan, "цифровая", region, 1000.0, "data"),
            cell("Энский", 2.0, "цифровая", shown, assessed if state == "data" else math.nan, state),
            cell("Энский", 2.0, "все", 99.0, 500.0, "data"),  # the all-areas column never triggers a rule
        ]
    )


def _load(teachers: float, fte: float) -> pd.DataFrame:
    """The load table of «Энский» alone, computed by the page's own function."""
    base = pd.DataFrame(
        {
            "municipality_id": [2], "municipality": ["Энский район"], "short_name": ["Энский"],
            "teachers": [teachers], "teachers_source": ["официальные данные"], "methodists_fte": [fte],
            "assigned": [teachers],
        }
    )  # fmt: skip
    return methodists.municipalities(base, norm=250.0)


def _items(status: str, last_due: dt.date | None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "roadmap_code": ["004-RM"], "item_no": ["12"], "activity": ["Оформление трудовых отношений"],
            "responsible": ["БОУ ДПО «ИРООО», ЦНППМ (по согласованию)"], "deadline_raw": ["Декабрь 2022 года"],
            "status": [status], "last_due": [last_due],
        }
    )  # fmt: skip


def _figures(
    *,
    scored: pd.DataFrame | None = None,
    grid: pd.DataFrame | None = None,
    load: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    municipality_id: int | None = None,
) -> Figures:
    """Figures where nothing triggers a rule except what is given."""
    return Figures(
        region="omsk",
        region_name="Энская область",
        year=2024,
        as_of=AS_OF,
        municipality_id=municipality_id,
        places=PLACES,
        scored=scored if scored is not None else _scored((None, 20.0, 20.0)),
        grid=grid if grid is not None else _grid(region=0.0),
        load=load if load is not None else _load(teachers=100, fte=1),
        norm=250.0,
        items=items if items is not None else _items("done", None),
        scale_rule="",
        suppress_below=None,
    )


def _fired(figures: Figures, rule: str) -> list[Recommendation]:
    return [item for item in recommend(figures, RULES) if item.rule == rule]


def test_nothing_fires_on_figures_within_every_threshold() -> None:
    assert recommend(_figures(), RULES) == []


@pytest.mark.parametrize(("value", "fires"), [(14.9, True), (15.0, False)])
def test_indicator_gap_of_the_region_at_its_threshold(value: float, fires: bool) -> None:
    found = _fired(_figures(scored=_scored((None, value, 20.0))), "indicator_gap")
    assert len(found) == fires
    if fires:
        assert (found[0].municipality_id, found[0].place, found[0].text) == (None, "Энская область", "Разработать ИОМ.")
        assert found[0].grounds == (
            f"«Разработаны ИОМ»: 14,9{NBSP}% при цели 20,0{NBSP}% (на 5,1{NBSP}п.п. ниже цели).",
        )


@pytest.mark.parametrize(("value", "fires"), [(9.9, True), (10.0, False)])
def test_indicator_gap_of_a_municipality_at_its_own_threshold(value: float, fires: bool) -> None:
    found = _fired(_figures(scored=_scored((None, 20.0, 20.0), (2, value, 20.0))), "indicator_gap")
    assert [item.municipality_id for item in found] == ([2] if fires else [])
    if fires:
        assert found[0].place == "Энский район" and "ОМСУ" in found[0].addressee


def test_indicator_gap_reads_the_polarity_and_skips_other_units() -> None:
    capped = _fired(_figures(scored=_scored((None, 25.1, 20.0), polarity="at_most_target")), "indicator_gap")
    assert capped[0].grounds[0].endswith(f"(на 5,1{NBSP}п.п. выше цели).")
    assert _fired(_figures(scored=_scored((None, 0.0, 100.0), unit="чел.")), "indicator_gap") == []


@pytest.mark.parametrize(
    ("place", "assessed", "state", "fires"),
    [(40.1, 20, "data", True), (40.0, 20, "data", False), (40.1, 19, "data", False), (90.0, 3, "suppressed", False)],
)
def test_deficit_above_the_region_at_its_thresholds(place: float, assessed: float, state: str, fires: bool) -> None:
    found = _fired(
        _figures(grid=_grid(region=30.0, place=place, assessed=assessed, state=state)), "deficit_above_region"
    )
    assert [item.municipality_id for item in found] == ([2] if fires else [])
    if fires:
        assert "«цифровая»" in found[0].text and "ФР ДППО" in found[0].text
        assert found[0].grounds == (
            f"«цифровая»: дефицит у 40,1{NBSP}% оценённых при 30,0{NBSP}% по региону (на 10,1{NBSP}п.п. выше); "
            "оценено 20 чел.",
        )


@pytest.mark.parametrize(("share", "fires"), [(30.0, True), (29.9, False)])
def test_deficit_area_of_the_region_at_its_threshold(share: float, fires: bool) -> None:
    found = _fired(_figures(grid=_grid(region=share)), "deficit_area_region")
    assert len(found) == fires
    if fires:
        assert found[0].text.startswith("Предусмотреть в плане повышения квалификации на 2025 год")
        assert found[0].grounds == (
            f"По региону дефицит по компетенции «цифровая» у 30,0{NBSP}% оценённых (300 из 1{THIN}000 чел.).",
        )


@pytest.mark.parametrize(("teachers", "fires"), [(552, True), (550, False)])
def test_methodist_load_at_its_threshold(teachers: float, fires: bool) -> None:
    """Norm 250, 10 % tolerance: 2 FTE may serve 550 teachers (275 each), not 552 (276 each)."""
    found = _fired(_figures(load=_load(teachers=teachers, fte=2)), "methodist_load")
    assert [item.municipality_id for item in found] == ([None, 2] if fires else [])  # the region and «Энский»
    if fires:
        assert found[1].text.endswith("(недостающих ставок: 0,25).")
        assert found[1].grounds == (
            "Педагогических работников: 552; ставок методистов: 2; на 1 ставку — 276 при норме не более 250.",
        )


def test_a_municipality_without_methodists_always_gets_one() -> None:
    [found] = _fired(_figures(load=_load(teachers=100, fte=0)), "methodist_load")
    assert found.municipality_id == 2
    assert found.text == "Закрепить за муниципалитетом региональных методистов (ставок по норме: 0,5)."
    assert "ставок нет" in found.grounds[0]


@pytest.mark.parametrize(("days", "fires"), [(30, True), (29, False)])
def test_an_overdue_roadmap_item_at_its_threshold(days: int, fires: bool) -> None:
    found = _fired(_figures(items=_items("overdue", AS_OF - dt.timedelta(days=days))), "roadmap_late")
    assert len(found) == fires
    if fires:
        assert found[0].addressee == "БОУ ДПО «ИРООО», ЦНППМ"
        assert found[0].text.startswith("Обеспечить выполнение мероприятия 004-RM № 12 «Оформление трудовых отношений»")
        assert found[0].grounds == (
            "Срок по акту: Декабрь 2022 года. Срок 1 декабря 2024 г. прошёл 30 дней назад. "
            "Статус на 31 декабря 2024 г.: просрочено.",
        )


def test_an_item_reported_not_done_always_gets_one() -> None:
    [found] = _fired(_figures(items=_items("not_done", None)), "roadmap_late")
    assert found.grounds == ("Срок по акту: Декабрь 2022 года. Статус на 31 декабря 2024 г.: не выполнено.",)


def test_a_municipal_report_keeps_only_its_municipality() -> None:
    figures = _figures(scored=_scored((None, 1.0, 20.0), (2, 1.0, 20.0)), items=_items("not_done", None))
    assert len(recommend(figures, RULES)) == 3
    scoped = recommend(_figures(scored=figures.scored, items=figures.items, municipality_id=2), RULES)
    assert [(item.rule, item.municipality_id) for item in scoped] == [("indicator_gap", 2)]


def test_the_rules_file_and_the_appendix() -> None:
    shipped = load_rules()
    assert (shipped.deficit_points, shipped.deficit_min_assessed, shipped.region_deficit_share) == (10, 20, 30)
    assert set(shipped.actions) >= {"iom_share", "fr_dpo_completion_share", "mentoring_model_orgs_share"}
    listed = describe(RULES)
    assert list(listed["Правило"]) == list(RULE_NAMES.values())
    assert f"более чем на 5{NBSP}п.п. по региону" in listed.loc[0, "Условие"]
    assert f"не ниже 30{NBSP}%" in listed.loc[2, "Условие"]
    assert "30 дней" in listed.loc[4, "Условие"]


def test_a_wrong_rules_file_is_refused_in_russian(tmp_path: Path) -> None:
    broken = tmp_path / "rules.yaml"
    shipped = (report.DATA_DIR / "reference" / "recommendations.yaml").read_text(encoding="utf-8")
    broken.write_text(shipped.replace("\n  points: 10", "\n  points: -1"), encoding="utf-8")
    with pytest.raises(RsnmsError, match="deficit_above_region.points: неотрицательное число"):
        load_rules(broken)


# --- the demo region's справка ---------------------------------------------------------------------------------

TOP_SECTIONS = [
    "1. Показатели эффективности",
    "2. Профессиональные дефициты",
    "3. Нагрузка региональных методистов",
    "4. Исполнение дорожной карты",
    "5. Муниципальные образования",
    "6. Адресные рекомендации",
    "Приложение. Правила формирования адресных рекомендаций",
]


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = db.make_engine(f"sqlite:///{tmp_path_factory.mktemp('report') / 'demo.db'}")
    db.migrate(engine)
    load_reference(engine)
    demo.load_demo(engine, pseudonym_key="test-key")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def demo_report(demo_engine: Engine) -> report.Report:
    figures = report.gather(demo_engine, region="omsk", year=2024, today=TODAY)
    return report.build(figures, rules=load_rules(), today=TODAY)


def _blocks(built: report.Report, kind: type) -> list[object]:
    return [block for section in built.sections for block in section.blocks if isinstance(block, kind)]


def test_the_demo_report_has_every_section_and_every_rule_fires(demo_report: report.Report) -> None:
    assert [section.title for section in demo_report.sections if section.level == 1] == TOP_SECTIONS
    assert demo_report.cover[1:4] == ("Омская область", "за 2024 год", "Дата составления: 1 ноября 2025 г.")
    places = [section.title for section in demo_report.sections if section.new_page]
    assert len(places) == 33 and places[0] == "г. Омск"
    assert {item.rule for item in demo_report.recommendations} == set(RULE_NAMES)
    assert all(item.grounds for item in demo_report.recommendations)
    assert len(_blocks(demo_report, report.Figure)) == 4  # indicators, heatmap, load, roadmap: drawn once
    omsk = next(section for section in demo_report.sections if section.title == "г. Омск")
    numbers = [str(n) for n, item in enumerate(demo_report.recommendations, start=1) if item.place == "г. Омск"]
    assert numbers
    assert omsk.blocks[-1] == report.Paragraph(
        f"Адресные рекомендации: № {', '.join(numbers)} (раздел «Адресные рекомендации»)."
    )


def test_the_docx_opens_with_its_headings_tables_and_figures(demo_report: report.Report) -> None:
    document = docx.Document(io.BytesIO(report.to_docx(demo_report)))
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings == TOP_SECTIONS
    assert len(document.tables) == len(_blocks(demo_report, report.Table))
    first = document.tables[0]
    assert [cell.text for cell in first.rows[0].cells] == [
        "Показатель", "Значение", "Цель", "Изменение к прошлому году", "Статус"
    ]  # fmt: skip
    assert first.rows[1].cells[0].text == "Прошли диагностику дефицитов"
    assert first.rows[1].cells[1].text == f"27,4{NBSP}%"
    assert len(document.inline_shapes) == 4
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Дорожная карта — по состоянию на 31 декабря 2024 г." in text
    assert "Основание:" in text and "Кому: " in text


def test_the_pdf_has_its_pages_text_and_own_font(demo_report: report.Report) -> None:
    reader = PdfReader(io.BytesIO(report.to_pdf(demo_report)))
    assert 40 <= len(reader.pages) <= 70
    cover = reader.pages[0].extract_text()
    assert "Аналитическая справка" in cover and "Омская область" in cover and "1 ноября 2025 г." in cover
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())  # lines wrap anywhere
    for title in TOP_SECTIONS:
        assert title in text
    assert "Усть-Ишимский муниципальный район" in text and "Основание:" in text
    fonts = {str(font.get_object()["/BaseFont"]) for font in reader.pages[1]["/Resources"]["/Font"].values()}
    assert fonts and all("DejaVuSans" in name for name in fonts)


def test_a_report_for_one_municipality_as_the_ministry_sees_it(demo_engine: Engine) -> None:
    places = pd.read_sql("SELECT id, name FROM municipality WHERE name LIKE 'Знаменский%'", demo_engine)
    place = int(places["id"].iloc[0])
    figures = report.gather(demo_engine, region="omsk", year=2024, today=TODAY, municipality_id=place, suppress_below=5)
    built = report.build(figures, rules=load_rules(), today=TODAY, sections=("deficits", "recommendations"))
    assert [section.title for section in built.sections if section.level == 1] == [
        "1. Профессиональные дефициты", "2. Адресные рекомендации", TOP_SECTIONS[-1]
    ]  # fmt: skip
    assert built.cover[1] == "Знаменский муниципальный район (Омская область)"
    assert "Группы меньше 5 человек скрыты («< 5»)." in built.cover
    assert {item.municipality_id for item in built.recommendations} == {place}
    [areas] = [block for block in _blocks(built, report.Table) if "по компетенциям" in block.title]
    assert areas.frame.set_index("Компетенция").loc["управленческая", "Доля с дефицитом"] == "< 5"
    assert _blocks(built, report.Figure) == []


def test_a_year_without_data_is_refused(demo_engine: Engine) -> None:
    with pytest.raises(RsnmsError, match="нет данных за 2019 год"):
        report.gather(demo_engine, region="omsk", year=2019, today=TODAY)


def test_gather_and_build_on_every_backend(store_engine: Engine) -> None:
    seed_small(store_engine)
    seed_deficits(store_engine)
    figures = report.gather(store_engine, region="omsk", year=2024, today=TODAY)
    built = report.build(figures, rules=load_rules(), today=TODAY, sections=("methodists", "recommendations"))
    gaps = {
        item.grounds[0] for item in built.recommendations if item.rule == "indicator_gap" and not item.municipality_id
    }
    assert f"«Разработаны ИОМ»: 13,1{NBSP}% при цели 20,0{NBSP}% (на 6,9{NBSP}п.п. ниже цели)." in gaps
    [load] = [item for item in built.recommendations if item.rule == "methodist_load" and item.municipality_id is None]
    assert load.grounds == (
        f"Педагогических работников: 1{THIN}100; ставок методистов: 4; на 1 ставку — 275 при норме не более 250.",
    )
    assert report.to_pdf(built)[:5] == b"%PDF-"


# --- the page ----------------------------------------------------------------------------------------------------


def _page(monkeypatch: pytest.MonkeyPatch, engine: Engine, user: dict[str, object]) -> AppTest:
    monkeypatch.setenv("RSNMS_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("RSNMS_REGION", "omsk")
    at = AppTest.from_file(str(ROOT / "pages" / "report.py"), default_timeout=120)
    at.session_state["user"] = user
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_page_previews_the_recommendations_and_offers_both_files(
    demo_engine: Engine, demo_report: report.Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(monkeypatch, demo_engine, session_user(demo_engine, Role.CNPPM))
    assert at.title[0].value == "Аналитическая справка: Омская область"
    preview = at.dataframe[0].value
    assert len(preview) == len(demo_report.recommendations)
    assert list(preview["Рекомендация"]) == [item.text for item in demo_report.recommendations]
    assert len(at.get("download_button")) == 2


def test_a_municipal_account_gets_its_own_municipality_with_small_cells_hidden(
    demo_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = str(pd.read_sql("SELECT name FROM municipality WHERE name LIKE 'Тарский%'", demo_engine)["name"].iloc[0])
    at = _page(monkeypatch, demo_engine, session_user(demo_engine, Role.MUNICIPAL, name))
    assert set(at.dataframe[0].value["Где"]) == {name}
    assert any("Группы меньше 5 человек в справке скрыты." in caption.value for caption in at.caption)
