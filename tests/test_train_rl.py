"""Multi-turn RL: the objective on hand-made numbers, loss masks from sampled ids, memory rules,
and the cpu-smoke run end to end (TRL GRPOTrainer, checkpoints, resume)."""

from __future__ import annotations

import json
import math
import random
from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from crmweaver.agent.backend import Generation  # noqa: E402
from crmweaver.agent.oracle import answer_text  # noqa: E402
from crmweaver.env.episode import EnvConfig  # noqa: E402
from crmweaver.org.store import open_org  # noqa: E402
from crmweaver.tasks.synth import synthesize  # noqa: E402
from crmweaver.train.memory_loop import HintRule, MemoryLoop  # noqa: E402
from crmweaver.train.objective import clipped_policy_loss, equal_groups, group_advantages, train_masks  # noqa: E402
from crmweaver.train.rl import RLConfig  # noqa: E402
from crmweaver.train.rollout import encode_chat, run_rollout  # noqa: E402

pytestmark = pytest.mark.slow  # runs and trains models (the objective's checks run with them)

TYPES = ["handle_time", "top_issue_identification"]


@pytest.fixture(scope="module")
def tasks(b2b_org_path):
    with open_org(b2b_org_path) as org:
        return synthesize(org, per_type=1, seed=0, types=TYPES)


@pytest.fixture(scope="module")
def tokenizer():
    from crmweaver.train.models import load_tokenizer

    return load_tokenizer("tiny")


class ScriptedTokenSampler:
    """Turn 1 runs the task's first reference query; turn 2 answers, right when `good(call)`.
    Token ids are the tokenizer's, so the rollout sees what a sampler would have sampled."""

    name = "scripted-ids"

    def __init__(self, tokenizer, good=lambda episode: True):
        self.tokenizer, self.good, self.episodes, self.turns = tokenizer, good, 0, []

    def refresh(self, seed=None):
        pass

    def generate(self, messages, *, tools=None, task=None) -> Generation:
        done = sum(m["role"] == "assistant" for m in messages)
        if done == 0 and task.reference and task.reference.steps:
            text = f"<thought>look</thought>\n<execute>{task.reference.steps[0]}</execute>"
        else:
            answer = answer_text(task) if self.good(self.episodes) else "I do not know"
            text = f"<thought>done</thought>\n<respond>{answer}</respond>"
            self.episodes += 1
        prompt_ids = encode_chat(self.tokenizer, messages)
        completion_ids = list(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        self.turns.append((prompt_ids, completion_ids, messages[-1]["content"]))
        return Generation(text, extra={"prompt_ids": prompt_ids, "completion_ids": completion_ids, "finish_reason": "stop"})


# --- the objective on hand-made numbers -------------------------------------------------------


def test_group_advantages():
    adv = group_advantages([1, 0, 0, 1, 1, 1, 1, 1], 4)
    std = math.sqrt((4 * 0.25) / 3)  # unbiased std of [1, 0, 0, 1]
    assert adv[:4] == pytest.approx([0.5 / (std + 1e-4), -0.5 / (std + 1e-4), -0.5 / (std + 1e-4), 0.5 / (std + 1e-4)])
    assert adv[4:] == [0, 0, 0, 0]
    assert group_advantages([1, 0, 0.5, 0.5], 2, scale="none") == [0.5, -0.5, 0, 0]


def test_dynamic_sampling_and_overlong_masks():
    assert equal_groups([1, 1, 0, 1, 0, 0], 2) == [True, False, True]
    r = [SimpleNamespace(reward=x, env_mask=[1, 0, 1], truncated=t) for x, t in [(1, False), (1, False), (0, True), (1, False)]]
    masks, counts = train_masks(r, 2, dynamic_sampling=True, overlong_filter=True)
    assert masks == [[0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 0, 1]]
    assert counts == {"dropped_groups": 1, "overlong_masked": 1}
    masks, _ = train_masks(r, 2, dynamic_sampling=False, overlong_filter=False)
    assert masks == [[1, 0, 1]] * 4


def test_clip_higher_and_token_level_loss():
    # one sequence, advantage +1: ratios 1.5 and 1.0 on two tokens, a third token masked out
    logp = torch.log(torch.tensor([[1.5, 1.0, 3.0]]))
    old = torch.zeros(1, 3)
    mask = torch.tensor([[1, 1, 0]])
    adv = torch.tensor([1.0])
    sym, frac = clipped_policy_loss(logp, old, adv, mask, eps_low=0.2, eps_high=0.2)
    assert sym.item() == pytest.approx(-(1.2 + 1.0) / 2) and frac.item() == pytest.approx(0.5)
    higher, _ = clipped_policy_loss(logp, old, adv, mask, eps_low=0.2, eps_high=0.28)
    assert higher.item() == pytest.approx(-(1.28 + 1.0) / 2)
    # negative advantage: the low bound clips (ratio 0.5 -> 0.8 gives the larger, pessimistic loss)
    low, _ = clipped_policy_loss(torch.log(torch.tensor([[0.5]])), torch.zeros(1, 1), torch.tensor([-1.0]), torch.ones(1, 1))
    assert low.item() == pytest.approx(0.8)
    # token-level (DAPO) weighs every token alike; per-sequence (GRPO) weighs every sequence alike
    logp2, old2 = torch.zeros(2, 3), torch.zeros(2, 3)
    mask2 = torch.tensor([[1, 0, 0], [1, 1, 1]])
    adv2 = torch.tensor([1.0, -1.0])
    tok, _ = clipped_policy_loss(logp2, old2, adv2, mask2, token_level=True)
    seq, _ = clipped_policy_loss(logp2, old2, adv2, mask2, token_level=False)
    assert tok.item() == pytest.approx((-1 + 3) / 4) and seq.item() == pytest.approx(0.0)


def trl_loss(logp, old_logp, advantages, mask, *, eps_low, eps_high, loss_type):
    """TRL's own GRPOTrainer._compute_loss on these numbers, and the clipped fraction it logs. Only
    the policy's forward is replaced: it returns `logp` as the policy's per-token log-probs."""
    from collections import defaultdict

    from trl import GRPOTrainer

    trainer = GRPOTrainer.__new__(GRPOTrainer)
    trainer.__dict__.update(
        loss_type=loss_type, epsilon_low=eps_low, epsilon_high=eps_high, beta=0.0, top_entropy_quantile=1.0,
        off_policy_mask_threshold=None, importance_sampling_level="token", use_vllm=False,
        vllm_importance_sampling_correction=False, aux_loss_enabled=False, _entropy_bonus_enabled=False,
        model=SimpleNamespace(training=False), args=SimpleNamespace(delta=None, steps_per_generation=1),
        accelerator=SimpleNamespace(num_processes=1, reduce=lambda t, reduction: t, gather=lambda t: t.reshape(-1)),
        _metrics=defaultdict(lambda: defaultdict(list)),
        _get_per_token_logps_and_entropies=lambda *args, **kwargs: (logp, torch.zeros_like(logp), None),
    )
    b, t = logp.shape
    inputs = {"prompt_ids": torch.zeros(b, 1, dtype=torch.long), "prompt_mask": torch.ones(b, 1, dtype=torch.long),
              "completion_ids": torch.zeros(b, t, dtype=torch.long), "completion_mask": mask,
              "advantages": advantages, "old_per_token_logps": old_logp, "num_items_in_batch": mask.sum()}
    loss = trainer._compute_loss(None, inputs)
    return loss.item(), trainer._metrics["eval"]["clip_ratio/region_mean"][-1]


@pytest.mark.parametrize("loss_type, token_level, eps_high", [("dapo", True, 0.28), ("grpo", False, 0.2), ("grpo", False, 0.28)])
def test_clipped_policy_loss_is_trls_loss(loss_type, token_level, eps_high):
    """The objective written out in train.objective is the one TRL optimises for our configs:
    same loss and clipped fraction on the same numbers (ratios well outside both clip bounds,
    advantages of both signs, ragged masks)."""
    g = torch.Generator().manual_seed(0)
    old = -torch.rand(4, 7, generator=g) * 3
    logp = old + torch.randn(4, 7, generator=g) * 0.6
    advantages = torch.tensor([1.3, -0.7, 0.4, -1.1])
    mask = (torch.rand(4, 7, generator=g) > 0.3).float()
    mask[2] = 0.0  # a fully masked sequence (a dropped group)
    ours, frac = clipped_policy_loss(logp, old, advantages, mask, eps_low=0.2, eps_high=eps_high, token_level=token_level)
    theirs, their_frac = trl_loss(logp, old, advantages, mask, eps_low=0.2, eps_high=eps_high, loss_type=loss_type)
    assert 0.05 < frac.item() < 0.95  # both bounds are exercised, not a trivial agreement
    assert ours.item() == pytest.approx(theirs, rel=1e-5, abs=1e-6)
    assert frac.item() == pytest.approx(their_frac, rel=1e-5)


def test_config_defaults_per_algo():
    dapo, grpo = RLConfig(algo="dapo"), RLConfig(algo="grpo")
    assert (dapo.eps_high, dapo.loss_type, dapo.dynamic_sampling, dapo.overlong_filter, dapo.beta) == (0.28, "dapo", True, True, 0.0)
    assert (grpo.eps_high, grpo.loss_type, grpo.dynamic_sampling, grpo.overlong_filter) == (0.2, "grpo", False, False)
    for bad in ({"algo": "ppo"}, {"group_size": 1}, {"hint_rule": "sometimes"}, {"temperature": 0.0}, {"num_iterations": 0},
                {"screen_rollouts": 1}, {"max_turns": 0}):
        with pytest.raises(ValueError):
            RLConfig(**bad)


# --- rollouts: the loss mask ------------------------------------------------------------------


def test_loss_mask_keeps_exactly_the_sampled_tokens(b2b_org_path, tasks, tokenizer):
    task = next(t for t in tasks if t.reference and t.reference.steps)
    sampler = ScriptedTokenSampler(tokenizer)
    with open_org(b2b_org_path) as org:
        r = run_rollout(org, task, sampler, config=EnvConfig(max_turns=2))
    assert r.reward == 1.0 and r.turns == 2 and not r.truncated
    (p0, c0, _), (_, c1, observation) = sampler.turns
    assert r.prompt_ids == p0  # the first prompt is the prompt, untouched
    ids, mask = r.prompt_ids + r.completion_ids, [0] * len(r.prompt_ids) + r.env_mask
    assert [i for i, m in zip(ids, mask) if m] == c0 + c1  # every sampled token, in order, and nothing else
    assert r.completion_ids[: len(c0)] == c0 and r.completion_ids[-len(c1):] == c1
    bridge = r.completion_ids[len(c0): -len(c1)]  # end of turn, the observation, the next header: all masked
    assert r.env_mask[len(c0): -len(c1)] == [0] * len(bridge)
    obs_ids = tokenizer(observation[:200], add_special_tokens=False)["input_ids"][5:20]
    assert any(bridge[i: i + len(obs_ids)] == obs_ids for i in range(len(bridge)))


def test_overlong_is_an_episode_cut_off_without_an_answer(b2b_org_path, tasks, tokenizer):
    """A turn that hit max_new_tokens does not make an episode overlong when it went on to answer;
    an episode that ran out of turns with its last turn cut off is overlong."""
    task = next(t for t in tasks if t.reference and t.reference.steps)

    class CutFirstTurn(ScriptedTokenSampler):
        def generate(self, messages, *, tools=None, task=None):
            gen = super().generate(messages, tools=tools, task=task)
            if sum(m["role"] == "assistant" for m in messages) == 0:
                gen.extra["finish_reason"] = "length"
            return gen

    with open_org(b2b_org_path) as org:
        answered = run_rollout(org, task, CutFirstTurn(tokenizer), config=EnvConfig(max_turns=2))
        cut_off = run_rollout(org, task, CutFirstTurn(tokenizer), config=EnvConfig(max_turns=1))
    assert answered.reward == 1.0 and not answered.truncated
    assert cut_off.termination == "max_turns" and cut_off.truncated
    masks, counts = train_masks([answered, answered, cut_off, answered], 2, dynamic_sampling=False, overlong_filter=True)
    assert counts["overlong_masked"] == 1 and sum(masks[0]) > 0 and sum(masks[2]) == 0


def test_policy_sampler_rollout_masks_sampled_ids(b2b_org_path, tasks, tokenizer):
    from crmweaver.train.models import load_policy
    from crmweaver.train.rollout import PolicySampler

    model, tok = load_policy("tiny")
    sampler = PolicySampler(model, tok, temperature=1.0, max_new_tokens=8, seed=1)
    seen = []
    original = sampler.generator.generate

    def spy(prompt_ids, **kw):
        ids = original(prompt_ids, **kw)
        seen.append(ids)
        return ids

    sampler.generator.generate = spy
    with open_org(b2b_org_path) as org:
        r = run_rollout(org, tasks[0], sampler, config=EnvConfig(max_turns=2))
    assert len(seen) == 2 and model.training  # generation left the model in train mode
    assert [i for i, m in zip(r.completion_ids, r.env_mask) if m] == seen[0] + seen[1]
    assert r.truncated  # 8 tokens cannot close a tag: the overlong filter will drop it


# --- memory in the loop -----------------------------------------------------------------------


class _Mem:
    def __init__(self):
        self.records = []

    def guideline_for(self, task):
        return ("g1", "Use the handle time formula.")

    def after_episode(self, record):
        self.records.append(record)
        return "new" if record["reward"] >= 1 and not record["memory"] else None

    def __len__(self):
        return 1 + sum(1 for r in self.records if r["reward"] >= 1 and not r["memory"])


def _outcome(task, guideline, index, reward):
    return SimpleNamespace(reward=reward, hinted=guideline is not None,
                           record=lambda: {"reward": reward, "memory": [guideline[0]] if guideline else []})


def test_hint_rules(tasks):
    assert str(HintRule.parse("prob:0.25")) == "prob:0.25"
    with pytest.raises(ValueError):
        HintRule.parse("prob:2")
    task = tasks[0]
    for rule, expect in (("never", 0), ("always", 4)):
        loop = MemoryLoop(_Mem(), HintRule.parse(rule))
        group = loop.run_group(task, 4, lambda t, g, i: _outcome(t, g, i, 0.0))
        assert sum(o.hinted for o in group) == expect
    loop = MemoryLoop(_Mem(), HintRule.parse("prob:0.5"), seed=3)
    hinted = sum(o.hinted for o in loop.run_group(task, 200, lambda t, g, i: _outcome(t, g, i, 0.0)))
    rng = random.Random(3)
    assert hinted == sum(rng.random() < 0.5 for _ in range(200))
    with pytest.raises(ValueError):
        MemoryLoop(None, HintRule.parse("always"))


def test_on_zero_group_reruns_with_the_hint_and_writes_back(tasks):
    mem = _Mem()
    loop = MemoryLoop(mem, HintRule.parse("on_zero_group"))
    calls = []

    def run_one(t, g, i):
        calls.append(g is not None)
        return _outcome(t, g, i, 1.0 if g else 0.0)  # only the hint solves it

    group = loop.run_group(tasks[0], 2, run_one)
    assert calls == [False, False, True, True] and all(o.hinted for o in group)
    stats = loop.take()
    assert stats["hint_rate"] == 1.0 and stats["retried_groups"] == 1 and stats["memory_outcomes"] == 2
    # a group that scores without help is not re-run and writes new guidelines back
    calls.clear()
    loop.run_group(tasks[0], 2, lambda t, g, i: (calls.append(g is not None), _outcome(t, g, i, 1.0))[1])
    stats = loop.take()
    assert calls == [False, False] and stats["hint_rate"] == 0.0 and stats["memory_written"] == 2


def test_dynamic_sampling_replaces_all_equal_groups_with_informative_ones(tasks):
    from crmweaver.train.rl import _Rollouts

    config = RLConfig(algo="dapo", group_size=2, resample_groups=3)
    rollouts = _Rollouts(list(tasks), None, None, MemoryLoop(None), config, None)
    solvable = tasks[1].idx

    def run_one(t, g, i):  # only the second task has mixed rewards
        return _outcome(t, g, i, float(t.idx == solvable and i == 0))

    groups = [MemoryLoop(None).run_group(tasks[0], 2, run_one)]
    assert rollouts._fill_with_informative_groups(groups, run_one, step=1) >= 1
    assert [o.reward for o in groups[0]] == [1.0, 0.0]
    never = [MemoryLoop(None).run_group(tasks[0], 2, lambda t, g, i: _outcome(t, g, i, 0.0))]
    assert rollouts._fill_with_informative_groups(never, lambda t, g, i: _outcome(t, g, i, 0.0), step=1) == 3


def test_a_step_with_every_group_dropped_leaves_the_weights_alone():
    """Zero gradients through Adam would still move the weights by its momentum."""
    from crmweaver.train.rl import _skip_empty_steps

    weight = torch.nn.Parameter(torch.ones(3))

    class Base:
        def create_optimizer(self):
            return torch.optim.AdamW([weight], lr=0.1, weight_decay=0.0)

    optimizer = _skip_empty_steps(Base)().create_optimizer()
    weight.grad = torch.tensor([1.0, -1.0, 0.5])
    optimizer.step()
    after_real_step = weight.detach().clone()
    assert not torch.equal(after_real_step, torch.ones(3))
    weight.grad = torch.zeros(3)
    optimizer.step()
    assert torch.equal(weight.detach(), after_real_step)
    weight.grad = torch.tensor([0.0, 1.0, 0.0])
    optimizer.step()
    assert not torch.equal(weight.detach(), after_real_step)


def test_verified_success_grows_a_real_memory(b2b_org_path, tasks, tokenizer, tmp_path):
    from crmweaver.memory import Memory

    mem = Memory(tmp_path / "mem.db", embedder="lexical", write_policy="success")
    loop = MemoryLoop(mem, HintRule.parse("never"))
    with open_org(b2b_org_path) as org:
        def run_one(task, guideline, index):
            sampler = ScriptedTokenSampler(tokenizer, good=lambda e: index == 0)
            return run_rollout(org, task, sampler, config=EnvConfig(max_turns=2), guideline=guideline, index=index)

        group = loop.run_group(tasks[0], 2, run_one)
    assert [o.reward for o in group] == [1.0, 0.0]
    assert len(mem) == 1 and loop.take()["memory_written"] == 1  # only the verified success wrote
    loop = MemoryLoop(mem, HintRule.parse("always"))
    assert loop.guideline(tasks[0]) is not None  # the new item is retrieved for the same task


# --- end to end -------------------------------------------------------------------------------


def test_cpu_smoke_rl_end_to_end_and_resume(b2b_org_path, tasks, tokenizer, tmp_path):
    import dataclasses

    from crmweaver.train.models import load_policy
    from crmweaver.train.rl import RL_PRESETS, RLError, train_rl

    out = tmp_path / "rl"
    config = dataclasses.replace(RL_PRESETS["cpu-smoke"], steps=2, group_size=2, tasks_per_step=1, save_every=1)
    result = train_rl(tasks, b2b_org_path, "tiny", out, config)
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines] == [1, 2] and result.steps == 2
    for key in ("reward", "success_by_type", "response_tokens", "equal_group_frac", "hint_rate", "loss", "clip_frac", "step_s"):
        assert key in lines[0]
    assert (out / "metrics.png").stat().st_size > 0
    assert (out / "checkpoints" / "checkpoint-2" / "optimizer.pt").is_file()
    assert (out / "config.json").is_file()  # the final policy, loadable as local:OUT
    with pytest.raises(RLError):
        train_rl(tasks, b2b_org_path, "tiny", out, config)  # a second run refuses to overwrite
    before = {k: v.clone() for k, v in load_policy(str(out))[0].state_dict().items()}

    # resume: one more step, with rewards that differ inside the group so the weights must move
    more = dataclasses.replace(config, steps=3, dynamic_sampling=False, overlong_filter=False, lr=1e-2)
    train_rl(tasks, b2b_org_path, "tiny", out, more, resume=True,
             sampler_factory=lambda model, tok: ScriptedTokenSampler(tok, good=lambda e: e % 2 == 0))
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines] == [1, 2, 3]
    assert lines[-1]["reward"] == 0.5 and lines[-1]["trained_tokens"] > 0
    state = json.loads((out / "checkpoints" / "checkpoint-3" / "trainer_state.json").read_text())
    assert state["global_step"] == 3
    after = load_policy(str(out))[0].state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)


def test_cpu_log_probs_are_a_plain_forwards_with_gradient():
    """The CPU trainer's sparse-logit path scores the completion as a full forward does, and its
    gradient is the full forward's (no shortcut through the prompt)."""
    import contextlib

    from trl import GRPOTrainer

    from crmweaver.train.models import load_policy
    from crmweaver.train.rl import _cpu_trainer

    model, _ = load_policy("tiny")
    cls = _cpu_trainer(GRPOTrainer)
    trainer = cls.__new__(cls)
    trainer.accelerator = SimpleNamespace(autocast=contextlib.nullcontext)
    trainer.temperature = 1.0
    ids = torch.randint(0, 1000, (1, 60), generator=torch.Generator().manual_seed(0))
    att = torch.ones_like(ids)
    fast, _, _ = trainer._get_per_token_logps_and_entropies(model, ids, att, 20)
    fast.sum().backward()
    got = [p.grad.clone() for p in model.parameters()]
    model.zero_grad(set_to_none=True)
    full = model(input_ids=ids).logits[0, -21:-1].float().log_softmax(-1).gather(-1, ids[0, -20:, None]).squeeze(-1)
    full.sum().backward()
    assert torch.allclose(fast[0], full, atol=1e-5)
    for g, p in zip(got, model.parameters(), strict=True):
        assert torch.allclose(g, p.grad, atol=1e-6)


def test_a_fully_masked_micro_batch_skips_forward_and_backward():
    from crmweaver.train.rl import _skip_masked_batches

    calls = []

    class Base:
        def _compute_loss(self, model, inputs):
            calls.append(inputs)
            return torch.ones((), requires_grad=True)

    trainer = _skip_masked_batches(Base)()
    empty = {"completion_mask": torch.ones(2, 3), "tool_mask": torch.zeros(2, 3)}
    loss = trainer._compute_loss(None, empty)
    assert calls == [] and loss.item() == 0.0 and loss.requires_grad and trainer.skipped_batches == 1
    loss.backward()  # the Trainer's backward on it is harmless
    trainer._compute_loss(None, {"completion_mask": torch.ones(2, 3), "tool_mask": torch.tensor([[0, 1, 0], [0, 0, 0]])})
    assert len(calls) == 1 and trainer.skipped_batches == 1


def test_screening_keeps_the_tasks_the_policy_sometimes_solves(tasks, tmp_path):
    from crmweaver.train.rl import screen_tasks

    rates = {tasks[0].idx: [1, 1, 1, 1], tasks[1].idx: [0, 1, 0, 0]}
    runs = []

    def run_group(part, n):
        runs.extend(task.idx for task in part for _ in range(n))
        return [[SimpleNamespace(reward=float(x)) for x in rates[task.idx][:n]] for task in part]

    kept, record = screen_tasks(list(tasks), run_group, 4, chunk=2, path=tmp_path / "screen.json")
    assert [t.idx for t in kept] == [tasks[1].idx] and record["fallback"] is None and len(runs) == 8
    assert record["mean_pass_rate"] == pytest.approx((1 + 0.25) / 2) and record["kept_pass_rate"] == 0.25
    again, _ = screen_tasks(list(tasks), run_group, 4, path=tmp_path / "screen.json")  # resumed: nothing re-run
    assert [t.idx for t in again] == [tasks[1].idx] and len(runs) == 8
    rates[tasks[1].idx] = [0, 0, 0, 0]
    kept, record = screen_tasks(list(tasks), run_group, 4)
    assert [t.idx for t in kept] == [tasks[0].idx] and "solved at least once" in record["fallback"]


def test_screening_can_skip_none_golds(b2b_org_path, tasks, tmp_path):
    """screen_none_golds=False: only tasks whose gold is not None are screened (and so trained on)."""
    import dataclasses

    from crmweaver.tasks.stats import is_none
    from crmweaver.train.rl import RL_PRESETS, RLError, train_rl

    rows = list(tasks) + [tasks[0].model_copy(update={"idx": 999, "answer": [None]})]
    config = dataclasses.replace(RL_PRESETS["cpu-smoke"], steps=1, group_size=2, tasks_per_step=1, save_every=1,
                                 screen_rollouts=2, screen_none_golds=False)
    train_rl(rows, b2b_org_path, "tiny", tmp_path / "rl", config,
             sampler_factory=lambda model, tok: ScriptedTokenSampler(tok, good=lambda e: e % 2 == 0))
    screened = json.loads((tmp_path / "rl" / "screen.json").read_text())["rewards"]
    assert sorted(screened) == sorted(f"{t.task}:{t.idx}" for t in rows if not is_none(t))
    with pytest.raises(RLError, match="gold other than None"):
        train_rl([t for t in rows if is_none(t)], b2b_org_path, "tiny", tmp_path / "rl2", config)


def test_rollouts_are_reused_for_num_iterations_steps(b2b_org_path, tasks, tmp_path):
    """num_iterations=2: one rollout batch serves two optimizer steps (the second with ratios away from 1)."""
    import dataclasses

    from crmweaver.train.rl import RL_PRESETS, train_rl

    samplers = []

    def factory(model, tok):
        samplers.append(ScriptedTokenSampler(tok, good=lambda e: e % 2 == 0))
        return samplers[-1]

    config = dataclasses.replace(RL_PRESETS["cpu-smoke"], steps=4, group_size=2, tasks_per_step=1, save_every=4, lr=1e-2,
                                 num_iterations=2, dynamic_sampling=False, overlong_filter=False, screen_rollouts=2)
    train_rl(tasks, b2b_org_path, "tiny", tmp_path / "rl", config, sampler_factory=factory)
    lines = [json.loads(x) for x in (tmp_path / "rl" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines] == [1, 2, 3, 4] and [r["iteration"] for r in lines] == [1, 2, 1, 2]
    assert samplers[0].episodes == 2 * len(tasks) + 4  # screening (2 per task), then two batches of G=2 for four steps
    screen = json.loads((tmp_path / "rl" / "screen.json").read_text())
    assert screen["tasks"] == screen["kept"] == len(tasks) and screen["fallback"] is None  # every task scored 1 and 0
    assert all(r["signal"] for r in lines) and lines[1]["clip_frac"] is not None


def test_cli_train_rl_checks_its_flags(b2b_org_path, tasks, tmp_path):
    from typer.testing import CliRunner

    from crmweaver.cli import app
    from crmweaver.tasks.row import write_tasks

    path = tmp_path / "train.jsonl"
    write_tasks(path, tasks)
    runner = CliRunner()
    base = ["train", "rl", "--tasks", str(path), "--org", str(b2b_org_path), "--out", str(tmp_path / "o"), "--preset", "cpu-smoke"]
    cases = [(["--hint-rule", "always"], "--memory"), (["--hint-rule", "sometimes"], "hint rule"),
             (["--algo", "ppo"], "grpo or dapo"), (["--group-size", "1"], "group_size"), (["--resume"], "nothing to resume"),
             (["--resample-groups", "-1"], "resample_groups")]
    for extra, words in cases:
        result = runner.invoke(app, base + extra)
        assert result.exit_code == 1 and words in result.output, (extra, result.output)
    result = runner.invoke(app, base + ["--schema", "some"])  # a choice: click refuses it, as every usage error
    assert result.exit_code == 2, result.output


def test_vllm_sampler_keeps_server_ids_and_logprobs(b2b_org_path, tasks, tokenizer):
    """TRL's vLLM client (faked): token-id prompts in, completion ids + logprobs into the rollout."""
    from crmweaver.train.rollout import VLLMSampler

    task = next(t for t in tasks if t.reference and t.reference.steps)

    class FakeClient:
        def __init__(self):
            self.calls = []

        def generate(self, prompts, n, temperature, top_p, max_tokens, logprobs, generation_kwargs):
            self.calls.append((prompts, generation_kwargs))
            text = (f"<execute>{task.reference.steps[0]}</execute>" if len(self.calls) == 1
                    else f"<respond>{answer_text(task)}</respond>")
            ids = tokenizer(text, add_special_tokens=False)["input_ids"]
            return {"prompt_ids": prompts, "completion_ids": [ids], "logprobs": [[[-0.5]] * len(ids)]}

    client = FakeClient()
    sampler = VLLMSampler(tokenizer, client=client, temperature=1.0, max_new_tokens=64)
    with open_org(b2b_org_path) as org:
        r = run_rollout(org, task, sampler, config=EnvConfig(max_turns=3))
    assert r.reward == 1.0 and len(client.calls) == 2
    assert client.calls[0][0][0] == r.prompt_ids and "</respond>" in client.calls[0][1]["stop"]
    assert [lp for lp, m in zip(r.logprobs, r.env_mask) if m] == [-0.5] * sum(r.env_mask)
    assert all(lp == 0.0 for lp, m in zip(r.logprobs, r.env_mask) if not m)


def test_rl_with_puts_the_flags_given_over_the_preset():
    """`train rl`'s merge (Preset.rl_with): flags left out keep the preset's values; a new --algo brings
    that algorithm's own clip, loss, sampling and filter (cpu-demo is DAPO: asking for GRPO once
    kept DAPO's settings); --vllm-url generates on vLLM."""
    from crmweaver.train.presets import get_preset

    p = get_preset("cpu-demo")
    assert p.rl.algo == "dapo" and p.rl_with() == p.rl
    mine = p.rl_with(steps=3, lr=None)
    assert mine.steps == 3 and mine.lr == p.rl.lr and mine.hint_rule == p.rl.hint_rule
    grpo = p.rl_with(algo="grpo")
    assert (grpo.eps_high, grpo.loss_type, grpo.dynamic_sampling, grpo.overlong_filter) == (0.2, "grpo", False, False)
    assert p.rl_with(algo="grpo", eps_high=0.3).eps_high == 0.3
    assert p.rl_with(vllm_url="http://localhost:8000").sampler == "vllm"
