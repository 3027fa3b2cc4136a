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

# A roadmap item's status as of a date: label and colour (bars, timeline points, table cells).
ROADMAP_STATUS = {
    "overdue": ("просрочено", "#c62828"),
    "due_soon": ("срок скоро", "#ef6c00"),
    "not_done": ("не выполнено", "#6d1b1b"),
    "not_started": ("не начато", "#9e9e9e"),
    "in_progress": ("в работе", "#1565c0"),
    "ongoing": ("постоянно", "#00838f"),
    "partial": ("выполнено частично", "#9e9d24"),
    "done": ("выполнено", "#2e7d32"),
}
# Pale fills of the same statuses in tables and exported workbooks.
ROADMAP_STATUS_FILLS = {
    "просрочено": "#f8d7da",
    "срок скоро": "#ffe0b2",
    "не выполнено": "#f5c6cb",
    "не начато": "#e9ecef",
    "в работе": "#d6e4f5",
    "постоянно": "#d0ecee",
    "выполнено частично": "#f0f4c3",
    "выполнено": "#d4edda",
}

# A status a report gives (the form's choices; uploads say the same in their own words).
REPORT_STATUS = {
    "done": "выполнено",
    "partial": "выполнено частично",
    "in_progress": "в работе",
    "not_started": "не начато",
    "not_done": "не выполнено",
}
