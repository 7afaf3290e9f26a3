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
        melding = f"Token {token.id} is ingetrokken; het geeft geen toegang tot de API meer."
    return _render(request, session, melding=melding)


@router.post("/partijen")
def add_partij(request: Request, session: DbSession, user: AdminUser, form: CheckedForm) -> Response:
    invoer = partij_form.read(form)
    fouten = partij_form.check(invoer, partial(read.exists, session))
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
def revoke_token(request: Request, session: DbSession, user: AdminUser, _form: CheckedForm,
                 partij_id: str, token_id: str) -> Response:
    partij = _partij(session, partij_id)
    number = object_id(token_id, "token")
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


def _partij(session, partij_id: str) -> Partij:
    partij = read.party(session, object_id(partij_id, "partij"))
    if partij is None:
        raise HTTPException(404, f"Er is geen partij met nummer {partij_id[:40]}.")
    return partij


def _render(request: Request, session, *, invoer: dict | None = None, fouten: dict | None = None,
            nieuw: tuple[Partij, str] | None = None, melding: str | None = None, status: int = 200) -> Response:
    """The page: every party with its active tokens."""
    partijen, tokens = read.with_active_tokens(session)
    return page(request, "partijen.html", status=status, partijen=partijen, tokens=tokens,
                soorten=partij_form.SOORTEN, invoer=invoer or dict(partij_form.LEEG), fouten=fouten or {},
                nieuw=nieuw, melding=melding)
