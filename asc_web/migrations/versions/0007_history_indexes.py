"""History with a bound: indexes that keep history pages and pruning fast, and leases

Activity, communication errors and connect attempts are read newest first (per store on
the dashboard, across stores in the errors log, filtered by operation or Amazon code) and
pruned oldest first (``flask history prune``). Each of those reads walks one of these
indexes for a page's worth of rows, whatever the table's size; ``id`` ends every index so
that PostgreSQL, whose indexes carry no rowid, orders ties without a sort. The narrower
indexes they replace are dropped (a longer index serves their prefix).

``maintenance_leases`` lets one server at a time run a maintenance job (cron on several
servers, or several workers): a row per job, taken with one conditional ``UPDATE``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 04:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "maintenance_leases",
        sa.Column("name", sa.String(length=64), primary_key=True),
        sa.Column("holder", sa.String(length=128), nullable=True),
        sa.Column("until", sa.DateTime(), nullable=True),
    )
    # The dashboard's activity list, newest first per store; pruning oldest first.
    op.drop_index("ix_store_activities_store_id", table_name="store_activities")
    op.create_index("ix_activity_store_time", "store_activities", ["store_id", "created_at", "id"])
    op.create_index("ix_activity_time", "store_activities", ["created_at", "id"])
    # The errors log: per store, across stores, by operation and by Amazon code.
    op.drop_index("ix_comm_errors_store_time", table_name="communication_errors")
    op.drop_index("ix_communication_errors_created_at", table_name="communication_errors")
    op.create_index(
        "ix_comm_errors_store_time", "communication_errors", ["store_id", "created_at", "id"]
    )
    op.create_index("ix_comm_errors_time", "communication_errors", ["created_at", "id"])
    op.create_index(
        "ix_comm_errors_operation", "communication_errors", ["operation", "created_at", "id"]
    )
    op.create_index("ix_comm_errors_code", "communication_errors", ["code", "created_at", "id"])
    # Attempts: finished ones by when they ended (pruning, and the sweep of unanswered
    # ones: consumed_at IS NULL), and each store's newest (the card's last failure, and
    # the entries pruning keeps).
    op.create_index("ix_attempts_ended", "authorization_attempts", ["consumed_at", "id"])
    op.create_index("ix_attempts_store_latest", "authorization_attempts", ["store_id", "id"])


def downgrade():
    op.drop_index("ix_attempts_store_latest", table_name="authorization_attempts")
    op.drop_index("ix_attempts_ended", table_name="authorization_attempts")
    op.drop_index("ix_comm_errors_code", table_name="communication_errors")
    op.drop_index("ix_comm_errors_operation", table_name="communication_errors")
    op.drop_index("ix_comm_errors_time", table_name="communication_errors")
    op.drop_index("ix_comm_errors_store_time", table_name="communication_errors")
    op.create_index("ix_communication_errors_created_at", "communication_errors", ["created_at"])
    op.create_index("ix_comm_errors_store_time", "communication_errors", ["store_id", "created_at"])
    op.drop_index("ix_activity_time", table_name="store_activities")
    op.drop_index("ix_activity_store_time", table_name="store_activities")
    op.create_index("ix_store_activities_store_id", "store_activities", ["store_id"])
    op.drop_table("maintenance_leases")
