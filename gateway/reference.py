"""Reference data from mappings/: CBS municipalities, product catalogue, rule texts.

Loaded once per process and checked while loading: a broken file stops the gateway with a
message naming the file and the problem, rather than failing later on a live message.
"""
from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from gateway.errors import ConfigurationError


class MappingError(ConfigurationError):
    """A file in mappings/ is missing or malformed."""

    slug = "mappings"


@dataclass(frozen=True)
class Gemeente:
    code: str
    naam: str
    geldig_van: date | None
    geldig_tot: date | None

    def valid_on(self, day: date) -> bool:
        return (self.geldig_van is None or self.geldig_van <= day) and (
            self.geldig_tot is None or day <= self.geldig_tot
        )


@dataclass(frozen=True)
class Product:
    categorie: str
    code: str
    naam: str
    eenheden: tuple[str, ...]
    frequenties: tuple[str, ...]
    norm_volume: int
    max_maanden: int
    tarief_eurocent: int
    uitvoeringsvariant: str
    automatisch: bool  # an AGJ within the norms may be granted without the CJG
    automatisch_jw315: bool = False  # ... and a JW315 too (design §7: never, unless this says so)


@dataclass(frozen=True)
class RuleText:
    code: str
    retourcode: str
    niveau: int
    uitleg: str  # what the rule checks
    oplossing: str  # what the sender must change to pass it


@dataclass(frozen=True)
class ReferenceData:
    gemeenten: dict[str, tuple[Gemeente, ...]]
    producten: dict[tuple[str, str], Product]
    regels: dict[str, RuleText]
    retourcodes: dict[str, str]

    def gemeente_valid(self, code: str, days: list[date]) -> bool:
        """True when `code` is a CBS municipality on at least one of `days` (TR378 allows
        the list valid on the assignment's start as well as on the Dagtekening)."""
        return any(g.valid_on(d) for g in self.gemeenten.get(code, ()) for d in days)

    def gemeentecode_fout(self, code: str, day: date) -> str | None:
        """Why `code` is not a CBS municipality on `day`, in Dutch; None when it is one.
        For whoever types a code in (a command, a form): the messages' own rules say more."""
        if len(code) != 4 or not code.isdigit():
            return f"een gemeentecode is 4 cijfers (CBS-code), niet {code[:20]!r}"
        versions = self.gemeenten.get(code, ())
        if not versions:
            return f"{code} is geen gemeentecode op de CBS-lijst (mappings/gemeenten.csv)"
        if not any(g.valid_on(day) for g in versions):
            return f"gemeente {code} ({versions[-1].naam}) bestaat op {day:%d-%m-%Y} niet volgens de CBS-lijst"
        return None

    def explain(self, code: str) -> str:
        """What rule `code` checks, in plain Dutch ("" for a code without a text)."""
        text = self.regels.get(code)
        return text.uitleg if text else ""

    def remedy(self, code: str) -> str:
        """What the sender must change to pass rule `code`, in plain Dutch."""
        text = self.regels.get(code)
        return text.oplossing if text else ""


def _date(value: str, where: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise MappingError(f"{where}: '{value}' is geen datum (JJJJ-MM-DD)") from None


def load_gemeenten(path: Path) -> dict[str, tuple[Gemeente, ...]]:
    result: dict[str, list[Gemeente]] = {}
    with _open(path) as handle:
        for n, row in enumerate(csv.DictReader(handle), start=2):
            where = f"{path.name} regel {n}"
            try:
                code = row["code"].strip()
                gemeente = Gemeente(code, row["naam"].strip(), _date(row["geldig_van"] or "", where),
                                    _date(row["geldig_tot"] or "", where))
            except (KeyError, AttributeError):
                raise MappingError(f"{where}: kolommen code,naam,geldig_van,geldig_tot verwacht") from None
            if len(code) != 4 or not code.isdigit():
                raise MappingError(f"{where}: gemeentecode '{code}' moet 4 cijfers zijn")
            result.setdefault(code, []).append(gemeente)
    if not result:
        raise MappingError(f"{path.name}: geen gemeenten")
    return {code: tuple(rows) for code, rows in result.items()}


def load_producten(path: Path) -> dict[tuple[str, str], Product]:
    data = _toml(path)
    producten: dict[tuple[str, str], Product] = {}
    for n, item in enumerate(data.get("product", []), start=1):
        where = f"{path.name} product {n}"
        try:
            product = Product(
                categorie=str(item["categorie"]), code=str(item["code"]), naam=str(item["naam"]),
                eenheden=tuple(str(e) for e in item["eenheden"]),
                frequenties=tuple(str(f) for f in item["frequenties"]),
                norm_volume=int(item["norm_volume"]), max_maanden=int(item["max_maanden"]),
                tarief_eurocent=int(item["tarief_eurocent"]),
                uitvoeringsvariant=str(item["uitvoeringsvariant"]),
                automatisch=bool(item["automatisch"]),
                automatisch_jw315=bool(item.get("automatisch_jw315", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MappingError(f"{where}: ontbrekend of ongeldig veld ({exc})") from None
        _check_product(product, where)
        key = (product.categorie, product.code)
        if key in producten:
            raise MappingError(f"{where}: product {product.categorie}/{product.code} staat er twee keer in")
        producten[key] = product
    if not producten:
        raise MappingError(f"{path.name}: geen producten")
    return producten


# Code lists the catalogue refers to (ijw-facts F): WJ756 Eenheid, WMO757 Frequentie.
EENHEDEN = ("01", "04", "14", "16", "82", "83", "84")
FREQUENTIES = ("1", "2", "4", "6")
UITVOERINGSVARIANTEN = ("inspanningsgericht", "outputgericht", "taakgericht")
_NIET_PER_DAG = ("14", "16", "83", "84")  # CS338/CS343: these eenheden only with frequentie 2, 4, 6


def _check_product(product: Product, where: str) -> None:
    """What a product must be for the gateway to grant it in a valid JW301: a wrong entry
    stops the start, instead of producing a toewijzing that breaks the standard later."""
    problems = []
    if not (len(product.categorie) == 2 and product.categorie.isdigit()):
        problems.append(f"categorie '{product.categorie}' is geen tweecijferige productcategorie (JZ020)")
    if not 1 <= len(product.code) <= 5:
        problems.append(f"code '{product.code}' moet 1 tot 5 tekens zijn")
    if not product.eenheden or set(product.eenheden) - set(EENHEDEN):
        problems.append(f"eenheden {list(product.eenheden)}: alleen {', '.join(EENHEDEN)} (WJ756)")
    if not product.frequenties or set(product.frequenties) - set(FREQUENTIES):
        problems.append(f"frequenties {list(product.frequenties)}: alleen {', '.join(FREQUENTIES)} (WMO757)")
    if set(product.eenheden) & set(_NIET_PER_DAG) and "1" in product.frequenties:
        problems.append("eenheid 14, 16, 83 of 84 gaat niet samen met frequentie 1 (per dag; CS338)")
    if product.norm_volume < 0 or product.max_maanden < 1 or product.tarief_eurocent < 0:
        problems.append("norm_volume en tarief_eurocent zijn 0 of meer, max_maanden 1 of meer")
    if product.uitvoeringsvariant not in UITVOERINGSVARIANTEN:
        problems.append(f"uitvoeringsvariant is een van {', '.join(UITVOERINGSVARIANTEN)}")
    if problems:
        raise MappingError(f"{where} ({product.categorie}/{product.code}): " + "; ".join(problems))


def load_regels(path: Path) -> dict[str, RuleText]:
    data = _toml(path)
    regels = {}
    for code, v in data.items():
        try:
            text = RuleText(code, str(v["retourcode"]), int(v["niveau"]), str(v["uitleg"]).strip(),
                            str(v["oplossing"]).strip())
        except (KeyError, TypeError, ValueError) as exc:
            raise MappingError(f"{path.name} [{code}]: ontbrekend of ongeldig veld ({exc})") from None
        # A rule report without either text leaves the sender guessing: refuse it at start-up.
        for field_name in ("uitleg", "oplossing"):
            if not getattr(text, field_name):
                raise MappingError(f"{path.name} [{code}]: {field_name} is leeg")
        regels[code] = text
    return regels


def load_retourcodes(path: Path) -> dict[str, str]:
    with _open(path) as handle:
        return {row["code"].strip(): row["omschrijving"].strip() for row in csv.DictReader(handle)}


def _open(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise MappingError(f"{path}: kan niet gelezen worden ({exc.strerror})") from None


def _toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise MappingError(f"{path}: kan niet gelezen worden ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path.name}: geen geldige TOML ({exc})") from None


@lru_cache(maxsize=4)
def load_reference(directory: Path) -> ReferenceData:
    return ReferenceData(
        gemeenten=load_gemeenten(directory / "gemeenten.csv"),
        producten=load_producten(directory / "producten.toml"),
        regels=load_regels(directory / "regels.toml"),
        retourcodes=load_retourcodes(directory / "retourcodes.csv"),
    )
