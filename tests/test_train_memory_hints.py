"""SFT under the hint rule: the teacher episodes the rule picks show their task's guideline in the
system prompt (as evaluation with the memory on does), so the policy is trained on them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmweaver.cli import app
from crmweaver.evaluate import EvalConfig, backend_factory, evaluate
from crmweaver.memory import build_memory, read_records
from crmweaver.org.store import open_org
from crmweaver.tasks.row import write_tasks
from crmweaver.tasks.synth import synthesize
from crmweaver.train.memory_loop import HintRule
from crmweaver.train.presets import SFTConfig, get_preset
from crmweaver.train.sft import SFTError, teacher_hints, teacher_trajectories

pytestmark = pytest.mark.slow  # trains a model

TYPES = ["handle_time", "policy_violation_identification", "lead_qualification", "top_issue_identification"]
HEADING = "# Guideline from similar tasks"


@pytest.fixture(scope="module")
def tasks(b2b_org_path):
    with open_org(b2b_org_path) as org:
        return synthesize(org, per_type=4, types=TYPES, seed=2)


@pytest.fixture(scope="module")
def memory_path(b2b_org_path, tasks, tmp_path_factory):
    """A memory distilled from the oracle's episodes on the same tasks (as the pipeline builds it)."""
    where = tmp_path_factory.mktemp("hints")
    evaluate(b2b_org_path, tasks, backend_factory("oracle"), EvalConfig(model="oracle"), out_dir=where / "oracle")
    path = where / "memory.db"
    build_memory(read_records(where / "oracle"), path, embedder="lexical")[0].close()
    return path


def run_teacher(org_path, tasks, out, config, memory):
    with teacher_hints(config, memory) as shown:
        return teacher_trajectories(org_path, tasks, "oracle", out_dir=out, max_turns=8, schema="task", guideline_for=shown)[0]


def test_the_rule_picks_which_teacher_episodes_show_the_guideline(b2b_org_path, tasks, memory_path, tmp_path):
    config = SFTConfig(hint_rule="prob:0.5", seed=3)
    trajs = run_teacher(b2b_org_path, tasks, tmp_path / "half", config, memory_path)
    assert len(trajs) == len(tasks)
    picked = {t.idx for t in tasks if HintRule.parse("prob:0.5").shows(f"{t.task}:{t.idx}", 3)}
    assert {t.task_idx for t in trajs if t.hinted} == picked and 0 < len(picked) < len(tasks)
    for t in trajs:
        system = t.messages[0]["content"]
        assert (HEADING in system) == t.hinted
        if t.hinted:  # a worked guideline of the task's own type, no placeholder to copy
            guideline = system.split(HEADING, 1)[1]
            assert f"Task type: {t.task_type} " in guideline and "replace " in guideline and "<CASE_ID>" not in guideline
    again = run_teacher(b2b_org_path, tasks, tmp_path / "half-again", config, memory_path)
    assert [t.hinted for t in again] == [t.hinted for t in trajs]  # the same episodes on every run (resumable)

    always = run_teacher(b2b_org_path, tasks, tmp_path / "always", SFTConfig(hint_rule="always"), memory_path)
    assert all(t.hinted for t in always)
    assert not any(t.hinted for t in run_teacher(b2b_org_path, tasks, tmp_path / "never", SFTConfig(), memory_path))
    assert not any(t.hinted for t in run_teacher(b2b_org_path, tasks, tmp_path / "none", config, None))  # no memory: nothing to show


def test_hinted_examples_keep_the_guideline_in_the_prompt_untrained(b2b_org_path, tasks, memory_path, tmp_path):
    pytest.importorskip("transformers")
    from bundled_model import require_bundled_model

    require_bundled_model()
    from crmweaver.train.models import load_tokenizer
    from crmweaver.train.sft import build_examples

    tok = load_tokenizer("local")
    [traj] = run_teacher(b2b_org_path, tasks[:1], tmp_path / "one", SFTConfig(hint_rule="always"), memory_path)
    [example], _ = build_examples(tok, [traj], max_length=16384)
    prompt = tok.decode([i for i, m in zip(example.input_ids, example.loss_mask) if not m])
    trained = tok.decode([i for i, m in zip(example.input_ids, example.loss_mask) if m])
    assert HEADING in prompt and "replace " in prompt and HEADING not in trained and "<execute>" in trained


def test_hint_rule_errors_are_one_sentence(b2b_org_path, tasks, memory_path, tmp_path):
    with pytest.raises(ValueError, match="never, always or prob:P"):
        SFTConfig(hint_rule="on_zero_group")
    with pytest.raises(ValueError, match="unknown hint rule"):
        SFTConfig(hint_rule="sometimes")
    assert get_preset("cpu-study").sft.hint_rule == get_preset("cpu-study").rl.hint_rule == "prob:0.5"
    run = tmp_path / "run"
    evaluate(b2b_org_path, tasks[:2], backend_factory("oracle"), EvalConfig(model="oracle"), out_dir=run)
    with pytest.raises(SFTError, match="--hint-rule never"), teacher_hints(SFTConfig(hint_rule="always"), memory_path) as shown:
        teacher_trajectories(b2b_org_path, tasks, str(run), out_dir=tmp_path / "x", guideline_for=shown)
    task_file = tmp_path / "t.jsonl"
    write_tasks(task_file, tasks[:1])
    cli = CliRunner().invoke(app, ["train", "sft", "--tasks", str(task_file), "--org", str(b2b_org_path), "--out", str(tmp_path / "o"),
                                   "--hint-rule", "always"])
    assert cli.exit_code == 1 and "--memory" in cli.output
    cli = CliRunner().invoke(app, ["train", "sft", "--tasks", str(task_file), "--org", str(b2b_org_path), "--out", str(tmp_path / "o"),
                                   "--memory", str(tmp_path / "absent.db")])
    assert cli.exit_code == 1 and "memory build" in cli.output


def test_results_table_measures_memory_on_vs_off_on_held_out_types(tmp_path):
    """results.md's differences table: memory on vs off per stage, on the held-out (unseen) types
    apart, ALL and non-None golds, each with a paired interval."""
    import json

    from crmweaver.evaluate import load_results
    from crmweaver.evaluate.summary import summarize
    from crmweaver.train.pipeline import PipelineConfig, Study, results_markdown

    types = {"handle_time": "database", "transfer_count": "database", "case_routing": "workflow", "lead_routing": "workflow"}
    held = ("transfer_count", "lead_routing")

    def run(label: str, solved_unseen: bool) -> tuple[str, Path]:
        records = [{"key": f"{t}:{i}:0", "task": t, "idx": i, "trial": 0, "skill": s, "expected": [None] if i == 0 else [f"005{i}"],
                    "reward": float(i == 0 or (t in held and solved_unseen) or (t not in held and i < 3)),
                    "reward_details": {"metric": "exact_match"}} for t, s in types.items() for i in range(8)]
        folder = tmp_path / label.replace(" · ", "-").replace(" ", "-")
        folder.mkdir()
        (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        return label, folder

    runs = dict(run(f"{stage} · memory {m}", m == "on") for stage in ("base", "sft", "sft+rl") for m in ("off", "on"))
    summaries = {label: summarize(load_results(path / "results.jsonl")[0]) for label, path in runs.items()}
    study = Study(summaries, runs, [], held, tmp_path / "rl", tmp_path / "sft", 6)
    md = results_markdown(PipelineConfig(out=tmp_path, preset="cpu-study"), get_preset("cpu-study"), study, {"sft": 60.0})
    assert "| seen types: ALL | held-out types: ALL | held-out types: non-None golds |" in md
    row = next(line for line in md.splitlines() if line.startswith("| memory on vs off (sft) |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3].startswith("+0.0") and cells[4].startswith("+87.5") and cells[5].startswith("+100.0") and cells[5].endswith("*")
    assert "other instances of the held-out types" in md and "(`prob:0.5`) shown their" in md
    assert "**Partial:**" not in md
    partial = results_markdown(PipelineConfig(out=tmp_path, preset="cpu-study"), get_preset("cpu-study"), study, {}, complete=False)
    assert "**Partial:** the study has not finished" in partial  # written after every evaluation, so a stopped study still reports
