"""РСНМС-Монитор: the router. Run with `streamlit run app.py` (or `make run`)."""

import streamlit as st

st.set_page_config(page_title="РСНМС-Монитор", page_icon=":material/school:", layout="wide")

navigation = st.navigation(
    {
        "Мониторинг": [
            st.Page("pages/overview.py", title="Обзор", icon=":material/dashboard:", default=True),
            st.Page("pages/indicators.py", title="Показатели", icon=":material/leaderboard:"),
            st.Page("pages/deficits.py", title="Дефициты", icon=":material/grid_on:"),
            st.Page("pages/methodists.py", title="Нагрузка методистов", icon=":material/groups:"),
            st.Page("pages/roadmap.py", title="Дорожная карта", icon=":material/event_note:"),
        ],
        "Данные": [
            st.Page("pages/upload.py", title="Загрузка данных", icon=":material/upload_file:"),
            st.Page("pages/uploads_history.py", title="Журнал загрузок", icon=":material/history:"),
        ],
    }
)
navigation.run()
