"""An index for counting the stores that need attention without scanning every store

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:00:00

"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_connections_attention",
        "connections",
        ["revoked_at", "expires_at", "store_id"],
    )


def downgrade():
    op.drop_index("ix_connections_attention", table_name="connections")
