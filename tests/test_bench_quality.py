"""The benchmark's own quality measures (bench/quality.py), on small hand-made cases."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from quality import attribute_recall, independent_check, rouge_l  # noqa: E402

MUG = {"title": "Camp Mug", "description_html": "<p>A 350 ml steel mug.</p>", "variants": [],
       "attributes": {"colour": "Light Pink", "features": ["Velvet upholstery", "Pre-assembled"]}}


def test_independent_check_counts_numbers_colours_and_materials_the_record_lacks():
    assert independent_check(MUG, "A light pink 350 ml steel mug.") == (3, 0)
    assert independent_check(MUG, "A blue 500 ml copper mug.") == (3, 3)


def test_attribute_recall_matches_word_stems():
    assert attribute_recall(MUG, "A light pink mug with an upholstered velvet seat, pre-assembled.") == 1.0
    assert attribute_recall(MUG, "A mug.") == 0.0


def test_rouge_l_is_the_lcs_f1():
    assert rouge_l("the cat sat on the mat", "the cat sat on the mat") == 1.0
    assert abs(rouge_l("the cat sat on the mat", "the cat is on the mat") - 5 / 6) < 1e-9
    assert rouge_l("", "anything") == 0.0
    assert rouge_l("anything", "") == 0.0


def test_rouge_l_ignores_case_and_punctuation():
    assert rouge_l("A steel mug, 350 ml.", "a STEEL mug (350 ml)") == 1.0
