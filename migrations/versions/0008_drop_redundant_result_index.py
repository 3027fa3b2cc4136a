"""drop the redundant diagnostic_result.educator_id index

``uq_diagnostic_result (educator_id, area_id, taken_on)`` leads with the educator, so its index serves
every lookup by educator (foreign-key checks, store.refresh_results); the separate index only cost
each inserted result one more B-tree write (bench/ingest.py: ≈ 0,25 s of 2,5 s for 240 000 results
on SQLite).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("diagnostic_result", schema=None) as batch_op:
        batch_op.drop_index("ix_diagnostic_result_educator_id")


def downgrade() -> None:
    with op.batch_alter_table("diagnostic_result", schema=None) as batch_op:
        batch_op.create_index("ix_diagnostic_result_educator_id", ["educator_id"])
