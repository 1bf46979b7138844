"""The training pipeline as a user runs it, at cpu-smoke scale: SFT, then RL from the SFT checkpoint
with the memory in the loop, then evaluation of the result — all through the command line."""

import json

import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")
pytest.importorskip("trl")

from crmweaver.cli import app  # noqa: E402
from crmweaver.org.store import open_org  # noqa: E402
from crmweaver.tasks.row import write_tasks  # noqa: E402
from crmweaver.tasks.synth import synthesize  # noqa: E402

pytestmark = pytest.mark.slow  # the training study end to end


def invoke(*args):
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result


def test_sft_then_rl_then_eval(b2b_org_path, tmp_path):
    tasks = tmp_path / "tasks.jsonl"
    with open_org(b2b_org_path) as org:
        write_tasks(tasks, synthesize(org, per_type=1, seed=3, types=["handle_time", "knowledge_qa"]))
    sft, rl, mem = tmp_path / "sft", tmp_path / "rl", tmp_path / "mem.db"
    invoke("eval", "--org", b2b_org_path, "--tasks", tasks, "--model", "oracle", "--out", tmp_path / "teacher")
    invoke("memory", "build", "--from", tmp_path / "teacher", "--out", mem)
    invoke("train", "sft", "--preset", "cpu-smoke", "--model", "tiny", "--tasks", tasks, "--org", b2b_org_path,
           "--out", sft, "--max-steps", 1, "--teacher", tmp_path / "teacher")
    assert (sft / "config.json").is_file()
    invoke("train", "rl", "--preset", "cpu-smoke", "--model", sft, "--tasks", tasks, "--org", b2b_org_path,
           "--out", rl, "--steps", 1, "--group-size", 2, "--memory", mem, "--hint-rule", "always")
    step = json.loads((rl / "metrics.jsonl").read_text().splitlines()[-1])
    assert step["step"] == 1 and step["hint_rate"] == 1.0
    invoke("eval", "--org", b2b_org_path, "--tasks", tasks, "--model", f"local:{rl}", "--max-turns", 1,
           "--max-tokens", 8, "--out", tmp_path / "run")
    records = (tmp_path / "run" / "results.jsonl").read_text().splitlines()
    assert len(records) == 2 and all(json.loads(r)["infra_error"] is None for r in records)


def test_pipeline_runs_every_stage_and_resumes(cpu_smoke_study):
    """`train pipeline --preset cpu-smoke`: six evaluations on held-out tasks, a results table, and a
    second invocation that finds every stage done and only rewrites the table."""
    out, first_output = cpu_smoke_study
    for stage in ("base", "sft", "sft-rl"):
        for mem in ("off", "on"):
            records = [json.loads(x) for x in (out / "runs" / f"{stage}-mem-{mem}" / "results.jsonl").read_text().splitlines()]
            assert len(records) == 4 and all(r["infra_error"] is None for r in records)
            assert all(bool(r["memory"]) == (mem == "on") for r in records)
    train = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    test = [json.loads(x) for x in (out / "test.jsonl").read_text().splitlines()]
    assert not {(r["task"], r["idx"]) for r in train} & {(r["task"], r["idx"]) for r in test}
    assert len({r["task"] for r in train}) == len(train) == 8  # interleaved: the first N cover N types
    md = (out / "results.md").read_text()
    assert "| base · memory off | base · memory on | sft after 2 · memory off | sft · memory off |" in md and "crmweaver train pipeline" in md
    assert '| sft+rl · memory on | answer "None" |' in md  # the constant-None baseline next to every run
    assert "| non-None golds |" in md and "## Differences between stages" in md and "| sft vs base (memory off) |" in md
    seen = json.loads((out / "sft" / "sft.json").read_text())["episodes_seen"]
    assert "| 0 | " in md and "| 2 | " in md and f"| {seen} | " in md and (out / "learning_curve.png").is_file()  # 0, 2, all seen
    assert "Optimizer steps with a non-zero gradient" in md
    assert "base · memory off" in first_output
    budget = max(len(r["reference"]["steps"]) for r in train + test) + 2
    assert f"{budget} turns per episode" in md
    oracle = [json.loads(x) for x in (out / "runs" / "oracle-train" / "results.jsonl").read_text().splitlines()]
    assert all(r["reward"] == 1.0 for r in oracle)  # the budget fits every reference trajectory
    sft_meta = json.loads((out / "sft" / "crmweaver_train.json").read_text())
    assert sft_meta["teacher_max_turns"] == budget  # the teacher recorded under the student's budget
    stamp = (out / "sft" / "sft.json").stat().st_mtime
    again = invoke("train", "pipeline", "--preset", "cpu-smoke", "--out", out)
    assert "SFT on" not in again.output and "RL (" not in again.output
    assert (out / "sft" / "sft.json").stat().st_mtime == stamp
    assert "- sft: " in (out / "results.md").read_text()  # stage times survive the second invocation


def test_split_by_type_holds_out_the_first_instances_of_each_type():
    from crmweaver.tasks.row import TaskRow
    from crmweaver.train.pipeline import split_by_type

    rows = [TaskRow(idx=i, task=t, query="q", answer=["x"], reward_metric="exact_match")
            for i, t in enumerate(["handle_time"] * 3 + ["knowledge_qa"] * 2)]
    train, test = split_by_type(rows, 1)
    assert [r.idx for r in test] == [0, 3] and [r.idx for r in train] == [1, 4, 2]
    train, test = split_by_type(rows, 1, held_out=("knowledge_qa",))  # a held-out type is evaluated, never trained on
    assert [r.idx for r in test] == [0, 3] and [r.idx for r in train] == [1, 2]


def test_study_preset_holds_out_types_and_fits_the_turn_budget():
    from crmweaver.tasks.types import TASK_TYPES
    from crmweaver.train.presets import get_preset

    study = get_preset("cpu-study")
    assert len(study.held_out_types) == 4 and set(study.held_out_types) <= set(TASK_TYPES)
    assert study.eval_tasks >= 5 * len(TASK_TYPES) and study.eval_max_turns is None  # >= 5 held-out instances per type
    assert study.sft.max_tasks >= 200 and study.sft.curve and study.sft.bf16 is None and study.rl.bf16 is None  # bf16 where it pays
    assert study.rl.num_iterations >= 2 and study.rl.screen_rollouts >= 2 and study.rl.group_size >= 8


def test_demo_trains_the_model_and_evaluates_it_again_on_the_same_tasks(tmp_path):
    """`crmweaver demo`: the oracle, the model, SFT on the oracle's episodes of other instances, the
    trained model on the same held-out tasks; a second invocation finds every stage done."""
    from crmweaver.train.models import TINY, load_policy, save_checkpoint

    base = tmp_path / "tiny"
    save_checkpoint(*load_policy(TINY), base, meta={"stage": "base", "base": TINY})
    out = tmp_path / "demo"
    args = ("demo", "--out", out, "--model", f"local:{base}", "--train-tasks", 6, "--max-tokens", 8)
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    held_out = [json.loads(x) for x in (out / "tasks.jsonl").read_text().splitlines()]
    train = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    assert len(held_out) == 22 and len(train) == 6 and not {(r["task"], r["idx"]) for r in train} & {(r["task"], r["idx"]) for r in held_out}
    budget = max(len(r["reference"]["steps"]) for r in held_out + train) + 2
    for run in ("oracle", f"local_{base}".replace("/", "_"), "trained"):
        records = [json.loads(x) for x in (out / "runs" / run / "results.jsonl").read_text().splitlines()]
        assert sorted(r["idx"] for r in records) == sorted(r["idx"] for r in held_out) and all(r["infra_error"] is None for r in records)
        if run != "oracle":
            assert max(r["turns"] for r in records) <= budget
    assert json.loads((out / "sft" / "crmweaver_train.json").read_text())["teacher_max_turns"] == budget
    assert "trained" in result.output and "non-None golds" in result.output
    stamp = (out / "sft" / "sft.json").stat().st_mtime
    again = invoke(*args)
    assert again.exit_code == 0 and "training" not in again.output and (out / "sft" / "sft.json").stat().st_mtime == stamp


def test_training_prior_baseline_answers_each_types_most_frequent_gold():
    """The study's second baseline: a policy that learned only which answer each type usually has."""
    from crmweaver.evaluate.record import ResultRecord
    from crmweaver.tasks.row import TaskRow
    from crmweaver.train.pipeline import prior_answers, prior_reward

    rows = [TaskRow(idx=i, task="wrong_stage_rectification", query="q", answer=[a], reward_metric="exact_match")
            for i, a in enumerate(["Closed", "Closed", "Qualification", None])]
    rows.append(TaskRow(idx=9, task="handle_time", query="q", answer=[None], reward_metric="exact_match"))
    priors = prior_answers(rows)
    assert priors == {"wrong_stage_rectification": "Closed", "handle_time": "None"}
    reward = prior_reward(priors)

    def record(task: str, gold: object) -> ResultRecord:
        return ResultRecord(key=f"{task}{gold}", task=task, idx=0, reward=0.0, expected=[gold], reward_details={"metric": "exact_match"})

    assert reward(record("wrong_stage_rectification", "Closed")) == 1.0
    assert reward(record("wrong_stage_rectification", "Negotiation")) == 0.0
    assert reward(record("lead_routing", None)) == 1.0  # a type never trained on: the prior is None
    assert reward(record("lead_routing", "005Wt0000000012IAA")) == 0.0
