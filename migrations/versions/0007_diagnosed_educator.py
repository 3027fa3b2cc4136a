"""diagnosed educator

The distinct (educator, year, municipality) of the diagnostic results, kept at write time with the
latest-result flag: the indicators count the educators diagnosed per municipality from it instead of
a COUNT(DISTINCT) over every result (bench/README.md, «National scale»).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "diagnosed_educator",
        sa.Column("educator_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["educator_id"], ["educator.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("educator_id", "year", "municipality_id"),
    )
    op.create_index("ix_diagnosed_educator_scope", "diagnosed_educator", ["municipality_id", "year", "educator_id"])
    op.execute(
        "INSERT INTO diagnosed_educator (educator_id, year, municipality_id) "
        "SELECT DISTINCT educator_id, year, municipality_id FROM diagnostic_result"
    )


def downgrade() -> None:
    op.drop_index("ix_diagnosed_educator_scope", table_name="diagnosed_educator")
    op.drop_table("diagnosed_educator")
