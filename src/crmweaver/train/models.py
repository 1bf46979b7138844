"""Trainable policies: load a model + tokenizer for SFT/RL, and save a checkpoint `local:DIR` evaluates.

Three sources, one function:

    local | local:FILE.gguf   the bundled SmolLM2-135M-Instruct GGUF (or another GGUF file), dequantised
                             by transformers into a float torch model, i.e. the same weights the `local`
                             backend runs, now trainable
    PATH | local:PATH        a Hugging Face model directory (config.json + weights + tokenizer), e.g. a
                             checkpoint written by `save_checkpoint`
    tiny                     a RANDOM tiny Llama (2 layers, hidden 64, seeded init) with SmolLM2's real
                             tokenizer and chat template: for CI and smoke tests only. It produces
                             gibberish; what it proves is that the pipeline runs, masks and saves.

Nothing here downloads: every path is a file on disk (`local_files_only=True`).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
from pathlib import Path
from typing import Any

from crmweaver.agent.local import bundled_model_path, require_extra
from crmweaver.errors import CrmweaverError

TINY = "tiny"
TINY_SEED = 0
# Small enough that a forward+backward over a 12k-token episode takes well under a second on 2 cores;
# the long context is there because one episode's system prompt (the org schema) is ~4.5k tokens.
TINY_CONFIG: dict[str, Any] = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 32768,
    "rope_theta": 100000.0,
    "tie_word_embeddings": True,
}
CHECKPOINT_META = "crmweaver_train.json"


class ModelLoadError(CrmweaverError):
    """No model where the spec points, or a model without what training needs (a chat template)."""


def resolve(spec_or_path: str) -> Path | str:
    """`tiny`, or the file/directory a spec names (`local` is the bundled GGUF)."""
    spec = spec_or_path.strip()
    if spec.lower() == TINY:
        return TINY
    if spec.lower() == "local":
        return bundled_model_path()
    if spec.lower().startswith("local:"):
        spec = spec[len("local:"):].strip()
    path = Path(spec).expanduser()
    if path.is_file() and path.suffix.lower() == ".gguf":
        return path
    if path.is_dir() and (path / "config.json").is_file():
        return path
    raise ModelLoadError(f"no model at {spec!r}: give local (the bundled SmolLM2), tiny (CI), a .gguf file or a Hugging Face model directory with config.json")


def load_tokenizer(spec_or_path: str) -> Any:
    """The tokenizer alone (cheap for GGUF: no weights are dequantised); `tiny` uses SmolLM2's."""
    require_extra()
    from transformers import AutoTokenizer

    where = resolve(spec_or_path)
    if where == TINY:
        where = bundled_model_path()
    kwargs = {"gguf_file": where.name} if where.is_file() else {}
    with contextlib.redirect_stderr(io.StringIO()):
        tokenizer = AutoTokenizer.from_pretrained(str(where.parent if where.is_file() else where), local_files_only=True, **kwargs)
    if not getattr(tokenizer, "chat_template", None):
        raise ModelLoadError(f"the tokenizer of {spec_or_path} has no chat template; train an instruct/chat model")
    if tokenizer.pad_token_id is None:  # batching pads with it; labels mask the padding anyway
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_policy(spec_or_path: str, *, dtype: str = "float32") -> tuple[Any, Any]:
    """(model, tokenizer) on the CPU, in train mode. `dtype`: float32 (CPU), bfloat16 or float16 (GPU)."""
    require_extra()
    import torch
    from transformers import AutoModelForCausalLM

    torch_dtype = getattr(torch, dtype, None)
    if not isinstance(torch_dtype, torch.dtype):
        raise ModelLoadError(f"unknown dtype {dtype!r}; use float32, bfloat16 or float16")
    tokenizer = load_tokenizer(spec_or_path)
    where = resolve(spec_or_path)
    if where == TINY:
        model = tiny_model(tokenizer, dtype=torch_dtype)
    else:
        kwargs = {"gguf_file": where.name} if where.is_file() else {}
        try:
            with contextlib.redirect_stderr(io.StringIO()):  # the GGUF dequantiser's tqdm bar
                model = AutoModelForCausalLM.from_pretrained(
                    str(where.parent if where.is_file() else where), local_files_only=True, dtype=torch_dtype, **kwargs
                )
        except Exception as e:  # a corrupt file, an unsupported architecture
            raise ModelLoadError(f"could not load the model at {where} ({type(e).__name__}: {e})") from None
        if kwargs:
            _forget_gguf(model)
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    model.train()
    return model, tokenizer


def _forget_gguf(model: Any) -> None:
    """A GGUF file is dequantised into plain float tensors on load, but transformers still tags the
    model as quantized, and its Trainer then refuses to train it (and save_pretrained would write a
    GGUF quantization config). Drop the tag: the weights ARE float now."""
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config


def tiny_model(tokenizer: Any, *, dtype: Any = None, seed: int = TINY_SEED) -> Any:
    """A random 2-layer Llama over `tokenizer`'s vocabulary; the same seed gives the same weights."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        **TINY_CONFIG,
    )
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        model = LlamaForCausalLM(config)
    finally:
        torch.random.set_rng_state(state)  # building the model must not disturb the caller's seed
    return model.to(dtype) if dtype is not None else model


@functools.lru_cache(maxsize=1)
def bf16_is_faster(margin: float = 1.2) -> bool:
    """Whether bfloat16 matmuls of the policy's shapes beat float32 on this CPU by `margin`.

    It depends on the chip, not on the flags: with 2 threads, an AMD Zen 5 runs a 2048x576x1536
    matmul ~3.4x faster in bfloat16, an Intel Xeon with the same avx512_bf16 flag ~0.6x as fast.
    A 0.1 s probe decides, once per process."""
    import time

    import torch

    a, b = torch.randn(1024, 576), torch.randn(576, 1536)

    def rate(dtype: Any) -> float:
        x, y = a.to(dtype), b.to(dtype)
        for _ in range(2):
            x @ y
        start = time.perf_counter()
        for _ in range(6):
            x @ y
        return 6 / (time.perf_counter() - start)

    return rate(torch.bfloat16) >= margin * rate(torch.float32)


def use_bf16(flag: bool | None) -> bool:
    """A config's `bf16`: True/False as given; None picks it: on a GPU when it supports bfloat16,
    on a CPU when bfloat16 is faster there (bf16_is_faster)."""
    if flag is not None:
        return bool(flag)
    import torch

    if torch.cuda.is_available():
        return bool(torch.cuda.is_bf16_supported())
    return bf16_is_faster()


def count_parameters(model: Any, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def save_checkpoint(model: Any, tokenizer: Any, out_dir: str | Path, *, meta: dict[str, Any] | None = None) -> Path:
    """Write a Hugging Face directory (safetensors, config, tokenizer with its chat template) that
    `crmweaver eval --model local:OUT_DIR` and `load_policy(OUT_DIR)` load. LoRA adapters are merged
    into a copy of the weights first, so the checkpoint needs no peft to run."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    merged = model
    if hasattr(model, "merge_and_unload"):  # a peft model: fold the adapters into the base weights
        import copy

        merged = copy.deepcopy(model).merge_and_unload()
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Writing model shards" bar per save
    was_training = merged.training
    merged.eval()
    merged.config.use_cache = True  # the Trainer turns it off; generation wants it
    merged.save_pretrained(str(out))  # safetensors
    if was_training:
        merged.train()
    tokenizer.save_pretrained(str(out))
    if meta is not None:
        (out / CHECKPOINT_META).write_text(json.dumps(meta, indent=2, default=str) + "\n")
    return out
