"""Shop settings: the shop's name, its storefront theme, and the sites allowed to embed its
widgets (one origin per line, `scheme://host[:port]`, kept in `Shop.allowed_origins`). Owners only.

After a save the shop is dropped from this process's shop cache (`host.shopcache`), so its own
storefront and embed endpoints see the change at once; other processes within the cache's TTL."""

from __future__ import annotations

from flask import flash, redirect, url_for
from wtforms import SelectChoice

from host.admin.core import admin, owner_only, render, shop_id, state, user
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
    state().shops.forget(user().shop_slug)  # after the commit, or a request could cache the old row again
    flash("Shop settings saved.", "success")
    return redirect(url_for("admin.shop"))
