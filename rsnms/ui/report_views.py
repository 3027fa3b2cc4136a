"""«Аналитическая справка» views: the cached report and its downloads."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

import streamlit as st

from rsnms import (
    db,
    recommendations,
    report,
    ui,
)

# --- «Аналитическая справка» ----------------------------------------------------------------------------------


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner="Собираем данные для справки…")
def load_report_figures(
    database_url: str, region: str, year: int, municipality_id: int | None, suppress_below: int | None, today: dt.date
) -> recommendations.Figures:
    """Cached ``report.gather`` (the page previews the recommendations from it)."""
    return report.gather(
        db.get_engine(database_url),
        region=region,
        year=year,
        today=today,
        municipality_id=municipality_id,
        suppress_below=suppress_below,
    )


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, max_entries=4, show_spinner="Готовим справку…")
def load_report(
    database_url: str,
    region: str,
    year: int,
    municipality_id: int | None,
    suppress_below: int | None,
    today: dt.date,
    sections: tuple[str, ...],
) -> report.Report:
    """Cached ``report.build`` from the cached figures: the charts are drawn once for both files."""
    figures = load_report_figures(database_url, region, year, municipality_id, suppress_below, today)
    return report.build(figures, rules=recommendations.load_rules(), today=today, sections=sections)


def render_report_downloads(
    database_url: str,
    region: str,
    year: int,
    municipality_id: int | None,
    suppress_below: int | None,
    sections: Sequence[str],
    *,
    name: str,
) -> None:
    """«Скачать справку (DOCX)» and «(PDF)»: the справка is made when a button is clicked."""
    build = functools.partial(
        load_report, database_url, region, year, municipality_id, suppress_below, dt.date.today(), tuple(sections)
    )
    editable, printable = st.columns(2)
    editable.download_button(
        "Скачать справку (DOCX)",
        data=lambda: report.to_docx(build()),
        file_name=f"{name}.docx",
        mime=DOCX_MIME,
        on_click="ignore",
        type="primary",
        key="report.docx",
    )
    printable.download_button(
        "Скачать справку (PDF)",
        data=lambda: report.to_pdf(build()),
        file_name=f"{name}.pdf",
        mime=PDF_MIME,
        on_click="ignore",
        key="report.pdf",
    )
