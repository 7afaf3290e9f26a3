"""Back-office users (`/gebruikers`, administrators): the same accounts `gateway user …`
manages, with their role and municipalities (design.md §9), blocking, a new password and
lifting a lock-out after failed log-ins. Every change is in the access log.

A new password ends every session of the user (`gebruikers.set_password`), so does blocking.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from gateway import clock
from gateway.db.models import Gebruiker
from gateway.domain.beheer import audit, gebruikers
from gateway.http.deps import DbSession, discard, parse_id
from gateway.readmodels import gebruikers as read
from gateway.web.deps import AdminUser, CheckedForm, log_access, object_id
from gateway.web.forms import gebruiker as form_of
from gateway.web.render import page

router = APIRouter()

# What the page says after a change (`?gedaan=…&gebruiker=id`); names come from the database.
MELDINGEN = {
    "aangemaakt": "Gebruiker {naam} is aangemaakt.",
    "gewijzigd": "Rol en gemeenten van {naam} zijn gewijzigd.",
    "geblokkeerd": "{naam} is geblokkeerd: inloggen kan niet meer en open sessies zijn beëindigd.",
    "gedeblokkeerd": "De blokkering van {naam} is opgeheven.",
    "wachtwoord": "Het wachtwoord van {naam} is opnieuw ingesteld; alle sessies van {naam} zijn beëindigd.",
    "ontgrendeld": "De blokkade na mislukt inloggen van {naam} is opgeheven.",
}


@router.get("/gebruikers")
def gebruikers_page(request: Request, session: DbSession, _user: AdminUser) -> Response:
    melding = None
    gedaan, number = request.query_params.get("gedaan", ""), parse_id(request.query_params.get("gebruiker", ""))
    target = read.user(session, number) if number is not None and gedaan in MELDINGEN else None
    if target is not None:
        melding = MELDINGEN[gedaan].format(naam=target.gebruikersnaam)
    return _render(request, session, melding=melding)


@router.post("/gebruikers")
def add_gebruiker(request: Request, session: DbSession, user: AdminUser, form: CheckedForm) -> Response:
    invoer, wachtwoord = form_of.read_new(form)
    if invoer.fouten:
        return _render(request, session, invoer=invoer, status=400)
    try:
        nieuw = gebruikers.add(session, gebruikersnaam=invoer.gebruikersnaam, rol=invoer.rol, wachtwoord=wachtwoord,
                               gemeenten=_gemeenten(request, invoer))
    except gebruikers.GebruikerFout as exc:
        # Shown beside the form, which keeps what was typed (except the password).
        discard(session)
        invoer.fouten["algemeen"] = _sentence(exc.detail)
        return _render(request, session, invoer=invoer, status=422)
    except IntegrityError:  # another administrator added the same name at the same moment
        discard(session)
        invoer.fouten["gebruikersnaam"] = "Deze gebruikersnaam is zojuist door iemand anders aangemaakt."
        return _render(request, session, invoer=invoer, status=400)
    _log(session, request, user, audit.GEBRUIKER_AANGEMAAKT, nieuw)
    return _done("aangemaakt", nieuw)


@router.post("/gebruikers/{gebruiker_id}/wijzigen")
def change(request: Request, session: DbSession, user: AdminUser, form: CheckedForm, gebruiker_id: str) -> Response:
    target = _gebruiker(session, gebruiker_id)
    invoer = form_of.read_change(form)
    if invoer.fouten:
        return _render(request, session, fouten_van=(target.id, invoer), status=400)
    gebruikers.change(session, gebruikersnaam=target.gebruikersnaam, rol=invoer.rol,
                      gemeenten=_gemeenten(request, invoer))
    _log(session, request, user, audit.GEBRUIKER_GEWIJZIGD, target)
    return _done("gewijzigd", target)


@router.post("/gebruikers/{gebruiker_id}/blokkeren")
def block(request: Request, session: DbSession, user: AdminUser, _form: CheckedForm, gebruiker_id: str) -> Response:
    target = _gebruiker(session, gebruiker_id)
    if target.id == user.gebruiker_id:
        raise gebruikers.GebruikerFout("je kunt jezelf niet blokkeren")
    if not target.geblokkeerd:  # blocking twice changes nothing and logs nothing
        gebruikers.block(session, gebruikersnaam=target.gebruikersnaam)
        _log(session, request, user, audit.GEBRUIKER_GEBLOKKEERD, target)
    return _done("geblokkeerd", target)


@router.post("/gebruikers/{gebruiker_id}/deblokkeren")
def unblock(request: Request, session: DbSession, user: AdminUser, _form: CheckedForm, gebruiker_id: str) -> Response:
    target = _gebruiker(session, gebruiker_id)
    if target.geblokkeerd:
        gebruikers.block(session, gebruikersnaam=target.gebruikersnaam, geblokkeerd=False)
        _log(session, request, user, audit.GEBRUIKER_GEDEBLOKKEERD, target)
    return _done("gedeblokkeerd", target)


@router.post("/gebruikers/{gebruiker_id}/wachtwoord")
def reset_password(request: Request, session: DbSession, user: AdminUser, form: CheckedForm,
                   gebruiker_id: str) -> Response:
    target = _gebruiker(session, gebruiker_id)
    fouten: dict[str, str] = {}
    wachtwoord = form_of.read_password(form, fouten)
    if fouten:
        return _render(request, session, fouten_van=(target.id, form_of.Invoer(fouten=fouten)), status=400)
    # Ends every session of the user (an admin resetting their own password logs in again).
    gebruikers.set_password(session, gebruikersnaam=target.gebruikersnaam, wachtwoord=wachtwoord)
    _log(session, request, user, audit.WACHTWOORD_GERESET, target)
    return _done("wachtwoord", target)


@router.post("/gebruikers/{gebruiker_id}/ontgrendelen")
def lift_lock_out(request: Request, session: DbSession, user: AdminUser, _form: CheckedForm,
                  gebruiker_id: str) -> Response:
    target = _gebruiker(session, gebruiker_id)
    if gebruikers.unlock(session, gebruikersnaam=target.gebruikersnaam):  # nothing lifted: nothing logged
        log_access(session, request, user, actie=audit.BLOKKADE_OPGEHEVEN, object_type="gebruiker",
                   object_id=target.id)
    return _done("ontgrendeld", target)


def _gemeenten(request: Request, invoer: form_of.Invoer) -> gebruikers.Gemeenten:
    ctx = request.app.state.ctx
    return gebruikers.Gemeenten(invoer.codes, ctx.reference, ctx.today())


def _gebruiker(session, gebruiker_id: str) -> Gebruiker:
    target = read.user(session, object_id(gebruiker_id, "gebruiker"))
    if target is None:
        raise HTTPException(404, f"Er is geen gebruiker met nummer {gebruiker_id[:40]}.")
    return target


def _log(session, request: Request, user, actie: str, target: Gebruiker) -> None:
    log_access(session, request, user, actie=actie, object_type="gebruiker", object_id=target.id)


def _done(gedaan: str, target: Gebruiker) -> Response:
    return RedirectResponse(f"/gebruikers?gedaan={gedaan}&gebruiker={target.id}", status_code=303)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _render(request: Request, session, *, invoer: form_of.Invoer | None = None,
            fouten_van: tuple[int, form_of.Invoer] | None = None, melding: str | None = None,
            status: int = 200) -> Response:
    """The page: every user, the form per user (with its errors when it was posted wrong) and
    the form for a new user."""
    return page(request, "gebruikers.html", status=status, gebruikers=read.users(session, clock.now()),
                gemeenten=read.municipalities(session), rollen=form_of.ROLLEN, invoer=invoer or form_of.Invoer(),
                fouten_van=fouten_van, melding=melding)
