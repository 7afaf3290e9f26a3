"""The message set the gateway speaks: iJw 3.2 messages plus our aanvraagformulier (AGJ/AGR).

One `MessageType` per message, found by the namespace of its root element. Everything
about a message that is not in its XSD (which party sends it, which retour answers it,
which classes a retour echoes with RetourCodes) lives here, so the rest of the code asks
this table instead of repeating names.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict, Unpack

BASIS_NS = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
AGJ_NS = "urn:jeugdhulp-gateway:aanvraag:1.0"
AGR_NS = "urn:jeugdhulp-gateway:aanvraag-retour:1.0"


def ijw_namespace(number: str) -> str:
    return f"http://www.istandaarden.nl/ijw/3_2/jw{number}/schema"


@dataclass(frozen=True)
class MessageType:
    name: str  # "JW305", "AGJ"
    berichtcode: str  # header BerichtCode ("438", "AGJ")
    namespace: str
    schema_file: str  # file name in schemas/
    sender: str  # "aanbieder" or "gemeente": the kind of party in Header/Afzender
    retour: str | None = None  # name of the retour message that answers this one
    answers: str | None = None  # for a retour: the heen message it answers
    # Classes that carry RetourCodes in the retour, as paths from the body root; the
    # echo logic in gateway.render.retour walks these.
    retour_classes: tuple[str, ...] = ()
    body: str = "Client"  # root class of the body

    @property
    def is_retour(self) -> bool:
        return self.answers is not None

    @property
    def received(self) -> bool:
        """True for messages providers send to the gateway."""
        return self.sender == "aanbieder" or self.is_retour


class _Optional(TypedDict, total=False):
    """The fields of `MessageType` that have a default, as `_ijw` passes them on."""
    retour: str
    answers: str
    retour_classes: tuple[str, ...]
    body: str


def _ijw(name: str, code: str, sender: str, **kw: Unpack[_Optional]) -> MessageType:
    number = name[2:]
    return MessageType(name, code, ijw_namespace(number), f"jw{number}.xsd", sender, **kw)


MESSAGE_TYPES: tuple[MessageType, ...] = (
    _ijw("JW301", "436", "gemeente", retour="JW302"),
    _ijw("JW302", "437", "gemeente", answers="JW301",
         retour_classes=("Client", "Client/Relaties/Relatie", "Client/Relaties/Relatie/Contact",
                         "Client/Contactgegevens/Contact",
                         "Client/ToegewezenProducten/ToegewezenProduct")),
    _ijw("JW305", "438", "aanbieder", retour="JW306"),
    _ijw("JW306", "439", "aanbieder", answers="JW305",
         retour_classes=("Client", "Client/StartProducten/StartProduct")),
    _ijw("JW307", "440", "aanbieder", retour="JW308"),
    _ijw("JW308", "441", "aanbieder", answers="JW307",
         retour_classes=("Client", "Client/StopProducten/StopProduct")),
    _ijw("JW315", "446", "aanbieder", retour="JW316"),
    _ijw("JW316", "447", "aanbieder", answers="JW315",
         retour_classes=("Client", "Client/AangevraagdeProducten/AangevraagdProduct")),
    _ijw("JW317", "486", "aanbieder", retour="JW318"),
    _ijw("JW318", "487", "aanbieder", answers="JW317",
         retour_classes=("Client", "Client/Verzoek",
                         "Client/Verzoek/OngewijzigdeProducten/OngewijzigdProduct",
                         "Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct",
                         "Client/Verzoek/NieuweProducten/NieuwProduct")),
    _ijw("JW319", "488", "gemeente", retour="JW320", body="Antwoord"),
    _ijw("JW320", "489", "gemeente", answers="JW319", body="Antwoord",
         retour_classes=("Antwoord", "Antwoord/Woonplaatsbeginsel")),
    _ijw("JW323", "490", "aanbieder", body="Declaratie"),
    _ijw("JW325", "491", "gemeente", body="DeclaratieAntwoord"),
    MessageType("AGJ", "AGJ", AGJ_NS, "agj.xsd", "aanbieder", retour="AGR"),
    MessageType("AGR", "AGR", AGR_NS, "agr.xsd", "aanbieder", answers="AGJ",
                retour_classes=("Client", "Client/AangevraagdeProducten/AangevraagdProduct")),
)

BY_NAME = {m.name: m for m in MESSAGE_TYPES}
BY_NAMESPACE = {m.namespace: m for m in MESSAGE_TYPES}

# Messages a provider may POST: requests, regie messages and the retours on our outbound
# messages, and declarations (JW323, answered by a JW325 instead of a retour).
RECEIVABLE = ("AGJ", "JW315", "JW317", "JW305", "JW307", "JW302", "JW320", "JW323")


# Messages the gateway writes: the gemeente's own heen-berichten (JW301, JW319, JW325) and the
# retour on every receivable message that is answered by one. Each passes the self-check
# (`gateway.domain.berichten.uitgaand.self_check`) before it is stored or sent.
SENT = tuple(m.name for m in MESSAGE_TYPES if not m.received) + tuple(
    BY_NAME[name].retour for name in RECEIVABLE if BY_NAME[name].retour)


def by_namespace(namespace: str | None) -> MessageType | None:
    return BY_NAMESPACE.get(namespace or "")


def retour_of(message: MessageType) -> MessageType:
    """The retour that answers `message`; a KeyError for a message no retour answers."""
    if message.retour is None:
        raise KeyError(f"no retour answers a {message.name}")
    return BY_NAME[message.retour]


def answered_by(retour: MessageType) -> MessageType:
    """The heen message that `retour` answers; a KeyError for a message that is no retour."""
    if retour.answers is None:
        raise KeyError(f"a {retour.name} answers no message")
    return BY_NAME[retour.answers]
