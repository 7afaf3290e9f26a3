"""Everything due or overdue, for the CJG, counted in Dutch werkdagen.

Three kinds of term:
  1. answers to requests: every aanvraag whose final answer has not gone out
     (`afgehandeld_op` is None), against its `antwoord_uiterlijk` (5 werkdagen, OP274/OP346,
     or 8 weeks after the Dagtekening once in onderzoek);
  2. retours on our outbound messages: a JW301 or JW319 that its provider has not answered
     with a JW302/JW320. A retour is due within 3 werkdagen after receipt (OP090, facts D.1 and
     E.2). The facts do not say when a message in a postbus counts as received; we count from
     the moment it was put in the provider's postbus (it is available to the provider from
     then on, as a message in a VECOZO mailbox is). Messages the provider rejected
     (`afgekeurd`, flagged `aandacht_cjg`) are listed apart: they have no term, the CJG acts;
     so are the retours that did not count and need a look: one that answers no message we
     sent to that provider, and a later retour that contradicts the first
     (`gateway.domain.berichten.postbus.NEEDS_ATTENTION`); and the JW301s and JW319s whose
     Di01 the chain refused with an Fo01 (envelope `geweigerd`): they never reached the
     provider by the GGk route, so the CJG acts;
  3. missing starts and stops: the open `geen_start` and `zorg_na_einddatum` signals, the
     toewijzingen that went in without a start (10 werkdagen after the Ingangsdatum they
     become a `geen_start` signal, `gateway.domain.levering.signalen`) and running care past the
     toewijzing's Einddatum (the stop is due 5 werkdagen after the end, OP272) that have no
     signal yet; plus, for information, the starts and stops reported late in the last 30 days.

Each list is one bounded query (at most `LIMIT` rows, the most overdue first), plus one query
for the clients' internal ids.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from gateway.clock import local_date, start_of_day
from gateway.db.models import (
    Aanvraag,
    Bericht,
    Client,
    Envelop,
    Kenmerk,
    Partij,
    PostbusItem,
    Signaal,
    Toewijzing,
    Zorglevering,
    ZorgleveringStop,
)
from gateway.domain.aanvraag.toewijzingen import VERWIJDERD
from gateway.domain.berichten import postbus
from gateway.domain.berichten.envelop import GEWEIGERD
from gateway.domain.levering.signalen import MELDTERMIJN, STARTTERMIJN
from gateway.messages import BY_NAME
from gateway.model.datum import datum_nl
from gateway.model.werkdagen import add_werkdagen, werkdagen_between
from gateway.readmodels.scope import Gemeenten, binnen
from gateway.readmodels.tijdlijn import SIGNAAL_SOORTEN

LIMIT = 200  # rows per list
RETOURTERMIJN = 3  # werkdagen after receipt (OP090)
TE_LAAT_DAGEN = 30  # late reports of the last 30 calendar days are shown
OPEN_POSTBUS = ("nieuw", "opgehaald")


@dataclass(frozen=True)
class Termijn:
    """One row: what is due, by when, and how it stands in werkdagen (negative: overdue)."""

    wat: str
    uiterlijk: date | None
    werkdagen: int | None
    gemeente: str
    bsn: str | None
    aanbieder: str | None
    toelichting: str = ""
    status: str = ""
    bericht_id: int | None = None
    aanvraag_id: int | None = None
    toewijzingnummer: int | None = None
    client_id: int | None = None


@dataclass(frozen=True)
class Lijst:
    rijen: list[Termijn]
    afgekapt: bool  # more than LIMIT rows


@dataclass(frozen=True)
class Overzicht:
    vandaag: date
    aanvragen: Lijst
    retours: Lijst
    afgekeurd: Lijst
    retours_aandacht: Lijst
    geweigerd: Lijst
    starts_stops: Lijst
    te_laat_gemeld: Lijst


def overview(session: Session, today: date, *, gemeenten: Gemeenten = None) -> Overzicht:
    """Every list of the page, each only of `gemeenten` (None: all municipalities), filtered in
    its query so that a list's LIMIT counts only rows the user may see."""
    lists = [_aanvragen(session, today, gemeenten), _retours(session, today, gemeenten),
             _afgekeurd(session, gemeenten), _retours_aandacht(session, gemeenten), _geweigerd(session, gemeenten),
             _starts_stops(session, today, gemeenten), _late_reports(session, today, gemeenten)]
    ids = _client_ids(session, [r for rows, _ in lists for r in rows])
    aanvragen, retours, afgekeurd, retours_aandacht, geweigerd, starts_stops, te_laat = (
        Lijst([_with_client(r, ids) for r in rows], cut) for rows, cut in lists)
    return Overzicht(today, aanvragen, retours, afgekeurd, retours_aandacht, geweigerd, starts_stops, te_laat)


CALENDAR_DAYS, UNKNOWN = "calendar_days", "unknown"  # what `stand` does outside the holiday calendar


def stand(today: date, uiterlijk: date, *, outside_calendar: str = CALENDAR_DAYS) -> int | None:
    """Werkdagen left until `uiterlijk` (0 on the day itself, and 0 when no werkdag lies
    between), negative when it has passed: -1 on the first werkdag after it. The one count of
    a deadline's werkdagen for every page.

    For a date outside the Dutch holiday calendar (1966-2100; data the API let in) there is no
    count in werkdagen: with `outside_calendar=CALENDAR_DAYS` the calendar days instead (the
    overview still sorts and lists such a term), with `UNKNOWN` None (the aanvraag pages then
    say "onbekend" rather than show a number that is not in werkdagen)."""
    try:
        if uiterlijk >= today:
            return werkdagen_between(today, uiterlijk)
        return -werkdagen_between(uiterlijk, today)
    except ValueError:
        if outside_calendar == UNKNOWN:
            return None
        return (uiterlijk - today).days


def _due(start: date, werkdagen: int) -> date:
    """`werkdagen` werkdagen after `start`; for a date outside the holiday calendar (data the
    API let in, e.g. a toewijzing from 1950) the same number of calendar days, so the page
    still lists it rather than failing."""
    try:
        return add_werkdagen(start, werkdagen)
    except ValueError:
        return start + timedelta(days=werkdagen)


def _cut(rows: list) -> tuple[list, bool]:
    return rows[:LIMIT], len(rows) > LIMIT


_AANVRAAG_STATUS = {"te_beoordelen": "te beoordelen", "in_onderzoek": "in onderzoek",
                    "toegekend": "toegekend, antwoord nog niet verstuurd",
                    "afgewezen": "afgewezen, antwoord nog niet verstuurd"}


def _aanvragen(session: Session, today: date, gemeenten: Gemeenten) -> tuple[list[Termijn], bool]:
    rows = session.execute(
        select(Aanvraag.id, Aanvraag.bericht_id, Aanvraag.soort, Aanvraag.gemeente, Aanvraag.aanbieder,
               Aanvraag.bsn, Aanvraag.status, Aanvraag.ontvangen_op, Aanvraag.antwoord_uiterlijk, Aanvraag.termijn)
        .where(Aanvraag.afgehandeld_op.is_(None), binnen(Aanvraag.gemeente, gemeenten))
        .order_by(Aanvraag.antwoord_uiterlijk, Aanvraag.id).limit(LIMIT + 1)).all()
    return _cut([Termijn(wat=f"Antwoord op {a.soort}", uiterlijk=a.antwoord_uiterlijk,
                         werkdagen=stand(today, a.antwoord_uiterlijk), gemeente=a.gemeente, bsn=a.bsn,
                         aanbieder=a.aanbieder, toelichting=f"Ontvangen {_dmy(a.ontvangen_op)}; termijn {a.termijn}",
                         status=_AANVRAAG_STATUS.get(a.status, a.status), bericht_id=a.bericht_id, aanvraag_id=a.id)
                 for a in rows])


_POSTBUS_STATUS = {"nieuw": "klaar in de postbus", "opgehaald": "opgehaald"}


def _postbus(session: Session, statuses, gemeenten: Gemeenten, *extra):
    # The provider ids as a list, not a subquery: with both columns of ix_postbus_partij_status
    # given as lists, PostgreSQL reads the few open items from the index instead of the table.
    providers = list(session.scalars(select(Partij.id).where(Partij.soort == "aanbieder")))
    return (select(PostbusItem, Bericht.afzender, Bericht.ontvanger, Bericht.bsn, Bericht.identificatie)
            .join(Bericht, Bericht.id == PostbusItem.bericht_id)
            .where(PostbusItem.partij_id.in_(providers), PostbusItem.status.in_(statuses),
                   PostbusItem.berichttype.in_(("JW301", "JW319")), binnen(Bericht.afzender, gemeenten),
                   *extra))


def _retours(session: Session, today: date, gemeenten: Gemeenten) -> tuple[list[Termijn], bool]:
    rows = session.execute(_postbus(session, OPEN_POSTBUS, gemeenten)
                           .order_by(PostbusItem.aangemaakt_op, PostbusItem.bericht_id).limit(LIMIT + 1)).all()
    result = []
    for item, gemeente, aanbieder, bsn, identificatie in rows:
        placed = local_date(item.aangemaakt_op)
        due = _due(placed, RETOURTERMIJN)
        retour = "JW302" if item.berichttype == "JW301" else "JW320"
        fetched = (f"opgehaald {_dmy(local_date(item.opgehaald_op))}" if item.opgehaald_op
                   else "nog niet opgehaald")
        result.append(Termijn(wat=f"{retour} op {item.berichttype} {identificatie or ''}".rstrip(), uiterlijk=due,
                              werkdagen=stand(today, due), gemeente=gemeente, bsn=bsn, aanbieder=aanbieder,
                              toelichting=f"In de postbus sinds {_dmy(placed)}; {fetched}.",
                              status=_POSTBUS_STATUS.get(item.status, item.status), bericht_id=item.bericht_id))
    return _cut(result)


def _afgekeurd(session: Session, gemeenten: Gemeenten) -> tuple[list[Termijn], bool]:
    rows = session.execute(_postbus(session, ("afgekeurd",), gemeenten, PostbusItem.aandacht_cjg.is_(True))
                           .order_by(PostbusItem.beantwoord_op.desc(), PostbusItem.bericht_id.desc())
                           .limit(LIMIT + 1)).all()
    return _cut([Termijn(wat=f"{item.berichttype} {identificatie or ''}".rstrip() + " afgekeurd door de aanbieder",
                         uiterlijk=None, werkdagen=None, gemeente=gemeente, bsn=bsn, aanbieder=aanbieder,
                         toelichting=f"Retourcodes {', '.join(item.retourcodes or []) or 'onbekend'}"
                                     + (f", beantwoord {_dmy(local_date(item.beantwoord_op))}" if item.beantwoord_op else ""),
                         status="afgekeurd", bericht_id=item.bericht_id)
                 for item, gemeente, aanbieder, bsn, identificatie in rows])


_AANDACHT = {postbus.UNMATCHED: ("niet gekoppeld", "De gateway stuurde geen {answers} met deze identificatie "
                                                  "van gemeente {gemeente} aan deze aanbieder."),
             postbus.CONFLICT: ("tegenstrijdig", "De {answers} had al een retour; deze latere retour zegt iets "
                                                "anders. De eerste bepaalt de status in de postbus.")}


def _retours_aandacht(session: Session, gemeenten: Gemeenten) -> tuple[list[Termijn], bool]:
    """Received JW302/JW320s that did not count and need a look, newest first: found by their
    kenmerk on the (soort, waarde) index. A retour names the gemeente as its Afzender."""
    rows = session.execute(
        select(Bericht.id, Bericht.berichttype, Bericht.afzender, Bericht.ontvanger, Bericht.identificatie,
               Bericht.bsn, Bericht.ontvangen_op, Kenmerk.waarde)
        .join(Kenmerk, Kenmerk.bericht_id == Bericht.id)
        .where(Kenmerk.soort == "retour", Kenmerk.waarde.in_(postbus.NEEDS_ATTENTION),
               binnen(Bericht.afzender, gemeenten))
        .order_by(Bericht.id.desc()).limit(LIMIT + 1)).all()
    result = []
    for r in rows:
        answers = BY_NAME[r.berichttype].answers
        status, uitleg = _AANDACHT[r.waarde]
        result.append(Termijn(wat=f"{r.berichttype} op {answers} {r.identificatie or ''}".rstrip(), uiterlijk=None,
                              werkdagen=None, gemeente=r.afzender or "", bsn=r.bsn, aanbieder=r.ontvanger,
                              toelichting=f"Ontvangen {_dmy(local_date(r.ontvangen_op))}. "
                                          + uitleg.format(answers=answers, gemeente=r.afzender),
                              status=status, bericht_id=r.id))
    return _cut(result)



def _geweigerd(session: Session, gemeenten: Gemeenten) -> tuple[list[Termijn], bool]:
    """The JW301s and JW319s whose envelope the chain refused (an Fo01 came back), newest
    refusal first."""
    rows = session.execute(
        select(Envelop.bericht_id, Envelop.fout_code, Envelop.fout_omschrijving, Envelop.fout_zender,
               Envelop.geweigerd_op, Bericht.berichttype, Bericht.identificatie, Bericht.afzender,
               Bericht.ontvanger, Bericht.bsn)
        .join(Bericht, Bericht.id == Envelop.bericht_id)
        .where(Envelop.richting == "uit", Envelop.status == GEWEIGERD, Bericht.berichttype.in_(("JW301", "JW319")),
               binnen(Bericht.afzender, gemeenten))
        .order_by(Envelop.geweigerd_op.desc(), Envelop.id.desc()).limit(LIMIT + 1)).all()
    return _cut([Termijn(wat=f"{r.berichttype} {r.identificatie or ''}".rstrip(), uiterlijk=None, werkdagen=None,
                         gemeente=r.afzender or "", bsn=r.bsn, aanbieder=r.ontvanger,
                         toelichting=f"geweigerd in de keten: {r.fout_code or 'onbekend'} {r.fout_omschrijving or ''}".rstrip()
                                     + (f" (door {r.fout_zender})" if r.fout_zender else "")
                                     + (f", {_dmy(local_date(r.geweigerd_op))}" if r.geweigerd_op else ""),
                         status="geweigerd", bericht_id=r.bericht_id)
                 for r in rows])

def _active_start(nummer_col, gemeente_col):
    return exists().where(Zorglevering.gemeente == gemeente_col, Zorglevering.toewijzingnummer == nummer_col,
                          Zorglevering.actief_sleutel.is_not(None))


def _running_without_stop(nummer_col, gemeente_col):
    return exists().where(Zorglevering.gemeente == gemeente_col, Zorglevering.toewijzingnummer == nummer_col,
                          Zorglevering.actief_sleutel.is_not(None),
                          ~exists().where(ZorgleveringStop.zorglevering_id == Zorglevering.id,
                                          ZorgleveringStop.actief_sleutel.is_not(None)))


def _signal_exists(soort: str):
    return exists().where(Signaal.gemeente == Toewijzing.gemeente, Signaal.bsn == Toewijzing.bsn,
                          Signaal.soort == soort, Signaal.toewijzingnummer == Toewijzing.nummer)


def _starts_stops(session: Session, today: date, gemeenten: Gemeenten) -> tuple[list[Termijn], bool]:
    rows: list[Termijn] = []
    not_deleted = Toewijzing.reden_wijziging.is_distinct_from(VERWIJDERD)
    # Open signals: still no start, or still no stop.
    signals = session.execute(
        select(Signaal, Toewijzing.ingangsdatum, Toewijzing.einddatum, Toewijzing.aangemaakt_op)
        .join(Toewijzing, and_(Toewijzing.gemeente == Signaal.gemeente, Toewijzing.nummer == Signaal.toewijzingnummer))
        .where(not_deleted, binnen(Signaal.gemeente, gemeenten),
               ((Signaal.soort == "geen_start") & ~_active_start(Signaal.toewijzingnummer, Signaal.gemeente))
               | ((Signaal.soort == "zorg_na_einddatum")
                  & _running_without_stop(Signaal.toewijzingnummer, Signaal.gemeente)))
        .order_by(Signaal.datum, Signaal.id).limit(LIMIT + 1)).all()
    for signal, ingang, einde, aangemaakt in signals:
        if signal.soort == "geen_start":
            due = _due(max(ingang, local_date(aangemaakt)), STARTTERMIJN)
            wat = f"Start op toewijzing {signal.toewijzingnummer}"
        else:
            due = _due(einde, MELDTERMIJN) if einde else signal.datum
            wat = f"Stop op toewijzing {signal.toewijzingnummer}"
        rows.append(Termijn(wat=wat, uiterlijk=due, werkdagen=stand(today, due), gemeente=signal.gemeente,
                            bsn=signal.bsn, aanbieder=signal.aanbieder, toelichting=signal.melding,
                            status=f"signaal: {SIGNAAL_SOORTEN.get(signal.soort, signal.soort)}",
                            bericht_id=signal.bericht_id, toewijzingnummer=signal.toewijzingnummer))
    # Toewijzingen in force without a start, not (yet) a signal.
    waiting = session.scalars(
        select(Toewijzing).where(not_deleted, binnen(Toewijzing.gemeente, gemeenten), Toewijzing.ingangsdatum <= today,
                                 ~_active_start(Toewijzing.nummer, Toewijzing.gemeente),
                                 ~_signal_exists("geen_start"))
        .order_by(Toewijzing.ingangsdatum, Toewijzing.id).limit(LIMIT + 1)).all()
    for t in waiting:
        # From the Ingangsdatum, or from when a retroactive toewijzing was first sent (as signalen).
        since = max(t.ingangsdatum, local_date(t.aangemaakt_op))
        due = _due(since, STARTTERMIJN)
        rows.append(Termijn(wat=f"Start op toewijzing {t.nummer}", uiterlijk=due, werkdagen=stand(today, due),
                            gemeente=t.gemeente, bsn=t.bsn, aanbieder=t.aanbieder,
                            toelichting=f"Ingangsdatum {_dmy(t.ingangsdatum)}"
                                        + (f", verstuurd {_dmy(since)}" if since != t.ingangsdatum else "")
                                        + "; nog geen start gemeld. "
                                        + (f"Na {STARTTERMIJN} werkdagen wordt dit een signaal." if today <= due else
                                           f"De {STARTTERMIJN} werkdagen zijn om; het signaal volgt bij de "
                                           "volgende controle."),
                            status="geen start", toewijzingnummer=t.nummer))
    # Care running past the toewijzing's Einddatum, not (yet) a signal.
    running = session.execute(
        select(Toewijzing, Zorglevering.begindatum, Zorglevering.bericht_id)
        .join(Zorglevering, and_(Zorglevering.gemeente == Toewijzing.gemeente,
                                 Zorglevering.toewijzingnummer == Toewijzing.nummer))
        .where(not_deleted, binnen(Toewijzing.gemeente, gemeenten), Toewijzing.einddatum < today,
               Zorglevering.actief_sleutel.is_not(None),
               ~exists().where(ZorgleveringStop.zorglevering_id == Zorglevering.id,
                               ZorgleveringStop.actief_sleutel.is_not(None)),
               ~_signal_exists("zorg_na_einddatum"))
        .order_by(Toewijzing.einddatum, Toewijzing.id).limit(LIMIT + 1)).all()
    for t, begindatum, bericht_id in running:
        assert t.einddatum is not None  # selected by einddatum < today
        due = _due(t.einddatum, MELDTERMIJN)
        rows.append(Termijn(wat=f"Stop op toewijzing {t.nummer}", uiterlijk=due, werkdagen=stand(today, due),
                            gemeente=t.gemeente, bsn=t.bsn, aanbieder=t.aanbieder,
                            toelichting=f"De toewijzing eindigde op {_dmy(t.einddatum)}; de zorg die op "
                                        f"{_dmy(begindatum)} startte is nog niet gestopt.",
                            status="geen stop", bericht_id=bericht_id, toewijzingnummer=t.nummer))
    rows.sort(key=lambda r: (r.uiterlijk, r.toewijzingnummer or 0))
    cut = len(signals) > LIMIT or len(waiting) > LIMIT or len(running) > LIMIT
    return rows[:LIMIT], cut or len(rows) > LIMIT


def _late_reports(session: Session, today: date, gemeenten: Gemeenten) -> tuple[list[Termijn], bool]:
    signals = session.scalars(
        select(Signaal).where(Signaal.soort.in_(("start_te_laat", "stop_te_laat")), binnen(Signaal.gemeente, gemeenten),
                              Signaal.datum >= today - timedelta(days=TE_LAAT_DAGEN))
        .order_by(Signaal.datum.desc(), Signaal.id.desc()).limit(LIMIT + 1)).all()
    return _cut([Termijn(wat=SIGNAAL_SOORTEN.get(s.soort, s.soort), uiterlijk=None, werkdagen=None,
                         gemeente=s.gemeente, bsn=s.bsn, aanbieder=s.aanbieder, toelichting=s.melding,
                         status=f"gemeld {_dmy(s.datum)}", bericht_id=s.bericht_id,
                         toewijzingnummer=s.toewijzingnummer) for s in signals])


def _client_ids(session: Session, rows: list[Termijn]) -> dict[tuple[str, str], int]:
    gemeenten = {r.gemeente for r in rows if r.bsn}
    bsns = {r.bsn for r in rows if r.bsn}
    if not bsns:
        return {}
    found = session.execute(select(Client.id, Client.gemeente, Client.bsn).where(
        Client.gemeente.in_(sorted(gemeenten)), Client.bsn.in_(sorted(bsns))))
    return {(gemeente, bsn): id_ for id_, gemeente, bsn in found}


def _with_client(row: Termijn, ids: dict[tuple[str, str], int]) -> Termijn:
    client_id = ids.get((row.gemeente, row.bsn)) if row.bsn else None
    if client_id is None:
        return row
    return replace(row, client_id=client_id)


def _dmy(day: date) -> str:
    return datum_nl(day)


def overdue_counts(session: Session, today: date) -> dict[str, int]:
    """How many terms of kinds 1 and 2 have passed, for monitoring (`/metrics`): answers to
    requests past `antwoord_uiterlijk`, and JW301/JW319 unanswered past their retour term.
    Two counts on indexed columns (ix_aanvraag_open; the open postbus items through
    ix_postbus_partij_status), cheap at any size of the message log."""
    antwoord = session.scalar(select(func.count()).select_from(Aanvraag).where(
        Aanvraag.afgehandeld_op.is_(None), Aanvraag.antwoord_uiterlijk < today))
    # Placed on day d, a retour is overdue when d + RETOURTERMIJN werkdagen lies before today:
    # the latest such d, found by walking back (a few days at most, holidays included).
    latest = today - timedelta(days=1)
    while _due(latest, RETOURTERMIJN) >= today:
        latest -= timedelta(days=1)
    providers = list(session.scalars(select(Partij.id).where(Partij.soort == "aanbieder")))
    retour = session.scalar(select(func.count()).select_from(PostbusItem).where(
        PostbusItem.partij_id.in_(providers), PostbusItem.status.in_(OPEN_POSTBUS),
        PostbusItem.berichttype.in_(("JW301", "JW319")),
        PostbusItem.aangemaakt_op < start_of_day(latest + timedelta(days=1))))
    return {"antwoord": antwoord or 0, "retour": retour or 0}
