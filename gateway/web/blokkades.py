"""Log-in lock-outs in force (`/blokkades`, administrators), and lifting one.

The page shows a locked name only when an account has it; what else was typed is not stored
(`gateway.domain.beheer.inlogtellers`), so it shows as "onbekende naam". Lifting is logged.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from gateway import clock
from gateway.domain.beheer import audit, inlogtellers
from gateway.http.deps import DbSession
from gateway.web.deps import AdminUser, CheckedForm, log_access, object_id
from gateway.web.render import page

router = APIRouter()


@router.get("/blokkades")
def blokkades_page(request: Request, session: DbSession, _user: AdminUser) -> Response:
    opgeheven = request.query_params.get("opgeheven") == "1"
    return page(request, "blokkades.html", blokkades=inlogtellers.active(session, clock.now()),
                melding="De blokkade is opgeheven." if opgeheven else None)


@router.post("/blokkades/{teller_id}/opheffen")
def lift(request: Request, session: DbSession, user: AdminUser, _form: CheckedForm, teller_id: str) -> Response:
    number = object_id(teller_id, "blokkade")
    if inlogtellers.lift(session, teller_id=number):  # lifting twice changes nothing and logs nothing
        log_access(session, request, user, actie=audit.BLOKKADE_OPGEHEVEN, object_type="blokkade", object_id=number)
    return RedirectResponse("/blokkades?opgeheven=1", status_code=303)
