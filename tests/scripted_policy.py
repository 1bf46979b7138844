"""A scripted policy, in process and behind a real OpenAI-compatible HTTP endpoint on 127.0.0.1.

`oracle` replays each task's reference queries then gives the gold answer (agent.oracle);
`wrong` does the same but answers something no task accepts (a non-refusal, a fake Id). Every
adapter test drives its framework with this one policy, so rewards compare across frameworks.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from crmweaver.agent.backend import Generation
from crmweaver.agent.oracle import OracleBackend
from crmweaver.tasks.row import TaskRow

WRONG = "Here it is: 001Wt00000NotRealAAA"


def act(mode: str, task: TaskRow, messages: list[dict[str, Any]], tools: list | None = None) -> Generation:
    """The policy's next turn (`mode`: oracle or wrong)."""
    gen = OracleBackend().generate(messages, tools=tools, task=task)
    if mode == "oracle":
        return gen
    if gen.tool_calls and gen.tool_calls[0]["function"]["name"] == "respond":
        call = dict(gen.tool_calls[0], function={"name": "respond", "arguments": json.dumps({"content": WRONG})})
        return Generation(None, tool_calls=[call])
    if gen.text and "<respond>" in gen.text:
        return Generation(f"<thought>Guess.</thought>\n<respond>{WRONG}</respond>")
    return gen


def task_of(tasks: list[TaskRow], messages: list[dict[str, Any]]) -> TaskRow:
    """The task whose request the conversation holds."""
    said = "\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "user")
    return next(t for t in sorted(tasks, key=lambda t: -len(t.query)) if t.query in said)


class PolicyServer:
    """POST /{mode}/v1/chat/completions answers as `act(mode, ...)` would."""

    def __init__(self, tasks: list[TaskRow]):
        self.tasks = tasks
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                mode = self.path.strip("/").split("/")[0]
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                messages = [_plain(m) for m in body.get("messages", [])]
                gen = act(mode, task_of(outer.tasks, messages), messages, body.get("tools"))
                message: dict[str, Any] = {"role": "assistant", "content": gen.text}
                if gen.tool_calls:
                    message["tool_calls"] = gen.tool_calls
                data = json.dumps({
                    "id": "chatcmpl-scripted", "object": "chat.completion", "created": 0, "model": body.get("model", "scripted"),
                    "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if gen.tool_calls else "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{mode}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _plain(message: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    if isinstance(content, list):
        message = dict(message, content="".join(b.get("text", "") for b in content if isinstance(b, dict)))
    return message
