"""The description writer's per-shop settings (one marshmallow schema: validation, admin form)."""

from __future__ import annotations

from typing import Any

import marshmallow
from marshmallow import fields, validate

TONES = ("friendly", "professional", "playful", "luxurious", "technical", "plain")
#: Free-text settings go into the prompt's instructions: one line, no angle brackets.
ONE_LINE = validate.Regexp(r"^[^\n\r<>]*$", error="Use one line of text without < or >.")


def _words(max_items: int, description: str, label: str) -> fields.List:
    return fields.List(fields.String(validate=[validate.Length(min=1, max=60), ONE_LINE]), load_default=list,
                       validate=validate.Length(max=max_items), metadata={"label": label, "description": description})


class Settings(marshmallow.Schema):
    tone = fields.String(load_default="friendly", validate=validate.OneOf(TONES),
                         metadata={"description": "How the copy sounds"})
    length_words = fields.Integer(load_default=120, validate=validate.Range(min=30, max=400),
                                  metadata={"label": "Length (words)", "description": "Target length of a description"})
    language = fields.String(load_default="English", validate=[validate.Length(min=2, max=40), ONE_LINE],
                             metadata={"description": "Language to write in, e.g. English, Deutsch, Français"})
    audience = fields.String(load_default="", validate=[validate.Length(max=120), ONE_LINE],
                             metadata={"description": "Who the copy is for, e.g. hikers on a budget (blank: shoppers)"})
    keywords = _words(10, "Worked in where they fit (one per line)", "Keywords to include")
    avoid_words = _words(30, "Never used; a draft using one is rewritten or flagged (one per line)",
                         "Words to avoid")
    variants = fields.Integer(load_default=1, validate=validate.Range(min=1, max=3),
                              metadata={"label": "Variants per product",
                                        "description": "Alternatives to choose from (1-3)"})
    auto_draft_new_products = fields.Boolean(
        load_default=False, metadata={"label": "Draft new products automatically",
                                      "description": "Write a draft when a product without copy is added or changed; "
                                                     "drafts are never published without review"})
    overwrite_human = fields.Boolean(
        load_default=False, metadata={"label": "Replace hand-written copy",
                                      "description": "Bulk jobs also draft products whose copy a person wrote, and "
                                                     "approving such a draft replaces it"})
    max_attempts = fields.Integer(load_default=2, validate=validate.Range(min=1, max=5),
                                  metadata={"label": "Attempts per draft",
                                            "description": "Times to write a draft again when it states facts "
                                                           "the product data does not support"})
    on_unsupported = fields.String(load_default="remove", validate=validate.OneOf(("remove", "flag")),
                                   metadata={"label": "Unsupported claims left after the last attempt",
                                             "description": "remove: take out the sentences or bullets carrying "
                                                            "them (flag what cannot go); flag: keep and flag them"})
    answer_format = fields.String(
        load_default="auto", validate=validate.OneOf(("auto", "sections", "plain")),
        metadata={"label": "Answer format",
                  "description": "sections: the model writes description, highlights, SEO title and meta "
                                 "description; plain: only the description, the rest is taken from the product "
                                 "data; auto: plain for the small embedded model, sections for others"})
    batch_size = fields.Integer(load_default=8, validate=validate.Range(min=1, max=32),
                                metadata={"label": "Batch size",
                                          "description": "Requests sent to the model together (they share forward "
                                                         "passes)"})


def resolve(settings: dict[str, Any] | None) -> dict[str, Any]:
    """Settings with defaults filled in and validated (raises marshmallow.ValidationError)."""
    schema = Settings()
    return schema.dump(schema.load(dict(settings or {})))


#: The settings that shape a draft; recorded in its meta and the publish audit entry.
RECORDED = ("tone", "length_words", "language", "audience", "keywords", "avoid_words", "variants", "max_attempts",
            "on_unsupported", "answer_format")


def recorded(settings: dict[str, Any]) -> dict[str, Any]:
    return {key: settings.get(key) for key in RECORDED}
