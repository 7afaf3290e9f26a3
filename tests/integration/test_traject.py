"""The trajectory of an aanvraag through the work-process steps 17B-23 (issue 4 step 6)."""
from __future__ import annotations

from tests.integration.test_leveringen import ACCEPTED, send
from tests.regie import Start, Stop
from tests.route import aanvragen, fetch, json_auth, post, postbus, request, retour_for, run_work, texts


def test_trajectory_walks_the_work_process_steps(client, parties, sessions, published, app):
    assert post(client, parties["provider"], request("AGJ", "TRJ-AGJ1", "VB-REF-TRJ")).status_code == 202
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    gemeente = json_auth(parties["gemeente"])
    traject = client.get(f"/api/v1/aanvragen/{aanvraag['id']}/traject", headers=gemeente).json()
    assert [s["stap"] for s in traject["stappen"]] == ["17A", "17B", "17C"]
    assert traject["stappen"][1]["bericht_id"] == aanvraag["bericht_id"]

    nummer_beschikking = client.get(aanvraag["href"], headers=gemeente).json()["beschikking"]["nummer"]
    bezwaar = client.post(f"/api/v1/beschikkingen/{nummer_beschikking}/bezwaren", headers=gemeente,
                          json={"ontvangen_op": "2026-11-23", "indiener": "ouder"})
    assert bezwaar.status_code == 201, bezwaar.text
    [item] = postbus(client, parties["provider"])
    jw301 = fetch(client, parties["provider"], item)
    [nummer] = texts(jw301, "//jw301:ToewijzingNummer")
    jw302 = post(client, parties["provider"], retour_for(jw301))
    assert jw302.status_code == 202
    assert send(client, parties, Start(nummer=nummer, begindatum="2026-09-16")) == ACCEPTED
    assert send(client, parties, Stop(nummer=nummer, begindatum="2026-09-16", einddatum="2026-11-13")) == ACCEPTED
    traject = client.get(f"/api/v1/aanvragen/{aanvraag['id']}/traject", headers=gemeente).json()
    assert [s["stap"] for s in traject["stappen"]] == ["17A", "17B", "17C", "17D", "18/20A", "20", "21", "22", "23"]
    assert traject["huidige_stap"] == "23"
    by_step = {s["stap"]: s for s in traject["stappen"]}
    assert by_step["20"]["bericht_id"] == jw302.json()["id"]  # the JW302 confirmed it
    assert by_step["21"]["datum"] == "2026-09-16" and by_step["23"]["datum"] == "2026-11-13"
    assert by_step["22"]["bericht_id"] is not None
    # The provider may follow its own trajectory; the client's view for the gemeente lists it.
    assert client.get(f"/api/v1/aanvragen/{aanvraag['id']}/traject",
                      headers=json_auth(parties["provider"])).status_code == 200
    per_client = client.get("/api/v1/clienten/999994323/traject", headers=gemeente).json()
    assert [t["aanvraag_id"] for t in per_client["trajecten"]] == [aanvraag["id"]]
