"""Parties and their API tokens (`/partijen`, administrators): the same registration the
CLI's `provider add` / `municipality add` does, and revoking a token.

A new token is shown once, in the answer to the POST that made it (never in a URL, never
stored: the table keeps only its hash). Creating and revoking tokens is logged.
"""
from __future__ import annotations

import re
from collections import defaultdict

from sqlalchemy.exc import IntegrityError
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.exceptions import HTTPException

from gateway.http.deps import DbSession, parse_id
from gateway.db.models import Partij, Token
from gateway.domain import audit
from gateway.intake import parties
from gateway.intake.parties import GEMEENTE, add_party
from gateway.web.deps import AdminUser, CheckedForm, log_access, object_id
from gateway.web.render import page

router = APIRouter()

AANBIEDER = "aanbieder"
SOORTEN = {AANBIEDER: "Aanbieder", GEMEENTE: "Gemeente"}
_CODE = {AANBIEDER: (re.compile(r"\d{8}"), "Een AGB-code is precies 8 cijfers."),
         GEMEENTE: (re.compile(r"\d{4}"), "Een gemeentecode is precies 4 cijfers (CBS-code).")}
MAX_NAAM = 200  # Partij.naam


@router.get("/partijen")
def partijen_page(request: Request, session: DbSession, _user: AdminUser) -> Response:
    melding = None
    ingetrokken = parse_id(request.query_params.get("ingetrokken", ""))
    token = session.get(Token, ingetrokken) if ingetrokken is not None else None
    if token is not None and token.ingetrokken_op is not None:  # after the POST below
        melding = f"Token {token.id} is ingetrokken; het geeft geen toegang tot de API meer."
    return _render(request, session, melding=melding)


@router.post("/partijen")
def add_partij(request: Request, session: DbSession, user: AdminUser, form: CheckedForm) -> Response:
    invoer = {name: form.get(name, "").strip() for name in ("soort", "code", "naam")}
    fouten = _check(session, invoer)
    if fouten:
        return _render(request, session, invoer=invoer, fouten=fouten, status=400)
    try:
        partij, token = add_party(session, soort=invoer["soort"], code=invoer["code"], naam=invoer["naam"])
        log_access(session, request, user, actie=audit.TOKEN_AANGEMAAKT, object_type="partij", object_id=partij.id)
        session.commit()
    except IntegrityError:  # another administrator added the same party at the same moment
        session.rollback()
        return _render(request, session, invoer=invoer, status=400,
                       fouten={"code": "Deze partij is zojuist door iemand anders toegevoegd; maak daar een nieuw token."})
    return _render(request, session, nieuw=(partij, token), status=201)


@router.post("/partijen/{partij_id}/tokens")
def new_token(request: Request, session: DbSession, user: AdminUser, _form: CheckedForm,
                partij_id: str) -> Response:
    partij = _partij(session, partij_id)
    # add_party on an existing party adds a token to it (as `provider add` does for a known AGB).
    partij, token = add_party(session, soort=partij.soort, code=partij.code, naam=partij.naam)
    log_access(session, request, user, actie=audit.TOKEN_AANGEMAAKT, object_type="partij", object_id=partij.id)
    session.commit()
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
        session.commit()
    return RedirectResponse(f"/partijen?ingetrokken={number}", status_code=303)


def _partij(session, partij_id: str) -> Partij:
    partij = session.get(Partij, object_id(partij_id, "partij"))
    if partij is None:
        raise HTTPException(404, f"Er is geen partij met nummer {partij_id[:40]}.")
    return partij


def _check(session, invoer: dict[str, str]) -> dict[str, str]:
    fouten: dict[str, str] = {}
    soort, code, naam = invoer["soort"], invoer["code"], invoer["naam"]
    if soort not in SOORTEN:
        fouten["soort"] = "Kies aanbieder of gemeente."
    elif not _CODE[soort][0].fullmatch(code):
        fouten["code"] = _CODE[soort][1]
    elif session.scalar(select(Partij.id).where(Partij.soort == soort, Partij.code == code)) is not None:
        fouten["code"] = (f"Er is al een {soort} met code {code}. Maak bij die partij een nieuw token aan "
                          "met de knop ‘Nieuw token’.")
    if not naam:
        fouten["naam"] = "Vul de naam van de partij in."
    elif len(naam) > MAX_NAAM:
        fouten["naam"] = f"Een naam is hoogstens {MAX_NAAM} tekens."
    return fouten


def _render(request: Request, session, *, invoer: dict | None = None, fouten: dict | None = None,
            nieuw: tuple[Partij, str] | None = None, melding: str | None = None, status: int = 200) -> Response:
    """The page: every party with its active tokens (two queries, whatever the number of
    parties; there are tens of them, not thousands)."""
    partijen = list(session.scalars(select(Partij).order_by(Partij.soort, Partij.code)))
    tokens: dict[int, list[Token]] = defaultdict(list)
    for token in session.scalars(select(Token).where(Token.ingetrokken_op.is_(None)).order_by(Token.id)):
        tokens[token.partij_id].append(token)
    return page(request, "partijen.html", status=status, partijen=partijen, tokens=tokens, soorten=SOORTEN,
                invoer=invoer or {"soort": AANBIEDER, "code": "", "naam": ""}, fouten=fouten or {},
                nieuw=nieuw, melding=melding)
