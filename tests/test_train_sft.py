"""SFT end to end at cpu-smoke scale (a random tiny Llama with SmolLM2's tokenizer), and what makes
it fast checked against a plain forward: the shared prefix (loss value and gradient), sparse logits,
bfloat16 autocast. Skipped without crmweaver[local] and the bundled model (its tokenizer is used)."""

from __future__ import annotations

import dataclasses
import json
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
from crmweaver.train.sft import (  # noqa: E402
    PrefixBatches,
    Trajectory,
    build_examples,
    curve_checkpoint,
    example_prefixes,
    masked_lm_loss,
    run_sft,
    shared_prefix_backward,
    teacher_trajectories,
    unseen_answer_ids,
)

pytestmark = pytest.mark.slow  # trains models

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
    assert result.precision == "bf16"  # cpu-smoke forces bfloat16 autocast (the others take it where it is faster)
    trained, tok = load_policy(str(out))
    init = tiny_model(tok)  # same seed: the weights SFT started from
    before = dict(init.named_parameters())
    for name, param in trained.named_parameters():  # TRL's check: every trained parameter moved
        assert not torch.equal(param, before[name]), f"{name} did not change"
    assert (out / "sft_log.jsonl").is_file() and (out / "sft.json").is_file()
    assert result.curve == [2] and (curve_checkpoint(out, 2) / "config.json").is_file()  # the learning curve's point
    sft = get_preset("cpu-smoke").sft  # the curve's last x: at least one episode a step, at most full micro-batches
    assert result.steps <= result.episodes_seen <= result.steps * sft.batch_size * sft.grad_accum
    log = [json.loads(x) for x in (out / "sft_log.jsonl").read_text().splitlines()]
    assert 0 < log[0]["tokens"] < log[-1]["tokens"] == result.tokens_forwarded  # the throughput, step by step


def test_teacher_episodes_get_the_students_turn_budget(smoke, tasks):
    from crmweaver.env.episode import turn_budget

    result, out = smoke
    budget = max(len(t.reference.steps) for t in tasks) + 2
    assert result.teacher_max_turns == budget == turn_budget(tasks)
    records = [json.loads(x) for x in (out / "teacher" / "results.jsonl").read_text().splitlines()]
    assert all(r["turns"] <= budget for r in records)


def test_teacher_answers_the_dialogue_never_showed_are_found(b2b_org_path, tmp_path):
    """invalid_config's oracle names a knowledge article; with results cut at 1,500 characters (the CPU
    presets' cut) the article it names is often never shown, and training on such an episode teaches a
    student to invent Ids. Uncut, every answer is in the dialogue."""
    with open_org(b2b_org_path) as org:
        rows = [t for t in synthesize(org, per_type=8, seed=3, types=["invalid_config"]) if t.answer != [None]]
    found = {}
    for chars in (1500, 1_000_000):
        good, _ = teacher_trajectories(b2b_org_path, rows, "oracle", out_dir=tmp_path / str(chars), max_turns=8, schema="task",
                                       observation_chars=chars)
        found[chars] = [t for t in good if unseen_answer_ids(t.messages)]
    assert rows and found[1500] and not found[1_000_000]
    chat = [{"role": "user", "content": "Route case 500Wt0000000001IAA."},
            {"role": "assistant", "content": "<respond>500Wt0000000001IAA, not 005Wt0000000004IAA nor Recommendationsxyz</respond>"}]
    assert unseen_answer_ids(chat) == ["005Wt0000000004IAA"]


def test_checkpoint_runs_in_the_local_backend(smoke):
    _, out = smoke
    backend = make_backend(f"local:{out}", max_tokens=8)
    gen = backend.generate([{"role": "system", "content": "Answer."}, {"role": "user", "content": "Hi"}])
    assert isinstance(gen.text, str) and 0 < len(gen.extra["completion_ids"]) <= 8


def _two_episodes_sharing_a_prompt(b2b_org_path, tasks, tmp_path):
    trajs, _ = teacher_trajectories(b2b_org_path, tasks[:2], "oracle", out_dir=tmp_path)
    tok = load_tokenizer("tiny")
    ids, mask = render_episode(tok, trajs[0].messages)
    first = mask.index(1)
    other = ids[:first] + ids[first:][::-1][: len(ids) - first]  # the same prompt, another continuation
    return tok, [Example(ids, mask), Example(other, mask[: len(other)])], first


def _flat_grad(model):
    g = torch.cat([p.grad.flatten() if p.grad is not None else torch.zeros(p.numel()) for p in model.parameters()])
    model.zero_grad(set_to_none=True)
    return g


def test_shared_prefix_gives_the_plain_loss_and_its_gradient(b2b_org_path, tasks, tmp_path):
    """The prompt encoded once, every episode reading its keys/values: same loss, same gradient (the
    old no-grad prefix kept the loss and lost the gradient through those keys/values)."""
    tok, examples, first = _two_episodes_sharing_a_prompt(b2b_org_path, tasks, tmp_path)
    model = tiny_model(tok)
    rows = [(torch.tensor(ex.input_ids), torch.tensor(ex.labels())) for ex in examples]
    denom = float(sum(ex.trained_tokens for ex in examples))
    want = 0.0
    for x, y in rows:
        with torch.no_grad():
            full = model(input_ids=x[None]).logits[0, :-1].float()
        want += torch.nn.functional.cross_entropy(full, y[1:], ignore_index=-100, reduction="sum").item()
        loss, n = masked_lm_loss(model, x, y)
        (loss / denom).backward()
    plain = _flat_grad(model)
    prefix = example_prefixes(examples, SFTConfig())
    assert prefix == [first - 1, first - 1]  # the whole prompt but the position predicting the first trained token
    got, n = shared_prefix_backward(model, rows, prefix[0], denom)
    shared = _flat_grad(model)
    assert n == denom and got == pytest.approx(want / denom, rel=1e-5)
    plain, shared = plain.double(), shared.double()
    assert (plain @ shared / (plain.norm() * shared.norm())).item() >= 0.999
    assert (torch.norm(plain - shared) / torch.norm(plain)).item() < 1e-3


def test_a_prefix_never_swallows_the_first_trained_token(b2b_org_path, tasks, tmp_path):
    tok, examples, first = _two_episodes_sharing_a_prompt(b2b_org_path, tasks, tmp_path)
    model = tiny_model(tok)
    x, y = torch.tensor(examples[0].input_ids), torch.tensor(examples[0].labels())
    with torch.no_grad():
        _, n = masked_lm_loss(model, x, y, cache=None, start=0)
        assert n == examples[0].trained_tokens
        with pytest.raises(ValueError, match="shared prefix must end before"):
            masked_lm_loss(model, x, y, start=first)  # the old limit: the first trained token was dropped


def test_bf16_autocast_keeps_the_loss(b2b_org_path, tasks, tmp_path):
    tok, examples, _ = _two_episodes_sharing_a_prompt(b2b_org_path, tasks, tmp_path)
    model = tiny_model(tok)
    x, y = torch.tensor(examples[0].input_ids), torch.tensor(examples[0].labels())
    with torch.no_grad():
        fp32, _ = masked_lm_loss(model, x, y)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            bf16, _ = masked_lm_loss(model, x, y)
    assert bf16.dtype == torch.float32 and bf16.item() == pytest.approx(fp32.item(), rel=1e-2)


def test_bf16_is_used_where_it_pays():
    from crmweaver.train.models import bf16_is_faster, use_bf16

    assert use_bf16(True) is True and use_bf16(False) is False
    assert use_bf16(None) is bf16_is_faster() and isinstance(bf16_is_faster(), bool)


def test_prefix_batches_group_episodes_that_share_a_prompt():
    a, b = [1] * 300, [2] * 300
    seqs = [a + [i] for i in range(5)] + [b + [9], b + [8], [7, 7]]
    prefix = [300] * 7 + [0]
    batches = PrefixBatches(seqs, prefix, batch_size=2, seed=0)
    first, second = list(batches), list(batches)
    for plan in (first, second):
        assert sorted(i for batch in plan for i in batch) == list(range(8))  # each episode once per epoch
        assert all(len({tuple(seqs[i][:300]) for i in batch}) == 1 for batch in plan)
    assert len(batches) == len(first) == 5 and first != second  # reshuffled every epoch


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
