"""Configuration layers, the SQLite default, and schema upgrades that keep data."""

from decimal import Decimal

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select, text

from shopwright.host.app import state_of
from shopwright.host.config import ConfigError, load_config
from shopwright.host.db import Database, alembic_config
from shopwright.host.models import Base, Product, Shop, Variant
from shopwright.host.testing import add_fixture_shop, build_app


def test_defaults_then_instance_file_then_environment_then_arguments(tmp_path, monkeypatch):
    (tmp_path / "shopwright.toml").write_text('job_workers = 4\nquarantine_after = 9\nmax_upload_mb = 7\n')
    monkeypatch.setenv("SHOPWRIGHT_QUARANTINE_AFTER", "11")
    config = load_config({"INSTANCE_PATH": str(tmp_path), "MAX_UPLOAD_MB": 3})
    assert (config["JOB_WORKERS"], config["QUARANTINE_AFTER"], config["MAX_UPLOAD_MB"]) == (4, 11, 3)
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'shopwright.db'}"
    assert len(config["SECRET_KEY"]) == 64
    assert load_config({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"] == config["SECRET_KEY"]


def test_bad_configuration_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPWRIGHT_JOB_WORKERS", "two")
    with pytest.raises(ConfigError, match="SHOPWRIGHT_JOB_WORKERS='two' is not a number"):
        load_config({"INSTANCE_PATH": str(tmp_path)})
    monkeypatch.delenv("SHOPWRIGHT_JOB_WORKERS")
    (tmp_path / "shopwright.toml").write_text("job_workers = [\n")
    with pytest.raises(ConfigError, match="shopwright.toml"):
        load_config({"INSTANCE_PATH": str(tmp_path)})


def test_migrations_build_exactly_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    command.upgrade(alembic_config(url), "head")
    with create_engine(url).connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_upgrading_an_existing_database_keeps_its_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "head")
    db = Database(url)
    with db.session() as session:
        session.add(Shop(slug="kept", name="Kept", allowed_origins=[]))
    assert db.upgrade() == "upgraded"
    with db.session() as session:
        assert session.scalar(select(Shop.slug)) == "kept"
    db.dispose()


def test_a_new_database_is_created_and_stamped(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'new.db'}")
    assert db.upgrade() == "created"
    with db.engine.connect() as connection:
        assert connection.execute(text("select version_num from alembic_version")).scalar() is not None
    db.dispose()


def test_a_failed_unit_of_work_writes_nothing(sw_shop):
    with pytest.raises(RuntimeError):
        with sw_shop.state.db.session() as session:
            session.add(Product(shop_id=sw_shop.id, handle="ghost", title="Ghost",
                                variants=[Variant(shop_id=sw_shop.id, sku="G", price=Decimal(1))]))
            session.flush()
            raise RuntimeError("crash")
    with sw_shop.state.db.session() as session:
        assert session.scalar(select(Product).where(Product.handle == "ghost")) is None


def test_data_outlives_the_app(tmp_path):
    app = build_app(tmp_path)
    shop = add_fixture_shop(app)
    state_of(app).close()
    again = state_of(build_app(tmp_path))
    with again.db.session() as session:
        assert session.scalar(select(Shop.slug).where(Shop.id == shop.id)) == "acme"
    again.close()
