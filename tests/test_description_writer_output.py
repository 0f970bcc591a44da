"""Reading the model's answer: near-miss formats, safe HTML, limits, fallbacks, garbage."""

import re

import pytest

from shopwright.plugins.description_writer.output import UnusableAnswer, parse_answer
from shopwright.plugins.description_writer.prompt import PROMPT_MARKERS
from shopwright.plugins.description_writer.record import view

MUG = view({"id": 1, "title": "Enamel Camp Mug 350 ml with a very long name that goes on and on for ever",
            "attributes": {"material": "enamelled steel", "capacity_ml": 350, "colour": "white"}})
BODY = "A sturdy enamel mug for coffee at camp. It holds 350 ml and cleans up with a quick rinse."
ALLOWED_TAGS = {"p", "ul", "li", "strong", "em", "br"}


def parse(text, finish_reason="stop"):
    return parse_answer(text, MUG, finish_reason, PROMPT_MARKERS)


def tags(html):
    return set(re.findall(r"</?([a-z0-9]+)", html))


def test_the_asked_format():
    copy = parse(f"DESCRIPTION:\n{BODY}\n\nHIGHLIGHTS:\n- Holds 350 ml\n- Enamelled steel\n- White\n"
                 "SEO TITLE: Enamel Camp Mug 350 ml\nMETA DESCRIPTION: A sturdy enamel mug for camp coffee.")
    assert copy.content() == {
        "description_html": "<p>A sturdy enamel mug for coffee at camp. It holds 350 ml and cleans up with a "
                            "quick rinse.</p>",
        "highlights": ["Holds 350 ml", "Enamelled steel", "White"], "seo_title": "Enamel Camp Mug 350 ml",
        "meta_description": "A sturdy enamel mug for camp coffee."}
    assert copy.notes == []


@pytest.mark.parametrize("answer", [
    f"## Description\n{BODY}\n## Highlights\n* Holds 350 ml\n* Enamelled steel\n* White\n"
    "## SEO title\nEnamel Camp Mug\n## Meta description\nA sturdy mug.",
    f"**Description:** {BODY}\n**Key features:**\n1. Holds 350 ml\n2. Enamelled steel\n3. White\n"
    "**SEO Title:** \"Enamel Camp Mug\"\n**Meta:** A sturdy mug.",
    f"Sure! Here is your copy:\ndescription: {BODY}\nhighlights:\n• Holds 350 ml\n• Enamelled steel\n• White\n"
    "title: Enamel Camp Mug\nmeta description: A sturdy mug.",
    '```json\n{"description": "' + BODY + '", "highlights": ["Holds 350 ml", "Enamelled steel", "White"], '
    '"seo_title": "Enamel Camp Mug", "meta_description": "A sturdy mug."}\n```',
])
def test_near_misses_parse_alike(answer):
    copy = parse(answer)
    assert copy.description_html().startswith("<p>A sturdy enamel mug") and "Sure" not in copy.description_html()
    assert copy.highlights == ["Holds 350 ml", "Enamelled steel", "White"]
    assert copy.seo_title == "Enamel Camp Mug" and copy.meta_description == "A sturdy mug."


def test_a_bare_description_gets_the_rest_from_grounded_sources():
    copy = parse(BODY + "\n- Easy to clean\n- Light")
    assert copy.description_html() == ("<p>A sturdy enamel mug for coffee at camp. It holds 350 ml and cleans up "
                                       "with a quick rinse.</p><ul><li>Easy to clean</li><li>Light</li></ul>")
    assert copy.seo_title == "Enamel Camp Mug 350 ml with a very long name that goes on"  # ≤ 60, whole words
    assert len(copy.seo_title) <= 60 and copy.meta_description.startswith("A sturdy enamel mug")
    assert copy.highlights == ["Easy to clean", "Light", "Material: enamelled steel"]
    assert len(copy.notes) == 3


def test_model_html_is_never_trusted():
    copy = parse('DESCRIPTION:\n<p onclick="x()">A <b>sturdy</b> mug <a href="javascript:alert(1)">for camp</a>.'
                 "<script>alert(1)</script> It holds 350 ml &amp; more & cleans <em>easily</em>.</p>"
                 "<ul><li>One <img src=x onerror=alert(1)></li><li>Two</li></ul>\n"
                 "HIGHLIGHTS:\n- <i>Light</i>\n- **Strong** handle\n- Tough")
    html = copy.description_html()
    assert tags(html) <= ALLOWED_TAGS and "onclick" not in html and "alert" not in html and "href" not in html
    assert "&amp; more &amp; cleans" in html and "<ul><li>One</li><li>Two</li></ul>" in html
    assert copy.highlights == ["Light", "Strong handle", "Tough"]


def test_markdown_emphasis_becomes_strong_and_em():
    copy = parse("DESCRIPTION:\nA **sturdy** mug with an *enamel* coat, holding 350 ml of hot coffee at camp.")
    assert "<strong>sturdy</strong>" in copy.description_html() and "<em>enamel</em>" in copy.description_html()
    assert "**" not in copy.meta_description and "sturdy mug" in copy.meta_description


def test_limits_cut_at_word_boundaries():
    long_title = "Enamel camp mug for coffee tea cocoa and soup on long trail days outdoors"
    long_meta = "word " * 60
    copy = parse(f"DESCRIPTION:\n{BODY}\nSEO TITLE: {long_title}\nMETA DESCRIPTION: {long_meta}")
    assert len(copy.seo_title) <= 60 and long_title.startswith(copy.seo_title) and not copy.seo_title.endswith(" ")
    assert len(copy.meta_description) <= 160 and copy.meta_description.endswith("word")
    many = parse(f"DESCRIPTION:\n{BODY}\nHIGHLIGHTS:\n" + "\n".join(f"- Point {i}" for i in range(9)))
    assert many.highlights == [f"Point {i}" for i in range(5)]


def test_an_answer_cut_by_the_token_limit_loses_its_broken_sentence():
    copy = parse(f"DESCRIPTION:\n{BODY} And then there is the handle which", finish_reason="length")
    assert copy.description_html().endswith("quick rinse.</p>")


@pytest.mark.parametrize("answer, reason", [
    ("", "no text"), ("   \n ", "no text"), ("DESCRIPTION:\nNice.", "no usable description"),
    ("{{{ ### !!! 12345 67890 %%% &&& *** ??? ;;; }}}", "no usable description"),
    ("DESCRIPTION: 1234 5678 9012 3456 7890 1234 5678 9012 abc", "mostly symbols"),
    ("mug " * 40, "no usable description"),  # collapsed to one "mug"
    ("good mug nice cup good mug fine cup " * 10, "repeats the same few words"),
    ("echo: Product record (JSON data between the markers):\n<<<PRODUCT RECORD\n{}", "repeated the prompt"),
])
def test_empty_or_garbage_answers_are_refused_with_a_reason(answer, reason):
    with pytest.raises(UnusableAnswer, match=reason):
        parse(answer)


def test_an_answer_about_the_prompt_is_refused():
    with pytest.raises(UnusableAnswer, match="talks about the prompt"):
        parse("To create a product record for a product, it is necessary to include details about the product.")


def test_the_meta_description_keeps_whole_sentences_when_it_can():
    first = "A sturdy enamel mug for coffee at camp, on the trail and at home on slow mornings with a book."
    copy = parse(f"{first} It holds 350 ml and cleans up with a quick rinse after every single use, even outdoors.")
    assert copy.meta_description == first


def test_highlights_come_from_facts_and_options_when_the_answer_has_none():
    sweater = view({"id": 2, "title": "Merino Crew Sweater", "attributes": {"material": "merino wool"},
                    "variants": [{"title": s, "options": {"size": s}} for s in "SML"]})
    copy = parse_answer("A soft and warm crew sweater made from merino wool, knitted for cold and windy days.", sweater,
                        highlights=5)
    assert copy.highlights == ["Material: merino wool", "Size: S, M, L",
                               "A soft and warm crew sweater made from merino wool, knitted for cold and windy days."]


def test_a_small_models_repetitions_are_collapsed():
    copy = parse("DESCRIPTION:\n\"A bespoke, bespoke, bespoke, bespoke mug for camp. It holds 350 ml. A bespoke, "
                 "bespoke mug for camp. It holds 350 ml.\"")
    assert copy.description_html() == "<p>A bespoke mug for camp. It holds 350 ml.</p>"
    nearly = parse("It's a great choice for those who want a mug with a bright finish and a wide rim. "
                   "It's also a great choice for those who want a mug with a bright finish and a wide rim.")
    assert nearly.description_html().count("great choice") == 1


def test_non_english_answers_are_kept():
    copy = parse("DESCRIPTION:\nEin robuster Emaillebecher für Kaffee im Zeltlager. Er fasst 350 ml und ist "
                 "schnell gespült.\nHIGHLIGHTS:\n- Fasst 350 ml\n- Emaillierter Stahl\n- Weiß\n"
                 "SEO TITLE: Emaille-Becher 350 ml\nMETA DESCRIPTION: Robuster Becher für Kaffee.")
    assert "für Kaffee" in copy.description_html() and copy.highlights[2] == "Weiß"
