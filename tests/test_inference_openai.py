"""The OpenAI-compatible backend against real HTTP servers on loopback: one that speaks the chat
API, one that never answers, one that answers garbage, and ones that refuse."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shopwright.host.inference import BackendUnavailable, GenerationRequest
from shopwright.host.inference.openai_compat import OpenAICompatBackend


class ChatServer:
    """A loopback server whose answer to each POST is `respond(path, body, headers)`:
    (status, content type, bytes), or None to hang until the server stops."""

    def __init__(self, respond):
        self.respond = respond
        self.seen: list[dict] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                server.seen.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                answer = server.respond(self.path, body)
                if answer is None:
                    server.stopping.wait(10)
                    return
                status, kind, payload = answer
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def completion(text: str, finish: str = "stop", usage: dict | None = None) -> tuple[int, str, bytes]:
    answer = {"id": "x", "object": "chat.completion", "model": "tiny",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}]}
    if usage is not None:
        answer["usage"] = usage
    return 200, "application/json", json.dumps(answer).encode()


@pytest.fixture
def serve():
    servers = []

    def start(respond):
        server = ChatServer(respond)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def echo(path, body):
    last = body["messages"][-1]["content"]
    return completion(f"You said: {last}", usage={"prompt_tokens": 11, "completion_tokens": 3})


def test_a_chat_completion_round_trip(serve):
    server = serve(echo)
    backend = OpenAICompatBackend(server.url, "tiny", api_key="sk-test", timeout=5)
    [answer] = backend.generate([GenerationRequest("hello", system="Be brief", max_tokens=20, temperature=0.5,
                                                   top_p=0.9, seed=7, stop=("\n",))])
    assert (answer.text, answer.prompt_tokens, answer.completion_tokens, answer.finish_reason) == (
        "You said: hello", 11, 3, "stop")
    seen = server.seen[0]
    assert seen["path"] == "/v1/chat/completions" and seen["auth"] == "Bearer sk-test"
    assert seen["body"]["messages"] == [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "hello"}]
    assert {k: seen["body"][k] for k in ("model", "max_tokens", "temperature", "top_p", "seed", "stop")} == {
        "model": "tiny", "max_tokens": 20, "temperature": 0.5, "top_p": 0.9, "seed": 7, "stop": ["\n"]}


def test_a_base_url_ending_in_v1_is_used_as_it_is(serve):
    server = serve(echo)
    OpenAICompatBackend(server.url + "/v1/", "tiny").complete("x")
    assert server.seen[0]["path"] == "/v1/chat/completions" and server.seen[0]["auth"] is None


def test_a_batch_is_sent_concurrently_and_answered_in_order(serve):
    def slow_echo(path, body):
        time.sleep(0.2)
        return echo(path, body)

    backend = OpenAICompatBackend(serve(slow_echo).url, "tiny", concurrency=4)
    started = time.perf_counter()
    answers = backend.generate([GenerationRequest(f"p{i}") for i in range(4)])
    assert [a.text for a in answers] == [f"You said: p{i}" for i in range(4)]
    assert time.perf_counter() - started < 0.7  # four at once, not one after another


def test_stop_strings_are_applied_even_when_the_server_ignores_them(serve):
    backend = OpenAICompatBackend(serve(lambda p, b: completion("Title: Mug\nBody: steel", "length")).url, "tiny")
    answer = backend.complete("x", stop=("\nBody",))
    assert (answer.text, answer.finish_reason) == ("Title: Mug", "stop")


def test_without_usage_the_token_counts_are_estimated(serve):
    answer = OpenAICompatBackend(serve(lambda p, b: completion("twelve chars", "length")).url, "t").complete("abcdefgh")
    assert answer.completion_tokens == 3 and answer.prompt_tokens >= 1 and answer.finish_reason == "length"


def test_a_server_that_hangs_is_a_timeout(serve):
    backend = OpenAICompatBackend(serve(lambda p, b: None).url, "tiny", timeout=0.3)
    with pytest.raises(BackendUnavailable, match="did not answer within 0.3 s"):
        backend.complete("hello")


def test_garbage_is_not_a_completion(serve):
    garbage = serve(lambda p, b: (200, "text/html", b"<html>not json</html>"))
    with pytest.raises(BackendUnavailable, match="not JSON"):
        OpenAICompatBackend(garbage.url, "tiny").complete("hello")
    wrong_shape = serve(lambda p, b: (200, "application/json", b'{"choices": []}'))
    with pytest.raises(BackendUnavailable, match="not with a chat completion"):
        OpenAICompatBackend(wrong_shape.url, "tiny").complete("hello")


@pytest.mark.parametrize("status, words", [
    (401, "refused the API key"), (404, "does not know this model"), (429, "rate-limiting"),
    (500, "internal error"), (400, "refused the request")])
def test_error_statuses_say_what_went_wrong_without_the_key(serve, status, words):
    payload = json.dumps({"error": {"message": "model 'tiny' not loaded"}}).encode()
    server = serve(lambda p, b: (status, "application/json", payload))
    with pytest.raises(BackendUnavailable, match=words) as raised:
        OpenAICompatBackend(server.url, "tiny", api_key="sk-secret-123").complete("hello")
    assert raised.value.status == status and "not loaded" in str(raised.value)
    assert "sk-secret" not in str(raised.value)


def test_nothing_listening_is_a_connection_error(serve):
    server = serve(echo)
    url = server.url
    server.stop()
    with pytest.raises(BackendUnavailable, match="Could not reach the model server"):
        OpenAICompatBackend(url, "tiny", timeout=2).complete("hello")


def test_a_url_must_be_http():
    with pytest.raises(BackendUnavailable, match="must start with http"):
        OpenAICompatBackend("localhost:8080", "tiny")
