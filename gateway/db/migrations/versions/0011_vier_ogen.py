"""Grants outside the norms: the aanvraag's buiten_norm mark and the proposals that wait for a
second approval

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('aanvraag') as batch:
        batch.add_column(sa.Column('buiten_norm', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.create_table(
        'voorstel',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('aanvraag_id', sa.Integer(), nullable=False),
        sa.Column('invoer', sa.JSON(), nullable=False),
        sa.Column('afwijkingen', sa.JSON(), nullable=False),
        sa.Column('voorgesteld_door', sa.String(length=100), nullable=False),
        sa.Column('voorgesteld_op', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('afgehandeld_door', sa.String(length=100), nullable=True),
        sa.Column('afgehandeld_op', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['aanvraag_id'], ['aanvraag.id'], name=op.f('fk_voorstel_aanvraag_id_aanvraag'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_voorstel')),
    )
    op.create_index(op.f('ix_voorstel_aanvraag_id'), 'voorstel', ['aanvraag_id'], unique=False)
    op.create_index('ux_voorstel_wacht', 'voorstel', ['aanvraag_id'], unique=True,
                    sqlite_where=sa.text("status = 'wacht'"), postgresql_where=sa.text("status = 'wacht'"))


def downgrade() -> None:
    op.drop_index('ux_voorstel_wacht', table_name='voorstel')
    op.drop_index('ix_voorstel_aanvraag_id', table_name='voorstel')
    op.drop_table('voorstel')
    with op.batch_alter_table('aanvraag') as batch:
        batch.drop_column('buiten_norm')
