"""Drafts of the aanvraagformulier, per user and form key

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 13:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'aanvraag_concept',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('gebruiker_id', sa.Integer(), nullable=False),
        sa.Column('sleutel', sa.String(length=9), nullable=False),
        sa.Column('waarden', sa.JSON(), nullable=False),
        sa.Column('bijgewerkt_op', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['gebruiker_id'], ['gebruiker.id'],
                                name=op.f('fk_aanvraag_concept_gebruiker_id_gebruiker'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_aanvraag_concept')),
        sa.UniqueConstraint('gebruiker_id', 'sleutel', name=op.f('uq_aanvraag_concept_gebruiker_id')),
    )
    op.create_index(op.f('ix_aanvraag_concept_gebruiker_id'), 'aanvraag_concept', ['gebruiker_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_aanvraag_concept_gebruiker_id'), table_name='aanvraag_concept')
    op.drop_table('aanvraag_concept')
