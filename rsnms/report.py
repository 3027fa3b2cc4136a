"""Аналитическая справка: the yearly monitoring report with адресные рекомендации, as DOCX and PDF.

``gather`` reads the store once with the pages' own computations; ``build`` turns those figures into a
``Report`` (headings, paragraphs, text tables and charts rendered once to PNG); ``to_docx`` and ``to_pdf``
draw that one model, so the two formats never disagree. Per-municipality pages reuse the one scored frame,
deficit matrix and load table of the region. The PDF embeds the DejaVu Sans files of ``data/fonts``, so it
never depends on the fonts of the machine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import docx
import pandas as pd
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlalchemy import Engine

from rsnms import charts, deficits, export, formatting, indicators, labels, methodists, monitoring, overview, queries
from rsnms import roadmap as roadmaps
from rsnms.config import DATA_DIR
from rsnms.errors import RsnmsError
from rsnms.recommendations import RULE_NAMES, Figures, Recommendation, Rules, describe, recommend

SECTIONS = {
    "indicators": "Показатели эффективности",
    "deficits": "Профессиональные дефициты",
    "methodists": "Нагрузка региональных методистов",
    "roadmap": "Исполнение дорожной карты",
    "municipalities": "Муниципальные образования",
    "recommendations": "Адресные рекомендации",
}
FONTS_DIR = DATA_DIR / "fonts"
FONT = "DejaVu Sans"
DOCX_FONT = "Times New Roman"  # the ЦНППМ edits the DOCX in an office suite that has it
MARGINS_MM = (25.0, 20.0, 15.0, 20.0)  # left, top, right, bottom, as official papers have them
TEXT_WIDTH_MM = 210.0 - MARGINS_MM[0] - MARGINS_MM[2]
TITLE = "Аналитическая справка"
SUBTITLE = (
    "по результатам мониторинга региональной системы научно-методического сопровождения "
    "педагогических работников и управленческих кадров"
)
STATUS_COLUMN = "Статус"
FILLS = {  # the pale fills of status cells, as in the XLSX exports; the load statuses get theirs here
    **export.STATUS_FILLS,
    labels.METHODIST_LOAD_STATUS["met"][0]: "#d4edda",
    labels.METHODIST_LOAD_STATUS["not_met"][0]: "#f8d7da",
    labels.METHODIST_LOAD_STATUS["no_methodist"][0]: "#e8dcf2",
}
HEADER_FILL = "#e9ecef"
PNG_SCALE = 2.0  # PNG pixels per chart pixel
MM_PER_PX = 0.25  # a chart pixel on paper: the charts' 12 px labels print at about 8.5 pt


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of text: ``body``, ``strong`` (a recommendation's own line) or ``note`` (small print)."""

    text: str
    style: str = "body"


@dataclass(frozen=True)
class Table:
    """A table of text cells; ``widths`` are relative; «Статус» cells get their traffic-light fill."""

    title: str
    frame: pd.DataFrame
    widths: tuple[float, ...]


@dataclass(frozen=True)
class Figure:
    """A chart rendered once to PNG, drawn ``width`` × the text width in both formats."""

    title: str
    png: bytes
    width: float = 1.0


Block = Paragraph | Table | Figure


@dataclass(frozen=True)
class Section:
    """A heading and its blocks; level 1 starts a page, level 2 only with ``new_page``."""

    title: str
    blocks: tuple[Block, ...]
    level: int = 1
    new_page: bool = False


@dataclass(frozen=True)
class Report:
    """The whole справка: the title page lines, the sections in order and the recommendations given."""

    title: str
    cover: tuple[str, ...]
    sections: tuple[Section, ...]
    recommendations: tuple[Recommendation, ...]


def gather(
    engine: Engine,
    *,
    region: str,
    year: int,
    today: dt.date,
    municipality_id: int | None = None,
    suppress_below: int | None = None,
) -> Figures:
    """Everything the report shows, from the store; refused in Russian for a year or municipality without data."""
    names = queries.regions(engine).set_index("code")["name"]
    if region not in names:
        raise RsnmsError(f"Регион «{region}» не найден.")
    if year not in queries.data_years(engine, region=region):
        raise RsnmsError(f"По региону «{names[region]}» нет данных за {year} год: справку составить не из чего.")
    places = queries.municipalities(engine, region=region)
    if municipality_id is not None and municipality_id not in set(places["id"]):
        raise RsnmsError(f"Муниципальное образование № {municipality_id} не относится к региону «{names[region]}».")
    norm = queries.constant(engine, code=methodists.NORM_CODE)
    as_of = overview.roadmap_as_of(year, today)
    items = roadmaps.statuses(
        queries.roadmap_items(engine, region=region), queries.roadmap_reports(engine, region=region), as_of=as_of
    )
    grid = deficits.matrix(engine, region=region, year=year, suppress_below=suppress_below)
    return Figures(
        region=region,
        region_name=str(names[region]),
        year=year,
        as_of=as_of,
        municipality_id=municipality_id,
        places=places,
        scored=monitoring.scored(engine, region=region, years=[year - 1, year]),
        grid=grid,
        load=methodists.municipalities(methodists.base(engine, region=region, year=year), norm=norm),
        norm=norm,
        items=items,
        scale_rule=deficits.scale(engine).rule(),
        suppress_below=suppress_below,
    )


def build(figures: Figures, *, rules: Rules, today: dt.date, sections: Sequence[str] = tuple(SECTIONS)) -> Report:
    """The report of the chosen ``sections`` (keys of SECTIONS, drawn in that order) and the rules' appendix."""
    found = recommend(figures, rules)
    scope = figures.municipality_id
    makers = {
        "indicators": _indicators,
        "deficits": _deficits,
        "methodists": _methodists,
        "roadmap": _roadmap,
        "municipalities": _municipalities,
        "recommendations": _recommendations,
    }
    chosen = [key for key in SECTIONS if key in sections and not (key == "municipalities" and scope is not None)]
    parts: list[Section] = []
    for number, key in enumerate(chosen, start=1):
        head, *rest = makers[key](figures, found)
        parts += [dataclasses.replace(head, title=f"{number}. {head.title}"), *rest]
    parts.append(_appendix(figures, rules))
    where = figures.region_name if scope is None else f"{figures.place_name(scope)} ({figures.region_name})"
    cover = (
        SUBTITLE,
        where,
        f"за {figures.year} год",
        f"Дата составления: {formatting.long_date(today)}",
        f"Дорожная карта — по состоянию на {formatting.long_date(figures.as_of)}",
        *[f"Группы меньше {hidden} человек скрыты («< {hidden}»)." for hidden in [figures.suppress_below] if hidden],
        "Сформирована в РСНМС-Мониторе по данным ЦНППМ. Перед подписанием справку можно отредактировать (DOCX).",
    )
    return Report(TITLE, cover, _numbered(parts), tuple(found))


def _figure(title: str, chart: alt.TopLevelMixin, **size: Any) -> Figure:
    """A chart of the given ``width`` (and ``height``) in pixels, printed at MM_PER_PX: one text size in every chart."""
    png = charts.to_png(chart.properties(**size), scale=PNG_SCALE)
    return Figure(title, png, min(1.0, _png_size(png)[0] / PNG_SCALE * MM_PER_PX / TEXT_WIDTH_MM))


def _numbered(parts: list[Section]) -> tuple[Section, ...]:
    """Prefix «Таблица N.» and «Рисунок N.» to the titles, counting through the report."""
    tables = pictures = 0
    numbered = []
    for part in parts:
        blocks: list[Block] = []
        for block in part.blocks:
            if isinstance(block, Table):
                tables += 1
                block = dataclasses.replace(block, title=f"Таблица {tables}. {block.title}")
            elif isinstance(block, Figure):
                pictures += 1
                block = dataclasses.replace(block, title=f"Рисунок {pictures}. {block.title}")
            blocks.append(block)
        numbered.append(dataclasses.replace(part, blocks=tuple(blocks)))
    return tuple(numbered)


# --- sections -----------------------------------------------------------------------------------------------


def _scorecard(figures: Figures, municipality_id: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    if figures.scored.empty:  # the region's act lists no indicators
        return figures.scored, figures.scored
    card = monitoring.scope_rows(figures.scored, year=figures.year, municipality_id=municipality_id)
    previous = monitoring.scope_rows(figures.scored, year=figures.year - 1, municipality_id=municipality_id)
    return card, overview.display_scorecard(card, previous if not previous.empty else None)


def _status_summary(card: pd.DataFrame, year: int) -> str:
    counts = indicators.count_statuses(card)
    measured = counts["met"] + counts["close"] + counts["not_met"]
    return (
        f"Из {measured} показателей акта с данными и целевым значением на {year} год выполнено {counts['met']}, "
        f"близко к цели — {counts['close']}, не выполнено — {counts['not_met']}; без данных — {counts['no_data']}, "
        f"без цели — {counts['no_target']}."
    )


def _indicators(figures: Figures, found: list[Recommendation]) -> list[Section]:
    card, shown = _scorecard(figures, figures.municipality_id)
    if card.empty:
        return [Section(SECTIONS["indicators"], (Paragraph("В акте региона нет перечня показателей РСНМС."),))]
    bars = card.assign(label=card["short_name"])
    columns = ["Показатель", "Значение", "Цель", "Изменение к прошлому году", STATUS_COLUMN]
    blocks: tuple[Block, ...] = (
        Paragraph(_status_summary(card, figures.year)),
        Table(f"Показатели эффективности РСНМС, {figures.year} год", shown[columns], (5, 2, 2, 2.4, 2.4)),
        _figure("Значения показателей (полоса) и цели (чёрная отметка)", charts.bullet(bars), width=330),
        Paragraph("Формулировки показателей — как в акте региона; «нет данных» — данные за год не загружены.", "note"),
    )
    return [Section(SECTIONS["indicators"], blocks)]


def _area_table(figures: Figures, municipality_id: int) -> Table:
    grid = figures.grid[~figures.grid["area_total"]]
    region = grid[grid["row_total"]].set_index("area")
    own = grid[grid["row_id"] == municipality_id]
    difference = [
        formatting.signed(share - region.loc[area, "share"]) if state == deficits.DATA else "—"
        for area, share, state in zip(own["area"], own["share"], own["state"], strict=True)
    ]
    frame = pd.DataFrame(
        {
            "Компетенция": own["area"],
            "Доля с дефицитом": own["label"],
            "По региону": [region.loc[area, "label"] for area in own["area"]],
            "Разница, п.п.": difference,
            "Оценено, чел.": [formatting.number(n) if pd.notna(n) else "—" for n in own["n_assessed"]],
        }
    )
    return Table(f"Профессиональные дефициты по компетенциям, {figures.year} год", frame, (4, 2.2, 2.2, 2, 2))


def _deficit_notes(figures: Figures) -> Paragraph:
    hidden = f" Ячейки, где оценено меньше {figures.suppress_below} человек, скрыты." if figures.suppress_below else ""
    return Paragraph(
        f"{figures.scale_rule} Учтён последний результат каждого педагога в году; «нет данных» — диагностика по "
        f"компетенции не проводилась.{hidden}",
        "note",
    )


def _deficits(figures: Figures, found: list[Recommendation]) -> list[Section]:
    grid = figures.grid
    if (grid["state"] == deficits.NO_DATA).all():
        return [Section(SECTIONS["deficits"], (Paragraph(f"За {figures.year} год нет результатов диагностики."),))]
    if figures.municipality_id is not None:
        return [Section(SECTIONS["deficits"], (_area_table(figures, figures.municipality_id), _deficit_notes(figures)))]
    total = grid[grid["row_total"] & grid["area_total"]].iloc[0]
    heatmap = charts.heatmap(
        grid,
        rows=deficits.row_order(grid, "total"),
        columns=list(dict.fromkeys(grid["area"])),
        row_title="Муниципалитет",
    )
    counts = f"{formatting.number(float(total['n_with_deficit']))} из {formatting.number(float(total['n_assessed']))}"
    title = f"Доля педагогов с дефицитом по муниципалитетам и компетенциям, {figures.year} год"
    blocks: tuple[Block, ...] = (
        Paragraph(
            f"По региону выявлен дефицит в {formatting.percent(float(total['share']))} оценок компетенций ({counts})."
        ),
        _figure(title, heatmap, width=440, height=alt.Step(17)),
        Table("Компетенции с наибольшей долей дефицитов", deficits.ranked(grid, by="area"), (5, 3, 3)),
        Table(
            "Муниципалитеты с наибольшей долей дефицитов (все компетенции)", deficits.ranked(grid, by="row"), (5, 3, 3)
        ),
        _deficit_notes(figures),
    )
    return [Section(SECTIONS["deficits"], blocks)]


LOAD_COLUMNS = ["Муниципалитет", "Педагогов", "Ставок методистов", "Педагогов на 1 методиста", "Не хватает ставок"]


def _load_table(rows: pd.DataFrame, title: str) -> Table:
    shown = methodists.display_municipalities(rows)[[*LOAD_COLUMNS, STATUS_COLUMN]]
    return Table(title, shown, (5.4, 1.7, 1.7, 1.9, 1.7, 2))


def _methodists(figures: Figures, found: list[Recommendation]) -> list[Section]:
    counted = figures.load[figures.load["status"] != methodists.NO_DATA]
    if figures.municipality_id is not None:
        counted = counted[counted["municipality_id"] == figures.municipality_id]
    if counted.empty:
        return [Section(SECTIONS["methodists"], (Paragraph("Нет числа педагогических работников за год."),))]
    totals = methodists.totals(counted, norm=figures.norm)
    summary = Paragraph(
        f"Педагогических работников — {formatting.number(totals['teachers'])}, ставок региональных методистов — "
        f"{formatting.short_number(totals['methodists_fte'], 2)}; на 1 ставку — "
        f"{formatting.number(totals['teachers_per_methodist'])} педагогов при норме не более "
        f"{formatting.number(figures.norm)}. Не хватает ставок: {formatting.short_number(totals['shortfall'], 2)}; "
        f"нагрузка выше нормы или нет методиста в {totals['over_norm']} из {totals['municipalities']} "
        f"муниципалитетов; педагогов без закреплённого методиста — {formatting.number(totals['unassigned'])}."
    )
    table = _load_table(counted, f"Нагрузка региональных методистов, {figures.year} год")
    if figures.municipality_id is not None:
        return [Section(SECTIONS["methodists"], (summary, table))]
    bars = counted.rename(columns={"short_name": "label", "teachers_per_methodist": "value"})
    chart = charts.ranking(
        bars[["label", "value", "status"]],
        label="label",
        target=figures.norm,
        target_caption="норма",
        region_value=totals["teachers_per_methodist"],
        statuses=labels.METHODIST_LOAD_STATUS,
        missing_first=True,
    )
    figure = _figure(
        "Педагогов на 1 ставку регионального методиста (сплошная линия — норма)", chart, width=420, height=alt.Step(16)
    )
    return [Section(SECTIONS["methodists"], (summary, figure, table))]


def _roadmap(figures: Figures, found: list[Recommendation]) -> list[Section]:
    items = figures.items
    if items.empty:
        return [Section(SECTIONS["roadmap"], (Paragraph("Дорожная карта региона не загружена."),))]
    counts = roadmaps.summary(items)
    summary = Paragraph(
        f"По состоянию на {formatting.long_date(figures.as_of)} мероприятий — {counts['total']}: выполнено — "
        f"{counts['done']} (в том числе частично — {counts['partial']}), просрочено или не выполнено — "
        f"{counts['overdue']}, в работе (включая постоянные) — {counts['in_progress']}, срок скоро — "
        f"{counts['due_soon']}."
    )
    chart = charts.status_bars(roadmaps.by_body(items), category="body", statuses=labels.ROADMAP_STATUS)
    late = roadmaps.display_table(items[items["status"].isin(roadmaps.LATE_STATUSES)])
    done = roadmaps.display_table(items[items["status"].isin(["done", "partial"])])
    blocks: list[Block] = [
        summary,
        *(Paragraph(plan, "note") for plan in roadmaps.plans(items)),
        _figure("Мероприятия по ответственным исполнителям и статусам", chart, width=380),
    ]
    columns = ["План", "№", "Мероприятие", "Ответственные", "Прошедший срок", STATUS_COLUMN]
    if late.empty:
        blocks.append(Paragraph("Просроченных и невыполненных мероприятий нет."))
    else:
        blocks.append(Table("Просроченные и невыполненные мероприятия", late[columns], (1.6, 0.8, 6, 3.2, 1.8, 1.9)))
    if not done.empty:
        columns = ["План", "№", "Мероприятие", "Последний отчёт", STATUS_COLUMN]
        blocks.append(Table("Выполненные мероприятия", done[columns], (1.6, 0.8, 9, 1.8, 2)))
    return [Section(SECTIONS["roadmap"], tuple(blocks))]


def _references(found: list[Recommendation], municipality_id: int) -> str:
    numbers = [str(index) for index, item in enumerate(found, start=1) if item.municipality_id == municipality_id]
    if not numbers:
        return "Адресных рекомендаций по правилам нет."
    return f"Адресные рекомендации: № {', '.join(numbers)} (раздел «{SECTIONS['recommendations']}»)."


def _municipalities(figures: Figures, found: list[Recommendation]) -> list[Section]:
    intro = Paragraph("Показатели, дефициты и нагрузка методистов каждого муниципалитета.")
    parts = [Section(SECTIONS["municipalities"], (intro,))]
    load = figures.load.set_index("municipality_id")
    for place, name in zip(figures.places["id"], figures.places["name"], strict=True):
        card, shown = _scorecard(figures, int(place))
        blocks: list[Block] = []
        if not card.empty:
            columns = ["Показатель", "Значение", "Цель", STATUS_COLUMN]
            blocks += [
                Paragraph(_status_summary(card, figures.year)),
                Table("Показатели эффективности", shown[columns], (5, 2, 2, 2.4)),
            ]
        if not (figures.grid.loc[figures.grid["row_id"] == place, "state"] == deficits.NO_DATA).all():
            blocks.append(_area_table(figures, int(place)))
        if place in load.index and load.loc[place, "status"] != methodists.NO_DATA:
            blocks.append(_load_table(load.loc[[place]].reset_index(), "Нагрузка региональных методистов"))
        blocks.append(Paragraph(_references(found, int(place))))
        parts.append(Section(str(name), tuple(blocks), level=2, new_page=True))
    return parts


def _recommendations(figures: Figures, found: list[Recommendation]) -> list[Section]:
    intro = Paragraph(
        "Рекомендации сформированы по правилам, перечисленным в приложении; у каждой указаны данные, по которым "
        "она дана. Перед подписанием справки ЦНППМ проверяет и при необходимости дополняет их."
        if found
        else "По правилам, перечисленным в приложении, рекомендаций нет."
    )
    parts = [Section(SECTIONS["recommendations"], (intro,))]
    places: dict[str, list[Block]] = {}
    for number, item in enumerate(found, start=1):
        places.setdefault(item.place, []).extend(
            [
                Paragraph(f"{number}. {item.text}", "strong"),
                Paragraph(f"Кому: {item.addressee}. Правило: «{RULE_NAMES[item.rule]}»."),
                Paragraph("Основание: " + " ".join(item.grounds), "note"),
            ]
        )
    parts += [Section(place, tuple(blocks), level=2) for place, blocks in places.items()]
    return parts


def _appendix(figures: Figures, rules: Rules) -> Section:
    return Section(
        "Приложение. Правила формирования адресных рекомендаций",
        (
            Paragraph("Рекомендация даётся, когда данные выполняют условие правила; пороги действуют на дату справки."),
            Table("Правила и пороги", describe(rules), (3, 5, 4.5, 3)),
            Paragraph(figures.scale_rule, "note"),
            Paragraph(
                f"Норма нагрузки — не более {formatting.number(figures.norm)} педагогических работников на 1 ставку "
                "регионального методиста. Значения показателей — по персональным данным муниципалитета за год, "
                "где они есть, иначе по сводным показателям ЦНППМ (никогда не вместе).",
                "note",
            ),
        ),
    )


# --- PDF ----------------------------------------------------------------------------------------------------


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, from the PNG's header."""
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def _cell(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


class _Pdf(FPDF):
    def footer(self) -> None:
        if self.page_no() > 1:  # no number on the title page
            self.set_y(-12)
            self.set_font(FONT, size=8)
            self.cell(0, 5, str(self.page_no()), align="C")


def to_pdf(report: Report) -> bytes:
    """The report as a PDF (A4, DejaVu Sans embedded, an outline of the sections)."""
    pdf = _Pdf(format="A4")
    pdf.add_font(FONT, "", FONTS_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONTS_DIR / "DejaVuSans-Bold.ttf")
    left, top, right, bottom = MARGINS_MM
    pdf.set_margins(left, top, right)
    pdf.set_auto_page_break(True, margin=bottom)
    pdf.set_title(f"{report.title} {report.cover[1]} {report.cover[2]}")
    pdf.set_lang("ru")
    pdf.add_page()
    pdf.set_y(70)
    pdf.set_font(FONT, "B", 22)
    pdf.multi_cell(0, 11, report.title, align="C", new_x="LMARGIN")
    for index, line in enumerate(report.cover):
        pdf.ln(3 if index else 6)
        pdf.set_font(FONT, "B" if index in (1, 2) else "", 14 if index in (1, 2) else 10)
        pdf.multi_cell(0, 7 if index in (1, 2) else 5.5, line, align="C", new_x="LMARGIN")
    for section in report.sections:
        if section.level == 1 or section.new_page or pdf.will_page_break(40):  # a heading never ends a page
            pdf.add_page()
        else:
            pdf.ln(3)
        pdf.start_section(section.title, level=section.level - 1)
        pdf.set_font(FONT, "B", 14 if section.level == 1 else 11.5)
        pdf.multi_cell(0, 7, section.title, align="L", new_x="LMARGIN")
        pdf.ln(2)
        for block in section.blocks:
            _pdf_block(pdf, block)
    return bytes(pdf.output())


def _pdf_block(pdf: FPDF, block: Block) -> None:
    if isinstance(block, Paragraph):
        size, height = (8, 4.2) if block.style == "note" else (10, 5.2)
        pdf.set_font(FONT, "B" if block.style == "strong" else "", size)
        pdf.set_text_color(90 if block.style == "note" else 0)
        pdf.multi_cell(0, height, block.text, align="L", new_x="LMARGIN")
        pdf.set_text_color(0)
        pdf.ln(1.5)
    elif isinstance(block, Table):
        if pdf.will_page_break(25):  # a caption never stays alone at the foot of a page
            pdf.add_page()
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(0, 5, block.title, align="L", new_x="LMARGIN")
        pdf.set_font(FONT, "", 7.5)
        with pdf.table(
            col_widths=block.widths,
            text_align="LEFT",
            align="LEFT",
            line_height=3.6,
            padding=0.8,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
            repeat_headings=1,
        ) as table:
            table.row([str(column) for column in block.frame.columns])
            status = list(block.frame.columns).index(STATUS_COLUMN) if STATUS_COLUMN in block.frame else -1
            for record in block.frame.itertuples(index=False):
                row = table.row()
                for index, value in enumerate(record):
                    fill = FILLS.get(_cell(value)) if index == status else None
                    row.cell(_cell(value), style=FontFace(fill_color=fill) if fill else None)
        pdf.ln(3)
    else:
        width_px, height_px = _png_size(block.png)
        width = TEXT_WIDTH_MM * block.width
        height = min(width * height_px / width_px, pdf.eph - 15)
        width = height * width_px / height_px
        if pdf.will_page_break(height + 8):
            pdf.add_page()
        pdf.image(io.BytesIO(block.png), x=pdf.l_margin + (TEXT_WIDTH_MM - width) / 2, w=width, h=height)
        pdf.set_font(FONT, "", 8.5)
        pdf.multi_cell(0, 4.5, block.title, align="C", new_x="LMARGIN")
        pdf.ln(3)


# --- DOCX ---------------------------------------------------------------------------------------------------


def _font(style: Any, size: float, *, bold: bool = False) -> None:
    """A style's font: the document font for Latin and Cyrillic alike (theme fonts removed), size, black."""
    style.font.name, style.font.size, style.font.bold = DOCX_FONT, Pt(size), bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(slot), DOCX_FONT)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme), None)


def _shade(cell: Any, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), colour.lstrip("#"))
    cell._tc.get_or_add_tcPr().append(shading)


def _page_number(paragraph: Any) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    paragraph._p.append(field)


def to_docx(report: Report) -> bytes:
    """The report as an editable DOCX: Word headings, tables and the same charts as pictures."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.top_margin, section.right_margin, section.bottom_margin = map(Mm, MARGINS_MM)
    section.different_first_page_header_footer = True
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)
    styles = document.styles
    _font(styles["Normal"], 12)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "ru-RU")
    styles["Normal"].element.get_or_add_rPr().append(language)
    _font(styles["Title"], 22, bold=True)
    _font(styles["Heading 1"], 15, bold=True)
    _font(styles["Heading 2"], 13, bold=True)
    _font(styles["Caption"], 10, bold=True)
    document.core_properties.title = f"{report.title} {report.cover[1]} {report.cover[2]}"
    document.core_properties.language = "ru-RU"
    for _ in range(6):
        document.add_paragraph()
    document.add_paragraph(report.title, style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
    for index, line in enumerate(report.cover):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(line)
        run.bold = index in (1, 2)
        run.font.size = Pt(14 if index in (1, 2) else 11)
    for part in report.sections:
        heading = document.add_heading(part.title, level=part.level)
        heading.paragraph_format.page_break_before = part.level == 1 or part.new_page
        for block in part.blocks:
            _docx_block(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_block(document: Any, block: Block) -> None:
    if isinstance(block, Paragraph):
        run = document.add_paragraph().add_run(block.text)
        run.bold = block.style == "strong"
        if block.style == "note":
            run.font.size = Pt(10)
            run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    elif isinstance(block, Table):
        caption = document.add_paragraph(block.title, style="Caption")
        caption.paragraph_format.keep_with_next = True
        frame = block.frame
        table = document.add_table(rows=len(frame) + 1, cols=len(frame.columns), style="Table Grid")
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        widths = [Mm(TEXT_WIDTH_MM * width / sum(block.widths)) for width in block.widths]
        table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeated on every page
        status = list(frame.columns).index(STATUS_COLUMN) if STATUS_COLUMN in frame else -1
        rows = [[str(column) for column in frame.columns], *([_cell(v) for v in r] for r in frame.itertuples(False))]
        for number, (row, values) in enumerate(zip(table.rows, rows, strict=True)):
            for index, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
                cell.width = widths[index]
                run = cell.paragraphs[0].add_run(value)
                run.font.size = Pt(9)
                run.bold = number == 0
                fill = HEADER_FILL if number == 0 else FILLS.get(value) if index == status else None
                if fill:
                    _shade(cell, fill)
        document.add_paragraph()
    else:
        picture = document.add_paragraph()
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.paragraph_format.keep_with_next = True
        picture.add_run().add_picture(io.BytesIO(block.png), width=Mm(TEXT_WIDTH_MM * block.width))
        document.add_paragraph(block.title, style="Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER
