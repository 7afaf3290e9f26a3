"""The JSON shapes of the rule report, for the OpenAPI document at /docs.

The routes build their answers with gateway.rules.report; these models only describe them,
so an integrator sees every field and what it means (design.md §7).
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class RegelPayload(BaseModel):
    """One failed rule of the message."""

    code: str = Field(description="Regelcode (bijvoorbeeld CS002, TR019) of gatewaycode: XSD (schemafout of "
                                  "geen XML), BERICHTSOORT, AFZENDER, ONTVANGER", examples=["CS002"])
    retourcode: str | None = Field(description="WJ001-retourcode van de regel (0001 voor niveau 2); null op "
                                               "niveau 1, waar geen retourbericht komt", examples=["0001"])
    location: str = Field(description="XPath van het element dat de regel breekt (bij een schemafout: het pad "
                                      "van de fout)", examples=["/Bericht/Client/Bsn"])
    explanation: str = Field(description="Uitleg: wat de regel controleert, in gewone taal; bij een schemafout "
                                         "of transportfout met tussen haakjes de melding over dit bericht")
    remedy: str = Field(description="Hoe op te lossen: wat de afzender in het bericht moet veranderen, in "
                                    "gewone taal")


class ValidatiePayload(BaseModel):
    """`POST /api/v1/validatie` with `Accept: application/json`."""

    accepted: bool = Field(description="true als het bericht zou worden aangenomen (bij een JW323: als er "
                                       "minstens één prestatie zou worden toegekend)")
    level: int = Field(ge=0, le=4, description="0 zonder bevindingen; anders het laagste controleniveau dat "
                                               "faalt (1 schema of transport, 2 binnen het bericht, 3 "
                                               "berichtoverstijgend, 4 externe bron)")
    retourcodes: list[str] = Field(description="De retourcodes die het retourbericht zou dragen (bij een "
                                               "JW323 die van de bevindingen)")
    rules: list[RegelPayload] = Field(description="Eén regel per bevinding, met uitleg en oplossing")


PostbusStatus = Literal["nieuw", "opgehaald", "bevestigd", "afgekeurd"]


class BeantwoordPayload(BaseModel):
    """What a JW302/JW320 answers, and what it did there."""

    message: str = Field(description="JW301 of JW319")
    identificatie: str | None
    matched: bool = Field(description="false: de gateway stuurde geen bericht met die identificatie aan deze "
                                      "aanbieder (regel AG003)")
    postbus_id: int | None
    postbus_status: PostbusStatus | None
    effect: Literal["recorded", "repeat", "conflict", "unmatched"]


class BerichtPayload(BaseModel):
    """`GET /api/v1/berichten/{id}`: status and rule report of a stored message."""

    id: int
    message: str | None = Field(description="Berichtcode, bijvoorbeeld JW305 (null als het bericht niet te "
                                             "lezen was)")
    status: Literal["accepted", "rejected", "invalid"]
    level: int = Field(ge=0, le=4, description="0 als geaccepteerd, anders het niveau van de afkeuring")
    retourcodes: list[str]
    rules: list[RegelPayload] = Field(description="Het regelrapport: één regel per bevinding, met uitleg "
                                                  "en oplossing")
    links: dict[str, str]
    removed_at: str | None = Field(description="Wanneer de inhoud na de bewaartermijn is verwijderd")
    answers: BeantwoordPayload | None = Field(None, description="Alleen bij een opgeslagen JW302/JW320: wat de "
                                                                "retour beantwoordt")
