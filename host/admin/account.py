"""Your account: the signed-in user changes their own password (owners and editors alike).

The current password is asked for, so a borrowed or stolen session cannot take the account over;
wrong current passwords count against the address like failed sign-ins (`host.admin.throttle`).
A new password signs the user out everywhere else (the session epoch moves on) and keeps this
session. `shopwright user set-password` does the same from the server's shell, for a user who can
no longer sign in.
"""

from __future__ import annotations

from flask import flash, redirect, request, session, url_for
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from shopwright.host.admin.core import admin, extension, render, user
from shopwright.host.admin.forms import AdminForm
from shopwright.host.models import AdminUser
from shopwright.host.shops import MAX_PASSWORD, MIN_PASSWORD, check_password, set_password
from shopwright.host.state import current_state


class PasswordForm(AdminForm):
    current = PasswordField("Current password", validators=[DataRequired("Enter your current password."),
                                                            Length(max=MAX_PASSWORD)])
    new = PasswordField("New password", validators=[
        DataRequired("Enter a new password."),
        Length(min=MIN_PASSWORD, max=MAX_PASSWORD, message=f"Use {MIN_PASSWORD} to {MAX_PASSWORD} characters.")])
    confirm = PasswordField("New password again", validators=[
        DataRequired("Enter the new password again."), EqualTo("new", "The two new passwords differ.")])


@admin.route("/account", methods=["GET", "POST"])
def account():
    form = PasswordForm()
    if not form.validate_on_submit():
        return render("account.html", 422 if form.is_submitted() else 200, form=form, min_password=MIN_PASSWORD)
    guard = extension().throttle
    ip = request.remote_addr or "unknown"
    if not guard.address_attempt(ip):
        form.current.errors = ["Too many wrong passwords from your network. Try again later."]
        return render("account.html", 429, form=form, min_password=MIN_PASSWORD)
    with current_state().db.session() as db:
        row = db.get(AdminUser, user().id)
        if not check_password(row, form.current.data):
            form.current.errors = ["That is not your current password."]
            return render("account.html", 422, form=form, min_password=MIN_PASSWORD)
        epoch = set_password(db, row, form.new.data)
    guard.give_back(ip)
    session["epoch"] = epoch  # this session stays signed in; every other one is signed out
    flash("Your password was changed. Your other sessions are signed out.", "success")
    return redirect(url_for("admin.account"))
