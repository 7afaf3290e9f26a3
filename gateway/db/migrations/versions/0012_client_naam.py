"""The client's name in two columns of its own: as shown in lists, and folded for the search

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:40:00

The names are filled from the stored client XML (a JW301 Client element) of every existing
client. The folding is clientgegevens.zoektekst's, repeated here: a migration must keep
doing what it did when it was written, whatever the code does later.
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op
from lxml import etree

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_JW301 = "http://www.istandaarden.nl/ijw/3_2/jw301/schema"
_BASIS = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
_BATCH = 500


def _naam(data: bytes) -> str | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
    naam = etree.fromstring(data, parser).find(f"{{{_JW301}}}Naam")
    if naam is None:
        return None
    parts = []
    for path in ("Voornamen", "Voorletters"):
        text = naam.findtext(f"{{{_BASIS}}}{path}")
        if text:
            parts.append(text)
            break
    for path in ("Voorvoegsel", "Achternaam"):
        text = naam.findtext(f"{{{_BASIS}}}Geslachtsnaam/{{{_BASIS}}}{path}")
        if text:
            parts.append(text)
    return " ".join(" ".join(parts).split()) or None


def _fold(text: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()
    return re.sub(r"\s+", " ", plain).strip()


def upgrade() -> None:
    op.add_column('client', sa.Column('naam', sa.String(length=250), nullable=True))
    op.add_column('client', sa.Column('zoeknaam', sa.String(length=250), nullable=True))
    connection = op.get_bind()
    client = sa.table('client', sa.column('id', sa.Integer), sa.column('gegevens', sa.LargeBinary),
                      sa.column('naam', sa.String), sa.column('zoeknaam', sa.String))
    last = 0
    while True:  # in batches by id: a gateway holds tens of thousands of clients
        rows = connection.execute(sa.select(client.c.id, client.c.gegevens).where(
            client.c.id > last, client.c.gegevens.is_not(None)).order_by(client.c.id).limit(_BATCH)).all()
        if not rows:
            break
        for client_id, gegevens in rows:
            naam = _naam(gegevens)
            if naam:
                connection.execute(sa.update(client).where(client.c.id == client_id).values(
                    naam=naam[:250], zoeknaam=_fold(naam)[:250]))
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('client') as batch:
        batch.drop_column('zoeknaam')
        batch.drop_column('naam')
