"""Shop settings: the shop's name, its storefront theme, and the sites allowed to embed its
widgets (one origin per line, `scheme://host[:port]`, kept in `Shop.allowed_origins`). Owners only."""

from __future__ import annotations

from flask import flash, redirect, url_for
from wtforms import SelectChoice

from host.admin.core import admin, owner_only, render, shop_id, state
from host.admin.forms import ShopForm
from host.models import Shop


def theme_choices() -> list[SelectChoice]:
    return [SelectChoice(theme.name, theme.title or theme.name) for theme in state().themes.available()]


@admin.route("/shop", methods=["GET", "POST"])
@owner_only
def shop():
    with state().db.session() as db:
        row = db.get(Shop, shop_id())
        saved = {"name": row.name, "theme": row.theme, "allowed_origins": "\n".join(row.allowed_origins or [])}
    form = ShopForm(data=saved)
    form.theme.choices = theme_choices()
    if not form.validate_on_submit():
        return render("shop.html", 422 if form.is_submitted() else 200, form=form, themes=state().themes.available())
    with state().db.session() as db:
        row = db.get(Shop, shop_id())
        row.name, row.theme = form.name.data.strip(), form.theme.data
        row.allowed_origins = form.allowed_origins.origins
    flash("Shop settings saved.", "success")
    return redirect(url_for("admin.shop"))
