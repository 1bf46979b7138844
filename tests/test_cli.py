"""The command line as a user meets it: outputs, exit codes, one-line errors."""

import json

from typer.testing import CliRunner

from crmweaver.cli import app

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def invoke(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], env=WIDE, input=input)


def test_org_build_info_validate(tmp_path):
    out = tmp_path / "tiny.db"
    result = invoke("org", "build", "--preset", "b2c", "--scale", "0.05", "--seed", "3", "--out", out)
    assert result.exit_code == 0, result.output
    assert "B2C" in result.output and "Knowledge__kav" in result.output and "seed 3" in result.output
    again = invoke("org", "build", "--preset", "b2c", "--out", out)
    assert again.exit_code == 1 and "--overwrite" in again.output
    assert invoke("org", "info", out).exit_code == 0
    valid = invoke("org", "validate", out)
    assert valid.exit_code == 0 and "no violations" in valid.output
    assert invoke("org", "build", "--preset", "b2x", "--out", tmp_path / "x.db").exit_code == 2


def test_errors_are_one_line(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    for args in (("org", "info", tmp_path / "absent.db"), ("org", "validate", junk), ("query", "--org", junk, "SELECT Id FROM Case")):
        result = invoke(*args)
        assert result.exit_code == 1
        assert "Traceback" not in result.output and result.output.count("error:") == 1


def test_query_and_jsonl(b2b_org_path, tmp_path):
    ok = invoke("query", "--org", b2b_org_path, "SELECT COUNT() FROM Case")
    assert ok.exit_code == 0 and json.loads(ok.output)["totalSize"] > 0
    bad = invoke("query", "--org", b2b_org_path, "SELECT Nope FROM Case")
    assert bad.exit_code == 1 and json.loads(bad.output)[0]["errorCode"] == "INVALID_FIELD"
    lines = [json.dumps({"q": "SELECT Id FROM Account LIMIT 2"}), "{broken", json.dumps({"q": "FIND {zzzzqqq}"}),
             json.dumps({"q": "DELETE FROM Case"})]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = invoke("query", "--org", b2b_org_path, "--jsonl", path)
    assert result.exit_code == 0, result.output
    outputs = [json.loads(line) for line in result.output.splitlines()]
    assert len(outputs) == 4
    assert outputs[0]["totalSize"] == 2
    assert outputs[1][0]["errorCode"] == "MALFORMED_REQUEST"
    assert outputs[2] == {"searchRecords": []}
    assert isinstance(outputs[3], list)
    stdin = invoke("query", "--org", b2b_org_path, "--jsonl", "-", input=lines[0] + "\n")
    assert json.loads(stdin.output)["totalSize"] == 2
    assert invoke("query", "--org", b2b_org_path).exit_code == 1


def test_tasks_synth_and_stats(b2b_org_path, tmp_path):
    out = tmp_path / "tasks.jsonl"
    result = invoke("tasks", "synth", "--org", b2b_org_path, "--per-type", 5, "--types", "handle_time", "--out", out)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 5 and all(r["task"] == "handle_time" and r["reference"]["steps"] for r in rows)
    assert "handle_time" in invoke("tasks", "stats", out).output
    unknown = invoke("tasks", "synth", "--org", b2b_org_path, "--types", "astrology", "--out", out)
    assert unknown.exit_code == 1 and "unknown task type" in unknown.output


def test_messages_keep_square_brackets():
    """Errors and progress lines name extras (crmweaver[train]): rich must not read them as markup."""
    import typer

    from crmweaver.cli import fail, say

    app2 = typer.Typer()

    @app2.command()
    def run() -> None:
        say("needs pip install -e '.[local,train]'")
        fail("install it: pip install 'crmweaver[train]'")

    result = CliRunner().invoke(app2, [])
    assert result.exit_code == 1
    assert ".[local,train]" in result.output and "crmweaver[train]" in result.output


def test_choice_options_list_their_values_and_refuse_others():
    """--protocol, --executor, --schema and --distiller are choices: --help lists them, a bad value exits 2."""
    cases = [(("eval",), "--protocol", "react|tools"), (("eval",), "--executor", "local|ray"), (("eval",), "--schema", "full|task"),
             (("train", "sft"), "--schema", "full|task"), (("train", "rl"), "--schema", "full|task"),
             (("memory", "build"), "--distiller", "rule|llm")]
    for command, option, choices in cases:
        assert choices in invoke(*command, "--help").output, (command, option)
        result = invoke(*command, option, "bogus")
        assert result.exit_code == 2 and "bogus" in result.output and choices.split("|")[0] in result.output, (command, option)


def test_demo_and_eval_name_the_tokens_per_turn_alike():
    """--max-tokens everywhere; demo's old --max-new-tokens is still accepted but no longer shown."""
    for command in (("eval",), ("demo",), ("train", "rl")):
        assert "--max-tokens" in invoke(*command, "--help").output
    assert "--max-new-tokens" not in invoke("demo", "--help").output
    old = invoke("demo", "--max-new-tokens", "4")  # parsed as demo's option (at least 8), not an unknown one
    assert old.exit_code == 2 and "Invalid value for '--max-new-tokens'" in old.output
