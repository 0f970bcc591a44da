"""make bench-host: the product API against /healthz on one gunicorn server (2 workers).

Both are driven from a second process on loopback, alternating in rounds, with the demo shop's
catalogue loaded. Prints a table and `RESULT host api_vs_healthz_rps=<ratio> p99_ms=<ms>`.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving import api_key, demo_instance, gunicorn, interleaved  # noqa: E402


def product_urls(base: str, key: str) -> list[str]:
    request = urllib.request.Request(f"{base}/api/v1/products?limit=50", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request) as response:
        products = json.load(response)["items"]
    singles = [f"{base}/api/v1/products/{p['id']}" for p in products[:40]]
    pages = [f"{base}/api/v1/products?limit=20&offset={n}" for n in (0, 20, 40, 60)]
    return singles + pages  # mostly single products, one page listing in eleven


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1500, help="requests per phase per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    instance = demo_instance()
    key = api_key(instance, "read:catalog")
    with gunicorn(instance) as base:
        auth = {"Authorization": f"Bearer {key}"}
        common = {"requests": args.requests, "concurrency": args.concurrency}
        results = interleaved({
            "healthz": {"urls": [f"{base}/healthz"], **common},
            "products": {"urls": product_urls(base, key), "headers": auth, **common},
        }, args.rounds)
    print(f"{'endpoint':<10} {'requests':>9} {'rps':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in results.items():
        print(f"{name:<10} {r['requests']:>9} {r['rps']:>9.1f} {r['p50_ms']:>8.2f} "
              f"{r['p99_ms']:>8.2f} {r['errors']:>7}")
    ratio = results["products"]["rps"] / results["healthz"]["rps"]
    errors = sum(r["errors"] for r in results.values())
    print(f"RESULT host api_vs_healthz_rps={ratio:.3f} p99_ms={results['products']['p99_ms']:.2f} errors={errors}")


if __name__ == "__main__":
    main()
