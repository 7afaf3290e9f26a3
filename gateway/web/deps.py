"""What back-office pages depend on: the logged-in user with the right role, the CSRF token
of a form, the source address for the access log."""
from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from gateway import clock
from gateway.db.session import unit_of_work
from gateway.domain.beheer import audit
from gateway.domain.beheer.gebruikers import ADMIN, CJG, FINANCE
from gateway.errors import Forbidden, Unauthorized
from gateway.http.deps import DbSession, commit_and_release, parse_id
from gateway.web import sessies
from gateway.web.sessies import Ingelogd

ROLE_NAMES = {CJG: "CJG-medewerker", FINANCE: "financiën", ADMIN: "beheerder"}


class LoginNodig(Unauthorized):
    """No (valid) session: the page answers 303 to /login, remembering where the user was."""

    def __init__(self, path: str):
        super().__init__("log in om deze pagina te zien")
        self.login_url = "/login" if path in ("", "/") else f"/login?volgende={quote(path, safe='')}"


class Verboden(Forbidden):
    """A logged-in user without the role, or a form that did not come from our page (403)."""


def current_user(request: Request, session: DbSession) -> Ingelogd:
    now = clock.now()
    found = sessies.find(session, request.cookies.get(sessies.COOKIE), now)
    # The lookup only read: its connection goes back to the pool before the page waits for a
    # form's body or takes a second connection for the bookkeeping below.
    commit_and_release(session)
    if found.writes_due:
        # The session's own bookkeeping is a unit of work of its own, not part of the page's:
        # an expired session is removed although the answer is then a redirect to /login (an
        # error, which rolls the page's work back), and "last used" counts for every page,
        # also one that writes nothing or fails. It is written before the page's first write,
        # at most once a minute per session.
        with unit_of_work(request.app.state.sessions) as own:
            sessies.record_use(own, found, now)
    if found.user is None:
        # Back to the page after logging in; a form's POST cannot be repeated that way.
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginNodig(path if request.method == "GET" else "/")
    request.state.user = found.user
    return found.user


def role(*allowed: str):
    """A dependency that lets in the given roles; an admin may open every page."""

    def check(user: Annotated[Ingelogd, Depends(current_user)]) -> Ingelogd:
        if user.rol != ADMIN and user.rol not in allowed:
            names = " of ".join(ROLE_NAMES[r] for r in allowed)
            raise Verboden(f"Deze pagina is voor {names}. Je bent ingelogd als {ROLE_NAMES[user.rol]}.")
        return user

    return check


AnyUser = Annotated[Ingelogd, Depends(current_user)]
CjgUser = Annotated[Ingelogd, Depends(role(CJG))]
FinanceUser = Annotated[Ingelogd, Depends(role(FINANCE))]
AdminUser = Annotated[Ingelogd, Depends(role(ADMIN))]


async def form_with_csrf(request: Request, user: AnyUser) -> dict[str, str]:
    """The posted form as a dict of its (single) fields, after checking that it carries this
    session's CSRF token; a form without it was not sent from our page."""
    form = await request.form()
    token = form.get("csrf_token")
    if not isinstance(token, str) or not secrets.compare_digest(token, user.csrf):
        raise Verboden("Dit formulier is verlopen of kwam niet van deze site. Laad de pagina opnieuw en probeer het nog eens.")
    return {key: value for key, value in form.items() if isinstance(value, str)}


CheckedForm = Annotated[dict, Depends(form_with_csrf)]


def source_address(request: Request) -> str | None:
    """The peer's address; behind a proxy named in `gateway serve --proxy-headers
    --forwarded-allow-ips` the client's as that proxy forwarded it (uvicorn rewrites
    `request.client` only for those addresses, so a header from anyone else counts for nothing)."""
    return request.client.host if request.client else None


def log_access(session, request: Request, user: Ingelogd, *, actie: str = audit.BEKIJKEN,
               object_type: str | None = None, object_id: object = None, client_id: int | None = None) -> None:
    """Record a view or a decision in the access log, in the page's own unit of work: it is
    committed with the page's answer (a view is logged even though nothing else changes) and
    rolled back with a page that fails."""
    audit.record(session, gebruiker=user.gebruikersnaam, actie=actie, object_type=object_type,
                 object_id=object_id, client_id=client_id, adres=source_address(request))


def object_id(text: str, what: str) -> int:
    """A path id, or a 404 page (never a database error for a malformed id)."""
    number = parse_id(text)
    if number is None:
        raise HTTPException(404, f"Er is geen {what} met nummer {text[:40]}.")
    return number
