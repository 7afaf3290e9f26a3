"""Retention (bewaartermijn): a client's file is kept for the retention period (default 20
years, the Jeugdwet's term for client files) after its last entry, then its message bodies
and personal data are removed. What finance counts stays: every toewijzing, start, stop,
declaration line, aanvraag and message row keeps its dates, products, volumes, amounts and
statuses, so the volume report gives the same totals for a purged period.

The client file is (gemeente, BSN): each gemeente of a region keeps its own. Its last entry
is the latest date recorded about the client in any table (message receipt, toewijzing
period, start, stop, declared period, aanvraag, decision, beschikking, bezwaar, signal,
client data). A toewijzing without Einddatum and without a definitive stop is care that may
still run: its client is kept. A message without a client (a JW323 names many, an invalid
message none) is purged by its own receipt date.

What is removed (docs/decisions.md "Retention"):
- bericht: the body and the stored answer (both carry the client), the BSN, the rule
  report's message texts (a schema error can quote a value); the row, type, status, sender,
  dates and retourcodes stay. `gewist_op` marks it.
- client: the row (name, address, gezagsdrager); the access log's client ids then name no one.
- beschikking: its content (name, hulpvraag, contextanalyse); bezwaar: who objected, and why.
- signaal: deleted (work for the CJG, not a count).
- toewijzing, zorglevering (and the keys of its starts and stops), aanvraag, beschikking,
  prestatie: the BSN becomes '' (the rows stay, as counts).
The access log is left alone: it holds no BSN or name, and it is append-only by design (its
own retention is the database administrator's, docs/decisions.md "Access log").

The purge walks old messages and old declaration lines in id order, a batch per short
transaction; every update also requires the row to be older than the limit, so a message
that arrives during the purge is never touched, and running it again (or from two workers at
once: on PostgreSQL the batches take one advisory lock in turn) changes nothing more.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import String, and_, case, cast, delete, exists, func, literal, or_, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase

from gateway import clock
from gateway.clock import NL
from gateway.db.models import (
    Aanvraag,
    Bericht,
    Beschikking,
    Bevinding,
    Bezwaar,
    Client,
    Outbox,
    Prestatie,
    Signaal,
    Toewijzing,
    Voorstel,
    Zorglevering,
    ZorgleveringStop,
)
from gateway.db.rows import rowcount

BATCH = 200  # rows walked per transaction: each transaction stays short
VERWIJDERD = "13"  # RedenWijziging of a deleted toewijzing (never care)
TIJDELIJK = "20"  # RedenBeeindiging of a temporary stop (care may resume)
GEWIST_BSN = ""
# One purge at a time on PostgreSQL (the key is arbitrary but fixed).
_LOCK_KEY = 7_513_020


@dataclass
class Opschoning:
    """What a purge removed (or, dry run, would remove), per kind."""

    grens: date  # data dated before this day are past the retention period
    clienten: int = 0
    aantallen: dict[str, int] = field(default_factory=dict)
    # Clients already handled in this run: a dry run leaves them in place, and both walks
    # (messages, declaration lines) can meet the same client.
    behandeld: set[tuple[str, str]] = field(default_factory=set, repr=False)
    # Where the walk stands: which walk (messages, then declaration lines) and the last id done.
    walk: int = field(default=0, repr=False)
    after: int = field(default=0, repr=False)

    @property
    def klaar(self) -> bool:
        return self.walk >= len(_WALKS)

    def add(self, soort: str, count: int) -> int:
        if count:
            self.aantallen[soort] = self.aantallen.get(soort, 0) + count
        return count


def grens(today: date, jaren: int) -> date:
    """The first day still inside the period: entries dated before it are past."""
    try:
        return today.replace(year=today.year - jaren)
    except ValueError:  # 29 February in a year without one
        return today.replace(year=today.year - jaren, day=28)


def _moment(day: date) -> datetime:
    """The start of `day` in Dutch time, as UTC (stored moments are UTC)."""
    return datetime.combine(day, time(0), tzinfo=NL).astimezone(UTC)


def gemeente_van(b=Bericht):
    """A message's gemeente: the sender of outbound messages and of JW302/JW320 (which copy
    it, IV028), else the receiver. A gemeentecode has 4 digits, an AGB code 8."""
    return case((func.length(b.afzender) == 4, b.afzender), else_=b.ontvanger)


def purge_batch(session: Session, result: Opschoning, batch: int = BATCH) -> bool:
    """Purge the next batch of the walk in the caller's session, counting it in `result`;
    False once the walk is complete. The caller gives each batch its own short transaction
    (gateway.work.bewaartermijn)."""
    if result.klaar:
        return False
    _serialise(session)
    walk = _WALKS[result.walk]
    after = walk(session, result.grens, result.after, batch, result)
    if after is None:
        result.walk, result.after = result.walk + 1, 0
    else:
        result.after = after
    return not result.klaar


def _serialise(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def _message_batch(session: Session, cutoff: date, after: int, batch: int, result: Opschoning) -> int | None:
    rows = session.execute(
        select(Bericht.id, Bericht.bsn, gemeente_van().label("gemeente"))
        .where(Bericht.id > after, Bericht.gewist_op.is_(None), Bericht.ontvangen_op < _moment(cutoff))
        .order_by(Bericht.id).limit(batch)).all()
    if not rows:
        return None
    alone = [r.id for r in rows if r.bsn is None or r.gemeente is None]
    result.add("berichten", _purge_messages(session, Bericht.id.in_(alone), cutoff))
    _purge_clients(session, {(r.gemeente, r.bsn) for r in rows if r.bsn and r.gemeente}, cutoff, result)
    return rows[-1].id


def _prestatie_batch(session: Session, cutoff: date, after: int, batch: int, result: Opschoning) -> int | None:
    # Declaration lines name clients that may appear in no message of their own (a JW323
    # carries many clients; a line for an unknown BSN is recorded as rejected).
    rows = session.execute(
        select(Prestatie.id, Prestatie.gemeente, Prestatie.bsn)
        .where(Prestatie.id > after, Prestatie.bsn != GEWIST_BSN, Prestatie.einddatum < cutoff)
        .order_by(Prestatie.id).limit(batch)).all()
    if not rows:
        return None
    _purge_clients(session, {(r.gemeente, r.bsn) for r in rows}, cutoff, result)
    return rows[-1].id


def _purge_clients(session: Session, clients: set[tuple[str, str]], cutoff: date,
                   result: Opschoning) -> None:
    for gemeente, bsn in sorted(clients - result.behandeld):
        if not session.scalar(select(_recent(gemeente, bsn, cutoff))):
            result.behandeld.add((gemeente, bsn))
            # Counted when this run changed something: another worker may have been first.
            if _purge_client(session, gemeente, bsn, cutoff, result):
                result.clienten += 1


def _recent(gemeente: str, bsn: str, cutoff: date):
    """True when the client's file has an entry on or after `cutoff`, or care that may
    still run: then nothing of it is removed."""
    since = _moment(cutoff)
    t, z, s, a = Toewijzing, Zorglevering, ZorgleveringStop, Aanvraag
    definitief_gestopt = exists().where(
        z.gemeente == t.gemeente, z.toewijzingnummer == t.nummer, s.zorglevering_id == z.id,
        s.actief_sleutel.is_not(None), s.reden != TIJDELIJK)
    aanvragen = select(a.id).where(a.gemeente == gemeente, a.bsn == bsn)
    beschikkingen = select(Beschikking.id).where(Beschikking.aanvraag_id.in_(aanvragen))
    return or_(
        exists().where(Bericht.bsn == bsn, gemeente_van() == gemeente, Bericht.ontvangen_op >= since),
        exists().where(t.gemeente == gemeente, t.bsn == bsn, or_(
            t.ingangsdatum >= cutoff, t.einddatum >= cutoff, t.aangemaakt_op >= since,
            and_(t.einddatum.is_(None), or_(t.reden_wijziging.is_(None), t.reden_wijziging != VERWIJDERD),
                 ~definitief_gestopt))),
        exists().where(z.gemeente == gemeente, z.bsn == bsn, or_(z.begindatum >= cutoff, z.aangemaakt_op >= since)),
        exists().where(z.gemeente == gemeente, z.bsn == bsn, s.zorglevering_id == z.id,
                       or_(s.einddatum >= cutoff, s.aangemaakt_op >= since)),
        exists().where(Prestatie.gemeente == gemeente, Prestatie.bsn == bsn, Prestatie.einddatum >= cutoff),
        exists().where(a.gemeente == gemeente, a.bsn == bsn,
                       or_(a.ontvangen_op >= cutoff, a.besloten_op >= since, a.afgehandeld_op >= since)),
        exists().where(Beschikking.aanvraag_id.in_(aanvragen),
                       or_(Beschikking.datum >= cutoff, Beschikking.aangemaakt_op >= since)),
        exists().where(Bezwaar.beschikking_id.in_(beschikkingen),
                       or_(Bezwaar.ontvangen_op >= cutoff, Bezwaar.afgehandeld_op >= cutoff,
                           Bezwaar.aangemaakt_op >= since)),
        exists().where(Signaal.gemeente == gemeente, Signaal.bsn == bsn, Signaal.datum >= cutoff),
        exists().where(Client.gemeente == gemeente, Client.bsn == bsn, Client.bijgewerkt_op >= since),
    )


def _purge_client(session: Session, gemeente: str, bsn: str, cutoff: date, result: Opschoning) -> int:
    """Every old row of one client; each statement repeats 'older than the limit', so a row
    written after the check above is left as it is."""
    since = _moment(cutoff)
    changed = 0
    changed += result.add("berichten", _purge_messages(
        session, and_(Bericht.bsn == bsn, gemeente_van() == gemeente), cutoff))
    aanvragen = select(Aanvraag.id).where(Aanvraag.gemeente == gemeente, Aanvraag.bsn == bsn,
                                          Aanvraag.ontvangen_op < cutoff).correlate(None)
    beschikkingen = select(Beschikking.id).where(Beschikking.aanvraag_id.in_(aanvragen),
                                                 Beschikking.aangemaakt_op < since).correlate(None)
    changed += result.add("bezwaren", _count(session, update(Bezwaar).where(
        Bezwaar.beschikking_id.in_(beschikkingen), Bezwaar.aangemaakt_op < since,
        Bezwaar.indiener != "").values(indiener="", toelichting=None)))
    changed += result.add("beschikkingen", _count(session, update(Beschikking).where(
        Beschikking.id.in_(beschikkingen), Beschikking.bsn != GEWIST_BSN).values(
        bsn=GEWIST_BSN, inhoud={"gewist": True, "gewist_op": clock.today().isoformat()})))
    # A decision's motivering and a proposal's input (motivering, the client's address) are the
    # client's case: they go with it. What was decided, and who decided, stays.
    changed += result.add("voorstellen", _count(session, delete(Voorstel).where(
        Voorstel.aanvraag_id.in_(aanvragen))))
    for row in session.scalars(select(Aanvraag).where(Aanvraag.id.in_(aanvragen))):
        if row.besluit and "motivering" in row.besluit:
            row.besluit = {**{k: v for k, v in row.besluit.items() if k != "motivering"}, "motivering_gewist": True}
    session.flush()
    changed += result.add("aanvragen", _count(session, update(Aanvraag).where(
        Aanvraag.id.in_(aanvragen)).values(bsn=GEWIST_BSN)))
    # A start's key and its stops' keys contain the BSN: a placeholder unique per row keeps
    # "counts while set" (the report's current starts) without it.
    starts = select(Zorglevering.id).where(Zorglevering.gemeente == gemeente, Zorglevering.bsn == bsn,
                                           Zorglevering.aangemaakt_op < since).correlate(None)
    s = ZorgleveringStop
    session.execute(update(s).where(s.zorglevering_id.in_(starts), s.actief_sleutel.is_not(None))
                    .values(actief_sleutel=literal("gewist|") + cast(s.id, String)))
    z = Zorglevering
    changed += result.add("zorgleveringen", _count(session, update(z).where(z.id.in_(starts)).values(
        bsn=GEWIST_BSN,
        actief_sleutel=case((z.actief_sleutel.is_(None), None), else_=literal("gewist|") + cast(z.id, String)))))
    changed += result.add("toewijzingen", _count(session, update(Toewijzing).where(
        Toewijzing.gemeente == gemeente, Toewijzing.bsn == bsn,
        Toewijzing.aangemaakt_op < since).values(bsn=GEWIST_BSN)))
    changed += result.add("prestaties", _count(session, update(Prestatie).where(
        Prestatie.gemeente == gemeente, Prestatie.bsn == bsn,
        Prestatie.einddatum < cutoff).values(bsn=GEWIST_BSN)))
    changed += result.add("signalen", _count(session, delete(Signaal).where(
        Signaal.gemeente == gemeente, Signaal.bsn == bsn, Signaal.aangemaakt_op < since)))
    changed += result.add("clientgegevens", _count(session, delete(Client).where(
        Client.gemeente == gemeente, Client.bsn == bsn, Client.bijgewerkt_op < since)))
    return changed


def _purge_messages(session: Session, which, cutoff: date) -> int:
    # correlate(None): the subquery reads the table the UPDATE writes, on its own.
    old = select(Bericht.id).where(which, Bericht.gewist_op.is_(None),
                                   Bericht.ontvangen_op < _moment(cutoff)).correlate(None)
    session.execute(update(Bevinding).where(Bevinding.bericht_id.in_(old), Bevinding.melding.is_not(None))
                    .values(melding=None))
    session.execute(update(Outbox).where(Outbox.bericht_id.in_(old), Outbox.fout.is_not(None)).values(fout=None))
    # The replay key goes too: a replay of a purged message has no answer to give back.
    return _count(session, update(Bericht).where(Bericht.id.in_(old)).values(
        inhoud=b"", antwoord=None, bsn=None, inhoud_sha256=literal("gewist-") + cast(Bericht.id, String),
        gewist_op=clock.now()))


def _count(session: Session, statement: UpdateBase) -> int:
    return rowcount(session, statement.execution_options(synchronize_session=False))


_WALKS = (_message_batch, _prestatie_batch)
