"""`/aanvraagformulier`: the CJG records an aanvraag with the parents and submits it. The form
becomes the same AGJ message a provider would send, with the provider
agreed with the parents as Afzender (see `gateway.domain.aanvraag.aanvraagformulier` for why), and goes
through the API's intake (`gateway.intake.service.receive`): stored, checked and answered like
any other message, then decided by the worker.

Two kinds of checks, on purpose in two places:
  * the form checks what it needs to write a schema-valid message: required fields, dates,
    whole numbers, lengths and formats (postcode, telephone number, BSN of nine digits), and
    choices from the lists offered. A form with such errors is shown again (400) with the
    error beside each field; nothing is stored.
  * everything else is the intake's: the rules (elfproef CS002, AG001/AG002, TR134, CS003,
    TR383/TR386, the level-3 rules such as TR374, ...). A message that fails them is stored
    (the contract: logged like any other), and the form is shown again (422, or 400 for a
    schema error) with the rule report in Dutch and a link to the stored message.
An accepted message answers 303 to its detail page `/berichten/{id}?ingevoerd=1`.
"""
from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from gateway import clock
from gateway.domain.aanvraag.aanvraagformulier import (
    identificatie_for,
    new_form_key,
    render_agj,
    valid_form_key,
)
from gateway.domain.beheer import audit
from gateway.http.deps import DbSession
from gateway.intake.service import receive, screen
from gateway.readmodels import berichten as read_berichten
from gateway.readmodels import clienten as read_clienten
from gateway.readmodels import partijen as read_partijen
from gateway.web.deps import CheckedForm, CjgUser, log_access
from gateway.web.forms import aanvraagformulier as form_reader
from gateway.web.forms.aanvraagformulier import MAX_PRODUCTREGELS, PRODUCTREGELS, Keuzes, row_numbers
from gateway.web.forms.client import CONTACTSOORTEN, GESLACHTEN
from gateway.web.render import error_page, page
from gateway.web.views import regelrapport
from gateway.web.views.normen import product_label

router = APIRouter()

PAD = "/aanvraagformulier"


@router.get(PAD)
def formulier(request: Request, session: DbSession, user: CjgUser) -> Response:
    keuzes = _keuzes(request, session)
    waarden = {"contact_soort": "01", "leveringsvorm": "ZIN", "sleutel": new_form_key()}
    if len(keuzes.gemeenten) == 1:
        waarden["gemeente"] = next(iter(keuzes.gemeenten))
    if len(keuzes.aanbieders) == 1:
        waarden["aanbieder"] = next(iter(keuzes.aanbieders))
    return _show(request, keuzes, waarden, regels=PRODUCTREGELS)


@router.post(PAD)
def submit(request: Request, session: DbSession, user: CjgUser, form: CheckedForm) -> Response:
    state = request.app.state
    keuzes = _keuzes(request, session)
    waarden = {k: v for k, v in form.items() if k not in ("csrf_token", "actie")}
    regels = row_numbers(waarden)
    if form.get("actie") == "regel":  # another product row; nothing is checked or stored
        return _show(request, keuzes, waarden, regels=min(len(regels) + 1, MAX_PRODUCTREGELS))

    today = clock.today()
    # A form without a (valid) key, e.g. from before an upgrade, gets one now.
    waarden["sleutel"] = valid_form_key(waarden.get("sleutel")) or new_form_key()
    gelezen = form_reader.read(waarden, keuzes, today)
    if gelezen.fouten:  # nothing of the form is stored
        return _show(request, keuzes, waarden, regels=len(regels), fouten=gelezen.fouten, status=400)
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
        return RedirectResponse(f"/berichten/{answer.bericht_id}?ingevoerd=1", status_code=303)
    if answer.status == 500:  # our own AGR failed the self-check (gateway.intake.service)
        return error_page(request, 500, "Er ging iets mis",
                          f"De aanvraag is vastgelegd als bericht {answer.bericht_id}, maar niet in "
                          "behandeling genomen: het antwoord van de gateway voldeed niet aan de eigen "
                          "controle. De fout is vastgelegd in het log van de gateway.")
    # Rejected by the intake's rules: stored like any message, and shown with its rule report.
    rapport = regelrapport.rapport(read_berichten.findings(session, answer.bericht_id), state.reference,
                                   gelezen.productregels)
    return _show(request, keuzes, waarden, regels=len(regels), fouten=regelrapport.field_errors(rapport),
                 status=answer.status if answer.status in (400, 422) else 422,
                 afgekeurd={"bericht_id": answer.bericht_id, "rapport": rapport, "schema": answer.status == 400})


def _keuzes(request: Request, session) -> Keuzes:
    gemeenten, aanbieders = read_partijen.municipalities_and_providers(session)
    return form_reader.keuzes(gemeenten, aanbieders, request.app.state.reference)


def _show(request: Request, keuzes: Keuzes, waarden: Mapping[str, str], *, regels: int,
          fouten: Mapping[str, str] | None = None, status: int = 200,
          afgekeurd: dict | None = None) -> Response:
    fouten = dict(fouten or {})
    return page(request, "aanvraagformulier.html", status=status,
                waarden=waarden, fouten=fouten,
                samenvatting=[(veld, form_reader.label(veld), tekst) for veld, tekst in fouten.items()],
                afgekeurd=afgekeurd,
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
