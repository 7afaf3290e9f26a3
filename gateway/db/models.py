"""SQLAlchemy models of the message core.

Names follow the domain (partij, bericht, retourcode); a naming convention keeps
constraint names equal on SQLite and PostgreSQL so migrations match on both.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from gateway import clock, correlation

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


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
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    # Optional: where a provider wants to hear "new message in your postbus".
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_geheim: Mapped[str | None] = mapped_column(String(64))  # HMAC key for the signature
    # How a provider's heenberichten from the gemeente (JW301, JW319) reach it: "api" (its
    # postbus) or "ggk" (a Di01 through the national chain; the postbus keeps a copy).
    kanaal: Mapped[str] = mapped_column(String(3), default="api", server_default="api")

    tokens: Mapped[list[Token]] = relationship(back_populates="partij", lazy="raise")


class Token(Base):
    """An API token, stored only as its SHA-256 (tokens are 256-bit random, so a fast hash
    is enough; a slow password hash would only cost every request)."""

    __tablename__ = "token"

    id: Mapped[int] = mapped_column(primary_key=True)
    partij_id: Mapped[int] = mapped_column(ForeignKey("partij.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    # The last API call with it, to within parties.LAATST_GEBRUIKT_RESOLUTIE (rotation: is the
    # old token still in use?).
    laatst_gebruikt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ingetrokken_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    partij: Mapped[Partij] = relationship(back_populates="tokens", lazy="raise")


class SandboxMarker(Base):
    """One row when this database is a sandbox (docs/sandbox.md), written by the first
    `gateway serve --sandbox` on an empty database: from then on only a sandbox runs on it."""

    __tablename__ = "sandbox"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    sinds: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class SandboxAanbieder(Base):
    """A provider that registered itself in the sandbox, with the municipality that answers
    it: one of its own, so no two providers ever see each other's clients or numbers."""

    __tablename__ = "sandbox_aanbieder"

    agb: Mapped[str] = mapped_column(String(8), primary_key=True)
    gemeente: Mapped[str] = mapped_column(String(4), unique=True)
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


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
        Index("ix_bericht_bsn", "bsn", "id"),  # a client's messages, newest first
        Index("ix_bericht_ontvangen_op", "ontvangen_op"),
        Index("ix_bericht_identificatie", "identificatie"),
        # The back office's message log pages newest first (by id) within a filter: with the
        # id in the index a rare type, status or provider is found without walking the log.
        Index("ix_bericht_log_type", "berichttype", "id"),
        Index("ix_bericht_log_status", "status", "id"),
        # Type and status together (e.g. rejected JW305s): rare combinations would otherwise
        # walk one of the single-filter indexes to its end.
        Index("ix_bericht_log_type_status", "berichttype", "status", "id"),
        Index("ix_bericht_log_partij", "partij_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    richting: Mapped[str] = mapped_column(String(3))  # "in" | "uit"
    partij_id: Mapped[int] = mapped_column(ForeignKey("partij.id"))  # indexed with id: ix_bericht_log_partij
    berichttype: Mapped[str | None] = mapped_column(String(8))
    afzender: Mapped[str | None] = mapped_column(String(8))
    ontvanger: Mapped[str | None] = mapped_column(String(8))
    identificatie: Mapped[str | None] = mapped_column(String(12))
    dagtekening: Mapped[date | None] = mapped_column(Date)
    bsn: Mapped[str | None] = mapped_column(String(9))
    # "accepted" | "rejected" (a rule, or the transport: Afzender, Ontvanger) | "invalid"
    status: Mapped[str] = mapped_column(String(12))
    niveau: Mapped[int] = mapped_column(Integer, default=0)
    retourcodes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # TR056: "type|afzender|identificatie" of accepted messages only; unique, so two
    # concurrent messages with the same identificatie cannot both be accepted.
    uniek_sleutel: Mapped[str | None] = mapped_column(String(40), unique=True)
    inhoud: Mapped[bytes] = mapped_column(LargeBinary)
    inhoud_sha256: Mapped[str] = mapped_column(String(64))
    ontvangen_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    antwoord_status: Mapped[int | None] = mapped_column(Integer)
    antwoord_type: Mapped[str | None] = mapped_column(String(64))
    antwoord: Mapped[bytes | None] = mapped_column(LargeBinary)
    # When the retention purge removed body, answer and BSN (gateway.domain.beheer.bewaartermijn).
    gewist_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

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
    """Follow-up work, written in the same transaction as the fact that causes it; the relay
    (Celery) picks it up after commit. The database is the record, the broker a wake-up.

    `bericht_id` is the message the work is about: the received message (verwerk_*), the
    aanvraag's message (uitvoeren_besluit) or the outbound message (webhook)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bericht_id: Mapped[int] = mapped_column(ForeignKey("bericht.id"), index=True)
    taak: Mapped[str] = mapped_column(String(40))
    # "pending" | "done" | "mislukt" (gave up after the last attempt; an operator looks)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    afgehandeld_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pogingen: Mapped[int] = mapped_column(Integer, default=0)
    volgende_poging: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the sweep last re-sent it: a backlog is re-sent at most once per sweep age.
    verzonden_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fout: Mapped[str | None] = mapped_column(Text)
    # The correlation id bound when the row was written (the request's X-Request-ID, or the
    # id of the task that caused it), so the work's log lines carry it too.
    request_id: Mapped[str | None] = mapped_column(String(64), default=correlation.current)
    # The StUF-GGk envelope a "ggk_verzenden" row delivers (its bericht_id is the message the
    # envelope is about).
    envelop_id: Mapped[int | None] = mapped_column(ForeignKey("envelop.id"), index=True)


class Envelop(Base):
    """A StUF-GGk envelope (Di01, Du01, Fo01) received from or sent to the national chain.

    The unique key is the StUF one: the zender's system plus its referentienummer, per
    direction (ggk-koppelvlak.md §4.5); absent zender parts are stored as "" so the key also
    holds on PostgreSQL, where NULLs never collide. `bericht_id` is the iJw message the
    envelope is about: for a received Di01/Du01 the stored payload, for a sent Di01 the JW301
    or JW319, for a sent Du01 or Fo01 the received message it answers, for a received Fo01
    the message of the envelope it refuses (None when that is unknown).

    status, received: "ontvangen". Sent: "te_verzenden" (stored, not yet accepted by the chain;
    its attempts are in `envelop_poging`), "afgeleverd" (the chain answered Bv03), "mislukt"
    (no Bv03 after the last attempt) or "geweigerd" (an Fo01 came back for it)."""

    __tablename__ = "envelop"
    __table_args__ = (
        UniqueConstraint("richting", "zender_organisatie", "zender_applicatie", "zender_administratie",
                         "referentienummer"),
        Index("ix_envelop_cross_refnummer", "cross_refnummer"),
        # The deadlines board looks for refused envelopes on every load.
        Index("ix_envelop_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    richting: Mapped[str] = mapped_column(String(3))  # "in" | "uit"
    soort: Mapped[str] = mapped_column(String(4))  # "Di01" | "Du01" | "Fo01"
    referentienummer: Mapped[str] = mapped_column(String(40), index=True)
    cross_refnummer: Mapped[str | None] = mapped_column(String(40))
    zender_organisatie: Mapped[str] = mapped_column(String(200))
    zender_applicatie: Mapped[str] = mapped_column(String(50))
    zender_administratie: Mapped[str] = mapped_column(String(50), default="")
    ontvanger_organisatie: Mapped[str] = mapped_column(String(200))
    functie: Mapped[str | None] = mapped_column(String(30))
    tijdstip_bericht: Mapped[str] = mapped_column(String(17))
    bericht_id: Mapped[int | None] = mapped_column(ForeignKey("bericht.id"), index=True)
    inhoud: Mapped[bytes] = mapped_column(LargeBinary)  # the envelope element as received or sent
    inhoud_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    # Received: the Bv03 we answered (a repeat gets it again); sent: the chain's answer.
    antwoord: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Sent and refused: what the Fo01 said, and who raised it (RINIS, IB, VECOZO, ...).
    fout_code: Mapped[str | None] = mapped_column(String(7))
    fout_omschrijving: Mapped[str | None] = mapped_column(String(200))
    fout_details: Mapped[str | None] = mapped_column(String(1000))
    fout_zender: Mapped[str | None] = mapped_column(String(200))
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    afgeleverd_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    geweigerd_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EnvelopPoging(Base):
    """One attempt to hand a sent envelope to the chain: what came back, or why nothing did."""

    __tablename__ = "envelop_poging"

    id: Mapped[int] = mapped_column(primary_key=True)
    envelop_id: Mapped[int] = mapped_column(ForeignKey("envelop.id"), index=True)
    poging: Mapped[int] = mapped_column(Integer)
    tijdstip: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    http_status: Mapped[int | None] = mapped_column(Integer)
    fout: Mapped[str | None] = mapped_column(Text)
    geslaagd: Mapped[bool] = mapped_column(Boolean)


class GgkKlok(Base):
    """The last tijdstipBericht the gateway gave out, one row: every envelope it sends carries
    a later one than all before it (StUF019), also with several API processes and workers,
    because the row is locked while the next one is taken."""

    __tablename__ = "ggk_klok"

    id: Mapped[int] = mapped_column(primary_key=True)
    laatste: Mapped[str] = mapped_column(String(17))


class Nummerreeks(Base):
    """A counter per gemeente (ToewijzingNummer, beschikkingnummer): the database's own
    sequence, portable to SQLite. Drawing a number updates the row, which locks it until
    the transaction ends, so two workers never draw the same number; a rolled-back
    transaction gives its number back."""

    __tablename__ = "nummerreeks"

    gemeente: Mapped[str] = mapped_column(String(4), primary_key=True)
    soort: Mapped[str] = mapped_column(String(20), primary_key=True)
    laatste: Mapped[int] = mapped_column(Integer, default=0)


class Client(Base):
    """A client of a gemeente: the internal id the back office uses (never the BSN in a URL),
    and what the gemeente knows of the client for its JW301s: the Client element of the latest
    aanvraagformulier (or what the CJG added), without the aanvraag itself."""

    __tablename__ = "client"
    __table_args__ = (UniqueConstraint("gemeente", "bsn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gemeente: Mapped[str] = mapped_column(String(4))
    bsn: Mapped[str] = mapped_column(String(9))
    # XML, see gateway.domain.aanvraag.clientgegevens; None for a client known only from messages
    # without an address (JW315, JW305, JW307): the row then only gives the client an id.
    gegevens: Mapped[bytes | None] = mapped_column(LargeBinary)
    bron_bericht_id: Mapped[int | None] = mapped_column(ForeignKey("bericht.id"))
    bijgewerkt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    # Taken from `gegevens` whenever they change (clienten.remember), so lists can name a
    # client and the search can find one without parsing the XML of every client:
    # `naam` as shown, `zoeknaam` folded (clientgegevens.zoektekst) for a LIKE that gives
    # the same answer on SQLite and PostgreSQL.
    naam: Mapped[str | None] = mapped_column(String(250))
    zoeknaam: Mapped[str | None] = mapped_column(String(250))


class Aanvraag(Base):
    """A request to decide: an aanvraagformulier (AGJ), a verzoek om toewijzing (JW315) or
    a verzoek om wijziging (JW317), with its decision and its deadline."""

    __tablename__ = "aanvraag"
    # The decision queue: per status by deadline (open) or newest first (decided).
    __table_args__ = (Index("ix_aanvraag_wachtrij", "status", "antwoord_uiterlijk", "ontvangen_op", "id"),
                      Index("ix_aanvraag_status", "status", "id"),
                      Index("ix_aanvraag_client", "gemeente", "aanbieder", "bsn"),
                      Index("ix_aanvraag_bsn", "gemeente", "bsn"),
                      # /termijnen: the open aanvragen (afgehandeld_op IS NULL) by deadline
                      Index("ix_aanvraag_open", "afgehandeld_op", "antwoord_uiterlijk"))

    id: Mapped[int] = mapped_column(primary_key=True)
    bericht_id: Mapped[int] = mapped_column(ForeignKey("bericht.id"), unique=True)
    soort: Mapped[str] = mapped_column(String(5))  # "AGJ" | "JW315" | "JW317"
    gemeente: Mapped[str] = mapped_column(String(4))
    aanbieder: Mapped[str] = mapped_column(String(8))
    bsn: Mapped[str] = mapped_column(String(9))
    dagtekening: Mapped[date] = mapped_column(Date)
    ontvangen_op: Mapped[date] = mapped_column(Date)
    # JW317: the Verzoek's ReferentieAanbieder (AGJ/JW315 carry one per product)
    referentie: Mapped[str | None] = mapped_column(String(36))
    leveringsvorm: Mapped[str] = mapped_column(String(3), default="ZIN")
    # "te_beoordelen" | "in_onderzoek" | "toegekend" | "afgewezen"
    status: Mapped[str] = mapped_column(String(14))
    automatisch: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why the CJG has to look: [{"referentie", "code", "message"}] (NormAfwijking and more)
    beoordeling: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Deadline of the next answer: 5 werkdagen (OP274/OP346), 8 weeks once in onderzoek.
    antwoord_uiterlijk: Mapped[date] = mapped_column(Date)
    termijn: Mapped[str] = mapped_column(String(60))
    besluit: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the decision as taken
    besloten_door: Mapped[str | None] = mapped_column(String(100))
    besloten_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reden_afwijzing: Mapped[str | None] = mapped_column(String(1))
    onderzoek_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the final answer went out (JW301, rejecting JW319, or a PGB beschikking): from
    # then on the request is no longer open (TR374).
    afgehandeld_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Granted outside the product's norms (design.md §9): for the exceptions list.
    buiten_norm: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    producten: Mapped[list[AanvraagProduct]] = relationship(
        back_populates="aanvraag", lazy="selectin", order_by="AanvraagProduct.volgnummer",
        cascade="all, delete-orphan")


class AanvraagProduct(Base):
    """One asked product (AGJ/JW315 AangevraagdProduct; JW317 Ongewijzigd, TeWijzigen or
    Nieuw), with what was granted."""

    __tablename__ = "aanvraag_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    aanvraag_id: Mapped[int] = mapped_column(ForeignKey("aanvraag.id", ondelete="CASCADE"), index=True)
    volgnummer: Mapped[int] = mapped_column(Integer)
    # "aangevraagd" (AGJ, JW315) | "ongewijzigd" | "te_wijzigen" | "nieuw" (JW317)
    soort: Mapped[str] = mapped_column(String(12))
    referentie_aanbieder: Mapped[str | None] = mapped_column(String(36))
    toewijzingnummer: Mapped[int | None] = mapped_column(Integer)  # JW317 ongewijzigd/te_wijzigen
    categorie: Mapped[str | None] = mapped_column(String(2))
    code: Mapped[str | None] = mapped_column(String(5))
    ingangsdatum: Mapped[date | None] = mapped_column(Date)
    einddatum: Mapped[date | None] = mapped_column(Date)
    volume: Mapped[int | None] = mapped_column(Integer)
    eenheid: Mapped[str | None] = mapped_column(String(2))
    frequentie: Mapped[str | None] = mapped_column(String(1))
    budget: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(14))
    # What the CJG granted where it differs from the request (seed 003: the CJG decides).
    toegekend: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    aanvraag: Mapped[Aanvraag] = relationship(back_populates="producten", lazy="raise")


class Voorstel(Base):
    """A grant outside the norms proposed in the back office, carried out only when another
    cjg user approves it (design.md §9, four eyes). At most one waits per aanvraag."""

    __tablename__ = "voorstel"
    __table_args__ = (Index("ux_voorstel_wacht", "aanvraag_id", unique=True,
                            sqlite_where=text("status = 'wacht'"), postgresql_where=text("status = 'wacht'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    aanvraag_id: Mapped[int] = mapped_column(ForeignKey("aanvraag.id", ondelete="CASCADE"), index=True)
    invoer: Mapped[dict[str, Any]] = mapped_column(JSON)  # the decision as proposed (besluit JSON)
    # Why it needs a second approval: [{"referentie", "soort", "message"}]
    afwijkingen: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    voorgesteld_door: Mapped[str] = mapped_column(String(100))
    voorgesteld_op: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12))  # "wacht" | "akkoord" | "ingetrokken" | "vervallen"
    afgehandeld_door: Mapped[str | None] = mapped_column(String(100))
    afgehandeld_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Beschikking(Base):
    """The municipality's decision for the parents (never sent in iJw messages, UP037)."""

    __tablename__ = "beschikking"
    __table_args__ = (UniqueConstraint("nummer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nummer: Mapped[str] = mapped_column(String(20))
    gemeente: Mapped[str] = mapped_column(String(4))
    aanvraag_id: Mapped[int] = mapped_column(ForeignKey("aanvraag.id"), unique=True)
    bsn: Mapped[str] = mapped_column(String(9))
    datum: Mapped[date] = mapped_column(Date)
    soort: Mapped[str] = mapped_column(String(10))  # "toekenning" | "afwijzing"
    leveringsvorm: Mapped[str] = mapped_column(String(3))
    # The content as decided: client name, hulpvraag, contextanalyse, resultaten, products
    # with code, period and Omvang or Budget, reason of a rejection.
    inhoud: Mapped[dict[str, Any]] = mapped_column(JSON)
    bezwaar_uiterlijk: Mapped[date] = mapped_column(Date)
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    bezwaren: Mapped[list[Bezwaar]] = relationship(back_populates="beschikking", lazy="selectin",
                                                   order_by="Bezwaar.id")


class Bezwaar(Base):
    """An objection against a beschikking (Awb; work process step 17D)."""

    __tablename__ = "bezwaar"

    id: Mapped[int] = mapped_column(primary_key=True)
    beschikking_id: Mapped[int] = mapped_column(ForeignKey("beschikking.id"), index=True)
    ontvangen_op: Mapped[date] = mapped_column(Date)
    indiener: Mapped[str] = mapped_column(String(200))
    toelichting: Mapped[str | None] = mapped_column(Text)
    binnen_termijn: Mapped[bool] = mapped_column(Boolean)
    # "ingediend" | "gegrond" | "ongegrond" | "ingetrokken"
    status: Mapped[str] = mapped_column(String(12), default="ingediend")
    afgehandeld_op: Mapped[date | None] = mapped_column(Date)
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    beschikking: Mapped[Beschikking] = relationship(back_populates="bezwaren", lazy="raise")


class Toewijzing(Base):
    """One assignment (ToegewezenProduct) in its current version. The versions that went
    out are the JW301 messages themselves; `gewijzigd` says this version has not been sent
    yet, so the next JW301 must carry it (OP087)."""

    __tablename__ = "toewijzing"
    __table_args__ = (UniqueConstraint("gemeente", "nummer"),
                      Index("ix_toewijzing_client", "gemeente", "aanbieder", "bsn"),
                      Index("ix_toewijzing_bsn", "gemeente", "bsn"))

    id: Mapped[int] = mapped_column(primary_key=True)
    gemeente: Mapped[str] = mapped_column(String(4))
    nummer: Mapped[int] = mapped_column(Integer)  # ToewijzingNummer (LDT_Nummer)
    aanbieder: Mapped[str] = mapped_column(String(8))
    bsn: Mapped[str] = mapped_column(String(9))
    aanvraag_id: Mapped[int | None] = mapped_column(ForeignKey("aanvraag.id"), index=True)
    beschikking_id: Mapped[int | None] = mapped_column(ForeignKey("beschikking.id"))
    referentie_aanbieder: Mapped[str | None] = mapped_column(String(36))
    categorie: Mapped[str | None] = mapped_column(String(2))
    code: Mapped[str | None] = mapped_column(String(5))
    ingangsdatum: Mapped[date] = mapped_column(Date)
    einddatum: Mapped[date | None] = mapped_column(Date)
    volume: Mapped[int | None] = mapped_column(Integer)
    eenheid: Mapped[str | None] = mapped_column(String(2))
    frequentie: Mapped[str | None] = mapped_column(String(1))
    budget: Mapped[int | None] = mapped_column(Integer)
    reden_wijziging: Mapped[str | None] = mapped_column(String(2))
    toewijzingsdatum: Mapped[date] = mapped_column(Date)
    toewijzingstijd: Mapped[str] = mapped_column(String(8))  # hh:mm:ss, Europe/Amsterdam
    gewijzigd: Mapped[bool] = mapped_column(Boolean, default=True)
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    @property
    def verwijderd(self) -> bool:
        # RedenWijziging 13 with Einddatum = Ingangsdatum: treat as never sent (JZ002).
        return self.reden_wijziging == "13"


class PostbusItem(Base):
    """An outbound message (JW301, JW319) waiting for, fetched by or confirmed by its
    provider. A JW302/JW320 with error codes marks it `afgekeurd` and flags it for the CJG."""

    __tablename__ = "postbus_item"
    __table_args__ = (Index("ix_postbus_partij_status", "partij_id", "status"),
                      Index("ix_postbus_retour", "retour_bericht_id"))

    bericht_id: Mapped[int] = mapped_column(ForeignKey("bericht.id"), primary_key=True)
    partij_id: Mapped[int] = mapped_column(ForeignKey("partij.id"))
    berichttype: Mapped[str] = mapped_column(String(8))
    # "nieuw" | "opgehaald" | "bevestigd" | "afgekeurd"
    status: Mapped[str] = mapped_column(String(10), default="nieuw")
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    opgehaald_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    beantwoord_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retour_bericht_id: Mapped[int | None] = mapped_column(ForeignKey("bericht.id"))
    retourcodes: Mapped[list[str]] = mapped_column(JSON, default=list)
    aandacht_cjg: Mapped[bool] = mapped_column(Boolean, default=False)


class WebhookPoging(Base):
    """One attempt to tell a provider's webhook about a new postbus item."""

    __tablename__ = "webhook_poging"

    id: Mapped[int] = mapped_column(primary_key=True)
    bericht_id: Mapped[int] = mapped_column(ForeignKey("bericht.id"), index=True)
    poging: Mapped[int] = mapped_column(Integer)
    tijdstip: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    url: Mapped[str] = mapped_column(String(500))
    http_status: Mapped[int | None] = mapped_column(Integer)
    fout: Mapped[str | None] = mapped_column(Text)
    geslaagd: Mapped[bool] = mapped_column(Boolean)
    volgende_poging: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Zorglevering(Base):
    """One start of care (JW305 StartProduct) with its stops. A deleted start (StatusAanlevering
    3) stays as history with `verwijderd_bericht_id`; `actief_sleutel` is its key while it
    counts, unique, so two concurrent messages cannot both record the same start."""

    __tablename__ = "zorglevering"
    __table_args__ = (Index("ix_zorglevering_client", "gemeente", "aanbieder", "bsn"),
                      Index("ix_zorglevering_toewijzing", "gemeente", "toewijzingnummer"),
                      Index("ix_zorglevering_bsn", "gemeente", "bsn"))

    id: Mapped[int] = mapped_column(primary_key=True)
    gemeente: Mapped[str] = mapped_column(String(4))
    aanbieder: Mapped[str] = mapped_column(String(8))
    bsn: Mapped[str] = mapped_column(String(9))
    toewijzingnummer: Mapped[int | None] = mapped_column(Integer)
    categorie: Mapped[str | None] = mapped_column(String(2))
    code: Mapped[str | None] = mapped_column(String(5))
    begindatum: Mapped[date] = mapped_column(Date)
    toewijzing_ingangsdatum: Mapped[date | None] = mapped_column(Date)
    bericht_id: Mapped[int] = mapped_column(ForeignKey("bericht.id"))
    verwijderd_bericht_id: Mapped[int | None] = mapped_column(ForeignKey("bericht.id"))
    actief_sleutel: Mapped[str | None] = mapped_column(String(80), unique=True)
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    stops: Mapped[list[ZorgleveringStop]] = relationship(
        back_populates="zorglevering", lazy="selectin", order_by="ZorgleveringStop.id")


class ZorgleveringStop(Base):
    """One stop of care (JW307 StopProduct): temporary (RedenBeeindiging 20) or definitive."""

    __tablename__ = "zorglevering_stop"

    id: Mapped[int] = mapped_column(primary_key=True)
    zorglevering_id: Mapped[int] = mapped_column(ForeignKey("zorglevering.id"), index=True)
    reden: Mapped[str] = mapped_column(String(2))
    einddatum: Mapped[date] = mapped_column(Date)
    bericht_id: Mapped[int] = mapped_column(ForeignKey("bericht.id"))
    verwijderd_bericht_id: Mapped[int | None] = mapped_column(ForeignKey("bericht.id"))
    actief_sleutel: Mapped[str | None] = mapped_column(String(100), unique=True)
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    zorglevering: Mapped[Zorglevering] = relationship(back_populates="stops", lazy="raise")


class Signaal(Base):
    """Something on a trajectory the CJG should look at (late start or stop report, no start,
    care past the toewijzing's end, a start before it). `sleutel` makes a periodic signal
    appear once."""

    __tablename__ = "signaal"
    __table_args__ = (Index("ix_signaal_aanbieder", "gemeente", "aanbieder"),
                      Index("ix_signaal_client", "gemeente", "bsn"))

    id: Mapped[int] = mapped_column(primary_key=True)
    gemeente: Mapped[str] = mapped_column(String(4))
    aanbieder: Mapped[str] = mapped_column(String(8))
    bsn: Mapped[str] = mapped_column(String(9))
    toewijzingnummer: Mapped[int | None] = mapped_column(Integer)
    soort: Mapped[str] = mapped_column(String(30))
    melding: Mapped[str] = mapped_column(Text)
    datum: Mapped[date] = mapped_column(Date)
    bericht_id: Mapped[int | None] = mapped_column(ForeignKey("bericht.id"))
    sleutel: Mapped[str] = mapped_column(String(120), unique=True)
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class Gebruiker(Base):
    """A back-office user: a CJG case worker, a finance controller or an administrator."""

    __tablename__ = "gebruiker"

    id: Mapped[int] = mapped_column(primary_key=True)
    gebruikersnaam: Mapped[str] = mapped_column(String(64), unique=True)
    rol: Mapped[str] = mapped_column(String(10))  # "cjg" | "finance" | "admin"
    wachtwoord_hash: Mapped[str] = mapped_column(String(200))  # argon2id, with its own salt
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    # The CBS codes of the gateway's municipalities whose work the user sees (design.md §9);
    # None: all of them (a single-municipality gateway, and a municipality added later).
    gemeenten: Mapped[list[str] | None] = mapped_column(JSON)
    # Blocked by an administrator: no log-in, no session (unlike a lock-out, it does not expire).
    geblokkeerd: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class InlogTeller(Base):
    """Failed log-ins counted in a window: per (typed name, source address) for the lock-out of a
    name, and per source address (`naam_sleutel` empty) for the throttle of an address. In the
    database, so that every API process counts the same attempts. A name is kept only as a
    SHA-256 (`gateway.domain.beheer.inlogtellers.naam_sleutel`), known or not: what was typed may be a
    password typed in the wrong field."""

    __tablename__ = "inlog_teller"
    __table_args__ = (UniqueConstraint("naam_sleutel", "adres"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    naam_sleutel: Mapped[str] = mapped_column(String(64))  # "" for the address's own counter
    adres: Mapped[str] = mapped_column(String(45))  # "" when the address is not known
    mislukt: Mapped[int] = mapped_column(Integer)  # attempts in the window not (yet) successful
    venster_begin: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    geblokkeerd_tot: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Sessie(Base):
    """A logged-in browser. Kept in the database, not in a process, so any API process can
    serve the next page; the cookie holds a random key of which only the hash is stored."""

    __tablename__ = "sessie"

    id: Mapped[int] = mapped_column(primary_key=True)
    sleutel_hash: Mapped[str] = mapped_column(String(64), unique=True)
    gebruiker_id: Mapped[int] = mapped_column(ForeignKey("gebruiker.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))  # the token every form of this session carries
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    laatst_gebruikt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    gebruiker: Mapped[Gebruiker] = relationship(lazy="joined")


class AanvraagConcept(Base):
    """A draft of the aanvraagformulier: the posted fields as typed, kept in the database (any
    API process may serve the next page) per user and form key, so a form survives an expired
    session and "Concept opslaan". Removed when the aanvraag is registered, or after
    `gateway.domain.aanvraag.concepten.BEWAARTERMIJN`."""

    __tablename__ = "aanvraag_concept"
    __table_args__ = (UniqueConstraint("gebruiker_id", "sleutel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gebruiker_id: Mapped[int] = mapped_column(ForeignKey("gebruiker.id", ondelete="CASCADE"), index=True)
    sleutel: Mapped[str] = mapped_column(String(9))  # the form's key (gateway.domain.aanvraag.aanvraagformulier)
    waarden: Mapped[dict[str, str]] = mapped_column(JSON)
    bijgewerkt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRegel(Base):
    """One entry of the access log (NEN 7513-style): who did what to which object, about which
    client, when and from where. Append-only: the database refuses UPDATE and DELETE (triggers
    from migration 0004). The user's name is copied so an entry stands on its own."""

    __tablename__ = "audit_regel"
    __table_args__ = (Index("ix_audit_regel_client", "client_id", "id"),
                      Index("ix_audit_regel_actie", "actie", "id"),
                      Index("ix_audit_regel_tijdstip", "tijdstip"),
                      Index("ix_audit_regel_gebruiker", "gebruiker", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tijdstip: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    gebruiker: Mapped[str] = mapped_column(String(64))
    # "bekijken", "besluiten", "aanvraag_ingevoerd", "inloggen", "inloggen_mislukt", ...
    actie: Mapped[str] = mapped_column(String(30))
    object_type: Mapped[str | None] = mapped_column(String(20))  # "bericht", "client", ...
    object_id: Mapped[str | None] = mapped_column(String(40))
    client_id: Mapped[int | None] = mapped_column(Integer)  # client.id, never the BSN
    adres: Mapped[str | None] = mapped_column(String(45))  # source address (IPv6 fits)


class Declaratie(Base):
    """One declaration (JW323, a provider's claim over one calendar month) as received,
    with the totals of its answer (JW325). Amounts in eurocent, signed: a credit is negative."""

    __tablename__ = "declaratie"
    # TR333 (9333): a DeclaratieNummer is used once per provider and gemeente.
    __table_args__ = (UniqueConstraint("gemeente", "aanbieder", "nummer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bericht_id: Mapped[int] = mapped_column(ForeignKey("bericht.id"), unique=True)
    gemeente: Mapped[str] = mapped_column(String(4))
    aanbieder: Mapped[str] = mapped_column(String(8))
    nummer: Mapped[str] = mapped_column(String(12))  # DeclaratieNummer
    periode_begin: Mapped[date] = mapped_column(Date)  # DeclaratiePeriode, one calendar month
    periode_eind: Mapped[date] = mapped_column(Date)
    dagtekening: Mapped[date] = mapped_column(Date)  # DeclaratieDagtekening
    ingediend_eurocent: Mapped[int] = mapped_column(BigInteger)  # TotaalIngediendBedrag
    toegekend_eurocent: Mapped[int] = mapped_column(BigInteger)  # TotaalToegekendBedrag of the JW325
    antwoord_bericht_id: Mapped[int | None] = mapped_column(ForeignKey("bericht.id"))  # the JW325
    aangemaakt_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class Prestatie(Base):
    """One declaration line (JW323 Prestatie) with its verdict: approved lines count as
    declared, rejected ones carry their retourcodes (the JW325 lists only those)."""

    __tablename__ = "prestatie"
    __table_args__ = (Index("ix_prestatie_toewijzing", "gemeente", "toewijzingnummer"),
                      Index("ix_prestatie_periode", "gemeente", "begindatum"),
                      Index("ix_prestatie_declaratie", "declaratie_id"),
                      # a client's declaration lines (the retention purge's check per client)
                      Index("ix_prestatie_bsn", "gemeente", "bsn"))

    id: Mapped[int] = mapped_column(primary_key=True)
    declaratie_id: Mapped[int] = mapped_column(ForeignKey("declaratie.id"))
    gemeente: Mapped[str] = mapped_column(String(4))
    aanbieder: Mapped[str] = mapped_column(String(8))
    bsn: Mapped[str] = mapped_column(String(9))
    referentie: Mapped[str] = mapped_column(String(20))  # ProductReferentie/ReferentieNummer
    vorige_referentie: Mapped[str | None] = mapped_column(String(20))  # VorigReferentieNummer
    toewijzingnummer: Mapped[int] = mapped_column(Integer)
    categorie: Mapped[str] = mapped_column(String(2))  # ProductCategorie
    code: Mapped[str] = mapped_column(String(5))  # ProductCode
    begindatum: Mapped[date] = mapped_column(Date)  # ProductPeriode
    einddatum: Mapped[date] = mapped_column(Date)
    volume: Mapped[int] = mapped_column(BigInteger)  # GeleverdVolume, in the Eenheid
    eenheid: Mapped[str] = mapped_column(String(2))
    tarief_eurocent: Mapped[int | None] = mapped_column(BigInteger)  # ProductTarief
    bedrag_eurocent: Mapped[int] = mapped_column(BigInteger)  # IngediendBedrag, signed (credit < 0)
    debet_credit: Mapped[str] = mapped_column(String(1))  # "D" | "C"
    status: Mapped[str] = mapped_column(String(10))  # "toegekend" | "afgewezen"
    retourcodes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # "aanbieder|referentie" of an approved line: unique, so a ProductReferentie is approved
    # once per provider (TR314), also when two declarations arrive at the same moment.
    actief_sleutel: Mapped[str | None] = mapped_column(String(40), unique=True)


class Bestedingsruimte(Base):
    """A provider's annual spending cap (bestedingsruimte) at a gemeente, in eurocent, as
    last set by an administrator (each setting is in the access log)."""

    __tablename__ = "bestedingsruimte"
    __table_args__ = (UniqueConstraint("gemeente", "aanbieder", "jaar"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gemeente: Mapped[str] = mapped_column(String(4))
    aanbieder: Mapped[str] = mapped_column(String(8))
    jaar: Mapped[int] = mapped_column(Integer)
    bedrag_eurocent: Mapped[int] = mapped_column(BigInteger)
    ingesteld_door: Mapped[str] = mapped_column(String(64))
    ingesteld_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class FinancienMaand(Base):
    """The finance report's totals per group and calendar month (gateway.db.maandtotalen):
    what a whole month adds to a report, and the running parts that carry over from month to
    month. Kept in the transaction of every write that changes them, never later."""

    __tablename__ = "financien_maand"
    __table_args__ = (UniqueConstraint("gemeente", "aanbieder", "categorie", "code", "eenheid", "maand"),
                      Index("ix_financien_maand_maand", "maand"))

    id: Mapped[int] = mapped_column(primary_key=True)
    gemeente: Mapped[str] = mapped_column(String(4))
    aanbieder: Mapped[str] = mapped_column(String(8))
    # '' for a missing categorie, code or eenheid: a unique key with NULLs would not match itself
    categorie: Mapped[str] = mapped_column(String(2))
    code: Mapped[str] = mapped_column(String(5))
    eenheid: Mapped[str] = mapped_column(String(2))
    maand: Mapped[date] = mapped_column(Date)  # the first day of the calendar month
    toegewezen: Mapped[float] = mapped_column(Float, default=0.0)
    toegewezen_vast: Mapped[float] = mapped_column(Float, default=0.0)
    geleverd: Mapped[float] = mapped_column(Float, default=0.0)
    gedeclareerd: Mapped[float] = mapped_column(Float, default=0.0)
    gedeclareerd_eurocent: Mapped[float] = mapped_column(Float, default=0.0)
    benut_begin: Mapped[float] = mapped_column(Float, default=0.0)
    benut_eind: Mapped[float] = mapped_column(Float, default=0.0)
    aantal_begin: Mapped[float] = mapped_column(Float, default=0.0)
    aantal_eind: Mapped[float] = mapped_column(Float, default=0.0)
    toegewezen_dag: Mapped[float] = mapped_column(Float, default=0.0)
    toegewezen_maand: Mapped[float] = mapped_column(Float, default=0.0)
    geleverd_dag: Mapped[float] = mapped_column(Float, default=0.0)
    geleverd_maand: Mapped[float] = mapped_column(Float, default=0.0)


class FinancienMaanddeel(Base):
    """The same quantities as daily rates over a span of days inside one calendar month, so
    a report that starts or ends mid-month adds up exactly the days it covers."""

    __tablename__ = "financien_maanddeel"
    __table_args__ = (UniqueConstraint("gemeente", "aanbieder", "categorie", "code", "eenheid", "maand",
                                       "van_dag", "tot_dag"),
                      Index("ix_financien_maanddeel_maand", "maand"))

    id: Mapped[int] = mapped_column(primary_key=True)
    gemeente: Mapped[str] = mapped_column(String(4))
    aanbieder: Mapped[str] = mapped_column(String(8))
    categorie: Mapped[str] = mapped_column(String(2))
    code: Mapped[str] = mapped_column(String(5))
    eenheid: Mapped[str] = mapped_column(String(2))
    maand: Mapped[date] = mapped_column(Date)
    van_dag: Mapped[int] = mapped_column(Integer)  # days of the month, inclusive
    tot_dag: Mapped[int] = mapped_column(Integer)
    toegewezen: Mapped[float] = mapped_column(Float, default=0.0)
    toegewezen_vast: Mapped[float] = mapped_column(Float, default=0.0)
    geleverd: Mapped[float] = mapped_column(Float, default=0.0)
    gedeclareerd: Mapped[float] = mapped_column(Float, default=0.0)
    gedeclareerd_eurocent: Mapped[float] = mapped_column(Float, default=0.0)
    benut_begin: Mapped[float] = mapped_column(Float, default=0.0)
    benut_eind: Mapped[float] = mapped_column(Float, default=0.0)
    aantal_begin: Mapped[float] = mapped_column(Float, default=0.0)
    aantal_eind: Mapped[float] = mapped_column(Float, default=0.0)
