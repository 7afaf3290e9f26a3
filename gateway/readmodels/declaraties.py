"""What finance reads about declarations: the JW323s received (booked or rejected as a whole),
and per JW323 its lines with the verdict of the JW325, the reasons in words (the retourcode
texts of mappings/retourcodes.csv) and the JW325 that answered it. Reads only.

Finance does not get the message log (/berichten is the CJG's): these pages show a
declaration's figures and verdicts, a client by masked BSN and internal id only."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from gateway.db.models import Bericht, Bevinding, Client, Declaratie, Prestatie
from gateway.readmodels import berichtenlog
from gateway.reference import ReferenceData
from gateway.xml.safe import UnsafeXml, parse

JW323, JW325 = "JW323", "JW325"
TOEGEKEND = "toegekend"
LIMIET = 200  # rows of the list per page; a filter narrows it
NS = {"m": "http://www.istandaarden.nl/ijw/3_2/jw325/schema",
      "b": "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"}


@dataclass(frozen=True)
class Reden:
    code: str
    tekst: str


def redenen(codes: list[str] | None, teksten: dict[str, str]) -> list[Reden]:
    return [Reden(c, teksten.get(c, "onbekende retourcode")) for c in codes or []]


@dataclass(frozen=True)
class Regel:
    """One JW323 in the list."""

    bericht_id: int
    ontvangen_op: datetime
    aanbieder: str | None
    gemeente: str | None
    identificatie: str | None
    nummer: str | None  # DeclaratieNummer; None: not booked (rejected as a whole)
    periode_begin: date | None
    periode_eind: date | None
    ingediend_eurocent: int | None
    toegekend_eurocent: int | None
    goedgekeurd: int
    afgewezen: int
    retourcodes: list[str]  # of the JW323 as a whole (Header, Declaratie)

    @property
    def uitkomst(self) -> str:
        if self.nummer is None:
            return "afgekeurd"
        if self.afgewezen == 0:
            return "goedgekeurd"
        return "deels afgewezen" if self.goedgekeurd else "afgewezen"


def lijst(session: Session, *, aanbieder: str | None = None, limit: int = LIMIET,
          gemeenten: frozenset[str] | None = None) -> list[Regel]:
    """The JW323s received, newest first, with per declaration how many lines were approved
    and rejected (one grouped query, not one per declaration). `gemeenten`: only the JW323s
    sent to these gemeenten (their Ontvanger, berichtenlog.van_gemeenten); None: all."""
    p = Prestatie
    telling = (select(p.declaratie_id.label("declaratie_id"),
                      func.sum(case((p.status == TOEGEKEND, 1), else_=0)).label("goed"),
                      func.sum(case((p.status != TOEGEKEND, 1), else_=0)).label("fout"))
               .group_by(p.declaratie_id).subquery("telling"))
    query = (select(Bericht.id, Bericht.ontvangen_op, Bericht.afzender, Bericht.ontvanger, Bericht.identificatie,
                    Bericht.retourcodes, Declaratie.nummer, Declaratie.periode_begin, Declaratie.periode_eind,
                    Declaratie.ingediend_eurocent, Declaratie.toegekend_eurocent, telling.c.goed, telling.c.fout)
             .select_from(Bericht)
             .outerjoin(Declaratie, Declaratie.bericht_id == Bericht.id)
             .outerjoin(telling, telling.c.declaratie_id == Declaratie.id)
             .where(Bericht.richting == "in", Bericht.berichttype == JW323, Bericht.gewist_op.is_(None),
                    berichtenlog.van_gemeenten(gemeenten))
             .order_by(Bericht.id.desc()).limit(limit))
    if aanbieder is not None:
        query = query.where(Bericht.afzender == aanbieder)
    return [Regel(r.id, r.ontvangen_op, r.afzender, r.ontvanger, r.identificatie, r.nummer, r.periode_begin,
                  r.periode_eind, r.ingediend_eurocent, r.toegekend_eurocent, int(r.goed or 0), int(r.fout or 0),
                  list(r.retourcodes or []))
            for r in session.execute(query)]


@dataclass(frozen=True)
class Prestatieregel:
    bsn: str
    client_id: int | None
    referentie: str
    vorige_referentie: str | None
    toewijzingnummer: int
    categorie: str
    code: str
    begindatum: date
    einddatum: date
    volume: int
    eenheid: str
    tarief_eurocent: int | None
    bedrag_eurocent: int  # signed: a credit is negative
    debet_credit: str
    goedgekeurd: bool
    redenen: list[Reden]


@dataclass(frozen=True)
class Antwoord:
    """The JW325 as sent: its identification, the codes on the Header and on the
    DeclaratieAntwoord in words, and its totals."""

    bericht_id: int | None  # the outgoing message, when the declaration was booked
    identificatie: str | None
    dagtekening: str | None
    header: list[Reden]
    declaratie: list[Reden]
    ingediend_eurocent: int | None
    toegekend_eurocent: int | None


@dataclass
class Declaratiepagina:
    regel: Regel
    dagtekening: date | None
    antwoord: Antwoord | None
    prestaties: list[Prestatieregel] = field(default_factory=list)
    bevindingen: list[Reden] = field(default_factory=list)  # codes on the JW323 as a whole
    # when it was rejected as a whole: the rules it broke, each with what the rule checks
    regels: list[tuple[str, str | None, str]] = field(default_factory=list)

    @property
    def client_ids(self) -> list[int]:
        return sorted({p.client_id for p in self.prestaties if p.client_id is not None})


def pagina(session: Session, bericht_id: int, reference: ReferenceData,
           gemeenten: frozenset[str] | None = None) -> Declaratiepagina | None:
    """One JW323 with its lines and its JW325, or None when it is no JW323 of ours or not of
    `gemeenten` (None: all): another gemeente's declaration is as absent as an unknown one."""
    teksten = reference.retourcodes
    bericht = session.get(Bericht, bericht_id)
    if bericht is None or bericht.richting != "in" or bericht.berichttype != JW323 or bericht.gewist_op is not None:
        return None
    if gemeenten is not None and bericht.ontvanger not in gemeenten:
        return None
    declaratie = session.scalar(select(Declaratie).where(Declaratie.bericht_id == bericht.id))
    prestaties: list[Prestatieregel] = []
    goed = fout = 0
    if declaratie is not None:
        rows = session.execute(
            select(Prestatie, Client.id)
            .outerjoin(Client, and_(Client.gemeente == Prestatie.gemeente, Client.bsn == Prestatie.bsn))
            .where(Prestatie.declaratie_id == declaratie.id).order_by(Prestatie.id)).all()
        for p, client_id in rows:
            ok = p.status == TOEGEKEND
            goed, fout = goed + ok, fout + (not ok)
            prestaties.append(Prestatieregel(
                p.bsn, client_id, p.referentie, p.vorige_referentie, p.toewijzingnummer, p.categorie, p.code,
                p.begindatum, p.einddatum, p.volume, p.eenheid, p.tarief_eurocent, p.bedrag_eurocent,
                p.debet_credit, ok, redenen(p.retourcodes, teksten)))
    regel = Regel(bericht.id, bericht.ontvangen_op, bericht.afzender, bericht.ontvanger, bericht.identificatie,
                  declaratie.nummer if declaratie else None, declaratie.periode_begin if declaratie else None,
                  declaratie.periode_eind if declaratie else None,
                  declaratie.ingediend_eurocent if declaratie else None,
                  declaratie.toegekend_eurocent if declaratie else None, goed, fout, list(bericht.retourcodes or []))
    # The JW325 is the stored answer of the JW323 (byte for byte what the provider got); the
    # outgoing row exists too, linked to the declaration when it was booked.
    uit_id = declaratie.antwoord_bericht_id if declaratie else None
    body = bericht.antwoord if (bericht.antwoord_type or "").startswith("application/xml") else None
    if body is None and uit_id is not None:
        body = session.scalar(select(Bericht.inhoud).where(Bericht.id == uit_id))
    regels = []
    if declaratie is None:  # rejected as a whole: which rules, in words
        regels = [(b.code, b.retourcode, reference.explain(b.code)) for b in session.scalars(
            select(Bevinding).where(Bevinding.bericht_id == bericht.id).order_by(Bevinding.id))]
    return Declaratiepagina(regel, declaratie.dagtekening if declaratie else None,
                            _antwoord(body, uit_id, teksten) if body else None, prestaties,
                            redenen(bericht.retourcodes, teksten), list(dict.fromkeys(regels)))


def _antwoord(body: bytes, bericht_id: int | None, teksten: dict[str, str]) -> Antwoord | None:
    try:
        root = parse(body).getroot()
    except UnsafeXml:  # our own stored answer; never expected, but no page for a bad one
        return None
    if root.tag != f"{{{NS['m']}}}Bericht":
        return None  # not a JW325 (e.g. problem+json was stored for an unreadable message)

    def text(path: str) -> str | None:
        found = root.xpath(f"string({path})", namespaces=NS)
        return str(found).strip() or None

    def codes(path: str) -> list[str]:
        return [str(e.text).strip() for e in root.xpath(path, namespaces=NS) if e.text]

    def bedrag(path: str) -> int | None:
        value = text(f"{path}/b:TotaalBedrag")
        if value is None or not value.isdigit():
            return None
        return -int(value) if text(f"{path}/b:DebetCredit") == "C" else int(value)

    return Antwoord(bericht_id, text("m:Header/m:BerichtIdentificatie/b:Identificatie"),
                    text("m:Header/m:BerichtIdentificatie/b:Dagtekening"),
                    redenen(codes("m:Header/m:RetourCodes/m:RetourCode"), teksten),
                    redenen(codes("m:DeclaratieAntwoord/m:RetourCodes/m:RetourCode"), teksten),
                    bedrag("m:DeclaratieAntwoord/m:TotaalIngediendBedrag"),
                    bedrag("m:DeclaratieAntwoord/m:TotaalToegekendBedrag"))
