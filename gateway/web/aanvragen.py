"""The CJG's decision queue (`/aanvragen`) and one aanvraag with its decision form
(`/aanvragen/{id}`, `POST /aanvragen/{id}/besluit`), and the case worker's choice for a client
whose identity differed from the stored one (`POST /aanvragen/{id}/client-overnemen`).

The queue lists the aanvragen waiting for a person, the most overdue first, each with its
requested products against the catalogue's norms (`gateway.model.normen`, the same check
the intake used) and the reasons the intake gave for sending it to the CJG. The decision
form builds the same `BesluitInvoer` as the API and calls the same service
(`besluiten.record`); the beschikking and the messages for the provider are made afterwards
by the outbox work, as for a decision through the API.

The routes only wire: the queries are `gateway.readmodels.aanvragen`, the form
`gateway.web.forms.besluit` and `forms.wachtrij`, the texts `gateway.web.views.aanvraag`.
"""
from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from gateway.context import Context
from gateway.db.models import Aanvraag
from gateway.domain.aanvraag import aanvragen, besluiten, voorstellen
from gateway.domain.aanvraag.aanvragen import OPEN
from gateway.domain.aanvraag.normtoets import BUITEN_NORM
from gateway.domain.beheer import audit
from gateway.domain.beheer.gebruikers import CJG
from gateway.http.deps import DbSession, discard
from gateway.readmodels import aanvragen as read
from gateway.web.deps import CheckedForm, CjgUser, log_access, object_id
from gateway.web.forms import wachtrij
from gateway.web.forms.besluit import Formulier, parse_form, prefilled
from gateway.web.render import page
from gateway.web.sessies import Ingelogd
from gateway.web.views import aanvraag as view

router = APIRouter()

PAGINA = 50  # rows per section; more are reached by keyset ("na"), never by OFFSET


@router.get("/aanvragen")
def queue(request: Request, session: DbSession, user: CjgUser, status: str = wachtrij.OPEN_VIEW, soort: str = "",
          na: str = "") -> Response:
    ctx: Context = request.app.state.ctx
    filters = wachtrij.read(status, soort, na)
    secties = []
    if not filters.fouten:
        found = read.queue(session, filters.statuses, soort or None, filters.key, limit=PAGINA,
                           gemeenten=user.gemeenten)
        secties = view.sections(found.sections, found.provider_names, ctx, soort=soort,
                                vervolg=filters.key is not None, client_names=found.client_names)
    return page(request, "aanvragen.html", status=400 if filters.fouten else 200,
                **view.queue_context(filters, secties, ctx.today()))


@router.get("/aanvragen/{aanvraag_id}")
def detail(request: Request, aanvraag_id: str, session: DbSession, user: CjgUser, besloten: str = "",
           voorgesteld: str = "", ingetrokken: str = "", overgenomen: str = "") -> Response:
    aanvraag = _aanvraag(session, user, aanvraag_id)
    melding = view.confirmation(aanvraag) if besloten else (
        view.PROPOSED if voorgesteld else view.WITHDRAWN if ingetrokken else view.TAKEN_OVER if overgenomen
        else None)
    return _viewed(request, session, user, aanvraag, prefilled(aanvraag), melding=melding)


@router.post("/aanvragen/{aanvraag_id}/besluit")
def decide(request: Request, aanvraag_id: str, session: DbSession, user: CjgUser, form: CheckedForm) -> Response:
    aanvraag = _aanvraag(session, user, aanvraag_id)
    invoer, formulier = parse_form(form, aanvraag)
    if aanvraag.status not in OPEN:  # decided meanwhile: the form is gone, so say so first
        formulier.fout = view.already_decided(aanvraag)
        return _viewed(request, session, user, aanvraag, formulier, status=409)
    if invoer is None:
        return _viewed(request, session, user, aanvraag, formulier, status=400)
    number, ctx = aanvraag.id, request.app.state.ctx
    try:
        buiten_norm = [a for a in besluiten.grant_afwijkingen(ctx, aanvraag, invoer) if a.soort == BUITEN_NORM]
        if buiten_norm:  # four eyes: recorded as a proposal, carried out on another user's approval
            voorstellen.propose(session, ctx, aanvraag=aanvraag, invoer=invoer, afwijkingen=buiten_norm,
                                door=_door(user))
        else:
            besluiten.record(session, ctx, aanvraag_id=number, gemeente=aanvraag.gemeente, invoer=invoer,
                             door=_door(user))
    except besluiten.BesluitFout as exc:
        return _refused(request, session, user, number, formulier, exc)
    log_access(session, request, user, actie=audit.VOORGESTELD if buiten_norm else audit.BESLUITEN,
               object_type="aanvraag", object_id=number, client_id=read.client_id(session, aanvraag))
    return RedirectResponse(f"/aanvragen/{number}?{'voorgesteld' if buiten_norm else 'besloten'}=1",
                            status_code=303)


@router.post("/aanvragen/{aanvraag_id}/voorstel/{voorstel_id}/akkoord")
def approve(request: Request, aanvraag_id: str, voorstel_id: str, session: DbSession, user: CjgUser,
            form: CheckedForm) -> Response:
    """The second approval of a grant outside the norms: carried out as the decision."""
    def step(number: int) -> None:
        if user.rol != CJG:
            raise besluiten.BesluitFout(403, "vier-ogen", "alleen een cjg-medewerker kan akkoord geven")
        voorstellen.approve(session, request.app.state.ctx, voorstel_id=number, door=_door(user))
    return _proposal_step(request, session, user, aanvraag_id, voorstel_id, step,
                          actie=audit.AKKOORD_GEGEVEN, melding="besloten")


@router.post("/aanvragen/{aanvraag_id}/voorstel/{voorstel_id}/intrekken")
def withdraw(request: Request, aanvraag_id: str, voorstel_id: str, session: DbSession, user: CjgUser,
             form: CheckedForm) -> Response:
    def step(number: int) -> None:
        voorstellen.withdraw(session, request.app.state.ctx, voorstel_id=number, door=_door(user))
    return _proposal_step(request, session, user, aanvraag_id, voorstel_id, step,
                          actie=audit.VOORSTEL_INGETROKKEN, melding="ingetrokken")


def _proposal_step(request: Request, session: Session, user, aanvraag_id: str, voorstel_id: str,
                   step: Callable[[int], None], *, actie: str, melding: str) -> Response:
    """One step on a proposal of this aanvraag (the user's municipalities only): taken and
    logged, or refused with nothing kept and the page shown again."""
    aanvraag = _aanvraag(session, user, aanvraag_id)
    number = object_id(voorstel_id, "voorstel")
    try:
        _of_aanvraag(session, aanvraag, number)
        step(number)
    except besluiten.BesluitFout as exc:
        return _refused(request, session, user, aanvraag.id, prefilled(aanvraag), exc)
    log_access(session, request, user, actie=actie, object_type="aanvraag", object_id=aanvraag.id,
               client_id=read.client_id(session, aanvraag))
    return RedirectResponse(f"/aanvragen/{aanvraag.id}?{melding}=1", status_code=303)


def _door(user) -> str:
    return f"{user.gebruikersnaam} (backoffice)"


def _of_aanvraag(session: Session, aanvraag: Aanvraag, voorstel_id: int) -> None:
    if voorstel_id not in {v.id for v in read.detail(session, aanvraag).voorstellen}:
        raise besluiten.BesluitFout(404, "not-found", f"geen voorstel {voorstel_id} bij deze aanvraag")


def _refused(request: Request, session: Session, user, number: int, formulier: Formulier,
             exc: besluiten.BesluitFout) -> Response:
    """Nothing of the refused step is kept; the page shown again is a logged view."""
    discard(session)
    if exc.status == 404:
        raise HTTPException(404, view.refusal_text(exc)) from None
    if exc.slug == "motivering":  # the field the case worker has to fill in, with the reasons
        formulier.fouten["motivering"] = view.motivering_needed(exc)
    else:
        formulier.fout = view.refusal_text(exc)
    return _viewed(request, session, user, _aanvraag(session, user, str(number)), formulier,
                   status=exc.status if exc.status in (403, 409) else 422)


@router.post("/aanvragen/{aanvraag_id}/client-overnemen")
def take_over_client(request: Request, aanvraag_id: str, session: DbSession, user: CjgUser,
                     form: CheckedForm) -> Response:
    """The case worker's choice for a client whose identity differed (design.md §9): the
    message's data become the stored client. Keeping the stored client needs no step: the
    case worker decides as usual."""
    aanvraag = _aanvraag(session, user, aanvraag_id)
    number = aanvraag.id
    try:
        aanvragen.take_over_client(session, request.app.state.ctx, aanvraag_id=number, gemeente=aanvraag.gemeente)
    except aanvragen.ClientFout as exc:
        discard(session)
        if exc.status == 404:
            raise HTTPException(404, f"Er is geen aanvraag met nummer {number}.") from None
        aanvraag = _aanvraag(session, user, str(number))
        formulier = prefilled(aanvraag)
        formulier.fout = view.take_over_refused(exc)
        return _viewed(request, session, user, aanvraag, formulier, status=exc.status)
    log_access(session, request, user, actie=audit.CLIENT_OVERGENOMEN, object_type="aanvraag", object_id=number,
               client_id=read.client_id(session, aanvraag))
    return RedirectResponse(f"/aanvragen/{number}?overgenomen=1", status_code=303)


def _aanvraag(session: Session, user: Ingelogd, text: str) -> Aanvraag:
    """The aanvraag, or the 404 page: also for another municipality's aanvraag (design.md
    §9), with the same words as for an unknown id, so the page tells nothing of it."""
    number = object_id(text, "aanvraag")
    aanvraag = read.aanvraag(session, number, gemeenten=user.gemeenten)
    if aanvraag is None:
        raise HTTPException(404, f"Er is geen aanvraag met nummer {number}.")
    return aanvraag


def _viewed(request: Request, session: Session, user, aanvraag: Aanvraag, formulier: Formulier, *,
            status: int = 200, melding: str | None = None) -> Response:
    """The aanvraag's page, also when a decision was not taken and it is shown again with the
    errors: every time a view of the client's data, so in the access log."""
    client_id = read.client_id(session, aanvraag)
    log_access(session, request, user, actie=audit.BEKIJKEN, object_type="aanvraag", object_id=aanvraag.id,
               client_id=client_id)
    context = view.detail_context(aanvraag, client_id, read.detail(session, aanvraag), formulier,
                                  request.app.state.ctx, door=_door(user), melding=melding,
                                  stored_client=read.stored_client(session, aanvraag))
    return page(request, "aanvraag.html", status=status, **context)
