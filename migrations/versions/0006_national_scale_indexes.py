"""national scale indexes

Measured on 85 regions (bench/national.py): the scope index leads with the municipality, so every
query of one region (heatmap, indicator counts over a span of years, years with data) seeks its
municipalities instead of reading the whole country's year; educators are found by organisation
and category without reading the table (the methodists' rosters).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPE_BEFORE = [
    "year",
    "is_latest",
    "municipality_id",
    "area_id",
    "organisation_id",
    "score",
    "level_code",
    "educator_id",
]
SCOPE_AFTER = [
    "municipality_id",
    "year",
    "is_latest",
    "area_id",
    "organisation_id",
    "score",
    "level_code",
    "educator_id",
]


def upgrade() -> None:
    with op.batch_alter_table("diagnostic_result", schema=None) as batch_op:
        batch_op.drop_index("ix_diagnostic_result_scope")
        batch_op.create_index("ix_diagnostic_result_scope", SCOPE_AFTER)
    with op.batch_alter_table("educator", schema=None) as batch_op:
        batch_op.drop_index("ix_educator_organisation_id")
        batch_op.create_index("ix_educator_roster", ["organisation_id", "category"])


def downgrade() -> None:
    with op.batch_alter_table("educator", schema=None) as batch_op:
        batch_op.drop_index("ix_educator_roster")
        batch_op.create_index("ix_educator_organisation_id", ["organisation_id"])
    with op.batch_alter_table("diagnostic_result", schema=None) as batch_op:
        batch_op.drop_index("ix_diagnostic_result_scope")
        batch_op.create_index("ix_diagnostic_result_scope", SCOPE_BEFORE)
