"""Rendering back-office pages with the shared Jinja2 environment (autoescape, strict)."""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from gateway.domain.beheer.gebruikers import ADMIN, CJG, FINANCE
from gateway.web.deps import ROLE_NAMES
from gateway.web.documents import environment

# The navigation per role: (path, label, roles that see it); admin sees everything.
NAVIGATIE = (
    ("/aanvragen", "Aanvragen", (CJG,)),
    ("/clienten", "Cliënten", (CJG,)),
    ("/berichten", "Berichten", (CJG,)),
    ("/termijnen", "Termijnen", (CJG,)),
    ("/aanvraagformulier", "Nieuwe aanvraag", (CJG,)),
    ("/financien", "Financiën", (FINANCE,)),
    ("/audit", "Toegangslog", ()),
    ("/partijen", "Partijen", ()),
    ("/gebruikers", "Gebruikers", ()),
    ("/blokkades", "Blokkades", ()),
)


def page(request: Request, template: str, *, status: int = 200, headers: dict | None = None,
         **context) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    navigatie = [] if user is None else [
        (path, label) for path, label, roles in NAVIGATIE if user.rol == ADMIN or user.rol in roles]
    html = environment().get_template(template).render(
        user=user, rolnaam=ROLE_NAMES.get(user.rol, "") if user else "", navigatie=navigatie,
        huidig=request.url.path, csrf=user.csrf if user else "",
        sandbox=request.app.state.settings.sandbox, **context)
    return HTMLResponse(html, status_code=status, headers=headers)


def error_page(request: Request, status: int, titel: str, uitleg: str, *,
               headers: dict | None = None) -> HTMLResponse:
    return page(request, "fout.html", status=status, headers=headers, titel=titel, uitleg=uitleg,
                status_code=status)
