"""deficit rule at query time

A diagnostic result keeps what the file gave: its score and, when the file named one, its level word.
Whether a result is a deficit is decided when it is counted, by the level scale in force (the word's
level when given, otherwise the score's band), so an edited scale applies to every year at once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SCOPE_COLUMNS = [
    "year",
    "municipality_id",
    "area_id",
    "educator_id",
    "taken_on",
    "organisation_id",
    "score",
    "level_code",
]


def upgrade() -> None:
    with op.batch_alter_table("diagnostic_result", schema=None) as batch_op:
        batch_op.drop_column("is_deficit")
        batch_op.create_check_constraint(
            "ck_diagnostic_result_score_or_level", "score IS NOT NULL OR level_code IS NOT NULL"
        )
        # the heatmap scans the year's results of the region's municipalities in the scope index (covering
        # what it counts) and probes the latest index for a later result of the same educator and area
        batch_op.drop_index("ix_diagnostic_result_scope")
        batch_op.create_index("ix_diagnostic_result_scope", SCOPE_COLUMNS, unique=False)
        batch_op.create_index(
            "ix_diagnostic_result_latest",
            ["year", "educator_id", "area_id", "taken_on", "municipality_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("diagnostic_result", schema=None) as batch_op:
        batch_op.drop_index("ix_diagnostic_result_latest")
        batch_op.drop_index("ix_diagnostic_result_scope")
        batch_op.create_index("ix_diagnostic_result_scope", ["year", "municipality_id", "area_id"], unique=False)
        batch_op.drop_constraint("ck_diagnostic_result_score_or_level", type_="check")
        batch_op.add_column(sa.Column("is_deficit", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE diagnostic_result SET is_deficit = COALESCE("
        "(SELECT l.is_deficit FROM deficit_level l WHERE l.code = diagnostic_result.level_code), "
        "(SELECT l.is_deficit FROM deficit_level l WHERE diagnostic_result.score >= l.min_score "
        "AND (l.max_score IS NULL OR diagnostic_result.score < l.max_score)), false)"
    )
