"""The decision queue and one aanvraag's page: labels, the queue's rows and paging links,
and the Dutch texts of the detail page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree

from gateway.context import Context
from gateway.db import taken
from gateway.db.models import Aanvraag, Bericht, Voorstel
from gateway.domain.aanvraag import aanvragen, besluiten, clientgegevens, voorstellen
from gateway.domain.aanvraag.aanvragen import (
    AFGEWEZEN,
    IN_ONDERZOEK,
    OPEN,
    REDENEN_AFWIJZING,
    TE_BEOORDELEN,
    TOEGEKEND,
)
from gateway.model.normen import EENHEID_LABELS, FREQUENTIE_LABELS
from gateway.readmodels import keten
from gateway.readmodels.aanvragen import Detail, Section
from gateway.web.documents import datum_nl
from gateway.web.forms.besluit import KEUZE_LABELS, ONDERZOEK, TOEKENNEN, WIJZIGEN, Formulier
from gateway.web.forms.wachtrij import OPEN_VIEW, SOORT_LABELS, STATUS_FILTER, STATUS_LABELS
from gateway.web.views.normen import ProductRegel, product_rows
from gateway.web.views.termijn import Termijn, termijn
from gateway.work.attempts import DONE, MISLUKT, PENDING

PRODUCT_SOORTEN = {"aangevraagd": "aangevraagd", "ongewijzigd": "ongewijzigd", "te_wijzigen": "te wijzigen",
                   "nieuw": "nieuw"}
VERWERKING_LABELS = {PENDING: "wacht op verwerking", DONE: "verwerkt", MISLUKT: "mislukt"}
POSTBUS_LABELS = keten.POSTBUS
TAAK_LABELS = {taken.VERWERK_AGJ: "aanvraag registreren", taken.VERWERK_JW315: "verzoek registreren",
               taken.VERWERK_JW317: "verzoek registreren", taken.UITVOEREN: "besluit uitvoeren",
               taken.ONDERZOEK_MELDEN: "'in onderzoek' melden"}
_SECTION_TITLES = {TE_BEOORDELEN: "Te beoordelen", IN_ONDERZOEK: "In onderzoek", TOEGEKEND: "Toegekend",
                   AFGEWEZEN: "Afgewezen"}


# ---------------------------------------------------------------- the queue

@dataclass
class Rij:
    aanvraag: Aanvraag
    termijn: Termijn | None
    producten: list[ProductRegel]
    aanbieder_naam: str | None = None
    client_naam: str | None = None


def sections(found: list[Section], names: dict[str, str], ctx: Context, *, soort: str,
             vervolg: bool, client_names: dict[tuple[str, str], str] | None = None) -> list[dict]:
    """The queue's sections as the template shows them, each with its rows and the link to
    its next page."""
    today = ctx.today()
    result = []
    for part in found:
        rows = [Rij(a, termijn(a, today), product_rows(a, ctx), names.get(a.aanbieder),
                    (client_names or {}).get((a.gemeente, a.bsn))) for a in part.aanvragen]
        result.append({"status": part.status, "titel": _SECTION_TITLES[part.status], "rijen": rows,
                       "volgende": next_link(part.status, soort, rows[-1].aanvraag) if part.more else None,
                       "vervolg": vervolg})
    return result


def next_link(status: str, soort: str, last: Aanvraag) -> str:
    na = (f"{last.antwoord_uiterlijk.isoformat()}.{last.ontvangen_op.isoformat()}.{last.id}" if status in OPEN
          else str(last.id))
    return f"/aanvragen?status={status}" + (f"&soort={soort}" if soort else "") + f"&na={na}"


# ---------------------------------------------------------------- one aanvraag

def detail_context(aanvraag: Aanvraag, client_id: int | None, found: Detail, formulier: Formulier,
                   ctx: Context, *, door: str, melding: str | None = None,
                   stored_client: etree._Element | None = None) -> dict:
    """What aanvraag.html shows; the decision form only while the aanvraag is open and no
    proposal waits for its second approval."""
    voorstellen_ = proposals(found.voorstellen, door)
    open_ = aanvraag.status in OPEN and not any(v["wacht"] for v in voorstellen_)
    return dict(a=aanvraag, client_id=client_id, inhoud=message_content(found.bericht, ctx),
                versies=client_versions(aanvraag, stored_client, found.bericht, ctx),
                aanbieder_naam=found.aanbieder_naam, producten=product_rows(aanvraag, ctx),
                termijn=termijn(aanvraag, ctx.today()), beschikking=found.beschikking,
                verwerking=found.verwerking, verzonden=found.verzonden, status_labels=STATUS_LABELS,
                soort_labels=SOORT_LABELS, product_soorten=PRODUCT_SOORTEN, verwerking_labels=VERWERKING_LABELS,
                taak_labels=TAAK_LABELS, postbus_labels=POSTBUS_LABELS, besluit_tekst=decision_text(aanvraag),
                voorstellen=voorstellen_, melding=melding, fout=formulier.fout, formulier=formulier if open_ else None,
                keuzes=choices(aanvraag) if open_ else [],
                redenen=REDENEN_AFWIJZING, frequenties=FREQUENTIE_LABELS,
                eenheden=[(code, meervoud) for code, (_enkel, meervoud) in EENHEID_LABELS.items()],
                contact_nodig=any(r.get("code") == "contactgegevens" for r in aanvraag.beoordeling or []))


def message_content(bericht: Bericht | None, ctx: Context) -> dict:
    """What the case worker reads from the message itself: the client's name and, for an
    aanvraagformulier, the hulpvraag, context analysis, results and the agreement."""
    if bericht is None:
        return {}
    if bericht.gewist_op is not None:  # the retention purge emptied the body
        return {"gewist_op": bericht.gewist_op}
    msg = aanvragen.parsed_request(bericht, ctx)
    naam = msg.find("m:Client/m:Naam")
    result: dict = {"naam": None}
    if naam is not None:
        parts = [msg.text("b:Voornamen", naam) or msg.text("b:Voorletters", naam),
                 msg.text("b:Geslachtsnaam/b:Voorvoegsel", naam), msg.text("b:Geslachtsnaam/b:Achternaam", naam)]
        result["naam"] = " ".join(p for p in parts if p) or None
    result["geboortedatum"] = msg.text("m:Client/m:Geboortedatum/b:Datum")
    if msg.type.name == "AGJ":
        form = "m:Client/m:Aanvraagformulier"
        result["formulier"] = {
            "hulpvraag": msg.text(f"{form}/m:Hulpvraag"),
            "contextanalyse": msg.text(f"{form}/m:Contextanalyse"),
            "resultaten": [r.text for r in msg.findall(f"{form}/m:Resultaten/m:Resultaat")],
            "toestemming_ouders": msg.text(f"{form}/m:ToestemmingOuders"),
            "afstemming_datum": msg.text(f"{form}/m:Afstemming/m:Datum"),
            "overeenstemming": msg.text(f"{form}/m:Afstemming/m:Overeenstemming") == "1",
            "toelichting": msg.text(f"{form}/m:Afstemming/m:Toelichting"),
        }
    return result


WIJKT_AF, GELIJK, NIET_IN_BERICHT = "wijkt af", "gelijk", "niet in het bericht"


@dataclass(frozen=True)
class VersieRegel:
    """One row of the comparison: a datum as the gemeente knows it and as the message gives it."""

    gegeven: str
    bekend: str
    bericht: str
    verschil: str  # WIJKT_AF, GELIJK, or NIET_IN_BERICHT (nothing to compare: a JW315's address)


def client_versions(aanvraag: Aanvraag, stored: etree._Element | None, bericht: Bericht | None,
                    ctx: Context) -> dict | None:
    """Both versions of the client of an aanvraag whose message gave another identity than the
    stored client (design.md §9), and whether the case worker can still take the message's
    over (while the aanvraag is open and they differ). None for any other aanvraag."""
    if stored is None or bericht is None or bericht.gewist_op is not None:
        return None
    new = clientgegevens.from_request(aanvragen.parsed_request(bericht, ctx))
    bekend, gegeven = clientgegevens.persoon(stored), clientgegevens.persoon(new)
    afwijkend = clientgegevens.afwijkingen(stored, new)
    jw315 = aanvraag.soort == "JW315"  # carries no address: taking it over keeps the known one

    def regel(label: str, old: str | None, now: str | None) -> VersieRegel:
        if now is None and jw315:
            return VersieRegel(label, old or "onbekend", NIET_IN_BERICHT, NIET_IN_BERICHT)
        return VersieRegel(label, old or "onbekend", now or "geen", GELIJK if old == now else WIJKT_AF)

    rijen = [regel("Naam", bekend.naam, gegeven.naam),
             regel("Geboortedatum", bekend.geboortedatum and datum_nl(bekend.geboortedatum),
                   gegeven.geboortedatum and datum_nl(gegeven.geboortedatum)),
             regel("Adres", bekend.adres, gegeven.adres)]
    return {"rijen": rijen, "verschilt": bool(afwijkend), "wat": " en ".join(afwijkend),
            "overnemen": bool(afwijkend) and aanvraag.status in OPEN, "adres_blijft": jw315}


TAKEN_OVER = ("De gegevens uit het bericht zijn overgenomen: de gemeente kent de cliënt nu zo. Beslis "
              "hieronder over de aanvraag.")


def take_over_refused(exc: aanvragen.ClientFout) -> str:
    return f"De gegevens zijn niet overgenomen: {exc.detail}."


def choices(aanvraag: Aanvraag) -> dict[str, str]:
    """The decisions the service allows here: a JW317 is granted or rejected as a whole
    (OP344) and cannot go 'in onderzoek'; 'in onderzoek' only once, from te_beoordelen."""
    keuzes = dict(KEUZE_LABELS)
    if aanvraag.soort == "JW317":
        del keuzes[WIJZIGEN]
        keuzes[TOEKENNEN] = "Toekennen (als geheel)"
    if aanvraag.soort == "JW317" or aanvraag.status != TE_BEOORDELEN:
        del keuzes[ONDERZOEK]
    return keuzes


def decision_text(aanvraag: Aanvraag) -> str | None:
    besluit = aanvraag.besluit
    if not besluit:
        return None
    if besluit.get("besluit") == besluiten.AFWIJZEN:
        reden = besluit.get("reden_afwijzing")
        text = f"afgewezen, reden {reden}: {REDENEN_AFWIJZING.get(reden or '', 'onbekend')}"
        if besluit.get("woonplaatsbeginsel"):
            text += f" (verantwoordelijke gemeente {besluit['woonplaatsbeginsel']})"
        return text
    return "toegekend met wijzigingen" if besluit.get("producten") else "toegekend zoals gevraagd"


def confirmation(aanvraag: Aanvraag) -> str | None:
    if aanvraag.status == IN_ONDERZOEK:
        return ("De aanvraag staat nu in onderzoek. De aanbieder krijgt daarover een antwoordbericht "
                "(JW319); het definitieve besluit volgt uiterlijk op de nieuwe termijn.")
    if aanvraag.status in (TOEGEKEND, AFGEWEZEN):
        return ("Het besluit is vastgelegd. De gateway maakt nu de beschikking en de berichten voor de "
                "aanbieder; hieronder zie je hoe ver de verwerking is.")
    return None  # nothing decided (a link with ?besloten=1 by hand)


def already_decided(aanvraag: Aanvraag) -> str:
    return (f"Dit besluit is niet vastgelegd: over aanvraag {aanvraag.id} is al besloten "
            f"({STATUS_LABELS.get(aanvraag.status, aanvraag.status)}). Hieronder staat de "
            "aanvraag zoals hij nu is.")


PROPOSED = ("Dit besluit kent toe buiten de norm. Het is vastgelegd als voorstel en wordt pas uitgevoerd "
            "als een andere cjg-medewerker akkoord geeft (vier ogen).")
WITHDRAWN = "Het voorstel is ingetrokken; er is nog niet besloten."


def motivering_needed(exc: besluiten.BesluitFout) -> str:
    reasons = exc.detail.split(": ", 1)[-1]
    return f"Geef een motivering: dit besluit kent toe buiten de norm of minder dan gevraagd. {reasons}"


def proposals(found: list[Voorstel], user_door: str) -> list[dict]:
    """The proposals of an aanvraag as the page shows them; the waiting one with whether this
    user may approve it (not the one who proposed it)."""
    return [{"v": v, "status": voorstellen.STATUS_LABELS.get(v.status, v.status),
             "besluit": _proposal_text(v.invoer), "wacht": v.status == voorstellen.WACHT,
             "zelf": v.voorgesteld_door == user_door} for v in found]


def _proposal_text(invoer: dict) -> str:
    producten = invoer.get("producten") or []
    if not producten:
        return "toekennen zoals gevraagd"
    parts = []
    for p in producten:
        changes = [f"{k} {v}" for k, v in p.items() if k != "referentie_aanbieder" and v is not None]
        parts.append(f"{p['referentie_aanbieder']}: {', '.join(changes)}")
    return "toekennen met wijzigingen (" + "; ".join(parts) + ")"


# Where the service's explanation speaks of the API's fields, the back office says what to do
# on its own form instead.
_OP_HET_FORMULIER = {
    "contactgegevens": "de gemeente kent geen adres of telefoonnummer van deze cliënt, en een toewijzing "
                       "(JW301) vraagt ze: vul ze in bij 'Contactgegevens van de cliënt'",
    "als-geheel": "een verzoek om wijziging wordt als geheel en precies zoals gevraagd toegekend; kies "
                  "'Toekennen (als geheel)'",
}


def refusal_text(exc: besluiten.BesluitFout) -> str:
    detail = _OP_HET_FORMULIER.get(exc.slug, exc.detail)
    if exc.status == 409:
        return f"Dit besluit is niet vastgelegd: {detail}. Hieronder staat de aanvraag zoals hij nu is."
    return f"Dit besluit kan niet worden vastgelegd: {detail}. Er is niets opgeslagen."


def queue_context(filters, secties: list[dict], today: date) -> dict:
    return dict(secties=secties, filter_status=filters.status if filters.status in STATUS_FILTER else OPEN_VIEW,
                filter_soort=filters.soort if filters.soort in SOORT_LABELS else "", fouten=filters.fouten,
                statussen=STATUS_FILTER, soorten=SOORT_LABELS, status_labels=STATUS_LABELS, vandaag=today)
