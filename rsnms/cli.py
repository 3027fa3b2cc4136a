"""The command line: ``python -m rsnms COMMAND`` (design.md §10), the same functions as the pages.

Each command is a function taking the parsed arguments and the engine and returning an exit code;
``COMMANDS`` registers it with its argument parser. Tables go to stdout in the chosen
``--format`` (table for people; csv/json for scripts: UTF-8, stable column names, numbers with a dot).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import pandas as pd
from sqlalchemy import Engine

from rsnms import (
    actions,
    auth,
    db,
    deficits,
    demo,
    export,
    methodists,
    monitoring,
    overview,
    queries,
    recommendations,
    report,
    roadmap,
    scenario_store,
    scenarios,
)
from rsnms.access import ROLE_NAMES, Actor, Role
from rsnms.config import REGION_CODES, load_settings
from rsnms.errors import RsnmsError
from rsnms.ingest import pipeline
from rsnms.reference import load_reference, reference_counts

FORMATS = ("table", "csv", "json")
Command = Callable[[argparse.Namespace, Engine], int]


def emit(frame: pd.DataFrame, fmt: str, out: TextIO) -> None:
    """Write a frame as an aligned table, CSV or JSON records."""
    if fmt == "csv":
        export.escape_formulas(frame).to_csv(out, index=False, lineterminator="\n")
    elif fmt == "json":
        out.write(frame.to_json(orient="records", force_ascii=False, date_format="iso", indent=1) + "\n")
    else:
        out.write(frame.to_string(index=False) + "\n")


def _counts_frame(counts: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame({"table": list(counts), "rows": list(counts.values())})


def run_init(args: argparse.Namespace, engine: Engine) -> int:
    """Migrate the schema and load the reference data (idempotent)."""
    db.migrate(engine)
    load_reference(engine)
    emit(_counts_frame(reference_counts(engine)), args.format, sys.stdout)
    return 0


def run_demo(args: argparse.Namespace, engine: Engine) -> int:
    """Load the demo region (migrating and loading reference data first)."""
    db.migrate(engine)
    load_reference(engine)
    if auth.add_demo_users(engine, now=dt.datetime.now(dt.UTC)):
        logins = ", ".join(f"{login} / {password}" for login, (_, password, _) in auth.DEMO_USERS.items())
        sys.stderr.write(f"Демонстрационные учётные записи (только при RSNMS_AUTH=off): {logins}\n")
    if args.if_empty and queries.data_years(engine, region=demo.DEMO_REGION):
        sys.stderr.write("Данные уже загружены: демонстрационный регион не перезаписан.\n")
        return 0
    summary = demo.load_demo(engine, seed=args.seed, pseudonym_key=load_settings().pseudonym_key)
    emit(_counts_frame(summary.counts), args.format, sys.stdout)
    return 0


def run_overview(args: argparse.Namespace, engine: Engine) -> int:
    """Print the headline figures of the «Обзор» page."""
    year = args.year or next(iter(queries.data_years(engine, region=args.region)), None)
    if year is None:
        hint = "загрузите их или выполните `python -m rsnms demo`"
        raise RsnmsError(f"По региону {args.region} нет данных: {hint}.")
    figures = overview.headline(engine, region=args.region, year=year, today=dt.date.today())
    emit(pd.DataFrame([dataclasses.asdict(figures)]), args.format, sys.stdout)
    return 0


def run_import(args: argparse.Namespace, engine: Engine) -> int:
    """Check a workbook, print the preview report, and commit it unless --dry-run or rejected."""
    settings = load_settings()
    path = Path(args.file)
    if not path.is_file():
        raise RsnmsError(f"Файл не найден: {path}")
    preview = pipeline.prepare(
        engine,
        path.read_bytes(),
        file_name=path.name,
        max_mb=settings.max_upload_mb,
        pseudonym_key=settings.pseudonym_key,
        region=args.region,
        year=args.year,
    )
    out = sys.stdout
    out.write(f"Файл: {preview.file_name}\n")
    for sheet in preview.sheets:
        out.write(f"Лист «{sheet.name}»: {sheet.title}, заголовок в строке {sheet.header_row}, строк: {sheet.rows}\n")
    out.write(f"Регион: {preview.region or 'не определён'} ({preview.region_source or 'укажите --region'})\n")
    out.write(f"Год: {preview.year or 'не определён'} ({preview.year_source or 'укажите --year'})\n")
    for column in preview.dropped_columns:
        out.write(f"Персональные данные не загружаются, столбец пропущен: {column}\n")
    if preview.changes:
        emit(preview.counts(), args.format, out)
    if preview.problems:
        emit(preview.problems_frame(), args.format, out)
    if preview.errors:
        out.write(f"Отклонено: ошибок {len(preview.errors)}; база данных не изменена.\n")
        return 1
    if not preview.has_changes:
        out.write("Изменений нет: все строки уже загружены.\n")
        return 0
    if args.dry_run:
        out.write("Проверка пройдена (--dry-run): ничего не записано.\n")
        return 0
    committed = actions.commit_upload(engine, preview, actor=Actor(args.user, Role.ADMIN), now=dt.datetime.now(dt.UTC))
    out.write(
        f"Загружено: загрузка № {committed.batch_id}; новых {committed.created}, "
        f"изменено {committed.updated}, без изменений {committed.unchanged}.\n"
    )
    return 0


def _checked_municipality(args: argparse.Namespace, engine: Engine) -> str | None:
    """The --municipality given, refused in Russian when the region has no such unit."""
    if args.municipality is not None and args.municipality not in set(
        queries.municipalities(engine, region=args.region)["name"]
    ):
        raise RsnmsError(f"Муниципальное образование «{args.municipality}» не найдено в регионе {args.region}.")
    return str(args.municipality) if args.municipality is not None else None


def run_indicators(args: argparse.Namespace, engine: Engine) -> int:
    """Print the indicators of a region and year (by municipality when asked), as the «Показатели» page."""
    municipality = _checked_municipality(args, engine)
    by_municipality = args.by == "municipality"
    scenario = _checked_scenario(args, engine)
    if scenario is None:
        frame = monitoring.table(
            engine, region=args.region, year=args.year, by_municipality=by_municipality, municipality=municipality
        )
    else:
        frame = scenario_store.table(
            engine, scenario, year=args.year, by_municipality=by_municipality, municipality=municipality
        )
    emit(frame, args.format, sys.stdout)
    return 0


def run_deficits(args: argparse.Namespace, engine: Engine) -> int:
    """Print the deficit cells of a region and year, by municipality or organisation (or every region's)."""
    if args.by == "region":
        if args.municipality is not None:
            raise RsnmsError("--municipality не сочетается с --by region: сводка по регионам охватывает всю страну.")
        emit(deficits.regions_table(engine, year=args.year), args.format, sys.stdout)
        return 0
    municipality = _checked_municipality(args, engine)
    by_organisation = args.by == "organisation"
    frame = deficits.table(
        engine, region=args.region, year=args.year, by_organisation=by_organisation, municipality=municipality
    )
    emit(frame, args.format, sys.stdout)
    return 0


def run_methodists(args: argparse.Namespace, engine: Engine) -> int:
    """Print the methodist load by municipality, or every region's (the official norm unless --norm or --scenario)."""
    if args.norm is not None and args.norm <= 0:
        raise RsnmsError("Норма нагрузки (--norm) должна быть больше нуля.")
    scenario = _checked_scenario(args, engine)
    norm = args.norm if scenario is None else scenario.constant(NORM, queries.constant(engine, code=NORM))
    if args.by == "region":
        if scenario is not None:
            raise RsnmsError("--scenario не сочетается с --by region: сценарий относится к одному региону.")
        frame = methodists.regions_table(engine, year=args.year, norm=norm)
    else:
        frame = methodists.table(engine, region=args.region, year=args.year, norm=norm)
    emit(frame, args.format, sys.stdout)
    return 0


NORM = methodists.NORM_CODE


def _checked_scenario(args: argparse.Namespace, engine: Engine) -> scenarios.Scenario | None:
    """The --scenario given, refused in Russian when it belongs to another region than --region."""
    if args.scenario is None:
        return None
    scenario = scenario_store.load(engine, scenario_id=args.scenario)
    if scenario.region != args.region:
        raise RsnmsError(
            f"Сценарий № {scenario.id} составлен для региона {scenario.region}: укажите --region {scenario.region}."
        )
    return scenario


def run_scenario(args: argparse.Namespace, engine: Engine) -> int:
    """Scenarios: list those of a region, show one's overrides, export one with its comparison to XLSX."""
    if args.action == "list":
        emit(scenario_store.listing(engine, region=args.region), args.format, sys.stdout)
        return 0
    if args.id is None:
        raise RsnmsError("Укажите номер сценария (его показывает `python -m rsnms scenario list`).")
    scenario = scenario_store.load(engine, scenario_id=args.id)
    places = queries.municipalities(engine, region=scenario.region)
    if args.action == "show":
        emit(scenarios.overrides(scenario, municipalities=places), args.format, sys.stdout)
        return 0
    if args.output is None:
        raise RsnmsError("Укажите файл для выгрузки: -o сценарий.xlsx.")
    year = args.year or next(iter(queries.data_years(engine, region=scenario.region)), None)
    if year is None:
        raise RsnmsError(f"По региону {scenario.region} нет данных: сравнивать сценарий не с чем.")
    regions = queries.regions(engine).set_index("code")["name"]
    content = scenarios.to_xlsx(
        scenario,
        scenario_store.analyse_store(engine, scenario, year=year),
        catalogue=queries.indicator_catalogue(engine, region=scenario.region),
        municipalities=places,
        region_name=str(regions[scenario.region]),
        year=year,
    )
    Path(args.output).write_bytes(content)
    sys.stdout.write(f"Сценарий № {scenario.id} и сравнение за {year} год выгружены: {args.output}\n")
    return 0


SCRIPT = Actor(None, Role.ADMIN)  # the command line runs on the server, with the store's own rights


def _password(args: argparse.Namespace) -> str:
    """The new password: a line of stdin with --password-stdin, else asked twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first, second = getpass.getpass("Пароль: "), getpass.getpass("Пароль ещё раз: ")
    if first != second:
        raise RsnmsError("Пароли не совпадают.")
    return first


def run_user(args: argparse.Namespace, engine: Engine) -> int:
    """Manage users: add, set-password, disable, enable, list."""
    now = dt.datetime.now(dt.UTC)
    if args.action == "list":
        emit(auth.users(engine), args.format, sys.stdout)
        return 0
    if args.login is None:
        raise RsnmsError("Укажите логин пользователя.")
    if args.action == "add":
        if args.role is None:
            raise RsnmsError("Укажите роль: --role admin|cnppm|ministry|analyst|municipal.")
        role = Role(args.role)
        auth.add_user(
            engine, login=args.login, password=_password(args), role=role, region=args.region,
            municipality=args.municipality, actor=SCRIPT, now=now,
        )  # fmt: skip
        sys.stdout.write(f"Пользователь «{args.login}» создан ({ROLE_NAMES[role]}).\n")
    elif args.action == "set-password":
        auth.set_password(engine, login=args.login, password=_password(args), actor=SCRIPT, now=now)
        sys.stdout.write(f"Пароль пользователя «{args.login}» изменён.\n")
    else:
        auth.set_active(engine, login=args.login, active=args.action == "enable", actor=SCRIPT, now=now)
        sys.stdout.write(f"Пользователь «{args.login}» {'включён' if args.action == 'enable' else 'отключён'}.\n")
    return 0


def run_roadmap(args: argparse.Namespace, engine: Engine) -> int:
    """Print every roadmap item of the region with its status as of a date (today by default)."""
    items = queries.roadmap_items(engine, region=args.region)
    judged = roadmap.statuses(items, queries.roadmap_reports(engine, region=args.region), as_of=args.as_of)
    emit(roadmap.cli_table(judged), args.format, sys.stdout)
    return 0


def run_report(args: argparse.Namespace, engine: Engine) -> int:
    """Write the аналитическая справка of a region and year: DOCX or PDF by the extension of -o."""
    municipality = _checked_municipality(args, engine)
    places = queries.municipalities(engine, region=args.region)
    scope = None if municipality is None else int(places.loc[places["name"] == municipality, "id"].iloc[0])
    rules = recommendations.load_rules(args.rules) if args.rules else recommendations.load_rules()
    today = dt.date.today()
    hidden = load_settings().suppress_below if args.hide_small else None
    figures = report.gather(
        engine, region=args.region, year=args.year, today=today, municipality_id=scope, suppress_below=hidden
    )
    built = report.build(figures, rules=rules, today=today, sections=args.sections or tuple(report.SECTIONS))
    content = report.to_pdf(built) if args.output.suffix.lower() == ".pdf" else report.to_docx(built)
    try:
        args.output.write_bytes(content)
    except OSError as error:
        raise RsnmsError(f"Не удалось записать файл {args.output}: {error.strerror}.") from error
    sys.stdout.write(
        f"Аналитическая справка за {args.year} год записана: {args.output} "
        f"(рекомендаций: {len(built.recommendations)}).\n"
    )
    return 0


def _report_file(text: str) -> Path:
    """The -o of ``report``: a .docx or .pdf file (the format follows the extension)."""
    if Path(text).suffix.lower() not in (".docx", ".pdf"):
        raise argparse.ArgumentTypeError(f"файл справки — .docx или .pdf, получено «{text}»")
    return Path(text)


def _date_argument(text: str) -> dt.date:
    """«2024-12-31» or «31.12.2024»."""
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"дата в виде ГГГГ-ММ-ДД или ДД.ММ.ГГГГ, получено «{text}»")


def _add_region(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", choices=REGION_CODES, default=load_settings().region)


def _add_scope(parser: argparse.ArgumentParser, *, by: tuple[str, ...]) -> None:
    """--region, --year, --by (the first choice is the default) and --municipality."""
    _add_region(parser)
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--by", choices=by, default=by[0])
    parser.add_argument("--municipality", help="одно муниципальное образование (название как в справочнике)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered command."""
    parser = argparse.ArgumentParser(prog="python -m rsnms", description="РСНМС-Монитор: командная строка")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--format", choices=FORMATS, default="table", help="формат вывода")
    commands = parser.add_subparsers(dest="command", required=True)

    init_help = "создать схему БД и загрузить справочные данные"
    init = commands.add_parser("init", parents=[common], help=init_help)
    init.set_defaults(handler=run_init)

    demo_help = "загрузить демонстрационный регион (Омская область)"
    demo_parser = commands.add_parser("demo", parents=[common], help=demo_help)
    demo_parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
    demo_parser.add_argument("--if-empty", action="store_true", help="только если по региону нет данных")
    demo_parser.set_defaults(handler=run_demo)

    summary = commands.add_parser("overview", parents=[common], help="показатели страницы «Обзор»")
    _add_region(summary)
    summary.add_argument("--year", type=int)
    summary.set_defaults(handler=run_overview)

    scorecard = commands.add_parser("indicators", parents=[common], help="показатели эффективности за год")
    _add_scope(scorecard, by=("region", "municipality"))
    scorecard.add_argument("--scenario", type=int, help="номер сценария: его цели вместо официальных")
    scorecard.set_defaults(handler=run_indicators)

    gaps = commands.add_parser("deficits", parents=[common], help="профессиональные дефициты по компетенциям")
    _add_scope(gaps, by=("municipality", "organisation", "region"))
    gaps.set_defaults(handler=run_deficits)

    load = commands.add_parser("methodists", parents=[common], help="нагрузка региональных методистов")
    _add_region(load)
    load.add_argument("--year", type=int, required=True)
    load.add_argument("--by", choices=("municipality", "region"), default="municipality")
    norms = load.add_mutually_exclusive_group()
    norms.add_argument("--norm", type=float, help="педагогов на 1 методиста (по умолчанию — норма из справочника)")
    norms.add_argument("--scenario", type=int, help="номер сценария: его норма вместо официальной")
    load.set_defaults(handler=run_methodists)

    what_if = commands.add_parser("scenario", parents=[common], help="сценарии «что если»: список, состав, выгрузка")
    what_if.add_argument("action", choices=("list", "show", "export"))
    what_if.add_argument("id", type=int, nargs="?", help="номер сценария (для show и export)")
    _add_region(what_if)
    what_if.add_argument("--year", type=int, help="год сравнения для export (по умолчанию — последний с данными)")
    what_if.add_argument("-o", "--output", help="файл XLSX для export")
    what_if.set_defaults(handler=run_scenario)

    plan = commands.add_parser("roadmap", parents=[common], help="статусы мероприятий дорожной карты")
    _add_region(plan)
    plan.add_argument("--as-of", type=_date_argument, default=dt.date.today(), help="по состоянию на дату")
    plan.set_defaults(handler=run_roadmap)

    paper = commands.add_parser("report", help="аналитическая справка за год (DOCX или PDF по расширению файла)")
    _add_region(paper)
    paper.add_argument("--year", type=int, required=True)
    paper.add_argument("--municipality", help="справка по одному муниципальному образованию (как в справочнике)")
    paper.add_argument("--sections", nargs="+", choices=list(report.SECTIONS), help="разделы (по умолчанию — все)")
    paper.add_argument("--rules", type=Path, help="файл правил рекомендаций (по умолчанию — из data/reference)")
    paper.add_argument("--hide-small", action="store_true", help="скрыть малые группы, как в справке для министерства")
    paper.add_argument("-o", "--output", type=_report_file, required=True, help="файл .docx или .pdf")
    paper.set_defaults(handler=run_report)

    people = commands.add_parser("user", parents=[common], help="пользователи: добавить, пароль, отключить, список")
    people.add_argument("action", choices=("add", "set-password", "disable", "enable", "list"))
    people.add_argument("login", nargs="?")
    people.add_argument("--role", choices=[role.value for role in Role])
    people.add_argument("--region", choices=REGION_CODES, help="регион пользователя (для роли municipal)")
    people.add_argument("--municipality", help="муниципальное образование (для роли municipal)")
    people.add_argument("--password-stdin", action="store_true", help="прочитать пароль из первой строки stdin")
    people.set_defaults(handler=run_user)

    upload = commands.add_parser("import", parents=[common], help="загрузить книгу Excel (как страница «Загрузка»)")
    upload.add_argument("file")
    upload.add_argument("--region", choices=REGION_CODES, help="регион (по умолчанию — по названиям муниципалитетов)")
    upload.add_argument("--year", type=int, help="отчётный год (по умолчанию — из заголовков и имени файла)")
    upload.add_argument("--dry-run", action="store_true", help="только проверить, ничего не записывать")
    upload.add_argument("--user", default=None, help="кто загружает (для журнала)")
    upload.set_defaults(handler=run_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit code 0 on success, 1 on a user-facing error, 2 on wrong usage."""
    args = build_parser().parse_args(argv)
    settings = load_settings()
    engine = db.get_engine(settings.database_url, echo=settings.echo_sql)
    handler: Command = args.handler
    try:
        return handler(args, engine)
    except RsnmsError as error:
        sys.stderr.write(f"Ошибка: {error}\n")
        return 1
    except BrokenPipeError:  # the reader (`| head`) closed the pipe: stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
