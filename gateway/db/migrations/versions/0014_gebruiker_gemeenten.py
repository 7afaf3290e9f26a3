"""Back-office users: the municipalities they belong to, and blocking by an administrator

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('gebruiker') as batch:
        # NULL: every municipality of the gateway, as every user saw before.
        batch.add_column(sa.Column('gemeenten', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('geblokkeerd', sa.Boolean(), server_default=sa.text('false'), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('gebruiker') as batch:
        batch.drop_column('geblokkeerd')
        batch.drop_column('gemeenten')
