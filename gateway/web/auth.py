"""Log-in, log-out and the start page per role."""
from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from gateway import clock
from gateway.api.deps import DbSession
from gateway.domain import audit, gebruikers
from gateway.web import sessies
from gateway.web.deps import AnyUser, CheckedForm, source_address
from gateway.web.render import page

router = APIRouter()

# Before log-in there is no session to bind a CSRF token to: the log-in form uses a
# double-submit cookie (a cookie and a hidden field that must match).
LOGIN_CSRF_COOKIE = "gateway_login_csrf"
START = {"cjg": "/aanvragen", "finance": "/financien", "admin": "/berichten"}


@router.get("/")
def start(user: AnyUser) -> Response:
    return RedirectResponse(START[user.rol], status_code=303)


@router.get("/login")
def login_form(request: Request, volgende: str = "") -> Response:
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", volgende=_safe_next(volgende), login_csrf=token, fout=None,
                    gebruikersnaam="")
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=_https(request), path="/login")
    return response


@router.post("/login")
async def login(request: Request, session: DbSession) -> Response:
    form = await request.form()
    naam, wachtwoord = str(form.get("username", "")), str(form.get("password", ""))
    volgende = _safe_next(str(form.get("volgende", "")))
    cookie, field = request.cookies.get(LOGIN_CSRF_COOKIE), str(form.get("csrf_token", ""))
    if not cookie or not secrets.compare_digest(cookie, field):
        return _again(request, naam, volgende, 400,
                      "Het inlogformulier is verlopen. Probeer het nog eens.")
    now = clock.now()
    try:
        user = gebruikers.log_in(session, naam, wachtwoord, now)
    except gebruikers.Geblokkeerd:
        _log_attempt(session, request, naam)
        session.commit()
        return _again(request, naam, volgende, 429,
                      "Te veel mislukte pogingen: dit account is 15 minuten geblokkeerd. "
                      "Probeer het later opnieuw of vraag de beheerder om een nieuw wachtwoord.",
                      headers={"Retry-After": str(int(gebruikers.BLOKKADE.total_seconds()))})
    if user is None:
        _log_attempt(session, request, naam)
        session.commit()
        return _again(request, naam, volgende, 401, "Gebruikersnaam of wachtwoord klopt niet.")
    key = sessies.start(session, user, now)
    audit.record(session, gebruiker=user.gebruikersnaam, actie=audit.INLOGGEN, adres=source_address(request),
                 now=now)
    session.commit()
    response = RedirectResponse(volgende or START[user.rol], status_code=303)
    response.set_cookie(sessies.COOKIE, key, httponly=True, samesite="lax", secure=_https(request), path="/",
                        max_age=int(sessies.ABSOLUTE.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, user: AnyUser, _form: CheckedForm) -> Response:
    sessies.end(session, request.cookies.get(sessies.COOKIE))
    audit.record(session, gebruiker=user.gebruikersnaam, actie=audit.UITLOGGEN, adres=source_address(request))
    session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessies.COOKIE, path="/")
    return response


def _again(request: Request, naam: str, volgende: str, status: int, fout: str,
           headers: dict | None = None) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", status=status, headers=headers, volgende=volgende,
                    login_csrf=token, fout=fout, gebruikersnaam=naam)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=_https(request), path="/login")
    return response


def _log_attempt(session, request: Request, naam: str) -> None:
    # Only a name that exists is recorded: what someone typed may be a password typed in
    # the wrong field, and the append-only log must not keep it (or any text of choice).
    known = gebruikers.by_name(session, naam.strip().lower()) if naam.strip() else None
    audit.record(session, gebruiker=known.gebruikersnaam if known else "(onbekend)",
                 actie=audit.INLOGGEN_MISLUKT, adres=source_address(request))


def _safe_next(path: str) -> str:
    """Only a path on this site (no `//host`, no scheme): the log-in must not become a
    redirect to somewhere else."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else ""


def _https(request: Request) -> bool:
    # Behind a TLS-terminating proxy uvicorn's --proxy-headers makes this "https" too.
    return request.url.scheme == "https"
