"""Production serving: gunicorn with two workers, started the way the operations guide says."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from shopwright.host.apikeys import create_key
from shopwright.host.app import state_of
from shopwright.host.testing import add_fixture_shop, build_app

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, key: str | None = None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        return response.status, json.load(response)


def test_shopwright_serve_runs_gunicorn_with_two_workers(tmp_path):
    app = build_app(tmp_path)
    shop = add_fixture_shop(app)
    with shop.state.db.session() as session:
        key = create_key(session, shop.id, "serve-test", ["read:catalog"])
    state_of(app).close()
    port = _free_port()
    env = {**os.environ, "SHOPWRIGHT_INSTANCE": str(tmp_path)}
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen([str(BIN / "shopwright"), "serve", "--port", str(port), "--workers", "2"],
                                  env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_up(base + "/healthz", server, log)
        assert _get(base + "/healthz") == (200, {"status": "ok"})
        status, body = _get(base + "/api/v1/products", key)
        assert status == 200 and {p["handle"] for p in body["items"]} == {"enamel-camp-mug", "merino-crew"}
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        assert len(workers) == 2
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


def _wait_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not come up")
