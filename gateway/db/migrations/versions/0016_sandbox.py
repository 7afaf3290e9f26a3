"""The sandbox: its marker and the providers that registered themselves (docs/sandbox.md)

Revision ID: 0016_sandbox
Revises: 0014
Create Date: 2026-12-06 21:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_sandbox'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty on every existing database: a database becomes a sandbox only when the first
    # `gateway serve --sandbox` finds it empty and writes the marker.
    op.create_table(
        'sandbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sinds', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox')),
    )
    op.create_table(
        'sandbox_aanbieder',
        sa.Column('agb', sa.String(length=8), nullable=False),
        sa.Column('gemeente', sa.String(length=4), nullable=False),
        sa.Column('aangemaakt_op', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('agb', name=op.f('pk_sandbox_aanbieder')),
        sa.UniqueConstraint('gemeente', name=op.f('uq_sandbox_aanbieder_gemeente')),
    )


def downgrade() -> None:
    op.drop_table('sandbox_aanbieder')
    op.drop_table('sandbox')
