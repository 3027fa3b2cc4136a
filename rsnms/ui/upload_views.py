"""Upload views: the preview of a workbook, its problems, templates, the batch journal."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from rsnms import (
    db,
    labels,
    queries,
    ui,
)
from rsnms.ingest import pipeline, templates
from rsnms.ingest.schemas import Schema


def render_problems(preview: pipeline.Preview) -> None:
    """Errors and warnings of an upload: a summary by kind, the full table and the error-rows file."""
    errors, warnings = len(preview.errors), len(preview.problems) - len(preview.errors)
    if errors:
        st.error(f"Найдено ошибок: {errors}. Ничего не будет загружено, пока они не исправлены.")
    if warnings:
        st.warning(f"Предупреждений: {warnings}. Они не мешают загрузке.")
    frame = preview.problems_frame()
    st.dataframe(frame, hide_index=True, width="stretch", key="upload.problems")
    st.download_button(
        "Скачать строки с ошибками",
        data=preview.error_rows_xlsx,
        on_click="ignore",
        file_name=f"ошибки_{preview.file_name.rsplit('.', 1)[0]}.xlsx",
        mime=ui.XLSX_MIME,
        key="upload.error_rows",
    )


def render_preview(preview: pipeline.Preview) -> None:
    """What an upload would do: recognised sheets, region and year, counts, a sample, problems."""
    if preview.sheets:
        sheets = pd.DataFrame(
            [(s.name, s.title, s.header_row, s.rows) for s in preview.sheets],
            columns=["Лист", "Распознан как", "Строка заголовка", "Строк данных"],
        )
        st.dataframe(sheets, hide_index=True, width="stretch")
    regions = ui.load_regions(ui.settings().database_url)
    region = dict(zip(regions["code"], regions["name"], strict=True)).get(preview.region or "", "не определён")
    year = preview.year or "не определён"
    st.markdown(
        f"**Регион:** {region} ({preview.region_source or 'выберите вручную'}) · "
        f"**Год:** {year} ({preview.year_source or 'выберите вручную'})"
    )
    for column in preview.dropped_columns:
        st.info(f"Столбец с персональными данными не загружается: {column}")
    if preview.same_file_batch:
        st.info(f"Этот файл уже загружался (загрузка № {preview.same_file_batch}).")
    if preview.changes:
        st.dataframe(preview.counts(), hide_index=True, width="stretch", key="upload.counts")
        for change in preview.changes:
            if len(change.created):
                with st.expander(f"{change.write.label}: первые новые строки"):
                    st.dataframe(change.created.head(10), hide_index=True)
    if preview.problems:
        render_problems(preview)


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_batches(database_url: str) -> pd.DataFrame:
    """Cached ``queries.batches``."""
    return queries.batches(db.get_engine(database_url))


def display_batches(history: pd.DataFrame) -> pd.DataFrame:
    """The batches as the journal shows them (Russian headers and states)."""
    when = pd.to_datetime(history["created_at"], utc=True).dt.strftime("%d.%m.%Y %H:%M")
    state = history["state"].map(labels.BATCH_STATE).where(history["erased_at"].isna(), "персональные данные удалены")
    return pd.DataFrame(
        {
            "№": history["id"],
            "Файл": history["file_name"],
            "Данные": history["kinds"].where(history["kinds"] != "", history["kind"]),
            "Регион": history["region_name"],
            "Год": [str(int(year)) if pd.notna(year) else "—" for year in history["year"]],
            "Загрузил": history["user_login"].fillna("—"),
            "Когда (UTC)": when,
            "Новых": history["n_created"],
            "Изменено": history["n_updated"],
            "Без изменений": history["n_unchanged"],
            "Состояние": state,
        }
    )


def batch_label(history: pd.DataFrame, batch_id: int) -> str:
    """«№ 7 · pokazateli_2024.xlsx · Омская область»."""
    row = history.set_index("id").loc[batch_id]
    return f"№ {batch_id} · {row['file_name']} · {row['region_name'] or ''}"


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_template(database_url: str, kind: str, region: str) -> bytes:
    """Cached ``templates.region_template``."""
    return templates.region_template(db.get_engine(database_url), kind, region=region)


def render_templates(schemas: Sequence[Schema], *, region: str) -> None:
    """One line per upload kind with its description and a «Скачать шаблон» button."""
    for schema in schemas:
        text, button = st.columns([4, 1])
        text.markdown(f"**{schema.title}.** {schema.description}")
        button.download_button(
            "Скачать шаблон",
            data=functools.partial(load_template, ui.settings().database_url, schema.kind, region),  # built on click
            file_name=templates.template_file_name(schema.kind),
            mime=ui.XLSX_MIME,
            on_click="ignore",
            key=f"upload.template.{schema.kind}",
        )
