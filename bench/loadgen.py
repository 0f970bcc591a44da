"""A small HTTP load generator, run as its own process so the server's CPU time is its own.

Usage: python bench/loadgen.py URL_JSON  where the JSON is {"urls": [...], "requests": n,
"concurrency": c, "headers": {...}}; prints one JSON line with rps, p50_ms, p99_ms, errors.
Each request opens a new connection, as gunicorn's sync workers close it after each response.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def drive(urls: list[str], requests: int, concurrency: int, headers: dict[str, str]) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker() -> None:
        for i in counter:
            url = urlsplit(urls[i % len(urls)])
            began = time.perf_counter()
            ok = _get(url, headers)
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors[0],
    }


def _get(url, headers: dict[str, str]) -> bool:
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request("GET", url.path + (f"?{url.query}" if url.query else ""), headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        connection.close()


if __name__ == "__main__":
    spec = json.loads(sys.argv[1])
    print(json.dumps(drive(spec["urls"], spec["requests"], spec["concurrency"], spec.get("headers", {}))))
