"""The `shopwright` command: serve, set up shops, import data, manage plugins and jobs.

Every command works on the instance folder in `SHOPWRIGHT_INSTANCE` (default ./instance), the
same configuration the server reads.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import click

from shopwright.host.app import create_app, state_of
from shopwright.host.config import ConfigError
from shopwright.host.models import MAX_INT
from shopwright.host.version import __version__ as HOST_VERSION

INT64_MAX = 2**63 - 1  # the largest whole number a JSON setting or job parameter may hold
#: Ids as the database stores them: past the column's range no row can match.
ID = click.IntRange(1, MAX_INT)


class Env:
    """Builds the app lazily: `--help` and `serve` need no database."""

    def __init__(self, workers: int = 0):
        self._state = None
        self.workers = workers

    @property
    def state(self):
        if self._state is None:
            try:
                self._state = state_of(create_app({"JOB_WORKERS": self.workers}))
            except ConfigError as exc:
                raise click.ClickException(f"configuration: {exc}") from exc
        return self._state

    def shop_id(self, slug: str) -> int:
        from shopwright.host.shops import ShopError, get_shop

        with self.state.db.session() as session:
            try:
                return get_shop(session, slug).id
            except ShopError as exc:
                raise click.ClickException(str(exc)) from exc


pass_env = click.make_pass_decorator(Env, ensure=True)
shop_option = click.option("--shop", "shop_slug", required=True, help="Shop slug, e.g. demo")


@click.group()
@click.version_option(version=HOST_VERSION, prog_name="shopwright")  # the version `requires_host` is checked against
def main() -> None:
    """Shopwright: a self-hosted, plugin-based extension server for online shops."""


@main.command()
@click.option("--host", "bind_host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 512), help="gunicorn worker processes")
@click.option("--dev", is_flag=True, help="Flask's reloading development server instead of gunicorn")
def serve(bind_host: str, port: int, workers: int, dev: bool) -> None:
    """Serve the shop (gunicorn in production)."""
    if dev:
        create_app().run(host=bind_host, port=port, debug=True)
        return
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
    args = [gunicorn, "--workers", str(workers), "--bind", f"{bind_host}:{port}",
            "--access-logfile", "-", "shopwright.host.wsgi:app"]
    os.execv(gunicorn, args)


@main.group()
def db() -> None:
    """The shop store."""


@db.command("upgrade")
@pass_env
def db_upgrade(env: Env) -> None:
    """Create the schema or upgrade it, keeping the data."""
    click.echo(f"database {env.state.db.upgrade()}: {env.state.config['DATABASE_URL']}")


@main.group()
def shop() -> None:
    """Shops on this server."""


@shop.command("create")
@click.argument("slug")
@click.option("--name", default="")
@click.option("--currency", default="USD", show_default=True)
@pass_env
def shop_create(env: Env, slug: str, name: str, currency: str) -> None:
    from shopwright.host.shops import ShopError, create_shop

    with env.state.db.session() as session:
        try:
            created = create_shop(session, slug, name, currency)
        except ShopError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"created shop {created.slug} (id {created.id})")


@shop.command("list")
@pass_env
def shop_list(env: Env) -> None:
    from sqlalchemy import select

    from shopwright.host.models import Shop

    with env.state.db.session() as session:
        for row in session.scalars(select(Shop).order_by(Shop.id)):
            click.echo(f"{row.slug}\t{row.name}\t{row.currency}")


@main.group()
def user() -> None:
    """Admin users."""


@user.command("create")
@shop_option
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["owner", "editor"]), default="editor", show_default=True)
@click.password_option()
@pass_env
def user_create(env: Env, shop_slug: str, email: str, role: str, password: str) -> None:
    from shopwright.host.shops import ShopError, create_user

    with env.state.db.session() as session:
        try:
            created = create_user(session, env.shop_id(shop_slug), email, password, role)
        except ShopError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"created {role} {created.email}")


@user.command("set-password")
@shop_option
@click.option("--email", required=True)
@click.password_option(prompt="New password")
@pass_env
def user_set_password(env: Env, shop_slug: str, email: str, password: str) -> None:
    """Give a user a new password, asked for at a prompt (or read from stdin: the password, then it
    again); signs the user out of the admin everywhere."""
    from sqlalchemy import select

    from shopwright.host.models import AdminUser
    from shopwright.host.shops import ShopError, set_password

    email = email.strip().lower()
    with env.state.db.session() as session:
        row = session.scalar(select(AdminUser).where(AdminUser.shop_id == env.shop_id(shop_slug),
                                                     AdminUser.email == email))
        if row is None:
            raise click.ClickException(f"no user {email} in shop {shop_slug}")
        try:
            set_password(session, row, password)
        except ShopError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"password changed for {email}; their admin sessions are signed out")


@main.group()
def apikey() -> None:
    """API keys (stored hashed; shown once)."""


@apikey.command("create")
@shop_option
@click.option("--name", required=True)
@click.option("--scope", "scopes", multiple=True,
              help="Repeat; default: every scope except the admin:* ones (admin:plugins, admin:keys), "
                   "which a key gets only when they are named")
@pass_env
def apikey_create(env: Env, shop_slug: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create a key and print it (shown only this once)."""
    from shopwright.host.apikeys import DEFAULT_SCOPES, ApiKeyError, create_key

    with env.state.db.session() as session:
        try:
            key = create_key(session, env.shop_id(shop_slug), name, list(scopes or DEFAULT_SCOPES))
        except ApiKeyError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(key)


@apikey.command("list")
@shop_option
@pass_env
def apikey_list(env: Env, shop_slug: str) -> None:
    """The shop's keys, newest first: id, name, key prefix, scopes, created, last used, status."""
    from shopwright.host.apikeys import list_keys

    with env.state.db.session() as session:
        for row in list_keys(session, env.shop_id(shop_slug)):
            status = f"revoked {_when(row.revoked_at)} by {row.revoked_by or '?'}" if row.revoked else "active"
            click.echo(f"{row.id}\t{row.name}\tsw_{row.prefix}_…\t{','.join(row.scopes or [])}\t"
                       f"created {_when(row.created_at)}\tlast used {_when(row.last_used_at)}\t{status}")


@apikey.command("revoke")
@click.argument("key_id", type=ID)
@shop_option
@pass_env
def apikey_revoke(env: Env, key_id: int, shop_slug: str) -> None:
    """Revoke a key (see `apikey list` for ids); a running server refuses it within a second."""
    from shopwright.host.apikeys import ApiKeyError, revoke_key

    try:
        with env.state.db.session() as session:
            row = revoke_key(session, env.shop_id(shop_slug), key_id, "cli")
            click.echo(f"revoked key {row.id} ({row.name})")
    except ApiKeyError as exc:
        raise click.ClickException(str(exc)) from exc


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "never"


@main.command("import")
@click.argument("kind", type=click.Choice(["products", "customers", "orders", "reviews", "events"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@shop_option
@click.option("--background", is_flag=True, help="Run as a job and show its progress")
@pass_env
def import_(env: Env, kind: str, path: Path, shop_slug: str, background: bool) -> None:
    """Import a CSV or JSON file. All or nothing: a bad file writes nothing."""
    shop_id = env.shop_id(shop_slug)
    if background:
        from shopwright.host.importers.jobs import queue_import

        job_id = queue_import(env.state, shop_id, kind, path.name, path.read_bytes(), created_by="cli")
        _wait_with_bar(env, shop_id, job_id)
        return
    from shopwright.host.importers import import_file

    report = import_file(env.state, shop_id, kind, path.name, path.read_bytes())
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@main.group()
def plugins() -> None:
    """Plugins: list, enable, disable, settings."""


@plugins.command("list")
@shop_option
@pass_env
def plugins_list(env: Env, shop_slug: str) -> None:
    for row in env.state.lifecycle.describe(env.shop_id(shop_slug)):
        note = row["incompatible_reason"] or row["quarantine_reason"]
        click.echo(f"{row['name']}\t{row['version']}\t{row['state']}\t{note}".rstrip())


@plugins.command("enable")
@click.argument("name")
@shop_option
@click.option("--grant", multiple=True, help="Grant only these permissions (default: all it asks for)")
@pass_env
def plugins_enable(env: Env, name: str, shop_slug: str, grant: tuple[str, ...]) -> None:
    from shopwright.host.lifecycle import PluginError

    try:
        row = env.state.enable_plugin(env.shop_id(shop_slug), name, list(grant) or None)
    except PluginError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{name} enabled with {', '.join(row['granted']) or 'no permissions'}")


@plugins.command("disable")
@click.argument("name")
@shop_option
@pass_env
def plugins_disable(env: Env, name: str, shop_slug: str) -> None:
    from shopwright.host.lifecycle import PluginError

    try:
        env.state.disable_plugin(env.shop_id(shop_slug), name)
    except PluginError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{name} disabled")


@plugins.command("settings")
@click.argument("name")
@shop_option
@click.option("--set", "pairs", multiple=True, metavar="KEY=VALUE",
              help="Change a setting (JSON values allowed; a list may be given as a,b,c)")
@pass_env
def plugins_settings(env: Env, name: str, shop_slug: str, pairs: tuple[str, ...]) -> None:
    """Show settings (secrets masked), or change them with --set."""
    from shopwright.host.lifecycle import PluginError
    from shopwright.host.settings import SettingsError, mask_settings

    shop_id = env.shop_id(shop_slug)
    try:
        if pairs:
            lists = _list_settings(env.state.registry.get(name))
            env.state.lifecycle.update_settings(shop_id, name, dict(_parse_pair(p, lists) for p in pairs))
        values = env.state.lifecycle.stored_settings(shop_id, name)
    except SettingsError as exc:
        raise click.ClickException(f"invalid settings, nothing changed: {json.dumps(exc.messages)}") from exc
    except PluginError as exc:
        raise click.ClickException(str(exc)) from exc
    meta = env.state.registry.get(name).meta
    click.echo(json.dumps(mask_settings(meta, values), indent=2, ensure_ascii=False))


def _list_settings(plugin) -> set[str]:
    """The names of the plugin's list settings (none when it is unknown: the lifecycle says so)."""
    import marshmallow

    if plugin is None or plugin.meta is None:
        return set()
    return {name for name, field in plugin.meta.settings().fields.items() if isinstance(field, marshmallow.fields.List)}


def _parse_pair(pair: str, lists: set[str] | frozenset[str] = frozenset()) -> tuple[str, object]:
    """KEY=VALUE with VALUE as JSON, else as text; a list setting also takes comma-separated
    text (`categories=Apparel,Outdoor`), split as the importers split a CSV cell."""
    key, sep, raw = pair.partition("=")
    if not sep:
        raise click.BadParameter(f"{pair!r} is not KEY=VALUE")
    if key in lists and not raw.lstrip().startswith("["):
        from shopwright.host.importers.schemas import TextList

        return key, TextList().deserialize(raw)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return key, raw
    return key, _checked_json(value)


def _checked_json(value: object) -> object:
    """`value`, once no integer in it is past 64 bits: the store, plugins and jobs could not use one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not -INT64_MAX - 1 <= value <= INT64_MAX:
        raise click.BadParameter(f"{value} is too large: whole numbers must fit in 64 bits")
    for item in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
        _checked_json(item)
    return value


@main.group()
def plugin() -> None:
    """Write your own plugin."""


@plugin.command("new")
@click.argument("name")
@click.option("--directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Where to create the package folder")
def plugin_new(name: str, directory: Path) -> None:
    """Create the package shopwright-NAME/ for a new plugin, with a widget, settings and tests."""
    from shopwright.host.scaffold import ScaffoldError, create_plugin

    try:
        folder = create_plugin(name, directory)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created plugin {name} in {folder}")
    click.echo(f"next:\n  cd {folder}\n  pip install -e '.[test]'   # or run from here: PYTHONPATH=. pytest\n  pytest")


@main.group()
def jobs() -> None:
    """Background jobs."""


@jobs.command("list")
@shop_option
@pass_env
def jobs_list(env: Env, shop_slug: str) -> None:
    for job in env.state.jobs.list(env.shop_id(shop_slug)):
        click.echo(f"{job.id}\t{job.type}\t{job.status}\t{job.progress:.0%}\t{job.message}")


@jobs.command("queue")
@click.argument("job_type")
@shop_option
@click.option("--params", default="{}", help="JSON parameters")
@click.option("--wait/--no-wait", default=True)
@pass_env
def jobs_queue(env: Env, job_type: str, shop_slug: str, params: str, wait: bool) -> None:
    from shopwright.host.jobs import JobError

    shop_id = env.shop_id(shop_slug)
    try:
        job_id = env.state.jobs.enqueue(shop_id, job_type, _checked_json(json.loads(params)), created_by="cli")
    except (JobError, json.JSONDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"queued job {job_id}")
    if wait:
        _wait_with_bar(env, shop_id, job_id)


@jobs.command("wait")
@click.argument("job_id", type=ID)
@shop_option
@pass_env
def jobs_wait(env: Env, job_id: int, shop_slug: str) -> None:
    _wait_with_bar(env, env.shop_id(shop_slug), job_id)


@jobs.command("cancel")
@click.argument("job_id", type=ID)
@shop_option
@pass_env
def jobs_cancel(env: Env, job_id: int, shop_slug: str) -> None:
    _job_action(env, shop_slug, job_id, "cancel")


@jobs.command("retry")
@click.argument("job_id", type=ID)
@shop_option
@pass_env
def jobs_retry(env: Env, job_id: int, shop_slug: str) -> None:
    _job_action(env, shop_slug, job_id, "retry")


def _job_action(env: Env, shop_slug: str, job_id: int, action: str) -> None:
    from shopwright.host.jobs import JobError

    try:
        job = getattr(env.state.jobs, action)(env.shop_id(shop_slug), job_id)
    except JobError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"job {job.id} {job.status}")


def _wait_with_bar(env: Env, shop_id: int, job_id: int) -> None:
    """Run queued jobs in this process too (a server may be down) and draw progress."""
    env.state.jobs.start(1)
    try:
        with click.progressbar(length=100, label=f"job {job_id}") as bar:
            def advance(job):
                bar.update(int(job.progress * 100) - bar.pos)

            job = env.state.jobs.wait(shop_id, job_id, on_poll=advance)
    finally:
        env.state.jobs.stop()
    click.echo(f"job {job.id} {job.status}{': ' + job.error if job.error else ''}")
    if job.status != "succeeded":
        sys.exit(1)


@main.group()
def demo() -> None:
    """The demo shop."""


@demo.command("load")
@click.option("--slug", default="demo", show_default=True)
@click.option("--seed", default=7, show_default=True, type=click.IntRange(0, INT64_MAX))
@pass_env
def demo_load(env: Env, slug: str, seed: int) -> None:
    """Create the demo shop with its catalogue, customers, orders, reviews and sessions."""
    from shopwright.host.demo.load import load_demo_shop

    for line in load_demo_shop(env.state, slug=slug, seed=seed):
        click.echo(line)


if __name__ == "__main__":
    main()
