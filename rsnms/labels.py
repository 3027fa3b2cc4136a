"""Russian labels for the codes stored in the database (what a user sees)."""

from __future__ import annotations

INDICATOR_STATUS = {
    "met": "выполнен",
    "close": "близко к цели",
    "not_met": "не выполнен",
    "no_data": "нет данных",
    "no_target": "цель не установлена",
}

# Background colours of status cells (traffic lights; «no data» is grey, never a colour of failure).
INDICATOR_STATUS_COLOURS = {
    "выполнен": "#d4edda",
    "близко к цели": "#fff3cd",
    "не выполнен": "#f8d7da",
    "нет данных": "#e9ecef",
    "цель не установлена": "#f4f5f7",
}

BATCH_STATE = {"committed": "загружена", "undone": "отменена"}
