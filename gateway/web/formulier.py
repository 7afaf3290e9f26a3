"""`/aanvraagformulier`: the CJG records an aanvraag with the parents and submits it. The form
becomes the same AGJ message a provider would send, with the provider
agreed with the parents as Afzender (see `gateway.domain.aanvraag.aanvraagformulier` for why), and goes
through the API's intake (`gateway.intake.service.receive`): stored, checked and answered like
any other message, then decided by the worker.

Two kinds of checks, shown in one round:
  * the form checks what it needs to write a schema-valid message: required fields, dates,
    whole numbers, amounts in euro, lengths and formats (postcode, telephone number, BSN of
    nine digits), and choices from the lists offered.
  * everything else is the intake's: the rules (elfproef CS002, AG001/AG002, TR134, CS003,
    TR383/TR386, the level-3 rules such as TR374, ...).
A form with field errors is still written as a message, with a stand-in for each field in
error (`form_reader.with_standins`), and checked on the message rules up to level 2 in the
same request, nothing stored: the form is shown again (400) with the field errors and the
rules' findings together, each in words beside its field; findings about a stand-in are
dropped. A form without field errors goes through the intake: a message that fails the rules
is stored (the contract: logged like any other), and the form is shown again (422, or 400 for
a schema error) with the rule report in Dutch and a link to the stored message. An accepted
message answers 303 to its detail page `/berichten/{id}?ingevoerd=1`, and the user's draft of
the form is removed.

Drafts (docs/decisions.md, "Drafts of the aanvraagformulier"): "Concept opslaan" keeps the
fields in the database per user and form key (`gateway.domain.aanvraag.concepten`), and so
does a submit that arrives after the session expired: its CSRF token is still checked
against the expired session, and the log-in then returns to `/aanvraagformulier?concept=KEY`,
which restores the draft for the user who logs in, and only for the owner.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from gateway import clock
from gateway.db.session import unit_of_work
from gateway.domain.aanvraag import concepten
from gateway.domain.aanvraag.aanvraagformulier import (
    identificatie_for,
    new_form_key,
    render_agj,
    valid_form_key,
)
from gateway.domain.beheer import audit
from gateway.domain.beheer.gebruikers import ADMIN, CJG
from gateway.http.deps import DbSession
from gateway.intake.service import receive, screen
from gateway.readmodels import berichten as read_berichten
from gateway.readmodels import clienten as read_clienten
from gateway.readmodels import concepten as read_concepten
from gateway.readmodels import partijen as read_partijen
from gateway.rules import report as rule_report
from gateway.rules.check import check_message
from gateway.web import sessies
from gateway.web.deps import CheckedForm, CjgUser, LoginNodig, log_access
from gateway.web.documents import moment_nl
from gateway.web.forms import aanvraagformulier as form_reader
from gateway.web.forms.aanvraagformulier import MAX_PRODUCTREGELS, PRODUCTREGELS, Keuzes, row_numbers
from gateway.web.forms.client import CONTACTSOORTEN, GESLACHTEN
from gateway.web.render import error_page, page
from gateway.web.views import regelrapport
from gateway.web.views.normen import product_label

router = APIRouter()

PAD = "/aanvraagformulier"


@router.get(PAD)
def formulier(request: Request, session: DbSession, user: CjgUser, concept: str = "") -> Response:
    keuzes = _keuzes(request, session, user)
    sleutel = valid_form_key(concept)
    bewaard = read_concepten.van(session, user.gebruiker_id, sleutel) if sleutel else None
    if bewaard is not None:
        waarden = {**bewaard.waarden, "sleutel": bewaard.sleutel}
        return _show(request, keuzes, waarden, regels=len(row_numbers(waarden)), user=user, session=session,
                     melding=f"Concept hersteld (opgeslagen {moment_nl(bewaard.bijgewerkt_op)}).")
    waarden = {"contact_soort": "01", "leveringsvorm": "ZIN", "sleutel": new_form_key()}
    if len(keuzes.gemeenten) == 1:
        waarden["gemeente"] = next(iter(keuzes.gemeenten))
    if len(keuzes.aanbieders) == 1:
        waarden["aanbieder"] = next(iter(keuzes.aanbieders))
    melding = "Dit concept is niet (meer) gevonden; hier is een leeg formulier." if concept else None
    return _show(request, keuzes, waarden, regels=PRODUCTREGELS, user=user, session=session, melding=melding)


async def keep_after_expiry(request: Request) -> None:
    """Before the user's check of a submit: a form posted after its session expired would be
    lost at the log-in. When the cookie's session still exists but has expired, and the form
    carries that session's CSRF token (it came from our page, in this browser), its fields are
    kept as the owner's draft and the log-in returns to it. The draft is written in a unit of
    work of its own: the answer is the redirect to /login, an error that rolls the page's work
    back."""
    key = request.cookies.get(sessies.COOKIE)
    if not key:
        return
    sessions, now = request.app.state.sessions, clock.now()
    verlopen = await to_thread.run_sync(_expired_owner, sessions, key, now)
    if verlopen is None or verlopen.rol not in (CJG, ADMIN):
        return
    form = await request.form()
    token = form.get("csrf_token")
    if not isinstance(token, str) or not secrets.compare_digest(token, verlopen.csrf):
        return  # not from our page: the normal refusal follows
    waarden = {k: v for k, v in form.items() if isinstance(v, str)}
    sleutel = valid_form_key(waarden.get("sleutel")) or new_form_key()
    await to_thread.run_sync(_keep, sessions, verlopen.gebruiker_id, sleutel, waarden, now)
    raise LoginNodig(f"{PAD}?concept={sleutel}")


def _expired_owner(sessions, key: str, now) -> sessies.Verlopen | None:
    with unit_of_work(sessions) as session:  # reads only
        return sessies.expired_owner(session, key, now)


def _keep(sessions, gebruiker_id: int, sleutel: str, waarden: dict[str, str], now) -> None:
    with unit_of_work(sessions) as session:
        concepten.bewaar(session, gebruiker_id, sleutel, waarden, now)


@router.post(PAD)
def submit(request: Request, _kept: Annotated[None, Depends(keep_after_expiry)], session: DbSession,
           user: CjgUser, form: CheckedForm) -> Response:
    state = request.app.state
    keuzes = _keuzes(request, session, user)
    waarden = {k: v for k, v in form.items() if k not in ("csrf_token", "actie")}
    regels = row_numbers(waarden)
    toon = {"user": user, "session": session}
    if form.get("actie") == "regel":  # another product row; nothing is checked or stored
        return _show(request, keuzes, waarden, regels=min(len(regels) + 1, MAX_PRODUCTREGELS), **toon)

    today = clock.today()
    # A form without a (valid) key, e.g. from before an upgrade, gets one now.
    waarden["sleutel"] = valid_form_key(waarden.get("sleutel")) or new_form_key()
    if form.get("actie") == "concept":  # kept as it is, nothing checked
        now = clock.now()
        concepten.bewaar(session, user.gebruiker_id, waarden["sleutel"], waarden, now)
        return _show(request, keuzes, waarden, regels=len(regels), **toon,
                     melding=f"Concept opgeslagen ({moment_nl(now)}). Je vindt het terug bovenaan "
                             "een nieuw aanvraagformulier.")
    gelezen = form_reader.read(waarden, keuzes, today)
    if gelezen.fouten:  # nothing of the form is stored
        rapport = _proef(request, keuzes, waarden, gelezen.fouten, today)
        return _show(request, keuzes, waarden, regels=len(regels), status=400, **toon,
                     fouten={**regelrapport.field_errors(rapport), **gelezen.fouten}, proefrapport=rapport)
    ingevuld = gelezen.formulier

    body = render_agj(ingevuld, identificatie=identificatie_for(waarden["sleutel"]), dagtekening=today,
                      schemas=state.schemas)
    # Our own rendering of the form, not a provider's bytes: screened inside the transaction.
    answer = receive(session, state.ctx, keuzes.aanbieders[ingevuld.aanbieder], screen(state.ctx, body),
                     today=today)
    log_access(session, request, user, actie=audit.AANVRAAG_INGEVOERD, object_type="bericht",
               object_id=answer.bericht_id,
               client_id=read_clienten.client_id(session, ingevuld.gemeente, ingevuld.client.bsn))
    if answer.status == 202:
        concepten.verwijder(session, user.gebruiker_id, waarden["sleutel"])
        return RedirectResponse(f"/berichten/{answer.bericht_id}?ingevoerd=1", status_code=303)
    if answer.status == 500:  # our own AGR failed the self-check (gateway.intake.service)
        return error_page(request, 500, "Er ging iets mis",
                          f"De aanvraag is vastgelegd als bericht {answer.bericht_id}, maar niet in "
                          "behandeling genomen: het antwoord van de gateway voldeed niet aan de eigen "
                          "controle. De fout is vastgelegd in het log van de gateway.")
    # Rejected by the intake's rules: stored like any message, and shown with its rule report.
    rapport = regelrapport.rapport(read_berichten.findings(session, answer.bericht_id), state.reference,
                                   gelezen.productregels)
    return _show(request, keuzes, waarden, regels=len(regels), fouten=regelrapport.field_errors(rapport), **toon,
                 status=answer.status if answer.status in (400, 422) else 422,
                 afgekeurd={"bericht_id": answer.bericht_id, "rapport": rapport, "schema": answer.status == 400})


def _proef(request: Request, keuzes: Keuzes, waarden: Mapping[str, str], fouten: Mapping[str, str],
           today) -> list[dict]:
    """The rules' findings on a form with field errors: the form written with stand-ins for
    the fields in error and checked (XSD and the rules up to level 2: level 3 reads the stored
    state and belongs to the intake). Nothing is stored. Findings on a field in error, on its
    product row, or on the message as a whole while the form is incomplete, are left out: they
    would be about a stand-in."""
    state = request.app.state
    proef = form_reader.read(form_reader.with_standins(waarden, fouten, keuzes, today), keuzes, today)
    if proef.formulier is None:
        return []
    body = render_agj(proef.formulier, identificatie=identificatie_for(waarden["sleutel"]), dagtekening=today,
                      schemas=state.schemas)
    result = check_message(body, schemas=state.schemas, reference=state.reference, today=today, max_level=2)
    rapport = regelrapport.of_entries(rule_report.of_result(state.reference, result), proef.productregels)
    # A product row with a stand-in: its other fields are judged against the stand-in (an
    # Einddatum before a stand-in Ingangsdatum), so the row's findings wait for the next round.
    rijen = {veld.rpartition("_")[2] for veld in fouten if veld.rpartition("_")[2].isdigit()}
    return [r for r in rapport if r["veld"] and r["veld"] not in fouten
            and r["veld"].rpartition("_")[2] not in rijen]


def _keuzes(request: Request, session, user: sessies.Ingelogd) -> Keuzes:
    """The form's choices: only the user's municipalities (design.md §9), so that the form's
    reader refuses another gemeente as it refuses an unknown one."""
    gemeenten, aanbieders = read_partijen.municipalities_and_providers(session, gemeenten=user.gemeenten)
    return form_reader.keuzes(gemeenten, aanbieders, request.app.state.reference)


def _show(request: Request, keuzes: Keuzes, waarden: Mapping[str, str], *, regels: int, user, session,
          fouten: Mapping[str, str] | None = None, status: int = 200,
          afgekeurd: dict | None = None, proefrapport: list[dict] | None = None,
          melding: str | None = None) -> Response:
    fouten = dict(fouten or {})
    regelvelden = {r["veld"] for r in proefrapport or []}
    return page(request, "aanvraagformulier.html", status=status,
                waarden=waarden, fouten=fouten,
                # The field errors in the summary; the rules' findings have their own list below it.
                samenvatting=[(veld, form_reader.label(veld), tekst) for veld, tekst in fouten.items()
                              if veld not in regelvelden],
                afgekeurd=afgekeurd, proefrapport=proefrapport, melding=melding,
                concepten=[c for c in read_concepten.alle(session, user.gebruiker_id)
                           if c.sleutel != waarden.get("sleutel")],
                productregels=list(range(1, max(regels, PRODUCTREGELS) + 1)),
                max_productregels=MAX_PRODUCTREGELS,
                gemeenten=[(code, p.naam) for code, p in keuzes.gemeenten.items()],
                aanbieders=[(code, p.naam) for code, p in keuzes.aanbieders.items()],
                producten=[(sleutel, product_label(p)) for sleutel, p in keuzes.producten.items()],
                eenheden=list(form_reader.EENHEDEN.items()), frequenties=list(form_reader.FREQUENTIES.items()),
                geslachten=list(GESLACHTEN.items()), contactsoorten=list(CONTACTSOORTEN.items()),
                leveringsvormen=list(form_reader.LEVERINGSVORMEN.items()),
                overeenstemming_keuzes=list(form_reader.OVEREENSTEMMING.items()),
                max_resultaten=form_reader.MAX_RESULTATEN)
