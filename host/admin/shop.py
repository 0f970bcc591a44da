"""Shop settings: the shop's name, its storefront theme, the sites allowed to embed its widgets
(one origin per line, `scheme://host[:port]`, kept in `Shop.allowed_origins`), and its API keys,
listed with when each was last used, each with a Revoke button. Owners only.

After a save the shop is dropped from this process's shop cache (`host.shopcache`), so its own
storefront and embed endpoints see the change at once; other processes within the cache's TTL.
A revoked key is refused at once here and within half a second by every other server process."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from wtforms import SelectChoice

from shopwright.host.admin.core import admin, owner_only, render, shop_id, user
from shopwright.host.admin.forms import ShopForm
from shopwright.host.api.auth import forget_keys
from shopwright.host.apikeys import API_SCOPES, ApiKeyError, list_keys, revoke_key
from shopwright.host.models import ApiKey, Shop
from shopwright.host.state import current_state


def theme_choices() -> list[SelectChoice]:
    return [SelectChoice(theme.name, theme.title or theme.name) for theme in current_state().themes.available()]


@admin.route("/shop", methods=["GET", "POST"])
@owner_only
def shop():
    with current_state().db.session() as db:
        row = db.get(Shop, shop_id())
        saved = {"name": row.name, "theme": row.theme, "allowed_origins": "\n".join(row.allowed_origins or [])}
    form = ShopForm(data=saved)
    form.theme.choices = theme_choices()
    if not form.validate_on_submit():
        return render("shop.html", 422 if form.is_submitted() else 200, form=form,
                      themes=current_state().themes.available(), keys=shop_keys(), scopes=API_SCOPES)
    with current_state().db.session() as db:
        row = db.get(Shop, shop_id())
        row.name, row.theme = form.name.data.strip(), form.theme.data
        row.allowed_origins = form.allowed_origins.origins
    current_state().shops.forget(user().shop_slug)  # after the commit, or a request could cache the old row again
    flash("Shop settings saved.", "success")
    return redirect(url_for("admin.shop"))


def shop_keys() -> list[ApiKey]:
    with current_state().db.session() as db:
        return list_keys(db, shop_id())


@admin.post("/shop/keys/<int:key_id>/revoke")
@owner_only
def revoke_shop_key(key_id: int):
    try:
        with current_state().db.session() as db:
            name = revoke_key(db, shop_id(), key_id, user().actor).name
    except ApiKeyError:
        abort(404, "There is no such API key in this shop.")
    forget_keys()  # after the commit: this process refuses the key from the next request on
    flash(f"API key “{name}” revoked: it no longer works.", "success")
    return redirect(url_for("admin.shop", _anchor="api-keys"))
