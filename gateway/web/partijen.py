"""Parties and their API tokens (`/partijen`, administrators): the same registration the
CLI's `provider add` / `municipality add` does, and revoking a token.

A new token is shown once, in the answer to the POST that made it (never in a URL, never
stored: the table keeps only its hash). Creating and revoking tokens is logged.
"""
from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from gateway.db.models import Partij
from gateway.domain.beheer import audit
from gateway.domain.berichten.uitgaand import AANBIEDER
from gateway.http.deps import DbSession, discard, parse_id
from gateway.intake import parties
from gateway.intake.parties import add_party
from gateway.readmodels import partijen as read
from gateway.web.deps import AdminUser, CheckedForm, log_access, object_id
from gateway.web.forms import partij as partij_form
from gateway.web.render import page

router = APIRouter()


@router.get("/partijen")
def partijen_page(request: Request, session: DbSession, _user: AdminUser) -> Response:
    ingetrokken = parse_id(request.query_params.get("ingetrokken", ""))
    token = read.token(session, ingetrokken) if ingetrokken is not None else None
    melding = None
    if token is not None and token.ingetrokken_op is not None:  # after the POST below
        partij = read.party(session, token.partij_id)
        assert partij is not None  # a token belongs to a party
        melding = (f"Token {token.id} van {partij.naam} ({partij.code}) is ingetrokken; het geeft geen toegang "
                   f"tot de API meer.")
    verwijderd = parse_id(request.query_params.get("webhook_verwijderd", ""))
    partij = read.party(session, verwijderd) if verwijderd is not None else None
    if partij is not None and partij.webhook_url is None:  # after the POST below
        melding = f"De webhook van {partij.naam} ({partij.code}) is verwijderd."
    return _render(request, session, melding=melding)


@router.post("/partijen")
def add_partij(request: Request, session: DbSession, user: AdminUser, form: CheckedForm) -> Response:
    invoer = partij_form.read(form)
    ctx = request.app.state.ctx
    fouten = partij_form.check(invoer, partial(read.exists, session),
                               lambda code: ctx.reference.gemeentecode_fout(code, ctx.today()))
    if fouten:
        return _render(request, session, invoer=invoer, fouten=fouten, status=400)
    try:
        partij, token = add_party(session, soort=invoer["soort"], code=invoer["code"], naam=invoer["naam"])
    except IntegrityError:  # another administrator added the same party at the same moment
        discard(session)
        return _render(request, session, invoer=invoer, status=400,
                       fouten={"code": "Deze partij is zojuist door iemand anders toegevoegd; maak daar een nieuw token."})
    log_access(session, request, user, actie=audit.TOKEN_AANGEMAAKT, object_type="partij", object_id=partij.id)
    return _render(request, session, nieuw=(partij, token), status=201)


@router.post("/partijen/{partij_id}/tokens")
def new_token(request: Request, session: DbSession, user: AdminUser, _form: CheckedForm,
              partij_id: str) -> Response:
    partij = _partij(session, partij_id)
    # add_party on an existing party adds a token to it (as `provider add` does for a known AGB).
    partij, token = add_party(session, soort=partij.soort, code=partij.code, naam=partij.naam)
    log_access(session, request, user, actie=audit.TOKEN_AANGEMAAKT, object_type="partij", object_id=partij.id)
    return _render(request, session, nieuw=(partij, token), status=201)


@router.post("/partijen/{partij_id}/tokens/{token_id}/intrekken")
def revoke_token(request: Request, session: DbSession, user: AdminUser, form: CheckedForm,
                 partij_id: str, token_id: str) -> Response:
    """The list's button asks first (a page naming the party and what it loses); only the
    confirmation's form, with `bevestigd`, revokes."""
    partij = _partij(session, partij_id)
    number = object_id(token_id, "token")
    if form.get("bevestigd") != "ja":
        token = read.token(session, number)
        if token is None or token.partij_id != partij.id:
            raise HTTPException(404, f"{partij.naam} heeft geen token met nummer {token_id[:40]}.")
        if token.ingetrokken_op is not None:
            return RedirectResponse(f"/partijen?ingetrokken={number}", status_code=303)
        others = sum(1 for t in read.with_active_tokens(session)[1][partij.id] if t.id != number)
        return page(request, "token_intrekken.html", partij=partij, token=token, overige=others,
                    soorten=partij_form.SOORTEN)
    try:
        parties.revoke(session, number, partij_id=partij.id, now=request.app.state.ctx.now())
    except parties.OnbekendToken:
        raise HTTPException(404, f"{partij.naam} heeft geen token met nummer {token_id[:40]}.") from None
    except parties.AlIngetrokken:
        pass  # revoking twice changes nothing and logs nothing
    else:
        log_access(session, request, user, actie=audit.TOKEN_INGETROKKEN, object_type="partij",
                   object_id=partij.id)
    return RedirectResponse(f"/partijen?ingetrokken={number}", status_code=303)


@router.post("/partijen/{partij_id}/webhook")
def set_webhook(request: Request, session: DbSession, user: AdminUser, form: CheckedForm,
                partij_id: str) -> Response:
    """Set (or change) a provider's webhook: the answer shows the new signing secret, once
    (as `gateway provider webhook` prints it); the old secret stops counting."""
    partij = _partij(session, partij_id)
    url = form.get("url", "").strip()
    fout = "Vul de URL van de webhook in." if not url else parties.webhook_url_fout(url)
    if fout is not None:
        return _render(request, session, webhook_fout=(partij.id, url, fout[:1].upper() + fout[1:] + "."),
                       status=400)
    secret = parties.set_webhook(session, partij, url)
    assert secret is not None  # a URL was given
    log_access(session, request, user, actie=audit.WEBHOOK_INGESTELD, object_type="partij", object_id=partij.id)
    return _render(request, session, geheim=(partij, secret))


@router.post("/partijen/{partij_id}/webhook/verwijderen")
def remove_webhook(request: Request, session: DbSession, user: AdminUser, _form: CheckedForm,
                   partij_id: str) -> Response:
    partij = _partij(session, partij_id)
    if partij.webhook_url is not None:  # removing twice changes nothing and logs nothing
        parties.set_webhook(session, partij, None)
        log_access(session, request, user, actie=audit.WEBHOOK_VERWIJDERD, object_type="partij",
                   object_id=partij.id)
    return RedirectResponse(f"/partijen?webhook_verwijderd={partij.id}", status_code=303)


def _partij(session, partij_id: str) -> Partij:
    partij = read.party(session, object_id(partij_id, "partij"))
    if partij is None:
        raise HTTPException(404, f"Er is geen partij met nummer {partij_id[:40]}.")
    return partij


def _render(request: Request, session, *, invoer: dict | None = None, fouten: dict | None = None,
            nieuw: tuple[Partij, str] | None = None, melding: str | None = None,
            geheim: tuple[Partij, str] | None = None, webhook_fout: tuple[int, str, str] | None = None,
            status: int = 200) -> Response:
    """The page: every party with its active tokens and, for a provider, its webhook."""
    partijen, tokens = read.with_active_tokens(session)
    return page(request, "partijen.html", status=status, partijen=partijen, tokens=tokens,
                soorten=partij_form.SOORTEN, invoer=invoer or dict(partij_form.LEEG), fouten=fouten or {},
                nieuw=nieuw, melding=melding, geheim=geheim, webhook_fout=webhook_fout,
                aanbieder=AANBIEDER)
