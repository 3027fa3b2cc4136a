"""SQLModel tables of the core data model (design.md §4).

The schema is created by the Alembic migrations in ``migrations/``, never by ``create_all``
in production code. Conventions:

- periods are calendar years (``year`` columns); dates are kept where the source has them;
- every row that came in through an upload (or the demo generator) carries ``batch_id``, so a
  batch can be undone and person-level data erased by batch;
- person-level tables hold a keyed pseudonym (``educator.pseudo_key``), never names, СНИЛС or
  contacts. Regional methodists are named by the acts, so ``methodist.display_name`` exists but
  is a restricted column that only ЦНППМ/admin views may show.
"""

import datetime as dt

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, true
from sqlmodel import Field, SQLModel

from rsnms.access import Role

# Vocabularies stored as short codes; Russian labels live in rsnms.labels.
CATEGORIES = ("pedagogue", "manager")
POLARITIES = ("higher_is_better", "at_most_target", "binary_present")
WINDOWS = ("annual", "cumulative")
BATCH_STATES = ("committed", "undone")
ROLES = tuple(Role)
REPORT_STATUSES = ("done", "partial", "in_progress", "not_started", "not_done")
# Tables whose rows carry batch_id, children before parents (the order of deletion).
BATCH_TABLES = (
    "diagnostic_result", "iom", "course_completion", "support_participation", "methodist_assignment",
    "methodist_caseload", "deficit_aggregate", "management_team_training", "aggregate_count",
    "indicator_target", "roadmap_report", "roadmap_item", "roadmap", "dpo_programme", "methodist", "educator",
    "organisation", "municipality",
)  # fmt: skip
# Person-level facts about educators (152-ФЗ: erasable by batch), children of ``educator``.
PERSON_TABLES = ("diagnostic_result", "iom", "course_completion", "support_participation")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


# --- Operations -------------------------------------------------------------------------------


class UploadBatch(SQLModel, table=True):
    """One committed upload (or the demo load); every uploaded row points to its batch."""

    __tablename__ = "upload_batch"
    __table_args__ = (CheckConstraint(_in("state", BATCH_STATES), name="ck_upload_batch_state"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    file_name: str = Field(max_length=255)
    sha256: str = Field(max_length=64, index=True)
    user_login: str | None = Field(default=None, max_length=80)
    created_at: dt.datetime
    data_as_of: dt.date | None = None
    n_created: int = 0
    n_updated: int = 0
    n_unchanged: int = 0
    n_rejected: int = 0
    state: str = Field(default="committed", max_length=20)
    is_demo: bool = False
    year: int | None = None
    kinds: str = Field(default="", max_length=255)
    undone_at: dt.datetime | None = None
    erased_at: dt.datetime | None = None


class BatchChange(SQLModel, table=True):
    """The state a row had before a batch updated it, so that undoing the batch can restore it."""

    __tablename__ = "batch_change"
    __table_args__ = (Index("ix_batch_change_before", "before_batch_id"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="upload_batch.id", index=True)
    table_name: str = Field(max_length=40)
    row_id: int
    before: str  # JSON of the columns the batch overwrote, batch_id included
    before_batch_id: int | None = None


class AuditEvent(SQLModel, table=True):
    """Who did what and when: logins, uploads, undos, status entries, exports, user changes."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(index=True)
    user_login: str | None = Field(default=None, max_length=80)
    action: str = Field(max_length=40, index=True)
    detail: str = ""
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id")


class AppUser(SQLModel, table=True):
    """A person who logs in; the password is stored only as an argon2 hash."""

    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="ck_app_user_role"),)

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=80, unique=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)
    region_id: int | None = Field(default=None, foreign_key="region.id")
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id")
    is_active: bool = True
    failed_logins: int = 0
    locked_until: dt.datetime | None = None
    created_at: dt.datetime


# --- Reference --------------------------------------------------------------------------------


class Region(SQLModel, table=True):
    """A subject of the Russian Federation with its own РСНМС act."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=120)
    authority: str = Field(default="", max_length=255)
    act: str = ""
    sort_order: int = 0


class Municipality(SQLModel, table=True):
    """A municipal unit (городской округ, муниципальный район, …) of a region."""

    __table_args__ = (UniqueConstraint("region_id", "name", name="uq_municipality_region_name"),)

    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id", index=True)
    name: str = Field(max_length=160)
    short_name: str = Field(default="", max_length=80)
    code: str | None = Field(default=None, max_length=20)
    kind: str = Field(default="", max_length=60)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    sort_order: int = 0
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class Organisation(SQLModel, table=True):
    """An educational organisation, located in one municipality (design.md §9.8)."""

    __table_args__ = (UniqueConstraint("municipality_id", "name", name="uq_organisation_municipality_name"),)

    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    name: str = Field(max_length=255)
    kind: str = Field(default="", max_length=60)
    external_code: str | None = Field(default=None, max_length=40)
    is_low_results: bool = False
    has_mentoring_model: bool = False
    is_internship_site: bool = False
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class CompetencyArea(SQLModel, table=True):
    """An area of professional competency in which deficits are diagnosed."""

    __tablename__ = "competency_area"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=120)
    applies_to: str = Field(default="all", max_length=20)
    sort_order: int = 0
    is_active: bool = True


class DeficitLevel(SQLModel, table=True):
    """One band of the gap-free score scale: [min_score, max_score) maps to a level word.

    ``max_score`` is NULL for the open-ended top band.
    """

    __tablename__ = "deficit_level"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=80)
    min_score: float
    max_score: float | None = None
    is_deficit: bool
    sort_order: int = 0


# --- Catalogue --------------------------------------------------------------------------------


class Metric(SQLModel, table=True):
    """A countable quantity uploaded as an aggregate (teachers total, diagnosed, …)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=255)
    unit: str = Field(default="чел.", max_length=20)
    scope: str = Field(default="municipality", max_length=20)
    sort_order: int = 0


class Indicator(SQLModel, table=True):
    """A canonical effectiveness indicator: value = Σ numerator / Σ denominator × factor."""

    __table_args__ = (CheckConstraint(_in("polarity", POLARITIES), name="ck_indicator_polarity"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    name: str
    short_name: str = Field(default="", max_length=120)
    unit: str = Field(max_length=20)
    polarity: str = Field(max_length=20)
    numerator_metrics: str = Field(max_length=255)
    denominator_metrics: str = Field(default="", max_length=255)
    factor: float = 1.0
    scope: str = Field(default="municipality", max_length=20)
    sort_order: int = 0


class IndicatorRegion(SQLModel, table=True):
    """An indicator as one region's act words it, and how that region counts it."""

    __tablename__ = "indicator_region"
    __table_args__ = (
        UniqueConstraint("indicator_id", "region_id", name="uq_indicator_region"),
        CheckConstraint(_in("window_rule", WINDOWS), name="ck_indicator_region_window_rule"),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    region_id: int = Field(foreign_key="region.id", index=True)
    wording: str
    unit_in_source: str | None = Field(default=None, max_length=20)
    window_rule: str = Field(default="annual", max_length=20)
    window_start_year: int | None = None
    source_location: str = Field(default="", max_length=120)
    note: str = ""
    sort_order: int = 0


class IndicatorTarget(SQLModel, table=True):
    """An official target of an indicator for a region (or one municipality) and year."""

    __tablename__ = "indicator_target"
    __table_args__ = (Index("ix_indicator_target_lookup", "indicator_id", "region_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id")
    region_id: int = Field(foreign_key="region.id")
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id")
    year: int
    value: float
    source: str = Field(default="act", max_length=255)
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class Constant(SQLModel, table=True):
    """A named number of the model, such as methodist_norm = 250."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    value: float
    name: str = Field(default="", max_length=255)
    source: str = ""


class Scenario(SQLModel, table=True):
    """A named what-if: overrides of targets and constants that never touch official ones."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    description: str = ""
    author: str | None = Field(default=None, max_length=80)
    region_id: int | None = Field(default=None, foreign_key="region.id")
    created_at: dt.datetime
    updated_at: dt.datetime


class ScenarioTarget(SQLModel, table=True):
    """A scenario's target for an indicator, region or municipality, and year."""

    __tablename__ = "scenario_target"

    id: int | None = Field(default=None, primary_key=True)
    scenario_id: int = Field(foreign_key="scenario.id", index=True, ondelete="CASCADE")
    indicator_id: int = Field(foreign_key="indicator.id")
    region_id: int = Field(foreign_key="region.id")
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id")
    year: int
    value: float


class ScenarioConstant(SQLModel, table=True):
    """A scenario's value for a constant (for example another methodist norm)."""

    __tablename__ = "scenario_constant"
    __table_args__ = (UniqueConstraint("scenario_id", "code", name="uq_scenario_constant"),)

    id: int | None = Field(default=None, primary_key=True)
    scenario_id: int = Field(foreign_key="scenario.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=60)
    value: float


# --- Person-level (pseudonymised) -------------------------------------------------------------


class Educator(SQLModel, table=True):
    """A teacher or manager, known only by a keyed pseudonym of the ЦНППМ's own id."""

    __table_args__ = (
        UniqueConstraint("region_id", "pseudo_key", name="uq_educator_region_pseudo_key"),
        CheckConstraint(_in("category", CATEGORIES), name="ck_educator_category"),
        Index("ix_educator_roster", "organisation_id", "category"),  # the pedagogues of organisations, unread
    )

    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id")
    pseudo_key: str = Field(max_length=64)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    category: str = Field(max_length=20)
    position: str = Field(default="", max_length=80)
    subject: str = Field(default="", max_length=120)
    birth_year: int | None = None
    career_start_year: int | None = None
    qualification: str = Field(default="", max_length=40)
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class DiagnosticResult(SQLModel, table=True):
    """One educator's result in one competency area on one date; rows exist for every assessed area.

    ``organisation_id``/``municipality_id`` are where the educator worked when assessed, so heatmaps
    do not rewrite history when people move. ``level_code`` is the level the file named, if any;
    whether a result is a deficit is decided when counting, by the scale in force (``rsnms.deficits``).
    ``is_latest`` marks the educator's latest result in the area that year, the one the heatmap counts;
    it is derived, kept by every write of results (``rsnms.store.refresh_results``).
    """

    __tablename__ = "diagnostic_result"
    __table_args__ = (
        UniqueConstraint("educator_id", "area_id", "taken_on", name="uq_diagnostic_result"),
        # the heatmap reads the year's latest results of the region's municipalities from this index alone; the
        # indicators count a municipality's educators over a span of years from it
        Index(
            "ix_diagnostic_result_scope",
            "municipality_id",
            "year",
            "is_latest",
            "area_id",
            "organisation_id",
            "score",
            "level_code",
            "educator_id",
        ),  # fmt: skip
        # a later result of the same educator, area and year (refresh_results) and the years with results
        Index("ix_diagnostic_result_latest", "year", "educator_id", "area_id", "taken_on"),
        CheckConstraint("score IS NOT NULL OR level_code IS NOT NULL", name="ck_diagnostic_result_score_or_level"),
    )

    id: int | None = Field(default=None, primary_key=True)
    educator_id: int = Field(foreign_key="educator.id")  # found through uq_diagnostic_result's index
    area_id: int = Field(foreign_key="competency_area.id")
    taken_on: dt.date
    year: int
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    score: float | None = None
    level_code: str | None = Field(default=None, max_length=40)
    is_latest: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class DiagnosedEducator(SQLModel, table=True):
    """Derived: each municipality and year in which an educator has results (distinct ``diagnostic_result`` rows).

    Kept by ``rsnms.store.refresh_results`` with the latest-result flag; the indicators count educators diagnosed
    from it (a few rows per educator instead of eight or more results). Its rows go with their educator or
    municipality (an undo deletes those before the refresh runs).
    """

    __tablename__ = "diagnosed_educator"
    __table_args__ = (Index("ix_diagnosed_educator_scope", "municipality_id", "year", "educator_id"),)

    educator_id: int = Field(foreign_key="educator.id", primary_key=True, ondelete="CASCADE")
    year: int = Field(primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", primary_key=True, ondelete="CASCADE")


class Iom(SQLModel, table=True):
    """An individual educational route (ИОМ) built for an educator."""

    __table_args__ = (UniqueConstraint("educator_id", "created_on", name="uq_iom"),)

    id: int | None = Field(default=None, primary_key=True)
    educator_id: int = Field(foreign_key="educator.id", index=True)
    created_on: dt.date
    year: int = Field(index=True)
    status: str = Field(default="active", max_length=20)
    based_on_diagnostics: bool = True
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class DpoProgramme(SQLModel, table=True):
    """A programme of additional professional education (ДПО) run by a provider."""

    __tablename__ = "dpo_programme"
    __table_args__ = (UniqueConstraint("region_id", "provider", "title", name="uq_dpo_programme"),)

    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id")
    provider: str = Field(max_length=255)
    title: str = Field(max_length=500)
    hours: int | None = None
    in_federal_register: bool = False
    area_id: int | None = Field(default=None, foreign_key="competency_area.id")
    for_management_teams: bool = False
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class CourseCompletion(SQLModel, table=True):
    """An educator completed a ДПО programme (selected per diagnostics, or not)."""

    __tablename__ = "course_completion"
    __table_args__ = (UniqueConstraint("educator_id", "programme_id", "completed_on", name="uq_course_completion"),)

    id: int | None = Field(default=None, primary_key=True)
    educator_id: int = Field(foreign_key="educator.id", index=True)
    programme_id: int = Field(foreign_key="dpo_programme.id", index=True)
    completed_on: dt.date
    year: int = Field(index=True)
    selected_per_diagnostics: bool = False
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class SupportParticipation(SQLModel, table=True):
    """An educator took part in a form of support (mentoring, young-teacher school, …)."""

    __tablename__ = "support_participation"
    __table_args__ = (UniqueConstraint("educator_id", "form", "started_on", name="uq_support_participation"),)

    id: int | None = Field(default=None, primary_key=True)
    educator_id: int = Field(foreign_key="educator.id", index=True)
    form: str = Field(max_length=80)
    started_on: dt.date
    year: int = Field(index=True)
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class ManagementTeamTraining(SQLModel, table=True):
    """An organisation's management team in a training programme in a year (no personal data)."""

    __tablename__ = "management_team_training"
    __table_args__ = (UniqueConstraint("organisation_id", "year", name="uq_management_team_training"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    year: int
    participated: bool = True
    completed: bool = False
    topic_quality_management: bool = False
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class Methodist(SQLModel, table=True):
    """A regional methodist, shown by code; the name is a restricted column."""

    __table_args__ = (UniqueConstraint("region_id", "code", name="uq_methodist_region_code"),)

    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id")
    code: str = Field(max_length=40)
    display_name: str | None = Field(default=None, max_length=255)
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", index=True)
    specialisation: str = Field(default="", max_length=120)
    fte: float = 1.0
    is_active: bool = True
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class MethodistAssignment(SQLModel, table=True):
    """A methodist is assigned an educator, or an organisation with a number of its teachers."""

    __tablename__ = "methodist_assignment"
    __table_args__ = (
        CheckConstraint("(educator_id IS NULL) <> (organisation_id IS NULL)", name="ck_methodist_assignment_target"),
        Index("ix_methodist_assignment_year", "year", "methodist_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    methodist_id: int = Field(foreign_key="methodist.id")
    year: int
    educator_id: int | None = Field(default=None, foreign_key="educator.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    n_teachers: int | None = None
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


# --- Aggregates -------------------------------------------------------------------------------


class AggregateCount(SQLModel, table=True):
    """A count of a metric for a region, municipality or organisation (provider) in a year.

    ``municipality_id`` and ``organisation_id`` both NULL means the region as a whole.
    """

    __tablename__ = "aggregate_count"
    __table_args__ = (Index("ix_aggregate_count_lookup", "region_id", "year", "metric"),)

    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id")
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    year: int
    metric: str = Field(foreign_key="metric.code", max_length=60)
    value: float
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class DeficitAggregate(SQLModel, table=True):
    """Deficit counts for a municipality (or organisation) and area when there are no person-level rows."""

    __tablename__ = "deficit_aggregate"
    __table_args__ = (
        CheckConstraint("n_with_deficit <= n_assessed", name="ck_deficit_aggregate_counts"),
        CheckConstraint("n_with_deficit >= 0", name="ck_deficit_aggregate_nonnegative"),
        Index("ix_deficit_aggregate_scope", "region_id", "year", "municipality_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id")
    year: int
    municipality_id: int = Field(foreign_key="municipality.id")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    area_id: int = Field(foreign_key="competency_area.id")
    category: str | None = Field(default=None, max_length=20)
    n_assessed: int
    n_with_deficit: int
    mean_score: float | None = None
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class MethodistCaseload(SQLModel, table=True):
    """How many teachers a methodist serves in a municipality in a year (counts instead of links)."""

    __tablename__ = "methodist_caseload"
    __table_args__ = (UniqueConstraint("methodist_id", "year", "municipality_id", name="uq_methodist_caseload"),)

    id: int | None = Field(default=None, primary_key=True)
    methodist_id: int = Field(foreign_key="methodist.id", index=True)
    year: int
    municipality_id: int = Field(foreign_key="municipality.id")
    n_teachers: int
    fte: float | None = None
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


# --- Roadmap ----------------------------------------------------------------------------------


class Roadmap(SQLModel, table=True):
    """A комплекс мер (дорожная карта) or plan approved by a region's act."""

    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id", index=True)
    code: str = Field(max_length=20, unique=True)
    title: str
    act: str = ""
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class RoadmapItem(SQLModel, table=True):
    """One measure of a roadmap, with its deadline verbatim and parsed."""

    __tablename__ = "roadmap_item"

    id: int | None = Field(default=None, primary_key=True)
    roadmap_id: int = Field(foreign_key="roadmap.id", index=True)
    code: str = Field(max_length=20, unique=True)
    section: str = ""
    item_no: str = Field(default="", max_length=20)
    activity: str
    responsible: str = ""
    responsible_position: str = ""
    deadline_raw: str = ""
    deadline_type: str = Field(default="", max_length=40)
    due_date: dt.date | None = None
    due_dates: str = ""
    recurrence: str = Field(default="none", max_length=40)
    expected_result: str = ""
    quantitative_target: str = ""
    target_audience: str = ""
    indicator_codes: str = ""
    sort_order: int = 0
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)


class RoadmapReport(SQLModel, table=True):
    """A status report on a roadmap item as of a date."""

    __tablename__ = "roadmap_report"
    __table_args__ = (
        UniqueConstraint("item_id", "as_of", name="uq_roadmap_report"),
        CheckConstraint(_in("status", REPORT_STATUSES), name="ck_roadmap_report_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="roadmap_item.id", index=True)
    as_of: dt.date
    status: str = Field(max_length=40)
    actual_quantity: float | None = None
    evidence: str = ""
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id", index=True)
