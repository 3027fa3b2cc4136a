"""The fixed tables behind the demo region: sizes, names, topics, the score model, targets, reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

DEFAULT_SEED = 2024
DEMO_REGION = "omsk"
DEMO_AS_OF = dt.date(2022, 12, 30)  # the roadmap status reports
DATA_AS_OF = dt.date(2024, 12, 31)
CREATED_AT = dt.datetime(2025, 1, 15, 9, 0, tzinfo=dt.UTC)
YEARS = (2022, 2023, 2024)
OMSK, SUBURB = "г. Омск", "Омский муниципальный район"
NORTH = tuple(f"{name} муниципальный район" for name in "Усть-Ишимский Тевризский Седельниковский "
              "Большеуковский Знаменский".split())  # fmt: skip
NO_METHODIST = NORTH[2], NORTH[0]
PROVIDER = "БОУ ДПО «ИРООО»"
ACADEMY = "ФГАОУ ДПО «Академия Минпросвещения России»"
UNIVERSITY = "ФГБОУ ВО «ОмГПУ»"
TARGET_SOURCE = "целевые значения"
# Educators per municipality, in reference order (after the 2023 statistics of the sample files).
SIZES = (7400, 430, 420, 175, 305, 200, 600, 545, 195, 385, 260, 570, 410, 440, 340, 350, 250, 370, 265, 220,
         1650, 285, 335, 295, 280, 185, 550, 690, 240, 365, 210, 465, 335)  # fmt: skip
VILLAGE_ROOTS = (
    "Александров Андреев Березов Богодухов Борисов Васильев Вознесен Георгиев Дмитриев Екатеринов Иванов "
    "Кириллов Михайлов Николаев Покров Петров Павлов Успен Преображен Рождествен Тихвин Ольгин Кутырлин "
    "Кабырдак Бергамак Колосов Камышлов Лугов Ключев Краснояр Соснов Ермаков Марьин Федоров Пристан Лебяжин "
    "Самсонов Кондратьев Осокин Гончаров Черемухов Заливин Шипицын Баженов"
).split()
VILLAGES = [prefix + root.lower() if prefix else root for prefix in ("", "Ново", "Старо") for root in VILLAGE_ROOTS]
OMSK_EXTRA = (
    ("additional_ed", 'БОУ ДО г. Омска "{}"', 'Дом детского творчества "Кировский";Дом детского '
     'творчества "Ленинский";Дом детского творчества "Октябрьский";Центр творчества "Созвездие";Центр '
     'творчества "Эврика";Центр творчества "Амурский";Детский эколого-биологический центр;Станция юных '
     'техников;Детский технопарк'),
    ("spo", 'БПОУ ОО "{}"', "Омский педагогический колледж № 1;Омский колледж транспортного строительства;"
     "Омский колледж профессиональных технологий;Омский технологический колледж;Омский строительный колледж;"
     "Омский музыкально-педагогический колледж;Омский промышленно-экономический колледж;"
     "Омский колледж библиотечно-информационных технологий;Омский педагогический колледж № 3"),
)  # fmt: skip
# Weighted choices as «value:weight;…».
POSITIONS = {
    "general_school": "учитель:82;педагог-психолог:4;социальный педагог:3;учитель-логопед:3;"
    "педагог-организатор:3;педагог дополнительного образования:5",
    "preschool": "воспитатель:82;музыкальный руководитель:6;инструктор по физической культуре:4;"
    "учитель-логопед:5;педагог-психолог:3",
    "additional_ed": "педагог дополнительного образования:85;методист:8;педагог-организатор:7",
    "spo": "преподаватель:85;мастер производственного обучения:15",
}
SUBJECTS = (
    "Начальные классы:18;Русский язык и литература:14;Математика:13;Информатика:4;Иностранный "
    "язык (английский):8;История и обществознание:7;Физическая культура:7;Биология:4;Физика:4;"
    "Технология:3;Химия:3;География:3;Музыка:2;ОБЖ:2;ИЗО:2;Иностранный язык (немецкий):2"
)
GRADES = "высшая:35;первая:35;соответствие занимаемой должности:20;без категории:10"
DIRECTIONS = ("Робототехника;Вокал;Хореография;Шахматы;Техническое творчество;Туризм и краеведение;"
              "Декоративно-прикладное творчество").split(";")  # fmt: skip
SPECIALISATIONS = (
    "Иностранный язык;История и обществознание;Химия;Инклюзивное образование;Биология;Начальное общее "
    "образование;География;Технология;Русский язык и литература;Математика;Физическая культура;"
    "Функциональная грамотность;Физика;Информатика;Цифровая образовательная среда;Воспитательная работа;"
    "Управление образовательной организацией"
).split(";")
TOPICS = {
    "normative": "Нормативно-правовое обеспечение деятельности педагога;Профессиональный стандарт педагога;"
    "ФГОС и ФОП: требования к образовательным результатам;Права участников образовательных отношений",
    "subject": "Сложные вопросы предметного содержания ОГЭ и ЕГЭ;Содержание и методика преподавания по ФОП;"
    "Подготовка обучающихся к олимпиадам;Практикум по предметному содержанию основной школы",
    "methodical": "Формирование функциональной грамотности обучающихся;Современный урок: конструирование и "
    "анализ;Проектная и исследовательская деятельность обучающихся;Оценивание образовательных результатов",
    "psych_ped": "Психолого-педагогическое сопровождение обучающихся;Работа с детьми с ОВЗ в условиях "
    "инклюзии;Профилактика деструктивного поведения подростков;Воспитательная работа классного руководителя",
    "communicative": "Эффективная коммуникация в образовательной среде;Взаимодействие с родителями "
    "обучающихся;Конфликтология для педагогов;Наставничество в образовательной организации",
    "digital": "Цифровые инструменты в работе педагога;ФГИС «Моя школа»: практикум;Информационная "
    "безопасность в образовании;Искусственный интеллект в образовательном процессе",
    "managerial": "Управление качеством образования в образовательной организации;Внутренняя система оценки "
    "качества образования;Управленческая команда: эффективное взаимодействие",
}
SERVED_KINDS = ("general_school", "additional_ed")  # what methodists are assigned to
SUPPORT_FORMS = ("наставничество", "школа молодого педагога", "клуб молодых педагогов",
                 "методическое сопровождение регионального методиста")  # fmt: skip
# The score model: base by area, shifts for the north and the city, gains per year and per repeat.
BASE_SCORE = {"normative": 71, "subject": 77, "methodical": 72, "psych_ped": 73, "communicative": 78,
              "digital": 72, "managerial": 74}  # fmt: skip
SHIFTS = {  # score shifts by group of municipalities ("*": every other area)
    NORTH: {"digital": -12.0, "normative": -9.0, "*": -4.0},
    (OMSK,): {"digital": 4.0, "normative": 3.0, "*": 2.0},
}
DIAG_SHARE = (0.15, 0.2, 0.28)  # share of educators diagnosed in each of YEARS
TARGETS = {  # demo «целевые значения» for 2022, 2023, 2024
    "diag_deficits_share": (12, 18, 25), "iom_share": (10, 15, 20), "fr_dpo_completion_share": (4, 5, 6),
    "mgmt_teams_pk_share": (20, 30, 35), "young_teachers_support_share": (60, 65, 70),
    "fr_dpo_programs_share": (50, 55, 60), "mentoring_model_orgs_share": (40, 50, 60),
    "teachers_per_regional_methodist": (250, 250, 250), "rsnms_roadmap_in_place": (1, 1, 1),
    "rsnms_monitoring_system_in_place": (1, 1, 1),
}  # fmt: skip
# Reports on the Omsk roadmap 004-RM: item|status|report date (else DEMO_AS_OF)|evidence|actual quantity.
ROADMAP_REPORTS = """1|done|2022-04-29|Приказ МООО от 07.04.2022 № 26|
2|done||Приказ БОУ ДПО «ИРООО» от 25.11.2022 № 411-о|
3|in_progress||Приказ БОУ ДПО «ИРООО» от 25.10.2022 № 374-о|
4|done||Приказ МООО от 23.11.2022 № 138|
5|done||Отчёт ЦНППМ за 2022 год (база данных обновлена 19.12.2022)|
6|done||Приказ БОУ ДПО «ИРООО» от 17.06.2022 № 212-о|
7|done||Приказ БОУ ДПО «ИРООО» от 18.08.2022 № 287-о|
8|in_progress||Отчёт ЦНППМ за 2022 год (база данных обновлена 20.12.2022)|
9|done||Приказ БОУ ДПО «ИРООО» от 26.12.2022 № 454-о|
10|done||Приказ БОУ ДПО «ИРООО» от 30.08.2022 № 305-о|
11|in_progress||Протоколы совещаний ЦНППМ (последний от 20.12.2022 № 20)|
12|not_done|||
13|partial||Приказ БОУ ДПО «ИРООО» от 11.11.2022 № 395-о|
14|done||Приказ БОУ ДПО «ИРООО» от 21.12.2022 № 446-о|
15|done||Информационное письмо БОУ ДПО «ИРООО» от 05.12.2022 № 2712|14
16|in_progress||Протоколы совещаний ЦНППМ (последний от 19.12.2022 № 14)|41
17|done||Информационное письмо БОУ ДПО «ИРООО» от 22.11.2022 № 2610|
18|done|2022-10-28|Информационное письмо БОУ ДПО «ИРООО» от 18.10.2022 № 2329|
19|in_progress||Приказ БОУ ДПО «ИРООО» от 09.12.2022 № 430-о|
20|in_progress||Протокол заседания Совета сетевых координаторов РСНМС от 19.12.2022 № 2|
21|done||Информационное письмо БОУ ДПО «ИРООО» от 25.10.2022 № 2388|
22|in_progress||Приказ МООО от 27.05.2022 № 62|
23|in_progress||Протоколы совещаний ЦНППМ (последний от 05.12.2022 № 17)|
24|in_progress||Протоколы совещаний ЦНППМ (последний от 09.12.2022 № 16)|
25|not_done|||
26|done||Протокол заседания Ученого совета БОУ ДПО «ИРООО» от 09.08.2022 № 9|
27|done||Приказ МООО от 05.12.2022 № 144|"""
COLUMNS = {  # the columns of each DemoData frame, in order
    "organisations": "municipality name kind has_mentoring_model is_low_results is_internship_site",
    "educators": "local_id organisation municipality category position subject birth_year career_start_year "
    "qualification",
    "diagnostics": "local_id area_code taken_on year score level_code is_deficit",
    "ioms": "local_id created_on year status based_on_diagnostics",
    "dpo_programmes": "provider title hours in_federal_register area_code for_management_teams since_year",
    "course_completions": "local_id provider title completed_on year selected_per_diagnostics",
    "support": "local_id form started_on year",
    "management_training": "organisation municipality year participated completed topic_quality_management",
    "methodists": "code municipality specialisation fte display_name is_active",
    "assignments": "methodist_code organisation municipality year n_teachers",
    "aggregates": "scope municipality organisation year metric value",
    "targets": "indicator_code year value",
    "roadmap_reports": "item_code as_of status actual_quantity evidence",
}

Row = dict[str, Any]
Rows = list[Row]
