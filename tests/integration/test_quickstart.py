"""The README's quickstart as written, and `gateway demo`, each against a live gateway of its own.

The quickstart's shell blocks are the README's fenced `sh` blocks right after a
`<!-- quickstart -->` comment; they run in one bash (errexit, pipefail) in a folder whose
`.venv/bin/gateway` and `.venv/bin/python` are this interpreter's and whose `docs/` is the
project's, against `gateway serve` on a free port and a new SQLite database, the clock on the
example's day as the README starts it. So the README cannot drift from what the gateway does.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from gateway import demo
from gateway.settings import PROJECT_ROOT
from tests.live_gateway import Served, gateway_env

README = PROJECT_ROOT / "README.md"
FENCED_SH = re.compile(r"```sh\n(.*?)```", re.S)


def blocks_after(marker: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    found = [FENCED_SH.match(text, at.end() + 1) for at in re.finditer(re.escape(marker), text)]
    assert found and all(found), f"every {marker} is followed by a ```sh block"
    return [block.group(1) for block in found if block]


def only_embedded_default(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the quickstart runs on the embedded default: in the SQLite pass")


def project_folder(tmp_path: Path) -> Path:
    """A working folder laid out as a clone after `make install`, on this interpreter."""
    folder = tmp_path / "kloon"
    (folder / ".venv" / "bin").mkdir(parents=True)
    for name, command in (("python", f'exec "{sys.executable}" "$@"'),
                          ("gateway", f'exec "{sys.executable}" -m gateway.cli "$@"')):
        script = folder / ".venv" / "bin" / name
        script.write_text(f"#!/bin/sh\n{command}\n")
        script.chmod(0o755)
    (folder / "docs").symlink_to(PROJECT_ROOT / "docs")
    return folder


def run_shell(script: str, folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_readme_first_example_and_quickstart_run_as_written(database_url, tmp_path):
    only_embedded_default(database_url)
    readme = README.read_text(encoding="utf-8")
    # The README starts the gateway on the day the example messages (and the demo) are dated for.
    assert f"GATEWAY_TODAY={demo.DAY.isoformat()} make serve" in readme
    [first_example] = blocks_after("<!-- first example -->")
    quickstart = "\n".join(blocks_after("<!-- quickstart -->"))
    folder = project_folder(tmp_path)
    env = gateway_env(f"sqlite:///{tmp_path / 'gateway.db'}", GATEWAY_TODAY=demo.DAY.isoformat())
    served = Served(env, tmp_path).start(wait_for_worker=True)
    try:
        # The example after `make serve` (its address is make serve's): register, then check an
        # aanvraagformulier; nothing is stored, so the quickstart after it starts as on a fresh clone.
        checked = run_shell(first_example.replace("http://127.0.0.1:8000", served.base_url), folder, env)
        done = run_shell(quickstart, folder, {**env, "GATEWAY": served.base_url})
    finally:
        # Killed, not stopped gracefully: its database is thrown away, and a graceful stop of
        # the API and the embedded worker costs seconds of the suite's budget.
        if served.process is not None:
            os.killpg(served.process.pid, signal.SIGKILL)
            served.process.wait(timeout=30)
    assert checked.returncode == 0, checked.stderr
    assert "<agr:BerichtCode>AGR</agr:BerichtCode>" in checked.stdout, checked.stdout
    assert "RetourCode" not in checked.stdout, checked.stdout
    shown = f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}\nserve log:\n{served.log()[-3000:]}"
    assert done.returncode == 0, shown
    # AGJ, JW302, JW305, JW307 and JW323, each taken in; the numbers read from the JW301 a
    # fresh gateway sends, and the JW302 matched it.
    assert done.stdout.count("HTTP 202") == 5, shown
    assert "JW301 T00000000002 van 2026-11-23, ToewijzingNummer 1" in done.stdout, shown
    assert '"matched": true' in done.stdout and '"postbus_status": "bevestigd"' in done.stdout, shown
    assert done.stdout.count("<jw325:RetourCode>8001</jw325:RetourCode>") == 2, shown  # answer and postbus
    assert '"status":"toegekend"' in done.stdout and '"huidige_stap":"23"' in done.stdout, shown
    assert not (folder / "gateway.db").exists()


def test_gateway_demo_walks_the_quickstart_on_a_database_of_its_own(database_url, tmp_path):
    only_embedded_default(database_url)
    users_database = tmp_path / "mijn-gateway.db"
    env = {**os.environ, "GATEWAY_DATABASE_URL": f"sqlite:///{users_database}"}
    done = subprocess.run([sys.executable, "-m", "gateway.cli", "demo"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=150)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    steps = [line for line in lines if " -> " in line]
    assert [step.split(" -> ")[1][:3] for step in steps] == ["202", "200", "200", "202", "202", "202", "202",
                                                             "200", "200"], done.stdout
    assert "POST /api/v1/berichten, declaratie (JW323) -> 202: JW325, RetourCodes 0200 8001" in lines
    assert ("POST /api/v1/berichten, retour op de toewijzing (JW302) -> 202: JW302 accepted, "
            "beantwoordt JW301 T00000000002: bevestigd") in lines
    assert "GET /api/v1/postbus -> 200: postbus: JW301 2 (nieuw)" in lines
    assert "   JW301 T00000000002 van 2026-11-23, ToewijzingNummer 1" in lines
    assert lines[-1] == "gateway demo: alle stappen geslaagd"
    # Neither the configured database nor one in the working folder was touched.
    assert not users_database.exists() and not (tmp_path / "gateway.db").exists()


def test_the_demo_stops_at_an_unexpected_answer(client):
    """A provider token the gateway does not know: the first step's 401 ends the walkthrough."""
    said: list[str] = []
    client.headers["Authorization"] = "Bearer onbekend"
    with pytest.raises(demo.DemoFailed, match=r"aanvraagformulier \(AGJ\): verwacht 202, kreeg 401"):
        demo.Walkthrough(client, said.append).run()
    assert said == []


def test_the_demo_refuses_a_message_file_that_drifted():
    with pytest.raises(demo.DemoFailed, match=r"staat niet in JW305-start-zorg\.xml"):
        demo.filled("JW305-start-zorg.xml", {"ToewijzingNummer>100001<": "ToewijzingNummer>1<"})


def test_a_short_answer_names_the_message_and_its_retourcodes():
    xml = PROJECT_ROOT / "tests" / "fixtures" / "berichten" / "JW325-declaratie-antwoord.xml"
    answer = httpx.Response(202, content=xml.read_bytes(), headers={"content-type": "application/xml"})
    assert re.fullmatch(r"JW325, RetourCodes( [0-9A-Z]{4})+", demo.summary(answer))
