"""The llama.cpp peer of bench/descriptions.py, in a process of its own: llama-cpp-python loads
its own threads and native code, and a crash there must not take the benchmark down with it.

Reads a JSON list of {"system", "prompt", "max_tokens", "stop"} from the file named first, runs
them one after another (single stream) on the GGUF file named second, greedy, and prints one
JSON line: {"tokens": n, "seconds": s}.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    from llama_cpp import Llama

    requests = json.loads(open(sys.argv[1], encoding="utf-8").read())
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    llm = Llama(model_path=sys.argv[2], n_ctx=2048, n_threads=threads, verbose=False, seed=0)
    tokens, started = 0, time.perf_counter()
    for request in requests:
        messages = [{"role": "system", "content": request["system"]}] if request["system"] else []
        messages.append({"role": "user", "content": request["prompt"]})
        answer = llm.create_chat_completion(messages=messages, max_tokens=request["max_tokens"], temperature=0.0,
                                            stop=request["stop"] or None)
        tokens += answer["usage"]["completion_tokens"]
    print(json.dumps({"tokens": tokens, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
