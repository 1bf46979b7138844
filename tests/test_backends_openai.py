"""The openai backend against a real OpenAI-compatible HTTP server on 127.0.0.1.

The server's behaviour is chosen by the first path segment of the base URL (`/ok/v1`,
`/flaky/v1`, ...), so one server covers answers, tool calls, retries, 401, 404 and hangs.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crmweaver.agent.backend import InfraError
from crmweaver.agent.loop import run_episode
from crmweaver.agent.openai_backend import OpenAIBackend
from crmweaver.agent.oracle import answer_text
from crmweaver.env.actions import TOOL_SCHEMAS
from crmweaver.env.episode import EnvConfig, Episode
from crmweaver.org.store import open_org
from crmweaver.tasks.synth import synthesize

pytest.importorskip("openai")

TRICKLE = 40  # bytes of the trickling server's body, one every 0.2 s: 8 s in all


class FakeServer:
    """A scriptable chat-completions endpoint; records every request it receives."""

    def __init__(self):
        self.requests: list[tuple[str, dict, dict]] = []  # (mode, headers, body)
        self.script: deque = deque()  # replies for mode "script": str or {"tool_calls": [...]}
        self.failures = 0  # mode "flaky": answers 500 while this is > 0
        self.release = threading.Event()  # mode "hang" waits on it
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                mode = self.path.strip("/").split("/")[0]
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                outer.requests.append((mode, {k.lower(): v for k, v in self.headers.items()}, body))
                if mode == "trickle":  # headers, then a body of TRICKLE spaces (not JSON), one every 0.2 s
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(TRICKLE))
                    self.end_headers()
                    try:
                        for _ in range(TRICKLE):
                            if outer.release.wait(0.2):
                                break
                            self.wfile.write(b" ")
                            self.wfile.flush()
                    except OSError:  # the client gave up and closed the connection
                        pass
                    return
                status, payload = outer.answer(mode, body)
                if status is None:  # hang: never answer (until the test ends)
                    outer.release.wait(30)
                    return
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.port}/{mode}/v1"

    def calls(self, mode: str) -> list[dict]:
        return [body for m, _, body in self.requests if m == mode]

    def answer(self, mode: str, body: dict):
        if mode == "ok":
            return 200, completion("<thought>Easy.</thought>\n<respond>42</respond>")
        if mode == "tools":
            call = {"id": "call_1", "type": "function", "function": {"name": "execute_soql", "arguments": '{"query": "SELECT Id FROM Case"}'}}
            return 200, completion(None, tool_calls=[call])
        if mode == "script":
            reply = self.script.popleft()
            if isinstance(reply, dict):
                return 200, completion(None, **reply)
            return 200, completion(reply)
        if mode == "flaky":
            if self.failures > 0:
                self.failures -= 1
                return 500, {"error": {"message": "upstream overloaded", "type": "server_error"}}
            return 200, completion("<respond>after retries</respond>")
        if mode == "ratelimit":
            return 429, {"error": {"message": "slow down"}}
        if mode == "auth":
            return 401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
        if mode == "nomodel":
            return 404, {"error": {"message": f"The model `{body.get('model')}` does not exist.", "type": "NotFoundError"}}
        if mode == "hang":
            return None, None
        if mode == "garbage":
            return 200, {"unexpected": True}
        return 404, {"error": {"message": "no such route"}}

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def completion(text, *, tool_calls=None, prompt_tokens=120, completion_tokens=7):
    message = {"role": "assistant", "content": text}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens},
    }


@pytest.fixture(scope="module")
def server():
    s = FakeServer()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _no_env_endpoint(monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def backend(url, **kw) -> OpenAIBackend:
    kw.setdefault("backoff_s", 0.01)
    kw.setdefault("timeout_s", 5)
    return OpenAIBackend(kw.pop("model", "fake-model"), base_url=url, **kw)


MESSAGES = [{"role": "system", "content": "You are a CRM agent."}, {"role": "user", "content": "What is 6 x 7?"}]


def test_text_reply_tokens_and_sampling(server):
    b = backend(server.url("ok"), temperature=0.3, max_tokens=64, seed=7)
    gen = b.generate(MESSAGES)
    assert gen.text.endswith("<respond>42</respond>")
    assert gen.tool_calls is None
    assert (gen.prompt_tokens, gen.completion_tokens) == (120, 7)
    assert gen.extra == {"finish_reason": "stop"}
    body = server.calls("ok")[-1]
    assert body["model"] == "fake-model" and body["messages"] == MESSAGES
    assert (body["temperature"], body["max_tokens"], body["seed"]) == (0.3, 64, 7)
    assert "tools" not in body
    headers = [h for m, h, _ in server.requests if m == "ok"][-1]
    assert headers.get("authorization") == "Bearer EMPTY"  # placeholder key for local servers


def test_default_sampling_is_greedy_and_key_from_env(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123")
    backend(server.url("ok")).generate(MESSAGES)
    mode, headers, body = server.requests[-1]
    assert body["temperature"] == 0 and "max_tokens" not in body and "seed" not in body
    assert headers.get("authorization") == "Bearer sk-test-123"


def test_tool_calls_in_openai_format(server):
    gen = backend(server.url("tools")).generate(MESSAGES, tools=TOOL_SCHEMAS)
    assert gen.text is None
    assert gen.tool_calls == [
        {"id": "call_1", "type": "function", "function": {"name": "execute_soql", "arguments": '{"query": "SELECT Id FROM Case"}'}}
    ]
    assert server.calls("tools")[-1]["tools"] == TOOL_SCHEMAS


def test_retries_on_500_then_succeeds(server):
    server.failures = 2
    before = len(server.calls("flaky"))
    b = backend(server.url("flaky"), max_retries=3)
    gen = b.generate(MESSAGES)
    assert gen.text == "<respond>after retries</respond>"
    assert len(server.calls("flaky")) - before == 3  # two 500s, then the answer
    assert b.retries == 2 and gen.extra["retries"] == 2


def test_500_beyond_max_retries_is_infra_error(server):
    server.failures = 5
    before = len(server.calls("flaky"))
    with pytest.raises(InfraError, match=r"HTTP 500 \(upstream overloaded\) \(after 2 attempts\)"):
        backend(server.url("flaky"), max_retries=1).generate(MESSAGES)
    assert len(server.calls("flaky")) - before == 2
    server.failures = 0


def test_429_is_retried(server):
    before = len(server.calls("ratelimit"))
    with pytest.raises(InfraError, match="429"):
        backend(server.url("ratelimit"), max_retries=2).generate(MESSAGES)
    assert len(server.calls("ratelimit")) - before == 3


def test_401_fails_at_once(server):
    before = len(server.calls("auth"))
    with pytest.raises(InfraError) as err:
        backend(server.url("auth"), max_retries=3).generate(MESSAGES)
    assert len(server.calls("auth")) - before == 1  # no retry
    assert "refused the API key" in str(err.value) and "OPENAI_API_KEY" in str(err.value)
    assert server.url("auth") in str(err.value)


def test_404_names_the_model(server):
    before = len(server.calls("nomodel"))
    with pytest.raises(InfraError, match=r"has no model 'qwen-404' .*check --model"):
        backend(server.url("nomodel"), model="qwen-404").generate(MESSAGES)
    assert len(server.calls("nomodel")) - before == 1


def test_hang_times_out_within_configured_time(server):
    """A server that never answers is given up on after the timeout, once per attempt. (Were the
    timeout ignored, the server's own 30 s wait would end in a dropped connection, another error.)"""
    before = len(server.calls("hang"))
    with pytest.raises(InfraError, match=r"did not answer within 0.5 s"):
        backend(server.url("hang"), timeout_s=0.5, max_retries=1).generate(MESSAGES)
    assert len(server.calls("hang")) - before == 2  # the first attempt and one retry


def test_trickling_server_times_out_per_request(server):
    """The timeout bounds the whole request, not each socket read: a byte every 0.2 s never tripped
    a per-read timeout (issue 17). Such a client would read the whole body (8 s of spaces) and fail
    on it as malformed JSON instead of giving up at 0.5 s."""
    with pytest.raises(InfraError, match=r"did not answer within 0.5 s — check that the server is up"):
        backend(server.url("trickle"), timeout_s=0.5, max_retries=0).generate(MESSAGES)


def test_unreachable_port_names_the_url():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(InfraError) as err:
        backend(url, max_retries=1).generate(MESSAGES)
    assert url in str(err.value) and "could not be reached" in str(err.value)


def test_malformed_reply_is_infra_error(server):
    with pytest.raises(InfraError, match="returned no choices|unusable reply"):
        backend(server.url("garbage"), max_retries=0).generate(MESSAGES)


def test_needs_a_base_url(monkeypatch):
    with pytest.raises(ValueError, match="--base-url"):
        OpenAIBackend("m")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert OpenAIBackend("m").base_url == "http://127.0.0.1:9/v1"


@pytest.fixture(scope="module")
def org_and_tasks(b2b_org_path):
    org = open_org(b2b_org_path)
    rows = synthesize(org, per_type=2, types=["handle_time"])
    yield org, rows
    org.close()


def test_full_react_episode_through_the_server(server, org_and_tasks):
    org, rows = org_and_tasks
    task = rows[0]
    steps = task.reference.steps
    for q in steps:
        server.script.append(f"<thought>Query.</thought>\n<execute>{q}</execute>")
    server.script.append(f"<thought>Done.</thought>\n<respond>{answer_text(task)}</respond>")
    before = len(server.calls("script"))
    result = run_episode(Episode(org, task, EnvConfig()), backend(server.url("script")))
    assert result.infra_error is None and result.termination == "respond"
    assert result.reward == 1.0
    assert result.turns == len(steps) + 1 and result.tool_calls == len(steps)
    assert (result.prompt_tokens, result.completion_tokens) == (120 * result.turns, 7 * result.turns)
    sent = server.calls("script")[before:]
    assert len(sent) == result.turns
    assert sent[-1]["messages"][0]["role"] == "system" and sent[-1]["messages"][1]["content"] == task.query
    assert sent[-1]["messages"][-1]["role"] == "user"  # the last observation went to the model


def test_full_tools_episode_through_the_server(server, org_and_tasks):
    org, rows = org_and_tasks
    task = rows[1]
    for i, q in enumerate(task.reference.steps):
        call = {"id": f"c{i}", "type": "function", "function": {"name": "execute_soql", "arguments": json.dumps({"query": q})}}
        server.script.append({"tool_calls": [call]})
    done = {"id": "cz", "type": "function", "function": {"name": "respond", "arguments": json.dumps({"content": answer_text(task)})}}
    server.script.append({"tool_calls": [done]})
    result = run_episode(Episode(org, task, EnvConfig(protocol="tools")), backend(server.url("script")))
    assert result.reward == 1.0 and result.termination == "respond"
    last = server.calls("script")[-1]
    assert last["tools"] == TOOL_SCHEMAS
    assert any(m["role"] == "tool" for m in last["messages"])


def test_infra_error_ends_episode_apart_from_agent_failure(server, org_and_tasks):
    org, rows = org_and_tasks
    result = run_episode(Episode(org, rows[0]), backend(server.url("auth")))
    assert result.termination == "infra_error" and result.reward == 0.0
    assert "refused the API key" in result.infra_error


# --- model specs -------------------------------------------------------------------------------


def test_spec_oracle_and_openai(monkeypatch):
    from crmweaver.agent.oracle import OracleBackend
    from crmweaver.agent.specs import make_backend

    assert isinstance(make_backend("oracle"), OracleBackend)
    b = make_backend("openai:Qwen/Qwen2.5-7B-Instruct", base_url="http://127.0.0.1:8000/v1", temperature=0.7, max_tokens=99, timeout_s=5, max_retries=1)
    assert isinstance(b, OpenAIBackend)
    assert (b.model, b.name, b.base_url) == ("Qwen/Qwen2.5-7B-Instruct", "openai:Qwen/Qwen2.5-7B-Instruct", "http://127.0.0.1:8000/v1")
    assert b.sampling == {"temperature": 0.7, "max_tokens": 99} and (b.timeout_s, b.max_retries) == (5, 1)
    assert make_backend("openai:llama3.2:1b", base_url="http://h/v1").model == "llama3.2:1b"  # Ollama tags keep their colon
    with pytest.raises(ValueError, match="--base-url"):
        make_backend("openai:gpt-4o")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
    assert make_backend("openai:gpt-4o").base_url == "https://api.openai.com/v1"


@pytest.mark.parametrize("spec", ["", "gpt-4o", "openai", "openai:", "oracle:x", "local:", "scripted:a", "vllm:m"])
def test_unknown_spec_names_the_valid_forms(spec):
    from crmweaver.agent.specs import make_backend

    with pytest.raises(ValueError, match=r"oracle, local, local:PATH .*openai:MODEL"):
        make_backend(spec)


def test_specs_import_no_torch():
    import subprocess
    import sys

    code = (
        "import sys; from crmweaver.agent.specs import make_backend; "
        "make_backend('oracle'); make_backend('openai:m', base_url='http://127.0.0.1:9/v1'); "
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
