"""Background work: "Check all" runs, reminders sent, and the per-store reminder opt-out

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 10:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stores") as batch_op:
        batch_op.add_column(
            sa.Column("email_reminders", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_table(
        "check_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "requested_by_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "store_id",
            sa.Integer(),
            sa.ForeignKey("stores.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "authorization_id",
            sa.Integer(),
            sa.ForeignKey("authorizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint(
            "store_id", "authorization_id", "expires_at", "kind", name="uq_reminder_occasion"
        ),
    )
    op.create_index("ix_reminders_unsent", "reminders", ["sent_at", "claimed_at"])
    op.create_index("ix_reminders_authorization_id", "reminders", ["authorization_id"])


def downgrade():
    op.drop_index("ix_reminders_authorization_id", table_name="reminders")
    op.drop_index("ix_reminders_unsent", table_name="reminders")
    op.drop_table("reminders")
    op.drop_table("check_runs")
    with op.batch_alter_table("stores") as batch_op:
        batch_op.drop_column("email_reminders")
