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

CATEGORY = {"pedagogue": "педагогические работники", "manager": "управленческие кадры"}

ORGANISATION_KIND = {
    "general_school": "общеобразовательные организации",
    "preschool": "дошкольные образовательные организации",
    "additional_ed": "организации дополнительного образования",
    "spo": "профессиональные образовательные организации",
    "dpo": "организации ДПО",
}

# A municipality's load against the methodist norm: label and bar colour.
METHODIST_LOAD_STATUS = {
    "met": ("в пределах нормы", "#2e7d32"),
    "not_met": ("выше нормы", "#c62828"),
    "no_methodist": ("нет методиста", "#6a1b9a"),
    "no_data": ("нет данных", "#9e9e9e"),
}
METHODIST_STATE = {"overloaded": "перегружен", "idle": "без закреплённых педагогов", "normal": "в пределах нормы"}
