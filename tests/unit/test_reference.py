"""mappings/: every rule explained, the catalogue complete, broken files refused clearly."""
from __future__ import annotations

import shutil

import pytest

import gateway.rules  # noqa: F401
from gateway.intake.service import PROBLEM_CODES
from gateway.reference import MappingError, load_reference
from gateway.rules.engine import REGISTRY
from gateway.settings import PROJECT_ROOT
from tests.support import reference


def test_every_registered_rule_has_a_dutch_explanation_with_its_retourcode_and_level():
    texts = reference().regels
    for code, spec in REGISTRY.items():
        assert code in texts, f"{code} has no explanation in mappings/regels.toml"
        assert texts[code].uitleg
        assert (texts[code].retourcode, texts[code].niveau) == (spec.retourcode, spec.level), code


def test_every_rule_in_a_report_says_what_it_checks_and_how_to_fix_it():
    """Every code a rule report can name: the registered rules, XSD, and the codes the
    intake stores for a message stopped before the rules (design.md §7)."""
    data = reference()
    codes = set(REGISTRY) | {"XSD"} | set(PROBLEM_CODES)
    assert {"XSD", "AFZENDER", "ONTVANGER", "BERICHTSOORT"} <= codes
    for code in sorted(codes):
        text = data.regels.get(code)
        assert text is not None, f"{code} has no table in mappings/regels.toml"
        assert text.uitleg and text.oplossing, code
        assert text.oplossing != text.uitleg, code
        assert text.oplossing not in text.uitleg and text.uitleg not in text.oplossing, code
        assert (data.explain(code), data.remedy(code)) == (text.uitleg, text.oplossing)


def test_a_code_without_a_table_has_no_texts():
    assert (reference().explain("NOPE"), reference().remedy("NOPE")) == ("", "")


def test_every_retourcode_of_a_rule_is_a_known_retourcode():
    known = reference().retourcodes
    assert len(known) == 59
    for spec in REGISTRY.values():
        assert spec.retourcode in known, spec.code


def test_catalogue_holds_the_default_products_of_the_design():
    producten = reference().producten
    expected = {  # design.md §7
        ("45", "45A01"): ("04", "2", 8, 12, True),
        ("45", "45A02"): ("01", "4", 1200, 12, True),
        ("41", "41A01"): ("16", "2", 10, 12, True),
        ("54", "54A01"): ("84", "6", 20, 12, True),
        ("43", "43A01"): ("14", "4", 31, 12, False),
        ("42", "42A01"): ("82", "1", 2, 12, False),
        ("55", "55A01"): ("83", "6", 1500000, 12, False),
        ("46", "46A01"): ("14", "6", 28, 3, False),
    }
    for key, (eenheid, frequentie, volume, maanden, automatisch) in expected.items():
        product = producten[key]
        assert eenheid in product.eenheden and frequentie in product.frequenties
        assert (product.norm_volume, product.max_maanden, product.automatisch) == (volume, maanden, automatisch)


def test_cbs_list_has_the_current_municipalities():
    from datetime import date

    gemeenten = reference()
    assert gemeenten.gemeente_valid("0363", [date(2026, 1, 1)])
    assert not gemeenten.gemeente_valid("0457", [date(2026, 1, 1)])  # Weesp, merged 2022
    current = [c for c, rows in gemeenten.gemeenten.items() if any(g.valid_on(date(2026, 1, 1)) for g in rows)]
    assert len(current) == 342


_PRODUCT = """
[[product]]
categorie = "45"
code = "45A01"
naam = "Jeugdhulp ambulant individueel"
eenheden = ["04"]
frequenties = ["2"]
norm_volume = 8
max_maanden = 12
tarief_eurocent = 9800
uitvoeringsvariant = "inspanningsgericht"
automatisch = true
"""


_RULE = """
[CS002]
retourcode = '0001'
niveau = 2
berichten = ['JW305']
uitleg = 'Het BSN klopt niet.'
oplossing = 'Vul een geldig BSN in.'
"""


@pytest.mark.parametrize("name, content, message", [
    ("producten.toml", "[[product]]\ncategorie = '45'\n", "producten.toml product 1"),
    ("producten.toml", "not toml at all [", "geen geldige TOML"),
    ("producten.toml", _PRODUCT.replace('eenheden = ["04"]', 'eenheden = ["05"]'), "WJ756"),
    ("producten.toml", _PRODUCT.replace('frequenties = ["2"]', 'frequenties = ["3"]'), "WMO757"),
    ("producten.toml", _PRODUCT.replace('eenheden = ["04"]', 'eenheden = ["14"]')
     .replace('frequenties = ["2"]', 'frequenties = ["1"]'), "CS338"),
    ("producten.toml", _PRODUCT.replace('categorie = "45"', 'categorie = "4X"'), "JZ020"),
    ("producten.toml", _PRODUCT.replace("max_maanden = 12", "max_maanden = 0"), "max_maanden"),
    ("producten.toml", _PRODUCT.replace('"inspanningsgericht"', '"los"'), "uitvoeringsvariant"),
    ("producten.toml", _PRODUCT + _PRODUCT, "twee keer"),
    ("gemeenten.csv", "code,naam,geldig_van,geldig_tot\n363,Amsterdam,,\n", "4 cijfers"),
    ("gemeenten.csv", "code,naam,geldig_van,geldig_tot\n0363,Amsterdam,gisteren,\n", "geen datum"),
    ("regels.toml", "[CS002]\nretourcode = '0001'\n", "regels.toml"),
    ("regels.toml", _RULE.replace("oplossing = 'Vul een geldig BSN in.'\n", ""), r"\[CS002\].*oplossing"),
    ("regels.toml", _RULE.replace("'Vul een geldig BSN in.'", "'  '"), r"\[CS002\]: oplossing is leeg"),
    ("regels.toml", _RULE.replace("'Het BSN klopt niet.'", "''"), r"\[CS002\]: uitleg is leeg"),
])
def test_broken_mapping_files_are_refused_with_a_clear_message(tmp_path, name, content, message):
    for source in (PROJECT_ROOT / "mappings").iterdir():
        shutil.copy(source, tmp_path / source.name)
    (tmp_path / name).write_text(content, encoding="utf-8")
    load_reference.cache_clear()
    try:
        with pytest.raises(MappingError, match=message):
            load_reference(tmp_path)
    finally:
        load_reference.cache_clear()


def test_missing_mapping_file_is_named(tmp_path):
    load_reference.cache_clear()
    try:
        with pytest.raises(MappingError, match=r"gemeenten\.csv"):
            load_reference(tmp_path)
    finally:
        load_reference.cache_clear()


def test_the_product_used_for_the_broken_cases_is_itself_valid(tmp_path):
    for source in (PROJECT_ROOT / "mappings").iterdir():
        shutil.copy(source, tmp_path / source.name)
    (tmp_path / "producten.toml").write_text(_PRODUCT, encoding="utf-8")
    load_reference.cache_clear()
    try:
        assert list(load_reference(tmp_path).producten) == [("45", "45A01")]
    finally:
        load_reference.cache_clear()


def test_level2_berichten_in_regels_toml_are_the_messages_each_rule_is_checked_on():
    # The declaration messages (JW323/JW325) are left to gateway.rules.declaratie's own tests.
    import tomllib

    tables = tomllib.loads((PROJECT_ROOT / "mappings" / "regels.toml").read_text("utf-8"))
    declaratie = {"JW323", "JW325"}
    for code, spec in REGISTRY.items():
        if spec.level == 2:
            listed = set(tables[code]["berichten"]) - declaratie
            assert listed == set(spec.messages) - declaratie, code


def test_the_rule_used_for_the_broken_cases_is_itself_valid(tmp_path):
    for source in (PROJECT_ROOT / "mappings").iterdir():
        shutil.copy(source, tmp_path / source.name)
    (tmp_path / "regels.toml").write_text(_RULE, encoding="utf-8")
    load_reference.cache_clear()
    try:
        loaded = load_reference(tmp_path)
        assert (loaded.explain("CS002"), loaded.remedy("CS002")) == ("Het BSN klopt niet.", "Vul een geldig BSN in.")
    finally:
        load_reference.cache_clear()
