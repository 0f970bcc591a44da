"""make bench-widgets: what widgets cost a storefront page, and how fast one widget's fragment is.

One gunicorn server (2 workers) on the demo shop; load from a second process on loopback.
- page_with_vs_without: product pages with three widgets showing (bestsellers.top, ratings.stars
  and the example package's low_stock.badge) against the same pages with every plugin disabled.
  The plugins are switched between rounds through the CLI, so both phases run on one server.
- fragment_vs_healthz: the HTML fragment endpoint of bestsellers.top (for each of the 40
  products in turn) against /healthz.
- embed_js_bytes: the embed script, gzipped.

Rendered widgets are reused as in production (see host/widgets.py); `--no-reuse` measures every
widget rendered on every request. Prints a table and
`RESULT widgets page_with_vs_without=<ratio> fragment_vs_healthz=<ratio> embed_js_bytes=<n>`.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving import BIN, ROOT, demo_instance, gunicorn, load, merge  # noqa: E402

EXAMPLE = ROOT / "examples" / "shopwright-low-stock"
PLUGINS = ("bestsellers", "ratings", "low_stock")
WIDGETS = ("bestsellers.top", "ratings.stars", "low_stock.badge")
EMBED_JS = ROOT / "host" / "embed" / "static" / "embed.js"


def with_example_plugin() -> None:
    """The example plugin runs from its source folder, as a module named in the config, so the
    benchmark needs no install into the environment."""
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(EXAMPLE), os.environ.get("PYTHONPATH")]))
    os.environ["SHOPWRIGHT_EXTRA_PLUGINS"] = "shopwright_low_stock"


def cli(instance: Path, *args: str) -> str:
    env = {**os.environ, "SHOPWRIGHT_INSTANCE": str(instance)}
    return subprocess.run([str(BIN / "shopwright"), *args], env=env, check=True, capture_output=True,
                          text=True).stdout


def switch_plugins(instance: Path, on: bool) -> None:
    for name in PLUGINS:
        cli(instance, "plugins", "enable" if on else "disable", name, "--shop", "demo")


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def product_pages(base: str) -> list[str]:
    """Product pages of the demo shop, taken from its category listings."""
    home = fetch(f"{base}/shop/demo/")
    categories = sorted(set(re.findall(r'href="(/shop/demo/c/[^"?#]+)"', home)))[:4]
    handles: list[str] = []
    for category in categories:
        handles += re.findall(r'href="/shop/demo/p/([^"?#]+)"', fetch(base + category))
    return [f"{base}/shop/demo/p/{h}" for h in dict.fromkeys(handles)][:40]


def widgets_showing(page_html: str) -> list[str]:
    return [w for w in WIDGETS if f'data-sw-widget="{w}"' in page_html]


def run(args) -> dict[str, dict]:
    with_example_plugin()
    instance = demo_instance()
    # Low stock everywhere it is checked: the badge shows on every page with stock at or under this.
    switch_plugins(instance, on=True)
    cli(instance, "plugins", "settings", "low_stock", "--shop", "demo", "--set", "threshold=1000")
    results: dict[str, list[dict]] = {"page_with": [], "page_without": [], "fragment": [], "healthz": []}
    with gunicorn(instance) as base:
        pages = product_pages(base)
        showing = {w for url in pages for w in widgets_showing(fetch(url))}
        print(f"{len(pages)} product pages; widgets showing with plugins on: {', '.join(sorted(showing))}")
        fragments = [f"{base}/embed/demo/widgets/bestsellers.top.html?product={pid}&limit=4"
                     for pid in _product_ids(pages)]
        common = {"requests": args.requests, "concurrency": args.concurrency}
        for _ in range(args.rounds):
            switch_plugins(instance, on=True)
            results["page_with"].append(load(pages, **common))
            results["fragment"].append(load(fragments, **common))
            results["healthz"].append(load([f"{base}/healthz"], **common))
            switch_plugins(instance, on=False)
            assert not any(widgets_showing(fetch(url)) for url in pages[:3]), "widgets still shown when disabled"
            results["page_without"].append(load(pages, **common))
    return {name: merge(runs) for name, runs in results.items()}


def _product_ids(pages: list[str]) -> list[str]:
    """The id of each product page's product: one fragment per product, as a listing would ask."""
    ids = [re.search(r'data-sw-view-product="(\d+)"', fetch(url)) for url in pages]
    return [found.group(1) for found in ids if found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=800, help="requests per phase per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--no-reuse", action="store_true",
                        help="render every widget on every request (WIDGET_REUSE off), to see its raw cost")
    args = parser.parse_args()
    if args.no_reuse:
        os.environ["SHOPWRIGHT_WIDGET_REUSE"] = "0"
    results = run(args)
    print(f"{'phase':<13} {'requests':>9} {'rps':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in results.items():
        print(f"{name:<13} {r['requests']:>9} {r['rps']:>9.1f} {r['p50_ms']:>8.2f} "
              f"{r['p99_ms']:>8.2f} {r['errors']:>7}")
    page_ratio = results["page_with"]["rps"] / results["page_without"]["rps"]
    fragment_ratio = results["fragment"]["rps"] / results["healthz"]["rps"]
    embed_bytes = len(gzip.compress(EMBED_JS.read_bytes(), 9))
    errors = sum(r["errors"] for r in results.values())
    print(f"RESULT widgets page_with_vs_without={page_ratio:.3f} fragment_vs_healthz={fragment_ratio:.3f} "
          f"embed_js_bytes={embed_bytes} errors={errors}")


if __name__ == "__main__":
    main()
