"""Model specs: one string on the command line names a backend.

    oracle          replay each task's reference trajectory (scores 100 %)
    local           the bundled SmolLM2-135M-Instruct (crmweaver[local])
    local:PATH      a GGUF file or a Hugging Face model directory, in process
    openai:MODEL    MODEL at an OpenAI-compatible endpoint (--base-url or OPENAI_BASE_URL)

Backends are imported only when their spec is used, so `oracle` and `openai` never touch torch.
"""

from __future__ import annotations

from crmweaver.agent.backend import Backend
from crmweaver.agent.local import DEFAULT_MAX_NEW_TOKENS, LocalBackend
from crmweaver.agent.openai_backend import OpenAIBackend
from crmweaver.agent.oracle import OracleBackend
from crmweaver.errors import ConfigError

SPEC_FORMS = "oracle, local, local:PATH (a .gguf file or a model directory), openai:MODEL (with --base-url)"


def make_backend(
    spec: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    temperature: float = 0.0,
    max_tokens: int | None = None,
    seed: int | None = None,
    timeout_s: float = 60.0,
    max_retries: int = 3,
) -> Backend:
    """The backend a spec names; a malformed spec is a ValueError listing the valid forms."""
    kind, sep, arg = spec.strip().partition(":")
    kind = kind.lower()
    if kind == "oracle" and not sep:
        return OracleBackend()
    if kind == "local" and (not sep or arg.strip()):
        return LocalBackend(
            arg.strip() or None,
            temperature=temperature,
            max_new_tokens=max_tokens or DEFAULT_MAX_NEW_TOKENS,
            seed=seed or 0,
        )
    if kind == "openai" and arg.strip():
        return OpenAIBackend(
            arg.strip(),
            base_url=base_url,
            api_key=api_key,
            temperature=temperature,
            max_tokens=max_tokens,
            seed=seed,
            timeout_s=timeout_s,
            max_retries=max_retries,
        )
    raise ConfigError(f"unknown model spec {spec!r}; use one of: {SPEC_FORMS}")
