"""A country's stores newest first: the home page's country filter walks this index for a
page instead of sorting every store of the country (``ix_stores_country_name`` stays for the
name rules, which look a name up within a country).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 13:45:00

"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_stores_country_created", "stores", ["marketplace_code", "created_at", "id"])


def downgrade():
    op.drop_index("ix_stores_country_created", table_name="stores")
