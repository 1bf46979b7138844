"""Any OpenAI-compatible chat endpoint (vLLM, SGLang, Ollama, llama.cpp server, hosted APIs).

Retries follow openai-python's `_should_retry`: connection errors, timeouts, 408/409/429 and 5xx
are retried with exponential backoff; any other 4xx is the user's to fix, so it fails at once
with one sentence naming the fix. Whatever goes wrong leaves as an `InfraError` — never as an
`openai` exception — so the runner counts it apart from agent failures.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from typing import Any

from crmweaver.agent.backend import Generation, InfraError
from crmweaver.errors import ConfigError
from crmweaver.tasks.row import TaskRow

log = logging.getLogger(__name__)

PLACEHOLDER_KEY = "EMPTY"  # local servers (vLLM, Ollama, llama.cpp) accept any key
RETRY_STATUS = frozenset({408, 409, 429})
MAX_RETRY_AFTER_S = 60.0


def _should_retry(status: int) -> bool:
    return status in RETRY_STATUS or status >= 500


class OpenAIBackend:
    """Chat completions from `model` at `base_url`; the API key comes from OPENAI_API_KEY."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        seed: int | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        backoff_max_s: float = 8.0,
    ):
        base_url = base_url or os.environ.get("OPENAI_BASE_URL")
        if not base_url:
            raise ConfigError("the openai backend needs an endpoint: pass --base-url (e.g. http://localhost:8000/v1) or set OPENAI_BASE_URL")
        if max_retries < 0 or timeout_s <= 0:
            raise ConfigError("max_retries must be >= 0 and timeout_s > 0")
        self.model = model
        self.name = f"openai:{model}"
        self.base_url = base_url.rstrip("/")
        self.sampling: dict[str, Any] = {"temperature": temperature}
        if max_tokens is not None:
            self.sampling["max_tokens"] = max_tokens
        if seed is not None:
            self.sampling["seed"] = seed
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.retries = 0  # retries made over this backend's life (the runner may report it)
        self._api_key = api_key or os.environ.get("OPENAI_API_KEY") or PLACEHOLDER_KEY
        self._local = threading.local()  # one client per thread: a request past its deadline closes only its own

    def _get_client(self):
        client = getattr(self._local, "client", None)
        if client is None:
            import openai

            # The client's own retries are off: this class decides what deserves one.
            client = self._local.client = openai.OpenAI(api_key=self._api_key, base_url=self.base_url,
                                                        timeout=self.timeout_s, max_retries=0)
        return client

    def _create(self, kwargs: dict[str, Any]) -> Any:
        """One request under a deadline for the whole of it. The client's timeout bounds each socket
        read, so a server trickling a byte now and then would never time out: past the deadline a
        timer closes this thread's client, which ends the read."""
        client = self._get_client()
        expired = threading.Event()

        def expire() -> None:  # runs in the timer's thread
            expired.set()
            client.close()

        timer = threading.Timer(self.timeout_s, expire)
        timer.daemon = True
        timer.start()
        try:
            return client.chat.completions.create(**kwargs)
        except Exception:
            if expired.is_set():
                raise _Deadline() from None
            raise
        finally:
            timer.cancel()
            if expired.is_set():  # closed: the next request opens a new client
                self._local.client = None

    def generate(self, messages: list[dict[str, Any]], *, tools: list[dict] | None = None, task: TaskRow | None = None) -> Generation:
        import openai

        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, **self.sampling}
        if tools:
            kwargs["tools"] = tools
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            try:
                response = self._create(kwargs)
                return self._generation(response, retries=attempt)
            except openai.APIStatusError as e:
                if not _should_retry(e.status_code):
                    raise InfraError(self._status_message(e)) from None
                last = f"kept failing with HTTP {e.status_code} ({_server_message(e)})"
                delay = _retry_after(e)
            except (openai.APITimeoutError, _Deadline):
                last = f"did not answer within {self.timeout_s:g} s — check that the server is up and not overloaded"
                delay = None
            except openai.APIConnectionError as e:
                last = f"could not be reached ({_cause(e)}) — is the server running?"
                delay = None
            except InfraError:
                raise
            except Exception as e:  # a malformed reply, a bad argument: never let it escape raw
                raise InfraError(f"the endpoint at {self.base_url} gave an unusable reply ({type(e).__name__}: {e})") from None
            if attempt + 1 < attempts:
                self.retries += 1
                wait = delay if delay is not None else self._backoff(attempt)
                log.info("retrying %s in %.2f s (attempt %d of %d): %s", self.base_url, wait, attempt + 2, attempts, last)
                time.sleep(wait)
        raise InfraError(f"the endpoint at {self.base_url} {last} (after {attempts} attempt{'s' if attempts > 1 else ''})")

    def _backoff(self, attempt: int) -> float:
        """Exponential, capped, with jitter so concurrent episodes don't retry in lockstep."""
        return min(self.backoff_max_s, self.backoff_s * 2**attempt) * (1 - 0.25 * random.random())

    def _status_message(self, e: Any) -> str:
        status, url = e.status_code, self.base_url
        if status in (401, 403):
            return f"the endpoint at {url} refused the API key (HTTP {status}) — set OPENAI_API_KEY"
        if status == 404:
            return f"the endpoint at {url} has no model '{self.model}' (HTTP 404: {_server_message(e)}) — check --model and that --base-url ends in /v1"
        return f"the endpoint at {url} rejected the request (HTTP {status}: {_server_message(e)})"

    def _generation(self, response: Any, *, retries: int) -> Generation:
        if not getattr(response, "choices", None):
            raise InfraError(f"the endpoint at {self.base_url} returned no choices")
        choice = response.choices[0]
        message = choice.message
        tool_calls = None
        if message.tool_calls:
            tool_calls = [
                {"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments or "{}"}}
                for c in message.tool_calls
                if getattr(c, "function", None) is not None
            ] or None
        usage = response.usage
        extra: dict[str, Any] = {"finish_reason": choice.finish_reason}
        if retries:
            extra["retries"] = retries
        return Generation(
            text=message.content,
            tool_calls=tool_calls,
            prompt_tokens=(usage.prompt_tokens or 0) if usage else 0,
            completion_tokens=(usage.completion_tokens or 0) if usage else 0,
            extra=extra,
        )


class _Deadline(Exception):
    """A request ran past the backend's timeout_s (however slowly its bytes kept coming)."""


def _server_message(e: Any) -> str:
    """The server's own error text, short: `{"error": {"message": ...}}` or the raw body."""
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        msg = inner.get("message") if isinstance(inner, dict) else inner
        if msg:
            return str(msg)[:300]
    return (str(getattr(e, "message", "") or e) or "no details")[:300]


def _retry_after(e: Any) -> float | None:
    """The server's Retry-After (seconds), when it gives a sane one."""
    try:
        value = float(e.response.headers.get("retry-after", ""))
    except (AttributeError, TypeError, ValueError):
        return None
    return value if 0 <= value <= MAX_RETRY_AFTER_S else None


def _cause(e: BaseException) -> str:
    """The innermost reason (e.g. 'Connection refused'), not the client's generic wrapper."""
    while e.__cause__ is not None:
        e = e.__cause__
    return str(e) or type(e).__name__
