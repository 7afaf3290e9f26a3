"""SQLAlchemy models of the message core.

Names follow the domain (partij, bericht, retourcode); a naming convention keeps
constraint names equal on SQLite and PostgreSQL so migrations match on both.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData, String,
    Text, UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Partij(Base):
    """A provider (aanbieder, by AGB code) or a municipality (gemeente, by CBS code)."""

    __tablename__ = "partij"
    __table_args__ = (UniqueConstraint("soort", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    soort: Mapped[str] = mapped_column(String(10))  # "aanbieder" | "gemeente"
    code: Mapped[str] = mapped_column(String(8))
    naam: Mapped[str] = mapped_column(String(200))
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    tokens: Mapped[list[Token]] = relationship(back_populates="partij", lazy="raise")


class Token(Base):
    """An API token, stored only as its SHA-256 (tokens are 256-bit random, so a fast hash
    is enough; a slow password hash would only cost every request)."""

    __tablename__ = "token"

    id: Mapped[int] = mapped_column(primary_key=True)
    partij_id: Mapped[int] = mapped_column(ForeignKey("partij.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ingetrokken_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    partij: Mapped[Partij] = relationship(back_populates="tokens", lazy="raise")


class Bericht(Base):
    """One message in or out, raw bytes included, with the answer the gateway gave.

    Every message that got past authentication and the size limit is a row, whatever its
    fate; `antwoord*` hold the exact HTTP answer so a replay can return it byte for byte.
    """

    __tablename__ = "bericht"
    __table_args__ = (
        # Idempotent replay: the same bytes from the same party are the same message.
        UniqueConstraint("partij_id", "richting", "inhoud_sha256", name="uq_bericht_replay"),
        Index("ix_bericht_type_afzender", "berichttype", "afzender"),
        Index("ix_bericht_bsn", "bsn"),
        Index("ix_bericht_ontvangen_op", "ontvangen_op"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    richting: Mapped[str] = mapped_column(String(3))  # "in" | "uit"
    partij_id: Mapped[int] = mapped_column(ForeignKey("partij.id"), index=True)
    berichttype: Mapped[str | None] = mapped_column(String(8))
    afzender: Mapped[str | None] = mapped_column(String(8))
    ontvanger: Mapped[str | None] = mapped_column(String(8))
    identificatie: Mapped[str | None] = mapped_column(String(12))
    dagtekening: Mapped[date | None] = mapped_column(Date)
    bsn: Mapped[str | None] = mapped_column(String(9))
    # "accepted" | "rejected" (a rule, or the transport: Afzender, Ontvanger) | "invalid"
    status: Mapped[str] = mapped_column(String(12))
    niveau: Mapped[int] = mapped_column(Integer, default=0)
    retourcodes: Mapped[list] = mapped_column(JSON, default=list)
    # TR056: "type|afzender|identificatie" of accepted messages only; unique, so two
    # concurrent messages with the same identificatie cannot both be accepted.
    uniek_sleutel: Mapped[str | None] = mapped_column(String(40), unique=True)
    inhoud: Mapped[bytes] = mapped_column(LargeBinary)
    inhoud_sha256: Mapped[str] = mapped_column(String(64))
    ontvangen_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    antwoord_status: Mapped[int | None] = mapped_column(Integer)
    antwoord_type: Mapped[str | None] = mapped_column(String(64))
    antwoord: Mapped[bytes | None] = mapped_column(LargeBinary)

    kenmerken: Mapped[list[Kenmerk]] = relationship(back_populates="bericht", lazy="raise",
                                                    cascade="all, delete-orphan")
    bevindingen: Mapped[list[Bevinding]] = relationship(
        back_populates="bericht", lazy="raise", cascade="all, delete-orphan",
        order_by="Bevinding.id")


class Kenmerk(Base):
    """A searchable key of a message that can occur more than once (ToewijzingNummer,
    ReferentieAanbieder)."""

    __tablename__ = "kenmerk"
    __table_args__ = (Index("ix_kenmerk_soort_waarde", "soort", "waarde"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bericht_id: Mapped[int] = mapped_column(ForeignKey("bericht.id", ondelete="CASCADE"), index=True)
    soort: Mapped[str] = mapped_column(String(20))  # "toewijzingnummer" | "referentie" | "afgehandeld"
    waarde: Mapped[str] = mapped_column(String(36))

    bericht: Mapped[Bericht] = relationship(back_populates="kenmerken", lazy="raise")


class Bevinding(Base):
    """One failed rule (or schema error) of a message: the rule report."""

    __tablename__ = "bevinding"

    id: Mapped[int] = mapped_column(primary_key=True)
    bericht_id: Mapped[int] = mapped_column(ForeignKey("bericht.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    retourcode: Mapped[str | None] = mapped_column(String(4))
    niveau: Mapped[int] = mapped_column(Integer)
    locatie: Mapped[str] = mapped_column(Text)
    melding: Mapped[str | None] = mapped_column(Text)  # schema error text, for level 1

    bericht: Mapped[Bericht] = relationship(back_populates="bevindingen", lazy="raise")


class Outbox(Base):
    """Follow-up work for an accepted message, written in the same transaction; the relay
    (Celery) picks it up after commit. The database is the record, the broker a wake-up."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bericht_id: Mapped[int] = mapped_column(ForeignKey("bericht.id"), index=True)
    taak: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    afgehandeld_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
