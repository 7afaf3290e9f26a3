"""The StUF-GGk envelopes the gateway receives from and sends to the national chain
(design.md §8, ggk-koppelvlak.md): stored, numbered, refused, in the caller's session.

Every envelope the gateway sends is stored before it is sent: a fresh referentienummer
(UUID 4), a tijdstipBericht later than every one before it, checked against our own envelope
schemas (a failure is a gateway bug, never sent), and an outbox row that hands it to the
adapter after the commit (gateway.work.ggk_delivery). A received envelope is stored under the
StUF key (zender's system + referentienummer), so a repeat is recognised and answered with
the Bv03 it had.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from lxml import etree
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway import stuf
from gateway.context import Context, GgkRoute
from gateway.db.models import Envelop, GgkKlok, Outbox
from gateway.db.taken import GGK_VERZENDEN
from gateway.errors import GatewayError

# What the gateway answers to, by berichtcode (ggk-koppelvlak.md §1.1): the heenberichten a
# provider starts, and the retours on the gateway's own JW301/JW319.
ONTVANGEN_FUNCTIES = {"Di01": ("JW305", "JW307", "JW315", "JW317", "JW323"), "Du01": ("JW302", "JW320")}
# The gateway's heenbericht a provider's Du01 answers, by the Du01's functie.
HEENBERICHT = {"JW302": "JW301", "JW320": "JW319"}
# The ontvanger's applicatie is fixed in every envelope, whoever receives it (§3.5).
ONTVANGER_APPLICATIE = "GGk"

TE_VERZENDEN, AFGELEVERD, MISLUKT, GEWEIGERD, ONTVANGEN = (
    "te_verzenden", "afgeleverd", "mislukt", "geweigerd", "ontvangen")


class EnvelopOngeldig(GatewayError):
    """An envelope the gateway built fails its own StUF-GGk schema: a gateway bug (500), and
    it is not sent."""

    status, slug, title = 500, "eigen-controle", "Niet uitgevoerd"


def sha256(inhoud: bytes) -> str:
    return hashlib.sha256(inhoud).hexdigest()


def _versies(route: GgkRoute) -> stuf.Versies:
    # functieVersie/-Subversie 0003/0002 for iJw 3.2 (design.md §8; the facts only infer it).
    return stuf.Versies(route.applicatie_versie, route.applicatie_subversie)


def _route(ctx: Context) -> GgkRoute:
    # A provider can be on channel ggk while this process has no GATEWAY_GGK_URL: the envelope
    # is still stored and its delivery fails visibly ("no adapter") until one is configured.
    return ctx.ggk or GgkRoute()


def zender(ctx: Context, gemeente: str) -> stuf.Systeem:
    return stuf.Systeem(gemeente, _route(ctx).applicatie)


def next_tijdstip(session: Session, ctx: Context) -> str:
    """A tijdstipBericht later than every one handed out before (StUF019), in Dutch local time
    to the millisecond. The one row is locked until the caller commits, so two processes never
    hand out the same or a decreasing value; a clock that stepped back is overtaken by 1 ms."""
    klok = session.get(GgkKlok, 1, with_for_update=True)
    if klok is None:
        try:
            with session.begin_nested():
                session.add(GgkKlok(id=1, laatste="0" * 17))
        except IntegrityError:  # a twin made the row meanwhile: lock that one
            pass
        klok = session.get_one(GgkKlok, 1, with_for_update=True, populate_existing=True)
    value = stuf.tijdstip(ctx.local_now())
    if value <= klok.laatste:
        value = stuf.tijdstip(stuf.moment(klok.laatste) + timedelta(milliseconds=1))
    klok.laatste = value
    return value


def _stuurgegevens(session: Session, ctx: Context, berichtcode: str, gemeente: str, aanbieder: str,
                   *, functie: str | None, cross_refnummer: str | None) -> stuf.Stuurgegevens:
    return stuf.Stuurgegevens(
        berichtcode, zender(ctx, gemeente), stuf.Systeem(aanbieder, ONTVANGER_APPLICATIE),
        stuf.new_referentienummer(), next_tijdstip(session, ctx), cross_refnummer, functie)


def send_envelop(session: Session, ctx: Context, *, soort: str, bericht_id: int, gemeente: str,
                 aanbieder: str, functie: str, payload: bytes, cross_refnummer: str | None = None) -> Envelop:
    """Store a Di01 or Du01 carrying `payload` (an iJw message, already self-checked) to
    `aanbieder`, and the outbox row that delivers it."""
    sg = _stuurgegevens(session, ctx, soort, gemeente, aanbieder, functie=functie,
                        cross_refnummer=cross_refnummer if soort == "Du01" else None)
    element = stuf.build(stuf.Envelop(sg, _versies(_route(ctx)), payload))
    return _store_outbound(session, element, sg, bericht_id)


def send_fo01(session: Session, ctx: Context, ontvangen: stuf.Ontvangen, *, bericht_id: int, code: str,
              plek: str, omschrijving: str) -> Envelop:
    """Store an Fo01 refusing the received Di01 or Du01 (ggk-koppelvlak.md §4.3): zender and
    ontvanger swapped, crossRefnummer its referentienummer, details its functie and versions,
    detailsXML the received envelope itself."""
    received = ontvangen.bericht
    assert isinstance(received, stuf.Envelop)
    rsg = received.stuurgegevens
    sg = _stuurgegevens(session, ctx, "Fo01", rsg.ontvanger.organisatie or "", rsg.zender.organisatie or "",
                        functie=None, cross_refnummer=rsg.referentienummer)
    # The ontvanger is the system that sent the envelope, with the fixed applicatie "GGk".
    fout = stuf.Fout(sg, code, plek, omschrijving[:200],
                     stuf.fo01_details(rsg.functie or "", received.versies), ontvangen.element)
    return _store_outbound(session, stuf.build(fout), sg, bericht_id, functie=rsg.functie)


def _store_outbound(session: Session, element: etree._Element, sg: stuf.Stuurgegevens, bericht_id: int,
                    functie: str | None = None) -> Envelop:
    if errors := stuf.validate(element):
        raise EnvelopOngeldig(f"{sg.berichtcode} afgekeurd door de eigen controle: {'; '.join(errors)[:500]}")
    inhoud = etree.tostring(element, encoding="UTF-8")
    row = Envelop(richting="uit", soort=sg.berichtcode, referentienummer=sg.referentienummer,
                  cross_refnummer=sg.cross_refnummer, zender_organisatie=sg.zender.organisatie or "",
                  zender_applicatie=sg.zender.applicatie, zender_administratie=sg.zender.administratie or "",
                  ontvanger_organisatie=sg.ontvanger.organisatie or "", functie=sg.functie or functie,
                  tijdstip_bericht=sg.tijdstip_bericht, bericht_id=bericht_id, inhoud=inhoud,
                  inhoud_sha256=sha256(inhoud), status=TE_VERZENDEN)
    session.add(row)
    session.flush()
    session.add(Outbox(bericht_id=bericht_id, taak=GGK_VERZENDEN, envelop_id=row.id))
    return row


def _key(sg: stuf.Stuurgegevens) -> tuple[str, str, str, str]:
    return (sg.zender.organisatie or "", sg.zender.applicatie, sg.zender.administratie or "", sg.referentienummer)


def earlier(session: Session, sg: stuf.Stuurgegevens) -> Envelop | None:
    """The envelope received before under the same StUF key, if any."""
    organisatie, applicatie, administratie, referentienummer = _key(sg)
    return session.scalar(select(Envelop).where(
        Envelop.richting == "in", Envelop.zender_organisatie == organisatie,
        Envelop.zender_applicatie == applicatie, Envelop.zender_administratie == administratie,
        Envelop.referentienummer == referentienummer))


def record_received(session: Session, ontvangen: stuf.Ontvangen, *, bericht_id: int | None) -> Envelop:
    sg = ontvangen.bericht.stuurgegevens
    organisatie, applicatie, administratie, referentienummer = _key(sg)
    row = Envelop(richting="in", soort=ontvangen.soort, referentienummer=referentienummer,
                  cross_refnummer=sg.cross_refnummer, zender_organisatie=organisatie,
                  zender_applicatie=applicatie, zender_administratie=administratie,
                  ontvanger_organisatie=sg.ontvanger.organisatie or "", functie=sg.functie,
                  tijdstip_bericht=sg.tijdstip_bericht, bericht_id=bericht_id, inhoud=ontvangen.inhoud,
                  inhoud_sha256=sha256(ontvangen.inhoud), status=ONTVANGEN)
    session.add(row)
    return row


def sent(session: Session, referentienummer: str | None, *, to: str | None = None) -> Envelop | None:
    """The envelope the gateway sent with this referentienummer (to this organisation)."""
    if not referentienummer:
        return None
    query = select(Envelop).where(Envelop.richting == "uit", Envelop.referentienummer == referentienummer)
    if to is not None:
        query = query.where(Envelop.ontvanger_organisatie == to)
    return session.scalar(query)


@dataclass(frozen=True)
class Weigering:
    """What an Fo01 from the chain refused: the envelope (None: not one of ours) and its message."""

    envelop: Envelop | None

    @property
    def bericht_id(self) -> int | None:
        return self.envelop.bericht_id if self.envelop is not None else None


def refuse(session: Session, ctx: Context, fout: stuf.Fout) -> Weigering:
    """An Fo01 from the chain: the envelope it names by crossRefnummer did not reach its
    receiver (ggk-koppelvlak.md §4.4). Marked `geweigerd` with the Fo01's code, text and
    raiser; the first refusal is kept when several come. An unknown crossRefnummer is only
    logged by the caller."""
    row = sent(session, fout.stuurgegevens.cross_refnummer)
    if row is not None and row.status != GEWEIGERD:
        row.status, row.geweigerd_op = GEWEIGERD, ctx.now()
        row.fout_code, row.fout_omschrijving = fout.code[:7], fout.omschrijving[:200]
        row.fout_details = (fout.details or "")[:1000] or None
        row.fout_zender = (fout.stuurgegevens.zender.organisatie or "")[:200] or None
    return Weigering(row)
