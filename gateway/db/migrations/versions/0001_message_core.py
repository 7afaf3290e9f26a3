"""message core: parties, tokens, messages with their answers, rule findings, outbox

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 10:41:28.142386
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('partij',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('soort', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('naam', sa.String(length=200), nullable=False),
    sa.Column('aangemaakt_op', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partij')),
    sa.UniqueConstraint('soort', 'code', name=op.f('uq_partij_soort'))
    )
    op.create_table('bericht',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('richting', sa.String(length=3), nullable=False),
    sa.Column('partij_id', sa.Integer(), nullable=False),
    sa.Column('berichttype', sa.String(length=8), nullable=True),
    sa.Column('afzender', sa.String(length=8), nullable=True),
    sa.Column('ontvanger', sa.String(length=8), nullable=True),
    sa.Column('identificatie', sa.String(length=12), nullable=True),
    sa.Column('dagtekening', sa.Date(), nullable=True),
    sa.Column('bsn', sa.String(length=9), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('niveau', sa.Integer(), nullable=False),
    sa.Column('retourcodes', sa.JSON(), nullable=False),
    sa.Column('uniek_sleutel', sa.String(length=40), nullable=True),
    sa.Column('inhoud', sa.LargeBinary(), nullable=False),
    sa.Column('inhoud_sha256', sa.String(length=64), nullable=False),
    sa.Column('ontvangen_op', sa.DateTime(timezone=True), nullable=False),
    sa.Column('antwoord_status', sa.Integer(), nullable=True),
    sa.Column('antwoord_type', sa.String(length=64), nullable=True),
    sa.Column('antwoord', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['partij_id'], ['partij.id'], name=op.f('fk_bericht_partij_id_partij')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bericht')),
    sa.UniqueConstraint('partij_id', 'richting', 'inhoud_sha256', name='uq_bericht_replay'),
    sa.UniqueConstraint('uniek_sleutel', name=op.f('uq_bericht_uniek_sleutel'))
    )
    with op.batch_alter_table('bericht', schema=None) as batch_op:
        batch_op.create_index('ix_bericht_bsn', ['bsn'], unique=False)
        batch_op.create_index('ix_bericht_ontvangen_op', ['ontvangen_op'], unique=False)
        batch_op.create_index(batch_op.f('ix_bericht_partij_id'), ['partij_id'], unique=False)
        batch_op.create_index('ix_bericht_type_afzender', ['berichttype', 'afzender'], unique=False)

    op.create_table('token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partij_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('aangemaakt_op', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ingetrokken_op', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partij_id'], ['partij.id'], name=op.f('fk_token_partij_id_partij')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_token_token_hash'))
    )
    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_token_partij_id'), ['partij_id'], unique=False)

    op.create_table('bevinding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bericht_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('retourcode', sa.String(length=4), nullable=True),
    sa.Column('niveau', sa.Integer(), nullable=False),
    sa.Column('locatie', sa.Text(), nullable=False),
    sa.Column('melding', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['bericht_id'], ['bericht.id'], name=op.f('fk_bevinding_bericht_id_bericht'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bevinding'))
    )
    with op.batch_alter_table('bevinding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bevinding_bericht_id'), ['bericht_id'], unique=False)

    op.create_table('kenmerk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bericht_id', sa.Integer(), nullable=False),
    sa.Column('soort', sa.String(length=20), nullable=False),
    sa.Column('waarde', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['bericht_id'], ['bericht.id'], name=op.f('fk_kenmerk_bericht_id_bericht'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kenmerk'))
    )
    with op.batch_alter_table('kenmerk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kenmerk_bericht_id'), ['bericht_id'], unique=False)
        batch_op.create_index('ix_kenmerk_soort_waarde', ['soort', 'waarde'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bericht_id', sa.Integer(), nullable=False),
    sa.Column('taak', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('aangemaakt_op', sa.DateTime(timezone=True), nullable=False),
    sa.Column('afgehandeld_op', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bericht_id'], ['bericht.id'], name=op.f('fk_outbox_bericht_id_bericht')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_bericht_id'), ['bericht_id'], unique=False)
        batch_op.create_index('ix_outbox_status', ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status')
        batch_op.drop_index(batch_op.f('ix_outbox_bericht_id'))

    op.drop_table('outbox')
    with op.batch_alter_table('kenmerk', schema=None) as batch_op:
        batch_op.drop_index('ix_kenmerk_soort_waarde')
        batch_op.drop_index(batch_op.f('ix_kenmerk_bericht_id'))

    op.drop_table('kenmerk')
    with op.batch_alter_table('bevinding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bevinding_bericht_id'))

    op.drop_table('bevinding')
    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_token_partij_id'))

    op.drop_table('token')
    with op.batch_alter_table('bericht', schema=None) as batch_op:
        batch_op.drop_index('ix_bericht_type_afzender')
        batch_op.drop_index(batch_op.f('ix_bericht_partij_id'))
        batch_op.drop_index('ix_bericht_ontvangen_op')
        batch_op.drop_index('ix_bericht_bsn')

    op.drop_table('bericht')
    op.drop_table('partij')
