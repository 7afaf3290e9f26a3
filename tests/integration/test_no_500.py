"""Bad input of every kind gets an answer from the contract, never a 500."""
from __future__ import annotations

import random

import pytest

from tests.conftest import auth
from tests.support import EXAMPLE_FILES, example

# The JW305/JW307 examples name toewijzing 100001: it must exist (TR019).
pytestmark = pytest.mark.usefixtures("toewijzing_100001")

CONTRACT = {202, 400, 403, 413, 415, 422}


def mutations(seed: int = 7):
    rng = random.Random(seed)
    for name in EXAMPLE_FILES:
        body = example(name)
        for _ in range(6):  # truncated somewhere
            yield body[: rng.randrange(1, len(body))]
        for _ in range(6):  # a byte changed somewhere
            position = rng.randrange(len(body))
            yield body[:position] + bytes([rng.randrange(256)]) + body[position + 1:]
        for _ in range(4):  # a line dropped
            lines = body.split(b"\n")
            del lines[rng.randrange(1, len(lines))]
            yield b"\n".join(lines)
        ends = [i for i, byte in enumerate(body) if byte == ord(">")][1:]
        for end in ends:  # a comment or processing instruction after every tag
            insert = b"<!-- c -->" if end % 2 else b"<?pi x?>"
            yield body[: end + 1] + insert + body[end + 1:]
    yield bytes(rng.randrange(256) for _ in range(500))
    yield b""
    yield "<?xml version='1.0' encoding='UTF-16'?><a/>".encode("utf-16")


def test_comments_and_processing_instructions_change_nothing(client, parties):
    body = example("JW305")
    commented = body.replace(b"<jw305:Afzender>", b"<!-- c --><?pi x?><jw305:Afzender>")
    response = client.post("/api/v1/berichten", content=commented, headers=auth(parties["provider"]))
    assert response.status_code == 202, response.text


def test_mutated_messages_never_give_a_500(client, parties):
    headers = auth(parties["provider"])
    for body in mutations():
        response = client.post("/api/v1/berichten", content=body, headers=headers)
        assert response.status_code in CONTRACT, (response.status_code, body[:200], response.text[:300])
        if response.status_code != 413:
            assert response.headers.get("location"), body[:200]
