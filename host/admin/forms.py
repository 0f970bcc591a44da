"""The admin's fixed forms (WTForms through Flask-WTF). Plugin settings forms are generated from
each plugin's marshmallow schema instead, in `host.admin.settings_form`.

CSRF is checked once for the whole admin blueprint (`host.admin.core.guard`), so these forms turn
Flask-WTF's own per-form check off rather than checking the same token twice.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from shopwright.host.importers import KINDS

KIND_LABELS = {"products": "Products (catalogue)", "customers": "Customers", "orders": "Orders",
               "reviews": "Reviews", "events": "Events"}
MAX_ORIGINS = 50
DEFAULT_PORTS = {"http": 80, "https": 443}
HOSTNAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")


class AdminForm(FlaskForm):
    class Meta:
        csrf = False  # checked for every admin POST before the view runs


class LoginForm(AdminForm):
    shop = StringField("Shop", validators=[DataRequired("Enter the shop's short name."), Length(max=64)])
    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=1024)])
    next = HiddenField()


class UploadForm(AdminForm):
    kind = SelectField("What the file holds", choices=[SelectChoice(k, KIND_LABELS.get(k, k)) for k in KINDS])
    file = FileField("File (CSV or JSON)", validators=[FileRequired("Choose a file to upload.")])
    background = BooleanField("Import in the background (for big files; follow it on the Jobs page)")


class ShopForm(AdminForm):
    name = StringField("Shop name", validators=[DataRequired("The shop needs a name."), Length(max=200)])
    theme = SelectField("Storefront theme")
    allowed_origins = TextAreaField("Sites allowed to embed widgets (one per line, e.g. https://shop.example.com)")

    def validate_allowed_origins(self, field) -> None:
        origins, problems = parse_origins(field.data or "")
        if problems:
            raise ValidationError("; ".join(problems))
        field.origins = origins


def parse_origins(text: str) -> tuple[list[str], list[str]]:
    """(origins, problems): each non-blank line must be `scheme://host[:port]`, nothing more; a
    scheme's default port is dropped, as browsers leave it out of the Origin header."""
    origins, problems = [], []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        origin = normalise_origin(line)
        if origin is None:
            problems.append(f"“{line}” is not an origin like https://shop.example.com or http://localhost:8080")
        elif origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        problems.append(f"at most {MAX_ORIGINS} origins")
    return origins, problems


def normalise_origin(text: str) -> str | None:
    try:
        parts = urlsplit(text.rstrip("/"))
        port = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        return None
    host = _host(parts.hostname.lower())
    if host is None:
        return None
    if port == DEFAULT_PORTS[parts.scheme]:
        port = None  # browsers send `Origin: https://x`, never `https://x:443`
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _host(name: str) -> str | None:
    if HOSTNAME.match(name):
        return name
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return None
    return f"[{address}]" if address.version == 6 else str(address)
