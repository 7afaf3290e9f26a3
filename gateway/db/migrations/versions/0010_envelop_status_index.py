"""An index on the envelope's status, for the deadlines board's refused envelopes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 21:50:00
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_envelop_status', 'envelop', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_envelop_status', table_name='envelop')
