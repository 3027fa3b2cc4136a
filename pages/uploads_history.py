"""«Журнал загрузок»: every batch with its counts; undo a batch or erase its personal data."""

import datetime as dt

import streamlit as st

from rsnms import access, actions, ui
from rsnms.errors import RsnmsError

ui.route_through_app()
engine = ui.get_engine()
actor = ui.require_page(
    access.uploads, "Журнал загрузок доступен сотрудникам ЦНППМ и администратору: войдите в систему."
)
st.title("Журнал загрузок")
if "history.message" in st.session_state:
    st.success(st.session_state.pop("history.message"))
history = ui.load_batches(ui.settings().database_url)
if history.empty:
    st.info("Загрузок ещё не было.")
    st.stop()
st.dataframe(ui.display_batches(history), hide_index=True, width="stretch", key="history.table")

committed = history[history["state"] == "committed"]
if committed.empty:
    st.stop()
st.subheader("Отмена загрузки")
batch_id = st.selectbox(
    "Загрузка",
    committed["id"].tolist(),
    format_func=lambda number: ui.batch_label(history, number),
    key="history.batch",
)
st.caption(
    "Отмена возвращает базу к состоянию до загрузки: новые строки удаляются, изменённые получают прежние значения."
)
confirm = st.checkbox("Да, отменить эту загрузку", key="history.confirm")
if st.button("Отменить загрузку", disabled=not confirm, key="history.undo"):
    try:
        actions.undo_batch(engine, batch_id=int(batch_id), actor=actor, now=dt.datetime.now(dt.UTC))
    except RsnmsError as error:
        st.error(str(error))
    else:
        ui.clear_caches()
        st.session_state["history.message"] = f"Загрузка № {batch_id} отменена."
        st.rerun()

st.subheader("Удаление персональных данных")
st.caption(
    "Удаляются строки о педагогах (псевдонимы, результаты диагностики, ИОМ, курсы, поддержка), которые принесла "
    "загрузка; сводные показатели остаются. Это действие необратимо."
)
erase_confirm = st.checkbox("Да, удалить персональные данные этой загрузки безвозвратно", key="history.erase_confirm")
if st.button("Удалить персональные данные загрузки", disabled=not erase_confirm, key="history.erase"):
    try:
        removed = actions.erase_batch(engine, batch_id=int(batch_id), actor=actor, now=dt.datetime.now(dt.UTC))
    except RsnmsError as error:
        st.error(str(error))
    else:
        ui.clear_caches()
        st.session_state["history.message"] = f"Удалено строк с персональными данными: {removed}."
        st.rerun()
