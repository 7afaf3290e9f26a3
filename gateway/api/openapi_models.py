"""The JSON answers of the API, for the OpenAPI document at /docs.

The routes build their answers as dicts (design.md §5, §7); these models only describe them
(`responses=`, never `response_model=`, so nothing is filtered out of an answer). A field
that is not always there has a default; no model forbids extra fields.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from gateway.api.payloads import BeantwoordPayload, PostbusStatus, RegelPayload

AanvraagStatus = Literal["te_beoordelen", "in_onderzoek", "toegekend", "afgewezen"]
_TIMESTAMP = "Tijdstip (ISO 8601)"


class RetourOntvangenPayload(BaseModel):
    """The 202 on a JW302 or JW320: no retourbericht on a retour."""

    id: int | None = Field(description="Id van het opgeslagen bericht (null bij validatie)")
    status: Literal["accepted", "rejected"]
    message: str = Field(examples=["JW302"])
    level: int = Field(ge=0, le=4)
    rules: list[RegelPayload]
    answers: BeantwoordPayload


class PostbusItemPayload(BaseModel):
    id: int
    message: str = Field(description="JW301, JW319 of JW325", examples=["JW301"])
    status: PostbusStatus
    created_at: str = Field(description=_TIMESTAMP)
    href: str = Field(examples=["/api/v1/postbus/7"])


class PostbusPayload(BaseModel):
    """`GET /api/v1/postbus`, oudste eerst."""

    items: list[PostbusItemPayload]


class PostbusBerichtPayload(PostbusItemPayload):
    """A message the gateway sent for an aanvraag."""

    identificatie: str | None
    retourcodes: list[str] | None


class AanvraagSamenvattingPayload(BaseModel):
    id: int
    bericht_id: int
    soort: str = Field(description="AGJ, JW315 of JW317")
    status: AanvraagStatus
    referentie_aanbieder: str | None
    referenties: list[str | None]
    aanbieder: str | None = Field(description="AGB-code")
    bsn: str
    leveringsvorm: str | None
    dagtekening: date
    ontvangen_op: date
    antwoord_uiterlijk: date
    termijn: str | None
    termijn_verstreken: bool
    href: str


class AanvragenPayload(BaseModel):
    """`GET /api/v1/aanvragen`, oudste eerst."""

    items: list[AanvraagSamenvattingPayload]


class AanvraagProductPayload(BaseModel):
    referentie_aanbieder: str | None
    soort: str | None
    status: str
    toewijzingnummer: int | None
    categorie: str | None
    code: str | None
    ingangsdatum: date | None
    einddatum: date | None
    volume: int | None
    eenheid: str | None
    frequentie: str | None
    budget: int | None
    toegekend: Any = Field(description="Wat is toegekend (null zolang er niet besloten is)")


class AanvraagBeschikkingPayload(BaseModel):
    nummer: str
    datum: date
    leveringsvorm: str | None
    soort: str | None
    href: str | None = Field(None, description="Alleen voor de gemeente")


class VerwerkingPayload(BaseModel):
    taak: str
    status: str
    pogingen: int
    fout: str | None


class AanvraagPayload(AanvraagSamenvattingPayload):
    """One aanvraag. The members after `berichten` are for the gemeente only."""

    afgehandeld_op: str | None = Field(description=_TIMESTAMP)
    producten: list[AanvraagProductPayload]
    beschikking: AanvraagBeschikkingPayload | None
    berichten: list[PostbusBerichtPayload] = Field(description="De berichten die de gateway hiervoor stuurde")
    automatisch: bool | None = None
    beoordeling: Any = None
    besluit: Any = None
    besloten_door: str | None = None
    besloten_op: str | None = None
    onderzoek_op: str | None = None
    verwerking: VerwerkingPayload | None = Field(None, description="Het werk achter het besluit (null: geen)")


class SignaalPayload(BaseModel):
    id: int
    soort: str
    melding: str
    datum: date
    gemeente: str
    aanbieder: str | None
    bsn: str | None
    toewijzingnummer: int | None
    bericht_id: int | None


class SignalenPayload(BaseModel):
    items: list[SignaalPayload]


class TrajectStapPayload(BaseModel):
    stap: str
    omschrijving: str
    datum: date
    bericht_id: int | None


class TrajectPayload(BaseModel):
    aanvraag_id: int
    bsn: str
    aanbieder: str | None
    huidige_stap: str | None
    stappen: list[TrajectStapPayload]


class ClientTrajectenPayload(BaseModel):
    bsn: str
    trajecten: list[TrajectPayload]


class BezwaarPayload(BaseModel):
    id: int
    ontvangen_op: date
    indiener: str
    toelichting: str | None
    binnen_termijn: bool
    status: str
    afgehandeld_op: date | None


class BeschikkingPayload(BaseModel):
    """The beschikking: these members, and the content of the letter beside them."""

    nummer: str
    datum: date
    soort: str | None
    leveringsvorm: str | None
    bezwaar_uiterlijk: date
    bezwaren: list[BezwaarPayload]


class VolumeRegelPayload(BaseModel):
    aanbieder: str = Field(description="AGB-code")
    productcategorie: str | None
    productcode: str | None
    eenheid: str | None
    toegewezen: float
    geleverd: float
    gedeclareerd: float
    toegewezen_bedrag: float | None
    gedeclareerd_bedrag: float
    benutting: float | None


class VolumesPayload(BaseModel):
    van: date
    tot: date
    aanbieder: str | None
    rows: list[VolumeRegelPayload]


class HealthPayload(BaseModel):
    status: Literal["ok"]


class ReadyChecksPayload(BaseModel):
    database: str = Field(description="`ok`, `unreachable` of `error: <soort>`")
    broker: str = Field(description="`ok` of `error: <soort>`")


class ReadyPayload(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: ReadyChecksPayload
