"""The sandbox's own records (docs/sandbox.md): the marker that makes a database a sandbox,
the municipality each self-registered provider gets, and removing a provider's data.

A sandbox never shares a database with real work: the marker is written only on a database
without any rows, and a normal gateway refuses a database that carries it
(`check_start`). Each provider gets a municipality of its own from the CBS list, so one
provider's clients, numbers and messages are never another's, and a reset can remove
everything of that municipality.

A reset removes what the retention purge (gateway.domain.beheer.bewaartermijn) only
blanks: in a sandbox nothing is a client's file. It leaves the provider, its tokens and its
municipality in place, and the access log alone (append-only, and it names no BSN; its
client ids then name no one, as after a purge). The municipality's numbering starts again
at 1, so a test run after a reset sees the same ToewijzingNummers and beschikkingnummers.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.orm import Session

from gateway.db.models import (
    Aanvraag,
    AanvraagProduct,
    Base,
    Bericht,
    Beschikking,
    Bestedingsruimte,
    Bevinding,
    Bezwaar,
    Client,
    Declaratie,
    Envelop,
    EnvelopPoging,
    FinancienMaand,
    FinancienMaanddeel,
    Kenmerk,
    Nummerreeks,
    Outbox,
    Partij,
    PostbusItem,
    Prestatie,
    SandboxAanbieder,
    SandboxMarker,
    Signaal,
    Toewijzing,
    Voorstel,
    WebhookPoging,
    Zorglevering,
    ZorgleveringStop,
)
from gateway.db.rows import rowcount
from gateway.errors import GatewayError
from gateway.reference import ReferenceData

MARKER_ID = 1
_OWN_TABLES = {SandboxMarker.__tablename__, SandboxAanbieder.__tablename__}


class SandboxGeweigerd(GatewayError):
    """The database does not fit the mode the gateway was started in."""

    status, slug, title = 500, "sandbox", "Sandbox geweigerd"


def is_sandbox(session: Session) -> bool:
    return session.get(SandboxMarker, MARKER_ID) is not None


def check_start(session: Session, *, sandbox: bool) -> None:
    """Before serving: a sandbox marks an empty database as its own, and refuses one with
    other data; a normal gateway refuses a sandbox's database."""
    marked = is_sandbox(session)
    if not sandbox:
        if marked:
            raise SandboxGeweigerd("deze database is een sandbox (docs/sandbox.md); start met "
                                   "`gateway serve --sandbox` of gebruik een andere database")
        return
    if marked:
        return
    # Every table, not only parties and messages: a real gateway being set up has its
    # back-office users and their access log before its first party.
    filled = [table.name for table in Base.metadata.sorted_tables
              if table.name not in _OWN_TABLES and session.scalar(select(exists().select_from(table)))]
    if filled:
        raise SandboxGeweigerd(f"deze database bevat al gegevens en is geen sandbox (in {', '.join(filled[:5])}); "
                               "een sandbox start alleen op een lege database (zet "
                               "GATEWAY_DATABASE_URL op een nieuwe)")
    session.add(SandboxMarker(id=MARKER_ID))
    session.flush()


def partner_fout(session: Session, *, aanbieder: str, gemeente: str) -> str | None:
    """Why a message between this provider and this municipality is not taken in, in Dutch;
    None when it is. A provider that registered in the sandbox writes only to the municipality
    it was given, and that municipality hears only from it: a reset removes everything of that
    municipality, so another provider's messages there would go with it, and a provider's own
    aanvraag at another municipality would be left pointing at its deleted message. On a real
    gateway there are no sandbox registrations and nothing is refused here."""
    rows = session.execute(select(SandboxAanbieder.agb, SandboxAanbieder.gemeente).where(or_(
        SandboxAanbieder.agb == aanbieder, SandboxAanbieder.gemeente == gemeente))).all()
    for agb, eigen in rows:
        if agb == aanbieder and eigen != gemeente:
            return (f"aanbieder {aanbieder} is in de sandbox aangemeld met gemeente {eigen}; berichten gaan "
                    f"alleen naar die gemeente, niet naar {gemeente}")
        if agb != aanbieder:
            return (f"gemeente {gemeente} is in de sandbox de gemeente van een andere aanbieder; gebruik de "
                    "gemeente van je eigen aanmelding")
    return None


def free_gemeente(session: Session, reference: ReferenceData, today: date) -> str | None:
    """The first municipality of the CBS list (by code) valid today that no party of this
    gateway is yet; None when all are taken."""
    taken = set(session.scalars(select(Partij.code).where(Partij.soort == "gemeente")))
    taken |= set(session.scalars(select(SandboxAanbieder.gemeente)))
    for code in sorted(reference.gemeenten):
        if code not in taken and any(g.valid_on(today) for g in reference.gemeenten[code]):
            return code
    return None


def registration(session: Session, agb: str) -> SandboxAanbieder | None:
    return session.get(SandboxAanbieder, agb)


def reset(session: Session, provider: Partij, gemeente: str) -> dict[str, int]:
    """Remove every record of the provider and of its sandbox municipality; the counts per kind."""
    gemeente_party = select(Partij.id).where(Partij.soort == "gemeente", Partij.code == gemeente)
    berichten = select(Bericht.id).where(or_(
        Bericht.partij_id == provider.id, Bericht.partij_id.in_(gemeente_party),
        Bericht.afzender == gemeente, Bericht.ontvanger == gemeente)).scalar_subquery()
    envelopes = select(Envelop.id).where(or_(
        Envelop.bericht_id.in_(berichten), Envelop.zender_organisatie == provider.code,
        Envelop.ontvanger_organisatie == provider.code)).scalar_subquery()
    aanvragen = select(Aanvraag.id).where(Aanvraag.gemeente == gemeente).scalar_subquery()
    beschikkingen = select(Beschikking.id).where(Beschikking.gemeente == gemeente).scalar_subquery()
    starts = select(Zorglevering.id).where(Zorglevering.gemeente == gemeente).scalar_subquery()
    declaraties = select(Declaratie.id).where(Declaratie.gemeente == gemeente).scalar_subquery()
    counts: dict[str, int] = {}
    # Children before parents, so that no foreign key is left dangling on either database.
    steps = (
        ("webhookpogingen", delete(WebhookPoging).where(WebhookPoging.bericht_id.in_(berichten))),
        ("postbus", delete(PostbusItem).where(or_(
            PostbusItem.partij_id == provider.id, PostbusItem.bericht_id.in_(berichten),
            PostbusItem.retour_bericht_id.in_(berichten)))),
        ("werk", delete(Outbox).where(or_(Outbox.bericht_id.in_(berichten), Outbox.envelop_id.in_(envelopes)))),
        ("envelopogingen", delete(EnvelopPoging).where(EnvelopPoging.envelop_id.in_(envelopes))),
        ("enveloppen", delete(Envelop).where(Envelop.id.in_(envelopes))),
        ("signalen", delete(Signaal).where(Signaal.gemeente == gemeente)),
        ("prestaties", delete(Prestatie).where(or_(Prestatie.gemeente == gemeente,
                                                   Prestatie.declaratie_id.in_(declaraties)))),
        ("declaraties", delete(Declaratie).where(Declaratie.gemeente == gemeente)),
        ("bestedingsruimte", delete(Bestedingsruimte).where(Bestedingsruimte.gemeente == gemeente)),
        ("zorgleveringstops", delete(ZorgleveringStop).where(ZorgleveringStop.zorglevering_id.in_(starts))),
        ("zorgleveringen", delete(Zorglevering).where(Zorglevering.gemeente == gemeente)),
        ("toewijzingen", delete(Toewijzing).where(Toewijzing.gemeente == gemeente)),
        # The finance report's month totals follow ORM writes only (gateway.db.maandtotalen);
        # these deletes go around it, so the municipality's totals go with its sources.
        ("maandtotalen", delete(FinancienMaand).where(FinancienMaand.gemeente == gemeente)),
        ("maanddelen", delete(FinancienMaanddeel).where(FinancienMaanddeel.gemeente == gemeente)),
        ("bezwaren", delete(Bezwaar).where(Bezwaar.beschikking_id.in_(beschikkingen))),
        ("beschikkingen", delete(Beschikking).where(Beschikking.gemeente == gemeente)),
        ("voorstellen", delete(Voorstel).where(Voorstel.aanvraag_id.in_(aanvragen))),
        ("aanvraagproducten", delete(AanvraagProduct).where(AanvraagProduct.aanvraag_id.in_(aanvragen))),
        ("aanvragen", delete(Aanvraag).where(Aanvraag.gemeente == gemeente)),
        ("clienten", delete(Client).where(Client.gemeente == gemeente)),
        ("nummerreeksen", delete(Nummerreeks).where(Nummerreeks.gemeente == gemeente)),
        ("kenmerken", delete(Kenmerk).where(Kenmerk.bericht_id.in_(berichten))),
        ("bevindingen", delete(Bevinding).where(Bevinding.bericht_id.in_(berichten))),
        ("berichten", delete(Bericht).where(Bericht.id.in_(berichten))),
    )
    for name, statement in steps:
        counts[name] = rowcount(session, statement.execution_options(synchronize_session=False))
    return {name: count for name, count in counts.items() if count}
