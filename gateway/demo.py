"""`gateway demo`: the README's quickstart, unattended, against a gateway of its own.

It starts `gateway serve` on a free loopback port with a fresh SQLite database in a temporary
folder (never the user's ./gateway.db) and the embedded broker, registers a municipality and a
provider, and then walks a provider's first hour through HTTP with the messages in
docs/quickstart/: an aanvraagformulier that is granted automatically, the JW301 from the
postbus, its JW302, a start (JW305) and a stop (JW307) of care, a declaration (JW323) and
its JW325 from the postbus. The ToewijzingNummer, the JW301's Identificatie and Dagtekening
are taken from the JW301 the gateway sent, as the README's commands take them.

The messages are dated for one day (DAY) and the gateway's clock is pinned to it
(GATEWAY_TODAY), as the README's example is: the rules judge every date against that clock.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

from gateway.errors import GatewayError
from gateway.settings import PROJECT_ROOT

# The day the example messages are dated for; the README's `GATEWAY_TODAY=… make serve` names it.
DAY = date(2026, 11, 23)
MESSAGES = PROJECT_ROOT / "docs" / "quickstart"
GEMEENTE = ("0363", "Amsterdam")
AANBIEDER = ("12345678", "Zorg BV")
START_SECONDS = 90  # a busy two-core machine takes seconds to start the API and its worker
POSTBUS_SECONDS = 30  # the worker grants the aanvraag within a second; the sweep retries after 30 s


class DemoFailed(GatewayError):
    """An answer the walkthrough did not expect; the message says which and what came."""


@dataclass(frozen=True)
class Seen:
    """One answer as the demo prints it."""

    status: int
    summary: str


def summary(response: httpx.Response) -> str:
    """A short line for an answer: for XML the message (JW-number, else BerichtCode) and its
    RetourCodes; for the postbus its items; for a retour what it answered and what that is now;
    else the body, cut to one line."""
    kind = response.headers.get("content-type", "")
    if "xml" in kind:
        text = response.text
        ijw = re.search(r"/ijw/3_2/(jw\d{3})/schema", text)
        code = re.search(r"BerichtCode>([^<]+)<", text)
        name = ijw.group(1).upper() if ijw else code.group(1) if code else "?"
        codes = re.findall(r"RetourCode>([0-9A-Z]{4})<", text)
        return f"{name}, " + (f"RetourCodes {' '.join(codes)}" if codes else "geen RetourCodes")
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("items"), list):  # the postbus
        return "postbus: " + (", ".join(f"{i.get('message')} {i.get('id')} ({i.get('status')})"
                                        for i in data["items"]) or "leeg")
    if isinstance(data, dict) and isinstance(data.get("answers"), dict):  # a retour taken in
        answers = data["answers"]
        return (f"{data.get('message')} {data.get('status')}, beantwoordt {answers.get('message')} "
                f"{answers.get('identificatie')}: {answers.get('postbus_status') or answers.get('effect')}")
    body = response.text.replace("\n", " ")
    return body if len(body) <= 200 else body[:197] + "..."


def expect(response: httpx.Response, status: int, step: str) -> Seen:
    """The answer when its status is `status`; else DemoFailed naming the step and the answer."""
    seen = Seen(response.status_code, summary(response))
    if response.status_code != status:
        raise DemoFailed(f"{step}: verwacht {status}, kreeg {response.status_code}: {response.text[:2000]}")
    return seen


def xml_field(xml: str, element: str) -> str:
    """The text of the first `element` (with its prefix, e.g. "ijw:Identificatie") in `xml`."""
    found = re.search(f"<{re.escape(element)}>([^<]*)</{re.escape(element)}>", xml)
    if found is None:
        raise DemoFailed(f"geen {element} in het bericht:\n{xml[:2000]}")
    return found.group(1)


def filled(name: str, replacements: dict[str, str]) -> bytes:
    """Example message `name` from docs/quickstart/ with each old text replaced by its new one
    wherever it stands, as the README's sed commands do line by line; an old text that is not
    there is an error, not a no-op."""
    text = (MESSAGES / name).read_text(encoding="utf-8")
    for old, new in replacements.items():
        if old not in text:
            raise DemoFailed(f"{old!r} staat niet in {name}")
        text = text.replace(old, new)
    return text.encode("utf-8")


def _postbus_status(retour: httpx.Response) -> str | None:
    """What the answer to a JW302 says the JW301 it answers is now, if it says it."""
    try:
        return str(json.loads(retour.text)["answers"]["postbus_status"])
    except (ValueError, KeyError, TypeError):
        return None


class Walkthrough:
    """The steps through `http` (a client on the gateway, sending the provider's token),
    printing each answer with `say`."""

    def __init__(self, http: httpx.Client, say: Callable[[str], None]):
        self.http = http
        self.say = say

    def run(self) -> None:
        self.send("aanvraagformulier (AGJ)", (MESSAGES / "AGJ-aanvraagformulier.xml").read_bytes())
        jw301_id = self.wait_in_postbus("JW301")
        jw301 = self.fetch(jw301_id)
        nummer = xml_field(jw301, "jw301:ToewijzingNummer")
        identificatie = xml_field(jw301, "ijw:Identificatie")
        dagtekening = xml_field(jw301, "ijw:Dagtekening")
        self.say(f"   JW301 {identificatie} van {dagtekening}, ToewijzingNummer {nummer}")
        retour = self.send("retour op de toewijzing (JW302)", filled("JW302-retour-toewijzing.xml", {
            "<ijw:Identificatie>T00000000002<": f"<ijw:Identificatie>{identificatie}<",
            "<ijw:Dagtekening>2026-11-23<": f"<ijw:Dagtekening>{dagtekening}<"}))
        if _postbus_status(retour) != "bevestigd":
            raise DemoFailed(f"de JW302 bevestigde de JW301 niet: {retour.text}")
        nummer_in = {"ToewijzingNummer>1<": f"ToewijzingNummer>{nummer}<"}
        self.send("start zorg (JW305)", filled("JW305-start-zorg.xml", nummer_in))
        self.send("stop zorg (JW307)", filled("JW307-stop-zorg.xml", nummer_in))
        declaratie = self.send("declaratie (JW323)", filled("JW323-declaratie.xml", nummer_in))
        if "<jw325:RetourCode>8001<" not in declaratie.text:
            raise DemoFailed(f"de declaratie is niet geheel toegekend (8001):\n{declaratie.text}")
        self.fetch(self.wait_in_postbus("JW325"))

    def send(self, what: str, xml: bytes) -> httpx.Response:
        response = self.http.post("/api/v1/berichten", content=xml, headers={"Content-Type": "application/xml"})
        self.show(f"POST /api/v1/berichten, {what}", expect(response, 202, what))
        return response

    def wait_in_postbus(self, message: str) -> int:
        """The id of the first `message` in the postbus (status nieuw), waiting for the worker."""
        deadline = time.monotonic() + POSTBUS_SECONDS
        while True:
            response = self.http.get("/api/v1/postbus")
            seen = expect(response, 200, "postbus")
            items = [item for item in response.json()["items"] if item["message"] == message]
            if items:
                self.show("GET /api/v1/postbus", seen)
                return int(items[0]["id"])
            if time.monotonic() > deadline:
                raise DemoFailed(f"na {POSTBUS_SECONDS} s geen {message} in de postbus: {response.text}")
            time.sleep(0.2)

    def fetch(self, postbus_id: int) -> str:
        response = self.http.get(f"/api/v1/postbus/{postbus_id}")
        self.show(f"GET /api/v1/postbus/{postbus_id}", expect(response, 200, f"postbus/{postbus_id}"))
        return response.text

    def show(self, call: str, seen: Seen) -> None:
        self.say(f"{call} -> {seen.status}: {seen.summary}")


def run(say: Callable[[str], None] = print) -> int:
    """The whole demo: 0 when every answer was as expected, 1 when one was not (it says which),
    2 when the gateway did not start."""
    with tempfile.TemporaryDirectory(prefix="gateway-demo-") as folder:
        database_url = f"sqlite:///{Path(folder) / 'gateway.db'}"
        say(f"gateway demo: database {database_url}, klok op {DAY.isoformat()} (GATEWAY_TODAY)")
        try:
            with served(Path(folder), database_url) as base_url:
                say(f"gateway draait op {base_url}")
                tokens = register(database_url)
                say(f"gemeente {GEMEENTE[0]} en aanbieder {AANBIEDER[0]} geregistreerd")
                with httpx.Client(base_url=base_url, timeout=30,
                                  headers={"Authorization": f"Bearer {tokens[AANBIEDER[0]]}"}) as http:
                    Walkthrough(http, say).run()
        except GatewayDidNotStart as fout:
            say(f"gateway demo: de gateway startte niet: {fout}")
            return 2
        except DemoFailed as fout:
            say(f"gateway demo: onverwacht antwoord: {fout}")
            return 1
        except httpx.HTTPError as fout:  # the gateway stopped answering mid-way
            say(f"gateway demo: geen antwoord van de gateway: {fout}")
            return 1
    say("gateway demo: alle stappen geslaagd")
    return 0


def register(database_url: str) -> dict[str, str]:
    """The municipality and the provider, as `gateway municipality add` and `provider add` do,
    on the demo's database and on the demo's day; their tokens by code."""
    from gateway import clock
    from gateway.db.session import make_engine, make_sessionmaker, unit_of_work
    from gateway.intake.parties import add_party

    previous = clock.install(clock.Clock.pinned_to(DAY))
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            tokens = {}
            for soort, (code, naam) in (("gemeente", GEMEENTE), ("aanbieder", AANBIEDER)):
                tokens[code] = add_party(session, soort=soort, code=code, naam=naam)[1]
        return tokens
    finally:
        engine.dispose()
        clock.install(previous)


class GatewayDidNotStart(GatewayError):
    """`gateway serve` stopped or did not answer in time; the message holds its log."""


@contextmanager
def served(folder: Path, database_url: str) -> Iterator[str]:
    """`gateway serve` on a free port with the demo's database, embedded broker and pinned day,
    until the block ends; yields its base URL once the API answers and its worker is ready."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("GATEWAY_")}
    env.update(GATEWAY_DATABASE_URL=database_url, GATEWAY_TODAY=DAY.isoformat(), GATEWAY_LOG_FORMAT="text")
    log_path = folder / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
                                   cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(process, base_url, log_path)
        yield base_url
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise GatewayDidNotStart(f"gestopt met code {process.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            answers = httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            answers = False
        # The embedded worker logs "ready." once it takes work; the AGJ is granted by it.
        if answers and "ready." in log_path.read_text():
            return
        time.sleep(0.2)
    raise GatewayDidNotStart(f"na {START_SECONDS} s niet klaar:\n{log_path.read_text()[-4000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
