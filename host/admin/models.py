"""The Models page: which text model the shop's plugins use, its daily token cap, what was used
today and on each of the last seven days, and a button that tries the model. Owners only.

The form is generated from `shopwright.host.inference.settings.ModelSettingsSchema` by the same helpers as
a plugin's settings form, so errors appear next to their fields, nothing is saved when one is
wrong, and the API key is never shown again once stored.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from shopwright.host.admin.core import admin, owner_only, render, shop_id
from shopwright.host.admin.settings_form import build_fields, read_form, split_errors
from shopwright.host.inference.errors import InferenceError
from shopwright.host.inference.settings import MODEL_SETTINGS
from shopwright.host.settings import SettingsError, describe_fields
from shopwright.host.state import current_state

TRY_PROMPT = "Reply with one short sentence saying that you are ready."


@admin.route("/models", methods=["GET", "POST"])
@owner_only
def models():
    inference = current_state().inference
    stored = inference.settings(shop_id())
    if request.method == "GET":
        return _page(stored, stored)
    submitted = read_form(MODEL_SETTINGS, request.form)
    clear = ("api_key",) if request.form.get("clear_api_key") else ()
    try:
        inference.save_settings(shop_id(), submitted, clear=clear)
    except SettingsError as exc:
        names = {f["name"] for f in describe_fields(MODEL_SETTINGS)}
        per_field, general = split_errors(exc.messages, names)
        return _page({**stored, **submitted}, stored, per_field, general, status=422)
    flash("Model settings saved.", "success")
    return redirect(url_for("admin.models"))


@admin.post("/models/try")
@owner_only
def models_try():
    """Ask the shop's model for one short answer: the quickest way to see that it works."""
    try:
        model = current_state().inference.text_model(shop_id(), plugin="admin")
        answer = model.complete(TRY_PROMPT, max_tokens=24)
    except InferenceError as exc:
        flash(f"The model did not answer: {exc}", "error")
    else:
        flash(f"{model.name} ({model.model}) answered in {answer.completion_tokens} tokens: {answer.text.strip()}",
              "success")
    return redirect(url_for("admin.models"))


def _page(values: dict, stored: dict, per_field=None, general=None, status: int = 200):
    inference = current_state().inference
    cap = int(stored.get("daily_token_cap") or 0)
    used = inference.usage_today(shop_id())
    fields = build_fields(MODEL_SETTINGS, values, stored, per_field)
    return render("models.html", status, fields=fields, general_errors=general or [],
                  used=used, cap=cap, percent=min(100, round(100 * used / cap)) if cap else 0,
                  history=inference.usage_history(shop_id(), 7), backend=stored.get("backend"),
                  forced=inference.default_backend == "fake")
