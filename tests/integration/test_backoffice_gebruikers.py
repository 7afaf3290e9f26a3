"""Users and municipalities (design.md §9): `/gebruikers` for administrators (add, change
role and municipalities, block, a new password, lifting a lock-out), the user's municipalities
on the logged-in user, and `gateway user add --gemeente`."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway.cli import main
from gateway.clock import as_utc
from gateway.db.models import AuditRegel, Gebruiker, Sessie
from gateway.db.session import unit_of_work
from gateway.domain.beheer import audit, gebruikers, inlogtellers
from gateway.intake.parties import add_party
from gateway.web import sessies
from gateway.web.sessies import Ingelogd, may_see
from tests.backoffice import PASSWORD, csrf_of, login, post_form

NIEUW = "een-heel-nieuw-wachtwoord"
WRONG = "fout-fout-fout-fout"


@pytest.fixture
def rotterdam(sessions, parties):
    """A gateway of two municipalities: Amsterdam (0363, from `parties`) and Rotterdam (0599)."""
    with unit_of_work(sessions) as session:
        add_party(session, soort="gemeente", code="0599", naam="Rotterdam")


@pytest.fixture
def second_client(app):
    with TestClient(app) as other:
        yield other


def user_row(sessions, naam: str) -> Gebruiker:
    with sessions() as session:
        return session.scalar(select(Gebruiker).where(Gebruiker.gebruikersnaam == naam))


def log_of(sessions, *acties: str) -> list[tuple[str, str, str | None]]:
    with sessions() as session:
        return [tuple(r) for r in session.execute(
            select(AuditRegel.gebruiker, AuditRegel.actie, AuditRegel.object_id)
            .where(AuditRegel.actie.in_(acties)).order_by(AuditRegel.id))]


def sessions_of(sessions, naam: str) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Sessie).join(Gebruiker)
                              .where(Gebruiker.gebruikersnaam == naam))


def test_only_an_admin_opens_gebruikers_and_it_is_in_the_admin_navigation(client, users):
    for naam in ("marieke", "fenna"):
        login(client, naam)
        assert client.get("/gebruikers").status_code == 403
        assert 'href="/gebruikers"' not in client.get("/").text
    login(client, "beheer")
    page = client.get("/gebruikers")
    assert page.status_code == 200 and 'href="/gebruikers"' in page.text
    for naam in ("marieke", "fenna", "beheer"):
        assert f"<td>{naam}</td>" in page.text


def test_a_non_admin_cannot_post_to_gebruikers_either(client, users, sessions, rotterdam):
    login(client, "marieke")
    token = csrf_of(client.get("/aanvragen").text)
    response = client.post("/gebruikers", data={"csrf_token": token, "gebruikersnaam": "stiekem", "rol": "admin",
                                                "alle_gemeenten": "ja", "wachtwoord": NIEUW,
                                                "wachtwoord_herhaald": NIEUW}, follow_redirects=False)
    assert response.status_code == 403
    marieke = user_row(sessions, "marieke")
    response = client.post(f"/gebruikers/{marieke.id}/wijzigen", data={"csrf_token": token, "rol": "admin",
                                                                       "alle_gemeenten": "ja"})
    assert response.status_code == 403
    assert user_row(sessions, "stiekem") is None and user_row(sessions, "marieke").rol == "cjg"


def test_add_a_user_with_municipalities_who_then_logs_in_and_sees_only_those(client, users, sessions, rotterdam,
                                                                           second_client):
    login(client, "beheer")
    response = post_form(client, "/gebruikers", {"gebruikersnaam": "Rosa", "rol": "cjg", "gemeente_0599": "ja",
                                                 "wachtwoord": NIEUW, "wachtwoord_herhaald": NIEUW})
    assert response.status_code == 303
    rosa = user_row(sessions, "rosa")
    assert (rosa.rol, rosa.gemeenten, rosa.geblokkeerd) == ("cjg", ["0599"], False)
    assert "Gebruiker rosa is aangemaakt" in client.get(response.headers["location"]).text
    assert log_of(sessions, audit.GEBRUIKER_AANGEMAAKT) == [("beheer", audit.GEBRUIKER_AANGEMAAKT, str(rosa.id))]
    assert login(second_client, "rosa", NIEUW).status_code == 303
    with sessions() as session:
        found = sessies.find(session, second_client.cookies.get(sessies.COOKIE), as_utc(rosa.aangemaakt_op))
    assert found.user is not None and found.user.gemeenten == frozenset({"0599"})
    assert may_see(found.user, "0599") and not may_see(found.user, "0363")


def test_may_see_lets_an_admin_and_a_user_of_all_municipalities_see_everything():
    admin = Ingelogd(1, 1, "beheer", gebruikers.ADMIN, "x", frozenset({"0363"}))
    alle = Ingelogd(2, 2, "marieke", gebruikers.CJG, "x", None)
    een = Ingelogd(3, 3, "rosa", gebruikers.CJG, "x", frozenset({"0363"}))
    assert may_see(admin, "0599") and may_see(alle, "0599") and may_see(een, "0363")
    assert not may_see(een, "0599") and not may_see(een, None)


@pytest.mark.parametrize(("data", "melding"), [
    ({"gebruikersnaam": "", "rol": "cjg", "alle_gemeenten": "ja"}, "Vul een gebruikersnaam in"),
    ({"gebruikersnaam": "kees", "rol": "baas", "alle_gemeenten": "ja"}, "Kies een rol"),
    ({"gebruikersnaam": "kees", "rol": "cjg"}, "Kies minstens één gemeente"),
    ({"gebruikersnaam": "kees", "rol": "cjg", "gemeente_0000": "ja"}, "0000 is geen gemeentecode op de CBS-lijst"),
    ({"gebruikersnaam": "kees", "rol": "cjg", "gemeente_0003": "ja"}, "bestaat op"),  # Appingedam, until 2021
    ({"gebruikersnaam": "kees", "rol": "cjg", "gemeente_0014": "ja"}, "geen gemeente van deze gateway"),
    ({"gebruikersnaam": "marieke", "rol": "cjg", "alle_gemeenten": "ja"}, "bestaat al"),
    ({"gebruikersnaam": "k ees", "rol": "cjg", "alle_gemeenten": "ja"}, "gebruikersnaam is 2-64 tekens"),
])
def test_an_invalid_new_user_is_shown_again_and_nothing_is_stored(client, users, sessions, rotterdam, data, melding):
    login(client, "beheer")
    response = post_form(client, "/gebruikers", {**data, "wachtwoord": NIEUW, "wachtwoord_herhaald": NIEUW})
    assert response.status_code in (400, 422) and melding in response.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Gebruiker)) == 3
    assert log_of(sessions, audit.GEBRUIKER_AANGEMAAKT) == []


def test_a_short_or_mistyped_initial_password_is_refused(client, users, sessions, rotterdam):
    login(client, "beheer")
    short = post_form(client, "/gebruikers", {"gebruikersnaam": "kees", "rol": "cjg", "alle_gemeenten": "ja",
                                              "wachtwoord": "kort", "wachtwoord_herhaald": "kort"})
    assert short.status_code == 400 and 'id="fout-nieuw-wachtwoord">Een wachtwoord heeft minstens 12' in short.text
    other = post_form(client, "/gebruikers", {"gebruikersnaam": "kees", "rol": "cjg", "alle_gemeenten": "ja",
                                              "wachtwoord": NIEUW, "wachtwoord_herhaald": NIEUW + "x"})
    assert other.status_code == 400 and 'id="fout-nieuw-wachtwoord">De twee wachtwoorden zijn niet gelijk' in other.text
    assert 'value="kees"' in other.text and NIEUW not in other.text  # the name stays, the password does not
    assert user_row(sessions, "kees") is None


def test_change_role_and_municipalities_applies_to_the_open_session(client, users, sessions, rotterdam,
                                                                   second_client):
    login(second_client, "marieke")
    assert second_client.get("/partijen").status_code == 403
    marieke = user_row(sessions, "marieke")
    login(client, "beheer")
    response = post_form(client, f"/gebruikers/{marieke.id}/wijzigen",
                         {"rol": "finance", "gemeente_0363": "ja", "gemeente_0599": "ja"}, form_page="/gebruikers")
    assert response.status_code == 303
    assert "Rol en gemeenten van marieke zijn gewijzigd" in client.get(response.headers["location"]).text
    changed = user_row(sessions, "marieke")
    assert (changed.rol, changed.gemeenten) == ("finance", ["0363", "0599"])
    assert second_client.get("/financien").status_code == 200  # the same session, the new role
    assert second_client.get("/aanvragen").status_code == 403
    back = post_form(client, f"/gebruikers/{marieke.id}/wijzigen", {"rol": "cjg", "alle_gemeenten": "ja"},
                     form_page="/gebruikers")
    assert back.status_code == 303 and user_row(sessions, "marieke").gemeenten is None
    unknown = post_form(client, f"/gebruikers/{marieke.id}/wijzigen", {"rol": "cjg", "gemeente_9999": "ja"},
                        form_page="/gebruikers")
    assert unknown.status_code == 422 and "9999 is geen gemeentecode" in unknown.text
    assert log_of(sessions, audit.GEBRUIKER_GEWIJZIGD) == [("beheer", audit.GEBRUIKER_GEWIJZIGD, str(marieke.id))] * 2


def test_the_last_admin_cannot_be_demoted(client, users, sessions):
    beheer = user_row(sessions, "beheer")
    login(client, "beheer")
    response = post_form(client, f"/gebruikers/{beheer.id}/wijzigen", {"rol": "cjg", "alle_gemeenten": "ja"},
                         form_page="/gebruikers")
    assert response.status_code == 422 and "laatste beheerder" in response.text
    assert user_row(sessions, "beheer").rol == "admin"


def test_a_password_reset_ends_every_session_of_the_user(client, users, sessions, app, second_client):
    with TestClient(app) as third:
        login(second_client, "marieke")
        login(third, "marieke")
        assert sessions_of(sessions, "marieke") == 2
        marieke = user_row(sessions, "marieke")
        login(client, "beheer")
        response = post_form(client, f"/gebruikers/{marieke.id}/wachtwoord",
                             {"wachtwoord": NIEUW, "wachtwoord_herhaald": NIEUW}, form_page="/gebruikers")
        assert response.status_code == 303
        assert "alle sessies van marieke zijn beëindigd" in client.get(response.headers["location"]).text
        assert sessions_of(sessions, "marieke") == 0
        for other in (second_client, third):
            gone = other.get("/aanvragen", follow_redirects=False)
            assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    assert client.get("/gebruikers").status_code == 200  # the admin's own session goes on
    assert login(second_client, "marieke", PASSWORD).status_code == 401
    assert login(second_client, "marieke", NIEUW).status_code == 303
    assert log_of(sessions, audit.WACHTWOORD_GERESET) == [("beheer", audit.WACHTWOORD_GERESET, str(marieke.id))]


def test_a_short_reset_password_changes_nothing(client, users, sessions, second_client):
    login(second_client, "marieke")
    marieke = user_row(sessions, "marieke")
    login(client, "beheer")
    response = post_form(client, f"/gebruikers/{marieke.id}/wachtwoord",
                         {"wachtwoord": "kort", "wachtwoord_herhaald": "kort"}, form_page="/gebruikers")
    assert response.status_code == 400
    assert f'id="fout-g{marieke.id}-wachtwoord">Een wachtwoord heeft minstens 12' in response.text
    assert sessions_of(sessions, "marieke") == 1 and log_of(sessions, audit.WACHTWOORD_GERESET) == []


def test_block_ends_the_sessions_and_refuses_log_in_until_unblocked(client, users, sessions, second_client):
    login(second_client, "marieke")
    marieke = user_row(sessions, "marieke")
    login(client, "beheer")
    blocked = post_form(client, f"/gebruikers/{marieke.id}/blokkeren", {}, form_page="/gebruikers")
    assert blocked.status_code == 303
    page = client.get(blocked.headers["location"]).text
    assert "marieke is geblokkeerd" in page and "geblokkeerd</span>" in page
    assert user_row(sessions, "marieke").geblokkeerd and sessions_of(sessions, "marieke") == 0
    assert second_client.get("/aanvragen", follow_redirects=False).status_code == 303
    assert login(second_client, "marieke").status_code == 401
    unblocked = post_form(client, f"/gebruikers/{marieke.id}/deblokkeren", {}, form_page="/gebruikers")
    assert unblocked.status_code == 303 and not user_row(sessions, "marieke").geblokkeerd
    assert login(second_client, "marieke").status_code == 303
    assert log_of(sessions, audit.GEBRUIKER_GEBLOKKEERD, audit.GEBRUIKER_GEDEBLOKKEERD) == [
        ("beheer", audit.GEBRUIKER_GEBLOKKEERD, str(marieke.id)),
        ("beheer", audit.GEBRUIKER_GEDEBLOKKEERD, str(marieke.id))]


def test_an_admin_cannot_block_themselves(client, users, sessions):
    beheer = user_row(sessions, "beheer")
    login(client, "beheer")
    response = post_form(client, f"/gebruikers/{beheer.id}/blokkeren", {}, form_page="/gebruikers")
    assert response.status_code == 422 and "jezelf niet blokkeren" in response.text
    assert not user_row(sessions, "beheer").geblokkeerd


def test_a_lock_out_shows_and_is_lifted_from_gebruikers(client, users, sessions, second_client):
    for _ in range(inlogtellers.PER_NAAM):
        login(second_client, "fenna", WRONG)
    assert login(second_client, "fenna").status_code == 429
    fenna = user_row(sessions, "fenna")
    login(client, "beheer")
    page = client.get("/gebruikers").text
    row = page.split(f'id="gebruiker-{fenna.id}"')[1].split("</tr>")[0]
    assert "buitengesloten tot" in row and f"/gebruikers/{fenna.id}/ontgrendelen" in row
    lifted = post_form(client, f"/gebruikers/{fenna.id}/ontgrendelen", {}, form_page="/gebruikers")
    assert lifted.status_code == 303
    assert "buitengesloten tot" not in client.get(lifted.headers["location"]).text
    assert login(second_client, "fenna").status_code == 303
    assert log_of(sessions, audit.BLOKKADE_OPGEHEVEN) == [("beheer", audit.BLOKKADE_OPGEHEVEN, str(fenna.id))]


def test_forms_without_csrf_are_refused(client, users, sessions):
    marieke = user_row(sessions, "marieke")
    login(client, "beheer")
    client.get("/gebruikers")
    for path, data in (("/gebruikers", {"gebruikersnaam": "kees", "rol": "admin", "alle_gemeenten": "ja",
                                        "wachtwoord": NIEUW, "wachtwoord_herhaald": NIEUW}),
                       (f"/gebruikers/{marieke.id}/wijzigen", {"rol": "admin", "alle_gemeenten": "ja"}),
                       (f"/gebruikers/{marieke.id}/wachtwoord", {"wachtwoord": NIEUW, "wachtwoord_herhaald": NIEUW}),
                       (f"/gebruikers/{marieke.id}/blokkeren", {}),
                       (f"/gebruikers/{marieke.id}/ontgrendelen", {})):
        for csrf in (None, "verkeerd"):
            posted = data if csrf is None else {**data, "csrf_token": csrf}
            assert client.post(path, data=posted, follow_redirects=False).status_code == 403, path
    after = user_row(sessions, "marieke")
    assert user_row(sessions, "kees") is None and after.rol == "cjg" and not after.geblokkeerd
    assert login(client, "marieke").status_code == 303


def test_unknown_user_is_404(client, users):
    login(client, "beheer")
    for path in ("/gebruikers/999999/blokkeren", "/gebruikers/abc/wijzigen"):
        assert post_form(client, path, {}, form_page="/gebruikers").status_code == 404


def test_cli_user_add_with_gemeenten(cli_env, sessions, rotterdam):
    result = cli_env.invoke(main, ["user", "add", "--username", "rosa", "--role", "cjg", "--gemeente", "0599,0363"],
                            input=NIEUW + "\n")
    assert result.exit_code == 0, result.output
    assert user_row(sessions, "rosa").gemeenten == ["0363", "0599"]
    alle = cli_env.invoke(main, ["user", "add", "--username", "kees", "--role", "cjg"], input=NIEUW + "\n")
    assert alle.exit_code == 0 and user_row(sessions, "kees").gemeenten is None


@pytest.mark.parametrize(("gemeente", "melding"), [
    ("0000", "0000 is geen gemeentecode op de CBS-lijst"),
    ("0003", "bestaat op"),  # Appingedam, merged into Eemsdelta in 2021
    ("0014", "geen gemeente van deze gateway"),  # Groningen: on the CBS list, not served here
    ("0363,abc", "een gemeentecode is 4 cijfers"),
])
def test_cli_user_add_with_an_unknown_gemeente_fails(cli_env, sessions, rotterdam, gemeente, melding):
    result = cli_env.invoke(main, ["user", "add", "--username", "rosa", "--role", "cjg", "--gemeente", gemeente],
                            input=NIEUW + "\n")
    assert result.exit_code == 2 and melding in result.stderr
    assert user_row(sessions, "rosa") is None


def test_cli_municipality_add_checks_the_cbs_list(cli_env, sessions):
    unknown = cli_env.invoke(main, ["municipality", "add", "--code", "0000", "--name", "Nergens"])
    assert unknown.exit_code == 2 and "CBS" in unknown.output and unknown.stdout == ""
    gone = cli_env.invoke(main, ["municipality", "add", "--code", "0003", "--name", "Appingedam"])
    assert gone.exit_code == 2 and "Appingedam" in gone.output
    ok = cli_env.invoke(main, ["municipality", "add", "--code", "0599", "--name", "Rotterdam"])
    assert ok.exit_code == 0 and ok.stdout.strip()
