"""The upload kinds (design.md §5): which columns each sheet kind has, under which header wordings.

A sheet is recognised by its headers, whatever its name or position: the schema whose required
fields are all found, with the most fields found, wins. Field synonyms are written already
normalised (lower case, е for ё, no punctuation); the first title is what templates print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rsnms.ingest.text import normalise

# Field value types, coerced in rsnms.ingest.coerce.
TEXT, INTEGER, NUMBER, DATE, YEAR, FLAG = "text", "integer", "number", "date", "year", "flag"


@dataclass(frozen=True)
class Field:
    """One column of an upload kind."""

    key: str
    title: str
    synonyms: tuple[str, ...] = ()
    type: str = TEXT
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""

    def names(self) -> tuple[str, ...]:
        """Every accepted header wording, normalised."""
        return tuple(normalise(name) for name in (self.title, *self.synonyms))


@dataclass(frozen=True)
class Schema:
    """An upload kind: its Russian name, fields and natural key."""

    kind: str
    title: str
    fields: tuple[Field, ...]
    description: str
    example: dict[str, object] = field(default_factory=dict)
    skip_first_column_words: tuple[str, ...] = ("итого", "всего")

    def field_for(self, header: str) -> str | None:
        """The key of the field that a normalised header names, if any."""
        for candidate in self.fields:
            if header in candidate.names():
                return candidate.key
        return None


MUNICIPALITY = Field(
    "municipality",
    "Муниципальное образование",
    ("мо", "муниципалитет", "муниципальный район городской округ", "муниципальный район", "район",
     "территория", "муниципальное образование мо", "наименование муниципального образования", "ммс"),
    required=True,
)  # fmt: skip
ORGANISATION = Field(
    "organisation",
    "Образовательная организация",
    ("оо", "наименование оо", "организация", "образовательное учреждение", "наименование организации",
     "наименование образовательной организации", "школа", "место работы"),
)  # fmt: skip
YEAR_FIELD = Field("year", "Год", ("отчетный год", "период", "год отчета"), type=YEAR, minimum=2015, maximum=2035)

METRIC_FIELDS = (
    Field("ped_workers_total", "Всего педагогических работников",
          ("педагогических работников всего", "численность педагогических работников", "педагогов всего",
           "педагогические работники"), INTEGER, minimum=0),
    Field("managers_total", "Всего управленческих кадров",
          ("управленческих кадров всего", "численность управленческих кадров", "руководящих работников"),
          INTEGER, minimum=0),
    Field("diag_passed", "Прошли диагностику в ЦНППМ",
          ("прошли диагностику", "прошли диагностику профессиональных дефицитов",
           "прошедших диагностику в цнппм", "число прошедших диагностику"), INTEGER, minimum=0),
    Field("iom_developed", "Разработаны ИОМ",
          ("разработан иом", "иом", "индивидуальные образовательные маршруты", "число иом"), INTEGER, minimum=0),
    Field("fr_dpo_completed", "Освоили программы ФР ДППО",
          ("освоили программы дпо из фр дппо", "прошли обучение по программам фр дппо", "освоили программы фр дпппо"),
          INTEGER, minimum=0),
    Field("orgs_total", "Всего ОО", ("количество оо", "число оо", "оо всего", "образовательных организаций"),
          INTEGER, minimum=0),
    Field("mgmt_teams_trained", "Управленческие команды, прошедшие ПК",
          ("управленческие команды прошедшие пк", "управленческие команды прошедшие повышение квалификации",
           "оо управленческие команды которых прошли пк"), INTEGER, minimum=0),
    Field("young_teachers_total", "Педагоги до 35 лет в первые 3 года работы",
          ("молодые педагоги", "педагоги до 35 лет", "молодых педагогов всего"), INTEGER, minimum=0),
    Field("young_teachers_supported", "из них вовлечены в формы поддержки",
          ("вовлечены в формы поддержки", "молодые педагоги вовлеченные в формы поддержки",
           "из них участвуют в формах поддержки"), INTEGER, minimum=0),
    Field("orgs_mentoring_model", "ОО, реализующие целевую модель наставничества",
          ("оо реализующие целевую модель наставничества", "оо с целевой моделью наставничества"),
          INTEGER, minimum=0),
    Field("methodists_fte", "Региональные методисты (ставки)",
          ("региональные методисты", "ставки региональных методистов"), NUMBER, minimum=0),
)  # fmt: skip
METRIC_KEYS = tuple(metric.key for metric in METRIC_FIELDS)

INDICATORS = Schema(
    "indicators",
    "Показатели",
    (MUNICIPALITY, YEAR_FIELD, *METRIC_FIELDS),
    "Сводные показатели по муниципальным образованиям за год: одна строка — муниципалитет, "
    "столбцы — счётчики (педагоги, прошедшие диагностику, ИОМ и т. д.).",
    {"municipality": "г. Омск", "year": 2024, "ped_workers_total": 7735, "managers_total": 490,
     "diag_passed": 1691, "iom_developed": 1247, "fr_dpo_completed": 556, "orgs_total": 155},
)  # fmt: skip

DIAGNOSTICS = Schema(
    "diagnostics",
    "Диагностика",
    (
        MUNICIPALITY,
        ORGANISATION,
        Field("teacher_id", "Код педагога",
              ("идентификатор педагога", "код", "id педагога", "код участника", "табельный номер", "уид"),
              required=True, help="код ЦНППМ; в базе хранится только псевдоним"),
        Field("position", "Должность", ("должность педагога",)),
        Field("subject", "Предмет", ("преподаваемый предмет", "направление")),
        Field("birth_year", "Год рождения", (), YEAR, minimum=1940, maximum=2010),
        Field("career_start_year", "Год начала педагогической деятельности",
              ("год начала работы", "год начала педагогического стажа", "год начала работы в должности"),
              YEAR, minimum=1950, maximum=2035),
        Field("area", "Компетенция",
              ("компетенция область", "область компетенций", "направление диагностики", "блок"), required=True),
        Field("score", "Балл", ("баллы", "результат", "результат в баллах", "процент выполнения"),
              NUMBER, minimum=0, maximum=100),
        Field("level", "Уровень", ("уровень дефицита", "уровень сформированности", "дефицит")),
        Field("date", "Дата диагностики", ("дата", "дата проведения", "дата прохождения"), DATE),
    ),
    "Результаты диагностики профессиональных дефицитов: одна строка — педагог × компетенция "
    "(«длинный» формат) или педагог с баллами по компетенциям в отдельных столбцах («широкий»).",
    {"municipality": "г. Омск", "organisation": 'БОУ г. Омска "Гимназия № 19"', "teacher_id": "ОМ-000123",
     "position": "учитель", "subject": "Математика", "birth_year": 1985, "career_start_year": 2008,
     "area": "цифровая", "score": 64, "level": "частичный дефицит", "date": "15.10.2024"},
)  # fmt: skip

METHODISTS = Schema(
    "methodists",
    "Методисты",
    (
        Field(
            "methodist_code",
            "Код методиста",
            ("код", "методист", "код регионального методиста"),
            required=True,
        ),
        MUNICIPALITY,
        Field("specialisation", "Специализация", ("направление", "предмет", "профиль")),
        Field("fte", "Ставка", ("доля ставки", "ставки", "занятость ставка"), NUMBER, minimum=0, maximum=2),
    ),
    "Региональные методисты: одна строка — методист (код, муниципалитет, специализация, ставка). "
    "Имена методистов не загружаются.",
    {"methodist_code": "РМ-001", "municipality": "г. Омск", "specialisation": "Математика", "fte": 1},
)

ASSIGNMENTS = Schema(
    "assignments",
    "Закрепление",
    (
        Field("methodist_code", "Код методиста", ("код", "методист", "код регионального методиста"), required=True),
        Field(ORGANISATION.key, ORGANISATION.title, ORGANISATION.synonyms, required=True),
        MUNICIPALITY,
        Field("n_teachers", "Число закреплённых педагогов",
              ("число закрепленных педагогов", "закреплено педагогов", "количество педагогов",
               "число педагогов"), INTEGER, required=True, minimum=0),
    ),
    "Закрепление образовательных организаций за региональными методистами с числом педагогов.",
    {"methodist_code": "РМ-001", "organisation": 'МБОУ "Крутинская СОШ № 1"',
     "municipality": "Крутинский муниципальный район", "n_teachers": 30},
)  # fmt: skip

ROADMAP_REPORTS = Schema(
    "roadmap_reports",
    "Дорожная карта",
    (
        Field("item_no", "№ п/п", ("no", "n", "номер", "№", "п/п", "n п/п", "no п/п", "№ п п")),
        Field("activity", "Наименование мероприятия", ("мероприятие", "наименование", "содержание мероприятия")),
        Field("deadline", "Срок", ("срок исполнения", "сроки", "срок реализации")),
        Field("responsible", "Ответственный исполнитель", ("ответственный", "ответственные исполнители", "исполнитель")),
        Field("status", "Статус", ("статус исполнения", "отметка о выполнении", "исполнение", "выполнение"),
              required=True),
        Field("report_date", "Дата отчёта", ("дата отчета", "дата", "по состоянию на", "дата выполнения"), DATE),
        Field("evidence", "Подтверждающий документ", ("подтверждающие документы", "документ", "результат")),
        Field("quantity", "Фактическое значение", ("факт", "фактически", "количество"), NUMBER, minimum=0),
    ),
    "Отчёт об исполнении дорожной карты: мероприятия (наименование как в дорожной карте; номер — если "
    "наименование повторяется) и их статус (выполнено, выполнено частично, в работе, не начато, не выполнено).",
    {"item_no": "1", "activity": "Определение ответственного…", "deadline": "Апрель 2022 года",
     "responsible": "МООО", "status": "выполнено", "report_date": "29.04.2022",
     "evidence": "Приказ МООО от 07.04.2022 № 26"},
)  # fmt: skip

TARGETS = Schema(
    "targets",
    "Целевые значения",
    (
        Field("indicator", "Показатель", ("код показателя", "наименование показателя", "индикатор"), required=True),
        Field(MUNICIPALITY.key, MUNICIPALITY.title, MUNICIPALITY.synonyms),
        Field("year", "Год", ("отчетный год", "год достижения"), YEAR, required=True, minimum=2015, maximum=2035),
        Field("target", "Целевое значение", ("значение", "цель", "плановое значение"), NUMBER, required=True),
    ),
    "Официальные целевые значения показателей по годам (для региона или муниципалитета).",
    {"indicator": "diag_deficits_share", "municipality": "", "year": 2025, "target": 30},
)  # fmt: skip

ORGANISATIONS = Schema(
    "organisations",
    "Справочник ОО",
    (
        MUNICIPALITY,
        Field(ORGANISATION.key, ORGANISATION.title, ORGANISATION.synonyms, required=True),
        Field("org_kind", "Тип ОО", ("тип организации", "вид оо", "тип"),
              help="общеобразовательная, дошкольная, дополнительного образования, профессиональная или ДПО"),
        Field("external_code", "ИНН", ("код оо", "огрн", "инн оо")),
        Field("has_mentoring_model", "Целевая модель наставничества", ("наставничество",), FLAG),
        Field("is_low_results", "ШНОР", ("школа с низкими результатами", "низкие образовательные результаты"), FLAG),
        Field("is_internship_site", "Стажировочная площадка", ("стажировочная",), FLAG),
    ),
    "Справочник образовательных организаций по муниципалитетам.",
    {"municipality": "г. Омск", "organisation": 'БОУ г. Омска "Гимназия № 19"', "org_kind": "общеобразовательная",
     "has_mentoring_model": "да"},
)  # fmt: skip

DEFICIT_AGGREGATE = Schema(
    "deficit_aggregate",
    "Дефициты (сводно)",
    (
        MUNICIPALITY,
        Field("area", "Компетенция", ("область компетенций", "направление диагностики"), required=True),
        Field("n_assessed", "Прошли диагностику", ("продиагностировано", "число прошедших диагностику", "всего"),
              INTEGER, required=True, minimum=0),
        Field("n_with_deficit", "Выявлен дефицит", ("с дефицитом", "число педагогов с дефицитом",
              "выявлены дефициты"), INTEGER, required=True, minimum=0),
        Field("mean_score", "Средний балл", ("средний результат",), NUMBER, minimum=0, maximum=100),
        YEAR_FIELD,
    ),
    "Сводные результаты диагностики: по муниципалитету и компетенции — сколько продиагностировано и "
    "у скольких выявлен дефицит (когда персональных данных нет).",
    {"municipality": "г. Омск", "area": "цифровая", "n_assessed": 1200, "n_with_deficit": 370, "mean_score": 71.5},
)  # fmt: skip

TEACHER_ID = next(f for f in DIAGNOSTICS.fields if f.key == "teacher_id")
PERSON_FIELDS = tuple(
    f for f in DIAGNOSTICS.fields if f.key in ("position", "subject", "birth_year", "career_start_year")
)
OPTIONAL_MUNICIPALITY = Field(MUNICIPALITY.key, MUNICIPALITY.title, MUNICIPALITY.synonyms)

TEACHERS = Schema(
    "teachers",
    "Педагоги",
    (
        TEACHER_ID,
        MUNICIPALITY,
        Field(ORGANISATION.key, ORGANISATION.title, ORGANISATION.synonyms, required=True),
        *PERSON_FIELDS,
        Field("qualification", "Квалификационная категория", ("категория", "квалификация")),
        Field("staff", "Педагог или управленец", ("категория персонала", "категория работника")),
    ),
    "Псевдонимизированный список педагогов: код ЦНППМ, место работы, должность, год рождения и начала работы. "
    "ФИО, СНИЛС и контакты не загружаются.",
    {
        "teacher_id": "ОМ-000123",
        "municipality": "г. Омск",
        "organisation": 'БОУ г. Омска "Гимназия № 19"',
        "position": "учитель",
        "subject": "Математика",
        "birth_year": 1985,
        "career_start_year": 2008,
        "qualification": "высшая",
    },
)

IOM = Schema(
    "iom",
    "ИОМ",
    (
        TEACHER_ID,
        OPTIONAL_MUNICIPALITY,
        ORGANISATION,
        Field(
            "created_on",
            "Дата разработки ИОМ",
            ("дата разработки", "дата иом", "дата утверждения иом", "дата"),
            DATE,
            required=True,
        ),
        Field("iom_status", "Статус ИОМ", ("статус", "состояние")),
        Field(
            "based_on_diagnostics",
            "По результатам диагностики",
            ("на основе диагностики", "по итогам диагностики"),
            FLAG,
        ),
    ),
    "Индивидуальные образовательные маршруты: одна строка — ИОМ педагога (код педагога, дата разработки, статус).",
    {"teacher_id": "ОМ-000123", "created_on": "20.11.2024", "iom_status": "реализуется", "based_on_diagnostics": "да"},
)

PROGRAMMES = Schema(
    "programmes",
    "Программы ДПО",
    (
        Field(
            "provider",
            "Организация ДПО",
            ("провайдер", "организация", "исполнитель программы", "организация дпо"),
            required=True,
        ),
        Field("title", "Программа", ("наименование программы", "название программы", "программа дпо"), required=True),
        Field(
            "hours",
            "Объём, часов",
            ("часов", "объем часов", "количество часов", "объем"),
            INTEGER,
            minimum=1,
            maximum=2000,
        ),
        Field(
            "in_register",
            "В ФР ДППО",
            ("фр дппо", "включена в фр дппо", "федеральный реестр", "в федеральном реестре"),
            FLAG,
            required=True,
        ),
        Field("area", "Компетенция", ("область компетенций", "направление")),
        Field("for_management_teams", "Для управленческих команд", ("управленческие команды",), FLAG),
        YEAR_FIELD,
    ),
    "Программы ДПО организаций: включена ли программа в ФР ДППО, на какую компетенцию нацелена. С годом — считается "
    "доля программ в ФР ДППО по организации.",
    {
        "provider": "БОУ ДПО «ИРООО»",
        "title": "Цифровые инструменты в работе педагога",
        "hours": 36,
        "in_register": "да",
        "area": "цифровая",
        "year": 2024,
    },
)

COMPLETIONS = Schema(
    "course_completions",
    "Курсы ДПО",
    (
        TEACHER_ID,
        OPTIONAL_MUNICIPALITY,
        ORGANISATION,
        Field("provider", "Организация ДПО", ("провайдер", "организация дпо", "где обучался"), required=True),
        Field("title", "Программа", ("наименование программы", "название программы", "программа дпо"), required=True),
        Field(
            "completed_on",
            "Дата окончания",
            ("дата окончания обучения", "дата завершения", "окончил", "дата"),
            DATE,
            required=True,
        ),
        Field(
            "selected",
            "Подобрана по диагностике",
            ("подобрана с учетом диагностики", "по результатам диагностики", "в рамках иом"),
            FLAG,
        ),
        Field("in_register", "В ФР ДППО", ("фр дппо", "программа из фр дппо"), FLAG),
    ),
    "Освоение педагогами программ ДПО: одна строка — педагог × программа (дата окончания, подобрана ли по "
    "результатам диагностики, входит ли программа в ФР ДППО).",
    {
        "teacher_id": "ОМ-000123",
        "provider": "БОУ ДПО «ИРООО»",
        "title": "Цифровые инструменты в работе педагога",
        "completed_on": "15.05.2024",
        "selected": "да",
        "in_register": "да",
    },
)

SUPPORT = Schema(
    "support",
    "Поддержка молодых педагогов",
    (
        TEACHER_ID,
        OPTIONAL_MUNICIPALITY,
        ORGANISATION,
        *PERSON_FIELDS,
        Field(
            "form",
            "Форма поддержки",
            ("форма сопровождения", "форма", "вид поддержки", "наставничество"),
            required=True,
        ),
        Field("started_on", "Дата начала", ("дата включения", "дата", "начало"), DATE, required=True),
    ),
    "Участие молодых педагогов в формах поддержки и сопровождения (наставничество, школа молодого педагога и др.).",
    {
        "teacher_id": "ОМ-000987",
        "birth_year": 2000,
        "career_start_year": 2023,
        "form": "наставничество",
        "started_on": "01.09.2024",
    },
)

CASELOAD = Schema(
    "caseload",
    "Нагрузка методистов",
    (
        Field("methodist_code", "Код методиста", ("код", "методист", "код регионального методиста"), required=True),
        MUNICIPALITY,
        Field(
            "n_teachers",
            "Число педагогов",
            ("закреплено педагогов", "число закрепленных педагогов", "количество сопровождаемых педагогов"),
            INTEGER,
            required=True,
            minimum=0,
        ),
        Field("fte", "Ставка в МО", ("доля ставки в мо", "ставка"), NUMBER, minimum=0, maximum=2),
        YEAR_FIELD,
    ),
    "Сводно: сколько педагогов каждого муниципалитета сопровождает методист (когда нет закрепления по организациям).",
    {"methodist_code": "РМ-001", "municipality": "г. Омск", "n_teachers": 240, "fte": 1, "year": 2024},
)


def diagnostics_wide(areas: Sequence[str]) -> Schema:
    """The wide diagnostics layout: one column of scores per competency area (names from the reference)."""
    area_fields = tuple(
        Field(
            f"score:{name}",
            name,
            (f"{name} компетенция", f"{name[:-2]}ые компетенции", f"{name[:-2]}ые"),
            NUMBER,
            minimum=0,
            maximum=100,
        )
        for name in areas
    )
    keep = tuple(f for f in DIAGNOSTICS.fields if f.key not in ("area", "score", "level"))
    return Schema(
        "diagnostics_wide",
        "Диагностика (по столбцам)",
        (*keep, *area_fields),
        "Результаты диагностики в «широком» формате: строка — педагог, в столбцах — баллы по компетенциям.",
    )


ROADMAP_ITEMS = Schema(
    "roadmap_items",
    "Дорожная карта (мероприятия)",
    (
        Field("item_no", "№ п/п", ("no", "n", "номер", "№", "п/п", "n п/п", "no п/п"), required=True),
        Field(
            "activity",
            "Наименование мероприятия",
            ("мероприятие", "наименование", "содержание мероприятия"),
            required=True,
        ),
        Field("deadline", "Срок", ("срок исполнения", "сроки", "срок реализации"), required=True),
        Field(
            "responsible", "Ответственный исполнитель", ("ответственный", "ответственные исполнители", "исполнитель")
        ),
        Field(
            "expected_result", "Ожидаемый результат", ("результат", "планируемый результат", "показатель результата")
        ),
        Field("section", "Раздел", ("направление", "блок мероприятий")),
    ),
    "Мероприятия дорожной карты (новой или утверждённой заново): номер, наименование, срок как в документе "
    "(«Ноябрь 2025 года», «Ежеквартально», «В течение года»), ответственный, ожидаемый результат.",
    {
        "item_no": "1",
        "activity": "Проведение диагностики профессиональных дефицитов",
        "deadline": "Ноябрь 2025 года",
        "responsible": "ЦНППМ",
        "expected_result": "Аналитическая справка",
    },
)

MUNICIPALITIES = Schema(
    "municipalities",
    "Справочник МО",
    (
        MUNICIPALITY,
        Field("new_name", "Новое наименование", ("новое название", "переименовано в", "наименование с")),
        Field("kind", "Вид МО", ("вид муниципального образования", "тип мо")),
        Field("code", "Код ОКТМО", ("октмо", "код мо")),
        Field("valid_from", "Действует с", ("дата образования", "с даты"), DATE),
        Field("valid_to", "Действует по", ("дата упразднения", "по дату"), DATE),
    ),
    "Справочник муниципальных образований: новые единицы, переименования (например, муниципальный район стал "
    "муниципальным округом) и даты, с которых и по которые единица действует.",
    {
        "municipality": "г. Омск",
        "new_name": "",
        "kind": "городской округ",
        "code": "52701000",
        "valid_from": "01.01.2006",
    },
)

SCHEMAS = (INDICATORS, DIAGNOSTICS, METHODISTS, ASSIGNMENTS, ROADMAP_REPORTS, TARGETS, ORGANISATIONS,
           DEFICIT_AGGREGATE, TEACHERS, IOM, PROGRAMMES, COMPLETIONS, SUPPORT, CASELOAD, ROADMAP_ITEMS, MUNICIPALITIES)  # fmt: skip
BY_KIND = {schema.kind: schema for schema in SCHEMAS}
