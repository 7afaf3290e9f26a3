"""Deadlines (/termijnen): everything due or overdue, in Dutch werkdagen.
A read-only page: it shows masked BSNs only and is not an access-log entry. Only the
user's municipalities' terms (design.md §9)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.http.deps import DbSession
from gateway.readmodels import termijnen
from gateway.web.deps import CjgUser
from gateway.web.render import page

router = APIRouter()


@router.get("/termijnen")
def termijnen_page(request: Request, session: DbSession, user: CjgUser) -> Response:
    overzicht = termijnen.overview(session, request.app.state.ctx.today(), gemeenten=user.gemeenten)
    return page(request, "termijnen.html", o=overzicht, limit=termijnen.LIMIT,
                retourtermijn=termijnen.RETOURTERMIJN, te_laat_dagen=termijnen.TE_LAAT_DAGEN)
