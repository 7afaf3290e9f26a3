"""Identity (design.md §9): a client is known by BSN, and a message whose BSN is known with
another Geboortedatum or Geslachtsnaam never changes the stored client. Its aanvraag goes to
the CJG (te_beoordelen, "gegevens van de cliënt wijken af"), is never granted automatically,
and the aanvraag page shows both versions; the case worker keeps the stored client (decides
as usual) or takes the message's data over, in the access log.

The real case behind it: "Julia Maria van der Meer" (BSN 999980919, the JW315 example's
client) became "Mila Vos", also in the JW301 answering another provider's open JW315."""
from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from gateway.db.models import Aanvraag, AuditRegel, Client
from gateway.domain.aanvraag import clientgegevens
from gateway.domain.beheer import audit
from tests.backoffice import csrf_of, login
from tests.conftest import AGB
from tests.route import besluit, fetch, json_auth, post, postbus, request, run_work, texts

BSN = "999980919"
OTHER = "87654321"  # parties["other"]
JULIA = [("<agj:Bsn>999994323<", f"<agj:Bsn>{BSN}<"), ("<ijw:Datum>2018-02-22<", "<ijw:Datum>2013-10-22<"),
         ("<ijw:Achternaam>Wit<", "<ijw:Achternaam>Meer<"), ("<ijw:Voorvoegsel>de<", "<ijw:Voorvoegsel>van der<"),
         ("<ijw:Voornamen>Sem<", "<ijw:Voornamen>Julia Maria<"), ("<ijw:Voorletters>S<", "<ijw:Voorletters>JM<")]
# The same BSN, somebody else: another name, another birth date, another address.
MILA = [("<agj:Bsn>999994323<", f"<agj:Bsn>{BSN}<"), ("<ijw:Datum>2018-02-22<", "<ijw:Datum>2014-05-01<"),
        ("<ijw:Achternaam>Wit<", "<ijw:Achternaam>Vos<"), ("<ijw:Voorvoegsel>de</ijw:Voorvoegsel>", ""),
        ("<ijw:Voornamen>Sem<", "<ijw:Voornamen>Mila<"), ("<ijw:Voorletters>S<", "<ijw:Voorletters>M<"),
        ("<ijw:Huisnummer>96</ijw:Huisnummer>\n            <ijw:Huisletter>B</ijw:Huisletter>\n"
         "            <ijw:HuisnummerToevoeging>1</ijw:HuisnummerToevoeging>", "<ijw:Huisnummer>7</ijw:Huisnummer>"),
        ("<ijw:Postcode>1012LG</ijw:Postcode>\n          <ijw:Straatnaam>Damrak<",
         "<ijw:Postcode>1017DD</ijw:Postcode>\n          <ijw:Straatnaam>Kerkstraat<")]
WIJKT_AF = "gegevens van de cliënt wijken af"


def _agj(client, token: str, identificatie: str, referentie: str, edits: list[tuple[str, str]],
         afzender: str = AGB):
    if afzender != AGB:
        edits = [("<agj:Afzender>12345678<", f"<agj:Afzender>{afzender}<"), *edits]
    answer = post(client, token, request("AGJ", identificatie, referentie, edits=edits))
    assert answer.status_code == 202, answer.text
    return answer


def _aanvraag(client, parties, bericht_id: int) -> dict:
    found = [a for a in client.get("/api/v1/aanvragen", headers=json_auth(parties["gemeente"])).json()["items"]
             if a["bericht_id"] == bericht_id]
    assert len(found) == 1, found
    answer = client.get(found[0]["href"], headers=json_auth(parties["gemeente"]))
    assert answer.status_code == 200, answer.text
    return answer.json()


def _bericht_id(answer) -> int:
    return int(answer.headers["location"].rsplit("/", 1)[1])


def _stored(sessions) -> clientgegevens.Persoon:
    with sessions() as session:
        row = session.scalar(select(Client).where(Client.gemeente == "0363", Client.bsn == BSN))
        return clientgegevens.persoon(clientgegevens.from_bytes(row.gegevens))


def _julia_then_mila(client, parties, published, app) -> dict:
    """The other provider's AGJ for Julia (granted automatically), then the provider's AGJ for
    'Mila Vos' under Julia's BSN; returns the second aanvraag (API view)."""
    first = _agj(client, parties["other"], "R-JULIA1", "VB-REF-J1", JULIA, afzender=OTHER)
    run_work(app, published)
    assert _aanvraag(client, parties, _bericht_id(first))["status"] == "toegekend"
    second = _agj(client, parties["provider"], "R-MILA1", "VB-REF-M1", MILA)
    run_work(app, published)
    return _aanvraag(client, parties, _bericht_id(second))


def _page(client, aanvraag_id: int) -> str:
    page = client.get(f"/aanvragen/{aanvraag_id}")
    assert page.status_code == 200, page.text
    return unescape(page.text)


def _versions(html: str) -> dict[str, tuple[str, str, str]]:
    """The comparison table: gegeven -> (bekend, in het bericht, verschil)."""
    section = html[html.index('id="client-versies"'):]
    section = section[:section.index("</table>")]
    rows = re.findall(r'<tr>\s*<th scope="row">([^<]+)</th>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*'
                      r'<td><span class="label ?[a-z-]*">([^<]+)</span></td>', section)
    return {gegeven: (bekend, bericht, verschil) for gegeven, bekend, bericht, verschil in rows}


def _take_over(client, aanvraag_id: int, *, csrf: str | None = None):
    token = csrf if csrf is not None else csrf_of(client.get(f"/aanvragen/{aanvraag_id}").text)
    return client.post(f"/aanvragen/{aanvraag_id}/client-overnemen", data={"csrf_token": token},
                       follow_redirects=False)


def test_a_known_bsn_with_another_name_and_birth_date_leaves_the_client_and_the_other_providers_jw301(
        client, parties, published, app, sessions):
    first = _agj(client, parties["other"], "R-JULIA1", "VB-REF-J1", JULIA, afzender=OTHER)
    run_work(app, published)
    # The other provider's JW315 for Julia (another product), open at the CJG.
    jw315 = post(client, parties["other"], request("JW315", "R-JW315J", "VB-REF-J2",
                                                   edits=[("<jw315:Afzender>12345678<",
                                                           f"<jw315:Afzender>{OTHER}<")]))
    assert jw315.status_code == 202, jw315.text
    run_work(app, published)
    open_jw315 = _aanvraag(client, parties, _bericht_id(jw315))
    assert open_jw315["status"] == "te_beoordelen"
    assert "client_wijkt_af" not in {r["code"] for r in open_jw315["beoordeling"]}  # Julia is Julia
    assert len(postbus(client, parties["other"])) == 1  # the JW301 of Julia's first aanvraag

    mila = _agj(client, parties["provider"], "R-MILA1", "VB-REF-M1", MILA)
    run_work(app, published)
    aanvraag = _aanvraag(client, parties, _bericht_id(mila))

    # Within the norms and with agreement, so otherwise granted at once: now the CJG's.
    assert aanvraag["status"] == "te_beoordelen" and aanvraag["automatisch"] is False
    assert aanvraag["besluit"] is None and aanvraag["beschikking"] is None
    [reden] = [r for r in aanvraag["beoordeling"] if r["code"] == "client_wijkt_af"]
    assert WIJKT_AF in reden["message"] and "geboortedatum en geslachtsnaam" in reden["message"]
    assert postbus(client, parties["provider"]) == []  # no JW301 for 'Mila'
    assert _stored(sessions) == clientgegevens.Persoon("Julia Maria van der Meer", "2013-10-22",
                                                       "Damrak 96 B-1, 1012LG Amsterdam")

    # The other provider's open JW315, granted now, still names Julia, at Julia's address.
    granted = besluit(client, parties["gemeente"], open_jw315["id"], {"besluit": "toekennen"})
    assert granted.status_code == 202, granted.text
    run_work(app, published)
    messages = [fetch(client, parties["other"], item) for item in postbus(client, parties["other"])]
    [jw301] = [m for m in messages if "VB-REF-J2" in texts(m, "//jw301:ToegewezenProduct/jw301:ReferentieAanbieder")]
    assert texts(jw301, "//jw301:Client/jw301:Naam/ijw:Geslachtsnaam/ijw:Achternaam") == ["Meer"]
    assert texts(jw301, "//jw301:Client/jw301:Naam/ijw:Voornamen") == ["Julia Maria"]
    assert texts(jw301, "//jw301:Client/jw301:Geboortedatum/ijw:Datum") == ["2013-10-22"]
    assert texts(jw301, "//jw301:Client/jw301:Contactgegevens/jw301:Contact/jw301:Adres/ijw:Postcode") == ["1012LG"]
    assert _bericht_id(first) != _bericht_id(mila)

    # A decision on Mila's aanvraag as usual keeps the stored client (the JW301 carries it).
    kept = besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "toekennen"})
    assert kept.status_code == 202, kept.text
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    jw301 = fetch(client, parties["provider"], item)
    assert texts(jw301, "//jw301:Client/jw301:Naam/ijw:Geslachtsnaam/ijw:Achternaam") == ["Meer"]
    assert _stored(sessions).naam == "Julia Maria van der Meer"
    # ... and so does the beschikking: the letter goes to the client the JW301 names.
    gemeente = json_auth(parties["gemeente"])
    href = client.get(f"/api/v1/aanvragen/{aanvraag['id']}", headers=gemeente).json()["beschikking"]["href"]
    letter = client.get(href, headers=gemeente).json()
    assert letter["client"]["naam"] == "Julia Maria van der Meer"
    assert letter["client"]["geboortedatum"] == "2013-10-22"
    assert "Julia Maria van der Meer" in letter["geadresseerde"]["aan"] and "Mila" not in str(letter)
    assert any("1012LG" in regel.replace(" ", "") for regel in letter["geadresseerde"]["adres"])


def test_only_the_birth_date_differs_is_enough(client, parties, published, app, sessions):
    _agj(client, parties["other"], "R-JULIA1", "VB-REF-J1", JULIA, afzender=OTHER)
    run_work(app, published)
    other_day = [e for e in JULIA if "2018-02-22" not in e[0]] + [("<ijw:Datum>2018-02-22<", "<ijw:Datum>2013-10-23<")]
    answer = _agj(client, parties["provider"], "R-JULIA2", "VB-REF-J3", other_day)
    run_work(app, published)
    aanvraag = _aanvraag(client, parties, _bericht_id(answer))
    assert aanvraag["status"] == "te_beoordelen" and not aanvraag["automatisch"]
    [reden] = [r for r in aanvraag["beoordeling"] if r["code"] == "client_wijkt_af"]
    assert "andere geboortedatum." in reden["message"]
    assert _stored(sessions).geboortedatum == "2013-10-22"


def test_matching_identity_still_updates_the_address_and_is_granted_automatically(
        client, parties, published, app, sessions):
    _agj(client, parties["other"], "R-JULIA1", "VB-REF-J1", JULIA, afzender=OTHER)
    run_work(app, published)
    # Julia moved; the provider writes her surname in other case and spacing: the same person.
    moved = [e for e in JULIA if "Voorvoegsel" not in e[0]] + [
        ("<ijw:Voorvoegsel>de<", "<ijw:Voorvoegsel>Van  der<"), *MILA[-2:]]
    answer = _agj(client, parties["provider"], "R-JULIA2", "VB-REF-J3", moved)
    run_work(app, published)
    aanvraag = _aanvraag(client, parties, _bericht_id(answer))
    assert aanvraag["status"] == "toegekend" and aanvraag["automatisch"] is True
    assert aanvraag["beoordeling"] == []
    assert _stored(sessions).adres == "Kerkstraat 7, 1017DD Amsterdam"


def test_the_page_shows_both_versions_and_taking_over_updates_the_client_in_the_audit_log(
        client, parties, users, published, app, sessions):
    aanvraag = _julia_then_mila(client, parties, published, app)
    login(client, users["cjg"])
    html = _page(client, aanvraag["id"])
    assert "Gegevens van de cliënt wijken af" in html and WIJKT_AF in html  # the section and the reason
    assert ('<thead><tr><th scope="col">Gegeven</th><th scope="col">Bekend bij de gemeente</th>'
            '<th scope="col">In het bericht</th><th scope="col">Verschil</th></tr></thead>') in html
    assert _versions(html) == {
        "Naam": ("Julia Maria van der Meer", "Mila Vos", "wijkt af"),
        "Geboortedatum": ("22 oktober 2013", "1 mei 2014", "wijkt af"),
        "Adres": ("Damrak 96 B-1, 1012LG Amsterdam", "Kerkstraat 7, 1017DD Amsterdam", "wijkt af"),
    }
    assert f'action="/aanvragen/{aanvraag["id"]}/client-overnemen"' in html
    assert "Gegevens uit het bericht overnemen" in html
    assert 'action="/aanvragen/{}/besluit"'.format(aanvraag["id"]) in html  # or keep: decide as usual

    assert _take_over(client, aanvraag["id"], csrf="wrong").status_code == 403  # CSRF as everywhere
    assert _stored(sessions).naam == "Julia Maria van der Meer"

    answer = _take_over(client, aanvraag["id"])
    assert answer.status_code == 303 and answer.headers["location"] == f"/aanvragen/{aanvraag['id']}?overgenomen=1"
    assert _stored(sessions) == clientgegevens.Persoon("Mila Vos", "2014-05-01", "Kerkstraat 7, 1017DD Amsterdam")
    with sessions() as session:
        [entry] = session.scalars(select(AuditRegel).where(AuditRegel.actie == audit.CLIENT_OVERGENOMEN)).all()
        client_id = session.scalar(select(Client.id).where(Client.bsn == BSN))
        assert session.get(Aanvraag, aanvraag["id"]).status == "te_beoordelen"  # still the CJG's to decide
    assert (entry.gebruiker, entry.object_type, entry.object_id, entry.client_id) == (
        "marieke", "aanvraag", str(aanvraag["id"]), client_id)
    login(client, users["admin"])  # the /audit page is the admin's
    assert "Cliëntgegevens uit bericht overgenomen" in unescape(client.get("/audit").text)
    login(client, users["cjg"])

    html = unescape(client.get(answer.headers["location"]).text)
    assert "De gegevens uit het bericht zijn overgenomen" in html
    assert {k: v[2] for k, v in _versions(html).items()} == {"Naam": "gelijk", "Geboortedatum": "gelijk",
                                                              "Adres": "gelijk"}
    assert "client-overnemen" not in html  # nothing left to take over
    again = _take_over(client, aanvraag["id"], csrf=csrf_of(html))
    assert again.status_code == 409 and "al gelijk" in unescape(again.text)

    # Decided as usual now, the JW301 names the client as taken over.
    assert besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "toekennen"}).status_code == 202
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    jw301 = fetch(client, parties["provider"], item)
    assert texts(jw301, "//jw301:Client/jw301:Naam/ijw:Geslachtsnaam/ijw:Achternaam") == ["Vos"]
    assert texts(jw301, "//jw301:Client/jw301:Geboortedatum/ijw:Datum") == ["2014-05-01"]


def test_after_the_decision_the_message_data_can_no_longer_be_taken_over(
        client, parties, users, published, app, sessions):
    aanvraag = _julia_then_mila(client, parties, published, app)
    login(client, users["cjg"])
    csrf = csrf_of(client.get(f"/aanvragen/{aanvraag['id']}").text)
    assert besluit(client, parties["gemeente"], aanvraag["id"],
                   {"besluit": "afwijzen", "reden_afwijzing": "7"}).status_code == 202
    html = _page(client, aanvraag["id"])
    assert _versions(html)["Naam"] == ("Julia Maria van der Meer", "Mila Vos", "wijkt af")  # still shown
    assert "client-overnemen" not in html
    refused = _take_over(client, aanvraag["id"], csrf=csrf)
    assert refused.status_code == 409 and "al besloten" in unescape(refused.text)
    assert _stored(sessions).naam == "Julia Maria van der Meer"
    with sessions() as session:
        assert session.scalars(select(AuditRegel).where(AuditRegel.actie == audit.CLIENT_OVERGENOMEN)).all() == []


def test_a_jw315_taken_over_keeps_the_known_address(client, parties, users, published, app, sessions):
    _agj(client, parties["other"], "R-JULIA1", "VB-REF-J1", JULIA, afzender=OTHER)
    run_work(app, published)
    jw315 = post(client, parties["provider"], request("JW315", "R-JW315M", "VB-REF-M2", edits=[
        ("<ijw:Achternaam>Meer<", "<ijw:Achternaam>Vos<"), ("<ijw:Voorvoegsel>van der</ijw:Voorvoegsel>", ""),
        ("<ijw:Voornamen>Julia Maria<", "<ijw:Voornamen>Mila<")]))
    assert jw315.status_code == 202, jw315.text
    run_work(app, published)
    aanvraag = _aanvraag(client, parties, _bericht_id(jw315))
    assert "client_wijkt_af" in {r["code"] for r in aanvraag["beoordeling"]}
    login(client, users["cjg"])
    versions = _versions(_page(client, aanvraag["id"]))
    assert versions["Naam"] == ("Julia Maria van der Meer", "Mila Vos", "wijkt af")
    assert versions["Geboortedatum"] == ("22 oktober 2013", "22 oktober 2013", "gelijk")
    assert versions["Adres"] == ("Damrak 96 B-1, 1012LG Amsterdam", "niet in het bericht", "niet in het bericht")
    assert _take_over(client, aanvraag["id"]).status_code == 303
    assert _stored(sessions) == clientgegevens.Persoon("Mila Vos", "2013-10-22", "Damrak 96 B-1, 1012LG Amsterdam")


def test_the_back_office_intake_form_with_another_identity_goes_to_the_cjg(
        client, parties, users, published, app, sessions):
    from tests.integration.test_backoffice_formulier import geldig, indienen

    _agj(client, parties["other"], "R-JULIA1", "VB-REF-J1", JULIA, afzender=OTHER)
    run_work(app, published)
    login(client, users["cjg"])
    answer = indienen(client, geldig(bsn=BSN, geboortedatum="2014-05-01", voornamen="Mila", voorvoegsel="",
                                     achternaam="Vos"))
    assert answer.status_code == 303, answer.text
    run_work(app, published)
    with sessions() as session:
        aanvraag = session.scalar(select(Aanvraag).where(Aanvraag.aanbieder == AGB))
        assert (aanvraag.status, aanvraag.automatisch) == ("te_beoordelen", False)
        assert [r["code"] for r in aanvraag.beoordeling] == ["client_wijkt_af"]
    assert _stored(sessions).naam == "Julia Maria van der Meer"
    assert _versions(_page(client, aanvraag.id))["Naam"] == ("Julia Maria van der Meer", "Mila Vos", "wijkt af")
