"""token.laatst_gebruikt; bericht.gewist_op and an index for the retention purge

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('laatst_gebruikt', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('bericht', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gewist_op', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('prestatie', schema=None) as batch_op:
        batch_op.create_index('ix_prestatie_bsn', ['gemeente', 'bsn'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('prestatie', schema=None) as batch_op:
        batch_op.drop_index('ix_prestatie_bsn')
    with op.batch_alter_table('bericht', schema=None) as batch_op:
        batch_op.drop_column('gewist_op')
    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.drop_column('laatst_gebruikt')
