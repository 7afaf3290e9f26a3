"""Deliveries (zorglevering): the starts and stops of one client at one provider, as the
standard keys them, and what a JW305 StartProduct or JW307 StopProduct may do to them.

Pure: no database, no XML. The level-3 rules run a message's classes through a copy of the
stored state (so a delete and a new start in one message see each other, IV008), and the
intake applies the same operations to the database once the message is accepted: one
definition of the sequences the standard allows (facts E.1, E.3, G.5):

  start → stop;  start → stop(20) → stop(definitive);  start → stop → start;
  start → delete;  delete + new.

Keys (IV096, E.3): a start is Bsn + ToewijzingNummer + Product + Begindatum (the client is
implied here); a stop adds RedenBeeindiging and Einddatum.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date

TIJDELIJK = "20"  # JZ588: levering tijdelijk beëindigd; every other reason is definitive
NIEUW, VERWIJDEREN = "1", "3"  # COD467 StatusAanlevering (2 and 9 are refused by CS058)

# Retourcodes (WJ001) with the rule that gives them
DUBBEL = "9074"          # TR074: status 1 for a key already received
ONBEKEND = "9063"        # TR063: status 3 without an earlier delivery with that key
HEEFT_STOP = "9071"      # TR071: a start with a stop cannot be deleted
NIET_GESTOPT = "9326"    # TR326: a new start while the current one has no stop
GEEN_START = "9069"      # TR382: a stop without a start of the same key
TWEEDE_TIJDELIJK = "9413"  # TR413
EERDER_EINDE = "9414"    # TR414
AL_DEFINITIEF = "9415"   # TR415


@dataclass(frozen=True)
class StartSleutel:
    nummer: int | None  # ToewijzingNummer; None for taakgericht deliveries
    categorie: str | None
    code: str | None
    begindatum: date

    def same_toewijzing(self, other: StartSleutel) -> bool:
        """One delivery runs per toewijzing (OP289); without a number, per product."""
        if self.nummer is not None or other.nummer is not None:
            return self.nummer == other.nummer
        return (self.categorie, self.code) == (other.categorie, other.code)


@dataclass(frozen=True)
class Stop:
    reden: str
    einddatum: date

    @property
    def tijdelijk(self) -> bool:
        return self.reden == TIJDELIJK


@dataclass
class Start:
    sleutel: StartSleutel
    toewijzing_ingangsdatum: date | None = None
    stops: list[Stop] = field(default_factory=list)


@dataclass
class Leveringen:
    """The current (not deleted) starts of one client at one provider, with their stops."""

    starts: dict[StartSleutel, Start] = field(default_factory=dict)

    def copy(self) -> Leveringen:
        return copy.deepcopy(self)

    def start(self, sleutel: StartSleutel, status: str, toewijzing_ingangsdatum: date | None = None) -> list[str]:
        """Apply a StartProduct; returns the retourcodes it breaks (then nothing changes)."""
        current = self.starts.get(sleutel)
        if status == VERWIJDEREN:
            if current is None:
                return [ONBEKEND]
            if current.stops:
                return [HEEFT_STOP]
            del self.starts[sleutel]
            return []
        codes = []
        if current is not None:
            codes.append(DUBBEL)
        elif any(s.sleutel.same_toewijzing(sleutel) and not s.stops for s in self.starts.values()):
            codes.append(NIET_GESTOPT)
        if not codes:
            self.starts[sleutel] = Start(sleutel, toewijzing_ingangsdatum)
        return codes

    def stop(self, sleutel: StartSleutel, stop: Stop, status: str) -> list[str]:
        """Apply a StopProduct for the start with `sleutel`; returns the codes it breaks."""
        current = self.starts.get(sleutel)
        if status == VERWIJDEREN:
            if current is None or stop not in current.stops:
                return [ONBEKEND]
            current.stops.remove(stop)
            return []
        if current is None:
            return [GEEN_START]
        codes = []
        if stop in current.stops:
            codes.append(DUBBEL)
        if any(not s.tijdelijk for s in current.stops):
            codes.append(AL_DEFINITIEF)
        if stop.tijdelijk and any(s.tijdelijk for s in current.stops):
            codes.append(TWEEDE_TIJDELIJK)
        if current.stops and stop.einddatum < max(s.einddatum for s in current.stops):
            codes.append(EERDER_EINDE)
        if not codes:
            current.stops.append(stop)
        return codes
