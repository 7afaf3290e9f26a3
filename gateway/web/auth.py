"""Log-in, log-out and the start page per role."""
from __future__ import annotations

import logging
import secrets

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from gateway import clock
from gateway.db.session import unit_of_work
from gateway.domain.beheer import audit, gebruikers, inlogtellers
from gateway.domain.beheer.gebruikers import ADMIN, CJG, FINANCE
from gateway.http.deps import DbSession, discard, through_unknown_proxy
from gateway.web import sessies
from gateway.web.deps import AnyUser, CheckedForm, source_address
from gateway.web.render import page

router = APIRouter()
_log = logging.getLogger("gateway.web")
_warned_about_proxy = False  # the warning below is given once per process, not per log-in

# Before log-in there is no session to bind a CSRF token to: the log-in form uses a
# double-submit cookie (a cookie and a hidden field that must match).
LOGIN_CSRF_COOKIE = "gateway_login_csrf"
START = {CJG: "/aanvragen", FINANCE: "/financien", ADMIN: "/berichten"}


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
async def login(request: Request) -> Response:
    form = await request.form()
    naam, wachtwoord = str(form.get("username", "")), str(form.get("password", ""))
    volgende = _safe_next(str(form.get("volgende", "")))
    cookie, field = request.cookies.get(LOGIN_CSRF_COOKIE), str(form.get("csrf_token", ""))
    if not cookie or not secrets.compare_digest(cookie, field):
        return _again(request, naam, volgende, 400,
                      "Het inlogformulier is verlopen. Probeer het nog eens.")
    adres = (source_address(request) or "")[:45]
    if through_unknown_proxy(request):
        _warn_about_proxy()
    sessions = request.app.state.sessions
    per_adres = request.app.state.settings.login_failures_per_address
    # A log-in is several short units of work, not the request's one: each runs in a worker
    # thread and is committed before the password check, so a log-in waiting for its turn
    # holds no transaction (on SQLite: no lock) and no connection, and a failure stays
    # counted although the answer is a refusal. The check itself queues on the app's
    # limiter, off the event loop.
    kandidaat = await to_thread.run_sync(_admit, sessions, naam, adres, clock.now(), per_adres)
    if kandidaat is None:
        return _blocked(request, naam, volgende)
    right = await to_thread.run_sync(gebruikers.password_matches, kandidaat, wachtwoord,
                                     limiter=request.app.state.login_limiter)
    # A right password opens no session when the account was removed or given a new password
    # while it was checked: that counts, and is answered, as a wrong one.
    started = await to_thread.run_sync(_succeeded, sessions, kandidaat, naam, wachtwoord, adres) if right else None
    if started is None:
        blocked = await to_thread.run_sync(_failed, sessions, kandidaat, naam, adres, per_adres)
        await to_thread.run_sync(_forget_expired, sessions)
        if blocked:
            return _blocked(request, naam, volgende)
        return _again(request, naam, volgende, 401, "Gebruikersnaam of wachtwoord klopt niet.")
    key, rol = started
    response = RedirectResponse(volgende or START[rol], status_code=303)
    response.set_cookie(sessies.COOKIE, key, httponly=True, samesite="lax", secure=_https(request), path="/",
                        max_age=int(sessies.ABSOLUTE.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _warn_about_proxy() -> None:
    # Behind a proxy the gateway does not believe, every client has the proxy's address: the
    # throttle of that one address then locks everyone out after a few wrong passwords.
    global _warned_about_proxy
    if not _warned_about_proxy:
        _warned_about_proxy = True
        _log.warning("log-ins arrive through a reverse proxy (X-Forwarded-For/Forwarded) whose headers are "
                     "not believed, so every client has the proxy's address and shares its log-in throttle; "
                     "run `gateway serve --proxy-headers --forwarded-allow-ips <proxy>`")


def _admit(sessions: sessionmaker[Session], naam: str, adres: str, now,
           per_adres: int) -> gebruikers.Kandidaat | None:
    """The hash to check the password against, or None while the name or the address is
    locked (the same for a name without account)."""
    with unit_of_work(sessions) as session:  # reads only
        if inlogtellers.locked(session, naam, adres, now):
            return None
    # The counting starts a transaction of its own with a write (see inlogtellers.admit).
    with unit_of_work(sessions) as session:
        if not inlogtellers.admit(session, naam, adres, now, per_adres=per_adres):
            return None
        return gebruikers.candidate(session, naam)


def _failed(sessions: sessionmaker[Session], kandidaat: gebruikers.Kandidaat, naam: str, adres: str,
            per_adres: int) -> bool:
    now = clock.now()
    with unit_of_work(sessions) as session:
        blocked = inlogtellers.failed(session, naam, adres, now, per_adres=per_adres)
        # Only a name that exists is recorded: what someone typed may be a password typed in
        # the wrong field, and the append-only log must not keep it (or any text of choice).
        audit.record(session, gebruiker=kandidaat.gebruikersnaam or "(onbekend)", actie=audit.INLOGGEN_MISLUKT,
                     adres=adres, now=now)
    return blocked


def _succeeded(sessions: sessionmaker[Session], kandidaat: gebruikers.Kandidaat, naam: str, wachtwoord: str,
               adres: str) -> tuple[str, str] | None:
    now = clock.now()
    with unit_of_work(sessions) as session:
        inlogtellers.succeeded(session, naam, adres)  # first a write (see inlogtellers.admit)
        user = gebruikers.logged_in(session, kandidaat, wachtwoord)
        if user is None:
            # The account changed while its password was checked: the attempt stays counted
            # (the caller records it as failed), and no session starts.
            discard(session)
            return None
        key = sessies.start(session, user, now)
        audit.record(session, gebruiker=user.gebruikersnaam, actie=audit.INLOGGEN, adres=adres, now=now)
        return key, user.rol


def _forget_expired(sessions: sessionmaker[Session]) -> None:
    # Its own short unit of work, after the attempt's counting is committed (see
    # inlogtellers.forget_expired: inside it, it could deadlock with other addresses' attempts).
    with unit_of_work(sessions) as session:
        inlogtellers.forget_expired(session, clock.now())


def _blocked(request: Request, naam: str, volgende: str) -> Response:
    # One answer for a locked name and a throttled address, known name or not.
    return _again(request, naam, volgende, 429,
                  "Te veel mislukte pogingen: inloggen is vanaf dit adres 15 minuten geblokkeerd. "
                  "Probeer het later opnieuw of vraag de beheerder de blokkade op te heffen.",
                  headers={"Retry-After": str(int(inlogtellers.BLOKKADE.total_seconds()))})


@router.post("/logout")
def logout(request: Request, session: DbSession, user: AnyUser, _form: CheckedForm) -> Response:
    sessies.end(session, request.cookies.get(sessies.COOKIE))
    audit.record(session, gebruiker=user.gebruikersnaam, actie=audit.UITLOGGEN, adres=source_address(request))
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


def _safe_next(path: str) -> str:
    """Only a path on this site (no `//host`, no scheme): the log-in must not become a
    redirect to somewhere else."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else ""


def _https(request: Request) -> bool:
    # Behind a TLS-terminating proxy uvicorn's --proxy-headers makes this "https" too.
    return request.url.scheme == "https"
