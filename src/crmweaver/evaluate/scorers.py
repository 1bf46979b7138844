"""Choosing a run's scorer: the rule-based extractor and judge, or a model through a model spec.

`--extractor llm:openai:gpt-4o` scores exact-match replies with scoring.LLMExtractor played by
that model (as CRMArena-Pro scores with gpt-4o); `--judge llm:SPEC` does the same for refusals.
A choice is a picklable factory, built once per worker like the agent's backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmweaver.agent.backend import Backend, InfraError
from crmweaver.agent.specs import make_backend
from crmweaver.errors import ConfigError
from crmweaver.scoring import Extractor, Judge, LLMExtractor, LLMJudge, ScorerError
from crmweaver.scoring.llm import Complete

RULES = "rules"
CHOICE_FORMS = "rules, or llm:SPEC with a model spec (llm:openai:MODEL with --base-url, llm:local, llm:local:PATH)"


def model_spec(choice: str) -> str | None:
    """The model spec of a choice (None for the rule-based scorer); a malformed choice is a ValueError."""
    value = choice.strip()
    if value.lower() == RULES:
        return None
    head, sep, spec = value.partition(":")
    kind, _, arg = spec.strip().partition(":")
    kind = kind.lower()
    if head.lower() == "llm" and sep and (kind == "local" or (kind == "openai" and arg.strip())):
        return spec.strip()
    raise ConfigError(f"unknown scorer {choice!r}; use {CHOICE_FORMS}")


def backend_complete(backend: Backend) -> Complete:
    """A backend as scoring's `complete`: messages in, reply text out; its failures are ScorerErrors."""

    def complete(messages: list[dict[str, str]]) -> str:
        try:
            gen = backend.generate(messages)
        except InfraError as e:
            raise ScorerError(str(e) or type(e).__name__) from e
        return gen.text or ""

    return complete


@dataclass(frozen=True)
class ScorerChoice:
    extractor: str = RULES
    judge: str = RULES
    base_url: str | None = None

    def __post_init__(self) -> None:
        model_spec(self.extractor)
        model_spec(self.judge)

    @property
    def is_rules(self) -> bool:
        return model_spec(self.extractor) is None and model_spec(self.judge) is None

    def label(self) -> dict[str, Any]:
        """What enters the run's options (and its work keys) when a model scores."""
        return {"extractor": self.extractor, "judge": self.judge}

    def __call__(self) -> tuple[Extractor | None, Judge | None]:
        cache: dict[str, Complete] = {}

        def complete_for(spec: str) -> Complete:
            if spec not in cache:  # one model serves both hooks when they name the same spec
                cache[spec] = backend_complete(make_backend(spec, base_url=self.base_url))
            return cache[spec]

        ex, jd = model_spec(self.extractor), model_spec(self.judge)
        return (LLMExtractor(complete_for(ex)) if ex else None, LLMJudge(complete_for(jd)) if jd else None)
