"""Alembic environment: runs migrations on the engine handed over by rsnms.db.migrate.

From the command line (``alembic -c migrations/alembic.ini ...``) the engine is built from
RSNMS_DATABASE_URL instead.
"""

from alembic import context
from sqlmodel import SQLModel

import rsnms.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from rsnms.config import load_settings
from rsnms.db import make_engine

engine = context.config.attributes.get("engine") or make_engine(load_settings().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
