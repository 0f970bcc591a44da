"""make bench-descriptions: the description writer on a real catalogue, with the embedded model.

Data: the commercetools B2C sample catalogue (117 products with human-written descriptions;
`make bench-data`). In one run, with SmolLM2-135M-Instruct (the embedded default):

- quality of the drafts the writer keeps: attribute recall (share of each record's attributes
  the draft mentions), unsupported claims before and after the checker, share of drafts within
  the length limits, ROUGE-L against the human description. Claims are counted by the writer's
  own extractor and by `independent_check` below, written for this benchmark only;
- throughput in generated tokens per second: the bulk path (every product's request through the
  runtime's dynamic batcher) against one-product-at-a-time `generate()` of the same model, and
  against llama.cpp (llama-cpp-python, single stream) on the same GGUF file where it is installed;
- cold start of the embedded model from its converted cache, in a fresh process.

Prints a table and `RESULT descriptions attr_recall=… unsupported_after=… tok_s_ratio_vs_single=…
tok_s_ratio_vs_llamacpp=…` (plus the other figures).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))  # the benchmark helpers beside this file; Shopwright is installed

import catalog_data  # noqa: E402
from quality import attribute_recall, independent_check, rouge_l  # noqa: E402

from shopwright.host.inference.batching import Batcher  # noqa: E402
from shopwright.host.inference.embedded import EmbeddedTextBackend, gguf_path  # noqa: E402
from shopwright.plugins.description_writer import writer  # noqa: E402
from shopwright.plugins.description_writer.grounding import Evidence, check_copy  # noqa: E402
from shopwright.plugins.description_writer.output import UnusableAnswer, parse_answer  # noqa: E402
from shopwright.plugins.description_writer.record import view  # noqa: E402
from shopwright.plugins.description_writer.settings import resolve  # noqa: E402

CACHE = ROOT / "bench" / "out" / "models"
SEO_TITLE, META_DESCRIPTION = 60, 160


class Recorded:
    """The batcher, remembering every answer: the writer's first round asks exactly the bulk
    requests, so the bulk generations are reused instead of generated twice."""

    def __init__(self, batcher: Batcher, first_round: dict):
        self.batcher = batcher
        self.first_round = first_round
        self.name, self.model = "embedded", batcher.backend.model

    def generate(self, requests):
        missing = [r for r in requests if r not in self.first_round]
        fresh = iter(self.batcher.generate(missing)) if missing else iter(())
        return [self.first_round[r] if r in self.first_round else next(fresh) for r in requests]


def cold_start_seconds() -> float:
    """Load the converted model in a new process, as a restarted server would."""
    code = ("import time, sys; t = time.perf_counter(); "
            "from shopwright.host.inference.embedded import EmbeddedTextBackend as E; "
            f"E.load({str(CACHE)!r}); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def tokens_per_second(generations, seconds: float) -> float:
    return sum(g.completion_tokens for g in generations) / seconds


def bulk(batcher: Batcher, requests) -> tuple[list, float]:
    started = time.perf_counter()
    generations = batcher.generate(requests)
    return generations, time.perf_counter() - started


def one_at_a_time(backend, requests) -> tuple[list, float]:
    started = time.perf_counter()
    generations = [backend.generate([request])[0] for request in requests]
    return generations, time.perf_counter() - started


def llamacpp(requests, threads: int) -> tuple[float | None, str]:
    """Single-stream llama.cpp tokens/s on the same GGUF file and prompts, in its own process;
    (None, why) where llama-cpp-python is missing or fails."""
    if importlib.util.find_spec("llama_cpp") is None:
        return None, "llama-cpp-python is not installed"
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as listing:
        json.dump([{"system": r.system, "prompt": r.prompt, "max_tokens": r.max_tokens, "stop": list(r.stop)}
                   for r in requests], listing)
    peer = subprocess.run([sys.executable, str(ROOT / "bench" / "llamacpp_peer.py"), listing.name,
                           str(gguf_path()), str(threads)], capture_output=True, text=True)
    Path(listing.name).unlink()
    if peer.returncode != 0:
        return None, f"llama.cpp exited with code {peer.returncode}"
    result = json.loads(peer.stdout.strip().splitlines()[-1])
    return result["tokens"] / result["seconds"], ""


def raw_unsupported(products, generations) -> tuple[int, int]:
    """(unsupported, checked) claims in the model's answers as they came, before any checking."""
    unsupported = checked = 0
    for product, generation in zip(products, generations, strict=True):
        record = view(product)
        try:
            copy = parse_answer(generation.text, record, generation.finish_reason)
        except UnusableAnswer:
            continue
        check = check_copy(copy, Evidence(record))
        unsupported += len(check.unsupported)
        checked += len(check.findings)
    return unsupported, checked


def kept_quality(products, drafts) -> dict:
    """Figures over the drafts a person could publish (no flags left): what reaches the shop."""
    by_id = {p["id"]: p for p in products}
    publishable = [d for d in drafts if d.ok and not d.flags]
    recalls, rouges, within, own, independent, claims = [], [], 0, 0, 0, 0
    for draft in publishable:
        product, content = by_id[draft.product_id], draft.content
        text = " ".join([_plain(content.get("description_html", "")), *content.get("highlights", [])])
        recalls.append(attribute_recall(product, text))
        rouges.append(rouge_l(text, product["reference"]))
        within += _within_limits(content)
        own += len(draft.check.unsupported)
        checked, missed = independent_check(product, text)
        claims += max(checked, len(draft.check.findings))
        independent += missed
    count = max(1, len(publishable))
    return {"drafts": len(drafts), "publishable": len(publishable), "flagged": sum(1 for d in drafts if d.flags),
            "failed": sum(1 for d in drafts if not d.ok), "attr_recall": sum(recalls) / count,
            "rouge_l": sum(rouges) / count, "length_ok": within / count,
            "unsupported_after": (own + independent) / max(1, claims), "claims": claims}


def _within_limits(content: dict) -> bool:
    words = len(_plain(content.get("description_html", "")).split())
    return (0 < len(content.get("seo_title", "")) <= SEO_TITLE
            and 0 < len(content.get("meta_description", "")) <= META_DESCRIPTION
            and 3 <= len(content.get("highlights", [])) <= 5 and words >= 25)


def _plain(html_text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html_text).split())


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, even into a file
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=0, help="use only the first N products (0: all)")
    parser.add_argument("--single", type=int, default=12, help="products generated one at a time for the ratio")
    parser.add_argument("--batch", type=int, default=32, help="the batcher's max_batch (the server default)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "descriptions.json")
    args = parser.parse_args()

    products = catalog_data.load_products()[: args.products or None]
    settings = resolve({})
    print(f"{len(products)} products from {catalog_data.PACKAGE}")
    started = time.perf_counter()
    backend = EmbeddedTextBackend.load(CACHE)
    print(f"embedded model ready in {time.perf_counter() - started:.1f} s (converting on the first run)")
    cold = cold_start_seconds()
    batcher = Batcher(backend, max_batch=args.batch)

    requests = writer.build_requests(products, settings, model=backend)
    generations, seconds = bulk(batcher, requests)
    bulk_rate = tokens_per_second(generations, seconds)
    print(f"bulk: {len(requests)} requests in {seconds:.0f} s, {bulk_rate:.1f} tok/s")
    before, before_checked = raw_unsupported(products, generations)

    drafts = writer.write_drafts(Recorded(batcher, dict(zip(requests, generations, strict=True))), products,
                                 settings).drafts
    quality = kept_quality(products, drafts)
    print(f"checked drafts: {quality['publishable']} publishable of {quality['drafts']}")

    sample = requests[: args.single]
    single_generations, single_seconds = one_at_a_time(backend, sample)
    single_rate = tokens_per_second(single_generations, single_seconds)
    print(f"one at a time: {len(sample)} requests, {single_rate:.1f} tok/s")
    llama_rate, llama_note = llamacpp(sample, args.threads)
    batcher.close()

    figures = {**quality, "unsupported_before": before / max(1, before_checked), "claims_before": before_checked,
               "bulk_tok_s": bulk_rate, "single_tok_s": single_rate,
               "llamacpp_tok_s": llama_rate, "llamacpp_note": llama_note,
               "cold_start_s": cold, "bulk_seconds": seconds, "batches": batcher.batches[:50]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2))
    _report(figures)


def _report(f: dict) -> None:
    print(f"drafts {f['drafts']}: publishable {f['publishable']}, flagged {f['flagged']}, failed {f['failed']}")
    print(f"claims checked: {f['claims_before']} in raw answers, {f['claims']} in publishable drafts")
    print(f"unsupported claims: before the checker {f['unsupported_before']:.3f}, "
          f"in publishable drafts {f['unsupported_after']:.3f}")
    print(f"attribute recall {f['attr_recall']:.3f}; within length limits {f['length_ok']:.3f}; "
          f"ROUGE-L {f['rouge_l']:.3f}")
    llama = f"{f['llamacpp_tok_s']:.1f}" if f["llamacpp_tok_s"] else f"none ({f['llamacpp_note']})"
    print(f"tokens/s: bulk {f['bulk_tok_s']:.1f}, one at a time {f['single_tok_s']:.1f}, llama.cpp {llama}")
    print(f"cold start from the converted cache: {f['cold_start_s']:.2f} s")
    vs_llama = f"{f['bulk_tok_s'] / f['llamacpp_tok_s']:.2f}" if f["llamacpp_tok_s"] else "n/a"
    print(f"RESULT descriptions attr_recall={f['attr_recall']:.3f} unsupported_after={f['unsupported_after']:.4f} "
          f"tok_s_ratio_vs_single={f['bulk_tok_s'] / f['single_tok_s']:.2f} tok_s_ratio_vs_llamacpp={vs_llama} "
          f"unsupported_before={f['unsupported_before']:.3f} length_ok={f['length_ok']:.3f} "
          f"rouge_l={f['rouge_l']:.3f} cold_start_s={f['cold_start_s']:.2f}")


if __name__ == "__main__":
    main()
