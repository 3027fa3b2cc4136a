"""«Вход»: sign in with a login and password (or, signed in, see who you are and sign out)."""

import streamlit as st

from rsnms import ui

ui.route_through_app()
ui.get_engine()
user = ui.current_user()
if user is None:
    st.title("Вход в РСНМС-Монитор")
    if ui.settings().auth == "off":
        st.caption(
            "Демонстрационный режим: страницы открыты для просмотра без входа (как их видит министерство). "
            "Загрузка данных и любые изменения — после входа."
        )
    ui.render_sign_in()
else:
    st.title("Учётная запись")
    ui.render_account(user, sidebar=False)
