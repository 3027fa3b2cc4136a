"""РСНМС-Монитор: the router. Run with `streamlit run app.py` (or `make run`).

The navigation is built for the signed-in user's role; every protected page and action checks the role
again on the server (rsnms.access), so a hidden page is not the only guard.
"""

import streamlit as st

from rsnms import access, ui

st.set_page_config(page_title="РСНМС-Монитор", page_icon=":material/school:", layout="wide")

user = ui.current_user()
role = ui.current_role()
account = st.Page(
    "pages/login.py", title="Вход" if user is None else "Учётная запись", icon=":material/account_circle:"
)
if ui.settings().auth == "required" and user is None:
    navigation = st.navigation([account])  # nothing but the sign-in until a user has signed in
else:
    sections = {
        "Мониторинг": [
            st.Page("pages/overview.py", title="Обзор", icon=":material/dashboard:", default=True),
            st.Page("pages/indicators.py", title="Показатели", icon=":material/leaderboard:"),
            st.Page("pages/deficits.py", title="Дефициты", icon=":material/grid_on:"),
            st.Page("pages/methodists.py", title="Нагрузка методистов", icon=":material/groups:"),
            st.Page("pages/roadmap.py", title="Дорожная карта", icon=":material/event_note:"),
            st.Page("pages/scenarios.py", title="Сценарии", icon=":material/science:"),
            st.Page("pages/report.py", title="Аналитическая справка", icon=":material/description:"),
        ],
    }
    if user is not None and access.uploads(role):
        sections["Данные"] = [
            st.Page("pages/upload.py", title="Загрузка данных", icon=":material/upload_file:"),
            st.Page("pages/uploads_history.py", title="Журнал загрузок", icon=":material/history:"),
        ]
    if user is not None and access.administers(role):
        sections["Администрирование"] = [st.Page("pages/audit.py", title="Журнал действий", icon=":material/policy:")]
    sections["Учётная запись"] = [account]
    navigation = st.navigation(sections)
ui.render_account(user)
navigation.run()
