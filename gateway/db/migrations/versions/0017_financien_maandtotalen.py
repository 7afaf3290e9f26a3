"""The finance report's month totals, kept with every write (gateway.db.maandtotalen)

Revision ID: 0017_financien_maandtotalen
Revises: 0016_sandbox
Create Date: 2026-12-06 21:30:00
"""
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0017_financien_maandtotalen'
down_revision = '0016_sandbox'
branch_labels = None
depends_on = None

_GROEP = ('gemeente', 'aanbieder', 'categorie', 'code', 'eenheid', 'maand')
_DEEL = ('toegewezen', 'toegewezen_vast', 'geleverd', 'gedeclareerd', 'gedeclareerd_eurocent',
         'benut_begin', 'benut_eind', 'aantal_begin', 'aantal_eind')
_LOPEND = ('toegewezen_dag', 'toegewezen_maand', 'geleverd_dag', 'geleverd_maand')


def _groep() -> list[sa.Column[Any]]:
    return [sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('gemeente', sa.String(length=4), nullable=False),
            sa.Column('aanbieder', sa.String(length=8), nullable=False),
            sa.Column('categorie', sa.String(length=2), nullable=False),
            sa.Column('code', sa.String(length=5), nullable=False),
            sa.Column('eenheid', sa.String(length=2), nullable=False),
            sa.Column('maand', sa.Date(), nullable=False)]


def _waarden(names: tuple[str, ...]) -> list[sa.Column[Any]]:
    return [sa.Column(name, sa.Float(), nullable=False) for name in names]


def upgrade() -> None:
    op.create_table('financien_maand', *_groep(), *_waarden(_DEEL + _LOPEND),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_financien_maand')),
                    sa.UniqueConstraint(*_GROEP, name=op.f('uq_financien_maand_gemeente')))
    op.create_index('ix_financien_maand_maand', 'financien_maand', ['maand'], unique=False)
    op.create_table('financien_maanddeel', *_groep(),
                    sa.Column('van_dag', sa.Integer(), nullable=False),
                    sa.Column('tot_dag', sa.Integer(), nullable=False),
                    *_waarden(_DEEL),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_financien_maanddeel')),
                    sa.UniqueConstraint(*_GROEP, 'van_dag', 'tot_dag', name=op.f('uq_financien_maanddeel_gemeente')))
    op.create_index('ix_financien_maanddeel_maand', 'financien_maanddeel', ['maand'], unique=False)
    # The totals of what is already stored, by the same code that keeps them from now on.
    from gateway.db import maandtotalen
    maandtotalen.herbouw(op.get_bind())


def downgrade() -> None:
    op.drop_index('ix_financien_maanddeel_maand', table_name='financien_maanddeel')
    op.drop_table('financien_maanddeel')
    op.drop_index('ix_financien_maand_maand', table_name='financien_maand')
    op.drop_table('financien_maand')
