"""make bench-import: a 100,000-order background import through the real server, its job read meanwhile.

One gunicorn server (2 workers, each with its job worker threads) on a fresh instance. Products
and customers go in first, then a file of 100,000 orders is POSTed to
`/api/v1/imports/orders?background=1`; while the job runs, `GET /api/v1/jobs/<id>` is read in a
loop, each read timed. The peer: the same files imported in the foreground (the POST answers when
the import is done) into a second shop of the same server, and the same job read on the idle server. Runs on SQLite,
and on PostgreSQL too when `--postgres URL` or SHOPWRIGHT_TEST_POSTGRES names a server (a new
database is made on it). Prints a table and a final
`RESULT import_background <db>_s=... <db>_foreground_s=... <db>_read_p99_ms=... ...` line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving import BIN, ROOT, free_port, wait_until_up  # noqa: E402

SCOPES = ("write:catalog", "write:customers", "write:orders", "read:jobs")
PRODUCTS, CUSTOMERS = 1_000, 5_000
POLL_S = 0.05


# -- the files ----------------------------------------------------------------------------------
def write_files(folder: Path, orders: int) -> dict[str, Path]:
    """Products (one variant each), customers, and `orders` one-line orders referring to them."""
    files = {"products": folder / "products.csv", "customers": folder / "customers.csv",
             "orders": folder / "orders.csv"}
    files["products"].write_text("handle,title,sku,price,inventory_qty\n" + "".join(
        f"bench-{n},Bench product {n},SKU-{n},{5 + n % 50}.00,{n % 20}\n" for n in range(PRODUCTS)))
    files["customers"].write_text("email,first_name,city,country\n" + "".join(
        f"buyer{n}@example.com,Buyer {n},Portland,US\n" for n in range(CUSTOMERS)))
    files["orders"].write_text("number,customer_email,placed_at,currency,status,sku,quantity\n" + "".join(
        f"B{n},buyer{n % CUSTOMERS}@example.com,2026-0{1 + n % 9}-1{n % 10}T12:00:00Z,USD,paid,"
        f"SKU-{n % PRODUCTS},{1 + n % 3}\n" for n in range(orders)))
    return files


# -- the instance --------------------------------------------------------------------------------
def new_instance(database_url: str | None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="shopwright-bench-import-")) / "instance"
    folder.mkdir(parents=True)
    if database_url:
        (folder / "shopwright.toml").write_text(f'database_url = "{database_url}"\n')
    for args in (["db", "upgrade"], ["shop", "create", "bg"], ["shop", "create", "fg"]):
        cli(folder, *args)
    return folder


def fresh_postgres_database(server_url: str) -> str:
    from sqlalchemy import create_engine, text

    name = f"sw_bench_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))  # generated above, not input
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def cli(instance: Path, *args: str) -> str:
    env = {**os.environ, "SHOPWRIGHT_INSTANCE": str(instance)}
    done = subprocess.run([str(BIN / "shopwright"), *args], env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"shopwright {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout.strip()


def api_key(instance: Path, shop: str) -> str:
    scopes = [part for scope in SCOPES for part in ("--scope", scope)]
    return cli(instance, "apikey", "create", "--shop", shop, "--name", "bench", *scopes)


# -- the server ----------------------------------------------------------------------------------
class Server:
    def __init__(self, instance: Path, key: str):
        self.instance, self.key = instance, key  # the key of the shop that calls are made for
        self.base = f"http://127.0.0.1:{free_port()}"

    def __enter__(self) -> Server:
        env = {**os.environ, "SHOPWRIGHT_INSTANCE": str(self.instance),
               "SHOPWRIGHT_API_RATE_LIMIT": "100000000 per minute"}
        # A long worker timeout: the orders upload is one big request.
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--timeout", "600", "--bind", self.base[len("http://"):],
             "--log-level", "warning", "shopwright.host.wsgi:app"], env=env, cwd=ROOT)
        wait_until_up(self.base + "/healthz")
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(30)

    def call(self, method: str, path: str, data: bytes | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Authorization": f"Bearer {self.key}"})
        with urllib.request.urlopen(request, timeout=900) as response:
            return response.status, json.load(response)

    def import_file(self, kind: str, path: Path) -> int:
        status, body = self.call("POST", f"/api/v1/imports/{kind}?background=1&filename={path.name}",
                                 path.read_bytes())
        if status != 202:
            raise RuntimeError(f"import of {kind} answered {status}: {body}")
        return body["job"]["id"]

    def import_now(self, kind: str, path: Path) -> float:
        """The peer: a foreground import (the answer comes when it is done); its seconds."""
        started = time.perf_counter()
        status, body = self.call("POST", f"/api/v1/imports/{kind}?filename={path.name}", path.read_bytes())
        if status != 200:
            raise RuntimeError(f"foreground import of {kind} answered {status}: {body}")
        return time.perf_counter() - started

    def follow(self, job_id: int) -> tuple[dict, list[float], list[float]]:
        """Read the job until it ends: its last state, each read's time (ms), the progress seen."""
        times, progress = [], []
        while True:
            started = time.perf_counter()
            _, job = self.call("GET", f"/api/v1/jobs/{job_id}")
            times.append((time.perf_counter() - started) * 1000)
            if job["status"] in ("succeeded", "failed", "cancelled"):
                return job, times, progress
            if job["status"] == "running":
                progress.append(job["progress"])
            time.sleep(POLL_S)

    def idle_reads(self, job_id: int, count: int = 200) -> list[float]:
        times = []
        for _ in range(count):
            started = time.perf_counter()
            self.call("GET", f"/api/v1/jobs/{job_id}")
            times.append((time.perf_counter() - started) * 1000)
        return times


# -- one database ------------------------------------------------------------------------------
def measure(name: str, database_url: str | None, files: dict[str, Path]) -> dict:
    instance = new_instance(database_url)
    with Server(instance, api_key(instance, "fg")) as server:
        foreground = [server.import_now(kind, files[kind]) for kind in ("products", "customers", "orders")][-1]
        server.key = api_key(instance, "bg")
        for kind in ("products", "customers"):
            job, _, _ = server.follow(server.import_file(kind, files[kind]))
            if job["status"] != "succeeded":
                raise RuntimeError(f"{name}: the {kind} import {job['status']}: {job['error']}")
        idle = server.idle_reads(job["id"])
        started = time.perf_counter()
        job, reads, progress = server.follow(server.import_file("orders", files["orders"]))
        seconds = time.perf_counter() - started
    moved = len(set(progress)) > 1 and progress == sorted(progress)
    return {"db": name, "status": job["status"], "error": job["error"], "created": job["result"].get("created", 0),
            "background_s": seconds, "foreground_s": foreground, "progress_moved": moved,
            "progress_seen": len(set(progress)), "reads": len(reads), "read_p50_ms": percentile(reads, 50),
            "read_p99_ms": percentile(reads, 99), "read_max_ms": max(reads),
            "idle_p99_ms": percentile(idle, 99)}


def percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def report(results: list[dict], orders: int) -> None:
    print(f"{orders:,} orders in the background, the job read every {POLL_S * 1000:.0f} ms meanwhile")
    print(f"{'db':<9} {'status':<10} {'created':>8} {'bg s':>7} {'fg s':>7} {'moved':>6} {'values':>7} "
          f"{'reads':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'idle p99':>9}")
    for r in results:
        print(f"{r['db']:<9} {r['status']:<10} {r['created']:>8} {r['background_s']:>7.1f} {r['foreground_s']:>7.1f} "
              f"{'yes' if r['progress_moved'] else 'no':>6} {r['progress_seen']:>7} {r['reads']:>6} "
              f"{r['read_p50_ms']:>7.1f} {r['read_p99_ms']:>7.1f} {r['read_max_ms']:>7.1f} {r['idle_p99_ms']:>9.1f}")
        if r["status"] != "succeeded":
            print(f"  {r['db']} failed: {r['error']}")
    fields = [f"rows={orders}"]
    for r in results:
        d = r["db"]
        fields += [f"{d}_ok={int(r['status'] == 'succeeded')}", f"{d}_s={r['background_s']:.1f}",
                   f"{d}_foreground_s={r['foreground_s']:.1f}",
                   f"{d}_vs_foreground={r['background_s'] / r['foreground_s']:.2f}",
                   f"{d}_progress_moved={int(r['progress_moved'])}", f"{d}_read_p50_ms={r['read_p50_ms']:.1f}",
                   f"{d}_read_p99_ms={r['read_p99_ms']:.1f}", f"{d}_idle_read_p99_ms={r['idle_p99_ms']:.1f}"]
    print("RESULT import_background " + " ".join(fields))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("SHOPWRIGHT_TEST_POSTGRES"),
                        help="a PostgreSQL server URL (default: $SHOPWRIGHT_TEST_POSTGRES); SQLite only without")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shopwright-bench-files-") as folder:
        files = write_files(Path(folder), args.orders)
        results = [] if args.skip_sqlite else [measure("sqlite", None, files)]
        if args.postgres:
            results.append(measure("postgres", fresh_postgres_database(args.postgres), files))
    report(results, args.orders)
    if any(r["status"] != "succeeded" for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
