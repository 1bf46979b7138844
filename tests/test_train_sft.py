"""SFT end to end at cpu-smoke scale (a random tiny Llama with SmolLM2's tokenizer), and the CPU
shortcuts of the loss (shared-prefix cache, detached context, sparse logits) checked against a
plain forward. Skipped without crmweaver[local] and the bundled model (its tokenizer is used)."""

from __future__ import annotations

import dataclasses
import math

import pytest
from bundled_model import require_bundled_model

require_bundled_model()
torch = pytest.importorskip("torch")

from crmweaver.agent.specs import make_backend  # noqa: E402
from crmweaver.org.store import open_org  # noqa: E402
from crmweaver.tasks.synth import synthesize  # noqa: E402
from crmweaver.train.data import Example, render_episode  # noqa: E402
from crmweaver.train.models import load_policy, load_tokenizer, tiny_model  # noqa: E402
from crmweaver.train.presets import PRESETS, SFTConfig, get_preset  # noqa: E402
from crmweaver.train.sft import Trajectory, build_examples, masked_lm_loss, run_sft, teacher_trajectories  # noqa: E402

TYPES = ["handle_time", "knowledge_qa", "lead_qualification", "transfer_count"]


@pytest.fixture(scope="module")
def tasks(b2b_org_path):
    with open_org(b2b_org_path) as org:
        return synthesize(org, per_type=1, types=TYPES)


@pytest.fixture(scope="module")
def smoke(b2b_org_path, tasks, tmp_path_factory):
    out = tmp_path_factory.mktemp("sft") / "ckpt"
    config = dataclasses.replace(get_preset("cpu-smoke").sft, max_steps=2)
    return run_sft(b2b_org_path, tasks, "tiny", out, config, progress_bar=False), out


def test_smoke_sft_trains_every_parameter_and_saves(smoke):
    result, out = smoke
    assert result.steps == 2 and result.teacher_successes == result.teacher_episodes == len(TYPES)
    assert result.losses and all(math.isfinite(x) for x in result.losses)
    assert 0 < result.trained_tokens and result.examples == len(TYPES)
    trained, tok = load_policy(str(out))
    init = tiny_model(tok)  # same seed: the weights SFT started from
    before = dict(init.named_parameters())
    for name, param in trained.named_parameters():  # TRL's check: every trained parameter moved
        assert not torch.equal(param, before[name]), f"{name} did not change"
    assert (out / "sft_log.jsonl").is_file() and (out / "sft.json").is_file()


def test_checkpoint_runs_in_the_local_backend(smoke):
    _, out = smoke
    backend = make_backend(f"local:{out}", max_tokens=8)
    gen = backend.generate([{"role": "system", "content": "Answer."}, {"role": "user", "content": "Hi"}])
    assert isinstance(gen.text, str) and 0 < len(gen.extra["completion_ids"]) <= 8


def test_cpu_loss_shortcuts_equal_the_plain_loss(b2b_org_path, tasks, tmp_path):
    """Prefix cache and detached context change the backward pass, never the loss value."""
    from transformers import DynamicCache

    trajs, _ = teacher_trajectories(b2b_org_path, tasks[:2], "oracle", out_dir=tmp_path)
    tok = load_tokenizer("tiny")
    model = tiny_model(tok)
    ids, mask = render_episode(tok, trajs[0].messages)
    ex = Example(ids, mask)
    x, y = torch.tensor(ids), torch.tensor(ex.labels())
    with torch.no_grad():
        full = model(input_ids=x[None]).logits[0, :-1].float()
        want = torch.nn.functional.cross_entropy(full, y[1:], ignore_index=-100, reduction="sum").item()
        start = mask.index(1) - 7
        for detach in (False, True):
            for cached in (False, True):
                cache = None
                if cached:
                    cache = DynamicCache()
                    model(input_ids=x[None, :start], cache=cache, use_cache=True)
                got, n = masked_lm_loss(model, x, y, cache=cache, start=start if cached else 0, detach_context=detach)
                assert n == sum(mask)
                assert got.item() == pytest.approx(want, rel=1e-4), (detach, cached)


def test_long_episodes_are_cut_at_an_assistant_turn(b2b_org_path, tasks, tmp_path):
    trajs, _ = teacher_trajectories(b2b_org_path, tasks, "oracle", out_dir=tmp_path)
    tok = load_tokenizer("tiny")
    longest = max(trajs, key=lambda t: len(t.messages))
    ids, mask = render_episode(tok, longest.messages)
    limit = len(ids) - 5
    (ex,), cut = build_examples(tok, [longest], max_length=limit)
    assert cut == 1 and len(ex.input_ids) <= limit and ex.loss_mask[-1] == 1  # ends on an assistant's end-of-turn
    assert ex.input_ids == ids[: len(ex.input_ids)] and sum(ex.loss_mask) < sum(mask)
    assert build_examples(tok, [Trajectory(None, None, longest.messages, 1.0)], max_length=100)[0] == []


def test_lora_is_merged_on_save(b2b_org_path, tasks, tmp_path):
    pytest.importorskip("peft")
    config = dataclasses.replace(PRESETS["cpu-smoke"].sft, lora=True, max_steps=1, grad_accum=1, lr=1e-2)
    result = run_sft(b2b_org_path, tasks[:1], "tiny", tmp_path / "lora", config, progress_bar=False)
    assert result.lora
    trained, tok = load_policy(str(tmp_path / "lora"))
    names = [n for n, _ in trained.named_parameters()]
    assert not any("lora" in n for n in names)  # merged: a plain model the local backend loads
    before = dict(tiny_model(tok).named_parameters())
    assert any(not torch.equal(p, before[n]) for n, p in trained.named_parameters() if "proj" in n)


def test_config_validation_says_how_to_fix():
    with pytest.raises(ValueError, match="learning rate"):
        SFTConfig(lr=3)
    with pytest.raises(ValueError, match="max_length"):
        SFTConfig(max_length=10)
    with pytest.raises(ValueError, match="unknown preset"):
        get_preset("huge")
    assert SFTConfig().use_lora(135_000_000) is False and SFTConfig().use_lora(1_500_000_000) is True
    assert get_preset("gpu").model is None and get_preset("cpu-smoke").model == "tiny"
