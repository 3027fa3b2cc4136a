"""Uploading a large diagnostics workbook: the naive path, the fastest reader, our pipeline.

Generates (not timed) a «Диагностика» workbook shaped like tests/data/diagnostika_2023.xlsx — title
row, blank row, header on row 3 — for 30 000 Omsk educators × 8 rows = 240 000 rows: the six common
competency areas at the autumn diagnostics, plus two more rows each (managers: «управленческая» in
autumn and their weakest area again in spring; teachers: their two weakest areas in spring). Then,
each variant in its own subprocess and on its own copy of a freshly migrated SQLite file with the
reference data, measures wall time and peak memory:

* zip: inflating every member of the workbook, nothing else (the floor of any reader);
* naive: ``pandas.read_excel(engine="openpyxl")``, then one SQLModel object per organisation,
  educator and result (``session.add_all``, one commit);
* fastexcel: the fastest reader alone (calamine through fastexcel into Arrow), read only;
* pipeline: ``pipeline.prepare`` then ``pipeline.commit`` as the upload page calls them, split into
  steps by wrapping the module functions the pipeline calls (no change to the pipeline itself).

Peak memory is the RSS high-water mark of the variant's process (``ru_maxrss``), which includes
the interpreter and the imported libraries; «base» is that mark just before the measured work.
Nothing here is asserted about time. Run: ``make bench`` or ``.venv/bin/python -m bench.ingest``
(``--teachers 5000`` for a quick run, ``--keep DIR`` to keep the workbook and databases).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
TEACHERS = 30_000
PSEUDONYM_KEY = "bench-key"
FILE_NAME = "diagnostika_2023.xlsx"
MAX_MB = 20  # the default upload limit (RSNMS_MAX_UPLOAD_MB)
VARIANTS = ("zip", "fastexcel", "pipeline", "naive")
HEADER = [
    "№ п/п", "Муниципальное образование", "Образовательная организация", "Код педагога", "Должность", "Предмет",
    "Год рождения", "Год начала педагогической деятельности", "Компетенция", "Балл", "Уровень", "Дата диагностики",
]  # fmt: skip
COMMON_AREAS = ("normative", "subject", "methodical", "psych_ped", "communicative", "digital")


# --- the workbook ---------------------------------------------------------------------------------


def _level(score: float) -> str:
    return "выраженный дефицит" if score < 50 else "частичный дефицит" if score < 70 else "дефицит отсутствует"


def generate(path: Path, teachers: int = TEACHERS, seed: int = 2023) -> int:
    """Write the workbook to ``path`` (openpyxl write-only); returns the number of data rows."""
    import importlib

    import openpyxl

    from rsnms.demo import data as demo

    gen = importlib.import_module("rsnms.demo.generate")  # the package's `generate` names the function

    rng, ref = random.Random(seed), gen._read_reference()
    names = {code: name for code, name in _area_names()}
    scale = teachers / sum(demo.SIZES)
    sizes = {muni: max(60, round(size * scale)) for muni, size in zip(ref.municipalities, demo.SIZES, strict=True)}
    sizes[demo.OMSK] += teachers - sum(sizes.values())
    base = dict(zip(ref.municipalities, demo.SIZES, strict=True))  # the demo's organisations, larger staffs
    orgs = gen._omsk_organisations(rng, base[demo.OMSK])
    for muni in ref.municipalities[1:]:
        orgs += gen._district_organisations(rng, muni, base[muni])
    people = gen._educators(rng, orgs, sizes)[:teachers]
    autumn = {org["name"]: dt.date(2023, 10, 2) + dt.timedelta(days=rng.randint(0, 50)) for org in orgs}
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Диагностика")
    sheet.append([f"Результаты диагностики профессиональных дефицитов педагогических работников Омской области, "
                  f"2023 год ({teachers} чел.)"])  # fmt: skip
    sheet.append([])
    sheet.append(HEADER)
    number = 0
    for person in people:
        shift = rng.gauss(0, 8)
        scores = {
            code: float(min(100, max(0, round(demo.BASE_SCORE[code] + shift + rng.gauss(0, 10)))))
            for code in (*COMMON_AREAS, "managerial")
        }
        taken = autumn[person["organisation"]]
        spring = dt.date(2023, 3, 13) + dt.timedelta(days=rng.randint(0, 30))
        weakest = sorted(COMMON_AREAS, key=lambda code: scores[code])
        rows = [(code, scores[code], taken) for code in COMMON_AREAS]
        if person["category"] == "manager":
            rows += [("managerial", scores["managerial"], taken), (weakest[0], scores[weakest[0]] - 6, spring)]
        else:
            rows += [(code, max(0.0, scores[code] - 6), spring) for code in weakest[:2]]
        for code, score, day in rows:
            number += 1
            sheet.append([
                number, person["municipality"], person["organisation"], person["local_id"], person["position"],
                person["subject"], person["birth_year"], person["career_start_year"], names[code], score,
                _level(score), day,
            ])  # fmt: skip
    book.save(path)
    return number


def _area_names() -> list[tuple[str, str]]:
    import yaml

    from rsnms.config import REFERENCE_DIR

    with (REFERENCE_DIR / "catalogue.yaml").open(encoding="utf-8") as handle:
        return [(area["code"], area["name"]) for area in yaml.safe_load(handle)["competency_areas"]]


def reference_database(path: Path) -> None:
    """A migrated SQLite file with the reference data, checkpointed so that a plain copy is complete."""
    from sqlalchemy import text

    from rsnms import db
    from rsnms.reference import load_reference

    engine = db.make_engine(f"sqlite:///{path}")
    db.migrate(engine)
    load_reference(engine)
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()


# --- the variants (each runs in its own process) ----------------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Split:
    """Seconds per step, accumulated by wrapping the functions the pipeline calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peaks: dict[str, float] = {}  # RSS high-water mark after the step's first call ended
        self.phase = ""
        self.calls = threading.local()  # per thread: seconds spent in steps nested in each open call

    def wrap(self, step: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function`` timed as ``step``; a step called inside another one counts for itself only."""

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            nested: list[float] = self.calls.__dict__.setdefault("nested", [])
            nested.append(0.0)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                inner = nested.pop()
                if nested:
                    nested[-1] += elapsed
                label = f"{self.phase}: {step}"
                self.seconds[label] = self.seconds.get(label, 0.0) + elapsed - inner
                self.peaks.setdefault(label, _peak_mb())

        return timed


def run_zip(xlsx: Path, _database: Path) -> dict[str, Any]:
    content = xlsx.read_bytes()
    start = time.perf_counter()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        inflated = sum(len(archive.read(info)) for info in archive.infolist())
    return {"total": time.perf_counter() - start, "inflated MB": inflated / 2**20}


def run_fastexcel(xlsx: Path, _database: Path) -> dict[str, Any]:
    import fastexcel

    content = xlsx.read_bytes()
    start = time.perf_counter()
    table = fastexcel.read_excel(content).load_sheet(0, header_row=2).to_arrow()
    return {"total": time.perf_counter() - start, "rows": table.num_rows}


SCAN = "formula scan (a second thread, alongside read and coerce)"


def run_pipeline(xlsx: Path, database: Path) -> dict[str, Any]:
    from rsnms import db, store
    from rsnms.ingest import guard, pipeline, plan, read

    engine = db.make_engine(f"sqlite:///{database}")
    content = xlsx.read_bytes()
    split = Split()
    # The names the pipeline looks up when it runs, in the order it calls them.
    for module, name, step in (
        (guard, "check_workbook", "guard"),
        (guard, "uncached_formulas", SCAN),
        (pipeline, "read_workbook", "read: first rows"),
        (pipeline, "_recognise", "recognise"),
        (pipeline, "coerce", "coerce"),
        (read, "_long_body", "read: body (fastexcel)"),
        (store, "diff", "diff"),
        (store, "_apply", "write"),
        (store, "refresh_results", "refresh (latest flag, diagnosed educators)"),
    ):
        setattr(module, name, split.wrap(step, getattr(module, name)))
    for kind, builder in plan.BUILDERS.items():
        plan.BUILDERS[kind] = split.wrap("plan", builder)
    start = time.perf_counter()
    split.phase = "prepare"
    preview = pipeline.prepare(
        engine, content, file_name=FILE_NAME, max_mb=MAX_MB, pseudonym_key=PSEUDONYM_KEY, region="omsk"
    )
    prepared = time.perf_counter()
    if preview.errors:
        raise SystemExit(f"the generated workbook has problems: {preview.errors[:3]}")
    split.phase = "commit"
    committed = pipeline.commit(engine, preview, user="bench", now=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    end = time.perf_counter()
    engine.dispose()
    figures: dict[str, Any] = {"total": end - start, "prepare": prepared - start, "commit": end - prepared}
    figures |= split.seconds
    # The formula scan runs in a second thread while the workbook is read: its time is not on the clock.
    named = sum(seconds for step, seconds in split.seconds.items() if step.startswith("prepare") and SCAN not in step)
    figures["prepare: other (region, reference, problem rows)"] = prepared - start - named
    figures["rows created"] = committed.created
    figures["peak MB after the first call of each step"] = " → ".join(
        f"{step.split(': ')[1]} {mb:.0f}" for step, mb in split.peaks.items()
    )
    return figures


def run_naive(xlsx: Path, database: Path) -> dict[str, Any]:
    import pandas as pd
    from sqlmodel import Session, select

    from rsnms import db, models
    from rsnms.pseudonym import pseudonymise

    engine = db.make_engine(f"sqlite:///{database}")
    start = time.perf_counter()
    frame = pd.read_excel(xlsx, engine="openpyxl", header=2)
    frame.columns = ["no", "muni", "org", "code", "position", "subject", "born", "since", "area", "score", "level",
                     "date"]  # fmt: skip
    read = time.perf_counter()
    levels = {"выраженный дефицит": "severe", "частичный дефицит": "partial"}
    with Session(engine) as session:
        region_id = session.exec(select(models.Region.id).where(models.Region.code == "omsk")).one()
        assert region_id is not None
        munis: dict[str, Any] = {m.name: m.id for m in session.exec(select(models.Municipality))}
        areas: dict[str, Any] = {a.name: a.id for a in session.exec(select(models.CompetencyArea))}
        batch = models.UploadBatch(kind="diagnostics", region_id=region_id, file_name=FILE_NAME, sha256="0" * 64,
                                   created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))  # fmt: skip
        session.add(batch)
        session.flush()
        rows: list[Any] = list(frame.itertuples(index=False))
        orgs: dict[tuple[str, str], models.Organisation] = {}
        for row in rows:
            if (row.muni, row.org) not in orgs:
                orgs[row.muni, row.org] = models.Organisation(
                    region_id=region_id, municipality_id=munis[row.muni], name=row.org, batch_id=batch.id
                )
        session.add_all(orgs.values())
        session.flush()
        educators: dict[str, models.Educator] = {}
        for row in rows:
            if row.code not in educators:
                manager = str(row.position).startswith(("директор", "заместитель", "заведующий"))
                educators[row.code] = models.Educator(
                    region_id=region_id, pseudo_key=pseudonymise(row.code, key=PSEUDONYM_KEY),
                    organisation_id=orgs[row.muni, row.org].id, category="manager" if manager else "pedagogue",
                    position=row.position, subject="" if pd.isna(row.subject) else row.subject,
                    birth_year=int(row.born), career_start_year=int(row.since), batch_id=batch.id,
                )  # fmt: skip
        session.add_all(educators.values())
        session.flush()
        results = []
        for row in rows:
            level = levels.get(row.level, "none")
            results.append(
                models.DiagnosticResult(
                    educator_id=cast(int, educators[row.code].id), area_id=areas[row.area], taken_on=row.date.date(),
                    year=row.date.year, organisation_id=orgs[row.muni, row.org].id, municipality_id=munis[row.muni],
                    score=float(row.score), level_code=level, batch_id=batch.id,
                )
            )  # fmt: skip
        session.add_all(results)
        session.commit()
    end = time.perf_counter()
    engine.dispose()
    return {"total": end - start, "read (pandas + openpyxl)": read - start, "ORM objects + commit": end - read,
            "rows created": len(orgs) + len(educators) + len(results)}  # fmt: skip


RUNNERS: dict[str, Callable[[Path, Path], dict[str, Any]]] = {
    "zip": run_zip,
    "fastexcel": run_fastexcel,
    "pipeline": run_pipeline,
    "naive": run_naive,
}


IMPORTS = {
    "zip": (),
    "fastexcel": ("fastexcel",),
    "pipeline": ("rsnms.ingest.pipeline", "rsnms.db"),
    "naive": ("pandas", "openpyxl", "sqlmodel", "rsnms.models", "rsnms.db"),
}


def _child(variant: str, xlsx: Path, database: Path) -> None:
    import importlib

    for module in IMPORTS[variant]:
        importlib.import_module(module)
    base = _peak_mb()  # the interpreter and the variant's libraries, before any work
    figures = RUNNERS[variant](xlsx, database)
    print(json.dumps({"figures": figures, "peak MB": _peak_mb(), "base MB": base}))


# --- the parent -----------------------------------------------------------------------------------


def measure(variant: str, xlsx: Path, template: Path, directory: Path) -> dict[str, Any]:
    """Run one variant in a fresh process on its own copy of the reference database."""
    database = directory / f"{variant}.db"
    shutil.copyfile(template, database)
    args = [sys.executable, "-m", "bench.ingest", "--child", variant, "--xlsx", str(xlsx), "--db", str(database)]
    done = subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _table(results: dict[str, dict[str, Any]]) -> None:
    labels = {
        "zip": "inflate the zip only",
        "fastexcel": "(b) fastexcel read only",
        "pipeline": "(c) our pipeline: prepare + commit",
        "naive": "(a) naive: read_excel(openpyxl) + ORM",
    }
    print("\n| variant | wall time | peak RSS | base RSS |\n|---|---:|---:|---:|")
    for variant, result in results.items():
        seconds = result["figures"]["total"]
        print(f"| {labels[variant]} | {seconds:.2f} s | {result['peak MB']:.0f} MB | {result['base MB']:.0f} MB |")
    for variant, result in results.items():
        steps = {k: v for k, v in result["figures"].items() if k != "total"}
        if len(steps) > 1:
            print(f"\n{labels[variant]}:")
            for step, value in steps.items():
                print(f"  {step}: {value:.2f} s" if isinstance(value, float) else f"  {step}: {value}")
    total = {variant: result["figures"]["total"] for variant, result in results.items()}
    if "pipeline" in total:
        if "naive" in total:
            print(f"\nnaive / ours = {total['naive'] / total['pipeline']:.1f}×")
        if "fastexcel" in total:
            print(f"ours / fastest reader = {total['pipeline'] / total['fastexcel']:.1f}×")


def main() -> None:
    """Generate the workbook, measure every variant, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=TEACHERS)
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated: " + ", ".join(VARIANTS))
    parser.add_argument("--keep", type=Path, help="keep the workbook and databases here (a kept workbook is reused)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each quick variant; the fastest is shown")
    parser.add_argument("--child", choices=(*VARIANTS, "generate", "reference"), help=argparse.SUPPRESS)
    parser.add_argument("--xlsx", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "generate":
        print(generate(args.xlsx, args.teachers))
        return
    if args.child == "reference":
        reference_database(args.db)
        return
    if args.child:
        _child(args.child, args.xlsx, args.db)
        return
    with tempfile.TemporaryDirectory() as temporary:
        directory = args.keep or Path(temporary)
        directory.mkdir(parents=True, exist_ok=True)
        xlsx, template = directory / FILE_NAME, directory / "reference.db"
        start = time.perf_counter()
        marker = directory / "teachers"  # «teachers rows» of the kept workbook
        reuse = marker.exists() and xlsx.exists() and marker.read_text().split()[0] == str(args.teachers)
        # In a child too: a child's ru_maxrss starts from its parent's RSS at fork, so this one stays small.
        command = ["--child", "generate", "--teachers", str(args.teachers), "--xlsx", str(xlsx), "--db", str(template)]
        if not reuse:
            done = subprocess.run([sys.executable, "-m", "bench.ingest", *command], cwd=ROOT, check=True,
                                  capture_output=True, text=True)  # fmt: skip
            marker.write_text(f"{args.teachers} {done.stdout.split()[-1]}")
        # Always anew: the schema of the code being measured (a kept file may predate a migration).
        template.unlink(missing_ok=True)
        subprocess.run([sys.executable, "-m", "bench.ingest", "--child", "reference", "--db", str(template)], cwd=ROOT,
                       check=True)  # fmt: skip
        rows = int(marker.read_text().split()[1])
        made = "reused" if reuse else f"generated in {time.perf_counter() - start:.0f} s (not counted)"
        print(f"workbook: {rows} rows, {xlsx.stat().st_size / 2**20:.1f} MB, {made}", flush=True)
        results = {}
        for variant in args.variants.split(","):
            runs = [
                measure(variant, xlsx, template, directory) for _ in range(1 if variant == "naive" else args.repeat)
            ]
            results[variant] = min(runs, key=lambda run: float(run["figures"]["total"]))
            print(f"{variant}: {results[variant]['figures']['total']:.2f} s, {results[variant]['peak MB']:.0f} MB",
                  flush=True)  # fmt: skip
        _table(results)
    print(f"\nmachine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
