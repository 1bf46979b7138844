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
