"""Connect attempts remember the seller's other marketplaces in the region

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("authorization_attempts") as batch_op:
        batch_op.add_column(sa.Column("more_marketplaces", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("authorization_attempts") as batch_op:
        batch_op.drop_column("more_marketplaces")
