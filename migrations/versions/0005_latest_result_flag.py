"""latest result flag

Each educator's latest result per competency area and year is resolved when results are written
(``diagnostic_result.is_latest``, kept by ``rsnms.store.refresh_results``), so the heatmap reads the
counted rows from one covering index instead of probing for a later result row by row.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPE_BEFORE = [
    "year",
    "municipality_id",
    "area_id",
    "educator_id",
    "taken_on",
    "organisation_id",
    "score",
    "level_code",
]
SCOPE_AFTER = [
    "year",
    "is_latest",
    "municipality_id",
    "area_id",
    "organisation_id",
    "score",
    "level_code",
    "educator_id",
]


def upgrade() -> None:
    with op.batch_alter_table("diagnostic_result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_latest", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.drop_index("ix_diagnostic_result_latest")
        batch_op.create_index("ix_diagnostic_result_latest", ["year", "educator_id", "area_id", "taken_on"])
    op.execute(
        "UPDATE diagnostic_result SET is_latest = NOT EXISTS (SELECT 1 FROM diagnostic_result later "
        "WHERE later.year = diagnostic_result.year AND later.educator_id = diagnostic_result.educator_id "
        "AND later.area_id = diagnostic_result.area_id AND later.taken_on > diagnostic_result.taken_on)"
    )
    with op.batch_alter_table("diagnostic_result", schema=None) as batch_op:
        batch_op.drop_index("ix_diagnostic_result_scope")
        batch_op.create_index("ix_diagnostic_result_scope", SCOPE_AFTER)


def downgrade() -> None:
    with op.batch_alter_table("diagnostic_result", schema=None) as batch_op:
        batch_op.drop_index("ix_diagnostic_result_scope")
        batch_op.drop_index("ix_diagnostic_result_latest")
        batch_op.drop_column("is_latest")
        batch_op.create_index("ix_diagnostic_result_scope", SCOPE_BEFORE)
        batch_op.create_index(
            "ix_diagnostic_result_latest", ["year", "educator_id", "area_id", "taken_on", "municipality_id"]
        )
