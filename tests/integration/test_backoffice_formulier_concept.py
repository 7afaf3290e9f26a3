"""The aanvraagformulier keeps a draft (a submit after the session expired, "Concept
opslaan"), checks the fields and the message rules in one round with the rules in words, and
takes amounts in euro."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import quote, unquote

import pytest
from sqlalchemy import func, select, update

from gateway import clock
from gateway.db.models import AanvraagConcept, Sessie
from gateway.web.forms.aanvraagformulier import euro
from gateway.web.forms.fields import FieldReader
from tests.backoffice import csrf_of, login
from tests.integration.test_backoffice_formulier import NS, PAD, agj, berichten, geldig, indienen, texts
from tests.route import run_work
from tests.support import reference


@pytest.fixture
def cjg(client, parties, users):
    login(client, users["cjg"])
    return client


def form_page(client) -> tuple[str, str]:
    page = client.get(PAD)
    assert page.status_code == 200, page.text
    return csrf_of(page.text), re.search(r'name="sleutel" value="([0-9A-F]{9})"', page.text).group(1)


def expire(sessions) -> None:
    with sessions() as session, session.begin():
        session.execute(update(Sessie).values(laatst_gebruikt=clock.now() - timedelta(hours=1)))


def concepten(sessions) -> list[AanvraagConcept]:
    with sessions() as session:
        return list(session.scalars(select(AanvraagConcept)))


def test_a_submit_after_the_session_expired_keeps_the_form_and_the_login_restores_it(cjg, users, sessions):
    csrf, sleutel = form_page(cjg)
    expire(sessions)
    answer = cjg.post(PAD, data={**geldig(achternaam="Jansen"), "sleutel": sleutel, "csrf_token": csrf,
                                 "actie": "indienen"}, follow_redirects=False)
    assert answer.status_code == 303
    volgende = f"{PAD}?concept={sleutel}"
    assert answer.headers["location"] == f"/login?volgende={quote(volgende, safe='')}"
    assert berichten(sessions) == []  # not submitted: the user was not logged in
    [concept] = concepten(sessions)
    assert concept.sleutel == sleutel and concept.waarden["achternaam"] == "Jansen"
    assert "csrf_token" not in concept.waarden

    logged_in = login(cjg, users["cjg"], volgende=unquote(answer.headers["location"].split("=", 1)[1]))
    assert logged_in.status_code == 303 and logged_in.headers["location"] == volgende
    restored = cjg.get(volgende)
    assert restored.status_code == 200
    html = restored.text
    assert "Concept hersteld" in html
    assert 'value="Jansen"' in html and 'value="Damrak"' in html and "Minder escalaties thuis." in html
    assert f'name="sleutel" value="{sleutel}"' in html
    assert '<option value="45/45A01" selected>' in html

    # Submitted from the restored form, the aanvraag is registered and the draft has served.
    again = cjg.post(PAD, data={**geldig(achternaam="Jansen"), "sleutel": sleutel,
                                "csrf_token": csrf_of(html), "actie": "indienen"}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].endswith("?ingevoerd=1")
    assert concepten(sessions) == []


def test_an_expired_session_keeps_nothing_for_a_form_without_its_csrf_token(cjg, sessions):
    _, sleutel = form_page(cjg)
    expire(sessions)
    answer = cjg.post(PAD, data={**geldig(), "sleutel": sleutel, "csrf_token": "iets-anders", "actie": "indienen"},
                      follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert concepten(sessions) == [] and berichten(sessions) == []


def test_concept_opslaan_keeps_an_unfinished_form_for_its_user_only(cjg, client, users, sessions):
    csrf, sleutel = form_page(cjg)
    onaf = {**geldig(achternaam="Jansen", bsn="12", hulpvraag=""), "sleutel": sleutel}
    answer = cjg.post(PAD, data={**onaf, "csrf_token": csrf, "actie": "concept"}, follow_redirects=False)
    assert answer.status_code == 200
    assert "Concept opgeslagen" in answer.text and 'id="bsn-fout"' not in answer.text  # nothing checked
    assert 'value="Jansen"' in answer.text
    assert berichten(sessions) == []
    assert [c.waarden["bsn"] for c in concepten(sessions)] == ["12"]

    nieuw = cjg.get(PAD)  # a new form offers the draft
    assert f'href="/aanvraagformulier?concept={sleutel}"' in nieuw.text and "Jansen" in nieuw.text
    hersteld = cjg.get(f"{PAD}?concept={sleutel}")
    assert 'value="Jansen"' in hersteld.text and 'value="12"' in hersteld.text
    assert f'name="sleutel" value="{sleutel}"' in hersteld.text

    login(client, users["admin"])  # another user's draft is neither offered nor restored
    ander = client.get(f"{PAD}?concept={sleutel}")
    assert ander.status_code == 200 and "niet (meer) gevonden" in ander.text
    assert "Jansen" not in ander.text and f'value="{sleutel}"' not in ander.text


def test_a_field_error_and_a_rule_error_are_shown_together_with_the_rule_in_words(cjg, sessions):
    # A malformed telephone number (the form's check) and the toestemming after the
    # Dagtekening (AG001, a message rule): both in the first answer.
    answer = indienen(cjg, geldig(telefoon="06-ABC", toestemming_ouders="2026-11-24"))
    assert answer.status_code == 400
    html = unescape(answer.text)
    assert 'id="telefoon-fout"' in html
    assert re.search(r'id="toestemming_ouders"[^>]*aria-invalid="true"', html)
    fout = re.search(r'<p class="veldfout" id="toestemming_ouders-fout">([^<]*)</p>', html).group(1)
    assert reference().remedy("AG001").rstrip(".") in fout and "(regel AG001)" in fout
    assert "De datum van de toestemming van de ouders (ToestemmingOuders) ligt na de dagtekening" in html
    assert '<a href="#toestemming_ouders">Toestemming ouders</a>' in html
    assert re.search(r'class="klein regelcode">Regel AG001, retourcode 0001', html)
    assert "Verbeter 1 veld en 1 punt uit de berichtregels" in html
    assert berichten(sessions) == []  # nothing stored while a field is wrong


def test_rules_on_a_field_in_error_are_not_reported_twice(cjg, sessions):
    # An unreadable birth date gets a stand-in for the rule check; nothing about the stand-in
    # is reported, and a valid form otherwise has no rule findings.
    answer = indienen(cjg, geldig(geboortedatum="31-02-2018"))
    assert answer.status_code == 400
    assert 'id="geboortedatum-fout"' in answer.text and "Dit zou de gateway ook afkeuren" not in answer.text
    assert berichten(sessions) == []


def test_a_budget_in_euro_is_sent_in_eurocent_without_an_omvang(cjg, sessions, app, published):
    answer = indienen(cjg, geldig(leveringsvorm="PGB", volume_1="", budget_1="1.234,56"))
    assert answer.status_code == 303, answer.text
    [bericht] = berichten(sessions)
    root = agj(bericht)
    assert texts(root, "//agj:AangevraagdProduct/agj:Budget") == ["123456"]
    assert root.xpath("//agj:AangevraagdProduct/agj:Omvang", namespaces=NS) == []
    assert texts(root, "//agj:Aanvraagformulier/agj:Leveringsvorm") == ["PGB"]
    assert texts(root, "//agj:AangevraagdProduct/agj:Product/ijw:Categorie") == ["45"]
    assert texts(root, "//agj:AangevraagdProduct/agj:Product/ijw:Code") == []  # CD041: a Code wants an Omvang
    assert run_work(app, published) == ["done"]  # the worker decides it like any other


def test_an_amount_that_is_not_euro_is_a_field_error_and_is_shown_back_as_typed(cjg, sessions):
    answer = indienen(cjg, geldig(volume_1="", budget_1="12,3456", achternaam=""))
    assert answer.status_code == 400
    assert 'id="budget_1-fout"' in answer.text and "bedrag in euro" in answer.text
    assert 'value="12,3456"' in answer.text
    assert berichten(sessions) == []


def test_a_volume_in_the_unit_euro_is_typed_in_euro(cjg, sessions):
    indienen(cjg, geldig(eenheid_1="83", volume_1="250"))
    [bericht] = berichten(sessions)
    assert texts(agj(bericht), "//agj:Omvang/ijw:Volume") == ["25000"]


@pytest.mark.parametrize(("getypt", "eurocent"), [
    ("1.234,56", 123456), ("1234.56", 123456), ("1234", 123400), ("€ 1.234", 123400), ("0,5", 50),
    ("1,234.56", None), ("12,345", None), ("-5", None), ("1.000.000,00", None),
])
def test_euro_reads_dutch_and_plain_amounts(getypt, eurocent):
    f = FieldReader({"budget_1": getypt})
    assert euro(f, "budget_1") == eurocent
    assert ("budget_1" in f.fouten) == (eurocent is None)


def test_the_draft_table_has_one_row_per_user_and_form(cjg, sessions):
    csrf, sleutel = form_page(cjg)
    for naam in ("Eerst", "Daarna"):
        cjg.post(PAD, data={**geldig(achternaam=naam), "sleutel": sleutel, "csrf_token": csrf, "actie": "concept"})
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AanvraagConcept)) == 1
    assert [c.waarden["achternaam"] for c in concepten(sessions)] == ["Daarna"]


def test_a_product_row_with_a_field_error_gets_its_rule_findings_in_the_next_round(cjg, sessions):
    # Ingangsdatum unreadable (a stand-in of today), Einddatum before that stand-in: CS003
    # would compare with the stand-in, so it is not reported yet; AG001 elsewhere is.
    answer = indienen(cjg, geldig(ingangsdatum_1="2026-13-01", einddatum_1="2026-11-20",
                                  toestemming_ouders="2026-11-24"))
    assert answer.status_code == 400
    assert 'id="ingangsdatum_1-fout"' in answer.text and "AG001" in answer.text
    assert "CS003" not in answer.text and 'id="einddatum_1-fout"' not in answer.text


def test_the_login_page_says_the_form_was_kept(client, users):
    page = client.get("/login?volgende=%2Faanvraagformulier%3Fconcept%3D0123456789")
    assert "bewaard als concept" in page.text
    assert "bewaard als concept" not in client.get("/login").text
