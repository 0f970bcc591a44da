"""The description writer's claim extractor and checker on tricky strings."""

import pytest

from shopwright.plugins.description_writer import check_claims, extract_claims
from shopwright.plugins.description_writer.units import parse_number

MUG = {"id": 1, "title": "Enamel Camp Mug 350 ml", "vendor": "Acme", "category": "Outdoor", "tags": ["camping"],
       "description_html": "<p>A steel mug with an enamel coat.</p>", "description_source": "human",
       "attributes": {"material": "enamelled steel", "capacity_ml": 350, "colour": ["white", "blue"],
                      "dishwasher_safe": False, "warranty_years": 2, "weight": 0.3},
       "variants": [{"title": "White", "options": {"colour": "white"}}]}
SOCKET = {"id": 2, "title": 'Impact Socket 9/16"', "attributes": {"drive": '1/2"', "material": "chrome vanadium steel"}}
SWEATER = {"id": 3, "title": "Merino Crew Sweater", "attributes": {"material": "merino wool"},
           "variants": [{"title": size, "options": {"size": size}} for size in ("S", "M", "L")]}


def claims(text):
    return [(claim.kind, claim.text) for claim in extract_claims(text)]


def verdicts(text, product):
    return {finding.claim.text: finding.supported for finding in check_claims(text, product)}


# -- extraction ------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, value", [("9/16", 0.5625), ("1-9/16", 1.5625), ("1 9/16", 1.5625), ("0.35", 0.35),
                                        ("0,35", 0.35), ("1,000", 1000.0), ("1½", 1.5), ("1/0", None)])
def test_numbers_parse_as_written(raw, value):
    assert parse_number(raw) == value


def test_a_mixed_fraction_is_one_claim_never_its_tail():
    assert claims('Fits 1-9/16" nuts.') == [("compatibility", 'Fits 1-9/16" nuts'), ("quantity", '1-9/16"')]
    [mixed] = [c for c in extract_claims('A 1-9/16" socket') if c.kind == "quantity"]
    assert round(mixed.value[0][0].value, 4) == 39.6875  # millimetres
    [plain] = [c for c in extract_claims('A 9/16" socket') if c.kind == "quantity"]
    assert round(plain.value[0][0].value, 4) == 14.2875


def test_amounts_with_every_kind_of_unit():
    found = claims("Holds 350 ml (0.35 l), weighs 1.2 kg or 2 lb, 5,000 mAh at 12 V and 60 W, 100% cotton, "
                   "30 cm long, keeps hot for 24 hours.")
    amounts = [text for kind, text in found if kind == "quantity"]
    assert amounts == ["350 ml", "0.35 l", "1.2 kg", "2 lb", "5,000 mAh", "12 V", "60 W", "100%", "30 cm",
                       "24 hours"]


def test_dimensions_ranges_counts_warranties():
    found = claims("Measures 20 x 30 x 40 cm, strap 10-20 cm. Set of 4, a 2-person tent, 12 pcs. "
                   "Backed by a 2-year warranty; a lifetime guarantee on the frame.")
    assert ("dimensions", "20 x 30 x 40 cm") in found and ("quantity", "10-20 cm") in found
    assert {("count", "Set of 4"), ("count", "2-person"), ("count", "12 pcs")} <= set(found)
    assert ("warranty", "2-year warranty") in found and ("warranty", "lifetime guarantee") in found
    assert ("quantity", "2-year") not in found  # the warranty claims those words


def test_words_from_the_vocabularies():
    found = claims("Stainless steel and merino wool, organic cotton, OEKO-TEX Standard 100 and FSC certified, "
                   "CE marked, dishwasher safe, in navy or rose gold, sizes S, M and XL. Made in Portugal.")
    assert ("material", "Stainless steel") in found and ("material", "steel") not in found
    assert {("material", "merino wool"), ("certification", "organic"), ("material", "cotton"),
            ("certification", "OEKO-TEX Standard 100"), ("certification", "FSC"), ("certification", "CE marked"),
            ("feature", "dishwasher safe"), ("colour", "navy"), ("colour", "rose gold"), ("size", "S"),
            ("size", "M"), ("size", "XL"), ("origin", "Made in Portugal")} <= set(found)


def test_ordinary_words_are_not_claims():
    assert claims("Pour black coffee in 5 minutes. Fits perfectly in your bag. Designed for everyday use.") == [
        ("quantity", "5 minutes")]
    assert claims("We ship 2 \"pro\" models in the box.") == []
    assert claims("") == [] and claims("Lovely.") == []


def test_negation_is_kept():
    [claim] = extract_claims("It is not dishwasher safe.")
    assert claim.negated and claim.value == "dishwasher-safe"


# -- checking --------------------------------------------------------------------------------
def test_copper_is_not_steel():
    assert verdicts("A copper mug.", MUG) == {"copper": False}
    assert verdicts("A steel mug with an enamel coat.", MUG) == {"steel": True, "enamel": True}
    assert verdicts("Stainless steel body.", MUG) == {"Stainless steel": False}  # more specific than the record
    [finding] = check_claims("A copper mug.", MUG)
    assert "enamel, steel" in finding.reason


def test_nine_sixteenths_is_not_one_and_nine_sixteenths():
    assert verdicts('A 9/16" socket.', SOCKET) == {'9/16"': True}
    assert verdicts('A 1-9/16" socket.', SOCKET) == {'1-9/16"': False}
    assert verdicts('Fits a 1/2" drive.', SOCKET) == {'Fits a 1/2" drive': True, '1/2"': True}
    big = {"id": 4, "title": 'Impact Socket 1-9/16"'}
    assert verdicts('A 9/16" socket.', big) == {'9/16"': False}


def test_units_are_normalised():
    assert verdicts("Holds 0.35 l.", MUG) == {"0.35 l": True}
    assert verdicts("Holds 350ml.", MUG) == {"350ml": True}
    assert verdicts("Holds 12 oz.", MUG) == {"12 oz": True}  # a printed conversion of 350 ml
    assert verdicts("Holds 355 ml.", MUG) == {"355 ml": False}  # metric to metric: exact
    assert verdicts("Weighs 0.3 kg.", MUG) == {"0.3 kg": True}  # the unit-less weight attribute
    [wrong] = check_claims("Holds 0.5 l.", MUG)
    assert wrong.reason == "the product data states 350 ml"


def test_features_keep_their_polarity():
    assert verdicts("Dishwasher safe.", MUG) == {"Dishwasher safe": False}
    assert verdicts("It is not dishwasher safe.", MUG) == {"dishwasher safe": True}
    assert verdicts("Microwave safe.", MUG) == {"Microwave safe": False}


def test_colours_sizes_warranty_compatibility():
    assert verdicts("In white or blue, not red.", MUG) == {"white": True, "blue": True, "red": True}
    assert verdicts("Available in red.", MUG) == {"red": False}
    assert verdicts("Comes in sizes S, M and L.", SWEATER) == {"S": True, "M": True, "L": True}
    assert verdicts("Also in XL.", SWEATER) == {"XL": False}
    assert verdicts("A 2-year warranty.", MUG) == {"2-year warranty": True}
    assert verdicts("A 24 month warranty.", MUG) == {"24 month warranty": True}
    assert verdicts("A lifetime warranty.", MUG) == {"lifetime warranty": False}
    assert verdicts("Compatible with camping stoves.", MUG) == {"Compatible with camping stoves": False}
    assert verdicts("Made in Portugal.", MUG) == {"Made in Portugal": False}


def test_general_materials_cover_specific_ones_not_the_reverse():
    assert verdicts("Soft wool.", SWEATER) == {"wool": True}
    assert verdicts("Merino wool.", SWEATER) == {"Merino wool": True}
    assert verdicts("Cashmere blend.", SWEATER) == {"Cashmere": False}
    assert verdicts("Merino wool.", {"id": 5, "title": "Sweater", "attributes": {"material": "wool"}}) == {
        "Merino wool": False}


def test_figures_of_speech_are_not_materials_or_sizes():
    assert claims("Crystal clear sound, a glass of water, the gold standard, an S-shaped handle.") == []
    assert claims("A glass body in S or M.") == [("material", "glass"), ("size", "S"), ("size", "M")]
