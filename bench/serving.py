"""Shared by the serving benchmarks: a demo instance, a gunicorn server, and load from a second process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def demo_instance() -> Path:
    """A fresh instance folder holding the demo shop, loaded through the real importers."""
    folder = Path(tempfile.mkdtemp(prefix="shopwright-bench-")) / "instance"
    env = {**os.environ, "SHOPWRIGHT_INSTANCE": str(folder)}
    subprocess.run([str(BIN / "shopwright"), "demo", "load"], env=env, check=True, stdout=subprocess.DEVNULL)
    return folder


def api_key(instance: Path, *scopes: str) -> str:
    env = {**os.environ, "SHOPWRIGHT_INSTANCE": str(instance)}
    args = [str(BIN / "shopwright"), "apikey", "create", "--shop", "demo", "--name", "bench"]
    for scope in scopes:
        args += ["--scope", scope]
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout.strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(instance: Path, workers: int = 2):
    port = free_port()
    env = {**os.environ, "SHOPWRIGHT_INSTANCE": str(instance), "SHOPWRIGHT_API_RATE_LIMIT": "100000000 per minute"}
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "shopwright.host.wsgi:app"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/healthz")
        yield base
    finally:
        server.terminate()
        server.wait(20)


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up in {timeout} s")


def load(urls: list[str], requests: int, concurrency: int = 8, headers: dict | None = None) -> dict:
    spec = json.dumps({"urls": urls, "requests": requests, "concurrency": concurrency, "headers": headers or {}})
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "loadgen.py"), spec], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def interleaved(phases: dict[str, dict], rounds: int) -> dict[str, dict]:
    """Run each phase `rounds` times, alternating, so drift in the machine hits all alike."""
    totals: dict[str, list[dict]] = {name: [] for name in phases}
    for _ in range(rounds):
        for name, spec in phases.items():
            totals[name].append(load(**spec))
    return {name: merge(runs) for name, runs in totals.items()}


def merge(runs: list[dict]) -> dict:
    return {
        "requests": sum(r["requests"] for r in runs),
        "rps": sum(r["rps"] for r in runs) / len(runs),
        "p50_ms": sorted(r["p50_ms"] for r in runs)[len(runs) // 2],
        "p99_ms": max(r["p99_ms"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
    }
