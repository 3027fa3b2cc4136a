"""Generating the demo region: pure, seeded, keyed by natural keys (never database ids)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd
import yaml

from rsnms.config import REFERENCE_DIR
from rsnms.demo.data import (
    ACADEMY,
    BASE_SCORE,
    COLUMNS,
    DATA_AS_OF,
    DEFAULT_SEED,
    DEMO_AS_OF,
    DEMO_REGION,
    DIAG_SHARE,
    DIRECTIONS,
    GRADES,
    NO_METHODIST,
    NORTH,
    OMSK,
    OMSK_EXTRA,
    POSITIONS,
    PROVIDER,
    ROADMAP_REPORTS,
    SERVED_KINDS,
    SHIFTS,
    SIZES,
    SPECIALISATIONS,
    SUBJECTS,
    SUBURB,
    SUPPORT_FORMS,
    TARGETS,
    TOPICS,
    UNIVERSITY,
    VILLAGES,
    YEARS,
    Row,
    Rows,
)


@dataclass(frozen=True)
class DemoData:
    """The generated demo region: frames keyed by natural keys, never database ids (columns: COLUMNS)."""

    organisations: pd.DataFrame
    educators: pd.DataFrame
    diagnostics: pd.DataFrame
    ioms: pd.DataFrame
    dpo_programmes: pd.DataFrame
    course_completions: pd.DataFrame
    support: pd.DataFrame
    management_training: pd.DataFrame
    methodists: pd.DataFrame
    assignments: pd.DataFrame
    aggregates: pd.DataFrame
    targets: pd.DataFrame
    roadmap_reports: pd.DataFrame


@dataclass(frozen=True)
class _Reference:
    municipalities: list[str]  # names in reference order
    areas: list[tuple[str, str]]  # (code, applies_to)
    levels: list[tuple[str, float, bool]]  # (code, min_score, is_deficit), ascending


def _read_reference() -> _Reference:
    with (REFERENCE_DIR / "municipalities.csv").open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["region_code"] == DEMO_REGION]
    with (REFERENCE_DIR / "catalogue.yaml").open(encoding="utf-8") as handle:
        catalogue = yaml.safe_load(handle)
    levels = [(lv["code"], float(lv["min_score"]), bool(lv["is_deficit"])) for lv in catalogue["deficit_levels"]]
    return _Reference(
        [row["name"] for row in sorted(rows, key=lambda row: int(row["sort_order"]))],
        [(area["code"], area["applies_to"]) for area in catalogue["competency_areas"]],
        sorted(levels, key=lambda level: level[1]),
    )


def _pick(rng: random.Random, table: str) -> str:
    options = [option.rsplit(":", 1) for option in table.split(";")]
    return rng.choices([value for value, _ in options], weights=[int(weight) for _, weight in options])[0]


def _day(rng: random.Random, year: int, first: str, last: str) -> dt.date:
    start = dt.date.fromisoformat(f"{year}-{first}")
    return start + dt.timedelta(days=rng.randint(0, (dt.date.fromisoformat(f"{year}-{last}") - start).days))


def _org(rng: random.Random, muni: str, name: str, kind: str, zams: int) -> Row:
    since = rng.choice((2021, 2022, 2022, 2023, 2023, 2024)) if rng.random() < 0.72 else None
    low = kind == "general_school" and rng.random() < (0.2 if muni in NORTH else 0.08)
    flags = {"has_mentoring_model": since is not None, "is_low_results": low, "is_internship_site": False}
    return {"municipality": muni, "name": name, "kind": kind, **flags, "since": since, "zams": zams}


def _omsk_organisations(rng: random.Random, size: int) -> Rows:
    numbers, rows = sorted(rng.sample(range(1, 166), round(size / 52))), []
    for i, no in enumerate(numbers):
        kind = "Гимназия" if i % 11 == 3 else "Лицей" if i % 13 == 5 else "ООШ" if i % 40 == 7 else "СОШ"
        rows.append(_org(rng, OMSK, f'БОУ г. Омска "{kind} № {no}"', "general_school", 2))
        rows[-1]["is_internship_site"] = kind in ("Гимназия", "Лицей") and rng.random() < 0.5
    for no in sorted(rng.sample(range(1, 400), round(len(numbers) * 0.7))):
        rows.append(_org(rng, OMSK, f'БДОУ г. Омска "Детский сад № {no}"', "preschool", 0))
    for kind, pattern, names in OMSK_EXTRA:
        rows += [_org(rng, OMSK, pattern.format(name), kind, 1) for name in names.split(";")]
    return rows


def _district_organisations(rng: random.Random, muni: str, size: int) -> Rows:
    n_orgs, centre = round(size / 17), muni.split()[0]  # «Крутинский» → «Крутинская СОШ № 1»
    villages, school = rng.sample(VILLAGES, n_orgs), "general_school"
    centre_f = centre[:-2] + "ая"
    rows = [_org(rng, muni, f'МБОУ "{centre_f} СОШ № {no}"', school, 1) for no in range(1, 2 + size // 500)]
    rows[0]["is_internship_site"] = rng.random() < 0.3
    if size > 550:
        rows.append(_org(rng, muni, f'МБОУ "{centre_f} гимназия"', school, 1))
    for village in villages[: round(n_orgs * 0.55) - len(rows)]:
        kind, prefix = rng.choice(("СОШ", "ООШ")), "МКОУ" if rng.random() < 0.2 else "МБОУ"
        rows.append(_org(rng, muni, f'{prefix} "{village}ская {kind}"', school, int(kind == "СОШ")))
    for village in villages[len(rows) : n_orgs - 1]:
        rows.append(_org(rng, muni, f'МБДОУ "{village}ский детский сад"', "preschool", 0))
    rows.append(_org(rng, muni, f'МБУ ДО "{centre} дом детского творчества"', "additional_ed", 0))
    if size > 550:
        rows.append(_org(rng, muni, f'БПОУ ОО "{centre} агротехнический техникум"', "spo", 1))
    return rows


def _person(rng: random.Random, org: Row, category: str, position: str) -> Row:
    """An educator of ``org``; rural staff are older, one in eight is under 31."""
    oldest = 63 if org["municipality"] == OMSK else 66
    age = rng.randint(22, 30) if rng.random() < 0.13 else rng.randint(30, oldest)
    birth = 2024 - age - (rng.random() < 0.5)
    start = min(2024, birth + 22 + rng.randint(0, age - 22) if age < 31 else birth + rng.randint(21, 30))
    subject = ""
    teaches = category == "manager" and org["kind"] == "general_school" and rng.random() < 0.4
    if position == "учитель" or teaches:
        subject = _pick(rng, SUBJECTS)
    elif position == "педагог дополнительного образования":
        subject = rng.choice(DIRECTIONS)
    qualification = "без категории" if 2024 - start < 3 else _pick(rng, GRADES)
    where = {"organisation": org["name"], "municipality": org["municipality"], "category": category}
    return {
        "local_id": "",
        **where,
        "position": position,
        "subject": subject,
        "birth_year": birth,
        "career_start_year": start,
        "qualification": qualification,
    }


def _educators(rng: random.Random, orgs: Rows, sizes: dict[str, int]) -> Rows:
    people: Rows = []
    weight = {"general_school": 3.0, "preschool": 1.1, "additional_ed": 1.6, "spo": 2.6}
    for muni, size in sizes.items():
        local, staff = [org for org in orgs if org["municipality"] == muni], []
        for org in local:
            head = "заведующий" if org["kind"] == "preschool" else "директор"
            staff.append(_person(rng, org, "manager", head))
            staff += [_person(rng, org, "manager", "заместитель директора") for _ in range(org["zams"])]
            staff += [_person(rng, org, "pedagogue", _pick(rng, POSITIONS[org["kind"]])) for _ in range(2)]
        weights = [weight[org["kind"]] for org in local]
        for org in rng.choices(local, weights=weights, k=max(0, size - len(staff))):
            staff.append(_person(rng, org, "pedagogue", _pick(rng, POSITIONS[org["kind"]])))
        people += staff
    for number, person in enumerate(people, start=1):
        person["local_id"] = f"ОМ-{number:06d}"
    return people


def _spread(rng: random.Random, ref: _Reference, low: float, high: float) -> dict[str, float]:
    """A factor per municipality; г. Омск, a third of the region, gets the middle so totals stay stable."""
    return {muni: (low + high) / 2 if muni == OMSK else rng.uniform(low, high) for muni in ref.municipalities}


def _offsets(rng: random.Random, ref: _Reference) -> dict[str, dict[str, float]]:
    """Score shifts per municipality and area: the north lags in digital and normative, the city leads."""
    result = {}
    for muni in ref.municipalities:
        shifts = next((shifts for group, shifts in SHIFTS.items() if muni in group), {})
        noise = 0.0 if muni == OMSK else 3.0
        base = rng.gauss(0, noise / 1.5)
        result[muni] = {
            code: base + rng.gauss(0, noise) + shifts.get(code, shifts.get("*", 0.0)) for code, _ in ref.areas
        }
    return result


def _diagnostics(rng: random.Random, ref: _Reference, people: Rows) -> Rows:
    """A growing share of educators each year, every applicable area on one date (spring or autumn)."""
    offsets, reach = _offsets(rng, ref), _spread(rng, ref, 0.65, 1.35)
    ability, seen, rows = {p["local_id"]: rng.gauss(0, 6) for p in people}, Counter[str](), []
    for year, share in zip(YEARS, DIAG_SHARE, strict=True):
        for p in people:
            if p["career_start_year"] > year or rng.random() >= share * reach[p["municipality"]]:
                continue
            taken_on = _day(rng, year, *(("02-07", "04-28") if rng.random() < 0.55 else ("09-12", "11-25")))
            age, novice = year - p["birth_year"], year - p["career_start_year"] < 3
            for code in [code for code, applies_to in ref.areas if applies_to in ("all", p["category"])]:
                mu = BASE_SCORE[code] + offsets[p["municipality"]][code] + ability[p["local_id"]]
                mu += 1.0 * (year - YEARS[0]) + 2.0 * seen[p["local_id"]]
                mu -= 0.35 * max(0, age - 45) if code == "digital" else 0.0
                mu -= 9.0 if novice and code in ("methodical", "psych_ped") else 0.0
                mu += 8.0 if p["category"] == "manager" and code == "normative" else 0.0
                score = max(0, min(100, round(rng.gauss(mu, 9))))
                level, _, is_deficit = [level for level in ref.levels if level[1] <= score][-1]
                rows.append(
                    {
                        "local_id": p["local_id"],
                        "area_code": code,
                        "taken_on": taken_on,
                        "year": year,
                        "score": score,
                        "level_code": level,
                        "is_deficit": is_deficit,
                    }
                )
            seen[p["local_id"]] += 1
    return rows


def _programmes(rng: random.Random) -> Rows:
    """27 regional ДПО programmes (15 in the ФР ДППО), one per area from the Academy and the university."""
    rows: Rows = []
    for area, text in TOPICS.items():
        topics = text.split(";")
        for title in topics:
            hours, since = rng.choice((36, 72, 108)), rng.choice((2021, 2022, 2022, 2023, 2024))
            rows.append(
                {
                    "provider": PROVIDER,
                    "title": title,
                    "hours": hours,
                    "area_code": area,
                    "for_management_teams": area == "managerial",
                    "in_federal_register": False,
                    "since_year": since,
                }
            )
        rows.append({**rows[-len(topics)], "provider": ACADEMY, "hours": 72, "since_year": 2021})
        rows.append({**rows[-len(topics)], "provider": UNIVERSITY, "hours": 36, "since_year": 2022})
    for row in rng.sample([row for row in rows if row["provider"] == PROVIDER], 15):
        row["in_federal_register"] = True
    for i, row in enumerate(rows):
        row["in_federal_register"] |= row["provider"] == ACADEMY or (row["provider"] == UNIVERSITY and i % 2 == 0)
    return rows


def _completion(local_id: str, programme: Row, done: dt.date, selected: bool) -> Row:
    return {
        "local_id": local_id,
        "provider": programme["provider"],
        "title": programme["title"],
        "completed_on": done,
        "year": done.year,
        "selected_per_diagnostics": selected,
    }


def _learning(rng: random.Random, ref: _Reference, people: Rows, frames: dict[str, Rows]) -> tuple[Rows, Rows]:
    """ИОМ for diagnosed educators with deficits, and ФР ДППО courses chosen for their weakest area."""
    uptake, muni_of = _spread(rng, ref, 0.45, 0.85), _column(people)
    worst: dict[tuple[str, int], Row] = {}
    for row in frames["diagnostics"]:
        key = (row["local_id"], row["year"])
        if row["is_deficit"] and (key not in worst or row["score"] < worst[key]["score"]):
            worst[key] = row
    ioms, courses = [], []
    for (local_id, year), row in sorted(worst.items()):
        if rng.random() >= uptake[muni_of[local_id]]:
            continue
        created = min(row["taken_on"] + dt.timedelta(days=rng.randint(7, 40)), dt.date(year, 12, 27))
        status = "active" if year == YEARS[-1] else "completed"
        ioms.append({"local_id": local_id, "created_on": created, "year": year, "status": status})
        done = created + dt.timedelta(days=rng.randint(30, 200))
        fitting = [
            p for p in frames["dpo_programmes"] if p["in_federal_register"] and p["area_code"] == row["area_code"]
        ]
        if rng.random() < 0.65 and done <= DATA_AS_OF:
            courses.append(_completion(local_id, rng.choice(fitting), done, True))
    return [iom | {"based_on_diagnostics": True} for iom in ioms], courses


def _is_young(person: Row, year: int) -> bool:
    """Under 35 and in the first three years of work (the young-teacher indicator's population)."""
    started = 0 <= year - person["career_start_year"] < 3
    return bool(person["category"] == "pedagogue" and started and year - person["birth_year"] < 35)


def _support(rng: random.Random, ref: _Reference, people: Rows) -> Rows:
    reach, rows = _spread(rng, ref, 0.82, 1.18), []
    for year, share in zip(YEARS, (0.62, 0.71, 0.8), strict=True):
        for p in people:
            if not _is_young(p, year) or rng.random() >= share * reach[p["municipality"]]:
                continue
            for form in sorted(rng.sample(SUPPORT_FORMS, rng.choice((1, 1, 2)))):
                started = _day(rng, year, "09-01" if p["career_start_year"] == year else "01-15", "10-31")
                rows.append({"local_id": p["local_id"], "form": form, "started_on": started, "year": year})
    return rows


def _management(rng: random.Random, orgs: Rows, people: Rows, programmes: Rows) -> tuple[Rows, Rows]:
    """Management teams in training (about 30 % of organisations a year, fewer in the north)."""
    managers = [p for p in reversed(people) if p["category"] == "manager"]  # reversed: the director wins
    heads = {(p["municipality"], p["organisation"]): p["local_id"] for p in managers}
    courses, rows, completions = [p for p in programmes if p["for_management_teams"]], [], []
    for year, share in zip(YEARS, (0.2, 0.26, 0.3), strict=True):
        for org in orgs:
            if rng.random() >= share * (0.6 if org["municipality"] in NORTH else 1.0):
                continue
            completed, quality = rng.random() < 0.85, rng.random() < 0.7
            flags = {"participated": True, "completed": completed, "topic_quality_management": quality}
            rows.append({"organisation": org["name"], "municipality": org["municipality"], "year": year} | flags)
            if completed:
                head, done = heads[(org["municipality"], org["name"])], _day(rng, year, "03-01", "12-20")
                completions.append(_completion(head, rng.choice(courses), done, False))
    return rows, completions


def _methodists(rng: random.Random, ref: _Reference, orgs: Rows, people: Rows) -> tuple[Rows, Rows]:
    """Regional methodists: г. Омск and half of the districts over the 250 norm, two districts without any."""
    peds = Counter(p["municipality"] for p in people if p["category"] == "pedagogue")
    served = [muni for muni in ref.municipalities if muni not in NO_METHODIST]
    over, staff = {OMSK, *rng.sample(served[1:], len(served[1:]) // 2)}, []
    for muni in served:
        load = 380.0 if muni == OMSK else rng.uniform(280, 470) if muni in over else rng.uniform(150, 235)
        quarters = peds[muni] / load * 4
        left = max(1, math.floor(quarters) if muni in over else math.ceil(quarters))  # rounded away from 250
        while left > 0:
            fte = min(left, rng.choice((4, 4, 4, 4, 3, 2)))
            staff.append(
                {
                    "municipality": muni,
                    "specialisation": rng.choice(SPECIALISATIONS),
                    "fte": fte / 4,
                    "display_name": None,
                    "is_active": True,
                }
            )
            left -= fte
    rng.shuffle(staff)
    number = 0
    for methodist in staff:
        number += 1 + (rng.random() < 0.15)  # codes with gaps, as in real lists
        methodist["code"] = f"РМ-{number:03d}"
    return staff, _assignments(rng, orgs, people, staff)


def _assignments(rng: random.Random, orgs: Rows, people: Rows, staff: Rows) -> Rows:
    """Every school and centre of a served municipality goes to one methodist; three city ones help out."""
    teachers = Counter(
        (p["municipality"], p["organisation"], year)
        for p in people
        for year in YEARS
        if p["category"] == "pedagogue" and p["career_start_year"] <= year
    )
    pairs: list[tuple[str, Row]] = []
    for muni in sorted({methodist["municipality"] for methodist in staff}):
        own = sorted(m["code"] for m in staff if m["municipality"] == muni)
        pool = [org for org in orgs if org["municipality"] == muni and org["kind"] in SERVED_KINDS]
        rng.shuffle(pool)
        if muni == SUBURB:  # four schools of the Омский район are served by methodists of г. Омск
            helpers = sorted(m["code"] for m in staff if m["municipality"] == OMSK)[:3]
            pairs += [(helpers[i % 3], org) for i, org in enumerate(pool[:4])]
            pool = pool[4:]
        pairs += [(own[i % len(own)], org) for i, org in enumerate(pool)]
    return [
        {
            "methodist_code": code,
            "organisation": org["name"],
            "municipality": org["municipality"],
            "year": year,
            "n_teachers": teachers[(org["municipality"], org["name"], year)],
        }
        for year in YEARS
        for code, org in pairs
    ]


def _column(people: Rows, column: str = "municipality") -> dict[str, Any]:
    return {p["local_id"]: p[column] for p in people}


def _distinct(rows: Rows, muni_of: dict[str, str]) -> Counter[tuple[str, int]]:
    """The number of distinct educators in ``rows`` per (municipality, year)."""
    triples = {(muni_of[row["local_id"]], row["year"], row["local_id"]) for row in rows}
    return Counter((muni, year) for muni, year, _ in triples)


def _per_year(rows: Rows, keep: Callable[[Row, int], bool]) -> Counter[tuple[str, int]]:
    """The number of ``rows`` per (municipality, year) for which ``keep(row, year)`` holds."""
    return Counter((row["municipality"], year) for row in rows for year in YEARS if keep(row, year))


def _on_staff(category: str) -> Callable[[Row, int], bool]:
    return lambda person, year: person["category"] == category and person["career_start_year"] <= year


def _counts(orgs: Rows, people: Rows, frames: dict[str, Rows]) -> dict[str, Mapping[tuple[str, int], float]]:
    """Per (municipality, year) values of every municipality-scope metric, from the person-level rows."""
    muni_of, category, training = _column(people), _column(people, "category"), frames["management_training"]
    in_fr = {(p["provider"], p["title"]) for p in frames["dpo_programmes"] if p["in_federal_register"]}
    fr_completed = [
        row
        for row in frames["course_completions"]
        if row["selected_per_diagnostics"]
        and (row["provider"], row["title"]) in in_fr
        and category[row["local_id"]] == "pedagogue"
    ]
    fte: defaultdict[tuple[str, int], float] = defaultdict(float)
    for methodist, year in itertools.product(frames["methodists"], YEARS):
        fte[(methodist["municipality"], year)] += methodist["fte"]
    return {
        "ped_workers_total": _per_year(people, _on_staff("pedagogue")),
        "managers_total": _per_year(people, _on_staff("manager")),
        "diag_passed": _distinct(frames["diagnostics"], muni_of),
        "iom_developed": _distinct(frames["ioms"], muni_of),
        "fr_dpo_completed": _distinct(fr_completed, muni_of),
        "orgs_total": _per_year(orgs, lambda org, year: True),
        "mgmt_teams_trained": _per_year(training, lambda r, y: r["year"] == y and r["participated"]),
        "young_teachers_total": _per_year(people, _is_young),
        "young_teachers_supported": _distinct(frames["support"], muni_of),
        "orgs_mentoring_model": _per_year(orgs, lambda o, y: o["since"] is not None and o["since"] <= y),
        "methodists_fte": fte,
    }


def _aggregate(scope: str, muni: str | None, year: int, metric: str, value: float) -> Row:
    organisation = PROVIDER if scope == "provider" else None
    return {
        "scope": scope,
        "municipality": muni,
        "organisation": organisation,
        "year": year,
        "metric": metric,
        "value": float(value),
    }


def _aggregates(ref: _Reference, orgs: Rows, people: Rows, frames: dict[str, Rows]) -> Rows:
    """Municipality counts that agree with the person-level rows, plus the region and provider rows."""
    counts = _counts(orgs, people, frames)
    scopes = itertools.product(ref.municipalities, YEARS, counts.items())
    rows = [_aggregate("municipality", m, y, metric, values.get((m, y), 0)) for m, y, (metric, values) in scopes]
    for year in YEARS:
        own = [p for p in frames["dpo_programmes"] if p["provider"] == PROVIDER and p["since_year"] <= year]
        in_fr = sum(p["in_federal_register"] for p in own)
        rows += [
            _aggregate("region", None, year, "roadmap_in_force", 1),
            _aggregate("region", None, year, "monitoring_system_in_force", year > YEARS[0]),
            _aggregate("provider", None, year, "dpo_programs_total", len(own)),
            _aggregate("provider", None, year, "dpo_programs_in_fr", in_fr),
        ]
    return rows


def _roadmap_reports(n_methodists: int) -> Rows:
    rows = []
    for line in ROADMAP_REPORTS.splitlines():
        no, status, as_of, evidence, quantity = line.split("|")
        rows.append(
            {
                "item_code": f"004-RM-{int(no):02d}",
                "status": status,
                "evidence": evidence,
                "as_of": dt.date.fromisoformat(as_of) if as_of else DEMO_AS_OF,
                "actual_quantity": float(quantity) if quantity else None,
            }
        )
    rows[9]["actual_quantity"] = float(n_methodists)  # item 10: the pool of regional methodists
    return rows


def generate(seed: int = DEFAULT_SEED) -> DemoData:
    """Generate the demo region from ``seed``; the same seed always gives byte-identical frames."""
    rng, ref = random.Random(seed), _read_reference()
    sizes = {muni: round(size * rng.uniform(0.95, 1.05)) for muni, size in zip(ref.municipalities, SIZES, strict=True)}
    orgs = _omsk_organisations(rng, sizes[OMSK])
    for muni in ref.municipalities[1:]:
        orgs += _district_organisations(rng, muni, sizes[muni])
    people = _educators(rng, orgs, sizes)
    frames = {
        "educators": people,
        "diagnostics": _diagnostics(rng, ref, people),
        "dpo_programmes": _programmes(rng),
    }
    frames["ioms"], courses = _learning(rng, ref, people, frames)
    frames["support"] = _support(rng, ref, people)
    frames["management_training"], head_courses = _management(rng, orgs, people, frames["dpo_programmes"])
    unique = {(r["local_id"], r["provider"], r["title"], r["completed_on"]): r for r in courses + head_courses}
    frames["course_completions"] = list(unique.values())
    frames["methodists"], frames["assignments"] = _methodists(rng, ref, orgs, people)
    frames["aggregates"] = _aggregates(ref, orgs, people, frames)
    provider = {"municipality": OMSK, "name": PROVIDER, "kind": "dpo", "has_mentoring_model": False}
    frames["organisations"] = [*orgs, provider | {"is_low_results": False, "is_internship_site": False}]
    frames["targets"] = [
        {"indicator_code": code, "year": year, "value": float(value)}
        for code, values in TARGETS.items()
        for year, value in zip(YEARS, values, strict=True)
    ]
    frames["roadmap_reports"] = _roadmap_reports(len(frames["methodists"]))
    return DemoData(**{name: pd.DataFrame(frames[name], columns=COLUMNS[name].split()) for name in COLUMNS})


def checksum(data: DemoData) -> str:
    """SHA-256 of a canonical CSV of every frame: frames in field order, rows sorted, floats fixed."""
    digest = hashlib.sha256()
    for field in fields(data):
        frame: pd.DataFrame = getattr(data, field.name)
        header, *body = frame.to_csv(index=False, float_format="%.4f", lineterminator="\n").splitlines()
        digest.update(f"#{field.name}\n{header}\n".encode())
        digest.update("".join(f"{line}\n" for line in sorted(body)).encode())
    return digest.hexdigest()
