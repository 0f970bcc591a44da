"""An OpenAI-compatible chat endpoint: llama.cpp's server, vLLM, Ollama, or a hosted service.

Each request becomes one POST to `<base_url>/v1/chat/completions` (a base URL that already ends
in `/v1` is used as it is). The requests of one `generate` call are sent concurrently, up to
`concurrency` at a time, so a server that batches (vLLM, llama.cpp with several slots) shares
its forward passes between them. Stop strings are applied again to the answer, since not every
server honours them, and at most four are sent (the OpenAI limit).

Whatever goes wrong on the way (no connection, no answer in `timeout` seconds, a refused key,
an unknown model, a server error, an answer that is not a chat completion) becomes one
`BackendUnavailable` whose message says which, without the key or the prompt.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import requests as http

from shopwright.host.inference.backend import Generation, GenerationRequest, TextBackend
from shopwright.host.inference.errors import BackendUnavailable

log = logging.getLogger("shopwright.inference")

MAX_STOPS = 4
STATUS_HINTS = {
    401: "refused the API key",
    403: "refused the API key",
    404: "does not know this model or this address (check the URL and the model name)",
    429: "is rate-limiting this server; try again later",
}


class OpenAICompatBackend(TextBackend):
    name = "openai"

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout: float = 60.0, concurrency: int = 4):
        if not base_url.startswith(("http://", "https://")):
            raise BackendUnavailable(f"The endpoint URL {base_url!r} must start with http:// or https://.")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = float(timeout)
        self.concurrency = max(1, int(concurrency))
        self._session = http.Session()
        if api_key:
            self._session.headers["Authorization"] = f"Bearer {api_key}"

    @property
    def url(self) -> str:
        root = self.base_url if self.base_url.endswith("/v1") else f"{self.base_url}/v1"
        return f"{root}/chat/completions"

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        if len(requests) <= 1:
            return [self._one(request) for request in requests]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(requests))) as pool:
            return list(pool.map(self._one, requests))

    def close(self) -> None:
        self._session.close()

    # -- one request ---------------------------------------------------------------------
    def _one(self, request: GenerationRequest) -> Generation:
        answer = self._post(self._body(request))
        text, reason, usage = _parse(answer, self.url)
        text, reason = _cut_at_stop(text, reason, request.stop)
        prompt_tokens = _count(usage, "prompt_tokens", request.system + " " + request.prompt)
        return Generation(text=text, prompt_tokens=prompt_tokens,
                          completion_tokens=_count(usage, "completion_tokens", text), finish_reason=reason)

    def _body(self, request: GenerationRequest) -> dict:
        messages = [{"role": "system", "content": request.system}] if request.system else []
        messages.append({"role": "user", "content": request.prompt})
        body = {"model": self.model, "messages": messages, "max_tokens": request.max_tokens,
                "temperature": request.temperature, "top_p": request.top_p, "stream": False}
        stops = [stop for stop in request.stop if stop][:MAX_STOPS]
        if stops:
            body["stop"] = stops
        if request.seed is not None:
            body["seed"] = request.seed
        return body

    def _post(self, body: dict) -> dict:
        try:
            response = self._session.post(self.url, json=body, timeout=self.timeout)
        except http.Timeout as exc:
            raise BackendUnavailable(f"The model server at {self.base_url} did not answer within "
                                     f"{self.timeout:g} s.") from exc
        except http.RequestException as exc:
            raise BackendUnavailable(f"Could not reach the model server at {self.base_url}: "
                                     f"{type(exc).__name__}.") from exc
        if response.status_code >= 400:
            raise _status_error(response, self.base_url)
        try:
            return response.json()
        except ValueError as exc:
            raise BackendUnavailable(f"The model server at {self.base_url} answered with something that is not "
                                     "JSON; is this an OpenAI-compatible endpoint?", response.status_code) from exc


def _status_error(response: http.Response, base_url: str) -> BackendUnavailable:
    status = response.status_code
    hint = STATUS_HINTS.get(status) or ("had an internal error" if status >= 500 else "refused the request")
    detail = _server_message(response)
    log.warning("model server %s answered %s: %s", base_url, status, detail)
    return BackendUnavailable(f"The model server at {base_url} {hint} (HTTP {status})."
                              + (f" It said: {detail}" if detail else ""), status)


def _server_message(response: http.Response) -> str:
    """The server's own error text, short: OpenAI-style `{"error": {"message": ...}}` or plain."""
    try:
        data = response.json()
    except ValueError:
        return response.text.strip()[:200]
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return str(message or "")[:200]


def _parse(answer, url: str) -> tuple[str, str, dict]:
    try:
        choice = answer["choices"][0]
        text = choice["message"]["content"] or ""
        if not isinstance(text, str):
            raise TypeError("content is not text")
    except (KeyError, IndexError, TypeError) as exc:
        raise BackendUnavailable(f"The model server at {url} answered, but not with a chat completion "
                                 f"(no choices[0].message.content).") from exc
    reason = "length" if choice.get("finish_reason") == "length" else "stop"
    usage = answer.get("usage") if isinstance(answer.get("usage"), dict) else {}
    return text, reason, usage


def _cut_at_stop(text: str, reason: str, stop: Sequence[str]) -> tuple[str, str]:
    cuts = [text.find(s) for s in stop if s and s in text]
    return (text[: min(cuts)], "stop") if cuts else (text, reason)


def _count(usage: dict, key: str, text: str) -> int:
    """The server's token count; without one, an estimate of about four characters a token."""
    value = usage.get(key)
    if isinstance(value, int) and value >= 0:
        return value
    return max(1, len(text) // 4) if text.strip() else 0
