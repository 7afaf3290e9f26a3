"""Parties and tokens (/partijen, administrators). The finance page is tested in
test_backoffice_financien.py."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from gateway.db.models import AuditRegel, Partij, Token
from gateway.db.session import unit_of_work
from gateway.domain.beheer import audit
from gateway.intake.parties import hash_token
from tests.backoffice import csrf_of, login, post_form

_NEW_TOKEN = re.compile(r'id="nieuw-token"[^>]* value="([^"]+)"')


def new_token(html: str) -> str:
    match = _NEW_TOKEN.search(html)
    assert match, "no new token on the page"
    return match.group(1)


def postbus_status(client, token: str) -> int:
    return client.get("/api/v1/postbus", headers={"Authorization": f"Bearer {token}"}).status_code


def party(sessions, soort: str, code: str) -> Partij | None:
    with sessions() as session:
        return session.scalar(select(Partij).where(Partij.soort == soort, Partij.code == code))


def token_log(sessions) -> list[tuple[str, str, str | None, str | None]]:
    with sessions() as session:
        return [tuple(r) for r in session.execute(
            select(AuditRegel.gebruiker, AuditRegel.actie, AuditRegel.object_type, AuditRegel.object_id)
            .where(AuditRegel.actie.in_((audit.TOKEN_AANGEMAAKT, audit.TOKEN_INGETROKKEN)))
            .order_by(AuditRegel.id))]


def test_page_lists_parties_with_active_tokens_and_webhook(client, users, parties, sessions):
    with unit_of_work(sessions) as session:
        zorg = session.scalar(select(Partij).where(Partij.code == "12345678"))
        zorg.webhook_url = "https://zorg.example/hook"
    login(client, "beheer")
    page = client.get("/partijen")
    assert page.status_code == 200
    rows = re.findall(r"<tr>(.*?)</tr>", page.text, re.S)
    zorg_row = next(r for r in rows if "12345678" in r)
    ander_row = next(r for r in rows if "87654321" in r)
    assert "Zorg BV" in zorg_row and "ingesteld" in zorg_row and "niet ingesteld" not in zorg_row
    assert "niet ingesteld" in ander_row and '<td class="getal">1</td>' in ander_row
    assert "Amsterdam" in page.text and "Gemeente" in page.text
    with sessions() as session:
        hashes = session.scalars(select(Token.token_hash)).all()
    for value in [*hashes, *parties.values()]:  # neither a hash nor a token is ever shown
        assert value not in page.text
    assert "nieuw-token" not in page.text


def test_add_provider_shows_the_token_once_and_it_works_against_the_api(client, users, sessions):
    login(client, "beheer")
    response = post_form(client, "/partijen", {"soort": "aanbieder", "code": "11112222", "naam": "Nieuw Zorg BV"})
    assert response.status_code == 201
    token = new_token(response.text)
    assert "alleen nu getoond" in response.text
    assert response.headers["cache-control"] == "no-store"
    created = party(sessions, "aanbieder", "11112222")
    assert created is not None and created.naam == "Nieuw Zorg BV"
    with sessions() as session:
        stored = session.scalars(select(Token).where(Token.partij_id == created.id)).all()
    assert [t.token_hash for t in stored] == [hash_token(token)]  # only the hash is stored
    assert postbus_status(client, token) == 200
    assert token not in client.get("/partijen").text  # shown once
    assert token_log(sessions) == [("beheer", audit.TOKEN_AANGEMAAKT, "partij", str(created.id))]


def test_a_party_added_by_someone_else_at_the_same_moment_is_a_field_error(client, users, sessions, monkeypatch):
    def raced(session, **_values):  # the unique (soort, code) of the other transaction's insert
        raise IntegrityError("INSERT INTO partij", {}, Exception("uq_partij_soort"))

    monkeypatch.setattr("gateway.web.partijen.add_party", raced)
    login(client, "beheer")
    response = post_form(client, "/partijen", {"soort": "aanbieder", "code": "11112222", "naam": "Nieuw Zorg BV"})
    assert response.status_code == 400 and "zojuist door iemand anders toegevoegd" in response.text
    assert party(sessions, "aanbieder", "11112222") is None and token_log(sessions) == []


def test_add_municipality_with_a_four_digit_code(client, users, sessions):
    login(client, "beheer")
    response = post_form(client, "/partijen", {"soort": "gemeente", "code": "0599", "naam": "Rotterdam"})
    assert response.status_code == 201
    assert postbus_status(client, new_token(response.text)) == 200
    assert party(sessions, "gemeente", "0599").naam == "Rotterdam"


@pytest.mark.parametrize(("data", "veld", "melding"), [
    ({"soort": "aanbieder", "code": "1234567", "naam": "Kort BV"}, "code", "precies 8 cijfers"),
    ({"soort": "aanbieder", "code": "1234567a", "naam": "Letter BV"}, "code", "precies 8 cijfers"),
    ({"soort": "aanbieder", "code": "١٢٣٤٥٦٧٨", "naam": "Arabisch BV"}, "code", "precies 8 cijfers"),
    ({"soort": "gemeente", "code": "٠٣٦٣", "naam": "Arabisch"}, "code", "precies 4 cijfers"),
    ({"soort": "gemeente", "code": "12345678", "naam": "Lang"}, "code", "precies 4 cijfers"),
    ({"soort": "gemeente", "code": "0000", "naam": "Nergens"}, "code", "geen gemeentecode op de CBS-lijst"),
    ({"soort": "gemeente", "code": "0003", "naam": "Appingedam"}, "code", "bestaat op"),  # ended in 2021
    ({"soort": "aanbieder", "code": "12345678", "naam": "Dubbel BV"}, "code", "Er is al een aanbieder"),
    ({"soort": "aanbieder", "code": "22223333", "naam": "   "}, "naam", "Vul de naam"),
    ({"soort": "aanbieder", "code": "22223333", "naam": "x" * 201}, "naam", "hoogstens 200"),
    ({"soort": "zorgkantoor", "code": "22223333", "naam": "Z"}, "soort", "Kies aanbieder of gemeente"),
])
def test_invalid_party_is_shown_again_with_400_beside_the_field(client, users, parties, sessions,
                                                                data, veld, melding):
    login(client, "beheer")
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(Token))
    response = post_form(client, "/partijen", data)
    assert response.status_code == 400
    assert f'id="fout-{veld}"' in response.text and melding in response.text
    assert "nieuw-token" not in response.text
    if veld != "naam":
        assert f'value="{data["naam"].strip()}"' in response.text  # the form keeps what was typed
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Token)) == before
        assert session.scalar(select(Partij).where(Partij.naam == data["naam"])) is None
    assert token_log(sessions) == []


def test_new_token_for_a_party_then_revoke_one(client, users, parties, sessions):
    zorg = party(sessions, "aanbieder", "12345678")
    login(client, "beheer")
    response = post_form(client, f"/partijen/{zorg.id}/tokens", {}, form_page="/partijen")
    assert response.status_code == 201
    second = new_token(response.text)
    assert second != parties["provider"]
    assert postbus_status(client, second) == 200 and postbus_status(client, parties["provider"]) == 200
    with sessions() as session:
        first_id, second_id = session.scalars(select(Token.id).where(Token.partij_id == zorg.id)
                                              .order_by(Token.id)).all()
    listing = client.get("/partijen").text
    assert f'/partijen/{zorg.id}/tokens/{first_id}/intrekken' in listing
    assert f'/partijen/{zorg.id}/tokens/{second_id}/intrekken' in listing

    # The list's button asks first, naming the party; nothing is revoked yet.
    asked = post_form(client, f"/partijen/{zorg.id}/tokens/{first_id}/intrekken", {}, form_page="/partijen")
    assert asked.status_code == 200
    assert f"Token {first_id} van Zorg BV intrekken?" in asked.text and "12345678" in asked.text
    assert 'name="bevestigd" value="ja"' in asked.text
    assert postbus_status(client, parties["provider"]) == 200 and token_log(sessions)[-1][1] == audit.TOKEN_AANGEMAAKT
    revoked = post_form(client, f"/partijen/{zorg.id}/tokens/{first_id}/intrekken", {"bevestigd": "ja"},
                        form_page="/partijen")
    assert revoked.status_code == 303 and revoked.headers["location"] == f"/partijen?ingetrokken={first_id}"
    assert postbus_status(client, parties["provider"]) == 401  # revoked
    assert postbus_status(client, second) == 200  # the other token still works
    after = client.get(revoked.headers["location"]).text
    assert f"Token {first_id} van Zorg BV (12345678) is ingetrokken" in after
    assert f"/tokens/{first_id}/intrekken" not in after and f"/tokens/{second_id}/intrekken" in after
    with sessions() as session:
        assert session.get(Token, first_id).ingetrokken_op is not None
        assert session.get(Token, second_id).ingetrokken_op is None
    # Revoking again changes nothing and is not logged twice.
    again = post_form(client, f"/partijen/{zorg.id}/tokens/{first_id}/intrekken", {"bevestigd": "ja"},
                      form_page="/partijen")
    assert again.status_code == 303
    assert token_log(sessions) == [("beheer", audit.TOKEN_AANGEMAAKT, "partij", str(zorg.id)),
                                   ("beheer", audit.TOKEN_INGETROKKEN, "partij", str(zorg.id))]


def test_a_made_up_revocation_notice_is_not_shown(client, users, parties, sessions):
    login(client, "beheer")
    with sessions() as session:
        active = session.scalar(select(Token.id))
    assert "is ingetrokken" not in client.get(f"/partijen?ingetrokken={active}").text


def test_unknown_party_or_token_is_404_and_changes_nothing(client, users, parties, sessions):
    zorg, ander = party(sessions, "aanbieder", "12345678"), party(sessions, "aanbieder", "87654321")
    with sessions() as session:
        ander_token = session.scalar(select(Token.id).where(Token.partij_id == ander.id))
    login(client, "beheer")
    for path in ("/partijen/999999/tokens", "/partijen/abc/tokens", "/partijen/999999/tokens/1/intrekken",
                 f"/partijen/{zorg.id}/tokens/{ander_token}/intrekken",  # another party's token
                 f"/partijen/{zorg.id}/tokens/x/intrekken"):
        for data in ({}, {"bevestigd": "ja"}):
            response = post_form(client, path, data, form_page="/partijen")
            assert response.status_code == 404, path
            assert "Niet gevonden" in response.text
    assert postbus_status(client, parties["other"]) == 200
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Token)) == 3
    assert token_log(sessions) == []


def test_posts_without_csrf_are_refused_and_change_nothing(client, users, parties, sessions):
    zorg = party(sessions, "aanbieder", "12345678")
    with sessions() as session:
        token_id = session.scalar(select(Token.id).where(Token.partij_id == zorg.id))
    login(client, "beheer")
    client.get("/partijen")
    for path, data in (("/partijen", {"soort": "aanbieder", "code": "33334444", "naam": "Stiekem BV"}),
                       (f"/partijen/{zorg.id}/tokens", {}),
                       (f"/partijen/{zorg.id}/tokens/{token_id}/intrekken", {"bevestigd": "ja"}),
                       (f"/partijen/{zorg.id}/webhook", {"url": "https://stiekem.example/hook"}),
                       (f"/partijen/{zorg.id}/webhook/verwijderen", {})):
        for csrf in (None, "verkeerd"):
            posted = data if csrf is None else {**data, "csrf_token": csrf}
            response = client.post(path, data=posted, follow_redirects=False)
            assert response.status_code == 403, path
            assert "nieuw-token" not in response.text
    assert party(sessions, "aanbieder", "33334444") is None
    assert party(sessions, "aanbieder", "12345678").webhook_url is None
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Token)) == 3
        assert session.get(Token, token_id).ingetrokken_op is None
    assert postbus_status(client, parties["provider"]) == 200
    assert token_log(sessions) == []


@pytest.mark.parametrize("username", ["marieke", "fenna"])
def test_only_admin_may_post_to_parties(client, users, parties, sessions, username):
    zorg = party(sessions, "aanbieder", "12345678")
    login(client, username)
    csrf = csrf_of(client.get("/partijen").text)  # the 403 page's log-out form has the session's token
    for path, data in (("/partijen", {"soort": "aanbieder", "code": "33334444", "naam": "Stiekem BV"}),
                       (f"/partijen/{zorg.id}/tokens", {})):
        assert client.post(path, data={**data, "csrf_token": csrf}).status_code == 403
    assert party(sessions, "aanbieder", "33334444") is None
    assert party(sessions, "aanbieder", "12345678").webhook_url is None
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Token)) == 3


def test_the_confirmation_warns_when_it_is_the_partys_last_token(client, users, parties, sessions):
    ander = party(sessions, "aanbieder", "87654321")
    with sessions() as session:
        token_id = session.scalar(select(Token.id).where(Token.partij_id == ander.id))
    login(client, "beheer")
    asked = post_form(client, f"/partijen/{ander.id}/tokens/{token_id}/intrekken", {}, form_page="/partijen")
    assert asked.status_code == 200 and "laatste actieve token van Ander BV" in asked.text
    assert postbus_status(client, parties["other"]) == 200


WEBHOOK = "https://zorg.example/hooks/gateway"
_SECRET = re.compile(r'id="nieuw-geheim"[^>]* value="([0-9a-f]{64})"')


def webhook_log(sessions) -> list[tuple[str, str]]:
    with sessions() as session:
        return [tuple(r) for r in session.execute(
            select(AuditRegel.actie, AuditRegel.object_id)
            .where(AuditRegel.actie.in_((audit.WEBHOOK_INGESTELD, audit.WEBHOOK_VERWIJDERD)))
            .order_by(AuditRegel.id))]


def test_set_a_providers_webhook_shows_the_secret_once_then_remove_it(client, users, parties, sessions):
    zorg = party(sessions, "aanbieder", "12345678")
    login(client, "beheer")
    assert f'action="/partijen/{zorg.id}/webhook"' in client.get("/partijen").text
    response = post_form(client, f"/partijen/{zorg.id}/webhook", {"url": WEBHOOK}, form_page="/partijen")
    assert response.status_code == 200 and "alleen nu getoond" in response.text
    assert response.headers["cache-control"] == "no-store"
    secret = _SECRET.search(response.text).group(1)
    stored = party(sessions, "aanbieder", "12345678")
    assert (stored.webhook_url, stored.webhook_geheim) == (WEBHOOK, secret)
    assert secret not in client.get("/partijen").text  # shown once
    again = post_form(client, f"/partijen/{zorg.id}/webhook", {"url": "http://127.0.0.1:9000/hook"},
                      form_page="/partijen")
    assert _SECRET.search(again.text).group(1) != secret  # a new URL, a new secret
    removed = post_form(client, f"/partijen/{zorg.id}/webhook/verwijderen", {}, form_page="/partijen")
    assert removed.status_code == 303
    assert "De webhook van Zorg BV (12345678) is verwijderd" in client.get(removed.headers["location"]).text
    gone = party(sessions, "aanbieder", "12345678")
    assert (gone.webhook_url, gone.webhook_geheim) == (None, None)
    assert webhook_log(sessions) == [(audit.WEBHOOK_INGESTELD, str(zorg.id))] * 2 + [
        (audit.WEBHOOK_VERWIJDERD, str(zorg.id))]


@pytest.mark.parametrize(("url", "melding"), [
    ("", "Vul de URL"), ("ftp://zorg.example/hook", "http:// of https://"), ("https://", "http:// of https://"),
    ("https://zorg.example/" + "x" * 500, "hoogstens 500"),
])
def test_an_invalid_webhook_url_is_refused_beside_the_form(client, users, parties, sessions, url, melding):
    zorg = party(sessions, "aanbieder", "12345678")
    login(client, "beheer")
    response = post_form(client, f"/partijen/{zorg.id}/webhook", {"url": url}, form_page="/partijen")
    assert response.status_code == 400 and melding in response.text
    assert f'id="fout-webhook-{zorg.id}"' in response.text and "nieuw-geheim" not in response.text
    assert party(sessions, "aanbieder", "12345678").webhook_url is None and webhook_log(sessions) == []


def test_a_municipality_has_no_webhook(client, users, parties, sessions):
    amsterdam = party(sessions, "gemeente", "0363")
    login(client, "beheer")
    assert f'action="/partijen/{amsterdam.id}/webhook"' not in client.get("/partijen").text
    response = post_form(client, f"/partijen/{amsterdam.id}/webhook", {"url": WEBHOOK}, form_page="/partijen")
    assert response.status_code == 422 and "Alleen een zorgaanbieder heeft een webhook" in response.text
    assert party(sessions, "gemeente", "0363").webhook_url is None
