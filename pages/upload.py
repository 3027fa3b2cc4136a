"""«Загрузка данных»: the ЦНППМ uploads a workbook, sees the preview, commits it in one transaction."""

import datetime as dt
import hashlib

import streamlit as st

from rsnms import access, actions, ui
from rsnms.errors import RsnmsError
from rsnms.ingest import pipeline
from rsnms.ingest.schemas import SCHEMAS

AUTO = "определить по файлу"

settings = ui.settings()
ui.route_through_app()
engine = ui.get_engine()
actor = ui.require_page(access.uploads, "Загружать данные может сотрудник ЦНППМ или администратор: войдите в систему.")
st.title("Загрузка данных")
st.caption(
    "Книга Excel (.xlsx) с одним или несколькими листами: каждый лист распознаётся по заголовкам столбцов. "
    "Сначала показывается, что будет загружено; в базу данные попадают только после подтверждения, целиком."
)
regions = ui.load_regions(settings.database_url)
names = dict(zip(regions["code"], regions["name"], strict=True))
left, right = st.columns(2)
region = left.selectbox("Регион", [AUTO, *names], format_func=lambda c: names.get(c, c), key="upload.region")
year = right.selectbox("Отчётный год", [AUTO, *range(dt.date.today().year, 2019, -1)], key="upload.year")
with st.expander("Шаблоны и виды данных"):
    template_region = st.session_state.get("region", settings.region) if region == AUTO else region
    st.caption(f"Списки муниципалитетов в шаблонах — по региону «{names[template_region]}».")
    ui.render_templates(SCHEMAS, region=template_region)
upload = st.file_uploader(f"Файл Excel (не больше {settings.max_upload_mb} МБ)", key="upload.file")
if upload is None:
    st.stop()

content = upload.getvalue()
key = (hashlib.sha256(content).hexdigest(), region, year)
if st.session_state.get("upload.key") != key:
    st.session_state["upload.key"] = key
    st.session_state["upload.preview"] = pipeline.prepare(
        engine,
        content,
        file_name=upload.name,
        max_mb=settings.max_upload_mb,
        pseudonym_key=settings.pseudonym_key,
        region=None if region == AUTO else region,
        year=None if year == AUTO else int(year),
    )
    st.session_state.pop("upload.done", None)
preview: pipeline.Preview = st.session_state["upload.preview"]

st.subheader("Предпросмотр")
ui.render_preview(preview)
if "upload.done" in st.session_state:
    st.success(st.session_state["upload.done"])
elif preview.errors:
    st.button("Загрузить в базу", disabled=True, key="upload.commit")
elif not preview.has_changes:
    st.info("Загружать нечего: все строки файла уже есть в базе без изменений.")
elif st.button("Загрузить в базу", type="primary", key="upload.commit"):
    try:
        committed = actions.commit_upload(engine, preview, actor=actor, now=dt.datetime.now(dt.UTC))
    except RsnmsError as error:
        st.error(str(error))
    else:
        ui.clear_caches()
        st.session_state["upload.done"] = (
            f"Загружено: загрузка № {committed.batch_id}. Новых строк: {committed.created}, "
            f"изменено: {committed.updated}, без изменений: {committed.unchanged}."
        )
        st.rerun()
